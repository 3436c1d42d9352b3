"""Each rule of a dispute's assessment, upheld and rejected, and how the findings weigh into one
outcome: plain functions of the facts, no table."""

from __future__ import annotations

from typing import Any

import pytest

from opencounter.disputes import rules
from opencounter.disputes.rules import Facts

FIBRE = {"code": "FIBRE-100", "monthly_fee_cents": 4250, "connection_fee_cents": 5000, "usage": None}
MOBILE = {"code": "MOBILE-5GB", "monthly_fee_cents": 1250,
          "usage": {"data_mb": {"included": 5000, "price_cents": 1}, "minutes": {"included": None, "price_cents": 0}}}


def facts(**changes: Any) -> Facts:
    """A fibre subscription line of October 2026 (31 days, EUR 42.50), the product active since
    January, the invoice unpaid; `changes` replace any part."""
    base: dict[str, Any] = {
        "reason": "wrong_amount", "amount_cents": 4250,
        "invoice": {"invoice_id": "OC-20261101-00000001", "period": "2026-10", "total_cents": 4250,
                    "credited_cents": 0},
        "line": {"kind": "subscription", "plan_code": "FIBRE-100", "quantity": 31, "unit": "days",
                 "amount_cents": 4250, "description": "Fibre 100: monthly fee", "product_id": "p1"},
        "product": {"status": "ACTIVE", "started_at": "2026-01-01", "last_day": None, "kind": "internet",
                    "plan_history": [{"plan_code": "FIBRE-100", "from": "2026-01-01"}]},
        "plan": FIBRE, "billed_plans": {"FIBRE-100"},
    }
    return Facts(**{**base, **changes})


def usage_facts(used: int, history: list[int], billed: int) -> Facts:
    months = ["2026-04", "2026-05", "2026-06", "2026-07", "2026-08", "2026-09"][-len(history):] if history else []
    return facts(amount_cents=billed, plan=MOBILE, billed_plans={"MOBILE-5GB"},
                 line={"kind": "usage", "plan_code": "MOBILE-5GB", "quantity": max(0, used - 5000), "unit": "data_mb",
                       "amount_cents": billed, "description": "Data beyond your bundle", "product_id": "p1"},
                 product={"status": "ACTIVE", "started_at": "2026-01-01", "last_day": None, "kind": "mobile",
                          "plan_history": [{"plan_code": "MOBILE-5GB", "from": "2026-01-01"}]},
                 usage_by_month={**dict(zip(months, history, strict=True)), "2026-10": used})


def test_a_line_that_adds_up_is_rejected_with_its_calculation_and_one_that_does_not_is_upheld_for_the_difference():
    right = rules.recalculated(facts())
    assert right.outcome == rules.REJECTED and right.evidence["expected_cents"] == 4250
    wrong = rules.recalculated(facts(line={**facts().line, "amount_cents": 5000}, amount_cents=5000))
    assert (wrong.outcome, wrong.amount_cents) == (rules.UPHELD, 750)
    # usage: 6000 MB used, 5000 included, 1 cent a MB beyond: 1000 cents, not 1500
    over = rules.recalculated(usage_facts(6000, [], 1500))
    assert (over.outcome, over.amount_cents, over.evidence["beyond"]) == (rules.UPHELD, 500, 1000)
    assert rules.recalculated(usage_facts(6000, [], 1000)).outcome == rules.REJECTED


def test_billing_after_the_product_ended_is_upheld_and_billing_while_it_ran_is_rejected():
    ended = facts(reason="billed_after_cancellation", product={**facts().product, "status": "ENDED",
                                                               "last_day": "2026-09-30"})
    assert rules.billed_after_cancellation(ended).outcome == rules.UPHELD
    assert rules.assess(ended).outcome == rules.UPHELD
    running = facts(reason="billed_after_cancellation")
    assert rules.billed_after_cancellation(running).outcome == rules.REJECTED
    assert rules.assess(running).outcome == rules.REJECTED
    later = facts(reason="billed_after_cancellation", product={**facts().product, "last_day": "2026-11-30"})
    assert rules.billed_after_cancellation(later).outcome == rules.REJECTED


