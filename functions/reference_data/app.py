"""At every deploy, the product catalogue and the FAQ this version ships are loaded into the
table (CloudFormation's ReferenceData custom resource): a new stack sells from its first
minute, and a new version's catalogue becomes the current one. Deleting the stack leaves the
data to the table, which is retained."""

from typing import Any

from opencounter.edge.custom_resource import custom_resource
from opencounter.edge.observability import observability
from opencounter.overview.reference import load_reference_data

logger, metrics = observability("reference-data")


def _on(request_type: str, properties: dict[str, Any]) -> dict[str, Any]:
    if request_type == "Delete":
        return {}
    loaded = load_reference_data()
    logger.info("reference data loaded", extra=loaded)
    return loaded


lambda_handler = logger.inject_lambda_context(custom_resource(logger, _on))
