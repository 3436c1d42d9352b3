"""Changing a product yourself: another plan, in force at once and prorated, or a cancellation
now or at the end of the month. Both are versioned writes on the product and land on the
timeline. Each plan change is kept in the product's plan history with why it was made: by the
customer, by the customer taking the plan the best-tariff advice named, or by staff (their role)."""

from __future__ import annotations

from datetime import date
from typing import Any

from opencounter.catalogue.service import current_version, plans_of
from opencounter.core.clock import business_today, isoformat, utcnow
from opencounter.core.errors import Conflict, InvalidInput, NotFound
from opencounter.core.outbox import DomainEvent, Write, commit, domain_event
from opencounter.core.validation import validate_request
from opencounter.customers.records import ProductHolding
from opencounter.customers.timeline import TimelineEntry
from opencounter.customers.views import product_view
from opencounter.pricing.rating import Period, add_months, proration


def _holding(customer_id: str, product_id: str) -> ProductHolding:
    try:
        return ProductHolding.get(*ProductHolding.keys(customer_id, product_id))
    except ProductHolding.DoesNotExist:
        raise NotFound("no such product", reason="product_not_found") from None


def _require_changeable(holding: ProductHolding, version: int | None) -> None:
    if version is not None and int(holding.version) != version:
        raise Conflict(f"version: the product is at version {int(holding.version)}, not {version}; read it again",
                       field="version", reason="product_changed")
    if holding.status != "ACTIVE":
        raise Conflict(f"status: the product is {holding.status.lower()}", field="status",
                       reason="product_not_active", status=holding.status.lower())


def _require_not_cancelled(holding: ProductHolding) -> None:
    """A product cancelled for a later day keeps its plan until then (a quote accepted meanwhile too)."""
    if holding.ends_on:
        raise Conflict(f"ends_on: the product is cancelled from {holding.ends_on}; withdraw the cancellation first",
                       field="ends_on", reason="product_cancelled", ends_on=holding.ends_on)


def advice_followed(customer_id: str, holding: ProductHolding, plan_code: str) -> bool:
    """Whether the best-tariff advice named `plan_code` for this product while it was on the plan
    it is on now (BetterPlanAdvised on the customer's timeline since that plan began)."""
    since = holding.plan_history[-1]["from"] if holding.plan_history else holding.started_at[:10]
    for entry in TimelineEntry.query(TimelineEntry.partition(customer_id), TimelineEntry.SK >= since,
                                     TimelineEntry.event_type == "BetterPlanAdvised"):
        data = entry.data or {}
        if (data.get("product_id"), data.get("current_plan"), data.get("advised_plan")) == \
                (holding.product_id, holding.plan_code, plan_code):
            return True
    return False


def fixed_until(holding: ProductHolding) -> date | None:
    """The first day the product is no longer on a fixed price (its first day on the plan plus the
    plan's `fixed_term_months`), or None for a plan without a fixed term."""
    term = plans_of(holding.product_code, holding.catalogue_version).get(holding.plan_code, {}).get("fixed_term_months")
    if not term or not holding.plan_history:
        return None
    return add_months(date.fromisoformat(holding.plan_history[-1]["from"]), int(term))


def plan_offered(customer_id: str, product_id: str, plan_code: str, *,
                 version: int | None = None) -> tuple[ProductHolding, dict[str, Any], str]:
    """The product held, the plan of the current catalogue it may move to, and that catalogue's
    version: what a plan change, or a quote of one, is checked against (NotFound, InvalidInput,
    Conflict as change_plan answers)."""
    holding = _holding(customer_id, product_id)
    _require_changeable(holding, version)
    _require_not_cancelled(holding)
    catalogue = current_version()
    plan = plans_of(holding.product_code, catalogue).get(plan_code)
    if plan is None:
        raise InvalidInput(f"plan_code: {holding.name} has no plan {plan_code!r} on sale",
                           field="plan_code", reason="plan_not_on_sale")
    _require_other_plan(holding, plan)
    return holding, plan, catalogue


def _require_other_plan(holding: ProductHolding, plan: dict[str, Any]) -> None:
    if plan["code"] == holding.plan_code:
        raise InvalidInput(f"plan_code: the product is on {plan['name']} already", field="plan_code",
                           reason="plan_is_current", plan=plan["name"])


