"""The shop window: the products and plans on sale now (public)."""

from opencounter.catalogue.service import current_products
from opencounter.catalogue.terms import terms
from opencounter.edge.http import rest_api
from opencounter.edge.observability import observability

logger, metrics = observability("catalogue")
app = rest_api(logger)


@app.get("/products")
def list_products() -> dict:
    return {"items": current_products()}


@app.get("/terms")
def current_terms() -> dict:
    return terms()


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    return app.resolve(event, context)
