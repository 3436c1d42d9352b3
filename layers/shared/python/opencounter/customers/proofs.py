"""A customer proves they hold a contact address: their phone number (a code by text message) or
a new e-mail address (a code mailed to it, before the record and the login take it). Calls,
WhatsApp messages and e-mails from a proven address land in their history by themselves, and
notices go only to proven addresses: a typing error must not tell a stranger about invoices."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from opencounter.core import one_time_codes
from opencounter.core.clock import isoformat, utcnow
from opencounter.core.errors import Conflict
from opencounter.core.outbox import Write, commit, domain_event
from opencounter.core.validation import validate_request
from opencounter.customers.identities import moved_identity, proven_identity
from opencounter.customers.records import ContactCode, Profile
from opencounter.customers.views import customer_record, find_customers, load_profile
from opencounter.ports.accounts import change_login_email
from opencounter.ports.messaging import masked, send_email, send_sms

#: a new code no sooner than this after the last one (a message can take a moment to arrive)
RESEND_AFTER = timedelta(seconds=30)


def masked_phone(phone: str) -> str:
    """+31••••••78: enough for the owner to recognise, too little for anyone else."""
    return f"{phone[:3]}••••••{phone[-2:]}"


def _scope(customer_id: str, kind: str, address: str) -> str:
    return f"{kind}:{customer_id}:{address}"


def _new_code(customer_id: str, kind: str, address: str) -> str:
    """A fresh code for `address`, replacing the last one (not sooner than RESEND_AFTER after it)."""
    now = utcnow()
    try:
        last = ContactCode.get(*ContactCode.keys(customer_id, kind))
        sent = datetime.fromisoformat(last.sent_at)
        if last.address == address and sent > now - RESEND_AFTER:
            raise Conflict(f"code: a code was sent at {last.sent_at}; ask for another one after "
                           f"{isoformat(sent + RESEND_AFTER)}", field="code",
                           reason="code_sent_recently", retry_at=isoformat(sent + RESEND_AFTER))
    except ContactCode.DoesNotExist:
        pass
    code = one_time_codes.new_code()
    ContactCode(*ContactCode.keys(customer_id, kind), kind=kind, address=address,
                digest=one_time_codes.digest(_scope(customer_id, kind, address), code), sent_at=isoformat(now),
                attempts=0, expires_at=now + one_time_codes.LIFETIME).save()
    return code


def _checked_code(customer_id: str, kind: str, request: dict[str, Any]) -> ContactCode:
    """The code the customer typed back, checked (a wrong one counts as a try)."""
    validate_request("code-confirmation", request)
    try:
        code = ContactCode.get(*ContactCode.keys(customer_id, kind))
    except ContactCode.DoesNotExist:
        raise Conflict("code: ask for a code first", field="code", reason="code_not_requested") from None
    one_time_codes.check(code, _scope(customer_id, kind, code.address), request["code"])
    return code


def _used(code: ContactCode) -> Write:
    return Write(code, ContactCode.digest == code.digest, delete=True, conflict="code: the code was used already")


# ---------------------------------------------------------------- the phone number


def _unproven_phone(customer_id: str) -> Profile:
    profile = load_profile(customer_id)
    if not profile.phone:
        raise Conflict("phone: your record holds no phone number; add one first", field="phone", reason="phone_missing")
    if profile.phone_verified_at:
        raise Conflict(f"phone: {masked_phone(profile.phone)} is verified already", field="phone",
                       reason="phone_verified_already")
    return profile


def send_phone_code(customer_id: str) -> dict[str, Any]:
    """Text a one-time code to the customer's phone number; a new code replaces the last one."""
    profile = _unproven_phone(customer_id)
    phone = profile.phone or ""
    code = _new_code(customer_id, "phone", phone)
    send_sms(phone, f"OpenCounter: your code is {code}. It is valid for {one_time_codes.LIFETIME_MINUTES} minutes. "
                    "We never ask for it by phone.")
    return {"sent_to": masked_phone(phone), "expires_at": isoformat(utcnow() + one_time_codes.LIFETIME)}


def confirm_phone(customer_id: str, request: dict[str, Any], *, actor: dict, channel: str) -> dict[str, Any]:
    """The code typed back: the number is the customer's, verified. Returns the record."""
    profile = _unproven_phone(customer_id)
    code = _checked_code(customer_id, "phone", request)
    if code.address != profile.phone:
        raise Conflict("code: that code went to another number; ask for a new one", field="code",
                       reason="code_other_number")
    phone_proven(profile, actor=actor, channel=channel, writes=[_used(code)])
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


# ---------------------------------------------------------------- a new e-mail address


def pending_email(customer_id: str, new_email: str) -> None:
    """Raise unless `new_email` may become the customer's: no other customer signs in with it."""
    if any(found["customer_id"] != customer_id for found in find_customers(new_email)):
        raise Conflict("contact.email: another account uses this address; sign in with it, or choose another",
                       field="contact.email", reason="email_in_use")


def send_email_code(customer_id: str) -> dict[str, Any]:
    """Mail a new code to the address waiting for one (the first went when it was given)."""
    try:
        new_email = ContactCode.get(*ContactCode.keys(customer_id, "email")).address
    except ContactCode.DoesNotExist:
        raise Conflict("contact.email: no new e-mail address waits for its code; change it first",
                       field="contact.email", reason="email_not_pending") from None
    pending_email(customer_id, new_email)
    return mail_email_code(load_profile(customer_id), new_email)


def mail_email_code(profile: Profile, new_email: str) -> dict[str, Any]:
    """Mail a one-time code to `new_email` (checked with pending_email); the record and the login
    keep the current address until the code comes back."""
    code = _new_code(profile.customer_id, "email", new_email)
    send_email(new_email, "Confirm your new e-mail address", (
        f"Dear {profile.given_name},\n\nYour code to make {new_email} your OpenCounter address is {code}.\n"
        f"It is valid for {one_time_codes.LIFETIME_MINUTES} minutes. Until then we keep writing to your "
        "current address.\n"), language="en")
    return {"sent_to": masked(new_email), "expires_at": isoformat(utcnow() + one_time_codes.LIFETIME)}


def confirm_email(customer_id: str, request: dict[str, Any], *, actor: dict, channel: str) -> dict[str, Any]:
    """The code typed back: the new address is the customer's, on the record, for signing in
    and for their e-mails to us. Returns the record."""
    profile = load_profile(customer_id)
    code = _checked_code(customer_id, "email", request)
    old, new = profile.email, code.address
    pending_email(customer_id, new)
    change_login_email(old, new, customer_id)  # first: a retry finds the login moved already
    profile.email, profile.updated_at = new, isoformat(utcnow())
    profile.index_email()
    event = domain_event("CustomerUpdated", customer_id=customer_id, actor=actor, channel=channel,
                         data={"changes": [{"field": "email", "from": old, "to": new}]})
    commit([Write(profile, conflict="version: the record changed meanwhile; try again"), _used(code),
            *moved_identity(customer_id, "email", old, None),
            *proven_identity(customer_id, "email", new, by=actor["id"])], [event])
    return customer_record(customer_id)

