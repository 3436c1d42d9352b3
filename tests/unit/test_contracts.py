"""The event catalogue (events/): one schema and one sample per detail-type, and the schemas are
the ones producers and consumers check against."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from infra.local.template import ROOT, load_template
from opencounter.core.errors import InvalidInput
from opencounter.core.validation import event_types, validate_event

SAMPLES = ROOT / "events" / "samples"


def _sample(detail_type: str) -> dict:
    return json.loads((SAMPLES / f"{detail_type}.json").read_text())


def test_every_detail_type_has_a_sample_and_every_sample_a_schema():
    samples = sorted(p.stem for p in SAMPLES.glob("*.json"))
    assert samples == event_types()


@pytest.mark.parametrize("detail_type", event_types())
def test_each_sample_is_a_valid_event_of_its_type(detail_type):
    event = _sample(detail_type)
    assert event["detail-type"] == detail_type
    validate_event(detail_type, event["detail"])


@pytest.mark.parametrize(("path", "value", "field"), [
    (("customer_id",), "", "customer_id"),
    (("actor", "type"), "robot", "actor.type"),
    (("channel",), "pigeon", "channel"),
    (("event_id",), "not-a-uuid", "event_id"),
])
def test_a_broken_envelope_is_refused_naming_the_field(path, value, field):
    detail = copy.deepcopy(_sample("CustomerUpdated")["detail"])
    target = detail
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(InvalidInput) as refusal:
        validate_event("CustomerUpdated", detail)
    assert refusal.value.field == field


def test_a_type_specific_field_is_checked_too():
    detail = copy.deepcopy(_sample("CustomerMoved")["detail"])
    detail["data"]["address"]["house_number"] = "55"
    with pytest.raises(InvalidInput) as refusal:
        validate_event("CustomerMoved", detail)
    assert refusal.value.field == "data.address.house_number"


def test_the_timeline_titles_only_known_event_types(cloud):
    from opencounter.customers.timeline import TITLES  # needs the table's name, which the local cloud sets

    assert set(TITLES) <= set(event_types())


def _patterns(template: dict) -> list[dict]:
    return [event["Properties"]["Pattern"] for resource in template["Resources"].values()
            for event in resource.get("Properties", {}).get("Events", {}).values()
            if event["Type"] == "EventBridgeRule"]


def test_every_detail_type_a_rule_listens_for_is_in_the_catalogue():
    # our own events (AWS services' events, such as Amazon Connect's, have AWS's own names)
    listened = {t for pattern in _patterns(load_template()) if pattern.get("source") == ["opencounter"]
                for t in pattern.get("detail-type", [])}
    assert listened and listened <= set(event_types())


def test_the_catalogue_at_events_is_the_one_the_functions_ship_with():
    shipped = ROOT / "layers" / "shared" / "python" / "opencounter" / "contracts" / "events"
    assert Path(ROOT / "events").resolve() == shipped.resolve()
