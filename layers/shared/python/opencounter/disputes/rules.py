"""The assessment: each rule a plain function of the facts a dispute is about, returning what it
found (upheld, rejected, a person's judgement needed, or nothing to say) with the evidence the
customer may see. `assess` weighs the findings into one outcome. Pure code: the facts are read
by the workflow's step (opencounter.disputes.flow) and handed in."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction
from typing import Any

from opencounter.core.clock import BUSINESS_TIME
from opencounter.pricing.money import round_cents
from opencounter.pricing.rating import Period

#: an amount up to this much, disputed by a customer in good standing, is accepted on trust
TRUST_LIMIT_CENTS = 1500
#: at most this many disputes accepted on trust per customer in TRUST_WINDOW_DAYS
TRUST_PER_YEAR = 2
TRUST_WINDOW_DAYS = 365
#: a month's use more than this many times the median of the months before is out of line
OUT_OF_LINE_FACTOR = 2
#: two records of the same use this close together are one use recorded twice
DUPLICATE_WITHIN_SECONDS = 60
#: months of history a reading is compared with, and the fewest that say anything
HISTORY_MONTHS, MIN_HISTORY_MONTHS = 6, 3

UPHELD, REJECTED, PERSON, NOTHING = "upheld", "rejected", "person", "nothing"


@dataclass
class Finding:
    rule: str
    outcome: str
    evidence: dict[str, Any]
    amount_cents: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "outcome": self.outcome, "amount_cents": self.amount_cents,
                "evidence": self.evidence}


@dataclass
class Facts:
    """What the assessment reads: the dispute, the invoice and the disputed line or payment, the
    product the line bills, its use per month, and the customer's standing."""

    reason: str
    amount_cents: int
    invoice: dict[str, Any]
    line: dict[str, Any] | None
    #: the product the line bills: {"status", "started_at", "last_day", "plan_history", "kind"}
    product: dict[str, Any] | None
    #: the plan the line names, from the catalogue: {"code", "monthly_fee_cents", "usage"}
    plan: dict[str, Any] | None
    #: the product's use of the line's unit per month (YYYY-MM -> quantity), the billed month included
    usage_by_month: dict[str, int] = field(default_factory=dict)
    #: the invoice's payments: [{"payment_id", "received_cents", "refunded_cents", "disputed_cents",
    #: "kept_cents" (what of it the business holds now: Payment.kept_cents), "created_at"}]
    payments: list[dict[str, Any]] = field(default_factory=list)
    #: the customer's other invoices overdue today
    overdue_invoices: int = 0
    #: disputes accepted on trust in the last TRUST_WINDOW_DAYS
    trusted_recently: int = 0
    #: the plans the best-tariff guarantee billed the product's month at
    billed_plans: set[str] = field(default_factory=set)
    #: what is disputed: "invoice_line", "payment" or "usage_record"
    kind: str = "invoice_line"
    #: a disputed usage record: {"record_id", "quantity", "occurred_at"}
    record: dict[str, Any] | None = None
    #: the other records of its product and unit in its month: [{"record_id", "quantity", "occurred_at"}]
    twins: list[dict[str, Any]] = field(default_factory=list)
    #: the contract for the line's product the customer signed online: {"accepted_at", "terms_version"}
    signed: dict[str, Any] | None = None


# ------------------------------------------------------------------ the rules


def charged_twice(facts: Facts) -> Finding:
    """The ledger of the invoice's payments: money kept beyond what the invoice asks was charged
    twice (or too much) and goes back."""
    kept = sum(p["kept_cents"] for p in facts.payments)
    owed = facts.invoice["total_cents"] - facts.invoice["credited_cents"]
    evidence = {"payments": [{"payment_id": p["payment_id"], "received_cents": p["received_cents"],
                              "refunded_cents": p["refunded_cents"], "at": p["created_at"]} for p in facts.payments],
                "kept_cents": kept, "owed_cents": owed}
    if kept > owed:
        return Finding("charged_twice", UPHELD, evidence, min(kept - owed, facts.amount_cents))
    return Finding("charged_twice", REJECTED, evidence)


def billed_after_cancellation(facts: Facts) -> Finding:
    """A line for days after the product's last day was billed after its cancellation."""
    if facts.line is None or facts.product is None:
        return Finding("billed_after_cancellation", NOTHING, {})
    period = Period.parse(facts.invoice["period"]) if facts.invoice.get("period") else None
    last_day = facts.product.get("last_day")
    evidence = {"product_status": facts.product["status"].lower(), "last_day": last_day,
                "period": facts.invoice.get("period")}
    if last_day and period and date.fromisoformat(last_day) < period.first_day:
        return Finding("billed_after_cancellation", UPHELD, evidence, facts.amount_cents)
    return Finding("billed_after_cancellation", REJECTED, evidence)


