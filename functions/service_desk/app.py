"""The agents' work on contacts (/agent/queue, /agent/contacts/...): take the oldest waiting
contact, add notes (internal or for the customer), resolve it with the solution given, link an
unknown sender to a customer; requests on the customer's behalf; staffing per channel."""

from opencounter.channels.metrics import answered_metrics
from opencounter.channels.status import CHANNELS, set_staffing
from opencounter.contacts.requests import continue_request, load_request, request_by_code, request_view, start_request
from opencounter.contacts.service import add_note, contact_detail, link, log_contact, resolve, take, waiting
from opencounter.core.errors import InvalidInput
from opencounter.core.validation import validate_request
from opencounter.edge.http import caller, json_body, query_text, rest_api
from opencounter.edge.observability import observability

logger, metrics = observability("service-desk")
#: the channels a customer can reach staff on
STAFF_CHANNELS = ("agent", "phone", "office", "chat", "email", "whatsapp", "messenger", "x")
app = rest_api(logger)


def _agent() -> dict:
    return caller(app).actor


def _customer() -> str | None:
    # a contact from a sender not linked to a customer yet has none
    return query_text(app, "customer_id", "identifier")


@app.get("/agent/queue")
def get_queue() -> dict:
    return waiting(query_text(app, "channel", "identifier"))


@app.get("/agent/contacts/<contact_id>")
def get_contact(contact_id: str) -> dict:
    return contact_detail(contact_id, _customer(), staff=True)


@app.post("/agent/contacts/<contact_id>/take")
def post_take(contact_id: str) -> dict:
    contact = take(contact_id, _customer(), agent=_agent())
    answered_metrics(metrics, contact["channel"], contact["waited_s"])
    return contact


@app.post("/agent/contacts/<contact_id>/notes")
def post_note(contact_id: str) -> dict:
    return add_note(contact_id, _customer(), json_body(app), agent=_agent())


@app.post("/agent/contacts/<contact_id>/resolution")
def post_resolution(contact_id: str) -> dict:
    contact = resolve(contact_id, _customer(), json_body(app), agent=_agent())
    if contact.get("waited_s") is not None:  # answered and resolved in one go
        answered_metrics(metrics, contact["channel"], contact["waited_s"])
    else:
        metrics.add_dimension(name="channel", value=contact["channel"])
    metrics.add_metric(name="ContactResolved", unit="Count", value=1)
    metrics.add_metric(name="FirstContactResolved", unit="Count", value=1 if contact["first_contact_resolution"] else 0)
    return contact


@app.post("/agent/customers/<customer_id>/contacts")
def post_logged_contact(customer_id: str) -> tuple[dict, int]:
    contact = log_contact(customer_id, json_body(app), agent=_agent())
    metrics.add_dimension(name="channel", value=contact["channel"])
    metrics.add_metric(name="ContactLogged", unit="Count", value=1)
    if contact["status"] == "resolved":
        metrics.add_metric(name="ContactResolved", unit="Count", value=1)
        metrics.add_metric(name="FirstContactResolved", unit="Count",
                           value=1 if contact["first_contact_resolution"] else 0)
    return contact, 201


@app.post("/agent/contacts/<contact_id>/link")
def post_link(contact_id: str) -> dict:
    return link(contact_id, json_body(app), agent=_agent())


@app.post("/agent/customers/<customer_id>/requests")
def post_request(customer_id: str) -> tuple[dict, int]:
    body = json_body(app)
    channel = body.pop("channel", "agent")
    if channel not in STAFF_CHANNELS:
        raise InvalidInput(f"channel: one of {', '.join(STAFF_CHANNELS)}", field="channel")
    return start_request(customer_id, body, actor=_agent(), channel=channel), 201


@app.get("/agent/customers/<customer_id>/requests/<request_id>")
def get_request(customer_id: str, request_id: str) -> dict:
    return request_view(load_request(customer_id, request_id), staff=True)


@app.post("/agent/customers/<customer_id>/requests/<request_id>/steps")
def post_step(customer_id: str, request_id: str) -> dict:
    return continue_request(customer_id, request_id, json_body(app), actor=_agent(), channel="agent")


@app.post("/agent/requests/resume")
def post_resume() -> dict:
    body = json_body(app)
    validate_request("request-resume", body)
    customer_id, request = request_by_code(body["resume_code"])
    return {"customer_id": customer_id, "request": request}


@app.put("/agent/channels/<channel>/staffing")
def put_staffing(channel: str) -> dict:
    if channel not in CHANNELS:
        raise InvalidInput(f"channel: no channel {channel!r}", field="channel")
    body = json_body(app)
    validate_request("staffing", body)
    set_staffing(channel, body["agents"])
    return {"channel": channel, "agents": body["agents"]}


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    return app.resolve(event, context)
