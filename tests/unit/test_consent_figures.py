"""The consent figures: what a profile write adds to them, read from its image before and after,
counted once however often the stream hands the write over."""

from __future__ import annotations

import json

from opencounter.core.validation import CONTRACTS
from opencounter.privacy import consents

YES, NO = {"granted": True, "changed_at": "2026-12-01T10:00:00.000Z"}, {"granted": False, "changed_at": "2026-12-02"}


def profile(**said: dict) -> dict:
    by_channel: dict[str, dict] = {}
    for key, entry in said.items():
        channel, purpose = key.split("_", 1)
        by_channel.setdefault(channel, {})[purpose] = entry
    return {"entity": "CustomerProfile", "customer_id": "c-1", "consents": by_channel}


def test_the_channels_and_purposes_counted_are_those_a_customer_says_yes_or_no_to():
    schema = json.loads((CONTRACTS / "requests" / "customer-update.schema.json").read_text())
    wish = schema["properties"]["consents"]["items"]["properties"]
    assert list(consents.CHANNELS) == wish["channel"]["enum"] and list(consents.PURPOSES) == wish["purpose"]["enum"]


def test_a_new_customer_counts_once_with_what_they_said_at_sign_up():
    assert consents.changes(None, profile(email_marketing=YES, sms_service=NO)) == {
        ("CONSENT_FIGURES", "CUSTOMERS", "customers"): 1,
        ("CONSENT_FIGURES", "email#marketing", "granted"): 1, ("CONSENT_FIGURES", "sms#service", "withdrawn"): 1}


def test_a_yes_turned_no_moves_one_over_and_what_did_not_change_adds_nothing():
    before = profile(email_marketing=YES, sms_service=NO)
    after = profile(email_marketing=NO, sms_service={**NO, "changed_at": "2026-12-03"}, post_research=YES)
    assert consents.changes(before, after) == {
        ("CONSENT_FIGURES", "email#marketing", "granted"): -1, ("CONSENT_FIGURES", "email#marketing", "withdrawn"): 1,
        ("CONSENT_FIGURES", "post#research", "granted"): 1}
    assert consents.changes(after, after) == {}


def test_an_erased_profile_takes_itself_and_what_it_said_out_of_the_figures():
    assert consents.changes(profile(email_marketing=YES), None) == {
        ("CONSENT_FIGURES", "CUSTOMERS", "customers"): -1, ("CONSENT_FIGURES", "email#marketing", "granted"): -1}


def test_a_write_handed_over_twice_counts_once(table):
    assert consents.count("record-1", None, profile(email_marketing=YES)) is True
    assert consents.count("record-1", None, profile(email_marketing=YES)) is False
    assert consents.count("record-2", profile(), profile()) is False  # nothing to count
    figures = consents.figures()
    row = next(r for r in figures["items"] if (r["channel"], r["purpose"]) == ("email", "marketing"))
    service = next(r for r in figures["items"] if (r["channel"], r["purpose"]) == ("email", "service"))
    assert figures["customers"] == 1 and (row["granted"], row["unsaid"], row["written_to"]) == (1, 0, 1)
    assert (service["unsaid"], service["written_to"]) == (1, 1)  # sent until withdrawn
