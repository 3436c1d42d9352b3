"""The whole customer view benchmark: does the staff 360 view hold everything the mission lists for
the integrated customer view (../shared/design/mission.md, "The integrated customer view"), and is
it still one DynamoDB request?

A customer is given a full history over the API, as people and staff make one (bench.staff_reads'
`full_history`: a sign-up with its checks, products, an invoice, a dispute with evidence, a question,
a request, an order with its installer's visit, an idea; then here: a move, the question after it
answered, the household told, a contact logged by staff and scored, the request taken up by staff, an
invoice paid and another spread over instalments, a complaint followed up by staff, a quote made by staff,
direct debit set up, a call-back planned; every notice sent on the way is a message in the record).
Then the 360 view is read:

- `missing_fields`: the fields of the mission's list (FIELDS: each a place in the answer) that the
  answer lacks or leaves empty. Goal 0.
- `ddb_calls`: DynamoDB requests while the 360 view of that customer is served, in process and warm
  (bench.ddbcalls; the staff read's own entry in the access log counted apart). Goal 1.

`python -m bench.view` runs it on an asynchronous local cloud of its own and merges the figures into
bench/results.json under "view"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests

from bench.ddbcalls import ACCESS_LOG_WRITES, served
from bench.staff_reads import History, full_history
from infra.local.demo import DEMO_PASSWORD
from infra.local.runtime import Running
from infra.local.tokens import User
from opencounter.core.clock import business_today
from tests.conftest import Caller, bill

GOAL_MISSING, GOAL_CALLS = 0, 1
#: the integrated customer view as the mission lists it: what it names, and where the 360 answer holds
#: it (`a.b`: a field; `a[].b`: the field in some item of the list `a`)
FIELDS: list[tuple[str, str]] = [
    ("name", "personal.family_name"),
    ("address", "address.street"),
    ("contact details: e-mail", "contact.email"),
    ("contact details: phone", "contact.phone"),
    ("consent per purpose and channel", "consents[].purpose"),
    ("date of birth", "personal.birth_date"),
    ("household", "personal.household_size"),
    ("segment", "value.segment"),
    ("value", "value.revenue_12m_cents"),
    ("contact history: subject", "contacts[].subject"),
    ("contact history: date", "contacts[].started_at"),
    ("contact history: content", "contacts[].messages"),
    ("contact history: channel", "contacts[].channel"),
    ("contact history: employee", "contacts[].handler"),
    ("planned contacts: a visit or a delivery", "appointments[].window"),
    ("planned contacts: a call-back", "planned_contacts[].kind=callback"),
    ("mailings and responses: the message", "messages[].channel"),
    ("mailings and responses: what came of it", "messages[].status"),
    ("quotes", "quotes[].status"),
    ("NPS", "nps.score"),
    ("complaints: status", "complaints[].status"),
    ("complaints: follow-up", "complaints[].notes[].text"),
    ("other feedback", "feedback.answers[].score"),
    ("open requests: status", "open_requests[].status"),
    ("open requests: handler", "open_requests[].handler"),
    ("open requests: follow-up", "open_requests[].next_step"),
    ("products: start date", "products[].started_at"),
    ("products: case number", "products[].identifier"),
    ("products: balances", "open_balance_cents"),
    ("product history", "products[].history"),
    ("invoices with status", "invoices[].status"),
    ("payment history", "payments[].status"),
    ("collection method", "collection.method=direct_debit"),
    ("collection method: the account", "collection.mandate.iban_last4"),
    ("payment arrangements", "invoices[].status=in_arrangement"),
    ("missing data", "missing_data[].item"),
    ("upcoming customer events", "coming_events[].kind"),
    ("next best action", "next_best_actions[].action"),
]


def _found(value: Any, path: str) -> bool:
    """Whether `path` leads to something in `value`: not absent, not None, not empty."""
    head, _, rest = path.partition(".")
    if head.endswith("[]"):
        items = value.get(head[:-2]) if isinstance(value, dict) else None
        return bool(items) and any(_found(item, rest) if rest else True for item in items)
    if "=" in head:
        name, wanted = head.split("=", 1)
        return isinstance(value, dict) and str(value.get(name)) == wanted
    found = value.get(head) if isinstance(value, dict) else None
    if rest:
        return _found(found, rest)
    return found is not None and found != [] and found != {} and found != ""


def missing_fields(view: dict[str, Any]) -> list[str]:
    return [name for name, path in FIELDS if not _found(view, path)]


def _ok(response: Any, status: int = 200) -> dict[str, Any]:
    if response.status_code != status:
        raise RuntimeError(f"{response.request.method} {response.url}: {response.status_code} {response.text[:300]}")
    return response.json()


def _more_history(running: Running, history: History, agent: Caller) -> None:
    """What the full history of bench.staff_reads does not yet have: the household told, a move and the
    question after it answered, a contact logged by staff at the counter and scored, the request taken
    up by staff, an invoice paid and another spread over instalments, a complaint followed up by
    staff, a quote made by staff, direct debit set up, and a call-back planned."""
    customer = history.customer
    record = _ok(customer.get("/me"))
    _ok(customer.patch("/me", json={"version": record["version"], "personal": {"household_size": 3}}))
    _ok(customer.post("/me/moves", json={"street": "Lange Voorhout", "house_number": 34, "postcode": "2514 EE",
                                         "city": "Den Haag", "move_date": business_today().isoformat()}), 201)
    running.cloud.settle()
    question = _ok(customer.get("/me/feedback/pending"))["question"]
    if question is None:
        raise RuntimeError("no question after the move")
    _ok(customer.post("/me/feedback", json={"event_id": question["event_id"], "journey": question["journey"],
                                            "score": 4, "comment": "Vlot geregeld."}), 201)
    logged = _ok(agent.post(f"/agent/customers/{customer.customer_id}/contacts", json={
        "channel": "office", "subject": "Vraag over de verhuizing", "solution": "Uitgelegd aan de balie."}), 201)
    _ok(customer.post(f"/me/contacts/{logged['contact_id']}/feedback", json={"score": 9}))
    request = _ok(customer.get(f"/me/requests/{history.request_id}"))
    _ok(agent.post(f"/agent/customers/{customer.customer_id}/requests/{history.request_id}/steps", json={
        "text": "Modem op afstand herstart; morgen kijken we of het groen blijft.", "version": request["version"],
        "status": "in_progress", "next_step": "morgen de verbinding nameten", "channel": "phone"}))
    payable = bill(running, customer, "2026-09")
    checkout = _ok(customer.post(f"/me/invoices/{payable['invoice_id']}/payments", json={}), 201)
    running.stripe.complete_payment(checkout["payment_id"], method="ideal")
    invoice = bill(running, customer, "2026-11")
    _ok(customer.post(f"/me/invoices/{invoice['invoice_id']}/arrangement", json={"instalments": 3}), 201)
    complaint = _ok(customer.post("/me/complaints", json={"about": "delay", "text": "De monteur was twee uur te laat."},
                                  headers={"Idempotency-Key": f"bench-view-{customer.customer_id}"}), 201)
    _ok(agent.post(f"/agent/customers/{customer.customer_id}/complaints/{complaint['complaint_id']}/notes", json={
        "version": complaint["version"], "text": "We zoeken uit wat er misging en bellen u morgen.",
        "for_customer": True}))
    _ok(agent.post(f"/agent/customers/{customer.customer_id}/quotes", json={
        "product_code": "MOBILE", "plan_code": "MOBILE-20GB", "valid_days": 14}), 201)
    _direct_debit(running, customer)
    slot = next(s for day in _ok(customer.get("/me/callbacks/slots"))["days"] for s in day["slots"] if s["free"])
    _ok(customer.post("/me/callbacks", json={"slot": slot["start"], "subject": "Vraag over de offerte"}), 201)
    running.cloud.settle()


def _direct_debit(running: Running, customer: Caller) -> None:
    """The customer sets up direct debit on the Stripe stand-in's test bank page, as the portal leads them."""
    setup = _ok(customer.post("/me/direct-debit/mandates"), 201)
    submit = setup["confirm_url"].replace("?", "/submit?", 1) + "&return_url=https://shop.example/back"
    answer = requests.post(submit, data={"name": "Bench Klant", "iban": "NL91ABNA0417164300", "outcome": "accept"},
                           allow_redirects=False, timeout=10)
    if answer.status_code != 303:
        raise RuntimeError(f"the test bank answered {answer.status_code}: {answer.text[:200]}")
    running.cloud.settle()


