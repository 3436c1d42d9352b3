"""Representative requests for the benchmarks, built the way the local cloud builds them: API
events by the gateway itself (REST proxy v1, claims from the token issuer), EventBridge events
(timeline writer, verification start, customer notifier), a DynamoDB stream record for the outbox
publisher, an SQS batch for the usage intake, Stripe webhooks signed as Stripe signs them, and the
verification and billing workflows' task inputs."""

from __future__ import annotations

import hashlib
import json
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import requests
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from infra.local.demo import CUSTOMERS, DEMO_PASSWORD, demo_id
from infra.local.patches import as_delivered
from infra.local.runtime import STRIPE, Running
from infra.local.sandbox.stripe.wire import API_VERSION, signature_header
from infra.local.template import ACCOUNT
from opencounter.billing.records import BillingPage
from opencounter.billing.run import OUTCOMES
from opencounter.core.clock import business_today
from opencounter.core.outbox import DomainEvent, OutboxEvent, domain_event
from opencounter.core.validation import validate_event
from opencounter.customers.timeline import TimelineEntry
from opencounter.customers.views import customer_record
from opencounter.notifications.records import Notification
from opencounter.pricing.rating import Period

CUSTOMER_EMAIL = "sanne@example.nl"
AGENT_EMAIL = "agent@opencounter.example"
PASSWORD = DEMO_PASSWORD


class Users:
    """The demo customer (sanne) and the demo agent, signed in; `invoice_id` is one of sanne's
    invoices (the demo bills her previous two months), the first `GET /me/invoices` lists."""
    def __init__(self, running: Running) -> None:
        self.customer_token = running.issuer.sign_in(CUSTOMER_EMAIL, PASSWORD)["IdToken"]
        self.agent_token = running.issuer.sign_in(AGENT_EMAIL, PASSWORD)["IdToken"]
        claims = running.issuer.authorize(self.customer_token)
        self.customer_id = claims["custom:customer_id"]
        response = requests.get(f"{running.url}/me/invoices", headers={"Authorization": self.customer_token},
                                timeout=30)
        response.raise_for_status()
        items = response.json()["items"]
        if not items:
            raise RuntimeError(f"the demo customer {CUSTOMER_EMAIL} has no invoices")
        self.invoice_id: str = items[0]["invoice_id"]
        self.invoice_total_cents: int = items[0]["total_cents"]


def api_event(running: Running, method: str, path: str, token: str | None, query: dict[str, str] | None = None,
              body: bytes = b"", headers: dict[str, str] | None = None) -> tuple[str, dict[str, Any]]:
    """(function logical id, proxy event) exactly as the gateway would invoke it for this request;
    `token` None for a public route."""
    sent = {**({"Authorization": token} if token else {}), **(headers or {})}
    request = Request(EnvironBuilder(path=path, method=method, base_url=running.url, query_string=query,
                                     headers=sent, data=body).get_environ())
    route, path_parameters = running.gateway.map.bind_to_environ(request.environ).match(request.path, method=method)
    claims = running.issuer.authorize(token) if route.authorized else None
    return route.function, running.gateway.proxy_event(request, route, path_parameters, body, claims)


def customer_updated_detail(customer_id: str) -> dict[str, Any]:
    """A CustomerUpdated event detail (events/CustomerUpdated.schema.json) with a new event id."""
    return {
        "event_id": str(uuid.uuid4()),
        "occurred_at": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "customer_id": customer_id,
        "actor": {"type": "customer", "id": customer_id},
        "channel": "web",
        "data": {"changes": [{"field": "preferred_channel", "from": "email", "to": "app"}]},
    }


def rule_event(running: Running, source: str, detail_type: str, detail: dict[str, Any],
               resources: list[str] | None = None) -> dict[str, Any]:
    """What a rule hands its target for an event put on a bus, as the local cloud delivers it."""
    return as_delivered({"Source": source, "DetailType": detail_type, "Detail": json.dumps(detail),
                         "Resources": resources or []}, account=ACCOUNT, region=running.cloud.region)


def scheduled_event(running: Running) -> dict[str, Any]:
    """What EventBridge Scheduler hands a function its schedule runs."""
    return rule_event(running, "aws.scheduler", "Scheduled Event", {})


def eventbridge_event(running: Running, customer_id: str) -> dict[str, Any]:
    """What the bus hands the timeline writer for a CustomerUpdated event."""
    detail = customer_updated_detail(customer_id)
    validate_event("CustomerUpdated", detail)
    return rule_event(running, "opencounter", "CustomerUpdated", detail)


