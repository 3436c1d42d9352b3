"""Domain services against the in-memory table alone: what they store, what they refuse, and
that a refused or failed change leaves nothing behind (no item, no event in the outbox)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from opencounter.core.clock import business_today
from opencounter.core.errors import Conflict, InvalidInput
from opencounter.core.outbox import OutboxEvent, Write, WriteConflict, commit, domain_event
from opencounter.customers import service
from opencounter.customers.records import Address, Profile
from opencounter.customers.service import complete_move, move_customer, register_customer, update_customer
from tests.unit.conftest import stored

SYSTEM = {"type": "system", "id": "unit-test"}
PERSON = {"given_name": "Eva", "family_name": "de Boer", "birth_date": "1985-06-01", "email": "eva@example.nl"}
HOME = {"street": "Damrak", "house_number": 1, "postcode": "1012 LG", "city": "Amsterdam"}


def events(detail_type: str) -> list[dict]:
    return [json.loads(e.detail) for e in stored(OutboxEvent) if e.detail_type == detail_type]


def _move(days: int, street: str = "Vondelstraat") -> dict:
    return {"street": street, "house_number": 3, "postcode": "1054 GA", "city": "Amsterdam",
            "move_date": (business_today() + timedelta(days=days)).isoformat()}


# ---------------------------------------------------------------- update_customer


def test_a_change_from_a_stale_version_is_refused_and_changes_nothing(table):
    # Given a customer whose record moved on to version 2
    customer = register_customer(PERSON, HOME, actor=SYSTEM, channel="system")
    update_customer(customer, {"version": 1, "settings": {"language": "en"}}, actor=SYSTEM, channel="web")

    # When a change made from version 1 arrives
    with pytest.raises(Conflict) as refused:
        update_customer(customer, {"version": 1, "settings": {"paperless_invoices": False}}, actor=SYSTEM,
                        channel="web")

    # Then it is refused naming the version, and only the first change is stored and announced
    assert refused.value.field == "version" and "version 2, not 1" in refused.value.message
    profile = Profile.get(*Profile.keys(customer))
    assert (int(profile.version), profile.language, profile.paperless_invoices) == (2, "en", True)
    assert [c["field"] for e in events("CustomerUpdated") for c in e["data"]["changes"]] == ["language"]


def test_a_change_that_loses_the_race_to_another_writer_is_refused_whole(table, monkeypatch):
    # Given two writers that both read version 1
    customer = register_customer(PERSON, HOME, actor=SYSTEM, channel="system")
    read_by_the_slower = Profile.get(*Profile.keys(customer))
    update_customer(customer, {"version": 1, "settings": {"language": "en"}}, actor=SYSTEM, channel="web")

    # When the slower one writes what it read (its version check passed before the other wrote)
    monkeypatch.setattr(service, "load_profile", lambda _: read_by_the_slower)
    with pytest.raises(Conflict) as refused:
        update_customer(customer, {"version": 1, "contact": {"phone": "+31612345678"},
                                   "settings": {"preferred_channel": "phone"}}, actor=SYSTEM, channel="web")

    # Then nothing of it is stored: not the phone, not the preference, not its event
    assert refused.value.message == "version: the record changed meanwhile; read it again"
    profile = Profile.get(*Profile.keys(customer))
    assert (profile.phone, profile.preferred_channel, int(profile.version)) == (None, "email", 2)
    assert len(events("CustomerUpdated")) == 1


# ---------------------------------------------------------------- complete_move


def test_the_move_date_announces_the_new_address_once_however_often_it_runs(table):
    customer = register_customer(PERSON, HOME, actor=SYSTEM, channel="system")
    move = move_customer(customer, _move(0), actor=SYSTEM, channel="web")

    outcomes = [complete_move(customer, move["move_id"], move["effective_from"]) for _ in range(3)]

    assert outcomes == ["announced", "already_announced", "already_announced"]
    [announced] = events("CustomerAddressChanged")
    assert announced["data"]["move_id"] == move["move_id"] and announced["data"]["address"]["street"] == "Vondelstraat"


def test_a_move_replaced_by_a_later_registration_for_the_same_day_is_not_announced(table):
    customer = register_customer(PERSON, HOME, actor=SYSTEM, channel="system")
    first = move_customer(customer, _move(5), actor=SYSTEM, channel="web")
    second = move_customer(customer, _move(5, street="Keizersgracht"), actor=SYSTEM, channel="web")

    assert complete_move(customer, first["move_id"], first["effective_from"]) == "superseded"
    assert complete_move(customer, second["move_id"], second["effective_from"]) == "announced"
    assert [e["data"]["address"]["street"] for e in events("CustomerAddressChanged")] == ["Keizersgracht"]


# ---------------------------------------------------------------- outbox.commit


def _event(customer_id: str) -> object:
    return domain_event("CustomerUpdated", customer_id=customer_id, actor=SYSTEM, channel="system",
                        data={"changes": [{"field": "language", "from": "nl", "to": "en"}]})


def test_a_change_and_its_event_are_stored_together(table):
    customer = register_customer(PERSON, HOME, actor=SYSTEM, channel="system")
    profile = Profile.get(*Profile.keys(customer))
    profile.language = "en"
    event = _event(customer)

    commit([Write(profile)], [event])

    assert Profile.get(*Profile.keys(customer)).language == "en"
    assert [e["event_id"] for e in events("CustomerUpdated")] == [event.event_id]


def test_when_one_write_fails_neither_the_others_nor_the_event_are_stored(table):
    # Given a change of the profile and a new address, the address's day already taken
    customer = register_customer(PERSON, HOME, actor=SYSTEM, channel="system")
    profile = Profile.get(*Profile.keys(customer))
    profile.language = "en"
    taken = Address.get(*Address.keys(customer, business_today().isoformat()))
    clash = Write(Address(taken.PK, taken.SK, move_id="m", street="Elders", house_number=9, postcode="1000 AA",
                          city="Amsterdam", effective_from=taken.effective_from, registered_at="now"),
                  Address.PK.does_not_exist(), conflict="an address starts that day already")

    # When all three are committed
    with pytest.raises(WriteConflict) as refused:
        commit([Write(profile), clash], [_event(customer)])

    # Then the failing write is named, and nothing at all was stored
    assert refused.value.write is clash and refused.value.message == "an address starts that day already"
    assert Profile.get(*Profile.keys(customer)).language == "nl"
    assert Address.get(taken.PK, taken.SK).street == "Damrak"
    assert events("CustomerUpdated") == []


def test_the_failing_write_is_named_whatever_kinds_of_write_come_before_it(table):
    # Given a stale profile and an address to take out (sent first: pynamodb sends deletes first)
    customer = register_customer(PERSON, HOME, actor=SYSTEM, channel="system")
    stale = Profile.get(*Profile.keys(customer))
    fresh = Profile.get(*Profile.keys(customer))
    fresh.language = "en"
    commit([Write(fresh)], [])
    stale.language = "de"
    address = Address.get(*Address.keys(customer, business_today().isoformat()))
    stale_write = Write(stale, conflict="version: the record changed meanwhile")

    # When both are committed, the profile first
    with pytest.raises(WriteConflict) as refused:
        commit([stale_write, Write(address, delete=True)], [])

    # Then the stale profile is named, and the address is still there
    assert refused.value.write is stale_write and refused.value.field is None
    assert Address.get(address.PK, address.SK).street == "Damrak"


def test_an_event_that_breaks_its_schema_stores_nothing(table):
    customer = register_customer(PERSON, HOME, actor=SYSTEM, channel="system")
    profile = Profile.get(*Profile.keys(customer))
    profile.language = "en"
    broken = domain_event("CustomerUpdated", customer_id=customer, actor=SYSTEM, channel="system", data={})

    with pytest.raises(InvalidInput) as refused:
        commit([Write(profile)], [broken])

    assert refused.value.field == "data.changes"
    assert Profile.get(*Profile.keys(customer)).language == "nl"
    assert events("CustomerUpdated") == []


def test_an_event_committed_twice_is_stored_once(table):
    customer = register_customer(PERSON, HOME, actor=SYSTEM, channel="system")
    event = _event(customer)
    commit([], [event])

    with pytest.raises(WriteConflict) as again:
        commit([], [event])

    assert again.value.message == "event already stored"
    assert len(events("CustomerUpdated")) == 1


def test_shared_counters_are_added_to_after_the_change_never_inside_its_transaction(table):
    """A channel's figures are added to by every contact at once: inside a transaction any two
    would cancel each other (DynamoDB's TransactionConflict), so commit takes them apart."""
    from opencounter.channels import status as channels
    from opencounter.channels.records import ChannelFigures

    customer = register_customer(PERSON, HOME, actor=SYSTEM, channel="system")
    profile = Profile.get(*Profile.keys(customer))
    profile.language = "en"
    with pytest.raises(ValueError, match="ChannelFigures"):
        commit([Write(profile), *channels.arrival("chat")], [])
    assert Profile.get(*Profile.keys(customer)).language == "nl" and stored(ChannelFigures) == []

    commit([Write(profile)], [], counters=channels.arrival("chat") + channels.arrival("chat"))
    assert Profile.get(*Profile.keys(customer)).language == "en"
    assert [int(f.waiting) for f in stored(ChannelFigures)] == [2]


def test_counters_of_a_change_that_fails_are_not_added(table):
    from opencounter.channels import status as channels
    from opencounter.channels.records import ChannelFigures

    customer = register_customer(PERSON, HOME, actor=SYSTEM, channel="system")
    stale = Profile.get(*Profile.keys(customer))
    Profile.get(*Profile.keys(customer)).save()  # someone else changed it meanwhile
    with pytest.raises(Conflict):
        commit([Write(stale)], [], counters=channels.arrival("chat"))
    assert stored(ChannelFigures) == []