def wrong_plan(facts: Facts) -> Finding:
    """The line names a plan the product held in that month, or the cheaper one the best-tariff
    guarantee billed it at; any other plan is a wrong tariff."""
    if facts.line is None or facts.product is None or facts.line["kind"] == "connection":
        return Finding("wrong_plan", NOTHING, {})
    period = facts.invoice.get("period")
    held = {h["plan_code"] for h in facts.product["plan_history"]
            if not period or h["from"] <= Period.parse(period).last_day.isoformat()}
    allowed = held | facts.billed_plans
    evidence = {"billed_plan": facts.line["plan_code"], "plans_held": sorted(held),
                "best_tariff_plans": sorted(facts.billed_plans)}
    if facts.line["plan_code"] not in allowed:
        return Finding("wrong_plan", UPHELD, evidence, facts.amount_cents)
    return Finding("wrong_plan", NOTHING, evidence)


def recalculated(facts: Facts) -> Finding:
    """The line worked out again from the plan's price and the recorded use: what it should be,
    and the difference the customer gets back if it was billed too high."""
    line, plan = facts.line, facts.plan
    if line is None or plan is None:
        return Finding("recalculated", NOTHING, {})
    if line["kind"] == "subscription" and facts.invoice.get("period"):
        days = Period.parse(facts.invoice["period"]).days
        expected = round_cents(Fraction(plan["monthly_fee_cents"] * line["quantity"], days))
        evidence = {"monthly_fee_cents": plan["monthly_fee_cents"], "days": line["quantity"], "days_in_month": days,
                    "expected_cents": expected, "billed_cents": line["amount_cents"]}
    elif line["kind"] == "usage":
        price = (plan.get("usage") or {}).get(line["unit"]) or {}
        used = facts.usage_by_month.get(facts.invoice.get("period") or "", 0)
        included = price.get("included") or 0
        beyond = max(0, used - included)
        expected = beyond * int(price.get("price_cents") or 0)
        evidence = {"unit": line["unit"], "used": used, "included": included, "beyond": beyond,
                    "unit_price_cents": price.get("price_cents"), "expected_cents": expected,
                    "billed_cents": line["amount_cents"]}
    elif line["kind"] == "connection":
        expected = int(plan.get("connection_fee_cents") or 0)
        evidence = {"connection_fee_cents": expected, "expected_cents": expected, "billed_cents": line["amount_cents"]}
    else:
        return Finding("recalculated", NOTHING, {})
    if line["amount_cents"] > expected:
        return Finding("recalculated", UPHELD, evidence, min(line["amount_cents"] - expected, facts.amount_cents))
    return Finding("recalculated", REJECTED, evidence)


def reading_in_line(facts: Facts) -> Finding:
    """A month's use against the months before: far above their median is out of line (a meter
    misread, a fault), which a person looks into; in line, it supports the bill."""
    line = facts.line
    period = facts.invoice.get("period")
    if line is None or line["kind"] != "usage" or not period:
        return Finding("reading_in_line", NOTHING, {})
    before = sorted((month, used) for month, used in facts.usage_by_month.items() if month < period)[-HISTORY_MONTHS:]
    history = [used for _, used in before]
    this_month = facts.usage_by_month.get(period, 0)
    evidence = {"unit": line["unit"], "this_month": this_month,
                "history": [{"period": m, "used": u} for m, u in before]}
    if len(history) < MIN_HISTORY_MONTHS:
        return Finding("reading_in_line", NOTHING, {**evidence, "too_little_history": True})
    median = statistics.median(history)
    evidence["median"] = median
    if this_month > OUT_OF_LINE_FACTOR * median:
        return Finding("reading_in_line", PERSON, evidence)
    return Finding("reading_in_line", REJECTED, evidence)


def good_standing_trust(facts: Facts) -> Finding:
    """A small amount, disputed by a customer with nothing overdue who has rarely needed this,
    is accepted on their word: checking it would cost more than it is worth."""
    evidence = {"limit_cents": TRUST_LIMIT_CENTS, "overdue_invoices": facts.overdue_invoices,
                "trusted_recently": facts.trusted_recently}
    if facts.amount_cents <= TRUST_LIMIT_CENTS and facts.overdue_invoices == 0 \
            and facts.trusted_recently < TRUST_PER_YEAR:
        return Finding("good_standing_trust", UPHELD, evidence, facts.amount_cents)
    return Finding("good_standing_trust", NOTHING, evidence)


def signed_for_it(facts: Facts) -> Finding:
    """A fee for a product the customer signed a contract for online (their one-time code confirmed
    the signature), billed for a month in which it ran, is theirs: "not mine" is answered with the
    contract. Use is not covered by it (a SIM or a meter can be used by someone else)."""
    line, product = facts.line, facts.product
    if line is None or product is None or line["kind"] not in ("subscription", "connection") \
            or facts.signed is None:
        return Finding("signed_for_it", NOTHING, {})
    period = Period.parse(facts.invoice["period"]) if facts.invoice.get("period") else None
    started = date.fromisoformat(product["started_at"][:10]) if product.get("started_at") else None
    last_day = date.fromisoformat(product["last_day"]) if product.get("last_day") else None
    ran = period is None or ((started is None or started <= period.last_day)
                             and (last_day is None or last_day >= period.first_day))
    evidence = {"signed_on": facts.signed["accepted_at"][:10], "terms_version": facts.signed["terms_version"],
                "first_day": started.isoformat() if started else None}
    return Finding("signed_for_it", REJECTED if ran else NOTHING, evidence)


