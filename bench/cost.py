"""The bill for running OpenCounter: every business flow run through a local cloud with a meter on
(infra/local/metering.py), its AWS operations counted per occurrence, priced at eu-west-1's on-demand
prices (bench/pricing.py) and put together into a month of a realistic customer (docs/cost.md).

The flows run in a child process (`python -m bench.cost --measure-to FILE`) against a synchronous
local cloud of their own with the template's logging (POWERTOOLS_LOG_LEVEL INFO, metrics on): a
process that ran another cloud at a quieter level keeps Powertools' loggers at that level. Each
flow runs once unmetered (its functions warm), then REPEAT times metered; a flow's figure is the
mean per occurrence. Reads are measured on customers AVERAGE_AGE_MONTHS into their tenure (a
Query of the customer's partition costs what the partition holds).

`python -m bench.cost` runs it alone and merges `cost` and `cost_detail` into bench/results.json.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench import pricing
from bench.billing import ADDRESS, hold, register
from bench.latency import Client
from bench.samples import Users, scheduled_event
from bench.signup import new_email
from bench.web import office_hours
from infra.local import runtime
from infra.local.applicant import ScriptedApplicant, application
from infra.local.metering import Meter, Reading, compression
from infra.local.runtime import Running
from infra.local.tokens import User
from opencounter.billing.invoices import bill_customer
from opencounter.billing.usage import record_usage
from opencounter.catalogue.service import current_version
from opencounter.core.access_log import forget_written
from opencounter.core.clock import business_today
from opencounter.pricing.rating import Period

ROOT = Path(__file__).resolve().parent.parent
#: the template's own logging: what the functions log in AWS is what is counted
TEMPLATE_LOGGING = {"POWERTOOLS_LOG_LEVEL": "INFO", "POWERTOOLS_METRICS_DISABLED": "false"}
REPEAT = 3
#: customers billed together by the measured run, each AVERAGE_AGE_MONTHS old
BILLED_CUSTOMERS = 12
PLANS = ("MOBILE-20GB", "POWER-VARIABLE")
#: products whose month of usage is sent at once (the intake takes batches of up to 100)
USAGE_PRODUCTS = {"mobile": 10, "energy": 5}
CHILD_TIMEOUT_S = 900
NOTE = ("a child process with a synchronous local cloud of its own at the template's log level, a meter on "
        "(infra/local/metering.py): every flow once unmetered, then 3 times metered, per occurrence; Lambda duration "
        "as measured locally, billed per ms at the template's MemorySize (arm64); DynamoDB units from item sizes. "
        "usd_per_1000_customers_month: a month of 1000 customers (bench/pricing.py CUSTOMER_MONTH) at eu-west-1 "
        "on-demand prices read 2026-12-05 (docs/cost.md) over Lambda, API Gateway, DynamoDB (and storage, PITR), "
        "EventBridge, Step Functions, SQS, CloudWatch Logs, Secrets Manager; goal <= 1.00. Cognito's monthly active "
        "users apart (identity_...), SES, S3, SMS and X-Ray apart (other_aws_...); fixed_usd_month whatever the "
        "number of customers.")
SYSTEM = {"type": "system", "id": "bench"}
#: the customer holds POWER-VARIABLE: its smart meter is placed by an installer
VISIT_KIND = "installer_visit"


@dataclass
class Customer:
    customer_id: str
    email: str
    client: Client
    products: dict[str, str]  # plan code -> product id
    unpaid: list[str]  # invoice ids, oldest first


# ------------------------------------------------------------------ customers with a history


def _months_back(count: int) -> Period:
    period = Period.of(business_today())
    for _ in range(count):
        period = period.previous()
    return period


def signed_in(running: Running, customer_id: str, email: str) -> Client:
    user = User(email, "pw", ("customers",), customer_id)
    running.issuer.add_user(user)
    return Client(running.url, running.issuer.id_token(user))


def aged_customer(running: Running, months: int, *, unpaid: int) -> Customer:
    """A customer holding a mobile and an energy plan for `months` months before last month, each of
    those months' usage recorded (one record per unit) and billed, all but the last `unpaid`
    invoices paid through the portal and Stripe; last month not billed yet."""
    email = f"cost-{uuid.uuid4().hex[:10]}@example.nl"
    customer_id = register(email)
    since = _months_back(months + 1).first_day.isoformat()
    products = {code: hold(customer_id, code, since) for code in PLANS}
    client = signed_in(running, customer_id, email)
    version = current_version()
    invoices = []
    for back in range(months + 1, 1, -1):
        period = _months_back(back)
        day = f"{period}-15T12:00:00Z"
        for code, unit, quantity in (("MOBILE-20GB", "data_mb", 18000), ("MOBILE-20GB", "minutes", 240),
                                     ("MOBILE-20GB", "sms", 12), ("POWER-VARIABLE", "kwh", 250)):
            record_usage({"record_id": str(uuid.uuid4()), "customer_id": customer_id, "product_id": products[code],
                          "unit": unit, "quantity": quantity, "occurred_at": day})
        invoices.append(bill_customer(customer_id, period, version)["invoice_id"])
    for invoice_id in invoices[:len(invoices) - unpaid]:
        pay(running, client, invoice_id)
    running.cloud.settle()
    return Customer(customer_id, email, client, products, invoices[len(invoices) - unpaid:])


def pay(running: Running, client: Client, invoice_id: str) -> None:
    """The invoice page, paying by iDEAL (a Stripe PaymentIntent), the bank's answer as Stripe's
    webhook, and the invoice read again, as the portal does after the payment."""
    client.call("GET", f"/me/invoices/{invoice_id}", 200)
    _, payment = client.call("POST", f"/me/invoices/{invoice_id}/payments", 201, {"method": "ideal"})
    running.stripe.complete_payment(payment["payment_id"], method="ideal")
    running.cloud.settle()
    _, invoice = client.call("GET", f"/me/invoices/{invoice_id}", 200)
    if invoice["status"] != "paid":
        raise RuntimeError(f"invoice {invoice_id} is {invoice['status']} after paying")


def proven_phone(running: Running, client: Client) -> str:
    """The customer's phone number, proven with the code texted to it."""
    _, record = client.call("GET", "/me", 200)
    phone = record["contact"]["phone"]
    client.call("POST", "/me/phone-verification", 202)
    texts = [m for m in running.cloud.mailbox(phone) if "code" in m["body"]]
    found = re.search(r"your code is (\d{6})", texts[-1]["body"]) if texts else None
    if found is None:
        raise RuntimeError(f"no code texted to {phone}")
    client.call("POST", "/me/phone-verification/confirmation", 200, {"code": found.group(1)})
    return phone


