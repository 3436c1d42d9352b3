"""Telling customers what happened, on the channel they prefer: a new invoice, a payment that
did not go through, a plan that fits their use better, the link to pay that staff sent. E-mail
(SES), text messages (SNS) and WhatsApp templates are sent; the phone's two only to a number the
customer proved is theirs (else the notice would tell a stranger about their invoices). A
customer who prefers a channel that cannot carry a notice (post, the app), or whose WhatsApp
message is refused, gets an e-mail."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from opencounter.core.clock import isoformat, utcnow
from opencounter.customers.records import Profile
from opencounter.notifications.records import Notification
from opencounter.ports.channels import whatsapp
from opencounter.ports.channels.delivery import DeliveryFailed
from opencounter.ports.messaging import send_email, send_sms
from opencounter.pricing.money import euros


def _invoice_issued(data: dict[str, Any]) -> tuple[str, str]:
    saving = data.get("saving_cents") or 0
    note = f" We billed you at the cheapest plan for your use: you saved {euros(saving)}." if saving else ""
    return "Your invoice is ready", (f"Invoice {data['invoice_id']} of {euros(data['total_cents'])} is ready, "
                                     f"due on {data['due_on']}. Pay it at once in your account.{note}")


def _payment_failed(data: dict[str, Any]) -> tuple[str, str]:
    return "Your payment did not go through", (f"The payment for invoice {data['invoice_id']} did not go through: "
                                               f"{data['reason']} You can try again in your account.")


def _better_plan(data: dict[str, Any]) -> tuple[str, str]:
    return "A plan that fits you better", (
        f"In {' and '.join(data['periods'])} the {data['advised_plan_name']} plan fitted your use better than your "
        f"current plan. We already billed you at the cheaper plan ({euros(data['saving_cents'])} saved); switch "
        "in your account to keep it that way.")


def _payment_link(data: dict[str, Any]) -> tuple[str, str]:
    return "Pay your invoice", (f"As agreed, here is the link to pay invoice {data['invoice_id']} "
                                f"({euros(data['amount_cents'])}) at once: {data['link']}")


def _dispute_with_staff(data: dict[str, Any]) -> tuple[str, str]:
    return "A colleague looks at your dispute", (
        f"Your dispute {data['dispute_id']} needs a person's judgement. You will have a decision by "
        f"{data['expected_decision_on']}; until then the amount stays on hold. Follow it in your account.")


def _dispute_decided(data: dict[str, Any]) -> tuple[str, str]:
    if data["outcome"] == "upheld":
        back = f" {euros(data['refund_cents'])} goes back to your account." if data["refund_cents"] else ""
        return "Your dispute is upheld", (f"You were right: we credited {euros(data['amount_cents'])} on invoice "
                                          f"{data['invoice_id']}.{back} The details are in your account.")
    return "Your dispute is decided", (f"We could not uphold your dispute {data['dispute_id']}; the reasons and what "
                                       "we based them on are in your account, where you can also appeal.")


#: the WhatsApp template (approved by Meta) of each notice, and its body's parameters in order
TEMPLATES: dict[str, tuple[str, Callable[[dict[str, Any]], list[str]]]] = {
    "InvoiceIssued": ("invoice_ready", lambda d: [d["invoice_id"], euros(d["total_cents"]), d["due_on"]]),
    "PaymentFailed": ("payment_failed", lambda d: [d["invoice_id"], d["reason"]]),
    "BetterPlanAdvised": ("better_plan", lambda d: [d["advised_plan_name"], euros(d["saving_cents"])]),
    "PaymentLinkSent": ("payment_link", lambda d: [d["invoice_id"], euros(d["amount_cents"]), d["link"]]),
    "DisputeWithStaff": ("dispute_with_staff", lambda d: [d["dispute_id"], d["expected_decision_on"]]),
    "DisputeDecided": ("dispute_decided", lambda d: [d["dispute_id"], d["outcome"], euros(d["amount_cents"])]),
}

MESSAGES: dict[str, Callable[[dict[str, Any]], tuple[str, str]]] = {
    "InvoiceIssued": _invoice_issued,
    "PaymentFailed": _payment_failed,
    "BetterPlanAdvised": _better_plan,
    "PaymentLinkSent": _payment_link,
    "DisputeWithStaff": _dispute_with_staff,
    "DisputeDecided": _dispute_decided,
}


def notify(detail_type: str, detail: dict[str, Any]) -> str:
    """Send the message for one event once: "sent_email", "sent_sms", "sent_whatsapp", "already_sent"
    or "not_a_customer"."""
    key = Notification.keys(detail["event_id"])
    if list(Notification.query(key[0], Notification.SK == key[1])):
        return "already_sent"
    try:
        profile = Profile.get(*Profile.keys(detail["customer_id"]))
    except Profile.DoesNotExist:
        return "not_a_customer"
    subject, text = MESSAGES[detail_type](detail["data"])
    proven_phone = profile.phone if profile.phone and profile.phone_verified_at else None
    channel, to, message_id = "email", profile.email, None
    if profile.preferred_channel == "whatsapp" and proven_phone:
        template, parameters = TEMPLATES[detail_type]
        try:
            message_id = whatsapp.send_template(proven_phone, template, profile.language, parameters(detail["data"]))
            channel, to = "whatsapp", proven_phone
        except DeliveryFailed:
            pass  # by e-mail, below
    elif profile.preferred_channel == "phone" and proven_phone:
        channel, to, message_id = "sms", proven_phone, send_sms(proven_phone, f"OpenCounter: {text}")
    if message_id is None:
        message_id = send_email(profile.email, subject, f"Dear {profile.given_name},\n\n{text}\n")
    Notification(*key, channel=channel, sent_to=to, sent_at=isoformat(utcnow()), message_id=message_id).save()
    return f"sent_{channel}"
