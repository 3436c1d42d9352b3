"""Sign-ups staff review: a sign-up a deeper check could not be completed for waits for a person
with a deadline, inside its verification workflow; staff verify it or roll it back (of two
deciding at once, one wins); nobody deciding escalates it once, and at the last deadline the
unfinished checks run again and end it."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import pytest

from opencounter.core.clock import BUSINESS_TIME, add_working_days
from tests.conftest import Applicant, Caller, TableWrites, at_once, crash_times

REVIEW_WINDOW = "opencounter.signups.review.staff_window"
#: the staff windows of the tests that let a deadline pass: long enough that none passes by
#: itself while a test runs, however busy the machine; later(PAST_IT) lets one pass
SHORT_WINDOW = timedelta(minutes=10)
PAST_IT = SHORT_WINDOW.total_seconds() + 1
NOT_CONFIRMED = "we could not confirm your details in time"


def _in_review(cloud, faults) -> tuple[Applicant, dict]:
    """A sign-up activated while every deeper check's provider failed: waiting for staff. The
    providers are back afterwards."""
    faults["SignupCheckFunction"] = crash_times(1000)
    applicant = Applicant(cloud)
    signup = applicant.activate()
    del faults["SignupCheckFunction"]
    return applicant, signup


@pytest.fixture
def in_review(cloud, faults) -> tuple[Applicant, dict]:
    return _in_review(cloud, faults)


def _execution(cloud, signup_id: str) -> str:
    """The status of the sign-up's verification workflow."""
    sfn = cloud.cloud.client("stepfunctions")
    arn = cloud.cloud.state_machines["SignupVerificationStateMachine"]
    [run] = [e for e in sfn.list_executions(stateMachineArn=arn)["executions"] if e["name"] == signup_id]
    return run["status"]


def _queued(agent, signup_id: str) -> dict | None:
    items = agent.get("/agent/signups", params={"status": "IN_REVIEW"}).json()["items"]
    return next((s for s in items if s["signup_id"] == signup_id), None)


def _decide(agent, signup: dict, outcome: str, reasons: str = "Paspoort nagekeken in Stripe.", **more):
    return agent.post(f"/agent/signups/{signup['signup_id']}/decision",
                      json={"outcome": outcome, "reasons": reasons, **more})


def _colleague(cloud) -> Caller:
    from infra.local.tokens import User

    other = User(f"colleague-{time.monotonic_ns()}@opencounter.example", "pw", ("agents",))
    cloud.issuer.add_user(other)
    return Caller(cloud.url, cloud.issuer.id_token(other), email=other.username)


def _hand_over_fails(event: dict) -> None:
    """A fault for SignupOutcomeFunction: every delivery of a decision from the bus dies; the
    workflow's own steps run."""
    if "detail-type" in event:
        raise RuntimeError("the process died")


def _leftovers(signup_id: str) -> list[str]:
    from opencounter.signups.verification import leftovers

    return leftovers(signup_id)


def test_a_sign_up_whose_checks_could_not_be_completed_waits_for_staff_listed_with_its_deadline(
        cloud, faults, agent, monkeypatch):
    # Given a sign-up whose checks could not be completed, and another whose window is an hour
    applicant, signup = _in_review(cloud, faults)
    monkeypatch.setattr(REVIEW_WINDOW, lambda now, days: timedelta(hours=1))
    _, sooner = _in_review(cloud, faults)
    monkeypatch.undo()

    # When staff list the sign-ups waiting for them
    queue = agent.get("/agent/signups", params={"status": "IN_REVIEW"})

    # Then both are there, the sooner deadline first, with what could not be checked
    assert queue.status_code == 200 and queue.json()["status"] == "IN_REVIEW"
    order = [s["signup_id"] for s in queue.json()["items"]]
    assert order.index(sooner["signup_id"]) < order.index(signup["signup_id"])
    mine = _queued(agent, signup["signup_id"])
    review = mine["review"]
    assert mine["status"] == "IN_REVIEW" and sorted(review["unfinished"]) == ["address", "document", "sanctions"]
    assert {c["check"]: c["passed"] for c in review["checks"]} == {"document": None, "sanctions": None,
                                                                   "address": None}
    assert review["escalated"] is False and review["decision"] is None
    # the deadline is 17:00 Amsterdam time five working days on
    since = datetime.fromisoformat(review["since"]).astimezone(BUSINESS_TIME)
    deadline = datetime.fromisoformat(review["deadline"]).astimezone(BUSINESS_TIME)
    assert (deadline.date(), deadline.hour, deadline.minute) == (add_working_days(since.date(), 5), 17, 0)
    # And the workflow waits for a person; nothing is undone meanwhile
    assert _execution(cloud, signup["signup_id"]) == "RUNNING"
    record = agent.get(f"/agent/customers/{signup['customer_id']}").json()
    assert [p["status"] for p in record["products"]] == ["ACTIVE"]
    # And the code the customer reads out finds the same sign-up, with its review
    found = agent.get("/agent/signups", params={"resume_code": applicant.signup["resume_code"]}).json()
    assert found["signup_id"] == signup["signup_id"] and found["review"]["deadline"] == review["deadline"]
    # And the customer is told, once, in Dutch, by when a colleague decides and that the product works meanwhile
    [told] = [m for m in cloud.cloud.mailbox(applicant.email) if m["subject"] == "We kijken uw gegevens nog even na"]
    assert f"{deadline.day} " in told["body"] and "U kunt uw product intussen gewoon gebruiken" in told["body"]
    timeline = agent.get(f"/agent/customers/{signup['customer_id']}/timeline", params={"limit": 100}).json()["items"]
    assert [e["type"] for e in timeline].count("SignupInReview") == 1


