"""Messaging port: e-mail through Amazon SES. The sender is the template's SenderAddress."""

from __future__ import annotations

import os
from typing import Any

_ses: Any = None


def send_email(to: str, subject: str, text: str, *, reply_to: str | None = None) -> str:
    """Send a plain-text e-mail (answers to `reply_to` when given); returns the provider's message id."""
    global _ses
    if _ses is None:
        import boto3

        _ses = boto3.client("ses")
    response = _ses.send_email(Source=os.environ["SENDER_ADDRESS"], Destination={"ToAddresses": [to]},
                               Message={"Subject": {"Data": subject, "Charset": "UTF-8"},
                                        "Body": {"Text": {"Data": text, "Charset": "UTF-8"}}},
                               **({"ReplyToAddresses": [reply_to]} if reply_to else {}))
    return response["MessageId"]


def masked(email: str) -> str:
    """e***@example.nl: enough for the owner to recognise, too little for anyone else."""
    name, _, domain = email.partition("@")
    return f"{name[:1]}***@{domain}"


_sns: Any = None


def send_sms(to: str, text: str) -> str:
    """Send a text message (Amazon SNS, transactional); returns the provider's message id."""
    global _sns
    if _sns is None:
        import boto3

        _sns = boto3.client("sns")
    response = _sns.publish(PhoneNumber=to, Message=text, MessageAttributes={
        "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}})
    return response["MessageId"]
