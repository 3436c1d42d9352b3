"""Deeper verification after activation, and the compensating rollback when it fails."""

from __future__ import annotations

import re

import pytest

from tests.conftest import Applicant, Caller, TableWrites, crash_times, unique


def _sign_in(cloud, email: str, password: str = "Chosen-Password-1") -> int:
    return Caller(cloud.url, None).post("/local/auth/sign-in",
                                        json={"username": email, "password": password}).status_code


def _set_password(cloud, email: str, password: str = "Chosen-Password-1") -> None:
    """What the customer does with Cognito's invitation: choose a password."""
    idp = cloud.cloud.client("cognito-idp")
    pool = cloud.cloud.resolver.physical["UserPool"]
    idp.admin_set_user_password(UserPoolId=pool, Username=email, Password=password, Permanent=True)


def _leftovers(cloud, signup_id: str) -> list[str]:
    from opencounter.signups.verification import leftovers

    return leftovers(signup_id)


def test_passing_checks_verify_the_customer_who_can_sign_in_and_use_the_product(cloud):
    applicant = Applicant(cloud)
    signup = applicant.activate()
    assert signup["status"] == "ACTIVE"  # usable at once; the checks run afterwards

    status = applicant.status()
    assert status["status"] == "VERIFIED"
    assert {s["name"]: s["status"] for s in status["steps"]}["verification"] == "passed"

    # the login exists: the invitation's temporary password asks for a new one, then the customer is in
    invitation = next(m for m in cloud.cloud.mailbox(applicant.email) if m["subject"] == "Your OpenCounter login")
    temporary = re.search(r"temporary password is (\S+)\.", invitation["body"]).group(1)
    visitor = Caller(cloud.url, None)
    challenge = visitor.post("/local/auth/sign-in", json={"username": applicant.email, "password": temporary}).json()
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    signed_in = visitor.post("/local/auth/respond-to-challenge", json={
        "ChallengeName": "NEW_PASSWORD_REQUIRED", "Session": challenge["Session"],
        "ChallengeResponses": {"USERNAME": applicant.email, "NEW_PASSWORD": "Chosen-Password-1"}})
    assert signed_in.status_code == 200
    assert _sign_in(cloud, applicant.email) == 200  # and from now on with the chosen password
    me = Caller(cloud.url, signed_in.json()["AuthenticationResult"]["IdToken"])
    record = me.get("/me").json()
    assert record["customer_id"] == signup["customer_id"]
    assert [p["status"] for p in record["products"]] == ["ACTIVE"]
    titles = [e["title"] for e in me.get("/me/timeline").json()["items"]]
    assert titles[0] == "Your details are confirmed" and "Welcome to OpenCounter" in titles


@pytest.mark.parametrize(("changes", "reason"), [
    ({"applicant__email": unique("eva+docfail")}, "the identity document shows signs of tampering"),
    ({"applicant__email": unique("eva+pep")}, "listed as a politically exposed person; needs enhanced due diligence"),
    ({"applicant__family_name": "Sanctioned"}, "on a sanctions list"),
    ({"applicant__address__street": "Nergensstraat"}, "the address is not in the address registry"),
])
def test_a_failed_check_rolls_everything_back_and_tells_the_customer_why(cloud, agent, changes, reason):
    applicant = Applicant(cloud, **changes)
    signup = applicant.activate()

    # the sign-up is rolled back, for the reason the check gave
    status = agent.get(f"/agent/signups/{signup['signup_id']}").json()
    assert status["status"] == "ROLLED_BACK"
    verification = {s["name"]: s for s in status["steps"]}["verification"]
    assert verification["status"] == "failed" and verification["reasons"] == [reason]
    # nothing is left alive: product ended, account closed, login disabled, resume code void
    assert _leftovers(cloud, signup["signup_id"]) == []
    record = agent.get(f"/agent/customers/{signup['customer_id']}").json()
    assert [p["status"] for p in record["products"]] == ["TERMINATED"]
    _set_password(cloud, applicant.email)
    assert _sign_in(cloud, applicant.email) == 400
    resumed = applicant.caller.post("/signups/resume", json={"resume_code": applicant.signup["resume_code"]})
    assert resumed.status_code == 404
    # the customer is told why, by e-mail and on the timeline
    told = [m for m in cloud.cloud.mailbox(applicant.email) if m["subject"] == "We could not complete your sign-up"]
    assert len(told) == 1 and reason in told[0]["body"]
    timeline = agent.get(f"/agent/customers/{signup['customer_id']}/timeline").json()["items"]
    # with the delivery chosen at sign-up cancelled: its courier's place is free again
    newest = {e["type"]: e for e in timeline[:3]}
    assert set(newest) == {"VerificationFailed", "SignupRolledBack", "AppointmentCancelled"}
    assert newest["SignupRolledBack"]["data"]["reasons"] == [reason]