def test_staff_verify_a_sign_up_in_review_and_the_customer_is_verified(cloud, agent, in_review):
    applicant, signup = in_review
    read = agent.get(f"/agent/signups/{signup['signup_id']}").json()

    # When a member of staff verifies it
    answer = _decide(agent, signup, "verify", version=read["version"])

    # Then the decision is kept with who took it, when and why, and the workflow verifies the customer
    assert answer.status_code == 202, answer.text
    decision = answer.json()["review"]["decision"]
    assert (decision["outcome"], decision["basis"], decision["by"]["id"]) == ("verify", "staff", agent.email)
    assert decision["reasons"] == "Paspoort nagekeken in Stripe." and decision["at"]
    cloud.cloud.settle()
    after = agent.get(f"/agent/signups/{signup['signup_id']}").json()
    assert after["status"] == "VERIFIED"
    verification = {s["name"]: s for s in after["steps"]}["verification"]
    assert (verification["status"], verification["basis"]) == ("passed", "staff")
    assert _execution(cloud, signup["signup_id"]) == "SUCCEEDED"
    assert _queued(agent, signup["signup_id"]) is None
    # And the customer is told, on their timeline; the product stays
    timeline = agent.get(f"/agent/customers/{signup['customer_id']}/timeline").json()["items"]
    types = [e["type"] for e in timeline]
    assert types[0] == "CustomerVerified" and "SignupDecisionTaken" in types
    assert timeline[0]["title"] == "Your details are confirmed"
    record = agent.get(f"/agent/customers/{signup['customer_id']}").json()
    assert [p["status"] for p in record["products"]] == ["ACTIVE"]
    # Deciding again is refused
    again = _decide(agent, signup, "roll_back", version=after["version"])
    assert again.status_code == 409 and again.json()["reason"] == "signup_not_in_review"


def test_staff_roll_back_a_sign_up_in_review_and_everything_is_undone_as_a_failed_check_would(
        cloud, agent, in_review):
    applicant, signup = in_review
    read = agent.get(f"/agent/signups/{signup['signup_id']}").json()

    answer = _decide(agent, signup, "roll_back", "Het identiteitsbewijs is verlopen.", version=read["version"])

    assert answer.status_code == 202, answer.text
    cloud.cloud.settle()
    after = agent.get(f"/agent/signups/{signup['signup_id']}").json()
    assert after["status"] == "ROLLED_BACK"
    verification = {s["name"]: s for s in after["steps"]}["verification"]
    assert verification["reasons"] == ["Het identiteitsbewijs is verlopen."] and verification["basis"] == "staff"
    # nothing is left alive, and the customer is told why
    assert _leftovers(signup["signup_id"]) == []
    told = [m for m in cloud.cloud.mailbox(applicant.email) if m["subject"] == "We could not complete your sign-up"]
    assert len(told) == 1 and "Het identiteitsbewijs is verlopen." in told[0]["body"]
    timeline = agent.get(f"/agent/customers/{signup['customer_id']}/timeline").json()["items"]
    assert {"VerificationFailed", "SignupRolledBack"} <= {e["type"] for e in timeline[:3]}
    assert _execution(cloud, signup["signup_id"]) == "SUCCEEDED"


