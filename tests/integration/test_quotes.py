"""Quotes: staff (or the customer) make a quote of a product or of another plan at the catalogue's
prices, valid until a day; the customer sees it and accepts it online, which orders the product
(signed as any order) or changes the plan, at the quote's prices even when the catalogue changed
since; an expired, declined or withdrawn quote is not accepted, an accepted one is accepted once."""

from __future__ import annotations

import copy
import json
from datetime import timedelta

import pytest

from opencounter.core.clock import business_today
from tests.conftest import Caller, TableWrites, at_once, give_product, visit_done
from tests.integration.test_orders import _code, _signature, _windows

FIBRE_FEE, FIBRE_CONNECTION = 4250, 2500


def _staff_quote(agent: Caller, customer: Caller, **body) -> dict:
    made = agent.post(f"/agent/customers/{customer.customer_id}/quotes",
                      json={"product_code": "FIBRE", "plan_code": "FIBRE-100", **body})
    assert made.status_code == 201, made.text
    return made.json()


def _accept(customer: Caller, quote: dict, **body) -> dict:
    accepted = customer.post(f"/me/quotes/{quote['quote_id']}/acceptance", json=body)
    assert accepted.status_code == 200, accepted.text
    return accepted.json()


@pytest.fixture
def prices_raised(cloud):
    """The catalogue changes: a new version in which every plan costs 5 euros a month more and
    connecting costs 10 euros more; the shipped one is current again afterwards."""
    from opencounter.catalogue.service import load_catalogue
    from opencounter.overview.reference import CATALOGUE

    shipped = json.loads(CATALOGUE.read_text())
    raised = copy.deepcopy(shipped)
    raised["version"] = "2099-01-01"
    raised["prices_from"] = "2099-01-01"  # a rise is announced ahead (ADR 38)
    for product in raised["products"]:
        for plan in product["plans"]:
            plan["monthly_fee_cents"] += 500
            if plan.get("connection_fee_cents"):
                plan["connection_fee_cents"] += 1000
    load_catalogue(raised)
    yield raised
    load_catalogue(shipped)


def test_staff_make_a_quote_the_customer_sees_it_in_their_language_and_on_the_timeline(cloud, agent, customer):
    # Given an agent who makes the customer a quote for fibre, valid two weeks
    quote = _staff_quote(agent, customer, valid_days=14)
    cloud.cloud.settle()

    # Then it holds the catalogue's prices, VAT included, and its last day
    assert (quote["kind"], quote["status"], quote["product"]["plan_code"]) == ("product", "open", "FIBRE-100")
    assert quote["prices"] == {"monthly_fee_cents": FIBRE_FEE, "one_off_cents": FIBRE_CONNECTION,
                               "fixed_term_months": None, "includes_vat": True, "vat_rate_percent": 21,
                               "currency": "EUR"}
    assert quote["valid_until"] == (business_today() + timedelta(days=14)).isoformat()
    assert (quote["made_by"]["type"], quote["fulfilment"]) == ("agent", "engineer_visit")
    # And the customer sees it among their quotes (made by a staff member: by role, not who), and on
    # the 360 view staff see it too
    theirs = {**quote, "made_by": {"type": "agent", "role": "agent"}}
    assert customer.get("/me/quotes").json()["items"] == [theirs]
    assert customer.get(f"/me/quotes/{quote['quote_id']}").json() == theirs
    assert agent.get(f"/agent/customers/{customer.customer_id}").json()["quotes"] == [quote]
    # And they are told, in Dutch, what is offered and until when
    [told] = [m for m in cloud.cloud.mailbox(customer.email) if m["subject"] == "Een offerte voor u"]
    assert "Glasvezel internet" in told["body"] and "€ 42,50 per maand" in told["body"]
    assert "eenmalig € 25,00" in told["body"]
    timeline = customer.get("/me/timeline").json()["items"]
    assert any(e["type"] == "QuoteMade" and e["title"] == "A quote for you" for e in timeline)


