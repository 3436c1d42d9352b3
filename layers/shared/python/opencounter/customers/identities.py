"""Who a sender is on each channel: a customer's channel identities (their e-mail address, their
phone number, also used for WhatsApp). Only a verified identity links contacts by itself."""

from __future__ import annotations

from opencounter.core.clock import isoformat, utcnow
from opencounter.core.outbox import Write
from opencounter.customers.records import ChannelIdentity, Profile


def register_identity(customer_id: str, kind: str, address: str, *, verified: bool, by: str) -> Write:
    """A channel identity of a customer (their e-mail, their phone number), as a write."""
    return Write(ChannelIdentity.of(customer_id, kind, address, verified=verified, verified_by=by if verified else None,
                                    verified_at=isoformat(utcnow()) if verified else None))


def _held(kind: str, address: str) -> ChannelIdentity | None:
    try:
        return ChannelIdentity.get(*ChannelIdentity.keys(kind, address))
    except ChannelIdentity.DoesNotExist:
        return None


def moved_identity(customer_id: str, kind: str, old: str | None, new: str | None) -> list[Write]:
    """A customer's address on a channel changed: the old one stops pointing at them (when it
    did), the new one points at them unverified until they prove it. An address another customer
    holds stays theirs until then: a typing error must not take over someone else's contacts."""
    writes = []
    if old and (held := _held(kind, old)) is not None and held.customer_id == customer_id:
        writes.append(Write(held, ChannelIdentity.customer_id == customer_id, delete=True,
                            conflict="the channel identity changed meanwhile; try again"))
    if new and _held(kind, new) is None:
        writes.append(Write(ChannelIdentity.of(customer_id, kind, new, verified=False),
                            ChannelIdentity.PK.does_not_exist(),
                            conflict="the channel identity changed meanwhile; try again"))
    return writes


def proven_identity(customer_id: str, kind: str, address: str, *, by: str) -> list[Write]:
    """The customer proved they hold the address (a code sent there came back): it is theirs,
    verified, whoever held it before (a phone number passes to a new owner)."""
    writes = [register_identity(customer_id, kind, address, verified=True, by=by)]
    held = _held(kind, address)
    if held is not None and held.customer_id != customer_id:
        try:
            before = Profile.get(*Profile.keys(held.customer_id))
        except Profile.DoesNotExist:
            return writes
        if kind == "phone" and before.phone == address and before.phone_verified_at:
            before.phone_verified_at = None
            writes.append(Write(before, conflict="the record changed meanwhile; try again"))
    return writes


def verified_address(customer_id: str, kind: str) -> str | None:
    """The customer's verified address on a channel kind (their Messenger id, say), or None."""
    for identity in ChannelIdentity.lookup.query(ChannelIdentity.customer_partition(customer_id),
                                                 ChannelIdentity.GSI1SK.startswith(ChannelIdentity.keys(kind, "")[0])):
        if isinstance(identity, ChannelIdentity) and identity.verified and identity.customer_id == customer_id:
            return identity.address
    return None
