"""Contacts on every channel: the funnel (self-service first, then online help, then phone or
office: the customer chooses), contacts arriving from the messaging channels, e-mail and the
phone, the agents' work on them, and the history every channel shows. No HTTP here."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

from opencounter.channels import status as channels
from opencounter.contacts import faq
from opencounter.contacts.records import QUEUE, CallPointer, Contact, Conversation
from opencounter.contacts.unanswered import unanswered
from opencounter.core.actors import staff_seen_by_customer
from opencounter.core.clock import business_today, isoformat, utcnow
from opencounter.core.errors import Conflict, InvalidInput, NotFound
from opencounter.core.outbox import DomainEvent, Write, WriteConflict, commit, domain_event
from opencounter.core.receipts import receipt as receipt_of
from opencounter.core.table import Item, customer_key
from opencounter.core.validation import validate_request
from opencounter.customers.identities import register_identity, verified_address
from opencounter.customers.records import ChannelIdentity, Profile
from opencounter.feedback.records import CONTACT
from opencounter.feedback.service import scored
from opencounter.ports.channels.connect import ContactProgress
from opencounter.ports.channels.contact import InboundContact
from opencounter.ports.channels.delivery import DeliveryFailed
from opencounter.ports.channels.replies import SENDS_OUT, send_reply

#: a contact is resolved at first contact when the customer had no other contact about the same
#: reason in the days before
FIRST_CONTACT_WINDOW = timedelta(days=7)
RECEIPT_KEPT = timedelta(days=7)
#: WhatsApp's customer service window: free text within it, an approved template outside
WHATSAPP_WINDOW = timedelta(hours=24)
#: the channel identity kind each channel's senders are known by
IDENTITY_KIND = {"whatsapp": "phone", "phone": "phone", "email": "email", "messenger": "messenger", "x": "x",
                 "chat": "chat"}


def contact_view(contact: Contact, *, staff: bool) -> dict[str, Any]:
    """A contact as the customer sees it (notes marked for them only; staff by role, never by name),
    or as staff see it (all)."""
    notes = contact.notes if staff else [n for n in contact.notes if n.get("for_customer")]
    view = {"contact_id": contact.contact_id, "channel": contact.channel, "subject": contact.subject,
            "reason": contact.reason, "status": contact.status.lower(), "started_at": contact.started_at,
            "answered_at": contact.answered_at, "resolved_at": contact.resolved_at,
            "handler": contact.handler if staff else staff_seen_by_customer(contact.handler),
            "solution": contact.solution, "request_id": contact.request_id, "dispute_id": contact.dispute_id,
            # staff see whether each answer went out; the customer sees the conversation
            "messages": contact.messages if staff else [{k: m.get(k) for k in ("at", "from", "channel", "text")}
                                                        for m in contact.messages],
            "notes": [n if staff else {**{k: v for k, v in n.items() if k != "for_customer"},
                                       "by": staff_seen_by_customer(n.get("by"))} for n in notes],
            "predicted_wait_s": contact.predicted_wait_s, "callback_to": contact.callback_to}
    if staff:
        view.update(customer_id=contact.customer_id, sender=contact.sender, authenticated=contact.authenticated,
                    first_contact_resolution=contact.first_contact_resolution, nps=contact.nps)
    return view


def contact_history(customer_id: str) -> dict[str, Any]:
    """Every contact on every channel, newest first, as the customer sees them: one Query."""
    contacts = Contact.query(customer_key(customer_id), Contact.SK.startswith(Contact.SK_PREFIX),
                             scan_index_forward=False)
    return {"items": [contact_view(c, staff=False) for c in contacts]}


def _find(contact_id: str, customer_id: str | None) -> Contact:
    try:
        return Contact.get(*Contact.keys(customer_id, contact_id))
    except Contact.DoesNotExist:
        raise NotFound("no such contact", reason="contact_not_found") from None


# ---------------------------------------------------------------- the funnel


def ask(customer_id: str, request: dict[str, Any], *, channel: str, language: str = "nl") -> dict[str, Any]:
    """A customer starts a question: what answers it (FAQ, a self-service action), then personal
    help online, then phone or the office, each with its expected wait. Nothing is forced: the
    contact waits for the customer's choice."""
    validate_request("contact-question", request)
    now = utcnow()
    reason, articles = faq.matching(request["question"], language)
    contact_id = Contact.new_id(now)
    contact = Contact(*Contact.keys(customer_id, contact_id), contact_id=contact_id, customer_id=customer_id,
                      channel=channel, subject=request["question"].strip()[:120], reason=reason, status="OFFERED",
                      started_at=isoformat(now),
                      messages=[{"at": isoformat(now), "from": "customer", "channel": channel,
                                 "text": request["question"].strip()}])
    commit([Write(contact, Contact.PK.does_not_exist()), *unanswered(contact)], [],
           counters=[faq.reason_counted(reason, business_today())])
    status = {c["channel"]: c for c in channels.channel_status(now)}
    # WhatsApp and Messenger answer only to an address the customer proved: not offered otherwise,
    # with the reason (and what to do) instead of a button that would be refused
    unavailable = {name: refusal for name in ("whatsapp", "messenger")
                   if (refusal := _answer_address(customer_id, name)[1]) is not None}

    def offer(name: str) -> dict[str, Any]:
        entry = status[name]
        return {**{k: entry.get(k) for k in ("channel", "label", "open_now", "opens_at", "opening_hours",
                                             "expected_wait_s", "wait_range_s", "callback_available")},
                "unavailable": unavailable.get(name)}

    return {"contact": contact_view(contact, staff=False), "offers": {
        "answers": articles,
        "self_service": [a["self_service"] for a in articles if a.get("self_service")][:2],
        "online_help": [offer(name) for name in ("chat", "whatsapp", "messenger")],
        "personal": [offer(name) for name in ("phone", "email", "office")],
    }}


