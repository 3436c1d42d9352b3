"""Money in whole cents and the rating of a month: exact arithmetic, no float anywhere."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest

from opencounter.pricing.money import euros, round_cents, split_evenly, vat_included
from opencounter.pricing.rating import (
    Period,
    Segment,
    add_months,
    compare_tariffs,
    eligible_plans,
    proration,
    rate,
    segments,
)

FIVE = {"code": "MOBILE-5GB", "tariff_group": "mobile", "name": "5 GB", "monthly_fee_cents": 1250,
        "usage": {"data_mb": {"included": 5120, "price_cents": 1}, "minutes": {"included": 300, "price_cents": 10}}}
TWENTY = {"code": "MOBILE-20GB", "tariff_group": "mobile", "name": "20 GB", "monthly_fee_cents": 1950,
          "usage": {"data_mb": {"included": 20480, "price_cents": 1}, "minutes": {"included": None, "price_cents": 0}}}
UNLIMITED = {"code": "MOBILE-UNLIMITED", "tariff_group": "mobile", "name": "Onbeperkt", "monthly_fee_cents": 3000,
             "usage": {"data_mb": {"included": None, "price_cents": 0},
                       "minutes": {"included": None, "price_cents": 0}}}
FIXED = {"code": "POWER-FIXED-1Y", "name": "Vast", "monthly_fee_cents": 650, "fixed_term_months": 12,
         "usage": {"kwh": {"included": 0, "price_cents": 29}}}
VARIABLE = {"code": "POWER-VARIABLE", "tariff_group": "power-variable", "name": "Variabel", "monthly_fee_cents": 650,
            "usage": {"kwh": {"included": 0, "price_cents": 27}}}
MOBILE = {p["code"]: p for p in (FIVE, TWENTY, UNLIMITED)}
NOVEMBER = Period(2026, 11)


@pytest.mark.parametrize(("amount", "cents"), [
    (Fraction(1251, 2), 626), (Fraction(1249, 2), 625), (Fraction(-1251, 2), -626), (Fraction(1000, 3), 333),
    (Fraction(2000, 3), 667), (7, 7)])
def test_amounts_round_half_away_from_zero_to_whole_cents(amount, cents):
    assert round_cents(amount) == cents
    assert isinstance(round_cents(amount), int)


def test_the_vat_in_a_price_that_includes_it():
    # 21% VAT inside EUR 12.10 is EUR 2.10; inside EUR 36.50 it is 633.47 -> 6.33
    assert vat_included(1210) == 210
    assert vat_included(3650) == 633


def test_splitting_an_amount_loses_no_cent():
    parts = split_evenly(10001, 3)
    assert parts == [3334, 3334, 3333]
    assert sum(parts) == 10001
    with pytest.raises(ValueError):
        split_evenly(100, 0)


def test_an_amount_reads_in_euros():
    assert euros(1250) == "EUR 12.50"
    assert euros(-305) == "-EUR 3.05"
    assert euros(1250, "nl") == "€ 12,50" and euros(-305, "nl") == "-€ 3,05" and euros(7, "nl") == "€ 0,07"


def test_a_plan_change_today_moves_the_rest_of_the_month_to_the_new_fee():
    # Given a EUR 12.50 plan changed to EUR 19.50 on 23 November (8 of 30 days left, today included)
    result = proration(1250, 1950, date(2026, 11, 23))
    # Then the old fee is credited and the new one charged for those days, each in whole cents
    assert result == {"days_left": 8, "days_in_month": 30, "credit_cents": -333, "charge_cents": 520,
                      "net_cents": 187}


def test_a_month_held_in_part_is_charged_per_day():
    # Given a plan held from 10 November: 21 of 30 days
    held = segments([{"plan_code": "MOBILE-5GB", "from": "2026-11-10"}], MOBILE, date(2026, 11, 10), None, NOVEMBER)
    rating = rate(held, {}, NOVEMBER)
    # Then the fee is 1250 x 21 / 30 = 875 cents
    assert [line["amount_cents"] for line in rating.lines] == [875]
    assert "21 of 30 days" in rating.lines[0]["description"]


def test_a_plan_changed_mid_month_is_charged_per_day_on_each_plan():
    history = [{"plan_code": "MOBILE-5GB", "from": "2026-01-01"}, {"plan_code": "MOBILE-20GB", "from": "2026-11-21"}]
    held = segments(history, MOBILE, date(2026, 1, 1), None, NOVEMBER)
    assert [(s.plan["code"], s.days) for s in held] == [("MOBILE-5GB", 20), ("MOBILE-20GB", 10)]
    rating = rate(held, {"data_mb": 21000}, NOVEMBER)
    # 1250 x 20/30 = 833.33 -> 833; 1950 x 10/30 = 650; data beyond the 20 GB plan in force at the end: 520 MB
    assert [line["amount_cents"] for line in rating.lines] == [833, 650, 520]


def test_a_cancelled_product_is_charged_up_to_its_last_day():
    held = segments([{"plan_code": "MOBILE-5GB", "from": "2026-01-01"}], MOBILE, date(2026, 1, 1),
                    date(2026, 11, 6), NOVEMBER)
    assert rate(held, {}, NOVEMBER).total_cents == 250  # 1250 x 6 / 30


def test_usage_beyond_the_bundle_is_charged_per_unit():
    held = [Segment(FIVE, NOVEMBER.first_day, NOVEMBER.last_day)]
    rating = rate(held, {"data_mb": 6000, "minutes": 310}, NOVEMBER)
    assert [(line["unit"], line["quantity"], line["amount_cents"]) for line in rating.lines[1:]] == [
        ("data_mb", 880, 880), ("minutes", 10, 100)]
    assert rating.total_cents == 1250 + 880 + 100


@pytest.mark.parametrize(("data_mb", "billed"), [
    (1000, "MOBILE-5GB"),  # within the small bundle: its fee is lowest
    (5120 + 700, "MOBILE-5GB"),  # 12.50 + 7.00 = 19.50 ties with 20 GB: the customer's own plan wins
    (5120 + 701, "MOBILE-20GB"),
    (20480 + 1051, "MOBILE-UNLIMITED"),  # 19.50 + 10.51 > 30.00
])
def test_the_month_is_billed_at_the_cheapest_eligible_plan(data_mb, billed):
    held = [Segment(FIVE, NOVEMBER.first_day, NOVEMBER.last_day)]
    comparison = compare_tariffs(held, MOBILE, {"data_mb": data_mb}, NOVEMBER)
    costs = {"MOBILE-5GB": 1250 + max(0, data_mb - 5120), "MOBILE-20GB": 1950 + max(0, data_mb - 20480),
             "MOBILE-UNLIMITED": 3000}
    assert comparison.billed.plan_code == billed
    assert comparison.billed.total_cents == min(costs.values())
    assert comparison.saving_cents == costs["MOBILE-5GB"] - min(costs.values())
    assert {o.plan_code: o.total_cents for o in comparison.options} == costs


def test_a_plan_is_rated_only_against_plans_of_its_tariff_group():
    # a fixed price (no group) is billed as it is, and is never offered to others
    plans = {p["code"]: p for p in (FIXED, VARIABLE, FIVE)}
    assert [p["code"] for p in eligible_plans(plans, "POWER-FIXED-1Y")] == ["POWER-FIXED-1Y"]
    assert [p["code"] for p in eligible_plans(plans, "POWER-VARIABLE")] == ["POWER-VARIABLE"]
    assert [p["code"] for p in eligible_plans(MOBILE, "MOBILE-20GB")] == list(MOBILE)


def test_months_and_periods():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)
    assert str(Period.parse("2026-12").next()) == "2027-01"
    assert str(Period.parse("2026-01").previous()) == "2025-12"
    with pytest.raises(ValueError):
        Period.parse("2026-13")
