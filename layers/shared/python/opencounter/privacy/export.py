"""A copy of everything held about a customer (GDPR art. 15 and 20), from the ask to the download.

The customer (or staff on their behalf) asks: a data request of kind "export" is received, one
open at a time, and its DataRequestReceived event sets the export going. The export function
(functions/data_export) writes the file to the exports bucket, under a key of the request's own, and
closes the request with what went into it (no personal data) and DataExportReady, which tells the
customer it is ready, in one transaction. A redelivered event, or a retry after a crash half way,
writes the same key again (one file) and finds the request closed or closes it once; the notice's
event id is the request's own, so the customer is told once.

The file is downloaded through a pre-signed link that works for DOWNLOAD_SECONDS, asked for when
the customer clicks; it can be asked for until KEPT_DAYS after the copy was made, when the bucket
forgets the file (its lifecycle rule). Plain data in and out; no HTTP here."""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta
from typing import Any

from opencounter.core.clock import isoformat, utcnow
from opencounter.core.errors import Conflict, Gone, NotFound
from opencounter.core.ids import stable_id
from opencounter.core.outbox import WriteConflict, domain_event
from opencounter.core.settings import settings
from opencounter.core.table import customer_key
from opencounter.customers.records import Profile
from opencounter.ports import evidence_store
from opencounter.privacy import requests
from opencounter.privacy.collect import FORMAT, write_export
from opencounter.privacy.records import DataRequest

KIND = "export"
#: the setting naming the private bucket the copies are kept in
BUCKET = "exports_bucket"
#: days a copy can be downloaded; the bucket's lifecycle rule deletes it after as many (template.yaml
#: ExportsBucket, ExpirationInDays: S3 deletes at the first midnight after, so never sooner)
KEPT_DAYS = 7
#: how long a download link works
DOWNLOAD_SECONDS = 300
CONTENT_TYPE = "application/json"
#: where the customer reads about their requests and downloads the copy (the notice links there,
#: never to the file)
PORTAL_PAGE = "/#/privacy"
SYSTEM = {"type": "system", "id": "data-export"}


def file_key(customer_id: str, request_id: str) -> str:
    """Where a request's copy is kept: one key per request, so writing it again replaces it."""
    return f"exports/{customer_id}/{request_id}.json"


def available_until(request: DataRequest) -> datetime | None:
    """Until when a done export can be downloaded."""
    if request.status != "DONE" or not request.done_at:
        return None
    return datetime.fromisoformat(request.done_at) + timedelta(days=KEPT_DAYS)


def view(request: DataRequest) -> dict[str, Any]:
    """A request as the customer and staff see it; an export also says whether its file can be
    downloaded: preparing (being made), ready (until available_until), expired, or refused."""
    shown = requests.view(request)
    if request.kind != KIND:
        return {**shown, "download": None}
    until = available_until(request)
    state = "refused" if request.status == "REFUSED" else "preparing" if until is None \
        else "ready" if utcnow() < until else "expired"
    return {**shown, "download": {"status": state, "available_until": isoformat(until) if until else None}}


def customer_requests(customer_id: str) -> dict[str, Any]:
    """The customer's requests about their data, newest first."""
    found = DataRequest.query(customer_key(customer_id), DataRequest.SK.startswith(DataRequest.SK_PREFIX))
    return {"items": sorted((view(r) for r in found), key=lambda r: r["received_at"], reverse=True)}


def ask(customer_id: str, *, actor: dict, channel: str) -> tuple[dict[str, Any], bool]:
    """A copy of the customer's data asked for: (the request, True), or, while one is being made,
    the open one and False; nothing is written then. Where copies cannot be kept (no bucket is
    set), nothing is asked: MissingSetting, before anything is written."""
    settings().required(BUCKET)
    request, new = requests.receive(customer_id, KIND, actor=actor, channel=channel)
    return view(request), new


