"""The one fixture that starts the local cloud (synchronous: a request returns only when every
consequence has happened), and callers that talk to it over HTTP as a client would."""

from __future__ import annotations

import json
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests

from bench.samples import at_once as at_once  # the tests take it from here, with their other helpers
from infra.local import runtime
from infra.local.applicant import ScriptedApplicant, application
from infra.local.demo import CUSTOMERS
from infra.local.tokens import User
from tests.contract import contract, no_staff_address
from tests.personal_data import Registry

#: the functions log at their deployed level, into the run's log folder (its warnings and errors
#: on the console too): the scan at the end reads them for personal data; metrics are not looked at
QUIET = {"POWERTOOLS_METRICS_DISABLED": "true"}
#: nor how long a workflow waits before it tries a failed step again (1 s, then 2 s, ... in the
#: templates): that it tries again, and what comes of it, is. A hundredth of each wait is waited.
RETRY_PAUSE = 0.01


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """The long tests (marked `long`: a run of their own in a process of its own) first, so that
    they start at once rather than after the rest; with pytest-xdist's work stealing (pyproject's
    addopts) the other workers take the tests queued behind them."""
    items.sort(key=lambda item: item.get_closest_marker("long") is None)


class Caller:
    """Someone calling the API over HTTP with their own token (or none). Every answer is held to
    the API's OpenAPI document (tests/contract.py): a status or body it does not give fails."""

    def __init__(self, base_url: str, token: str | None, customer_id: str | None = None,
                 email: str | None = None) -> None:
        self.base_url = base_url
        self.customer_id = customer_id
        self.email = email
        self.session = requests.Session()
        self.session.hooks["response"].extend([contract().check, no_staff_address])
        if token:
            self.session.headers["Authorization"] = token

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        if "json" in kwargs:  # what a person sends must not turn up in the logs
            Registry.body("what a test sent", kwargs["json"])
        return self.session.request(method, self.base_url + path, timeout=30, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PATCH", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)


@pytest.fixture(scope="session")
def cloud() -> Iterator[runtime.Running]:
    running = runtime.start(synchronous=True, demo=True, environment=QUIET, retry_pause=RETRY_PAUSE)
    yield running
    running.stop()


def new_customer(cloud: runtime.Running, address: dict[str, Any] | None = None, **person: Any) -> Caller:
    """Register a fresh customer (as sign-up will) and sign them in."""
    from opencounter.customers.service import register_customer

    key = uuid.uuid4().hex[:10]
    email = person.pop("email", f"customer-{key}@example.nl")
    data = {"given_name": "Test", "family_name": f"Customer {key}", "birth_date": "1990-02-03", "email": email,
            "phone": f"+316{uuid.uuid4().int % 10**8:08d}", **person}
    home = address or {"street": "Damrak", "house_number": 1, "postcode": "1012 LG", "city": "Amsterdam"}
    Registry.add(f"test customer {key}", names=[f"{data['given_name']} {data['family_name']}", data["family_name"]],
                 emails=[email], phones=[data["phone"]], streets=[home["street"]])
    customer_id = register_customer(data, home, actor={"type": "system", "id": "tests"}, channel="system")
    cloud.cloud.settle()
    user = User(email, "pw", ("customers",), customer_id)
    cloud.issuer.add_user(user)
    return Caller(cloud.url, cloud.issuer.id_token(user), customer_id, email)


@pytest.fixture
def customer(cloud: runtime.Running) -> Caller:
    return new_customer(cloud)


@pytest.fixture
def pool_customer(cloud: runtime.Running) -> tuple[str, str]:
    """A customer whose login lives in the user pool, as a sign-up makes it: (e-mail, customer id)."""
    from infra.local.users import UserPoolDirectory
    from opencounter.customers.service import register_customer

    email = f"pool-{uuid.uuid4().hex[:8]}@example.nl"
    phone = f"+3161{uuid.uuid4().int % 10**7:07d}"
    Registry.add("a test customer in the user pool", emails=[email], phones=[phone])
    customer_id = register_customer(
        {"given_name": "Pool", "family_name": "Klant", "birth_date": "1990-02-03", "email": email, "phone": phone},
        {"street": "Damrak", "house_number": 1, "postcode": "1012 LG", "city": "Amsterdam"},
        actor={"type": "system", "id": "tests"}, channel="system")
    cloud.cloud.settle()
    directory = UserPoolDirectory(cloud.cloud.client("cognito-idp"), cloud.cloud.resolver.physical["UserPool"],
                                  cloud.cloud.resolver.physical["UserPoolClient"], mail=cloud.cloud.deliver_mail)
    directory.add(User(email, "Eerste-wachtwoord-1", ("customers",), customer_id))
    return email, customer_id


@pytest.fixture
def other_customer(cloud: runtime.Running) -> Caller:
    return new_customer(cloud)


@pytest.fixture
def officer(cloud) -> Caller:
    """A privacy officer (the `privacy` group), signed in."""
    user = User(f"privacy-{uuid.uuid4().hex[:8]}@opencounter.example", "pw", ("privacy",))
    cloud.issuer.add_user(user)
    return Caller(cloud.url, cloud.issuer.id_token(user), email=user.username)


@pytest.fixture
def agent(cloud: runtime.Running) -> Caller:
    user = User(f"agent-{uuid.uuid4().hex[:8]}@opencounter.example", "pw", ("agents",))
    cloud.issuer.add_user(user)
    return Caller(cloud.url, cloud.issuer.id_token(user), email=user.username)  # staff are known by it


@pytest.fixture
def anonymous(cloud: runtime.Running) -> Caller:
    return Caller(cloud.url, None)


class TableWrites:
    """What was written to the table from now on, read off its stream (which records every write)."""

    def __init__(self, cloud: runtime.Running) -> None:
        self.cloud = cloud.cloud
        self.mark = self.cloud.write_mark()

    def since(self) -> list[dict]:
        self.cloud.settle()
        return self.cloud.writes_since(self.mark)

    def items(self, entity: str) -> list[dict]:
        """New images of the items of one entity written since."""
        return [r["dynamodb"]["NewImage"] for r in self.since()
                if r["dynamodb"].get("NewImage", {}).get("entity", {}).get("S") == entity]


@pytest.fixture
def office_hours(monkeypatch: pytest.MonkeyPatch) -> datetime:
    """The contact centre's clock on a Monday at ten, Amsterdam time, running on from there:
    every channel is open, whatever the hour the tests run at."""
    opening, started = datetime(2026, 11, 23, 10, 0, tzinfo=ZoneInfo("Europe/Amsterdam")), datetime.now(UTC)
    monkeypatch.setattr("opencounter.contacts.service.utcnow",
                        lambda: (opening + (datetime.now(UTC) - started)).astimezone(UTC))
    return opening


@pytest.fixture
def faults(cloud: runtime.Running) -> Iterator[dict]:
    """Functions to run before a function's handler (by logical id); one that raises is a crash."""
    yield cloud.cloud.faults
    cloud.cloud.faults.clear()


@pytest.fixture
def provider_secrets(cloud: runtime.Running) -> Iterator[Any]:
    """Change values in a provider's secret (by logical id), as an operator rotating it does;
    the functions' kept values are dropped so the next call reads them. Restored after."""
    from opencounter.core import secrets

    client, changed = cloud.cloud.client("secretsmanager"), set()

    def put(logical_id: str, raw: str | None = None, **values: str) -> None:
        changed.add(logical_id)
        client.put_secret_value(SecretId=cloud.cloud.resolver.physical[logical_id],
                                SecretString=raw if raw is not None else json.dumps(
                                    {**runtime.LOCAL_SECRETS[logical_id], **values}))
        secrets.forget()

    yield put
    for logical_id in changed:
        client.put_secret_value(SecretId=cloud.cloud.resolver.physical[logical_id],
                                SecretString=json.dumps(runtime.LOCAL_SECRETS[logical_id]))
    secrets.forget()



def crash_times(count: int, *, after_work: bool = False) -> Any:
    """A fault that makes the first `count` invocations die: before they do anything, or, with
    after_work, once their work is done but before they answer (the hardest place to die)."""
    remaining = [count]

    def fault(_event: Any) -> None:
        if remaining[0] > 0:
            remaining[0] -= 1
            raise RuntimeError("the process died")
    fault.after_work = after_work  # type: ignore[attr-defined]
    return fault


def unique(local_part: str) -> str:
    """An e-mail address no other test uses, keeping the sandbox tags in its local part."""
    return f"{local_part}-{uuid.uuid4().hex[:8]}@example.nl"


class Applicant(ScriptedApplicant):
    """Someone signing up through the public API, step by step, as the web shop would."""

    def __init__(self, cloud: runtime.Running, *, pick_window: bool = True, **changes: Any) -> None:
        self.caller = Caller(cloud.url, None)
        body = application(**changes)
        Registry.body("a test applicant", body)
        super().__init__(cloud, body, session=self.caller.session, pick_window=pick_window)
        self.cloud = cloud


# ------------------------------------------------------------------ billing

def give_product(customer: Caller, plan_code: str, *, started_at: str = "2026-01-01") -> str:
    """Put a product on a customer's record on a plan of the catalogue, held since `started_at`, as
    a sign-up activates it: waiting for its visit or delivery where the catalogue says it needs one."""
    from infra.local.template import ROOT
    from opencounter.catalogue.service import visit_needed
    from opencounter.customers.service import hold_product

    catalogue = json.loads((ROOT / "catalogue" / "products.json").read_text())
    product, plan = next((p, plan) for p in catalogue["products"] for plan in p["plans"] if plan["code"] == plan_code)
    return hold_product(customer.customer_id, {
        "product_code": product["code"], "name": product["name"], "kind": product["kind"], "plan": plan["name"],
        "plan_code": plan_code, "catalogue_version": catalogue["version"], "started_at": started_at,
        "monthly_fee_cents": plan["monthly_fee_cents"],
        "awaiting": visit_needed(product["code"], catalogue["version"])}, actor={"type": "system", "id": "tests"},
        channel="system")


def send_usage(cloud: runtime.Running, *records: dict) -> None:
    """Usage records on the usage queue, as the network sends them; settled (taken in) after."""
    sqs = cloud.cloud.client("sqs")
    url = cloud.cloud.resolver.physical["UsageQueue"]
    for record in records:
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(record))
    cloud.cloud.settle()


