"""Inbound channels: what the sandbox sends as each provider does parses into the right contact, and
each provider's signature check lets through what the provider signed and nothing else."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from infra.local.sandbox.channels import ChannelSandbox
from opencounter.core.errors import Forbidden, InvalidInput
from opencounter.ports.channels.connect import connect_contact
from opencounter.ports.channels.email import ses_contacts
from opencounter.ports.channels.messenger import messenger_contacts
from opencounter.ports.channels.meta import meta_verification_challenge, verify_meta_signature
from opencounter.ports.channels.whatsapp import whatsapp_contacts, whatsapp_statuses
from opencounter.ports.channels.x import verify_x_signature, x_contacts, x_crc_response

SECRETS = {"meta_app_secret": "meta-app-secret-test", "x_consumer_secret": "x-consumer-secret-test"}
US = "1580000000000000001"


def body(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()


@pytest.fixture
def sandbox() -> ChannelSandbox:
    return ChannelSandbox("http://127.0.0.1:1", SECRETS)


# ------------------------------------------------------------ WhatsApp


def test_whatsapp_text_message_becomes_a_contact_from_the_e164_number(sandbox: ChannelSandbox) -> None:
    # Given a text from 31612345678 as the Cloud API delivers it (the number without "+")
    payload = sandbox.whatsapp_payload("+31612345678", "Mijn factuur klopt niet", name="Eva de Vries")
    assert payload["entry"][0]["changes"][0]["value"]["messages"][0]["from"] == "31612345678"
    # When it is parsed
    [contact] = whatsapp_contacts(payload)
    # Then the sender is the E.164 number, named as in contacts[], with the message's own id
    assert (contact.channel, contact.sender, contact.sender_name) == ("whatsapp", "+31612345678", "Eva de Vries")
    assert contact.text == "Mijn factuur klopt niet" and contact.subject is None
    assert contact.provider_id.startswith("wamid.") and contact.authenticated
    assert contact.occurred_at.endswith("Z") and contact.occurred_at[:2] == "20"


def test_each_whatsapp_message_gets_its_own_id(sandbox: ChannelSandbox) -> None:
    first, second = (whatsapp_contacts(sandbox.whatsapp_payload("31612345678", "hoi"))[0] for _ in range(2))
    assert first.provider_id != second.provider_id


@pytest.mark.parametrize(("kind", "content", "text"), [
    ("button", {"text": "Ja, graag", "payload": "yes"}, "Ja, graag"),
    ("interactive", {"type": "list_reply", "list_reply": {"id": "plan-5", "title": "5 GB"}}, "5 GB"),
    ("image", {"caption": "de meterstand", "mime_type": "image/jpeg", "sha256": "x", "id": "1234"}, "de meterstand"),
    ("audio", {"mime_type": "audio/ogg", "sha256": "x", "id": "987", "voice": True}, ""),
])
def test_whatsapp_non_text_messages_carry_their_words(sandbox: ChannelSandbox, kind: str, content: dict,
                                                      text: str) -> None:
    # Given a message of another type in place of the text
    payload = sandbox.whatsapp_payload("31612345678", "unused")
    message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    del message["text"]
    message.update(type=kind, **{kind: content})
    # Then its text is the choice, caption or nothing, and its type is kept
    [contact] = whatsapp_contacts(payload)
    assert contact.text == text and contact.detail["type"] == kind


def test_whatsapp_status_report_holds_no_contact(sandbox: ChannelSandbox) -> None:
    # Given a delivery report on a message we sent
    payload = sandbox.whatsapp_status_payload("wamid.ABC", "+31612345678", "read")
    # Then nobody wrote to us
    assert whatsapp_contacts(payload) == []


@pytest.mark.parametrize(("status", "outcome"), [("delivered", "delivered"), ("read", "opened"), ("failed", "failed")])
def test_whatsapp_status_report_says_what_came_of_our_message(sandbox: ChannelSandbox, status: str,
                                                              outcome: str) -> None:
    payload = sandbox.whatsapp_status_payload("wamid.ABC", "+31612345678", status)
    payload["entry"][0]["changes"][0]["value"]["statuses"][0]["timestamp"] = "1796083200"
    assert whatsapp_statuses(payload) == [("wamid.ABC", outcome, "2026-12-01T00:00:00.000Z")]


def test_whatsapp_sent_status_and_a_message_tell_no_outcome(sandbox: ChannelSandbox) -> None:
    assert whatsapp_statuses(sandbox.whatsapp_status_payload("wamid.ABC", "+31612345678", "sent")) == []
    assert whatsapp_statuses(sandbox.whatsapp_payload("31612345678", "Hallo")) == []


# ------------------------------------------------------------ Meta signatures and handshake


def test_meta_signature_of_the_exact_body_passes(sandbox: ChannelSandbox) -> None:
    raw = body(sandbox.whatsapp_payload("31612345678", "café €5"))
    verify_meta_signature(raw, sandbox.meta_signature(raw), SECRETS["meta_app_secret"])


@pytest.mark.parametrize("case", ["missing", "empty", "forged", "tampered", "other secret", "sha1 only"])
def test_meta_signature_that_does_not_match_is_refused_naming_the_header(sandbox: ChannelSandbox, case: str) -> None:
    # Given a delivery whose signature is missing, made up, for another body or with another secret
    raw = body(sandbox.messenger_payload("6789012345", "hallo"))
    header: str | None = {
        "missing": None, "empty": "", "forged": "sha256=" + "0" * 64,
        "tampered": sandbox.meta_signature(raw.replace(b"hallo", b"hallO")),
        "other secret": "sha256=" + hmac.new(b"guess", raw, hashlib.sha256).hexdigest(),
        "sha1 only": "sha1=" + hmac.new(SECRETS["meta_app_secret"].encode(), raw, hashlib.sha1).hexdigest()}[case]
    # When it is checked / Then it is invalid input naming the header
    with pytest.raises(InvalidInput) as refused:
        verify_meta_signature(raw, header, SECRETS["meta_app_secret"])
    assert refused.value.field == "X-Hub-Signature-256"


def test_meta_subscription_handshake_echoes_the_challenge_for_our_token() -> None:
    params = {"hub.mode": "subscribe", "hub.verify_token": "our-token", "hub.challenge": "1158201444"}
    assert meta_verification_challenge(params, "our-token") == "1158201444"


@pytest.mark.parametrize("params", [
    {"hub.mode": "subscribe", "hub.verify_token": "their-token", "hub.challenge": "1"},
    {"hub.mode": "unsubscribe", "hub.verify_token": "our-token", "hub.challenge": "1"},
    {"hub.challenge": "1"},
])
def test_meta_subscription_handshake_with_another_token_is_forbidden(params: dict[str, str]) -> None:
    with pytest.raises(Forbidden):
        meta_verification_challenge(params, "our-token")


# ------------------------------------------------------------ Messenger


def test_messenger_message_becomes_a_contact_from_the_psid(sandbox: ChannelSandbox) -> None:
    payload = sandbox.messenger_payload("6789012345", "Wanneer komt de monteur?")
    [contact] = messenger_contacts(payload)
    assert (contact.channel, contact.sender, contact.text) == ("messenger", "6789012345", "Wanneer komt de monteur?")
    assert contact.provider_id == payload["entry"][0]["messaging"][0]["message"]["mid"]
    assert contact.occurred_at.endswith("Z") and contact.authenticated


def test_messenger_echo_delivery_and_read_hold_no_contact(sandbox: ChannelSandbox) -> None:
    # Given our page's own message echoed back, and reports that it was delivered and read
    echo = sandbox.messenger_payload("6789012345", "Wij helpen u graag", echo=True)
    reports = copy.deepcopy(echo)
    event = reports["entry"][0]["messaging"][0]
    del event["message"]
    event["delivery"] = {"mids": ["m_1"], "watermark": event["timestamp"]}
    read = copy.deepcopy(reports)
    read["entry"][0]["messaging"][0] = {**event, "read": {"watermark": event["timestamp"]}}
    del read["entry"][0]["messaging"][0]["delivery"]
    # Then none of them is a customer writing
    assert messenger_contacts(echo) == messenger_contacts(reports) == messenger_contacts(read) == []


# ------------------------------------------------------------ X


def test_x_crc_response_is_the_base64_hmac_of_the_token() -> None:
    # Given a known token and secret, the response computed independently
    token, secret = "Y3JjX3Rva2Vu", "consumer-secret"
    expected = base64.b64encode(hmac.new(b"consumer-secret", b"Y3JjX3Rva2Vu", hashlib.sha256).digest()).decode()
    # Then the port answers with the same token
    assert x_crc_response(token, secret) == {"response_token": f"sha256={expected}"}
    assert x_crc_response(token, "another") != x_crc_response(token, secret)


def test_x_signature_of_the_exact_body_passes(sandbox: ChannelSandbox) -> None:
    raw = body(sandbox.x_dm_payload("2244994945", "Hallo", for_user_id=US))
    verify_x_signature(raw, sandbox.x_signature(raw), SECRETS["x_consumer_secret"])


@pytest.mark.parametrize("case", ["missing", "forged", "tampered", "hex instead of base64"])
def test_x_signature_that_does_not_match_is_refused_naming_the_header(sandbox: ChannelSandbox, case: str) -> None:
    raw = body(sandbox.x_dm_payload("2244994945", "Hallo", for_user_id=US))
    key = SECRETS["x_consumer_secret"].encode()
    header: str | None = {
        "missing": None, "forged": "sha256=" + base64.b64encode(b"\0" * 32).decode(),
        "tampered": sandbox.x_signature(raw.replace(b"Hallo", b"Hallo!")),
        "hex instead of base64": "sha256=" + hmac.new(key, raw, hashlib.sha256).hexdigest()}[case]
    with pytest.raises(InvalidInput) as refused:
        verify_x_signature(raw, header, SECRETS["x_consumer_secret"])
    assert refused.value.field == "x-twitter-webhooks-signature"


def test_x_direct_message_becomes_a_contact_named_from_users(sandbox: ChannelSandbox) -> None:
    # Given a DM from user 2244994945 to our account
    payload = sandbox.x_dm_payload("2244994945", "Is er een storing?", name="Sam Jansen", for_user_id=US)
    [contact] = x_contacts(payload)
    # Then it is from that user id, named from `users`, in the conversation of the two ids (lower first)
    assert (contact.channel, contact.sender, contact.sender_name) == ("x", "2244994945", "Sam Jansen")
    assert contact.text == "Is er een storing?" and contact.detail["public"] is False
    assert contact.provider_id == payload["direct_message_events"][0]["id"]
    assert contact.conversation == f"2244994945-{US}"


def test_x_direct_message_we_sent_ourselves_is_skipped(sandbox: ChannelSandbox) -> None:
    payload = sandbox.x_dm_payload("2244994945", "We kijken ernaar", for_user_id=US, sender_id=US)
    assert x_contacts(payload) == []


def test_x_public_mention_is_a_public_contact_and_our_own_post_is_not(sandbox: ChannelSandbox) -> None:
    # Given a post mentioning us, and one by ourselves
    mention = sandbox.x_mention_payload("2244994945", "mijn internet ligt eruit", name="Sam", for_user_id=US)
    own = sandbox.x_mention_payload(US, "storing opgelost", for_user_id=US)
    # Then only the mention is a contact, marked public
    [contact] = x_contacts(mention)
    assert (contact.sender, contact.sender_name, contact.detail["public"]) == ("2244994945", "Sam", True)
    assert contact.text == "@opencounter mijn internet ligt eruit"
    assert contact.provider_id == mention["tweet_create_events"][0]["id_str"]
    assert x_contacts(own) == []


# ------------------------------------------------------------ e-mail (SES)


def test_email_sender_is_the_lower_cased_address_and_without_body_the_subject_is_the_text() -> None:
    # Given a mail from "Eva <EVA@Example.nl>", the rule storing nothing
    event = ChannelSandbox("", SECRETS).email_event("Eva <EVA@Example.nl>", "Verhuizing", "Ik verhuis per 1 mei.")
    [contact] = ses_contacts(event)
    # Then the sender is the bare address in lower case, and the subject stands in for the body
    assert (contact.channel, contact.sender, contact.sender_name) == ("email", "eva@example.nl", "Eva")
    assert contact.text == contact.subject == "Verhuizing" and contact.authenticated
    assert contact.provider_id == event["Records"][0]["ses"]["mail"]["messageId"]
    assert contact.detail["message_id"] == contact.conversation


def test_email_body_is_read_from_the_stored_mime() -> None:
    # Given a rule that stores the raw mail in S3 before invoking the function
    stored: dict[tuple[str, str], bytes] = {}
    sandbox = ChannelSandbox("", SECRETS, store=lambda b, k, raw: stored.__setitem__((b, k), raw),
                             mail_bucket="inbound", mail_prefix="mail/")
    event = sandbox.email_event("eva@example.nl", "Verhuizing", "Ik verhuis per 1 mei.\nGroet, Eva")
    # When the function reads it from where the S3 action put it
    reads: list[tuple[str, str]] = []

    def reader(bucket: str, key: str) -> bytes:
        reads.append((bucket, key))
        return stored[(bucket, key)]

    [contact] = ses_contacts(event, reader, mail_store=("inbound", "mail/"))
    # Then the text is the plain-text body, and the key is the prefix and SES's message id
    assert contact.text == "Ik verhuis per 1 mei.\nGroet, Eva" and contact.subject == "Verhuizing"
    assert reads == [("inbound", "mail/" + contact.provider_id)]


def test_email_failing_spf_is_not_authenticated() -> None:
    event = ChannelSandbox("", SECRETS).email_event("eva@example.nl", "Wachtwoord", "Reset graag", spf="FAIL")
    [contact] = ses_contacts(event)
    assert contact.authenticated is False


def test_email_with_a_virus_is_dropped() -> None:
    event = ChannelSandbox("", SECRETS).email_event("eva@example.nl", "Factuur", "zie bijlage", virus="FAIL")
    assert ses_contacts(event) == []


def test_email_reply_joins_the_thread_of_its_first_reference() -> None:
    event = ChannelSandbox("", SECRETS).email_event("eva@example.nl", "Re: Verhuizing", "Dank!",
                                                    in_reply_to="<root-1@opencounter.test>")
    [contact] = ses_contacts(event)
    assert contact.conversation == "<root-1@opencounter.test>"
    assert "reply_to" not in contact.detail  # not an answer to a mail SES sent for us


def test_email_reply_to_a_mail_we_sent_names_its_ses_message_id() -> None:
    ses_id = "010201933f7b1c2d-5e6f7a8b-1111-2222-3333-444455556666-000000"
    event = ChannelSandbox("", SECRETS).email_event("eva@example.nl", "Re: Uw factuur staat klaar", "Klopt dit?",
                                                    in_reply_to=f"<{ses_id}@eu-west-1.amazonses.com>")
    [contact] = ses_contacts(event)
    assert contact.detail["reply_to"] == ses_id


# ------------------------------------------------------------ phone (Amazon Connect)


def test_call_with_caller_id_is_an_authenticated_phone_contact() -> None:
    event = ChannelSandbox.phone_call("+31612345678", queue="Storingen", contact_id="c-1")
    contact = connect_contact(event)
    assert (contact.channel, contact.sender, contact.authenticated) == ("phone", "+31612345678", True)
    assert (contact.provider_id, contact.conversation, contact.text) == ("c-1", "c-1", "")
    assert contact.detail["queue"] == "Storingen" and contact.detail["initiation_method"] == "INBOUND"


def test_call_from_a_withheld_number_is_anonymous_and_not_authenticated() -> None:
    # Given a call without caller id, as Connect reports it, and one without any customer endpoint
    withheld = ChannelSandbox.phone_call(None)
    bare = copy.deepcopy(withheld)
    bare["Details"]["ContactData"]["CustomerEndpoint"] = None
    # Then both are anonymous and unauthenticated
    for event in (withheld, bare):
        contact = connect_contact(event)
        assert (contact.sender, contact.authenticated) == ("anonymous", False)


def test_connect_chat_is_a_chat_contact_in_its_initial_contact() -> None:
    event = ChannelSandbox.phone_call(None, channel="CHAT", contact_id="c-2")
    event["Details"]["ContactData"]["InitialContactId"] = "c-1"
    contact = connect_contact(event)
    assert (contact.channel, contact.provider_id, contact.conversation) == ("chat", "c-2", "c-1")


# ------------------------------------------------------------ over HTTP, and no table


@pytest.fixture
def receiver() -> Iterator[tuple[str, list[Request]]]:
    """An endpoint keeping every request it gets (body read), answering 200 or the CRC response."""
    seen: list[Request] = []

    def app(environ: dict, start_response: Any) -> Any:
        request = Request(environ)
        request.get_data()
        seen.append(request)
        token = request.args.get("crc_token")
        answer = json.dumps(x_crc_response(token, SECRETS["x_consumer_secret"])) if token else ""
        return Response(answer, content_type="application/json")(environ, start_response)

    server = make_server("127.0.0.1", 0, app)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", seen
    server.shutdown()


def test_posted_deliveries_are_signed_over_the_bytes_sent(receiver: tuple[str, list[Request]]) -> None:
    url, seen = receiver
    sandbox = ChannelSandbox(url, SECRETS)
    # When each message platform's delivery is posted (and one with a forged signature)
    assert sandbox.whatsapp("+31612345678", "Goedemiddag ☀") == 200
    assert sandbox.messenger("6789012345", "hoi") == 200
    assert sandbox.x_direct_message("2244994945", "hallo", for_user_id=US) == 200
    assert sandbox.whatsapp("+31612345678", "nep", signature="sha256=forged") == 200
    # Then the endpoints got them where expected, each verifiable with the provider's scheme
    assert [r.path for r in seen] == ["/webhooks/whatsapp", "/webhooks/messenger", "/webhooks/x", "/webhooks/whatsapp"]
    for request in seen[:2]:
        signature = request.headers.get("X-Hub-Signature-256")
        verify_meta_signature(request.get_data(), signature, SECRETS["meta_app_secret"])
    verify_x_signature(seen[2].get_data(), seen[2].headers.get("x-twitter-webhooks-signature"),
                       SECRETS["x_consumer_secret"])
    with pytest.raises(InvalidInput):
        verify_meta_signature(seen[3].get_data(), seen[3].headers.get("X-Hub-Signature-256"),
                              SECRETS["meta_app_secret"])
    [contact] = whatsapp_contacts(json.loads(seen[0].get_data()))
    assert contact.text == "Goedemiddag ☀"
    # And the CRC check is a GET carrying the token
    answer = sandbox.x_crc("tok-1")
    assert seen[-1].method == "GET" and answer.json() == x_crc_response("tok-1", SECRETS["x_consumer_secret"])


def test_the_channel_ports_load_no_entity_and_need_no_table() -> None:
    # a port talks to a provider: it loads no domain's entities and needs no table (TABLE_NAME);
    # the table's module only lends every AWS client its botocore session (core.aws)
    env = {k: v for k, v in os.environ.items() if k != "TABLE_NAME"}
    env["PYTHONPATH"] = "layers/shared/python"
    modules = ", ".join(f"opencounter.ports.channels.{m}" for m in
                        ("connect", "contact", "delivery", "email", "messenger", "meta", "replies", "whatsapp", "x"))
    code = (f"import sys, {modules}; from opencounter.core.aws import aws_client; aws_client('ses'); "
            "above = [m for m in sys.modules if m.startswith('opencounter.') "
            "and m.split('.')[1] not in ('core', 'ports')]; assert above == [], above")
    subprocess.run([sys.executable, "-c", code], check=True, env=env,
                   cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def test_stripe_calls_give_up_well_within_the_functions_timeout(cloud, monkeypatch):
    """A slow provider must fail a call in seconds, not hold the function past its timeout: every
    try (the first and each retry) waits at most connect + read seconds, with a backoff between.
    (The key is the local cloud's, from its Stripe secret.)"""
    import stripe

    from infra.local.template import load_template
    from opencounter.core.settings import settings
    from opencounter.ports import stripe_api

    made: dict = {}
    monkeypatch.setattr(stripe, "RequestsClient", lambda **kwargs: made.setdefault("http", kwargs) and None)
    real_client = stripe.StripeClient
    monkeypatch.setattr(stripe, "StripeClient", lambda *args, **kwargs: made.setdefault("client", kwargs)
                        and real_client(*args, **{k: v for k, v in kwargs.items() if k != "http_client"}))
    monkeypatch.setenv("STAGE", "dev")
    settings.cache_clear()
    try:
        stripe_api.stripe_client()
    finally:
        monkeypatch.undo()
        settings.cache_clear()
    connect, read = made["http"]["timeout"]
    tries = 1 + made["client"]["max_network_retries"]
    function_timeout = load_template()["Globals"]["Function"]["Timeout"]
    from stripe._http_client import HTTPClient

    # the first retry waits at most INITIAL_DELAY; a second to spare for the rest of the work
    assert tries <= 2 and tries * (connect + read) + HTTPClient.INITIAL_DELAY <= function_timeout - 1
