"""Telling customers what happened, on the channel they prefer: a new invoice, a payment that
did not go through, a plan that fits their use better, the link to pay that staff sent, how a
dispute or their bank's chargeback was decided, a visit planned, moved or cancelled, a reminder of
it, the technician on the way, the visit done or missed (with the first free windows), an outage
where they live and its all-clear, an erasure that something came in the way of, an overdue
invoice's reminder and the statutory reminder before collection, a direct debit announced and one
the bank returned, a complaint received (with the day it will be answered by), a request, a
dispute or a complaint that staff or the workflow moved on (what the customer did themselves is
not told back: the bus's rule only passes staff's and the system's changes). E-mail (SES),
text messages (SNS) and WhatsApp templates are sent; the phone's two only to a number the customer
proved is theirs (else the notice would tell a stranger about their invoices). A customer who
prefers a channel that cannot carry a notice (post, the app), or whose WhatsApp message is
refused, gets an e-mail.

Every notice has a purpose (service, or advice for a better plan) and goes only on a channel the
customer consents to for it: a message about their own products and contract (service, advice)
unless they withdrew that consent for the channel, anything else (marketing, research) only where
they gave it. A notice the law requires (an invoice, a payment that
failed, a decision on a dispute or a chargeback, the statutory reminder) goes anyway, by e-mail, and
says so; the statutory reminder always goes by e-mail too, in writing. A withdrawn consent stops the
next message, on every channel."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from opencounter.core.clock import BUSINESS_TIME, isoformat, utcnow
from opencounter.core.ids import stable_id
from opencounter.core.table import CUSTOMER_PREFIX
from opencounter.customers.records import Profile
from opencounter.customers.views import consented, consents_of
from opencounter.notifications import quiet
from opencounter.notifications.records import Notification
from opencounter.ports.channels import whatsapp
from opencounter.ports.channels.delivery import DeliveryFailed
from opencounter.ports.messaging import send_email, send_sms
from opencounter.pricing.money import euros

MONTHS_NL = ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
             "november", "december")
MONTHS_EN = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
             "November", "December")


DAYS_NL = ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag")
DAYS_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _day(iso_date: str, language: str) -> str:
    """A date as the customer reads it: 15 november 2026, or 15 November 2026."""
    year, month, day = (int(part) for part in iso_date[:10].split("-"))
    return f"{day} {(MONTHS_NL if language == 'nl' else MONTHS_EN)[month - 1]} {year}"


def _month(period: str, language: str) -> str:
    return _day(f"{period}-01", language).split(" ", 1)[1]


def _invoice_issued(data: dict[str, Any], lang: str) -> tuple[str, str]:
    saving = data.get("saving_cents") or 0
    total, due = euros(data["total_cents"], lang), _day(data["due_on"], lang)
    if lang == "nl":
        note = f" We rekenden het goedkoopste abonnement voor uw verbruik: u bespaarde {euros(saving, lang)}." \
            if saving else ""
        return "Uw factuur staat klaar", (f"Factuur {data['invoice_id']} van {total} staat klaar en moet uiterlijk "
                                          f"{due} betaald zijn. Betaal hem meteen in uw account.{note}")
    note = f" We billed you at the cheapest plan for your use: you saved {euros(saving, lang)}." if saving else ""
    return "Your invoice is ready", (f"Invoice {data['invoice_id']} of {total} is ready, due on {due}. "
                                     f"Pay it at once in your account.{note}")


def _payment_failed(data: dict[str, Any], lang: str) -> tuple[str, str]:
    if lang == "nl":
        return "Uw betaling is niet gelukt", (f"De betaling voor factuur {data['invoice_id']} is niet gelukt. U kunt "
                                              "het opnieuw proberen in uw account.")
    return "Your payment did not go through", (f"The payment for invoice {data['invoice_id']} did not go through: "
                                               f"{data['reason']} You can try again in your account.")


def _fixed_price_ending(data: dict[str, Any], lang: str) -> tuple[str, str]:
    ends = _day(data["ends_on"], lang)
    if lang == "nl":
        return "Uw vaste prijs loopt af", (
            f"De vaste prijs van {data['product_name']} ({data['plan_name']}) loopt af op {ends}. Vanaf die dag "
            "kunt u in uw account op elk moment overstappen naar een ander tarief; tot u dat doet, blijft u op uw "
            "huidige abonnement.")
    return "Your fixed price is ending", (
        f"The fixed price of {data['product_name']} ({data['plan_name']}) ends on {ends}. From that day you can "
        "switch to another tariff in your account at any time; until you do, you stay on your current plan.")


def _price_change(data: dict[str, Any], lang: str) -> tuple[str, str]:
    day = _day(data["prices_from"], lang)
    old, new = euros(data["old"]["monthly_fee_cents"], lang), euros(data["new"]["monthly_fee_cents"], lang)
    if lang == "nl":
        return "Uw prijs verandert", (
            f"Vanaf {day} verandert de prijs van {data['product_name']} ({data['plan_name']}): het maandbedrag wordt "
            f"{new} (nu {old}){_units(data, lang)}. Tot die dag betaalt u de huidige prijs. Wilt u dat niet, dan "
            "kunt u uw abonnement vóór die dag kosteloos opzeggen, in uw account of bij onze klantenservice. In uw "
            "account ziet u ook of een ander abonnement goedkoper voor u is.")
    return "Your price is changing", (
        f"From {day} the price of {data['product_name']} ({data['plan_name']}) changes: the monthly fee becomes {new} "
        f"(now {old}){_units(data, lang)}. Until that day you pay the current price. If you do not want this, you may "
        "cancel free of charge before that day, in your account or through our customer service. Your account also "
        "shows whether another plan costs you less.")


def _units(data: dict[str, Any], lang: str) -> str:
    """The prices per unit that rise, as a clause after the monthly fee ('' when none does)."""
    names = {"nl": {"data_mb": "per MB", "minutes": "per minuut", "sms": "per sms", "kwh": "per kWh"},
             "en": {"data_mb": "per MB", "minutes": "per minute", "sms": "per text", "kwh": "per kWh"}}[lang]
    raised = [f"{names.get(unit, unit)} {euros(int(now.get('price_cents') or 0), lang)}"
              for unit, now in (data["new"].get("usage") or {}).items()
              if int(now.get("price_cents") or 0) > int(((data["old"].get("usage") or {}).get(unit) or {})
                                                         .get("price_cents") or 0)]
    if not raised:
        return ""
    return ("; buiten uw bundel: " if lang == "nl" else "; beyond your bundle: ") + ", ".join(raised)


def _better_plan(data: dict[str, Any], lang: str) -> tuple[str, str]:
    saving = euros(data["saving_cents"], lang)
    if lang == "nl":
        months = " en ".join(_month(p, lang) for p in data["periods"])
        return "Een abonnement dat beter bij u past", (
            f"In {months} paste {data['advised_plan_name']} beter bij uw verbruik dan uw huidige abonnement. We "
            f"rekenden u al het goedkopere abonnement ({saving} bespaard); stap over in uw account om dat zo te "
            "houden.")
    months = " and ".join(_month(p, lang) for p in data["periods"])
    return "A plan that fits you better", (
        f"In {months} the {data['advised_plan_name']} plan fitted your use better than your current plan. We already "
        f"billed you at the cheaper plan ({saving} saved); switch in your account to keep it that way.")


def _payment_link(data: dict[str, Any], lang: str) -> tuple[str, str]:
    amount = euros(data["amount_cents"], lang)
    if lang == "nl":
        return "Betaal uw factuur", (f"Zoals afgesproken: met deze link betaalt u factuur {data['invoice_id']} "
                                     f"({amount}) meteen: {data['link']}")
    return "Pay your invoice", (f"As agreed, here is the link to pay invoice {data['invoice_id']} ({amount}) at once: "
                                f"{data['link']}")


def _dispute_with_staff(data: dict[str, Any], lang: str) -> tuple[str, str]:
    by = _day(data["expected_decision_on"], lang)
    if lang == "nl":
        return "Een collega bekijkt uw betwisting", (
            f"Over uw betwisting {data['dispute_id']} beslist een medewerker, uiterlijk {by}. Tot dan staat het "
            "bedrag vast. U volgt het in uw account.")
    return "A colleague looks at your dispute", (
        f"Your dispute {data['dispute_id']} needs a person's judgement. You will have a decision by {by}; until "
        "then the amount stays on hold. Follow it in your account.")


def _signup_in_review(data: dict[str, Any], lang: str) -> tuple[str, str]:
    by = _day(data["decision_by"], lang)
    if lang == "nl":
        return "We kijken uw gegevens nog even na", (
            "Niet alle controles bij uw aanmelding konden we automatisch afronden. Een collega kijkt ernaar en "
            f"beslist uiterlijk {by}. U kunt uw product intussen gewoon gebruiken; u hoeft niets te doen.")
    return "We are still checking your details", (
        "Not every check of your sign-up could be completed automatically. A colleague looks at it and decides "
        f"by {by}. You can use your product meanwhile; there is nothing you need to do.")


def _dispute_decided(data: dict[str, Any], lang: str) -> tuple[str, str]:
    amount, refund = euros(data["amount_cents"], lang), euros(data["refund_cents"], lang)
    if lang == "nl":
        if data["outcome"] == "upheld":
            back = f" {refund} gaat terug naar uw rekening." if data["refund_cents"] else ""
            return "Uw betwisting is toegekend", (f"U had gelijk: we crediteren {amount} op factuur "
                                                  f"{data['invoice_id']}.{back} De details staan in uw account.")
        return "Uw betwisting is afgehandeld", (
            f"We konden uw betwisting {data['dispute_id']} niet toekennen. Waarom, en waarop we dat baseren, staat "
            "in uw account; daar kunt u ook bezwaar maken.")
    if data["outcome"] == "upheld":
        back = f" {refund} goes back to your account." if data["refund_cents"] else ""
        return "Your dispute is upheld", (f"You were right: we credited {amount} on invoice {data['invoice_id']}."
                                          f"{back} The details are in your account.")
    return "Your dispute is decided", (f"We could not uphold your dispute {data['dispute_id']}; the reasons and what "
                                       "we based them on are in your account, where you can also appeal.")


def _chargeback_decided(data: dict[str, Any], lang: str) -> tuple[str, str]:
    amount = euros(data["amount_cents"], lang)
    if lang == "nl":
        if data["outcome"] == "won":
            return "Uw bank besliste: de betaling blijft staan", (
                f"Uw bank betwistte uw betaling van {amount} voor factuur {data['invoice_id']} en besliste nu dat "
                "die blijft staan. De factuur is betaald; u hoeft niets te doen.")
        return "Uw bank gaf u het bedrag terug", (
            f"Uw bank betwistte uw betaling van {amount} voor factuur {data['invoice_id']} en gaf u het bedrag terug. "
            "Daarom staat de factuur weer open: betaal hem in uw account, of neem contact met ons op als u denkt dat "
            "hij niet klopt.")
    if data["outcome"] == "won":
        return "Your bank decided: the payment stands", (
            f"Your bank disputed your payment of {amount} for invoice {data['invoice_id']} and has now decided that "
            "it stands. The invoice is paid; there is nothing you need to do.")
    return "Your bank gave you the amount back", (
        f"Your bank disputed your payment of {amount} for invoice {data['invoice_id']} and gave you the amount back. "
        "So the invoice is due again: pay it in your account, or contact us if you think it is wrong.")


def _weekday(iso_date: str, language: str) -> str:
    """A day with its weekday, as the customer reads it: dinsdag 15 december 2026."""
    weekday = date.fromisoformat(iso_date[:10]).weekday()
    return f"{(DAYS_NL if language == 'nl' else DAYS_EN)[weekday]} {_day(iso_date, language)}"


#: who comes, and what for, per kind of visit
VISITORS = {"nl": {"engineer_visit": "een monteur om uw glasvezel aan te sluiten",
                   "installer_visit": "een installateur om uw slimme meter te plaatsen",
                   "delivery": "een bezorger met uw pakket"},
            "en": {"engineer_visit": "an engineer to connect your fibre line",
                   "installer_visit": "an installer to place your smart meter",
                   "delivery": "a courier with your parcel"}}


def _visit(data: dict[str, Any], lang: str, window: str = "window") -> tuple[str, str, str]:
    """The day, the window on the clock, and who comes (Amsterdam time, as the event gives it)."""
    shown = data[window]
    return _weekday(shown["date"], lang), f"{shown['from']}–{shown['until']}", VISITORS[lang][data["kind"]]


def _collect(data: dict[str, Any], lang: str) -> str:
    """Where and from when a parcel left at a pick-up point waits to be collected."""
    day, until, name = _weekday(data["window"]["date"], lang), data["window"]["until"], data["pickup_point"]["name"]
    if lang == "nl":
        return f"Uw pakket ligt vanaf {day} {until} klaar bij {name}. Haal het daar binnen 7 dagen op."
    return f"Your parcel is ready from {day} {until} at {name}. Collect it within 7 days."


def _appointment_planned(data: dict[str, Any], lang: str) -> tuple[str, str]:
    day, hours, who = _visit(data, lang)
    if data.get("pickup_point"):
        return ("Uw pakket is onderweg", _collect(data, lang)) if lang == "nl" else (
            "Your parcel is on its way", _collect(data, lang))
    if lang == "nl":
        return "Uw afspraak staat", (f"Op {day} komt {who}, tussen {hours}. Wijzigen of annuleren kan in uw account "
                                     "tot 24 uur van tevoren; daarna helpen we u telefonisch.")
    return "Your appointment is booked", (f"On {day} {who} comes by, arriving between {hours}. You can change or "
                                          "cancel it in your account until 24 hours before; after that, call us.")


def _appointment_changed(data: dict[str, Any], lang: str) -> tuple[str, str]:
    day, hours, who = _visit(data, lang)
    before, before_hours, _ = _visit(data, lang, "previous_window")
    if data.get("pickup_point"):
        return ("Uw pakket gaat naar een afhaalpunt", _collect(data, lang)) if lang == "nl" else (
            "Your parcel goes to a pick-up point", _collect(data, lang))
    if lang == "nl":
        return "Uw afspraak is verzet", (f"Niet op {before} tussen {before_hours}, maar op {day} komt {who}, tussen "
                                         f"{hours}.")
    return "Your appointment has moved", (f"Not on {before} between {before_hours}: on {day} {who} comes by, arriving "
                                          f"between {hours}.")


def _appointment_cancelled(data: dict[str, Any], lang: str) -> tuple[str, str]:
    day, hours, _ = _visit(data, lang)
    if lang == "nl":
        return "Uw afspraak is geannuleerd", (f"De afspraak van {day} tussen {hours} gaat niet door. Een nieuwe "
                                              "maakt u in uw account.")
    return "Your appointment is cancelled", (f"The appointment on {day} between {hours} is off. You can make a new one "
                                             "in your account.")


def _appointment_reminder(data: dict[str, Any], lang: str) -> tuple[str, str]:
    day, hours, who = _visit(data, lang)
    until = _clock(data["change_until"], lang)
    if lang == "nl":
        return "Herinnering: uw afspraak", (f"Op {day} komt {who}, tussen {hours}. Past het toch niet? Wijzigen of "
                                            f"annuleren kan tot {until} in uw account: {data['link']}")
    return "Reminder: your appointment", (f"On {day} {who} comes by, arriving between {hours}. Does it not suit "
                                          f"you after all? Change or cancel it until {until} in your account: "
                                          f"{data['link']}")


def _clock(moment: str, lang: str) -> str:
    """A moment as read in Amsterdam: zaterdag 5 december 2026 09:30."""
    local = datetime.fromisoformat(moment).astimezone(BUSINESS_TIME)
    return f"{_weekday(local.date().isoformat(), lang)} {local:%H:%M}"


def _appointment_en_route(data: dict[str, Any], lang: str) -> tuple[str, str]:
    _, hours, who = _visit(data, lang, "eta_window")
    if lang == "nl":
        return "We zijn onderweg", f"We komen eraan: {who} is onderweg en verwacht tussen {hours} bij u te zijn."
    return "We are on the way", f"We are coming: {who} is on the way and expects to arrive between {hours}."


def _appointment_done(data: dict[str, Any], lang: str) -> tuple[str, str]:
    day, hours, _ = _visit(data, lang)
    if lang == "nl":
        return "Uw afspraak is uitgevoerd", f"De afspraak van {day} tussen {hours} is uitgevoerd. Dank u wel."
    return "Your appointment is done", f"The appointment on {day} between {hours} is done. Thank you."


#: why a visit did not take place, as the customer reads it
MISSED_BECAUSE = {"nl": {"nobody_home": "we troffen niemand thuis",
                         "technician_unavailable": "het lukte onze monteur niet om te komen",
                         "not_reported": "hij ging niet door"},
                  "en": {"nobody_home": "we found nobody at home",
                         "technician_unavailable": "our engineer could not come",
                         "not_reported": "it did not take place"}}


def _appointment_missed(data: dict[str, Any], lang: str) -> tuple[str, str]:
    day, hours, _ = _visit(data, lang)
    because = MISSED_BECAUSE[lang][data["reason"]]
    first = data["next_free"][0] if data["next_free"] else None
    if lang == "nl":
        offer = (f" Het eerste vrije moment is {_weekday(first['date'], lang)} om {first['from']}." if first else "")
        return "Uw afspraak ging niet door", (f"De afspraak van {day} tussen {hours} ging niet door: {because}.{offer}"
                                              f" Kies een nieuwe tijd in uw account: {data['link']}")
    offer = f" The first free time is {_weekday(first['date'], lang)} at {first['from']}." if first else ""
    return "Your appointment did not take place", (f"The appointment on {day} between {hours} did not take place: "
                                                   f"{because}.{offer} Pick a new time in your account: "
                                                   f"{data['link']}")


# ------------------------------------------------------------------ reminders before collection


def _reminder_offers(data: dict[str, Any], lang: str) -> str:
    """What a reminder offers besides paying at once (spreading it, when the invoice allows), and
    what it leaves out (an amount in dispute)."""
    offers = ""
    if data["arrangement"]:
        low, high = data["arrangement"]["min_instalments"], data["arrangement"]["max_instalments"]
        offers += (f" Lukt dat niet in één keer? Dan kunt u het ook in {low} tot {high} maandelijkse termijnen "
                   "betalen; dat regelt u op dezelfde pagina.") if lang == "nl" else (
            f" Can't pay it all at once? You can also pay it in {low} to {high} monthly instalments; arrange it on "
            "the same page.")
    if data["in_dispute_cents"]:
        held = euros(data["in_dispute_cents"], lang)
        offers += (f" Het bedrag dat u betwist ({held}) laten we erbuiten tot we erover beslist hebben."
                   if lang == "nl" else f" The amount you dispute ({held}) is left out until we have decided on it.")
    return offers


def _invoice_reminder(data: dict[str, Any], lang: str) -> tuple[str, str]:
    amount, due, offers = euros(data["amount_cents"], lang), _day(data["due_on"], lang), _reminder_offers(data, lang)
    if lang == "nl":
        return f"Herinnering: factuur {data['invoice_id']} staat nog open", (
            f"Misschien is het u ontgaan: factuur {data['invoice_id']} had uiterlijk {due} betaald moeten zijn, en er "
            f"staat nog {amount} open. Betaal het meteen in uw account: {data['link']}{offers} Heeft u inmiddels "
            "betaald? Dan kunt u dit bericht vergeten.")
    return f"Reminder: invoice {data['invoice_id']} is still open", (
        f"Perhaps it slipped your mind: invoice {data['invoice_id']} was due on {due}, and {amount} is still open. "
        f"Pay it at once in your account: {data['link']}{offers} Paid meanwhile? Then please disregard this message.")


def _invoice_final_notice(data: dict[str, Any], lang: str) -> tuple[str, str]:
    amount, due, offers = euros(data["amount_cents"], lang), _day(data["due_on"], lang), _reminder_offers(data, lang)
    by, costs = _day(data["pay_by"], lang), euros(data["collection_costs_cents"], lang)
    if lang == "nl":
        return f"Aanmaning: factuur {data['invoice_id']}", (
            f"Factuur {data['invoice_id']} had uiterlijk {due} betaald moeten zijn, en ondanks onze herinnering staat "
            f"er nog {amount} open. Wij vragen u dit bedrag uiterlijk {by} te betalen: {data['link']}{offers} "
            f"Betaalt u niet uiterlijk {by}, dan bent u daarbovenop {costs} incassokosten verschuldigd (de wettelijke "
            "vergoeding voor buitengerechtelijke incassokosten, zonder btw) en dragen we de vordering over voor "
            "incasso. Dit is onze aanmaning: de termijn van 14 dagen begint op de dag na ontvangst van dit bericht.")
    return f"Final notice: invoice {data['invoice_id']}", (
        f"Invoice {data['invoice_id']} was due on {due}, and despite our reminder {amount} is still open. Please pay "
        f"it by {by}: {data['link']}{offers} If it is not paid by {by}, you will owe {costs} in collection costs on "
        "top of it (the statutory compensation for extrajudicial collection costs, without VAT), and we will hand the "
        "claim over for collection. This is our formal notice: the 14-day term starts on the day after you receive "
        "this message.")
#: why the bank returned a direct debit, as the customer reads it (billing.debits.RETURN_REASONS)
RETURNED_BECAUSE = {
    "nl": {"insufficient_funds": "er stond niet genoeg geld op uw rekening",
           "debit_not_authorized": "u of uw bank heeft de afschrijving geweigerd; uw machtiging is daarmee ook "
                                   "ingetrokken",
           "account_closed": "de rekening is opgeheven", "no_account": "uw bank kon de rekening niet vinden",
           "generic_could_not_process": "uw bank kon de afschrijving niet verwerken",
           "other": "uw bank heeft de afschrijving teruggegeven"},
    "en": {"insufficient_funds": "there was not enough money in your account",
           "debit_not_authorized": "you or your bank refused the debit; this also withdrew your mandate",
           "account_closed": "the account has been closed", "no_account": "your bank could not find the account",
           "generic_could_not_process": "your bank could not process the debit",
           "other": "your bank returned the debit"}}


def _direct_debit_announced(data: dict[str, Any], lang: str) -> tuple[str, str]:
    amount, day = euros(data["amount_cents"], lang), _day(data["collect_on"], lang)
    if lang == "nl":
        return f"Aankondiging automatische incasso: factuur {data['invoice_id']}", (
            f"Uw factuur {data['invoice_id']} van {amount} staat klaar in uw account. "
            f"Op of kort na {day} schrijven we {amount} voor factuur {data['invoice_id']} af van uw rekening "
            f"{data['iban']} (kenmerk machtiging {data['mandate_reference']}). Zorg dat er dan genoeg op staat; u "
            f"hoeft verder niets te doen. De factuur: {data['link']} Niet eens met de afschrijving? U kunt haar tot "
            "8 weken erna via uw bank laten terugboeken.")
    return f"Direct debit notice: invoice {data['invoice_id']}", (
        f"Your invoice {data['invoice_id']} of {amount} is ready in your account. "
        f"On or shortly after {day} we will debit {amount} for invoice {data['invoice_id']} from your account "
        f"{data['iban']} (mandate reference {data['mandate_reference']}). Please make sure the money is there; "
        f"there is nothing else to do. The invoice: {data['link']} Disagree with the debit? Your bank refunds it "
        "if you ask within 8 weeks.")


def _direct_debit_returned(data: dict[str, Any], lang: str) -> tuple[str, str]:
    amount, why = euros(data["amount_cents"], lang), RETURNED_BECAUSE[lang][data["reason"]]
    if lang == "nl":
        return f"Automatische incasso niet gelukt: factuur {data['invoice_id']}", (
            f"We konden {amount} voor factuur {data['invoice_id']} niet van uw rekening afschrijven: {why}. De factuur "
            f"staat weer open. Betaal hem meteen in uw account, met iDEAL of een creditcard: {data['link']}")
    return f"Direct debit did not go through: invoice {data['invoice_id']}", (
        f"We could not debit {amount} for invoice {data['invoice_id']} from your account: {why}. The invoice is open "
        f"again. Pay it at once in your account, by iDEAL or card: {data['link']}")


#: what an outage hits, as the customer reads it
OUTAGE_OF = {"nl": {"internet": "Storing in het glasvezelnetwerk", "mobile": "Storing in het mobiele netwerk",
                    "energy": "Stroomstoring"},
             "en": {"internet": "Fibre network outage", "mobile": "Mobile network outage",
                    "energy": "Power outage"}}


def _outage_started(data: dict[str, Any], lang: str) -> tuple[str, str]:
    what, until = OUTAGE_OF[lang][data["product_kind"]], _clock(data["expected_end"], lang)
    if lang == "nl":
        return f"{what} bij u in de buurt", (f"{data['description']['nl']} We verwachten dat het {until} weer werkt. "
                                            f"U hoeft ons niet te bellen: we laten het u weten als het is opgelost. "
                                            f"Actuele stand: {data['link']}")
    return f"{what} in your area", (f"{data['description']['en']} We expect it to work again {until}. No need to "
                                    f"call us: we will tell you when it is solved. Latest news: {data['link']}")


def _outage_resolved(data: dict[str, Any], lang: str) -> tuple[str, str]:
    what, since = OUTAGE_OF[lang][data["product_kind"]], _clock(data["resolved_at"], lang)
    if lang == "nl":
        return f"Opgelost: {what.lower()}", (f"De storing is sinds {since} verholpen; alles werkt weer. Werkt het bij "
                                             f"u nog niet? Zet uw apparatuur even uit en weer aan, of laat het ons "
                                             f"weten: {data['link']}")
    return f"Solved: {what.lower()}", (f"The outage was solved {since}; everything works again. Still not working for "
                                       f"you? Switch your equipment off and on, or let us know: {data['link']}")


#: what stands in the way of an erasure, as the customer reads it (the event names each by kind and id)
IN_THE_WAY = {"nl": {"invoice_unpaid": "factuur {id} is nog niet betaald",
                     "arrangement_running": "voor factuur {id} loopt een betalingsregeling",
                     "dispute_running": "uw betwisting {id} loopt nog",
                     "chargeback_running": "uw bank beslist nog over een betwiste betaling",
                     "product_active": "u heeft nog een product dat loopt",
                     "product_ending": "u heeft nog een product dat binnenkort stopt",
                     "final_invoice_pending": "de laatste factuur van een beëindigd product komt nog",
                     "order_pending": "een bestelling wacht nog op levering",
                     "appointment_planned": "er staat nog een afspraak"},
              "en": {"invoice_unpaid": "invoice {id} is not paid yet",
                     "arrangement_running": "invoice {id} is being paid in instalments",
                     "dispute_running": "your dispute {id} is still running",
                     "chargeback_running": "your bank still decides on a disputed payment",
                     "product_active": "a product of yours is still running",
                     "product_ending": "a product of yours is about to end",
                     "final_invoice_pending": "the last invoice of a product that ended is still to come",
                     "order_pending": "an order is waiting to be delivered",
                     "appointment_planned": "an appointment is still planned"}}


def _in_the_way(data: dict[str, Any], lang: str) -> str:
    said = [IN_THE_WAY[lang].get(b["kind"], b["kind"]).format(id=b["id"]) for b in data["blockers"]]
    return "; ".join(dict.fromkeys(said))


def _erasure_refused(data: dict[str, Any], lang: str) -> tuple[str, str]:
    if lang == "nl":
        return "We konden uw gegevens nog niet wissen", (
            f"Na uw verzoek kwam er iets tussen: {_in_the_way(data, lang)}. Regel dat eerst in uw account; daarna "
            "kunt u het wissen opnieuw vragen.")
    return "We could not erase your data yet", (
        f"Something came up after you asked: {_in_the_way(data, lang)}. Settle it in your account first; then you "
        "can ask for the erasure again.")


def _kept_until(data: dict[str, Any], lang: str) -> str:
    """The last day a copy of the customer's data can be downloaded, as read in Amsterdam."""
    return _day(datetime.fromisoformat(data["available_until"]).astimezone(BUSINESS_TIME).date().isoformat(), lang)


