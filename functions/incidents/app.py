"""Outages: operations report an incident in an area, change when it should end, and resolve it
(/agent/incidents); staff read them with their figures; a customer reads the outages hitting
them (/me/outages); anyone reads the outages going on (/outages)."""

from opencounter.edge.http import caller, json_body, me, rest_api
from opencounter.edge.identity import require_operations
from opencounter.edge.observability import observability
from opencounter.outages.service import change, customer_outages, incident, incidents, public_outages, report, resolve

logger, metrics = observability("incidents")
app = rest_api(logger)


def _operations() -> dict:
    return require_operations(caller(app)).actor


@app.post("/agent/incidents")
def post_incident() -> tuple[dict, int]:
    actor = _operations()
    reported = report(json_body(app), actor=actor)
    metrics.add_metric(name="IncidentReported", unit="Count", value=1)
    return reported, 201


@app.get("/agent/incidents")
def get_incidents() -> dict:
    return incidents()


@app.get("/agent/incidents/<incident_id>")
def get_incident(incident_id: str) -> dict:
    return incident(incident_id)


@app.patch("/agent/incidents/<incident_id>")
def patch_incident(incident_id: str) -> dict:
    _operations()
    return change(incident_id, json_body(app))


@app.post("/agent/incidents/<incident_id>/resolution")
def post_resolution(incident_id: str) -> dict:
    return resolve(incident_id, actor=_operations())


@app.get("/me/outages")
def get_my_outages() -> dict:
    return customer_outages(me(app))


@app.get("/outages")
def get_outages() -> dict:
    return public_outages()


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    return app.resolve(event, context)
