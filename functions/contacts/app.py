"""A customer's contacts and requests (/me/contacts, /me/requests): ask a question (self-service
offered first), choose a channel, see the whole contact history, follow and continue requests;
book a call-back in a time slot of the coming days, move or cancel it before then (/me/callbacks)."""

from opencounter.contacts.callbacks import (
    book_callback,
    callback_slots,
    cancel_callback,
    customer_callback,
    move_callback,
)
from opencounter.contacts.requests import continue_request, list_requests, load_request, request_view, start_request
from opencounter.contacts.service import ask, choose, contact_detail, contact_history, customer_message, feedback
from opencounter.edge.http import caller, json_body, language, me, rest_api
from opencounter.edge.idempotency import idempotency_key
from opencounter.edge.observability import observability
from opencounter.feedback.metrics import answer_metrics
from opencounter.feedback.records import CONTACT

logger, metrics = observability("contacts")
app = rest_api(logger)


def _channel() -> str:
    # the portal and the app say which they are; everything else through this API is the web
    return "app" if (app.current_event.get_header_value("X-Client") or "").lower() == "app" else "web"


@app.post("/me/contacts")
def post_contact() -> tuple[dict, int]:
    result = ask(me(app), json_body(app), channel=_channel(), language=language(app))
    metrics.add_metric(name="QuestionAsked", unit="Count", value=1)
    return result, 201


@app.get("/me/contacts")
def get_contacts() -> dict:
    return contact_history(me(app))


@app.post("/me/contacts/<contact_id>/choice")
def post_choice(contact_id: str) -> dict:
    contact = choose(me(app), contact_id, json_body(app), actor=caller(app).actor)
    metrics.add_metric(name="SelfServed" if contact["status"] == "self_served" else "ContactQueued", unit="Count",
                       value=1)
    return contact


@app.get("/me/contacts/<contact_id>")
def get_contact(contact_id: str) -> dict:
    return contact_detail(contact_id, me(app), staff=False)


@app.post("/me/contacts/<contact_id>/messages")
def post_message(contact_id: str) -> tuple[dict, int]:
    contact = customer_message(me(app), contact_id, json_body(app))
    metrics.add_metric(name="CustomerMessage", unit="Count", value=1)
    return contact, 201


@app.post("/me/contacts/<contact_id>/feedback")
def post_feedback(contact_id: str) -> dict:
    customer = me(app)
    body = json_body(app)
    contact = feedback(customer, contact_id, body)
    answer_metrics("contacts", CONTACT, contact["channel"], int(body["score"]))
    return contact


@app.get("/me/requests")
def get_requests() -> dict:
    return list_requests(me(app))


@app.post("/me/requests")
def post_request() -> tuple[dict, int]:
    return start_request(me(app), json_body(app), actor=caller(app).actor, channel=_channel()), 201


@app.get("/me/requests/<request_id>")
def get_request(request_id: str) -> dict:
    return request_view(load_request(me(app), request_id))


@app.post("/me/requests/<request_id>/steps")
def post_step(request_id: str) -> dict:
    return continue_request(me(app), request_id, json_body(app), actor=caller(app).actor, channel=_channel())


@app.get("/me/callbacks/slots")
def get_callback_slots() -> dict:
    me(app)
    return callback_slots()


@app.post("/me/callbacks")
def post_callback() -> tuple[dict, int]:
    customer = me(app)
    booked = book_callback(customer, json_body(app), actor=caller(app).actor, channel=_channel(),
                           key=idempotency_key(app))
    metrics.add_metric(name="CallbackBooked", unit="Count", value=1)
    return booked, 201


@app.patch("/me/callbacks/<contact_id>")
def patch_callback(contact_id: str) -> dict:
    contact = customer_callback(me(app), contact_id)  # theirs, before the body is read
    return move_callback(contact, json_body(app), actor=caller(app).actor, channel=_channel())


@app.post("/me/callbacks/<contact_id>/cancellation")
def post_callback_cancellation(contact_id: str) -> dict:
    return cancel_callback(customer_callback(me(app), contact_id), actor=caller(app).actor, channel=_channel())


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    return app.resolve(event, context)
