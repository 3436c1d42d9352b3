"""Messages from WhatsApp and Messenger (Meta: X-Hub-Signature-256) and from X (CRC check and
x-twitter-webhooks-signature). A bad signature gets 400 and writes nothing; each message is
stored once, linked to the customer whose verified identity sent it, or kept for an agent to link."""

import os

from aws_lambda_powertools.event_handler import Response

from opencounter.contacts.service import receive
from opencounter.http import rest_api
from opencounter.observability import observability
from opencounter.ports.channels import (
    messenger_contacts,
    meta_verification_challenge,
    verify_meta_signature,
    verify_x_signature,
    whatsapp_contacts,
    x_contacts,
    x_crc_response,
)

logger, metrics = observability("channel-webhooks")
app = rest_api(logger)
PARSERS = {"whatsapp": whatsapp_contacts, "messenger": messenger_contacts}


def _body() -> bytes:
    return (app.current_event.decoded_body or "").encode()


def _store(contacts: list) -> dict:
    outcomes = [receive(contact) for contact in contacts]
    metrics.add_metric(name="ChannelMessage", unit="Count", value=len(outcomes))
    return {"received": len(outcomes), "outcomes": outcomes}


@app.get("/webhooks/<platform>")
def verify_subscription(platform: str) -> Response | dict:
    params = app.current_event.query_string_parameters or {}
    if platform == "x":
        return x_crc_response(params.get("crc_token", ""), os.environ["X_CONSUMER_SECRET"])
    challenge = meta_verification_challenge(params, os.environ["META_VERIFY_TOKEN"])
    return Response(status_code=200, content_type="text/plain", body=challenge)


@app.post("/webhooks/<platform>")
def receive_messages(platform: str) -> dict:
    import json

    payload = _body()
    if platform == "x":
        verify_x_signature(payload, app.current_event.get_header_value("x-twitter-webhooks-signature"),
                           os.environ["X_CONSUMER_SECRET"])
        return _store(x_contacts(json.loads(payload)))
    verify_meta_signature(payload, app.current_event.get_header_value("X-Hub-Signature-256"),
                          os.environ["META_APP_SECRET"])
    return _store(PARSERS[platform](json.loads(payload)))


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    return app.resolve(event, context)
