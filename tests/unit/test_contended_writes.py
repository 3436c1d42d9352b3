"""A write DynamoDB refuses because another request held one of its items at that moment is tried
again, a few times, after a short random wait; a failed condition never is: it is the domain's
own answer (core.table.retried, which every write of the layer and every outbox transaction go
through). The refusals are DynamoDB's own, as pynamodb raises them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pynamodb.exceptions import CancellationReason, PutError, PynamoDBException, TransactWriteError, VerboseClientError

from opencounter.core.errors import Conflict, Contended
from opencounter.core.table import CONTENDED_BACKOFF_S, CONTENDED_TRIES, retried


def refusal(code: str, *reasons: str | None) -> PynamoDBException:
    """What pynamodb raises when DynamoDB answers `code` (a transaction: with these reasons)."""
    cause = VerboseClientError({"Error": {"Code": code, "Message": "refused"}}, "TransactWriteItems",
                               cancellation_reasons=[CancellationReason(code=r) if r else None for r in reasons])
    if code == "TransactionCanceledException":
        return TransactWriteError("Failed to write transaction items", cause=cause)
    return PutError("Failed to put item", cause=cause)


CONFLICT = ("TransactionCanceledException", None, "TransactionConflict")


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The waits between tries, instead of waiting them."""
    waited: list[float] = []
    monkeypatch.setattr("opencounter.core.table.time.sleep", waited.append)
    return waited


def refused(times: int, error: Callable[[], PynamoDBException]) -> tuple[Callable[[], str], list[int]]:
    """A write refused `times` times with `error()`, then done; and how often it was tried."""
    tries = [0]

    def write() -> str:
        tries[0] += 1
        if tries[0] <= times:
            raise error()
        return "written"
    return write, tries


@pytest.mark.parametrize("error", [CONFLICT, ("TransactionConflictException",)], ids=["transaction", "single write"])
def test_a_write_refused_for_another_request_is_tried_again_until_it_is_done(waits: list[float], error: Any) -> None:
    # Given a write refused twice because another request held one of its items
    write, tries = refused(2, lambda: refusal(*error))
    # When it is written through retried / Then it is done on the third try
    assert retried(write) == "written" and tries == [3]
    # And between the tries it waited a random time, up to twice as long each time
    assert len(waits) == 2 and all(0 <= w <= CONTENDED_BACKOFF_S * 2 ** n for n, w in enumerate(waits))


def test_a_write_refused_every_time_is_answered_409_try_again_within_a_fraction_of_a_second(
        waits: list[float]) -> None:
    # Given a write refused every time it is tried
    write, tries = refused(1000, lambda: refusal(*CONFLICT))
    # When it is written through retried / Then after a few tries the caller is told to send it again
    with pytest.raises(Contended) as raised:
        retried(write)
    assert tries == [CONTENDED_TRIES]
    assert (raised.value.status, raised.value.code, raised.value.reason) == (409, "conflict", "busy_try_again")
    # And not as a Conflict, which callers take for the record's own answer (already applied, a version gone)
    assert not isinstance(raised.value, Conflict)
    # And it waited at most what the backoff allows, well within a function's time
    assert sum(waits) <= sum(CONTENDED_BACKOFF_S * 2 ** n for n in range(CONTENDED_TRIES - 1)) <= 0.5


@pytest.mark.parametrize("error", [
    ("TransactionCanceledException", "ConditionalCheckFailed", None),
    ("TransactionCanceledException", "TransactionConflict", "ConditionalCheckFailed"),
    ("ConditionalCheckFailedException",),
    ("ValidationException",),
], ids=["condition", "condition and conflict", "single condition", "anything else"])
def test_a_failed_condition_or_any_other_refusal_is_never_tried_again(waits: list[float], error: Any) -> None:
    write, tries = refused(1, lambda: refusal(*error))
    with pytest.raises(PynamoDBException) as raised:
        retried(write)
    assert tries == [1] and waits == []
    assert raised.value.cause_response_code == error[0]
