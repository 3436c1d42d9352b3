"""A scripted applicant: drives a sign-up through the public API over HTTP, as a customer on the
web shop would, answering the human steps at once: the identity check is completed through the
Stripe stand-in and the signing code is read from the local mailbox. A product that needs a
visit or a delivery is applied for with the first window free at the applicant's postcode, and
signed with the next free one should that fill meanwhile. The tests and the
benchmarks both sign up this way, against a synchronous or an asynchronous local cloud (there
the identity webhook arrives on a background thread, so the applicant waits for VALIDATED)."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import requests

HTTP_TIMEOUT_S = 30
VALIDATED_TIMEOUT_S = 10.0
POLL_S = 0.005
#: how often a window taken by someone else first is swapped for the next free one
WINDOW_TRIES = 5


def application(**changes: Any) -> dict[str, Any]:
    """A clean application for a mobile plan, with a fresh e-mail address. `changes` set or (with
    the value KeyError) remove fields by path, e.g. applicant__address__postcode="0000 AA"."""
    body: dict[str, Any] = {
        "applicant": {"given_name": "Eva", "family_name": "Bakker", "birth_date": "1992-05-17",
                      "email": f"eva-{uuid.uuid4().hex[:10]}@example.nl", "phone": "+31612340000",
                      "monthly_income_cents": 320000,
                      "address": {"street": "Kerkstraat", "house_number": 5, "postcode": "1017gb",
                                  "city": "Amsterdam"}},
        "product_code": "MOBILE", "plan_code": "MOBILE-20GB", "privacy_statement_accepted": True,
        "consents": [{"channel": "email", "purpose": "service", "granted": True}],
    }
    for path, value in changes.items():
        target = body
        *parents, leaf = path.split("__")
        for key in parents:
            target = target[key]
        if value is KeyError:
            del target[leaf]
        else:
            target[leaf] = value
    return body


def free_windows(get: Callable[[str], requests.Response], body: dict[str, Any]) -> list[str]:
    """The starts of the windows free at the applicant's postcode for what the application's
    product needs (none when it needs no visit or delivery, or none can be planned there), soonest
    first; `get` asks the API for a path."""
    products = get("/products").json()["items"]
    product = next((p for p in products if p["code"] == body["product_code"]), None)
    kind = ((product or {}).get("fulfilment") or {}).get("kind")
    if kind is None:
        return []
    slots = get("/appointments/slots?" + urlencode({"postcode": body["applicant"]["address"]["postcode"],
                                                    "kind": kind}))
    if slots.status_code != 200:
        return []  # a postcode we do not serve: the application is refused for it
    return [w["start"] for d in slots.json()["days"] for w in d["slots"]]


def with_window(get: Callable[[str], requests.Response], body: dict[str, Any]) -> dict[str, Any]:
    """The application with the first window free for its product, where it needs one."""
    free = free_windows(get, body)
    return {**body, "slot": free[0]} if free else body


class ScriptedApplicant:
    """One sign-up. The step methods return the HTTP response; `activate` runs the whole path and
    raises when a step does not answer as it should."""

    def __init__(self, running: Any, body: dict[str, Any], session: requests.Session | None = None, *,
                 pick_window: bool = True) -> None:
        self.running = running
        self.body = body
        #: choose the first free window for a product that needs one (False: the body says)
        self.pick_window = pick_window
        self.email = body["applicant"]["email"]
        self.session = session or requests.Session()
        self.signup: dict[str, Any] = {}
        self.identity_session = ""

    @property
    def headers(self) -> dict[str, str]:
        return {"Resume-Code": self.signup["resume_code"]}

    @property
    def path(self) -> str:
        return f"/signups/{self.signup['signup_id']}"

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.session.request(method, self.running.url + path, timeout=HTTP_TIMEOUT_S, **kwargs)

    def apply(self) -> requests.Response:
        if self.pick_window and "slot" not in self.body:
            self.body = with_window(lambda path: self.call("GET", path), self.body)
        for _ in range(WINDOW_TRIES):
            response = self.call("POST", "/signups", json=self.body)
            if not self._another_window(response, self.body):
                break
        if response.status_code == 201:
            self.signup = response.json()
        return response

    def _another_window(self, response: requests.Response, body: dict[str, Any]) -> bool:
        """Whether the window was taken (or the day plan busy) and `body` now asks for the next free one."""
        if not self.pick_window or response.status_code != 409:
            return False
        refused = response.json()
        if refused.get("reason") == "busy_try_again":
            return True
        if refused.get("reason") != "slot_taken" or not refused["params"]["next_free"]:
            return False
        body["slot"] = refused["params"]["next_free"][0]["start"]
        return True

    def identify(self, outcome: str | None = "verified") -> requests.Response:
        """Open the identity check and finish it at once; Stripe (the stand-in) sends the webhook."""
        started = self.call("POST", f"{self.path}/identification", headers=self.headers)
        if started.status_code == 201:
            self.identity_session = started.json()["identification"]["session_id"]
            self.running.stripe.complete_identity(self.identity_session, outcome)
        return started

    def status(self) -> dict[str, Any]:
        return self.call("GET", self.path, headers=self.headers).json()

    def wait_for(self, status: str, timeout_s: float = VALIDATED_TIMEOUT_S, poll_s: float = POLL_S) -> dict:
        deadline = time.monotonic() + timeout_s
        while (current := self.status())["status"] != status:
            if time.monotonic() > deadline:
                raise RuntimeError(f"sign-up {self.signup['signup_id']} still {current['status']} after "
                                   f"{timeout_s:.0f} s, expected {status}")
            time.sleep(poll_s)
        return current

    def request_code(self) -> requests.Response:
        return self.call("POST", f"{self.path}/signature-code", headers=self.headers)

    def last_code(self) -> str:
        codes = [m for m in self.running.cloud.mailbox(self.email) if m["subject"] == "Your signing code"]
        found = re.search(r"is (\d{6})", codes[-1]["body"]) if codes else None
        if found is None:
            raise RuntimeError(f"no signing code in the mailbox of {self.email}")
        return found.group(1)

    def sign(self, code: str | None = None, **changes: Any) -> requests.Response:
        terms = self.call("GET", "/terms").json()
        body = {"code": code or self.last_code(), "terms_version": terms["version"],
                "terms_sha256": terms["sha256"], "accept_terms": True, **changes}
        for _ in range(WINDOW_TRIES):
            response = self.call("POST", f"{self.path}/signature", headers=self.headers, json=body)
            if not self._another_window(response, body):
                break
        return response

    def activate(self, marks: list[tuple[str, float]] | None = None) -> dict[str, Any]:
        """Apply, identify, wait for VALIDATED, ask for the code, sign: the sign response. With
        `marks`, the time (perf_counter) after each step is appended to it."""
        marks = [] if marks is None else marks
        marks.append(("start", time.perf_counter()))
        steps = (("apply", self.apply, 201), ("identification", self.identify, 201),
                 ("webhook_to_validated", lambda: self.wait_for("VALIDATED"), None),
                 ("signing_code", self.request_code, 201), ("sign_and_provision", self.sign, 200))
        for name, step, expected in steps:
            response = step()
            if expected is not None and response.status_code != expected:
                raise RuntimeError(f"{name}: expected {expected}, got {response.status_code}: {response.text[:300]}")
            marks.append((name, time.perf_counter()))
        signed = response.json()
        if signed["status"] != "ACTIVE":
            raise RuntimeError(f"signed, but the sign-up is {signed['status']}, not ACTIVE")
        return {**signed, "resume_code": self.signup["resume_code"]}
