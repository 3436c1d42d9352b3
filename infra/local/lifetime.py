"""A customer's whole life with us, scripted against the local cloud, as a person and the world
around them would live it: signed up online (identity checked at Stripe, the contract signed, the
login made), the engineer's visit done, a second product, use of it, their phone proven, consents
given, a WhatsApp message and an e-mail (both with their IBAN in the text), a request and a
complaint (with it too, left open: it does not stand in the way of an erasure), the
connection fee paid at Stripe, last month billed and its line disputed with a file sent as
evidence and upheld by staff, both products cancelled and their last days billed and paid; two ideas posted
(one naming them), voted on, commented on with their phone number and followed, and the question after
a journey answered with a comment signed with their name. Nothing is left open:
the customer may ask to be erased. The erasure tests and the privacy bench live it; what they
scan for afterwards is in `Person.needles()`."""

from __future__ import annotations

import json
import random
import re
import string
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import requests

from infra.local.applicant import ScriptedApplicant, application
from infra.local.template import ROOT
from infra.local.tokens import User
from opencounter.billing.invoices import bill_customer
from opencounter.billing.usage import record_usage
from opencounter.catalogue.service import current_version
from opencounter.core.clock import business_today, isoformat, utcnow
from opencounter.customers.service import hold_product
from opencounter.pricing.rating import Period

HTTP_TIMEOUT_S = 30
#: a real, if empty, PDF document: the evidence file (its text holds the IBAN, as a bank statement would)
PDF_HEAD = (b"%PDF-1.4\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
            b"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\n")


def _letters(n: int) -> str:
    return "".join(random.choices(string.ascii_lowercase, k=n))


@dataclass
class Person:
    """Who lives the life: every detail unique to them, so a scan finds only theirs."""

    given_name: str = field(default_factory=lambda: "Marit" + _letters(6))
    family_name: str = field(default_factory=lambda: "Zwaan" + _letters(6))
    email: str = field(default_factory=lambda: f"leven-{uuid.uuid4().hex[:10]}@example.nl")
    phone: str = field(default_factory=lambda: f"+316{random.randrange(10**7, 10**8)}")
    street: str = field(default_factory=lambda: "Lindengracht" + _letters(6))
    house_number: int = field(default_factory=lambda: random.randrange(2, 400))
    postcode: str = "1015 KK"
    iban: str = field(default_factory=lambda: f"NL{random.randrange(10, 99)}INGB{random.randrange(10**9, 10**10)}")
    customer_id: str = ""

    def needles(self) -> dict[str, str]:
        """What would give the person away, by what it is: found anywhere after their erasure, it
        is personal data left behind. The address is its street, unique to them (the postcode and
        city are shared with others)."""
        return {"given_name": self.given_name, "family_name": self.family_name, "email": self.email,
                "phone": self.phone, "phone_digits": self.phone.lstrip("+"), "street": self.street,
                "iban": self.iban}