def ask_for(customer_id: str, *, actor: dict, channel: str) -> tuple[dict[str, Any], bool]:
    """Staff asking on a customer's behalf: as `ask`, for a customer who exists (else NotFound,
    before anything is written)."""
    try:
        Profile.get(*Profile.keys(customer_id))
    except Profile.DoesNotExist:
        raise NotFound("no such customer", reason="customer_not_found") from None
    return ask(customer_id, actor=actor, channel=channel)


def make(customer_id: str, request_id: str) -> str:
    """Make the copy a request asked for, once: "made", "done_already", or "not_an_export". The
    file is written before the request is closed; a process that dies in between leaves the
    request open, and the retry writes the same key again. Without the bucket's setting nothing is
    touched (MissingSetting: the event is tried again, then kept on the failure queue)."""
    settings().required(BUCKET)
    request = _load(customer_id, request_id)
    if request is None or request.kind != KIND:
        return "not_an_export"
    if request.status in requests.CLOSED:
        return "done_already"
    request = _started(request)
    with tempfile.TemporaryFile() as out:
        summary = write_export(customer_id, request_id, out)
        out.seek(0)
        evidence_store.put(file_key(customer_id, request_id), out, CONTENT_TYPE, bucket=BUCKET)
    outcome = {"format": FORMAT, "items": summary.items, "bytes": summary.bytes, "sections": summary.sections}
    return "made" if _closed(request, outcome) else "done_already"


def _load(customer_id: str, request_id: str) -> DataRequest | None:
    try:
        return requests.load(customer_id, request_id)
    except NotFound:
        return None


def _started(request: DataRequest) -> DataRequest:
    """The request taken in hand; started at the same moment by another try: as that one left it."""
    try:
        return requests.start(request)
    except WriteConflict:
        return requests.load(request.customer_id, request.request_id)


def _closed(request: DataRequest, outcome: dict[str, Any]) -> bool:
    """Close the request done, with DataExportReady (its id the request's own), once: False when
    another try closed it first."""
    for _ in range(3):
        if request.status in requests.CLOSED:
            return False
        now = utcnow()
        until = now + timedelta(days=KEPT_DAYS)
        ready = domain_event(
            "DataExportReady", customer_id=request.customer_id, actor=SYSTEM, channel="system",
            event_id=stable_id("data-export-ready", request.request_id), occurred_at=now,
            data={"request_id": request.request_id, "available_until": isoformat(until),
                  "link": f"{settings().required('portal_origin')}{PORTAL_PAGE}"})
        try:
            requests.close(request, "DONE", outcome, events=[ready])
            return True
        except WriteConflict:
            request = requests.load(request.customer_id, request.request_id)
    raise Conflict("the request kept changing; the export is tried again", reason="busy_try_again")


def download(customer_id: str, request_id: str) -> dict[str, Any]:
    """A link to download the customer's copy, working DOWNLOAD_SECONDS: {"request_id", "url",
    "expires_at", "file_name", "available_until"}. NotFound for a request that is not theirs or
    not an export; Conflict while it is made (or refused); Gone once it is no longer kept."""
    request = _load(customer_id, request_id)
    if request is None or request.kind != KIND:
        raise NotFound("no such request", reason="data_request_not_found")
    if request.status == "REFUSED":
        raise Conflict("status: this request was refused; there is no copy to download", field="status",
                       reason="export_refused")
    until = available_until(request)
    if until is None:
        raise Conflict("status: the copy is still being made; try again in a few minutes", field="status",
                       reason="export_not_ready")
    key = file_key(customer_id, request_id)
    if utcnow() >= until or evidence_store.stored(key, 1, bucket=BUCKET) is None:
        raise Gone("the copy is no longer kept; ask for a new one", reason="export_expired",
                   expired_on=isoformat(until)[:10])
    file_name = f"opencounter-{request.done_at[:10]}.json" if request.done_at else "opencounter.json"
    link = evidence_store.download_link(key, file_name, CONTENT_TYPE, DOWNLOAD_SECONDS, bucket=BUCKET)
    return {"request_id": request_id, "file_name": file_name, "available_until": isoformat(until), **link}
