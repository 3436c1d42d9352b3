"""Staff reads on record: every staff route that reads a customer's data (every GET under /agent,
and the POSTs that only find: opencounter.edge.http.reads_on_record), called as a member of staff
for a customer with a full history, and each read looked for in the customer's access log.

`unlogged_staff_reads` is the reads that left no entry (goal 0); a route this module does not know
how to call counts as unlogged, so a new read route cannot go unmeasured. The integration test
(tests/integration/test_access_log.py) calls the same routes the same way."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests

from infra.local.runtime import Running
from infra.local.template import api_routes, load_template
from infra.local.tokens import User
from opencounter.core.access_log import AccessEntry, Subject
from opencounter.core.clock import isoformat, utcnow
from opencounter.edge.http import reads_on_record
from tests.conftest import Applicant, Caller, bill, crash_times, give_product
from tests.integration.test_disputes import PDF, _ask, _check, _upload

GOAL = 0


@dataclass
class History:
    """A customer with something of everything staff read: a sign-up still waiting for staff
    (its deeper checks could not be completed), invoices, a dispute with staff and an evidence
    file, a contact waiting in the queue, a request with its resume code, an order, an idea, a
    complaint."""

    customer: Caller
    signup_id: str
    signup_code: str
    invoice_id: str
    dispute_id: str
    evidence_id: str
    contact_id: str
    request_id: str
    request_code: str
    order_id: str
    idea_id: str
    complaint_id: str

    @property
    def customer_id(self) -> str:
        return self.customer.customer_id or ""


def _ok(response: requests.Response, status: int = 200) -> dict[str, Any]:
    if response.status_code != status:
        raise RuntimeError(f"{response.request.method} {response.url}: {response.status_code} {response.text[:300]}")
    return response.json()


def full_history(running: Running) -> History:
    """A customer as a sign-up makes one, the sign-up in review, and the rest of a history."""
    running.cloud.faults["SignupCheckFunction"] = crash_times(1000)
    try:
        applicant = Applicant(running)
        signup = applicant.activate()
    finally:
        del running.cloud.faults["SignupCheckFunction"]
    user = User(applicant.email, "pw", ("customers",), signup["customer_id"])
    running.issuer.add_user(user)
    customer = Caller(running.url, running.issuer.id_token(user), signup["customer_id"], applicant.email)
    give_product(customer, "FIBRE-100")
    invoice = bill(running, customer)
    dispute = _ok(customer.post("/me/disputes", json={
        "transaction": {"kind": "invoice_line", "invoice_id": invoice["invoice_id"], "line": 0},
        "reason": "not_delivered", "explanation": "Er is nooit een monteur geweest."}), 201)
    asked = _ok(_ask(customer, dispute, "bon.pdf", "application/pdf", len(PDF)), 201)
    if _upload(asked, PDF).status_code != 204 or _ok(_check(customer, dispute, asked))["status"] != "accepted":
        raise RuntimeError("the evidence file was not accepted")
    contact = _ok(customer.post("/me/contacts", json={"question": "Waarom is mijn factuur zo hoog?"}), 201)["contact"]
    _ok(customer.post(f"/me/contacts/{contact['contact_id']}/choice", json={"choice": "email"}))
    request = _ok(customer.post("/me/requests", json={"kind": "question", "subject": "Mijn modem knippert",
                                                       "text": "Het lampje knippert oranje."}), 201)
    postcode = _ok(customer.get("/me"))["address"]["postcode"]
    slots = _ok(customer.get("/appointments/slots", params={"postcode": postcode, "kind": "installer_visit"}))
    slot = next(w["start"] for day in slots["days"] for w in day["slots"])
    order = _ok(customer.post("/me/products", json={"product_code": "POWER", "plan_code": "POWER-VARIABLE",
                                                    "slot": slot}), 201)
    idea = _ok(customer.post("/me/ideas", json={"title": "Bericht bij een storing in mijn straat",
                                                 "text": "Stuur me een bericht als er in mijn straat iets uitvalt.",
                                                 "topic": "service"}), 201)
    complaint = _ok(customer.post("/me/complaints", json={"about": "delay",
                                                           "text": "De monteur kwam niet op de afgesproken dag."}), 201)
    running.cloud.settle()
    return History(customer, signup["signup_id"], applicant.signup["resume_code"], invoice["invoice_id"],
                   dispute["dispute_id"], asked["evidence"]["evidence_id"], contact["contact_id"],
                   request["request_id"], request["resume_code"], order["order_id"], idea["idea_id"],
                   complaint["complaint_id"])


Read = Callable[[Caller, History], list[requests.Response]]


def _customer(path: str) -> Read:
    return lambda staff, h: [staff.get(f"/agent/customers/{h.customer_id}{path.format(h=h)}")]


#: how to call every staff read route for the history's customer (route -> the requests it takes)
READS: dict[str, Read] = {
    "GET /agent/customers/{customer_id}": _customer(""),
    "GET /agent/customers/{customer_id}/timeline": _customer("/timeline"),
    "GET /agent/customers/{customer_id}/invoices": _customer("/invoices"),
    "GET /agent/customers/{customer_id}/quotes": _customer("/quotes"),
    "GET /agent/customers/{customer_id}/invoices/{invoice_id}": _customer("/invoices/{h.invoice_id}"),
    "GET /agent/customers/{customer_id}/orders": _customer("/orders"),
    "GET /agent/customers/{customer_id}/orders/{order_id}": _customer("/orders/{h.order_id}"),
    "GET /agent/customers/{customer_id}/appointments": _customer("/appointments"),
    "GET /agent/customers/{customer_id}/requests/{request_id}": _customer("/requests/{h.request_id}"),
    "POST /agent/customers/search": lambda staff, h: [
        staff.post("/agent/customers/search", json={"query": h.customer.email})],
    "POST /agent/requests/resume": lambda staff, h: [
        staff.post("/agent/requests/resume", json={"resume_code": h.request_code})],
    "GET /agent/queue": lambda staff, h: [staff.get("/agent/queue")],
    "GET /agent/contacts/{contact_id}": lambda staff, h: [
        staff.get(f"/agent/contacts/{h.contact_id}", params={"customer_id": h.customer_id})],
    "GET /agent/disputes": lambda staff, h: [staff.get("/agent/disputes", params={"status": "with_staff"})],
    "GET /agent/disputes/{dispute_id}": lambda staff, h: [staff.get(f"/agent/disputes/{h.dispute_id}")],
    "GET /agent/disputes/{dispute_id}/evidence/{evidence_id}": lambda staff, h: [
        staff.get(f"/agent/disputes/{h.dispute_id}/evidence/{h.evidence_id}")],
    "GET /agent/signups/{signup_id}": lambda staff, h: [staff.get(f"/agent/signups/{h.signup_id}")],
    "GET /agent/signups": lambda staff, h: [staff.get("/agent/signups", params={"status": "IN_REVIEW"}),
                                            staff.get("/agent/signups", params={"resume_code": h.signup_code})],
    # an idea names its author for staff: the list puts each author it shows on record, the page its own
    "GET /agent/ideas": lambda staff, h: [staff.get("/agent/ideas", params={"status": "new", "sort": "newest"})],
    "GET /agent/ideas/{idea_id}": lambda staff, h: [staff.get(f"/agent/ideas/{h.idea_id}")],
    # the desk's queue names each complaint's customer: each is put on record
    "GET /agent/complaints": lambda staff, h: [staff.get("/agent/complaints")],
    "GET /agent/customers/{customer_id}/complaints/{complaint_id}": _customer("/complaints/{h.complaint_id}"),
}


def staff_read_routes() -> list[str]:
    """Every route of the template the edge puts on record as a staff read."""
    return sorted(f"{r.method} {r.resource}" for r in api_routes(load_template())
                  if reads_on_record(r.method, r.resource))


def staff(running: Running, name: str = "reader") -> Caller:
    """A member of the agents group no other reader is."""
    user = User(f"{name}-{uuid.uuid4().hex[:8]}@opencounter.example", "pw", ("agents",))
    running.issuer.add_user(user)
    return Caller(running.url, running.issuer.id_token(user), email=user.username)


def entries_of(subject: Subject, *, route: str | None = None, staff_name: str | None = None,
               since: str = "") -> list[AccessEntry]:
    """The subject's access entries (of a route, by a member of staff, at or after `since`)."""
    found = AccessEntry.query(subject.partition, AccessEntry.SK.startswith(AccessEntry.SK_PREFIX))
    return [e for e in found if isinstance(e, AccessEntry) and (route is None or e.route == route)
            and (staff_name is None or e.staff == staff_name) and e.at >= since]


