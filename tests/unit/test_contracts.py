"""The event catalogue (events/): one schema and one sample per detail-type, and the schemas are
the ones producers and consumers check against."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path

import pytest

from infra.local.template import ROOT, load_template
from opencounter.core.errors import InvalidInput
from opencounter.core.validation import CONTRACTS, event_types, validate_event

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

    assert {title.split(".")[0] for title in TITLES} <= set(event_types())


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


def _strings(node: object, path: str = "") -> list[tuple[str, dict]]:
    """Every string-typed schema in a document, with where it is."""
    found: list[tuple[str, dict]] = []
    if isinstance(node, dict):
        kind = node.get("type")
        if kind == "string" or (isinstance(kind, list) and "string" in kind):
            found.append((path, node))
        for key, value in node.items():
            found += _strings(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _strings(value, f"{path}[{index}]")
    return found


def test_every_text_field_of_every_request_is_a_kind_of_text_that_refuses_blanks():
    """A text field is one of the kinds in _text.schema.json (or an enum, a format or a pattern of
    its own): a field that takes any string would store blanks and line breaks where names go."""
    folder = CONTRACTS / "requests"
    loose = [f"{path.name}{where}" for path in sorted(folder.glob("*.schema.json")) if not path.name.startswith("_")
             for where, schema in _strings(json.loads(path.read_text()))
             if not {"enum", "const", "format", "pattern", "$ref"} & set(schema)]
    assert loose == []


@pytest.mark.parametrize(("kind", "good", "bad"), [
    ("text", ["a", " two\\nlines "], ["", "   ", "\\n\\t"]),
    ("line", ["Kerkstraat", " 12 B "], ["", "  ", "one\\ntwo"]),
    ("optional_line", ["", "next week"], ["  ", "a\\nb"]),
    ("identifier", ["OC-20261101-1a2b3c4d", "MOBILE-5GB"], ["", " x", "a b", "x/y"]),
])
def test_each_kind_of_text_takes_what_it_should(kind, good, bad):
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource

    texts = json.loads((CONTRACTS / "requests" / "_text.schema.json").read_text())
    registry = Registry().with_resources([("_text.schema.json", Resource.from_contents(texts))])
    validator = Draft202012Validator({"$ref": f"_text.schema.json#/$defs/{kind}"}, registry=registry)
    assert [v for v in good if not validator.is_valid(json.loads(f'"{v}"'))] == []
    assert [v for v in bad if validator.is_valid(json.loads(f'"{v}"'))] == []


#: per format the contracts use: what it takes, and what it refuses
FORMATS = {
    "date": (["2026-02-28"], ["2026-02-30", "28-02-2026"]),
    "date-time": (["2026-12-05T10:00:00Z", "2026-12-05T10:00:00.5+01:00"],
                  ["2026-12-05T10:00:00", "2026-13-01T00:00:00Z"]),
    "email": (["sanne@example.nl"], ["sanne"]),
    "uri": (["https://example.nl/betaald?factuur=OC-1", "http://127.0.0.1:3000/"],
            ["https://\u00cf", "example.nl/betaald", "https://exa mple.nl", "http://[::1"]),
    "uuid": (["0b9e6f5e-2f0a-4c1e-9a3c-1d2e3f4a5b6c"], ["not-a-uuid"]),
}


def test_every_format_the_contracts_use_is_checked_wherever_the_layer_runs():
    """A format a schema names and nobody checks lets anything through: jsonschema checks uri and
    date-time only with optional packages the functions do not have, so the layer checks them."""
    from opencounter.core.validation import format_checker

    used = {match for path in CONTRACTS.rglob("*.schema.json")
            for match in re.findall(r'"format":\s*"([a-z-]+)"', path.read_text())}
    assert used <= set(FORMATS), f"formats with no case here: {sorted(used - set(FORMATS))}"
    checker = format_checker()
    for kind, (good, bad) in FORMATS.items():
        assert [v for v in good if not checker.conforms(v, kind)] == [], kind
        assert [v for v in bad if checker.conforms(v, kind)] == [], kind
        assert checker.checkers[kind][0].__module__ in ("opencounter.core.validation", "jsonschema._format"), kind