def usage(customer: Caller, product_id: str, unit: str, quantity: int, day: str = "2026-10-15") -> dict:
    return {"record_id": uuid.uuid4().hex, "customer_id": customer.customer_id, "product_id": product_id,
            "unit": unit, "quantity": quantity, "occurred_at": f"{day}T12:00:00Z"}


def start_billing(cloud: runtime.Running, period: str, **run_input: Any) -> str:
    """Start the monthly billing workflow for a month, as the schedule does (not settled); its
    execution's ARN."""
    return cloud.cloud.client("stepfunctions").start_execution(
        stateMachineArn=cloud.cloud.state_machines["BillingRunStateMachine"],
        name=f"billing-{period}-{uuid.uuid4().hex[:8]}", input=json.dumps({"period": period, **run_input}),
    )["executionArn"]


def billing_totals(cloud: runtime.Running, execution: str) -> dict:
    """A billing run's totals, once settled: it must have succeeded."""
    cloud.cloud.settle()
    described = cloud.cloud.client("stepfunctions").describe_execution(executionArn=execution)
    assert described["status"] == "SUCCEEDED", described
    return json.loads(described["output"])


def run_billing(cloud: runtime.Running, period: str, **run_input: Any) -> dict:
    """Run the monthly billing workflow for a month and return its totals."""
    return billing_totals(cloud, start_billing(cloud, period, **run_input))