def test_a_customers_own_quote_is_valid_thirty_days_and_not_told_back_to_them(cloud, customer):
    chosen = customer.post("/me/quotes", json={"product_code": "FIBRE", "plan_code": "FIBRE-100", "valid_days": 60})
    assert (chosen.status_code, chosen.json()["reason"]) == (400, "quote_validity_by_staff")

    made = customer.post("/me/quotes", json={"product_code": "FIBRE", "plan_code": "FIBRE-100"})
    cloud.cloud.settle()

    assert made.status_code == 201, made.text
    assert made.json()["valid_until"] == (business_today() + timedelta(days=30)).isoformat()
    assert [m for m in cloud.cloud.mailbox(customer.email) if m["subject"] == "Een offerte voor u"] == []


def test_a_quote_sent_again_with_its_key_is_made_once(cloud, agent, customer):
    body = {"product_code": "FIBRE", "plan_code": "FIBRE-100"}
    staff_path = f"/agent/customers/{customer.customer_id}/quotes"
    # Given a customer whose request is sent twice at once, and once more later, with one key
    mine = at_once([lambda: customer.post("/me/quotes", json=body, headers={"Idempotency-Key": "mine-1"})
                    for _ in range(2)])
    again = customer.post("/me/quotes", json=body, headers={"Idempotency-Key": "mine-1"})
    # And an agent whose request is retried with its key
    staff = [agent.post(staff_path, json={**body, "valid_days": 14}, headers={"Idempotency-Key": "desk-1"})
             for _ in range(2)]
    cloud.cloud.settle()

    # Then every answer is the one quote each made
    assert [a.status_code for a in [*mine, again, *staff]] == [201] * 5, [a.text for a in [*mine, again, *staff]]
    assert mine[0].json() == mine[1].json() == again.json()
    assert staff[0].json() == staff[1].json()
    quotes = customer.get("/me/quotes").json()["items"]
    assert sorted(q["quote_id"] for q in quotes) == sorted({mine[0].json()["quote_id"], staff[0].json()["quote_id"]})
    # And the customer is told of the agent's quote once
    assert len([m for m in cloud.cloud.mailbox(customer.email) if m["subject"] == "Een offerte voor u"]) == 1
    # And the key sent with another request is refused, as on every keyed route
    other = customer.post("/me/quotes", json={**body, "plan_code": "FIBRE-1000"},
                          headers={"Idempotency-Key": "mine-1"})
    assert (other.status_code, other.json()["reason"]) == (409, "idempotency_key_reused")
    assert len(customer.get("/me/quotes").json()["items"]) == 2


def test_accepting_orders_the_product_at_the_quoted_prices_though_the_catalogue_changed(cloud, agent, customer,
                                                                                       prices_raised):
    # Given a quote made before the catalogue raised its prices (the fixture loads the raised one
    # after the quote is made: it is made here under the shipped catalogue first)
    from opencounter.catalogue.service import load_catalogue
    from opencounter.overview.reference import CATALOGUE

    load_catalogue(json.loads(CATALOGUE.read_text()))
    quote = _staff_quote(agent, customer)
    load_catalogue(prices_raised)
    assert next(p for p in customer.get("/products").json()["items"] if p["code"] == "FIBRE")["plans"][0][
        "monthly_fee_cents"] != FIBRE_FEE

    # When the customer accepts it with the window the engineer comes in, and signs the order
    window = _windows(customer)[0]
    accepted = _accept(customer, quote, slot=window)
    order = accepted["order"]
    assert (accepted["quote"]["status"], accepted["quote"]["order_id"]) == ("accepted", order["order_id"])
    assert (order["status"], order["quote_id"]) == ("PLACED", quote["quote_id"])
    assert (order["product"]["monthly_fee_cents"], order["product"]["connection_fee_cents"]) == (
        FIBRE_FEE, FIBRE_CONNECTION)
    assert customer.post(f"/me/orders/{order['order_id']}/signature-code").status_code == 201
    signed = customer.post(f"/me/orders/{order['order_id']}/signature",
                           json=_signature(customer, _code(cloud, customer)))
    assert signed.status_code == 200, signed.text
    visit_done(cloud, customer, signed.json())

    # Then the product is held at the quoted price and its connection invoiced as quoted
    [held] = [p for p in customer.get("/me").json()["products"] if p["product_code"] == "FIBRE"]
    assert held["monthly_fee_cents"] == FIBRE_FEE
    [invoice] = customer.get("/me/invoices").json()["items"]
    assert invoice["total_cents"] == FIBRE_CONNECTION
    # And the quote stays accepted, on the timeline too
    assert customer.get(f"/me/quotes/{quote['quote_id']}").json()["status"] == "accepted"
    cloud.cloud.settle()
    assert "QuoteAccepted" in {e["type"] for e in customer.get("/me/timeline").json()["items"]}


