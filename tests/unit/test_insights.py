"""What the record says beyond what it holds (overview/insights.py): how the invoices of the last year
were paid, judged on the business's own days."""

from __future__ import annotations

from datetime import date

from opencounter.billing.records import Invoice, Payment
from opencounter.overview.insights import payment_behaviour

TODAY = date(2026, 12, 5)


def _invoice(invoice_id: str, due_on: str, status: str = "PAID", **fields: object) -> Invoice:
    return Invoice(*Invoice.keys("c1", invoice_id), invoice_id=invoice_id, customer_id="c1", kind="monthly",
                   issued_on="2026-10-31", due_on=due_on, lines=[], total_cents=5000, vat_cents=868, status=status,
                   paid_cents=5000 if status == "PAID" else 0, **fields)


def _paid(invoice_id: str, succeeded_at: str | None, updated_at: str) -> Payment:
    return Payment(*Payment.keys("c1", f"pi-{invoice_id}"), payment_id=f"pi-{invoice_id}", invoice_id=invoice_id,
                   amount_cents=5000, status="SUCCEEDED", received_cents=5000, created_at="2026-11-01T09:00:00Z",
                   updated_at=updated_at, succeeded_at=succeeded_at)


def test_a_payment_is_late_from_midnight_in_amsterdam_not_in_utc():
    # Due on 14 November: paid at 23:30 there (22:30 UTC) is on time, at 00:30 the next day (23:30 UTC) late
    on_time, late = _invoice("A", "2026-11-14"), _invoice("B", "2026-11-14")
    payments = [_paid("A", "2026-11-14T22:30:00Z", "2026-11-14T22:30:00Z"),
                _paid("B", "2026-11-14T23:30:00Z", "2026-11-14T23:30:00Z")]

    assert payment_behaviour([on_time, late], payments, TODAY) == {
        "behaviour": "late", "on_time": 1, "late": 1, "in_arrangement": 0, "overdue": 0}


def test_a_later_change_to_the_payment_does_not_make_it_late():
    # Paid in time, then part refunded weeks later: the payment's last change is not when it was paid
    invoice = _invoice("A", "2026-11-14")
    payment = _paid("A", "2026-11-10T08:00:00Z", updated_at="2026-12-01T08:00:00Z")

    assert payment_behaviour([invoice], [payment], TODAY)["behaviour"] == "good"


def test_a_reminder_sent_makes_it_late_and_an_invoice_overdue_now_arrears():
    reminded = _invoice("A", "2026-11-01", reminders={"reminder": {"on": "2026-11-08"}, "next": None})
    overdue = _invoice("B", "2026-11-20", status="OPEN")
    not_due = _invoice("C", "2026-12-20", status="OPEN")
    payments = [_paid("A", "2026-11-09T10:00:00Z", "2026-11-09T10:00:00Z")]

    assert payment_behaviour([reminded, overdue, not_due], payments, TODAY) == {
        "behaviour": "arrears", "on_time": 0, "late": 1, "in_arrangement": 0, "overdue": 1}
