"""Requests about one's data (/me/data-requests): a copy of everything held (GDPR art. 15 and 20)
asked for by the customer, or by staff on their behalf; the customer's requests with where each
stands; and the copy downloaded through a link that works minutes."""

from opencounter.edge.http import caller, me, rest_api
from opencounter.edge.observability import observability
from opencounter.privacy.export import ask, ask_for, customer_requests, download

logger, metrics = observability("data-requests")
app = rest_api(logger)


@app.get("/me/data-requests")
def get_data_requests() -> dict:
    return customer_requests(me(app))


@app.post("/me/data-requests/export")
def post_export() -> tuple[dict, int]:
    request, new = ask(me(app), actor=caller(app).actor, channel="web")
    if new:
        metrics.add_metric(name="DataExportAsked", unit="Count", value=1)
    return request, 202 if new else 200


@app.get("/me/data-requests/<data_request_id>/download")
def get_download(data_request_id: str) -> dict:
    return download(me(app), data_request_id)


@app.post("/agent/customers/<customer_id>/data-requests/export")
def post_staff_export(customer_id: str) -> tuple[dict, int]:
    request, new = ask_for(customer_id, actor=caller(app).actor, channel="agent")
    if new:
        metrics.add_metric(name="DataExportAsked", unit="Count", value=1)
    return request, 202 if new else 200


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    return app.resolve(event, context)
