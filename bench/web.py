"""Web figures: what the browser tests found on every page and state they visit (serious or
critical accessibility violations, pages wider than a 375 px screen), and two moments measured
in headless Chromium against the asynchronous local cloud, as `make run` serves the portal:
the overview ready after opening the portal signed in, and an agent's answer appearing in the
customer's open chat.

The browser tests run as they do in `make test` (their own cloud, in a child process), with
their findings written to a file this module reads. The timings drive the demo customer's
portal: the overview opened afresh N times (a full page load each: scripts, catalogues,
configuration, the API reads), and N chats in which the agent answers over HTTP while the page
is open. The contact centre's clock is set to a Monday at ten so that the chat is open whatever
the hour the bench runs at (as the browser tests' `office_hours` fixture does).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import requests

from bench.latency import percentile
from bench.samples import AGENT_EMAIL, CUSTOMER_EMAIL, PASSWORD
from infra.local.runtime import Running
from infra.local.template import ROOT
from tests.browser.conftest import Browser, chromium

GOALS = {"axe_serious_violations": 0, "pages_overflowing_at_375px": 0, "overview_ready_p95_ms": 1000,
         "chat_answer_visible_p95_ms": 2000}
ROUNDS = 20
BROWSER_TESTS_TIMEOUT_S = 600


def browser_findings(*, log: Callable[[str], None]) -> dict[str, Any]:
    """Run the browser tests in a child process and sum what their page checks found."""
    with tempfile.TemporaryDirectory() as folder:
        findings = Path(folder) / "findings.json"
        started = time.monotonic()
        run = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "tests/browser"],
                             cwd=ROOT, capture_output=True, text=True, timeout=BROWSER_TESTS_TIMEOUT_S,
                             env={**os.environ, "OPENCOUNTER_BROWSER_FINDINGS": str(findings)})
        lines = run.stdout.strip().splitlines()
        summary = next((line.strip(" =") for line in reversed(lines) if " in " in line and
                        any(word in line for word in ("passed", "failed", "error"))), lines[-1] if lines else "")
        log(f"  browser tests: {summary} ({time.monotonic() - started:.0f} s)")
        found = json.loads(findings.read_text()) if findings.exists() else {"checks": [], "timings": {}}
    checks = found["checks"]
    overflowing = sorted({c["page"] for c in checks if c["overflow"].get("375", 0) > 0})
    violations = [{"page": c["page"], **v} for c in checks for v in c["violations"]]
    return {"axe_serious_violations": len(violations), "pages_overflowing_at_375px": len(overflowing),
            "detail": {"browser_tests_passed": run.returncode == 0, "browser_tests": summary,
                       "states_checked": len(checks), "pages_checked": len({c["page"] for c in checks}),
                       "overflowing": overflowing, "violations": violations}}


@contextmanager
def office_hours() -> Iterator[None]:
    """The contact centre's clock on a Monday at ten, Amsterdam time, running on from there."""
    from opencounter.contacts import service

    opening, started, real = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam")), datetime.now(UTC), \
        service.utcnow
    service.utcnow = lambda: (opening + (datetime.now(UTC) - started)).astimezone(UTC)  # type: ignore[assignment]
    try:
        yield
    finally:
        service.utcnow = real  # type: ignore[assignment]


def _summary(samples: list[float]) -> dict[str, Any]:
    return {"p50": round(percentile(samples, 50), 1), "p95": round(percentile(samples, 95), 1),
            "max": round(max(samples), 1), "n": len(samples)}


def overview_ready(browser: Browser, rounds: int) -> list[float]:
    """From asking for the portal (signed in, a full page load) to the overview showing the
    customer's data: the greeting and every card, nothing still loading."""
    samples = []
    for round_ in range(rounds + 1):
        started = time.monotonic()
        browser.driver.get(f"{browser.base}/?round={round_}#/")
        browser.wait(lambda d: d.execute_script(
            "const cards = document.getElementById('overview-cards');"
            "return cards.children.length > 0 && !cards.hasAttribute('aria-busy') && "
            "document.getElementById('overview-title').textContent.startsWith('Goedendag');"), poll=0.01)
        if round_:  # the first load fills the browser's cache, as a returning customer's is
            samples.append((time.monotonic() - started) * 1000)
    return samples


def chat_answers(browser: Browser, running: Running, agent_token: str, rounds: int) -> list[float]:
    """From the agent's answer being sent (the request leaving) to it showing in the customer's
    open chat page."""
    customer_token = browser.driver.execute_script("return sessionStorage.getItem('opencounter.token')")
    customer_id = running.issuer.authorize(customer_token)["custom:customer_id"]
    samples = []
    with office_hours():
        for round_ in range(rounds):
            asked = requests.post(f"{running.url}/me/contacts", json={"question": f"Vraag {round_}: mijn internet"},
                                  headers={"Authorization": customer_token}, timeout=30).json()["contact"]
            chosen = requests.post(f"{running.url}/me/contacts/{asked['contact_id']}/choice", json={"choice": "chat"},
                                   headers={"Authorization": customer_token}, timeout=30)
            chosen.raise_for_status()
            browser.open(f"/#/contact/{asked['contact_id']}")
            browser.wait(lambda d: d.find_element("id", "chat-form").is_displayed())
            path = f"{running.url}/agent/contacts/{asked['contact_id']}"
            agent = {"Authorization": agent_token}
            requests.post(f"{path}/take", params={"customer_id": customer_id}, headers=agent,
                          timeout=30).raise_for_status()
            answer = f"Antwoord {round_} van de medewerker"
            started = time.monotonic()
            requests.post(f"{path}/notes", params={"customer_id": customer_id}, headers=agent, timeout=30,
                          json={"text": answer, "for_customer": True, "reply": True}).raise_for_status()
            browser.wait(lambda d, answer=answer: answer in d.find_element("id", "chat-messages").text, poll=0.01)
            samples.append((time.monotonic() - started) * 1000)
            requests.post(f"{path}/resolution", params={"customer_id": customer_id}, headers=agent, timeout=30,
                          json={"solution": "Beantwoord."}).raise_for_status()
    return samples


def timings(running: Running, *, log: Callable[[str], None], rounds: int = ROUNDS) -> dict[str, Any]:
    """The two moments, in `running` (the asynchronous cloud, as `make run`)."""
    driver = chromium()
    try:
        browser = Browser(driver, running).fresh()
        browser.sign_in(CUSTOMER_EMAIL, PASSWORD)
        overview = _summary(overview_ready(browser, rounds))
        log(f"  overview ready: p50 {overview['p50']:.0f} ms, p95 {overview['p95']:.0f} ms (n {overview['n']})")
        agent_token = running.issuer.sign_in(AGENT_EMAIL, PASSWORD)["IdToken"]
        chat = _summary(chat_answers(browser, running, agent_token, rounds))
        log(f"  chat answer visible: p50 {chat['p50']:.0f} ms, p95 {chat['p95']:.0f} ms (n {chat['n']})")
    finally:
        driver.quit()
    return {"overview_ready_ms": overview, "chat_answer_visible_ms": chat}


