"""Consents benchmark: of every message the notifier and a mailing deliver to a population with
every mix of consents, how many went to a customer on a channel where they had not consented to
the message's purpose. Counted from what the providers delivered (SES's mail, SNS's texts, the
WhatsApp stand-in's messages), not from what the code recorded.

CUSTOMERS customers each hold fibre; for every channel (e-mail, SMS, WhatsApp) and purpose
(service, advice, marketing) each has said yes, said no, or said nothing, drawn from
random.Random(SEED); they prefer e-mail, WhatsApp or the phone, with a proven phone number or not.
Then, one purpose at a time (so each delivery is known to be of that purpose): a mailing
(marketing), a better plan for each (advice), a visit planned for each (service), a new invoice
for each (which the law requires: it goes anyway, so it is not counted against consent). A
delivery on a channel whose consent for its purpose does not hold (customers.views.consented) is
one message sent without consent."""

from __future__ import annotations

import copy
import json
import random
import uuid
from collections.abc import Callable
from typing import Any

from infra.local.runtime import Running
from infra.local.template import ROOT
from opencounter.core.clock import isoformat, utcnow
from opencounter.customers.records import Profile
from opencounter.customers.service import hold_product, register_customer, update_customer
from opencounter.customers.views import consented, consents_of
from opencounter.notifications.mailings import start_mailing

SEED = 16
CUSTOMERS = 45
CHANNELS = ("email", "sms", "whatsapp")
PURPOSES = ("service", "advice", "marketing")
SAMPLES = ROOT / "layers" / "shared" / "python" / "opencounter" / "contracts" / "events" / "samples"
SYSTEM = {"type": "system", "id": "bench"}
#: the events sent to everyone, with their purpose (None: required by law, sent whatever the consents)
ROUNDS = (("BetterPlanAdvised", "advice"), ("AppointmentPlanned", "service"), ("InvoiceIssued", None))


def _population(rng: random.Random) -> list[dict[str, Any]]:
    people = []
    for n in range(CUSTOMERS):
        key = uuid.uuid4().hex[:10]
        phone = f"+3162{rng.randrange(10**7):07d}"
        customer_id = register_customer(
            {"given_name": "Bench", "family_name": f"Consent {n}", "birth_date": "1980-01-01",
             "email": f"consent-{key}@example.nl", "phone": phone},
            {"street": "Damrak", "house_number": 1, "postcode": "1012 LG", "city": "Amsterdam"},
            actor=SYSTEM, channel="system")
        hold_product(customer_id, {"product_code": "FIBRE", "name": "Glasvezel", "kind": "internet",
                                   "plan": "Glasvezel 100", "plan_code": "FIBRE-100", "catalogue_version": "bench",
                                   "started_at": "2026-01-01", "monthly_fee_cents": 4500, "awaiting": None},
                     actor=SYSTEM, channel="system")
        said = [{"channel": c, "purpose": p, "granted": rng.random() < 0.5}
                for c in CHANNELS for p in PURPOSES if rng.random() < 2 / 3]
        profile = Profile.get(*Profile.keys(customer_id))
        update_customer(customer_id, {"version": int(profile.version), "consents": said,
                                      "settings": {"preferred_channel": rng.choice(["email", "whatsapp", "phone"])}},
                        actor=SYSTEM, channel="system")
        if rng.random() < 2 / 3:
            profile = Profile.get(*Profile.keys(customer_id))
            profile.phone_verified_at = isoformat(utcnow())
            profile.save()
        people.append({"customer_id": customer_id, "email": f"consent-{key}@example.nl", "phone": phone})
    return people


def _delivered(running: Running, person: dict[str, Any]) -> dict[str, int]:
    """Messages delivered to the person so far, per channel (as consents name channels)."""
    return {"email": len(running.cloud.mailbox(person["email"])),
            "sms": len(running.cloud.mailbox(person["phone"])),
            "whatsapp": len([m for m in running.providers.sent if m["to"] == person["phone"]])}


def _round(running: Running, people: list[dict[str, Any]], purpose: str | None, send: Callable[[], None]) -> dict:
    before = {p["customer_id"]: _delivered(running, p) for p in people}
    send()
    running.cloud.settle()
    outcome = {"delivered": 0, "without_consent": 0}
    for person in people:
        consents = consents_of(Profile.get(*Profile.keys(person["customer_id"])))
        now = _delivered(running, person)
        for channel in CHANNELS:
            new = now[channel] - before[person["customer_id"]][channel]
            outcome["delivered"] += new
            if purpose is not None and not consented(consents, channel, purpose):
                outcome["without_consent"] += new
    return outcome


def _notices(running: Running, people: list[dict[str, Any]], detail_type: str) -> Callable[[], None]:
    def send() -> None:
        for person in people:
            event = copy.deepcopy(json.loads((SAMPLES / f"{detail_type}.json").read_text()))
            event["detail"].update(event_id=str(uuid.uuid4()), customer_id=person["customer_id"])
            running.cloud.invoke("CustomerNotifierFunction", event)
    return send


def run(running: Running, *, log: Callable[[str], None] = print) -> dict[str, Any]:
    rng = random.Random(SEED)
    people = _population(rng)
    running.cloud.settle()
    rounds = {"marketing (a mailing)": _round(running, people, "marketing", lambda: start_mailing(
        {"name": "bench", "subject": {"nl": "Aanbieding", "en": "Offer"}, "body": {"nl": "Tekst.", "en": "Text."},
         "product_kind": "internet"}, actor={"type": "agent", "id": "bench-operations"}))}
    for detail_type, purpose in ROUNDS:
        rounds[f"{purpose or 'required'} ({detail_type})"] = _round(
            running, people, purpose, _notices(running, people, detail_type))
    without = sum(r["without_consent"] for r in rounds.values())
    for name, r in rounds.items():
        log(f"  {name:<40} delivered {r['delivered']:>4}   without consent {r['without_consent']}")
    return {"privacy": {"messages_sent_without_consent": without},
            "privacy_detail": {"consents": {"customers": CUSTOMERS, "seed": SEED, "rounds": rounds}}}


if __name__ == "__main__":
    from infra.local import runtime

    cloud = runtime.start(synchronous=True, demo=False, environment={"POWERTOOLS_METRICS_DISABLED": "true"})
    try:
        print(json.dumps(run(cloud), indent=1))
    finally:
        cloud.stop()
