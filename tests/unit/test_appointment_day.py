"""The day itself without a table: the field service's webhook signature (as carefully as
Stripe's, failing closed), and what the workflow following an appointment does next as a plain
function of the appointment and the moment: the reminder 48 real hours before the window (24
before the change deadline) once per window, skipped for a visit made later; the check two hours
after the window; the end for a visit cancelled, done, missed or moved; across both clock
changes. And the window a customer sees around a live ETA, inside the promised one."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from infra.local.sandbox.stripe.wire import signature_header
from opencounter.appointments.capacity import Window
from opencounter.appointments.day import due, next_step
from opencounter.appointments.progress import eta_window
from opencounter.appointments.records import Appointment
from opencounter.core.clock import isoformat
from opencounter.core.errors import InvalidInput
from opencounter.ports.field_service import verified_delivery

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
SECRET = "fs_whsec_test"
BODY = json.dumps({"event_id": "e1", "type": "arrived"}).encode()


# ---------------------------------------------------------------- the signature


def _v1(header: str) -> str:
    return header.split("v1=")[1]


def _deliveries() -> dict[str, tuple[str | None, str]]:
    """name -> (Field-Signature header, the endpoint's secret), made when the test runs."""
    good, old = signature_header(BODY, SECRET), signature_header(BODY, "old secret")
    return {
        "signed": (good, SECRET),
        "two v1 while the secret is rotated, the second good": (f"{old},v1={_v1(good)}", SECRET),
        "signed 299 s ago": (signature_header(BODY, SECRET, int(time.time()) - 299), SECRET),
        "signed 301 s ago": (signature_header(BODY, SECRET, int(time.time()) - 301), SECRET),
        "signed with another secret": (old, SECRET),
        "the body changed after signing": (signature_header(BODY.replace(b"e1", b"e2"), SECRET), SECRET),
        "no header": (None, SECRET),
        "no timestamp": (f"v1={_v1(good)}", SECRET),
        "a v0 only": (good.replace("v1=", "v0="), SECRET),
        "an empty secret": (signature_header(BODY, ""), ""),
        "a secret of spaces": (signature_header(BODY, "  "), "  "),
    }


ACCEPTED = ("signed", "two v1 while the secret is rotated, the second good", "signed 299 s ago")


@pytest.mark.parametrize("name", list(_deliveries()))
def test_a_delivery_is_taken_only_when_signed_with_the_secret_within_five_minutes(name):
    header, secret = _deliveries()[name]
    if name in ACCEPTED:
        assert verified_delivery(BODY, header, webhook_secret=secret) == BODY.decode()
    else:
        with pytest.raises(InvalidInput) as refused:
            verified_delivery(BODY, header, webhook_secret=secret)
        assert (refused.value.field, refused.value.reason) == ("Field-Signature", "signature_invalid")


# ---------------------------------------------------------------- what is next


def _visit(start: datetime, *, planned_at: datetime, status: str = "PLANNED",
           history: list[dict] | None = None) -> Appointment:
    start = start.astimezone(UTC)
    window = {"start": isoformat(start), "end": isoformat(start + timedelta(minutes=30))}
    return Appointment(
        "C#x", "APPOINTMENT#A-1", appointment_id="A-1", customer_id="x", kind="engineer_visit", status=status,
        region="AMS", window_start=window["start"], window_end=window["end"], address={"postcode": "1012 LG"},
        planned_at=isoformat(planned_at), planned_channel="web", updated_at=isoformat(planned_at),
        history=[{"at": isoformat(planned_at), "action": "planned", "window": window}, *(history or [])])


WEDNESDAY = datetime(2026, 12, 9, 10, 0, tzinfo=AMSTERDAM)


def test_the_reminder_is_48_hours_before_the_window_and_the_check_two_hours_after_it():
    visit = _visit(WEDNESDAY, planned_at=datetime(2026, 12, 1, tzinfo=UTC))
    now = datetime(2026, 12, 2, tzinfo=UTC)
    assert next_step(visit, visit.window_start, now) == {"action": "remind", "at": "2026-12-07T09:00:00.000Z"}
    assert not due(visit, visit.window_start, datetime(2026, 12, 7, 8, 59, 59, tzinfo=UTC), "remind")
    assert due(visit, visit.window_start, datetime(2026, 12, 7, 9, 0, tzinfo=UTC), "remind")
    reminded = _visit(WEDNESDAY, planned_at=datetime(2026, 12, 1, tzinfo=UTC), history=[
        {"at": "2026-12-07T09:00:00.000Z", "action": "reminded", "window": {"start": visit.window_start}}])
    # once per window: then the check, two hours after the window ends (10:30 + 2 h, 11:30 UTC)
    assert next_step(reminded, visit.window_start, now) == {"action": "check", "at": "2026-12-09T11:30:00.000Z"}
    assert not due(reminded, visit.window_start, now, "remind")
    assert due(reminded, visit.window_start, datetime(2026, 12, 9, 11, 30, tzinfo=UTC), "check")


def test_no_reminder_for_a_visit_made_after_its_moment_or_once_the_deadline_passed():
    late = _visit(WEDNESDAY, planned_at=datetime(2026, 12, 7, 9, 1, tzinfo=UTC))
    assert next_step(late, late.window_start, datetime(2026, 12, 7, 9, 2, tzinfo=UTC))["action"] == "check"
    early = _visit(WEDNESDAY, planned_at=datetime(2026, 12, 1, tzinfo=UTC))
    assert next_step(early, early.window_start, datetime(2026, 12, 8, 9, 0, tzinfo=UTC))["action"] == "check"


@pytest.mark.parametrize(("start", "reminder", "check"), [
    # Monday 30 March 2026 10:00 summer time: reminded on Saturday 28 March 10:00 winter time
    (datetime(2026, 3, 30, 10, 0, tzinfo=AMSTERDAM), "2026-03-28T08:00:00.000Z", "2026-03-30T10:30:00.000Z"),
    # Sunday 29 March 10:00 (the clocks went forward at two): 48 real hours, Friday 09:00 on the clock
    (datetime(2026, 3, 29, 10, 0, tzinfo=AMSTERDAM), "2026-03-27T08:00:00.000Z", "2026-03-29T10:30:00.000Z"),
    # Monday 26 October 2026 09:00 winter time: reminded on Saturday 24 October 10:00 summer time
    (datetime(2026, 10, 26, 9, 0, tzinfo=AMSTERDAM), "2026-10-24T08:00:00.000Z", "2026-10-26T10:30:00.000Z"),
])
def test_the_moments_are_real_hours_across_the_clock_changes(start, reminder, check):
    visit = _visit(start, planned_at=start - timedelta(days=10))
    assert next_step(visit, visit.window_start, start - timedelta(days=9))["at"] == reminder
    assert datetime.fromisoformat(reminder).astimezone(AMSTERDAM).hour != start.hour  # not the same on the clock
    reminded = _visit(start, planned_at=start - timedelta(days=10), history=[
        {"at": reminder, "action": "reminded", "window": {"start": visit.window_start}}])
    assert next_step(reminded, visit.window_start, start)["at"] == check


@pytest.mark.parametrize("status", ["CANCELLED", "DONE", "MISSED"])
def test_a_cancelled_done_or_missed_visit_ends_the_run(status):
    visit = _visit(WEDNESDAY, planned_at=datetime(2026, 12, 1, tzinfo=UTC), status=status)
    assert next_step(visit, visit.window_start, datetime(2026, 12, 2, tzinfo=UTC)) == {
        "action": "end", "why": status.lower()}


def test_a_moved_visit_ends_the_run_of_its_old_window_and_one_en_route_is_still_checked():
    visit = _visit(WEDNESDAY, planned_at=datetime(2026, 12, 1, tzinfo=UTC))
    assert next_step(visit, "2026-12-08T09:00:00.000Z", datetime(2026, 12, 2, tzinfo=UTC)) == {
        "action": "end", "why": "moved"}
    under_way = _visit(WEDNESDAY, planned_at=datetime(2026, 12, 1, tzinfo=UTC), status="EN_ROUTE")
    assert next_step(under_way, under_way.window_start, datetime(2026, 12, 9, 9, tzinfo=UTC))["action"] == "check"


# ---------------------------------------------------------------- the ETA shown


@pytest.mark.parametrize(("eta_minutes", "shown"), [(15, (5, 25)), (2, (0, 12)), (29, (19, 30)), (-20, (0, 10)),
                                                    (45, (20, 30))])
def test_an_eta_is_shown_as_a_window_around_it_inside_the_promised_one(eta_minutes, shown):
    start = datetime(2026, 12, 9, 9, 0, tzinfo=UTC)
    promised = Window(start, start + timedelta(minutes=30))
    window = eta_window(promised, start + timedelta(minutes=eta_minutes))
    assert (window.start, window.end) == (start + timedelta(minutes=shown[0]), start + timedelta(minutes=shown[1]))
