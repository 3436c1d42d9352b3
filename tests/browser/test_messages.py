"""The messages from us on the history page: what we sent, on which channel, and how far it came."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.browser.conftest import Browser
from tests.integration.test_messages import invoice_told, ses_event


def test_the_customer_reads_on_their_history_that_the_invoice_mail_arrived_and_was_read(browser: Browser, cloud,
                                                                                        customer):
    # Given an invoice told by e-mail, which SES reports delivered and opened
    _, outcome = invoice_told(cloud, customer)
    assert outcome == "sent_email"
    [mail] = [m for m in cloud.cloud.mailbox(customer.email) if m["subject"] == "Uw factuur staat klaar"]
    sent = datetime.now(UTC)
    for kind, at in (("delivery", sent + timedelta(seconds=2)), ("open", sent + timedelta(minutes=5))):
        assert cloud.cloud.invoke("MessageOutcomesFunction", ses_event(cloud, kind, mail["message_id"],
                                                                       customer.email, at)) == {"outcome": "applied"}

    # When they look at their history
    browser.sign_in(customer.email, "pw")
    browser.open("/#/history")
    browser.page("history")
    browser.wait(lambda d: "Uw factuur staat klaar" in browser.text("#messages"))

    # Then the message is there, in Dutch: by e-mail, and read
    [line] = [li.text for li in browser.all("#messages li")]
    assert "Uw factuur staat klaar" in line and "e-mail" in line and "gelezen" in line
    assert customer.email not in line  # the address is not repeated to whoever looks over their shoulder
    browser.check("history-messages")


def test_staff_see_in_the_360_view_that_the_invoice_mail_bounced(browser: Browser, cloud, customer):
    from infra.local.demo import DEMO_PASSWORD

    # Given an invoice mail the receiving server refused
    _, outcome = invoice_told(cloud, customer)
    assert outcome == "sent_email"
    [mail] = [m for m in cloud.cloud.mailbox(customer.email) if m["subject"] == "Uw factuur staat klaar"]
    bounce = ses_event(cloud, "bounce", mail["message_id"], customer.email, datetime.now(UTC), bounceType="Permanent")
    assert cloud.cloud.invoke("MessageOutcomesFunction", bounce) == {"outcome": "applied"}

    # When staff open the customer
    browser.sign_in("agent@opencounter.example", DEMO_PASSWORD)
    browser.open(f"/#/customers/{customer.customer_id}")
    browser.page("customer")
    browser.wait(lambda d: "Uw factuur staat klaar" in browser.text("#customer-messages"))

    # Then they read it did not arrive, and at which address, to ask the customer for a better one
    [line] = [li.text for li in browser.all("#customer-messages li")]
    assert "niet aangekomen" in line and customer.email in line
    browser.check("customer-messages")