# ------------------------------------------------------------------ the flows


class Flows:
    """Each business flow once, as its callers make it, settled (its consequences run)."""

    def __init__(self, running: Running, customer: Customer, agent: Client) -> None:
        self.running = running
        self.customer = customer
        self.agent = agent
        self.visitor = Client(running.url, None)
        self.phone = ""
        self.chat_id = ""
        #: kind -> the products (customer id, product id) whose month of usage is sent at once
        self.usage_products: dict[str, list[tuple[str, str]]] = {}
        self.fresh: Client | None = None
        self.draw = random.Random(2026)  # the windows the customer picks

    def settle(self) -> None:
        self.running.cloud.settle()

    def signup(self) -> None:
        """Apply, identify (Stripe Identity's webhook), ask for the signing code, sign: the product
        active; then the deep verification workflow, the login, the welcome."""
        applicant = ScriptedApplicant(self.running, application(applicant__email=new_email()))
        applicant.activate()
        self.settle()

    def login(self) -> None:
        """Signing in is Cognito's (its monthly active users); the portal then reads the record for
        the customer's language (web/js/main.js)."""
        self.customer.client.call("GET", "/me", 200)

    def overview(self) -> None:
        """The overview page: the record, invoices, usage, requests, visits (the next one on its card)
        and the catalogue (web/js/overview.js)."""
        for path in ("/me", "/me/invoices", "/me/usage", "/me/requests", "/me/appointments"):
            self.customer.client.call("GET", path, 200)
        self.visitor.call("GET", "/products", 200)

    def change_record(self) -> None:
        """The settings page: the record read, a setting changed."""
        _, record = self.customer.client.call("GET", "/me", 200)
        self.customer.client.call("PATCH", "/me", 200, {"version": record["version"], "settings": {
            "paperless_invoices": not record["settings"].get("paperless_invoices", False)}})
        self.settle()

    def payment(self) -> None:
        pay(self.running, self.customer.client, self.customer.unpaid.pop(0))

    def contact_chat(self) -> None:
        """A question, the chat chosen, the customer writes, an agent takes it, answers and resolves
        it; the customer writes once more (the page's reads while open are chat_page_read)."""
        client = self.customer.client
        _, asked = client.call("POST", "/me/contacts", 201, {"question": "My internet drops every evening"})
        contact_id = asked["contact"]["contact_id"]
        self.chat_id = contact_id
        client.call("POST", f"/me/contacts/{contact_id}/choice", 200, {"choice": "chat"})
        client.call("POST", f"/me/contacts/{contact_id}/messages", 201, {"text": "It started last Tuesday."})
        contact = self._queued("chat", contact_id=contact_id)
        self._act(contact, "take")
        self._act(contact, "notes", {"text": "Let us restart your line.", "for_customer": True, "reply": True})
        client.call("POST", f"/me/contacts/{contact_id}/messages", 201, {"text": "Thanks, it works."})
        self._act(contact, "resolution", {"solution": "Line restarted."})
        self.settle()

    def chat_page_read(self) -> None:
        """What an open chat page does every second: read the contact."""
        self.customer.client.call("GET", f"/me/contacts/{self.chat_id}", 200)

    def contact_email(self) -> None:
        """A mail to the service address (SES: stored in S3, the function invoked), an agent takes
        it, answers by e-mail and resolves it."""
        self.running.channels.email(self.customer.email, "Invoice question", "Why is there a connection fee?")
        contact = self._queued("email", sender=self.customer.email)
        self._act(contact, "take")
        self._act(contact, "notes", {"text": "It is a one-off fee.", "for_customer": True, "reply": True})
        self._act(contact, "resolution", {"solution": "Explained the fee."})
        self.settle()

    def contact_whatsapp(self) -> None:
        """A WhatsApp message from the customer's proven number (Meta's signed webhook), an agent
        takes it and answers on WhatsApp, the customer thanks, the agent resolves it."""
        sandbox = self.running.channels.sandbox
        sandbox.whatsapp(self.phone.lstrip("+"), "Is there an outage?")
        self.settle()
        contact = self._queued("whatsapp", sender=self.phone)
        self._act(contact, "take")
        self._act(contact, "notes", {"text": "No outage: restart your modem, please.", "for_customer": True,
                                     "reply": True})
        sandbox.whatsapp(self.phone.lstrip("+"), "Thanks, it works")
        self.settle()
        self._act(contact, "resolution", {"solution": "Modem restarted."})
        self.settle()

    def _queued(self, channel: str, **match: str) -> dict[str, Any]:
        """The newest waiting contact of the channel that matches, as the agent's queue shows it."""
        _, queue = self.agent.call("GET", f"/agent/queue?channel={channel}", 200)
        found = [c for c in queue["items"] if all(c.get(k) == v for k, v in match.items())]
        if not found:
            raise RuntimeError(f"no {channel} contact {match} in the queue")
        return dict(found[-1])

    def _act(self, contact: dict[str, Any], action: str, body: dict[str, Any] | None = None) -> None:
        query = f"?customer_id={contact['customer_id']}" if contact.get("customer_id") else ""
        self.agent.call("POST", f"/agent/contacts/{contact['contact_id']}/{action}{query}", 200, body)

    # -------------------------------------------------------------- visits (web/js/appointments.js)

    def appointments_read(self) -> list[dict[str, Any]]:
        """The visits page: the record (for the postcode) and the customer's appointments."""
        self.customer.client.call("GET", "/me", 200)
        return list(self.customer.client.call("GET", "/me/appointments", 200)[1]["items"])

    def _free_windows(self) -> list[str]:
        """The page's window picker: the installer's free windows at the customer's postcode for a
        fortnight, then the next (its "later days"); the starts of the second fortnight's."""
        query = {"postcode": ADDRESS["postcode"], "kind": VISIT_KIND}
        _, first = self.customer.client.call("GET", f"/appointments/slots?{urlencode(query)}", 200)
        later = date.fromisoformat(first["days"][-1]["date"]) + timedelta(days=1)
        _, second = self.customer.client.call(
            "GET", f"/appointments/slots?{urlencode({**query, 'from': later.isoformat()})}", 200)
        return [slot["start"] for day in second["days"] for slot in day["slots"]]

    def appointment_plan(self) -> None:
        """The visits page, free windows looked up, a smart meter's visit planned (with an
        Idempotency-Key: a request sent again is the same visit), the page read again."""
        self.appointments_read()
        slot = self.draw.choice(self._free_windows())
        self.customer.client.call("POST", "/me/appointments", 201, {"kind": VISIT_KIND, "slot": slot},
                                  headers={"Idempotency-Key": uuid.uuid4().hex})
        self.settle()
        self.appointments_read()

    def appointment_move(self) -> None:
        """The visits page, free windows looked up, the visit planned moved to another (PATCH with
        its version), the page read again."""
        visit = next(a for a in self.appointments_read() if a["status"] == "planned")
        slot = self.draw.choice([s for s in self._free_windows() if s != visit["window"]["start"]])
        self.customer.client.call("PATCH", f"/me/appointments/{visit['appointment_id']}", 200,
                                  {"slot": slot, "version": visit["version"]})
        self.settle()
        self.appointments_read()

    def record_read_new(self) -> None:
        """The record of a customer with no history yet (against `login`, a customer in mid-tenure)."""
        assert self.fresh is not None
        self.fresh.call("GET", "/me", 200)

    def usage_month(self, kind: str) -> None:
        """A month of usage of every product of `kind` set aside, sent as the network sends it: one
        record per unit and day, put on the usage queue ten at a time (SendMessageBatch)."""
        units = {"mobile": (("data_mb", 600), ("minutes", 8), ("sms", 1)), "energy": (("kwh", 9),)}[kind]
        period = _months_back(2)
        records = [{"record_id": str(uuid.uuid4()), "customer_id": customer_id, "product_id": product_id,
                    "unit": unit, "quantity": quantity, "occurred_at": f"{period}-{day:02d}T12:00:00Z"}
                   for customer_id, product_id in self.usage_products[kind] for day in range(1, 29)
                   for unit, quantity in units] + [
            {"record_id": str(uuid.uuid4()), "customer_id": customer_id, "product_id": product_id, "unit": unit,
             "quantity": quantity, "occurred_at": f"{period}-28T18:00:00Z"}
            for customer_id, product_id in self.usage_products[kind] for _ in range(2) for unit, quantity in units]
        sqs = self.running.cloud.client("sqs")
        queue_url = self.running.cloud.resolver.physical["UsageQueue"]
        for start in range(0, len(records), 10):
            sqs.send_message_batch(QueueUrl=queue_url, Entries=[
                {"Id": str(i), "MessageBody": json.dumps(r)} for i, r in enumerate(records[start:start + 10])])
        self.settle()

    def usage_month_mobile(self) -> None:
        self.usage_month("mobile")

    def usage_month_energy(self) -> None:
        self.usage_month("energy")

    def channel_figures_minute(self) -> None:
        """The scheduler's minute: every channel's figures to the dashboard."""
        self.running.cloud.invoke("ChannelFiguresFunction", scheduled_event(self.running))


