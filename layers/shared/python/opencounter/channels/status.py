"""Which contact channels are open and what a contact there can expect now, from live figures.

Phone, chat and messaging are queues (Erlang A with the channel's known patience, Erlang C
otherwise); a messaging agent keeps several conversations going at once, so each agent counts
that many times. E-mail and X are a backlog worked off at the team's throughput. Every
prediction given to a queued contact is kept with the wait it then had, so accuracy shows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from opencounter.channels.queueing import (
    NORM_SERVICE_LEVEL,
    NORM_THRESHOLD_S,
    QueueFigures,
    backlog_wait,
    estimate_wait,
)
from opencounter.channels.records import ArrivalCount, ChannelFigures
from opencounter.core.clock import utcnow
from opencounter.core.outbox import Write
from opencounter.core.table import Item

BUSINESS_TIME = ZoneInfo("Europe/Amsterdam")
WEEKDAYS, SATURDAY, SUNDAY = range(5), 5, 6
#: opening hours per weekday (Monday 0) in Amsterdam time
SERVICE_HOURS = {**{d: (time(8), time(20)) for d in WEEKDAYS}, SATURDAY: (time(9), time(17))}
MESSAGING_HOURS = {d: (time(8), time(22)) for d in range(7)}
OFFICE_HOURS = {**{d: (time(9), time(17, 30)) for d in WEEKDAYS}, SATURDAY: (time(10), time(16))}
ALWAYS = {d: (time(0), time(23, 59, 59)) for d in range(7)}
#: below this many handled contacts the configured handle time is used, not the measured one
MIN_HANDLED_FOR_MEASURED = 5
ARRIVALS_KEPT = timedelta(days=2)


@dataclass(frozen=True)
class Channel:
    name: str
    label: str
    kind: str  # "queue" | "backlog" | "visit"
    hours: dict[int, tuple[time, time]]
    handle_s: float  # until enough contacts were handled to measure it
    patience_s: float | None = None  # how long people hold on, where known (abandonment)
    conversations_per_agent: int = 1
    callback: bool = False


CHANNELS = {c.name: c for c in (
    Channel("phone", "Phone", "queue", SERVICE_HOURS, 360, patience_s=180, callback=True),
    Channel("chat", "Chat", "queue", SERVICE_HOURS, 480, patience_s=240, conversations_per_agent=2),
    Channel("whatsapp", "WhatsApp", "queue", MESSAGING_HOURS, 600, conversations_per_agent=3),
    Channel("messenger", "Facebook Messenger", "queue", MESSAGING_HOURS, 600, conversations_per_agent=3),
    Channel("x", "X (Twitter)", "backlog", MESSAGING_HOURS, 420),
    Channel("email", "E-mail", "backlog", ALWAYS, 540),
    Channel("office", "Office", "visit", OFFICE_HOURS, 900),
)}
#: channels contacts arrive on (an office visit is booked, not queued)
CONTACT_CHANNELS = tuple(name for name, c in CHANNELS.items() if c.kind != "visit")


def _hour(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H")


def open_at(channel: Channel, moment: datetime) -> tuple[bool, datetime | None]:
    """Whether the channel is open at `moment`, and when it opens next if it is not."""
    local = moment.astimezone(BUSINESS_TIME)
    hours = channel.hours.get(local.weekday())
    if hours and hours[0] <= local.time() < hours[1]:
        return True, None
    for days_ahead in range(8):
        day = (local + timedelta(days=days_ahead)).date()
        hours = channel.hours.get(day.weekday())
        if hours:
            opening = datetime.combine(day, hours[0], BUSINESS_TIME)
            if opening > local:
                return False, opening
    return False, None


DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def opening_hours(channel: Channel) -> dict[str, str | None]:
    """Per weekday "HH:MM-HH:MM" in Amsterdam time, None when closed that day."""
    return {name: f"{hours[0]:%H:%M}-{hours[1]:%H:%M}" if (hours := channel.hours.get(day)) else None
            for day, name in enumerate(DAY_NAMES)}


def arrivals_per_hour(counts: dict[str, int], now: datetime) -> float:
    """Arrivals of the last hour: this hour so far, plus the part of the previous hour that still
    falls within the last sixty minutes (assumed evenly spread)."""
    elapsed = (now.minute * 60 + now.second) / 3600
    previous = counts.get(_hour(now - timedelta(hours=1)), 0)
    return counts.get(_hour(now), 0) + previous * (1 - elapsed)


def _figures() -> tuple[dict[str, ChannelFigures], dict[str, dict[str, int]]]:
    figures: dict[str, ChannelFigures] = {}
    arrivals: dict[str, dict[str, int]] = {}
    for item in Item.query("CHANNELS"):
        if isinstance(item, ChannelFigures):
            figures[item.channel] = item
        elif isinstance(item, ArrivalCount):
            arrivals.setdefault(item.channel, {})[item.hour] = int(item.contacts)
    return figures, arrivals


def _seconds(value: float) -> float | None:
    return None if math.isinf(value) else round(value, 1)


def _estimate(channel: Channel, figures: ChannelFigures | None, rate: float) -> dict[str, Any]:
    agents = int(figures.agents) if figures else 0
    waiting = max(0, int(figures.waiting)) if figures else 0
    handled = int(figures.handled) if figures else 0
    handle_s = float(figures.handle_sum_s) / handled if figures and handled >= MIN_HANDLED_FOR_MEASURED \
        else channel.handle_s
    servers = agents * channel.conversations_per_agent
    if channel.kind == "backlog":
        low, high = backlog_wait(waiting, servers * 3600 / handle_s) if servers else (math.inf, math.inf)
        return {"expected_wait_s": _seconds((low + high) / 2), "wait_range_s": [_seconds(low), _seconds(high)],
                "predicted_service_level": None, "model": "backlog", "agents": agents, "waiting": waiting,
                "arrivals_per_hour": round(rate, 1), "mean_handle_s": round(handle_s, 1)}
    estimate = estimate_wait(QueueFigures(rate, handle_s, servers, channel.patience_s, waiting))
    return {"expected_wait_s": _seconds(estimate.mean_wait_s),
            "wait_range_s": [_seconds(estimate.wait_range_s[0]), _seconds(estimate.wait_range_s[1])],
            "predicted_service_level": round(estimate.service_level, 3), "model": estimate.model, "agents": agents,
            "waiting": waiting, "arrivals_per_hour": round(rate, 1), "mean_handle_s": round(handle_s, 1)}


def _accuracy(figures: ChannelFigures | None) -> dict[str, Any]:
    answered = int(figures.answered) if figures else 0
    abandoned = int(figures.abandoned) if figures else 0
    abandon_share = round(abandoned / (answered + abandoned), 3) if answered + abandoned else None
    if not answered or figures is None:
        return {"answered": 0, "achieved_service_level": None, "mean_predicted_wait_s": None,
                "mean_actual_wait_s": None, "mean_abs_error_s": None, "first_contact_resolution": None,
                "abandoned": abandoned, "abandon_share": abandon_share}
    resolved = int(figures.resolved)
    return {"answered": answered, "abandoned": abandoned, "abandon_share": abandon_share,
            # as the estimate counts it: a caller who hung up was not answered within the norm
            "achieved_service_level": round(int(figures.answered_within_target) / (answered + abandoned), 3),
            "mean_predicted_wait_s": round(float(figures.predicted_wait_sum_s) / answered, 1),
            "mean_actual_wait_s": round(float(figures.actual_wait_sum_s) / answered, 1),
            "mean_abs_error_s": round(float(figures.abs_error_sum_s) / answered, 1),
            "first_contact_resolution": round(int(figures.resolved_first_contact) / resolved, 3) if resolved else None}


def channel_status(now: datetime | None = None) -> list[dict[str, Any]]:
    """Every channel: open now (or when it opens), the expected wait with its range, the service
    level predicted against the norm (85% within 15 s), whether a call-back can be asked, and how
    accurate earlier predictions were. One Query."""
    now = now or utcnow()
    figures, arrivals = _figures()
    result = []
    for channel in CHANNELS.values():
        is_open, opens = open_at(channel, now)
        entry: dict[str, Any] = {"channel": channel.name, "label": channel.label, "kind": channel.kind,
                                 "opening_hours": opening_hours(channel),
                                 "open_now": is_open, "opens_at": opens.isoformat() if opens else None,
                                 "callback_available": channel.callback and is_open,
                                 "service_level_target": {"share": NORM_SERVICE_LEVEL, "within_s": NORM_THRESHOLD_S}}
        if channel.kind != "visit":
            estimate = _estimate(channel, figures.get(channel.name),
                                 arrivals_per_hour(arrivals.get(channel.name, {}), now))
            if not is_open:
                estimate.update(expected_wait_s=None, wait_range_s=None, predicted_service_level=None)
            entry.update(estimate, accuracy=_accuracy(figures.get(channel.name)))
        result.append(entry)
    return result


def predicted_wait(channel_name: str, now: datetime | None = None) -> float | None:
    """The expected wait a contact queued now is told (None when it cannot be said)."""
    for entry in channel_status(now):
        if entry["channel"] == channel_name:
            return entry.get("expected_wait_s")
    return None


# ---------------------------------------------------------------- the figures' updates (in the
# transaction of the contact that moves them)


def arrival(channel: str, now: datetime | None = None) -> list[Write]:
    """A contact joined the channel's queue."""
    now = now or utcnow()
    count = ArrivalCount(*ArrivalCount.keys(channel, _hour(now)))
    figures = ChannelFigures(*ChannelFigures.keys(channel))
    return [Write(count, actions=[Item.entity.set(ArrivalCount), ArrivalCount.channel.set(channel),
                                  ArrivalCount.hour.set(_hour(now)), ArrivalCount.contacts.add(1),
                                  Item.expires_at.set(now + ARRIVALS_KEPT)]),
            Write(figures, actions=[*_identity(channel), ChannelFigures.waiting.add(1)])]


