"""The customer record as every channel shows it today (the portal, the app, staff): read with
one Query of the customer's partition. Plain data out; no HTTP here."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from opencounter.core.clock import business_today, utcnow
from opencounter.core.errors import NotFound
from opencounter.core.table import Item, customer_key
from opencounter.customers.records import Address, ContactCode, ProductHolding, Profile


def address_view(address: Address) -> dict[str, Any]:
    return {
        "street": address.street,
        "house_number": int(address.house_number),
        "house_number_addition": address.house_number_addition,
        "postcode": address.postcode,
        "city": address.city,
        "country": address.country,
        "effective_from": address.effective_from,
        "move_id": address.move_id,
    }


def plan_periods(product: ProductHolding) -> list[dict[str, Any]]:
    """Every plan the product had, newest first: its code and name, the first and the last day it
    was held on it (`until` None while it still is), why it came (`why`: signup, order, customer,
    advice, staff; None for a change made before reasons were kept) and, for a change by staff,
    their role (`by`). Read from the holding's own plan history, so the record's one Query has it."""
    history = product.plan_history or []
    last_day = product.ends_on or (product.ended_at[:10] if product.ended_at else None)
    periods = []
    for index, entry in enumerate(history):
        following = history[index + 1]["from"] if index + 1 < len(history) else None
        why = entry.get("why")
        if why is None and index == 0:  # kept before reasons were: the holding tells how it came
            why = "order" if product.order_id else "signup"
        name = entry.get("plan_name") or (product.plan if entry["plan_code"] == product.plan_code
                                          else entry["plan_code"])
        periods.append({
            "plan_code": entry["plan_code"], "plan": name, "from": entry["from"],
            "until": (date.fromisoformat(following) - timedelta(days=1)).isoformat() if following else last_day,
            "why": why, "by": entry.get("by") if why == "staff" else None})
    return periods[::-1]


def product_view(product: ProductHolding, today: date) -> dict[str, Any]:
    """A product as every channel shows it today: one cancelled for the end of last month reads
    ENDED, one ordered to start on a later day reads SCHEDULED until then."""
    status = product.status
    if status == "ACTIVE" and product.ends_on and product.ends_on < today.isoformat():
        status = "ENDED"
    elif status == "ACTIVE" and product.started_at[:10] > today.isoformat():
        status = "SCHEDULED"
    return {
        "product_id": product.product_id,
        "product_code": product.product_code,
        "name": product.name,
        "kind": product.kind,
        "plan": product.plan,
        "plan_code": product.plan_code,
        "status": status,
        "identifier": product.identifier,
        "started_at": product.started_at,
        "ends_on": product.ends_on,
        "monthly_fee_cents": int(product.monthly_fee_cents),
        "version": int(product.version),
        "history": plan_periods(product),
    }


def consents_of(profile: Profile) -> dict:
    """The consents as plain data (pynamodb reads a raw map back as a MapAttribute)."""
    return profile.consents.as_dict() if hasattr(profile.consents, "as_dict") else dict(profile.consents)


#: purposes a customer is written to for until they say no: their own products and contract (the
#: contract's performance, and its best tariff, are lawful grounds); marketing and research need a yes
UNLESS_WITHDRAWN = frozenset({"service", "advice"})


def consented(consents: dict[str, Any], channel: str, purpose: str) -> bool:
    """Whether the customer consents to messages of `purpose` on `channel`: as they said; unsaid,
    about their own products and contract yes (UNLESS_WITHDRAWN), anything else no."""
    said = consents.get(channel, {}).get(purpose)
    return bool(said["granted"]) if said is not None else purpose in UNLESS_WITHDRAWN


def _consents_view(consents: dict) -> list[dict[str, Any]]:
    return [
        {"channel": channel, "purpose": purpose, "granted": bool(entry["granted"]),
         "changed_at": entry["changed_at"]}
        for channel, purposes in sorted(consents.items())
        for purpose, entry in sorted(purposes.items())
    ]


def _record_view(profile: Profile, addresses: list[Address], products: list[ProductHolding],
                 today: date, pending_email: str | None = None) -> dict[str, Any]:
    started = [a for a in addresses if a.effective_from <= today.isoformat()]
    upcoming = [a for a in addresses if a.effective_from > today.isoformat()]
    return {
        "customer_id": profile.customer_id,
        "version": int(profile.version),
        "personal": {"given_name": profile.given_name, "family_name": profile.family_name,
                     "birth_date": profile.birth_date,
                     "household_size": int(profile.household_size) if profile.household_size is not None else None},
        "contact": {"email": profile.email, "phone": profile.phone, "phone_verified": bool(profile.phone_verified_at),
                    # a new address waiting for the code mailed to it; `email` stays in use until then
                    "pending_email": pending_email},
        "settings": {"language": profile.language, "paperless_invoices": profile.paperless_invoices,
                     "preferred_channel": profile.preferred_channel},
        "consents": _consents_view(consents_of(profile)),
        "segment": profile.segment,
        "address": address_view(started[-1]) if started else None,
        "upcoming_moves": [address_view(a) for a in upcoming],
        "products": [product_view(p, today) for p in products],
        "updated_at": profile.updated_at,
    }


def record_from(items: list[Item], today: date) -> dict[str, Any]:
    """The record view from the items of a customer's partition (other entities are skipped)."""
    profile, addresses, products, pending = None, [], [], None
    for item in items:
        if isinstance(item, Profile):
            profile = item
        elif isinstance(item, Address):
            addresses.append(item)
        elif isinstance(item, ProductHolding):
            products.append(item)
        elif isinstance(item, ContactCode) and item.kind == "email" and (
                item.expires_at is None or item.expires_at > utcnow()):
            pending = item.address
    if profile is None:
        raise NotFound("no such customer", reason="customer_not_found")
    return _record_view(profile, addresses, products, today, pending)


def customer_record(customer_id: str) -> dict[str, Any]:
    """The whole record as every channel shows it today: one Query over the customer's partition."""
    return record_from(list(Item.query(customer_key(customer_id))), business_today())


def load_profile(customer_id: str) -> Profile:
    try:
        return Profile.get(*Profile.keys(customer_id))
    except Profile.DoesNotExist as error:
        raise NotFound("no such customer", reason="customer_not_found") from error


def profiles_by_email(email: str, limit: int = 20) -> list[Profile]:
    """The profiles with this e-mail address (GSI1): one, or none."""
    return [p for p in Item.lookup.query(Profile.email_lookup(email), limit=limit) if isinstance(p, Profile)]


def find_customers(email: str) -> list[dict[str, Any]]:
    """Who has this e-mail address already (a sign-up, a new address to prove)."""
    return [{"customer_id": p.customer_id, "name": f"{p.given_name} {p.family_name}", "email": p.email}
            for p in profiles_by_email(email)]
