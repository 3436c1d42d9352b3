"""The retention table held to the code. Every kind of item has an entry; every kind said to expire
by TTL gets its `expires_at` when its own domain service writes it in its final state (checked here
against the in-memory table, or, for what runs only through a workflow, in
tests/integration/test_retention.py); what is kept while open is not given a moment; and what the
table says of the places outside the table is what template.yaml deploys."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from infra.local.template import load_template
from opencounter.core.retention import after_fiscal_years, moment, years_after
from opencounter.core.table import Item
from opencounter.privacy import retention
from tests.unit.conftest import stored
from tests.unit.test_table_kinds import _all_kinds

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
SYSTEM = {"type": "system", "id": "unit-test"}
AGENT = {"type": "agent", "id": "agent@opencounter.example"}
PERSON = {"given_name": "Eva", "family_name": "de Boer", "birth_date": "1985-06-01", "email": "eva@example.nl",
          "phone": "+31612345678"}
HOME = {"street": "Damrak", "house_number": 1, "postcode": "1012 LG", "city": "Amsterdam"}
TTL = sorted(kind for kind, kept in retention.RETENTION.items() if kept.how == "ttl"
             and kind not in retention.SET_BY_LIBRARY)


# ---------------------------------------------------------------- the table


def test_every_kind_of_item_has_its_retention_and_the_table_names_no_kind_that_is_not():
    kinds = set(_all_kinds())
    assert sorted(kinds - set(retention.RETENTION)) == []
    assert sorted(set(retention.RETENTION) - kinds) == sorted(retention.NOT_ENTITIES)


def test_every_entry_says_how_long_from_when_how_and_why():
    for kind, kept in {**retention.RETENTION, **retention.ELSEWHERE}.items():
        assert kept.how in retention.HOW, kind
        assert kept.period and kept.start and len(kept.why) > 20, kind


def test_the_officer_reads_every_kind_as_plain_data_with_the_logs_period_as_deployed(monkeypatch):
    from opencounter.core.settings import settings

    monkeypatch.setenv("LOG_RETENTION_DAYS", "90")
    settings.cache_clear()
    try:
        rows = retention.retention_settings()
    finally:
        settings.cache_clear()
    assert json.loads(json.dumps(rows)) == rows
    assert {tuple(sorted(row)) for row in rows} == {("from", "how", "kind", "period", "place", "rule", "why")}
    by_kind = {row["kind"]: row for row in rows}
    assert by_kind["Invoice"]["period"] == "7 years after the end of the fiscal year"
    assert by_kind["Invoice"]["rule"] == "Algemene wet inzake rijksbelastingen, art. 52(4)"
    assert by_kind["UsageRecord"]["how"] == "ttl" and by_kind["DisputeEvidence"]["how"] == "sweep"
    assert by_kind["logs: functions"]["period"] == by_kind["logs: API access"]["period"] == "90 days"
    assert [row["place"] for row in rows].count("elsewhere") == len(retention.ELSEWHERE)


def test_what_the_table_says_of_the_places_outside_it_is_what_the_template_deploys():
    resources = load_template()["Resources"]
    kinds = {spec["Type"] for spec in resources.values()}
    assert [spec["Properties"]["RetentionDays"] for spec in resources.values()
            if spec["Type"] == "AWS::Events::Archive"] == [90]
    dead_letters = {name: spec["Properties"]["MessageRetentionPeriod"] for name, spec in resources.items()
                    if spec["Type"] == "AWS::SQS::Queue" and ("DLQ" in name or "Failure" in name)}
    assert dead_letters and set(dead_letters.values()) == {14 * 24 * 3600}
    rules = {rule["Id"]: rule for spec in resources.values() if spec["Type"] == "AWS::S3::Bucket"
             for rule in spec["Properties"].get("LifecycleConfiguration", {}).get("Rules", [])}
    assert rules["expire-unclaimed-uploads"]["ExpirationInDays"] == 1
    assert rules["expire-raw-mail"]["ExpirationInDays"] == 30
    assert "AWS::Logs::LogGroup" in kinds
    assert "14 days" in retention.ELSEWHERE["queues: dead letters"].period
    assert retention.ELSEWHERE["files: e-mail received"].period == "30 days"


def test_a_signups_own_events_are_kept_as_long_as_a_signup_decided_against():
    from opencounter.customers.timeline import SIGNUP_EVENTS_KEPT
    from opencounter.signups.records import DECIDED_AGAINST_KEPT

    assert SIGNUP_EVENTS_KEPT == DECIDED_AGAINST_KEPT


def test_every_receipt_of_a_provider_event_is_kept_as_long_as_the_table_says():
    from opencounter.billing.payments import RECEIPT_RETENTION
    from opencounter.contacts.service import RECEIPT_KEPT

    assert RECEIPT_RETENTION == RECEIPT_KEPT == timedelta(days=7)


# ---------------------------------------------------------------- the moments


def test_the_fiscal_years_end_with_the_calendar_year_in_amsterdam():
    assert after_fiscal_years("2026-11-01") == datetime(2034, 1, 1, tzinfo=AMSTERDAM)
    # 31 December 23:30 UTC is already the next year in Amsterdam
    assert after_fiscal_years("2026-12-31T23:30:00.000Z") == datetime(2035, 1, 1, tzinfo=AMSTERDAM)
    assert after_fiscal_years(date(2026, 1, 1)) == datetime(2034, 1, 1, tzinfo=AMSTERDAM)


def test_years_after_the_29th_of_february_is_the_28th():
    assert years_after("2028-02-29T10:00:00.000Z", 2) == datetime(2030, 2, 28, 10, tzinfo=UTC)
    assert years_after(date(2026, 5, 4), 2) == datetime(2028, 5, 4, tzinfo=AMSTERDAM)


# ---------------------------------------------------------------- every kind with TTL, written in its final state


def _customer() -> str:
    from opencounter.customers.service import register_customer

    return register_customer(PERSON, HOME, actor=SYSTEM, channel="system")


def _one(kind: type[Item], **matching: Any) -> Item:
    found = [i for i in stored(kind) if all(getattr(i, k) == v for k, v in matching.items())]
    assert len(found) == 1, (kind.__name__, matching, found)
    return found[0]


def _contact(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Item, datetime | None]]:
    from opencounter.contacts import service
    from opencounter.contacts.records import Contact

    customer = _customer()
    asked = service.ask(customer, {"question": "Hoe zeg ik op?"}, channel="web")
    offered = _one(Contact, contact_id=asked["contact"]["contact_id"])
    logged = service.log_contact(customer, {"channel": "office", "subject": "Vraag aan de balie",
                                            "solution": "Uitgelegd"}, agent=AGENT)
    resolved = _one(Contact, contact_id=logged["contact_id"])
    open_one = service.log_contact(customer, {"channel": "phone", "subject": "Storing"}, agent=AGENT)
    return [(offered, years_after(offered.started_at, 2)), (resolved, years_after(resolved.resolved_at, 2)),
            (_one(Contact, contact_id=open_one["contact_id"]), None)]


def _abandoned_call(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Item, datetime | None]]:
    from opencounter.contacts import service
    from opencounter.contacts.records import CallPointer, Contact
    from opencounter.ports.channels.connect import ContactProgress
    from opencounter.ports.channels.contact import InboundContact

    now = datetime.now(UTC)
    at = now.isoformat().replace("+00:00", "Z")
    service.receive(InboundContact(channel="phone", provider_id="connect-1", sender="+31611111111", sender_name=None,
                                   text="", subject="Bellen", occurred_at=at, conversation=None, authenticated=True,
                                   detail={"instance": "i-1"}))
    assert _one(Contact).expires_at is None  # waiting: kept
    service.contact_progress(ContactProgress(provider_id="connect-1", channel="phone", kind="ended",
                                             enqueued_at=None, answered_at=None, agent=None, ended_at=at))
    hung_up = _one(Contact)
    assert hung_up.status == "ABANDONED"
    return [(hung_up, years_after(at, 2)), (_one(CallPointer), now + timedelta(days=7))]


def _request(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Item, datetime | None]]:
    from opencounter.contacts.records import RequestResumeCode, ServiceRequest
    from opencounter.contacts.requests import continue_request, start_request

    customer = _customer()
    started = start_request(customer, {"kind": "repair", "subject": "Internet valt weg", "text": "Elke avond"},
                            actor={"type": "customer", "id": customer}, channel="chat")
    assert _one(ServiceRequest).expires_at is None and _one(RequestResumeCode).expires_at is None
    continue_request(customer, started["request_id"], {"text": "Opgelost", "version": 1, "status": "done"},
                     actor=AGENT, channel="chat")
    assert _one(ServiceRequest).expires_at is not None and _one(RequestResumeCode).expires_at is not None
    # opened again by staff: both kept again; done again: forgotten from then
    continue_request(customer, started["request_id"], {"text": "Toch niet", "version": 2, "status": "in_progress"},
                     actor=AGENT, channel="phone")
    assert _one(ServiceRequest).expires_at is None and _one(RequestResumeCode).expires_at is None
    continue_request(customer, started["request_id"], {"text": "Nu wel", "version": 3, "status": "done"},
                     actor=AGENT, channel="phone")
    done = _one(ServiceRequest)
    return [(done, years_after(done.updated_at, 2)), (_one(RequestResumeCode), years_after(done.updated_at, 2))]


def _complaint(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Item, datetime | None]]:
    from opencounter.complaints.records import Complaint
    from opencounter.complaints.service import answer, file_complaint, react

    customer = _customer()
    filed, _ = file_complaint(customer, {"about": "delay", "text": "De monteur kwam niet opdagen."},
                              actor={"type": "customer", "id": customer}, channel="web")
    assert _one(Complaint).expires_at is None  # open: kept
    answer(customer, filed["complaint_id"], {"text": "Excuses, we plannen hem opnieuw.", "version": 1}, agent=AGENT)
    assert _one(Complaint).expires_at is None  # answered: kept while it may be reopened
    react(customer, filed["complaint_id"], {"version": 2, "satisfied": True},
          actor={"type": "customer", "id": customer}, channel="web")
    closed = _one(Complaint)
    return [(closed, years_after(closed.closed_at, 2))]


def _reasons_and_arrivals(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Item, datetime | None]]:
    from opencounter.channels.records import ArrivalCount
    from opencounter.contacts import service
    from opencounter.contacts.records import ReasonCount
    from opencounter.ports.channels.contact import InboundContact

    now = datetime.now(UTC)
    service.receive(InboundContact(channel="whatsapp", provider_id="wamid-1", sender="+31622222222",
                                   sender_name=None, text="Mijn factuur klopt niet", subject=None,
                                   occurred_at=now.isoformat().replace("+00:00", "Z"), conversation=None,
                                   authenticated=True))
    counted = _one(ReasonCount)
    return [(counted, moment(counted.day) + timedelta(days=366)), (_one(ArrivalCount), now + timedelta(days=2))]


def _timeline(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Item, datetime | None]]:
    from opencounter.customers.timeline import TimelineEntry, record_event

    at = "2026-03-01T09:00:00.000Z"
    base = {"occurred_at": at, "channel": "web", "actor": SYSTEM}
    record_event("SignupStarted", {**base, "event_id": "e-1", "signup_id": "s-1", "data": {}})
    waiting = _one(TimelineEntry)
    record_event("SignupActivated", {**base, "event_id": "e-2", "signup_id": "s-1", "customer_id": "c-1",
                                     "data": {}})
    moved = [e for e in stored(TimelineEntry) if e.PK == TimelineEntry.partition("c-1")]
    assert {e.event_id for e in moved} == {"e-1", "e-2"}
    return [(waiting, moment(at) + timedelta(days=90)), *((e, years_after(at, 2)) for e in moved)]


def _notification(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Item, datetime | None]]:
    from opencounter.notifications import service
    from opencounter.notifications.records import Notification

    monkeypatch.setattr(service, "send_email", lambda *_args, **_kwargs: "message-1")
    customer = _customer()
    assert service.notify("InvoiceIssued", {"event_id": "e-1", "customer_id": customer, "data": {
        "invoice_id": "OC-1", "kind": "monthly", "period": "2026-10", "total_cents": 1000, "due_on": "2026-11-15",
        "saving_cents": 0}}) == "sent_email"
    sent = _one(Notification)
    return [(sent, moment(sent.sent_at) + timedelta(days=366))]


def _billed(customer: str | None = None) -> tuple[str, str]:
    """A customer with a mobile plan billed for October 2026: (customer id, invoice id)."""
    from opencounter.billing.invoices import bill_customer
    from opencounter.billing.usage import record_usage
    from opencounter.catalogue.service import current_version
    from opencounter.customers.service import hold_product
    from opencounter.overview.reference import load_reference_data
    from opencounter.pricing.rating import Period

    load_reference_data()
    customer = customer or _customer()
    catalogue = json.loads((retention_root() / "catalogue" / "products.json").read_text())
    product = next(p for p in catalogue["products"] if p["code"] == "MOBILE")
    plan = next(p for p in product["plans"] if p["code"] == "MOBILE-20GB")
    product_id = hold_product(customer, {
        "product_code": "MOBILE", "name": product["name"], "kind": product["kind"], "plan": plan["name"],
        "plan_code": plan["code"], "catalogue_version": current_version(), "started_at": "2026-01-01",
        "monthly_fee_cents": plan["monthly_fee_cents"]}, actor=SYSTEM, channel="system")
    record_usage({"record_id": "r-1", "customer_id": customer, "product_id": product_id, "unit": "sms",
                  "quantity": 3, "occurred_at": "2026-10-15T12:00:00Z"})
    billed = bill_customer(customer, Period.parse("2026-10"), current_version())
    assert billed["outcome"] == "issued", billed
    return customer, billed["invoice_id"]


def retention_root() -> Any:
    from infra.local.template import ROOT

    return ROOT


def _billing(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Item, datetime | None]]:
    from opencounter.billing.records import Invoice, LedgerTransaction, TariffCheck, UsageRecord, UsageTotal
    from opencounter.billing.usage import _kept_until
    from opencounter.pricing.rating import Period

    _billed()
    fiscal = datetime(2034, 1, 1, tzinfo=AMSTERDAM)  # issued on 1 November 2026
    record = _one(UsageRecord)
    return [(_one(Invoice), fiscal), (_one(TariffCheck), fiscal), (_one(UsageTotal), fiscal),
            *((t, after_fiscal_years(t.posted_at)) for t in stored(LedgerTransaction)),
            (record, _kept_until(Period.parse("2026-10"), moment(record.received_at)))]


def _payment(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Item, datetime | None]]:
    from opencounter.billing import payments
    from opencounter.billing.records import Payment
    from opencounter.ports.payments import Checkout

    customer, invoice_id = _billed()
    monkeypatch.setattr(payments.provider, "create_payment", lambda **_: Checkout(
        payment_id="pi_1", client_secret="pi_1_secret", status="requires_payment_method", amount_cents=1,
        methods=("ideal",), next_action=None))
    payments.start_payment(customer, invoice_id, {"method": "ideal"})
    started = _one(Payment)
    return [(started, after_fiscal_years(started.created_at))]


def _mandate(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Item, datetime | None]]:
    """A mandate given (kept with the record while in force), then one withdrawn: kept 14 months after
    it ended (never collected on), and one never given: 30 days."""
    from opencounter.billing import mandates
    from opencounter.billing.records import Mandate
    from opencounter.ports.payments import MandateUpdate, Setup
    from opencounter.pricing.rating import add_months

    customer = _customer()
    setups = iter(["seti_given", "seti_left"])
    monkeypatch.setattr(mandates.provider, "payment_customer", lambda *_, **__: "cus_1")
    monkeypatch.setattr(mandates.provider, "start_mandate",
                        lambda **_: Setup(next(setups), "secret", "requires_payment_method"))
    monkeypatch.setattr(mandates.provider, "end_mandate", lambda _: None)
    mandates.give_mandate(customer)
    assert mandates.apply_mandate_update(MandateUpdate(
        "evt_1", "setup_intent.succeeded", "mandate_1", "active", customer_id=customer, setup_id="seti_given",
        payment_method="pm_1", iban_country="NL", iban_last4="5264",
        accepted_at="2026-11-20T09:30:00.000Z")) == "applied"
    given = _one(Mandate, setup_id="seti_given")
    assert given.expires_at is None and given.iban_last4 == "5264"  # in force: with the record
    mandates.withdraw(customer, "seti_given", actor={"type": "customer", "id": customer}, channel="web")
    ended = _one(Mandate, setup_id="seti_given")
    mandates.give_mandate(customer)
    left = _one(Mandate, setup_id="seti_left")
    ended_on = moment(ended.ended_at[:10])
    return [(ended, datetime.combine(add_months(ended_on.date(), 14), ended_on.timetz())),
            (left, moment(left.created_at) + timedelta(days=30))]


def _dispute(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Item, datetime | None]]:
    from opencounter.billing.records import CreditNote
    from opencounter.disputes import flow, service
    from opencounter.disputes.records import Dispute, DisputeLookup

    customer, invoice_id = _billed()
    filed, _ = service.file_dispute(customer, {
        "transaction": {"kind": "invoice_line", "invoice_id": invoice_id, "line": 0}, "reason": "not_mine",
        "explanation": "Niet van mij", "amount_cents": 500}, actor={"type": "customer", "id": customer},
        channel="web")
    assert _one(Dispute).expires_at is None and _one(DisputeLookup).expires_at is None  # open: kept
    assert flow.assess(customer, filed["dispute_id"])["outcome"] == "upheld"
    flow.uphold(customer, filed["dispute_id"])
    decided = _one(Dispute)
    fiscal = after_fiscal_years(decided.expected_decision_on)
    lookup = _one(DisputeLookup)
    # the look-up carries the day the files go, for the sweep
    due = years_after(decided.expected_decision_on, 2).date().isoformat()
    assert (lookup.GSI1PK, lookup.GSI1SK) == ("RETENTION#DisputeEvidence", f"{due}#{decided.dispute_id}")
    return [(decided, fiscal), (lookup, fiscal), (_one(CreditNote), fiscal)]


def _appointment(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Item, datetime | None]]:
    from opencounter.appointments.records import Appointment, DayPlan
    from opencounter.appointments.service import available_slots, cancel_appointment, plan_appointment
    from opencounter.catalogue.service import current_version
    from opencounter.customers.service import hold_product
    from opencounter.overview.reference import load_reference_data

    load_reference_data()
    customer = _customer()
    product_id = hold_product(customer, {
        "product_code": "FIBRE", "name": "Glasvezel internet", "kind": "internet", "plan": "1 Gbit/s",
        "plan_code": "FIBRE-1000", "catalogue_version": current_version(), "started_at": "2026-01-01",
        "monthly_fee_cents": 6000, "awaiting": "engineer_visit"}, actor=SYSTEM, channel="system")
    slots = available_slots("1012 LG", "engineer_visit", None)
    first = next(slot for day in slots["days"] for slot in day["slots"])
    planned = plan_appointment(customer, {"kind": "engineer_visit", "slot": first["start"], "product_id": product_id},
                               actor={"type": "customer", "id": customer}, channel="web")
    cancel_appointment(_one(Appointment, appointment_id=planned["appointment_id"]),
                       actor={"type": "customer", "id": customer}, channel="web")
    cancelled, plan = _one(Appointment), _one(DayPlan)
    assert cancelled.status == "CANCELLED"
    return [(cancelled, years_after(cancelled.window_end, 2)), (plan, moment(plan.day) + timedelta(days=91))]


def _declined_signup(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Item, datetime | None]]:
    from opencounter.appointments.service import available_slots
    from opencounter.core.settings import settings
    from opencounter.overview.reference import load_reference_data
    from opencounter.ports.identity_verification import VerificationOutcome
    from opencounter.signups import service
    from opencounter.signups.records import ResumeCode, Signup

    monkeypatch.setenv("STAGE", "dev")  # the credit bureau's sandbox answers
    settings.cache_clear()
    load_reference_data()
    today = datetime.now(AMSTERDAM).date()
    seventeen = today.replace(year=today.year - 17, day=min(today.day, 28)).isoformat()
    window = next(slot for day in available_slots("1012 LG", "delivery", None)["days"] for slot in day["slots"])
    started = service.start_signup({"applicant": {**PERSON, "birth_date": seventeen, "monthly_income_cents": 300000,
                                                  "address": HOME},
                                    "product_code": "MOBILE", "plan_code": "MOBILE-20GB", "slot": window["start"],
                                    "privacy_statement_accepted": True})
    applied = _one(Signup)
    abandoned = moment(applied.created_at) + timedelta(days=30)
    assert abs((applied.expires_at - abandoned).total_seconds()) < 1
    applied.status = "IDENTIFYING"  # as start_identification leaves it (the provider is not called here)
    applied.steps = {**applied.steps, "identification": {"status": "in_progress", "session_id": "vs_1"}}
    applied.save()
    monkeypatch.setattr(service, "verification_outcome", lambda *_: VerificationOutcome(
        session_id="vs_1", signup_id=started["signup_id"], verified=True, reason=None, event_id="evt_1"))
    assert service.record_identity_outcome(b"{}", "signature") == "declined"
    declined = _one(Signup)
    return [(declined, moment(declined.steps["validation"]["at"]) + timedelta(days=90)),
            (_one(ResumeCode), abandoned)]


def _blocklisted(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Item, datetime | None]]:
    from opencounter.signups.credit import Blocklisted

    Blocklisted.listed("EMAIL", "fraud@example.nl", "fraud with an earlier account")
    return [(_one(Blocklisted), years_after(datetime.now(UTC), 5))]


def _data_request(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Item, datetime | None]]:
    from opencounter.privacy import requests
    from opencounter.privacy.records import DataRequest

    request, _ = requests.receive("c-1", "export", actor={"type": "customer", "id": "c-1"}, channel="web")
    assert _one(DataRequest).expires_at is None
    requests.close(requests.start(request), "DONE", {"items": 3})
    done = _one(DataRequest)
    return [(done, years_after(done.done_at, 3))]


def _access_entry(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Item, datetime | None]]:
    from opencounter.core import access_log

    read = access_log.Read(staff="agent@opencounter.example", staff_email="agent@opencounter.example",
                           groups=frozenset({"agents"}), route="GET /agent/customers/{customer_id}", objects={})
    access_log.forget_written()
    access_log.record([access_log.Subject("customer", "c-1")], read)
    entry = _one(access_log.AccessEntry)
    return [(entry, years_after(entry.at, 2))]


def _mailing(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Item, datetime | None]]:
    from opencounter.core.settings import settings
    from opencounter.notifications import mailings
    from opencounter.notifications.records import Mailing, MailingCount

    monkeypatch.setenv("PORTAL_ORIGIN", "https://portal.example")
    settings.cache_clear()
    monkeypatch.setattr(mailings, "send_email", lambda *_args, **_kwargs: "message-1")
    started = mailings.start_mailing({"name": "Winter", "subject": {"nl": "Aanbod", "en": "Offer"},
                                      "body": {"nl": "Een aanbod.", "en": "An offer."}}, actor=AGENT)
    for page in mailings.first_pages(started["mailing_id"]):
        mailings.send_page(page)
    sent = _one(Mailing)
    counted = MailingCount.get(*MailingCount.keys(sent.mailing_id))  # (an update without its entity: not scanned)
    return [(sent, years_after(sent.started_at, 2)), (counted, years_after(datetime.now(UTC), 2))]


def _outage(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Item, datetime | None]]:
    from opencounter.core.settings import settings
    from opencounter.customers.service import hold_product
    from opencounter.outages import service
    from opencounter.outages.records import Incident, IncidentCount, OutageNotice

    monkeypatch.setenv("PORTAL_ORIGIN", "https://portal.example")
    settings.cache_clear()
    customer = _customer()
    hold_product(customer, {"product_code": "FIBRE", "name": "Glasvezel internet", "kind": "internet",
                            "plan": "1 Gbit/s", "plan_code": "FIBRE-1000", "catalogue_version": "2026-01",
                            "started_at": "2026-01-01", "monthly_fee_cents": 6000}, actor=SYSTEM, channel="system")
    reported = service.report({"product_kind": "internet", "area": {"from": "1012", "to": "1012"},
                               "description": {"nl": "Storing", "en": "Outage"},
                               "expected_end": "2099-01-01T00:00:00.000Z"}, actor=AGENT)
    for page in service.first_pages(reported["incident_id"], service.STARTED):
        service.tell_page(page)
    assert _one(OutageNotice).expires_at is None and _one(Incident).expires_at is None  # while it lasts: kept
    service.resolve(reported["incident_id"], actor=AGENT)
    for page in service.first_pages(reported["incident_id"], service.RESOLVED):
        service.tell_page(page)
    resolved, cleared = _one(Incident), _one(OutageNotice)
    return [(resolved, years_after(resolved.resolved_at, 2)), (cleared, years_after(cleared.cleared_at, 2)),
            (IncidentCount.get(*IncidentCount.keys(resolved.incident_id)), years_after(datetime.now(UTC), 2))]


def _outbox(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Item, datetime | None]]:
    from opencounter.core.outbox import OutboxEvent

    _customer()
    return [(e, moment(json.loads(e.detail)["occurred_at"]) + timedelta(days=2)) for e in stored(OutboxEvent)]


def _unanswered(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Item, datetime | None]]:
    from opencounter.contacts import service
    from opencounter.contacts.records import UnansweredQuestion

    service.ask(_customer(), {"question": "Kan ik mijn kat meenemen naar de winkel?"}, channel="web")
    question = _one(UnansweredQuestion)
    return [(question, moment(question.asked_at) + timedelta(days=90))]


def _followers_told(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Item, datetime | None]]:
    from opencounter.core import queues
    from opencounter.ideas import followers
    from opencounter.ideas.records import FollowersTold

    monkeypatch.setattr(queues, "enqueue", lambda *_args, **_kwargs: None)
    before = datetime.now(UTC)
    followers.hand_over("IdeaAnswered", {"event_id": "e-1", "data": {"idea_id": "I-0123456789AB"}})
    return [(_one(FollowersTold), before + timedelta(days=7))]


def _feedback_invitation(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Item, datetime | None]]:
    from opencounter.feedback.records import FeedbackInvitation
    from opencounter.feedback.service import invite

    ended = "2026-11-30T10:00:00.000Z"
    invite("PaymentReceived", {"customer_id": "c-1", "event_id": "e-1", "occurred_at": ended, "channel": "web"})
    return [(_one(FeedbackInvitation), moment(ended) + timedelta(days=14))]


def _quotes(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Item, datetime | None]]:
    from opencounter.appointments.service import available_slots
    from opencounter.overview.reference import load_reference_data
    from opencounter.quotes import service
    from opencounter.quotes.records import Quote
    from opencounter.signups.orders import orderer

    load_reference_data()
    customer = _customer()
    staff = {"type": "agent", "id": "agent@opencounter.example"}
    made = [service.make_quote(orderer(customer), {"product_code": "MOBILE", "plan_code": "MOBILE-5GB",
                                                   "valid_days": days}, actor=staff, channel="agent", staff=True)
            for days in (10, 20)]
    declined, accepted = (service.customer_quote(customer, q["quote_id"]) for q in made)
    service.decline_quote(declined, actor=SYSTEM, channel="web")
    # a delivery's window is required to accept: the first one free
    slot = next(s for day in available_slots("1012 LG", "delivery", None)["days"] for s in day["slots"])["start"]
    service.accept_quote(accepted, {"slot": slot}, actor={"type": "customer", "id": customer}, channel="web")
    last_day = moment(made[0]["valid_until"]) + timedelta(days=1)
    return [(_one(Quote, quote_id=made[0]["quote_id"]), last_day + timedelta(days=90)),
            (_one(Quote, quote_id=made[1]["quote_id"]), None)]


def _callback_slot(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Item, datetime | None]]:
    from opencounter.contacts import callbacks
    from opencounter.contacts.records import CallbackSlot

    customer = _customer()
    slot = next(s for day in callbacks.callback_slots()["days"] for s in day["slots"])
    callbacks.book_callback(customer, {"slot": slot["start"], "subject": "Vraag over mijn factuur"},
                            actor={"type": "customer", "id": customer}, channel="web")
    return [(_one(CallbackSlot), moment(slot["start"]) + timedelta(days=1))]


def _callback_plan(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Item, datetime | None]]:
    from opencounter.contacts import callbacks
    from opencounter.contacts.records import CallbackPlan

    customer = _customer()
    first, later = [s for day in callbacks.callback_slots()["days"] for s in day["slots"]][:2]
    actor = {"type": "customer", "id": customer}
    booked = callbacks.book_callback(customer, {"slot": later["start"], "subject": "Vraag over mijn factuur"},
                                     actor=actor, channel="web")
    callbacks.book_callback(customer, {"slot": first["start"], "subject": "Nog een vraag"}, actor=actor, channel="web")
    callbacks.cancel_callback(callbacks.customer_callback(customer, booked["contact_id"]), actor=actor, channel="web")
    # the later slot it held still sets its moment, cancelled or not
    return [(_one(CallbackPlan), moment(later["start"]) + timedelta(days=1))]


#: kind -> how its domain service writes it in its final state: [(the item as stored, when it should
#: be forgotten (None: kept))]; the kinds a workflow writes are in tests/integration/test_retention.py
SCENARIOS: dict[str, Callable[[pytest.MonkeyPatch], list[tuple[Item, datetime | None]]]] = {
    "Contact": _contact, "CallPointer": _abandoned_call, "ServiceRequest": _request, "RequestResumeCode": _request,
    "ReasonCount": _reasons_and_arrivals, "ArrivalCount": _reasons_and_arrivals, "TimelineEntry": _timeline,
    "Notification": _notification, "Invoice": _billing, "TariffCheck": _billing, "UsageTotal": _billing,
    "UsageRecord": _billing, "LedgerTransaction": _billing, "Payment": _payment, "Dispute": _dispute,
    "DisputeLookup": _dispute, "CreditNote": _dispute, "Appointment": _appointment, "FieldDayPlan": _appointment,
    "Signup": _declined_signup, "ResumeCode": _declined_signup, "Blocklisted": _blocklisted,
    "DataRequest": _data_request, "OutboxEvent": _outbox, "Mailing": _mailing, "MailingCount": _mailing,
    "Incident": _outage, "IncidentCount": _outage, "OutageNotice": _outage,
    "AccessEntry": _access_entry, "UnansweredQuestion": _unanswered, "FollowersTold": _followers_told,
    "FeedbackInvitation": _feedback_invitation, "Complaint": _complaint, "Quote": _quotes,
    "CallbackSlot": _callback_slot, "CallbackPlan": _callback_plan, "Mandate": _mandate,
}
#: kinds with TTL written by a workflow's steps: the integration test that proves each
THROUGH_THE_CLOUD = {
    "RollbackAudit": "test_a_sign_up_rolled_back_is_forgotten_with_its_evidence_and_why",
    "SignatureEvidence": "test_a_sign_up_rolled_back_is_forgotten_with_its_evidence_and_why",
    "BillingRun": "test_a_billing_runs_own_bookkeeping_is_forgotten_a_few_weeks_after_the_run",
    "BillingSliceTotals": "test_a_billing_runs_own_bookkeeping_is_forgotten_a_few_weeks_after_the_run",
    "BillingSlicesDone": "test_a_billing_runs_own_bookkeeping_is_forgotten_a_few_weeks_after_the_run",
    "BillingPage": "test_a_billing_runs_own_bookkeeping_is_forgotten_a_few_weeks_after_the_run",
    "ContactCode": "test_the_codes_that_prove_and_sign_are_forgotten_within_minutes",
    "SigningCode": "test_the_codes_that_prove_and_sign_are_forgotten_within_minutes",
    "Order": "test_the_codes_that_prove_and_sign_are_forgotten_within_minutes",
    "ProviderEventReceipt": "test_a_providers_event_is_recognised_for_a_week",
}


def test_every_kind_with_ttl_is_proven_to_get_its_moment():
    from tests.integration import test_retention as through_the_cloud

    proven = set(SCENARIOS) | set(THROUGH_THE_CLOUD)
    # (SignatureEvidence is kept with the record; its TTL is the rolled-back sign-up's)
    assert sorted(set(TTL) - proven) == []
    assert all(callable(getattr(through_the_cloud, name, None)) for name in THROUGH_THE_CLOUD.values())


@pytest.mark.parametrize("kind", sorted(SCENARIOS))
def test_a_kind_with_ttl_gets_its_moment_when_its_domain_writes_it_in_its_final_state(kind, table, monkeypatch):
    written = SCENARIOS[kind](monkeypatch)
    mine = [(item, kept) for item, kept in written if Item.entity.get_discriminator(type(item)) == kind]
    assert mine, f"the scenario wrote no {kind}"
    for item, kept in mine:
        stored_item = type(item).get(item.PK, item.SK)  # as the table holds it
        if kept is None:
            assert stored_item.expires_at is None, (kind, item.SK)
        else:
            assert stored_item.expires_at is not None, (kind, item.SK)
            assert abs((stored_item.expires_at - kept).total_seconds()) < 2, (kind, item.SK, stored_item.expires_at,
                                                                               kept)
