"""The monthly billing run at any size: its workflow's history does not grow with the customers it
bills, and every customer is billed once a month however its pages fare on the billing queue:
crashed, delivered twice, billed by two workers at once, in two runs at the same moment, or
stuck on the dead-letter queue until an operator sends them back.

Each test bills a month of 2024 of its own; its customers hold products since 2024-01-01, so a
month is billed only by its test (the other tests' customers hold theirs from 2026 on)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.conftest import (
    Caller,
    TableWrites,
    billing_totals,
    give_product,
    new_customer,
    run_billing,
    start_billing,
)

SINCE = "2024-01-01"
#: products per page in these tests: a few customers make pages enough for a chain per slice
PAGE = 4


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr("opencounter.billing.run.PAGE_SIZE", PAGE)
    return PAGE


def customers_holding(cloud: Any, count: int, *plans: str) -> list[Caller]:
    """`count` new customers, each holding `plans` (default a mobile and a fibre plan) since 2024."""
    made = []
    for _ in range(count):
        customer = new_customer(cloud)
        for plan in plans or ("MOBILE-5GB", "FIBRE-100"):
            give_product(customer, plan, started_at=SINCE)
        made.append(customer)
    return made


def invoices_of(customer: Caller, period: str) -> list[dict]:
    return [i for i in customer.get("/me/invoices").json()["items"] if i["period"] == period]


def assert_each_billed_once(customers: list[Caller], period: str) -> None:
    counts = {c.customer_id: len(invoices_of(c, period)) for c in customers}
    assert set(counts.values()) == {1}, counts


def invoices_written(writes: TableWrites, period: str) -> int:
    """Invoices of `period` the table saw written since the mark (each item once)."""
    return len({(i["PK"]["S"], i["SK"]["S"]) for i in writes.items("Invoice")
                if i.get("period", {}).get("S") == period})


def billing_queue(cloud: Any) -> tuple[Any, str]:
    return cloud.cloud.client("sqs"), cloud.cloud.resolver.physical["BillingSliceQueue"]


def failed_pages_come_back(cloud: Any, times: int) -> None:
    """Settle, then let the billing queue's visibility timeout pass `times` times: a page whose
    worker failed comes back after it, and goes to the DLQ on the receive after the queue's fifth."""
    visibility = next(sub.visibility_timeout_s for sub in cloud.cloud.deployed.queues
                      if sub.function == "BillingSliceFunction")
    cloud.cloud.settle()
    cloud.cloud.later(visibility * times + 1)


def pages_of(event: dict) -> list[dict]:
    return [json.loads(record["body"]) for record in event["Records"]]


@pytest.fixture
def history(cloud: Any) -> Callable[[str], list[dict]]:
    sfn = cloud.cloud.client("stepfunctions")

    def events(execution: str) -> list[dict]:
        found, token = [], None
        while True:
            page = sfn.get_execution_history(executionArn=execution, maxResults=1000,
                                             **({"nextToken": token} if token else {}))
            found += page["events"]
            if not (token := page.get("nextToken")):
                return found
    return events


# ------------------------------------------------------------------ size


def test_the_runs_history_stays_the_same_however_many_customers_it_bills(cloud, small_pages, history):
    # Given a month with a few customers, billed
    few = customers_holding(cloud, 2)
    writes = TableWrites(cloud)
    first = start_billing(cloud, "2024-02")
    small = billing_totals(cloud, first)
    # And four times as many customers a month later (several pages per billing shard)
    many = few + customers_holding(cloud, 6)
    second = start_billing(cloud, "2024-03")
    large = billing_totals(cloud, second)

    # Then each month billed every customer once, and the totals say so
    for period, customers, totals in (("2024-02", few, small), ("2024-03", many, large)):
        assert_each_billed_once(customers, period)
        assert totals["counts"]["issued"] == invoices_written(writes, period) >= len(customers)
        assert totals["counts"]["already_billed"] == 0
        assert totals["customers"] == sum(totals["counts"].values())
    # And the larger month's workflow history is no longer than the smaller one's
    assert len(history(second)) == len(history(first)), [e["type"] for e in history(second)]