def test_a_plan_change_quote_changes_the_plan_at_its_price_once(cloud, agent, customer, prices_raised):
    from opencounter.catalogue.service import load_catalogue
    from opencounter.overview.reference import CATALOGUE

    load_catalogue(json.loads(CATALOGUE.read_text()))
    mobile = give_product(customer, "MOBILE-5GB")
    quote = agent.post(f"/agent/customers/{customer.customer_id}/quotes",
                       json={"product_id": mobile, "plan_code": "MOBILE-20GB"}).json()
    assert (quote["kind"], quote["product"]["from_plan"]["code"], quote["prices"]["one_off_cents"]) == (
        "plan_change", "MOBILE-5GB", 0)
    load_catalogue(prices_raised)

    first = _accept(customer, quote)
    again = _accept(customer, quote)

    assert first["order"] is None and first["product"]["plan_code"] == "MOBILE-20GB"
    assert first["product"]["monthly_fee_cents"] == quote["prices"]["monthly_fee_cents"] == 1950
    assert again["quote"] == first["quote"] and again["product"]["plan_code"] == "MOBILE-20GB"
    history = first["product"]["history"]
    assert [h["plan_code"] for h in history] == ["MOBILE-20GB", "MOBILE-5GB"]


def test_two_devices_accepting_at_once_make_one_order_and_a_retry_finds_it(cloud, agent, customer):
    quote = _staff_quote(agent, customer)
    window = _windows(customer)[0]
    path = f"/me/quotes/{quote['quote_id']}/acceptance"

    answers = at_once([lambda: customer.post(path, json={"slot": window}) for _ in range(3)])
    retried = customer.post(path, json={"slot": window})

    assert [a.status_code for a in answers] == [200, 200, 200], [a.text for a in answers]
    orders = {a.json()["order"]["order_id"] for a in [*answers, retried]}
    assert len(orders) == 1
    assert [o["order_id"] for o in customer.get("/me/orders").json()["items"]] == list(orders)


def test_an_expired_a_declined_and_a_withdrawn_quote_cannot_be_accepted(cloud, agent, customer, monkeypatch):
    expiring, declined, withdrawn = (_staff_quote(agent, customer, valid_days=1) for _ in range(3))
    window = _windows(customer)[0]

    no = customer.post(f"/me/quotes/{declined['quote_id']}/decline")
    assert (no.status_code, no.json()["status"]) == (200, "declined")
    assert customer.post(f"/me/quotes/{declined['quote_id']}/decline").json() == no.json()  # sent again
    back = agent.post(f"/agent/customers/{customer.customer_id}/quotes/{withdrawn['quote_id']}/withdrawal")
    assert (back.status_code, back.json()["status"]) == (200, "withdrawn")
    later = business_today() + timedelta(days=2)
    monkeypatch.setattr("opencounter.quotes.service.business_today", lambda: later)
    writes = TableWrites(cloud)

    refused = {q["quote_id"]: customer.post(f"/me/quotes/{q['quote_id']}/acceptance", json={"slot": window})
               for q in (expiring, declined, withdrawn)}

    assert {k: (r.status_code, r.json()["reason"]) for k, r in refused.items()} == {
        expiring["quote_id"]: (409, "quote_expired"), declined["quote_id"]: (409, "quote_declined"),
        withdrawn["quote_id"]: (409, "quote_withdrawn")}
    assert refused[expiring["quote_id"]].json()["params"]["valid_until"] == expiring["valid_until"]
    assert writes.since() == [] and customer.get("/me/orders").json()["items"] == []
    assert customer.get(f"/me/quotes/{expiring['quote_id']}").json()["status"] == "expired"


