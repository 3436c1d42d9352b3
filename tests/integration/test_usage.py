"""Usage arrives on the usage queue (directly, or as events from the bus) and is shown per
product and month; each record counts once, and a record that cannot be taken in comes back
after the queue's visibility timeout and ends in the DLQ, without holding up the others."""

from __future__ import annotations

import json

import pytest

from tests.conftest import give_product, send_usage, usage


def test_usage_from_the_queue_and_the_bus_shows_per_product_and_month_counted_once(cloud, customer):
    # Given a mobile and an energy product
    mobile = give_product(customer, "MOBILE-5GB")
    power = give_product(customer, "POWER-VARIABLE")
    data = usage(customer, mobile, "data_mb", 4000)

    # When the network sends records, one of them twice, and the meter publishes one on the bus
    send_usage(cloud, data, data, usage(customer, mobile, "data_mb", 1500), usage(customer, mobile, "minutes", 42))
    meter = usage(customer, power, "kwh", 180)
    cloud.cloud.client("events").put_events(Entries=[{
        "Source": "opencounter.metering", "DetailType": "UsageRecorded", "Detail": json.dumps(meter),
        "EventBusName": cloud.cloud.resolver.physical["EventBus"]}])
    cloud.cloud.settle()

    # Then the customer sees October's usage per product against the bundle, the duplicate counted once
    response = customer.get("/me/usage", params={"period": "2026-10"})
    assert response.status_code == 200
    products = {p["product_id"]: p for p in response.json()["products"]}
    mobile_usage = {u["unit"]: u for u in products[mobile]["usage"]}
    assert mobile_usage["data_mb"] == {"unit": "data_mb", "used": 5500, "included": 5120, "beyond_bundle": 380}
    assert mobile_usage["minutes"]["used"] == 42
    assert products[mobile]["records"] == 3
    assert {u["unit"]: u["used"] for u in products[power]["usage"]} == {"kwh": 180}
    # And another month is empty
    other = {p["product_id"]: p for p in customer.get("/me/usage", params={"period": "2026-09"}).json()["products"]}
    assert other[mobile]["records"] == 0


def test_a_record_that_cannot_be_taken_in_comes_back_after_the_visibility_timeout_then_goes_to_the_dlq(
        cloud, customer, faults):
    # Given a product, and a record for a product the customer does not hold among good ones
    mobile = give_product(customer, "MOBILE-20GB")
    stray = usage(customer, "no-such-product", "data_mb", 10)
    sqs = cloud.cloud.client("sqs")
    queue, dlq = cloud.cloud.resolver.physical["UsageQueue"], cloud.cloud.resolver.physical["UsageDLQ"]
    queue_attributes = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    timeout = int(queue_attributes["VisibilityTimeout"])
    most = json.loads(queue_attributes["RedrivePolicy"])["maxReceiveCount"]
    handed: list[tuple[str, str]] = []  # (record id, receive count) of each record handed to the intake
    others: list[list] = []  # what another consumer of the queue received meanwhile

    def watch(event: dict) -> None:
        handed.extend((json.loads(r["body"])["record_id"], r["attributes"]["ApproximateReceiveCount"])
                      for r in event["Records"])
        others.append(sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", []))
    faults["UsageIntakeFunction"] = watch

    # When they arrive in one batch
    send_usage(cloud, usage(customer, mobile, "data_mb", 100), stray, usage(customer, mobile, "data_mb", 200))

    # Then the good records count at once
    products = {p["product_id"]: p for p in customer.get("/me/usage", params={"period": "2026-10"}).json()["products"]}
    assert {u["unit"]: u["used"] for u in products[mobile]["usage"]}["data_mb"] == 300
    # And no other consumer could take a record while the intake was taking it in
    assert others and all(received == [] for received in others)
    # And the stray one is invisible to every consumer while its visibility timeout runs
    assert sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", []) == []
    assert sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["ApproximateNumberOfMessagesNotVisible"])[
        "Attributes"]["ApproximateNumberOfMessagesNotVisible"] == "1"
    cloud.cloud.later(timeout - 10)
    assert [count for record, count in handed if record == stray["record_id"]] == ["1"]
    # And once the timeout has passed it is handed over again
    cloud.cloud.later(10)
    assert [count for record, count in handed if record == stray["record_id"]] == ["1", "2"]
    # And after maxReceiveCount receives it waits in the usage DLQ, not in the queue
    cloud.cloud.later(timeout * (most - 1))
    assert [count for record, count in handed if record == stray["record_id"]] == [str(n + 1) for n in range(most)]
    messages = sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10).get("Messages", [])
    assert stray["record_id"] in [json.loads(m["Body"])["record_id"] for m in messages]
    left = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["All"])["Attributes"]
    assert (left["ApproximateNumberOfMessages"], left["ApproximateNumberOfMessagesNotVisible"]) == ("0", "0")


@pytest.mark.parametrize("period", ["2026-13", "", "2026-1\n"])
def test_a_bad_period_is_refused_naming_it(customer, period):
    # an empty one too: a parameter given is not one left out (that is this month)
    response = customer.get("/me/usage", params={"period": period})
    assert response.status_code == 400
    assert response.json()["field"] == "period"


def test_usage_is_only_ever_the_callers_own(cloud, customer, other_customer):
    mobile = give_product(customer, "MOBILE-5GB")
    send_usage(cloud, usage(customer, mobile, "data_mb", 777))
    seen = other_customer.get("/me/usage", params={"period": "2026-10"})
    assert seen.status_code == 404 or all(p["product_id"] != mobile for p in seen.json()["products"])


def test_a_past_month_is_measured_against_the_plan_of_that_month(cloud, customer):
    mobile = give_product(customer, "MOBILE-5GB")
    send_usage(cloud, usage(customer, mobile, "data_mb", 6000))
    assert customer.patch(f"/me/products/{mobile}", json={"plan_code": "MOBILE-20GB", "version": 1}).status_code == 200
    october = {p["product_id"]: p for p in customer.get("/me/usage", params={"period": "2026-10"}).json()["products"]}
    data = next(u for u in october[mobile]["usage"] if u["unit"] == "data_mb")
    assert (data["included"], data["beyond_bundle"]) == (5120, 880)