def _data_export_ready(data: dict[str, Any], lang: str) -> tuple[str, str]:
    until = _kept_until(data, lang)
    if lang == "nl":
        return "Uw gegevens staan klaar", (f"U vroeg om een kopie van alles wat we van u bewaren. Die staat klaar: "
                                           f"download hem tot {until} in uw account, op de pagina Privacy: "
                                           f"{data['link']}")
    return "Your data is ready", (f"You asked for a copy of everything we hold about you. It is ready: download it "
                                  f"until {until} in your account, on the Privacy page: {data['link']}")


#: a request's status, as the customer reads it
REQUEST_STATUS = {"nl": {"open": "ontvangen", "in_progress": "in behandeling",
                         "waiting_for_customer": "wacht op uw antwoord", "done": "afgerond"},
                  "en": {"open": "received", "in_progress": "in progress",
                         "waiting_for_customer": "waiting for your answer", "done": "done"}}


def _one_line(text: str) -> str:
    """Free text as a template's parameter may hold it: no line breaks or runs of spaces."""
    return " ".join(text.split())


def _request_updated(data: dict[str, Any], lang: str) -> tuple[str, str]:
    status, step, subject = REQUEST_STATUS[lang][data["status"]], _one_line(data["step"]), data["subject"]
    if lang == "nl":
        if data["status"] == "waiting_for_customer":
            return "We hebben iets van u nodig", (
                f"Over uw verzoek '{subject}': {step} Antwoord in uw account, of op elk ander kanaal met uw "
                f"verzoeknummer {data['request_id']}.")
        return f"Uw verzoek is {status}", f"Uw verzoek '{subject}' is {status}: {step} U volgt het in uw account."
    if data["status"] == "waiting_for_customer":
        return "We need something from you", (
            f"About your request '{subject}': {step} Answer in your account, or on any other channel with your "
            f"request number {data['request_id']}.")
    return f"Your request is {status}", f"Your request '{subject}' is {status}: {step} Follow it in your account."


