"""The day itself, through the local cloud: the field service is told of every visit planned,
moved or cancelled, and reports its day back with signed webhooks (the stand-in plays it); the
customer sees the technician en route with a live ETA, a visit done, a visit missed with the
first free windows to plan it again. Forged, stale, misdirected, duplicated and late updates
write nothing more than one update would. The workflow following each visit reminds the
customer before the change deadline and takes a visit nobody reported on as missed, at the
right moments, also across the clock change."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from infra.local.sandbox.stripe.wire import signature_header
from tests.conftest import Caller, Clock, TableWrites, give_product, new_customer
from tests.integration.test_appointments import AMSTERDAM, _at, _customer_since, _plan, _slot

SYSTEM = {"type": "system", "id": "tests"}


class TickingClock(Clock):
    """The appointments' clock set by the test, running on in real time from the moment set."""

    def __call__(self) -> datetime:
        return self.now + (datetime.now(UTC) - self.set_at)

    def set(self, moment: datetime) -> datetime:
        self.set_at = datetime.now(UTC)
        return super().set(moment)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> TickingClock:
    ticking = TickingClock()
    ticking.set(ticking.now)
    monkeypatch.setattr("opencounter.appointments.service.utcnow", ticking)
    return ticking


def _free_on(clock: TickingClock, day: date, planned_at: datetime) -> datetime:
    """The start of the first window still free for an engineer in Amsterdam on `day`, as seen
    at `planned_at` (the clock is left there)."""
    from opencounter.appointments.service import available_slots

    clock.set(planned_at)
    slots = available_slots("1012 LG", "engineer_visit", day.isoformat())
    return datetime.fromisoformat(next(d for d in slots["days"] if d["date"] == day.isoformat())["slots"][0]["start"])


def _fibre_visit(cloud, clock: TickingClock, day: date = date(2026, 12, 9)) -> tuple[Caller, dict]:
    """A customer in Amsterdam with fibre and an engineer's visit planned in the first window
    free on `day`, planned on Sunday 6 December 2026 at 10:00."""
    customer = new_customer(cloud)
    product_id = give_product(customer, "FIBRE-100")
    start = _free_on(clock, day, datetime(2026, 12, 6, 9, 0, tzinfo=UTC))
    return customer, _plan(customer, "engineer_visit", start, product_id=product_id)


def _planned_directly(cloud, clock: TickingClock, day: date, planned_at: datetime) -> tuple[Caller, dict]:
    """A visit planned at `planned_at` in the first window free on `day`, not yet settled: its
    workflow starts at the next settle, on the clock as it is then."""
    from opencounter.appointments.service import plan_appointment

    customer = _customer_since(cloud, date(2025, 1, 1))
    product_id = give_product(customer, "FIBRE-100", started_at="2025-06-01")
    start = _free_on(clock, day, planned_at)
    return customer, plan_appointment(customer.customer_id, {"kind": "engineer_visit", "slot": _slot(start),
                                                             "product_id": product_id}, actor=SYSTEM, channel="system")


def _record(customer: Caller, visit: dict) -> dict:
    """The appointment as stored (when the workflow acted is not on any screen)."""
    from opencounter.appointments.records import Appointment

    return Appointment.get(*Appointment.keys(customer.customer_id, visit["appointment_id"])).attribute_values


def _local(moment: datetime | str) -> str:
    moment = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return f"{moment.astimezone(AMSTERDAM):%H:%M}"