def choose(customer_id: str, contact_id: str, request: dict[str, Any], *, actor: dict) -> dict[str, Any]:
    """The customer's choice after the offers: solved by self-service, or a channel (queued with
    the expected wait they were shown). Phone, chosen online, is a call-back: to the number given,
    else the customer's own. WhatsApp and Messenger, chosen online, continue there: the answers go
    to the customer's proven number or their Messenger id, and what they write there joins this
    contact. A chat goes on here (customer_message) and its answers are read in the history."""
    validate_request("contact-choice", request)
    choice = request["choice"]
    if "callback_to" in request and choice != "phone":
        raise InvalidInput("callback_to: only the phone calls back; leave it out for another choice",
                           field="callback_to", reason="callback_not_phone")
    contact = _find(contact_id, customer_id)
    if contact.status != "OFFERED":
        raise Conflict(f"status: the contact is {contact.status.lower()} already", field="status",
                       reason="contact_chosen_already", status=contact.status.lower())
    now = utcnow()
    writes: list[Write] = []
    events: list[DomainEvent] = []
    counters: list[Write] = []
    if choice == "self_service":
        contact.status, contact.resolved_at = "SELF_SERVED", isoformat(now)
        contact.solution = "solved with self-service"
    else:
        is_open, opens = channels.open_at(channels.CHANNELS[choice], now)
        if not is_open:
            raise Conflict(f"choice: {channels.CHANNELS[choice].label} is closed now; it opens "
                           f"{opens.isoformat() if opens else 'later'}", field="choice",
                           reason="channel_closed", channel=choice, opens_at=opens.isoformat() if opens else None)
        if choice == "phone":
            contact.callback_to = request.get("callback_to") or own_phone(customer_id)
        if choice in ("whatsapp", "messenger"):
            contact.sender = _answered_at(customer_id, choice)
            writes.append(Write(Conversation(*Conversation.keys(choice, contact.sender), customer_id=customer_id,
                                             contact_id=contact.contact_id)))
        contact.channel, contact.status, contact.queued_at = choice, "QUEUED", isoformat(now)
        contact.predicted_wait_s = channels.predicted_wait(choice, now)
        contact.queue()
        counters += channels.arrival(choice, now)
        events.append(_event("ContactQueued", contact, actor))
    commit([Write(contact, conflict="the contact changed meanwhile"), *writes], events, counters=counters)
    return contact_view(contact, staff=False)