def _dispute_escalated(data: dict[str, Any], lang: str) -> tuple[str, str]:
    by = _day(data["expected_decision_on"], lang)
    if lang == "nl":
        return "Een senior collega bekijkt uw betwisting", (
            f"Over uw betwisting {data['dispute_id']} was nog niet beslist. Een senior collega neemt het over en "
            f"beslist uiterlijk {by}. Tot dan staat het bedrag vast.")
    return "A senior colleague looks at your dispute", (
        f"Your dispute {data['dispute_id']} was not decided in time. A senior colleague takes it over and decides "
        f"by {by}. Until then the amount stays on hold.")


def _quote_what(data: dict[str, Any], lang: str) -> str:
    fee = euros(data["monthly_fee_cents"], lang)
    if lang == "nl":
        what = f"{data['name']} {data['plan']} voor {fee} per maand"
        return what + (f", eenmalig {euros(data['one_off_cents'], lang)}" if data["one_off_cents"] else "")
    what = f"{data['name']} {data['plan']} for {fee} a month"
    return what + (f", {euros(data['one_off_cents'], lang)} once" if data["one_off_cents"] else "")


def _quote_made(data: dict[str, Any], lang: str) -> tuple[str, str]:
    what, until = _quote_what(data, lang), _day(data["valid_until"], lang)
    if lang == "nl":
        return "Een offerte voor u", (
            f"Een collega heeft een offerte voor u gemaakt: {what} (inclusief btw). U kunt hem tot en met {until} "
            "accepteren in uw account, onder Producten.")
    return "A quote for you", (
        f"A colleague made you a quote: {what} (VAT included). You can accept it until {until} in your account, "
        "under Products.")