#: the flows metered one after another, before the billing run and what its invoices set off, and after
#: it (the products of the usage flows would be customers the run looks at and does not bill)
BEFORE_BILLING = ("signup", "login", "record_read_new", "overview", "change_record", "payment", "contact_chat",
                  "chat_page_read", "contact_email", "contact_whatsapp", "appointment_plan", "appointment_move",
                  "appointments_read")
AFTER_BILLING = ("usage_month_mobile", "usage_month_energy", "channel_figures_minute")


# ------------------------------------------------------------------ measuring, in the child process


def per_occurrence(reading: Reading, occurrences: int) -> dict[str, Any]:
    """A reading divided by the occurrences it holds."""
    def divided(counter: dict[str, float | int]) -> dict[str, float]:
        return {k: round(v / occurrences, 6) for k, v in counter.items()}
    shown = reading.as_dict()
    return {"occurrences": occurrences, "units": divided(shown["units"]),
            "functions": {name: divided(c) for name, c in shown["functions"].items()},
            "dynamodb_operations": {name: divided(c) for name, c in shown["dynamodb_operations"].items()},
            "other_calls": divided(shown["other_calls"])}


def prepare(running: Running, log: Callable[[str], None]) -> Flows:
    """The customers the flows act on (not metered)."""
    started = time.monotonic()
    agent = Users(running)
    customer = aged_customer(running, pricing.AVERAGE_AGE_MONTHS, unpaid=REPEAT + 1)
    flows = Flows(running, customer, Client(running.url, agent.agent_token))
    flows.phone = proven_phone(running, customer.client)
    email = f"cost-new-{uuid.uuid4().hex[:10]}@example.nl"
    customer_id = register(email)
    hold(customer_id, "MOBILE-20GB", business_today().replace(day=1).isoformat())
    flows.fresh = signed_in(running, customer_id, email)
    running.cloud.settle()
    log(f"  a customer {pricing.AVERAGE_AGE_MONTHS} months into the tenure (invoices, payments, usage), and a new "
        f"one   ({time.monotonic() - started:.1f}s)")
    return flows


