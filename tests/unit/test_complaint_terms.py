"""A complaint's term counts working days on the Dutch calendar: no weekends, no public holidays
(core/holidays.py), and ends at 17:00 Amsterdam on its last day."""

from __future__ import annotations

from datetime import date

import pytest

from opencounter.complaints.service import TERM_DAYS, term_end
from opencounter.core.clock import add_working_days


@pytest.mark.parametrize(("filed", "answered_by"), [
    (date(2027, 3, 1), date(2027, 3, 15)),  # two plain weeks
    (date(2027, 3, 24), date(2027, 4, 9)),  # Goede Vrijdag (26 March) and tweede Paasdag (29 March)
    (date(2027, 4, 26), date(2027, 5, 13)),  # Koningsdag (27 April), 5 mei and Hemelvaartsdag (6 May)
    (date(2026, 12, 18), date(2027, 1, 5)),  # both Kerstdagen and Nieuwjaarsdag
    (date(2027, 3, 6), date(2027, 3, 19)),  # filed on a Saturday: the days count from the Monday
])
def test_the_term_skips_weekends_and_public_holidays(filed, answered_by):
    assert add_working_days(filed, TERM_DAYS) == answered_by


def test_the_term_ends_at_the_end_of_the_working_day_in_amsterdam():
    assert term_end(date(2027, 1, 5)) == "2027-01-05T16:00:00.000Z"  # 17:00 CET
    assert term_end(date(2027, 7, 5)) == "2027-07-05T15:00:00.000Z"  # 17:00 CEST
