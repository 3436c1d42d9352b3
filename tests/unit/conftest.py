"""The in-memory table alone, for testing a domain service without the local cloud around it:
the table is made from the template's own definition (so the schema lives once), empty for each
test, and nothing reads its stream (an event stays in the outbox, where the test can see it)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from infra.local.template import load_template
from opencounter.core.settings import settings
from opencounter.core.table import Item

REGION = "eu-west-1"


@pytest.fixture
def table(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh table named in the settings; yields its name."""
    name = f"opencounter-unit-{uuid.uuid4().hex[:8]}"
    for variable, value in {"TABLE_NAME": name, "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION,
                            "AWS_ACCESS_KEY_ID": "unit", "AWS_SECRET_ACCESS_KEY": "unit"}.items():
        monkeypatch.setenv(variable, value)
    settings.cache_clear()
    spec = load_template()["Resources"]["Table"]["Properties"]
    # inside the local cloud's moto when a test session started it (a nested mock resets nothing)
    with mock_aws():
        boto3.client("dynamodb", region_name=REGION).create_table(
            TableName=name, **{k: spec[k] for k in ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes",
                                                    "BillingMode")},
            StreamSpecification={"StreamEnabled": True, **spec["StreamSpecification"]})
        yield name
    monkeypatch.undo()
    settings.cache_clear()


def stored(entity: type[Item]) -> list[Item]:
    """Every item of one entity in the table (a scan: the table is the test's own)."""
    return [item for item in Item.scan() if isinstance(item, entity)]