def _identity(channel: str) -> list[Any]:
    return [Item.entity.set(ChannelFigures), ChannelFigures.channel.set(channel)]


def contact_figures(channel: str, *, answered: tuple[float | None, float] | None = None,
                    resolved: tuple[float, bool] | None = None, abandoned: bool = False,
                    was_waiting: bool = True) -> Write:
    """The update of a channel's figures for a contact answered (predicted and actual wait, in
    seconds) and/or resolved (handle time, resolved at first contact), or abandoned (the caller
    hung up waiting): one update, so a contact answered and resolved at once adds to the item once
    (a counter, added after the contact is stored: see outbox.commit). A call-back planned for a
    slot was never counted as waiting (`was_waiting` False): answering it takes none off."""
    actions = _identity(channel)
    if abandoned:
        actions += [ChannelFigures.waiting.add(-1), ChannelFigures.abandoned.add(1)]
    if answered is not None:
        predicted, actual = answered
        told = predicted if predicted is not None else actual
        actions += [*([ChannelFigures.waiting.add(-1)] if was_waiting else []), ChannelFigures.answered.add(1),
                    ChannelFigures.answered_within_target.add(1 if actual <= NORM_THRESHOLD_S else 0),
                    ChannelFigures.actual_wait_sum_s.add(round(actual)),
                    ChannelFigures.predicted_wait_sum_s.add(round(told)),
                    ChannelFigures.abs_error_sum_s.add(round(abs(told - actual)))]
    if resolved is not None:
        handle_s, first_contact = resolved
        actions += [ChannelFigures.handled.add(1), ChannelFigures.handle_sum_s.add(round(handle_s)),
                    ChannelFigures.resolved.add(1),
                    ChannelFigures.resolved_first_contact.add(1 if first_contact else 0)]
    return Write(ChannelFigures(*ChannelFigures.keys(channel)), actions=actions)


def set_staffing(channel: str, agents: int) -> None:
    """How many agents serve a channel now (from the workforce tool or the contact centre)."""
    ChannelFigures(*ChannelFigures.keys(channel)).update(
        actions=[*_identity(channel), ChannelFigures.agents.set(agents)])
