"""Messaging port: e-mail through Amazon SES. The sender is the template's SenderAddress; every
mail goes with the configuration set that publishes what came of it (SES_CONFIGURATION_SET)."""

from __future__ import annotations

from opencounter.core.aws import aws_client
from opencounter.core.settings import settings


def send_email(to: str, subject: str, text: str, *, reply_to: str | None = None) -> str:
    """Send a plain-text e-mail (answers to `reply_to` when given); returns the provider's message id."""
    configuration_set = settings().ses_configuration_set
    response = aws_client("ses").send_email(
        Source=settings().required("sender_address"), Destination={"ToAddresses": [to]},
        Message={"Subject": {"Data": subject, "Charset": "UTF-8"},
                 "Body": {"Text": {"Data": text, "Charset": "UTF-8"}}},
        **({"ReplyToAddresses": [reply_to]} if reply_to else {}),
        **({"ConfigurationSetName": configuration_set} if configuration_set else {}))
    return response["MessageId"]


def masked(email: str) -> str:
    """e***@example.nl: enough for the owner to recognise, too little for anyone else."""
    name, _, domain = email.partition("@")
    return f"{name[:1]}***@{domain}"


def send_sms(to: str, text: str) -> str:
    """Send a text message (Amazon SNS, transactional); returns the provider's message id."""
    response = aws_client("sns").publish(PhoneNumber=to, Message=text, MessageAttributes={
        "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}})
    return response["MessageId"]