def read_everything(running: Running, reader: Caller, history: History) -> dict[str, dict[str, Any]]:
    """Every staff read route called for the history's customer: per route, the statuses answered
    and the entries it left in the customer's access log (a route with no recipe: none called)."""
    subject = Subject("customer", history.customer_id)
    found: dict[str, dict[str, Any]] = {}
    for route in staff_read_routes():
        since = isoformat(utcnow())
        answers = READS[route](reader, history) if route in READS else []
        running.cloud.settle()
        entries = entries_of(subject, route=route, staff_name=reader.email, since=since)
        found[route] = {"statuses": [a.status_code for a in answers], "reads": len(answers),
                        "entries": len(entries), "known": route in READS}
    return found


def unlogged(reads: dict[str, dict[str, Any]]) -> int:
    """Reads that answered with data yet left no entry; a route not called counts as one."""
    return sum(1 if not r["known"] else (0 if r["entries"] else sum(200 <= s < 300 for s in r["statuses"]))
               for r in reads.values())


NOTE = ("synchronous cloud, after the DynamoDB requests per read route (bench/staff_reads.py): a customer made by a "
        "sign-up whose deeper checks could not be completed (in review), with a fibre invoice, a dispute with staff "
        "and an accepted evidence file, a contact waiting by e-mail, a request and an order; every staff route the "
        "edge puts on record (every GET under /agent, and the POSTs that only find) called once as a fresh agent "
        "(the sign-ups twice: the list in review and the one a code finds). unlogged_staff_reads: reads answered 2xx "
        "that left no entry for that route and agent in the customer's access log, a route without a recipe "
        "counting as one; goal 0. privacy_detail.staff_reads.per_route: statuses and entries per route.")