def _answer_address(customer_id: str, channel: str) -> tuple[str | None, str | None]:
    """Where answers on WhatsApp or Messenger go for this customer: a number or id they proved
    is theirs (a message to a stranger's number would tell them the customer's business); else
    None and the reason."""
    if channel == "whatsapp":
        profile = Profile.get(*Profile.keys(customer_id))
        if profile.phone and profile.phone_verified_at:
            return profile.phone, None
        return None, "whatsapp_needs_proven_phone"
    address = verified_address(customer_id, IDENTITY_KIND[channel])
    return (address, None) if address else (None, "messenger_write_first")


def _answered_at(customer_id: str, channel: str) -> str:
    address, refused = _answer_address(customer_id, channel)
    if address is None:
        raise Conflict(f"choice: {channel} answers go only to an address you proved is yours "
                       f"({'confirm your phone number' if channel == 'whatsapp' else 'write to us there first'})",
                       field="choice", reason=str(refused))
    return address


def customer_message(customer_id: str, contact_id: str, request: dict[str, Any]) -> dict[str, Any]:
    """The customer writes more in an open contact (a chat in the portal, or one continued on
    any channel): added to its conversation, for the agent handling it."""
    contact = _find(contact_id, customer_id)  # theirs, before anything they sent is read
    validate_request("contact-message", request)
    for attempt in range(3):
        if attempt:
            contact = _find(contact_id, customer_id)
        if contact.status not in ("QUEUED", "IN_PROGRESS"):
            raise Conflict(f"status: the contact is {contact.status.lower()}", field="status",
                           reason="contact_not_open", status=contact.status.lower())
        contact.messages = [*contact.messages, {"at": isoformat(utcnow()), "from": "customer",
                                                "channel": contact.channel, "text": request["text"].strip()}]
        try:
            commit([Write(contact, conflict="the contact changed meanwhile")], [])
            return contact_view(contact, staff=False)
        except WriteConflict:
            continue  # an agent answered at the same moment: read it again, keep both
    raise Conflict("the contact kept changing; send it again", reason="busy_try_again")


def contact_detail(contact_id: str, customer_id: str | None, *, staff: bool) -> dict[str, Any]:
    """One contact as the customer sees it, or as staff do (an open chat is read again and again,
    on both sides, for what the other wrote)."""
    return contact_view(_find(contact_id, customer_id), staff=staff)


def own_phone(customer_id: str) -> str:
    phone = Profile.get(*Profile.keys(customer_id)).phone
    if not phone:
        raise InvalidInput("callback_to: we have no phone number of yours; give the number to call you back on",
                           field="callback_to", reason="callback_number_missing")
    return phone


def _event(detail_type: str, contact: Contact, actor: dict, **data: Any) -> DomainEvent:
    return domain_event(detail_type, customer_id=contact.customer_id, actor=actor, channel=contact.channel,
                        data={"contact_id": contact.contact_id, "contact_channel": contact.channel,
                              "subject": contact.subject, "reason": contact.reason, **data})


# ---------------------------------------------------------------- contacts arriving on a channel


def _sender_customer(inbound: InboundContact) -> str | None:
    """The customer a sender is, when their identity on that channel is verified (and, for
    e-mail, the message passed SPF and DKIM: a forged From links nobody)."""
    if not inbound.authenticated:
        return None
    try:
        identity = ChannelIdentity.get(*ChannelIdentity.keys(IDENTITY_KIND[inbound.channel], inbound.sender))
    except ChannelIdentity.DoesNotExist:
        return None
    return identity.customer_id if identity.verified else None


def _raw_mail(inbound: InboundContact) -> list[dict[str, str]]:
    """Where the message is kept raw (a mail as SES stored it), to name on the contact."""
    stored = inbound.detail.get("raw_mail")
    return [{"bucket": stored["bucket"], "key": stored["key"]}] if stored else []


