"""Staff reads on record: every staff read of a customer's data leaves an entry the customer reads
(who by role, what, why) and the privacy officer reads in full, with the patterns that ask for a
second look; a read that cannot be put on record shows nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest

from bench.staff_reads import READS, entries_of, full_history, staff, staff_read_routes
from infra.local.template import api_routes, load_template
from opencounter.core.access_log import AccessEntry, Subject, forget_written
from opencounter.core.clock import business_today
from opencounter.edge.http import FINDING, NO_CUSTOMER_DATA, reads_on_record
from tests.conftest import Applicant, Caller, TableWrites, new_customer

#: every staff route that is no read: it changes the record, and is on it (and on the customer's
#: timeline) as done by the staff member; a new staff route is one or the other
CHANGES = {
    "PATCH /agent/customers/{customer_id}", "POST /agent/customers/{customer_id}/moves",
    "POST /agent/signups/{signup_id}/decision",
    "POST /agent/customers/{customer_id}/invoices/{invoice_id}/payment-link",
    "POST /agent/disputes/{dispute_id}/decision", "PATCH /agent/customers/{customer_id}/products/{product_id}",
    "POST /agent/customers/{customer_id}/products/{product_id}/cancellation",
    "POST /agent/customers/{customer_id}/products",
    "POST /agent/customers/{customer_id}/orders/{order_id}/signature-code",
    "POST /agent/customers/{customer_id}/orders/{order_id}/signature",
    "POST /agent/customers/{customer_id}/appointments",
    "PATCH /agent/customers/{customer_id}/appointments/{appointment_id}",
    "DELETE /agent/customers/{customer_id}/appointments/{appointment_id}", "POST /agent/contacts/{contact_id}/take",
    "POST /agent/contacts/{contact_id}/notes", "POST /agent/contacts/{contact_id}/resolution",
    "POST /agent/contacts/{contact_id}/link", "POST /agent/customers/{customer_id}/requests",
    "POST /agent/customers/{customer_id}/requests/{request_id}/steps", "POST /agent/customers/{customer_id}/contacts",
    "PUT /agent/channels/{channel}/staffing",
    "POST /agent/mailings", "POST /agent/incidents", "PATCH /agent/incidents/{incident_id}",
    "POST /agent/incidents/{incident_id}/resolution", "POST /agent/customers/{customer_id}/data-requests/erasure",
    "POST /agent/customers/{customer_id}/data-requests/export",
    # quotes made for the customer, and withdrawn
    "POST /agent/customers/{customer_id}/quotes", "POST /agent/customers/{customer_id}/quotes/{quote_id}/withdrawal",
    # ideas: moved on, answered and hidden with a reason (the author's timeline has the first three)
    "POST /agent/ideas/{idea_id}/status", "POST /agent/ideas/{idea_id}/answer", "POST /agent/ideas/{idea_id}/hiding",
    "POST /agent/ideas/{idea_id}/comments/{comment_id}/hiding",
    # complaints: registered, taken, noted, extended, answered, closed (every one but an internal note on the
    # customer's timeline)
    "POST /agent/customers/{customer_id}/complaints",
    *(f"POST /agent/customers/{{customer_id}}/complaints/{{complaint_id}}/{what}"
      for what in ("handler", "notes", "extension", "answer", "closing")),
}


@pytest.fixture(scope="module")
def history(cloud):
    return full_history(cloud)


def _mine(customer: Caller) -> list[dict]:
    answer = customer.get("/me/access-log")
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


# ---------------------------------------------------------------- every read, on record


def test_every_staff_route_either_reads_on_record_or_changes_the_record():
    staff_routes = {f"{r.method} {r.resource}" for r in api_routes(load_template()) if r.resource.startswith("/agent")}
    reads = {key for key in staff_routes if reads_on_record(*key.split(" ", 1))}
    assert reads == set(staff_read_routes()) == set(READS), "a staff read route nobody here knows how to call"
    assert staff_routes - reads - NO_CUSTOMER_DATA == CHANGES, \
        "a staff route that is neither a read on record, a read of no customer's data nor a known change"
    assert set(FINDING) <= reads and all(key.startswith("POST ") for key in FINDING)


@pytest.mark.parametrize("route", staff_read_routes())
def test_every_staff_route_that_reads_a_record_writes_an_access_entry(cloud, history, route):
    reader = staff(cloud)
    answers = READS[route](reader, history)
    assert answers and all(a.status_code == 200 for a in answers), [a.text for a in answers]
    cloud.cloud.settle()
    entries = entries_of(Subject("customer", history.customer_id), route=route, staff_name=reader.email)
    assert len(entries) == len(answers)  # (the sign-ups: one found by its code, and the list of those in review)
    for entry in entries:
        assert (entry.staff, entry.staff_email, entry.role) == (reader.email, reader.email, "service_desk")
        assert entry.expires_at is not None and entry.expires_at > datetime.now(UTC) + timedelta(days=700)
        # nothing of the customer in it but their id: no name, address or e-mail
        said = str(entry.attribute_values)
        assert history.customer.email not in said and "Bakker" not in said


def test_an_entry_names_the_route_the_object_and_the_contact_being_handled(cloud, history):
    reader = staff(cloud)
    path = f"/agent/customers/{history.customer_id}/invoices/{history.invoice_id}"
    assert reader.get(path, headers={"X-Contact-Id": history.contact_id}).status_code == 200
    [entry] = entries_of(Subject("customer", history.customer_id), staff_name=reader.email)
    assert entry.route == "GET /agent/customers/{customer_id}/invoices/{invoice_id}"
    assert entry.objects == {"invoice_id": history.invoice_id} and entry.kind == "record"
    assert (entry.contact_id, entry.reason) == (history.contact_id, None)
    # a contact read is handling that contact, unless another is named
    assert reader.get(f"/agent/contacts/{history.contact_id}", params={"customer_id": history.customer_id}).ok
    [read] = entries_of(Subject("customer", history.customer_id), route="GET /agent/contacts/{contact_id}",
                        staff_name=reader.email)
    assert read.contact_id == history.contact_id


def test_a_search_puts_each_customer_it_shows_on_record_as_found(cloud, agent):
    found = agent.post("/agent/customers/search", json={"query": "sanne@example.nl"}).json()["items"]
    [entry] = entries_of(Subject("customer", found[0]["customer_id"]), route="POST /agent/customers/search",
                         staff_name=agent.email)
    assert entry.kind == "search" and entry.objects == {}


def test_reads_of_the_same_thing_within_minutes_are_one_entry(cloud, agent, customer):
    for _ in range(3):
        assert agent.get(f"/agent/customers/{customer.customer_id}").status_code == 200
    assert agent.get(f"/agent/customers/{customer.customer_id}/timeline").status_code == 200
    routes = [e.route for e in entries_of(Subject("customer", customer.customer_id), staff_name=agent.email)]
    assert sorted(routes) == ["GET /agent/customers/{customer_id}", "GET /agent/customers/{customer_id}/timeline"]


def test_an_applicant_staff_look_up_before_there_is_a_customer_is_on_record_for_the_sign_up(cloud, agent, officer):
    applicant = Applicant(cloud)
    assert applicant.apply().status_code == 201
    signup = agent.get("/agent/signups", params={"resume_code": applicant.signup["resume_code"]}).json()
    assert signup["customer_id"] is None
    [entry] = entries_of(Subject("signup", signup["signup_id"]), staff_name=agent.email)
    assert entry.route == "GET /agent/signups" and entry.customer_id is None
    listed = officer.get("/privacy/access-log", params={"staff": agent.email}).json()["items"]
    assert [(e["signup_id"], e["customer_id"]) for e in listed] == [(signup["signup_id"], None)]


def test_a_read_that_cannot_be_put_on_record_shows_nothing(cloud, agent, customer, monkeypatch):
    # Given the table refuses the access entry (and only it)
    def refused(*_: object, **__: object) -> None:
        raise RuntimeError("the table refused the write")
    forget_written()
    monkeypatch.setattr(AccessEntry, "save", refused)

    # When an agent reads the customer's record
    answer = agent.get(f"/agent/customers/{customer.customer_id}")

    # Then they are told to try again, and shown nothing of the customer
    assert answer.status_code == 503, answer.text
    assert answer.json()["reason"] == "access_log_unavailable"
    assert customer.email not in answer.text and "Customer" not in answer.text
    monkeypatch.undo()
    assert entries_of(Subject("customer", customer.customer_id)) == []
    # and once the table takes it again, the read works and is on record
    assert agent.get(f"/agent/customers/{customer.customer_id}").status_code == 200
    assert len(entries_of(Subject("customer", customer.customer_id))) == 1


@pytest.mark.parametrize(("headers", "field", "reason"), [
    ({"X-Contact-Id": "not an id"}, "X-Contact-Id", "field_format"),
    ({"X-Access-Reason": quote("two\nlines")}, "X-Access-Reason", "field_format"),
    ({"X-Access-Reason": "%FF%FE"}, "X-Access-Reason", "field_format"),
    ({"X-Access-Reason": quote(" ")}, "X-Access-Reason", "field_required"),
    ({"X-Access-Reason": "x" * 201}, "X-Access-Reason", "field_too_long"),
])
def test_a_bad_reason_is_refused_naming_it_and_nothing_is_read_or_written(cloud, agent, customer, headers, field,
                                                                         reason):
    writes = TableWrites(cloud)
    answer = agent.get(f"/agent/customers/{customer.customer_id}", headers=headers)
    assert answer.status_code == 400, answer.text
    assert (answer.json()["field"], answer.json()["reason"]) == (field, reason)
    assert customer.email not in answer.text
    assert writes.since() == []


def test_a_reason_in_the_staff_members_own_words_is_kept_as_said(cloud, agent, customer, officer):
    said = "Klant belde namens zijn moeder Zoë — verhuizing"
    answer = agent.get(f"/agent/customers/{customer.customer_id}/timeline", headers={"X-Access-Reason": quote(said)})
    assert answer.status_code == 200, answer.text
    [entry] = officer.get("/privacy/access-log", params={"customer_id": customer.customer_id}).json()["items"]
    assert (entry["reason"], entry["why"], entry["contact_id"]) == (said, "reason", None)
    # the customer is told a reason was given, not the words
    [mine] = _mine(customer)
    assert (mine["why"], mine["what"]) == ("reason", "timeline") and said not in str(mine)


# ---------------------------------------------------------------- the customer's own


def test_a_customer_reads_who_read_their_data_by_role_and_nobody_elses(cloud, agent, customer, other_customer):
    # Given an agent looked at A's invoices while handling nothing, and at B's record
    assert agent.get(f"/agent/customers/{customer.customer_id}/invoices").status_code == 200
    assert agent.get(f"/agent/customers/{other_customer.customer_id}").status_code == 200

    # When A reads who read their data
    [entry] = _mine(customer)

    # Then A sees when, a role (never the colleague's name or address), what and why
    assert entry["role"] == "service_desk" and entry["what"] == "invoices" and entry["why"] == "none"
    assert agent.email not in str(entry) and "staff" not in entry
    assert datetime.fromisoformat(entry["at"]) > datetime.now(UTC) - timedelta(minutes=1)
    # and the route takes no customer id: asking for B's gets A's own
    assert customer.get("/me/access-log", params={"customer_id": other_customer.customer_id}).json()["items"] == [entry]
    [theirs] = _mine(other_customer)
    assert theirs["what"] == "record"


def test_a_customers_access_log_comes_a_page_at_a_time_newest_first(cloud, customer):
    readers = [staff(cloud, f"reader{n}") for n in range(3)]
    for reader in readers:
        assert reader.get(f"/agent/customers/{customer.customer_id}").status_code == 200
    first = customer.get("/me/access-log", params={"limit": 2}).json()
    second = customer.get("/me/access-log", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    moments = [e["at"] for e in first["items"] + second["items"]]
    # newest first within a page; from page to page, to the ten minutes reads of a kind are one entry in
    assert len(moments) == 3 and first["items"][0]["at"] > first["items"][1]["at"]
    assert [m[:15] for m in moments] == sorted((m[:15] for m in moments), reverse=True)
    assert customer.get("/me/access-log", params={"cursor": "not-a-cursor"}).json()["reason"] == "cursor_invalid"


# ---------------------------------------------------------------- the privacy officer's


def test_only_privacy_officers_reach_the_desk_and_they_have_no_customer_routes(cloud, officer, customer, agent):
    for path in ("/privacy/access-log", "/privacy/access-log/flags", "/privacy/requests", "/privacy/consents",
                 "/privacy/erasures", "/privacy/retention"):
        assert officer.get(path).status_code == 200
        for caller in (customer, agent):
            refused = caller.get(path)
            assert (refused.status_code, refused.json()["reason"]) == (403, "privacy_officers_only")
    assert officer.get("/me/access-log").json()["reason"] == "customers_only"


def test_the_officer_lists_a_days_reads_by_staff_member_and_by_customer(cloud, officer, customer, other_customer):
    first, second = staff(cloud, "first"), staff(cloud, "second")
    assert first.get(f"/agent/customers/{customer.customer_id}", headers={"X-Contact-Id": "20261205T101010-aa"}).ok
    assert second.get(f"/agent/customers/{other_customer.customer_id}/invoices").ok
    assert second.get(f"/agent/customers/{customer.customer_id}/orders").ok

    today = business_today().isoformat()
    [by_first] = officer.get("/privacy/access-log", params={"day": today, "staff": first.email}).json()["items"]
    assert (by_first["customer_id"], by_first["route"], by_first["contact_id"], by_first["staff_email"]) == (
        customer.customer_id, "GET /agent/customers/{customer_id}", "20261205T101010-aa", first.email)
    of_customer = officer.get("/privacy/access-log", params={"customer_id": customer.customer_id}).json()["items"]
    assert {e["staff"] for e in of_customer} == {first.email, second.email}
    # a page at a time
    page = officer.get("/privacy/access-log", params={"staff": second.email, "limit": 1}).json()
    rest = officer.get("/privacy/access-log", params={"staff": second.email, "limit": 1,
                                                      "cursor": page["next_cursor"]}).json()
    assert {e["customer_id"] for e in page["items"] + rest["items"]} == {customer.customer_id,
                                                                        other_customer.customer_id}
    assert officer.get("/privacy/access-log", params={"day": "2026-13-01"}).json()["field"] == "day"
    yesterday = (business_today() - timedelta(days=1)).isoformat()
    assert officer.get("/privacy/access-log", params={"day": yesterday, "staff": first.email}).json()["items"] == []


def test_the_flags_find_one_reading_many_records_quickly_and_one_reading_without_a_contact(
        cloud, officer, customer, other_customer):
    # Given one colleague opens eleven customers' records within minutes, each with a reason
    hasty, careless, misleading = staff(cloud, "hasty"), staff(cloud, "careless"), staff(cloud, "misleading")
    many = [customer, other_customer, *(new_customer(cloud) for _ in range(9))]
    for someone in many:
        assert hasty.get(f"/agent/customers/{someone.customer_id}", headers={"X-Access-Reason": "controle"}).ok
    # and another opens a record without a contact or a reason, and a third names a contact of someone else
    assert careless.get(f"/agent/customers/{customer.customer_id}/invoices").ok
    elsewhere = customer.post("/me/contacts", json={"question": "Hoe zeg ik op?"}).json()["contact"]["contact_id"]
    assert misleading.get(f"/agent/customers/{other_customer.customer_id}", headers={"X-Contact-Id": elsewhere}).ok

    # When the privacy officer looks at today's flags
    flags = officer.get("/privacy/access-log/flags").json()

    # Then each is there, and the thresholds are said
    assert flags["thresholds"]["many_customers"] == 10 and flags["thresholds"]["within_minutes"] == 10
    [burst] = [f for f in flags["items"] if f["flag"] == "many_customers" and f["staff"] == hasty.email]
    assert burst["customers"] == 11 and burst["at"] <= burst["until"]
    [unsaid] = [f for f in flags["items"] if f["staff"] == careless.email and f["flag"] == "no_reason"]
    assert unsaid["customer_id"] == customer.customer_id
    [wrong] = [f for f in flags["items"] if f["staff"] == misleading.email and f["flag"] == "contact_elsewhere"]
    assert wrong["contact_id"] == elsewhere
    assert not [f for f in flags["items"] if f["staff"] == hasty.email and f["flag"] == "no_reason"]


def test_a_dispute_read_from_its_own_route_is_the_case_being_handled_not_a_read_without_reason(
        cloud, history, officer):
    decider = staff(cloud, "decider")
    assert decider.get(f"/agent/disputes/{history.dispute_id}").ok
    # (the disputes list read earlier in the same ten minutes is an entry of its own, sorted by its digest)
    seen = [e for e in history.customer.get("/me/access-log").json()["items"]
            if e["what"] == "disputes" and e["kind"] == "record"]
    assert seen and seen[0]["why"] == "case"
    flags = officer.get("/privacy/access-log/flags").json()["items"]
    assert not [f for f in flags if f["staff"] == decider.email and f["flag"] == "no_reason"]


def test_a_read_while_no_staffed_channel_is_open_is_flagged(cloud, officer, agent, customer, monkeypatch):
    night = datetime.combine(business_today(), datetime.min.time()).replace(hour=2, tzinfo=UTC)
    monkeypatch.setattr("opencounter.core.access_log.utcnow", lambda: night)
    assert agent.get(f"/agent/customers/{customer.customer_id}", headers={"X-Access-Reason": "storing"}).ok
    flags = officer.get("/privacy/access-log/flags", params={"day": night.date().isoformat()}).json()["items"]
    assert [f["flag"] for f in flags if f["staff"] == agent.email] == ["outside_hours"]


def test_the_officer_sees_open_requests_by_legal_deadline_those_past_it_marked(cloud, officer, customer,
                                                                             other_customer, monkeypatch):
    from opencounter.privacy import requests as data_requests

    actor = {"type": "customer", "id": customer.customer_id}
    late, _ = data_requests.receive(customer.customer_id, "export", actor=actor, channel="web")
    monkeypatch.setattr(data_requests, "utcnow", lambda: datetime.now(UTC) - timedelta(days=40))
    overdue, _ = data_requests.receive(other_customer.customer_id, "erasure", actor=actor, channel="web")
    monkeypatch.undo()
    data_requests.close(late, "DONE", {"size_bytes": 1234})

    seen = officer.get("/privacy/requests").json()
    mine = {r["request_id"]: r for r in seen["open"]}
    assert mine[overdue.request_id]["overdue"] is True and mine[overdue.request_id]["kind"] == "erasure"
    assert late.request_id not in mine and late.request_id in {r["request_id"] for r in seen["done"]}
    assert seen["overdue"] >= 1
    dues = [r["due_on"] for r in seen["open"]]
    assert dues == sorted(dues)


def test_consent_figures_follow_what_customers_say_without_reading_their_records(cloud, officer):
    def figure(channel: str, purpose: str) -> tuple[int, int, int, int]:
        seen = officer.get("/privacy/consents").json()
        row = next(r for r in seen["items"] if (r["channel"], r["purpose"]) == (channel, purpose))
        return seen["customers"], row["granted"], row["withdrawn"], row["written_to"]

    before = figure("email", "marketing")
    someone = new_customer(cloud)
    cloud.cloud.settle()
    assert figure("email", "marketing") == (before[0] + 1, before[1], before[2], before[3])
    said = someone.patch("/me", json={"version": 1, "consents": [
        {"channel": "email", "purpose": "marketing", "granted": True}]})
    assert said.status_code == 200, said.text
    cloud.cloud.settle()
    assert figure("email", "marketing") == (before[0] + 1, before[1] + 1, before[2], before[3] + 1)
    assert someone.patch("/me", json={"version": 2, "consents": [
        {"channel": "email", "purpose": "marketing", "granted": False}]}).status_code == 200
    cloud.cloud.settle()
    assert figure("email", "marketing") == (before[0] + 1, before[1], before[2] + 1, before[3])
    # a service message goes until withdrawn: never said counts as written to
    customers, granted, withdrawn, written_to = figure("email", "service")
    assert written_to == customers - withdrawn


def test_the_officer_reads_what_every_kind_is_kept_for_the_access_log_two_years(cloud, officer):
    rows = {row["kind"]: row for row in officer.get("/privacy/retention").json()["items"]}
    assert rows["AccessEntry"]["period"].startswith("2 years") and rows["AccessEntry"]["how"] == "ttl"
    assert rows["ConsentFigure"]["how"] == "kept" and rows["Invoice"]["rule"]