def _view_calls(running: Running, customer_id: str, token: str) -> tuple[int, list[str]]:
    """DynamoDB requests of the 360 view, served warm in process: the most of bench.ddbcalls' requests,
    the staff read's own entry in the access log apart."""
    reads = [[c for c in calls if c not in ACCESS_LOG_WRITES]
             for calls in served(running, "GET", f"/agent/customers/{customer_id}", token)]
    most = max(reads, key=len)
    return len(most), most


def run(running: Running, *, log: Callable[[str], None] = print) -> dict[str, Any]:
    history = full_history(running)
    customer = history.customer
    staff = User("agent@opencounter.example", DEMO_PASSWORD, ("agents",))
    running.issuer.add_user(staff)
    token = running.issuer.id_token(staff)
    agent = Caller(running.url, token)
    _more_history(running, history, agent)
    view = _ok(agent.get(f"/agent/customers/{customer.customer_id}"))
    missing = missing_fields(view)
    calls, operations = _view_calls(running, customer.customer_id, token)
    log(f"  the 360 view of a customer with a full history: {len(FIELDS) - len(missing)} of {len(FIELDS)} fields "
        f"of the mission's list (goal: all); {calls} DynamoDB request(s) ({', '.join(operations)}; goal {GOAL_CALLS})")
    for name in missing:
        log(f"  ! missing: {name}")
    return {"view": {"missing_fields": len(missing), "missing": missing, "fields": len(FIELDS),
                     "ddb_calls": calls, "ddb_operations": operations}}


if __name__ == "__main__":
    from bench.run import alone

    raise SystemExit(alone(run))