# ------------------------------------------------------------------ faults


class Crashes:
    """A slice worker that dies on its first pages: on `before` of them before billing them, then
    on `after` once they are billed but before the queue hears so (the local cloud asks the
    fault's `after_work` at every invocation)."""

    def __init__(self, before: int, after: int) -> None:
        self.coming = ["before"] * before + ["after"] * after

    @property
    def after_work(self) -> bool:
        return self.coming[:1] == ["after"]

    def __call__(self, _event: dict) -> None:
        if self.coming:
            self.coming.pop(0)
            raise RuntimeError("the process died")


def test_pages_that_crash_are_billed_again_alone_and_every_customer_once(cloud, faults, small_pages, history,
                                                                         dead_letters, monkeypatch):
    # Given customers, and a slice worker that dies on its first pages: once before billing
    # them, twice once they are billed but before the queue hears so, and once halfway a page
    # (a customer billed, the page not yet recorded): fewer times than the queue's five receives
    from opencounter.billing import run

    customers = customers_holding(cloud, 4)
    crashes = faults["BillingSliceFunction"] = Crashes(before=1, after=2)
    billed, halfway = run.bill_customer, [1]

    def dies_after_billing_one(*args: Any, **kwargs: Any) -> dict:
        result = billed(*args, **kwargs)
        if halfway[0] and result["outcome"] == "issued":
            halfway[0] -= 1
            raise RuntimeError("the process died halfway a page")
        return result
    monkeypatch.setattr(run, "bill_customer", dies_after_billing_one)
    writes = TableWrites(cloud)

    # When the month is billed, and the failed pages' time on the queue passes
    execution = start_billing(cloud, "2024-04")
    failed_pages_come_back(cloud, times=4)
    totals = billing_totals(cloud, execution)

    # Then the crashed pages were billed again from the queue, without the run itself failing a step
    assert crashes.coming == [] and halfway == [0]
    assert not [e for e in history(execution) if e["type"].endswith("Failed")]
    assert dead_letters() == []
    # And every customer has one invoice for the month, each counted once as this run's
    assert_each_billed_once(customers, "2024-04")
    assert totals["counts"]["issued"] == invoices_written(writes, "2024-04") >= len(customers)
    assert totals["counts"]["already_billed"] == 0


def test_pages_delivered_twice_or_billed_by_two_workers_at_once_bill_every_customer_once(
        cloud, faults, small_pages, monkeypatch):
    # Given customers; a queue that delivers the run's first twenty pages twice; and every page
    # billed by another worker just after this one looked whether it was billed already (so both
    # bill it, and both go to record it)
    from opencounter.billing import run

    customers = customers_holding(cloud, 4)
    sqs, url = billing_queue(cloud)
    doubled, current, other_worker = [20], [], []
    looked = run._page_record

    def deliver_twice(event: dict) -> None:
        current[:] = pages_of(event)
        if doubled[0] > 0:
            doubled[0] -= 1
            for record in event["Records"]:
                sqs.send_message(QueueUrl=url, MessageBody=record["body"])

    def looked_before_the_other_wrote(run_name: str, number: int, page: int) -> Any:
        record = looked(run_name, number, page)
        work = current[0]
        if record is None and (run_name, number, page) == (work["run"], work["slice"], work["page"]) \
                and (run_name, number, page) not in other_worker:
            other_worker.append((run_name, number, page))
            run.bill_slice_page(work)  # the other worker, done first
        return record
    faults["BillingSliceFunction"] = deliver_twice
    monkeypatch.setattr(run, "_page_record", looked_before_the_other_wrote)
    writes = TableWrites(cloud)

    # When the month is billed
    totals = run_billing(cloud, "2024-06")

    # Then pages came twice and were billed by two workers at once
    assert doubled == [0] and other_worker
    # And every customer has one invoice, and the totals count each customer once, as issued
    assert_each_billed_once(customers, "2024-06")
    assert totals["counts"]["issued"] == invoices_written(writes, "2024-06") >= len(customers)
    assert totals["counts"]["already_billed"] == 0


