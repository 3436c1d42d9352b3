"""The daily retention sweep: deletes what the table's TTL cannot, the kinds the retention table
(privacy/retention.py) marks "sweep". Each is found through GSI1, where it is put by the day it is
due when its end becomes known, so a run reads only what is due: never a Scan of the table.

A run may stop halfway (its time runs out, the process dies): each kind's deletion may run again,
and what is left is found again the next day. An item whose deletion failed is left for the next
run, the others go on; the run then fails, so the failure is seen (Lambda's retries, then the
asynchronous-failure queue, alarmed)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from opencounter.core.clock import business_today
from opencounter.disputes.evidence import files_due, forget_files

#: kind -> (what is due by a day, the deletion of one: its outcome)
SWEPT: dict[str, tuple[Callable[[date], Iterator[Any]], Callable[[Any], str]]] = {
    "DisputeEvidence": (files_due, forget_files),
}
#: a run stops taking on more this long before its time is up (milliseconds)
STOP_BEFORE_MS = 10_000


class SweepIncomplete(RuntimeError):
    """Some deletions failed; they are found again by the next run."""


def sweep(today: date | None = None, *, time_left_ms: Callable[[], int] | None = None) -> dict[str, dict[str, int]]:
    """Delete everything due by `today` (Amsterdam's today by default): per kind, how many items
    had which outcome ("forgotten", "open", "failed"), and "unfinished" when time ran out first.
    SweepIncomplete (with the counts) when a deletion failed."""
    today = today or business_today()
    done: dict[str, Counter[str]] = {kind: Counter() for kind in SWEPT}
    failures: list[str] = []
    for kind, (due, forget) in SWEPT.items():
        for item in due(today):
            if time_left_ms is not None and time_left_ms() < STOP_BEFORE_MS:
                done[kind]["unfinished"] += 1
                break
            try:
                done[kind][forget(item)] += 1
            except Exception as error:  # the others go on; this one is found again tomorrow
                done[kind]["failed"] += 1
                failures.append(f"{kind}: {type(error).__name__}")
    counts = {kind: dict(outcomes) for kind, outcomes in done.items()}
    if failures:
        raise SweepIncomplete(f"{len(failures)} deletions failed ({', '.join(sorted(set(failures)))}): {counts}")
    return counts