def _callback_window(data: dict[str, Any], lang: str) -> str:
    window = data["window"]
    return f"{_weekday(window['date'], lang)} {window['from']}–{window['until']}"


def _callback_missed(data: dict[str, Any], lang: str) -> tuple[str, str]:
    when = _callback_window(data, lang)
    if lang == "nl":
        return "We hebben u niet teruggebeld", (
            f"We zouden u {when} bellen, maar dat is ons niet gelukt. Excuses daarvoor. We bellen u zo snel "
            "mogelijk; past een ander moment beter, plan het dan in uw account.")
    return "We did not call you back", (
        f"We were to call you {when}, but did not manage to. We are sorry. We will call you as soon as we can; if "
        "another time suits you better, plan it in your account.")


#: an idea's status as the customer reads it
IDEA_STATUSES = {"nl": {"new": "nieuw", "under_review": "in behandeling", "planned": "gepland",
                        "done": "gerealiseerd", "declined": "afgewezen"},
                 "en": {"new": "new", "under_review": "under review", "planned": "planned", "done": "done",
                        "declined": "declined"}}


def _sentence(text: str) -> str:
    """Staff's words as a sentence that another can follow."""
    text = text.strip()
    return text if text.endswith((".", "!", "?", "…")) else f"{text}."


def _idea_status_changed(data: dict[str, Any], lang: str) -> tuple[str, str]:
    status, reason = IDEA_STATUSES[lang][data["status"]], _sentence(data["reason"])
    if lang == "nl":
        return "Een idee dat u volgt is verder", (f"Het idee “{data['title']}” is nu {status}: {reason} "
                                                  "Lees het in uw account, onder Ideeën.")
    return "An idea you follow moved on", (f"The idea “{data['title']}” is now {status}: {reason} "
                                           "Read it in your account, under Ideas.")