def over_the_bundle_twice(cloud: runtime.Running, customer: Caller) -> str:
    """A 5 GB mobile product that used 9 GB in September and in October, both months billed: the
    best-tariff advice names 20 GB. Its product id."""
    mobile = give_product(customer, "MOBILE-5GB")
    send_usage(cloud, usage(customer, mobile, "data_mb", 9000, day="2026-09-10"),
               usage(customer, mobile, "data_mb", 9000, day="2026-10-10"))
    run_billing(cloud, "2026-09")
    run_billing(cloud, "2026-10")
    return mobile


def bill(cloud: runtime.Running, customer: Caller, period: str = "2026-10") -> dict:
    """Bill one customer's month as the billing run does (without walking every customer), settled;
    returns the invoice as the customer reads it."""
    from opencounter.billing.invoices import bill_customer
    from opencounter.catalogue.service import current_version
    from opencounter.pricing.rating import Period

    result = bill_customer(customer.customer_id, Period.parse(period), current_version())
    cloud.cloud.settle()
    assert result["invoice_id"], result
    return customer.get(f"/me/invoices/{result['invoice_id']}").json()


# ------------------------------------------------------------------ contacts

def texted_code(customer: Caller, phone: str) -> str:
    """The one-time code last texted to `phone`, read from the local mailbox as `make run` shows it."""
    texts = requests.get(f"{customer.base_url}/local/mailbox", params={"to": phone}, timeout=30).json()["messages"]
    assert texts, f"no text message to {phone}"
    found = re.search(r"your code is (\d{6})", texts[-1]["body"])
    assert found, texts[-1]
    return found.group(1)