def change_plan(customer_id: str, product_id: str, request: dict[str, Any], *, actor: dict,
                channel: str, role: str | None = None) -> dict[str, Any]:
    """Move a product to another plan of the current catalogue, from today. The month is billed
    per day on each plan (and still at the cheapest eligible tariff). Staff pass their `role`:
    the plan history keeps it (not who they are) as whoever made the change on the customer's behalf."""
    validate_request("product-change", request)
    holding, plan, version = plan_offered(customer_id, product_id, request["plan_code"], version=request["version"])
    writes, event, answer = plan_change(customer_id, holding, plan, version, actor=actor, channel=channel, role=role)
    commit(writes, [event])
    return answer


def plan_change(customer_id: str, holding: ProductHolding, plan: dict[str, Any], catalogue_version: str, *,
                actor: dict, channel: str, role: str | None = None) -> tuple[list[Write], DomainEvent, dict[str, Any]]:
    """The write and the event that move the product held to `plan` of `catalogue_version` from
    today (a quote's plan: the version it was made from, so its price holds), and the answer, for
    the caller to commit with what it writes beside them. A product on a fixed price until a day
    keeps it until then (409 plan_fixed_term)."""
    product_id = holding.product_id
    _require_changeable(holding, None)
    _require_not_cancelled(holding)
    _require_other_plan(holding, plan)
    today = business_today()
    fixed = fixed_until(holding)
    if fixed and today < fixed:
        raise Conflict(f"plan_code: {holding.plan} has a fixed price until {fixed.isoformat()}; "
                       "it can be changed from then", field="plan_code", reason="plan_fixed_term",
                       until=fixed.isoformat())
    prorated = proration(int(holding.monthly_fee_cents), plan["monthly_fee_cents"], today)
    history = [h for h in holding.plan_history if h["from"] != today.isoformat()]  # a second change today wins
    from_plan = holding.plan_code
    if actor.get("type") == "agent":
        why, by = "staff", role or "agent"
    else:
        why, by = ("advice" if advice_followed(customer_id, holding, plan["code"]) else "customer"), None
    holding.plan_history = [*history, {"plan_code": plan["code"], "plan_name": plan["name"],
                                       "from": today.isoformat(), "why": why, "by": by}]
    holding.plan, holding.plan_code, holding.catalogue_version = plan["name"], plan["code"], catalogue_version
    holding.monthly_fee_cents = plan["monthly_fee_cents"]
    event = domain_event("ProductPlanChanged", customer_id=customer_id, actor=actor, channel=channel,
                         data={"product_id": product_id, "from_plan": from_plan, "to_plan": plan["code"],
                               "effective_on": today.isoformat(), "proration": prorated, "why": why})
    writes = [Write(holding, conflict="version: the product changed meanwhile; read it again")]
    return writes, event, {**product_view(holding, today), "proration": prorated}


def cancel_product(customer_id: str, product_id: str, request: dict[str, Any], *, actor: dict,
                   channel: str) -> dict[str, Any]:
    """Cancel a product now (it ends today; this month is billed up to today) or at the end of
    the month (it works until then)."""
    validate_request("cancellation", request)
    holding = _holding(customer_id, product_id)
    _require_changeable(holding, None)
    today = business_today()
    when = request["when"]
    if when == "end_of_period" and holding.ends_on:
        raise Conflict(f"ends_on: the product is cancelled from {holding.ends_on} already", field="ends_on",
                       reason="product_cancelled", ends_on=holding.ends_on)
    if when == "now":
        holding.status, holding.ended_at = "ENDED", isoformat(utcnow())
        holding.end_reason = request.get("reason") or "cancelled by the customer"
        holding.ends_on = today.isoformat()
    else:
        holding.ends_on = Period.of(today).last_day.isoformat()
        holding.end_reason = request.get("reason") or "cancelled by the customer"
    event = domain_event("ProductCancelled", customer_id=customer_id, actor=actor, channel=channel,
                         data={"product_id": product_id, "ends_on": holding.ends_on, "when": when,
                               "name": holding.name})
    commit([Write(holding, conflict="the product changed meanwhile; read it again")], [event])
    return product_view(holding, today)
