"""Reminders before collection, against the clock: an overdue invoice gets a friendly reminder a week
after its due date (a weekend or holiday moves it to the next working day), then the statutory
reminder with 14 days to pay and the collection costs that will be due, then is ready for
collection. Each offers to pay at once or to spread it. Nothing is sent for an amount in dispute or
in an arrangement, a payment between two steps stops the schedule, and however often the daily
run or one of its pages comes, each step goes once.

The daily run is invoked as its schedule fires it, the clock it reads set to the morning of each
day; the invoices are of months of 2025 (held since 2025), so no other test's invoice has a step
on these days."""

from __future__ import annotations

from datetime import date

import requests

from tests.conftest import Caller, bill, give_product, run_reminders, verified_phone

SINCE = "2025-01-01"


def _overdue(cloud, customer: Caller, period: str = "2025-02", *plans: str) -> dict:
    """An invoice of `period` for fibre (EUR 42.50), or `plans`, held since 2025."""
    for plan in plans or ("FIBRE-100",):
        give_product(customer, plan, started_at=SINCE)
    return bill(cloud, customer, period)


def _mails(cloud, customer: Caller) -> list[dict[str, str]]:
    return cloud.cloud.mailbox(customer.email)


def _reminders(cloud, customer: Caller, invoice: dict) -> list[dict[str, str]]:
    """The reminders (friendly and statutory) the customer received about the invoice, oldest first."""
    return [m for m in _mails(cloud, customer) if invoice["invoice_id"] in m["subject"]]


def _read(customer: Caller, invoice: dict) -> dict:
    return customer.get(f"/me/invoices/{invoice['invoice_id']}").json()


def _pay(customer: Caller, invoice: dict) -> None:
    """The customer pays what is due at their bank (the stand-in's test bank page), as in the portal."""
    checkout = customer.post(f"/me/invoices/{invoice['invoice_id']}/payments", json={"method": "ideal"})
    assert checkout.status_code == 201, checkout.text
    submit = checkout.json()["checkout_url"].replace("?", "/submit?", 1) + "&return_url=https://shop.example/paid"
    answer = requests.post(submit, data={"method": "ideal", "bank": "rabobank", "outcome": "approve"},
                           allow_redirects=False, timeout=10)
    assert answer.status_code == 303 and "redirect_status=succeeded" in answer.headers["Location"]


def _dispute(customer: Caller, invoice: dict, line: int = 0) -> dict:
    """The customer disputes a line as not delivered: a person decides, the line's amount on hold meanwhile."""
    response = customer.post("/me/disputes", json={
        "transaction": {"kind": "invoice_line", "invoice_id": invoice["invoice_id"], "line": line},
        "reason": "not_delivered", "explanation": "De monteur is nooit geweest."})
    assert response.status_code == 201, response.text
    return response.json()