def test_a_rollback_run_again_changes_nothing(cloud):
    applicant = Applicant(cloud, applicant__email=unique("eva+pep"))
    signup = applicant.activate()
    writes = TableWrites(cloud)
    again = cloud.cloud.invoke("SignupRollbackFunction", {
        "signup_id": signup["signup_id"], "checks": [{"check": "sanctions", "passed": False, "reason": "x"}]})
    assert again["outcome"] == "already_rolled_back"
    written = writes.since()
    assert written == [], [r["dynamodb"]["Keys"] for r in written]


def test_a_rollback_keeps_the_account_open_when_another_product_holds_it(cloud):
    from opencounter.customers.service import hold_product

    signup = Applicant(cloud).activate()
    hold_product(signup["customer_id"], {"product_code": "FIBRE", "name": "Glasvezel internet", "kind": "internet",
                                         "plan": "100 Mbit/s", "plan_code": "FIBRE-100",
                                         "catalogue_version": "2026-11-01", "started_at": "2026-01-01",
                                         "monthly_fee_cents": 4250},
                 actor={"type": "system", "id": "tests"}, channel="system")
    result = cloud.cloud.invoke("SignupRollbackFunction", {
        "signup_id": signup["signup_id"], "checks": [{"check": "address", "passed": False, "reason": "late finding"}]})
    cloud.cloud.settle()
    assert result["undone"] == [f"product Mobiel abonnement ({signup['steps'][4]['identifier']}) deactivated",
                                f"delivery of {signup['fulfilment']['window']['date']} cancelled"]
    assert _leftovers(cloud, signup["signup_id"]) == []
    # the account stays open for the other product, and its login still signs in
    email = applicant_email(signup)
    _set_password(cloud, email)
    assert _sign_in(cloud, email) == 200


def applicant_email(signup: dict) -> str:
    from opencounter.signups.records import Signup

    return Signup.get(*Signup.keys(signup["signup_id"])).applicant["email"]


@pytest.mark.parametrize("function", ["SignupVerificationStartFunction", "SignupLoginFunction",
                                      "SignupOutcomeFunction"])
def test_a_task_that_dies_is_retried_and_the_customer_is_verified_once(cloud, faults, function):
    faults[function] = crash_times(1)
    applicant = Applicant(cloud)
    signup = applicant.activate()
    assert applicant.status()["status"] == "VERIFIED"
    sfn = cloud.cloud.client("stepfunctions")
    arn = cloud.cloud.state_machines["SignupVerificationStateMachine"]
    runs = [e for e in sfn.list_executions(stateMachineArn=arn)["executions"] if e["name"] == signup["signup_id"]]
    assert [r["status"] for r in runs] == ["SUCCEEDED"]


def test_a_rollback_that_dies_halfway_is_retried_and_leaves_nothing_behind(cloud, faults):
    faults["SignupRollbackFunction"] = crash_times(2)
    applicant = Applicant(cloud, applicant__email=unique("eva+pep"))
    signup = applicant.activate()
    assert applicant.status()["status"] == "ROLLED_BACK"
    assert _leftovers(cloud, signup["signup_id"]) == []


def test_a_check_that_cannot_be_completed_hands_the_sign_up_to_staff_and_undoes_nothing(cloud, faults, agent):
    faults["SignupCheckFunction"] = crash_times(1000)
    signup = Applicant(cloud).activate()
    status = agent.get(f"/agent/signups/{signup['signup_id']}").json()
    assert status["status"] == "IN_REVIEW"
    verification = {s["name"]: s for s in status["steps"]}["verification"]
    assert verification["status"] == "needs_review"
    assert sorted(verification["unfinished"]) == ["address", "document", "sanctions"]
    record = agent.get(f"/agent/customers/{signup['customer_id']}").json()
    assert [p["status"] for p in record["products"]] == ["ACTIVE"]


def test_a_login_that_cannot_be_created_hands_the_sign_up_to_staff(cloud, faults, agent):
    faults["SignupLoginFunction"] = crash_times(1000)
    signup = Applicant(cloud).activate()
    status = agent.get(f"/agent/signups/{signup['signup_id']}").json()
    assert status["status"] == "IN_REVIEW"
    assert {s["name"]: s for s in status["steps"]}["verification"]["unfinished"] == ["login"]