def test_an_accepted_quote_is_neither_declined_nor_withdrawn(cloud, agent, customer):
    quote = _staff_quote(agent, customer)
    _accept(customer, quote, slot=_windows(customer)[0])

    declined = customer.post(f"/me/quotes/{quote['quote_id']}/decline")
    withdrawn = agent.post(f"/agent/customers/{customer.customer_id}/quotes/{quote['quote_id']}/withdrawal")

    assert (declined.status_code, declined.json()["reason"]) == (409, "quote_accepted_already")
    assert (withdrawn.status_code, withdrawn.json()["reason"]) == (409, "quote_accepted_already")


def test_another_customers_quote_is_not_found(cloud, agent, customer, other_customer):
    quote = _staff_quote(agent, customer)
    writes = TableWrites(cloud)

    for answer in (other_customer.get(f"/me/quotes/{quote['quote_id']}"),
                   other_customer.post(f"/me/quotes/{quote['quote_id']}/acceptance", json={}),
                   other_customer.post(f"/me/quotes/{quote['quote_id']}/decline"),
                   agent.post(f"/agent/customers/{other_customer.customer_id}/quotes/{quote['quote_id']}/withdrawal")):
        assert (answer.status_code, answer.json()["reason"]) == (404, "quote_not_found")
    assert writes.since() == []
    assert other_customer.get("/me/quotes").json()["items"] == []


def test_what_cannot_be_ordered_is_not_quoted(cloud, agent, customer):
    give_product(customer, "FIBRE-100")
    held = agent.post(f"/agent/customers/{customer.customer_id}/quotes",
                      json={"product_code": "FIBRE", "plan_code": "FIBRE-1000"})
    nothing = agent.post(f"/agent/customers/{customer.customer_id}/quotes", json={"plan_code": "FIBRE-1000"})
    too_long = agent.post(f"/agent/customers/{customer.customer_id}/quotes",
                          json={"product_code": "MOBILE", "plan_code": "MOBILE-5GB", "valid_days": 61})

    assert (held.status_code, held.json()["reason"]) == (409, "product_held_already")
    assert (nothing.status_code, nothing.json()["reason"], nothing.json()["field"]) == (
        400, "field_required", "product_code")
    assert too_long.status_code == 400
    assert customer.get("/me/quotes").json()["items"] == []


def test_a_plan_change_quote_for_a_product_cancelled_since_is_refused_and_changes_nothing(cloud, agent, customer):
    mobile = give_product(customer, "MOBILE-5GB")
    quote = _staff_quote(agent, customer, product_id=mobile, plan_code="MOBILE-20GB")
    assert customer.post(f"/me/products/{mobile}/cancellation", json={"when": "end_of_period"}).status_code == 201

    refused = customer.post(f"/me/quotes/{quote['quote_id']}/acceptance", json={})

    assert (refused.status_code, refused.json()["reason"]) == (409, "product_cancelled")
    product = next(p for p in customer.get("/me").json()["products"] if p["product_id"] == mobile)
    assert product["plan_code"] == "MOBILE-5GB" and product["ends_on"]
    assert next(q for q in customer.get("/me/quotes").json()["items"]
                if q["quote_id"] == quote["quote_id"])["status"] == "open"
