"""Whatever arrives as a body, every write route answers with a 4xx that names the problem and
writes nothing: bytes that are not UTF-8, JSON nested without end, text holding what no text can
(a lone surrogate, a NUL), and required text of spaces only. One body reader and one set of
text kinds make these impossible everywhere, so the test walks every route of the template."""

from __future__ import annotations

import json

import pytest

from infra.local.template import api_routes, load_template
from tests.conftest import TableWrites
from tests.integration.test_access import _path_to

#: the write routes that read no body (an action on what the path names): a body is ignored there
TAKES_NO_BODY = {"POST /me/phone-verification", "POST /me/email-verification", "POST /agent/contacts/{contact_id}/take",
                 "POST /agent/customers/{customer_id}/invoices/{invoice_id}/payment-link",
                 "POST /signups/{signup_id}/signature-code", "POST /signups/{signup_id}/identification",
                 "POST /me/disputes/{dispute_id}/evidence/{evidence_id}/check",
                 "POST /me/orders/{order_id}/signature-code",
                 "POST /agent/customers/{customer_id}/orders/{order_id}/signature-code",
                 "POST /me/data-requests/export", "POST /agent/customers/{customer_id}/data-requests/export",
                 "POST /me/direct-debit/mandates"}
WRITES = [r for r in api_routes(load_template()) if r.method in ("POST", "PATCH", "PUT")
          and f"{r.method} {r.resource}" not in TAKES_NO_BODY]
NOT_UTF8 = b'{"text": "caf\xe9"}'
DEEP = ("[" * 5000 + "]" * 5000).join(['{"text": ', "}"]).encode()
SURROGATE = b'{"text": "hi \\ud800", "question": "\\ud800\\ud800\\ud800", "query": "\\ud800 x"}'
#: what a route may answer such a body with: refused for the body, or refused earlier for who is
#: asking or what they ask about (a staff route as staff about nobody, a webhook without a signature)
REFUSED = {400, 401, 403, 404, 409, 413}


def _caller(route, customer, agent, anonymous):
    if route.resource.startswith("/agent"):
        return agent
    if route.resource.startswith("/me"):
        return customer
    return anonymous


@pytest.mark.parametrize("body", [NOT_UTF8, DEEP, SURROGATE], ids=["not-utf8", "nested-5000", "lone-surrogate"])
@pytest.mark.parametrize("route", WRITES, ids=lambda r: f"{r.method} {r.resource}")
def test_a_body_no_route_can_take_is_refused_in_words_and_writes_nothing(cloud, customer, agent, anonymous, route,
                                                                        body):
    writes = TableWrites(cloud)
    response = _caller(route, customer, agent, anonymous).request(
        route.method, _path_to(route, customer), data=body, headers={"Content-Type": "application/json"})
    assert response.status_code in REFUSED, (response.status_code, response.text)
    answer = response.json()
    assert answer["code"] and answer["message"]
    if response.status_code == 400 and answer.get("field") == "body":
        assert answer["reason"] in ("body_not_utf8", "body_too_deep", "body_not_json"), answer
    assert writes.since() == []


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/me/contacts", {"question": "   "}, "question"),
    ("/me/moves", {"street": " ", "house_number": 1, "postcode": "1012 LG", "city": "Amsterdam",
                   "move_date": "2030-01-01"}, "street"),
    ("/me/requests", {"kind": "repair", "subject": "   ", "text": "Het werkt niet"}, "subject"),
    ("/me/requests", {"kind": "repair", "subject": "Storing", "text": " \n\t "}, "text"),
    ("/me/contacts", {"question": "Line one\u0000"}, "question"),
    ("/me/contacts", {"question": "Hi \ud800 there"}, "question"),
])
def test_text_of_spaces_or_of_what_is_not_text_is_refused_naming_the_field(cloud, customer, path, body, field):
    writes = TableWrites(cloud)
    response = customer.post(path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    assert response.status_code == 400, response.text
    assert response.json()["field"] == field
    assert response.json()["reason"] in ("field_required", "text_invalid")
    assert writes.since() == []


def test_the_routes_that_take_no_body_are_routes_of_the_template():
    assert TAKES_NO_BODY <= {f"{r.method} {r.resource}" for r in api_routes(load_template())}
