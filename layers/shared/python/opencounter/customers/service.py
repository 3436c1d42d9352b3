"""What can be done with a customer's record. Plain data in, plain data out: no HTTP here."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

from opencounter.core.clock import BUSINESS_TIME, business_today, isoformat, utcnow
from opencounter.core.errors import Conflict, InvalidInput
from opencounter.core.ids import stable_id
from opencounter.core.outbox import DomainEvent, Write, commit, domain_event
from opencounter.core.validation import validate_request
from opencounter.customers.identities import moved_identity, register_identity
from opencounter.customers.proofs import mail_email_code, pending_email
from opencounter.customers.records import Address, ProductHolding, Profile
from opencounter.customers.views import address_view, consented, consents_of, customer_record, load_profile

MOVE_HORIZON = timedelta(days=365)
#: four digits not starting with 0, then two letters other than SA, SD and SS (PostNL's rules)
DUTCH_POSTCODE = re.compile(r"^([1-9][0-9]{3}) ?([A-Z]{2})$")
EXCLUDED_POSTCODE_LETTERS = {"SA", "SD", "SS"}


# ---------------------------------------------------------------- changing


def _set_consents(profile: Profile, requested: list[dict], now: str) -> tuple[list[dict], bool]:
    """Record what the customer says, when they had not said it yet: a yes to what they would be
    written to anyway is kept too (the proof of their consent, with its moment), and so is a no to
    what they would not be (their choice made); a no to what they would be withdraws it. The change
    log reads what held before, said or not. Returns the changes, and whether anything was said anew."""
    consents = consents_of(profile)
    changes, said_anew = [], False
    for wish in requested:
        channel, purpose, granted = wish["channel"], wish["purpose"], wish["granted"]
        said = consents.get(channel, {}).get(purpose)
        if said is None or bool(said["granted"]) != granted:
            current = consented(consents, channel, purpose)
            consents.setdefault(channel, {})[purpose] = {"granted": granted, "changed_at": now}
            said_anew = True
            if current != granted:
                changes.append({"field": f"consents.{channel}.{purpose}", "from": current, "to": granted})
    profile.consents = consents
    return changes, said_anew


def update_customer(customer_id: str, request: dict[str, Any], *, actor: dict, channel: str) -> dict[str, Any]:
    """Change contact details, settings and consents at once. `request["version"]` must be the
    version the caller last read; a stale one raises Conflict and changes nothing. A new e-mail
    address is not taken at once: a code is mailed to it, and it replaces the current one (on the
    record and for signing in) when the code comes back (opencounter.customers.proofs)."""
    validate_request("customer-update", request)
    profile = load_profile(customer_id)
    if int(profile.version) != request["version"]:
        raise Conflict(f"version: the record is at version {int(profile.version)}, "
                       f"not {request['version']}; read it again", field="version", reason="record_changed")
    now = isoformat(utcnow())
    changes = []
    contact = dict(request.get("contact", {}))
    new_email = contact.pop("email", profile.email).strip().lower()
    new_email = new_email if new_email != profile.email else None
    if new_email:
        pending_email(customer_id, new_email)  # refused before anything else changes
    fields = {**contact, **request.get("personal", {}), **request.get("settings", {})}
    for name, value in fields.items():
        if getattr(profile, name) != value:
            changes.append({"field": name, "from": getattr(profile, name), "to": value})
            setattr(profile, name, value)
    consent_changes, said_anew = _set_consents(profile, request.get("consents", []), now)
    changes += consent_changes
    if changes or said_anew:
        profile.updated_at = now
        identities: list[Write] = []
        if phone := next((change for change in changes if change["field"] == "phone"), None):
            # the new number is the customer's, unproven: calls and messages from it wait for
            # proof (a code) before they link by themselves
            profile.phone_verified_at = None
            identities = moved_identity(customer_id, "phone", phone["from"], phone["to"])
        # a choice that changes nothing the customer receives is kept on the record, with no event
        events = [domain_event("CustomerUpdated", customer_id=customer_id, actor=actor, channel=channel,
                               data={"changes": changes})] if changes else []
        commit([Write(profile, conflict="version: the record changed meanwhile; read it again"), *identities],
               events)
    if new_email:
        mail_email_code(profile, new_email)
    return customer_record(customer_id)


#: attempts at a change the system makes on the customer's behalf, against requests changing the
#: record at the same moment (each reads the record again)
SYSTEM_CHANGE_ATTEMPTS = 3


def withdraw_consent(customer_id: str, channel: str, purpose: str, *, actor: dict) -> bool:
    """Record a no to `purpose` on `channel` the customer made known other than in their settings
    (they marked a mailing as spam): as a change of theirs would be, on the timeline. Whether it
    changed anything (said already: nothing)."""
    for _ in range(SYSTEM_CHANGE_ATTEMPTS):
        profile = load_profile(customer_id)
        before = consented(consents_of(profile), channel, purpose)
        try:
            update_customer(customer_id, {"version": int(profile.version), "consents": [
                {"channel": channel, "purpose": purpose, "granted": False}]}, actor=actor, channel="system")
            return before
        except Conflict:
            continue
    raise Conflict("the record kept changing while a consent was withdrawn; try again", reason="busy_try_again")


def dutch_postcode(raw: str, field: str = "postcode") -> str:
    """A Dutch postcode in its standard form (1234 AB), or InvalidInput naming the field."""
    match = DUTCH_POSTCODE.match(raw.strip().upper())
    if not match or match.group(2) in EXCLUDED_POSTCODE_LETTERS:
        raise InvalidInput(f"{field}: {raw!r} is not a Dutch postcode (four digits not starting "
                           "with 0, then two letters, e.g. 1234 AB)", field=field, reason="postcode_invalid")
    return f"{match.group(1)} {match.group(2)}"


def _move_date(raw: str) -> date:
    moving = date.fromisoformat(raw)
    today = business_today()
    if moving < today:
        raise InvalidInput(f"move_date: {raw} is in the past; give today or a later date", field="move_date",
                           reason="move_date_past")
    if moving > today + MOVE_HORIZON:
        raise InvalidInput(f"move_date: {raw} is more than a year ahead", field="move_date", reason="move_date_too_far")
    return moving


def move_customer(customer_id: str, request: dict[str, Any], *, actor: dict, channel: str) -> dict[str, Any]:
    """Register a move to a Dutch address from `move_date` (today or later). Every channel shows
    the new address from that day; a later move on the same day replaces this one."""
    validate_request("customer-move", request)
    postcode = dutch_postcode(request["postcode"])
    effective_from = _move_date(request["move_date"]).isoformat()
    load_profile(customer_id)
    address = Address(
        *Address.keys(customer_id, effective_from),
        move_id=str(uuid.uuid4()), street=request["street"].strip(),
        house_number=request["house_number"], house_number_addition=request.get("house_number_addition"),
        postcode=postcode, city=request["city"].strip(), country="NL", effective_from=effective_from,
        registered_at=isoformat(utcnow()),
    )
    address.index_postcode(customer_id)
    view = address_view(address)
    starts = datetime.combine(date.fromisoformat(effective_from), time.min, BUSINESS_TIME)
    event = domain_event("CustomerMoved", customer_id=customer_id, actor=actor, channel=channel,
                         data={"move_id": address.move_id, "effective_from": effective_from,
                               "effective_at": isoformat(starts), "address": _address_only(view)})
    commit([Write(address)], [event])
    return view


def _address_only(view: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in view.items() if k not in ("move_id", "effective_from")}


def complete_move(customer_id: str, move_id: str, effective_from: str) -> str:
    """On the move date: announce the new address if this move is still the one registered for
    that day. Returns "announced", "superseded" (replaced by a later registration) or
    "already_announced" (a retried task: the announcement's event id is derived from the move)."""
    try:
        address = Address.get(*Address.keys(customer_id, effective_from))
    except Address.DoesNotExist:
        return "superseded"
    if address.move_id != move_id:
        return "superseded"
    event = domain_event("CustomerAddressChanged", customer_id=customer_id,
                         actor={"type": "system", "id": "move-house"}, channel="system",
                         data={"move_id": move_id, "effective_from": effective_from,
                               "address": _address_only(address_view(address))},
                         event_id=stable_id("move-completed", move_id))
    try:
        commit([], [event])
    except Conflict:
        return "already_announced"
    return "announced"


# ---------------------------------------------------------------- creating (sign-up, demo data)


def new_customer(customer_id: str, person: dict[str, Any], address: dict[str, Any], *, actor: dict, channel: str,
                 since: date | None = None, consents: list[dict] | None = None,
                 signup_id: str | None = None) -> tuple[list[Write], list[DomainEvent]]:
    """The writes and the event that create a customer record with its first address, for the
    caller to commit (alone, or inside a larger transaction such as a sign-up's activation)."""
    now = isoformat(utcnow())
    profile = Profile(*Profile.keys(customer_id), customer_id=customer_id, created_at=now, updated_at=now,
                      consents={}, **person)
    profile.email = profile.email.strip().lower()
    _set_consents(profile, consents or [], now)
    profile.index_email()
    effective_from = (since or business_today()).isoformat()
    home = Address(*Address.keys(customer_id, effective_from), move_id=str(uuid.uuid4()),
                   effective_from=effective_from, registered_at=now,
                   postcode=dutch_postcode(address["postcode"]),
                   **{k: v for k, v in address.items() if k != "postcode"})
    home.index_postcode(customer_id)
    event = domain_event("CustomerRegistered", customer_id=customer_id, signup_id=signup_id, actor=actor,
                         channel=channel, data={"given_name": profile.given_name, "family_name": profile.family_name})
    # the e-mail address is proven (the signing code went there); a phone number is not yet
    identities = [register_identity(customer_id, "email", profile.email, verified=True, by=actor["id"])]
    if profile.phone:
        identities.append(register_identity(customer_id, "phone", profile.phone, verified=False, by=actor["id"]))
    return [Write(profile, Profile.PK.does_not_exist(), conflict="the customer exists already"), Write(home),
            *identities], [event]


def register_customer(person: dict[str, Any], address: dict[str, Any], *, actor: dict, channel: str,
                      customer_id: str | None = None, since: date | None = None) -> str:
    """Create a customer record with a first address; returns the customer id."""
    customer_id = customer_id or str(uuid.uuid4())
    commit(*new_customer(customer_id, person, address, actor=actor, channel=channel, since=since))
    return customer_id


def new_holding(customer_id: str, product: dict[str, Any], *, actor: dict, channel: str,
                signup_id: str | None = None) -> tuple[list[Write], list[DomainEvent], ProductHolding]:
    """The write and the event that put an active product instance on a customer's record."""
    product_id = product.get("product_id") or str(uuid.uuid4())
    first = {"plan_code": product["plan_code"], "plan_name": product["plan"], "from": product["started_at"][:10],
             "why": "order" if product.get("order_id") else "signup", "by": None}
    holding = ProductHolding(*ProductHolding.keys(customer_id, product_id), product_id=product_id,
                             status="ACTIVE", plan_history=[first],
                             **{k: v for k, v in product.items() if k != "product_id"})
    holding.index_for_billing(customer_id)
    event = domain_event("ProductActivated", customer_id=customer_id, signup_id=signup_id, actor=actor,
                         channel=channel, data={"product_id": product_id, "name": holding.name, "plan": holding.plan})
    return [Write(holding, ProductHolding.PK.does_not_exist(), conflict="the product exists already")], [event], holding


def hold_product(customer_id: str, product: dict[str, Any], *, actor: dict, channel: str) -> str:
    """Record an active product instance on the customer's record."""
    writes, events, holding = new_holding(customer_id, product, actor=actor, channel=channel)
    commit(writes, events)
    return holding.product_id
