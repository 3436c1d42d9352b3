"""Staff find a customer from whatever the customer has at hand, typed in one box at the counter
or on the phone: an e-mail address, a phone number (as people say it, 06 1234 5678), an invoice
number from a letter, a code to continue a request or a sign-up, or a name and a postcode.

Every kind is one look-up by key or index, never a scan: e-mail on GSI1 `EMAIL#`, a phone number
through its channel identity, an invoice number on GSI1 `INVOICE_NUMBER#`, a code through its
digest, a postcode on GSI1 `POSTCODE#` (then the names of the few who live there compared)."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from opencounter.billing.records import Invoice
from opencounter.contacts.records import RequestResumeCode
from opencounter.core.errors import InvalidInput
from opencounter.core.resume_codes import ALPHABET, code_digest
from opencounter.core.table import Item
from opencounter.core.validation import validate_request
from opencounter.customers.records import Address, ChannelIdentity, Profile
from opencounter.customers.views import address_view, profiles_by_email
from opencounter.signups.records import ResumeCode, Signup

MAX_RESULTS = 20
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
INVOICE_NUMBER = re.compile(r"^OC-\d{8}-[0-9A-F]{8}$", re.IGNORECASE)
CODE = re.compile(rf"^[{ALPHABET}]{{4}}-?[{ALPHABET}]{{4}}$")
PHONE = re.compile(r"^\+?\d{9,15}$")
POSTCODE = re.compile(r"\b([1-9]\d{3})\s?([A-Z]{2})\b", re.IGNORECASE)


def search_customers(request: dict[str, Any]) -> dict[str, Any]:
    """The customers the query points at (at most MAX_RESULTS), and what it was read as:
    `matched_by` email | phone | invoice | code | name_postcode. A sign-up found by its code
    that has no customer yet is told as such (`signup`), so staff can help it along."""
    validate_request("customer-search", request)
    query = " ".join(request["query"].split())
    compact = re.sub(r"[\s\-().]", "", query)
    if EMAIL.match(query):
        return _found("email", profiles_by_email(query, MAX_RESULTS))
    if INVOICE_NUMBER.match(query):
        return _found("invoice", _customers_of(Item.lookup.query(Invoice.number_lookup(query), limit=1)))
    if CODE.match(query.upper().replace(" ", "")):
        return _by_code(query)
    if PHONE.match(compact):
        return _found("phone", _customer_by_phone(compact))
    if postcode := POSTCODE.search(query):
        return _found("name_postcode", _by_name_and_postcode(query, postcode))
    raise InvalidInput("query: give a name and postcode, a phone number, an e-mail address, an invoice number or a "
                       "code", field="query", reason="search_not_understood")


def e164(number: str) -> str:
    """A phone number as it is stored (+31612345678), from how people write it: 06 1234 5678,
    0031 6 ..., +31 6 ... (a number without a country code is a Dutch one)."""
    digits = re.sub(r"[\s\-().]", "", number)
    if digits.startswith("+"):
        return digits
    if digits.startswith("00"):
        return f"+{digits[2:]}"
    return f"+31{digits.removeprefix('0')}"


def _plain(text: str) -> str:
    """Lower case without accents: Müller finds Muller, Çelik finds celik."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()


def _customers_of(items: Any) -> list[Profile]:
    ids = list(dict.fromkeys(str(getattr(item, "customer_id", "")) for item in items))
    return _profiles([i for i in ids if i])


def _profiles(customer_ids: list[str]) -> list[Profile]:
    if not customer_ids:
        return []
    found = {p.customer_id: p for p in Profile.batch_get([Profile.keys(c) for c in customer_ids])}
    return [found[c] for c in customer_ids if c in found]


def _customer_by_phone(number: str) -> list[Profile]:
    try:
        identity = ChannelIdentity.get(*ChannelIdentity.keys("phone", e164(number)))
    except ChannelIdentity.DoesNotExist:
        return []
    return _profiles([identity.customer_id])


def _by_code(code: str) -> dict[str, Any]:
    digest = code_digest(code)
    try:
        return _found("code", _profiles([RequestResumeCode.get(*RequestResumeCode.keys(digest)).customer_id]))
    except RequestResumeCode.DoesNotExist:
        pass
    try:
        signup = Signup.get(*Signup.keys(ResumeCode.get(*ResumeCode.keys_of_digest(digest)).signup_id))
    except (ResumeCode.DoesNotExist, Signup.DoesNotExist):
        return _found("code", [])
    if signup.customer_id:
        return _found("code", _profiles([signup.customer_id]))
    applicant = signup.applicant
    return {"matched_by": "code", "items": [], "signup": {
        "signup_id": signup.signup_id, "status": signup.status.lower(), "created_at": signup.created_at,
        "name": f"{applicant.get('given_name', '')} {applicant.get('family_name', '')}".strip()}}


def _by_name_and_postcode(query: str, postcode: re.Match[str]) -> list[tuple[Profile, Address]]:
    name = _plain(f"{query[:postcode.start()]} {query[postcode.end():]}").split()
    if not name:
        raise InvalidInput("query: give the name with the postcode", field="query", reason="search_needs_name")
    area, letters = Address.postcode_lookup(postcode.group(1) + postcode.group(2))
    addresses = [a for a in Item.lookup.query(area, Item.GSI1SK.startswith(letters)) if isinstance(a, Address)]
    owners = {a.customer_id: a for a in addresses}
    matches = []
    for profile in _profiles(list(owners)):
        words = _plain(f"{profile.given_name} {profile.family_name}").split()
        if all(any(word.startswith(part) for word in words) for part in name):
            matches.append((profile, owners[profile.customer_id]))
    return matches


def _found(kind: str, found: list[Profile] | list[tuple[Profile, Address]]) -> dict[str, Any]:
    items = []
    for entry in found[:MAX_RESULTS]:
        profile, address = entry if isinstance(entry, tuple) else (entry, None)
        items.append({"customer_id": profile.customer_id, "name": f"{profile.given_name} {profile.family_name}",
                      "email": profile.email, "birth_date": profile.birth_date,
                      "address": address_view(address) if address else None})
    return {"matched_by": kind, "items": items}