def usage_products(running: Running, flows: Flows) -> None:
    """The products whose months of usage the usage flows send (not billable last month)."""
    plans = {"mobile": "MOBILE-20GB", "energy": "POWER-VARIABLE"}
    since = business_today().replace(day=1).isoformat()
    for kind, count in USAGE_PRODUCTS.items():
        for _ in range(count):
            customer_id = register(f"cost-usage-{uuid.uuid4().hex[:10]}@example.nl")
            flows.usage_products.setdefault(kind, []).append((customer_id, hold(customer_id, plans[kind], since)))
    running.cloud.settle()


def billing_population(running: Running, log: Callable[[str], None]) -> None:
    """BILLED_CUSTOMERS customers AVERAGE_AGE_MONTHS old, last month's usage recorded, not billed yet."""
    started = time.monotonic()
    last = _months_back(1)
    for _ in range(BILLED_CUSTOMERS):
        aged = aged_customer(running, pricing.AVERAGE_AGE_MONTHS, unpaid=pricing.AVERAGE_AGE_MONTHS)
        for code, unit, quantity in (("MOBILE-20GB", "data_mb", 25000), ("POWER-VARIABLE", "kwh", 310)):
            record_usage({"record_id": str(uuid.uuid4()), "customer_id": aged.customer_id,
                          "product_id": aged.products[code], "unit": unit, "quantity": quantity,
                          "occurred_at": f"{last}-10T12:00:00Z"})
    running.cloud.settle()
    log(f"  {BILLED_CUSTOMERS} customers to bill for {last}   ({time.monotonic() - started:.1f}s)")


