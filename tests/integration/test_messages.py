"""Messages the company sent and what came of them (ADR 36): every notice and mailing is in the
customer's record with its channel and subject, and what the provider reports of it (SES's events
for e-mail, Meta's statuses for WhatsApp, a reply naming it) moves it on, each outcome once,
whatever the order the reports come in; staff see the latest in the 360-degree view, the customer
all of theirs at /me/messages, and nobody else's."""

from __future__ import annotations

import copy
import json
import uuid
from datetime import UTC, datetime, timedelta

from infra.local.template import ROOT
from tests.conftest import Caller, at_once, new_customer, verified_phone
from tests.unit.test_mail_html import Read

SAMPLES = ROOT / "layers" / "shared" / "python" / "opencounter" / "contracts" / "events" / "samples"
SES_EVENTS = {"delivery": "Email Delivered", "open": "Email Opened", "click": "Email Clicked",
              "bounce": "Email Bounced", "complaint": "Email Complaint Received"}


def invoice_told(cloud, customer: Caller) -> tuple[str, str]:
    """The customer notifier handed an InvoiceIssued event for the customer, as the bus hands it:
    (the invoice id, what it did)."""
    event = copy.deepcopy(json.loads((SAMPLES / "InvoiceIssued.json").read_text()))
    invoice_id = f"OC-20261201-{uuid.uuid4().hex[:8]}"
    event["detail"].update(event_id=str(uuid.uuid4()), customer_id=customer.customer_id)
    event["detail"]["data"]["invoice_id"] = invoice_id
    return invoice_id, cloud.cloud.invoke("CustomerNotifierFunction", event)["outcome"]


def ses_event(cloud, kind: str, message_id: str, to: str, at: datetime, **report) -> dict:
    """What SES's configuration set publishes to the default bus about a mail it sent."""
    stamp = at.isoformat(timespec="milliseconds").replace("+00:00", "Z")
    detail = {"eventType": {"delivery": "Delivery", "open": "Open", "click": "Click", "bounce": "Bounce",
                            "complaint": "Complaint"}[kind],
              "mail": {"timestamp": stamp, "source": "OpenCounter <noreply@opencounter.example>",
                       "sendingAccountId": "123456789012", "messageId": message_id, "destination": [to],
                       "headersTruncated": False, "tags": {"ses:configuration-set": ["opencounter-local-mail-events"]}},
              kind: {"timestamp": stamp, **report}}
    return {"version": "0", "id": str(uuid.uuid4()), "detail-type": SES_EVENTS[kind], "source": "aws.ses",
            "account": "123456789012", "time": stamp, "region": cloud.cloud.region,
            "resources": ["arn:aws:ses:eu-west-1:123456789012:configuration-set/opencounter-local-mail-events"],
            "detail": detail}


def _outcome(cloud, event: dict) -> str:
    return cloud.cloud.invoke("MessageOutcomesFunction", event)["outcome"]


def _messages(customer: Caller) -> list[dict]:
    answer = customer.get("/me/messages")
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


def _in_360(agent: Caller, customer: Caller) -> list[dict]:
    answer = agent.get(f"/agent/customers/{customer.customer_id}")
    assert answer.status_code == 200, answer.text
    return answer.json()["messages"]


