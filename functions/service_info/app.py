"""Public service information: every channel with its opening, expected wait and service level
(/channels), and the live FAQ ranked by what customers actually ask (/faq)."""

from opencounter.channels.status import channel_status
from opencounter.contacts.faq import ranked
from opencounter.core.clock import business_today
from opencounter.edge.http import language, rest_api
from opencounter.edge.observability import observability

logger, metrics = observability("service-info")
app = rest_api(logger)


@app.get("/channels")
def get_channels() -> dict:
    return {"items": channel_status()}


@app.get("/faq")
def get_faq() -> dict:
    return ranked(business_today(), language(app))


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    return app.resolve(event, context)
