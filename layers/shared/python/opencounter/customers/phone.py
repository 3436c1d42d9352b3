"""A customer proves they hold their phone number: a code by text message, typed back. From then
on calls and WhatsApp messages from that number land in their history by themselves."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from opencounter import one_time_codes
from opencounter.contacts.identities import proven_identity
from opencounter.customers.records import PhoneCode, Profile
from opencounter.customers.service import customer_record
from opencounter.errors import Conflict, NotFound
from opencounter.outbox import Write, commit, domain_event, isoformat, utcnow
from opencounter.validation import validate_request

#: a new code no sooner than this after the last one (a text can take a moment to arrive)
RESEND_AFTER = timedelta(seconds=30)


def masked_phone(phone: str) -> str:
    """+31 •••• ••78: enough for the owner to recognise, too little for anyone else."""
    return f"{phone[:3]}••••••{phone[-2:]}"


def _scope(customer_id: str, phone: str) -> str:
    return f"phone:{customer_id}:{phone}"


def _profile(customer_id: str) -> Profile:
    try:
        profile = Profile.get(*Profile.keys(customer_id))
    except Profile.DoesNotExist:
        raise NotFound("no such customer") from None
    if not profile.phone:
        raise Conflict("phone: your record holds no phone number; add one first", field="phone")
    if profile.phone_verified_at:
        raise Conflict(f"phone: {masked_phone(profile.phone)} is verified already", field="phone")
    return profile


def send_phone_code(customer_id: str) -> dict[str, Any]:
    """Text a one-time code to the customer's phone number; a new code replaces the last one."""
    from opencounter.ports.messaging import send_sms

    profile = _profile(customer_id)
    now = utcnow()
    try:
        last = PhoneCode.get(*PhoneCode.keys(customer_id))
        if datetime.fromisoformat(last.sent_at) > now - RESEND_AFTER:
            raise Conflict(f"code: a code was sent at {last.sent_at}; ask for another one after "
                           f"{isoformat(datetime.fromisoformat(last.sent_at) + RESEND_AFTER)}", field="code")
    except PhoneCode.DoesNotExist:
        pass
    code = one_time_codes.new_code()
    PhoneCode(*PhoneCode.keys(customer_id), phone=profile.phone, digest=one_time_codes.digest(
        _scope(customer_id, profile.phone), code), sent_at=isoformat(now), attempts=0,
        expires_at=now + one_time_codes.LIFETIME).save()
    minutes = int(one_time_codes.LIFETIME.total_seconds() // 60)
    send_sms(profile.phone, f"OpenCounter: your code is {code}. It is valid for {minutes} minutes. "
                            "We never ask for it by phone.")
    return {"sent_to": masked_phone(profile.phone), "expires_at": isoformat(now + one_time_codes.LIFETIME)}


def confirm_phone(customer_id: str, request: dict[str, Any], *, actor: dict, channel: str) -> dict[str, Any]:
    """The code typed back: the number is the customer's, verified. Returns the record."""
    validate_request("phone-confirmation", request)
    profile = _profile(customer_id)
    try:
        code = PhoneCode.get(*PhoneCode.keys(customer_id))
    except PhoneCode.DoesNotExist:
        raise Conflict("code: ask for a code first", field="code") from None
    if code.phone != profile.phone:
        raise Conflict("code: that code went to another number; ask for a new one", field="code")
    one_time_codes.check(code, _scope(customer_id, profile.phone), request["code"])
    phone_proven(profile, actor=actor, channel=channel,
                 writes=[Write(code, PhoneCode.digest == code.digest, delete=True,
                               conflict="code: the code was used already")])
    return customer_record(customer_id)


def phone_proven(profile: Profile, *, actor: dict, channel: str, writes: list[Write] | None = None) -> None:
    """Record that the customer holds their phone number (a code came back, or the demo data
    says so): on the record, and as their verified channel identity, with `writes` at once."""
    now = isoformat(utcnow())
    profile.phone_verified_at = profile.updated_at = now
    event = domain_event("CustomerUpdated", customer_id=profile.customer_id, actor=actor, channel=channel,
                         data={"changes": [{"field": "phone_verified", "from": False, "to": True}]})
    commit([Write(profile, conflict="version: the record changed meanwhile; try again"), *(writes or []),
            *proven_identity(profile.customer_id, "phone", profile.phone or "", by=actor["id"])], [event])
