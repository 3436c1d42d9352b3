"""Evidence for a dispute: files the customer sends (a photo, a letter, a statement) while the
dispute is open, or with an appeal, for staff to weigh. A file goes straight from the browser to
the evidence bucket through a pre-signed upload that fixes its key, type and size; then it is
checked: its first bytes must be the type it claims to be. An accepted file is kept under
evidence/, a refused one deleted, and the customer is told why in words; FILES_KEPT_YEARS after
the decision the retention sweep deletes the files and their list (forget_files). Plain data in
and out; no HTTP here."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any, NoReturn

from pynamodb.exceptions import UpdateError

from opencounter.core.clock import isoformat, utcnow
from opencounter.core.errors import Conflict, InvalidInput, NotFound
from opencounter.core.outbox import Write, WriteConflict, commit
from opencounter.core.validation import validate_request
from opencounter.disputes.records import Dispute, DisputeEvidence, DisputeLookup
from opencounter.disputes.service import (
    OPEN,
    UPLOAD_SECONDS,
    appealable,
    evidence_view,
    find_dispute,
    let_go,
    load_dispute,
)
from opencounter.ports import evidence_store

#: the types a file may be, each with how its first bytes begin (PDF, JPEG, PNG)
SIGNATURES = {"application/pdf": b"%PDF-", "image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n"}
#: what a file may weigh (a phone's photo, a scanned letter)
MOST_BYTES = 10 * 1024 * 1024
#: files a round of the dispute takes (the first assessment, the appeal); a refused one does not count
FILES_PER_ROUND = 5
#: how long a download link works
DOWNLOAD_SECONDS = 300
#: refusals kept to show (the latest): they tell the customer what became of a file
REFUSALS_KEPT = 10
HEAD_BYTES = max(len(s) for s in SIGNATURES.values())


#: the sweep reads the disputes whose files are due this many at a time
SWEEP_PAGE = 100


def _key(place: str, customer_id: str, dispute_id: str, evidence_id: str) -> str:
    return f"{place}/{customer_id}/{dispute_id}/{evidence_id}"


def incoming_key(dispute: Dispute, evidence_id: str) -> str:
    """Where an upload lands, unchecked (the bucket expires what stays there a day)."""
    return _key("incoming", dispute.customer_id, dispute.dispute_id, evidence_id)


def kept_key(dispute: Dispute, evidence_id: str) -> str:
    """Where an accepted file is kept."""
    return _key("evidence", dispute.customer_id, dispute.dispute_id, evidence_id)


# ------------------------------------------------------------------ reading


def _record(dispute_id: str, customer_id: str) -> DisputeEvidence:
    try:
        return DisputeEvidence.get(*DisputeEvidence.keys(dispute_id), consistent_read=True)
    except DisputeEvidence.DoesNotExist:
        return DisputeEvidence(*DisputeEvidence.keys(dispute_id), customer_id=customer_id, files=[],
                               updated_at=isoformat(utcnow()))


def evidence_round(dispute: Dispute) -> int:
    """The round new evidence is for: the dispute's own while it is open, the appeal's while a
    rejection can still be appealed. A dispute decided for good takes none: Conflict."""
    if dispute.status in OPEN:
        return int(dispute.round)
    if appealable(dispute):
        return int(dispute.round) + 1
    raise Conflict(f"status: the dispute is {dispute.status.lower()} for good; it takes no more evidence",
                   field="status", reason="dispute_closed", status=dispute.status.lower())


def evidence_dispute(customer_id: str, dispute_id: str) -> Dispute:
    """The customer's own dispute, if it takes evidence now: NotFound for one that is not theirs,
    Conflict for one decided for good. Asked before anything of the request is read."""
    dispute = load_dispute(customer_id, dispute_id)
    evidence_round(dispute)
    return dispute


# ------------------------------------------------------------------ an upload


def ask_upload(dispute: Dispute, body: dict[str, Any]) -> dict[str, Any]:
    """A link to upload one file to the dispute: {"evidence", "upload": {"url", "fields",
    "expires_at"}}. The file's name, type (PDF, JPEG or PNG) and size are said first; S3 takes
    only that type and at most that size. At most FILES_PER_ROUND files a round count (accepted,
    or an upload under way)."""
    validate_request("evidence-upload", body)
    round_ = evidence_round(dispute)
    for _ in range(3):
        record = _record(dispute.dispute_id, dispute.customer_id)
        now = utcnow()
        files = [e for e in record.files if not let_go(e, now)]
        counted = [e for e in files if int(e["round"]) == round_ and e["status"] != "refused"]
        if len(counted) >= FILES_PER_ROUND:
            raise Conflict(f"evidence: this round of the dispute has {FILES_PER_ROUND} files already",
                           field="evidence", reason="evidence_limit_reached", most=FILES_PER_ROUND)
        evidence_id = "E-" + uuid.uuid4().hex[:12].upper()
        # signed before anything is written: a link that cannot be made leaves no entry behind
        upload = evidence_store.upload_form(incoming_key(dispute, evidence_id), body["content_type"],
                                            int(body["size_bytes"]), UPLOAD_SECONDS)
        entry = {"evidence_id": evidence_id, "name": body["file_name"].strip(), "content_type": body["content_type"],
                 "size_bytes": int(body["size_bytes"]), "round": round_, "status": "pending",
                 "asked_at": isoformat(now), "uploaded_at": None, "refusal": None}
        refused = [e for e in files if e["status"] == "refused"]
        record.files = [e for e in files if e["status"] != "refused" or e in refused[-REFUSALS_KEPT:]] + [entry]
        record.updated_at = isoformat(now)
        try:
            commit([Write(record, conflict="the dispute's evidence changed meanwhile")], [])
        except WriteConflict:
            continue  # another file asked for at the same moment: count again
        return {"evidence": evidence_view(entry), "upload": upload}
    raise Conflict("the dispute's evidence kept changing; try again", reason="busy_try_again")


def _refusal(entry: dict[str, Any], stored: evidence_store.Stored) -> str | None:
    """Why an uploaded file is not taken, or None: it is larger than said (or than any file may
    be), or it is not the type it claims to be, as its first bytes show."""
    if stored.size_bytes > min(int(entry["size_bytes"]), MOST_BYTES):
        return "evidence_too_large"
    if stored.content_type != entry["content_type"] or not stored.head.startswith(SIGNATURES[entry["content_type"]]):
        return "evidence_not_as_claimed"
    return None


def _refuse(entry: dict[str, Any]) -> NoReturn:
    """The refusal of a file, as the customer is told it: naming what was untrue of it."""
    if entry["refusal"] == "evidence_too_large":
        raise InvalidInput(f"size_bytes: the file is larger than the {int(entry['size_bytes'])} bytes said",
                            field="size_bytes", reason="evidence_too_large", evidence_id=entry["evidence_id"])
    raise InvalidInput(f"content_type: the file is not the {entry['content_type']} it claims to be",
                        field="content_type", reason="evidence_not_as_claimed", evidence_id=entry["evidence_id"],
                        name=entry["name"])


def check_upload(customer_id: str, dispute_id: str, evidence_id: str) -> dict[str, Any]:
    """The file uploaded for an entry, checked: accepted (kept under evidence/, listed with the
    dispute) or refused (deleted, the entry says why, and the answer is a 400 naming what was
    untrue). Checking again answers the same."""
    dispute = load_dispute(customer_id, dispute_id)
    entry = _entry(_record(dispute_id, customer_id), evidence_id)
    if entry["status"] == "refused":
        _refuse(entry)
    if entry["status"] == "accepted":
        return evidence_view(entry)
    incoming = incoming_key(dispute, evidence_id)
    stored = evidence_store.stored(incoming, HEAD_BYTES)
    if stored is None:
        raise Conflict("file: nothing was uploaded for this evidence", field="file", reason="evidence_not_received")
    refusal = _refusal(entry, stored)
    if refusal is None:
        evidence_store.keep(incoming, kept_key(dispute, evidence_id))
    else:
        evidence_store.discard(incoming)
    verdict = {"status": "refused", "refusal": refusal} if refusal else \
        {"status": "accepted", "uploaded_at": isoformat(utcnow()), "size_bytes": stored.size_bytes}
    entry = _settle(dispute, evidence_id, verdict)
    if entry["status"] == "refused":
        _refuse(entry)
    return evidence_view(entry)


def _entry(record: DisputeEvidence, evidence_id: str) -> dict[str, Any]:
    entry = next((e for e in record.files if e["evidence_id"] == evidence_id), None)
    if entry is None:
        raise NotFound("no such evidence on this dispute", reason="evidence_not_found")
    return entry


def _settle(dispute: Dispute, evidence_id: str, verdict: dict[str, Any]) -> dict[str, Any]:
    """Store what the check found; a file asked for meanwhile changed the list: read it again."""
    for _ in range(3):
        record = _record(dispute.dispute_id, dispute.customer_id)
        entry = _entry(record, evidence_id)
        if entry["status"] != "pending":
            return entry  # checked at the same moment by another request
        entry.update(verdict)
        record.updated_at = isoformat(utcnow())
        try:
            commit([Write(record, conflict="the dispute's evidence changed meanwhile")], [])
        except WriteConflict:
            continue
        return entry
    raise Conflict("the dispute's evidence kept changing; try again", reason="busy_try_again")


# ------------------------------------------------------------------ a download


def _link(dispute: Dispute, evidence_id: str) -> dict[str, Any]:
    try:
        record = DisputeEvidence.get(*DisputeEvidence.keys(dispute.dispute_id))
    except DisputeEvidence.DoesNotExist:
        raise NotFound("no such evidence on this dispute", reason="evidence_not_found") from None
    entry = _entry(record, evidence_id)
    if entry["status"] != "accepted":
        raise Conflict(f"status: the file is {entry['status']}; only an accepted file can be downloaded",
                       field="status", reason="evidence_not_accepted", status=entry["status"])
    return {"evidence": evidence_view(entry), **evidence_store.download_link(
        kept_key(dispute, evidence_id), entry["name"], entry["content_type"], DOWNLOAD_SECONDS)}


def customer_evidence_link(customer_id: str, dispute_id: str, evidence_id: str) -> dict[str, Any]:
    """A short-lived link to download a file the customer sent: {"evidence", "url", "expires_at"}."""
    return _link(load_dispute(customer_id, dispute_id), evidence_id)


def staff_evidence_link(dispute_id: str, evidence_id: str) -> dict[str, Any]:
    """A short-lived link for staff to download a file of a dispute: {"evidence", "url", "expires_at",
    "customer_id"} (whose it is: the read is on record for them)."""
    dispute = find_dispute(dispute_id)
    return {**_link(dispute, evidence_id), "customer_id": dispute.customer_id}


# ------------------------------------------------------------------ forgotten


def files_due(today: date) -> Iterator[DisputeLookup]:
    """The decided disputes whose evidence files are due to go by `today` (their look-ups, on
    GSI1 under FILES_DUE by that day), earliest first, page by page."""
    return DisputeLookup.lookup.query(DisputeLookup.FILES_DUE,
                                      DisputeLookup.GSI1SK < (today + timedelta(days=1)).isoformat(),
                                      page_size=SWEEP_PAGE)


def forget_files(lookup: DisputeLookup) -> str:
    """Delete a decided dispute's evidence files from the store and its list of them, then take
    the dispute off the sweep's index: "forgotten". A dispute open again (appealed after the index
    was read) keeps them: "open". Each step may run again (a sweep that died halfway is run again
    the next day): deleting what is gone already changes nothing, and the index entry goes last."""
    dispute_id = lookup.PK.removeprefix("DISPUTE#")
    try:
        dispute = Dispute.get(*Dispute.keys(lookup.customer_id, dispute_id), consistent_read=True)
    except Dispute.DoesNotExist:
        dispute = None  # forgotten already, or erased with the customer: the files go too
    if dispute is not None and dispute.files_due() is None:
        return "open"
    try:
        record = DisputeEvidence.get(*DisputeEvidence.keys(dispute_id), consistent_read=True)
    except DisputeEvidence.DoesNotExist:
        record = None
    for entry in record.files if record is not None else []:
        for key in (_key("evidence", lookup.customer_id, dispute_id, entry["evidence_id"]),
                    _key("incoming", lookup.customer_id, dispute_id, entry["evidence_id"])):
            evidence_store.discard(key)
    if record is not None:
        record.delete()
    try:
        lookup.update(actions=[DisputeLookup.GSI1PK.remove(), DisputeLookup.GSI1SK.remove()],
                      condition=DisputeLookup.GSI1SK == lookup.GSI1SK)
    except UpdateError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise  # (a failed condition: decided again meanwhile, with a later day for its files)
    return "forgotten"
