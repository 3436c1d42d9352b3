"""Online sign-up: apply (public), follow and continue a sign-up on any channel with its resume
code, as the signed-in customer, or as staff; staff list the sign-ups waiting for them (a check
could not be completed) and decide them."""

from opencounter.core.errors import InvalidInput
from opencounter.edge.http import caller, json_body, me, query_int, query_text, rest_api
from opencounter.edge.idempotency import idempotent
from opencounter.edge.observability import observability
from opencounter.signups.review import decide_review, staff_lookup
from opencounter.signups.service import (
    resume,
    send_signing_code,
    sign_and_activate,
    signup_for_staff,
    signup_of_customer,
    signup_with_code,
    start_identification,
    start_signup,
)

logger, metrics = observability("signup")
app = rest_api(logger)


@app.post("/signups")
def apply() -> tuple[dict, int]:
    signup = idempotent(app, "signups", start_signup, json_body(app))
    metrics.add_metric(name="SignupStarted", unit="Count", value=1)
    return signup, 201


@app.get("/signups/<signup_id>")
def get_with_code(signup_id: str) -> dict:
    return signup_with_code(signup_id, app.current_event.get_header_value("Resume-Code"))


@app.post("/signups/<signup_id>/identification")
def identify(signup_id: str) -> tuple[dict, int]:
    return start_identification(signup_id, app.current_event.get_header_value("Resume-Code")), 201


@app.post("/signups/<signup_id>/signature-code")
def request_signing_code(signup_id: str) -> tuple[dict, int]:
    return send_signing_code(signup_id, app.current_event.get_header_value("Resume-Code")), 201


@app.post("/signups/<signup_id>/signature")
def sign(signup_id: str) -> dict:
    identity = app.current_event.request_context.identity
    signup = sign_and_activate(signup_id, app.current_event.get_header_value("Resume-Code"), json_body(app),
                               ip=identity.source_ip or "", user_agent=identity.user_agent or "")
    metrics.add_metric(name="ProductActivatedBySignup", unit="Count", value=1)
    return signup


@app.post("/signups/resume")
def continue_with_code() -> dict:
    code = json_body(app).get("resume_code")
    if not isinstance(code, str) or not code.strip():
        raise InvalidInput("resume_code: give the code you received when you applied", field="resume_code")
    return resume(code)


@app.get("/me/signups/<signup_id>")
def get_mine(signup_id: str) -> dict:
    return signup_of_customer(signup_id, me(app))


@app.get("/agent/signups/<signup_id>")
def get_for_staff(signup_id: str) -> dict:
    return signup_for_staff(signup_id)


@app.get("/agent/signups")
def find_for_staff() -> dict:
    return staff_lookup(query_text(app, "resume_code"), query_text(app, "status"), query_int(app, "limit", 50, 1, 100))


@app.post("/agent/signups/<signup_id>/decision")
def post_decision(signup_id: str) -> tuple[dict, int]:
    signup = decide_review(signup_id, json_body(app), actor=caller(app).actor)
    metrics.add_metric(name="SignupDecidedByStaff", unit="Count", value=1)
    return signup, 202


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    return app.resolve(event, context)