def receive(inbound: InboundContact) -> str:
    """Store a message or call from a channel once: "new_contact", "added_to_contact" (the open
    conversation of that sender) or "duplicate". Unknown senders are kept, to be linked by staff."""
    receipt = receipt_of(inbound.channel, inbound.provider_id, event_type="inbound_contact", outcome="stored",
                         kept=RECEIPT_KEPT, conflict="message stored already")
    message = {"at": inbound.occurred_at, "from": "customer", "channel": inbound.channel, "text": inbound.text}
    for _ in range(3):
        try:
            pointer = Conversation.get(*Conversation.keys(inbound.channel, inbound.sender)) \
                if inbound.channel != "phone" else None
        except Conversation.DoesNotExist:
            pointer = None
        try:
            if pointer is not None:
                contact = _find(pointer.contact_id, pointer.customer_id)
                contact.messages = [*contact.messages, message]
                contact.raw_mail = [*contact.raw_mail, *_raw_mail(inbound)]
                commit([receipt, Write(contact, conflict="the contact changed meanwhile")], [])
                return "added_to_contact"
            writes, events, counters = _new_inbound(inbound, message, receipt)
            commit(writes, events, counters=counters)
            return "new_contact"
        except WriteConflict as conflict:
            if conflict.write is receipt:
                return "duplicate"
        except NotFound:
            pass  # the pointer outlived its contact: start a new one
    raise Conflict("the conversation kept changing; deliver the message again", reason="busy_try_again")


def _new_inbound(inbound: InboundContact, message: dict, receipt: Write
                 ) -> tuple[list[Write], list[DomainEvent], list[Write]]:
    now = utcnow()
    customer_id = _sender_customer(inbound)
    reason, _ = faq.matching(f"{inbound.subject or ''} {inbound.text}")
    contact_id = Contact.new_id(now)
    contact = Contact(*Contact.keys(customer_id, contact_id), contact_id=contact_id, customer_id=customer_id,
                      channel=inbound.channel, sender=inbound.sender,
                      subject=(inbound.subject or inbound.text or f"{inbound.channel} contact").strip()[:120],
                      reason=reason, status="QUEUED", started_at=isoformat(now), queued_at=isoformat(now),
                      messages=[message] if inbound.text else [], authenticated=inbound.authenticated,
                      raw_mail=_raw_mail(inbound))
    contact.predicted_wait_s = channels.predicted_wait(inbound.channel, now)
    contact.queue()
    writes = [receipt, Write(contact, Contact.PK.does_not_exist())]
    if inbound.channel != "phone":  # a call's subject is no question anyone typed
        writes += unanswered(contact)
    counters = [*channels.arrival(inbound.channel, now), faq.reason_counted(reason, business_today())]
    if inbound.detail.get("instance"):  # announced by Connect, whose contact events follow it up
        contact.provider_id = inbound.provider_id
        writes.append(Write(CallPointer(*CallPointer.keys(inbound.provider_id), customer_id=customer_id,
                                        contact_id=contact_id, expires_at=now + RECEIPT_KEPT)))
    if inbound.channel != "phone":
        writes.append(Write(Conversation(*Conversation.keys(inbound.channel, inbound.sender),
                                         customer_id=customer_id, contact_id=contact.contact_id)))
    events = [_event("ContactQueued", contact, {"type": "system", "id": inbound.channel})] if customer_id else []
    return writes, events, counters


def contact_progress(progress: ContactProgress) -> dict[str, Any]:
    """Connect's word on a contact its flow announced: answered by an agent (the wait goes into
    the channel's figures), or ended: hung up while waiting is abandoned; after an answer only the
    line closed (the agent resolves the contact at the desk). Each step counts once, whatever the
    order or number of deliveries. {"outcome": "answered" | "ended" | "abandoned" | "unchanged" |
    "unknown_contact", "channel", "waited_s" (when this answered it)}."""
    try:
        pointer = CallPointer.get(*CallPointer.keys(progress.provider_id))
    except CallPointer.DoesNotExist:
        return {"outcome": "unknown_contact", "channel": progress.channel, "waited_s": None}
    for _ in range(3):
        contact = _find(pointer.contact_id, pointer.customer_id)
        outcome, answered, figures = _progressed(contact, progress)
        result = {"outcome": outcome or "unchanged", "channel": contact.channel,
                  "waited_s": round(answered[1], 1) if answered else None}
        if outcome is None:
            return result
        this = Write(contact, conflict="the contact changed meanwhile")
        try:
            commit([this], [], counters=figures)
            return result
        except WriteConflict as conflict:
            if conflict.write is not this:
                raise
    raise Conflict("the contact kept changing; deliver the event again", reason="busy_try_again")


