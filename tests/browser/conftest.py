"""Browser tests: Debian's headless Chromium, driven through chromedriver, against the pages the
local cloud serves. Every page a journey visits is checked as it stands: no sideways scroll at
375 px and at 1280 px, and no serious or critical accessibility violation (axe-core, loaded from
node_modules into the page). What the checks found is kept for `make bench` (web figures)."""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from infra.local import runtime
from infra.local.template import ROOT

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = (375, 1280)
#: what every check found, and how long the timed moments took, for the bench's web figures
FINDINGS: list[dict[str, Any]] = []
TIMINGS: dict[str, list[float]] = {}
RESULTS = Path(os.environ.get("OPENCOUNTER_BROWSER_FINDINGS", "/tmp/opencounter-browser-findings.json"))


def chromium() -> webdriver.Chrome:
    """Debian's headless Chromium through chromedriver (the browser tests' and the bench's)."""
    missing = [name for name in ("chromium", "chromedriver") if shutil.which(name) is None]
    assert not missing, f"{', '.join(missing)} missing: `make test` installs Debian's chromium and chromium-driver"
    assert AXE.exists(), "axe-core missing: `make test` installs it (npm ci)"
    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-quic", "--window-size=1280,900", "--lang=nl-NL"):
        options.add_argument(argument)
    options.binary_location = shutil.which("chromium") or ""
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=webdriver.ChromeService(shutil.which("chromedriver")), options=options)


@pytest.fixture(scope="session")
def chrome() -> Iterator[WebDriver]:
    driver = chromium()
    yield driver
    driver.quit()
    RESULTS.write_text(json.dumps({"checks": FINDINGS, "timings": TIMINGS}))


class Browser:
    """The browser as one person uses the portal; `check()` measures the page as it stands."""

    def __init__(self, driver: WebDriver, cloud: runtime.Running) -> None:
        self.driver, self.cloud = driver, cloud
        self.base = cloud.url

    def open(self, path: str = "/") -> Browser:
        self.driver.get(self.base + path)
        return self

    def fresh(self) -> Browser:
        """No one signed in, the portal's own storage empty."""
        self.driver.get(self.base + "/config.json")
        self.driver.delete_all_cookies()
        self.driver.execute_script("sessionStorage.clear(); localStorage.clear();")
        return self

    def wait(self, condition: Callable[[WebDriver], Any], timeout: float = 10, poll: float = 0.05) -> Any:
        """`condition` holds, asked every `poll` s until `timeout`. An element it read that the page
        replaced meanwhile (it renders again when an answer comes in) is asked about again. Asking
        costs a round trip to chromedriver; waiting half a second between two was most of what a
        journey took."""
        try:
            return WebDriverWait(self.driver, timeout, poll_frequency=poll,
                                 ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)
                                 ).until(condition)
        except TimeoutException:
            raise AssertionError(f"waited {timeout} s in vain on {self.driver.current_url}:\n"
                                 f"{self.driver.find_element(By.TAG_NAME, 'body').text[:2000]}") from None

    def find(self, css: str) -> WebElement:
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def all(self, css: str) -> list[WebElement]:
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def page(self, name: str) -> WebElement:
        """The page section shown, once it is the one shown."""
        return self.wait(lambda d: (s := d.find_element(By.CSS_SELECTOR, f'[data-page="{name}"]')).is_displayed() and s)

    def text(self, css: str) -> str:
        return self.find(css).text

    def fill(self, form: WebElement, **values: str) -> None:
        for name, value in values.items():
            field = form.find_element(By.NAME, name)
            if field.tag_name == "select":
                self.driver.execute_script(
                    "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('change'))", field, value)
            else:
                field.clear()
                field.send_keys(value)

    def sign_in(self, username: str, password: str) -> None:
        """Through the managed login, as a person does: the button, the login page, back."""
        self.open("/")
        self.wait(lambda d: d.find_element(By.ID, "sign-in").is_displayed())
        self.find("#sign-in").click()
        self.wait(lambda d: "/oauth2/authorize" in d.current_url)
        form = self.find("form")
        self.fill(form, username=username, password=password)
        form.find_element(By.TAG_NAME, "button").click()
        self.wait(lambda d: d.current_url.startswith(self.base + "/") and "code=" not in d.current_url
                  and d.find_element(By.ID, "sign-out").is_displayed())

    def timed(self, name: str, condition: Callable[[WebDriver], Any], started: float, timeout: float = 10) -> Any:
        """Wait for `condition`, keeping how long after `started` (time.monotonic()) it held."""
        found = self.wait(condition, timeout, poll=0.02)
        TIMINGS.setdefault(name, []).append(round((time.monotonic() - started) * 1000, 1))
        return found

    def status(self, element_id: str, timeout: float = 10) -> str:
        """The text a status line shows once it shows one."""
        return self.wait(lambda d: d.find_element(By.ID, element_id).text.strip(), timeout)

    def console_errors(self) -> list[str]:
        # an answer the page expected (a refusal it shows in words) is logged as a failed load: not an error
        return [entry["message"] for entry in self.driver.get_log("browser") if entry["level"] == "SEVERE"
                and "Failed to load resource" not in entry["message"]]

    def check(self, name: str) -> dict[str, Any]:
        """The page as it stands, at 375 px and 1280 px: not wider than the screen, and no serious
        or critical accessibility violation. Asserts both; returns what it measured."""
        finding: dict[str, Any] = {"page": name, "overflow": {}, "violations": []}
        for width in WIDTHS:
            self.driver.set_window_size(width, 900)
            time.sleep(0.15)  # the layout settles
            scroll, client = self.driver.execute_script(
                "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
            finding["overflow"][width] = max(0, scroll - client)
            if scroll > client:  # which elements stick out, to say where
                finding.setdefault("sticking_out", {})[width] = self.driver.execute_script(
                    "const w = document.documentElement.clientWidth; return [...document.querySelectorAll('body *')]"
                    ".filter((e) => e.getBoundingClientRect().right > w + 0.5 && e.getClientRects().length)"
                    ".slice(-3).map((e) => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + "
                    "(e.className ? '.' + String(e.className).split(' ').join('.') : '') + ' ' + "
                    "(e.textContent || '').trim().slice(0, 40));")
        self.driver.set_window_size(1280, 900)
        self.driver.execute_script(AXE.read_text())
        result = self.driver.execute_async_script(
            "const done = arguments[arguments.length - 1];"
            "axe.run(document, {resultTypes: ['violations']}).then((r) => done(r.violations.map((v) => "
            "({id: v.id, impact: v.impact, nodes: v.nodes.map((n) => n.target.join(' ')).slice(0, 3)}))));")
        finding["violations"] = [v for v in result if v["impact"] in ("serious", "critical")]
        FINDINGS.append(finding)
        assert finding["overflow"] == dict.fromkeys(WIDTHS, 0), f"{name} is wider than the screen: {finding}"
        assert finding["violations"] == [], f"{name}: {finding['violations']}"
        return finding


@pytest.fixture
def browser(chrome: WebDriver, cloud: runtime.Running) -> Iterator[Browser]:
    chrome.set_script_timeout(30)
    seen = Browser(chrome, cloud).fresh()
    chrome.get_log("browser")  # what earlier tests left
    yield seen
    errors = seen.console_errors()
    assert errors == [], errors