def _idea_answered(data: dict[str, Any], lang: str) -> tuple[str, str]:
    if lang == "nl":
        return "Antwoord op een idee dat u volgt", (f"We beantwoordden het idee “{data['title']}”: "
                                                    f"{data['answer']}")
    return "An answer to an idea you follow", f"We answered the idea “{data['title']}”: {data['answer']}"


def _idea_hidden(data: dict[str, Any], lang: str) -> tuple[str, str]:
    reason = _sentence(data["reason"])
    if lang == "nl":
        return "Uw idee is verborgen", (f"We verborgen uw idee “{data['title']}” voor anderen, omdat het "
                                        f"niet past bij de huisregels: {reason} U leest het nog in uw account.")
    return "Your idea is hidden", (f"We hid your idea “{data['title']}” from others because it breaks the "
                                   f"house rules: {reason} You can still read it in your account.")


#: what a complaint is about and its status, as the customer reads them
COMPLAINT_ABOUT = {"nl": {"service": "onze dienstverlening", "staff": "een medewerker", "outage": "een storing",
                          "delay": "een vertraging", "invoice": "een factuur", "other": "iets anders"},
                   "en": {"service": "our service", "staff": "a member of staff", "outage": "an outage",
                          "delay": "a delay", "invoice": "an invoice", "other": "something else"}}
