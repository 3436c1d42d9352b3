"""The arithmetic of the bill (infra/local/metering.py, bench/pricing.py), worked out by hand:
item sizes as DynamoDB counts them, sizes to read and write request units, batches to SQS
requests and EventBridge events, Lambda's billed duration, and prices."""

from __future__ import annotations

import pytest

from bench import pricing
from infra.local.metering import (
    billed_ms,
    chunks,
    event_entry_size,
    gb_seconds,
    index_write_units,
    item_size,
    read_units,
    service_units,
    state_transitions,
    write_units,
)

PROFILE = {
    "PK": {"S": "CUSTOMER#42"},  # 2 + 11 = 13
    "SK": {"S": "PROFILE"},  # 2 + 7 = 9
    "version": {"N": "3"},  # 7 + (1 digit: 1 byte + 1) = 9
    "tags": {"SS": ["a", "bc"]},  # 4 + 1 + 2 = 7
    "address": {"M": {"city": {"S": "Utrecht"}}},  # 7 + (3 + 1 + 4 + 7) = 22
    "active": {"BOOL": True},  # 6 + 1 = 7
}


def test_an_items_size_is_its_names_and_values_as_dynamodb_counts_them():
    assert item_size(PROFILE) == 67
    assert item_size(None) == 0
    # a list: 3 bytes, and 1 byte more per element; numbers by significant digits
    assert item_size({"l": {"L": [{"N": "12345"}, {"NULL": True}]}}) == 1 + 3 + (1 + 4) + (1 + 1)
    assert item_size({"n": {"N": "-0.0100"}}) == 1 + 2  # one significant digit
    assert item_size({"n": {"N": "1000"}}) == 1 + 2
    assert item_size({"s": {"S": "één"}}) == 1 + 5  # UTF-8 bytes, not characters


@pytest.mark.parametrize(("size", "kind", "units"), [
    (4096, {}, 0.5),  # one 4 KB block, eventually consistent
    (4097, {}, 1.0),
    (4097, {"consistent": True}, 2.0),
    (100, {"transactional": True}, 2.0),
    (0, {}, 0.5),  # nothing found still reads one block
    (3 * 1500, {}, 1.0),  # a Query of three 1,500-byte items: 4,500 bytes summed, two blocks
])
def test_reads_cost_a_unit_per_started_4_kb_half_when_eventually_consistent(size, kind, units):
    assert read_units(size, **kind) == units


@pytest.mark.parametrize(("size", "transactional", "units"), [
    (1024, False, 1), (1025, False, 2), (0, False, 1), (300, True, 2), (2500, True, 6)])
def test_writes_cost_a_unit_per_started_kb_twice_in_a_transaction(size, transactional, units):
    assert write_units(size, transactional=transactional) == units


def test_an_index_entry_written_moved_or_removed_costs_index_writes():
    keyed = {**PROFILE, "GSI1PK": {"S": "EMAIL#a@b.nl"}, "GSI1SK": {"S": "CUSTOMER#42"}}  # 67 + 23 + 17 bytes
    moved = {**keyed, "GSI1PK": {"S": "EMAIL#c@d.nl"}}
    gsi = [["GSI1PK", "GSI1SK"]]
    assert index_write_units(gsi, None, PROFILE) == 0  # not in the index
    assert index_write_units(gsi, None, keyed) == 1  # put
    assert index_write_units(gsi, keyed, {**keyed, "version": {"N": "4"}}) == 1  # the entry rewritten
    assert index_write_units(gsi, keyed, moved) == 2  # one entry deleted, another put
    assert index_write_units(gsi, keyed, None) == 1  # deleted


def test_sqs_and_eventbridge_bill_each_started_64_kb_of_a_request():
    assert chunks(1) == 1 and chunks(65536) == 1 and chunks(65537) == 2
    batch = {"Entries": [{"Id": str(i), "MessageBody": "x" * 7000} for i in range(10)]}  # 70,000 bytes
    assert service_units("sqs", "SendMessageBatch", batch, {})["sqs.requests"] == 2
    small = {"Entries": [{"Id": str(i), "MessageBody": "x" * 300} for i in range(10)]}
    assert service_units("sqs", "SendMessageBatch", small, {})["sqs.requests"] == 1
    # a receive that took ten messages, and the DeleteMessageBatch Lambda's poller follows it with
    received = {"Messages": [{"Body": "x" * 300} for _ in range(10)]}
    assert service_units("sqs", "ReceiveMessage", {}, received)["sqs.requests"] == 2
    assert "sqs.requests" not in service_units("sqs", "ReceiveMessage", {}, {"Messages": []})
    entry = {"Source": "opencounter", "DetailType": "InvoiceIssued", "Detail": '{"a":1}', "Resources": ["arn:x"],
             "Time": "2026-12-05T00:00:00Z"}
    assert event_entry_size(entry) == 14 + 11 + 13 + 7 + 5
    assert service_units("events", "PutEvents", {"Entries": [entry, {**entry, "Detail": "x" * 70000}]},
                         {})["eventbridge.events"] == 1 + 2


def test_lambda_bills_each_started_millisecond_at_the_functions_memory():
    assert billed_ms(2.01) == 3 and billed_ms(0.2) == 1
    assert gb_seconds(512, 1000) == 0.5
    assert gb_seconds(1024, 250) == 0.25


class _History:
    def __init__(self, types: list[str]) -> None:
        self.types = types

    def get_execution_history(self, **_: object) -> dict:
        return {"events": [{"type": t} for t in self.types]}


def test_a_standard_execution_bills_every_state_entered_and_every_retry():
    history = ["ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskFailed", "TaskScheduled",
               "TaskSucceeded", "TaskStateExited", "ChoiceStateEntered", "ChoiceStateExited",
               "SucceedStateEntered", "ExecutionSucceeded"]
    assert state_transitions(_History(history), "arn") == 3 + 1


def test_prices_turn_units_into_dollars():
    assert pricing.priced({"dynamodb.wru": 1_000_000, "dynamodb.rru": 2_000_000}) == pytest.approx(
        {"DynamoDB": 0.7068 + 0.283})
    assert pricing.priced({"sqs.requests": 2_000_000, "lambda.gb_s": 100_000}) == pytest.approx(
        {"SQS": 0.80, "Lambda": 1.33334})
    assert pricing.billable({"logs.function_bytes": 2 ** 30})["logs.ingested_gb"] == 1


def test_cognito_bills_monthly_active_users_beyond_the_free_ones_lite_in_bands():
    assert pricing.cognito_usd(5_000_000, "lite") == pytest.approx(90_000 * 0.0055 + 900_000 * 0.0046
                                                                   + 4_000_000 * 0.00325)
    assert pricing.cognito_usd(20_000, "essentials") == pytest.approx(150.0)
    assert pricing.cognito_usd(5_000, "essentials") == 0
