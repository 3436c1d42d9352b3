"""A copy of one's data in the portal: on the privacy page the customer asks for it, sees it being
made and then ready until a day, downloads the file through a link asked for at the click, and,
once it is no longer kept, reads so and asks again. In Dutch."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path

from selenium.webdriver.common.by import By

from tests.browser.conftest import Browser


def _downloaded(folder: Path, timeout: float = 15) -> Path:
    """The file the browser saved in `folder`, once it is whole."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [p for p in folder.glob("*.json")]
        if done and not list(folder.glob("*.crdownload")):
            return done[0]
        time.sleep(0.2)
    raise AssertionError(f"nothing was downloaded into {folder}: {list(folder.iterdir())}")


def test_a_customer_asks_for_a_copy_of_their_data_and_downloads_it(browser: Browser, cloud, customer, tmp_path,
                                                                      monkeypatch):
    browser.sign_in(customer.email, "pw")
    browser.open("/#/privacy")
    browser.page("privacy")

    # The part says what the copy holds and how long it is kept, and offers to ask for it
    part = browser.wait(lambda d: d.find_element(By.CSS_SELECTOR, "section.data-export"))
    assert "Download al uw gegevens" in part.text and "7 dagen" in part.text
    browser.check("privacy")
    browser.find("#data-export-ask").click()

    # Then it is being made, and they are told they will hear when it is ready
    assert browser.status("data-export-status") == "We maken uw bestand. U krijgt bericht zodra het klaarstaat."
    assert "Uw bestand wordt gemaakt" in browser.text("#data-export-state")
    # and the page sees it ready without being asked, until a day a week on
    browser.wait(lambda d: "Uw bestand staat klaar" in browser.text("#data-export-state"), timeout=20)
    assert not browser.all("#data-export-ask")
    browser.check("privacy-export-ready")

    # When they download it, the link is asked for at the click and the file saved is their copy
    browser.driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow",
                                                                   "downloadPath": str(tmp_path)})
    browser.find("#data-export-download").click()
    saved = _downloaded(tmp_path)
    assert saved.name.startswith("opencounter-") and saved.suffix == ".json"
    document = json.loads(saved.read_text())
    assert document["format"] == "opencounter-data-export/3" and document["customer_id"] == customer.customer_id
    assert [e["email"] for e in document["sections"]["record"] if e["entity"] == "CustomerProfile"] == [customer.email]

    # And a week later the copy is no longer kept: the page says so and offers to ask again
    from opencounter.core.clock import utcnow

    later = utcnow() + timedelta(days=8)
    monkeypatch.setattr("opencounter.privacy.export.utcnow", lambda: later)
    browser.open("/#/privacy")
    browser.driver.refresh()
    browser.page("privacy")
    browser.wait(lambda d: "bewaren we niet meer" in browser.text("#data-export-state"))
    assert browser.find("#data-export-ask").is_displayed() and not browser.all("#data-export-download")
    browser.check("privacy-export-expired")