def run(running: Running, *, log: Callable[[str], None]) -> dict[str, Any]:
    started = time.monotonic()
    running.cloud.settle()
    history = full_history(running)
    reads = read_everything(running, staff(running), history)
    missed = unlogged(reads)
    for route, read in reads.items():
        log(f"  {route:<62} {read['statuses']} entries {read['entries']}")
    log(f"  unlogged staff reads: {missed} of {sum(r['reads'] for r in reads.values())} over {len(reads)} routes "
        f"(goal {GOAL})   ({time.monotonic() - started:.1f}s)")
    return {"privacy": {"unlogged_staff_reads": missed},
            "privacy_detail": {"staff_reads": {
                "goal": GOAL, "routes": len(reads), "reads": sum(r["reads"] for r in reads.values()),
                "per_route": reads, "seconds": round(time.monotonic() - started, 1)}}}


def main() -> int:
    """`python -m bench.staff_reads`: on a synchronous cloud of its own, the figure into bench/results.json."""
    from bench.run import BENCH_ENV, NOTES, RESULTS, merge, save  # (bench.run imports this module)
    from infra.local import runtime

    running = runtime.start(synchronous=True, demo=False, environment=BENCH_ENV)
    try:
        figures = run(running, log=print)
    finally:
        running.stop()
    kept = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    sections = {key: kept.get(key, {}) for key in figures}
    merge(sections, figures)  # the privacy section is filled by several benchmarks
    save({**sections, "notes": {"privacy": NOTES["privacy"]}})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
