"""Files kept in the private buckets: disputes' evidence (EVIDENCE_BUCKET) and customers' copies
of their data (EXPORTS_BUCKET). Files never pass through an API function: the customer's browser
uploads evidence straight to S3 with a pre-signed POST whose policy fixes the key, the content type
and the size; staff and the customer download with a short-lived pre-signed GET. A function only
reads a file's first bytes (to see what it really is, or that it is still there), copies an accepted
file out of `incoming/`, deletes what is refused, and puts a copy of a customer's data it made.

Every function takes the setting that names its bucket (`bucket`, the evidence bucket when left
out); a function not given that setting refuses (MissingSetting), it never guesses a bucket.

The links point at S3's regional address in AWS (EVIDENCE_UPLOAD_BASE empty); the local cloud
points them at its stand-in, which checks a policy and a signature as S3 does, whichever bucket
they name. A stand-in's address refuses to work in production."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import IO, Any
from urllib.parse import quote

from botocore.config import Config

from opencounter.core.aws import aws_client
from opencounter.core.clock import isoformat, utcnow
from opencounter.core.settings import settings
from opencounter.core.table import connection

_links: dict[str, Any] = {}
_lock = threading.Lock()


@dataclass(frozen=True)
class Stored:
    """What is stored under a key: its first bytes, its size and the type it was uploaded as."""

    head: bytes
    size_bytes: int
    content_type: str


#: the setting naming the bucket of disputes' evidence, the one these functions use unless told another
EVIDENCE = "evidence_bucket"


def _bucket(setting: str = EVIDENCE) -> str:
    return settings().required(setting)


def _link_client() -> Any:
    """The client that signs links (it sends nothing): S3's regional address, virtual-hosted (a
    bucket's global address answers a new bucket's browser uploads with a redirect), or the
    local cloud's stand-in, path-style."""
    base = settings().evidence_upload_base
    if base:
        settings().sandbox(f"evidence links to {base}")
    with _lock:
        if base not in _links:

            region = settings().region
            _links[base] = connection().session.create_client(
                "s3", region_name=region, endpoint_url=base or f"https://s3.{region}.amazonaws.com",
                config=Config(signature_version="s3v4", s3={"addressing_style": "path" if base else "virtual"}))
        return _links[base]


def upload_form(key: str, content_type: str, most_bytes: int, seconds: int) -> dict[str, Any]:
    """A pre-signed POST that lets a browser put one file at `key`, of exactly `content_type` and
    1 to `most_bytes` bytes, for `seconds`: {"url", "fields", "expires_at"}. The form's fields go
    first, the file last (as field `file`)."""
    expires = utcnow() + timedelta(seconds=seconds)
    form = _link_client().generate_presigned_post(
        _bucket(), key, Fields={"Content-Type": content_type},
        Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, most_bytes]], ExpiresIn=seconds)
    return {"url": form["url"], "fields": form["fields"], "expires_at": isoformat(expires)}


def download_link(key: str, file_name: str, content_type: str, seconds: int, *,
                  bucket: str = EVIDENCE) -> dict[str, Any]:
    """A pre-signed GET of the file at `key`, for `seconds`, saved under `file_name`: {"url", "expires_at"}."""
    expires = utcnow() + timedelta(seconds=seconds)
    url = _link_client().generate_presigned_url("get_object", ExpiresIn=seconds, Params={
        "Bucket": _bucket(bucket), "Key": key, "ResponseContentType": content_type,
        "ResponseContentDisposition": attachment(file_name)})
    return {"url": url, "expires_at": isoformat(expires)}


def attachment(file_name: str) -> str:
    """A Content-Disposition that saves the file under its own name: plain ASCII for every
    browser, the name itself (RFC 6266, UTF-8 percent-encoded) for those that read it."""
    plain = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in file_name)
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(file_name, safe='')}"


def stored(key: str, first_bytes: int, *, bucket: str = EVIDENCE) -> Stored | None:
    """The first `first_bytes` of the file at `key`, its size and type; None when nothing is
    there. The function may list where it looks (`incoming/`, `exports/`), so S3 answers a missing
    key there with NoSuchKey; AccessDenied is a refusal (a policy wrong), raised as one, never read
    as "not there"."""
    s3 = aws_client("s3")
    try:
        answer = s3.get_object(Bucket=_bucket(bucket), Key=key, Range=f"bytes=0-{first_bytes - 1}")
    except s3.exceptions.NoSuchKey:
        return None
    except s3.exceptions.ClientError as error:
        if error.response.get("Error", {}).get("Code") == "404":
            return None
        raise
    head = answer["Body"].read()
    total = str(answer.get("ContentRange", "")).rpartition("/")[2]
    return Stored(head, int(total) if total.isdigit() else int(answer["ContentLength"]),
                  answer.get("ContentType", ""))


def keep(source: str, target: str) -> None:
    """Move the file at `source` to `target` (a copy in S3, then the source deleted)."""
    s3 = aws_client("s3")
    try:
        s3.copy_object(Bucket=_bucket(), Key=target, CopySource={"Bucket": _bucket(), "Key": source},
                       MetadataDirective="COPY")
    except s3.exceptions.NoSuchKey:
        return  # moved by a check of the same file at the same moment
    s3.delete_object(Bucket=_bucket(), Key=source)


def discard(key: str) -> None:
    """Delete the file at `key` (nothing there is fine)."""
    aws_client("s3").delete_object(Bucket=_bucket(), Key=key)


def put(key: str, body: IO[bytes], content_type: str, *, bucket: str = EVIDENCE) -> None:
    """Put the file `body` (open, read from its start; a file on disk, so a large one is sent as
    it is read, never held in memory) at `key`, replacing what was there: putting the same key
    again leaves one file."""
    aws_client("s3").put_object(Bucket=_bucket(bucket), Key=key, Body=body, ContentType=content_type)
