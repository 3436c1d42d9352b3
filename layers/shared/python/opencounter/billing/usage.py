"""Usage from the network and the meters: each record stored once and added to its product's
month, and what a customer used, per product and month, as every channel shows it."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from opencounter.billing.records import UsageRecord, UsageTotal, invoiced_month_kept
from opencounter.catalogue.service import plans_of
from opencounter.core.clock import BUSINESS_TIME, business_today, isoformat, utcnow
from opencounter.core.errors import InvalidInput, NotFound
from opencounter.core.outbox import Write, WriteConflict, commit
from opencounter.core.paging import cursor_in, cursor_out
from opencounter.core.table import Item, customer_key
from opencounter.core.validation import validate_request
from opencounter.customers.records import ProductHolding
from opencounter.pricing.rating import Period

#: which units each kind of product can report
UNITS_OF = {"mobile": {"data_mb", "minutes", "sms"}, "energy": {"kwh"}, "internet": set()}
#: months a single usage record is kept after its own: long enough to dispute it on the invoice it
#: counted on (issued the month after, paid in the next, disputed within the four after that); the
#: month's totals and the invoices are kept for good
RECORDS_KEPT_MONTHS = 6


def _kept_until(month: Period, received: datetime) -> datetime:
    """When a record is forgotten (TTL): the start of the month RECORDS_KEPT_MONTHS after its own,
    or after the month it arrived in when that is later (a record sent late is still recognised
    when sent again, however old its use)."""
    until = max(month, Period.of(received.astimezone(BUSINESS_TIME).date()), key=str)
    for _ in range(RECORDS_KEPT_MONTHS + 1):
        until = until.next()
    return datetime.combine(until.first_day, time(), BUSINESS_TIME)


def record_usage(record: dict[str, Any]) -> str:
    """Store one usage record and add it to its month: "recorded", or "duplicate" when this
    record id was stored before (nothing is added twice). InvalidInput when the record names a
    product the customer does not hold or a unit the product cannot use."""
    validate_request("usage-record", record)
    try:
        holding = ProductHolding.get(*ProductHolding.keys(record["customer_id"], record["product_id"]))
    except ProductHolding.DoesNotExist:
        raise InvalidInput("product_id: the customer holds no such product", field="product_id",
                           reason="product_unknown") from None
    if record["unit"] not in UNITS_OF.get(holding.kind, set()):
        raise InvalidInput(f"unit: a {holding.kind} product does not report {record['unit']}", field="unit",
                           reason="unit_not_reported", unit=record["unit"])
    occurred = datetime.fromisoformat(record["occurred_at"].replace("Z", "+00:00"))
    month, now = Period.of(occurred.astimezone(BUSINESS_TIME).date()), utcnow()
    period = str(month)
    stored = UsageRecord(*UsageRecord.keys(record["record_id"]), period=period, received_at=isoformat(now),
                         expires_at=_kept_until(month, now),
                         **{k: record[k] for k in ("record_id", "customer_id", "product_id", "unit", "quantity",
                                                   "occurred_at")})
    stored.index()
    total = UsageTotal(*UsageTotal.keys(record["customer_id"], period, record["product_id"]))
    unit = getattr(UsageTotal, record["unit"])
    add = Write(total, actions=[Item.entity.set(UsageTotal), UsageTotal.product_id.set(record["product_id"]),
                                UsageTotal.period.set(period), unit.add(record["quantity"]),
                                UsageTotal.records.add(1), Item.expires_at.set(invoiced_month_kept(period))])
    try:
        commit([Write(stored, UsageRecord.PK.does_not_exist(), conflict="usage record stored already"), add], [])
    except WriteConflict as conflict:
        if conflict.write.model is stored:
            return "duplicate"
        raise
    return "recorded"


def usage_view(customer_id: str, period_text: str | None) -> dict[str, Any]:
    """Usage per product in a month (this month by default), against what the plan includes:
    one Query of the customer's partition."""
    period = _period(period_text)
    holdings, totals = {}, {}
    for item in Item.query(customer_key(customer_id)):
        if isinstance(item, ProductHolding):
            holdings[item.product_id] = item
        elif isinstance(item, UsageTotal) and item.period == str(period):
            totals[item.product_id] = item
    if not holdings and not totals:
        raise NotFound("no such customer", reason="customer_not_found")

    products = []
    for product_id, holding in holdings.items():
        units = UNITS_OF.get(holding.kind, set())
        if not units:
            continue
        plan = plans_of(holding.product_code, holding.catalogue_version).get(_plan_in_force(holding, period), {})
        used = totals[product_id].used() if product_id in totals else dict.fromkeys(UsageTotal.UNITS, 0)
        products.append({
            "product_id": product_id, "product_code": holding.product_code, "name": holding.name, "plan": holding.plan,
            "plan_code": _plan_in_force(holding, period), "status": holding.status,
            "usage": [{"unit": unit, "used": used[unit],
                       "included": (plan.get("usage") or {}).get(unit, {}).get("included"),
                       "beyond_bundle": _beyond(used[unit], (plan.get("usage") or {}).get(unit))}
                      for unit in sorted(units)],
            "records": int(totals[product_id].records) if product_id in totals else 0,
        })
    return {"period": str(period), "products": products}