def test_of_two_staff_deciding_at_once_one_wins_and_the_other_is_told(cloud, agent, in_review):
    _, signup = in_review
    version = agent.get(f"/agent/signups/{signup['signup_id']}").json()["version"]
    colleague = _colleague(cloud)

    # When one verifies it and a colleague rolls it back at the same moment
    verify, roll_back = at_once([lambda: _decide(agent, signup, "verify", version=version),
                                 lambda: _decide(colleague, signup, "roll_back", version=version)])
    answers = {"verify": verify.status_code, "roll_back": roll_back.status_code}

    # Then one decision is taken, the other refused, and the sign-up ends as the one taken says
    assert sorted(answers.values()) == [202, 409], answers
    cloud.cloud.settle()
    won = next(outcome for outcome, status in answers.items() if status == 202)
    after = agent.get(f"/agent/signups/{signup['signup_id']}").json()
    assert after["status"] == {"verify": "VERIFIED", "roll_back": "ROLLED_BACK"}[won]
    assert after["review"]["decision"]["outcome"] == won


def test_nobody_deciding_escalates_it_once_and_at_the_last_deadline_unfinished_checks_roll_it_back(
        cloud, faults, agent, monkeypatch):
    # Given short windows, and providers that stay down
    monkeypatch.setattr(REVIEW_WINDOW, lambda now, days: SHORT_WINDOW)
    faults["SignupCheckFunction"] = crash_times(1000)
    applicant = Applicant(cloud)
    signup = applicant.activate()
    first = agent.get(f"/agent/signups/{signup['signup_id']}").json()["review"]["deadline"]

    # When the first deadline passes, the sign-up is escalated with a new deadline
    cloud.cloud.later(PAST_IT)
    escalated = agent.get(f"/agent/signups/{signup['signup_id']}").json()
    assert escalated["status"] == "IN_REVIEW" and escalated["review"]["escalated"] is True
    assert escalated["review"]["deadline"] > first

    # And when the last passes, the checks run again, still cannot be completed, and it is rolled back
    cloud.cloud.later(PAST_IT)
    ended = agent.get(f"/agent/signups/{signup['signup_id']}").json()
    assert ended["status"] == "ROLLED_BACK", ended["steps"]
    assert ended["review"]["decision"]["basis"] == "lapsed"
    assert {s["name"]: s for s in ended["steps"]}["verification"]["reasons"] == [NOT_CONFIRMED]
    assert _leftovers(signup["signup_id"]) == []
    told = [m for m in cloud.cloud.mailbox(applicant.email) if m["subject"] == "We could not complete your sign-up"]
    assert len(told) == 1 and NOT_CONFIRMED in told[0]["body"]
    assert _execution(cloud, signup["signup_id"]) == "SUCCEEDED"


def test_checks_that_pass_when_run_again_at_the_last_deadline_verify_the_customer(cloud, faults, agent, monkeypatch):
    monkeypatch.setattr(REVIEW_WINDOW, lambda now, days: SHORT_WINDOW)
    applicant, signup = _in_review(cloud, faults)  # the providers are back afterwards

    cloud.cloud.later(PAST_IT)
    assert agent.get(f"/agent/signups/{signup['signup_id']}").json()["review"]["escalated"] is True
    cloud.cloud.later(PAST_IT)

    ended = agent.get(f"/agent/signups/{signup['signup_id']}").json()
    assert ended["status"] == "VERIFIED" and ended["review"]["decision"]["basis"] == "recheck"
    verification = {s["name"]: s for s in ended["steps"]}["verification"]
    assert sorted(verification["checks"]) == ["address", "document", "sanctions"]
    timeline = agent.get(f"/agent/customers/{signup['customer_id']}/timeline").json()["items"]
    assert timeline[0]["type"] == "CustomerVerified"


def test_a_login_that_could_not_be_made_is_made_and_every_check_run_at_the_last_deadline(
        cloud, faults, agent, monkeypatch):
    monkeypatch.setattr(REVIEW_WINDOW, lambda now, days: SHORT_WINDOW)
    faults["SignupLoginFunction"] = crash_times(1000)
    signup = Applicant(cloud).activate()
    assert agent.get(f"/agent/signups/{signup['signup_id']}").json()["review"]["unfinished"] == ["login"]
    del faults["SignupLoginFunction"]

    cloud.cloud.later(PAST_IT)
    cloud.cloud.later(PAST_IT)

    ended = agent.get(f"/agent/signups/{signup['signup_id']}").json()
    assert ended["status"] == "VERIFIED"
    checks = {s["name"]: s for s in ended["steps"]}["verification"]["checks"]
    assert sorted(checks) == ["address", "document", "login", "sanctions"]


