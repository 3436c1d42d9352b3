"""A customer who has an account orders another product: the same catalogue, the same instant
validation and signing as a sign-up, no second identification; active at once, or, where it needs
a visit, with the visit's window chosen when ordering, booked when signing, and active once the
field service reports it done. Staff order on the customer's behalf, the customer reading out the
code they received."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import pytest

from opencounter.core.clock import business_today
from tests.conftest import Caller, TableWrites, at_once, give_product, new_customer, visit_done


def _code(cloud, customer: Caller) -> str:
    """The signing code last mailed to the customer, read from the local mailbox."""
    mails = [m for m in cloud.cloud.mailbox(customer.email) if m["subject"] == "Your signing code"]
    assert mails, f"no signing code mailed to {customer.email}"
    return re.search(r"is (\d{6})", mails[-1]["body"]).group(1)


def _signature(caller: Caller, code: str, **changes) -> dict:
    terms = caller.get("/terms").json()
    return {"code": code, "terms_version": terms["version"], "terms_sha256": terms["sha256"], "accept_terms": True,
            **changes}


def _order(customer: Caller, plan_code: str = "FIBRE-100", product_code: str = "FIBRE", **more) -> dict:
    placed = customer.post("/me/products", json={"product_code": product_code, "plan_code": plan_code, **more})
    assert placed.status_code == 201, placed.text
    return placed.json()


def _ask_code(customer: Caller, order: dict) -> None:
    sent = customer.post(f"/me/orders/{order['order_id']}/signature-code")
    assert sent.status_code == 201, sent.text


def _held(customer: Caller) -> list[dict]:
    return customer.get("/me").json()["products"]


def _windows(caller: Caller, kind: str = "engineer_visit", postcode: str = "1012 LG") -> list[str]:
    """The starts of the windows a visit of `kind` can still be planned in at `postcode`."""
    slots = caller.get(f"/appointments/slots?postcode={postcode}&kind={kind}")
    assert slots.status_code == 200, slots.text
    return [w["start"] for d in slots.json()["days"] for w in d["slots"]]


def _signed(cloud, customer: Caller, plan_code: str = "FIBRE-100", product_code: str = "FIBRE",
            kind: str = "engineer_visit", **more) -> dict:
    """An order of a product that needs a visit, placed with the first free window and signed."""
    order = _order(customer, plan_code, product_code, slot=_windows(customer, kind)[0], **more)
    _ask_code(customer, order)
    signed = customer.post(f"/me/orders/{order['order_id']}/signature",
                           json=_signature(customer, _code(cloud, customer)))
    assert signed.status_code == 200, signed.text
    return signed.json()



def test_ordering_a_second_product_without_a_second_identification(cloud, customer):
    # Given a customer who holds a mobile plan
    give_product(customer, "MOBILE-5GB")
    writes = TableWrites(cloud)
    window = _windows(customer)[0]

    # When they order fibre with the window the engineer arrives in: validated at once, nobody asks who they are
    order = _order(customer, slot=window)
    assert order["status"] == "PLACED" and order["next_step"] == "signing"
    assert [s["name"] for s in order["steps"]] == ["order", "signing", "activation"]
    assert (order["product"]["plan_code"], order["product"]["connection_fee_cents"]) == ("FIBRE-100", 2500)
    assert order["placed_by"]["type"] == "customer"
    chosen = order["fulfilment"]
    assert (chosen["kind"], chosen["status"], chosen["window"]["start"], chosen["appointment_id"]) == (
        "engineer_visit", "chosen", window, None)
    assert customer.get("/me/appointments").json()["items"] == []  # booked when signed

    # And ask for the code, which goes to their proven e-mail address, and sign with it
    sent = customer.post(f"/me/orders/{order['order_id']}/signature-code")
    assert sent.status_code == 201
    assert sent.json()["sent_to"] == customer.email[0] + "***@example.nl"
    signed = customer.post(f"/me/orders/{order['order_id']}/signature",
                           json=_signature(customer, _code(cloud, customer)))

    # Then it is signed and the engineer's visit is planned for the product to come; nothing is active yet
    assert signed.status_code == 200, signed.text
    body = signed.json()
    assert (body["status"], body["next_step"], body["product_id"]) == ("SIGNED", "activation", None)
    assert body["steps"][2]["waiting_for"] == "engineer_visit"
    assert (body["fulfilment"]["status"], body["fulfilment"]["window"]) == ("planned", chosen["window"])
    [visit] = customer.get("/me/appointments").json()["items"]
    assert (visit["appointment_id"], visit["kind"], visit["status"], visit["window"]["start"]) == (
        body["fulfilment"]["appointment_id"], "engineer_visit", "planned", window)
    assert len(_held(customer)) == 1 and customer.get("/me/invoices").json()["items"] == []
    # And the evidence says what was signed, by whom, where and how they were recognised
    evidence = body["evidence"]
    assert (evidence["actor"], evidence["channel"]) == ({"type": "customer", "id": customer.customer_id}, "web")
    assert evidence["terms_version"] == customer.get("/terms").json()["version"]
    assert evidence["code_check"]["method"] == "email_one_time_code"
    assert evidence["ip"] == "127.0.0.1" and evidence["user_agent"].startswith("python-requests")
    # And the order reads the same afterwards, and is in the list
    assert customer.get(f"/me/orders/{order['order_id']}").json() == body
    assert customer.get("/me/orders").json()["items"] == [body]

    # When the field service reports the visit done, and the report comes twice
    visit_done(cloud, customer, body)
    visit_done(cloud, customer, body)

    # Then fibre is active once, as the product the visit named, and its connection fee invoiced once
    done = customer.get(f"/me/orders/{order['order_id']}").json()
    assert (done["status"], done["next_step"]) == ("ACTIVE", None)
    assert [s["status"] for s in done["steps"]] == ["passed"] * 3
    activation = done["steps"][2]
    assert activation["identifier"].startswith("FTTH-") and activation["product_id"] == done["product_id"]
    assert done["product_id"] == visit["product_id"]
    fibre = next(p for p in _held(customer) if p["product_id"] == done["product_id"])
    assert (fibre["name"], fibre["plan_code"], fibre["status"]) == ("Glasvezel internet", "FIBRE-100", "ACTIVE")
    assert len(_held(customer)) == 2
    assert [i["total_cents"] for i in customer.get("/me/invoices").json()["items"]] == [2500]
    titles = [e["title"] for e in customer.get("/me/timeline").json()["items"]]
    assert {"Product ordered", "Order signed", "Appointment planned", "Product activated", "New invoice"} <= set(titles)
    assert titles.count("Product activated") == 2  # the mobile plan held, and fibre once
    # And no sign-up, no identification: the customer was identified when they became one
    assert writes.items("Signup") == [] and writes.items("ResumeCode") == []
    assert not any(e.get("type") in ("CustomerIdentified", "SignupStarted")
                   for e in customer.get("/me/timeline").json()["items"])


@pytest.fixture
def nothing_to_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    """A product the catalogue marks with nothing to do at home (today every product on sale needs
    a visit or a delivery): the mobile plan, as if its SIM card were sent without a window."""
    from opencounter.signups import orders

    planned = orders.visit_needed
    monkeypatch.setattr(orders, "visit_needed",
                        lambda code, version: None if code == "MOBILE" else planned(code, version))


def _mobile(customer: Caller, plan_code: str = "MOBILE-5GB") -> dict:
    """A mobile plan ordered with the first window the courier has free."""
    return _order(customer, plan_code, "MOBILE", slot=_windows(customer, "delivery")[0])


def test_a_product_needing_no_visit_is_active_at_once_and_refuses_a_window(cloud, customer, nothing_to_plan):
    writes = TableWrites(cloud)
    refused = customer.post("/me/products", json={"product_code": "MOBILE", "plan_code": "MOBILE-20GB",
                                                  "slot": _windows(customer, "delivery")[0]})
    assert refused.status_code == 400, refused.text
    assert (refused.json()["field"], refused.json()["reason"]) == ("slot", "slot_not_needed")
    assert writes.since() == []
    order = _order(customer, "MOBILE-20GB", "MOBILE")
    assert order["fulfilment"] is None
    _ask_code(customer, order)
    body = customer.post(f"/me/orders/{order['order_id']}/signature",
                         json=_signature(customer, _code(cloud, customer))).json()
    assert (body["status"], body["next_step"]) == ("ACTIVE", None)
    assert body["steps"][2]["identifier"].startswith("+316")
    assert [p["product_id"] for p in _held(customer)] == [body["product_id"]]
    assert [(h["plan_code"], h["why"], h["until"]) for h in _held(customer)[0]["history"]] == [
        ("MOBILE-20GB", "order", None)]
    assert customer.get("/me/appointments").json()["items"] == []


def test_a_wrong_code_is_refused_and_the_tries_are_limited(cloud, customer):
    order = _mobile(customer, "MOBILE-20GB")
    _ask_code(customer, order)
    right = _code(cloud, customer)
    wrong = "000000" if right != "000000" else "111111"
    path = f"/me/orders/{order['order_id']}/signature"

    first = customer.post(path, json=_signature(customer, wrong))
    assert first.status_code == 400
    assert (first.json()["field"], first.json()["reason"], first.json()["params"]) == (
        "code", "code_wrong", {"tries_left": 4})
    for _ in range(4):
        assert customer.post(path, json=_signature(customer, wrong)).status_code == 400
    # Five wrong tries: even the right code does not sign any more, and nothing is active
    used_up = customer.post(path, json=_signature(customer, right))
    assert used_up.status_code == 409 and used_up.json()["reason"] == "code_attempts_used_up"
    assert _held(customer) == []
    # A new code signs
    _ask_code(customer, order)
    assert customer.post(path, json=_signature(customer, _code(cloud, customer))).json()["status"] == "SIGNED"


def test_signing_asks_for_a_code_first_and_the_terms_in_force(cloud, customer):
    order = _mobile(customer)
    path = f"/me/orders/{order['order_id']}/signature"
    early = customer.post(path, json=_signature(customer, "123456"))
    assert early.status_code == 409 and early.json()["reason"] == "code_not_requested"
    _ask_code(customer, order)
    stale = customer.post(path, json=_signature(customer, _code(cloud, customer), terms_sha256="0" * 64))
    assert stale.status_code == 409 and stale.json()["reason"] == "terms_changed"
    unaccepted = customer.post(path, json=_signature(customer, _code(cloud, customer), accept_terms=False))
    assert unaccepted.status_code == 400 and unaccepted.json()["field"] == "accept_terms"
    assert _held(customer) == []


@pytest.mark.parametrize(("body", "field", "reason"), [
    ({"product_code": "MOBILE", "plan_code": "MOBILE-1TB"}, "plan_code", "plan_not_on_sale"),
    ({"product_code": "MOBILE", "plan_code": "FIBRE-100"}, "plan_code", "plan_not_on_sale"),  # another product's
    ({"product_code": "TELEVISION", "plan_code": "TV-BASIC"}, "product_code", "product_not_on_sale"),
    ({"product_code": "MOBILE"}, "plan_code", "field_required"),
    ({"product_code": "MOBILE", "plan_code": "MOBILE-5GB", "price_cents": 0}, "price_cents", "field_unknown"),
    ({"product_code": "MOBILE", "plan_code": "MOBILE-5GB", "starts_on": "2030-01-01"}, "starts_on",
     "starts_on_not_chosen"),
    ({"product_code": "POWER", "plan_code": "POWER-VARIABLE", "starts_on": "2020-01-01"}, "starts_on",
     "starts_on_past"),
    ({"product_code": "POWER", "plan_code": "POWER-VARIABLE", "starts_on": "2026-02-30"}, "starts_on",
     "field_format"),
    ({"product_code": "FIBRE", "plan_code": "FIBRE-100"}, "slot", "field_required"),
    ({"product_code": "POWER", "plan_code": "POWER-VARIABLE"}, "slot", "field_required"),
    ({"product_code": "FIBRE", "plan_code": "FIBRE-100", "slot": "2020-01-14T09:00:00Z"}, "slot", "slot_in_the_past"),
    ({"product_code": "FIBRE", "plan_code": "FIBRE-100", "slot": "2027-01-12T02:00:00Z"}, "slot", "slot_unknown"),
    ({"product_code": "FIBRE", "plan_code": "FIBRE-100", "slot": "2027-01-12T08:10:00Z"}, "slot", "slot_unknown"),
    ({"product_code": "FIBRE", "plan_code": "FIBRE-100", "slot": "morgen"}, "slot", "field_format"),
])
def test_a_bad_order_is_refused_naming_the_field_and_writes_nothing(cloud, customer, body, field, reason):
    writes = TableWrites(cloud)
    response = customer.post("/me/products", json=body)
    assert response.status_code == 400, response.text
    assert (response.json()["field"], response.json()["reason"]) == (field, reason)
    assert writes.since() == []


def test_energy_is_held_once_and_may_start_on_a_chosen_day(cloud, customer):
    # Given a customer with power at their address, a second supply is refused, naming why
    give_product(customer, "POWER-VARIABLE")
    writes = TableWrites(cloud)
    twice = customer.post("/me/products", json={"product_code": "POWER", "plan_code": "POWER-NIGHT",
                                                "slot": _windows(customer, "installer_visit")[0]})
    assert twice.status_code == 409
    assert (twice.json()["field"], twice.json()["reason"]) == ("product_code", "product_held_already")
    assert writes.since() == []


def test_energy_ordered_for_a_later_day_is_scheduled_until_then(cloud, customer):
    first_day = (business_today() + timedelta(days=14)).isoformat()
    signed = _signed(cloud, customer, "POWER-FIXED-1Y", "POWER", "installer_visit", starts_on=first_day)
    assert (signed["starts_on"], signed["status"], signed["fulfilment"]["kind"]) == (
        first_day, "SIGNED", "installer_visit")
    visit_done(cloud, customer, signed)
    signed = customer.get(f"/me/orders/{signed['order_id']}").json()
    assert signed["status"] == "ACTIVE"
    power = next(p for p in _held(customer) if p["product_id"] == signed["product_id"])
    assert (power["status"], power["started_at"]) == ("SCHEDULED", first_day)
    assert (power["history"][0]["from"], power["history"][0]["why"]) == (first_day, "order")
    assert power["identifier"].startswith("8716")


def test_nobody_reads_or_signs_another_customers_order(cloud, customer, other_customer):
    order = _mobile(customer)
    _ask_code(customer, order)
    code = _code(cloud, customer)
    writes = TableWrites(cloud)
    path = f"/me/orders/{order['order_id']}"
    for response in (other_customer.get(path), other_customer.post(f"{path}/signature-code"),
                     other_customer.post(f"{path}/signature", json=_signature(other_customer, code)),
                     other_customer.post(f"{path}/signature", data=b"{not json")):
        assert response.status_code == 404, response.text
        assert response.json()["reason"] == "order_not_found"
    assert other_customer.get("/me/orders").json()["items"] == []
    assert writes.since() == []
    assert customer.get(path).json()["status"] == "PLACED"


def test_signing_twice_books_once(cloud, customer):
    order = _order(customer, slot=_windows(customer)[0])
    _ask_code(customer, order)
    body = _signature(customer, _code(cloud, customer))
    path = f"/me/orders/{order['order_id']}/signature"

    first = customer.post(path, json=body)
    again = customer.post(path, json=body)  # the answer was lost, and the request is sent again

    assert first.status_code == again.status_code == 200, again.text
    assert again.json() == first.json()
    assert first.json()["status"] == "SIGNED"
    assert len(customer.get("/me/appointments").json()["items"]) == 1
    # And a second fibre connection is refused while this one waits for its engineer
    second = customer.post("/me/products", json={"product_code": "FIBRE", "plan_code": "FIBRE-1000",
                                                 "slot": _windows(customer)[0]})
    assert second.status_code == 409 and second.json()["reason"] == "product_held_already", second.text
    # Another code, or another code request, is refused: the order is signed
    other = customer.post(path, json=_signature(customer, "999999" if body["code"] != "999999" else "888888"))
    assert other.status_code == 409 and other.json()["reason"] == "order_signed_already"
    assert customer.post(f"/me/orders/{order['order_id']}/signature-code").status_code == 409


def test_two_signatures_at_the_same_moment_book_once(cloud, customer):
    order = _mobile(customer, "MOBILE-20GB")
    _ask_code(customer, order)
    body = _signature(customer, _code(cloud, customer))
    path = f"/me/orders/{order['order_id']}/signature"

    answers = at_once([lambda: customer.post(path, json=body)] * 3)

    assert all(a.status_code == 200 or a.json()["reason"] == "busy_try_again" for a in answers), \
        [a.text for a in answers]
    assert [a["kind"] for a in customer.get("/me/appointments").json()["items"]] == ["delivery"]
    assert customer.post(path, json=body).json()["status"] == "SIGNED"


def test_two_tabs_are_two_orders_and_one_key_is_one_order(cloud, customer):
    assert _mobile(customer)["order_id"] != _mobile(customer)["order_id"]
    key = {"Idempotency-Key": uuid.uuid4().hex}
    body = {"product_code": "MOBILE", "plan_code": "MOBILE-5GB", "slot": _windows(customer, "delivery")[0]}
    first = customer.post("/me/products", json=body, headers=key)
    again = customer.post("/me/products", json=body, headers=key)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert len(customer.get("/me/orders").json()["items"]) == 3
    other = customer.post("/me/products", json={**body, "plan_code": "MOBILE-20GB"}, headers=key)
    assert other.status_code == 409 and other.json()["reason"] == "idempotency_key_reused"


def test_staff_order_on_the_customers_behalf_and_type_the_code_they_read_out(cloud, customer, agent):
    give_product(customer, "MOBILE-5GB")
    base = f"/agent/customers/{customer.customer_id}"

    # When an agent orders fibre for the customer, on the phone, with the engineer's window the customer chose
    window = _windows(agent)[1]
    placed = agent.post(f"{base}/products", json={"product_code": "FIBRE", "plan_code": "FIBRE-1000", "slot": window})
    assert placed.status_code == 201, placed.text
    order = placed.json()
    assert (order["placed_by"]["type"], order["channel"]) == ("agent", "agent")

    # And sends the code: it goes to the customer, who reads it out; the agent types it
    sent = agent.post(f"{base}/orders/{order['order_id']}/signature-code")
    assert sent.status_code == 201 and sent.json()["sent_to"] == customer.email[0] + "***@example.nl"
    signed = agent.post(f"{base}/orders/{order['order_id']}/signature", json=_signature(agent, _code(cloud, customer)))

    # Then the order is signed and the visit planned on the customer's record, as the agent's, and the
    # evidence names the agent and the channel
    assert signed.status_code == 200, signed.text
    body = signed.json()
    assert (body["status"], body["fulfilment"]["status"], body["fulfilment"]["window"]["start"]) == (
        "SIGNED", "planned", window)
    assert (body["evidence"]["actor"]["type"], body["evidence"]["actor"]["id"], body["evidence"]["channel"]) == (
        "agent", agent.email, "agent")
    [visit] = customer.get("/me/appointments").json()["items"]
    assert (visit["appointment_id"], visit["planned_channel"]) == (body["fulfilment"]["appointment_id"], "agent")
    assert agent.get(f"{base}/orders/{order['order_id']}").json()["fulfilment"] == body["fulfilment"]
    visit_done(cloud, customer, body)
    assert any(p["product_id"] == visit["product_id"] and p["plan_code"] == "FIBRE-1000" for p in _held(customer))
    # And the customer sees the order and who signed it; the timeline says an agent did
    assert customer.get(f"/me/orders/{order['order_id']}").json()["evidence"]["actor"]["type"] == "agent"
    signed_entry = next(e for e in customer.get("/me/timeline").json()["items"] if e["type"] == "OrderSigned")
    assert (signed_entry["actor"]["type"], signed_entry["channel"]) == ("agent", "agent")
    assert [o["order_id"] for o in agent.get(f"{base}/orders").json()["items"]] == [order["order_id"]]


def test_staff_cannot_order_for_a_customer_who_does_not_exist(cloud, agent):
    writes = TableWrites(cloud)
    response = agent.post("/agent/customers/nobody-1/products", json={"product_code": "MOBILE", "plan_code": "X"})
    assert response.status_code == 404 and response.json()["reason"] == "customer_not_found"
    assert agent.get("/agent/customers/nobody-1/orders/x-1").status_code == 404
    assert writes.since() == []


def test_a_fee_for_an_ordered_product_disputed_as_not_mine_is_answered_with_the_order_signed(cloud, customer):
    from tests.conftest import bill

    # Given a product the customer ordered and signed for, delivered, billed for the month it started
    signed = _signed(cloud, customer, "MOBILE-20GB", "MOBILE", "delivery")
    visit_done(cloud, customer, signed)
    invoice = bill(cloud, customer, signed["evidence"]["accepted_at"][:7])
    [fee] = [n for n, line in enumerate(invoice["lines"]) if line["kind"] == "subscription"]

    # When they dispute the fee as not theirs
    filed = customer.post("/me/disputes", json={
        "transaction": {"kind": "invoice_line", "invoice_id": invoice["invoice_id"], "line": fee},
        "reason": "not_mine", "explanation": "Dit heb ik niet besteld."})
    assert filed.status_code == 201, filed.text
    dispute = customer.get(f"/me/disputes/{filed.json()['dispute_id']}").json()

    # Then the order they signed answers it
    [contract] = [f for f in dispute["assessment"] if f["rule"] == "signed_for_it"]
    assert contract["outcome"] == "rejected"
    assert contract["evidence"]["signed_on"] == signed["evidence"]["accepted_at"][:10]
    assert contract["evidence"]["terms_version"] == signed["evidence"]["terms_version"]


def test_a_chargeback_of_an_ordered_products_fee_sends_the_bank_the_order_signed(cloud, customer):
    # Given fibre ordered and signed, connected, and its connection fee paid by card
    signed = _signed(cloud, customer)
    visit_done(cloud, customer, signed)
    [invoice] = customer.get("/me/invoices").json()["items"]
    checkout = customer.post(f"/me/invoices/{invoice['invoice_id']}/payments", json={"method": "card"})
    assert checkout.status_code == 201, checkout.text
    cloud.stripe.complete_payment(checkout.json()["payment_id"], method="card")

    # When the customer's bank disputes the payment
    dispute = cloud.stripe.dispute(checkout.json()["payment_id"], reason="fraudulent")
    cloud.cloud.settle()

    # Then the evidence sent to the bank holds the order's signature: where from, and the code
    evidence = cloud.stripe.disputes[dispute["id"]]["evidence"]
    assert evidence["customer_purchase_ip"] == signed["evidence"]["ip"]
    assert f"terms version {signed['evidence']['terms_version']}" in evidence["uncategorized_text"]
    assert "one-time code" in evidence["uncategorized_text"]


EINDHOVEN = {"street": "Hoogstraat", "house_number": 7, "postcode": "5611 JK", "city": "Eindhoven"}


def test_two_orders_taking_the_last_place_of_a_window_one_wins_and_the_other_signs_for_the_next(cloud):
    # Given two neighbours in Eindhoven, where one installer works a weekday: a window holds one visit
    first, second = new_customer(cloud, EINDHOVEN), new_customer(cloud, EINDHOVEN)
    slots = first.get("/appointments/slots?postcode=5611JK&kind=installer_visit").json()
    window = next(w["start"] for d in slots["days"] if date.fromisoformat(d["date"]).weekday() < 5 for w in d["slots"])
    orders = [_order(c, "POWER-VARIABLE", "POWER", slot=window) for c in (first, second)]  # both free when placed
    for caller, order in zip((first, second), orders, strict=True):
        _ask_code(caller, order)
    bodies = [_signature(c, _code(cloud, c)) for c in (first, second)]

    # When both sign at the same moment
    answers = at_once([lambda c=c, o=o, b=b: c.post(f"/me/orders/{o['order_id']}/signature", json=b)
                       for c, o, b in zip((first, second), orders, bodies, strict=True)])

    # Then one is signed with the visit booked; the other is told the window is taken, with the next free ones
    assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
    won = next(a for a in answers if a.status_code == 200).json()
    assert (won["status"], won["fulfilment"]["window"]["start"]) == ("SIGNED", window)
    lost = answers.index(next(a for a in answers if a.status_code == 409))
    refused = answers[lost].json()
    assert (refused["reason"], refused["field"]) == ("slot_taken", "slot")
    offered = [w["start"] for w in refused["params"]["next_free"]]
    assert offered and window not in offered
    # And nothing of the refused signature is written: still to sign, no visit
    loser, order = (first, second)[lost], orders[lost]
    assert loser.get(f"/me/orders/{order['order_id']}").json()["status"] == "PLACED"
    assert loser.get("/me/appointments").json()["items"] == []
    # And a third neighbour ordering that window now is refused at once
    third = new_customer(cloud, EINDHOVEN)
    writes = TableWrites(cloud)
    late = third.post("/me/products", json={"product_code": "POWER", "plan_code": "POWER-VARIABLE", "slot": window})
    assert late.status_code == 409 and late.json()["reason"] == "slot_taken", late.text
    assert writes.since() == []

    # When the refused customer signs with the same code for the next free window
    again = loser.post(f"/me/orders/{order['order_id']}/signature", json={**bodies[lost], "slot": offered[0]})

    # Then their order is signed with the visit in that window
    assert again.status_code == 200, again.text
    assert (again.json()["status"], again.json()["fulfilment"]["window"]["start"]) == ("SIGNED", offered[0])


def test_a_window_at_an_address_outside_the_service_area_is_refused_and_writes_nothing(cloud, customer):
    groningen = new_customer(cloud, {"street": "Grote Markt", "house_number": 1, "postcode": "9711 LV",
                                     "city": "Groningen"})
    writes = TableWrites(cloud)
    refused = groningen.post("/me/products", json={"product_code": "FIBRE", "plan_code": "FIBRE-100",
                                                   "slot": _windows(customer)[0]})
    assert refused.status_code == 400, refused.text
    assert (refused.json()["field"], refused.json()["reason"]) == ("postcode", "postcode_outside_service_area")
    assert writes.since() == []


def test_a_visit_done_activates_only_an_order_signed_and_waiting_for_it(cloud, customer):
    # Given an order placed with a window but not signed, and its visit reported done all the same
    order = _order(customer, slot=_windows(customer)[0])
    report = {"event_id": str(uuid.uuid4()), "customer_id": customer.customer_id,
              "data": {"order_id": order["order_id"], "appointment_id": "A-000000000000"}}
    assert cloud.cloud.invoke("OrderActivationFunction", {"detail-type": "AppointmentDone", "detail": report}) == {
        "outcome": "left_placed"}
    # And a visit of no order reaches nothing
    report["data"]["order_id"] = None
    assert cloud.cloud.invoke("OrderActivationFunction", {"detail-type": "AppointmentDone", "detail": report}) == {
        "outcome": "no_order"}
    # Then nothing is active, and the order still waits to be signed
    assert _held(customer) == [] and customer.get(f"/me/orders/{order['order_id']}").json()["status"] == "PLACED"


def test_an_ordered_products_visit_cancelled_is_planned_again_and_its_done_activates_the_order(cloud, customer):
    # Given fibre ordered and signed with its engineer's visit, and the visit then cancelled
    signed = _signed(cloud, customer)
    first = signed["fulfilment"]["appointment_id"]
    assert customer.request("DELETE", f"/me/appointments/{first}").status_code == 200

    # Then the fibre still to come is asked to be planned, by its name, though it is not held yet
    [waiting] = customer.get("/me/appointments").json()["to_plan"]
    assert (waiting["name"], waiting["kind"]) == ("Glasvezel internet", "engineer_visit")
    assert _held(customer) == []
    # and planned again, the new visit carrying the order
    again = customer.post("/me/appointments", json={"kind": "engineer_visit", "slot": _windows(customer)[1],
                                                    "product_id": waiting["product_id"]})
    assert again.status_code == 201, again.text
    assert customer.get("/me/appointments").json()["to_plan"] == []

    # When the field service reports the new visit done, the ordered fibre is active
    assert cloud.field.update(again.json()["appointment_id"], "done") == 200
    cloud.cloud.settle()
    [held] = _held(customer)
    assert held["product_id"] == waiting["product_id"]
    assert customer.get(f"/me/orders/{signed['order_id']}").json()["status"] == "ACTIVE"
