"""Usage from the network and the meters: each record stored once and added to its product's
month, and what a customer used, per product and month, as every channel shows it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from opencounter.billing.records import UsageRecord, UsageTotal
from opencounter.catalogue.service import plans_of
from opencounter.core.clock import BUSINESS_TIME, business_today, isoformat, utcnow
from opencounter.core.errors import InvalidInput, NotFound
from opencounter.core.outbox import Write, WriteConflict, commit
from opencounter.core.table import Item, customer_key
from opencounter.core.validation import validate_request
from opencounter.customers.records import ProductHolding
from opencounter.pricing.rating import Period

#: which units each kind of product can report
UNITS_OF = {"mobile": {"data_mb", "minutes", "sms"}, "energy": {"kwh"}, "internet": set()}


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
    period = str(Period.of(occurred.astimezone(BUSINESS_TIME).date()))
    stored = UsageRecord(*UsageRecord.keys(record["record_id"]), period=period, received_at=isoformat(utcnow()),
                         **{k: record[k] for k in ("record_id", "customer_id", "product_id", "unit", "quantity",
                                                   "occurred_at")})
    total = UsageTotal(*UsageTotal.keys(record["customer_id"], period, record["product_id"]))
    unit = getattr(UsageTotal, record["unit"])
    add = Write(total, actions=[Item.entity.set(UsageTotal), UsageTotal.product_id.set(record["product_id"]),
                                UsageTotal.period.set(period), unit.add(record["quantity"]),
                                UsageTotal.records.add(1)])
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
    try:
        period = Period.parse(period_text) if period_text else Period.of(business_today())
    except ValueError as error:
        raise InvalidInput(f"period: {error}", field="period", reason="period_invalid") from None
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


def _plan_in_force(holding: ProductHolding, period: Period) -> str:
    """The plan a month is measured against: the one in force on its last day (or its first plan)."""
    started = [h["plan_code"] for h in holding.plan_history if h["from"] <= period.last_day.isoformat()]
    return started[-1] if started else holding.plan_history[0]["plan_code"]


def _beyond(used: int, price: dict | None) -> int:
    if not price or price.get("included") is None:
        return 0
    return max(0, used - price["included"])