def _period(text: str | None) -> Period:
    try:
        return Period.parse(text) if text else Period.of(business_today())
    except ValueError as error:
        raise InvalidInput(f"period: {error}", field="period", reason="period_invalid") from None


def _plan_in_force(holding: ProductHolding, period: Period) -> str:
    """The plan a month is measured against: the one in force on its last day (or its first plan)."""
    started = [h["plan_code"] for h in holding.plan_history if h["from"] <= period.last_day.isoformat()]
    return started[-1] if started else holding.plan_history[0]["plan_code"]


def _beyond(used: int, price: dict | None) -> int:
    if not price or price.get("included") is None:
        return 0
    return max(0, used - price["included"])


def usage_records(customer_id: str, period_text: str | None, *, limit: int = 50,
                  cursor: str | None = None) -> dict[str, Any]:
    """One page of the customer's usage records of a month (this month by default), in the order
    the use took place, and the cursor of the next page: one Query of GSI1."""
    period = _period(period_text)
    partition = UsageRecord.month(customer_id, str(period))

    def start(keys: dict[str, str]) -> dict[str, dict[str, str]]:
        record_id = keys["GSI1SK"].rsplit("#", 1)[-1]
        pk, sk = UsageRecord.keys(record_id)
        return {"PK": {"S": pk}, "SK": {"S": sk}, "GSI1PK": {"S": partition}, "GSI1SK": {"S": keys["GSI1SK"]}}

    page = UsageRecord.lookup.query(partition, limit=limit, last_evaluated_key=cursor_in(cursor, ("GSI1SK",), start))
    items = [{"record_id": r.record_id, "product_id": r.product_id, "unit": r.unit, "quantity": int(r.quantity),
              "occurred_at": r.occurred_at, "voided": r.voided_by is not None} for r in page]
    return {"period": str(period), "items": items, "next_cursor": cursor_out(page.last_evaluated_key, "GSI1SK")}


def record_cost(record: UsageRecord, line: dict[str, Any] | None) -> int:
    """What one record adds to its product's bill: the part of it beyond the bundle, at the price
    of the invoice's usage line of its unit (None: that month is not billed, or nothing of that
    unit was beyond the bundle)."""
    if line is None or not line.get("unit_price_cents"):
        return 0
    return min(int(record.quantity), int(line["quantity"])) * int(line["unit_price_cents"])


def void_record(record: UsageRecord, dispute_id: str, kept_until: datetime | None) -> list[Write]:
    """Take a record off the customer's use (a dispute found it was not theirs to pay): it stays on
    file, marked, as long as the dispute it decided (`kept_until`), and its month's total no longer
    counts it. Conditional: voided once."""
    record.voided_by, record.expires_at = dispute_id, kept_until
    total = UsageTotal(*UsageTotal.keys(record.customer_id, record.period, record.product_id))
    unit = getattr(UsageTotal, record.unit)
    return [Write(record, UsageRecord.voided_by.does_not_exist(), conflict="the record was voided already"),
            Write(total, actions=[unit.add(-int(record.quantity)), UsageTotal.records.add(-1)])]