def _moment(at: datetime) -> str:
    return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def test_an_invoice_mail_delivered_opened_and_clicked_shows_so_to_staff_and_the_customer_only(
        cloud, customer, other_customer, agent):
    # Given an invoice told by e-mail
    invoice_id, outcome = invoice_told(cloud, customer)
    assert outcome == "sent_email"
    [mail] = [m for m in cloud.cloud.mailbox(customer.email) if m["subject"] == "Uw factuur staat klaar"]
    [message] = _messages(customer)
    assert (message["about"], message["subject"], message["channel"], message["status"]) == \
        ("InvoiceIssued", "Uw factuur staat klaar", "email", "sent")
    assert message["sent_to"] != customer.email and message["sent_to"].endswith(customer.email.split("@")[1])

    # When SES reports it delivered, opened and clicked through to the invoices
    sent = datetime.now(UTC)
    delivered, opened, clicked = sent + timedelta(seconds=3), sent + timedelta(hours=1), sent + timedelta(hours=2)
    assert _outcome(cloud, ses_event(cloud, "delivery", mail["message_id"], customer.email, delivered,
                                      recipients=[customer.email], smtpResponse="250 2.6.0 Message received",
                                      processingTimeMillis=2000, reportingMTA="a8-70.smtp-out.amazonses.com")) \
        == "applied"
    assert _outcome(cloud, ses_event(cloud, "open", mail["message_id"], customer.email, opened,
                                      userAgent="Mozilla/5.0", ipAddress="192.0.2.1")) == "applied"
    link = f"{cloud.url}/#/invoices/{invoice_id}"
    assert _outcome(cloud, ses_event(cloud, "click", mail["message_id"], customer.email, clicked, link=link,
                                      linkTags={}, userAgent="Mozilla/5.0", ipAddress="192.0.2.1")) == "applied"
    # and delivered once more (SES delivers an event at least once)
    assert _outcome(cloud, ses_event(cloud, "delivery", mail["message_id"], customer.email, delivered,
                                      recipients=[customer.email])) == "known"

    # Then the customer sees it came through to the invoices, each step at its moment
    [message] = _messages(customer)
    assert message["status"] == "clicked" and message["journey"] == "#/invoices"
    assert (message["delivered_at"], message["opened_at"], message["clicked_at"]) == \
        (_moment(delivered), _moment(opened), _moment(clicked))
    assert message["failed_at"] is None and message["answered_at"] is None
    # and staff see the same in the 360-degree view, with the address it went to
    [seen] = [m for m in _in_360(agent, customer) if m["message_id"] == message["message_id"]]
    assert seen["status"] == "clicked" and seen["sent_to"] == customer.email and seen["journey"] == "#/invoices"
    # and another customer sees none of it
    assert _messages(other_customer) == []
    assert message["message_id"] not in json.dumps(other_customer.get("/me/messages").json())


def test_a_bounce_shows_bounced_and_a_mail_not_ours_changes_nothing(cloud, customer):
    _, outcome = invoice_told(cloud, customer)
    assert outcome == "sent_email"
    [mail] = [m for m in cloud.cloud.mailbox(customer.email) if m["subject"] == "Uw factuur staat klaar"]

    assert _outcome(cloud, ses_event(cloud, "bounce", mail["message_id"], customer.email, datetime.now(UTC),
                                      bounceType="Permanent", bounceSubType="General",
                                      bouncedRecipients=[{"emailAddress": customer.email, "action": "failed",
                                                          "status": "5.1.1"}])) == "applied"
    assert _outcome(cloud, ses_event(cloud, "delivery", "0102-not-a-mail-of-ours-000000", customer.email,
                                      datetime.now(UTC))) == "not_ours"

    [message] = _messages(customer)
    assert message["status"] == "bounced" and message["failure"] == "bounced" and message["failed_at"]
    assert message["delivered_at"] is None


def test_reports_on_one_mail_at_the_same_moment_each_count_and_none_undoes_another(cloud, customer):
    _, outcome = invoice_told(cloud, customer)
    assert outcome == "sent_email"
    [mail] = [m for m in cloud.cloud.mailbox(customer.email) if m["subject"] == "Uw factuur staat klaar"]
    sent = datetime.now(UTC)
    delivered, opened, clicked = sent + timedelta(seconds=1), sent + timedelta(minutes=1), sent + timedelta(minutes=2)
    events = [ses_event(cloud, "click", mail["message_id"], customer.email, clicked, link=f"{cloud.url}/#/usage"),
              ses_event(cloud, "open", mail["message_id"], customer.email, opened),
              ses_event(cloud, "delivery", mail["message_id"], customer.email, delivered),
              ses_event(cloud, "delivery", mail["message_id"], customer.email, delivered)]

    # When SES's reports reach the function at once (the bus delivers in no order)
    answers = at_once([lambda e=e: _outcome(cloud, e) for e in events])

    # Then each step holds its own moment: the click did not make the delivery two minutes late
    assert sorted(answers) == ["applied", "applied", "applied", "known"]
    [message] = _messages(customer)
    assert (message["status"], message["journey"]) == ("clicked", "#/usage")
    assert (message["delivered_at"], message["opened_at"], message["clicked_at"]) == \
        (_moment(delivered), _moment(opened), _moment(clicked))


