"""The load's virtual users, for locust (run by bench/load.py in a process of its own: locust
patches the standard library with gevent, which the local cloud must never see).

Customers, each signed in as a prepared customer (some as one that another user is too: a second
device of the same person, acting at the same time), read and change their record (the
profile and timeline, preferences and consents, a move), read their invoices and usage, pay an
invoice at Stripe's test checkout (the stand-in's page, as a person pays) until it reads paid, ask
in the portal (a chat, a call-back or another channel, a service request), plan a visit in a
free window (what a product waits for, or the engineer to repair the line) or move one planned,
and write in on every
channel: WhatsApp, Messenger and X deliveries signed as those providers sign them (a few messages
typed one after the other arrive at the same moment, each in a delivery of its own), e-mail through
SES's receipt rule and calls through Amazon Connect (the local cloud's sandbox senders).
Applicants sign up on the web shop from application to an active product. The customers first
share one round of every kind of flow between them (each its own part of it: so every kind is
made early, however few they are), then each picks flows at random by their weight.

Every answer is recorded (route template, status, milliseconds, the flow it belongs to) and
written as JSON when locust quits, to the file the configuration names (OPENCOUNTER_LOAD_CONFIG).
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import gevent
from locust import HttpUser, between, events, task

from infra.local.applicant import application, with_window
from infra.local.sandbox.channels import ChannelSandbox

CONFIG: dict[str, Any] = json.loads(Path(os.environ["OPENCOUNTER_LOAD_CONFIG"]).read_text())
SANDBOX = ChannelSandbox(CONFIG["host"], CONFIG["secrets"])
#: each kind of a customer's flow (a method of Customer), by how often it is picked after the first round
WEIGHTS: dict[str, int] = CONFIG["weights"]
#: every answer, and every flow with whether it ran to its end
RECORDS: list[dict[str, Any]] = []
FLOWS: list[dict[str, Any]] = []
MOMENTS: dict[str, float] = {}
#: a payment is followed until the invoice reads paid, a sign-up until its identity check passed
POLL_S = 0.2
PAID_WITHIN_S = 15.0
VALIDATED_WITHIN_S = 20.0
#: how often a window others took first is swapped for the next free one
WINDOW_TRIES = 5
#: of the visits flows that find a visit planned, the share that moves it (bench/pricing.py VISITS_MOVED)
MOVED_SHARE = 0.25
QUESTIONS = ("Mijn internet valt elke avond weg", "Waarom is mijn factuur hoger dan vorige maand?",
             "Ik wil mijn abonnement aanpassen", "Hoe zeg ik mijn contract op?", "Mijn bundel is op")


def typed() -> list[str]:
    """One to three messages a person types one after the other."""
    return random.sample(QUESTIONS, random.randint(1, 3))


class FlowFailed(Exception):
    """An answer the flow could not go on after: recorded, and the flow ends there."""


def _reason(response: Any) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("reason") if isinstance(body, dict) else None


class Visitor(HttpUser):
    """What customers and applicants share: calls that record their answer."""

    abstract = True
    wait_time = between(*CONFIG["wait_s"])

    def call(self, kind: str, method: str, path: str, name: str | None = None, expect: tuple[int, ...] = (200,),
             tolerate: tuple[int, ...] = (), **kwargs: Any) -> Any:
        """One request; an answer neither expected nor tolerated (a stale version, say, which
        the flow handles) ends the flow."""
        name = name or f"{method} {path}"
        started, began = time.time(), time.perf_counter()
        with self.client.request(method, path, name=name, catch_response=True, **kwargs) as response:
            ms = (time.perf_counter() - began) * 1000
            status = response.status_code or 0
            reason = _reason(response) if status >= 400 else None
            if status in expect:
                outcome = "ok"
            elif status in tolerate and reason != "busy_try_again":
                outcome = "tolerated"
            elif status >= 500:
                outcome = "server_error"
            elif status == 409 and reason == "busy_try_again":
                outcome = "busy"
            else:
                outcome = "unexpected"
            if outcome in ("ok", "tolerated"):
                response.success()
            else:
                response.failure(f"{status} {reason or ''}".strip())
        record = {"kind": kind, "name": name, "status": status, "ms": round(ms, 2), "at": started,
                  "outcome": outcome}
        if outcome not in ("ok", "tolerated"):
            record["reason"], record["body"] = reason, (response.text or "")[:400]
        RECORDS.append(record)
        if outcome not in ("ok", "tolerated"):
            raise FlowFailed(f"{name}: {status} {reason or ''}")
        return response

    def flow(self, kind: str, steps: Any) -> None:
        """Run one flow of `kind` and note whether it ran to its end."""
        try:
            steps(kind)
        except FlowFailed as stop:
            FLOWS.append({"kind": kind, "done": False, "why": str(stop)})
        except Exception as error:  # an answer of another shape than the flow reads: a finding too
            FLOWS.append({"kind": kind, "done": False, "why": f"{type(error).__name__}: {error}"})
        else:
            FLOWS.append({"kind": kind, "done": True})


class Customer(Visitor):
    """A customer, signed in, doing what customers do; some customers are two users at once (a
    second device: the app and the portal, say)."""

    _numbers = itertools.count()

    def on_start(self) -> None:
        number = next(self._numbers)
        customers = CONFIG["customers"]
        self.me: dict[str, Any] = customers[number % len(customers)]
        self.client.headers["Authorization"] = self.me["token"]
        self.open_invoices: list[str] = list(self.me["invoices"])
        self.moves = 0
        # first, this user's share of one round of every kind, so that together the customers make
        # every kind early however few they are (with many, each makes one); then by weight
        kinds, users = list(WEIGHTS), max(1, CONFIG["customer_users"])
        start = number * len(kinds) // users % len(kinds)
        self.round = (kinds[start:] + kinds[:start])[:-(-len(kinds) // users)]

    @task
    def next_flow(self) -> None:
        kind = self.round.pop(0) if self.round else random.choices(list(WEIGHTS), list(WEIGHTS.values()))[0]
        if kind == "invoice_payment" and not self.open_invoices:
            kind = "invoices_read"  # everything paid: what is left is looking
        self.flow(kind, getattr(self, kind))

    # ------------------------------------------------------------ the record

    def profile_read(self, kind: str) -> None:
        self.call(kind, "GET", "/me")
        self.call(kind, "GET", "/me/timeline")

    def preferences_change(self, kind: str) -> None:
        for _ in range(3):  # a stale version (409 record_changed: the other device) is read again, as the portal does
            record = self.call(kind, "GET", "/me").json()
            body = {"version": record["version"],
                    "settings": {"paperless_invoices": not record["settings"].get("paperless_invoices", False),
                                 "preferred_channel": random.choice(("email", "chat", "whatsapp", "app")),
                                 "language": random.choice(("nl", "en"))},
                    "consents": [{"channel": random.choice(("email", "sms")), "purpose": "marketing",
                                  "granted": random.random() < 0.5}]}
            if self.call(kind, "PATCH", "/me", json=body, tolerate=(409,)).status_code == 200:
                return
        raise FlowFailed("PATCH /me: the record kept changing")

    def address_change(self, kind: str) -> None:
        self.moves += 1
        moving = date.today() + timedelta(days=30 + self.moves % 5)
        body = {"street": random.choice(("Lange Nieuwstraat", "Oudegracht", "Biltstraat")),
                "house_number": 1 + self.moves % 90, "postcode": "3511 AX", "city": "Utrecht",
                "move_date": moving.isoformat()}
        self.call(kind, "POST", "/me/moves", json=body, expect=(201,))

    # ------------------------------------------------------------ money

    def invoices_read(self, kind: str) -> None:
        items = self.call(kind, "GET", "/me/invoices").json()["items"]
        if items:
            self.call(kind, "GET", f"/me/invoices/{random.choice(items)['invoice_id']}",
                      name="GET /me/invoices/{invoice_id}")

    def usage_read(self, kind: str) -> None:
        period = datetime.now(UTC).strftime("%Y-%m")
        self.call(kind, "GET", f"/me/usage?period={period}", name="GET /me/usage")

    def invoice_payment(self, kind: str) -> None:
        """Pay by card at the checkout page the payment names; then read the invoice until paid
        (the provider's webhook has arrived)."""
        invoice = self.open_invoices[0]
        started = self.call(kind, "POST", f"/me/invoices/{invoice}/payments", expect=(201,), tolerate=(409,),
                            name="POST /me/invoices/{invoice_id}/payments", json={"method": "card"})
        if started.status_code == 409:  # nothing due: paid from the customer's other device
            self.open_invoices.pop(0)
            return
        checkout = urlsplit(started.json()["checkout_url"])
        # 409: the other device paid this same payment a moment ago
        self.call(kind, "POST", f"{checkout.path}/submit?{checkout.query}", tolerate=(409,),
                  name="POST /sandbox/stripe/pay/{payment_id}/submit", data={"method": "card", "outcome": "approve"})
        deadline = time.monotonic() + PAID_WITHIN_S
        while self.call(kind, "GET", f"/me/invoices/{invoice}", name="GET /me/invoices/{invoice_id}").json()[
                "status"] != "paid":
            if time.monotonic() > deadline:
                raise FlowFailed(f"invoice {invoice} not paid {PAID_WITHIN_S:.0f} s after paying")
            time.sleep(POLL_S)
        self.open_invoices.pop(0)

    # ------------------------------------------------------------ asking in the portal

    def portal_chat(self, kind: str) -> None:
        self.call(kind, "GET", "/channels")
        contact = self.call(kind, "POST", "/me/contacts", expect=(201,),
                            json={"question": random.choice(QUESTIONS)}).json()["contact"]["contact_id"]
        self.call(kind, "POST", f"/me/contacts/{contact}/choice", name="POST /me/contacts/{contact_id}/choice",
                  json={"choice": "chat"})
        self.call(kind, "POST", f"/me/contacts/{contact}/messages", name="POST /me/contacts/{contact_id}/messages",
                  expect=(201,), json={"text": "Het gebeurt vooral na acht uur 's avonds."})
        self.call(kind, "GET", f"/me/contacts/{contact}", name="GET /me/contacts/{contact_id}")
        self.call(kind, "GET", "/me/contacts")

    def portal_contact(self, kind: str) -> None:
        """A question answered by self-service (then scored), or a call-back, an e-mail or a
        WhatsApp conversation chosen."""
        self.call(kind, "GET", "/faq")
        contact = self.call(kind, "POST", "/me/contacts", expect=(201,),
                            json={"question": random.choice(QUESTIONS)}).json()["contact"]["contact_id"]
        choice = random.choice(("self_service", "phone", "email", "whatsapp"))
        self.call(kind, "POST", f"/me/contacts/{contact}/choice", name="POST /me/contacts/{contact_id}/choice",
                  json={"choice": choice})
        if choice == "self_service":
            self.call(kind, "POST", f"/me/contacts/{contact}/feedback", name="POST /me/contacts/{contact_id}/feedback",
                      json={"score": random.randint(6, 10)})

    def service_request(self, kind: str) -> None:
        started = self.call(kind, "POST", "/me/requests", expect=(201,), json={
            "kind": random.choice(("repair", "question", "change")), "subject": "Storing aan mijn aansluiting",
            "text": "Sinds gisteren heb ik geen verbinding meer."}).json()
        request = started["request_id"]
        read = self.call(kind, "GET", f"/me/requests/{request}", name="GET /me/requests/{request_id}").json()
        self.call(kind, "POST", f"/me/requests/{request}/steps", name="POST /me/requests/{request_id}/steps",
                  json={"text": "Het modem knippert oranje.", "version": read["version"]})
        self.call(kind, "GET", "/me/requests")

    # ------------------------------------------------------------ visits

    def appointments_read(self, kind: str) -> dict[str, Any]:
        """The visits page: the record (for the postcode) and the customer's appointments."""
        self.call(kind, "GET", "/me")
        return dict(self.call(kind, "GET", "/me/appointments").json())

    def _free_windows(self, kind: str, visit: str) -> list[str]:
        """The page's window picker: a fortnight of free windows, then the next (its "later days")."""
        query = {"postcode": self.me["postcode"], "kind": visit}
        first = self.call(kind, "GET", "/appointments/slots", params=query).json()
        later = (date.fromisoformat(first["days"][-1]["date"]) + timedelta(days=1)).isoformat()
        second = self.call(kind, "GET", "/appointments/slots", params={**query, "from": later}).json()
        return [slot["start"] for day in second["days"] for slot in day["slots"]]

    def appointment(self, kind: str) -> None:
        """Plan a visit in a free window, with an Idempotency-Key: what a product waits for (the fibre
        line's engineer, the SIM card's courier) or, with nothing waiting, the engineer for a repair of
        the line; or move a visit planned to another window (a quarter of the times one is planned, as
        customers move about one visit in four; always once nothing is left to plan); then the page
        again. A window another customer took a moment before (409 slot_taken) is tried once more
        with the first of the next free ones it names; the other device planning or moving the same
        visit at the same moment is a 409 too."""
        page = self.appointments_read(kind)
        planned = [a for a in page["items"] if a["status"] == "planned"]
        if planned and (not page["to_plan"] or random.random() < MOVED_SHARE):
            visit = planned[0]
            slot = random.choice([s for s in self._free_windows(kind, visit["kind"]) if s != visit["window"]["start"]])
            self.call(kind, "PATCH", f"/me/appointments/{visit['appointment_id']}", tolerate=(409,),
                      name="PATCH /me/appointments/{appointment_id}", json={"slot": slot, "version": visit["version"]})
        else:
            waiting = page["to_plan"][0] if page["to_plan"] else None
            asked = {"kind": waiting["kind"], "product_id": waiting["product_id"]} if waiting else {
                "kind": "engineer_visit"}
            slot = random.choice(self._free_windows(kind, asked["kind"]))
            for _ in range(2):
                answer = self.call(kind, "POST", "/me/appointments", expect=(201,), tolerate=(409,),
                                   json={**asked, "slot": slot}, headers={"Idempotency-Key": uuid.uuid4().hex})
                offered = answer.json().get("params", {}).get("next_free") if answer.status_code == 409 else None
                if not offered or _reason(answer) != "slot_taken":
                    break
                slot = offered[0]["start"]
        self.call(kind, "GET", "/me/appointments")

    # ------------------------------------------------------------ writing in on a channel

    def burst(self, kind: str, path: str, deliveries: list[tuple[bytes, dict[str, str]]]) -> None:
        """A few messages typed one after the other: each its own delivery, all at the same moment."""
        sent = [gevent.spawn(self.call, kind, "POST", path, data=body, headers=headers) for body, headers in deliveries]
        gevent.joinall(sent, raise_error=True)

    def whatsapp(self, kind: str) -> None:
        self.burst(kind, "/webhooks/whatsapp", [
            SANDBOX.meta_delivery(SANDBOX.whatsapp_payload(self.me["phone"], text, name=self.me["name"]))
            for text in typed()])

    def messenger(self, kind: str) -> None:
        self.burst(kind, "/webhooks/messenger", [
            SANDBOX.meta_delivery(SANDBOX.messenger_payload(self.me["psid"], text)) for text in typed()])

    def x(self, kind: str) -> None:
        self.burst(kind, "/webhooks/x", [
            SANDBOX.x_delivery(SANDBOX.x_dm_payload(self.me["x_user_id"], text, name=self.me["name"]))
            for text in typed()])

    def email(self, kind: str) -> None:
        self.call(kind, "POST", "/sandbox/channels/email", json={
            "from": f"{self.me['name']} <{self.me['email']}>", "subject": "Vraag over mijn factuur",
            "text": random.choice(QUESTIONS)})

    def phone_call(self, kind: str) -> None:
        """A call announced by the contact flow, answered by an agent (most) or hung up while
        waiting, then ended: Connect's contact events."""
        contact = self.call(kind, "POST", "/sandbox/channels/phone", json={"from": self.me["phone"]}).json()[
            "contact_id"]
        time.sleep(random.uniform(0.1, 0.5))
        if random.random() < 0.7:
            self.call(kind, "POST", "/sandbox/channels/phone/answered", json={"contact_id": contact})
            time.sleep(random.uniform(0.1, 0.5))
        self.call(kind, "POST", "/sandbox/channels/phone/ended", json={"contact_id": contact})


def _next_window(answer: Any, body: dict[str, Any]) -> bool:
    """Whether the window asked for was taken meanwhile, and `body` now asks for the next free one."""
    if answer.status_code != 409 or _reason(answer) != "slot_taken":
        return False
    offered = answer.json()["params"]["next_free"]
    if offered:
        body["slot"] = offered[0]["start"]
    return bool(offered)


class Applicant(Visitor):
    """Someone signing up on the web shop: the plans and terms, apply, the identity check at
    Stripe's page, the signing code from their mailbox, sign: the product is active."""

    fixed_count = CONFIG["applicant_users"]

    @task
    def next_flow(self) -> None:
        self.flow("signup", self.signup)

    def signup(self, kind: str) -> None:
        self.call(kind, "GET", "/products")
        terms = self.call(kind, "GET", "/terms").json()
        key = uuid.uuid4().hex
        body = application(applicant__email=f"load-signup-{key[:12]}@example.nl",
                           applicant__phone=f"+3162{random.randrange(10 ** 7):07d}")
        # the courier's window, the first free one at the postcode, chosen with the product
        body = with_window(lambda path: self.call(kind, "GET", path, name=f"GET {path.split('?')[0]}"), body)
        for _ in range(WINDOW_TRIES):  # a window others took meanwhile: the next free one
            applied = self.call(kind, "POST", "/signups", expect=(201,), tolerate=(409,), json=body,
                                headers={"Idempotency-Key": key})
            if not _next_window(applied, body):
                break
            key = uuid.uuid4().hex  # another application: another key
        if applied.status_code != 201:
            raise FlowFailed(f"POST /signups: {applied.status_code} {_reason(applied)}")
        signup = applied.json()
        path, code = f"/signups/{signup['signup_id']}", {"Resume-Code": signup["resume_code"]}
        started = self.call(kind, "POST", f"{path}/identification", name="POST /signups/{signup_id}/identification",
                            expect=(201,), headers=code).json()
        page = urlsplit(started["identification"]["url"]).path
        self.call(kind, "POST", f"{page}/submit", name="POST /sandbox/stripe/identity/{session_id}/submit",
                  data={"outcome": "verified"})
        deadline = time.monotonic() + VALIDATED_WITHIN_S
        while self.call(kind, "GET", path, name="GET /signups/{signup_id}", headers=code).json()[
                "status"] != "VALIDATED":
            if time.monotonic() > deadline:
                raise FlowFailed(f"sign-up {signup['signup_id']} not validated within {VALIDATED_WITHIN_S:.0f} s")
            time.sleep(POLL_S)
        self.call(kind, "POST", f"{path}/signature-code", name="POST /signups/{signup_id}/signature-code",
                  expect=(201,), headers=code)
        mails = self.call(kind, "GET", "/local/mailbox", params={"to": body["applicant"]["email"]}).json()["messages"]
        found = [re.search(r"is (\d{6})", m["body"]) for m in mails if m["subject"] == "Your signing code"]
        if not found or found[-1] is None:
            raise FlowFailed(f"no signing code in the mailbox of {body['applicant']['email']}")
        signature = {"code": found[-1].group(1), "terms_version": terms["version"],
                     "terms_sha256": terms["sha256"], "accept_terms": True}
        for _ in range(WINDOW_TRIES):
            answer = self.call(kind, "POST", f"{path}/signature", name="POST /signups/{signup_id}/signature",
                               headers=code, tolerate=(409,), json=signature)
            if not _next_window(answer, signature):
                break
        if answer.status_code != 200:
            raise FlowFailed(f"POST /signups/{{signup_id}}/signature: {answer.status_code} {_reason(answer)}")
        signed = answer.json()
        if signed["status"] != "ACTIVE":
            raise FlowFailed(f"signed, but the sign-up is {signed['status']}")


@events.test_start.add_listener
def _started(**_: Any) -> None:
    MOMENTS["started"] = time.time()


@events.test_stop.add_listener
def _stopped(**_: Any) -> None:
    MOMENTS["stopped"] = time.time()


@events.quitting.add_listener
def _write(**_: Any) -> None:
    Path(CONFIG["output"]).write_text(json.dumps({"records": RECORDS, "flows": FLOWS, **MOMENTS}))