def billing_run(running: Running, period: Period) -> dict[str, Any]:
    """The billing workflow for `period`, as the schedule starts it, the cloud settled meanwhile
    (settling runs the billing queue's consumer, and what the invoices set off): the run's totals."""
    sfn = running.cloud.client("stepfunctions")
    arn = sfn.start_execution(stateMachineArn=running.cloud.state_machines["BillingRunStateMachine"],
                              name=f"cost-{period}-{uuid.uuid4().hex[:8]}",
                              input=json.dumps({"period": str(period)}))["executionArn"]
    running.cloud.settle(timeout=CHILD_TIMEOUT_S)
    described = sfn.describe_execution(executionArn=arn)
    if described["status"] != "SUCCEEDED":
        raise RuntimeError(f"the billing run of {period} ended {described['status']}")
    return dict(json.loads(described["output"]))


#: what an issued invoice sets off: its events carried to the bus, the timeline, the notices
INVOICE_CONSEQUENCES = ("OutboxPublisherFunction", "TimelineWriterFunction", "CustomerNotifierFunction")


def split(reading: Reading, functions: tuple[str, ...]) -> tuple[Reading, Reading]:
    """A reading as two: what `functions` counted, and the rest."""
    inside, outside = Reading(f"{reading.name} ({', '.join(functions)})"), Reading(reading.name)
    inside.dynamodb, outside.dynamodb = {}, reading.dynamodb  # operations are not told apart by function
    for name, units in reading.functions.items():
        part = inside if name in functions else outside
        part.functions[name] = Counter(units)
        part.units.update(units)
    return inside, outside


