"""Complaints (/me/complaints, /agent/complaints, /agent/customers/{id}/complaints): a customer
files one and follows it (status, term, who handles it by role, the follow-up, the answer), and
accepts the answer or reopens it; staff register one from a call, take or assign it, keep notes
(for the customer or internal), extend its term once, answer and close it; the desk's queues."""

from opencounter.complaints.service import (
    add_note,
    answer,
    assign,
    close,
    complaint_view,
    days_to_close,
    extend,
    file_complaint,
    list_complaints,
    load_complaint,
    queue,
    react,
)
from opencounter.core.errors import InvalidInput
from opencounter.customers.views import load_profile
from opencounter.edge.http import caller, json_body, me, query_text, rest_api
from opencounter.edge.idempotency import idempotency_key
from opencounter.edge.observability import observability

logger, metrics = observability("complaints")
app = rest_api(logger)
#: where staff hear a complaint they register
STAFF_CHANNELS = ("phone", "office", "chat", "email", "whatsapp", "messenger", "x", "agent")


def _channel() -> str:
    # the portal and the app say which they are; everything else through this API is the web
    return "app" if (app.current_event.get_header_value("X-Client") or "").lower() == "app" else "web"


def _filed(complaint: dict, new: bool) -> tuple[dict, int]:
    if new:
        metrics.add_metric(name="ComplaintFiled", unit="Count", value=1)
    return complaint, 201  # sent again with its key: the complaint filed the first time


def _closed(complaint: dict) -> dict:
    if complaint["status"] == "closed":
        metrics.add_metric(name="ComplaintClosed", unit="Count", value=1)
        metrics.add_metric(name="ComplaintDaysToClose", unit="Count", value=days_to_close(complaint))
    return complaint


@app.get("/me/complaints")
def get_complaints() -> dict:
    return list_complaints(me(app))


@app.post("/me/complaints")
def post_complaint() -> tuple[dict, int]:
    customer = me(app)
    return _filed(*file_complaint(customer, json_body(app), actor=caller(app).actor, channel=_channel(),
                                  key=idempotency_key(app)))


@app.get("/me/complaints/<complaint_id>")
def get_complaint(complaint_id: str) -> dict:
    return complaint_view(load_complaint(me(app), complaint_id), staff=False)


@app.post("/me/complaints/<complaint_id>/reaction")
def post_reaction(complaint_id: str) -> dict:
    customer = me(app)
    load_complaint(customer, complaint_id)  # another customer's is 404 before the body is read
    return _closed(react(customer, complaint_id, json_body(app), actor=caller(app).actor, channel=_channel()))


@app.get("/agent/complaints")
def get_queue() -> dict:
    name = query_text(app, "queue") or "open"
    if name not in ("open", "escalated"):
        raise InvalidInput("queue: open or escalated", field="queue")
    return queue(name)


@app.post("/agent/customers/<customer_id>/complaints")
def post_staff_complaint(customer_id: str) -> tuple[dict, int]:
    load_profile(customer_id)  # no such customer (or one erased): 404 before the body is read
    body = json_body(app)
    channel = body.pop("channel", "phone")
    if channel not in STAFF_CHANNELS:
        raise InvalidInput(f"channel: one of {', '.join(STAFF_CHANNELS)}", field="channel")
    return _filed(*file_complaint(customer_id, body, actor=caller(app).actor, channel=channel,
                                  key=idempotency_key(app)))


@app.get("/agent/customers/<customer_id>/complaints/<complaint_id>")
def get_staff_complaint(customer_id: str, complaint_id: str) -> dict:
    return complaint_view(load_complaint(customer_id, complaint_id), staff=True)


@app.post("/agent/customers/<customer_id>/complaints/<complaint_id>/handler")
def post_handler(customer_id: str, complaint_id: str) -> dict:
    return assign(customer_id, complaint_id, json_body(app), agent=caller(app).actor)


@app.post("/agent/customers/<customer_id>/complaints/<complaint_id>/notes")
def post_note(customer_id: str, complaint_id: str) -> dict:
    return add_note(customer_id, complaint_id, json_body(app), agent=caller(app).actor)


@app.post("/agent/customers/<customer_id>/complaints/<complaint_id>/extension")
def post_extension(customer_id: str, complaint_id: str) -> dict:
    return extend(customer_id, complaint_id, json_body(app), agent=caller(app).actor)


@app.post("/agent/customers/<customer_id>/complaints/<complaint_id>/answer")
def post_answer(customer_id: str, complaint_id: str) -> dict:
    complaint = answer(customer_id, complaint_id, json_body(app), agent=caller(app).actor)
    metrics.add_metric(name="ComplaintAnswered", unit="Count", value=1)
    return complaint


@app.post("/agent/customers/<customer_id>/complaints/<complaint_id>/closing")
def post_closing(customer_id: str, complaint_id: str) -> dict:
    return _closed(close(customer_id, complaint_id, json_body(app), agent=caller(app).actor))


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    return app.resolve(event, context)
