"""The field service (engineers and installers) and the carriers that deliver for it: the signed
webhooks they report a visit's day with, and the job API we tell them of a visit planned, moved
or cancelled through.

A webhook delivery carries `Field-Signature: t=<unix time>,v1=<hex>[,v1=...]`, checked as
Stripe's is (ports.signatures): HMAC-SHA256 over "<t>.<raw body>" with the webhook secret, in
constant time, several v1 values while the secret is rotated, at most 5 minutes old. The secret
is in Secrets Manager (core.secrets, `field_service`): missing or empty, every delivery is
refused (503 not_configured), never let through.

FIELD_SERVICE_API_BASE names the job API; the local cloud points it at its stand-in, which
production refuses (a plain-HTTP, local or /sandbox address is a sandbox)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from opencounter.core.secrets import secret
from opencounter.core.settings import settings
from opencounter.ports import signatures
from opencounter.ports.channels.delivery import post, send

HEADER = "Field-Signature"
LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


def verified_delivery(payload: bytes, header: str | None, *, webhook_secret: str | None = None) -> str:
    """The delivery's body as text if `header` signs it; otherwise InvalidInput naming the header
    (400, nothing written). The secret is the field service's unless one is given (tests)."""
    key = secret("field_service", "webhook_secret") if webhook_secret is None else webhook_secret
    return signatures.signed_text(payload, header, key, header_name=HEADER)


def api_base() -> str:
    """The job API's address; refused in production when it is a stand-in's."""
    base = settings().required("field_service_api_base").rstrip("/")
    parts = urlsplit(base)
    if parts.scheme != "https" or parts.hostname in LOCAL_HOSTS or "/sandbox" in parts.path:
        settings().sandbox(f"the field service at {base}")
    return base


def send_job(job: dict[str, Any]) -> dict[str, Any]:
    """Tell the field service a job as it stands now: `job_id` (the appointment's id) and
    `version` (the appointment's) make it idempotent: the same version again changes nothing, an
    older one than it knows is ignored. DeliveryFailed when refused or unreachable (retried by
    the bus)."""
    return post(f"{api_base()}/jobs", secret("field_service", "api_token"), job)


def forget_job(job_id: str) -> str:
    """Ask the field service to forget a job and what it reported of it (the address, the
    customer's reference, its day): what our agreement with it as our processor says it does on
    our word, when the customer is erased. "forgotten", or "absent" when it knows no such job
    (forgotten before: a retried step). DeliveryFailed when refused or unreachable."""
    status, _ = send("DELETE", f"{api_base()}/jobs/{job_id}", secret("field_service", "api_token"))
    return "absent" if status == 404 else "forgotten"