def measure(log: Callable[[str], None]) -> dict[str, Any]:
    """Every flow metered in a synchronous local cloud of its own; per occurrence."""
    started = time.monotonic()
    running = runtime.start(synchronous=True, demo=True, environment=TEMPLATE_LOGGING)
    log(f"  local cloud started   ({time.monotonic() - started:.1f}s)")
    results: dict[str, Any] = {}
    samples: list[str] = []
    try:
        flows = prepare(running, log)
        with Meter(running.cloud, for_good_after_months=pricing.AVERAGE_AGE_MONTHS) as meter, office_hours():
            for name in BEFORE_BILLING:
                results[name] = metered(meter, flows, name, samples, log)
            billing_population(running, log)
            billing_run(running, _months_back(40))  # nobody to bill: BillingRunFunction warm
            running.cloud.settle()
            with meter.reading("billing_run") as reading:
                totals = billing_run(running, _months_back(1))
            issued = totals["counts"]["issued"]
            consequences, run = split(reading, INVOICE_CONSEQUENCES)
            results["billing_run"] = per_occurrence(run, issued)
            results["invoice_issued"] = per_occurrence(consequences, issued)
            notifier = reading.functions.get("CustomerNotifierFunction", Counter())
            results["notification"] = per_occurrence(split(reading, ("CustomerNotifierFunction",))[0],
                                                     int(notifier["lambda.requests"]) or 1)
            samples += reading.log_sample
            for name in ("billing_run", "invoice_issued", "notification"):
                log(f"  {name:<24} {_summary(results[name]['units'])}")
            log(f"  the run: {totals['counts']}")
            usage_products(running, flows)
            for name in AFTER_BILLING:
                results[name] = metered(meter, flows, name, samples, log)
    finally:
        running.stop()
    return {"flows": results, "billing_counts": totals["counts"], "log_compression": compression(samples) or 1.0,
            "seconds": round(time.monotonic() - started, 1)}


def metered(meter: Meter, flows: Flows, name: str, samples: list[str], log: Callable[[str], None]) -> dict[str, Any]:
    """One flow once unmetered (its functions warm), then REPEAT times metered: per occurrence."""
    flow = getattr(flows, name)
    flow()
    with meter.reading(name) as reading:
        for _ in range(REPEAT):
            forget_written()  # each occurrence is another customer's: its staff reads are written anew
            flow()
    found = per_occurrence(reading, REPEAT * USAGE_PRODUCTS.get(name.removeprefix("usage_month_"), 1))
    samples += reading.log_sample
    log(f"  {name:<24} {_summary(found['units'])}")
    return found


def _summary(units: dict[str, float]) -> str:
    keys = (("lambda.requests", "inv"), ("lambda.gb_s", "GB-s"), ("apigateway.requests", "api"),
            ("dynamodb.rru", "RRU"), ("dynamodb.wru", "WRU"), ("eventbridge.events", "events"),
            ("sfn.transitions", "transitions"), ("sqs.requests", "sqs"), ("logs.function_bytes", "log B"))
    return "  ".join(f"{label} {units.get(key, 0):.3g}" for key, label in keys)