def test_an_overdue_invoice_is_reminded_then_given_its_statutory_term_then_ready_for_collection(
        cloud, customer, agent, clock):
    # Given an invoice of EUR 42.50 due on Saturday 15 March 2025
    invoice = _overdue(cloud, customer)
    assert invoice["due_on"] == "2025-03-15" and invoice["total_cents"] == 4250
    assert invoice["reminders"] == {"next": {"step": "reminder", "on": "2025-03-24"}, "reminder": None,
                                    "final_notice": None, "ready_for_collection": None, "stopped": None}

    # When the daily run runs up to Sunday the 23rd: a week after is a Saturday, so nothing yet
    for day in (date(2025, 3, 21), date(2025, 3, 22), date(2025, 3, 23)):
        run_reminders(cloud, clock, day)
    assert _reminders(cloud, customer, invoice) == []

    # Then on Monday 24 March the friendly reminder comes, once, however often the run runs that day
    run_reminders(cloud, clock, date(2025, 3, 24))
    run_reminders(cloud, clock, date(2025, 3, 24))
    [reminder] = _reminders(cloud, customer, invoice)
    assert reminder["subject"] == f"Herinnering: factuur {invoice['invoice_id']} staat nog open"
    body = reminder["body"]
    assert body.startswith("Beste Test,") and "uiterlijk 15 maart 2025" in body and "nog € 42,50 open" in body
    # offering to pay at once (the invoice in the portal) or to spread it
    assert f"/#/invoices/{invoice['invoice_id']}" in body and "in 2 tot 4 maandelijkse termijnen" in body
    shown = _read(customer, invoice)["reminders"]
    assert shown["reminder"] == {"on": "2025-03-24", "amount_cents": 4250}
    assert shown["next"] == {"step": "final_notice", "on": "2025-04-07"}  # two weeks on, across the month end

    # When the run runs on until the statutory reminder's day
    run_reminders(cloud, clock, date(2025, 4, 4))
    assert len(_reminders(cloud, customer, invoice)) == 1
    run_reminders(cloud, clock, date(2025, 4, 7))

    # Then it comes: 14 days from the day after receipt end on Easter Monday, so the term runs to Tuesday
    # 22 April, and it states the collection costs that will be due: EUR 40.00 (15%, at least EUR 40)
    [_, notice] = _reminders(cloud, customer, invoice)
    assert notice["subject"] == f"Aanmaning: factuur {invoice['invoice_id']}"
    assert "uiterlijk 22 april 2025 te betalen" in notice["body"] and "€ 40,00 incassokosten" in notice["body"]
    assert "in 2 tot 4 maandelijkse termijnen" in notice["body"]
    shown = _read(customer, invoice)["reminders"]
    assert shown["final_notice"] == {"on": "2025-04-07", "amount_cents": 4250, "pay_by": "2025-04-22",
                                     "collection_costs_cents": 4000, "costs_claimable": True}
    assert shown["next"] == {"step": "ready_for_collection", "on": "2025-04-23"}

    # When the term runs out unpaid: nothing on its last day, ready for collection the day after
    run_reminders(cloud, clock, date(2025, 4, 22))
    assert _read(customer, invoice)["reminders"]["ready_for_collection"] is None
    run_reminders(cloud, clock, date(2025, 4, 23))
    run_reminders(cloud, clock, date(2025, 5, 30))

    # Then staff see it ready for collection with the costs that may now be claimed; nothing was charged
    # and nothing more was sent
    staff = agent.get(f"/agent/customers/{customer.customer_id}/invoices/{invoice['invoice_id']}").json()
    assert staff["reminders"]["ready_for_collection"] == {"on": "2025-04-23", "amount_cents": 4250,
                                                          "collection_costs_cents": 4000, "costs_claimable": True}
    assert staff["reminders"]["next"] is None and staff["reminders"]["stopped"] is None
    assert (staff["total_cents"], staff["balance_cents"]) == (4250, 4250)
    assert len(_reminders(cloud, customer, invoice)) == 2
    # And the customer's timeline holds both reminders
    types = [e["type"] for e in customer.get("/me/timeline").json()["items"]]
    assert "InvoiceReminder" in types and "InvoiceFinalNotice" in types


def test_a_payment_between_two_steps_stops_the_schedule(cloud, customer, clock):
    # Given an invoice due on Saturday 15 November 2025, reminded on Monday the 24th
    invoice = _overdue(cloud, customer, "2025-10")
    run_reminders(cloud, clock, date(2025, 11, 24))
    assert len(_reminders(cloud, customer, invoice)) == 1

    # When the customer pays it before the statutory reminder
    _pay(customer, invoice)

    # Then the schedule stopped at once, and the run sends nothing more, on the day or after
    shown = _read(customer, invoice)
    assert shown["status"] == "paid"
    assert shown["reminders"]["stopped"] == "paid" and shown["reminders"]["next"] is None
    for day in (date(2025, 12, 8), date(2025, 12, 23), date(2026, 1, 31)):
        run_reminders(cloud, clock, day)
    assert len(_reminders(cloud, customer, invoice)) == 1
    assert _read(customer, invoice)["reminders"]["final_notice"] is None


