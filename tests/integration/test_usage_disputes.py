"""Disputing a single usage record (a call, a data session, a meter reading) from the month's list
of records: a record counted twice or outside the product's life no longer counts, what it added
to an invoice already issued is credited, and nobody reaches another customer's records."""

from __future__ import annotations

import base64
import json

from tests.conftest import TableWrites, bill, give_product, send_usage, usage


def _records(customer, period: str = "2026-10", **params) -> dict:
    response = customer.get("/me/usage/records", params={"period": period, **params})
    assert response.status_code == 200, response.text
    return response.json()


def _dispute_record(customer, record: dict, reason: str) -> dict:
    response = customer.post("/me/disputes", json={
        "transaction": {"kind": "usage_record", "record_id": record["record_id"]},
        "reason": reason, "explanation": "Dit gesprek was ik niet."})
    assert response.status_code == 201, response.text
    return customer.get(f"/me/disputes/{response.json()['dispute_id']}").json()


def _used(customer, product: str, unit: str, period: str = "2026-10") -> int:
    products = {p["product_id"]: p for p in customer.get("/me/usage", params={"period": period}).json()["products"]}
    return {u["unit"]: u["used"] for u in products[product]["usage"]}[unit]


def test_a_record_counted_twice_on_a_billed_month_is_taken_off_and_credited(cloud, customer):
    # Given 5 GB a month, and a 300 MB session recorded twice a few seconds apart beside 5000 MB
    mobile = give_product(customer, "MOBILE-5GB")
    session = usage(customer, mobile, "data_mb", 300)
    twin = {**usage(customer, mobile, "data_mb", 300), "occurred_at": "2026-10-15T12:00:07Z"}
    send_usage(cloud, usage(customer, mobile, "data_mb", 5000, day="2026-10-02"), session, twin)
    invoice = bill(cloud, customer)
    [line] = [ln for ln in invoice["lines"] if ln["kind"] == "usage"]
    assert line["amount_cents"] == 480  # 5600 MB used, 480 beyond the bundle at 1 cent

    # When the customer disputes the second of the two from the month's list
    listed = _records(customer)["items"]
    assert [r["quantity"] for r in listed] == [5000, 300, 300] and not any(r["voided"] for r in listed)
    dispute = _dispute_record(customer, listed[2], "charged_twice")

    # Then the rules found the twin, and the record no longer counts
    assert dispute["status"] == "upheld" and dispute["decision"]["basis"] == "rules"
    [twice] = [f for f in dispute["assessment"] if f["rule"] == "usage_duplicated"]
    assert twice["outcome"] == "upheld" and twice["evidence"]["same_records"] == [session["occurred_at"]]
    assert dispute["transaction"]["kind"] == "usage_record" and dispute["invoice_id"] == invoice["invoice_id"]
    assert [r["voided"] for r in _records(customer)["items"]] == [False, False, True]
    assert _used(customer, mobile, "data_mb") == 5300
    # And what it added to the bill is credited, booked double-entry
    after = customer.get(f"/me/invoices/{invoice['invoice_id']}").json()
    [note] = after["credit_notes"]
    assert note["amount_cents"] == 300 and after["credited_cents"] == 300
    assert after["due_now_cents"] == invoice["due_now_cents"] - 300
    from opencounter.billing.ledger import ledger

    assert sum(e["amount_cents"] for t in ledger(customer.customer_id) for e in t["entries"]) == 0

    # And disputing it again is answered with that dispute
    again = customer.post("/me/disputes", json={
        "transaction": {"kind": "usage_record", "record_id": listed[2]["record_id"]}, "reason": "charged_twice",
        "explanation": "Dit gesprek was ik niet."})
    assert again.status_code == 201 and again.json()["dispute_id"] == dispute["dispute_id"]


