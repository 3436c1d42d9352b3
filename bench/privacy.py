"""Privacy benchmarks against a local cloud.

Erasure (GDPR art. 17), `personal_data_left_after_erasure`: `CUSTOMERS` customers each live a whole
life with us (infra/local/lifetime.py: signed up with an identity check at Stripe and a login, a
visit done, two products used, cancelled and billed, a WhatsApp message and an e-mail with their
IBAN, a request, a dispute with an evidence file decided by staff, everything paid), then ask to
be erased and the erasure workflow runs. Afterwards every store we keep or ask to forget is read
whole (infra/local/leftovers.py: the table, every bucket, the user pool, the workflows' histories,
the Stripe and field service stand-ins, and the functions' logs captured while it all ran) for
each erased customer's name, e-mail, phone, street and IBAN: the figure is how often any of them is
found anywhere; goal 0. The detail adds what reached the customers themselves through the
providers (theirs, not ours to erase), the erasures' receipts and how long they took.

`python -m bench.privacy` runs it on a synchronous local cloud of its own and merges its keys into
bench/results.json (under "privacy", keeping every other key); `make bench` runs it after the
appointments (bench/run.py)."""

from __future__ import annotations

import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from infra.local.leftovers import captured_logs, delivered, places
from infra.local.lifetime import Lifetime, Person

CUSTOMERS = 10
RESULTS = Path(__file__).with_name("results.json")
GOAL = 0


def _erase(running: Any, person: Person) -> tuple[str, float]:
    """The person asks to be erased in the portal's way; the request id and the seconds until done."""
    from infra.local.tokens import User
    from opencounter.privacy.requests import load

    customer = Lifetime(running, person)
    customer.token = running.issuer.id_token(User(person.email, "pw", ("customers",), person.customer_id))
    started = time.monotonic()
    answer = customer.call("POST", "/me/data-requests/erasure", 202, json={"confirm": True})
    request_id = answer["request"]["request_id"]
    while load(person.customer_id, request_id).status not in ("DONE", "REFUSED"):
        running.cloud.settle()
        if time.monotonic() - started > 60:
            raise RuntimeError(f"erasure {request_id} not done after 60 s")
    return request_id, time.monotonic() - started


def erasure_figures(running: Any, *, customers: int = CUSTOMERS,
                    log: Callable[[str], None] = print) -> tuple[dict[str, Any], dict[str, Any]]:
    """({"personal_data_left_after_erasure": n}, detail) for `customers` whole lives erased."""
    from opencounter.privacy.erasure import erased

    since = datetime.now(UTC)
    people: list[Person] = []
    seconds: list[float] = []
    requests: list[str] = []
    with captured_logs() as logs:
        for n in range(customers):
            people.append(Lifetime(running).live())
            log(f"  lived {n + 1}/{customers}")
        for person in people:
            request_id, took = _erase(running, person)
            requests.append(request_id)
            seconds.append(took)
    texts = [(where, text.lower()) for where, text in places(running, since, logs)]
    left: list[str] = []
    reached: list[str] = []
    for person in people:
        needles = {what: needle.lower() for what, needle in person.needles().items()}
        left += [f"{where} ({what})" for where, text in texts for what, needle in needles.items() if needle in text]
        reached += delivered(running, person.needles())
    receipts = [erased(p.customer_id) for p in people]
    detail = {
        "customers": customers, "goal": GOAL, "left": left[:50],
        "stores_read": sorted({where.split(":")[0] for where, _ in texts}),
        "log_lines_read": len(logs),
        "receipts": sum(r is not None for r in receipts),
        "erased_per_customer": receipts[0]["erased"] if receipts and receipts[0] else None,
        "kept_per_customer": receipts[0]["kept"] if receipts and receipts[0] else None,
        "delivered_to_the_customers_through_providers": sorted({hit.split(" (")[0] for hit in reached}),
        "erasure_seconds_median": round(statistics.median(seconds), 2) if seconds else None,
        "erasure_seconds_max": round(max(seconds), 2) if seconds else None,
    }
    log(f"  personal data left after erasure: {len(left)} (goal {GOAL}); receipts {detail['receipts']}/{customers}")
    return {"personal_data_left_after_erasure": len(left)}, detail


def add_erasure(results: dict[str, Any], running: Any, *, log: Callable[[str], None] = print) -> None:
    """The erasure figures merged into results["privacy"] and results["privacy_detail"]["erasure"],
    leaving the other privacy figures as they are."""
    figures, detail = erasure_figures(running, log=log)
    results.setdefault("privacy", {}).update(figures)
    results.setdefault("privacy_detail", {})["erasure"] = detail


def main() -> int:
    from infra.local import runtime

    started = time.monotonic()
    running = runtime.start(synchronous=True, demo=True, environment={
        "POWERTOOLS_METRICS_DISABLED": "true", "POWERTOOLS_TRACE_DISABLED": "true", "POWERTOOLS_LOG_LEVEL": "WARNING"})
    try:
        results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        add_erasure(results, running)
    finally:
        running.stop()
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"privacy: {results['privacy']} in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
