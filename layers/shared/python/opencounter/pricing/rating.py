"""Rating: what a month of a product costs on a plan, and which eligible plan costs least.

A month's subscription fee is charged for the days the product was held (fee x days held /
days in the month, exact until it is written down in cents). Usage beyond what a plan includes
is charged per unit at the plan's price. The best-tariff guarantee rates the same month on every
plan the customer could have been on and bills the cheapest; every comparison is kept, so the
saving can be shown.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

from opencounter.pricing.money import round_cents

UNITS = {"data_mb": "MB of data", "minutes": "call minutes", "sms": "text messages", "kwh": "kWh"}


@dataclass(frozen=True)
class Period:
    """A calendar month, the billing period: "2026-11"."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Period:
        try:
            year, month = (int(part) for part in text.split("-"))
            date(year, month, 1)
        except ValueError:
            raise ValueError(f"{text!r} is not a month (YYYY-MM)") from None
        return cls(year, month)

    @classmethod
    def of(cls, day: date) -> Period:
        return cls(day.year, day.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def days(self) -> int:
        return calendar.monthrange(self.year, self.month)[1]

    @property
    def last_day(self) -> date:
        return date(self.year, self.month, self.days)

    def previous(self) -> Period:
        return Period.of(self.first_day - timedelta(days=1))

    def next(self) -> Period:
        return Period.of(self.last_day + timedelta(days=1))


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or that month's last day when it is shorter (31 Jan -> 28 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def proration(old_fee: int, new_fee: int, today: date) -> dict[str, int]:
    """What a change today does to this month's fees: the rest of the month (today included)
    moves from the old fee to the new one, in whole cents."""
    period = Period.of(today)
    days_left = period.days - today.day + 1
    credit = -round_cents(Fraction(old_fee * days_left, period.days))
    charge = round_cents(Fraction(new_fee * days_left, period.days))
    return {"days_left": days_left, "days_in_month": period.days, "credit_cents": credit, "charge_cents": charge,
            "net_cents": credit + charge}


@dataclass(frozen=True)
class Segment:
    """Days of the period on one plan: [start, end] inclusive."""

    plan: dict[str, Any]
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def segments(plan_history: list[dict[str, Any]], plans: dict[str, dict[str, Any]], started: date,
             ended: date | None, period: Period) -> list[Segment]:
    """The plans in force during the period, from a holding's plan history ([{plan_code, from}],
    oldest first), clipped to the days the product was held in that period."""
    first = max(started, period.first_day)
    last = min(ended or period.last_day, period.last_day)
    result = []
    for index, change in enumerate(plan_history):
        start = max(date.fromisoformat(change["from"]), first)
        following = plan_history[index + 1]["from"] if index + 1 < len(plan_history) else None
        end = min(date.fromisoformat(following) - timedelta(days=1), last) if following else last
        if start <= end:
            result.append(Segment(plans[change["plan_code"]], start, end))
    return result


@dataclass
class Rating:
    """A month of one product on a plan (or on its actual plans): the lines and their total."""

    plan_code: str
    plan_name: str
    lines: list[dict[str, Any]] = field(default_factory=list)

    @property
    def total_cents(self) -> int:
        return sum(line["amount_cents"] for line in self.lines)


def rate(segments_: list[Segment], usage: dict[str, int], period: Period) -> Rating:
    """Rate a month: a fee line per plan segment, then usage beyond the bundle of the plan in
    force at the end of the month."""
    last_plan = segments_[-1].plan
    rating = Rating(last_plan["code"], last_plan["name"])
    for segment in segments_:
        fee = segment.plan["monthly_fee_cents"]
        whole_month = segment.days == period.days
        rating.lines.append({
            "kind": "subscription", "plan_code": segment.plan["code"],
            "description": f"{segment.plan['name']}: monthly fee" if whole_month else
            f"{segment.plan['name']}: {segment.days} of {period.days} days "
            f"({segment.start.isoformat()} to {segment.end.isoformat()})",
            "quantity": segment.days, "unit": "days", "unit_price_cents": None,
            "amount_cents": round_cents(Fraction(fee * segment.days, period.days)),
        })
    for unit, used in sorted(usage.items()):
        price = (last_plan.get("usage") or {}).get(unit)
        if not used or price is None:
            continue
        included = price["included"]
        beyond = 0 if included is None else max(0, int(used) - included)
        if beyond and price["price_cents"]:
            rating.lines.append({
                "kind": "usage", "plan_code": last_plan["code"],
                "description": f"{UNITS.get(unit, unit)} beyond your bundle ({int(used)} used, "
                               f"{included} included)" if included else f"{UNITS.get(unit, unit)} used",
                "quantity": beyond, "unit": unit, "unit_price_cents": price["price_cents"],
                "amount_cents": beyond * price["price_cents"],
            })
    return rating


def eligible_plans(plans: dict[str, dict[str, Any]], current_code: str) -> list[dict[str, Any]]:
    """The plans a month may be billed on: those of the current plan's tariff group (the same
    service, priced differently for the same use). A plan without a group, such as a speed tier
    or a fixed price, is billed as it is."""
    current = plans[current_code]
    group = current.get("tariff_group")
    if not group:
        return [current]
    return [plan for plan in plans.values() if plan.get("tariff_group") == group]


@dataclass
class TariffComparison:
    """The actual plans' rating, every eligible alternative, and the one billed (the cheapest)."""

    actual: Rating
    options: list[Rating]

    @property
    def billed(self) -> Rating:
        # on a tie the customer's own plans win: no needless "billed at another plan" line
        return min([self.actual, *self.options], key=lambda r: (r.total_cents, r is not self.actual))

    @property
    def saving_cents(self) -> int:
        return self.actual.total_cents - self.billed.total_cents


def compare_tariffs(held: list[Segment], plans: dict[str, dict[str, Any]], usage: dict[str, int],
                    period: Period) -> TariffComparison:
    """Rate the month as held, and on every eligible plan for the same days."""
    actual = rate(held, usage, period)
    options = []
    for plan in eligible_plans(plans, held[-1].plan["code"]):
        whole = [Segment(plan, segment.start, segment.end) for segment in held]
        option = rate(whole, usage, period)
        if len(whole) > 1:  # one plan all along: one fee line for all the days held
            option.lines = _merge_fee_lines(option.lines, plan, sum(s.days for s in held), period)
        options.append(option)
    return TariffComparison(actual, options)


def _merge_fee_lines(lines: list[dict[str, Any]], plan: dict[str, Any], days: int, period: Period) -> list[dict]:
    usage = [line for line in lines if line["kind"] != "subscription"]
    fee = {"kind": "subscription", "plan_code": plan["code"],
           "description": f"{plan['name']}: {days} of {period.days} days", "quantity": days, "unit": "days",
           "unit_price_cents": None,
           "amount_cents": round_cents(Fraction(plan["monthly_fee_cents"] * days, period.days))}
    return [fee, *usage]
