"""Answers to customers on the channel they wrote in: WhatsApp, Messenger, X or e-mail. A chat or
a call needs no sending: the answer is in the customer's contact history (or was said)."""

from __future__ import annotations

from opencounter.ports.channels import email, messenger, whatsapp, x
from opencounter.ports.channels.delivery import DeliveryFailed

#: the channels whose answers leave OpenCounter; the others are read in the contact history
SENDS_OUT = ("whatsapp", "messenger", "x", "email")


#: the Meta-approved WhatsApp template an answer goes in when we write first (body: subject, answer)
ANSWER_TEMPLATE = "contact_answer"


def send_reply(channel: str, to: str, text: str, *, subject: str, language: str = "nl",
               window_open: bool = True) -> str:
    """Send `text` to `to` (the contact's sender) on `channel`; the provider's message id.
    On WhatsApp outside the 24 hours after the customer's last message there (a question asked
    in the portal, answered on WhatsApp) the answer goes in the approved template, in the
    customer's language. DeliveryFailed, in the provider's words, when it refuses or cannot be
    reached."""
    if channel == "whatsapp" and not window_open:
        # a template's parameters may hold no line breaks or runs of spaces (Meta refuses them)
        parameters = [" ".join(part.split()) for part in (subject, text)]
        return whatsapp.send_template(to, ANSWER_TEMPLATE, language, parameters)
    if channel == "whatsapp":
        return whatsapp.send_text(to, text)
    if channel == "messenger":
        return messenger.send_text(to, text)
    if channel == "x":
        return x.send_direct_message(to, text)
    if channel == "email":
        return email.send_reply(to, text, subject=subject, language=language)
    raise DeliveryFailed(f"{channel}: answers on this channel are not sent, they are in the contact history")
