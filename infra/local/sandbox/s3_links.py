"""S3's pre-signed links, for the local cloud: the in-memory S3 lives inside this process, so a
browser cannot reach it. The functions sign their links for this address instead
(EVIDENCE_UPLOAD_BASE, path-style: <prefix>/<bucket>[/<key>]), and it answers them as S3 does:

- POST <prefix>/<bucket>, multipart/form-data (a browser-based upload): the policy's signature
  (Signature Version 4, with the credentials the functions sign with), its expiration and every
  condition (exact fields, eq, starts-with, content-length-range) are checked, and every field of
  the form must be one the policy names; then the file is put in the in-memory S3. Answers as S3:
  204 (or success_action_status), 403 AccessDenied / SignatureDoesNotMatch, 400 EntityTooLarge.
- GET <prefix>/<bucket>/<key>?X-Amz-...: a pre-signed GET, its signature and expiry checked;
  the object, with the response-content-type and response-content-disposition asked for.

moto's own server takes a POST upload without checking its policy, so it cannot stand in for S3
here: what a customer's browser sends is exactly what S3 would refuse or take."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import escape

from werkzeug.wrappers import Request, Response

ALGORITHM = "AWS4-HMAC-SHA256"
#: a POST larger than this is refused before it is read (S3's own limit is 5 GB)
MOST_POST_BYTES = 64 * 1024 * 1024
#: form fields the policy need not name (S3's rule)
UNSIGNED_FIELDS = ("policy", "x-amz-signature", "file")


class Refused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def signing_key(secret: str, day: str, region: str, service: str = "s3") -> bytes:
    """Signature Version 4's key of a day, region and service."""
    key = f"AWS4{secret}".encode()
    for part in (day, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


class S3Links:
    PREFIX = "/sandbox/s3"

    def __init__(self, s3: Any, credentials: Callable[[], dict[str, tuple[str, str | None]]], region: str,
                 clock: Callable[[], float] = time.time) -> None:
        """`s3`: a client of the in-memory S3; `credentials()`: access key id -> (secret key,
        session token) of those who may sign links now; `clock`: now, as a Unix time."""
        self.s3 = s3
        self.credentials = credentials
        self.region = region
        self.clock = clock

    def handle(self, request: Request) -> Response:
        bucket, _, key = request.path.removeprefix(self.PREFIX).lstrip("/").partition("/")
        try:
            if request.method == "POST" and bucket and not key:
                return self._upload(request, bucket)
            if request.method == "GET" and bucket and key:
                return self._download(request, bucket, key)
            raise Refused(405, "MethodNotAllowed", "The specified method is not allowed against this resource.")
        except Refused as refusal:
            return _error(refusal)

    # ------------------------------------------------------------ browser-based uploads

    def _upload(self, request: Request, bucket: str) -> Response:
        if (request.content_length or 0) > MOST_POST_BYTES:
            raise Refused(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size")
        if not request.mimetype.startswith("multipart/form-data"):
            raise Refused(412, "PreconditionFailed", "Bucket POST must be of the enclosure-type multipart/form-data")
        fields = {name.lower(): (name, value) for name, value in request.form.items()}
        upload = request.files.get("file")
        if upload is None:
            raise Refused(400, "InvalidArgument", "POST requires exactly one file upload per request.")
        content = upload.read()
        values = {name: value for name, (_, value) in fields.items()}
        policy = self._signed_policy(values)
        key = values.get("key", "").replace("${filename}", upload.filename or "")
        if not key:
            raise Refused(400, "InvalidArgument", "Bucket POST must contain a field named 'key'.")
        self._meets(policy, {**values, "bucket": bucket, "key": key}, len(content))
        named = {_condition_field(c) for c in policy.get("conditions", [])}
        extra = [original for name, (original, _) in fields.items()
                 if name not in UNSIGNED_FIELDS and not name.startswith("x-ignore-") and name not in named]
        if extra:
            raise Refused(403, "AccessDenied", f"Invalid according to Policy: Extra input fields: {extra[0]}")
        try:
            written = self.s3.put_object(Bucket=bucket, Key=key, Body=content,
                                         ContentType=values.get("content-type", "binary/octet-stream"))
        except self.s3.exceptions.NoSuchBucket:
            raise Refused(404, "NoSuchBucket", "The specified bucket does not exist") from None
        status = int(values.get("success_action_status", "204")) \
            if values.get("success_action_status") in ("200", "201", "204") else 204
        location = f"{request.host_url.rstrip('/')}{self.PREFIX}/{bucket}/{quote(key)}"
        return Response(b"" if status != 201 else _xml("PostResponse", Location=location, Bucket=bucket, Key=key,
                                                        ETag=written["ETag"]),
                        status=status, headers={"ETag": written["ETag"], "Location": location})

    def _signed_policy(self, values: dict[str, str]) -> dict[str, Any]:
        """The policy of the form, if its signature is one of ours and it has not expired."""
        encoded = values.get("policy")
        if not encoded:  # an anonymous upload: the bucket is private
            raise Refused(403, "AccessDenied", "Access Denied")
        if values.get("x-amz-algorithm") != ALGORITHM:
            raise Refused(400, "InvalidArgument", "Only AWS4-HMAC-SHA256 is supported for x-amz-algorithm")
        signature = self._signature(values.get("x-amz-credential", ""), values.get("x-amz-security-token"),
                                    encoded)
        if not hmac.compare_digest(signature, values.get("x-amz-signature", "")):
            raise Refused(403, "SignatureDoesNotMatch",
                          "The request signature we calculated does not match the signature you provided.")
        try:
            policy = json.loads(base64.b64decode(encoded, validate=True))
            expires = datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
        except (ValueError, KeyError, TypeError):
            raise Refused(400, "InvalidPolicyDocument", "Invalid Policy: Invalid JSON.") from None
        if expires.timestamp() <= self.clock():
            raise Refused(403, "AccessDenied", "Invalid according to Policy: Policy expired.")
        return policy

    def _signature(self, credential: str, token: str | None, string_to_sign: str) -> str:
        """What one of our signers' key makes of `string_to_sign`, under the credential's scope."""
        access_key, _, scope = credential.partition("/")
        day, region, service, terminal = (scope.split("/") + ["", "", "", ""])[:4]
        signers = self.credentials()
        if access_key not in signers:
            raise Refused(403, "InvalidAccessKeyId",
                          "The AWS Access Key Id you provided does not exist in our records.")
        secret, session_token = signers[access_key]
        if session_token is not None and token != session_token:
            raise Refused(400, "InvalidToken", "The provided token is malformed or otherwise invalid.")
        if region != self.region or service != "s3" or terminal != "aws4_request":
            raise Refused(400, "AuthorizationQueryParametersError", f"Error parsing the X-Amz-Credential: {credential}")
        return hmac.new(signing_key(secret, day, region), string_to_sign.encode(), hashlib.sha256).hexdigest()

    @staticmethod
    def _meets(policy: dict[str, Any], values: dict[str, str], size: int) -> None:
        """Every condition of the policy holds for the form's fields and the file's size."""
        for condition in policy.get("conditions", []):
            if isinstance(condition, dict):
                held = all(values.get(name.lower()) == str(value) for name, value in condition.items())
            elif isinstance(condition, list) and condition and condition[0] == "content-length-range":
                low, high = int(condition[1]), int(condition[2])
                if size > high:
                    raise Refused(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size")
                if size < low:
                    raise Refused(400, "EntityTooSmall",
                                  "Your proposed upload is smaller than the minimum allowed size")
                held = True
            elif isinstance(condition, list) and len(condition) == 3 and condition[0] in ("eq", "starts-with"):
                value = values.get(str(condition[1]).lstrip("$").lower())
                held = value is not None and (value == condition[2] if condition[0] == "eq"
                                              else value.startswith(str(condition[2])))
            else:
                raise Refused(400, "InvalidPolicyDocument", f"Invalid Policy: Invalid Condition: {condition}")
            if not held:
                raise Refused(403, "AccessDenied",
                              f"Invalid according to Policy: Policy Condition failed: {json.dumps(condition)}")

    # ------------------------------------------------------------ pre-signed downloads

    def _download(self, request: Request, bucket: str, key: str) -> Response:
        params = request.args
        needed = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders",
                  "X-Amz-Signature")
        if any(name not in params for name in needed):  # an anonymous read: the bucket is private
            raise Refused(403, "AccessDenied", "Access Denied")
        if params["X-Amz-Algorithm"] != ALGORITHM:
            raise Refused(400, "AuthorizationQueryParametersError",
                          "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"")
        try:
            signed_at = datetime.strptime(params["X-Amz-Date"], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).timestamp()
            lasts = int(params["X-Amz-Expires"])
        except ValueError:
            raise Refused(400, "AuthorizationQueryParametersError",
                          "X-Amz-Date or X-Amz-Expires is malformed") from None
        signed = params["X-Amz-SignedHeaders"].split(";")
        query = "&".join(sorted(f"{_encode(name)}={_encode(value)}" for name, values in params.lists()
                                for value in values if name != "X-Amz-Signature"))
        headers = "".join(f"{name}:{' '.join(str(request.headers.get(name, '')).split())}\n" for name in signed)
        canonical = "\n".join([request.method, quote(request.path, safe="/-_.~"), query, headers,
                               ";".join(signed), "UNSIGNED-PAYLOAD"])
        scope = params["X-Amz-Credential"].partition("/")[2]
        to_sign = "\n".join([ALGORITHM, params["X-Amz-Date"], scope, hashlib.sha256(canonical.encode()).hexdigest()])
        signature = self._signature(params["X-Amz-Credential"], params.get("X-Amz-Security-Token"), to_sign)
        if not hmac.compare_digest(signature, params["X-Amz-Signature"]):
            raise Refused(403, "SignatureDoesNotMatch",
                          "The request signature we calculated does not match the signature you provided.")
        if signed_at + lasts <= self.clock():
            raise Refused(403, "AccessDenied", "Request has expired")
        try:
            found = self.s3.get_object(Bucket=bucket, Key=key)
        except self.s3.exceptions.NoSuchKey:
            raise Refused(404, "NoSuchKey", "The specified key does not exist.") from None
        except self.s3.exceptions.NoSuchBucket:
            raise Refused(404, "NoSuchBucket", "The specified bucket does not exist") from None
        headers_out = {"ETag": found["ETag"]}
        if "response-content-disposition" in params:
            headers_out["Content-Disposition"] = params["response-content-disposition"]
        return Response(found["Body"].read(), status=200, headers=headers_out,
                        content_type=params.get("response-content-type") or found.get("ContentType"))


def _condition_field(condition: Any) -> str | None:
    """The form field a policy condition is about (lower case), if any."""
    if isinstance(condition, dict) and len(condition) == 1:
        return next(iter(condition)).lower()
    if isinstance(condition, list) and len(condition) == 3 and condition[0] in ("eq", "starts-with"):
        return str(condition[1]).lstrip("$").lower()
    return None


def _encode(text: str) -> str:
    """Signature Version 4's URI encoding: everything but unreserved characters."""
    return quote(text, safe="-_.~")


def _xml(root: str, **values: str) -> bytes:
    inner = "".join(f"<{name}>{escape(value)}</{name}>" for name, value in values.items())
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<{root}>{inner}</{root}>'.encode()


def _error(refusal: Refused) -> Response:
    return Response(_xml("Error", Code=refusal.code, Message=refusal.message), status=refusal.status,
                    content_type="application/xml")
