"""Messaging port: e-mail through Amazon SES, text messages through Amazon SNS. The sender is the
template's SenderAddress; every mail goes with the configuration set that publishes what came of
it (SES_CONFIGURATION_SET), and as text with an HTML alternative made from the same text
(`html_part`): SES reports openings and clicks only of a mail with an HTML part."""

from __future__ import annotations

import re
from html import escape
from urllib.parse import urlsplit

from opencounter.core.aws import aws_client
from opencounter.core.settings import settings

#: a web address in a mail's text: up to the first space, angle bracket or quote
URL = re.compile(r"https?://[^\s<>\"']+")
#: what ends a sentence after an address rather than belonging to it
TRAILING = ".,;:!?)]"
#: the whole layout: one column a comfortable line long, the system's own font, no images
PAGE = ('<!DOCTYPE html>\n<html lang="{language}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n<title>{title}</title>\n</head>\n'
        '<body style="margin:0;padding:16px;background:#ffffff;color:#1a1a1a;">\n'
        '<div style="max-width:36em;font-family:Arial,Helvetica,sans-serif;font-size:16px;line-height:1.5;">\n'
        '{paragraphs}\n</div>\n</body>\n</html>\n')


def send_email(to: str, subject: str, text: str, *, language: str = "nl", reply_to: str | None = None) -> str:
    """Send an e-mail: the text, and the same text as HTML in `language` (answers to `reply_to`
    when given); returns the provider's message id. Refused without the configuration set that
    reports what came of it, or the portal's address its links are made of (MissingSetting)."""
    configuration_set = settings().required("ses_configuration_set")
    html = html_part(text, subject=subject, language=language, origin=settings().required("portal_origin"))
    response = aws_client("ses").send_email(
        Source=settings().required("sender_address"), Destination={"ToAddresses": [to]},
        Message={"Subject": {"Data": subject, "Charset": "UTF-8"},
                 "Body": {"Text": {"Data": text, "Charset": "UTF-8"}, "Html": {"Data": html, "Charset": "UTF-8"}}},
        ConfigurationSetName=configuration_set, **({"ReplyToAddresses": [reply_to]} if reply_to else {}))
    return response["MessageId"]


def html_part(text: str, *, subject: str, language: str, origin: str) -> str:
    """The mail's text as an HTML page: every character escaped, a blank line between paragraphs,
    each line break kept, and a web address of the portal (`origin`, the same scheme and host) a
    link; any other address stays text. Nothing is loaded from elsewhere."""
    paragraphs = (p for p in re.split(r"\n[ \t]*\n", text.strip()) if p.strip())
    return PAGE.format(language=escape(language), title=escape(subject), paragraphs="\n".join(
        "<p>" + "<br>\n".join(_line(line, origin) for line in paragraph.strip().splitlines()) + "</p>"
        for paragraph in paragraphs))


def _line(line: str, origin: str) -> str:
    out, at = [], 0
    for found in URL.finditer(line):
        address = found.group().rstrip(TRAILING)
        out.append(escape(line[at:found.start()]))
        out.append(_link(address) if _ours(address, origin) else escape(address))
        at = found.start() + len(address)
    out.append(escape(line[at:]))
    return "".join(out)


def _ours(address: str, origin: str) -> bool:
    """An address on the portal's own origin (not merely one that starts with its name)."""
    try:
        ours, theirs = urlsplit(origin), urlsplit(address)
    except ValueError:  # not an address at all (an unclosed [ of an IPv6 host)
        return False
    return bool(ours.netloc) and (theirs.scheme, theirs.netloc.lower()) == (ours.scheme, ours.netloc.lower())


def _link(address: str) -> str:
    return f'<a href="{escape(address)}" style="color:#0b57d0;">{escape(address)}</a>'


def masked(email: str) -> str:
    """e***@example.nl: enough for the owner to recognise, too little for anyone else."""
    name, _, domain = email.partition("@")
    return f"{name[:1]}***@{domain}"


def send_sms(to: str, text: str) -> str:
    """Send a text message (Amazon SNS, transactional); returns the provider's message id."""
    response = aws_client("sns").publish(PhoneNumber=to, Message=text, MessageAttributes={
        "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}})
    return response["MessageId"]
