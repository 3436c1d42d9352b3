"""Feedback (/me/feedback) and the voice of the customer (/agent/voice): the one question after a
journey (at most one a week) and its answer; for operations, satisfaction per channel and journey,
the top ideas and the questions the FAQ could not answer. The journeys that ended are kept to be
asked about by functions/journey_ends."""

from opencounter.edge.http import json_body, me, query_int, rest_api
from opencounter.edge.observability import observability
from opencounter.feedback.metrics import answer_metrics
from opencounter.feedback.service import answer, decline, pending
from opencounter.overview.voice import voice

SERVICE = "feedback"
logger, metrics = observability(SERVICE)
app = rest_api(logger)


def _channel() -> str:
    # the portal and the app say which they are; everything else through this API is the web
    return "app" if (app.current_event.get_header_value("X-Client") or "").lower() == "app" else "web"


@app.get("/me/feedback/pending")
def get_pending() -> dict:
    return pending(me(app))


@app.post("/me/feedback")
def post_feedback() -> tuple[dict, int]:
    given, new = answer(me(app), json_body(app), channel=_channel())
    if new:
        answer_metrics(SERVICE, given["journey"], given["channel"], given["score"])
    return given, 201  # sent again: the answer given the first time


@app.post("/me/feedback/dismissal")
def post_dismissal() -> dict:
    return decline(me(app), json_body(app))


@app.get("/agent/voice")
def get_voice() -> dict:
    return voice(query_int(app, "months", 3, 1, 12))


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    return app.resolve(event, context)
