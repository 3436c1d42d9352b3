"""A customer's own record: see it (with the visits and call-backs planned, what it lacks and what
is coming), change it, prove their phone number or a new e-mail address, move house, read the
timeline and the messages sent to them (/me...)."""

from opencounter.customers.proofs import confirm_email, confirm_phone, send_email_code, send_phone_code
from opencounter.customers.service import move_customer, update_customer
from opencounter.customers.timeline import customer_timeline
from opencounter.edge.http import caller, json_body, me, query_int, query_text, rest_api
from opencounter.edge.observability import observability
from opencounter.notifications.messages import customer_messages
from opencounter.overview.service import customer_home

logger, metrics = observability("customer-profile")
app = rest_api(logger)


@app.get("/me")
def get_me() -> dict:
    return customer_home(me(app))


@app.patch("/me")
def patch_me() -> dict:
    record = update_customer(me(app), json_body(app), actor=caller(app).actor, channel="web")
    metrics.add_metric(name="CustomerRecordChanged", unit="Count", value=1)
    return record


@app.post("/me/phone-verification")
def post_phone_verification() -> tuple[dict, int]:
    return send_phone_code(me(app)), 202


@app.post("/me/phone-verification/confirmation")
def post_phone_confirmation() -> dict:
    record = confirm_phone(me(app), json_body(app), actor=caller(app).actor, channel="web")
    metrics.add_metric(name="PhoneVerified", unit="Count", value=1)
    return record


@app.post("/me/email-verification")
def post_email_verification() -> tuple[dict, int]:
    return send_email_code(me(app)), 202


@app.post("/me/email-verification/confirmation")
def post_email_confirmation() -> dict:
    record = confirm_email(me(app), json_body(app), actor=caller(app).actor, channel="web")
    metrics.add_metric(name="EmailChanged", unit="Count", value=1)
    return record


@app.post("/me/moves")
def post_move() -> tuple[dict, int]:
    move = move_customer(me(app), json_body(app), actor=caller(app).actor, channel="web")
    metrics.add_metric(name="MoveRegistered", unit="Count", value=1)
    return move, 201


@app.get("/me/timeline")
def get_timeline() -> dict:
    return customer_timeline(me(app), limit=query_int(app, "limit", 20, 1, 100),
                             cursor=query_text(app, "cursor"))


@app.get("/me/messages")
def get_messages() -> dict:
    return customer_messages(me(app), limit=query_int(app, "limit", 20, 1, 100), cursor=query_text(app, "cursor"))


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    return app.resolve(event, context)
