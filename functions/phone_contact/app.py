"""A call reaching the service centre: the Amazon Connect contact flow invokes this function, and
the call becomes a contact in the caller's history (a withheld or unknown number waits for an
agent to link it)."""

from opencounter.contacts.service import receive
from opencounter.edge.observability import observability
from opencounter.ports.channels.connect import connect_contact

logger, metrics = observability("phone-contact")


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    contact = connect_contact(event)
    outcome = receive(contact)
    metrics.add_metric(name="CallReceived", unit="Count", value=1)
    # the contact flow reads flat string attributes back
    return {"outcome": outcome, "known_caller": "no" if contact.sender == "anonymous" else "yes"}