def _progressed(contact: Contact, progress: ContactProgress
                ) -> tuple[str | None, tuple[float | None, float] | None, list[Write]]:
    outcome: str | None = None
    answered: tuple[float | None, float] | None = None
    abandoned = False
    if contact.status == "QUEUED" and progress.answered_at:
        at = datetime.fromisoformat(progress.answered_at.replace("Z", "+00:00"))
        answered = (contact.predicted_wait_s,
                    _seconds_between(progress.enqueued_at or contact.queued_at or contact.started_at, at))
        contact.status, contact.answered_at = "IN_PROGRESS", progress.answered_at
        contact.handler = f"connect:{progress.agent}" if progress.agent else "connect"
        contact.unqueue()
        outcome = "answered"
    if progress.kind == "ended" and not contact.ended_at:
        contact.ended_at = progress.ended_at or isoformat(utcnow())
        if contact.status == "QUEUED":
            contact.status, abandoned = "ABANDONED", True
            contact.unqueue()
        outcome = "abandoned" if abandoned else "ended"
    if answered is None and not abandoned:
        return outcome, None, []
    return outcome, answered, [channels.contact_figures(contact.channel, answered=answered, abandoned=abandoned)]


# ---------------------------------------------------------------- agents


def waiting(channel: str | None) -> dict[str, Any]:
    """Contacts waiting for an agent, oldest first, on every channel or one: one Query. The queue
    is read up to now: a call-back planned for a later slot is queued at its slot's start, so it
    joins the queue then, in its place, with nothing to release it (ADR 35)."""
    if channel and channel not in channels.CONTACT_CHANNELS:
        raise InvalidInput(f"channel: no channel {channel!r}", field="channel", reason="channel_unknown")
    found = Contact.lookup.query(QUEUE, Contact.GSI1SK < f"{isoformat(utcnow())}~",
                                 filter_condition=(Contact.channel == channel) if channel else None)
    return {"items": [contact_view(c, staff=True) for c in found if isinstance(c, Contact)]}


def _seconds_between(start: str, end: datetime) -> float:
    return max(0.0, (end - datetime.fromisoformat(start.replace("Z", "+00:00"))).total_seconds())


def take(contact_id: str, customer_id: str | None, *, agent: dict) -> dict[str, Any]:
    """An agent answers a waiting contact; its wait goes into the channel's figures."""
    contact = _find(contact_id, customer_id)
    if contact.status != "QUEUED":
        raise Conflict(f"status: the contact is {contact.status.lower()}, not waiting", field="status",
                       reason="contact_not_waiting", status=contact.status.lower())
    now = utcnow()
    waited = _seconds_between(contact.queued_at or contact.started_at, now)
    contact.status, contact.answered_at, contact.handler = "IN_PROGRESS", isoformat(now), agent["id"]
    contact.unqueue()
    commit([Write(contact, conflict="another agent took this contact")], [],
           counters=[channels.contact_figures(contact.channel, answered=(contact.predicted_wait_s, waited),
                                              was_waiting=contact.planned is None)])
    return {**contact_view(contact, staff=True), "waited_s": round(waited, 1)}


def add_note(contact_id: str, customer_id: str | None, request: dict[str, Any], *, agent: dict) -> dict[str, Any]:
    """A note on a contact: internal, or marked for the customer (then they see it in their
    history). A reply is also sent to the sender on the contact's channel (WhatsApp, Messenger, X,
    e-mail; a chat's or call's answer is read in the history): the message records whether it went."""
    validate_request("contact-note", request)
    contact = _find(contact_id, customer_id)
    now, text = isoformat(utcnow()), request["text"].strip()
    contact.notes = [*contact.notes, {"at": now, "by": agent["id"], "text": text,
                                      "for_customer": request.get("for_customer", False)}]
    reply = None
    if request.get("reply"):
        goes_out = contact.channel in SENDS_OUT and bool(contact.sender)  # a withheld number is a call's only
        reply = {"at": now, "from": "agent", "channel": contact.channel, "text": text, "reply_id": uuid.uuid4().hex,
                 "delivery": "sending" if goes_out else "in_history"}
        contact.messages = [*contact.messages, reply]
    commit([Write(contact, conflict="the contact changed meanwhile; read it again")], [])
    if reply and reply["delivery"] == "sending":
        contact = _delivered(contact, reply)
    return contact_view(contact, staff=True)