def _z(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _mine(customer: Caller, appointment_id: str) -> dict:
    return next(a for a in customer.get("/me/appointments").json()["items"] if a["appointment_id"] == appointment_id)


def _timeline(customer: Caller, kind: str) -> list[dict]:
    return [e for e in customer.get("/me/timeline").json()["items"] if e["type"] == kind]


def _mails(cloud, customer: Caller, subject: str) -> list[dict]:
    return [m for m in cloud.cloud.mailbox(customer.email) if m["subject"] == subject]


# ---------------------------------------------------------------- telling the field service


def test_the_field_service_is_told_of_a_visit_planned_moved_and_cancelled_once_per_version(cloud, clock):
    customer, visit = _fibre_visit(cloud, clock)
    job_id = visit["appointment_id"]
    told = cloud.field.jobs[job_id]
    assert (told["status"], told["version"], told["window"]["start"]) == ("planned", 1, visit["window"]["start"])
    assert told["reference"] == {"customer_id": customer.customer_id, "appointment_id": job_id}

    moved = customer.patch(f"/me/appointments/{job_id}", json={"slot": _slot(_at(date(2026, 12, 10), "11:00")),
                                                               "version": visit["version"]}).json()
    assert (cloud.field.jobs[job_id]["status"], cloud.field.jobs[job_id]["window"]) == ("moved", moved["window"])
    customer.request("DELETE", f"/me/appointments/{job_id}")
    assert cloud.field.jobs[job_id]["status"] == "cancelled"
    # the demo's visit (Daan's engineer) was told too, when the demo data was loaded
    from infra.local.demo import demo_id
    assert any(j["reference"]["customer_id"] == demo_id("daan") for j in cloud.field.jobs.values())
    # the same event delivered again tells nothing new
    assert [c["result"] for c in cloud.field.calls if c["job_id"] == job_id] == ["accepted"] * 3
    event = {"detail-type": "AppointmentCancelled", "source": "opencounter", "detail": {
        "event_id": "00000000-0000-4000-8000-000000000001", "customer_id": customer.customer_id,
        "data": {"appointment_id": job_id}}}
    cloud.cloud.invoke("FieldServiceJobsFunction", event)
    assert [c["result"] for c in cloud.field.calls if c["job_id"] == job_id][-1] == "unchanged"


# ---------------------------------------------------------------- the day, reported


def test_en_route_the_customer_sees_the_eta_inside_the_window_then_arrived_and_done(cloud, clock, agent):
    customer, visit = _fibre_visit(cloud, clock)
    job_id, start = visit["appointment_id"], datetime.fromisoformat(visit["window"]["start"])

    assert cloud.field.update(job_id, "planned") == 200
    assert _mine(customer, job_id)["status"] == "planned"
    assert cloud.field.update(job_id, "en_route", eta=start + timedelta(minutes=25)) == 200
    seen = _mine(customer, job_id)
    # expected 25 minutes into the window: shown from 15 minutes in to its end, inside the promised window
    assert seen["status"] == "en_route"
    expected = (_local(start + timedelta(minutes=15)), _local(start + timedelta(minutes=30)))
    assert (seen["eta_window"]["from"], seen["eta_window"]["until"]) == expected
    assert customer.get("/me").json()["appointments"][0]["eta_window"] == seen["eta_window"]
    [mail] = _mails(cloud, customer, "We zijn onderweg")
    assert f"tussen {expected[0]}–{expected[1]}" in mail["body"]
    # a later ETA is shown live, without another notice
    assert cloud.field.update(job_id, "en_route", eta=start + timedelta(minutes=5)) == 200
    assert (_mine(customer, job_id)["eta_window"]["from"], len(_mails(cloud, customer, "We zijn onderweg"))) == (
        _local(start), 1)

    assert cloud.field.update(job_id, "arrived") == 200
    assert cloud.field.update(job_id, "done") == 200
    done = _mine(customer, job_id)
    assert done["status"] == "done" and done["outcome"]["result"] == "done" and "eta_window" not in done
    assert [e["title"] for e in _timeline(customer, "AppointmentDone")] == ["Appointment done"]
    assert _timeline(customer, "AppointmentArrived") and _mails(cloud, customer, "Uw afspraak is uitgevoerd")
    assert _timeline(customer, "AppointmentDone")[0]["data"]["order_id"] is None
    desk = agent.get(f"/agent/customers/{customer.customer_id}/appointments").json()
    assert [a["status"] for a in desk["items"] if a["appointment_id"] == job_id] == ["done"]


def test_a_carrier_may_narrow_the_window_but_not_widen_it(cloud, clock):
    customer, visit = _fibre_visit(cloud, clock, date(2026, 12, 10))
    job_id, start = visit["appointment_id"], datetime.fromisoformat(visit["window"]["start"])
    writes = TableWrites(cloud)
    wider = cloud.field.update(job_id, "planned", window=(start - timedelta(minutes=15), start + timedelta(minutes=15)))
    assert wider == 400 and cloud.field.deliveries[-1]["status"] == 400
    assert writes.since() == []
    assert cloud.field.update(job_id, "planned", window=(start + timedelta(minutes=10),
                                                         start + timedelta(minutes=25))) == 200
    promised = _mine(customer, job_id)["promised_window"]
    assert (promised["from"], promised["until"]) == (_local(start + timedelta(minutes=10)),
                                                     _local(start + timedelta(minutes=25)))
    # once narrowed, that is the promise: a later window may narrow it further, never widen it again
    assert cloud.field.update(job_id, "planned", window=(start, start + timedelta(minutes=20))) == 400
    assert cloud.field.update(job_id, "planned", window=(start + timedelta(minutes=10),
                                                         start + timedelta(minutes=20))) == 200
    assert _mine(customer, job_id)["promised_window"]["until"] == _local(start + timedelta(minutes=20))


def test_duplicated_and_out_of_order_updates_have_one_effect(cloud, clock):
    customer, visit = _fibre_visit(cloud, clock)
    job_id, start = visit["appointment_id"], datetime.fromisoformat(visit["window"]["start"])
    on_the_way = {"event_id": "fs-en-route-1", "eta": start + timedelta(minutes=10),
                  "occurred_at": start - timedelta(minutes=20)}
    arrived_at = start + timedelta(minutes=9)
    assert cloud.field.update(job_id, "en_route", **on_the_way) == 200
    assert cloud.field.update(job_id, "arrived", event_id="fs-arrived-1", occurred_at=arrived_at) == 200
    writes = TableWrites(cloud)
    # the same en route again, an older en route arriving late, the arrival twice: nothing more happens
    assert cloud.field.update(job_id, "en_route", **on_the_way) == 200
    assert cloud.field.update(job_id, "en_route", event_id="fs-en-route-0", eta=start,
                              occurred_at=start - timedelta(minutes=40)) == 200
    assert cloud.field.update(job_id, "arrived", event_id="fs-arrived-1", occurred_at=arrived_at) == 200
    assert cloud.field.update(job_id, "planned", occurred_at=start - timedelta(hours=3)) == 200
    assert writes.since() == []
    assert [d["status"] for d in cloud.field.deliveries[-4:]] == [200] * 4
    assert _mine(customer, job_id)["status"] == "arrived"
    assert len(_timeline(customer, "AppointmentEnRoute")) == len(_timeline(customer, "AppointmentArrived")) == 1
    assert len(_mails(cloud, customer, "We zijn onderweg")) == 1


def test_forged_stale_or_misdirected_updates_write_nothing(cloud, clock, other_customer, anonymous):
    customer, visit = _fibre_visit(cloud, clock)
    other, cancelled = _fibre_visit(cloud, clock, date(2026, 12, 10))
    job_id = visit["appointment_id"]
    other.request("DELETE", f"/me/appointments/{cancelled['appointment_id']}")
    secret = cloud.field.webhook_secret
    writes = TableWrites(cloud)

    def refused(status: int, **how) -> None:
        assert cloud.field.update(job_id, how.pop("kind", "arrived"), **how) == status, how

    body = b"ignored"  # each forged header below signs something else than the body sent
    refused(400, signature=signature_header(body, "fs_whsec_someone_else"))
    refused(400, signature="")
    refused(400, signature="t=1,v1=00")
    # signed correctly, but 301 s ago: a replay
    stale = {"event_id": "fs-replayed", "type": "arrived", "occurred_at": "2026-12-09T09:10:00Z",
             "reference": {"customer_id": customer.customer_id, "appointment_id": job_id}}
    payload = json.dumps(stale).encode()
    old = signature_header(payload, secret, timestamp=int(datetime.now(UTC).timestamp()) - 301)
    answer = anonymous.post("/webhooks/field-service", data=payload, headers={"Field-Signature": old})
    assert answer.status_code == 400 and answer.json()["reason"] == "signature_invalid"
    assert answer.json()["field"] == "Field-Signature"
    # another customer's appointment, one that does not exist, and a cancelled one
    refused(404, customer_id=other_customer.customer_id)
    assert cloud.field.update("A-000000000000", "arrived", customer_id=customer.customer_id) == 404
    assert cloud.field.update(cancelled["appointment_id"], "arrived") == 409
    # a field missing or wrong is named
    refused(400, kind="en_route")  # no ETA
    refused(400, kind="missed")  # no reason
    refused(400, body={"event_id": "x", "type": "teleported", "occurred_at": "2026-12-09T09:00:00Z",
                       "reference": {"customer_id": customer.customer_id, "appointment_id": job_id}})
    assert writes.since() == []
    assert _mine(customer, job_id)["status"] == "planned"
    # signed now, the same update is taken in (the answer as the API's document says)
    fresh = anonymous.post("/webhooks/field-service", data=payload,
                           headers={"Field-Signature": signature_header(payload, secret)})
    assert fresh.status_code == 200 and fresh.json() == {"received": True, "result": "applied",
                                                         "appointment_id": job_id, "status": "arrived"}


def test_without_a_webhook_secret_every_update_is_refused(cloud, clock, provider_secrets, anonymous):
    customer, visit = _fibre_visit(cloud, clock, date(2026, 12, 10))
    writes = TableWrites(cloud)
    for empty in ("", "   "):
        provider_secrets("FieldServiceSecret", webhook_secret=empty)
        update = {"event_id": f"fs-{len(empty)}", "type": "arrived", "occurred_at": "2026-12-10T09:00:00Z",
                  "reference": {"customer_id": customer.customer_id, "appointment_id": visit["appointment_id"]}}
        payload = json.dumps(update).encode()
        answer = anonymous.post("/webhooks/field-service", data=payload,
                                headers={"Field-Signature": signature_header(payload, empty)})
        assert (answer.status_code, answer.json()["reason"]) == (503, "not_configured")
    assert writes.since() == []


def test_a_missed_visit_offers_the_first_free_windows_and_the_product_is_planned_again(cloud, clock):
    customer, visit = _fibre_visit(cloud, clock, date(2026, 12, 11))
    job_id = visit["appointment_id"]
    assert cloud.field.play_day(job_id, "missed", "nobody_home") == [200, 200, 200]

    listed = customer.get("/me/appointments").json()
    missed = next(a for a in listed["items"] if a["appointment_id"] == job_id)
    assert missed["status"] == "missed" and missed["outcome"]["reason"] == "nobody_home"
    offered = missed["outcome"]["next_free"]
    assert offered and all(datetime.fromisoformat(w["start"]) >= clock() + timedelta(hours=24) for w in offered)
    assert [p["product_id"] for p in listed["to_plan"]] == [visit["product_id"]]
    [event] = _timeline(customer, "AppointmentMissed")
    assert event["data"]["next_free"] == offered and event["data"]["reason"] == "nobody_home"
    [mail] = _mails(cloud, customer, "Uw afspraak ging niet door")
    assert "we troffen niemand thuis" in mail["body"] and offered[0]["from"] in mail["body"]
    assert f"{cloud.url}/#/appointments" in mail["body"]
    # a done or missed visit cannot be reported on again, nor moved
    assert cloud.field.update(job_id, "done") == 200 and _mine(customer, job_id)["status"] == "missed"
    again = _plan(customer, "engineer_visit", datetime.fromisoformat(offered[0]["start"]),
                  product_id=visit["product_id"])
    assert again["status"] == "planned" and customer.get("/me/appointments").json()["to_plan"] == []


# ---------------------------------------------------------------- the workflow of each visit


def _executions(cloud, appointment_id: str) -> list[dict]:
    sfn = cloud.cloud.client("stepfunctions")
    arn = cloud.cloud.state_machines["AppointmentStateMachine"]
    found = []
    for status in ("RUNNING", "SUCCEEDED", "FAILED"):
        found += [e for e in sfn.list_executions(stateMachineArn=arn, statusFilter=status)["executions"]
                  if e["name"].startswith(appointment_id)]
    return found


def _waiting_until(cloud, execution: dict) -> str:
    """The moment (on the appointments' clock) a running execution waits for."""
    history = cloud.cloud.client("stepfunctions").get_execution_history(
        executionArn=execution["executionArn"])["events"]
    entered = max((e for e in history if e["type"] == "WaitStateEntered"), key=lambda e: e["id"])
    return json.loads(entered["stateEnteredEventDetails"]["input"])["next"]["payload"]["at"]


def test_each_visit_has_one_workflow_waiting_for_its_reminder_and_a_moved_one_its_own(cloud, clock):
    customer, visit = _fibre_visit(cloud, clock, date(2026, 12, 14))
    job_id, start = visit["appointment_id"], datetime.fromisoformat(visit["window"]["start"])
    [execution] = _executions(cloud, job_id)
    assert execution["name"] == job_id and execution["status"] == "RUNNING"
    # 48 hours before the window: 24 hours before the change deadline
    assert _waiting_until(cloud, execution) == _z(start - timedelta(hours=48))
    # the same event again starts nothing
    event = {"detail-type": "AppointmentPlanned", "source": "opencounter", "detail": {
        "event_id": "00000000-0000-4000-8000-000000000002", "customer_id": customer.customer_id,
        "data": {"appointment_id": job_id, "window": visit["window"]}}}
    cloud.cloud.invoke("FieldServiceJobsFunction", event)
    assert len(_executions(cloud, job_id)) == 1
    # moved: a run of its own waits for the new window's reminder
    later = _free_on(clock, date(2026, 12, 15), clock.now)
    customer.patch(f"/me/appointments/{job_id}", json={"slot": _slot(later), "version": visit["version"]})
    runs = _executions(cloud, job_id)
    assert len(runs) == 2
    moved = next(r for r in runs if r["name"] != job_id)
    assert _waiting_until(cloud, moved) == _z(later - timedelta(hours=48))


@pytest.mark.parametrize(("day", "deadline_day"), [
    (date(2026, 12, 16), "dinsdag 15 december 2026"),  # an ordinary week
    # across the clock change: a window on Monday 26 October (winter time) is reminded of 48 real
    # hours before, on Saturday in summer time: an hour later on the clock than the window
    (date(2026, 10, 26), "zondag 25 oktober 2026"),
])
def test_the_reminder_comes_24_hours_before_the_change_deadline_once(cloud, clock, day, deadline_day):
    customer, visit = _planned_directly(cloud, clock, day, datetime.combine(day, datetime.min.time(), UTC) - timedelta(
        days=5))
    start = datetime.fromisoformat(visit["window"]["start"])
    reminder = start - timedelta(hours=48)
    # the workflow starts when the clock is two seconds short of the reminder: it waits them out
    clock.set(reminder - timedelta(seconds=2))
    cloud.cloud.settle()

    [mail] = _mails(cloud, customer, "Herinnering: uw afspraak")
    assert f"tot {deadline_day} {_local(start)}" in mail["body"] and f"{cloud.url}/#/appointments" in mail["body"]
    assert _timeline(customer, "AppointmentReminder")
    reminded = [s["at"] for s in _record(customer, visit)["history"] if s["action"] == "reminded"]
    assert len(reminded) == 1 and reminder <= datetime.fromisoformat(reminded[0]) < reminder + timedelta(seconds=10)
    if day.month == 10:
        assert int(_local(reminder)[:2]) == int(_local(start)[:2]) + 1
    [execution] = _executions(cloud, visit["appointment_id"])
    assert execution["status"] == "RUNNING"  # on to the check after the window
    assert _waiting_until(cloud, execution) == _z(datetime.fromisoformat(visit["window"]["end"]) + timedelta(hours=2))
    # asked again (a step run twice), it reminds no more
    step = {"step": "act", "action": "remind", "customer_id": customer.customer_id,
            "appointment_id": visit["appointment_id"], "followed": visit["window"]["start"]}
    assert cloud.cloud.invoke("AppointmentDayFunction", step) == {"done": "nothing"}
    assert len(_mails(cloud, customer, "Herinnering: uw afspraak")) == 1


def test_a_visit_made_after_the_reminder_moment_gets_none(cloud, clock):
    day = date(2026, 12, 17)
    first = _free_on(clock, day, datetime(2026, 12, 6, 9, 0, tzinfo=UTC))
    # planned 47 hours ahead: the reminder moment (48 hours before) has passed
    customer, visit = _planned_directly(cloud, clock, day, first - timedelta(hours=47))
    cloud.cloud.settle()
    [execution] = _executions(cloud, visit["appointment_id"])
    assert _waiting_until(cloud, execution) == _z(datetime.fromisoformat(visit["window"]["end"]) + timedelta(hours=2))
    assert _mails(cloud, customer, "Herinnering: uw afspraak") == []


@pytest.mark.parametrize("day", [
    date(2026, 12, 18),
    date(2026, 3, 29),  # Sunday 29 March 2026: the clocks went forward at two
])
def test_a_visit_nobody_reported_on_is_missed_two_hours_after_its_window(cloud, clock, day):
    customer, visit = _planned_directly(cloud, clock, day, datetime.combine(day, datetime.min.time(), UTC) - timedelta(
        days=3))
    checked_at = datetime.fromisoformat(visit["window"]["end"]) + timedelta(hours=2)
    # nobody reports on it: the workflow starts two seconds short of the check and waits them out
    clock.set(checked_at - timedelta(seconds=2))
    cloud.cloud.settle()

    missed = _mine(customer, visit["appointment_id"])
    assert missed["status"] == "missed" and missed["outcome"]["reason"] == "not_reported"
    assert checked_at <= datetime.fromisoformat(missed["outcome"]["at"]) < checked_at + timedelta(seconds=10)
    assert missed["outcome"]["next_free"]
    assert [e["status"] for e in _executions(cloud, visit["appointment_id"])] == ["SUCCEEDED"]
    assert _mails(cloud, customer, "Uw afspraak ging niet door")
    assert [p["product_id"] for p in customer.get("/me/appointments").json()["to_plan"]] == [
        visit["product_id"]]
