"""A usage record disputed where the customer sees it: the month's records under the usage bars,
one disputed from its row, the dispute followed, the record marked as no longer counting."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from selenium.webdriver.common.by import By

from tests.browser.conftest import Browser
from tests.conftest import give_product, send_usage, usage

MONTHS = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
          "november", "december")


def _show_month(browser: Browser, period: str) -> None:
    """The usage page, once it shows this month, then the month asked for."""
    browser.open("/#/usage")
    browser.page("usage")
    now = datetime.now(ZoneInfo("Europe/Amsterdam"))
    this_month = f"{MONTHS[now.month - 1]} {now.year}"
    browser.wait(lambda d: browser.text("#usage h2") == this_month and d.find_element(By.CSS_SELECTOR,
                                                                                      "#usage-records > li"))
    form = browser.driver.find_element(By.ID, "usage-form")
    browser.driver.execute_script("arguments[0].value = arguments[1]", form.find_element(By.NAME, "period"), period)
    form.find_element(By.TAG_NAME, "button").click()


def test_a_session_recorded_twice_is_disputed_from_the_usage_page_and_stops_counting(browser: Browser, cloud,
                                                                                     customer):
    mobile = give_product(customer, "MOBILE-5GB")
    session = usage(customer, mobile, "data_mb", 300)
    twin = {**usage(customer, mobile, "data_mb", 300), "occurred_at": "2026-10-15T12:00:20Z"}
    send_usage(cloud, session, twin)
    browser.sign_in(customer.email, "pw")

    # The month's records are listed under the bars, each with "Betwisten"
    _show_month(browser, "2026-10")
    row = browser.wait(lambda d: d.find_element(By.CSS_SELECTOR, f'#usage-records [data-record="{twin["record_id"]}"]'))
    assert "300 MB" in row.text
    browser.check("usage")

    # When the customer disputes the second one as charged twice
    row.find_element(By.TAG_NAME, "summary").click()
    dispute = row.find_element(By.TAG_NAME, "form")
    assert dispute.find_elements(By.NAME, "amount") == []  # nothing billed yet: no amount to choose
    browser.fill(dispute, reason="charged_twice", explanation="Deze sessie staat er twee keer in.")
    dispute.find_element(By.TAG_NAME, "button").click()
    browser.page("dispute")

    # Then the decision is there at once, in words, with a way back to the usage
    browser.wait(lambda d: "toegekend" in browser.text("#dispute-facts"))
    assert "Hetzelfde verbruik staat twee keer geregistreerd" in browser.text("#dispute-body")
    assert browser.driver.find_element(By.ID, "dispute-invoice").text == "Naar mijn verbruik"
    browser.check("dispute")
    # the whole file downloads without a word of error
    download = browser.driver.find_element(By.ID, "dispute-file")
    assert download.text == "Download het hele dossier"
    download.click()
    assert browser.driver.find_element(By.CSS_SELECTOR, "#dispute-file + [role=status]").text == ""

    # And the record no longer counts
    _show_month(browser, "2026-10")
    browser.wait(lambda d: "telt niet mee" in d.find_element(
        By.CSS_SELECTOR, f'#usage-records [data-record="{twin["record_id"]}"]').text)

    # And the dispute is in the contact history, in their own words, with a way to it
    browser.open("/#/history")
    browser.page("history")
    contact = browser.wait(lambda d: d.find_element(By.CSS_SELECTOR, "#contacts [data-contact]"))
    assert "Deze sessie staat er twee keer in." in contact.text
    link = contact.find_element(By.PARTIAL_LINK_TEXT, "Bekijk betwisting")
    link.click()
    browser.page("dispute")
