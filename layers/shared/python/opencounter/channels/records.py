"""How the channels' live figures are stored: one partition (CHANNELS) that GET /channels reads
in one Query: each channel's counters, and its arrivals per hour."""

from __future__ import annotations

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from opencounter.core.table import Item


class ChannelFigures(Item, discriminator="ChannelFigures"):
    """PK CHANNELS, SK FIGURES#<channel>: the live figures a channel's expected wait is computed
    from, and how good the predictions were. Counters are only ever added to (atomic updates:
    many contacts move them at once); one Query reads every channel with its arrivals."""

    SHARED_COUNTER = True

    channel = UnicodeAttribute()
    agents = NumberAttribute(default=0)
    waiting = NumberAttribute(default=0)
    handle_sum_s = NumberAttribute(default=0)
    handled = NumberAttribute(default=0)
    answered = NumberAttribute(default=0)
    answered_within_target = NumberAttribute(default=0)
    #: callers who hung up before an agent answered
    abandoned = NumberAttribute(default=0)
    predicted_wait_sum_s = NumberAttribute(default=0)
    actual_wait_sum_s = NumberAttribute(default=0)
    abs_error_sum_s = NumberAttribute(default=0)
    resolved = NumberAttribute(default=0)
    resolved_first_contact = NumberAttribute(default=0)

    @staticmethod
    def keys(channel: str) -> tuple[str, str]:
        return "CHANNELS", f"FIGURES#{channel}"


class ArrivalCount(Item, discriminator="ArrivalCount"):
    """PK CHANNELS, SK ARRIVALS#<channel>#<yyyy-mm-ddThh>: contacts that arrived in an hour (UTC);
    the arrival rate is read from the last two hours. Kept two days."""

    SHARED_COUNTER = True

    channel = UnicodeAttribute()
    hour = UnicodeAttribute()
    contacts = NumberAttribute(default=0)

    @staticmethod
    def keys(channel: str, hour: str) -> tuple[str, str]:
        return "CHANNELS", f"ARRIVALS#{channel}#{hour}"
