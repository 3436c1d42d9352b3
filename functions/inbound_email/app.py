"""E-mail to the service address: SES's receipt rule stores the raw mail in S3, then invokes this
function; each mail becomes a contact (or joins the sender's open one), once; one answering a mail
of ours marks that message answered."""

from opencounter.contacts.service import receive
from opencounter.core.aws import aws_client
from opencounter.edge.observability import observability
from opencounter.notifications.messages import statuses
from opencounter.ports.channels.email import ses_contacts

logger, metrics = observability("inbound-email")


def stored_mail(bucket: str, key: str) -> bytes:
    return aws_client("s3").get_object(Bucket=bucket, Key=key)["Body"].read()


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    contacts = ses_contacts(event, stored_mail)
    statuses((), contacts)
    outcomes = [receive(contact) for contact in contacts]
    metrics.add_metric(name="InboundEmail", unit="Count", value=len(outcomes))
    return {"outcomes": outcomes}
