"""A copy of one's data written against the in-memory table alone: every item held about the
customer is in it or of a kind left out with a reason, nothing of another customer is, the file
is the documented format, and the sections and the reasons are the ones the documents name."""

from __future__ import annotations

import io
import json
import uuid
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from bench.data_export import held_about, missing_items, scan
from opencounter.billing.usage import record_usage
from opencounter.contacts.requests import start_request
from opencounter.core.aws import aws_client
from opencounter.core.clock import isoformat, utcnow
from opencounter.core.outbox import OutboxEvent
from opencounter.core.settings import settings
from opencounter.core.table import RECORD_MODULES, Item
from opencounter.core.validation import CONTRACTS, format_checker
from opencounter.customers.records import ContactCode, Profile
from opencounter.customers.service import hold_product, register_customer, update_customer
from opencounter.customers.timeline import record_event
from opencounter.notifications.records import Notification
from opencounter.privacy import collect, requests
from tests.unit.conftest import stored

ROOT = Path(__file__).resolve().parents[2]
SYSTEM = {"type": "system", "id": "unit-test"}
HOME = {"street": "Damrak", "house_number": 1, "postcode": "1012 LG", "city": "Amsterdam"}
SCHEMA = json.loads((CONTRACTS / "exports" / "data-export.schema.json").read_text())


def _customer(given: str, family: str, *, records: int = 3) -> str:
    customer_id = register_customer(
        {"given_name": given, "family_name": family, "birth_date": "1980-03-04",
         "email": f"{given.lower()}-{uuid.uuid4().hex[:6]}@example.nl",
         "phone": f"+3161{uuid.uuid4().int % 10**7:07d}"},
        HOME, actor=SYSTEM, channel="system")
    product_id = hold_product(customer_id, {
        "product_code": "MOBILE", "name": "Mobiel", "kind": "mobile", "plan": "20 GB", "plan_code": "MOBILE-20GB",
        "catalogue_version": "v1", "started_at": "2026-01-01", "monthly_fee_cents": 2000},
        actor=SYSTEM, channel="system")
    for n in range(records):
        record_usage({"record_id": uuid.uuid4().hex, "customer_id": customer_id, "product_id": product_id,
                      "unit": "data_mb", "quantity": 100 + n,
                      "occurred_at": f"2026-{10 + n % 2}-0{1 + n % 9}T12:00:00Z"})
    update_customer(customer_id, {"version": 1, "consents": [{"channel": "email", "purpose": "marketing",
                                                              "granted": True}]},
                    actor={"type": "customer", "id": customer_id}, channel="web")
    start_request(customer_id, {"kind": "repair", "subject": "Storing", "text": "Het internet valt weg."},
                  actor={"type": "customer", "id": customer_id}, channel="web")
    ContactCode(*ContactCode.keys(customer_id, "phone"), kind="phone", address="+31600000000", digest="secret-hash",
                sent_at=isoformat(utcnow())).save()
    # the bus's part, done by hand: every event on the timeline, and a notice sent about the first
    events = [json.loads(e.detail) | {"type": e.detail_type} for e in stored(OutboxEvent)]
    mine = [e for e in events if e.get("customer_id") == customer_id]
    for event in mine:
        record_event(event["type"], event)
    Notification(*Notification.keys(customer_id, mine[0]["event_id"]), channel="email", sent_to="someone@example.nl",
                 sent_at=isoformat(utcnow()), message_id="m-1").save()
    return customer_id


def _copy(customer_id: str) -> tuple[dict, collect.Summary]:
    request, _ = requests.receive(customer_id, "export", actor={"type": "customer", "id": customer_id}, channel="web")
    out = io.BytesIO()
    summary = collect.write_export(customer_id, request.request_id, out)
    assert summary.bytes == len(out.getvalue())
    return json.loads(out.getvalue()), summary


def test_every_item_held_is_in_the_copy_or_left_out_with_a_reason_and_nothing_of_another_customer(table):
    # Given two customers, each with products, usage, consents, a request, a one-time code, the timeline
    eva = _customer("Eva", "de Boer")
    piet = _customer("Piet", "Pietersen")

    document, summary = _copy(eva)

    # Then the copy is the documented format
    Draft202012Validator(SCHEMA, format_checker=format_checker()).validate(document)
    assert document["format"] == collect.FORMAT and document["customer_id"] == eva
    # every item about her is in it, or of a kind left out with a reason
    held = held_about(scan(aws_client("dynamodb"), settings().table_name), eva)
    assert {i["entity"]["S"] for i in held} >= {"CustomerProfile", "UsageRecord", "TimelineEntry", "Notification",
                                                 "ChannelIdentity", "ContactCode", "DataRequest"}
    assert missing_items(held, document) == []
    # the one-time code is not in it, but said to be held and why
    assert "secret-hash" not in json.dumps(document)
    [code] = [n for n in document["not_included"] if n["entity"] == "ContactCode"]
    assert code["items"] == 1 and "secret" in code["reason"]
    # and nothing of the other customer: not his id, his e-mail address or his name
    other = Profile.get(*Profile.keys(piet))
    text = json.dumps(document, ensure_ascii=False)
    assert [word for word in (piet, other.email, other.family_name, other.phone) if word in text] == []
    # the sections hold what they say; the counts are the entries
    sections = document["sections"]
    assert [c for c in sections["consents"] if c["purpose"] == "marketing"][0]["granted"] is True
    assert len([e for e in sections["usage"] if e["entity"] == "UsageRecord"]) == 3
    assert document["counts"] == {name: len(entries) for name, entries in sections.items()} == summary.sections
    # no field that is a secret or bookkeeping
    for entries in sections.values():
        for entry in entries:
            assert not set(entry) & set(collect.LEFT_OUT_FIELDS), entry


