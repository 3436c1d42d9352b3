"""Reminders before collection in the portal: the customer's invoice page says when the reminder
went and, after the statutory one, by when to pay to avoid the collection costs and how much they
would be; a colleague at the desk sees the whole schedule and the invoice ready for collection."""

from __future__ import annotations

from datetime import date

from infra.local.demo import DEMO_PASSWORD
from tests.browser.conftest import Browser
from tests.conftest import bill, give_product, run_reminders


def test_the_invoice_page_shows_the_reminders_and_the_desk_the_invoice_ready_for_collection(
        browser: Browser, cloud, customer, clock):
    # Given an invoice of EUR 42.50 due on 15 March 2025, reminded on the 24th and given its statutory
    # reminder on 7 April, its term running to Tuesday 22 April (Easter Monday is the 21st)
    give_product(customer, "FIBRE-100", started_at="2025-01-01")
    invoice = bill(cloud, customer, "2025-02")
    for day in (date(2025, 3, 24), date(2025, 4, 7)):
        run_reminders(cloud, clock, day)

    # When the customer opens the invoice
    browser.sign_in(customer.email, "pw")
    browser.open(f"/#/invoices/{invoice['invoice_id']}")
    browser.page("invoice")

    # Then it says when the reminder went, and by when to pay to avoid which collection costs
    shown = browser.wait(lambda d: (text := browser.text("#invoice-reminders")) and "Aanmaning" in text and text)
    assert "Herinnering verstuurd op 24 maart 2025." in shown
    assert "Aanmaning verstuurd op 7 april 2025: betaal uiterlijk 22 april 2025 om incassokosten van € 40,00 " \
           "te voorkomen." in shown
    # beside paying at once and spreading it
    assert browser.wait(lambda d: "Nu te betalen: € 42,50" in browser.text("#invoice-actions"))
    browser.check("invoice-reminders")

    # When the term runs out unpaid, and a colleague opens the invoice at the desk
    run_reminders(cloud, clock, date(2025, 4, 23))
    browser.fresh()
    browser.sign_in("agent@opencounter.example", DEMO_PASSWORD)
    browser.open(f"/#/customers/{customer.customer_id}/invoices/{invoice['invoice_id']}")
    browser.page("invoice")

    # Then they see the schedule, and that the invoice is ready for collection with the costs now due
    schedule = browser.wait(lambda d: (text := browser.text("#invoice-reminders")) and "Klaar voor incasso" in text
                            and text)
    assert "verstuurd op 24 maart 2025 (€ 42,50)" in schedule
    assert "betalen uiterlijk 22 april 2025; incassokosten € 40,00" in schedule
    assert "sinds 23 april 2025: € 42,50 open, incassokosten € 40,00" in schedule
    assert "de incassokosten mogen nu worden gevorderd" in schedule
    browser.check("staff-invoice-reminders")
