"""The in-memory table alone, for testing a domain service without the local cloud around it:
the table is made from the template's own definition (so the schema lives once), empty for each
test, and nothing reads its stream (an event stays in the outbox, where the test can see it).

And moto as shipped, for the tests of what the local cloud patches: its own methods are taken
when this module is imported (at collection, before any local cloud patches them) and put back
by `moto_as_shipped`, even when a local cloud runs in the same test session."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from aws_lambda_powertools.event_handler.api_gateway import BaseRouter
from moto import mock_aws
from moto.dynamodb.models import DynamoDBBackend

from infra.local import patches
from infra.local.template import load_template
from opencounter.core.settings import settings
from opencounter.core.table import Item

REGION = "eu-west-1"
#: the region the tests of moto itself work in, apart from the local cloud's
MOTO_REGION = "eu-central-1"
#: every backend method a DynamoDB write reaches, patched or not
DYNAMODB_WRITES = ("put_item", "update_item", "delete_item", "transact_write_items", "batch_write_item")

#: moto's own attributes, as shipped: (class or module, name) -> what it was at import
SHIPPED: dict[tuple[Any, str], Any] = {
    (owner, name): getattr(owner, name, None)
    for owner, name in {*patches.PATCHED, *((DynamoDBBackend, name) for name in DYNAMODB_WRITES)}}


#: Powertools' router as shipped: its metaclass (what patches keep per thread is not on its class)
SHIPPED_ROUTER_META = type(BaseRouter)


def _router(meta: type, state: dict[str, Any]) -> None:
    """Powertools' router with this metaclass and these attributes kept on its class."""
    BaseRouter.__class__ = SHIPPED_ROUTER_META  # attributes set on the class itself, not through a descriptor
    for name, value in state.items():
        if value is not None:
            setattr(BaseRouter, name, value)
        elif name in vars(BaseRouter):
            delattr(BaseRouter, name)
    BaseRouter.__class__ = meta


@pytest.fixture
def moto_as_shipped(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """moto's own methods (and Powertools' router) in place, and dummy credentials in a region of
    these tests' own."""
    for (owner, name), method in SHIPPED.items():
        if method is not None:
            monkeypatch.setattr(owner, name, method)
    before = type(BaseRouter), {name: vars(BaseRouter).get(name) for name in patches.ROUTING_STATE}
    _router(SHIPPED_ROUTER_META, dict.fromkeys(patches.ROUTING_STATE))
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", MOTO_REGION)
    yield
    _router(*before)


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