def test_the_copy_holds_the_customers_part_in_the_ideas_and_none_of_anothers(table):
    from opencounter.ideas import service as ideas

    eva, piet = _customer("Eva", "de Boer", records=0), _customer("Piet", "Pietersen", records=0)
    as_eva, as_piet = {"type": "customer", "id": eva}, {"type": "customer", "id": piet}
    hers, _ = ideas.post_idea(eva, {"title": "Verbruik per kwartier", "text": "Per kwartier, niet per dag.",
                                    "topic": "energy"}, actor=as_eva, channel="web")
    his, _ = ideas.post_idea(piet, {"title": "Factuur in het Engels", "text": "Graag ook in het Engels.",
                                    "topic": "service"}, actor=as_piet, channel="web")
    ideas.vote(eva, his["idea_id"])
    ideas.follow(eva, his["idea_id"])
    ideas.add_comment(eva, his["idea_id"], {"text": "Ja, graag."})
    ideas.add_comment(piet, his["idea_id"], {"text": "Dank je."})
    ideas.vote(piet, hers["idea_id"])

    document, _ = _copy(eva)

    mine = document["sections"]["ideas"]
    assert sorted((e["entity"], e["PK"]) for e in mine) == sorted([
        ("Idea", f"IDEA#{hers['idea_id']}"), ("Follower", f"IDEA#{hers['idea_id']}"),
        ("Vote", f"IDEA#{his['idea_id']}"), ("Follower", f"IDEA#{his['idea_id']}"),
        ("IdeaComment", f"IDEA#{his['idea_id']}")])
    assert [e["text"] for e in mine if e["entity"] == "IdeaComment"] == ["Ja, graag."]
    assert piet not in json.dumps(mine)
    assert {"entity": "IdeaLink", "items": 2} == {k: v for k, v in next(
        n for n in document["not_included"] if n["entity"] == "IdeaLink").items() if k != "reason"}


def test_a_kind_of_the_record_without_a_section_still_goes_into_the_copy(table, monkeypatch):
    eva = _customer("Eva", "de Boer", records=0)
    # as if requests had no section: the kind lands in `other`, never nowhere
    monkeypatch.setitem(collect.SECTIONS, "requests", ())

    document, _ = _copy(eva)

    assert [e["entity"] for e in document["sections"]["other"]] == ["ServiceRequest"]


def _every_kind() -> set[str]:
    import importlib

    for module in RECORD_MODULES:
        importlib.import_module(module)
    kinds, seen = set(), [Item]
    while seen:
        for cls in seen.pop().__subclasses__():
            seen.append(cls)
            name = Item.entity.get_discriminator(cls)  # type: ignore[attr-defined]
            if name is not None:
                kinds.add(name)
    return kinds


def test_every_kind_of_the_table_has_a_section_of_the_copy_or_a_reason_to_be_left_out():
    sectioned = {kind for kinds in collect.SECTIONS.values() for kind in kinds}
    assert sorted(_every_kind() - sectioned - set(collect.EXCLUDED)) == []
    assert sorted(sectioned & set(collect.EXCLUDED)) == []
    assert sorted(set(collect.EXCLUDED) - _every_kind()) == []


def test_the_schema_and_the_format_document_name_every_section_and_each_sections_kinds():
    sections = SCHEMA["properties"]["sections"]["properties"]
    assert list(sections) == list(collect.SECTIONS) == SCHEMA["properties"]["sections"]["required"]
    for name, kinds in collect.SECTIONS.items():
        items = sections[name]["items"]
        named = items.get("allOf", [{}, {}])[1].get("properties", {}).get("entity", {}).get("enum", [])
        assert sorted(named) == sorted(kinds), name
    described = (ROOT / "docs" / "data-export.md").read_text()
    missing = [f"`{name}`" for name in collect.SECTIONS if f"`{name}`" not in described]
    missing += [kind for kind in collect.EXCLUDED if f"`{kind}`" not in described]
    missing += [field for field in collect.LEFT_OUT_FIELDS if f"`{field}`" not in described]
    assert missing == []


@pytest.mark.parametrize("value, shown", [
    ({1, 3, 2}, [1, 2, 3]),
    (b"\x00\x01", "AAE="),
])
def test_a_fields_value_is_written_as_json_has_it(value, shown):
    assert collect.plain(value) == shown
