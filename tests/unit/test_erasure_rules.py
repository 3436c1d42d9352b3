"""What stands in the way of erasing a customer, and how long the books are kept, as plain rules
over a record (no table): each blocker named by kind and id with what the customer needs to act."""

from __future__ import annotations

from datetime import date

from opencounter.appointments.records import Appointment
from opencounter.billing.records import Invoice
from opencounter.customers.records import ProductHolding, Profile
from opencounter.disputes.records import Dispute
from opencounter.privacy.erasure import blockers, retention_end, subject

TODAY = date(2026, 12, 5)


def _invoice(invoice_id: str, status: str = "PAID", total: int = 4250, paid: int = 4250, kind: str = "monthly",
             period: str | None = "2026-11") -> Invoice:
    return Invoice(invoice_id=invoice_id, customer_id="c-1", kind=kind, period=period, issued_on="2026-12-01",
                   due_on="2026-12-15", lines=[], total_cents=total, vat_cents=0, status=status, paid_cents=paid)


def _product(product_id: str, status: str = "ACTIVE", ends_on: str | None = None) -> ProductHolding:
    return ProductHolding(product_id=product_id, product_code="FIBRE", name="Glasvezel", kind="internet", plan="100",
                          plan_code="FIBRE-100", catalogue_version="1", status=status, started_at="2026-01-01",
                          ends_on=ends_on)


def test_a_record_with_everything_settled_has_nothing_in_the_way():
    record = [Profile(customer_id="c-1"), _invoice("OC-1"), _product("p-1", "ENDED", "2026-10-31")]
    assert blockers(record, TODAY) == []


def test_each_blocker_is_named_with_what_the_customer_needs_to_act_on_it():
    record = [
        _invoice("OC-open", status="OPEN", paid=1000),
        _invoice("OC-arranged", status="IN_ARRANGEMENT", paid=0, period="2026-10"),
        Dispute(dispute_id="D-1", customer_id="c-1", status="WITH_STAFF", invoice_id="OC-open"),
        Dispute(dispute_id="D-2", customer_id="c-1", status="WITH_PROVIDER", invoice_id="OC-arranged"),
        Dispute(dispute_id="D-3", customer_id="c-1", status="REJECTED", invoice_id="OC-open"),
        _product("p-runs"), _product("p-ending", ends_on="2026-12-31"),
        Appointment(appointment_id="A-1", customer_id="c-1", status="PLANNED", window_start="2026-12-08T08:00:00+00:00",
                    window_end="2026-12-08T08:30:00+00:00"),
        Appointment(appointment_id="A-2", customer_id="c-1", status="DONE", window_start="2026-11-08T08:00:00+00:00",
                    window_end="2026-11-08T08:30:00+00:00"),
    ]
    found = {(b["kind"], b["id"]): b for b in blockers(record, TODAY)}

    assert set(found) == {("invoice_unpaid", "OC-open"), ("arrangement_running", "OC-arranged"),
                          ("dispute_running", "D-1"), ("chargeback_running", "D-2"), ("product_active", "p-runs"),
                          ("product_ending", "p-ending"), ("appointment_planned", "A-1")}
    assert found[("invoice_unpaid", "OC-open")]["amount_cents"] == 3250
    assert found[("product_ending", "p-ending")]["ends_on"] == "2026-12-31"
    assert found[("appointment_planned", "A-1")]["date"] == "2026-12-08"


def test_a_product_that_ended_waits_for_its_last_invoice():
    ended = _product("p-1", "ENDED", "2026-12-03")
    [waiting] = blockers([ended, _invoice("OC-nov")], TODAY)
    assert waiting == {"kind": "final_invoice_pending", "id": "p-1", "name": "Glasvezel", "period": "2026-12",
                       "expected_on": "2027-01-01"}
    # billed: nothing in the way; ended long before the billed months: nothing either
    assert blockers([ended, _invoice("OC-dec", period="2026-12")], TODAY) == []
    assert blockers([_product("p-2", "ENDED", "2026-08-31"), _invoice("OC-nov")], TODAY) == []


def test_the_books_are_kept_seven_years_from_the_end_of_their_year():
    assert retention_end("2026-01-01") == retention_end("2026-12-31T23:00:00Z") == "2034-01-01"
    assert retention_end("2027-01-01") == "2035-01-01"


def test_a_receipt_names_its_customer_by_a_digest_that_is_the_same_each_time():
    assert subject("c-1") == subject("c-1") != subject("c-2")
    assert "c-1" not in subject("c-1") and len(subject("c-1")) == 64


def test_the_sweep_erases_a_notice_sent_after_the_record_went_and_one_held_for_the_night(table):
    from opencounter.core.clock import isoformat, utcnow
    from opencounter.core.table import Item, customer_key
    from opencounter.notifications.records import HeldNotice, Notification
    from opencounter.privacy.erasure import sweep

    # Given a customer whose record went, and then a notice of an event sent before the erasure
    # landed in its partition, and another waits for the morning; another customer's notice beside
    now = isoformat(utcnow())
    for customer in ("erased", "other"):
        notice = Notification(*Notification.keys(customer, "e-1"), channel="email", sent_to=f"{customer}@example.nl",
                              sent_at=now, message_id=f"ses-{customer}", about="InvoiceIssued")
        notice.index()
        notice.save()
    HeldNotice(*HeldNotice.keys("erased", "e-2"), detail_type="AppointmentEnRoute", detail={}, release_at=now).save()

    # When the sweep runs
    assert sweep("erased", "r-1") == {"swept": 2}

    # Then nothing of the erased customer is left, and the other's notice is untouched
    assert list(Item.query(customer_key("erased"))) == [] and list(Item.query(HeldNotice.partition("erased"))) == []
    [kept] = list(Notification.of_customer("other"))
    assert kept.sent_to == "other@example.nl"
