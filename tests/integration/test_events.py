"""Every change is a domain event on the bus, and lands on the timeline through a rule.
No event is lost when a process dies between the write and the publish, and none has two effects."""

from __future__ import annotations

import json
import uuid

from tests.conftest import TableWrites, crash_times


def _dead_letters(cloud, queue: str) -> list[dict]:
    sqs = cloud.cloud.client("sqs")
    url = cloud.cloud.resolver.physical[queue]
    messages = []
    while batch := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
        messages += batch
        for message in batch:
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
    return messages


def test_a_change_and_its_event_are_written_together(cloud, customer):
    writes = TableWrites(cloud)
    customer.patch("/me", json={"version": 1, "settings": {"preferred_channel": "whatsapp"}})
    new = writes.items("OutboxEvent")
    assert len(new) == 1
    assert new[0]["detail_type"]["S"] == "CustomerUpdated"
    detail = json.loads(new[0]["detail"]["S"])
    assert detail["customer_id"] == customer.customer_id
    assert detail["data"]["changes"] == [{"field": "preferred_channel", "from": "email", "to": "whatsapp"}]
    assert "expires_at" in new[0]  # the outbox cleans itself up (TTL) once delivered


def test_the_event_reaches_the_bus_archive_and_the_timeline(cloud, customer):
    events = cloud.cloud.client("events")
    archived_before = events.describe_archive(ArchiveName="EventArchive")["EventCount"]

    customer.patch("/me", json={"version": 1, "settings": {"language": "en"}})

    assert events.describe_archive(ArchiveName="EventArchive")["EventCount"] == archived_before + 1
    assert customer.get("/me/timeline").json()["items"][0]["type"] == "CustomerUpdated"


def test_a_publisher_that_dies_before_publishing_loses_no_event(cloud, customer, faults):
    # Given the outbox publisher dies twice before it gets the event out
    faults["OutboxPublisherFunction"] = crash_times(2)

    # When the customer changes something
    assert customer.patch("/me", json={"version": 1, "settings": {"language": "en"}}).status_code == 200

    # Then the stream hands the record over again, and the event reaches the timeline exactly once
    updates = [e for e in customer.get("/me/timeline").json()["items"] if e["type"] == "CustomerUpdated"]
    assert len(updates) == 1


def test_a_timeline_writer_that_fails_is_retried_and_writes_once(cloud, customer, faults):
    # it dies on the first try and on Lambda's first retry; the second retry writes
    faults["TimelineWriterFunction"] = crash_times(2)
    customer.patch("/me", json={"version": 1, "settings": {"language": "en"}})
    updates = [e for e in customer.get("/me/timeline").json()["items"] if e["type"] == "CustomerUpdated"]
    assert len(updates) == 1


def test_a_redelivered_event_has_one_effect(cloud, customer):
    event_id = str(uuid.uuid4())
    event = {"version": "0", "id": str(uuid.uuid4()), "detail-type": "CustomerUpdated", "source": "opencounter",
             "account": "123456789012", "time": "2026-01-01T00:00:00Z", "region": "eu-west-1", "resources": [],
             "detail": {"event_id": event_id, "occurred_at": "2026-01-01T00:00:00.000Z",
                        "customer_id": customer.customer_id, "actor": {"type": "customer", "id": "x"},
                        "channel": "web", "data": {"changes": [{"field": "language", "from": "nl", "to": "en"}]}}}
    results = [cloud.cloud.invoke("TimelineWriterFunction", event) for _ in range(3)]
    assert results == [{"stored": True}, {"stored": False}, {"stored": False}]
    assert [e["event_id"] for e in customer.get("/me/timeline").json()["items"]].count(event_id) == 1


def test_an_event_that_cannot_be_published_ends_in_the_dead_letter_queue_and_stays_in_the_table(
        cloud, customer, faults):
    _dead_letters(cloud, "OutboxDLQ")
    writes = TableWrites(cloud)
    # Given the publisher keeps dying
    faults["OutboxPublisherFunction"] = crash_times(1000)

    # When the customer changes something, the change itself still succeeds
    assert customer.patch("/me", json={"version": 1, "settings": {"language": "en"}}).status_code == 200

    # Then after the stream's retries the batch is recorded on the outbox DLQ (alarmed), and the
    # outbox item is still in the table to be replayed
    letters = _dead_letters(cloud, "OutboxDLQ")
    assert len(letters) == 1
    assert json.loads(letters[0]["Body"])["DDBStreamBatchInfo"]["batchSize"] >= 1
    stored = writes.items("OutboxEvent")
    assert [json.loads(i["detail"]["S"])["customer_id"] for i in stored] == [customer.customer_id]
    assert [r for r in writes.since() if r["eventName"] == "REMOVE"] == []


def test_a_rule_target_that_keeps_failing_keeps_the_event_on_its_failure_queue(cloud, customer, faults):
    # Given the timeline writer dies on every try
    _dead_letters(cloud, "AsyncFailureDLQ")
    tries = []
    faults["TimelineWriterFunction"] = lambda event: (tries.append(event["id"]), crash_times(1000)(event))

    # When the customer changes something (one event on the bus for the writer)
    customer.patch("/me", json={"version": 1, "settings": {"language": "en"}})

    # Then Lambda tried it three times (the first try and its two retries), as AWS does with an
    # asynchronous invocation, and kept it on the on-failure queue with why it failed
    [letter] = _dead_letters(cloud, "AsyncFailureDLQ")
    record = json.loads(letter["Body"])
    assert record["requestPayload"]["detail"]["customer_id"] == customer.customer_id
    assert record["requestContext"]["condition"] == "RetriesExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3 == len(tries)
    assert record["responsePayload"]["errorMessage"] == "the process died"
    # the rule's own dead-letter queue is for events Lambda would not take at all
    assert _dead_letters(cloud, "EventTargetDLQ") == []


def test_an_event_that_breaks_its_schema_is_never_written(cloud, customer):
    from opencounter.core.errors import InvalidInput
    from opencounter.core.outbox import commit, domain_event

    writes = TableWrites(cloud)
    bad = domain_event("CustomerUpdated", customer_id=customer.customer_id, actor={"type": "customer", "id": "x"},
                       channel="web", data={"changes": []})
    try:
        commit([], [bad])
        raise AssertionError("an invalid event was accepted")
    except InvalidInput as error:
        assert error.field == "data.changes"
    assert writes.since() == []


def test_a_transaction_that_fails_on_a_later_write_leaves_no_earlier_write_behind(cloud, customer):
    from opencounter.core.errors import Conflict
    from opencounter.core.outbox import Write, commit, domain_event
    from opencounter.customers.records import Address, Profile

    writes = TableWrites(cloud)
    new_home = Address(*Address.keys(customer.customer_id, "2099-01-01"), move_id="m", street="Nieuwe Weg",
                       house_number=1, postcode="1234 AB", city="Ergens", effective_from="2099-01-01",
                       registered_at="2026-01-01T00:00:00Z")
    existing = Profile.get(*Profile.keys(customer.customer_id))
    event = domain_event("CustomerUpdated", customer_id=customer.customer_id, actor={"type": "system", "id": "t"},
                         channel="system", data={"changes": [{"field": "x", "from": 1, "to": 2}]})

    try:
        commit([Write(new_home), Write(existing, Profile.PK.does_not_exist(), conflict="exists")], [event])
        raise AssertionError("the transaction should have failed")
    except Conflict as conflict:
        assert conflict.message == "exists"

    assert writes.since() == []
    assert customer.get("/me").json()["upcoming_moves"] == []
