"""How long a single usage record is kept: six months after its own month, or after the month it
arrived in when it came late, so a redelivery is always recognised while the record is kept."""

from __future__ import annotations

from datetime import UTC, datetime

from opencounter.billing.usage import _kept_until
from opencounter.pricing.rating import Period


def test_a_record_is_kept_until_the_start_of_the_seventh_month_after_its_own_in_amsterdam():
    kept = _kept_until(Period.parse("2026-10"), datetime(2026, 10, 20, 12, tzinfo=UTC))
    assert kept.astimezone(UTC) == datetime(2027, 4, 30, 22, tzinfo=UTC)  # 1 May 00:00, summer time


def test_a_record_sent_late_is_kept_six_months_after_it_arrived():
    kept = _kept_until(Period.parse("2026-01"), datetime(2026, 12, 5, 9, tzinfo=UTC))
    assert kept.astimezone(UTC) == datetime(2027, 6, 30, 22, tzinfo=UTC)


def test_the_month_change_on_new_years_eve_counts_in_amsterdam():
    # 31 December 23:30 UTC is already January in Amsterdam: the arrival month is January
    kept = _kept_until(Period.parse("2026-12"), datetime(2026, 12, 31, 23, 30, tzinfo=UTC))
    assert kept.astimezone(UTC) == datetime(2027, 7, 31, 22, tzinfo=UTC)