def usage_duplicated(facts: Facts) -> Finding:
    """The same use recorded twice: another record of the product and unit, of the same quantity,
    within DUPLICATE_WITHIN_SECONDS of it, means this one is counted twice."""
    if facts.record is None:
        return Finding("usage_duplicated", NOTHING, {})
    at = datetime.fromisoformat(facts.record["occurred_at"].replace("Z", "+00:00"))
    same = [t for t in facts.twins if t["quantity"] == facts.record["quantity"]
            and abs((datetime.fromisoformat(t["occurred_at"].replace("Z", "+00:00")) - at).total_seconds())
            <= DUPLICATE_WITHIN_SECONDS]
    evidence = {"occurred_at": facts.record["occurred_at"], "quantity": facts.record["quantity"],
                "same_records": [t["occurred_at"] for t in same]}
    if same:
        return Finding("usage_duplicated", UPHELD, evidence, facts.amount_cents)
    return Finding("usage_duplicated", REJECTED, evidence)


def usage_outside_lifetime(facts: Facts) -> Finding:
    """Use recorded before the product started or after its last day is not the customer's."""
    if facts.record is None or facts.product is None:
        return Finding("usage_outside_lifetime", NOTHING, {})
    day = datetime.fromisoformat(facts.record["occurred_at"].replace("Z", "+00:00")).astimezone(BUSINESS_TIME).date()
    started = facts.product.get("started_at")
    first_day = date.fromisoformat(started[:10]) if started else None
    last_day = date.fromisoformat(facts.product["last_day"]) if facts.product.get("last_day") else None
    evidence = {"occurred_on": day.isoformat(), "first_day": first_day.isoformat() if first_day else None,
                "last_day": last_day.isoformat() if last_day else None}
    if (first_day and day < first_day) or (last_day and day > last_day):
        return Finding("usage_outside_lifetime", UPHELD, evidence, facts.amount_cents)
    return Finding("usage_outside_lifetime", REJECTED, evidence)


#: the rules that can settle a dispute on the facts, per reason (the others go on trust or to a person)
FACT_RULES = {
    "charged_twice": (charged_twice,),
    "billed_after_cancellation": (billed_after_cancellation, wrong_plan),
    "wrong_amount": (wrong_plan, recalculated, reading_in_line),
    "not_mine": (billed_after_cancellation, wrong_plan, reading_in_line, signed_for_it),
    "not_delivered": (billed_after_cancellation,),
    "other": (wrong_plan,),
}
#: the same for a usage record: counted twice, outside the product's life, out of line with the months before
USAGE_RULES = {
    "charged_twice": (usage_duplicated,),
    "billed_after_cancellation": (usage_outside_lifetime,),
    "wrong_amount": (usage_duplicated, reading_in_line),
    "not_mine": (usage_duplicated, usage_outside_lifetime, reading_in_line),
    "not_delivered": (usage_outside_lifetime,),
    "other": (usage_duplicated, usage_outside_lifetime),
}
#: reasons a rejection on the facts settles (the customer says the bill is wrong in a way the facts
#: can show); for the others ("not mine", "not delivered", "other") the facts alone never reject,
#: except a contract the customer signed for the product billed (SETTLES_ANY)
REJECTABLE = ("charged_twice", "billed_after_cancellation", "wrong_amount")
SETTLES_ANY = ("signed_for_it",)


@dataclass
class Assessment:
    outcome: str  # upheld | rejected | person
    amount_cents: int
    basis: str  # rules | trust | person
    findings: list[Finding]

    def as_list(self) -> list[dict[str, Any]]:
        return [f.as_dict() for f in self.findings]


def assess(facts: Facts) -> Assessment:
    """Weigh the findings: upheld when a rule shows the customer is right (the largest amount any
    rule found, never more than disputed); else a person when a rule says one must look; else
    rejected when the facts contradict what the customer says; else accepted on trust when the
    amount is small and the customer in good standing; else a person."""
    findings = [rule(facts) for rule in (USAGE_RULES if facts.kind == "usage_record" else FACT_RULES)[facts.reason]]
    upheld = [f for f in findings if f.outcome == UPHELD]
    if upheld:
        return Assessment(UPHELD, max(f.amount_cents for f in upheld), "rules", findings)
    if any(f.outcome == PERSON for f in findings):
        return Assessment(PERSON, 0, "person", findings)
    if any(f.outcome == REJECTED and (facts.reason in REJECTABLE or f.rule in SETTLES_ANY) for f in findings):
        return Assessment(REJECTED, 0, "rules", findings)
    trust = good_standing_trust(facts)
    findings.append(trust)
    if trust.outcome == UPHELD:
        return Assessment(UPHELD, trust.amount_cents, "trust", findings)
    return Assessment(PERSON, 0, "person", findings)
