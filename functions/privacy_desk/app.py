"""Privacy: the privacy officer's desk (/privacy, the privacy group only: the edge guards it) with
the data-subject requests by legal deadline, who read which customer's data and the patterns that
ask for a second look, what customers said to being written to in figures, the erasures done, and
what every kind of item is kept for; and a customer's own list of who read their data (/me/access-log). Everything
here only reads."""

from opencounter.edge.http import me, query_int, query_text, rest_api
from opencounter.edge.observability import observability
from opencounter.privacy.access import customer_log, flags, officer_log
from opencounter.privacy.consents import figures
from opencounter.privacy.desk import erasures_overview, requests_overview, retention_overview

logger, metrics = observability("privacy-desk")
app = rest_api(logger)


@app.get("/me/access-log")
def get_my_access_log() -> dict:
    return customer_log(me(app), limit=query_int(app, "limit", 20, 1, 100), cursor=query_text(app, "cursor"))


@app.get("/privacy/access-log")
def get_access_log() -> dict:
    return officer_log(day=query_text(app, "day"), staff=query_text(app, "staff"),
                       customer_id=query_text(app, "customer_id", "identifier"),
                       limit=query_int(app, "limit", 50, 1, 100), cursor=query_text(app, "cursor"))


@app.get("/privacy/access-log/flags")
def get_flags() -> dict:
    return flags(query_text(app, "day"))


@app.get("/privacy/requests")
def get_requests() -> dict:
    return requests_overview()


@app.get("/privacy/consents")
def get_consents() -> dict:
    return figures()


@app.get("/privacy/erasures")
def get_erasures() -> dict:
    return erasures_overview()


@app.get("/privacy/retention")
def get_retention() -> dict:
    return retention_overview()


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    return app.resolve(event, context)
