"""Answers to customers on the channel they wrote in: WhatsApp, Messenger, X or e-mail. A chat or
a call needs no sending: the answer is in the customer's contact history (or was said)."""

from __future__ import annotations

from opencounter.ports.channels import email, messenger, whatsapp, x
from opencounter.ports.channels.delivery import DeliveryFailed

#: the channels whose answers leave OpenCounter; the others are read in the contact history
SENDS_OUT = ("whatsapp", "messenger", "x", "email")


def send_reply(channel: str, to: str, text: str, *, subject: str) -> str:
    """Send `text` to `to` (the contact's sender) on `channel`; the provider's message id.
    DeliveryFailed, in the provider's words, when it refuses or cannot be reached."""
    if channel == "whatsapp":
        return whatsapp.send_text(to, text)
    if channel == "messenger":
        return messenger.send_text(to, text)
    if channel == "x":
        return x.send_direct_message(to, text)
    if channel == "email":
        return email.send_reply(to, text, subject=subject)
    raise DeliveryFailed(f"{channel}: answers on this channel are not sent, they are in the contact history")
