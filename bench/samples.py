"""Representative requests for the benchmarks, built the way the local cloud builds them: API
events by the gateway itself (REST proxy v1, claims from the token issuer), an EventBridge event
for the timeline writer and a DynamoDB stream record for the outbox publisher."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Any

from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from infra.local.runtime import Running
from infra.local.template import ACCOUNT

CUSTOMER_EMAIL = "sanne@example.nl"
AGENT_EMAIL = "agent@opencounter.example"
PASSWORD = "demo"


class Users:
    """The demo customer (sanne) and the demo agent, signed in."""

    def __init__(self, running: Running) -> None:
        self.customer_token = running.issuer.sign_in(CUSTOMER_EMAIL, PASSWORD)["IdToken"]
        self.agent_token = running.issuer.sign_in(AGENT_EMAIL, PASSWORD)["IdToken"]
        claims = running.issuer.authorize(self.customer_token)
        self.customer_id = claims["custom:customer_id"]


def api_event(running: Running, method: str, path: str, token: str, query: dict[str, str] | None = None,
              body: bytes = b"") -> tuple[str, dict[str, Any]]:
    """(function logical id, proxy event) exactly as the gateway would invoke it for this request."""
    request = Request(EnvironBuilder(path=path, method=method, base_url=running.url, query_string=query,
                                     headers={"Authorization": token}, data=body).get_environ())
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


def eventbridge_event(running: Running, customer_id: str) -> dict[str, Any]:
    """What the bus hands the timeline writer for a CustomerUpdated event."""
    from opencounter.validation import validate_event

    detail = customer_updated_detail(customer_id)
    validate_event("CustomerUpdated", detail)
    return {
        "version": "0", "id": str(uuid.uuid4()), "detail-type": "CustomerUpdated", "source": "opencounter",
        "account": ACCOUNT, "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": running.cloud.region, "resources": [], "detail": detail,
    }


def stream_event(running: Running, customer_id: str) -> dict[str, Any]:
    """A DynamoDB stream batch with one INSERT of an OutboxEvent item (NewImage as DynamoDB JSON,
    serialised by the OutboxEvent model itself)."""
    from opencounter.outbox import DomainEvent, OutboxEvent
    from opencounter.validation import validate_event

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
    from infra.local.demo import demo_id
    from opencounter.customers.service import customer_record

    daan = demo_id("daan")
    move = customer_record(daan)["upcoming_moves"][0]
    return {"customer_id": daan, "move_id": move["move_id"], "effective_from": move["effective_from"]}
