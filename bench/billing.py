"""Billing benchmarks against the first (synchronous) local cloud: does the monthly run bill every
product at the cheapest plan of its tariff group, and does the run's time per customer and its
workflow's history stay the same as the number of customers grows.

Tariffs: a seeded population (`random.Random(SEED)`) of customers holding one or two plans of the
catalogue since before the months billed, with random usage per month sent through the usage
queue as the network would, is billed by the real workflow (`BillingRunStateMachine`, started as
the schedule would start it, with the month as input) together with whoever else the cloud holds
(the demo customers). Every invoice of the month is then checked against an amount the bench
works out itself from catalogue/products.json with plain integer arithmetic.

Size: two more populations, the larger five times the smaller (`SCALE_POPULATIONS`, cut to the
time budget), written straight into the table as sign-up and the usage intake leave them, each
billed by a run: the time per 1000 customers of each run, and the history of each run's workflow
execution.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from infra.local.demo import CUSTOMERS, demo_id
from infra.local.runtime import Running
from infra.local.template import ROOT
from opencounter.billing.invoices import invoice_number, load_invoice
from opencounter.billing.records import UsageTotal
from opencounter.core.clock import business_today
from opencounter.core.errors import NotFound
from opencounter.core.table import Item
from opencounter.customers.service import hold_product, new_customer, new_holding, register_customer
from opencounter.pricing.rating import Period

SEED = 2026
#: customers of the first run, and in all for the second (the first ones and new ones); the
#: second month bills every one of them again
FIRST_CUSTOMERS = 50
SECOND_CUSTOMERS = 100
#: the months billed: this many months before the current one (every plan held all month long)
MONTHS_BACK = (5, 4)
PLAN_CODES = ("MOBILE-5GB", "MOBILE-20GB", "MOBILE-UNLIMITED", "POWER-VARIABLE", "POWER-NIGHT", "POWER-FIXED-1Y",
              "FIBRE-100", "FIBRE-1000")
#: per kind of product, each unit's usage in a month: a whole number from 0 to this
USAGE_UP_TO = {"mobile": {"data_mb": 40000, "minutes": 600, "sms": 50}, "energy": {"kwh": 600}}
#: usage records put on the queue between two settles: the intake takes batches of up to 100
#: and Powertools prints its metrics once one invocation has 100 values, so stay below that
QUEUE_CHUNK = 90
RUN_TIMEOUT_S = 3600
GOAL_NOT_CHEAPEST = 0
SYSTEM = {"type": "system", "id": "bench"}
ADDRESS = {"street": "Damrak", "house_number": 1, "postcode": "1012 LG", "city": "Amsterdam"}
#: the two populations of the size benchmark: the larger at least five times the smaller
SCALE_POPULATIONS = (1_000, 5_000)
#: the slices each billing shard is cut into for those runs. One: the local cloud bills slices one
#: after the other (on AWS they run side by side), so more slices would only add a fixed cost per
#: run (a Query and a few writes per slice) that makes the smaller run look dearer per customer
#: than it is, and the growth smaller
SCALE_SLICES_PER_SHARD = 1
#: the months the size benchmark bills: this many months before the current one, a first month
#: to warm up, then one for each population (the products held since the month before the first;
#: the tariffs' months and the demo's are others)
SCALE_MONTHS_BACK = (9, 8, 7)
#: customers seeded and billed first, to warm up and to see what a customer costs
SEED_CHUNK = 100
#: a customer of the timed runs may cost this many times one of the warm-up run (its run and the
#: settling after it): what the cut to the time budget allows for
SCALE_GROWTH_ALLOWANCE = 1.1
GOAL_GROWTH = 1.2
GOAL_HISTORY_GROWTH = 1.0


# ------------------------------------------------------------------ the catalogue, by hand


@cache
def catalogue() -> dict[str, Any]:
    """catalogue/products.json (read once; not to be changed)."""
    return json.loads((ROOT / "catalogue" / "products.json").read_text())


def plans_by_code(document: dict[str, Any]) -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    """Plan code -> (product, plan)."""
    return {plan["code"]: (product, plan) for product in document["products"] for plan in product["plans"]}


def month_cost(plan: dict[str, Any], used: dict[str, int]) -> int:
    """A whole month on a plan, in cents: the fee, plus every unit beyond what the plan includes
    at its price (`included` null: unlimited; a unit the plan does not price costs nothing)."""
    cents = plan["monthly_fee_cents"]
    for unit, price in (plan.get("usage") or {}).items():
        if price["included"] is not None:
            cents += max(0, used.get(unit, 0) - price["included"]) * price["price_cents"]
    return cents


def billable_plans(document: dict[str, Any], plan_code: str) -> list[dict[str, Any]]:
    """The plans a month on `plan_code` may be billed at: those of its tariff group, or the plan
    itself when it has none."""
    product, plan = plans_by_code(document)[plan_code]
    group = plan.get("tariff_group")
    return [p for p in product["plans"] if group and p.get("tariff_group") == group] or [plan]


# ------------------------------------------------------------------ customers


def person(email: str) -> dict[str, Any]:
    return {"given_name": "Bench", "family_name": email.split("@")[0], "birth_date": "1990-02-03", "email": email,
            "phone": "+31600000001"}


def register(email: str, customer_id: str | None = None) -> str:
    """A customer registered in-process as sign-up registers one; returns the id."""
    return register_customer(person(email), ADDRESS, actor=SYSTEM, channel="system", customer_id=customer_id)


def product_on(plan_code: str, started_at: str, product_id: str | None = None) -> dict[str, Any]:
    """A product on a plan of the catalogue, held since `started_at`, as sign-up records it."""
    document = catalogue()
    product, plan = plans_by_code(document)[plan_code]
    return {**({"product_id": product_id} if product_id else {}),
            "product_code": product["code"], "name": product["name"], "kind": product["kind"], "plan": plan["name"],
            "plan_code": plan_code, "catalogue_version": document["version"], "started_at": started_at,
            "monthly_fee_cents": plan["monthly_fee_cents"]}


def hold(customer_id: str, plan_code: str, started_at: str, product_id: str | None = None) -> str:
    """A product on a plan of the catalogue on the customer's record, held since `started_at`."""
    return hold_product(customer_id, product_on(plan_code, started_at, product_id), actor=SYSTEM, channel="system")