def test_a_plan_the_product_never_had_is_a_wrong_tariff():
    assert rules.wrong_plan(facts(line={**facts().line, "plan_code": "FIBRE-1000"})).outcome == rules.UPHELD
    assert rules.wrong_plan(facts()).outcome == rules.NOTHING
    # the cheaper plan the best-tariff guarantee billed is not wrong
    cheaper = facts(line={**facts().line, "plan_code": "FIBRE-50"}, billed_plans={"FIBRE-50"})
    assert rules.wrong_plan(cheaper).outcome == rules.NOTHING


def test_money_kept_beyond_what_the_invoice_asks_was_charged_twice_and_goes_back():
    paid = {"payment_id": "pi_1", "received_cents": 4250, "refunded_cents": 0, "disputed_cents": 0,
            "kept_cents": 4250, "created_at": "2026-11-02T10:00:00Z"}
    twice = rules.charged_twice(facts(reason="charged_twice", payments=[paid, {**paid, "payment_id": "pi_2"}]))
    assert (twice.outcome, twice.amount_cents) == (rules.UPHELD, 4250)
    once = rules.charged_twice(facts(reason="charged_twice", payments=[paid]))
    assert once.outcome == rules.REJECTED and once.evidence["kept_cents"] == 4250


def test_a_reading_far_above_its_history_goes_to_a_person_and_one_in_line_supports_the_bill():
    out_of_line = usage_facts(30000, [6000, 5500, 6200, 5800], 25000)
    assert rules.reading_in_line(out_of_line).outcome == rules.PERSON
    assert rules.assess(out_of_line).outcome in (rules.UPHELD, rules.PERSON)
    in_line = usage_facts(6100, [6000, 5500, 6200, 5800], 1100)
    finding = rules.reading_in_line(in_line)
    assert finding.outcome == rules.REJECTED and finding.evidence["median"] == 5900
    assert rules.reading_in_line(usage_facts(30000, [6000], 25000)).outcome == rules.NOTHING


@pytest.mark.parametrize("changes, outcome", [
    ({}, rules.UPHELD),
    ({"amount_cents": rules.TRUST_LIMIT_CENTS + 1}, rules.PERSON),
    ({"overdue_invoices": 1}, rules.PERSON),
    ({"trusted_recently": rules.TRUST_PER_YEAR}, rules.PERSON),
])
def test_a_small_amount_from_a_customer_in_good_standing_is_taken_on_trust_and_anything_else_goes_to_a_person(
        changes, outcome):
    assessment = rules.assess(facts(**{"reason": "not_mine", "amount_cents": 1000, **changes}))
    assert assessment.outcome == outcome
    if outcome == rules.UPHELD:
        assert (assessment.basis, assessment.amount_cents) == ("trust", 1000)


def test_what_the_customer_says_the_facts_cannot_show_is_never_rejected_on_them():
    # "not mine" on a correctly calculated line: the facts support the bill but cannot prove who used it
    assessment = rules.assess(facts(reason="not_mine", amount_cents=4250))
    assert assessment.outcome == rules.PERSON
    assert rules.assess(facts(reason="wrong_amount")).outcome == rules.REJECTED


SIGNED = {"accepted_at": "2025-12-20T10:04:00Z", "terms_version": "2025-11"}


