"""Disputes in the portal: the customer disputes an invoice line where they see it and follows it;
a colleague at the desk decides what needs a person; the customer reads the decision, in Dutch."""

from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement

from infra.local.demo import DEMO_PASSWORD
from tests.browser.conftest import Browser
from tests.conftest import bill, give_product


def _line_form(browser: Browser, invoice_id: str) -> WebElement:
    """The dispute form of the invoice's first line, opened."""
    browser.open(f"/#/invoices/{invoice_id}")
    browser.page("invoice")
    line = browser.wait(lambda d: d.find_element(By.CSS_SELECTOR, '#invoice-lines [data-line="0"]'))
    if not line.find_element(By.TAG_NAME, "details").get_attribute("open"):
        line.find_element(By.TAG_NAME, "summary").click()
    return line.find_element(By.TAG_NAME, "form")


def _dispute_line(browser: Browser, invoice_id: str, reason: str, explanation: str, amount: str = "") -> None:
    form = _line_form(browser, invoice_id)
    browser.fill(form, reason=reason, explanation=explanation, amount=amount)
    form.find_element(By.TAG_NAME, "button").click()
    browser.page("dispute")


def test_a_correct_line_disputed_is_explained_and_can_be_appealed(browser: Browser, cloud, customer):
    give_product(customer, "FIBRE-100")
    invoice = bill(cloud, customer)
    browser.sign_in(customer.email, "pw")

    # An amount above the line is refused in words, before anything is sent
    form = _line_form(browser, invoice["invoice_id"])
    browser.fill(form, reason="wrong_amount", explanation="Te veel.", amount="50,00")
    form.find_element(By.TAG_NAME, "button").click()
    assert browser.wait(lambda d: form.find_element(By.CSS_SELECTOR, "[role=status]").text) == \
        "Vul een bedrag in tussen € 0,01 en € 42,50."
    assert customer.get("/me/disputes").json()["items"] == []

    _dispute_line(browser, invoice["invoice_id"], "wrong_amount", "Veertig euro is te veel.")

    # The assessment is there at once, in words, with the customer's own figures
    browser.wait(lambda d: "afgewezen" in browser.text("#dispute-facts"))
    body = browser.text("#dispute-body")
    assert "We rekenden de regel opnieuw uit: € 42,50, precies wat op de factuur staat." in body
    assert "Ingediend" in body and "Besloten" in body
    assert "Bezwaar maken" in body
    browser.check("dispute")

    # And the list shows it
    browser.open("/#/disputes")
    browser.page("disputes")
    browser.wait(lambda d: "afgewezen" in browser.text("#disputes"))
    browser.check("disputes")


def test_what_needs_a_person_is_on_hold_until_a_colleague_decides_at_the_desk(browser: Browser, cloud, customer):
    give_product(customer, "FIBRE-100")
    invoice = bill(cloud, customer)
    browser.sign_in(customer.email, "pw")

    _dispute_line(browser, invoice["invoice_id"], "not_delivered", "De monteur is nooit gekomen.")
    browser.wait(lambda d: "bij een medewerker" in browser.text("#dispute-facts"))
    facts = browser.text("#dispute-facts")
    assert "Staat vast" in facts and "€ 42,50" in facts and "Besluit uiterlijk" in facts
    dispute_id = browser.text("#dispute-title").split()[-1]
    # the invoice shows the amount on hold and asks nothing now
    browser.open(f"/#/invoices/{invoice['invoice_id']}")
    browser.page("invoice")
    browser.wait(lambda d: "Betwist (staat vast)" in browser.text("#invoice-facts"))
    assert "Nu te betalen" not in browser.text("#invoice-actions")

    # A colleague finds it waiting at the desk and upholds it
    browser.fresh()
    browser.sign_in("agent@opencounter.example", DEMO_PASSWORD)
    browser.open("/#/disputes-desk")
    browser.page("staff-disputes")
    row = browser.wait(lambda d: d.find_element(By.CSS_SELECTOR, f'#staff-disputes [data-dispute="{dispute_id}"]'))
    browser.check("staff-disputes")
    row.find_element(By.TAG_NAME, "a").click()
    browser.page("staff-dispute")
    form = browser.wait(lambda d: d.find_element(By.ID, "decision-form"))
    browser.check("staff-dispute")
    browser.fill(form, outcome="upheld", reasons="De monteur is niet geweest; u krijgt de maand terug.")
    form.find_element(By.TAG_NAME, "button").click()
    browser.wait(lambda d: browser.status("staff-dispute-status") == "Besluit vastgelegd.")

    # The customer reads the decision and the reasons, and the invoice is credited
    browser.fresh()
    browser.sign_in(customer.email, "pw")
    browser.open(f"/#/disputes/{dispute_id}")
    browser.page("dispute")
    browser.wait(lambda d: "toegekend" in browser.text("#dispute-facts"))
    body = browser.text("#dispute-body")
    assert "Toegekend door een medewerker: we crediteren € 42,50." in body
    assert "De monteur is niet geweest; u krijgt de maand terug." in body
    browser.open(f"/#/invoices/{invoice['invoice_id']}")
    browser.page("invoice")
    browser.wait(lambda d: "Gecrediteerd" in browser.text("#invoice-facts"))
    assert "Creditnota CN-" in browser.text("#invoice-notes")