# ------------------------------------------------------------------ pricing, in the bench's process


def measured_apart(log: Callable[[str], None]) -> dict[str, Any]:
    """`measure` in a child process of its own (see the module's docstring), its lines passed on as
    they come."""
    with tempfile.TemporaryDirectory(prefix="bench-cost-") as folder:
        out = Path(folder) / "measured.json"
        said: list[str] = []
        with subprocess.Popen([sys.executable, "-m", "bench.cost", "--measure-to", str(out)], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) as child:
            assert child.stderr is not None
            for line in child.stderr:
                said.append(line)
                if line.startswith("  "):
                    log(line.rstrip())
            child.wait(timeout=CHILD_TIMEOUT_S)
        if child.returncode != 0 or not out.exists():
            raise RuntimeError(f"measuring the flows failed ({child.returncode}): {''.join(said)[-3000:]}")
        return dict(json.loads(out.read_text()))


def stored_bytes_per_customer(flows: dict[str, Any]) -> float:
    """What a customer keeps in the table AVERAGE_AGE_MONTHS into the tenure: the sign-up's items and
    each month's, a month's worth of the items the table's TTL takes away within days or weeks
    (outbox items, receipts, codes: counted as kept a whole month, a little more than they are), and
    of those it keeps for months (usage records, seven at most: fewer than that age) as many months'
    worth as each is kept; what it keeps longer than that age (invoices and the ledger for the tax
    law's years, contacts for two) is there the whole tenure, as what is kept for good."""
    def monthly(unit: str) -> float:
        return sum(flows[name]["units"].get(unit, 0) * times for name, times in pricing.CUSTOMER_MONTH.items()
                   if name != "signup")
    return float(flows["signup"]["units"].get("dynamodb.stored_bytes", 0)
                 + monthly("dynamodb.stored_bytes") * pricing.AVERAGE_AGE_MONTHS + monthly("dynamodb.expiring_bytes")
                 + monthly("dynamodb.kept_byte_months"))


def priced_figures(measured: dict[str, Any]) -> dict[str, Any]:
    """The month of a customer at eu-west-1 prices, per 1000 customers: `cost` and `cost_detail`."""
    flows = measured["flows"]
    per_flow = {name: flow["units"] for name, flow in flows.items()}
    per_flow["billing_run"] = {**per_flow["billing_run"], **pricing.BILLING_AT_SCALE}
    stored = stored_bytes_per_customer(flows)
    month = pricing.month_of_customer(per_flow, log_compression=measured["log_compression"],
                                      stored_bytes_per_customer=stored)
    thousand = 1000
    by_service = {s: usd * thousand for s, usd in month["usd_by_service"].items()}
    goal = sum(usd for s, usd in by_service.items() if s in pricing.GOAL_SERVICES)
    other = {s: usd for s, usd in by_service.items() if s not in pricing.GOAL_SERVICES}
    api_requests = month["units"].get("apigateway.requests", 0) * thousand
    other["X-Ray"] = pricing.PRICES["xray.traces"].of(api_requests * pricing.XRAY_SAMPLED)
    actives = pricing.MONTHLY_ACTIVE_SHARE * thousand
    at_scale = 10_000_000
    identity = {tier: pricing.cognito_usd(at_scale * pricing.MONTHLY_ACTIVE_SHARE, tier) / at_scale * thousand
                for tier in ("essentials", "lite")}
    fixed = pricing.fixed_month(per_flow)
    by_flow = {flow: {s: round(usd * thousand, 5) for s, usd in services.items()}
               for flow, services in month["usd_by_flow"].items()}
    return {
        "cost": {
            "usd_per_1000_customers_month": round(goal, 4),
            "goal_usd_per_1000_customers_month": pricing.GOAL_USD_PER_1000,
            "identity_usd_per_1000_customers_month": round(identity["essentials"], 4),
            "identity_usd_per_1000_customers_month_lite": round(identity["lite"], 4),
            "other_aws_usd_per_1000_customers_month": round(sum(other.values()), 4),
            "fixed_usd_month": round(sum(fixed.values()), 2),
        },
        "cost_detail": {
            "region": pricing.REGION, "prices_read_on": pricing.READ_ON,
            "usd_per_1000_by_service": {s: round(v, 4) for s, v in sorted(by_service.items(), key=lambda x: -x[1])},
            "other_aws_usd_per_1000": {s: round(v, 4) for s, v in other.items()},
            "usd_per_1000_by_flow": {flow: round(sum(v.values()), 5) for flow, v in by_flow.items()},
            "usd_per_1000_by_flow_and_service": by_flow,
            "identity": {"monthly_active_share": pricing.MONTHLY_ACTIVE_SHARE, "maus_per_1000": actives,
                         "at_customers": at_scale, "usd_per_1000_by_tier": {k: round(v, 4)
                                                                          for k, v in identity.items()}},
            "fixed_usd_month_by_service": {s: round(v, 2) for s, v in fixed.items()},
            "customer_month": pricing.CUSTOMER_MONTH,
            "units_per_customer_month": {k: round(v, 6) for k, v in sorted(month["units"].items())},
            "stored_bytes_per_customer": round(stored),
            "log_compression": measured["log_compression"],
            "per_flow": flows,
            "billing_counts": measured["billing_counts"],
            "measure_seconds": measured["seconds"],
        },
    }


