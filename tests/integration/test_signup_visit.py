"""A sign-up plans the visit or delivery its product needs in the step the product is chosen:
the window applied with at the applicant's address, booked in the transaction that signs and makes
the customer and the product, given back when the sign-up is rolled back."""

from __future__ import annotations

from datetime import date

from infra.local.applicant import application
from tests.conftest import Applicant, Caller, TableWrites, new_customer, unique
from tests.integration.test_signup_verification import _as_customer

#: where one engineer works a weekday: a window holds one visit
EINDHOVEN = {"street": "Hoogstraat", "house_number": 7, "postcode": "5611 JK", "city": "Eindhoven"}


def _fibre(cloud, **changes) -> Applicant:
    """Someone in Eindhoven applying for fibre, who chooses the window themselves."""
    return Applicant(cloud, pick_window=False, product_code="FIBRE", plan_code="FIBRE-100",
                     applicant__address=dict(EINDHOVEN), **changes)


def _weekday_windows(caller: Caller, kind: str = "engineer_visit", postcode: str = "5611JK") -> list[str]:
    slots = caller.get(f"/appointments/slots?postcode={postcode}&kind={kind}")
    assert slots.status_code == 200, slots.text
    return [w["start"] for d in slots.json()["days"] if date.fromisoformat(d["date"]).weekday() < 5
            for w in d["slots"]]


def _to_signing(applicant: Applicant) -> None:
    """Applied, identified, validated, the signing code asked for."""
    assert applicant.apply().status_code == 201, applicant.signup
    assert applicant.identify().status_code == 201
    applicant.wait_for("VALIDATED")
    assert applicant.request_code().status_code == 201


def test_fibre_applied_for_without_a_window_is_refused_naming_slot_and_writes_nothing(cloud, anonymous):
    writes = TableWrites(cloud)
    response = anonymous.post("/signups", json=application(product_code="FIBRE", plan_code="FIBRE-100"))
    assert response.status_code == 400, response.text
    assert (response.json()["field"], response.json()["reason"]) == ("slot", "field_required")
    assert writes.since() == []


def test_a_window_off_the_grid_or_outside_the_service_area_is_refused_and_writes_nothing(cloud, anonymous):
    window = _weekday_windows(anonymous)[0]
    writes = TableWrites(cloud)
    off_grid = anonymous.post("/signups", json=application(product_code="FIBRE", plan_code="FIBRE-100",
                                                           slot=window.replace(":00:00", ":10:00").replace(
                                                               ":30:00", ":10:00"),
                                                           applicant__address=dict(EINDHOVEN)))
    assert off_grid.status_code == 400 and off_grid.json()["field"] == "slot", off_grid.text
    groningen = {"street": "Grote Markt", "house_number": 1, "postcode": "9711 LV", "city": "Groningen"}
    outside = anonymous.post("/signups", json=application(product_code="FIBRE", plan_code="FIBRE-100", slot=window,
                                                          applicant__address=groningen))
    assert outside.status_code == 400, outside.text
    assert (outside.json()["field"], outside.json()["reason"]) == (
        "applicant.address.postcode", "postcode_outside_service_area")
    assert writes.since() == []


def test_signing_makes_the_customer_the_product_and_its_planned_visit_in_one_go(cloud):
    # Given an applicant for fibre who chose the engineer's window with the product
    applicant = _fibre(cloud)
    window = _weekday_windows(applicant.caller)[0]
    applicant.body["slot"] = window
    _to_signing(applicant)
    chosen = applicant.signup["fulfilment"]
    assert (chosen["kind"], chosen["status"], chosen["window"]["start"], chosen["appointment_id"]) == (
        "engineer_visit", "chosen", window, None)
    writes = TableWrites(cloud)

    # When they sign
    signed = applicant.sign()

    # Then the customer, the product and the engineer's visit in that window are made together
    assert signed.status_code == 200, signed.text
    signup = signed.json()
    assert signup["status"] == "ACTIVE"
    planned = signup["fulfilment"]
    assert (planned["status"], planned["window"]["start"]) == ("planned", window)
    made = {r["dynamodb"]["NewImage"]["entity"]["S"] for r in writes.since() if "NewImage" in r["dynamodb"]}
    assert {"CustomerProfile", "ProductHolding", "Appointment", "FieldDayPlan"} <= made
    me = _as_customer(cloud, signup, applicant.email)
    visits = me.get("/me/appointments").json()
    [visit] = visits["items"]
    assert (visit["appointment_id"], visit["kind"], visit["status"], visit["window"]["start"]) == (
        planned["appointment_id"], "engineer_visit", "planned", window)
    assert visit["product_id"] == signup["product_id"]
    assert visit["address"]["postcode"] == "5611 JK"
    # and the product waits for nothing more to be planned
    assert visits["to_plan"] == []
    assert [p["product_id"] for p in me.get("/me").json()["products"]] == [signup["product_id"]]
    # until the visit is cancelled: then the fibre is to be connected still, and asked to be planned again
    assert me.request("DELETE", f"/me/appointments/{visit['appointment_id']}").status_code == 200
    assert [(p["product_id"], p["kind"]) for p in me.get("/me/appointments").json()["to_plan"]] == [
        (signup["product_id"], "engineer_visit")]