def test_a_payment_the_bank_disputes_reads_as_the_banks_dispute_without_an_appeal(browser: Browser, cloud, customer):
    give_product(customer, "FIBRE-100")
    invoice = bill(cloud, customer)
    checkout = customer.post(f"/me/invoices/{invoice['invoice_id']}/payments", json={"method": "card"}).json()
    cloud.stripe.complete_payment(checkout["payment_id"], method="card")
    chargeback = cloud.stripe.dispute(checkout["payment_id"], reason="product_not_received")
    cloud.cloud.settle()
    browser.sign_in(customer.email, "pw")

    # The list shows the bank's dispute, with the bank to decide
    browser.open("/#/disputes")
    browser.page("disputes")
    row = browser.wait(lambda d: d.find_element(By.CSS_SELECTOR, "#disputes [data-dispute]"))
    assert f"Betaling voor factuur {invoice['invoice_id']}, betwist door uw bank" in row.text
    assert "bij uw bank" in row.text and "de bank beslist meestal vóór" in row.text
    row.find_element(By.TAG_NAME, "a").click()

    # Its page says who decides, what happened, and offers no appeal
    browser.page("dispute")
    browser.wait(lambda d: "bij uw bank" in browser.text("#dispute-facts"))
    facts = browser.text("#dispute-facts")
    assert "Reden van uw bank" in facts and "Niet geleverd" in facts and "Uw toelichting" not in facts
    body = browser.text("#dispute-body")
    assert "Niet wij maar de bank beslist" in body
    assert "Uw bank betwist de betaling" in body and "Wij stuurden de bank ons bewijs" in body
    assert "Bezwaar maken" not in body
    browser.check("dispute")

    # When the bank gives the money back, the page says the invoice is due again
    cloud.stripe.decide_dispute(chargeback["id"], "lost")
    cloud.cloud.settle()
    browser.driver.refresh()
    browser.page("dispute")
    browser.wait(lambda d: "teruggeboekt door uw bank" in browser.text("#dispute-facts"))
    assert "Daarom staat de factuur weer open" in browser.text("#dispute-body")


def test_evidence_picked_when_filing_is_sent_checked_and_listed_and_staff_can_download_it(
        browser: Browser, cloud, customer, tmp_path):
    from tests.integration.test_disputes import PDF, _png

    give_product(customer, "FIBRE-100")
    invoice = bill(cloud, customer)
    receipt, renamed = tmp_path / "bon monteur.pdf", tmp_path / "foto.pdf"
    receipt.write_bytes(PDF)
    renamed.write_bytes(_png())  # a photo named as if it were a PDF
    browser.sign_in(customer.email, "pw")

    # The customer attaches the receipt while filing
    form = _line_form(browser, invoice["invoice_id"])
    browser.fill(form, reason="not_delivered", explanation="De monteur is nooit gekomen; hier is de bon.")
    form.find_element(By.NAME, "evidence").send_keys(str(receipt))
    form.find_element(By.TAG_NAME, "button").click()
    browser.page("dispute")

    # It was sent straight to the store, checked, and is listed as received
    row = browser.wait(lambda d: d.find_element(By.CSS_SELECTOR, ".evidence [data-evidence]"))
    browser.wait(lambda d: "ontvangen" in row.text)
    assert "bon monteur.pdf" in row.text and "PDF" in row.text
    assert browser.status("dispute-status") == "bon monteur.pdf is ontvangen."
    dispute_id = browser.text("#dispute-title").split()[-1]

    # A photo named as a PDF is refused, in words, and listed as refused
    browser.find("#dispute-body input[name=evidence]").send_keys(str(renamed))
    browser.wait(lambda d: "niet wat het zegt te zijn" in browser.status("evidence-status"))
    browser.wait(lambda d: len(browser.all(".evidence [data-evidence]")) == 2)
    refused = browser.all(".evidence [data-evidence]")[1]
    assert "geweigerd" in refused.text and "Stuur het originele bestand." in refused.text
    browser.check("dispute")
    assert [e["status"] for e in customer.get(f"/me/disputes/{dispute_id}").json()["evidence"]] == [
        "accepted", "refused"]

    # A colleague sees the files with the dispute, the received one to download
    browser.fresh()
    browser.sign_in("agent@opencounter.example", DEMO_PASSWORD)
    browser.open(f"/#/disputes-desk/{dispute_id}")
    browser.page("staff-dispute")
    rows = browser.wait(lambda d: (found := browser.all("#staff-dispute-body .evidence [data-evidence]"))
                        and len(found) == 2 and found)
    assert "bon monteur.pdf" in rows[0].text and rows[0].find_element(By.CSS_SELECTOR, "a.download")
    assert not rows[1].find_elements(By.CSS_SELECTOR, "a.download")
    browser.check("staff-dispute")
