"""E-mail to the service address: SES's receipt rule stores the raw mail in S3, then invokes this
function; each mail becomes a contact (or joins the sender's open one), once."""

import os
from typing import Any

from opencounter.contacts.service import receive
from opencounter.observability import observability
from opencounter.ports.channels import ses_contacts

logger, metrics = observability("inbound-email")
_s3: Any = None


def stored_mail(bucket: str, key: str) -> bytes:
    global _s3
    if _s3 is None:
        import boto3

        _s3 = boto3.client("s3")
    return _s3.get_object(Bucket=bucket or os.environ["INBOUND_MAIL_BUCKET"], Key=key)["Body"].read()


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    outcomes = [receive(contact) for contact in ses_contacts(event, stored_mail)]
    metrics.add_metric(name="InboundEmail", unit="Count", value=len(outcomes))
    return {"outcomes": outcomes}
