"""Sending to a provider's JSON API (Meta's Graph API, the X API), and what a refusal says in the
provider's own words."""

from __future__ import annotations

import json
from typing import Any

import urllib3

TIMEOUT_S = 5.0

_http: Any = None


class DeliveryFailed(Exception):
    """The provider refused the message or could not be reached; the message says why."""


def post(url: str, token: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST `body` as JSON with the bearer `token`; the provider's JSON answer, or DeliveryFailed."""
    return send("POST", url, token, body)[1]


def send(method: str, url: str, token: str, body: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
    """`method` with `body` as JSON (if any) and the bearer `token`: the provider's status and
    JSON answer; DeliveryFailed when it refused (a 404 is an answer, for the caller to read) or
    could not be reached."""
    global _http
    if _http is None:
        _http = urllib3.PoolManager(timeout=urllib3.Timeout(total=TIMEOUT_S), retries=False)
    try:
        response = _http.request(method, url, body=None if body is None else json.dumps(body).encode(),
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    except urllib3.exceptions.HTTPError as error:
        raise DeliveryFailed(f"the provider could not be reached: {error}") from error
    try:
        answer = json.loads(response.data or b"{}")
    except ValueError:
        answer = {}
    if response.status >= 300 and not (method == "DELETE" and response.status == 404):
        raise DeliveryFailed(_reason(answer, response.status))
    return response.status, answer


def _reason(answer: dict[str, Any], status: int) -> str:
    """The provider's own words: Meta's {"error": {"message", "code", "error_data": {"details"}}},
    X's {"title", "detail"} or {"errors": [{"message"}]}."""
    if isinstance(answer.get("error"), dict):
        error = answer["error"]
        details = (error.get("error_data") or {}).get("details")
        return f"{error.get('message', 'refused')} (code {error.get('code')}){': ' + details if details else ''}"
    if answer.get("detail") or answer.get("title"):
        return f"{answer.get('title', 'refused')}: {answer.get('detail', '')}".rstrip(": ")
    if answer.get("errors"):
        return "; ".join(str(e.get("message")) for e in answer["errors"])
    return f"refused with HTTP {status}"