def run(*, log: Callable[[str], None]) -> dict[str, Any]:
    """Measure every flow (a child process), price a month of a customer: `cost`, `cost_detail`."""
    figures = priced_figures(measured_apart(log))
    cost, detail = figures["cost"], figures["cost_detail"]
    log(f"  USD per 1000 customers a month: {cost['usd_per_1000_customers_month']:.3f} "
        f"(goal <= {cost['goal_usd_per_1000_customers_month']:.2f}); identity (Cognito Essentials) "
        f"{cost['identity_usd_per_1000_customers_month']:.2f}, "
        f"Lite {cost['identity_usd_per_1000_customers_month_lite']:.2f}; "
        f"other AWS {cost['other_aws_usd_per_1000_customers_month']:.3f}; "
        f"fixed USD {cost['fixed_usd_month']:.0f} a month")
    log("  by service: " + ", ".join(f"{s} {v:.3f}" for s, v in detail["usd_per_1000_by_service"].items()))
    top = sorted(detail["usd_per_1000_by_flow"].items(), key=lambda x: -x[1])
    log("  by flow: " + ", ".join(f"{f} {v:.3f}" for f, v in top))
    return figures


def table_rows(results: dict[str, Any]) -> list[str]:
    """The bench's table: the month of 1000 customers against the goal, and what is apart."""
    cost = results["cost"]
    figure, goal = cost["usd_per_1000_customers_month"], cost["goal_usd_per_1000_customers_month"]
    return [f"{'Cost, USD a month per 1000 customers':<40}{'usd':>8}",
            f"  {'Lambda, API, DynamoDB, bus, flows, logs':<38}{figure:>8.3f}   goal <= {goal:.2f}   "
            f"{'ok' if figure <= goal else 'OVER'}",
            f"  {'Cognito, Essentials (Lite)':<38}{cost['identity_usd_per_1000_customers_month']:>8.3f}   "
            f"({cost['identity_usd_per_1000_customers_month_lite']:.3f})",
            f"  {'SES, S3, X-Ray':<38}{cost['other_aws_usd_per_1000_customers_month']:>8.3f}"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--measure-to", type=Path, help="measure only, writing the JSON here (the child process)")
    arguments = parser.parse_args()

    def log(line: str) -> None:
        print(line, file=sys.stderr, flush=True)

    if arguments.measure_to:
        arguments.measure_to.write_text(json.dumps(measure(log), indent=1))
        return 0
    from bench.run import save  # the bench's one writer of results.json

    figures = run(log=log)
    save(figures)
    print(json.dumps(figures["cost"], indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