#: what changed about a complaint, in the customer's words: a sentence each
COMPLAINT_CHANGES = {
    "nl": {"taken": "Een klachtbehandelaar heeft uw klacht in behandeling genomen.",
           "follow_up": "Er is een nieuwe stap in de behandeling van uw klacht:",
           "extended": "We hebben meer tijd nodig om uw klacht goed te behandelen:",
           "answered": "Ons antwoord op uw klacht:",
           "escalated": "We hebben uw klacht niet binnen de termijn beantwoord. Onze klachtencoördinator neemt "
                        "hem nu over.",
           "reopened": "U heeft uw klacht heropend."},
    "en": {"taken": "A complaints officer has taken up your complaint.",
           "follow_up": "There is a new step in handling your complaint:",
           "extended": "We need more time to handle your complaint well:",
           "answered": "Our answer to your complaint:",
           "escalated": "We did not answer your complaint within the term. Our complaints lead takes it over now.",
           "reopened": "You reopened your complaint."}}


def _complaint_filed(data: dict[str, Any], lang: str) -> tuple[str, str]:
    about, by = COMPLAINT_ABOUT[lang][data["about"]], _day(data["deadline_on"], lang)
    if lang == "nl":
        return f"We hebben uw klacht ontvangen ({data['complaint_id']})", (
            f"Dank u voor uw klacht over {about}. Uw klachtnummer is {data['complaint_id']}. U krijgt uiterlijk "
            f"{by} ons antwoord. U volgt uw klacht in uw account, onder Klachten.")
    return f"We received your complaint ({data['complaint_id']})", (
        f"Thank you for your complaint about {about}. Your complaint number is {data['complaint_id']}. You will "
        f"have our answer by {by}. Follow it in your account, under Complaints.")


def _complaint_text(data: dict[str, Any], lang: str) -> str:
    """What changed about a complaint, with the words staff wrote (or the new term) where there are any."""
    said = COMPLAINT_CHANGES[lang][data["change"]]
    by = _day(data["deadline_on"], lang)
    if data["change"] == "extended":
        said += f" {_sentence(data['text'])} " + (f"U krijgt uiterlijk {by} ons antwoord." if lang == "nl"
                                                     else f"You will have our answer by {by}.")
    elif data["change"] == "reopened":
        said += " " + (f"U krijgt uiterlijk {by} ons nieuwe antwoord." if lang == "nl"
                       else f"You will have our new answer by {by}.")
    elif data.get("text"):
        said += f" {_sentence(data['text'])}"
    if data["change"] == "answered" and data.get("text", "").endswith("…"):
        said += " " + ("Lees het hele antwoord in uw account." if lang == "nl"
                       else "Read the whole answer in your account.")
    return said


def _complaint_updated(data: dict[str, Any], lang: str) -> tuple[str, str]:
    text = _complaint_text(data, lang)
    if lang == "nl":
        return f"Uw klacht {data['complaint_id']}", f"{text} U volgt uw klacht in uw account, onder Klachten."
    return f"Your complaint {data['complaint_id']}", f"{text} Follow it in your account, under Complaints."


def _complaint_closed(data: dict[str, Any], lang: str) -> tuple[str, str]:
    if lang == "nl":
        return f"Uw klacht {data['complaint_id']} is afgesloten", (
            f"We hebben uw klacht {data['complaint_id']} afgesloten. Bent u het niet eens met de afhandeling, dan "
            "kunt u binnen twaalf maanden naar de Geschillencommissie. U leest alles terug in uw account.")
    return f"Your complaint {data['complaint_id']} is closed", (
        f"We closed your complaint {data['complaint_id']}. If you do not agree with how it was handled, you can "
        "take it to the Geschillencommissie (the disputes committee) within twelve months. Everything is in your "
        "account.")


#: how a message opens, per language
GREETING = {"nl": "Beste {name},", "en": "Dear {name},"}