def test_a_notice_mail_has_an_html_part_with_the_same_words_whose_link_a_click_leads_back_to(cloud):
    # Given a customer whose name holds markup and an ampersand, reminded of an open invoice by e-mail
    customer = new_customer(cloud, given_name="Jan <script>alert(1)</script> & Zn")
    event = copy.deepcopy(json.loads((SAMPLES / "InvoiceReminder.json").read_text()))
    invoice_id = f"OC-20261101-{uuid.uuid4().hex[:8]}"
    link = f"{cloud.url}/#/invoices/{invoice_id}"
    event["detail"].update(event_id=str(uuid.uuid4()), customer_id=customer.customer_id)
    event["detail"]["data"].update(invoice_id=invoice_id, link=link)
    assert cloud.cloud.invoke("CustomerNotifierFunction", event)["outcome"] == "sent_email"

    # Then the mail has both parts: the text as before, and HTML in Dutch with the same words
    [mail] = [m for m in cloud.cloud.mailbox(customer.email) if invoice_id in m["subject"]]
    assert mail["body"].startswith("Beste Jan <script>alert(1)</script> & Zn,") and link in mail["body"]
    html = Read(mail["html"])
    assert html.lang == "nl" and html.words == mail["body"].split()
    # where the name is text, not markup, and the portal's address is the one link
    assert "script" not in html.tags and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Zn" in mail["html"]
    assert html.links == [link]

    # When SES reports the link in the HTML clicked (SES names the link as it was in the mail)
    clicked = datetime.now(UTC) + timedelta(minutes=5)
    assert _outcome(cloud, ses_event(cloud, "click", mail["message_id"], customer.email, clicked,
                                      link=html.links[0], linkTags={}, userAgent="Mozilla/5.0",
                                      ipAddress="192.0.2.1")) == "applied"
    # Then the customer's message reads clicked through to the invoices
    [message] = [m for m in _messages(customer) if m["about"] == "InvoiceReminder"]
    assert (message["status"], message["journey"], message["clicked_at"]) == \
        ("clicked", "#/invoices", _moment(clicked))


def _prefers_whatsapp(customer: Caller) -> str:
    phone = verified_phone(customer)
    version = customer.get("/me").json()["version"]
    assert customer.patch("/me", json={"version": version,
                                       "settings": {"preferred_channel": "whatsapp"}}).status_code == 200
    return phone


def _status(cloud, message_id: str, phone: str, status: str, at: datetime) -> None:
    payload = cloud.channels.sandbox.whatsapp_status_payload(message_id, phone, status)
    payload["entry"][0]["changes"][0]["value"]["statuses"][0]["timestamp"] = str(int(at.timestamp()))
    assert cloud.channels.sandbox._post_meta("/webhooks/whatsapp", payload, None) == 200


def test_whatsapp_statuses_out_of_order_and_twice_have_one_effect_each_and_a_reply_answers(
        cloud, customer, agent):
    # Given an invoice told on WhatsApp
    phone = _prefers_whatsapp(customer)
    _, outcome = invoice_told(cloud, customer)
    assert outcome == "sent_whatsapp"
    [sent] = [m for m in cloud.providers.sent if m["to"] == phone and m["text"].startswith("invoice_ready")]
    [message] = _messages(customer)
    assert (message["channel"], message["status"], message["sent_to"]) == ("whatsapp", "sent", phone)

    # When Meta reports it read before it reports it delivered, and each twice
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
    delivered, read = start + timedelta(seconds=5), start + timedelta(minutes=10)
    for status, at in (("read", read), ("read", read), ("delivered", delivered), ("delivered", delivered),
                       ("sent", start)):
        _status(cloud, sent["message_id"], phone, status, at)

    # Then it was delivered when Meta said, and read later: nothing counted twice or undone
    [message] = _messages(customer)
    assert message["status"] == "opened"
    assert (message["delivered_at"], message["opened_at"]) == (_moment(delivered), _moment(read))

    # When the customer answers it, replying to that message
    reply = cloud.channels.sandbox.whatsapp_payload(phone, "Ik betaal morgen")
    reply["entry"][0]["changes"][0]["value"]["messages"][0]["context"] = {"from": "31850000000",
                                                                           "id": sent["message_id"]}
    assert cloud.channels.sandbox._post_meta("/webhooks/whatsapp", reply, None) == 200
    cloud.cloud.settle()

    # Then staff see it answered, and the answer is a contact as any message is
    [seen] = [m for m in _in_360(agent, customer) if m["message_id"] == message["message_id"]]
    assert seen["status"] == "answered" and seen["answered_at"] and seen["delivered_at"] == _moment(delivered)


def test_a_mail_answered_by_e_mail_shows_answered(cloud, customer):
    _, outcome = invoice_told(cloud, customer)
    assert outcome == "sent_email"
    [mail] = [m for m in cloud.cloud.mailbox(customer.email) if m["subject"] == "Uw factuur staat klaar"]

    cloud.channels.email(customer.email, "Re: Uw factuur staat klaar", "Klopt dit bedrag?",
                         in_reply_to=f"<{mail['message_id']}@eu-west-1.amazonses.com>")
    cloud.cloud.settle()

    [message] = _messages(customer)
    assert message["status"] == "answered" and message["answered_at"] and message["delivered_at"]


