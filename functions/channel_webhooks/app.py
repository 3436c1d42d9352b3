"""Messages from WhatsApp and Messenger (Meta: X-Hub-Signature-256) and from X (CRC check and
x-twitter-webhooks-signature). A bad signature gets 400 and writes nothing; each message is
stored once, linked to the customer whose verified identity sent it, or kept for an agent to link.
WhatsApp's statuses (delivered, read, failed) and the replies to a message of ours are put on the
message we sent (notifications/messages.py)."""

from aws_lambda_powertools.event_handler import Response

from opencounter.contacts.service import receive
from opencounter.core.secrets import secret
from opencounter.edge.http import WEBHOOK_MAX_BYTES, json_body, raw_body, rest_api
from opencounter.edge.observability import observability
from opencounter.notifications.messages import statuses
from opencounter.ports.channels import meta, x
from opencounter.ports.channels.messenger import messenger_contacts
from opencounter.ports.channels.meta import meta_verification_challenge, verify_meta_signature
from opencounter.ports.channels.whatsapp import whatsapp_contacts, whatsapp_statuses
from opencounter.ports.channels.x import verify_x_signature, x_contacts, x_crc_response

logger, metrics = observability("channel-webhooks")
app = rest_api(logger)
PARSERS = {"whatsapp": whatsapp_contacts, "messenger": messenger_contacts}


def _store(contacts: list) -> dict:
    outcomes = [receive(contact) for contact in contacts]
    metrics.add_metric(name="ChannelMessage", unit="Count", value=len(outcomes))
    return {"received": len(outcomes), "outcomes": outcomes}


@app.get("/webhooks/<platform>")
def verify_subscription(platform: str) -> Response | dict:
    params = app.current_event.query_string_parameters or {}
    if platform == "x":
        return x_crc_response(params.get("crc_token", ""), secret("x", "consumer_secret"))
    challenge = meta_verification_challenge(params, secret("meta", "verify_token"))
    return Response(status_code=200, content_type="text/plain", body=challenge)


@app.post("/webhooks/<platform>")
def receive_messages(platform: str) -> dict:
    payload = raw_body(app, WEBHOOK_MAX_BYTES)  # what the signature covers, byte for byte
    if platform == "x":
        verify_x_signature(payload, app.current_event.get_header_value(x.HEADER),
                           secret("x", "consumer_secret"))
        return _store(x_contacts(json_body(app, WEBHOOK_MAX_BYTES)))
    verify_meta_signature(payload, app.current_event.get_header_value(meta.HEADER),
                          secret("meta", "app_secret"))
    delivery = json_body(app, WEBHOOK_MAX_BYTES)
    contacts = PARSERS[platform](delivery)
    if platform == "whatsapp":
        statuses(whatsapp_statuses(delivery), contacts)
    return _store(contacts)


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    return app.resolve(event, context)