def _delivered(contact: Contact, reply: dict[str, Any]) -> Contact:
    """Send a stored reply, then record on its message whether it went (a message still
    "sending" is one whose process died in between: staff see it and can answer again)."""
    window_open = _whatsapp_window_open(contact)
    language = "nl"
    if not window_open and contact.customer_id:  # a template speaks the customer's language
        language = Profile.get(*Profile.keys(contact.customer_id)).language
    try:
        sent: dict[str, Any] = {"delivery": "sent", "provider_message_id": send_reply(
            contact.channel, contact.sender or "", reply["text"], subject=contact.subject, language=language,
            window_open=window_open)}
    except DeliveryFailed as failure:
        sent = {"delivery": "failed", "delivery_error": str(failure)}
    for _ in range(3):
        try:
            fresh = _find(contact.contact_id, contact.customer_id)
        except NotFound:  # linked to a customer meanwhile: the message stays "sending"
            return contact
        fresh.messages = [{**m, **sent} if m.get("reply_id") == reply["reply_id"] else m for m in fresh.messages]
        try:
            commit([Write(fresh, conflict="the contact changed meanwhile")], [])
            return fresh
        except WriteConflict:
            continue
    return contact


def _whatsapp_window_open(contact: Contact) -> bool:
    """Whether WhatsApp lets us write freely: the customer wrote there in the last 24 hours (not
    so for a question asked in the portal and answered on WhatsApp)."""
    if contact.channel != "whatsapp":
        return True
    since = isoformat(utcnow() - WHATSAPP_WINDOW)
    return any(m.get("from") == "customer" and m.get("channel") == "whatsapp" and m.get("at", "") > since
               for m in contact.messages)


def resolve(contact_id: str, customer_id: str | None, request: dict[str, Any], *, agent: dict) -> dict[str, Any]:
    """Close a contact with the solution given. First contact resolution: the customer had no
    other contact about the same reason in the seven days before this one."""
    validate_request("contact-resolution", request)
    contact = _find(contact_id, customer_id)
    if contact.status not in ("IN_PROGRESS", "QUEUED"):
        raise Conflict(f"status: the contact is {contact.status.lower()}", field="status",
                       reason="contact_not_open", status=contact.status.lower())
    now = utcnow()
    writes: list[Write] = []
    answered = None
    if contact.status == "QUEUED":  # answered and solved in one go
        contact.answered_at, contact.handler = isoformat(now), agent["id"]
        answered = (contact.predicted_wait_s, _seconds_between(contact.queued_at or contact.started_at, now))
        contact.unqueue()
    contact.first_contact_resolution = not _earlier_contact_about(contact)
    contact.status, contact.resolved_at, contact.solution = "RESOLVED", isoformat(now), request["solution"].strip()
    contact.request_id = request.get("request_id") or contact.request_id
    figures = channels.contact_figures(contact.channel, answered=answered, resolved=(
        _seconds_between(contact.answered_at or isoformat(now), now), bool(contact.first_contact_resolution)))
    if contact.sender and contact.channel != "phone":
        writes.append(Write(Conversation(*Conversation.keys(contact.channel, contact.sender)), delete=True))
    events = [_event("ContactResolved", contact, agent, solution=contact.solution)] if contact.customer_id else []
    commit([Write(contact, conflict="the contact changed meanwhile; read it again"), *writes], events,
           counters=[figures])
    return {**contact_view(contact, staff=True), "waited_s": round(answered[1], 1) if answered else None}


