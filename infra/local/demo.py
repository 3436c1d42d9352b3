"""Demo data for `make run` and the tests: the catalogue, a few customers with history, staff.

Everything goes through the same logic the API uses, so the demo customers' timelines are
filled by the real events, rules and timeline function.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

from infra.local.tokens import User
from infra.local.users import UserPoolDirectory
from opencounter.appointments.service import available_slots, plan_appointment
from opencounter.billing.invoices import bill_customer
from opencounter.billing.usage import record_usage
from opencounter.channels.status import set_staffing
from opencounter.contacts.records import Contact
from opencounter.contacts.requests import continue_request, start_request
from opencounter.contacts.service import add_note, receive, resolve, take
from opencounter.core import access_log
from opencounter.core.clock import business_today, isoformat, utcnow
from opencounter.core.table import customer_key
from opencounter.customers.proofs import phone_proven
from opencounter.customers.records import Profile
from opencounter.customers.service import hold_product, move_customer, register_customer, update_customer
from opencounter.ideas.service import answer_idea, change_status, post_idea, vote
from opencounter.overview.reference import CATALOGUE
from opencounter.ports.channels.contact import InboundContact
from opencounter.pricing.rating import Period
from opencounter.signups.credit import Blocklisted

#: every demo user's password (the pool's policy: 12 characters, upper and lower case, a digit)
DEMO_PASSWORD = "Demo-password-1"
SYSTEM = {"type": "system", "id": "demo-data"}


def demo_id(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"opencounter-demo/{name}"))


CUSTOMERS: list[dict[str, Any]] = [
    {
        "key": "sanne",
        "person": {"given_name": "Sanne", "family_name": "de Vries", "birth_date": "1988-04-12",
                   "email": "sanne@example.nl", "phone": "+31612345678", "household_size": 3},
        "address": {"street": "Oudegracht", "house_number": 112, "postcode": "3511 AX", "city": "Utrecht"},
        "products": [("MOBILE", "MOBILE-20GB", "+31612345678"), ("POWER", "POWER-VARIABLE", "871687120000112001")],
        # a heavy user of power: the day-and-night tariff is cheaper for her, month after month
        "monthly_usage": {"MOBILE-20GB": {"data_mb": 12400, "minutes": 210, "sms": 12}, "POWER-VARIABLE": {"kwh": 262}},
    },
    {
        "key": "daan",
        "person": {"given_name": "Daan", "family_name": "Jansen", "birth_date": "1995-09-30",
                   "email": "daan@example.nl", "phone": "+31687654321"},
        "address": {"street": "Coolsingel", "house_number": 40, "house_number_addition": "B",
                    "postcode": "3011 AD", "city": "Rotterdam"},
        "products": [("FIBRE", "FIBRE-1000", "FTTH-3011AD-40B")],
        "move_in_days": 21,
        "monthly_usage": {},
    },
    {
        "key": "fatima",
        "person": {"given_name": "Fatima", "family_name": "El Amrani", "birth_date": "1979-01-05",
                   "email": "fatima@example.nl", "phone": "+31611122233", "language": "en"},
        "address": {"street": "Hoogstraat", "house_number": 7, "postcode": "5611 JK", "city": "Eindhoven"},
        "products": [("MOBILE", "MOBILE-5GB", "+31611122233")],
        # always over her 5 GB bundle: billed at 20 GB, and advised to switch
        "monthly_usage": {"MOBILE-5GB": {"data_mb": 8700, "minutes": 260, "sms": 40}},
    },
]

#: agents serving each channel in the demo (the workforce tool sets these in a real centre)
STAFFING = {"phone": 6, "chat": 3, "whatsapp": 2, "messenger": 1, "x": 1, "email": 2}

STAFF = [User("agent@opencounter.example", DEMO_PASSWORD, ("agents",)),
         User("admin@opencounter.example", DEMO_PASSWORD, ("admins",)),
         User("privacy@opencounter.example", DEMO_PASSWORD, ("privacy",))]


def demo_users() -> list[User]:
    customers = [User(c["person"]["email"], DEMO_PASSWORD, ("customers",), demo_id(c["key"])) for c in CUSTOMERS]
    return customers + STAFF


def register_users(directory: UserPoolDirectory) -> None:
    """The demo users, as logins in the user pool (so they sign in, change address and reset a
    forgotten password as any customer does)."""
    for user in demo_users():
        directory.add(user)


def load_demo_data() -> None:
    """Fill the table; the local cloud must be running (and is settled by the caller)."""
    Blocklisted.listed("EMAIL", "blocked@example.nl", "demo: fraud with an earlier account")
    catalogue = json.loads(CATALOGUE.read_text())  # loaded into the table by the deploy (ReferenceData)
    plans = {(p["code"], plan["code"]): (p, plan) for p in catalogue["products"] for plan in p["plans"]}
    today = business_today()
    for customer in CUSTOMERS:
        customer_id = register_customer(customer["person"], customer["address"], actor=SYSTEM, channel="system",
                                        customer_id=demo_id(customer["key"]), since=today - timedelta(days=400))
        for product_code, plan_code, identifier in customer["products"]:
            product, plan = plans[(product_code, plan_code)]
            hold_product(customer_id, {
                "product_id": demo_id(f"{customer['key']}/{plan_code}"), "product_code": product_code,
                "name": product["name"], "kind": product["kind"], "plan": plan["name"], "plan_code": plan_code,
                "catalogue_version": catalogue["version"], "identifier": identifier,
                "started_at": (today - timedelta(days=380)).isoformat(), "monthly_fee_cents": plan["monthly_fee_cents"],
            }, actor=SYSTEM, channel="system")
        me = {"type": "customer", "id": customer_id}
        update_customer(customer_id, {"version": 1, "consents": [
            {"channel": "email", "purpose": "service", "granted": True},
            {"channel": "sms", "purpose": "marketing", "granted": customer["key"] == "sanne"}]},
            actor=me, channel="app")
        if "move_in_days" in customer:
            move_customer(customer_id, {"street": "Witte de Withstraat", "house_number": 55, "postcode": "3012 BN",
                                        "city": "Rotterdam",
                                        "move_date": (today + timedelta(days=customer["move_in_days"])).isoformat()},
                          actor=me, channel="web")
        # the last two months: usage as the network reported it, then billed as the monthly run does
        months = [Period.of(today).previous().previous(), Period.of(today).previous(), Period.of(today)]
        for period in months:
            for plan_code, units in customer["monthly_usage"].items():
                for unit, quantity in units.items():
                    record_usage({"record_id": demo_id(f"{customer['key']}/{plan_code}/{period}/{unit}"),
                                  "customer_id": customer_id, "product_id": demo_id(f"{customer['key']}/{plan_code}"),
                                  "unit": unit, "quantity": quantity if period != months[-1] else quantity // 2,
                                  "occurred_at": f"{period.first_day.isoformat()}T12:00:00Z"})
        for period in months[:2]:
            bill_customer(customer_id, period, catalogue["version"])
        # the phone number the customer confirmed: calls and WhatsApp messages from it are theirs
        phone_proven(Profile.get(*Profile.keys(customer_id)), actor=me, channel="app")
    for channel, agents in STAFFING.items():
        set_staffing(channel, agents)
    _demo_contacts()
    _demo_visit()
    _demo_ideas()
    _demo_reads()


#: ideas on the board: (author, title, text, topic, voters, status and its reason, an answer)
DEMO_IDEAS = (
    ("daan", "Verbruik per uur in de app", "Ik wil per uur zien hoeveel stroom ik gebruik, niet alleen per dag.",
     "energy", ("sanne", "fatima"), ("planned", "We bouwen dit in het voorjaar in de app."), None),
    ("fatima", "Factuur delen met huisgenoten", "Een knop om de factuur door te sturen naar wie meebetaalt.",
     "service", ("daan",), None, "Goed idee: we zoeken uit hoe dat veilig kan."),
    ("sanne", "Data meenemen naar de volgende maand", "Wat ik niet verbruik, wil ik de maand erna nog hebben.",
     "mobile", (), None, None),
)


def _demo_ideas() -> None:
    """A few ideas on the board, voted on, one planned and one answered by a product owner."""
    staff = {"type": "agent", "id": "agent@opencounter.example"}
    for author, title, text, topic, voters, status, answer in DEMO_IDEAS:
        author_id = demo_id(author)
        idea, _ = post_idea(author_id, {"title": title, "text": text, "topic": topic},
                            actor={"type": "customer", "id": author_id}, channel="web", key=f"demo/{title}")
        for voter in voters:
            vote(demo_id(voter), idea["idea_id"])
        if status:
            change_status(idea["idea_id"], {"status": status[0], "reason": status[1]}, actor=staff)
        if answer:
            answer_idea(idea["idea_id"], {"text": answer}, actor=staff)


def _demo_contacts() -> None:
    """Sanne called about her invoice last week (solved, with a note for her) and has a repair
    request under way, started in the chat."""
    sanne = demo_id("sanne")
    agent = {"type": "agent", "id": "agent@opencounter.example"}
    call = InboundContact(channel="phone", provider_id=demo_id("sanne/call-1"), sender="+31612345678",
                          sender_name=None, text="", subject="Vraag over mijn factuur",
                          occurred_at=isoformat(utcnow()), conversation=None, authenticated=True, detail={})
    receive(call)
    contact = waiting_contact(sanne)
    take(contact, sanne, agent=agent)
    add_note(contact, sanne, {"text": "Stroomregel uitgelegd: gefactureerd tegen het dal-tarief, voor haar goedkoper.",
                              "for_customer": True}, agent=agent)
    add_note(contact, sanne, {"text": "Klant klonk tevreden; geen opvolging nodig."}, agent=agent)
    resolve(contact, sanne, {"solution": "Factuurregels en de besparing door het beste tarief uitgelegd."}, agent=agent)
    request = start_request(sanne, {"kind": "repair", "subject": "Internet valt elke avond weg",
                                    "text": "Sinds maandag valt de verbinding rond 20:00 uur weg."},
                            actor={"type": "customer", "id": sanne}, channel="chat")
    continue_request(sanne, request["request_id"], {"text": "Lijntest gepland; monteur komt als die faalt.",
                                                    "version": 1, "status": "in_progress",
                                                    "next_step": "lijntest morgenochtend", "channel": "chat"},
                     actor=agent, channel="chat")


def _demo_visit() -> None:
    """Daan has an engineer look at his fibre line in the first window free (he can move it or
    cancel it on the Afspraken page until 24 hours before)."""
    daan = demo_id("daan")
    slots = available_slots("3011 AD", "engineer_visit", None)
    first = next((slot for day in slots["days"] for slot in day["slots"]), None)
    if first is not None:  # (none free in the next two weeks: no visit to show)
        plan_appointment(daan, {"kind": "engineer_visit", "slot": first["start"],
                                "product_id": demo_id("daan/FIBRE-1000")},
                         actor={"type": "customer", "id": daan}, channel="web")


def waiting_contact(customer_id: str) -> str:
    return next(c.contact_id for c in Contact.query(customer_key(customer_id), Contact.SK.startswith("CONTACT#"))
                if c.status == "QUEUED")


def _demo_reads() -> None:
    """Staff reads on record, as the edge writes them: the agent read Sanne's record and invoices
    while on her call, and an admin opened Daan's record without saying why (the privacy officer's
    desk shows it to look into)."""
    sanne, daan = demo_id("sanne"), demo_id("daan")
    call = next(c.contact_id for c in Contact.query(customer_key(sanne), Contact.SK.startswith("CONTACT#"))
                if c.channel == "phone")
    agent = {"staff": "agent@opencounter.example", "staff_email": "agent@opencounter.example",
             "groups": frozenset({"agents"})}
    for route in ("GET /agent/customers/{customer_id}", "GET /agent/customers/{customer_id}/invoices"):
        access_log.record([access_log.Subject("customer", sanne)], access_log.Read(
            **agent, route=route, objects={}, contact_id=call))
    access_log.record([access_log.Subject("customer", daan)], access_log.Read(
        staff="admin@opencounter.example", staff_email="admin@opencounter.example", groups=frozenset({"admins"}),
        route="GET /agent/customers/{customer_id}", objects={}))
