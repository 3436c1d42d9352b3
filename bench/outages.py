"""Outage benchmark against an asynchronous local cloud (as `make run`): how soon an incident
reaches every customer it hits, and whether it reaches anyone else.

AFFECTED customers live in one postcode area with fibre; beside them, customers it must not
reach: NEXT_DOOR with fibre in the next area, MOBILE_ONLY in the area itself holding only mobile.
Operations report a fibre outage for that one area (through the layer, as the desk's route does);
once the cloud has settled, each customer's notice is read from what the notifier kept (the
`Notification` of their OutageStarted event: when it was sent, and on which channel).

outage_notice_ms: from the incident's report to each affected customer's notice sent; p50, p95
and the last. outage_misdirected: notices to customers outside its reach plus affected customers
not told."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.latency import percentile
from infra.local.runtime import Running
from opencounter.core.clock import isoformat
from opencounter.core.ids import stable_id
from opencounter.customers.service import hold_product, register_customer
from opencounter.notifications.records import Notification
from opencounter.outages.service import report

AFFECTED = 1000
NEXT_DOOR = 100
MOBILE_ONLY = 100
AREA = "9711"  # Groningen-centrum: no other population of the benchmarks lives there
SYSTEM = {"type": "system", "id": "bench"}
GOAL_P95_MS = 60_000
PRODUCTS = {"FIBRE-100": {"product_code": "FIBRE", "name": "Glasvezel", "kind": "internet", "plan": "Glasvezel 100"},
            "MOBILE-5GB": {"product_code": "MOBILE", "name": "Mobiel", "kind": "mobile", "plan": "Mobiel 5 GB"}}


def _customer(area: str, n: int, plan: str) -> str:
    customer_id = register_customer(
        {"given_name": "Bench", "family_name": f"Storing {n}", "birth_date": "1980-01-01",
         "email": f"outage-{uuid.uuid4().hex[:10]}@example.nl"},
        {"street": "Oude Ebbingestraat", "house_number": n + 1, "postcode": f"{area} {'AB' if n % 2 else 'XY'}",
         "city": "Groningen"}, actor=SYSTEM, channel="system")
    hold_product(customer_id, {**PRODUCTS[plan], "plan_code": plan, "catalogue_version": "bench",
                               "started_at": "2026-01-01", "monthly_fee_cents": 4500, "awaiting": None},
                 actor=SYSTEM, channel="system")
    return customer_id


def _notice(incident_id: str, customer_id: str) -> Notification | None:
    key = Notification.keys(customer_id, stable_id("outage", incident_id, "started", customer_id))
    return next(iter(Notification.query(key[0], Notification.SK == key[1], consistent_read=True)), None)


def run(running: Running, *, log: Callable[[str], None] = print) -> dict[str, Any]:
    started = time.monotonic()
    affected = [_customer(AREA, n, "FIBRE-100") for n in range(AFFECTED)]
    spared = [_customer(f"{int(AREA) + 1}", n, "FIBRE-100") for n in range(NEXT_DOOR)] + \
        [_customer(AREA, AFFECTED + n, "MOBILE-5GB") for n in range(MOBILE_ONLY)]
    running.cloud.settle(timeout=900)
    log(f"  {len(affected) + len(spared)} customers registered   ({time.monotonic() - started:.0f} s)")

    reported_at = datetime.now(UTC)
    incident = report({"product_kind": "internet", "area": {"from": AREA, "to": AREA},
                       "description": {"nl": "Glasvezelstoring.", "en": "Fibre outage."},
                       "started_at": isoformat(reported_at),
                       "expected_end": isoformat(reported_at + timedelta(hours=2))}, actor=SYSTEM)
    running.cloud.settle(timeout=900)
    waited = time.monotonic() - started
    notices = {c: _notice(incident["incident_id"], c) for c in affected + spared}
    delays = [(datetime.fromisoformat(n.sent_at) - reported_at).total_seconds() * 1000
              for c in affected if (n := notices[c]) is not None and n.channel != "none"]
    untold = sum(1 for c in affected if notices[c] is None or notices[c].channel == "none")
    wrongly = sum(1 for c in spared if notices[c] is not None)
    figures = {"p50": round(percentile(delays, 50)), "p95": round(percentile(delays, 95)),
               "max": round(max(delays)), "n": len(delays)} if delays else {"p50": None, "p95": None, "n": 0}
    log(f"  incident -> notice sent (ms): p50 {figures['p50']}  p95 {figures['p95']}  last {figures.get('max')}  "
        f"of {len(affected)} customers   goal p95 <= {GOAL_P95_MS}")
    log(f"  misdirected: {wrongly} told outside its reach, {untold} hit but not told   goal 0   ({waited:.0f} s)")
    return {"proactive": {"outage_notice_ms": figures, "outage_misdirected": wrongly + untold},
            "proactive_detail": {"outage": {"area": AREA, "affected": AFFECTED, "next_door": NEXT_DOOR,
                                            "mobile_only": MOBILE_ONLY, "told_outside": wrongly,
                                            "not_told": untold, "goals": {"outage_notice_ms_p95": GOAL_P95_MS,
                                                                          "outage_misdirected": 0}}}}


if __name__ == "__main__":
    from bench.run import alone

    raise SystemExit(alone(run))
