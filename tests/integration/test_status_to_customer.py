"""Status to the customer: a request staff move on is told to the customer on their preferred
channel, once, through the bus's rule (what they did themselves is not told back); in the quiet
hours (21:00-08:00 Amsterdam) what would buzz their phone waits for the morning, and then goes
where they prefer and consent by then."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.conftest import Caller, verified_phone

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def _prefers(customer: Caller, channel: str) -> None:
    version = customer.get("/me").json()["version"]
    answer = customer.patch("/me", json={"version": version, "settings": {"preferred_channel": channel}})
    assert answer.status_code == 200, answer.text


def _request(customer: Caller) -> dict:
    started = customer.post("/me/requests", json={"kind": "repair", "subject": "Storing modem",
                                                  "text": "Het lampje knippert rood."})
    assert started.status_code == 201, started.text
    return started.json()


def _step(agent: Caller, customer: Caller, request: dict, **body) -> dict:
    current = customer.get(f"/me/requests/{request['request_id']}").json()
    answer = agent.post(f"/agent/customers/{customer.customer_id}/requests/{request['request_id']}/steps",
                        json={"version": current["version"], **body})
    assert answer.status_code == 200, answer.text
    return answer.json()


def _whatsapp(cloud, phone: str) -> list[str]:
    return [m["text"] for m in cloud.providers.sent if m["to"] == phone]


def _at(clock, day: datetime, hour: int, minute: int = 0) -> None:
    clock.set(datetime.combine(day.date(), datetime.min.time(), AMSTERDAM).replace(hour=hour, minute=minute))


def test_a_request_staff_move_on_is_told_once_on_the_preferred_channel_and_the_customers_own_step_is_not(
        cloud, customer, agent):
    phone = verified_phone(customer)
    _prefers(customer, "whatsapp")
    request = _request(customer)
    cloud.cloud.settle()
    # The customer's own start is not told back to them
    assert _whatsapp(cloud, phone) == []

    # When staff ask something of them
    _step(agent, customer, request, text="Wilt u de modem 30 seconden uit en weer aan zetten?",
          status="waiting_for_customer", next_step="the customer tries it")
    cloud.cloud.settle()

    # Then it reaches them on WhatsApp, in the approved template, in their language
    assert _whatsapp(cloud, phone) == [
        "request_update: Storing modem | wacht op uw antwoord | Wilt u de modem 30 seconden uit en weer aan zetten?"]
    # and their own answer is not told back; staff's next step is, once
    assert customer.post(f"/me/requests/{request['request_id']}/steps", json={
        "version": customer.get(f"/me/requests/{request['request_id']}").json()["version"],
        "text": "Gedaan, nu brandt hij groen."}).status_code == 200
    _step(agent, customer, request, text="Fijn dat het werkt. We sluiten uw verzoek.", status="done")
    cloud.cloud.settle()
    assert len(_whatsapp(cloud, phone)) == 2
    assert _whatsapp(cloud, phone)[-1] == \
        "request_update: Storing modem | afgerond | Fijn dat het werkt. We sluiten uw verzoek."


def test_at_night_a_notice_waits_for_eight_oclock_and_goes_where_the_customer_prefers_and_consents_then(
        cloud, customer, agent, daytime):
    from opencounter.notifications.records import HeldNotice

    phone = verified_phone(customer)
    _prefers(customer, "whatsapp")
    request = _request(customer)
    evening = daytime.now

    # Given it is half past eleven at night when staff move the request on
    _at(daytime, evening, 23, 30)
    _step(agent, customer, request, text="De monteur komt morgen.", status="in_progress")
    _step(agent, customer, request, text="Het onderdeel is besteld.", status="in_progress")
    cloud.cloud.settle()

    # Then nothing buzzes their phone: both wait, each once, also when the bus delivers one again
    assert _whatsapp(cloud, phone) == []
    held = list(HeldNotice.query(f"NOTICES#{customer.customer_id}", HeldNotice.SK.startswith("HELD#")))
    assert len(held) == 2
    again = {"detail-type": held[0].detail_type, "source": "opencounter", "detail": held[0].detail}
    assert cloud.cloud.invoke("CustomerNotifierFunction", again) == {"outcome": "held"}
    assert len(list(HeldNotice.query(f"NOTICES#{customer.customer_id}", HeldNotice.SK.startswith("HELD#")))) == 2
    # while the portal shows both moves at once (and the start before them)
    moves = [e for e in customer.get("/me/timeline").json()["items"] if e["type"] == "ServiceRequestUpdated"]
    assert len(moves) == 3

    # When, before eight, the customer withdraws WhatsApp for service messages
    version = customer.get("/me").json()["version"]
    assert customer.patch("/me", json={"version": version, "consents": [
        {"channel": "whatsapp", "purpose": "service", "granted": False}]}).status_code == 200

    # Then at 07:59 the release sends nothing yet
    next_day = evening + timedelta(days=1)
    _at(daytime, next_day, 7, 59)
    assert cloud.cloud.invoke("HeldNoticesFunction", {}) == {"outcomes": {}}
    # and at eight both go, by e-mail, as the customer's consents are by then; once, however often it runs
    _at(daytime, next_day, 8, 0)
    assert cloud.cloud.invoke("HeldNoticesFunction", {}) == {"outcomes": {"sent_email": 2}}
    assert cloud.cloud.invoke("HeldNoticesFunction", {}) == {"outcomes": {}}
    assert _whatsapp(cloud, phone) == []
    told = [m["body"] for m in cloud.cloud.mailbox(customer.email) if m["subject"] == "Uw verzoek is in behandeling"]
    assert len(told) == 2 and any("De monteur komt morgen." in body for body in told)


def test_what_only_helps_at_once_goes_at_night_too_and_the_quiet_hours_end_at_eight_on_a_clock_change():
    from opencounter.notifications.quiet import AT_ONCE, quiet_until

    # the engineer on the way, the link to pay staff send during a call
    assert {"AppointmentEnRoute", "PaymentLinkSent"} <= AT_ONCE
    # 20:59 is not quiet, 21:00 is, till eight the next morning
    assert quiet_until(datetime(2026, 12, 7, 20, 59, tzinfo=AMSTERDAM)) is None
    assert quiet_until(datetime(2026, 12, 7, 21, 0, tzinfo=AMSTERDAM)) == datetime(2026, 12, 8, 8, 0, tzinfo=AMSTERDAM)
    assert quiet_until(datetime(2026, 12, 8, 7, 59, tzinfo=AMSTERDAM)) == datetime(2026, 12, 8, 8, 0, tzinfo=AMSTERDAM)
    assert quiet_until(datetime(2026, 12, 8, 8, 0, tzinfo=AMSTERDAM)) is None
    # the night the clocks go back (25 October 2026, 03:00 -> 02:00) still ends at eight, Amsterdam time
    night = datetime(2026, 10, 24, 23, 0, tzinfo=AMSTERDAM)
    assert quiet_until(night).astimezone(AMSTERDAM).hour == 8
    assert quiet_until(night).astimezone(UTC) - night.astimezone(UTC) == timedelta(hours=10)
