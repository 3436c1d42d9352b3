"""Many requests at once, as a busy hour brings them: customers writing in their chats, paying
their invoices from several tabs and signing up, all from parallel threads over HTTP. DynamoDB
cancels a transaction that meets another on an item (the local cloud too); the application tries
again, and never answers 5xx for it: each request is done, or told to try again (409)."""

from __future__ import annotations

import random
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from tests.conftest import Applicant, Caller, at_once, bill, give_product, new_customer


@pytest.fixture
def eager_switching() -> Iterator[None]:
    """Threads switched every few microseconds instead of every 5 ms, so that requests arriving
    together really interleave in the in-process functions and the in-memory table."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(before)


def open_chat(customer: Caller) -> str:
    asked = customer.post("/me/contacts", json={"question": "My internet drops every evening"})
    assert asked.status_code == 201, asked.text
    contact_id = asked.json()["contact"]["contact_id"]
    assert customer.post(f"/me/contacts/{contact_id}/choice", json={"choice": "chat"}).status_code == 200
    return contact_id


@pytest.mark.usefixtures("eager_switching", "office_hours")
def test_many_customers_at_once_get_no_5xx_and_keep_their_records_whole(cloud):
    # Given customers each with an open chat and an open invoice, and people about to sign up
    customers = [new_customer(cloud) for _ in range(3)]
    chats = {c.customer_id: open_chat(c) for c in customers}
    invoices = {}
    for customer in customers:
        give_product(customer, "FIBRE-100")
        invoices[customer.customer_id] = bill(cloud, customer)["invoice_id"]
    applicants = [Applicant(cloud) for _ in range(3)]

    # When each customer writes four messages in their chat and pays from three tabs, and the
    # applicants apply, all at the same moment
    calls: list[tuple[str, Any, Any, Callable[[], requests.Response]]] = []
    for customer in customers:
        chat = f"/me/contacts/{chats[customer.customer_id]}/messages"
        for n in range(4):
            calls.append(("message", customer, f"message {n}",
                          lambda c=customer, path=chat, n=n: c.post(path, json={"text": f"message {n}"})))
        pay = f"/me/invoices/{invoices[customer.customer_id]}/payments"
        for _ in range(3):
            calls.append(("payment", customer, None,
                          lambda c=customer, path=pay: c.post(path, json={"method": "card"})))
    for applicant in applicants:
        calls.append(("signup", applicant, None, applicant.apply))
    random.Random(7).shuffle(calls)
    answers = at_once([call for *_, call in calls])

    # Then no answer is a 5xx: every request was done, or told to try again
    answered = list(zip(calls, answers, strict=True))
    assert [a.status_code for _, a in answered if a.status_code >= 500] == [], [
        a.text for _, a in answered if a.status_code >= 500]
    again = [(call, a) for call, a in answered if a.status_code >= 300]
    assert all(a.status_code == 409 and a.json()["reason"] == "busy_try_again" for _, a in again), [
        (a.status_code, a.text) for _, a in again]
    # And what was told to try again is done when sent again, as a client told so does
    for call, _ in again:
        answer = call[3]()
        assert answer.status_code < 300, answer.text
        answered.append((call, answer))
    done = [(kind, who, what, answer) for (kind, who, what, _), answer in answered if answer.status_code < 300]
    # And each chat holds every message once, each answered as taken
    for customer in customers:
        taken = sorted(what for kind, who, what, _ in done if kind == "message" and who is customer)
        messages = [m["text"] for m in customer.get(f"/me/contacts/{chats[customer.customer_id]}").json()["messages"]]
        assert sorted(messages[1:]) == taken == [f"message {n}" for n in range(4)]
    # And each invoice has one payment under way: the one every tab that was answered got
    for customer in customers:
        paid = {answer.json()["payment_id"] for kind, who, _, answer in done if kind == "payment" and who is customer}
        invoice = customer.get(f"/me/invoices/{invoices[customer.customer_id]}").json()
        assert len(paid) == 1 and [p["payment_id"] for p in invoice["payments"]] == list(paid)
    # And every applicant's sign-up is there, whole
    for applicant in applicants:
        assert applicant.signup and applicant.status()["applicant"]["email"] == applicant.email