def test_a_window_taken_before_signing_is_refused_with_the_next_free_and_signed_with_another(cloud):
    # Given an applicant whose window was free when they applied
    applicant = _fibre(cloud)
    window = _weekday_windows(applicant.caller)[0]
    applicant.body["slot"] = window
    _to_signing(applicant)
    # and a neighbour who books Eindhoven's one engineer in it meanwhile
    neighbour = new_customer(cloud, EINDHOVEN)
    taken = neighbour.post("/me/appointments", json={"kind": "engineer_visit", "slot": window})
    assert taken.status_code == 201, taken.text
    writes = TableWrites(cloud)

    # When the applicant signs
    refused = applicant.sign()

    # Then they are told the window is taken, with the next free ones, and nothing is written
    assert refused.status_code == 409, refused.text
    assert (refused.json()["reason"], refused.json()["field"]) == ("slot_taken", "slot")
    offered = [w["start"] for w in refused.json()["params"]["next_free"]]
    assert offered and window not in offered
    assert writes.since() == []
    assert applicant.status()["status"] == "VALIDATED"

    # When they sign with the same code for the next free window
    signed = applicant.sign(slot=offered[0])

    # Then they are a customer with the visit in that window
    assert signed.status_code == 200, signed.text
    assert (signed.json()["status"], signed.json()["fulfilment"]["window"]["start"]) == ("ACTIVE", offered[0])
    me = _as_customer(cloud, signed.json(), applicant.email)
    assert [v["window"]["start"] for v in me.get("/me/appointments").json()["items"]] == [offered[0]]


def test_a_window_full_when_applying_is_refused_at_once(cloud):
    applicant = _fibre(cloud)
    window = _weekday_windows(applicant.caller)[0]
    neighbour = new_customer(cloud, EINDHOVEN)
    assert neighbour.post("/me/appointments", json={"kind": "engineer_visit", "slot": window}).status_code == 201
    applicant.body["slot"] = window
    writes = TableWrites(cloud)
    refused = applicant.apply()
    assert refused.status_code == 409 and refused.json()["reason"] == "slot_taken", refused.text
    assert refused.json()["params"]["next_free"]
    assert writes.since() == []


def test_a_sign_up_rolled_back_gives_its_window_back_once(cloud, agent):
    # Given a fibre applicant whose sanctions check fails after signing, in Eindhoven's one engineer's window
    applicant = _fibre(cloud, applicant__email=unique("eva+pep"))
    window = _weekday_windows(applicant.caller)[0]
    applicant.body["slot"] = window
    _to_signing(applicant)
    signed = applicant.sign()
    assert signed.status_code == 200, signed.text
    signup = signed.json()

    # Then the sign-up is rolled back, its visit cancelled, and its window free again
    status = agent.get(f"/agent/signups/{signup['signup_id']}").json()
    assert status["status"] == "ROLLED_BACK"
    assert status["fulfilment"]["status"] == "cancelled"
    visits = agent.get(f"/agent/customers/{signup['customer_id']}/appointments").json()["items"]
    assert [(v["status"], v["window"]["start"]) for v in visits] == [("cancelled", window)]
    assert window in _weekday_windows(agent)
    undone = {s["name"]: s for s in status["steps"]}["verification"]["undone"]
    assert f"engineer visit of {signup['fulfilment']['window']['date']} cancelled" in undone

    # When the rollback task runs again (Step Functions retries it)
    writes = TableWrites(cloud)
    again = cloud.cloud.invoke("SignupRollbackFunction", {
        "signup_id": signup["signup_id"], "checks": [{"check": "sanctions", "passed": False, "reason": "x"}]})

    # Then nothing changes
    assert again["outcome"] == "already_rolled_back"
    assert writes.since() == []
    # and a neighbour can take the window given back
    neighbour = new_customer(cloud, EINDHOVEN)
    assert neighbour.post("/me/appointments", json={"kind": "engineer_visit", "slot": window}).status_code == 201