def test_a_reply_naming_a_message_answers_it_only_from_where_it_went_and_proven(cloud, customer):
    _, outcome = invoice_told(cloud, customer)
    assert outcome == "sent_email"
    [mail] = [m for m in cloud.cloud.mailbox(customer.email) if m["subject"] == "Uw factuur staat klaar"]
    names_it = f"<{mail['message_id']}@eu-west-1.amazonses.com>"

    # When a stranger replies naming the message, and a forged mail in the customer's name does too
    cloud.channels.email("someone-else@example.org", "Re: Uw factuur staat klaar", "Hallo", in_reply_to=names_it)
    cloud.channels.email(customer.email, "Re: Uw factuur staat klaar", "Hallo", in_reply_to=names_it,
                         spf="FAIL", dkim="FAIL")
    cloud.cloud.settle()

    # Then the message is not answered
    [message] = _messages(customer)
    assert message["status"] != "answered" and message["answered_at"] is None


def test_the_messages_come_a_page_at_a_time_newest_first(cloud, customer):
    for _ in range(3):
        assert invoice_told(cloud, customer)[1] == "sent_email"
    every = _messages(customer)
    assert len(every) == 3 and [m["sent_at"] for m in every] == sorted((m["sent_at"] for m in every), reverse=True)

    first = customer.get("/me/messages", params={"limit": 2}).json()
    rest = customer.get("/me/messages", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [m["message_id"] for m in first["items"] + rest["items"]] == [m["message_id"] for m in every]
    assert rest["next_cursor"] is None
    assert customer.get("/me/messages", params={"cursor": "not-a-cursor"}).status_code == 400


def test_a_text_message_stays_sent_and_a_whatsapp_message_meta_could_not_deliver_shows_failed(
        cloud, customer, other_customer):
    # Given one customer told by text message (SNS reports nothing back), another on WhatsApp
    phone = verified_phone(customer)
    version = customer.get("/me").json()["version"]
    assert customer.patch("/me", json={"version": version, "settings": {"preferred_channel": "phone"}}).ok
    assert invoice_told(cloud, customer)[1] == "sent_sms"
    whatsapp = _prefers_whatsapp(other_customer)
    assert invoice_told(cloud, other_customer)[1] == "sent_whatsapp"
    [sent] = [m for m in cloud.providers.sent if m["to"] == whatsapp and m["text"].startswith("invoice_ready")]

    # When Meta reports the WhatsApp message failed (the number no longer has WhatsApp)
    _status(cloud, sent["message_id"], whatsapp, "failed", datetime.now(UTC))

    # Then the text is sent, and no more; the WhatsApp message failed (and went by e-mail instead)
    [text] = _messages(customer)
    assert (text["channel"], text["status"], text["sent_to"]) == ("sms", "sent", phone)
    [failed] = [m for m in _messages(other_customer) if m["channel"] == "whatsapp"]
    assert (failed["status"], failed["failure"]) == ("failed", "failed")


def test_a_whatsapp_message_reported_failed_later_is_told_by_e_mail_once(cloud, customer):
    # Given an invoice told on WhatsApp, which Meta took
    phone = _prefers_whatsapp(customer)
    invoice_id, outcome = invoice_told(cloud, customer)
    assert outcome == "sent_whatsapp"
    [sent] = [m for m in cloud.providers.sent if m["to"] == phone and m["text"].startswith("invoice_ready")]
    assert [m for m in cloud.cloud.mailbox(customer.email) if m["subject"] == "Uw factuur staat klaar"] == []

    # When Meta reports it failed after all (the number no longer on WhatsApp), and reports it twice
    failed = datetime.now(UTC).replace(microsecond=0)
    for _ in range(2):
        _status(cloud, sent["message_id"], phone, "failed", failed)
    cloud.cloud.settle()

    # Then the customer has it by e-mail, once, and both messages are in their list
    [mail] = [m for m in cloud.cloud.mailbox(customer.email) if m["subject"] == "Uw factuur staat klaar"]
    assert invoice_id in mail["body"]
    messages = _messages(customer)
    assert sorted((m["channel"], m["status"]) for m in messages) == [("email", "sent"), ("whatsapp", "failed")]