#: the WhatsApp template (approved by Meta) of each notice, and its body's parameters in order, as
#: the customer's language writes amounts and dates
TEMPLATES: dict[str, tuple[str, Callable[[dict[str, Any], str], list[str]]]] = {
    "InvoiceIssued": ("invoice_ready", lambda d, lang: [d["invoice_id"], euros(d["total_cents"], lang),
                                                        _day(d["due_on"], lang)]),
    "PaymentFailed": ("payment_failed", lambda d, lang: [d["invoice_id"], d["reason"]]),
    "BetterPlanAdvised": ("better_plan", lambda d, lang: [d["advised_plan_name"], euros(d["saving_cents"], lang)]),
    "FixedPriceEnding": ("fixed_price_ending", lambda d, lang: [d["product_name"], d["plan_name"],
                                                                _day(d["ends_on"], lang)]),
    "PaymentLinkSent": ("payment_link", lambda d, lang: [d["invoice_id"], euros(d["amount_cents"], lang), d["link"]]),
    "SignupInReview": ("signup_in_review", lambda d, lang: [_day(d["decision_by"], lang)]),
    "DisputeWithStaff": ("dispute_with_staff", lambda d, lang: [d["dispute_id"],
                                                                 _day(d["expected_decision_on"], lang)]),
    "DisputeDecided": ("dispute_decided", lambda d, lang: [d["dispute_id"], d["outcome"],
                                                           euros(d["amount_cents"], lang)]),
    "ChargebackDecided": ("chargeback_decided", lambda d, lang: [d["invoice_id"], d["outcome"],
                                                                 euros(d["amount_cents"], lang)]),
    "AppointmentPlanned": ("appointment_planned", lambda d, lang: list(_visit(d, lang))),
    "AppointmentChanged": ("appointment_changed", lambda d, lang: list(_visit(d, lang))),
    "AppointmentCancelled": ("appointment_cancelled", lambda d, lang: list(_visit(d, lang)[:2])),
    "AppointmentReminder": ("appointment_reminder", lambda d, lang: [*_visit(d, lang)[:2], d["link"]]),
    "AppointmentEnRoute": ("appointment_en_route", lambda d, lang: [_visit(d, lang, "eta_window")[1]]),
    "AppointmentDone": ("appointment_done", lambda d, lang: list(_visit(d, lang)[:2])),
    "AppointmentMissed": ("appointment_missed", lambda d, lang: [*_visit(d, lang)[:2],
                                                                 MISSED_BECAUSE[lang][d["reason"]], d["link"]]),
    # reminders before collection
    "InvoiceReminder": ("invoice_reminder", lambda d, lang: [d["invoice_id"], euros(d["amount_cents"], lang),
                                                             _day(d["due_on"], lang), d["link"]]),
    "InvoiceFinalNotice": ("invoice_final_notice", lambda d, lang: [
        d["invoice_id"], euros(d["amount_cents"], lang), _day(d["pay_by"], lang),
        euros(d["collection_costs_cents"], lang), d["link"]]),
    # direct debit: the pre-notification, and a debit the bank returned
    "DirectDebitAnnounced": ("direct_debit_announced", lambda d, lang: [
        d["invoice_id"], euros(d["amount_cents"], lang), _day(d["collect_on"], lang), d["iban"]]),
    "DirectDebitReturned": ("direct_debit_returned", lambda d, lang: [
        d["invoice_id"], euros(d["amount_cents"], lang), RETURNED_BECAUSE[lang][d["reason"]], d["link"]]),
    "OutageStarted": ("outage_started", lambda d, lang: [OUTAGE_OF[lang][d["product_kind"]], d["description"][lang],
                                                         _clock(d["expected_end"], lang)]),
    "OutageResolved": ("outage_resolved", lambda d, lang: [OUTAGE_OF[lang][d["product_kind"]],
                                                           _clock(d["resolved_at"], lang)]),
    "ErasureRefused": ("erasure_refused", lambda d, lang: [_in_the_way(d, lang)]),
    "DataExportReady": ("data_export_ready", lambda d, lang: [_kept_until(d, lang), d["link"]]),
    "ServiceRequestUpdated": ("request_update", lambda d, lang: [d["subject"], REQUEST_STATUS[lang][d["status"]],
                                                                 _one_line(d["step"])]),
    "DisputeEscalated": ("dispute_escalated", lambda d, lang: [d["dispute_id"], _day(d["expected_decision_on"], lang)]),
    "IdeaStatusChanged": ("idea_status_changed", lambda d, lang: [_one_line(d["title"]),
                                                                   IDEA_STATUSES[lang][d["status"]],
                                                                   _one_line(d["reason"])]),
    "IdeaAnswered": ("idea_answered", lambda d, lang: [_one_line(d["title"]), _one_line(d["answer"])]),
    "IdeaHidden": ("idea_hidden", lambda d, lang: [_one_line(d["title"]), _one_line(d["reason"])]),
    "ComplaintFiled": ("complaint_received", lambda d, lang: [d["complaint_id"], COMPLAINT_ABOUT[lang][d["about"]],
                                                              _day(d["deadline_on"], lang)]),
    "ComplaintUpdated": ("complaint_update", lambda d, lang: [d["complaint_id"], _one_line(_complaint_text(d, lang))]),
    "ComplaintClosed": ("complaint_closed", lambda d, lang: [d["complaint_id"]]),
    "QuoteMade": ("quote_made", lambda d, lang: [_quote_what(d, lang), _day(d["valid_until"], lang)]),
    "CallbackMissed": ("callback_missed", lambda d, lang: [_callback_window(d, lang)]),
    "PriceChangeAnnounced": ("price_change", lambda d, lang: [
        d["product_name"], euros(d["old"]["monthly_fee_cents"], lang), euros(d["new"]["monthly_fee_cents"], lang),
        _day(d["prices_from"], lang)]),
}

#: a parcel planned or sent to a pick-up point: where and from when it waits, instead of who comes when
PICKUP_TEMPLATE: tuple[str, Callable[[dict[str, Any], str], list[str]]] = (
    "parcel_at_pickup_point", lambda d, lang: [_weekday(d["window"]["date"], lang), d["window"]["until"],
                                               d["pickup_point"]["name"]])


def template_for(detail_type: str, data: dict[str, Any]) -> tuple[str, Callable[[dict[str, Any], str], list[str]]]:
    """The WhatsApp template of an event's notice, and how its parameters are read from the event."""
    if detail_type in ("AppointmentPlanned", "AppointmentChanged") and data.get("pickup_point"):
        return PICKUP_TEMPLATE
    return TEMPLATES[detail_type]


MESSAGES: dict[str, Callable[[dict[str, Any], str], tuple[str, str]]] = {
    "InvoiceIssued": _invoice_issued,
    "PaymentFailed": _payment_failed,
    "BetterPlanAdvised": _better_plan,
    "FixedPriceEnding": _fixed_price_ending,
    "PaymentLinkSent": _payment_link,
    "SignupInReview": _signup_in_review,
    "DisputeWithStaff": _dispute_with_staff,
    "DisputeDecided": _dispute_decided,
    "ChargebackDecided": _chargeback_decided,
    "AppointmentPlanned": _appointment_planned,
    "AppointmentChanged": _appointment_changed,
    "AppointmentCancelled": _appointment_cancelled,
    "AppointmentReminder": _appointment_reminder,
    "AppointmentEnRoute": _appointment_en_route,
    "AppointmentDone": _appointment_done,
    "AppointmentMissed": _appointment_missed,
    # reminders before collection
    "InvoiceReminder": _invoice_reminder,
    "InvoiceFinalNotice": _invoice_final_notice,
    "DirectDebitAnnounced": _direct_debit_announced,
    "DirectDebitReturned": _direct_debit_returned,
    "OutageStarted": _outage_started,
    "OutageResolved": _outage_resolved,
    "ErasureRefused": _erasure_refused,
    "DataExportReady": _data_export_ready,
    "ServiceRequestUpdated": _request_updated,
    "DisputeEscalated": _dispute_escalated,
    "IdeaStatusChanged": _idea_status_changed,
    "IdeaAnswered": _idea_answered,
    "IdeaHidden": _idea_hidden,
    "ComplaintFiled": _complaint_filed,
    "ComplaintUpdated": _complaint_updated,
    "ComplaintClosed": _complaint_closed,
    "QuoteMade": _quote_made,
    "CallbackMissed": _callback_missed,
    "PriceChangeAnnounced": _price_change,
}


#: what a notice is for, where it is not a service message about what the customer has or asked for
PURPOSES = {"BetterPlanAdvised": "advice",
            # an offer of a product or a plan: told where the customer takes advice on the channel
            "QuoteMade": "advice"}