@dataclass
class Customer:
    customer_id: str
    products: list[tuple[str, str]]  # (product id, plan code)
    #: period -> product id -> unit -> quantity sent
    usage: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)


def _seeded_id(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def make_customers(running: Running, rng: random.Random, count: int, started_at: str, *, deadline: float,
                   log: Callable[[str], None]) -> list[Customer]:
    """`count` customers with one or two plans each (fewer if `deadline` passes), settled."""
    made = []
    for index in range(count):
        customer_id = _seeded_id(rng)
        register(f"bench-billing-{customer_id[:13]}@example.nl", customer_id)
        plans = rng.sample(PLAN_CODES, rng.randint(1, 2))
        products = [(hold(customer_id, code, started_at, _seeded_id(rng)), code) for code in plans]
        made.append(Customer(customer_id, products))
        if time.monotonic() > deadline and index + 1 < count:
            log(f"  ! time budget reached after making {index + 1} of {count} customers")
            break
    running.cloud.settle()
    return made


def random_usage(rng: random.Random, plan_code: str) -> dict[str, int]:
    """A month's use of a product on a plan: each unit of its kind a whole number up to USAGE_UP_TO."""
    kind = plans_by_code(catalogue())[plan_code][0]["kind"]
    return {unit: rng.randint(0, most) for unit, most in USAGE_UP_TO.get(kind, {}).items()}


def send_usage(running: Running, rng: random.Random, customers: list[Customer], period: str) -> int:
    """Random usage of every customer's products in `period`, put on the usage queue as the network
    sends it (UsageIntakeFunction takes it in); settled. Returns the number of records."""
    day = f"{period}-15T12:00:00Z"
    records = []
    for customer in customers:
        month = customer.usage.setdefault(period, {})
        for product_id, code in customer.products:
            used = random_usage(rng, code)
            month[product_id] = used
            records += [{"record_id": _seeded_id(rng), "customer_id": customer.customer_id, "product_id": product_id,
                         "unit": unit, "quantity": quantity, "occurred_at": day} for unit, quantity in used.items()]
    sqs = running.cloud.client("sqs")
    queue_url = running.cloud.resolver.physical["UsageQueue"]
    for start in range(0, len(records), QUEUE_CHUNK):
        chunk = records[start:start + QUEUE_CHUNK]
        for batch in range(0, len(chunk), 10):
            sqs.send_message_batch(QueueUrl=queue_url, Entries=[
                {"Id": str(i), "MessageBody": json.dumps(record)} for i, record in enumerate(chunk[batch:batch + 10])])
        running.cloud.settle()
    return len(records)


def demo_customers() -> list[Customer]:
    """The demo population as the demo data defines it (their usage in a month: what was recorded)."""
    return [Customer(demo_id(c["key"]), [(demo_id(f"{c['key']}/{code}"), code) for _, code, _ in c["products"]])
            for c in CUSTOMERS]


# ------------------------------------------------------------------ the run


def table_items(running: Running) -> int:
    return int(running.cloud.client("dynamodb").describe_table(
        TableName=running.cloud.resolver.physical["Table"])["Table"]["ItemCount"])


def timed_run(running: Running, period: str, **run_input: Any) -> dict[str, Any]:
    """One billing run of `period`, started as the schedule starts it, the cloud settled meanwhile
    (settling runs the billing queue's consumer, and what the invoices set off): the run's time is
    from its execution's start to its end, as Step Functions records them; the settling after it
    is timed apart. With the run's counts and its execution's history."""
    sfn = running.cloud.client("stepfunctions")
    items = table_items(running)
    arn = sfn.start_execution(stateMachineArn=running.cloud.state_machines["BillingRunStateMachine"],
                              name=f"bench-billing-{period}-{uuid.uuid4().hex[:8]}",
                              input=json.dumps({"period": period, **run_input}))["executionArn"]
    running.cloud.settle(timeout=RUN_TIMEOUT_S)
    settled = time.time()
    described = sfn.describe_execution(executionArn=arn)
    if described["status"] != "SUCCEEDED":
        raise RuntimeError(f"the billing run of {period} ended {described['status']}: {described.get('error')}")
    ms = (described["stopDate"] - described["startDate"]).total_seconds() * 1000
    totals = json.loads(described["output"])
    history = execution_history(running, arn)
    kinds = Counter(event["type"] for event in history)
    failures = [event.get("taskFailedEventDetails") or event.get("lambdaFunctionFailedEventDetails") or {}
                for event in history if event["type"] in ("TaskFailed", "LambdaFunctionFailed", "TaskTimedOut")]
    customers = sum(totals["counts"].values())
    return {"period": period, "customers": customers, "ms": round(ms, 1),
            "ms_per_1000": round(ms / customers * 1000, 1) if customers else None,
            "counts": totals["counts"], "billed_cents": totals["billed_cents"], "slices": totals["slices"],
            "settle_after_ms": round((settled - described["stopDate"].timestamp()) * 1000, 1),
            "table_items_before": items, "history_events": len(history), "history": dict(sorted(kinds.items())),
            "task_failures": [_failure(f) for f in failures[:3]]}


def execution_history(running: Running, execution_arn: str) -> list[dict[str, Any]]:
    """Every event of an execution's history (GetExecutionHistory, page by page)."""
    sfn, events, token = running.cloud.client("stepfunctions"), [], None
    while True:
        page = sfn.get_execution_history(executionArn=execution_arn, maxResults=1000,
                                         **({"nextToken": token} if token else {}))
        events += page["events"]
        if not (token := page.get("nextToken")):
            return events


def _failure(details: dict[str, Any]) -> dict[str, Any]:
    """A failed task's error and where it was raised (the last lines of its stack trace)."""
    try:
        cause = json.loads(details.get("cause") or "{}")
    except json.JSONDecodeError:
        cause = {"errorMessage": details.get("cause")}
    trace = "".join(cause.get("stackTrace") or []).strip().splitlines()
    return {"error": details.get("error"), "message": cause.get("errorMessage"), "raised_at": trace[-6:]}


# ------------------------------------------------------------------ the check


def check_month(customers: list[Customer], period: str, issued: int) -> dict[str, Any]:
    """Every customer's invoice of `period` against the bench's own amounts: per product the
    cheapest plan of its tariff group for the use it had. `issued`: invoices the run says it
    issued (every one of them must be among those checked)."""
    document = catalogue()
    plans = plans_by_code(document)
    month = Period.parse(period)
    not_cheapest: list[dict[str, Any]] = []
    other_plan, saving, notes_wrong, usage_wrong, missing, checked, products = set(), 0, 0, 0, [], 0, 0
    for customer in customers:
        invoice_id = invoice_number(month.next().first_day, customer.customer_id, f"monthly/{period}")
        try:
            invoice = load_invoice(customer.customer_id, invoice_id)
        except NotFound:
            missing.append(customer.customer_id)
            continue
        checked += 1
        billed: dict[str, int] = {}
        for line in invoice.lines:
            billed[line["product_id"]] = billed.get(line["product_id"], 0) + line["amount_cents"]
        notes = {note["product_id"]: note for note in invoice.best_tariff or []}
        wrong = []
        for product_id, code in customer.products:
            products += 1
            try:
                recorded = UsageTotal.get(*UsageTotal.keys(customer.customer_id, period, product_id)).used()
            except UsageTotal.DoesNotExist:
                recorded = {}
            sent = customer.usage.get(period, {}).get(product_id)
            if sent is not None and any(recorded.get(unit, 0) != n for unit, n in sent.items()):
                usage_wrong += 1
            used = sent if sent is not None else recorded
            costs = {plan["code"]: month_cost(plan, used) for plan in billable_plans(document, code)}
            cheapest = min(costs.values())
            own = month_cost(plans[code][1], used)
            if billed.get(product_id) != cheapest:
                wrong.append({"product_id": product_id, "plan": code, "used": used, "billed_cents": billed.get(
                    product_id), "cheapest_cents": cheapest, "costs": costs})
            if cheapest < own:
                other_plan.add(customer.customer_id)
                saving += own - cheapest
            note = notes.get(product_id) or {}
            if (note.get("billed_cents"), note.get("saving_cents"), note.get("billed_plan") != code) != (
                    cheapest, own - cheapest, cheapest < own):
                notes_wrong += 1
        extra = set(billed) - {product_id for product_id, _ in customer.products}
        if wrong or extra or int(invoice.total_cents) != sum(billed.values()):
            not_cheapest.append({"customer_id": customer.customer_id, "invoice_id": invoice_id, "products": wrong,
                                 "products_not_held": sorted(extra), "total_cents": int(invoice.total_cents)})
    return {"period": period, "invoices_checked": checked, "products_checked": products,
            "invoices_issued_by_run": issued, "invoices_not_checked": max(0, issued - checked),
            "customers_without_invoice": missing, "not_cheapest": not_cheapest,
            "billed_at_another_plan": sorted(other_plan), "saving_cents": saving,
            "best_tariff_notes_wrong": notes_wrong, "usage_not_as_sent": usage_wrong}


# ------------------------------------------------------------------ the benchmark


def bill_and_check(running: Running, month: str, everyone: list[Customer], runs: list[dict[str, Any]],
                   checks: list[dict[str, Any]], log: Callable[[str], None]) -> None:
    """One timed billing run of `month`, then every invoice of it checked; appended to `runs`
    and `checks`."""
    billed = timed_run(running, month)
    runs.append(billed)
    _log_run(billed, log)
    checks.append(check_month(everyone, month, billed["counts"]["issued"]))
    _log_check(checks[-1], log)


def run(running: Running, *, deadline: float, log: Callable[[str], None]) -> dict[str, Any]:
    """Make FIRST_CUSTOMERS customers, bill the first month (timed) and check it; add customers up
    to SECOND_CUSTOMERS (fewer if the time left would not allow the run), bill the second month
    for everyone (timed) and check it. Each loop stops making customers at its share of the
    time until `deadline`."""
    rng = random.Random(SEED)
    months = months_back(MONTHS_BACK)
    started_at = Period.parse(months[0]).previous().first_day.isoformat()
    phase = time.monotonic()
    budget = deadline - phase

    made = time.monotonic()
    customers = make_customers(running, rng, FIRST_CUSTOMERS, started_at, deadline=phase + budget * 0.2, log=log)
    records = send_usage(running, rng, customers, months[0])
    per_customer_s = (time.monotonic() - made) / len(customers)
    log(f"  {len(customers)} customers (plans held since {started_at}), {records} usage records for {months[0]} "
        f"through the usage queue   ({time.monotonic() - phase:.1f}s)")
    everyone = [*customers, *demo_customers()]

    runs, checks = [], []
    billed_at = time.monotonic()
    bill_and_check(running, months[0], everyone, runs, checks, log)
    first_s = time.monotonic() - billed_at

    # the second month: as many new customers as the time left allows, then everyone billed again
    wanted = max(0, SECOND_CUSTOMERS - len(customers))
    left = deadline - time.monotonic()

    def estimate(new: int) -> float:
        total = len(everyone) + new
        return new * per_customer_s + len(customers) * per_customer_s * 0.5 + first_s * total / len(everyone)

    new = wanted
    while new > 0 and estimate(new) > left:
        new = int(new * 0.9)
    if new < wanted:
        log(f"  ! the time left ({left:.0f}s) allows about {new} of {wanted} new customers for the second run")
    customers += make_customers(running, rng, new, started_at, deadline=deadline - first_s * 2, log=log)
    records = send_usage(running, rng, customers, months[1])
    everyone = [*customers, *demo_customers()]
    log(f"  {len(customers)} customers, {records} usage records for {months[1]}   ({time.monotonic() - phase:.1f}s)")
    bill_and_check(running, months[1], everyone, runs, checks, log)

    not_cheapest = {c["customer_id"] for check in checks for c in check["not_cheapest"]}
    other_plan = {customer for check in checks for customer in check["billed_at_another_plan"]}
    figure = {
        "customers_not_on_cheapest_plan": len(not_cheapest),
        "customers_checked": len({c.customer_id for c in everyone}),
        "invoices_checked": sum(check["invoices_checked"] for check in checks),
        "customers_billed_at_another_plan": len(other_plan),
        "saving_cents": sum(check["saving_cents"] for check in checks),
        "months": months,
    }
    log(f"  tariffs: {figure['customers_not_on_cheapest_plan']} of {figure['customers_checked']} customers not "
        f"billed at the cheapest plan ({figure['invoices_checked']} invoices; goal {GOAL_NOT_CHEAPEST}); "
        f"{figure['customers_billed_at_another_plan']} billed at a plan other than their own, saving "
        f"{figure['saving_cents']} cents in all")
    return {
        "tariffs": figure,
        "tariffs_detail": {
            "goal": GOAL_NOT_CHEAPEST, "seed": SEED, "plans": list(PLAN_CODES), "usage_up_to": USAGE_UP_TO,
            "per_month": [{k: v for k, v in check.items() if k not in ("not_cheapest", "billed_at_another_plan",
                                                                         "customers_without_invoice")}
                          | {"not_cheapest": len(check["not_cheapest"]),
                             "billed_at_another_plan": len(check["billed_at_another_plan"]),
                             "customers_without_invoice": len(check["customers_without_invoice"])}
                          for check in checks],
            "not_cheapest_examples": [c for check in checks for c in check["not_cheapest"]][:10],
            "customers_without_invoice": [c for check in checks for c in check["customers_without_invoice"]][:10],
            "runs": runs,
        },
    }


def months_back(backs: tuple[int, ...]) -> list[str]:
    """The months that many months before the current one."""
    months = []
    for back in backs:
        month = Period.of(business_today())
        for _ in range(back):
            month = month.previous()
        months.append(str(month))
    return months


# ------------------------------------------------------------------ size


def seed_customers(rng: random.Random, count: int, started_at: str, months: list[str]) -> list[str]:
    """`count` customers written straight into the table, in batches, as sign-up and the usage
    intake leave them: the records sign-up makes (profile, address, identities) and one or two
    products each, with every product's usage totals for `months`; not their events (nothing
    happened to them but being there). Returns their ids."""
    made = []
    with Item.batch_write() as batch:
        for _ in range(count):
            customer_id = _seeded_id(rng)
            writes, _ = new_customer(customer_id, person(f"bench-size-{customer_id[:13]}@example.nl"), ADDRESS,
                                     actor=SYSTEM, channel="system")
            for write in writes:
                batch.save(write.model)
            for code in rng.sample(PLAN_CODES, rng.randint(1, 2)):
                _, _, holding = new_holding(customer_id, product_on(code, started_at, _seeded_id(rng)), actor=SYSTEM,
                                            channel="system")
                batch.save(holding)
                for month in months:
                    used = random_usage(rng, code)
                    batch.save(UsageTotal(*UsageTotal.keys(customer_id, month, holding.product_id),
                                          product_id=holding.product_id, period=month, records=len(used), **used))
            made.append(customer_id)
    return made


def scale(running: Running, *, deadline: float, log: Callable[[str], None],
          populations: tuple[int, int] = SCALE_POPULATIONS) -> dict[str, Any]:
    """The billing run at two sizes, the larger five times the smaller (`populations`, both cut by
    one factor when the time until `deadline` would not allow them). A first chunk of customers is
    seeded and billed for a month of its own, untimed: it warms the functions up and tells what
    seeding and billing a customer cost here. Then the smaller population is seeded and a month
    billed (timed), the rest of the larger one seeded and the next month billed for everyone
    (timed). The figures: each timed run's ms per 1000 customers and its execution's history, and
    how both grow from the smaller run to the larger."""
    rng = random.Random(SEED + 1)
    warm_up, *months = months_back(SCALE_MONTHS_BACK)
    started_at = Period.parse(warm_up).previous().first_day.isoformat()
    phase = time.monotonic()
    smaller, larger = populations
    seeding = time.monotonic()
    customers = seed_customers(rng, min(SEED_CHUNK, smaller), started_at, [warm_up, *months])
    running.cloud.settle(timeout=RUN_TIMEOUT_S)
    seed_s = (time.monotonic() - seeding) / len(customers)
    warmed = timed_run(running, warm_up, slices_per_shard=SCALE_SLICES_PER_SHARD)
    bill_s = (warmed["ms"] + warmed["settle_after_ms"]) / 1000 / warmed["customers"]
    needed = seed_s * larger + bill_s * SCALE_GROWTH_ALLOWANCE * (smaller + larger)
    factor = min(1.0, (deadline - time.monotonic()) / needed)
    if factor < 1:
        smaller = max(len(customers), int(smaller * factor))
        larger = smaller * populations[1] // populations[0]
        log(f"  ! the time left allows about {smaller} and {larger} customers, not {populations[0]} and "
            f"{populations[1]} (seeding {seed_s * 1000:.0f} ms and billing {bill_s * 1000:.0f} ms a customer)")
    customers += seed_customers(rng, smaller - len(customers), started_at, [warm_up, *months])
    running.cloud.settle(timeout=RUN_TIMEOUT_S)
    log(f"  {len(customers)} customers written to the table (plans held since {started_at}, usage for "
        f"{', '.join([warm_up, *months])}; {warmed['customers']} billed for {warm_up} to warm up)   "
        f"({time.monotonic() - phase:.1f}s)")
    runs = [timed_run(running, months[0], slices_per_shard=SCALE_SLICES_PER_SHARD)]
    _log_run(runs[-1], log)
    customers += seed_customers(rng, larger - len(customers), started_at, [warm_up, *months])
    running.cloud.settle(timeout=RUN_TIMEOUT_S)
    log(f"  {len(customers)} customers in all   ({time.monotonic() - phase:.1f}s)")
    runs.append(timed_run(running, months[1], slices_per_shard=SCALE_SLICES_PER_SHARD))
    _log_run(runs[-1], log)

    first, second = runs
    growth = round(second["ms_per_1000"] / first["ms_per_1000"], 2)
    history_growth = round(second["history_events"] / first["history_events"], 2)
    log(f"  billing run: {second['ms_per_1000']:.0f} ms per 1000 customers at {second['customers']}, "
        f"{first['ms_per_1000']:.0f} at {first['customers']}: growth {growth} (goal <= {GOAL_GROWTH}); history "
        f"{second['history_events']} events, {first['history_events']} before: growth {history_growth} "
        f"(goal {GOAL_HISTORY_GROWTH})")
    return {
        "billing": {
            "run_ms_per_1000_customers": {
                "ms_per_1000": second["ms_per_1000"], "growth": growth,
                "runs": [{"customers": r["customers"], "ms": r["ms"], "ms_per_1000": r["ms_per_1000"],
                          "history_events": r["history_events"]} for r in runs]},
            "max_history_events_per_execution": second["history_events"],
            "history_events_growth": history_growth,
        },
        "billing_detail": {
            "goals": {"growth": GOAL_GROWTH, "history_events_growth": GOAL_HISTORY_GROWTH},
            "populations": {"asked": list(populations), "seeded": [smaller, len(customers)],
                            "cut_by_time_budget": factor < 1},
            "slices_per_shard": SCALE_SLICES_PER_SHARD, "months": months, "warm_up": warmed, "runs": runs,
        },
    }


def _log_run(run_: dict[str, Any], log: Callable[[str], None]) -> None:
    log(f"  billing run {run_['period']}: {run_['customers']} customers in {run_['ms']:.0f} ms "
        f"({run_['ms_per_1000']:.0f} ms per 1000; table {run_['table_items_before']} items; {run_['slices']} slices; "
        f"history {run_['history_events']} events), then settled in {run_['settle_after_ms']:.0f} ms; "
        f"counts {run_['counts']}")
    _log_retries(run_, log)


def _log_retries(run_: dict[str, Any], log: Callable[[str], None]) -> None:
    """A step of the workflow that failed was run again by its Retry (the pages are retried by
    the billing queue, not the workflow). Said, with where it was raised."""
    failed = run_["history"].get("TaskFailed", 0)
    if failed:
        where = "; ".join(sorted({f"{f['error']}: {f['message']} ({_frame(f['raised_at'])})"
                                  for f in run_["task_failures"]}))
        log(f"    ! {failed} step(s) of the run failed and were retried: {where}")


def _frame(trace: list[str]) -> str:
    """The innermost `File ..., line ..., in ...` of a trace, the path from its package on."""
    frames = [line.strip() for line in trace if line.strip().startswith("File ")]
    return frames[-1].split("site-packages/")[-1].replace('"', "") if frames else "?"


def _log_check(check: dict[str, Any], log: Callable[[str], None]) -> None:
    log(f"  checked {check['invoices_checked']} invoices of {check['period']} ({check['products_checked']} products; "
        f"the run issued {check['invoices_issued_by_run']}): {len(check['not_cheapest'])} not at the cheapest plan, "
        f"{len(check['billed_at_another_plan'])} billed at another plan, saving {check['saving_cents']} cents; "
        f"best-tariff notes wrong {check['best_tariff_notes_wrong']}, usage not as sent {check['usage_not_as_sent']}, "
        f"without invoice {len(check['customers_without_invoice'])}")
    for example in check["not_cheapest"][:3]:
        log(f"    ! {example}")
