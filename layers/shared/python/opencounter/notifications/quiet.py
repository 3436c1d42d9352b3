"""Quiet hours: from 21:00 to 08:00 (Amsterdam) no notice buzzes a customer's phone. A WhatsApp
message or a text that would go then is held, with its event, until the morning, and a release
every few minutes sends what is due: on the channel the customer prefers by then, if they still
consent to it. E-mail waits for no one (it is read when the reader chooses), and what only helps
at once goes at once: the engineer on the way, the link to pay staff send during a call.

A held notice is one item per event (HeldNotice, in the customer's notices partition): the event
delivered again while it waits holds nothing twice, and the release sends it through the same
`notify`, whose record of each event sent keeps a release run twice from sending twice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from typing import Any

from opencounter.core.clock import BUSINESS_TIME, isoformat, utcnow
from opencounter.notifications.records import HeldNotice

#: when the quiet hours begin and end, on the Amsterdam clock
QUIET_FROM, QUIET_UNTIL = time(21, 0), time(8, 0)
#: notices that only help at once: sent in the quiet hours too
AT_ONCE = frozenset({"AppointmentEnRoute", "PaymentLinkSent"})
#: held notices released per page
PAGE = 100


def quiet_until(moment: datetime) -> datetime | None:
    """The moment (UTC) the quiet hours `moment` falls in end, or None outside them. Worked on the
    Amsterdam clock, so a night the clocks change on ends at 08:00 all the same."""
    local = moment.astimezone(BUSINESS_TIME)
    if QUIET_UNTIL <= local.time() < QUIET_FROM:
        return None
    day = local.date() if local.time() < QUIET_UNTIL else local.date() + timedelta(days=1)
    return datetime.combine(day, QUIET_UNTIL, BUSINESS_TIME).astimezone(moment.tzinfo)


def quiet_now() -> datetime | None:
    """When the quiet hours we are in end, or None: it is not quiet now."""
    return quiet_until(utcnow())


def hold(detail_type: str, detail: dict[str, Any], until: datetime) -> str:
    """Keep the notice of an event until `until`: "held" (also when it was held already)."""
    held = HeldNotice(*HeldNotice.keys(detail["customer_id"], detail["event_id"]), detail_type=detail_type,
                      detail=detail, release_at=isoformat(until))
    held.index()
    held.save()  # the same event held again is the same item, the same moment
    return "held"


def release(notify: Callable[[str, dict[str, Any]], str]) -> dict[str, int]:
    """Send every held notice due by now through `notify`, then let it go; {outcome: count}. A
    run that dies halfway leaves the rest held for the next, and one sent but not yet let go is
    not sent again (`notify` finds it sent)."""
    outcomes: dict[str, int] = {}
    due = HeldNotice.lookup.query(HeldNotice.LIST, HeldNotice.GSI1SK <= f"{isoformat(utcnow())}~", page_size=PAGE)
    for held in due:
        if not isinstance(held, HeldNotice):
            continue
        outcome = notify(held.detail_type, held.detail)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        held.delete()
    return outcomes