def test_an_amount_in_dispute_is_not_reminded_of_and_the_rest_is(cloud, customer, other_customer, clock):
    # Given an invoice wholly in dispute, and one of fibre and a mobile line whose fibre is disputed
    whole = _overdue(cloud, customer)
    _dispute(customer, whole)
    part = _overdue(cloud, other_customer, "2025-02", "FIBRE-100", "MOBILE-5GB")
    fibre = next(n for n, line in enumerate(part["lines"]) if line["plan_code"] == "FIBRE-100")
    _dispute(other_customer, part, fibre)
    asked = _read(other_customer, part)["due_now_cents"]
    assert 0 < asked < part["total_cents"]

    # When the reminder's day comes
    run_reminders(cloud, clock, date(2025, 3, 24))

    # Then nothing is sent for the amount in dispute: the schedule waits while it is
    assert _reminders(cloud, customer, whole) == []
    assert _read(customer, whole)["reminders"]["stopped"] == "in_dispute"
    # And the other customer is reminded of the rest only, told the disputed part is left out
    [reminder] = _reminders(cloud, other_customer, part)
    euros = f"€ {asked // 100},{asked % 100:02d}"
    assert f"nog {euros} open" in reminder["body"] and "€ 42,50) laten we erbuiten" in reminder["body"]
    assert _read(other_customer, part)["reminders"]["reminder"] == {"on": "2025-03-24", "amount_cents": asked}

    # And nothing comes for the disputed invoice while the dispute waits for a person
    for day in (date(2025, 3, 31), date(2025, 4, 7), date(2025, 4, 23)):
        run_reminders(cloud, clock, day)
    assert _reminders(cloud, customer, whole) == []


def test_an_invoice_in_an_arrangement_is_not_reminded_of(cloud, customer, clock):
    # Given an overdue invoice the customer spread over three months
    invoice = _overdue(cloud, customer)
    arranged = customer.post(f"/me/invoices/{invoice['invoice_id']}/arrangement", json={"instalments": 3})
    assert arranged.status_code == 201, arranged.text
    assert arranged.json()["reminders"]["stopped"] == "in_arrangement"

    # When the reminders' days come
    for day in (date(2025, 3, 24), date(2025, 4, 7), date(2025, 4, 23)):
        run_reminders(cloud, clock, day)

    # Then nothing is sent about it
    assert _reminders(cloud, customer, invoice) == []
    shown = _read(customer, invoice)["reminders"]
    assert (shown["next"], shown["reminder"], shown["stopped"]) == (None, None, "in_arrangement")


def test_a_page_that_dies_halfway_sends_the_rest_when_it_comes_again_and_each_step_once(
        cloud, clock, monkeypatch):
    # Given three customers with an overdue invoice each, and a run whose page dies once a reminder is taken
    from opencounter.billing import reminders
    from tests.conftest import new_customer

    customers = [new_customer(cloud) for _ in range(3)]
    invoices = [_overdue(cloud, c, "2025-05") for c in customers]  # due Sunday 15 June 2025
    mine, took, died = {i["invoice_id"] for i in invoices}, reminders.take_step, []

    def dies_after_one(customer_id: str, invoice_id: str, day: date) -> str:
        outcome = took(customer_id, invoice_id, day)
        if invoice_id in mine and outcome == "reminder" and not died:
            died.append(invoice_id)
            raise RuntimeError("the process died halfway a page")
        return outcome
    monkeypatch.setattr(reminders, "take_step", dies_after_one)

    # When the run runs on the reminder's day, its failed page comes back after the queue's timeout,
    # and the schedule fires the run again
    run_reminders(cloud, clock, date(2025, 6, 23))
    visibility = next(q.visibility_timeout_s for q in cloud.cloud.deployed.queues
                      if q.function == "InvoiceRemindersFunction")
    cloud.cloud.later(visibility + 1)
    run_reminders(cloud, clock, date(2025, 6, 23))

    # Then the page died once, and every customer got exactly one reminder
    assert len(died) == 1
    for customer, invoice in zip(customers, invoices, strict=True):
        [reminder] = _reminders(cloud, customer, invoice)
        assert reminder["subject"].startswith("Herinnering")