#: notices the law requires us to send whatever the consents: an invoice, a payment that failed, the
#: decision on a dispute or a chargeback (sent by e-mail, saying so, where consent is withdrawn)
REQUIRED = frozenset({"InvoiceIssued", "PaymentFailed", "DisputeDecided", "ChargebackDecided",
                      # GDPR art. 12(4): why a request about one's data was not acted on
                      "ErasureRefused",
                      # GDPR art. 15: the copy of one's data the customer asked for
                      "DataExportReady"})
#: the statutory reminder before collection: collection costs are due only after it reached the
#: customer in writing, so it goes anyway, and always by e-mail too (a WhatsApp or text message points to it)
REQUIRED |= {"InvoiceFinalNotice"}
#: direct debit: the SEPA rulebook allows a collection only after its pre-notification, and a debit
#: returned leaves an invoice open that the customer believed paid
REQUIRED |= {"DirectDebitAnnounced", "DirectDebitReturned"}
#: a contract's price rise is announced to every holder in advance, with the right to cancel (ADR 38)
REQUIRED |= {"PriceChangeAnnounced"}
IN_WRITING = frozenset({"InvoiceFinalNotice"})
#: what a required notice adds when it goes without the customer's consent
REQUIRED_NOTE = {"nl": "Dit bericht sturen we u ook zonder uw toestemming: de wet verplicht ons ertoe.",
                 "en": "We send you this message without your consent too: the law requires us to."}


#: the channel a notice buzzes the phone on, of a customer preferring one that does
PHONE_CHANNEL_OF = {"whatsapp": "whatsapp", "phone": "sms"}


def notify(detail_type: str, detail: dict[str, Any], *, may_hold: bool = True, by_email: bool = False) -> str:
    """Send the message for one event once: "sent_email", "sent_sms", "sent_whatsapp", "already_sent",
    "not_a_customer", "told_by_announcement" (an invoice collected by direct debit: its announcement
    is the message), or "not_sent_no_consent" (recorded, so a redelivery sends nothing either); or
    "held" until the quiet hours end, where it would buzz the customer's phone in them (quiet.py).
    `by_email`: by e-mail whatever the channel preferred (a WhatsApp message that failed)."""
    if detail_type == "InvoiceIssued" and detail["data"].get("direct_debit"):
        return "told_by_announcement"  # the invoice's direct debit announcement tells of it (one message, not two)
    key = Notification.keys(detail["customer_id"], detail["event_id"])
    if sent_before(key):
        return "already_sent"
    try:
        profile = Profile.get(*Profile.keys(detail["customer_id"]))
    except Profile.DoesNotExist:
        return "not_a_customer"
    language = language_of(profile)
    subject, text = MESSAGES[detail_type](detail["data"], language)
    consents, purpose = consents_of(profile), PURPOSES.get(detail_type, "service")
    proven_phone = profile.phone if profile.phone and profile.phone_verified_at else None
    # the phone's channel the customer prefers, when their number is proven and they consent to it here
    phone = PHONE_CHANNEL_OF.get(profile.preferred_channel) if proven_phone and not by_email else None
    if phone and not consented(consents, phone, purpose):
        phone = None
    if phone and may_hold and detail_type not in quiet.AT_ONCE and (until := quiet.quiet_now()):
        return quiet.hold(detail_type, detail, until)
    channel, to, message_id = "email", profile.email, None
    if phone == "whatsapp" and proven_phone:
        template, parameters = template_for(detail_type, detail["data"])
        try:
            message_id = whatsapp.send_template(proven_phone, template, language, parameters(detail["data"], language))
            channel, to = "whatsapp", proven_phone
        except DeliveryFailed:
            pass  # by e-mail, below
    elif phone == "sms" and proven_phone:
        channel, to, message_id = "sms", proven_phone, send_sms(proven_phone, f"OpenCounter: {text}")
    by_email = consented(consents, "email", purpose)
    if message_id is None:
        if not by_email and detail_type not in REQUIRED:
            return record(key, "none", "", "", about=detail_type, subject=subject)
        message_id = _email(profile, subject, text, consented_to=by_email)
    elif detail_type in IN_WRITING:
        _email(profile, subject, text, consented_to=by_email)
    return record(key, channel, to, message_id, about=detail_type, subject=subject,
                  data=detail["data"] if channel == "whatsapp" else None)


def _email(profile: Profile, subject: str, text: str, *, consented_to: bool) -> str:
    """The notice by e-mail; one the customer did not consent to (the law requires it) says so."""
    language = language_of(profile)
    note = "" if consented_to else f"\n\n{REQUIRED_NOTE[language]}"
    return send_email(profile.email, subject, letter(profile, text + note), language=language)


def tell_failed_by_email(notice: Notification) -> str:
    """A WhatsApp message the provider reported failed after taking it, told by e-mail instead, once
    (as any notice: its own record, under an id that follows from the failed one's): what notify
    answers, or "nothing_to_tell" for a message that is no failed WhatsApp message of an event."""
    if notice.channel != "whatsapp" or not notice.failed_at or notice.data is None or notice.about not in MESSAGES:
        return "nothing_to_tell"
    customer_id = notice.PK.removeprefix(CUSTOMER_PREFIX)
    failed_event = notice.SK.removeprefix(Notification.SK_PREFIX)
    return notify(notice.about, {"customer_id": customer_id, "event_id": stable_id("whatsapp-failed", failed_event),
                                 "data": notice.data}, may_hold=False, by_email=True)


def release_held() -> dict[str, int]:
    """Send the notices held for the quiet hours that are due: {outcome: count}."""
    return quiet.release(lambda detail_type, detail: notify(detail_type, detail, may_hold=False))


def sent_before(key: tuple[str, str]) -> bool:
    """Whether the message kept under `key` (Notification.keys) was decided already."""
    return bool(list(Notification.query(key[0], Notification.SK == key[1])))


def language_of(profile: Profile) -> str:
    return profile.language if profile.language in GREETING else "nl"


def letter(profile: Profile, text: str) -> str:
    """An e-mail's text: the greeting in the customer's language, then `text`."""
    return f"{GREETING[language_of(profile)].format(name=profile.given_name)}\n\n{text}\n"


def record(key: tuple[str, str], channel: str, to: str, message_id: str, *, about: str,
           subject: str | None = None, mailing: dict[str, str] | None = None, failure: str | None = None,
           data: dict[str, Any] | None = None) -> str:
    """Keep what was done with a message (a redelivery then sends nothing), what it was about and
    its subject line, and say it: sent on `channel`, or ("none") not sent for want of consent. A
    message the provider refused outright is kept as failed (`failure`) from the start."""
    now = isoformat(utcnow())
    notice = Notification(*key, channel=channel, sent_to=to, sent_at=now, message_id=message_id, about=about,
                          subject=subject, mailing=mailing, failed_at=now if failure else None, failure=failure,
                          data=data)
    notice.index()
    notice.save()
    return f"sent_{channel}" if channel != "none" else "not_sent_no_consent"
