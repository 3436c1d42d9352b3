"""Erasure (GDPR art. 17): a customer with a whole history asks to be erased and nothing of them is
left anywhere we keep or can ask to forget (the table, the buckets, the user pool, the workflows'
histories, the providers' stand-ins, the functions' logs), while their invoices stay without
anything that names them, until their end date; what stands in the way is named and nothing is
written; a step that dies, before or after its work, is run again and the erasure ends the same."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from infra.local.leftovers import captured_logs, delivered, found
from infra.local.lifetime import Lifetime, Person
from tests.conftest import TableWrites, bill, crash_times, give_product, new_customer
from tests.contract import contract


def _erased(cloud, person: Person, *, by=None) -> dict:
    """The person asks (as themselves, or `by` staff on their behalf); the workflow runs."""
    from opencounter.privacy.erasure import _record, inventory

    counted = inventory(person.customer_id, _record(person.customer_id))
    if by is None:
        asked = Lifetime(cloud, person, hook=contract().check)
        asked.token = _token(cloud, person)
        answer = asked.call("POST", "/me/data-requests/erasure", 202, json={"confirm": True})
    else:
        answer = by.post(f"/agent/customers/{person.customer_id}/data-requests/erasure", json={"confirm": True})
        assert answer.status_code == 202, answer.text
        answer = answer.json()
    assert answer["blockers"] == [] and answer["request"]["status"] in ("RECEIVED", "IN_PROGRESS", "DONE")
    cloud.cloud.settle()
    return {"request_id": answer["request"]["request_id"], "counted": counted}


def _token(cloud, person: Person) -> str:
    from infra.local.tokens import User

    return cloud.issuer.id_token(User(person.email, "pw", ("customers",), person.customer_id))


def _lived(cloud) -> Person:
    return Lifetime(cloud, hook=contract().check).live()


def _kept(customer_id: str) -> dict[str, list]:
    from opencounter.billing.records import CreditNote, Invoice, LedgerTransaction, Payment
    from opencounter.core.table import Item, customer_key

    items = list(Item.query(customer_key(customer_id), consistent_read=True))
    return {"kinds": sorted({type(i).__name__ for i in items}),
            "invoices": [i for i in items if isinstance(i, Invoice)],
            "payments": [i for i in items if isinstance(i, Payment)],
            "credit_notes": [i for i in items if isinstance(i, CreditNote)],
            "ledger": list(LedgerTransaction.query(LedgerTransaction.partition(customer_id), consistent_read=True))}


def _day(moment: datetime) -> str:
    """The Amsterdam day a moment falls on (the day an item kept goes)."""
    from opencounter.core.clock import BUSINESS_TIME

    return moment.astimezone(BUSINESS_TIME).date().isoformat()


def _assert_erased(cloud, person: Person, request_id: str, counted: dict, since: datetime,
                   logs: list[str] | None = None) -> dict:
    from opencounter.privacy.erasure import erased, erasures_done, retention_end
    from opencounter.privacy.requests import load

    # Nothing of the person is anywhere we keep, or asked to forget
    assert found(cloud, person.needles(), since=since, logs=logs) == []
    # The request is done, and its receipt tells what was done, in counts, without the customer's id
    request = load(person.customer_id, request_id)
    assert request.status == "DONE" and request.outcome["receipt_id"] == request_id
    receipts = [r for r in erasures_done() if r["request_id"] == request_id]
    assert len(receipts) == 1
    receipt = receipts[0]
    assert person.customer_id not in str(receipt) and receipt == erased(person.customer_id)
    # (counted before it was asked: the request's own event joined the history since)
    assert {k: v for k, v in receipt["erased"].items() if k != "history"} == \
        {k: v for k, v in counted.items() if k != "history"}
    assert receipt["erased"]["history"] >= counted["history"] and receipt["confirmation"] == "sent"
    assert [s["step"] for s in receipt["steps"]][0] == "begin" and receipt["steps"][-1]["step"] == "finish"
    # The books stay, stripped, each until seven years after the end of its year; nothing else stays
    kept = _kept(person.customer_id)
    assert kept["kinds"] == ["CreditNote", "DataRequest", "Invoice", "Payment"]
    assert kept["invoices"] and kept["payments"] and kept["ledger"]
    for invoice in kept["invoices"]:
        assert invoice.best_tariff is None and invoice.signup_id is None and invoice.customer_id == person.customer_id
        assert invoice.reminders is None  # the reminders sent: not what the books need
        assert _day(invoice.expires_at) == retention_end(invoice.issued_on)
    for entry in kept["ledger"]:
        assert _day(entry.expires_at) == retention_end(entry.posted_at)
    assert receipt["kept"]["invoices"] == len(kept["invoices"]) and receipt["kept"]["until"] == max(
        retention_end(i.issued_on) for i in kept["invoices"])
    # The login is gone, and the identity check at Stripe redacted
    idp = cloud.cloud.client("cognito-idp")
    with pytest.raises(idp.exceptions.UserNotFoundException):
        idp.admin_get_user(UserPoolId=cloud.cloud.resolver.physical["UserPool"], Username=person.email)
    sessions = [s for s in cloud.stripe.sessions.values() if s.get("redaction")]
    assert sessions and all(s["redaction"]["status"] == "redacted" for s in sessions)
    # The last e-mail went to them before their address did
    assert "Uw gegevens zijn gewist" in [m["subject"] for m in cloud.cloud.mailbox(person.email)]
    return receipt


def test_an_erased_customer_leaves_no_personal_data_anywhere_and_the_books_stay_without_a_name(cloud, agent,
                                                                                                 officer):
    since = datetime.now(UTC)
    with captured_logs() as logs:
        person, other = _lived(cloud), _lived(cloud)
        before = found(cloud, person.needles(), since=since, logs=logs)
        # Their life left them everywhere (the scan finds what it looks for)
        for store in ("table", "s3", "user pool", "stripe", "field service"):
            assert any(hit.startswith(store) for hit in before), (store, before)

        customer = Lifetime(cloud, person, hook=contract().check)
        customer.token = _token(cloud, person)
        view = customer.call("GET", "/me/data-requests/erasure", 200)
        assert view["blockers"] == [] and view["request"] is None and view["kept"]["invoices"] >= 2
        erasure = _erased(cloud, person)
        receipt = _assert_erased(cloud, person, erasure["request_id"], erasure["counted"], since, logs)

    assert any('"step":"finish"' in line.replace(" ", "") for line in logs)  # the functions' logs were read
    # The privacy officer reads the receipt among the erasures done, and nothing in it names the customer
    done = officer.get("/privacy/erasures")
    assert done.status_code == 200 and receipt in done.json()["items"]
    assert not any(needle in done.text for needle in (person.customer_id, *person.needles().values()))
    refused = agent.get("/privacy/erasures")
    assert (refused.status_code, refused.json()["reason"]) == (403, "privacy_officers_only")
    assert receipt["erased"]["login"] == 1 and receipt["erased"]["mail"] >= 1
    assert receipt["erased"]["evidence_files"] == 1 and receipt["erased"]["identity_checks"] == 1
    # What reached them through the providers is theirs (and the providers' for their own retention)
    assert {hit.split(" (")[0] for hit in delivered(cloud, person.needles())} <= {
        "ses", "sns", "cognito mail", "whatsapp (sent)"}
    # Asked again with their old login's token: there is nobody to erase
    assert customer._session(customer.token).get(cloud.url + "/me/data-requests/erasure").status_code == 404

    # Another customer, with a life as full, keeps all of theirs
    still = found(cloud, other.needles(), since=since)
    for store in ("table", "s3", "user pool", "stripe", "field service"):
        assert any(hit.startswith(store) for hit in still), (store, still)
    mine = Lifetime(cloud, other)
    mine.token = _token(cloud, other)
    assert mine.call("GET", "/me", 200)["personal"]["family_name"] == other.family_name
    assert len(mine.call("GET", "/me/contacts", 200)["items"]) >= 2


@pytest.mark.parametrize("after_work", [False, True], ids=["before-its-work", "after-its-work"])
def test_erasure_retried_after_a_crash_at_each_step_ends_the_same_way(cloud, faults, after_work):
    from opencounter.privacy.erasure import STEPS

    since = datetime.now(UTC)
    person = _lived(cloud)
    crashes: dict[str, object] = {step: crash_times(1, after_work=after_work) for step in STEPS}
    crashed: list[str] = []

    def fault(event: dict) -> None:
        if event["customer_id"] == person.customer_id and event["step"] in crashes:
            crashed.append(event["step"])
            crashes[event["step"]](event)  # type: ignore[operator]
    fault.after_work = after_work  # type: ignore[attr-defined]
    faults["ErasureStepsFunction"] = fault

    erasure = _erased(cloud, person)

    # Every step died once and ran again
    assert [s for s in STEPS if crashed.count(s) == 2] == list(STEPS)
    # And it ended as an erasure that never crashed ends: nothing left, one receipt, the books kept
    _assert_erased(cloud, person, erasure["request_id"], erasure["counted"], since)


def test_what_stands_in_the_way_is_named_and_nothing_is_written(cloud, customer):
    product = give_product(customer, "FIBRE-100")
    invoice = bill(cloud, customer)
    writes = TableWrites(cloud)

    # Not confirmed: the field is named
    for body in ({}, {"confirm": False}, {"confirm": "ja"}):
        refused = customer.post("/me/data-requests/erasure", json=body)
        assert refused.status_code == 400 and refused.json()["field"] == "confirm"
    # Confirmed, but a product runs and an invoice is open: each is named, with what the portal says
    blocked = customer.post("/me/data-requests/erasure", json={"confirm": True})
    assert blocked.status_code == 409 and blocked.json()["reason"] == "erasure_blocked"
    blockers = {b["kind"]: b for b in blocked.json()["params"]["blockers"]}
    assert blockers["product_active"]["id"] == product and blockers["product_active"]["name"]
    assert blockers["invoice_unpaid"]["id"] == invoice["invoice_id"]
    assert blockers["invoice_unpaid"]["amount_cents"] == invoice["total_cents"]
    assert writes.since() == []
    # The privacy page shows the same before anything is asked
    view = customer.get("/me/data-requests/erasure").json()
    assert {b["kind"] for b in view["blockers"]} == set(blockers) and view["request"] is None

    # Cancelled at the end of the month: it still runs until then, and says when it ends
    assert customer.post(f"/me/products/{product}/cancellation", json={"when": "end_of_period"}).status_code == 201
    ending = {b["kind"]: b for b in customer.get("/me/data-requests/erasure").json()["blockers"]}
    assert ending["product_ending"]["ends_on"] >= datetime.now(UTC).date().isoformat()[:8]


def test_a_blocker_that_comes_up_after_the_request_refuses_it_and_tells_the_customer(cloud, customer, faults):
    from opencounter.privacy.requests import load

    # The customer asks with nothing in the way; then, before the workflow begins, a product is given them
    def meanwhile(event: dict) -> None:
        if event["step"] == "begin" and not meanwhile.done:  # type: ignore[attr-defined]
            meanwhile.done = True  # type: ignore[attr-defined]
            give_product(customer, "FIBRE-100")
    meanwhile.done = False  # type: ignore[attr-defined]
    faults["ErasureStepsFunction"] = meanwhile
    # and they said no to service messages by e-mail
    version = customer.get("/me").json()["version"]
    assert customer.patch("/me", json={"version": version, "consents": [
        {"channel": "email", "purpose": "service", "granted": False}]}).status_code == 200

    asked = customer.post("/me/data-requests/erasure", json={"confirm": True})
    assert asked.status_code == 202, asked.text
    cloud.cloud.settle()

    # The workflow checked again: refused, with what stood in the way, and the customer told
    request = load(customer.customer_id, asked.json()["request"]["request_id"])
    assert request.status == "REFUSED" and [b["kind"] for b in request.outcome["blockers"]] == ["product_active"]
    told = [m for m in cloud.cloud.mailbox(customer.email) if m["subject"] == "We konden uw gegevens nog niet wissen"]
    assert len(told) == 1 and "product" in told[0]["body"]
    # the law has us say why a request about one's data was not acted on, consent or not, and so it says
    assert "de wet verplicht ons ertoe" in told[0]["body"]
    assert customer.get("/me").status_code == 200
    timeline = [e["type"] for e in customer.get("/me/timeline").json()["items"]]
    assert "ErasureRefused" in timeline


def test_staff_ask_on_a_customers_behalf_and_an_unknown_customer_is_not_found(cloud, agent, pool_customer):
    from opencounter.privacy.requests import load

    unknown = agent.post("/agent/customers/no-such-customer/data-requests/erasure", json={"confirm": True})
    assert unknown.status_code == 404 and unknown.json()["reason"] == "customer_not_found"
    email, customer_id = pool_customer
    person = Person(email=email, customer_id=customer_id, given_name="Pool", family_name="Klant", street="Damrak")
    answer = agent.post(f"/agent/customers/{customer_id}/data-requests/erasure", json={"confirm": True})
    assert answer.status_code == 202, answer.text
    cloud.cloud.settle()
    request = load(customer_id, answer.json()["request"]["request_id"])
    assert request.status == "DONE" and request.channel == "agent"
    idp = cloud.cloud.client("cognito-idp")
    with pytest.raises(idp.exceptions.UserNotFoundException):
        idp.admin_get_user(UserPoolId=cloud.cloud.resolver.physical["UserPool"], Username=person.email)
    assert [h for h in found(cloud, {"email": email}) if not h.startswith("logs")] == []


def _idea_partition(idea_id: str) -> list:
    from opencounter.core.table import Item

    return list(Item.query(f"IDEA#{idea_id}", consistent_read=True))


def test_an_erased_customers_part_in_the_ideas_goes_while_the_others_counts_stay_right(cloud, agent):
    from opencounter.core.clock import isoformat, utcnow
    from opencounter.core.table import Item, customer_key
    from opencounter.feedback.service import invite
    from opencounter.ideas.records import ERASED_AUTHOR, Idea, IdeaComment, IdeaTally, Vote

    # Given a customer who posts an idea naming themselves and one naming nobody, votes, comments and follows
    person = new_customer(cloud, given_name="Wilhelmina", family_name="Zeegers-Oudkerk")
    phone = person.get("/me").json()["contact"]["phone"]
    other = new_customer(cloud)
    naming = person.post("/me/ideas", json={"title": "Bel mij bij storingen", "topic": "service",
                                            "text": f"Ik ben Wilhelmina Zeegers-Oudkerk, bel me op {phone}."}).json()
    plain = person.post("/me/ideas", json={"title": "Verbruik per kwartier", "topic": "energy",
                                           "text": "Laat het verbruik per kwartier zien, niet alleen per dag."}).json()
    theirs = other.post("/me/ideas", json={"title": "Factuur in het Engels", "topic": "service",
                                           "text": "Graag de factuur ook in het Engels kunnen krijgen."}).json()
    for idea in (plain, theirs):
        assert person.post(f"/me/ideas/{idea['idea_id']}/vote").ok
        assert person.post(f"/me/ideas/{idea['idea_id']}/comments",
                           json={"text": f"Groet van Wilhelmina, {phone}."}).ok
    assert person.post(f"/me/ideas/{theirs['idea_id']}/follow").ok
    for idea in (naming, plain):
        assert other.post(f"/me/ideas/{idea['idea_id']}/vote").ok
        assert other.post(f"/me/ideas/{idea['idea_id']}/follow").ok
    assert other.post(f"/me/ideas/{plain['idea_id']}/comments", json={"text": "Goed plan, ik stem mee."}).ok
    # and answers the question after a journey with a comment that names them
    invite("PaymentReceived", {"customer_id": person.customer_id, "event_id": str(uuid.uuid4()),
                               "occurred_at": isoformat(utcnow()), "channel": "web"})
    question = person.get("/me/feedback/pending").json()["question"]
    assert person.post("/me/feedback", json={"event_id": question["event_id"], "journey": question["journey"],
                                             "score": 5, "comment": "Top geregeld, Wilhelmina"}).ok
    cloud.cloud.settle()

    # When they are erased
    person_as = Person(given_name="Wilhelmina", family_name="Zeegers-Oudkerk", email=person.email, phone=phone,
                       street="Damrak", customer_id=person.customer_id)
    erasure = _erased(cloud, person_as)
    assert erasure["counted"]["ideas"] == 3

    # Then the idea that named them is gone whole, with the votes and follows others gave it
    assert _idea_partition(naming["idea_id"]) == []
    # the idea that named nobody stays, nobody's, still counting their vote once, their comment and follow gone
    kept = Idea.get(*Idea.keys(plain["idea_id"]), consistent_read=True)
    assert kept.author_id == ERASED_AUTHOR and kept.text == plain["text"]
    for idea, votes, comments, followers in ((plain, 2, 1, 1), (theirs, 2, 0, 1)):
        items = _idea_partition(idea["idea_id"])
        tally = next(i for i in items if isinstance(i, IdeaTally))
        stored_votes = [i for i in items if isinstance(i, Vote)]
        assert (int(tally.votes), int(tally.comments), int(tally.followers)) == (votes - (idea is theirs),
                                                                                 comments, followers)
        assert len(stored_votes) == int(tally.votes)
        assert [v for v in stored_votes if v.customer_id is None and len(v.voted_at) == 10] != []
        assert [c.text for c in items if isinstance(c, IdeaComment)] == (["Goed plan, ik stem mee."]
                                                                         if idea is plain else [])
        # nothing of theirs in any item of the idea: not their customer id, name, e-mail or phone
        said = " ".join(str(i.attribute_values) for i in items)
        for needle in (person.customer_id, "Wilhelmina", "Zeegers", person.email, phone, phone.lstrip("+")):
            assert needle not in said, (idea["idea_id"], needle)
    # their own: the other customer's idea is still theirs, and what others read and staff see add up
    assert Idea.get(*Idea.keys(theirs["idea_id"])).author_id == other.customer_id
    shown = other.get(f"/me/ideas/{plain['idea_id']}").json()
    assert (shown["votes"], len(shown["comments"]), shown["followers"], shown["voted"]) == (2, 1, 1, True)
    staff_view = agent.get(f"/agent/ideas/{plain['idea_id']}").json()
    assert staff_view["customer_id"] is None and [c["text"] for c in staff_view["comments"]] == [
        "Goed plan, ik stem mee."]
    # and their answer about the journey went with their record
    left = {type(i).__name__ for i in Item.query(customer_key(person.customer_id), consistent_read=True)}
    assert not left & {"FeedbackAnswer", "FeedbackAsked", "FeedbackInvitation", "IdeaLink"}
    assert [h for h in found(cloud, {"name": "Zeegers-Oudkerk", "email": person.email})
            if not h.startswith("logs")] == []


def test_an_erased_customers_call_back_still_to_come_gives_its_place_back_once(cloud, faults, other_customer):
    from tests.integration.test_callbacks import _book, _fresh, _slots

    person = new_customer(cloud)
    slot = _fresh(person)[0]
    _book(person, slot)
    assert {s["start"]: s["free"] for s in _slots(other_customer)}[slot["start"]] == 1
    # The step that cancels it dies once its work is done, and runs again
    crash = crash_times(1, after_work=True)

    def fault(event: dict) -> None:
        if event["customer_id"] == person.customer_id and event["step"] == "delete_record":
            crash(event)
    fault.after_work = True  # type: ignore[attr-defined]
    faults["ErasureStepsFunction"] = fault

    asked = person.post("/me/data-requests/erasure", json={"confirm": True})
    assert asked.status_code == 202, asked.text
    cloud.cloud.settle()

    # The customer is erased, and their place is free for others again: given back once, not twice
    assert asked.json()["request"]["request_id"]
    assert {s["start"]: s["free"] for s in _slots(other_customer)}[slot["start"]] == 2
    assert _kept(person.customer_id)["kinds"] == ["DataRequest"]