def test_an_e_mail_address_that_has_an_account_already_cannot_apply_again(cloud):
    first = Applicant(cloud)
    first.activate()
    again = Applicant(cloud, applicant__email=first.email)
    writes = TableWrites(cloud)
    response = again.apply()
    assert response.status_code == 409 and response.json()["field"] == "applicant.email"
    assert writes.since() == []


def _as_customer(cloud, signup: dict, email: str) -> Caller:
    from infra.local.tokens import User

    user = User(email, "pw", ("customers",), signup["customer_id"])
    cloud.issuer.add_user(user)
    return Caller(cloud.url, cloud.issuer.id_token(user), signup["customer_id"], email)


def test_a_rollback_voids_the_connection_invoice_before_it_is_paid(cloud):
    # Given a fibre sign-up (EUR 25 connection fee) whose sanctions check fails
    applicant = Applicant(cloud, product_code="FIBRE", plan_code="FIBRE-100", applicant__email=unique("eva+pep"))
    signup = applicant.activate()

    # Then the connection invoice made at activation is cancelled, with nothing left behind
    from opencounter.billing.ledger import balances

    me = _as_customer(cloud, signup, applicant.email)
    [invoice] = me.get("/me/invoices").json()["items"]
    assert (invoice["kind"], invoice["total_cents"], invoice["status"]) == ("connection", 2500, "void")
    assert balances(signup["customer_id"])["receivable"] == 0
    assert _leftovers(cloud, signup["signup_id"]) == []
    assert any(e["type"] == "InvoiceVoided" for e in me.get("/me/timeline").json()["items"])


def test_a_rollback_refunds_what_the_customer_paid(cloud):
    from opencounter.billing.ledger import balances

    # Given a fibre customer who paid the connection invoice at once
    applicant = Applicant(cloud, product_code="FIBRE", plan_code="FIBRE-100")
    signup = applicant.activate()
    me = _as_customer(cloud, signup, applicant.email)
    [invoice] = me.get("/me/invoices").json()["items"]
    checkout = me.post(f"/me/invoices/{invoice['invoice_id']}/payments", json={"method": "card"}).json()
    cloud.stripe.complete_payment(checkout["payment_id"], method="card")
    assert me.get(f"/me/invoices/{invoice['invoice_id']}").json()["status"] == "paid"

    # When a late finding rolls the sign-up back (twice: the task is retried)
    for _ in range(2):
        result = cloud.cloud.invoke("SignupRollbackFunction", {"signup_id": signup["signup_id"], "checks": [
            {"check": "address", "passed": False, "reason": "no such address"}]})
    cloud.cloud.settle()

    # Then the payment is refunded once, the invoice cancelled, and the books are square
    after = me.get(f"/me/invoices/{invoice['invoice_id']}").json()
    assert after["status"] == "void"
    [payment] = after["payments"]
    assert (payment["received_cents"], payment["refunded_cents"]) == (2500, 2500)
    assert len([r for r in cloud.stripe.refunds.values() if r["payment_intent"] == checkout["payment_id"]]) == 1
    assert balances(signup["customer_id"]) == {"receivable": 0, "payment_provider": 0, "revenue:internet": 0,
                                               "vat_payable": 0}
    assert result["outcome"] == "already_rolled_back"
    assert _leftovers(cloud, signup["signup_id"]) == []
    mail = next(m for m in cloud.cloud.mailbox(applicant.email) if m["subject"] == "We could not complete your sign-up")
    assert "refunded" in mail["body"] and invoice["invoice_id"] in mail["body"]


def test_a_proven_new_e_mail_address_is_the_one_the_customer_signs_in_with(cloud):
    # Given a signed-up customer who signs in with their password
    applicant = Applicant(cloud)
    applicant.activate()
    _set_password(cloud, applicant.email)
    token = Caller(cloud.url, None).post("/local/auth/sign-in", json={
        "username": applicant.email, "password": "Chosen-Password-1"}).json()["AuthenticationResult"]["IdToken"]
    me = Caller(cloud.url, token)

    # When they change their e-mail address and type back the code mailed to it
    new = unique("moved")
    version = me.get("/me").json()["version"]
    assert me.patch("/me", json={"version": version, "contact": {"email": new}}).status_code == 200
    mail = next(m for m in cloud.cloud.mailbox(new) if m["subject"] == "Confirm your new e-mail address")
    code = re.search(r"is (\d{6})\.", mail["body"]).group(1)
    assert me.post("/me/email-verification/confirmation", json={"code": code}).status_code == 200

    # Then they sign in with the new address, no longer with the old one
    assert _sign_in(cloud, new) == 200
    assert _sign_in(cloud, applicant.email) == 400
