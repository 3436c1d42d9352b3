"""A customer's own record: see it, change it, prove their phone number or a new e-mail address,
move house, read the timeline (/me...)."""

from opencounter.customers.proofs import confirm_email, confirm_phone, send_email_code, send_phone_code
from opencounter.customers.service import customer_record, move_customer, update_customer
from opencounter.http import caller, json_body, query_int, rest_api
from opencounter.identity import require_customer
from opencounter.observability import observability
from opencounter.timeline import customer_timeline

logger, metrics = observability("customer-profile")
app = rest_api(logger)


def _me() -> str:
    return require_customer(caller(app))


@app.get("/me")
def get_me() -> dict:
    return customer_record(_me())


@app.patch("/me")
def patch_me() -> dict:
    customer_id = _me()
    record = update_customer(customer_id, json_body(app), actor=caller(app).actor, channel="web")
    metrics.add_metric(name="CustomerRecordChanged", unit="Count", value=1)
    return record


@app.post("/me/phone-verification")
def post_phone_verification() -> tuple[dict, int]:
    return send_phone_code(_me()), 202


@app.post("/me/phone-verification/confirmation")
def post_phone_confirmation() -> dict:
    customer_id = _me()
    record = confirm_phone(customer_id, json_body(app), actor=caller(app).actor, channel="web")
    metrics.add_metric(name="PhoneVerified", unit="Count", value=1)
    return record


@app.post("/me/email-verification")
def post_email_verification() -> tuple[dict, int]:
    return send_email_code(_me()), 202


@app.post("/me/email-verification/confirmation")
def post_email_confirmation() -> dict:
    customer_id = _me()
    record = confirm_email(customer_id, json_body(app), actor=caller(app).actor, channel="web")
    metrics.add_metric(name="EmailChanged", unit="Count", value=1)
    return record


@app.post("/me/moves")
def post_move() -> tuple[dict, int]:
    customer_id = _me()
    move = move_customer(customer_id, json_body(app), actor=caller(app).actor, channel="web")
    metrics.add_metric(name="MoveRegistered", unit="Count", value=1)
    return move, 201


@app.get("/me/timeline")
def get_timeline() -> dict:
    return customer_timeline(_me(), limit=query_int(app, "limit", 20, 1, 100),
                             cursor=app.current_event.get_query_string_value("cursor"))


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    return app.resolve(event, context)
