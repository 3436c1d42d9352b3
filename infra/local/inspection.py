"""Looking inside the local cloud, as tests and developers do: what was written to the table
(read off its stream, which records every write), and the mail and text messages AWS would have
delivered (SES and SNS keep them in moto; Cognito's own mails are kept here)."""

from __future__ import annotations

from typing import Any

from moto.ses.models import ses_backends
from moto.sns.models import sns_backends

from infra.local.delivery import Delivery
from infra.local.template import ACCOUNT


def last_write(delivery: Delivery, stream_arn: str) -> str | None:
    """The sequence number of the table's last write so far (call it settled): `writes_after`
    lists every write after it. A sequence number, not an iterator, so it survives moto restoring
    a table."""
    # once settled, a consumer of the stream has read it to the end: start from there
    last = max((s.checkpoint for s in delivery.deployed.streams if s.stream_arn == stream_arn and s.checkpoint),
               default=None, key=int)
    while batch := delivery.stream_records(stream_arn, after=last):
        last = batch[-1]["dynamodb"]["SequenceNumber"]
    return last


def writes_after(delivery: Delivery, stream_arn: str, mark: str | None) -> list[dict[str, Any]]:
    """Every insert, modify and remove after `mark`, as stream records (keys and images)."""
    records: list[dict[str, Any]] = []
    while batch := delivery.stream_records(stream_arn, after=mark):
        records += batch
        mark = batch[-1]["dynamodb"]["SequenceNumber"]
    return records


class Mailbox:
    """Mail and text messages as AWS would have delivered them, per address."""

    def __init__(self, region: str) -> None:
        self.region = region
        self._kept: list[dict[str, str]] = []

    def deliver(self, to: str, subject: str, body: str, source: str = "no-reply@verificationemail.com") -> None:
        """Mail that AWS services other than SES send themselves (Cognito's invitations)."""
        self._kept.append({"to": to, "subject": subject, "body": body, "source": source})

    def messages(self, to: str) -> list[dict[str, str]]:
        """E-mails sent to this address (through SES, with SES's message id; or by Cognito), or text
        messages sent to this phone number (through SNS, subject "SMS"), oldest first. A mail's
        `body` is its text; one sent through SES has its HTML part as `html` too (kept by the
        local cloud's patch of moto's SES, which itself keeps only the HTML)."""
        if to.startswith("+"):
            texts = sns_backends[ACCOUNT][self.region].sms_messages.values()
            return [{"subject": "SMS", "body": text, "source": "sns"} for number, text in texts if number == to]
        sent = ses_backends[ACCOUNT][self.region].sent_messages
        return [{"subject": m.subject, "body": m.body, "source": m.source, "message_id": m.id,
                 **({"html": m.html} if getattr(m, "html", None) is not None else {})} for m in sent
                if to in getattr(m, "destinations", {}).get("ToAddresses", [])] + \
            [{k: v for k, v in m.items() if k != "to"} for m in self._kept if m["to"] == to]
