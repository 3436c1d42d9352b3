"""A product's plan history as every channel shows it: newest first, each plan's first and last
day, and why it came; entries kept before reasons were read as well as they can be."""

from __future__ import annotations

from opencounter.customers.records import ProductHolding
from opencounter.customers.views import plan_periods
from opencounter.edge.identity import Caller


def _holding(history: list[dict], **fields: object) -> ProductHolding:
    values = {"product_id": "p1", "product_code": "MOBILE", "name": "Mobiel abonnement", "kind": "mobile",
              "plan": "20 GB", "plan_code": "MOBILE-20GB", "catalogue_version": "1", "status": "ACTIVE",
              "started_at": "2026-01-01", **fields}
    return ProductHolding(*ProductHolding.keys("c1", "p1"), plan_history=history, **values)


def test_each_plan_ends_the_day_before_the_next_began_and_the_current_one_is_open():
    holding = _holding([
        {"plan_code": "MOBILE-5GB", "plan_name": "5 GB", "from": "2026-01-01", "why": "signup", "by": None},
        {"plan_code": "MOBILE-UNLIMITED", "plan_name": "Onbeperkt", "from": "2026-03-01", "why": "staff",
         "by": "admin"},
        {"plan_code": "MOBILE-20GB", "plan_name": "20 GB", "from": "2026-04-15", "why": "advice", "by": None}])

    assert plan_periods(holding) == [
        {"plan_code": "MOBILE-20GB", "plan": "20 GB", "from": "2026-04-15", "until": None, "why": "advice",
         "by": None},
        {"plan_code": "MOBILE-UNLIMITED", "plan": "Onbeperkt", "from": "2026-03-01", "until": "2026-04-14",
         "why": "staff", "by": "admin"},
        {"plan_code": "MOBILE-5GB", "plan": "5 GB", "from": "2026-01-01", "until": "2026-02-28", "why": "signup",
         "by": None}]


def test_a_cancelled_product_held_on_its_plan_until_its_last_day():
    holding = _holding([{"plan_code": "MOBILE-20GB", "plan_name": "20 GB", "from": "2026-01-01",
                         "why": "order", "by": None}], ends_on="2026-06-30")
    assert plan_periods(holding)[0]["until"] == "2026-06-30"


def test_a_product_undone_by_a_failed_verification_ends_the_day_it_was_undone():
    holding = _holding([{"plan_code": "MOBILE-20GB", "from": "2026-01-01"}], status="TERMINATED",
                       ended_at="2026-01-03T10:00:00+00:00")
    assert plan_periods(holding)[0]["until"] == "2026-01-03"


def test_entries_kept_before_reasons_were_read_from_the_holding_and_say_no_reason_for_a_change():
    holding = _holding([{"plan_code": "MOBILE-5GB", "from": "2026-01-01"},
                        {"plan_code": "MOBILE-20GB", "from": "2026-02-01"}], order_id="o1")

    periods = plan_periods(holding)

    assert [(p["plan"], p["why"]) for p in periods] == [("20 GB", None), ("MOBILE-5GB", "order")]


def test_staff_are_kept_by_role_the_most_senior_first():
    def role(*groups: str) -> str:
        return Caller(subject="s", username="u", groups=frozenset(groups), customer_id=None).role

    assert (role("agents"), role("agents", "admins"), role("privacy"), role("customers")) == (
        "agent", "admin", "privacy", "customer")
