"""The field service (and the carriers that deliver for it), for the local cloud: it takes in the
jobs OpenCounter tells it of (POST /sandbox/field-service/jobs, with the API token, a job per
appointment, the highest version kept) and plays a job's day as the real one reports it: signed
webhooks to the API's /webhooks/field-service, planned (a carrier may narrow the window), en
route with an ETA, arrived, then done or missed. The tests and `make run`'s demo use it;
GET /sandbox/field-service/jobs lists the jobs, POST .../jobs/<job_id>/day plays one, and DELETE
.../jobs/<job_id> forgets one (a customer erased)."""

from __future__ import annotations

import json
import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import requests
from werkzeug.wrappers import Request, Response

from infra.local.sandbox.stripe.wire import signature_header

HEADER = "Field-Signature"
OUTCOMES = ("done", "missed")


def _moment(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class FieldServiceStandIn:
    PREFIX = "/sandbox/field-service"

    def __init__(self, api_token: str, webhook_secret: str, *, webhook_url: str = "") -> None:
        self.api_token = api_token
        self.webhook_secret = webhook_secret
        self.webhook_url = webhook_url
        self._lock = threading.Lock()
        #: job_id -> the job at the highest version told
        self.jobs: dict[str, dict[str, Any]] = {}
        #: every job call taken in, in order: {"job_id", "version", "status", "result"}
        self.calls: list[dict[str, Any]] = []
        #: every webhook delivery sent: {"body", "status"}
        self.deliveries: list[dict[str, Any]] = []

    # ------------------------------------------------------------ the job API

    def handle(self, request: Request) -> Response:
        path = request.path.removeprefix(self.PREFIX).rstrip("/")
        if request.method == "GET" and path == "/jobs":
            with self._lock:
                return _json(200, {"items": list(self.jobs.values())})
        if request.method == "POST" and path == "/jobs":
            if request.headers.get("Authorization") != f"Bearer {self.api_token}":
                return _json(401, {"title": "Unauthorized", "detail": "the API token is not valid"})
            return self._job(request.get_json(silent=True) or {})
        if request.method == "DELETE" and path.startswith("/jobs/"):
            if request.headers.get("Authorization") != f"Bearer {self.api_token}":
                return _json(401, {"title": "Unauthorized", "detail": "the API token is not valid"})
            return self.forget(path.removeprefix("/jobs/"))
        if request.method == "POST" and path.startswith("/jobs/") and path.endswith("/day"):
            body = request.get_json(force=True, silent=True) or {}  # as curl -d sends it too
            job_id = path.removeprefix("/jobs/").removesuffix("/day")
            if job_id not in self.jobs or body.get("outcome", "done") not in OUTCOMES:
                return _json(404, {"title": "Not Found", "detail": f"no job {job_id} to play, or no such outcome"})
            return _json(200, {"deliveries": self.play_day(job_id, body.get("outcome", "done"), body.get("reason"))})
        return _json(404, {"title": "Not Found", "detail": f"no route {request.method} {path}"})

    def _job(self, job: dict[str, Any]) -> Response:
        if not job.get("job_id") or not isinstance(job.get("version"), int) or job.get("status") not in (
                "planned", "moved", "cancelled"):
            return _json(400, {"title": "Bad Request", "detail": "job_id, version and status are required"})
        with self._lock:
            known = self.jobs.get(job["job_id"])
            result = "accepted" if known is None or job["version"] > known["version"] else \
                "unchanged" if job["version"] == known["version"] else "stale"
            if result == "accepted":
                self.jobs[job["job_id"]] = job
            self.calls.append({"job_id": job["job_id"], "version": job["version"], "status": job["status"],
                               "result": result})
        return _json(200, {"job_id": job["job_id"], "version": job["version"], "result": result})

    def forget(self, job_id: str) -> Response:
        """DELETE /jobs/<job_id>: the job, the calls that told it and the reports sent of its day
        are forgotten, as our processor does on our word when a customer is erased; 404 for a job
        it does not know (forgotten before)."""
        with self._lock:
            if job_id not in self.jobs:
                return _json(404, {"title": "Not Found", "detail": f"no job {job_id}"})
            del self.jobs[job_id]
            self.calls = [c for c in self.calls if c["job_id"] != job_id]
            self.deliveries = [d for d in self.deliveries
                               if (d["body"].get("reference") or {}).get("appointment_id") != job_id]
        return _json(200, {"job_id": job_id, "result": "forgotten"})

    # ------------------------------------------------------------ the day, as webhooks

    def update(self, job_id: str, kind: str, *, eta: datetime | None = None, window: tuple[datetime, datetime] | None
               = None, reason: str | None = None, occurred_at: datetime | None = None, event_id: str | None = None,
               customer_id: str | None = None, signature: str | None = None,
               body: dict[str, Any] | None = None) -> int:
        """Send one signed update about a job (the job told, or `customer_id` to name another
        customer); the API's status code. `signature` replaces the header (a forged one)."""
        reference = dict(self.jobs[job_id]["reference"]) if job_id in self.jobs else {"appointment_id": job_id}
        if customer_id is not None:
            reference["customer_id"] = customer_id
        update: dict[str, Any] = body or {
            "event_id": event_id or f"fs_{uuid.uuid4().hex[:16]}", "type": kind,
            "occurred_at": _moment(occurred_at or datetime.now(UTC)), "reference": reference}
        if eta is not None:
            update["eta"] = _moment(eta)
        if window is not None:
            update["window"] = {"start": _moment(window[0]), "end": _moment(window[1])}
        if reason is not None:
            update["reason"] = reason
        payload = json.dumps(update).encode()
        headers = {"Content-Type": "application/json",
                   HEADER: signature if signature is not None else signature_header(payload, self.webhook_secret)}
        status = requests.post(self.webhook_url, data=payload, headers=headers, timeout=30).status_code
        with self._lock:
            self.deliveries.append({"body": update, "status": status})
        return status

    def play_day(self, job_id: str, outcome: str = "done", reason: str | None = None) -> list[int]:
        """The job's day, as the field service reports it: planned, en route (expected ten minutes
        into the window), arrived, then done or missed (nobody home unless `reason` says otherwise)."""
        start = datetime.fromisoformat(self.jobs[job_id]["window"]["start"])
        statuses = [self.update(job_id, "planned", occurred_at=start - timedelta(hours=2)),
                    self.update(job_id, "en_route", eta=start + timedelta(minutes=10),
                                occurred_at=start - timedelta(minutes=20))]
        if outcome == "missed":
            return [*statuses, self.update(job_id, "missed", reason=reason or "nobody_home",
                                           occurred_at=start + timedelta(minutes=15))]
        return [*statuses, self.update(job_id, "arrived", occurred_at=start + timedelta(minutes=10)),
                self.update(job_id, "done", occurred_at=start + timedelta(minutes=100))]


def _json(status: int, body: Any) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")