def test_two_runs_of_a_month_at_once_bill_every_customer_once(cloud, small_pages):
    # Given customers
    customers = customers_holding(cloud, 4)
    writes = TableWrites(cloud)

    # When the month is started twice at the same moment (the schedule and an operator, say)
    runs = [start_billing(cloud, "2024-08"), start_billing(cloud, "2024-08")]
    first, second = (billing_totals(cloud, run) for run in runs)

    # Then every customer has one invoice, issued by one run; the other found it billed
    assert_each_billed_once(customers, "2024-08")
    assert first["counts"]["issued"] + second["counts"]["issued"] == invoices_written(writes, "2024-08")
    assert first["customers"] == second["customers"]
    assert first["counts"]["issued"] + first["counts"]["already_billed"] == \
        second["counts"]["issued"] + second["counts"]["already_billed"] >= len(customers)


# ------------------------------------------------------------------ a page that keeps failing


@pytest.fixture
def dead_letters(cloud: Any) -> Iterator[Callable[[], list[dict]]]:
    """The billing slice DLQ's messages (taken off it when read), emptied before and after the test."""
    sqs, url = cloud.cloud.client("sqs"), cloud.cloud.resolver.physical["BillingSliceDLQ"]

    def take() -> list[dict]:
        taken = []
        while messages := sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", []):
            for message in messages:
                taken.append(message)
                sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return taken
    take()
    yield take
    take()


def test_a_page_that_keeps_failing_waits_on_the_dlq_and_the_run_ends_when_it_is_sent_back(
        cloud, faults, dead_letters):
    from opencounter.billing.run import slice_of

    # Given customers in different slices (one a billing shard), and a slice whose every
    # page makes the worker fail
    customers = customers_holding(cloud, 6, "FIBRE-100")
    stuck = customers[0]
    broken = slice_of(stuck.customer_id, 1)
    others = [c for c in customers if slice_of(c.customer_id, 1) != broken]

    def fail_the_broken_slice(event: dict) -> None:
        if any(page["slice"] == broken for page in pages_of(event)):
            raise RuntimeError("this slice cannot be billed")
    faults["BillingSliceFunction"] = fail_the_broken_slice
    writes = TableWrites(cloud)
    sfn = cloud.cloud.client("stepfunctions")

    # When the month is billed, and the broken slice's page fails on each of its receives
    execution = start_billing(cloud, "2024-09")
    failed_pages_come_back(cloud, times=5)

    # Then the failing page is on the DLQ after the queue's retries, the run waits for it,
    # and every customer of the other slices is billed
    failed = dead_letters()
    assert [json.loads(m["Body"])["slice"] for m in failed] == [broken]
    assert sfn.describe_execution(executionArn=execution)["status"] == "RUNNING"
    assert invoices_of(stuck, "2024-09") == []
    assert_each_billed_once(others, "2024-09")

    # When the fault is mended and the page is sent back to the billing queue (as an operator's
    # start-message-move-task does)
    faults.clear()
    sqs, url = billing_queue(cloud)
    for message in failed:
        sqs.send_message(QueueUrl=url, MessageBody=message["Body"])
    totals = billing_totals(cloud, execution)

    # Then the run ends, every customer billed once, and the totals count them all
    assert_each_billed_once(customers, "2024-09")
    assert totals["slices"] == 8
    assert totals["counts"]["issued"] == invoices_written(writes, "2024-09") >= len(customers)
    assert totals["counts"]["already_billed"] == 0