def stream_event(running: Running, customer_id: str) -> dict[str, Any]:
    """A DynamoDB stream batch with one INSERT of an OutboxEvent item (NewImage as DynamoDB JSON,
    serialised by the OutboxEvent model itself)."""
    detail = customer_updated_detail(customer_id)
    validate_event("CustomerUpdated", detail)
    image = OutboxEvent.of(DomainEvent("CustomerUpdated", detail)).serialize()
    stream_arn = running.cloud.resolver.attributes[("Table", "StreamArn")]
    return {"Records": [{
        "eventID": uuid.uuid4().hex, "eventName": "INSERT", "eventVersion": "1.1", "eventSource": "aws:dynamodb",
        "awsRegion": running.cloud.region,
        "dynamodb": {
            "ApproximateCreationDateTime": int(time.time()),
            "Keys": {"PK": image["PK"], "SK": image["SK"]},
            "NewImage": image,
            "SequenceNumber": str(time.time_ns()),
            "SizeBytes": 512,
            "StreamViewType": "NEW_AND_OLD_IMAGES",
        },
        "eventSourceARN": stream_arn,
    }]}


def move_completion_task() -> dict[str, Any]:
    """What the move-house flow hands its task on the move date: the demo customer daan's upcoming move."""
    daan = demo_id("daan")
    move = customer_record(daan)["upcoming_moves"][0]
    return {"customer_id": daan, "move_id": move["move_id"], "effective_from": move["effective_from"]}


def identity_webhook(session: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    """(body, headers) of the Stripe event identity.verification_session.verified for `session`
    (the stand-in's session object, metadata naming the sign-up), signed now with the endpoint
    secret the local cloud gives the webhook function."""
    event = {"id": f"evt_bench{uuid.uuid4().hex[:16]}", "object": "event", "api_version": API_VERSION,
             "created": int(time.time()), "livemode": False, "pending_webhooks": 1,
             "type": "identity.verification_session.verified", "data": {"object": dict(session)},
             "request": {"id": None, "idempotency_key": None}}
    payload = json.dumps(event).encode()
    return payload, {"Content-Type": "application/json; charset=utf-8", "User-Agent": "Stripe/1.0",
                     "Stripe-Signature": signature_header(payload, STRIPE["identity_webhook_secret"])}


def signup_activated_event(running: Running, signup: dict[str, Any]) -> dict[str, Any]:
    """What the bus hands the verification start for the SignupActivated event of an active
    sign-up (`signup`: the sign response), with a new event id (valid per its schema)."""
    event = domain_event("SignupActivated", customer_id=signup["customer_id"], signup_id=signup["signup_id"],
                         actor={"type": "system", "id": "sign-up"}, channel=signup.get("channel") or "web",
                         data={"product_id": signup["product_id"], "email": signup["applicant"]["email"]})
    validate_event(event.detail_type, event.detail)
    return rule_event(running, event.source, event.detail_type, event.detail)


def passed_checks() -> list[dict[str, Any]]:
    """The Checks state's result when every deep check passed (what Decide is handed)."""
    return [{"check": check, "passed": True, "reason": None} for check in ("document", "sanctions", "address")]


def failed_checks() -> list[dict[str, Any]]:
    """The Checks state's result for a `+pep` applicant (what RollBack is handed)."""
    return [{"check": "document", "passed": True, "reason": None},
            {"check": "sanctions", "passed": False,
             "reason": "listed as a politically exposed person; needs enhanced due diligence"},
            {"check": "address", "passed": True, "reason": None}]


# ------------------------------------------------------------------ billing and payments


def _signed(event: dict[str, Any], secret: str) -> tuple[bytes, dict[str, str]]:
    """(body, headers) of a webhook delivery of `event`, signed now with `secret`."""
    payload = json.dumps(event).encode()
    return payload, {"Content-Type": "application/json; charset=utf-8", "User-Agent": "Stripe/1.0",
                     "Stripe-Signature": signature_header(payload, secret)}


def charge_succeeded_webhook(customer_id: str, invoice_id: str, amount_cents: int) -> tuple[bytes, dict[str, str]]:
    """(body, headers) of a Stripe `charge.succeeded` event about a card payment of one of the
    customer's invoices, signed now with the payments endpoint's secret. The payments webhook acts
    on `payment_intent.*` events (and refunds and disputes); a charge's success it receives and
    ignores (the intent's own event carries it)."""
    now = int(time.time())
    charge_id, intent_id, method_id = (f"{prefix}_bench{uuid.uuid4().hex[:20]}" for prefix in ("ch", "pi", "pm"))
    charge = {
        "id": charge_id, "object": "charge", "amount": amount_cents, "amount_captured": amount_cents,
        "amount_refunded": 0, "balance_transaction": None, "captured": True, "created": now, "currency": "eur",
        "description": f"Invoice {invoice_id}", "disputed": False, "failure_code": None, "failure_message": None,
        "livemode": False, "metadata": {"customer_id": customer_id, "invoice_id": invoice_id}, "paid": True,
        "payment_intent": intent_id, "payment_method": method_id,
        "payment_method_details": {"type": "card", "card": {"brand": "visa", "last4": "4242"}},
        "receipt_email": None, "refunded": False, "status": "succeeded",
        "refunds": {"object": "list", "data": [], "has_more": False, "total_count": 0,
                    "url": f"/v1/charges/{charge_id}/refunds"},
    }
    event = {"id": f"evt_bench{uuid.uuid4().hex[:16]}", "object": "event", "api_version": API_VERSION,
             "created": now, "livemode": False, "pending_webhooks": 1, "type": "charge.succeeded",
             "data": {"object": charge}, "request": {"id": None, "idempotency_key": None}}
    return _signed(event, STRIPE["payments_webhook_secret"])


def demo_usage_record(customer_key: str = "sanne", plan_code: str = "MOBILE-20GB", unit: str = "data_mb",
                      months_back: int = 1) -> dict[str, Any]:
    """A usage record exactly as the demo data sent it (its record id, quantity and time): a
    duplicate for the usage intake, which stores nothing for it."""
    customer = next(c for c in CUSTOMERS if c["key"] == customer_key)
    period = Period.of(business_today())
    for _ in range(months_back):
        period = period.previous()
    return {"record_id": demo_id(f"{customer_key}/{plan_code}/{period}/{unit}"),
            "customer_id": demo_id(customer_key), "product_id": demo_id(f"{customer_key}/{plan_code}"),
            "unit": unit, "quantity": customer["monthly_usage"][plan_code][unit],
            "occurred_at": f"{period.first_day.isoformat()}T12:00:00Z"}


def sqs_event(running: Running, queue: str, *bodies: dict[str, Any]) -> dict[str, Any]:
    """An SQS batch as Lambda's poller hands it over (the local cloud's own record shape)."""
    queue_arn = running.cloud.resolver.get_att(queue, "Arn")
    records = []
    for body in bodies:
        text = json.dumps(body)
        records.append({"messageId": str(uuid.uuid4()), "receiptHandle": uuid.uuid4().hex, "body": text,
                        "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": str(int(time.time() * 1000)),
                                       "SenderId": ACCOUNT, "ApproximateFirstReceiveTimestamp":
                                       str(int(time.time() * 1000))},
                        "messageAttributes": {}, "md5OfBody": hashlib.md5(text.encode()).hexdigest(),  # noqa: S324
                        "eventSource": "aws:sqs", "eventSourceARN": queue_arn, "awsRegion": running.cloud.region})
    return {"Records": records}