def verified_phone(customer: Caller) -> str:
    """The customer's phone number, proven by the customer: a texted code typed back."""
    phone = customer.get("/me").json()["contact"]["phone"]
    assert customer.post("/me/phone-verification").status_code == 202
    confirmed = customer.post("/me/phone-verification/confirmation", json={"code": texted_code(customer, phone)})
    assert confirmed.status_code == 200, confirmed.text
    return phone


class Clock:
    """The moment the appointments' service reads as now, set by the test (`clock`)."""

    def __init__(self) -> None:
        self.now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def set(self, moment: datetime) -> datetime:
        self.now = moment.astimezone(UTC)
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    ticking = Clock()
    monkeypatch.setattr("opencounter.appointments.service.utcnow", ticking)
    monkeypatch.setattr("opencounter.billing.reminders.utcnow", ticking)  # the daily reminder run's today
    return ticking


@pytest.fixture(autouse=True)
def daytime(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The notices of a test go out in the afternoon, whenever the test runs: what a notice says and
    where it goes does not hang on the hour the tests are run at. A test of the quiet hours sets
    this clock to the night (notifications/quiet.py reads it as now)."""
    afternoon = Clock()
    afternoon.set(datetime.combine(datetime.now(UTC).date(), datetime.min.time(), ZoneInfo("Europe/Amsterdam"))
                  .replace(hour=14))
    monkeypatch.setattr("opencounter.notifications.quiet.utcnow", afternoon)
    return afternoon


def visit_done(cloud: runtime.Running, customer: Caller, order: dict) -> None:
    """The field service reports the order's visit done, as it does: a signed webhook (the
    stand-in's), which puts AppointmentDone of the order on the bus."""
    visit = next(a for a in customer.get("/me/appointments").json()["items"]
                 if a["appointment_id"] == order["fulfilment"]["appointment_id"])
    assert cloud.field.update(visit["appointment_id"], "done") == 200
    cloud.cloud.settle()


# ------------------------------------------------------------------ reminders before collection

def run_reminders(cloud: runtime.Running, clock: Clock, day: date) -> dict:
    """The daily reminder run as its schedule fires it, at 07:00 in Amsterdam on `day` (the clock
    set there), settled: every page taken, every notice sent."""
    from opencounter.core.clock import isoformat

    moment = clock.set(datetime.combine(day, time(7), ZoneInfo("Europe/Amsterdam")))
    started = cloud.cloud.invoke("InvoiceRemindersFunction", {"scheduled_at": isoformat(moment)})
    cloud.cloud.settle()
    return started
# ------------------------------------------------------------------ no personal data in the logs

def pytest_configure(config: pytest.Config) -> None:
    """The run's log folder: made by the process that runs the session (the controller under
    xdist), before its workers start, which inherit it, as do the local clouds of subprocesses."""
    from infra.local.lambdas import LOGS_FOLDER
    from tests.personal_data import new_folder

    if not hasattr(config, "workerinput"):
        os.environ[LOGS_FOLDER] = str(new_folder(os.environ.get(LOGS_FOLDER)))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Every line the functions logged in the whole run, every process's, scanned for the personal
    data of the demo customers and of everyone the tests made up: a finding fails the run."""
    from infra.local.lambdas import LOGS_FOLDER
    from tests.personal_data import scan_folder

    if hasattr(session.config, "workerinput") or not os.environ.get(LOGS_FOLDER):
        return
    folder = Path(os.environ[LOGS_FOLDER])
    scan = scan_folder(folder)
    terminal = session.config.pluginmanager.get_plugin("terminalreporter")
    say = terminal.write_line if terminal is not None else print
    if scan.findings or (scan.processes and not scan.lines):
        # (every local cloud logs at its deploy, at INFO: none kept means the keeping is broken)
        say(scan.report() if scan.findings else "the local clouds kept no log line: is the keeping of their "
            "functions' logs (infra/local/lambdas.py FunctionLogs) broken?")
        say(f"the logs are kept in {folder}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        return
    if scan.processes:
        say(f"no personal data in {scan.lines} lines the functions logged in {scan.processes} processes "
            f"(the demo customers' and {scan.people - len(CUSTOMERS) - 1} people the tests made up)")
    shutil.rmtree(folder, ignore_errors=True)