def log_contact(customer_id: str, request: dict[str, Any], *, agent: dict) -> dict[str, Any]:
    """Staff record a contact that reached them in person or by phone, not through a queue: a
    walk-in at the office, a call to the desk. It is in the customer's history like any other,
    handled by this agent; resolved at once when the solution is given (first contact resolution
    as for every contact), else open, to be noted on and resolved later."""
    if not list(Item.query(customer_key(customer_id), Item.SK == "PROFILE")):
        raise NotFound("no such customer", reason="customer_not_found")
    validate_request("contact-log", request)
    now, subject = utcnow(), " ".join(request["subject"].split())
    contact_id = Contact.new_id(now)
    contact = Contact(*Contact.keys(customer_id, contact_id), contact_id=contact_id, customer_id=customer_id,
                      channel=request["channel"], subject=subject, reason=faq.matching(subject)[0],
                      status="IN_PROGRESS", started_at=isoformat(now), answered_at=isoformat(now),
                      handler=agent["id"], messages=[], authenticated=True, notes=[
                          {"at": isoformat(now), "by": agent["id"], "text": request["note"].strip(),
                           "for_customer": request.get("for_customer", False)}] if request.get("note") else [])
    counters = []
    if request.get("solution"):
        contact.first_contact_resolution = not _earlier_contact_about(contact)
        contact.status, contact.resolved_at, contact.solution = "RESOLVED", isoformat(now), request["solution"].strip()
        counters.append(channels.contact_figures(contact.channel, resolved=(0, bool(contact.first_contact_resolution))))
    commit([Write(contact, Contact.PK.does_not_exist()), *unanswered(contact)], [_event(
        "ContactLogged", contact, agent, status=contact.status.lower(), solution=contact.solution)], counters=counters)
    return contact_view(contact, staff=True)


def _earlier_contact_about(contact: Contact) -> bool:
    if not contact.customer_id:
        return False
    since = datetime.fromisoformat(contact.started_at.replace("Z", "+00:00")) - FIRST_CONTACT_WINDOW
    earlier = Contact.query(customer_key(contact.customer_id),
                            Contact.SK.between(Contact.sort_key(f"{since:%Y%m%dT%H%M%S}"),
                                               Contact.sort_key(contact.contact_id)))
    return any(c.contact_id != contact.contact_id and c.reason == contact.reason and c.status != "OFFERED"
               for c in earlier)


def link(contact_id: str, request: dict[str, Any], *, agent: dict) -> dict[str, Any]:
    """Staff link a contact from an unknown sender to a customer, after checking who they are:
    the contact moves into the customer's history and the sender's identity counts as verified."""
    validate_request("contact-link", request)
    customer_id = request["customer_id"]
    contact = _find(contact_id, None)
    if not list(Item.query(customer_key(customer_id), Item.SK == "PROFILE")):
        raise NotFound("customer_id: no such customer", field="customer_id", reason="customer_not_found")
    moved = Contact(*Contact.keys(customer_id, contact_id), **{
        k: getattr(contact, k) for k in Contact.get_attributes() if k not in ("PK", "SK", "version", "entity")})
    moved.customer_id = customer_id
    writes = [Write(contact, delete=True, condition=Contact.version == contact.version),
              Write(moved, Contact.PK.does_not_exist())]
    if contact.sender:
        writes.append(register_identity(customer_id, IDENTITY_KIND[contact.channel], contact.sender, verified=True,
                                        by=agent["id"]))
        if contact.status in ("QUEUED", "IN_PROGRESS") and contact.channel != "phone":
            writes.append(Write(Conversation(*Conversation.keys(contact.channel, contact.sender),
                                             customer_id=customer_id, contact_id=contact_id)))
    if contact.provider_id:  # Connect's events about the call find it in the customer's history now
        writes.append(Write(CallPointer(*CallPointer.keys(contact.provider_id), customer_id=customer_id,
                                        contact_id=contact_id, expires_at=utcnow() + RECEIPT_KEPT)))
    commit(writes, [_event("ContactLinked", moved, agent)])
    return contact_view(moved, staff=True)


def feedback(customer_id: str, contact_id: str, request: dict[str, Any]) -> dict[str, Any]:
    """The customer scores a finished contact (0-10, the NPS question). The first score counts in
    the figures of the contact's channel (feedback.service.scored); a changed score changes the
    contact, not the figures, which are a month's and may be another month's."""
    validate_request("contact-feedback", request)
    contact = _find(contact_id, customer_id)
    if contact.status not in ("RESOLVED", "SELF_SERVED"):
        raise Conflict("status: a contact can be scored once it is finished", field="status",
                       reason="contact_not_finished")
    first = contact.nps is None
    contact.nps = request["score"]
    if request.get("comment"):
        contact.notes = [*contact.notes, {"at": isoformat(utcnow()), "by": "customer",
                                          "text": request["comment"].strip(), "for_customer": True}]
    commit([Write(contact, conflict="the contact changed meanwhile")], [],
           counters=[scored(CONTACT, contact.channel, int(request["score"]), business_today())] if first else [])
    return contact_view(contact, staff=False)
