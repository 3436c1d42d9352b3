"""Disputes (/me/disputes, /agent/disputes): a customer disputes an invoice line or a payment,
follows the assessment, sends evidence files and appeals a rejection once; staff list the
disputes that wait for a person, read the evidence and decide them."""

from opencounter.disputes.evidence import (
    ask_upload,
    check_upload,
    customer_evidence_link,
    evidence_dispute,
    staff_evidence_link,
)
from opencounter.disputes.service import (
    appeal,
    decide,
    dispute_detail,
    dispute_file,
    file_dispute,
    list_disputes,
    staff_dispute,
    staff_queue,
)
from opencounter.edge.http import caller, json_body, me, query_int, query_text, rest_api
from opencounter.edge.observability import observability

logger, metrics = observability("disputes")
app = rest_api(logger)


@app.get("/me/disputes")
def get_disputes() -> dict:
    return list_disputes(me(app))


@app.post("/me/disputes")
def post_dispute() -> tuple[dict, int]:
    dispute, filed = file_dispute(me(app), json_body(app), actor=caller(app).actor, channel="web")
    if filed:
        metrics.add_metric(name="DisputeFiled", unit="Count", value=1)
    return dispute, 201


@app.get("/me/disputes/<dispute_id>")
def get_dispute(dispute_id: str) -> dict:
    return dispute_detail(me(app), dispute_id)


@app.get("/me/disputes/<dispute_id>/file")
def get_dispute_file(dispute_id: str) -> dict:
    return dispute_file(me(app), dispute_id)


@app.post("/me/disputes/<dispute_id>/appeal")
def post_appeal(dispute_id: str) -> tuple[dict, int]:
    dispute = appeal(me(app), dispute_id, json_body(app), actor=caller(app).actor, channel="web")
    metrics.add_metric(name="DisputeAppealed", unit="Count", value=1)
    return dispute, 202


@app.post("/me/disputes/<dispute_id>/evidence")
def post_evidence(dispute_id: str) -> tuple[dict, int]:
    dispute = evidence_dispute(me(app), dispute_id)  # theirs and open, before the body is read
    return ask_upload(dispute, json_body(app)), 201


@app.post("/me/disputes/<dispute_id>/evidence/<evidence_id>/check")
def post_evidence_check(dispute_id: str, evidence_id: str) -> dict:
    evidence = check_upload(me(app), dispute_id, evidence_id)
    metrics.add_metric(name="DisputeEvidenceAccepted", unit="Count", value=1)
    return evidence


@app.get("/me/disputes/<dispute_id>/evidence/<evidence_id>")
def get_evidence(dispute_id: str, evidence_id: str) -> dict:
    return customer_evidence_link(me(app), dispute_id, evidence_id)


@app.get("/agent/disputes")
def get_staff_disputes() -> dict:
    return staff_queue(query_text(app, "status"), query_int(app, "limit", 50, 1, 100))


@app.get("/agent/disputes/<dispute_id>")
def get_staff_dispute(dispute_id: str) -> dict:
    return staff_dispute(dispute_id)


@app.get("/agent/disputes/<dispute_id>/evidence/<evidence_id>")
def get_staff_evidence(dispute_id: str, evidence_id: str) -> dict:
    return staff_evidence_link(dispute_id, evidence_id)


@app.post("/agent/disputes/<dispute_id>/decision")
def post_decision(dispute_id: str) -> tuple[dict, int]:
    dispute = decide(dispute_id, json_body(app), actor=caller(app).actor)
    metrics.add_metric(name="DisputeDecidedByStaff", unit="Count", value=1)
    return dispute, 202


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    return app.resolve(event, context)