def notified_invoice_event(running: Running, customer_id: str) -> dict[str, Any]:
    """What the bus hands the customer notifier for the customer's latest InvoiceIssued event,
    rebuilt from the timeline entry it left (same event id, valid per its schema). The customer
    was told about it already, so the notifier sends nothing: `already_sent`."""
    entries = [e for e in TimelineEntry.query(TimelineEntry.partition(customer_id)) if e.event_type == "InvoiceIssued"]
    if not entries:
        raise RuntimeError(f"customer {customer_id} has no InvoiceIssued event on the timeline")
    entry = entries[-1]
    partition, sort_key = Notification.keys(customer_id, entry.event_id)
    if not list(Notification.query(partition, Notification.SK == sort_key)):
        raise RuntimeError(f"InvoiceIssued {entry.event_id} was never notified")
    detail = {"event_id": entry.event_id, "occurred_at": entry.occurred_at, "customer_id": customer_id,
              "actor": entry.actor, "channel": entry.channel, "data": entry.data}
    validate_event("InvoiceIssued", detail)
    return rule_event(running, "opencounter", "InvoiceIssued", detail)


def billed_billing_page(period: str) -> dict[str, Any]:
    """A page of a billing run (a message of the billing queue) that was billed and sent on
    already: stored so once, so the slice function, given it again, recognises it and sends
    nothing on (one GetItem)."""
    run = "bench-cold-start"
    BillingPage(*BillingPage.keys(run, 0, 0), counts=dict.fromkeys(OUTCOMES, 0), billed_cents=0,
                cursor=json.dumps({"GSI1PK": {"S": "BILLING#0"}}), next_sent=True).save()
    return {"run": run, "period": period, "catalogue_version": "bench", "slices_per_shard": 1, "slice": 0, "page": 0,
            "cursor": None, "skip": None, "counts": dict.fromkeys(OUTCOMES, 0), "billed_cents": 0}


def at_once(calls: list[Callable[[], requests.Response]]) -> list[Any]:
    """Every call from a thread of its own, released together by a barrier; the answers in order
    (a request that failed outright: its exception)."""
    start = threading.Barrier(len(calls))
    answers: list[Any] = [None] * len(calls)

    def run(n: int) -> None:
        start.wait()
        try:
            answers[n] = calls[n]()
        except requests.RequestException as error:
            answers[n] = error

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers
