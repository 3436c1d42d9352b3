"""The service centre: channels with their expected waits, the funnel (self-service first, the
customer chooses), contacts from every channel in one history, agents' notes and resolution,
requests continued on another channel, the live FAQ and the staff's 360-degree view."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from infra.local.runtime import LOCAL_SECRETS, META, X
from infra.local.template import ACCOUNT
from opencounter.core.settings import settings
from tests.conftest import TableWrites, bill, give_product, texted_code, verified_phone

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def _history(customer) -> list[dict]:
    response = customer.get("/me/contacts")
    assert response.status_code == 200
    return response.json()["items"]


def _queued(agent, channel: str, **match) -> dict:
    items = agent.get("/agent/queue", params={"channel": channel}).json()["items"]
    found = [c for c in items if all(c.get(k) == v for k, v in match.items())]
    assert found, (match, items)
    return found[-1]


def _contact_path(contact: dict, action: str = "") -> str:
    query = f"?customer_id={contact['customer_id']}" if contact.get("customer_id") else ""
    return f"/agent/contacts/{contact['contact_id']}{f'/{action}' if action else ''}{query}"


def test_every_channel_shows_whether_it_is_open_and_what_a_contact_can_expect(cloud, anonymous):
    from opencounter.channels.status import channel_status

    # Given a Monday morning with the demo staffing
    monday = datetime(2026, 11, 23, 10, 0, tzinfo=AMSTERDAM)
    channels = {c["channel"]: c for c in channel_status(monday)}

    # Then every channel is there, the queues with an expected wait, its range and the norm
    assert set(channels) == {"phone", "chat", "whatsapp", "messenger", "x", "email", "office"}
    phone = channels["phone"]
    assert phone["open_now"] and phone["callback_available"]
    assert phone["expected_wait_s"] is not None and phone["wait_range_s"][0] <= phone["wait_range_s"][1]
    assert 0 <= phone["predicted_service_level"] <= 1
    assert phone["service_level_target"] == {"share": 0.85, "within_s": 15.0}
    assert channels["email"]["model"] == "backlog" and channels["email"]["expected_wait_s"] > 0
    # And on a Sunday night the phone is closed and says when it opens
    sunday = datetime(2026, 11, 29, 23, 0, tzinfo=AMSTERDAM)
    closed = {c["channel"]: c for c in channel_status(sunday)}["phone"]
    assert not closed["open_now"] and closed["expected_wait_s"] is None
    assert closed["opens_at"].startswith("2026-11-30T08:00")
    office = {c["channel"]: c for c in channel_status(sunday)}["office"]
    assert office["opening_hours"]["saturday"] == "10:00-16:00" and office["opening_hours"]["sunday"] is None
    # And anyone can ask over HTTP
    response = anonymous.get("/channels")
    assert response.status_code == 200 and len(response.json()["items"]) == 7


def test_every_minute_each_channels_backlog_and_wait_go_to_the_dashboard(cloud, customer, anonymous):
    # Given a question waiting in the e-mail queue (e-mail is always open)
    asked = customer.post("/me/contacts", json={"question": "Where is my invoice?"}).json()
    customer.post(f"/me/contacts/{asked['contact']['contact_id']}/choice", json={"choice": "email"})

    # When the minute's schedule runs the figures function
    from infra.local.patches import as_delivered

    minute = as_delivered({"Source": "aws.scheduler", "DetailType": "Scheduled Event", "Detail": "{}"},
                          account=ACCOUNT, region=cloud.cloud.region)
    published = {c["channel"]: c for c in cloud.cloud.invoke("ChannelFiguresFunction", minute)["channels"]}

    # Then every contact channel's figures are those GET /channels shows, the office (a visit) not among them
    shown = {c["channel"]: c for c in anonymous.get("/channels").json()["items"]}
    assert set(published) == set(shown) - {"office"}
    for channel, figures in published.items():
        assert {k: shown[channel].get(k) for k in ("waiting", "agents", "expected_wait_s")} == \
            {k: figures[k] for k in ("waiting", "agents", "expected_wait_s")}
    assert published["email"]["waiting"] >= 1


def test_the_faq_answers_in_the_callers_language_dutch_first(cloud, anonymous):
    # Without a language, and with one we do not speak, the FAQ is in Dutch
    for headers in ({}, {"Accept-Language": "fr-FR"}):
        assert anonymous.get("/faq", headers=headers).json()["articles"][0]["question"].startswith(
            ("Wat", "Hoe", "Kan", "Ik", "Mijn"))
    # In English when the caller reads English; a malformed quality counts as not wanted
    english = anonymous.get("/faq", headers={"Accept-Language": "nl;q=oops, en"}).json()
    assert "What is on my invoice?" in [a["question"] for a in english["articles"]]
    dutch = anonymous.get("/faq", headers={"Accept-Language": "en;q=0.3, nl"}).json()
    assert "Wat staat er op mijn factuur?" in [a["question"] for a in dutch["articles"]]


def test_a_question_is_offered_self_service_first_and_the_customer_chooses(cloud, customer):
    # When the customer asks how to pay an invoice, reading English
    response = customer.post("/me/contacts", json={"question": "How can I pay my invoice with iDEAL?"},
                             headers={"Accept-Language": "en-GB,en;q=0.9,nl;q=0.5"})

    # Then the FAQ answer and the self-service action come first, then online help, then personal help
    assert response.status_code == 201
    body = response.json()
    assert body["contact"]["reason"] == "payment" and body["contact"]["status"] == "offered"
    assert body["offers"]["answers"][0]["article_id"] == "pay-now"
    assert {"label": "Pay an invoice now", "path": "/me/invoices"} in body["offers"]["self_service"]
    assert [o["channel"] for o in body["offers"]["online_help"]] == ["chat", "whatsapp", "messenger"]
    assert [o["channel"] for o in body["offers"]["personal"]] == ["phone", "email", "office"]

    # When the answer was enough
    solved = customer.post(f"/me/contacts/{body['contact']['contact_id']}/choice", json={"choice": "self_service"})

    # Then the contact is solved by self-service, in the history
    assert solved.status_code == 200 and solved.json()["status"] == "self_served"
    assert _history(customer)[0]["status"] == "self_served"
    # And choosing again is refused
    again = customer.post(f"/me/contacts/{body['contact']['contact_id']}/choice", json={"choice": "email"})
    assert again.status_code == 409


def test_a_call_back_is_asked_online_and_the_agent_sees_whom_to_call(cloud, customer, agent, monkeypatch):
    # Given a Monday morning, the phone open, and two questions from the customer
    monkeypatch.setattr("opencounter.contacts.service.utcnow",
                        lambda: datetime(2026, 11, 23, 10, 0, tzinfo=AMSTERDAM).astimezone(UTC))
    own_phone = customer.get("/me").json()["contact"]["phone"]
    first, second, third = (customer.post("/me/contacts", json={"question": question}).json()["contact"]
                            for question in ("Why is my bill higher?", "Can I move my fibre?", "Is there an outage?"))

    # When the customer asks to be called back, on their own number and then on another
    own = customer.post(f"/me/contacts/{first['contact_id']}/choice", json={"choice": "phone"})
    other = customer.post(f"/me/contacts/{second['contact_id']}/choice",
                          json={"choice": "phone", "callback_to": "+31201234567"})

    # Then each waits in the phone queue with the number to call and the wait shown
    assert own.status_code == 200 and other.status_code == 200
    assert (own.json()["status"], own.json()["callback_to"]) == ("queued", own_phone)
    assert other.json()["callback_to"] == "+31201234567" and other.json()["predicted_wait_s"] is not None
    queued = _queued(agent, "phone", contact_id=first["contact_id"])
    assert queued["callback_to"] == own_phone and queued["customer_id"] == customer.customer_id
    # And a number that is not one, or a call-back on another channel, is refused naming the field
    for body in ({"choice": "phone", "callback_to": "0612345678"}, {"choice": "email", "callback_to": "+31201234567"}):
        refused = customer.post(f"/me/contacts/{third['contact_id']}/choice", json=body)
        assert refused.status_code == 400 and refused.json()["field"] == "callback_to", refused.json()
    assert [c["status"] for c in _history(customer) if c["contact_id"] == third["contact_id"]] == ["offered"]

    # And on a Sunday night the phone is closed: no call-back, and it says when it opens
    monkeypatch.setattr("opencounter.contacts.service.utcnow",
                        lambda: datetime(2026, 11, 29, 23, 0, tzinfo=AMSTERDAM).astimezone(UTC))
    closed = customer.post(f"/me/contacts/{third['contact_id']}/choice", json={"choice": "phone"})
    assert closed.status_code == 409 and "opens 2026-11-30T08:00" in closed.json()["message"]


def test_an_agent_answers_notes_and_resolves_and_the_customer_sees_only_their_notes(cloud, customer, agent):
    # Given a question the customer chose to send by e-mail (e-mail is always open)
    asked = customer.post("/me/contacts", json={"question": "Why is my bill higher this month?"}).json()
    queued = customer.post(f"/me/contacts/{asked['contact']['contact_id']}/choice", json={"choice": "email"}).json()
    assert queued["status"] == "queued" and queued["predicted_wait_s"] is not None

    # When an agent takes it, notes something internal and something for the customer, and resolves it
    contact = _queued(agent, "email", contact_id=queued["contact_id"])
    assert agent.post(_contact_path(contact, "take")).json()["status"] == "in_progress"
    agent.post(_contact_path(contact, "notes"), json={"text": "Customer was rude on the phone before."})
    agent.post(_contact_path(contact, "notes"), json={"text": "Your usage was above the bundle.", "for_customer": True})
    resolved = agent.post(_contact_path(contact, "resolution"), json={"solution": "Explained the usage lines."})
    assert resolved.status_code == 200
    assert resolved.json()["first_contact_resolution"] is True

    # Then the customer's history shows when, the channel, the subject, the solution and their note only
    [seen] = [c for c in _history(customer) if c["contact_id"] == queued["contact_id"]]
    assert (seen["channel"], seen["status"], seen["solution"]) == ("email", "resolved", "Explained the usage lines.")
    assert [n["text"] for n in seen["notes"]] == ["Your usage was above the bundle."]
    assert seen["handler"] == "agent"  # a staff member, by role: never who
    assert resolved.json()["handler"] == agent_id(agent)  # staff see who
    # And the timeline says it was answered
    assert any(e["type"] == "ContactResolved" for e in customer.get("/me/timeline").json()["items"])
    # And the customer can score it
    scored = customer.post(f"/me/contacts/{queued['contact_id']}/feedback", json={"score": 9})
    assert scored.status_code == 200


def agent_id(agent) -> str:
    import jwt

    return jwt.decode(agent.session.headers["Authorization"], options={"verify_signature": False})["cognito:username"]


def test_a_contact_from_every_channel_lands_in_the_same_customers_history(cloud, customer, agent):
    # Given a customer whose phone number is confirmed
    phone = verified_phone(customer)
    psid, x_user = f"psid-{uuid.uuid4().hex[:10]}", str(uuid.uuid4().int % 10**12)
    channels = cloud.channels

    # When they write on WhatsApp, e-mail us, call, and message on Messenger and X (unknown ids at first)
    assert channels.sandbox.whatsapp(phone.lstrip("+"), "My internet is down since this morning") == 200
    channels.email(customer.email, "Invoice question", "Why is there a connection fee?")
    channels.call(phone)
    assert channels.sandbox.messenger(psid, "Hello, question about my plan") == 200
    assert channels.sandbox.x_direct_message(x_user, "Can I upgrade my plan?") == 200
    cloud.cloud.settle()

    # Then WhatsApp, e-mail and the call are in their history at once
    history = {c["channel"] for c in _history(customer)}
    assert {"whatsapp", "email", "phone"} <= history
    # And the Messenger and X messages wait, unlinked, for an agent to check who wrote
    for channel, sender in (("messenger", psid), ("x", x_user)):
        unknown = _queued(agent, channel, sender=sender)
        assert unknown["customer_id"] is None
        linked = agent.post(_contact_path(unknown, "link"), json={"customer_id": customer.customer_id})
        assert linked.status_code == 200
    assert {"whatsapp", "email", "phone", "messenger", "x"} <= {c["channel"] for c in _history(customer)}
    # And from now on a new Messenger conversation of that sender is theirs straight away
    resolve_all(agent, customer, "messenger")
    assert channels.sandbox.messenger(psid, "Another question") == 200
    cloud.cloud.settle()
    assert sum(c["channel"] == "messenger" for c in _history(customer)) == 2


def test_a_customer_proves_their_phone_and_then_whatsapp_from_it_is_theirs(cloud, customer, agent):
    # Given a customer whose phone number nobody has confirmed: a WhatsApp from it waits for an agent
    phone = customer.get("/me").json()["contact"]["phone"]
    assert customer.get("/me").json()["contact"]["phone_verified"] is False
    assert cloud.channels.sandbox.whatsapp(phone.lstrip("+"), "Is my number known?") == 200
    cloud.cloud.settle()
    unknown = _queued(agent, "whatsapp", sender=phone)
    assert unknown["customer_id"] is None
    assert agent.post(_contact_path(unknown, "resolution"),
                      json={"solution": "Asked them to confirm their number in the app."}).status_code == 200

    # When they ask for a code, type a wrong one, then the one texted to them
    sent = customer.post("/me/phone-verification")
    assert sent.status_code == 202 and sent.json()["sent_to"].endswith(phone[-2:]) and phone not in sent.text
    again = customer.post("/me/phone-verification")
    assert again.status_code == 409 and again.json()["field"] == "code"
    code = texted_code(customer, phone)
    wrong = customer.post("/me/phone-verification/confirmation", json={"code": f"{(int(code) + 1) % 10**6:06d}"})
    assert wrong.status_code == 400 and "4 tries left" in wrong.json()["message"]
    confirmed = customer.post("/me/phone-verification/confirmation", json={"code": code})

    # Then the number is verified on the record, and the next WhatsApp lands in their history by itself
    assert confirmed.status_code == 200 and confirmed.json()["contact"]["phone_verified"] is True
    assert customer.post("/me/phone-verification/confirmation", json={"code": code}).status_code == 409
    assert cloud.channels.sandbox.whatsapp(phone.lstrip("+"), "Now do you know me?") == 200
    cloud.cloud.settle()
    assert any(c["channel"] == "whatsapp" and "Now do you know me?" in str(c["messages"]) for c in _history(customer))

    # When they change their number, the old one stops being theirs and the new one awaits proof
    record = customer.get("/me").json()
    new_phone = f"+316{uuid.uuid4().int % 10**8:08d}"
    changed = customer.patch("/me", json={"version": record["version"], "contact": {"phone": new_phone}})
    assert changed.status_code == 200 and changed.json()["contact"]["phone_verified"] is False
    resolve_all(agent, customer, "whatsapp")
    for number, text in ((phone, "Old number writing"), (new_phone, "New number writing")):
        assert cloud.channels.sandbox.whatsapp(number.lstrip("+"), text) == 200
        cloud.cloud.settle()
        assert _queued(agent, "whatsapp", sender=number)["customer_id"] is None
    assert not any("number writing" in str(c["messages"]) for c in _history(customer))


@pytest.mark.parametrize(("body", "field"), [({}, "code"), ({"code": "12345"}, "code"), ({"code": "abcdef"}, "code"),
                                           ({"code": "123456", "extra": 1}, "extra")])
def test_a_bad_phone_code_is_refused_naming_it_and_nothing_changes(cloud, customer, body, field):
    # Given a code texted to the customer
    assert customer.post("/me/phone-verification").status_code == 202
    # When they send something that is not a code / Then it is refused naming the field, no try counted
    refused = customer.post("/me/phone-verification/confirmation", json=body)
    assert refused.status_code == 400 and refused.json()["field"] == field, refused.json()
    assert customer.get("/me").json()["contact"]["phone_verified"] is False
    # And the first wrong code is still the first try of five
    code = texted_code(customer, customer.get("/me").json()["contact"]["phone"])
    wrong = customer.post("/me/phone-verification/confirmation", json={"code": f"{(int(code) + 1) % 10**6:06d}"})
    assert wrong.status_code == 400 and "4 tries left" in wrong.json()["message"]


def _phone_figures() -> dict[str, int]:
    from opencounter.channels.records import ChannelFigures

    figures = ChannelFigures.get(*ChannelFigures.keys("phone"))
    return {name: int(getattr(figures, name)) for name in ("answered", "abandoned", "actual_wait_sum_s", "waiting")}


def test_connects_contact_events_answer_and_end_calls_once_whatever_their_order(cloud, customer, agent):
    # Given two calls from the customer, announced by the contact flow
    phone, senders = verified_phone(customer), cloud.channels
    answered, hung_up = str(uuid.uuid4()), str(uuid.uuid4())
    for contact_id in (answered, hung_up):
        senders.call(phone, contact_id=contact_id)
    before = _phone_figures()
    now = datetime.now(UTC)
    waited_from, agent_at = now - timedelta(seconds=40), now - timedelta(seconds=31)

    # When Connect reports the first answered after 9 s: its DISCONNECTED first, then CONNECTED_TO_AGENT twice
    senders.call_progress("DISCONNECTED", answered, enqueued_at=waited_from, answered_at=agent_at, ended_at=now)
    for _ in range(2):
        senders.call_progress("CONNECTED_TO_AGENT", answered, enqueued_at=waited_from, answered_at=agent_at)
    # And the second caller hanging up after 50 s, reported twice
    for _ in range(2):
        senders.call_progress("DISCONNECTED", hung_up, enqueued_at=now - timedelta(seconds=50), ended_at=now)
    cloud.cloud.settle()

    # Then the customer's history shows one call answered by a Connect agent and one ended before an answer
    calls = {c["contact_id"]: c for c in _history(customer) if c["channel"] == "phone"}
    by_status = {c["status"]: c for c in calls.values()}
    assert set(by_status) == {"in_progress", "abandoned"}
    assert by_status["in_progress"]["handler"] == "agent"  # a staff member, by role: never who
    from opencounter.contacts.records import Contact

    answered_by = Contact.get(*Contact.keys(customer.customer_id, by_status["in_progress"]["contact_id"])).handler
    assert answered_by.startswith("connect:")
    # And the phone's figures counted one answer after 9 s and one abandoned call, once each
    after = _phone_figures()
    assert after["answered"] - before["answered"] == 1 and after["abandoned"] - before["abandoned"] == 1
    assert after["actual_wait_sum_s"] - before["actual_wait_sum_s"] == 9
    assert after["waiting"] - before["waiting"] == -2
    phone_channel = next(c for c in anonymous_channels(cloud) if c["channel"] == "phone")
    assert phone_channel["accuracy"]["abandoned"] >= 1 and 0 < phone_channel["accuracy"]["abandon_share"] <= 1
    # And staff are advised to call back the one who hung up; the answered call is resolved at the desk
    view = agent.get(f"/agent/customers/{customer.customer_id}").json()
    assert "call_back" in {a["action"] for a in view["next_best_actions"]}
    path = f"/agent/contacts/{by_status['in_progress']['contact_id']}/resolution?customer_id={customer.customer_id}"
    assert agent.post(path, json={"solution": "Reset the router."}).json()["status"] == "resolved"
    # And an event about a call nobody announced changes nothing
    senders.call_progress("CONNECTED_TO_AGENT", str(uuid.uuid4()), answered_at=now)
    assert _phone_figures() == after


def anonymous_channels(cloud) -> list[dict]:
    import requests

    return requests.get(f"{cloud.url}/channels", timeout=30).json()["items"]


@pytest.mark.parametrize("channel", ["whatsapp", "messenger", "x", "email"])
def test_an_agents_answer_reaches_the_sender_on_their_own_channel(cloud, customer, agent, channel):
    # Given a message on the channel: from the customer's confirmed number or address, or an unknown id
    phone = verified_phone(customer)
    sender = {"whatsapp": phone, "messenger": f"psid-{uuid.uuid4().hex[:10]}",
              "x": str(uuid.uuid4().int % 10**12), "email": customer.email}[channel]
    send = {"whatsapp": lambda: cloud.channels.sandbox.whatsapp(phone.lstrip("+"), "Is there an outage?"),
            "messenger": lambda: cloud.channels.sandbox.messenger(sender, "Is there an outage?"),
            "x": lambda: cloud.channels.sandbox.x_direct_message(sender, "Is there an outage?"),
            "email": lambda: cloud.channels.email(sender, "Outage?", "Is there an outage?")}[channel]
    send()
    cloud.cloud.settle()
    contact = _queued(agent, channel, sender=sender)

    # When an agent answers it
    answer = "No outage: restart your modem, please."
    answered = agent.post(_contact_path(contact, "notes"), json={"text": answer, "for_customer": True, "reply": True})

    # Then the answer went out on that channel, to that sender, and the contact says so
    assert answered.status_code == 200
    last = answered.json()["messages"][-1]
    assert (last["from"], last["delivery"]) == ("agent", "sent") and last["provider_message_id"]
    if channel == "email":
        assert any(m["subject"] == "Re: Outage?" and "restart your modem" in m["body"]
                   for m in cloud.cloud.mailbox(customer.email))
    else:
        [sent] = [m for m in cloud.providers.sent if m["message_id"] == last["provider_message_id"]]
        assert (sent["channel"], sent["to"], sent["text"]) == (channel, sender, answer)
    # And a customer reading their history sees the conversation, not the delivery details
    if contact["customer_id"]:
        [seen] = [c for c in _history(customer) if c["contact_id"] == contact["contact_id"]]
        assert seen["messages"][-1] == {"at": last["at"], "from": "agent", "channel": channel, "text": answer}


def test_an_answer_the_provider_refuses_is_kept_and_says_why(cloud, agent, monkeypatch):
    # Given a WhatsApp message from a number WhatsApp will not let us answer freely (outside 24 hours)
    number = f"+316{uuid.uuid4().int % 10**4:04d}0000"
    cloud.channels.sandbox.whatsapp(number.lstrip("+"), "Hello?")
    cloud.cloud.settle()
    contact = _queued(agent, "whatsapp", sender=number)

    # When an agent answers / Then the answer is kept on the contact with WhatsApp's reason
    answered = agent.post(_contact_path(contact, "notes"), json={"text": "Hello, how can we help?", "reply": True})
    assert answered.status_code == 200
    last = answered.json()["messages"][-1]
    assert last["delivery"] == "failed" and "131047" in last["delivery_error"] and "24 hours" in last["delivery_error"]
    assert not [m for m in cloud.providers.sent if m["to"] == number]
    # And with a token Meta no longer accepts, Meta's own words say so
    monkeypatch.setattr(cloud.providers, "meta_token", "a-token-issued-after-ours")  # ours is revoked
    psid = f"psid-{uuid.uuid4().hex[:10]}"
    cloud.channels.sandbox.messenger(psid, "Hello?")
    cloud.cloud.settle()
    refused = agent.post(_contact_path(_queued(agent, "messenger", sender=psid), "notes"),
                         json={"text": "Hello!", "reply": True}).json()["messages"][-1]
    assert refused["delivery"] == "failed"
    assert "Invalid OAuth access token" in refused["delivery_error"] and "(code 190)" in refused["delivery_error"]


def resolve_all(agent, customer, channel: str) -> None:
    for contact in [c for c in _history(customer) if c["channel"] == channel and c["status"] != "resolved"]:
        path = f"/agent/contacts/{contact['contact_id']}/resolution?customer_id={customer.customer_id}"
        assert agent.post(path, json={"solution": "answered"}).status_code == 200


def test_messages_of_one_conversation_are_one_contact_and_a_redelivery_is_stored_once(cloud, customer):
    phone = verified_phone(customer)
    payload = cloud.channels.sandbox.whatsapp_payload(phone.lstrip("+"), "first message")
    import json

    body = json.dumps(payload).encode()
    for _ in range(3):  # Meta retries a delivery it did not see acknowledged
        signature = {"X-Hub-Signature-256": cloud.channels.sandbox.meta_signature(body)}
        assert cloud.channels.sandbox._post("/webhooks/whatsapp", body, signature) == 200
    assert cloud.channels.sandbox.whatsapp(phone.lstrip("+"), "second message") == 200
    cloud.cloud.settle()
    [contact] = [c for c in _history(customer) if c["channel"] == "whatsapp"]
    assert [m["text"] for m in contact["messages"]] == ["first message", "second message"]


@pytest.mark.parametrize("forgery", ["wrong_secret", "missing", "tampered"])
def test_a_forged_webhook_is_refused_and_writes_nothing(cloud, customer, forgery):
    import hashlib
    import hmac
    import json

    import requests

    phone = verified_phone(customer)
    body = json.dumps(cloud.channels.sandbox.whatsapp_payload(phone.lstrip("+"), "hi")).encode()
    headers = {"Content-Type": "application/json"}
    if forgery == "wrong_secret":
        headers["X-Hub-Signature-256"] = "sha256=" + hmac.new(b"not-the-secret", body, hashlib.sha256).hexdigest()
    elif forgery == "tampered":
        headers["X-Hub-Signature-256"] = cloud.channels.sandbox.meta_signature(body)
        body = body.replace(b"hi", b"ho")
    writes = TableWrites(cloud)
    response = requests.post(f"{cloud.url}/webhooks/whatsapp", data=body, headers=headers, timeout=10)
    assert response.status_code == 400
    assert response.json()["field"] == "X-Hub-Signature-256"
    assert writes.since() == []


def test_the_webhook_handshakes_answer_as_the_providers_expect(cloud, anonymous):
    import base64
    import hashlib
    import hmac

    challenge = anonymous.get("/webhooks/whatsapp", params={"hub.mode": "subscribe", "hub.challenge": "1158201444",
                                                           "hub.verify_token": META["verify_token"]})
    assert challenge.status_code == 200 and challenge.text == "1158201444"
    wrong = anonymous.get("/webhooks/messenger", params={
        "hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"})
    assert wrong.status_code == 403
    crc = anonymous.get("/webhooks/x", params={"crc_token": "abc123"})
    expected = base64.b64encode(hmac.new(X["consumer_secret"].encode(), b"abc123",
                                         hashlib.sha256).digest()).decode()
    assert crc.json() == {"response_token": f"sha256={expected}"}


def test_the_x_handshake_signs_no_delivery_so_none_can_be_forged_with_it(cloud, anonymous, customer):
    import base64
    import hashlib
    import hmac

    # The handshake's answer is the HMAC a delivery is signed with: asked to "answer" a delivery,
    # it would sign it. So it answers only plain tokens, which no delivery (a JSON object) is.
    forged = json.dumps({"for_user_id": "1", "direct_message_events": [{"type": "message_create"}]})
    for token in (forged, "", "a b", "x" * 201):
        refused = anonymous.get("/webhooks/x", params={"crc_token": token})
        assert refused.status_code == 400 and refused.json()["reason"] == "crc_token_invalid", token
    # And a delivery signed right that is not a JSON object is refused, not a crash
    writes = TableWrites(cloud)
    for body in (b"123", b'"text"', b"[]"):
        signature = base64.b64encode(hmac.new(X["consumer_secret"].encode(), body,
                                              hashlib.sha256).digest()).decode()
        answer = anonymous.post("/webhooks/x", data=body,
                                headers={"x-twitter-webhooks-signature": f"sha256={signature}"})
        assert answer.status_code == 400 and answer.json()["reason"] == "body_not_json"
    assert writes.since() == []


def test_a_forged_sender_address_or_a_withheld_number_links_nobody(cloud, customer, agent):
    cloud.channels.email(customer.email, "Change my bank account", "Please pay refunds to NL00FAKE", spf="FAIL")
    cloud.channels.call(None)
    assert not any(c["channel"] in ("email", "phone") for c in _history(customer))
    assert _queued(agent, "email", sender=customer.email)["customer_id"] is None
    assert _queued(agent, "phone", sender="anonymous")["customer_id"] is None


def test_a_request_started_in_the_chat_is_continued_by_phone(cloud, customer, agent):
    # Given a request an agent opened during a chat, its resume code given to the customer
    started = agent.post(f"/agent/customers/{customer.customer_id}/requests", json={
        "channel": "chat", "kind": "repair", "subject": "Internet drops every evening",
        "text": "Drops around 20:00 since Monday"})
    assert started.status_code == 201
    code = started.json()["resume_code"]

    # When the customer calls and reads the code out, and the agent on the phone continues it
    found = agent.post("/agent/requests/resume", json={"resume_code": code.lower()})
    assert found.status_code == 200 and found.json()["customer_id"] == customer.customer_id
    request = found.json()["request"]
    step = agent.post(f"/agent/customers/{customer.customer_id}/requests/{request['request_id']}/steps", json={
        "text": "Line test done: a faulty splitter; engineer booked", "version": request["version"],
        "status": "waiting_for_customer", "next_step": "confirm the engineer's visit", "channel": "phone"})
    assert step.status_code == 200

    # Then every channel sees its state at once: the customer too, with both steps and their channels
    seen = customer.get(f"/me/requests/{request['request_id']}").json()
    assert seen["status"] == "waiting_for_customer" and seen["next_step"] == "confirm the engineer's visit"
    assert [s["channel"] for s in seen["steps"]] == ["chat", "phone"]
    # And the customer answers in the app, the version they read
    answer = customer.post(f"/me/requests/{request['request_id']}/steps", headers={"X-Client": "app"},
                           json={"text": "Thursday morning suits me", "version": seen["version"]})
    assert answer.status_code == 200 and answer.json()["status"] == "in_progress"
    assert answer.json()["steps"][-1]["channel"] == "app"
    # And a stale version is refused
    stale = customer.post(f"/me/requests/{request['request_id']}/steps",
                          json={"text": "again", "version": seen["version"]})
    assert stale.status_code == 409
    # And the customer may not set what staff set
    assert customer.post(f"/me/requests/{request['request_id']}/steps", json={
        "text": "done", "version": answer.json()["version"], "status": "done"}).status_code == 409


def test_the_faq_ranking_follows_the_contact_mix(cloud, customer, anonymous):
    before = anonymous.get("/faq").json()
    moving = next(a for a in before["articles"] if a["article_id"] == "moving")
    # When many customers ask about moving
    for _ in range(before["articles"][0]["asked_recently"] - moving["asked_recently"] + 1):
        customer.post("/me/contacts", json={"question": "I am moving to a new address next month"})
    # Then the moving article is the most asked
    after = anonymous.get("/faq").json()
    assert after["articles"][0]["article_id"] == "moving"
    # When even more ask about outages, that article moves up past it
    for _ in range(after["articles"][0]["asked_recently"] + 1):
        customer.post("/me/contacts", json={"question": "My internet is down, not working at all"})
    assert anonymous.get("/faq").json()["articles"][0]["article_id"] == "outage"


def test_customers_never_see_another_customers_contacts(cloud, customer, other_customer):
    asked = customer.post("/me/contacts", json={"question": "Where is my invoice?"}).json()
    contact_id = asked["contact"]["contact_id"]
    assert all(c["contact_id"] != contact_id for c in _history(other_customer))
    assert other_customer.post(f"/me/contacts/{contact_id}/choice", json={"choice": "email"}).status_code == 404
    assert other_customer.get("/agent/queue").status_code == 403


def test_staff_see_the_whole_customer_in_one_view(cloud, customer, agent):
    give_product(customer, "FIBRE-1000")
    bill(cloud, customer)
    asked = customer.post("/me/contacts", json={"question": "Question about my invoice"}).json()
    customer.post(f"/me/contacts/{asked['contact']['contact_id']}/choice", json={"choice": "email"})
    contact = _queued(agent, "email", contact_id=asked["contact"]["contact_id"])
    agent.post(_contact_path(contact, "notes"), json={"text": "internal: check the ledger"})

    view = agent.get(f"/agent/customers/{customer.customer_id}").json()

    assert view["customer_id"] == customer.customer_id and view["products"]
    assert view["invoices"][0]["total_cents"] == 6000 and view["open_balance_cents"] == 6000
    [seen] = [c for c in view["contacts"] if c["contact_id"] == contact["contact_id"]]
    assert [n["text"] for n in seen["notes"]] == ["internal: check the ledger"]
    assert view["nps"] == {"responses": 0, "score": None}
    assert {a["action"] for a in view["next_best_actions"]} >= {"offer_payment_arrangement", "answer_open_contact"}


def _ask_and_choose(customer, choice: str, question: str = "My internet drops every evening") -> dict:
    asked = customer.post("/me/contacts", json={"question": question})
    assert asked.status_code == 201
    chosen = customer.post(f"/me/contacts/{asked.json()['contact']['contact_id']}/choice", json={"choice": choice})
    assert chosen.status_code == 200, chosen.text
    return chosen.json()


def test_a_chat_goes_on_both_ways_and_each_side_reads_what_the_other_wrote(cloud, customer, agent, office_hours):
    # Given a customer who chose the chat in the funnel
    chat = _ask_and_choose(customer, "chat")
    path = f"/me/contacts/{chat['contact_id']}"

    # When they write more while waiting, and an agent takes the chat and answers
    more = customer.post(f"{path}/messages", json={"text": "  It started last Tuesday.  "})
    assert more.status_code == 201
    assert [m["text"] for m in more.json()["messages"]] == ["My internet drops every evening",
                                                            "It started last Tuesday."]
    taken = agent.post(_contact_path(_queued(agent, "chat", contact_id=chat["contact_id"]), "take"))
    assert taken.status_code == 200
    assert agent.get(_contact_path(taken.json())).json()["messages"][-1]["text"] == \
        "It started last Tuesday."
    answered = agent.post(_contact_path(taken.json(), "notes"),
                          json={"text": "Let us restart your line.", "for_customer": True, "reply": True})
    assert answered.status_code == 200 and answered.json()["messages"][-1]["delivery"] == "in_history"

    # Then the customer reading the contact again sees the answer, with who wrote it, and writes back
    seen = customer.get(path)
    assert seen.status_code == 200 and seen.json()["status"] == "in_progress"
    assert seen.json()["messages"][-1] == {"at": answered.json()["messages"][-1]["at"], "from": "agent",
                                           "channel": "chat", "text": "Let us restart your line."}
    assert "delivery" not in str(seen.json()) and "sender" not in seen.json()
    assert customer.post(f"{path}/messages", json={"text": "Thanks, it works."}).status_code == 201

    # And once resolved, the chat takes no more messages and says why
    resolved = agent.post(_contact_path(taken.json(), "resolution"), json={"solution": "Line restarted."})
    assert resolved.status_code == 200
    closed = customer.post(f"{path}/messages", json={"text": "One more thing"})
    assert closed.status_code == 409 and closed.json()["reason"] == "contact_not_open"
    assert customer.get(path).json()["messages"][-1]["text"] == "Thanks, it works."


@pytest.mark.parametrize(("body", "field"), [({}, "text"), ({"text": ""}, "text"), ({"text": "   "}, "text"),
                                             ({"text": "x" * 4001}, "text"), ({"text": "hi", "to": "agent"}, "to")])
def test_a_bad_chat_message_is_refused_naming_it_and_nothing_is_added(cloud, customer, body, field, office_hours):
    chat = _ask_and_choose(customer, "chat")
    path = f"/me/contacts/{chat['contact_id']}"
    refused = customer.post(f"{path}/messages", json=body)
    assert refused.status_code == 400 and refused.json()["field"] == field
    assert len(customer.get(path).json()["messages"]) == 1


def test_nobody_reads_or_writes_in_another_customers_chat(cloud, customer, other_customer, office_hours):
    chat = _ask_and_choose(customer, "chat")
    path = f"/me/contacts/{chat['contact_id']}"
    assert other_customer.get(path).status_code == 404
    # refused as not theirs before what they sent is even read: a bad body gets the same 404
    assert other_customer.post(f"{path}/messages", json={"text": "Hi"}).status_code == 404
    assert other_customer.post(f"{path}/messages", json={"nonsense": True}).status_code == 404
    assert len(customer.get(path).json()["messages"]) == 1


def test_whatsapp_chosen_in_the_portal_is_answered_on_the_proven_number_and_continues_there(cloud, customer, agent,
                                                                                           office_hours):
    # Given a customer who did not confirm their phone number: WhatsApp is not offered (the offer
    # says why), and choosing it anyway is refused, saying what to do
    offered = customer.post("/me/contacts", json={"question": "Can you answer me on WhatsApp?"}).json()
    online = {o["channel"]: o["unavailable"] for o in offered["offers"]["online_help"]}
    assert online == {"chat": None, "whatsapp": "whatsapp_needs_proven_phone", "messenger": "messenger_write_first"}
    asked = offered["contact"]
    refused = customer.post(f"/me/contacts/{asked['contact_id']}/choice", json={"choice": "whatsapp"})
    assert refused.status_code == 409 and refused.json()["reason"] == "whatsapp_needs_proven_phone"
    assert _history(customer)[0]["status"] == "offered"

    # When they confirm their number and choose WhatsApp
    phone = verified_phone(customer)
    again = customer.post("/me/contacts", json={"question": "And now?"}).json()["offers"]["online_help"]
    assert [o["unavailable"] for o in again if o["channel"] == "whatsapp"] == [None]
    chosen = customer.post(f"/me/contacts/{asked['contact_id']}/choice", json={"choice": "whatsapp"})
    assert chosen.status_code == 200 and chosen.json()["status"] == "queued"

    # Then the agent's answer goes out on WhatsApp to that number, in the approved template
    # (the customer has not written there in the last 24 hours), in their language
    contact = _queued(agent, "whatsapp", contact_id=asked["contact_id"])
    assert contact["sender"] == phone and contact["customer_id"] == customer.customer_id
    answered = agent.post(_contact_path(contact, "notes"),
                          json={"text": "Yes:\nwe answer here.", "for_customer": True, "reply": True})
    last = answered.json()["messages"][-1]
    assert last["delivery"] == "sent"
    [sent] = [m for m in cloud.providers.sent if m["message_id"] == last["provider_message_id"]]
    assert (sent["channel"], sent["to"]) == ("whatsapp", phone)
    assert sent["text"] == "contact_answer: Can you answer me on WhatsApp? | Yes: we answer here."

    # And what they write back on WhatsApp joins the same contact, after which answers are free text
    assert cloud.channels.sandbox.whatsapp(phone.lstrip("+"), "Great, thanks") == 200
    cloud.cloud.settle()
    [same] = [c for c in _history(customer) if c["contact_id"] == asked["contact_id"]]
    assert [m["text"] for m in same["messages"]][-1] == "Great, thanks"
    again = agent.post(_contact_path(contact, "notes"), json={"text": "You are welcome.", "for_customer": True,
                                                              "reply": True}).json()["messages"][-1]
    [free] = [m for m in cloud.providers.sent if m["message_id"] == again["provider_message_id"]]
    assert free["text"] == "You are welcome."


def test_messenger_is_offered_for_answers_only_to_a_customer_who_wrote_there(cloud, customer, agent, office_hours):
    # Given a customer who never wrote on Messenger: choosing it is refused, saying what to do
    asked = customer.post("/me/contacts", json={"question": "Answer me on Messenger"}).json()["contact"]
    refused = customer.post(f"/me/contacts/{asked['contact_id']}/choice", json={"choice": "messenger"})
    assert refused.status_code == 409 and refused.json()["reason"] == "messenger_write_first"

    # When they write on Messenger once and staff link that sender to them
    psid = f"psid-{uuid.uuid4().hex[:10]}"
    assert cloud.channels.sandbox.messenger(psid, "This is me") == 200
    cloud.cloud.settle()
    first = _queued(agent, "messenger", sender=psid)
    assert agent.post(_contact_path(first, "link"), json={"customer_id": customer.customer_id}).status_code == 200
    linked = {**first, "customer_id": customer.customer_id}
    assert agent.post(_contact_path(linked, "resolution"), json={"solution": "Linked."}).status_code == 200

    # Then Messenger chosen in the portal is answered to that Messenger id
    chosen = customer.post(f"/me/contacts/{asked['contact_id']}/choice", json={"choice": "messenger"})
    assert chosen.status_code == 200
    contact = _queued(agent, "messenger", contact_id=asked["contact_id"])
    answered = agent.post(_contact_path(contact, "notes"), json={"text": "Here we are.", "for_customer": True,
                                                                 "reply": True}).json()["messages"][-1]
    [sent] = [m for m in cloud.providers.sent if m["message_id"] == answered["provider_message_id"]]
    assert (sent["channel"], sent["to"], sent["text"]) == ("messenger", psid, "Here we are.")


@pytest.mark.parametrize(("secret", "method", "path", "headers"), [
    (("MetaSecret", "app_secret"), "POST", "/webhooks/whatsapp", lambda body: {
        "X-Hub-Signature-256": "sha256=" + hmac.new(b"", body, hashlib.sha256).hexdigest()}),
    (("MetaSecret", "app_secret"), "POST", "/webhooks/messenger", lambda body: {
        "X-Hub-Signature-256": "sha256=" + hmac.new(b"", body, hashlib.sha256).hexdigest()}),
    (("MetaSecret", "verify_token"), "GET", "/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=&hub.challenge=1",
     lambda body: {}),
    (("XSecret", "consumer_secret"), "POST", "/webhooks/x", lambda body: {"x-twitter-webhooks-signature": "sha256=" + (
        base64.b64encode(hmac.new(b"", body, hashlib.sha256).digest()).decode())}),
    (("XSecret", "consumer_secret"), "GET", "/webhooks/x?crc_token=abc", lambda body: {}),
    (("StripeSecret", "payments_webhook_secret"), "POST", "/webhooks/stripe", lambda body: {
        "Stripe-Signature": _stripe_signature(body, "")}),
    (("StripeSecret", "identity_webhook_secret"), "POST", "/webhooks/identity", lambda body: {
        "Stripe-Signature": _stripe_signature(body, "")}),
])
@pytest.mark.parametrize("left", ["empty", "blank", "missing", "secret not JSON"])
def test_a_check_without_its_secret_refuses_everything_and_writes_nothing(cloud, anonymous, provider_secrets, secret,
                                                                         left, method, path, headers):
    # Given a deployment whose secret was not filled in (or filled in wrongly)
    logical_id, name = secret
    values = {name: {"empty": "", "blank": "  ", "missing": None}.get(left, "")}
    provider_secrets(logical_id, raw="not json" if left == "secret not JSON" else json.dumps(
        {k: v for k, v in {**LOCAL_SECRETS[logical_id], **values}.items() if v is not None}))
    writes = TableWrites(cloud)
    body = json.dumps({"object": "whatsapp_business_account", "id": "evt_1", "type": "payment_intent.succeeded",
                       "entry": [], "data": {"object": {}}}).encode()
    # When a delivery signed with an empty secret arrives
    answer = anonymous.request(method, path, data=body if method == "POST" else None, headers=headers(body))
    # Then it is refused as not configured, not taken as signed
    assert answer.status_code == 503 and answer.json()["reason"] == "not_configured", answer.text
    assert writes.since() == []


def test_a_rotated_secret_is_in_use_without_a_deploy_and_the_old_one_stops(cloud, anonymous, provider_secrets,
                                                                          monkeypatch):
    # Given functions that keep a secret for a second (the template says five minutes)
    monkeypatch.setenv("SECRETS_MAX_AGE_SECONDS", "1")
    settings.cache_clear()  # read again, as a cold start would
    body = json.dumps({"object": "page", "entry": []}).encode()

    def delivered(secret: str) -> int:
        signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        return anonymous.post("/webhooks/messenger", data=body, headers={"X-Hub-Signature-256": signature}).status_code

    old = META["app_secret"]
    assert delivered(old) == 200
    # When the operator rotates Meta's app secret in Secrets Manager (only there: no deploy)
    rotated = json.dumps({**META, "app_secret": "new-one"})
    cloud.cloud.client("secretsmanager").put_secret_value(SecretId=cloud.cloud.resolver.physical["MetaSecret"],
                                                          SecretString=rotated)
    try:
        time.sleep(1.1)
        # Then within the keeping time deliveries signed with the new secret are taken, the old refused
        assert (delivered("new-one"), delivered(old)) == (200, 400)
    finally:
        provider_secrets("MetaSecret")
        monkeypatch.undo()
        settings.cache_clear()


def _stripe_signature(body: bytes, secret: str) -> str:
    stamp = int(time.time())
    return f"t={stamp},v1=" + hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
