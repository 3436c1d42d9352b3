"""Data-subject requests against the in-memory table: one open request of a kind per customer,
the legal deadline a month on, and a closed request that changes no more."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from opencounter.core.outbox import OutboxEvent
from opencounter.privacy import requests
from opencounter.privacy.records import DataRequest
from tests.unit.conftest import stored

CUSTOMER = {"type": "customer", "id": "c-1"}


def test_a_request_is_answered_within_a_month_amsterdam_days_and_the_shorter_month_ends_it():
    # 23:30 UTC on 31 January is 1 February in Amsterdam; a month on is 1 March
    assert requests.due_on(datetime(2027, 1, 31, 23, 30, tzinfo=UTC)) == "2027-03-01"
    assert requests.due_on(datetime(2027, 1, 31, 12, 0, tzinfo=UTC)) == "2027-02-28"


def test_a_second_request_of_a_kind_while_one_is_open_finds_the_open_one_and_writes_nothing(table):
    first, new = requests.receive("c-1", "export", actor=CUSTOMER, channel="web")
    again, new_again = requests.receive("c-1", "export", actor=CUSTOMER, channel="web")

    assert (new, new_again) == (True, False)
    assert again.request_id == first.request_id
    assert len(stored(DataRequest)) == 1
    received = [json.loads(e.detail) for e in stored(OutboxEvent) if e.detail_type == "DataRequestReceived"]
    assert [e["data"]["request_id"] for e in received] == [first.request_id]
    # another kind is its own request
    assert requests.receive("c-1", "erasure", actor=CUSTOMER, channel="web")[1] is True


def test_a_closed_request_leaves_the_open_list_and_the_kind_may_be_asked_again(table):
    request, _ = requests.receive("c-1", "export", actor=CUSTOMER, channel="web")
    assert [r["request_id"] for r in requests.open_requests()] == [request.request_id]

    requests.close(requests.start(request), "DONE", {"items": 12})
    requests.close(requests.load("c-1", request.request_id), "REFUSED", {"reason": "late"})  # changes nothing

    done = requests.load("c-1", request.request_id)
    assert (done.status, done.outcome) == ("DONE", {"items": 12})
    assert requests.open_requests() == []
    assert [r["request_id"] for r in requests.done_requests()] == [request.request_id]
    assert requests.receive("c-1", "export", actor=CUSTOMER, channel="web")[1] is True
    assert [r["status"] for r in requests.customer_requests("c-1")] == ["RECEIVED", "DONE"]
