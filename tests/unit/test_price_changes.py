"""The rating rule of a price change (ADR 38): a product is rated at the catalogue version it holds
until a later version's plan reaches it: a rise from the day announced, a drop or a new plan at once."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest

from opencounter.core.errors import InvalidInput

TODAY = date(2026, 12, 5)


def _document(fees: dict[str, int], prices_from: str | None = None) -> dict[str, Any]:
    plans = [{"code": code, "tariff_group": "mobile", "name": code, "monthly_fee_cents": fee,
              "usage": {"data_mb": {"included": 1000, "price_cents": 1}}} for code, fee in fees.items()]
    document = {"version": f"unit-{uuid.uuid4().hex[:8]}", "currency": "EUR", "vat_rate_percent": 21,
                "products": [{"code": "MOBILE", "kind": "mobile", "name": "Mobiel", "plans": plans}]}
    if prices_from:
        document["prices_from"] = prices_from
    return document


def _fees(plans: dict[str, dict[str, Any]]) -> dict[str, int]:
    return {code: plan["monthly_fee_cents"] for code, plan in plans.items()}


def test_a_rise_reaches_older_holders_on_its_day_and_new_ones_at_once(table):
    from opencounter.catalogue.service import load_catalogue, plans_to_rate, price_changes

    first = _document({"S": 1000, "L": 2000})
    load_catalogue(first, today=TODAY)
    raised = _document({"S": 1200, "L": 2000}, prices_from="2027-02-01")
    load_catalogue(raised, today=TODAY)

    held, current = first["version"], raised["version"]
    assert _fees(plans_to_rate("MOBILE", held, current, on=date(2027, 1, 1))) == {"S": 1000, "L": 2000}
    assert _fees(plans_to_rate("MOBILE", held, current, on=date(2027, 2, 1))) == {"S": 1200, "L": 2000}
    # a product held under the new version (a sign-up, an order today) has its prices at once
    assert _fees(plans_to_rate("MOBILE", current, current, on=date(2027, 1, 1))) == {"S": 1200, "L": 2000}
    [change] = price_changes("MOBILE", "S", held, current, today=TODAY)
    assert (change["prices_from"], change["old"]["monthly_fee_cents"], change["new"]["monthly_fee_cents"]) == (
        "2027-02-01", 1000, 1200)
    assert price_changes("MOBILE", "L", held, current, today=TODAY) == []
    assert price_changes("MOBILE", "S", held, current, today=date(2027, 2, 1)) == []


def test_a_drop_or_a_new_plan_reaches_everyone_this_month_and_the_best_tariff_sees_it(table):
    from opencounter.catalogue.service import load_catalogue, plans_to_rate

    first = _document({"S": 1000, "L": 2000})
    load_catalogue(first, today=TODAY)
    dropped = _document({"S": 800, "L": 2000, "XS": 500})
    load_catalogue(dropped, today=TODAY)

    assert _fees(plans_to_rate("MOBILE", first["version"], dropped["version"], on=date(2026, 12, 1))) == {
        "S": 800, "L": 2000, "XS": 500}


def test_a_later_version_keeps_a_rise_announced_and_cannot_add_one_without_notice(table):
    from opencounter.catalogue.service import load_catalogue, plans_to_rate

    first = _document({"S": 1000, "L": 2000})
    load_catalogue(first, today=TODAY)
    load_catalogue(_document({"S": 1200, "L": 2000}, prices_from="2027-02-01"), today=TODAY)
    # a version loaded meanwhile with the same rise (another product changed, say) keeps its day
    again = _document({"S": 1200, "L": 2000})
    load_catalogue(again, today=date(2026, 12, 20))
    assert _fees(plans_to_rate("MOBILE", first["version"], again["version"], on=date(2027, 1, 1)))["S"] == 1000
    assert _fees(plans_to_rate("MOBILE", first["version"], again["version"], on=date(2027, 2, 1)))["S"] == 1200
    # a further rise needs its own notice: too soon, not the first of a month, or no day at all
    for prices_from in ("2027-01-01", "2027-02-15", None):
        with pytest.raises(InvalidInput) as refused:
            load_catalogue(_document({"S": 1200, "L": 2500}, prices_from=prices_from), today=date(2026, 12, 20))
        assert refused.value.reason == "price_rise_too_soon"