def test_a_fee_for_a_product_signed_for_online_is_the_customers_even_when_they_say_it_is_not():
    # the contract answers "not mine" on a fee of a month the product ran, whatever the amount
    for amount in (1000, 4250):
        signed = facts(reason="not_mine", amount_cents=amount, signed=SIGNED)
        assessment = rules.assess(signed)
        assert (assessment.outcome, assessment.basis) == (rules.REJECTED, "rules")
        [found] = [f for f in assessment.findings if f.rule == "signed_for_it"]
        assert found.evidence == {"signed_on": "2025-12-20", "terms_version": "2025-11", "first_day": "2026-01-01"}
    # but not a month after the product ended (upheld on those facts), nor use, nor without a signature
    ended = facts(reason="not_mine", signed=SIGNED, product={**facts().product, "last_day": "2026-09-30"})
    assert rules.signed_for_it(ended).outcome == rules.NOTHING and rules.assess(ended).outcome == rules.UPHELD
    use = usage_facts(6000, [], 1000)
    assert rules.signed_for_it(facts(**{**use.__dict__, "reason": "not_mine", "signed": SIGNED})).outcome == \
        rules.NOTHING
    assert rules.signed_for_it(facts(reason="not_mine")).outcome == rules.NOTHING


def record_facts(reason: str = "charged_twice", *, occurred_at: str = "2026-10-15T12:00:00Z",
                 twins: list[dict] | None = None, started_at: str = "2026-01-01", last_day: str | None = None,
                 amount_cents: int = 300) -> Facts:
    """A 300 MB data session of October disputed on its own, beside the month's other records."""
    return facts(
        reason=reason, kind="usage_record", amount_cents=amount_cents, plan=None,
        line={"kind": "usage", "unit": "data_mb", "product_id": "p1"},
        product={"status": "ACTIVE", "started_at": started_at, "last_day": last_day, "kind": "mobile",
                 "plan_history": [{"plan_code": "MOBILE-5GB", "from": started_at}]},
        record={"record_id": "r1", "quantity": 300, "occurred_at": occurred_at}, twins=twins or [])


def test_a_record_with_a_twin_within_a_minute_is_counted_twice_and_one_further_apart_is_not():
    twin = {"record_id": "r2", "quantity": 300, "occurred_at": "2026-10-15T12:00:40Z"}
    twice = rules.usage_duplicated(record_facts(twins=[twin]))
    assert (twice.outcome, twice.amount_cents, twice.evidence["same_records"]) == (
        rules.UPHELD, 300, ["2026-10-15T12:00:40Z"])
    assert rules.assess(record_facts(twins=[twin])).outcome == rules.UPHELD
    later = {**twin, "occurred_at": "2026-10-15T12:01:01Z"}
    other_size = {**twin, "quantity": 301}
    once = record_facts(twins=[later, other_size])
    assert rules.usage_duplicated(once).outcome == rules.REJECTED
    assert rules.assess(once).outcome == rules.REJECTED  # "charged twice" is what the facts contradict


def test_use_outside_the_products_life_is_upheld_in_amsterdam_days_and_use_within_it_is_rejected():
    # 23:30 UTC on 9 October is 01:30 on 10 October in Amsterdam: the first day of a product from the 10th
    first_night = record_facts("billed_after_cancellation", occurred_at="2026-10-09T23:30:00Z", started_at="2026-10-10")
    assert rules.usage_outside_lifetime(first_night).outcome == rules.REJECTED
    before = record_facts("billed_after_cancellation", occurred_at="2026-10-09T21:30:00Z", started_at="2026-10-10")
    assert rules.usage_outside_lifetime(before).outcome == rules.UPHELD
    after_end = record_facts("not_mine", last_day="2026-10-14")
    found = rules.usage_outside_lifetime(after_end)
    assert (found.outcome, found.evidence["occurred_on"], found.evidence["last_day"]) == (
        rules.UPHELD, "2026-10-15", "2026-10-14")
    assert rules.assess(after_end).outcome == rules.UPHELD


def test_a_record_said_not_to_be_mine_that_the_facts_support_goes_on_trust_or_to_a_person_never_rejected():
    small = record_facts("not_mine", amount_cents=300)
    assert (rules.assess(small).outcome, rules.assess(small).basis) == (rules.UPHELD, "trust")
    large = record_facts("not_mine", amount_cents=rules.TRUST_LIMIT_CENTS + 1)
    assert rules.assess(large).outcome == rules.PERSON
