"""Operations' mailings (/agent/mailings): a message to every customer (of a product kind) who
consented to offers by e-mail; only the admins group sends them, any staff member reads them."""

from opencounter.edge.http import caller, json_body, rest_api
from opencounter.edge.identity import require_operations
from opencounter.edge.observability import observability
from opencounter.notifications.mailings import mailing, mailings, start_mailing

logger, metrics = observability("mailings")
app = rest_api(logger)


@app.post("/agent/mailings")
def post_mailing() -> tuple[dict, int]:
    sender = require_operations(caller(app))
    return start_mailing(json_body(app), actor=sender.actor), 202


@app.get("/agent/mailings")
def get_mailings() -> dict:
    return mailings()


@app.get("/agent/mailings/<mailing_id>")
def get_mailing(mailing_id: str) -> dict:
    return mailing(mailing_id)


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    return app.resolve(event, context)