def test_a_decision_the_bus_could_not_hand_over_goes_on_when_the_deadline_passes(cloud, faults, agent, monkeypatch):
    # Given a sign-up in review, and the hand-over of decisions failing every time it is tried
    monkeypatch.setattr(REVIEW_WINDOW, lambda now, days: SHORT_WINDOW)
    _, signup = _in_review(cloud, faults)
    faults["SignupOutcomeFunction"] = _hand_over_fails
    version = agent.get(f"/agent/signups/{signup['signup_id']}").json()["version"]

    # When staff verify it
    assert _decide(agent, signup, "verify", version=version).status_code == 202
    cloud.cloud.settle()
    assert agent.get(f"/agent/signups/{signup['signup_id']}").json()["status"] == "IN_REVIEW"

    # Then the workflow finds the decision when its deadline passes, and applies it
    cloud.cloud.later(PAST_IT)
    after = agent.get(f"/agent/signups/{signup['signup_id']}").json()
    assert after["status"] == "VERIFIED" and after["review"]["escalated"] is False
    assert after["review"]["decision"]["basis"] == "staff"


def test_a_decision_taken_before_the_wait_starts_is_handed_back_when_it_does(cloud, faults, agent, in_review):
    from opencounter.signups.records import Signup

    # Given a decision whose hand-over over the bus failed
    _, signup = in_review
    faults["SignupOutcomeFunction"] = _hand_over_fails
    version = agent.get(f"/agent/signups/{signup['signup_id']}").json()["version"]
    assert _decide(agent, signup, "roll_back", "Adres bestaat niet.", version=version).status_code == 202
    cloud.cloud.settle()
    del faults["SignupOutcomeFunction"]
    assert agent.get(f"/agent/signups/{signup['signup_id']}").json()["status"] == "IN_REVIEW"
    token = Signup.get(*Signup.keys(signup["signup_id"])).task_token
    assert token

    # When the waiting step runs (again) with its token
    cloud.cloud.invoke("SignupOutcomeFunction", {"action": "await_staff", "signup_id": signup["signup_id"],
                                                 "token": token})
    cloud.cloud.settle()

    # Then the decision is handed back at once and applied
    assert agent.get(f"/agent/signups/{signup['signup_id']}").json()["status"] == "ROLLED_BACK"
    assert _leftovers(signup["signup_id"]) == []


@pytest.mark.parametrize(("body", "field"), [
    ({"outcome": "approve", "reasons": "Nagekeken.", "version": 1}, "outcome"),
    ({"outcome": "verify", "version": 1}, "reasons"),
    ({"outcome": "verify", "reasons": "  ", "version": 1}, "reasons"),
    ({"outcome": "verify", "reasons": "Nagekeken."}, "version"),
    ({"outcome": "verify", "reasons": "Nagekeken.", "version": 1, "by": "me"}, "by"),
])
def test_a_decision_that_is_not_one_is_refused_naming_the_field_and_nothing_is_written(cloud, agent, in_review,
                                                                                       body, field):
    _, signup = in_review
    writes = TableWrites(cloud)
    response = agent.post(f"/agent/signups/{signup['signup_id']}/decision", json=body)
    assert response.status_code == 400 and response.json()["field"] == field, response.text
    assert writes.since() == []


def test_deciding_an_unknown_a_stale_or_a_finished_sign_up_is_refused_and_nothing_is_written(cloud, agent,
                                                                                            in_review):
    _, signup = in_review
    verified = Applicant(cloud).activate()
    writes = TableWrites(cloud)

    unknown = agent.post("/agent/signups/no-such-signup/decision",
                         json={"outcome": "verify", "reasons": "Nagekeken.", "version": 1})
    assert unknown.status_code == 404 and unknown.json()["field"] == "signup_id"
    stale = _decide(agent, signup, "verify", version=1)
    assert stale.status_code == 409 and stale.json()["reason"] == "stale_version"
    finished = _decide(agent, verified, "roll_back", version=verified["version"])
    assert finished.status_code == 409 and finished.json()["reason"] == "signup_not_in_review"
    assert finished.json()["params"]["status"] == "verified"
    assert writes.since() == []


def test_the_staff_list_asks_one_thing_at_a_time(cloud, agent):
    assert agent.get("/agent/signups").json()["field"] == "resume_code"
    both = agent.get("/agent/signups", params={"status": "IN_REVIEW", "resume_code": "ABCD-EFGH"})
    assert both.status_code == 400 and both.json()["reason"] == "signup_lookup_either"
    unknown = agent.get("/agent/signups", params={"status": "ACTIVE"})
    assert unknown.status_code == 400 and unknown.json()["field"] == "status"


def test_a_customer_may_neither_list_nor_decide_sign_ups_in_review(cloud, customer, in_review):
    _, signup = in_review
    writes = TableWrites(cloud)
    assert customer.get("/agent/signups", params={"status": "IN_REVIEW"}).status_code == 403
    assert customer.post(f"/agent/signups/{signup['signup_id']}/decision",
                         json={"outcome": "verify", "reasons": "Ik ben het echt.", "version": 1}).status_code == 403
    assert writes.since() == []