def test_use_before_the_product_started_is_taken_off_before_it_is_billed(cloud, customer):
    # Given a product from 10 October and a reading dated before it, in a month not billed yet
    power = give_product(customer, "POWER-VARIABLE", started_at="2026-10-10")
    early, later = usage(customer, power, "kwh", 40, day="2026-10-05"), usage(customer, power, "kwh", 120)
    send_usage(cloud, early, later)

    # When the customer disputes the early one as not theirs
    [first, _] = _records(customer)["items"]
    dispute = _dispute_record(customer, first, "not_mine")

    # Then it is upheld on the product's dates, with nothing on hold or credited: nothing is billed yet
    assert dispute["status"] == "upheld" and dispute["invoice_id"] is None
    [outside] = [f for f in dispute["assessment"] if f["rule"] == "usage_outside_lifetime"]
    assert outside["outcome"] == "upheld" and outside["evidence"]["occurred_on"] == "2026-10-05"
    assert dispute["held_cents"] == 0 and dispute["credit_note_id"] is None
    # And the month is billed without it
    assert _used(customer, power, "kwh") == 120
    invoice = bill(cloud, customer)
    [line] = [ln for ln in invoice["lines"] if ln["kind"] == "usage"]
    assert line["quantity"] == 120


def test_a_single_record_disputed_as_charged_twice_is_rejected_with_what_was_checked(cloud, customer):
    mobile = give_product(customer, "MOBILE-5GB")
    send_usage(cloud, usage(customer, mobile, "minutes", 12), usage(customer, mobile, "minutes", 12, day="2026-10-16"))
    [record, _] = _records(customer)["items"]

    dispute = _dispute_record(customer, record, "charged_twice")

    assert dispute["status"] == "rejected"
    [twice] = [f for f in dispute["assessment"] if f["rule"] == "usage_duplicated"]
    assert twice["outcome"] == "rejected" and twice["evidence"]["same_records"] == []
    assert _used(customer, mobile, "minutes") == 24


def test_nobody_lists_or_disputes_another_customers_records(cloud, customer, other_customer):
    mobile = give_product(customer, "MOBILE-5GB")
    give_product(other_customer, "MOBILE-5GB")
    send_usage(cloud, usage(customer, mobile, "sms", 3))
    [record] = _records(customer)["items"]
    writes = TableWrites(cloud)

    assert _records(other_customer)["items"] == []
    stolen = other_customer.post("/me/disputes", json={
        "transaction": {"kind": "usage_record", "record_id": record["record_id"]}, "reason": "not_mine",
        "explanation": "x"})
    assert stolen.status_code == 400 and stolen.json()["field"] == "transaction.record_id"
    unknown = customer.post("/me/disputes", json={
        "transaction": {"kind": "usage_record", "record_id": "no-such-record"}, "reason": "not_mine",
        "explanation": "x"})
    assert unknown.status_code == 400 and unknown.json()["reason"] == "transaction_unknown"
    assert writes.since() == []


def test_the_records_come_a_page_at_a_time_and_a_made_up_cursor_is_refused(cloud, customer, other_customer):
    mobile = give_product(customer, "MOBILE-5GB")
    send_usage(cloud, *(usage(customer, mobile, "sms", n, day=f"2026-10-{n:02d}") for n in range(1, 6)))

    first = _records(customer, limit=2)
    second = _records(customer, limit=2, cursor=first["next_cursor"])
    third = _records(customer, limit=2, cursor=second["next_cursor"])
    assert [r["quantity"] for r in first["items"] + second["items"] + third["items"]] == [1, 2, 3, 4, 5]
    assert third["next_cursor"] is None
    # A cursor is only ever read within the caller's own month
    assert _records(other_customer, cursor=first["next_cursor"])["items"] == []
    made_up = base64.urlsafe_b64encode(json.dumps({"PK": "CUSTOMER#x"}).encode()).decode()
    refused = customer.get("/me/usage/records", params={"period": "2026-10", "cursor": made_up})
    assert refused.status_code == 400 and refused.json()["reason"] == "cursor_invalid"
    assert customer.get("/me/usage/records", params={"period": "oktober"}).json()["field"] == "period"