def test_the_statutory_reminder_goes_on_whatsapp_and_by_e_mail_even_without_consent_to_service_mail(
        cloud, customer, clock):
    # Given a customer who prefers WhatsApp (a proven number) and withdrew service messages by e-mail
    phone = verified_phone(customer)
    version = customer.get("/me").json()["version"]
    assert customer.patch("/me", json={"version": version, "settings": {"preferred_channel": "whatsapp"},
                                       "consents": [{"channel": "email", "purpose": "service", "granted": False}]}
                          ).status_code == 200
    invoice = _overdue(cloud, customer)
    before = len(_mails(cloud, customer))

    # When the friendly reminder and the statutory one are due
    run_reminders(cloud, clock, date(2025, 3, 24))
    run_reminders(cloud, clock, date(2025, 4, 7))

    # Then both went on WhatsApp as approved templates
    sent = [m["text"] for m in cloud.providers.sent if m["to"] == phone]
    assert [t.split(":")[0] for t in sent[-2:]] == ["invoice_reminder", "invoice_final_notice"]
    assert "22 april 2025" in sent[-1] and "€ 40,00" in sent[-1]
    # And the statutory one also in writing by e-mail, saying it goes without consent because the law asks
    [notice] = _mails(cloud, customer)[before:]
    assert notice["subject"] == f"Aanmaning: factuur {invoice['invoice_id']}"
    assert notice["body"].rstrip().endswith("de wet verplicht ons ertoe.")


def test_a_run_asked_for_a_day_still_to_come_reminds_for_today_and_nothing_before_its_day(cloud, customer, clock):
    # Given an invoice whose reminder is due on Monday 24 March 2025, and the clock on Friday the 21st
    invoice = _overdue(cloud, customer)
    run_reminders(cloud, clock, date(2025, 3, 21))

    # When the run is asked for the Monday
    started = cloud.cloud.invoke("InvoiceRemindersFunction", {"scheduled_at": "2025-03-24T06:00:00Z"})
    cloud.cloud.settle()

    # Then it reminds for today, and nothing goes before its day
    assert started["day"] == "2025-03-21"
    assert _reminders(cloud, customer, invoice) == []
    assert _read(customer, invoice)["reminders"]["next"] == {"step": "reminder", "on": "2025-03-24"}


def test_an_invoice_due_again_after_a_chargeback_is_reminded_of_again_once_the_bank_decided(cloud, customer):
    # Given an invoice paid by card, whose reminders stopped when it was paid
    from opencounter.billing.dunning import reminder_day
    from opencounter.core.clock import business_today

    invoice = _overdue(cloud, customer)
    checkout = customer.post(f"/me/invoices/{invoice['invoice_id']}/payments", json={"method": "card"})
    cloud.stripe.complete_payment(checkout.json()["payment_id"], method="card")
    assert _read(customer, invoice)["reminders"]["stopped"] == "paid"

    # When the customer's bank takes the money back: while the bank decides, nothing is asked
    dispute = cloud.stripe.dispute(checkout.json()["payment_id"])
    cloud.cloud.settle()
    assert _read(customer, invoice)["reminders"]["stopped"] == "in_dispute"

    # Then once the bank decided against us the invoice is due again, and reminded of from the start
    cloud.stripe.decide_dispute(dispute["id"], "lost")
    cloud.cloud.settle()
    again = _read(customer, invoice)
    assert again["status"] in ("open", "overdue") and again["due_now_cents"] == invoice["total_cents"]
    assert again["reminders"] == {"next": {"step": "reminder", "on": reminder_day(business_today()).isoformat()},
                                  "reminder": None, "final_notice": None, "ready_for_collection": None,
                                  "stopped": None}