class Lifetime:
    """Lives a Person's life through the API of `running` (infra.local.runtime.Running). `hook`
    is called with every answer (the tests hold each to the API's contract)."""

    def __init__(self, running: Any, person: Person | None = None, hook: Any = None) -> None:
        self.running = running
        self.person = person or Person()
        self.hook = hook
        self.token = ""

    def _session(self, token: str | None = None) -> requests.Session:
        session = requests.Session()
        if self.hook is not None:
            session.hooks["response"].append(self.hook)
        if token:
            session.headers["Authorization"] = token
        return session

    def call(self, method: str, path: str, expected: int | tuple[int, ...], *, token: str | None = None,
             **kwargs: Any) -> dict[str, Any]:
        answer = self._session(token or self.token).request(method, self.running.url + path, timeout=HTTP_TIMEOUT_S,
                                                             **kwargs)
        if answer.status_code not in ((expected,) if isinstance(expected, int) else expected):
            raise RuntimeError(f"{method} {path}: {answer.status_code} {answer.text[:300]}")
        return answer.json() if answer.content else {}

    # ------------------------------------------------------------ the life

    def live(self) -> Person:
        person = self.person
        self._sign_up()
        self._visit_done()
        mobile = self._second_product()
        self._prove_phone_and_consent()
        self._write_in()
        self._pay_connection_fee()
        self._dispute_with_evidence(self._billed(previous=True))
        for product in (mobile, *self._products()):
            self.call("POST", f"/me/products/{product}/cancellation", (201, 409), json={"when": "now"})
        self._pay(self._billed(previous=False)["invoice_id"], method="card")
        self.running.cloud.settle()
        self._ideas_and_feedback()
        return person

    def _sign_up(self) -> None:
        person = self.person
        body = application(product_code="FIBRE", plan_code="FIBRE-100", applicant__given_name=person.given_name,
                           applicant__family_name=person.family_name, applicant__email=person.email,
                           applicant__phone=person.phone,
                           applicant__address={"street": person.street, "house_number": person.house_number,
                                               "postcode": person.postcode, "city": "Amsterdam"})
        signed = ScriptedApplicant(self.running, body, self._session()).activate()
        self.running.cloud.settle()
        person.customer_id = signed["customer_id"]
        user = User(person.email, "pw", ("customers",), person.customer_id)
        self.running.issuer.add_user(user)
        self.token = self.running.issuer.id_token(user)

    def _products(self) -> list[str]:
        return [p["product_id"] for p in self.call("GET", "/me", 200)["products"] if p["status"] == "ACTIVE"]

    def _visit_done(self) -> None:
        for visit in self.call("GET", "/me/appointments", 200)["items"]:
            if visit["status"] in ("planned", "PLANNED"):
                self.running.field.play_day(visit["appointment_id"], "done")
        self.running.cloud.settle()

    def _second_product(self) -> str:
        catalogue = json.loads((ROOT / "catalogue" / "products.json").read_text())
        product, plan = next((p, plan) for p in catalogue["products"] for plan in p["plans"]
                             if plan["code"] == "MOBILE-20GB")
        product_id = hold_product(self.person.customer_id, {
            "product_code": product["code"], "name": product["name"], "kind": product["kind"], "plan": plan["name"],
            "plan_code": plan["code"], "catalogue_version": catalogue["version"], "started_at": "2026-01-01",
            "monthly_fee_cents": plan["monthly_fee_cents"]}, actor={"type": "system", "id": "lifetime"},
            channel="system")
        now = utcnow()
        last_month = now.replace(day=1) - timedelta(days=10)
        for moment, megabytes in ((last_month, 15000), (now, 1200)):  # more than the smallest plan holds
            record_usage({"record_id": uuid.uuid4().hex, "customer_id": self.person.customer_id,
                          "product_id": product_id, "unit": "data_mb", "quantity": megabytes,
                          "occurred_at": isoformat(moment)})
        self.running.cloud.settle()
        return product_id

    def _prove_phone_and_consent(self) -> None:
        phone = self.person.phone
        self.call("POST", "/me/phone-verification", 202)
        texts = self.running.cloud.mailbox(phone)
        code = re.search(r"your code is (\d{6})", texts[-1]["body"]).group(1)  # type: ignore[union-attr]
        self.call("POST", "/me/phone-verification/confirmation", 200, json={"code": code})
        record = self.call("GET", "/me", 200)
        self.call("PATCH", "/me", 200, json={"version": record["version"], "consents": [
            {"channel": "sms", "purpose": "service", "granted": True},
            {"channel": "email", "purpose": "marketing", "granted": True}]})

    def _write_in(self) -> None:
        person, channels = self.person, self.running.channels
        status = channels.sandbox.whatsapp(person.phone.lstrip("+"), f"Hallo, mijn rekening is {person.iban}",
                                           name=f"{person.given_name} {person.family_name}")
        if status != 200:
            raise RuntimeError(f"WhatsApp delivery answered {status}")
        channels.email(f"{person.given_name} {person.family_name} <{person.email}>", "Mijn gegevens",
                       f"Beste OpenCounter,\n\nIk woon op {person.street} {person.house_number}. Mijn IBAN is "
                       f"{person.iban}.\n\nGroet, {person.given_name}")
        self.call("POST", "/me/requests", 201, json={"kind": "question", "subject": "Terugbetaling",
                                                     "text": f"Stort het terug op {person.iban}, graag."})
        self.call("POST", "/me/complaints", 201, json={
            "about": "invoice", "text": f"Mijn factuur klopt niet. Stort het verschil terug op {person.iban}."})
        self.running.cloud.settle()

    def _ideas_and_feedback(self) -> None:
        """Two ideas (one names them and their phone number, one nobody), their own vote, a comment
        with their phone number (the author follows from the start), and the question after the last
        payment answered with a comment signed with their name."""
        person = self.person
        self.call("POST", "/me/ideas", 201, json={
            "title": "Berichten via WhatsApp", "topic": "service",
            "text": f"Ik ben {person.given_name} {person.family_name}: stuur berichten naar {person.phone}."})
        plain = self.call("POST", "/me/ideas", 201, json={
            "title": "Verbruik per kwartier", "topic": "energy",
            "text": "Laat in de app het verbruik per kwartier zien, niet alleen per dag."})
        self.call("POST", f"/me/ideas/{plain['idea_id']}/vote", 200)
        self.call("POST", f"/me/ideas/{plain['idea_id']}/comments", (200, 201),
                  json={"text": f"Bel me gerust als jullie vragen hebben: {person.phone}."})
        question = self.call("GET", "/me/feedback/pending", 200)["question"]
        if question is not None:
            self.call("POST", "/me/feedback", (200, 201), json={
                "event_id": question["event_id"], "journey": question["journey"], "score": 4,
                "comment": f"Ging vlot. Groet, {person.given_name} {person.family_name}"})
        self.running.cloud.settle()

    def _pay(self, invoice_id: str, method: str = "ideal") -> None:
        checkout = self.call("POST", f"/me/invoices/{invoice_id}/payments", 201, json={})
        self.running.stripe.complete_payment(checkout["payment_id"], method=method)
        self.running.cloud.settle()

    def _pay_connection_fee(self) -> None:
        for invoice in self.call("GET", "/me/invoices", 200)["items"]:
            if invoice["status"] in ("open", "overdue"):
                self._pay(invoice["invoice_id"])

    def _billed(self, *, previous: bool) -> dict[str, Any]:
        """Last month billed (the second product's whole month), or this month's last days."""
        period = Period.of(business_today())
        result = bill_customer(self.person.customer_id, period.previous() if previous else period, current_version())
        self.running.cloud.settle()
        if not result["invoice_id"]:
            raise RuntimeError(f"the last month was not billed: {result}")
        return self.call("GET", f"/me/invoices/{result['invoice_id']}", 200)

    def _dispute_with_evidence(self, invoice: dict[str, Any]) -> None:
        filed = self.call("POST", "/me/disputes", 201, json={
            "transaction": {"kind": "invoice_line", "invoice_id": invoice["invoice_id"], "line": 0},
            "reason": "not_delivered", "explanation": "De monteur is nooit gekomen."})
        dispute = self.call("GET", f"/me/disputes/{filed['dispute_id']}", 200)
        content = PDF_HEAD + f"% rekening {self.person.iban}\ntrailer <</Root 1 0 R>>\n%%EOF\n".encode()
        asked = self.call("POST", f"/me/disputes/{dispute['dispute_id']}/evidence", 201,
                          json={"file_name": "afschrift.pdf", "content_type": "application/pdf",
                                "size_bytes": len(content)})
        upload = asked["upload"]
        sent = requests.post(upload["url"], data=upload["fields"], timeout=HTTP_TIMEOUT_S,
                             files={"file": ("afschrift.pdf", content, "application/pdf")})
        if sent.status_code != 204:
            raise RuntimeError(f"the evidence upload answered {sent.status_code}")
        self.call("POST", f"/me/disputes/{dispute['dispute_id']}/evidence/{asked['evidence']['evidence_id']}/check",
                  200)
        staff = User(f"agent-{uuid.uuid4().hex[:8]}@opencounter.example", "pw", ("agents",))
        self.running.issuer.add_user(staff)
        token = self.running.issuer.id_token(staff)
        waiting = self.call("GET", f"/agent/disputes/{dispute['dispute_id']}", 200, token=token)
        self.call("POST", f"/agent/disputes/{dispute['dispute_id']}/decision", 202, token=token,
                  json={"outcome": "upheld", "reasons": "De monteur is niet geweest.", "version": waiting["version"]})
        self.running.cloud.settle()
