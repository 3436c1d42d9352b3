"""What the template and the schemas cannot say about each route of the API, said once, keyed by
"METHOD /path" as the template has it: a summary, the success status and the response schema
(contracts/responses), the request schema the route's code validates its body with
(contracts/requests), its parameters, and the errors it can answer besides those every route of
its kind gives (document.py adds those: 401 behind the authorizer, 403 on /me and /agent, 400 and
413 with a body, 429 and 5XX everywhere).

Tests hold this to the code: every route of the template is here and nothing else
(tests/unit/test_openapi.py); each route's request schema is the one its code path validates
with, and its errors are those the code can raise, read from the code (tests/code_paths.py);
every answer the integration tests receive matches its route's documented status and schema
(tests/contract.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from opencounter.channels.status import CHANNELS, CONTACT_CHANNELS
from opencounter.ports.channels.x import CRC_TOKEN


@dataclass(frozen=True)
class Param:
    """A query parameter or request header."""

    name: str
    description: str
    schema: dict[str, Any] = field(default_factory=lambda: {"type": "string"})
    required: bool = False


@dataclass(frozen=True)
class Operation:
    """One route, as the template cannot say it."""

    summary: str
    #: the success status and the schema of its body (contracts/responses); None: plain text
    status: int
    response: str | None
    #: the request schema (contracts/requests) the route's code validates the body with
    request: str | None = None
    #: fields the route takes besides its request schema's, checked by the handler itself
    request_fields: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: a body read without a schema of the layer (checked by hand, or a provider's signed event)
    body: dict[str, Any] | None = None
    #: status -> when: the errors the route can answer besides those every route of its kind gives
    errors: dict[int, str] = field(default_factory=dict)
    #: status -> why not: errors a reading of the code finds on the way that the route never gives
    unanswered: dict[int, str] = field(default_factory=dict)
    #: status -> when: other success answers, with the same schema (an ask answered with the one open already)
    also: dict[int, str] = field(default_factory=dict)
    query: tuple[Param, ...] = ()
    headers: tuple[Param, ...] = ()
    description: str = ""


# ---------------------------------------------------------------- parameters used by several routes


def text(kind: str) -> dict[str, Any]:
    """A kind of text of the contracts (requests/_text.schema.json): what the edge reads a path or
    query parameter as (opencounter.edge.http.query_text)."""
    return {"$ref": f"#/components/schemas/_text/$defs/{kind}"}


#: path parameters, by name (the template's paths name them)
PATH_PARAMETERS = {
    "customer_id": "the customer's id",
    "product_id": "a product the customer holds",
    "invoice_id": "an invoice number, OC-YYYYMMDD-xxxxxxxx",
    "contact_id": "a contact's id",
    "request_id": "a service request's id, R-XXXXXXXXXX",
    "signup_id": "a sign-up's id",
    "order_id": "an order's id",
    "quote_id": "a quote's id",
    "dispute_id": "a dispute's id, D-XXXXXXXXXXXX",
    "evidence_id": "an evidence file's id, E-XXXXXXXXXXXX",
    "appointment_id": "an appointment's id, A-XXXXXXXXXXXX",
    "channel": "a contact channel",
    "mailing_id": "a mailing's id, as it was answered when sent",
    "incident_id": "an incident's id, I-XXXXXXXXXXXX",
    "data_request_id": "a request about one's data (a copy of it, erasure)",
    "idea_id": "an idea's id, I-XXXXXXXXXXXX",
    "complaint_id": "a complaint's id, K-XXXXXXXXXX",
    "comment_id": "a comment's id under the idea",
    "mandate_id": "a direct debit mandate's id, as it was answered when given (seti_...)",
}
#: path parameters that take one of a closed set (the others are ids: the identifier kind of text)
PATH_SCHEMAS = {"channel": {"enum": list(CHANNELS)}}
#: what a route only operations (the admins group) may call answers besides staff_only
OPERATIONS_ONLY = "the caller is not staff (staff_only), or not in the admins group (operations_only)"
LIMIT = Param("limit", "entries per page (default 20)", {"type": "integer", "minimum": 1, "maximum": 100})
CURSOR = Param("cursor", "the next_cursor of the page before", text("line"))
RESUME_CODE = Param("Resume-Code", "the code the sign-up answered with when applying", required=True)
ACCEPT_LANGUAGE = Param("Accept-Language", "texts in Dutch (the default) or English: nl, en")
X_CLIENT = Param("X-Client", "`app` from the app; anything else counts as the web (app, web)")
CONTACT_CUSTOMER = Param("customer_id", "the customer the contact belongs to; leave out for a sender not linked yet",
                         text("identifier"))
STRIPE_SIGNATURE = Param("Stripe-Signature", "Stripe's signature of the body (at most 300 s old)", required=True)
META_SIGNATURE = Param("X-Hub-Signature-256", "sha256=<hex HMAC-SHA256 of the body with the app secret>",
                       required=True)
FIELD_SIGNATURE = Param("Field-Signature", "t=<unix time>,v1=<hex HMAC-SHA256 of \"<t>.<body>\" with the webhook "
                        "secret> (several v1 while the secret is rotated; at most 300 s old)", required=True)
X_SIGNATURE = Param("x-twitter-webhooks-signature", "sha256=<base64 HMAC-SHA256 of the body with the consumer "
                    "secret>", required=True)
META_CHALLENGE = (Param("hub.mode", "subscribe", {"const": "subscribe"}, required=True),
                  Param("hub.verify_token", "the verify token set up with Meta", required=True),
                  Param("hub.challenge", "what to echo", required=True))
#: a provider's event, taken as signed: the signature is checked against the raw body
PROVIDER_EVENT = {"type": "object", "description": "the provider's event, as it signed it"}

# ---------------------------------------------------------------- errors said of several routes

NOT_CONFIGURED = ("a provider or setting the route needs is not configured: nothing is done, try again later "
                  "(unavailable: not_configured)")
NO_CUSTOMER = "the customer's record does not exist (customer_not_found)"
ERASURE_BLOCKED = ("something stands in the way: each blocker by kind and id in params.blockers, nothing written "
                   "(erasure_blocked); or the record is being changed right now (busy_try_again)")
RECORD_CHANGED = "the record changed since the version sent (record_changed), or meanwhile"
NO_CONFLICTING_WRITE = "its writes carry no condition that can fail (new ids, no versions)"
NO_SIGNUP = "no such sign-up, or the resume code does not go with it (signup_not_found)"
SIGNATURE = "the signature is missing, wrong or stale; nothing is written (signature_missing, signature_invalid)"
NO_INVOICE = "no such invoice of this customer (invoice_not_found)"
NO_PRODUCT = "no such product of this customer (product_not_found)"
NO_CONTACT = "no such contact (contact_not_found)"
NO_REQUEST = "no such request of this customer (request_not_found)"
NO_DISPUTE = "no such dispute (of this customer) (dispute_not_found)"
NO_EVIDENCE = "no such dispute (of this customer) (dispute_not_found), or no such file of it (evidence_not_found)"
EVIDENCE_LINK = ("A short-lived pre-signed GET of an accepted evidence file (5 minutes), saved under the file's own "
                 "name")
TIMELINE_PAGE = "limit is not a whole number from 1 to 100, or the cursor is not one this API gave out"
CODE_TYPED = "the code is not the one sent (tries left in params)"
CODE_STATE = ("no code was asked for, it expired, was used or tried too often (code_not_requested, code_expired, "
              "code_attempts_used_up)")
PLAN_CHANGE = ("the product is not active, cancelled already, on a fixed term, or changed since the version sent "
               "(product_not_active, product_cancelled, plan_fixed_term, product_changed)")
CANCEL = "the product is not active, or is cancelled already (product_not_active, product_cancelled)"
NO_ORDER = "no such order of this customer (order_not_found)"
ORDER_PLACED = ("the product or plan is not on sale (product_not_on_sale, plan_not_on_sale), the first day cannot "
                "be chosen for it, is in the past or too far ahead (starts_on_not_chosen, starts_on_past, "
                "starts_on_too_far), or the window is missing for a product that needs a visit or a delivery "
                "(field_required, naming slot) or sent for one that needs none (slot_not_needed)")
ORDER_REFUSED = ("the customer holds this kind of product already, one per address (product_held_already), the "
                 "account is closed (account_closed), or the Idempotency-Key was used for another order "
                 "(idempotency_key_reused)")
#: a request about one's data asked for while one of its kind is open
OPEN_REQUEST_ANSWERED = "the one open request of the kind is found and answered (200), not refused"
OPEN_REQUEST_READ = "the open request is read by the marker written in one transaction with it: it is there"
NO_QUOTE = "no such quote of this customer (quote_not_found)"
NO_CALLBACK = "no such planned call-back of this customer (contact_not_found)"
CALLBACK_SLOT = ("the slot has begun or is less than 15 minutes ahead (callback_slot_past), is more than 7 days "
                 "ahead (callback_slot_too_far), or is no slot of the phone's hours (callback_slot_unknown); each "
                 "naming slot")
CALLBACK_FULL = ("the slot is full (callback_slot_full, with params.next_free: the next free slots), or the call-back "
                 "changed meanwhile")
CALLBACK_KEY = Param("Idempotency-Key", "the same key is the same call-back: sent again, it is answered with the "
                                       "call-back booked the first time (as it is now), and no slot's place is taken "
                                       "twice (1-100 printable characters; another call-back with it: 409 "
                                       "idempotency_key_reused)")
CALLBACK_LIMIT = ("the customer has two call-backs to come already (callback_limit, params.limit): move or cancel one "
                  "first")
CALLBACK_CHANGE = ("the call-back is no longer planned (callback_not_planned), or its slot has begun "
                   "(callback_too_late)")
QUOTE_MADE = ("the product or plan is not on sale, or the plan is the product's already (product_not_on_sale, "
              "plan_not_on_sale, plan_is_current), neither product_code nor product_id is sent (field_required, "
              "naming product_code)")
QUOTE_REFUSED = ("the customer holds this kind of product already, one per address (product_held_already), the product "
                 "held is not active or is cancelled (product_not_active, product_cancelled), or the account is closed "
                 "(account_closed)")
QUOTE_KEY = Param("Idempotency-Key", "the same key is the same quote: sent again, or twice at once, it is answered "
                                     "with the quote made the first time, and nothing is quoted twice (1-100 "
                                     "printable characters; another request with it: 409 idempotency_key_reused)")
QUOTE_CLOSED = ("the quote is past its last valid day (quote_expired, params.valid_until), declined by the customer "
                "(quote_declined) or withdrawn by staff (quote_withdrawn)")
ORDER_KEY = Param("Idempotency-Key", "the same key is the same order: sent again, it is answered with the order "
                                     "placed the first time, and nothing is placed twice (1-100 printable characters)")
ORDER_CODE = ("the order is signed already (order_signed_already), or five codes were sent already "
              "(signing_codes_used_up)")
ORDER_SIGNATURE = (f"the order is signed already with another code (order_signed_already), the terms changed "
                   f"(terms_changed), {CODE_STATE}, or the customer holds this kind of product already "
                   "(product_held_already) or the account is closed (account_closed)")
NO_APPOINTMENT = "no such appointment of this customer (appointment_not_found)"
APPOINTMENT_KEY = Param("Idempotency-Key", "the same key is the same visit: sent again, it is answered with the "
                                           "appointment planned the first time, and no place is taken twice "
                                           "(1-100 printable characters; another visit with it: 409 "
                                           "idempotency_key_reused)")
SLOT = ("the slot has begun, is no window of the kind (slot_unknown: off the half-hour grid, outside working hours, a "
        "holiday or a day without technicians), is less than 24 hours ahead or beyond the horizon (slot_in_the_past, "
        "slot_too_soon, slot_too_far), or the address on the day is outside the service area "
        "(postcode_outside_service_area); each naming the field")
DELIVERY_TO = ("an address or a pick-up point for a visit (delivery_only), both at once (address_or_pickup_point), an "
               "unknown pick-up point (pickup_point_unknown) or a postcode outside the service area "
               "(postcode_outside_service_area, naming address.postcode)")
SLOT_TAKEN = ("every technician is busy in the window (slot_taken, with params.next_free: the next free windows); or "
              "the day's plan kept changing under many bookings at once (busy_try_again)")
TOO_LATE = ("the appointment is not planned (appointment_not_planned), or it is less than 24 real hours before its "
            "window (change_too_late: params.deadline, and params.channels, the phone with its opening hours, which "
            "can still help)")
STAFF_TOO_LATE = ("the appointment is not planned (appointment_not_planned), or its window has begun "
                  "(appointment_started)")
ORDER_SIGNED_WITH = (f"{CODE_TYPED}; {SLOT}; or a window is sent for a product that needs no visit or delivery "
                     "(slot_not_needed)")
ORDER_BOOKED = f"{ORDER_SIGNATURE}; {SLOT_TAKEN}; no address on record for the day (address_missing)"
PAYMENT_LINK = "nothing is due on the invoice, or too little to pay (nothing_due, payment_too_small)"
REMINDERS = ("`reminders`: an overdue invoice is reminded of a week after its due date, then gets the statutory "
             "reminder (aanmaning) two weeks later with 14 days to pay before the collection costs it states are "
             "due, then is ready for collection (shown, never charged automatically); each on a working day. "
             "Paying, an arrangement or a dispute of all that is left stops it (docs/adr/0027).")
STAFF_CHANNELS = ["agent", "phone", "office", "chat", "email", "whatsapp", "messenger", "x"]
NO_IDEA = "no such idea, or one moderation hid from the caller (idea_not_found)"
IDEA_HIDDEN = "the caller's own idea was hidden by moderation (idea_hidden)"
IDEA_NOT_EDITABLE = ("the idea is no longer new (idea_not_editable, naming status) or moderation hid it "
                     "(idea_hidden)")
IDEA_LIST = ("no such status, topic or sort (field_choice, naming it), limit is not a whole number from 1 to 50, or "
             "the cursor is not one this API gave out (cursor_invalid)")
IDEA_STATES = ["open", "all", "new", "under_review", "planned", "done", "declined"]
IDEA_SORT = Param("sort", "votes (most first, the default) or newest", {"enum": ["votes", "newest"]})
IDEA_TOPIC = Param("topic", "one topic only", {"enum": ["service", "mobile", "internet", "energy"]})
IDEA_LIMIT = Param("limit", "ideas per page (default 20)", {"type": "integer", "minimum": 1, "maximum": 50})
IDEA_QUERY = (Param("status", "open (new, under review, planned: the default), all, or one status",
                    {"enum": IDEA_STATES}), IDEA_TOPIC, IDEA_SORT, IDEA_LIMIT, CURSOR)
STAFF_IDEA_QUERY = (Param("status", "as for customers, or hidden: what moderation hid",
                          {"enum": [*IDEA_STATES, "hidden"]}), IDEA_TOPIC, IDEA_SORT, IDEA_LIMIT, CURSOR)
IDEA_KEY = Param("Idempotency-Key", "the same key is the same idea: sent again, it is answered with the idea posted "
                                    "the first time, and nothing is posted twice (1-100 printable characters)")


COMPLAINT_KEY = Param("Idempotency-Key", "the same key is the same complaint: sent again, it is answered with the "
                                         "complaint filed the first time, and nothing is filed twice (1-100 printable "
                                         "characters)")
NO_COMPLAINT = "no such complaint of this customer (complaint_not_found)"
COMPLAINT_CHANGED = "the complaint changed since the version sent (complaint_changed)"
COMPLAINT_FILED = ("Acknowledged at once: the customer is told its number and the day it will be answered by (ten "
                   "working days: no weekends, no public holidays). Sent again with the same `Idempotency-Key`, the "
                   "complaint filed the first time is answered.")
COMPLAINT_FILING_ERRORS = {400: "the reference names nothing of this customer's (complaint_reference_unknown)",
                           409: "the Idempotency-Key was used for another complaint (idempotency_key_reused)"}
STAFF_COMPLAINT = "/agent/customers/{customer_id}/complaints/{complaint_id}"


ROUTES: dict[str, Operation] = {
    # ------------------------------------------------------------ the customer's own record
    "GET /me": Operation(
        "The whole record: personal data, contact, settings, consents, address and upcoming moves, products, the "
        "visits planned, what the record lacks and what is coming", 200, "customer-overview",
        errors={404: NO_CUSTOMER}),
    "PATCH /me": Operation(
        "Change contact details, settings and consents; a new e-mail address waits for the code mailed to it",
        200, "customer-record", request="customer-update",
        errors={503: NOT_CONFIGURED,
                404: NO_CUSTOMER, 409: f"{RECORD_CHANGED}; the new e-mail address is another account's (email_in_use)"},
        description="Send the `version` you read. A new e-mail address is not taken at once: it shows as "
                    "`contact.pending_email` until the code mailed to it comes back "
                    "(`POST /me/email-verification/confirmation`)."),
    "POST /me/phone-verification": Operation(
        "Text a one-time code to the customer's phone number", 202, "code-sent",
        errors={404: NO_CUSTOMER, 409: "no phone number, verified already, or a code was sent less than 30 s ago "
                                       "(phone_missing, phone_verified_already, code_sent_recently)"}),
    "POST /me/phone-verification/confirmation": Operation(
        "Type back the texted code: the phone number is proven", 200, "customer-record", request="code-confirmation",
        errors={400: CODE_TYPED, 404: NO_CUSTOMER,
                409: f"{CODE_STATE}; the code went to another number (code_other_number); or the number is verified "
                     "already"}),
    "POST /me/email-verification": Operation(
        "Mail another code to the new e-mail address waiting for one", 202, "code-sent",
        errors={503: NOT_CONFIGURED,
                404: NO_CUSTOMER, 409: "no new address waits for a code, another account uses it, or a code was sent "
                                       "less than 30 s ago (email_not_pending, email_in_use, code_sent_recently)"}),
    "POST /me/email-verification/confirmation": Operation(
        "Type back the mailed code: the new address is the record's and the login's", 200, "customer-record",
        request="code-confirmation",
        errors={503: NOT_CONFIGURED,
                400: CODE_TYPED, 404: NO_CUSTOMER, 409: f"{CODE_STATE}; or another account took the address"}),
    "POST /me/moves": Operation(
        "Move house, today or on a later date (a Dutch address)", 201, "address", request="customer-move",
        errors={400: "not a Dutch postcode, a date in the past or more than a year ahead", 404: NO_CUSTOMER},
        unanswered={409: NO_CONFLICTING_WRITE}),
    "GET /me/timeline": Operation(
        "Everything that happened, newest first, a page at a time", 200, "timeline-page",
        query=(LIMIT, CURSOR), errors={400: TIMELINE_PAGE}),
    "GET /me/messages": Operation(
        "The messages sent to the customer (notices, reminders, mailings), newest first, a page at a time: on "
        "which channel, and what came of each (delivered, bounced, opened or read, answered, clicked through)",
        200, "message-page", query=(LIMIT, CURSOR), errors={400: TIMELINE_PAGE},
        description="A text message (SMS) reports nothing back: it stays sent. E-mail addresses are masked."),
    # ------------------------------------------------------------ staff on a customer's record
    "POST /agent/customers/search": Operation(
        "Find a customer from one box: a name and postcode, a phone number, an e-mail address, an invoice number "
        "or a request or sign-up code", 200, "customer-search-result", request="customer-search",
        errors={400: "the query is none of those (search_not_understood), or a postcode without a name"},
        description="A POST keeps what is looked for out of URLs and logs."),
    "GET /agent/customers/{customer_id}": Operation(
        "The customer's record with everything around it: invoices, payments, contacts and those planned (visits), "
        "requests, the messages sent and what came of them, NPS and other feedback, value and segment, what the "
        "record lacks, what is coming, and the next best actions", 200, "customer-360", errors={404: NO_CUSTOMER}),
    "PATCH /agent/customers/{customer_id}": Operation(
        "Change the customer's contact details, settings and consents, as the agent", 200, "customer-record",
        request="customer-update",
        errors={503: NOT_CONFIGURED,
                404: NO_CUSTOMER, 409: f"{RECORD_CHANGED}; the new e-mail address is another account's"}),
    "POST /agent/customers/{customer_id}/moves": Operation(
        "Register the customer's move, as the agent", 201, "address", request="customer-move",
        errors={400: "not a Dutch postcode, a date in the past or more than a year ahead", 404: NO_CUSTOMER},
        unanswered={409: NO_CONFLICTING_WRITE}),
    "GET /agent/customers/{customer_id}/timeline": Operation(
        "The customer's timeline, newest first, a page at a time", 200, "timeline-page",
        query=(LIMIT, CURSOR), errors={400: TIMELINE_PAGE}),
    # ------------------------------------------------------------ the shop window
    "GET /products": Operation("Every product on sale now, with its plans", 200, "catalogue"),
    "GET /terms": Operation(
        "The contract terms in force: version, SHA-256 fingerprint and text", 200, "terms",
        unanswered={404: "only a version asked for can be missing; this route asks for the one in force"}),
    # ------------------------------------------------------------ appointments
    "GET /appointments/slots": Operation(
        "The 30-minute arrival windows a visit at a postcode can still be planned in, per day, for two weeks", 200,
        "appointment-slots",
        query=(Param("postcode", "where the visit is: a Dutch postcode (1234 AB)", text("line"), required=True),
               Param("kind", "engineer_visit (fibre connected), installer_visit (smart meter placed) or delivery (a "
                             "parcel by courier)", {"enum": ["engineer_visit", "installer_visit", "delivery"]},
                     required=True),
               Param("from", "the first day shown, YYYY-MM-DD (default today, Amsterdam)",
                     {"type": "string", "format": "date"})),
        description="A window is offered when a technician of the region can arrive within it and finish before "
                    "the working day ends, given the visits booked; from 24 hours ahead, so every appointment can be "
                    "changed online at first.",
        errors={400: "the postcode is missing, not Dutch (postcode_invalid) or outside the service area "
                     "(postcode_outside_service_area), the kind is missing or unknown, or from is not a day, in the "
                     "past or too far ahead (from_in_the_past, from_too_far); each naming the field"}),
    "GET /me/outages": Operation("The outages the customer was told hit them and that still last: the portal's "
                                 "banner", 200, "outage-list"),
    "GET /outages": Operation("The outages going on, where and until when (is there an outage where I live?)", 200,
                              "outage-list"),
    "GET /appointments/pickup-points": Operation(
        "The pick-up points a parcel for a postcode can be left at instead of delivered at home", 200,
        "pickup-points",
        query=(Param("postcode", "where the parcel would go: a Dutch postcode (1234 AB)", text("line"),
                     required=True),),
        errors={400: "the postcode is missing, not Dutch (postcode_invalid) or outside the service area "
                     "(postcode_outside_service_area), naming the field"}),
    "GET /me/appointments": Operation(
        "The customer's appointments, those to come first, and the products still waiting for a visit", 200,
        "appointment-list", errors={404: NO_CUSTOMER}),
    "POST /me/appointments": Operation(
        "Plan a visit at the customer's address in a 30-minute window", 201, "appointment",
        request="appointment-booking", headers=(APPOINTMENT_KEY,),
        description="The visit is at the customer's address in force on its day. Booking takes a place in the "
                    "region's day plan with a conditional write: of two customers taking the last place at once, "
                    "one gets 201, the other 409 slot_taken with the next free windows.",
        errors={400: f"{SLOT}; {DELIVERY_TO}; or the product needs no visit of this kind (visit_not_needed)",
                404: f"{NO_CUSTOMER}; or no such product of this customer (product_not_found, naming product_id)",
                409: f"{SLOT_TAKEN}; a visit for the product is planned already (appointment_already_planned); the "
                     "product is not active (product_not_active); no address on record for the day "
                     "(address_missing)"}),
    "PATCH /me/appointments/{appointment_id}": Operation(
        "Move a planned visit to another window, or send a delivery to another address or a pick-up point, until "
        "24 hours before its window starts", 200, "appointment",
        request="appointment-change",
        description="24 hours are real hours, counted in UTC: on the nights the clocks change the deadline is still "
                    "24 hours before, not the same time on the clock the day before. After it, staff on the phone "
                    "can still change it. A delivery sent to another address keeps its window when a courier of "
                    "that address is free then; otherwise 409 window_full_at_address offers the next free windows "
                    "there and nothing changes.",
        errors={400: f"{SLOT}; {DELIVERY_TO}; or the appointment is so already (slot_is_current)",
                404: NO_APPOINTMENT,
                409: f"{TOO_LATE}; the version sent is stale (stale_version); {SLOT_TAKEN}; no courier free at the "
                     "new address in the window (window_full_at_address, with next_free); no address on record "
                     "for the day (address_missing)"}),
    "DELETE /me/appointments/{appointment_id}": Operation(
        "Cancel a planned visit, until 24 hours before its window starts: its place is free again at once", 200,
        "appointment", errors={404: NO_APPOINTMENT,
                               409: f"{TOO_LATE}; or the day's plan kept changing (busy_try_again)"}),
    "GET /agent/customers/{customer_id}/appointments": Operation(
        "The customer's appointments and the products waiting for a visit, as staff see them", 200,
        "appointment-list", errors={404: NO_CUSTOMER}),
    "POST /agent/customers/{customer_id}/appointments": Operation(
        "Plan a visit on the customer's behalf", 201, "appointment", request="appointment-booking",
        headers=(APPOINTMENT_KEY,),
        errors={400: f"{SLOT}; {DELIVERY_TO}; or the product needs no visit of this kind (visit_not_needed)",
                404: f"{NO_CUSTOMER}; or no such product of this customer (product_not_found, naming product_id)",
                409: f"{SLOT_TAKEN}; a visit for the product is planned already (appointment_already_planned); the "
                     "product is not active (product_not_active); no address on record for the day "
                     "(address_missing)"}),
    "PATCH /agent/customers/{customer_id}/appointments/{appointment_id}": Operation(
        "Move the customer's visit to another window, until its window starts", 200, "appointment",
        request="appointment-change",
        errors={400: f"{SLOT}; {DELIVERY_TO}; or the appointment is so already (slot_is_current)",
                404: NO_APPOINTMENT,
                409: f"{STAFF_TOO_LATE}; the version sent is stale (stale_version); {SLOT_TAKEN}; no courier free "
                     "at the new address in the window (window_full_at_address); no address on record for the day "
                     "(address_missing)"}),
    "DELETE /agent/customers/{customer_id}/appointments/{appointment_id}": Operation(
        "Cancel the customer's visit, until its window starts", 200, "appointment",
        errors={404: NO_APPOINTMENT, 409: f"{STAFF_TOO_LATE}; or the day's plan kept changing (busy_try_again)"}),
    # ------------------------------------------------------------ sign-up
    "POST /signups": Operation(
        "Apply for a product: the sign-up and its resume code", 201, "signup-started", request="signup",
        headers=(Param("Idempotency-Key", "the same key within a day gets the first answer again, and nothing is "
                                          "done twice (1-100 printable characters)"),),
        errors={503: NOT_CONFIGURED,
                400: "the birth date, postcode, product or plan is not right, or the Idempotency-Key is not one; "
                     f"no `slot` for a product that needs a visit or a delivery (field_required), one for a product "
                     f"that needs none (slot_not_needed), or {SLOT}",
                409: "an account has this e-mail address (email_has_account), the Idempotency-Key was used for "
                     f"another request or is still being handled; {SLOT_TAKEN}"},
        description="A product that needs an engineer's or installer's visit or a delivery (the catalogue's "
                    "`fulfilment`) is applied for with `slot`, a window GET /appointments/slots offers at the "
                    "applicant's postcode: checked now, booked when the sign-up is signed."),
    "GET /signups/{signup_id}": Operation(
        "The sign-up and where each step stands, for whoever holds its resume code", 200, "signup-progress",
        headers=(RESUME_CODE,), errors={404: NO_SIGNUP}),
    "POST /signups/{signup_id}/identification": Operation(
        "Open an identity verification (Stripe Identity), again after a failed one", 201, "signup-identification",
        headers=(RESUME_CODE,),
        errors={503: NOT_CONFIGURED,
                404: NO_SIGNUP, 409: "the sign-up is past identification (signup_step_not_possible)"}),
    "POST /signups/{signup_id}/signature-code": Operation(
        "Mail the one-time code that signs the contract", 201, "signing-code-sent", headers=(RESUME_CODE,),
        errors={503: NOT_CONFIGURED,
                404: NO_SIGNUP, 409: "the sign-up is not validated, or five codes were sent already "
                                     "(signup_step_not_possible, signing_codes_used_up)"}),
    "POST /signups/{signup_id}/signature": Operation(
        "Accept the terms in force with the code: the product is active at once, and its visit or delivery booked",
        200, "signup-progress", request="signature", headers=(RESUME_CODE,),
        errors={400: f"{CODE_TYPED}; {SLOT}; or a window is sent for a product that needs no visit or delivery "
                     "(slot_not_needed)", 404: NO_SIGNUP,
                409: f"the sign-up is not validated, the terms changed (terms_changed), {CODE_STATE}; {SLOT_TAKEN}"},
        description="The customer, the product and its visit or delivery in the window chosen with the "
                    "application are made in one transaction. Where that window filled meanwhile, 409 slot_taken "
                    "offers the next free ones and nothing is written: the same code signs with another `slot`."),
    "POST /signups/resume": Operation(
        "Continue a sign-up anywhere with its resume code", 200, "signup-progress",
        body={"type": "object", "required": ["resume_code"],
              "properties": {"resume_code": {"type": "string", "minLength": 1, "description": "ABCD-EFGH"}}},
        errors={400: "no resume_code given", 404: "no sign-up goes with this code (resume_code_unknown)"}),
    "GET /me/signups/{signup_id}": Operation(
        "The customer's own sign-up", 200, "signup-progress",
        errors={404: "no such sign-up of this customer (signup_not_found)"}),
    "GET /agent/signups/{signup_id}": Operation(
        "A sign-up, for staff: with its review when a check could not be completed", 200, "staff-signup",
        errors={404: "no such sign-up (signup_not_found)"}),
    "GET /agent/signups": Operation(
        "The sign-up a resume code continues (the code the customer reads out), or the sign-ups waiting for staff "
        "(status=IN_REVIEW), soonest deadline first", 200, "staff-signup-lookup",
        query=(Param("resume_code", "the code the customer reads out", text("line")),
               Param("status", "IN_REVIEW: the sign-ups a check could not be completed for, waiting for a person",
                     {"enum": ["IN_REVIEW"]}),
               Param("limit", "with status: sign-ups at most (default 50)", {"type": "integer", "minimum": 1,
                                                                              "maximum": 100})),
        description="Give either `resume_code` (the answer is that sign-up) or `status` (the answer is the list, "
                    "`items`, with `limit`), not both.",
        errors={400: "neither resume_code nor status given (field_required), both given (signup_lookup_either), "
                     "no such status (status_unknown), or limit is not a whole number from 1 to 100",
                404: "no sign-up goes with this code (resume_code_unknown)"}),
    "POST /agent/signups/{signup_id}/decision": Operation(
        "Decide a sign-up in review: verify it, or roll it back with reasons the customer reads; the verification "
        "workflow applies it", 202, "staff-signup", request="signup-decision",
        description="The decision is stored with who took it, when and why; verified is as the checks passing "
                    "(CustomerVerified), rolled back as a failed check (refunds, the product ended, the login "
                    "disabled, the customer told).",
        errors={404: "no such sign-up (signup_not_found)",
                409: "the sign-up is not in review or is decided already (signup_not_in_review), changed since the "
                     "version read (stale_version), or another member of staff decided it at the same moment"}),
    "POST /webhooks/identity": Operation(
        "Stripe Identity's signed results: the sign-up is identified and validated, or asked to try again", 200,
        "identity-webhook-result", body=PROVIDER_EVENT, headers=(STRIPE_SIGNATURE,),
        errors={503: NOT_CONFIGURED, 400: SIGNATURE, 409: "the sign-up changed meanwhile: Stripe delivers again"}),
    # ------------------------------------------------------------ money matters
    "GET /me/usage": Operation(
        "Usage per product in a month, against what the plan includes", 200, "usage",
        query=(Param("period", "the month, YYYY-MM (default: this month)", {"type": "string", "pattern":
                                                                            "^[0-9]{4}-[0-9]{2}$"}),),
        errors={400: "period is not a month (period_invalid)",
                404: "the customer holds nothing and used nothing (customer_not_found)"}),
    "GET /me/usage/records": Operation(
        "A month's usage records (each call, session, message or meter reading), a page at a time, in the order "
        "the use took place; each can be disputed", 200, "usage-records",
        query=(Param("period", "the month, YYYY-MM (default: this month)", {"type": "string", "pattern":
                                                                            "^[0-9]{4}-[0-9]{2}$"}),
               Param("limit", "records per page (default 50)", {"type": "integer", "minimum": 1, "maximum": 100}),
               CURSOR),
        errors={400: "period is not a month (period_invalid), limit is not a whole number from 1 to 100, or the "
                     "cursor is not one this API gave out (cursor_invalid)"}),
    "GET /me/invoices": Operation("Every invoice, newest first, and what is open in total", 200, "invoice-list"),
    "GET /me/invoices/{invoice_id}": Operation(
        "One invoice: lines, VAT, the best-tariff comparison, the arrangement, the payments and the reminders",
        200, "invoice", errors={404: NO_INVOICE}, description=REMINDERS),
    "POST /me/invoices/{invoice_id}/payments": Operation(
        "Pay what is due now with iDEAL or a card: a Stripe PaymentIntent (asking again while it is unfinished "
        "returns the same one)", 201, "checkout", request="payment",
        errors={503: NOT_CONFIGURED,
                404: NO_INVOICE, 409: f"{PAYMENT_LINK}, the payment started before is being processed "
                                      "(payment_processing: never a second charge), or the invoice kept changing "
                                      "(busy_try_again)"}),
    "POST /me/invoices/{invoice_id}/arrangement": Operation(
        "Spread an open invoice over 2 to 6 monthly instalments", 201, "invoice", request="arrangement",
        errors={400: "instalments of less than EUR 10 (instalments_too_many)", 404: NO_INVOICE,
                409: "the invoice is not open, another arrangement runs, or less than EUR 30 is left "
                     "(arrangement_invoice_not_open, arrangement_already_running, arrangement_too_small)"}),
    "GET /me/direct-debit": Operation(
        "How the customer pays (by direct debit on the mandate in force, or by hand) and every mandate they gave; "
        "the account masked, never the IBAN", 200, "direct-debit"),
    "POST /me/direct-debit/mandates": Operation(
        "Start giving a SEPA Direct Debit mandate: a Stripe SetupIntent (sepa_debit, off-session) the customer "
        "confirms with Stripe.js, or locally on the test bank's mandate page (confirm_url); asking again while one is "
        "being given returns it", 201, "mandate-setup",
        errors={503: NOT_CONFIGURED, 409: "a mandate is in force already (mandate_active), or it kept changing "
                                          "(busy_try_again)"},
        unanswered={404: "the customer's record exists for every caller of /me"}),
    "DELETE /me/direct-debit/mandates/{mandate_id}": Operation(
        "Withdraw the mandate and pay by hand again: it ends at Stripe and here; invoices announced for collection "
        "are paid by hand (and reminded of) instead. Withdrawing again changes nothing", 200, "mandate",
        errors={503: NOT_CONFIGURED, 404: "no such mandate of the customer's (not_found)",
                409: "it kept changing (busy_try_again)"}),
    "GET /agent/customers/{customer_id}/invoices": Operation(
        "The customer's invoices, newest first", 200, "invoice-list"),
    "GET /agent/customers/{customer_id}/invoices/{invoice_id}": Operation(
        "One of the customer's invoices, with its reminder schedule", 200, "invoice", errors={404: NO_INVOICE},
        description=REMINDERS),
    "POST /agent/customers/{customer_id}/invoices/{invoice_id}/payment-link": Operation(
        "Send the customer a link to pay the invoice in the portal, by their preferred channel", 202,
        "payment-link", errors={503: NOT_CONFIGURED, 404: NO_INVOICE, 409: PAYMENT_LINK}),
    "PATCH /me/products/{product_id}": Operation(
        "Another plan from today, prorated per day", 200, "changed-product", request="product-change",
        errors={400: "the plan is not on sale for the product, or is its plan already", 404: NO_PRODUCT,
                409: PLAN_CHANGE}),
    "POST /me/products/{product_id}/cancellation": Operation(
        "Cancel now or at the end of the month", 201, "product", request="cancellation",
        errors={404: NO_PRODUCT, 409: CANCEL}),
    "PATCH /agent/customers/{customer_id}/products/{product_id}": Operation(
        "Another plan for the customer from today, as the agent", 200, "changed-product", request="product-change",
        errors={400: "the plan is not on sale for the product, or is its plan already", 404: NO_PRODUCT,
                409: PLAN_CHANGE}),
    "POST /agent/customers/{customer_id}/products/{product_id}/cancellation": Operation(
        "Cancel the customer's product, as the agent", 201, "product", request="cancellation",
        errors={404: NO_PRODUCT, 409: CANCEL}),
    "POST /me/products": Operation(
        "Order another product of the catalogue, validated at once: the order, to sign next (no identification: "
        "the customer is identified)", 201, "order", request="product-order", headers=(ORDER_KEY,),
        errors={400: f"{ORDER_PLACED}; {SLOT}; or the Idempotency-Key is not one", 404: NO_CUSTOMER,
                409: f"{ORDER_REFUSED}; {SLOT_TAKEN}; no address on record for the day (address_missing)"},
        description="Then `POST /me/orders/{order_id}/signature-code` mails the code to the customer's proven "
                    "address, and `POST /me/orders/{order_id}/signature` signs: the product is active at once "
                    "(or, where it needs an engineer's visit or a delivery first, signed and waiting for it)."),
    "GET /me/orders": Operation("The customer's orders, newest first", 200, "order-list"),
    "GET /me/orders/{order_id}": Operation(
        "One order: what was ordered, every step and the evidence of its signature", 200, "order",
        errors={404: NO_ORDER}),
    "POST /me/orders/{order_id}/signature-code": Operation(
        "Mail the one-time code that signs the order to the customer's proven address", 201, "signing-code-sent",
        errors={503: NOT_CONFIGURED, 404: NO_ORDER, 409: ORDER_CODE}),
    "POST /me/orders/{order_id}/signature": Operation(
        "Accept the terms in force with the code: the product is active at once, or its visit or delivery is "
        "booked and it is active once that is done", 200, "order", request="order-signature",
        errors={400: ORDER_SIGNED_WITH, 404: NO_ORDER, 409: ORDER_BOOKED},
        description="The same request sent again (a lost answer) is answered with the order as it stands: it is "
                    "signed and activated (or booked) once. Where the window chosen filled meanwhile, 409 slot_taken "
                    "offers the next free ones and nothing is written: the same code signs with another `slot`."),
    "POST /agent/customers/{customer_id}/products": Operation(
        "Order another product for the customer, as the agent: the order, to sign with the code the customer "
        "receives", 201, "order", request="product-order", headers=(ORDER_KEY,),
        errors={400: f"{ORDER_PLACED}; {SLOT}; or the Idempotency-Key is not one", 404: NO_CUSTOMER,
                409: f"{ORDER_REFUSED}; {SLOT_TAKEN}; no address on record for the day (address_missing)"}),
    "GET /agent/customers/{customer_id}/orders": Operation("The customer's orders, newest first", 200, "order-list"),
    "GET /agent/customers/{customer_id}/orders/{order_id}": Operation(
        "One of the customer's orders", 200, "order", errors={404: NO_ORDER}),
    "POST /agent/customers/{customer_id}/orders/{order_id}/signature-code": Operation(
        "Mail the customer the code that signs the order (they read it out to the agent)", 201,
        "signing-code-sent", errors={503: NOT_CONFIGURED, 404: NO_ORDER, 409: ORDER_CODE}),
    "POST /agent/customers/{customer_id}/orders/{order_id}/signature": Operation(
        "Sign the order with the code the customer read out: the product is active at once; the evidence names "
        "the agent and the channel", 200, "order", request="order-signature",
        errors={400: ORDER_SIGNED_WITH, 404: NO_ORDER, 409: ORDER_BOOKED}),
    "GET /me/quotes": Operation("The customer's quotes, newest first, in any state", 200, "quote-list"),
    "POST /me/quotes": Operation(
        "A quote of a product of the catalogue, or of another plan of a product held, at the catalogue's prices now, "
        "valid 30 days", 201, "quote", request="quote-request", headers=(QUOTE_KEY,),
        errors={400: f"{QUOTE_MADE}; valid_days is sent (quote_validity_by_staff); or the Idempotency-Key is not "
                     "one", 404: NO_CUSTOMER, 409: f"{QUOTE_REFUSED}; or the Idempotency-Key was used for another "
                                                  "request (idempotency_key_reused)"}),
    "GET /me/quotes/{quote_id}": Operation("One quote", 200, "quote", errors={404: NO_QUOTE}),
    "POST /me/quotes/{quote_id}/acceptance": Operation(
        "Accept a quote: a product is ordered at the quote's prices (the order then signed with the mailed code as any "
        "order), another plan is in force from today at the quote's price", 200, "quote-accepted",
        request="quote-acceptance",
        errors={400: ORDER_PLACED.replace("the product or plan is not on sale (product_not_on_sale, plan_not_on_sale), "
                                          "", "") + f"; {SLOT}",
                404: f"{NO_QUOTE}, or the product of a plan change is gone (product_not_found)",
                409: f"{QUOTE_CLOSED}; {ORDER_REFUSED}; {PLAN_CHANGE}"},
        description="Accepted once: the same acceptance sent again, or two at once from two devices, is answered with "
                    "the same order (or the same plan change). The quote's prices hold even where the catalogue "
                    "changed since it was made."),
    "POST /me/quotes/{quote_id}/decline": Operation(
        "Decline a quote: it can no longer be accepted (declined again: the same answer)", 200, "quote",
        errors={404: NO_QUOTE, 409: "the quote is accepted already (quote_accepted_already), or withdrawn"}),
    "POST /agent/customers/{customer_id}/quotes": Operation(
        "A quote for the customer, as the agent: valid 30 days, or as many as chosen (valid_days, 1 to 60); the "
        "customer is told", 201, "quote", request="quote-request", headers=(QUOTE_KEY,),
        errors={400: f"{QUOTE_MADE}; or the Idempotency-Key is not one", 404: NO_CUSTOMER,
                409: f"{QUOTE_REFUSED}; or the Idempotency-Key was used for another request "
                     "(idempotency_key_reused)"}),
    "GET /agent/customers/{customer_id}/quotes": Operation(
        "The customer's quotes, newest first, in any state", 200, "quote-list"),
    "POST /agent/customers/{customer_id}/quotes/{quote_id}/withdrawal": Operation(
        "Withdraw a quote: it can no longer be accepted (withdrawn again: the same answer)", 200, "quote",
        errors={404: NO_QUOTE, 409: "the quote is accepted already (quote_accepted_already), or declined"}),
    "POST /webhooks/stripe": Operation(
        "Stripe's signed payment results, refunds, chargebacks (each a dispute of the customer's) and direct debit "
        "mandates given or ended", 200,
        "payment-webhook-result",
        body=PROVIDER_EVENT, headers=(STRIPE_SIGNATURE,),
        errors={503: NOT_CONFIGURED,
                400: SIGNATURE, 409: "the payment kept changing while the event was applied: Stripe delivers again"}),
    "POST /webhooks/field-service": Operation(
        "The field service's and the carriers' signed updates about a visit's day: planned (a narrower window), en "
        "route with an ETA, arrived, done, missed", 200, "field-webhook-result", request="field-update",
        headers=(FIELD_SIGNATURE,),
        description="The signature is checked before the body is read. Statuses move forward only: the same update "
                    "again (its event_id) or one older than what is known answers 200 and writes nothing "
                    "(duplicate, stale). A missed visit offers the first free windows to the customer at once.",
        errors={503: NOT_CONFIGURED,
                400: f"{SIGNATURE}; or a field of the update is missing or wrong, named (an ETA when en route, a "
                     "reason when missed, a window not inside the promised one: window_not_within)",
                404: "the reference's customer holds no such appointment; nothing is written (appointment_not_found)",
                409: "the appointment is cancelled (appointment_cancelled); or it kept changing while the update was "
                     "applied (busy_try_again): the field service sends it again"}),
    # ------------------------------------------------------------ service information
    "GET /channels": Operation(
        "Every contact channel: open now or when it opens, the expected wait with a range, the service level "
        "predicted against the norm (85% within 15 s), call-back, accuracy so far", 200, "channel-list"),
    "GET /faq": Operation("The FAQ, most asked about first", 200, "faq", headers=(ACCEPT_LANGUAGE,)),
    # ------------------------------------------------------------ the customer's contacts and requests
    "POST /me/contacts": Operation(
        "Ask a question: matching answers and self-service first, then online help, then phone, e-mail or the "
        "office, each with its wait", 201, "contact-offers", request="contact-question",
        headers=(ACCEPT_LANGUAGE, X_CLIENT), unanswered={409: NO_CONFLICTING_WRITE}),
    "GET /me/contacts": Operation(
        "Every contact on every channel: when, channel, subject, solution, the notes meant for the customer", 200,
        "contact-list"),
    "POST /me/contacts/{contact_id}/choice": Operation(
        "Choose after the offers: solved by self-service, or a channel (phone: a call-back)", 200, "contact",
        request="contact-choice",
        errors={400: "a call-back number with another choice, or no number to call back on", 404: NO_CONTACT,
                409: "chosen already, the channel is closed, or WhatsApp or Messenger cannot answer the customer "
                     "(contact_chosen_already, channel_closed, whatsapp_needs_proven_phone, messenger_write_first)"}),
    "GET /me/contacts/{contact_id}": Operation(
        "One contact, read again and again while a chat is open", 200, "contact", errors={404: NO_CONTACT}),
    "POST /me/contacts/{contact_id}/messages": Operation(
        "Write more in an open contact", 201, "contact", request="contact-message",
        errors={404: NO_CONTACT, 409: "the contact is not open (contact_not_open), or kept changing"}),
    "POST /me/contacts/{contact_id}/feedback": Operation(
        "Score a finished contact 0-10", 200, "contact", request="contact-feedback",
        errors={404: NO_CONTACT, 409: "the contact is not finished (contact_not_finished)"}),
    # ------------------------------------------------------------ ideas, journey feedback and the voice of the customer
    "GET /me/ideas": Operation(
        "Ideas of customers, most votes or newest first: the open ones (new, under review, planned) by default, or "
        "those of one status; of one topic or all. Nobody's name, address or customer id: each author is a pseudonym "
        "under each idea", 200, "idea-list", query=IDEA_QUERY, errors={400: IDEA_LIST}),
    "POST /me/ideas": Operation(
        "Post an idea about a product or the service; its author follows it from the start", 201, "idea",
        request="idea-proposal", headers=(IDEA_KEY, X_CLIENT),
        description="Sent again with the same `Idempotency-Key`, the idea posted the first time is answered.",
        errors={409: "the Idempotency-Key was used for another idea (idempotency_key_reused)"},
        unanswered={404: "the idea a repeated key finds was stored by the same key: it is there"}),
    "GET /me/ideas/{idea_id}": Operation(
        "An idea in full: its status history with the reasons, the answers, the comments, and whether the caller "
        "voted, follows it or may still change it", 200, "idea", errors={404: NO_IDEA}),
    "PATCH /me/ideas/{idea_id}": Operation(
        "The author changes their idea while it is new", 200, "idea", request="idea-change",
        errors={403: "the caller is not a customer (customers_only), or the idea is another customer's "
                     "(idea_not_yours, naming idea_id): nothing is read or written",
                404: NO_IDEA, 409: f"{IDEA_NOT_EDITABLE}, or it changed meanwhile"}),
    "POST /me/ideas/{idea_id}/vote": Operation(
        "Vote for an idea: one vote per customer, however often or at once it is sent", 200, "idea",
        errors={404: NO_IDEA, 409: f"{IDEA_HIDDEN}, or votes are closed: the idea is done or declined (idea_closed)"}),
    "DELETE /me/ideas/{idea_id}/vote": Operation(
        "Take one's vote back", 200, "idea",
        errors={404: NO_IDEA, 409: f"{IDEA_HIDDEN}, or votes are closed: the idea is done or declined (idea_closed)"}),
    "POST /me/ideas/{idea_id}/follow": Operation(
        "Follow an idea: told on one's preferred channel when it moves on or is answered", 200, "idea",
        errors={404: NO_IDEA, 409: IDEA_HIDDEN}),
    "DELETE /me/ideas/{idea_id}/follow": Operation("Stop following an idea", 200, "idea", errors={404: NO_IDEA}),
    "POST /me/ideas/{idea_id}/comments": Operation(
        "Comment under an idea, under a pseudonym of this idea", 201, "idea", request="idea-comment",
        errors={404: NO_IDEA, 409: IDEA_HIDDEN}),
    "GET /me/feedback/pending": Operation(
        "The one question to ask now, if any: how easy a journey the customer finished was (a move, a payment, a "
        "sign-up, a dispute), at most one question a week", 200, "feedback-question",
        errors={409: "pages asking at the same moment kept changing the question (busy_try_again): ask again"}),
    "POST /me/feedback": Operation(
        "Answer the question asked: a score from 1 (very hard) to 5 (very easy) and, if one likes, a comment", 201,
        "feedback-answer", request="journey-feedback", headers=(X_CLIENT,),
        description="The same answer sent again is answered with the first one, counted once.",
        errors={400: "the question was about another journey (feedback_other_journey, naming journey)",
                404: "no question was asked about this event (feedback_not_asked, naming event_id)",
                409: "the question was declined (feedback_declined), or changed meanwhile"}),
    "POST /me/feedback/dismissal": Operation(
        "Rather not answer: the question is not asked again, nor another this week", 200, "feedback-question",
        request="journey-feedback-dismissal",
        errors={404: "no question was asked about this event (feedback_not_asked, naming event_id)",
                409: "answered or declined at the same moment, and kept changing (busy_try_again)"}),
    "GET /agent/ideas": Operation(
        "Ideas as staff read them (their authors' customer ids too), most votes or newest first; status=hidden lists "
        "what moderation hid", 200, "staff-idea-list", query=STAFF_IDEA_QUERY, errors={400: IDEA_LIST}),
    "GET /agent/ideas/{idea_id}": Operation(
        "An idea as staff read it: its author, every comment (hidden ones too), who changed and answered what", 200,
        "staff-idea", errors={404: NO_IDEA}),
    "POST /agent/ideas/{idea_id}/status": Operation(
        "Move an idea on (under review, planned, done, declined) with a reason every reader sees; its followers are "
        "told", 200, "staff-idea", request="idea-status",
        errors={404: NO_IDEA, 409: f"{IDEA_HIDDEN}, the idea has that status already (idea_status_same), or it changed "
                                   "meanwhile"}),
    "POST /agent/ideas/{idea_id}/answer": Operation(
        "Answer an idea, for everyone to read; its followers are told", 200, "staff-idea", request="idea-answer",
        errors={404: NO_IDEA, 409: f"{IDEA_HIDDEN}, or it changed meanwhile"}),
    "POST /agent/ideas/{idea_id}/hiding": Operation(
        "Hide an idea that breaks the house rules: gone from every list and page but its author's, who reads the "
        "reason and is told it", 200, "staff-idea", request="idea-hiding",
        errors={404: NO_IDEA, 409: "hidden already (idea_hidden), or it changed meanwhile"}),
    "POST /agent/ideas/{idea_id}/comments/{comment_id}/hiding": Operation(
        "Hide a comment that breaks the house rules: gone for everyone but its author, who reads the reason", 200,
        "staff-idea", request="idea-hiding",
        errors={404: f"{NO_IDEA}, or no such comment of it (comment_not_found, naming comment_id)",
                409: "hidden already (comment_hidden), or it changed meanwhile"}),
    "GET /agent/voice": Operation(
        "The voice of the customer: NPS and satisfaction per channel and per journey with their counts, the open "
        "ideas with the most votes, the questions of the last 30 days no FAQ article answered, grouped by their "
        "words as candidates for new articles, and the reasons for contact of the last 30 days a page, a clearer "
        "invoice line, a notice or a new article could prevent", 200, "voice",
        query=(Param("months", "the figures of this many months, this one included (default 3)",
                     {"type": "integer", "minimum": 1, "maximum": 12}),),
        errors={400: "months is not a whole number from 1 to 12"}),
    # ------------------------------------------------------------ disputes
    "GET /me/disputes": Operation(
        "The customer's disputes, newest first: those they filed, and payments their bank disputes (chargebacks, "
        "source provider: the bank decides)", 200, "dispute-list"),
    "POST /me/disputes": Operation(
        "Dispute an invoice line, a payment or a usage record: what of it is unpaid goes on hold at once and the "
        "assessment starts (the same dispute sent again answers the dispute filed)", 201, "dispute",
        request="dispute-filing",
        description="A usage record upheld no longer counts: its month's use is less, and what it added to an invoice "
                    "already issued is credited.",
        errors={400: "the transaction is not one of the customer's (transaction_unknown), no money was taken for the "
                     "payment (payment_not_received), or the amount is more than the transaction "
                     "(amount_above_transaction, nothing_to_dispute)",
                409: "the invoice is cancelled (invoice_void), the transaction is disputed already in other words "
                     "(dispute_open) or decided (dispute_decided: appeal instead), the customer's bank disputes the "
                     "payment already (payment_charged_back: that dispute is in the list), or the invoice kept "
                     "changing"}),
    "GET /me/disputes/{dispute_id}": Operation(
        "One dispute: every step, the assessment's findings, the decision and its reasons, the expected decision "
        "date, and whether it can be appealed or where to go next", 200, "dispute", errors={404: NO_DISPUTE}),
    "GET /me/disputes/{dispute_id}/file": Operation(
        "The whole file of a dispute as one document: the transaction, every step, what the rules found, every "
        "decision with its reasons, the appeal, the invoice as it stands, the conversation, and where to go next",
        200, "dispute-file", errors={404: NO_DISPUTE},
        description="What a customer keeps, or hands to the disputes committee once the appeal is rejected."),
    "POST /me/disputes/{dispute_id}/appeal": Operation(
        "Appeal a rejected dispute, once: a colleague who did not decide before decides", 202, "dispute",
        request="dispute-appeal",
        errors={404: NO_DISPUTE, 409: "the dispute is not rejected, or was appealed already (appeal_not_possible), "
                                      "or changed meanwhile"}),
    "POST /me/disputes/{dispute_id}/evidence": Operation(
        "Ask to upload an evidence file (a PDF, JPEG or PNG of at most 10 MB) to an open dispute, or with an appeal: a "
        "pre-signed POST straight to the evidence store, for that type and at most that size, for 10 minutes",
        201, "evidence-upload-link", request="evidence-upload",
        description="Upload the file to `upload.url` as multipart/form-data: every field of `upload.fields`, then the "
                    "file as the last field, named `file`. Then ask for the check "
                    "(`POST /me/disputes/{dispute_id}/evidence/{evidence_id}/check`). At most 5 files count per round "
                    "(accepted ones and uploads under way).",
        errors={503: NOT_CONFIGURED, 404: NO_DISPUTE,
                409: "the dispute is decided for good (dispute_closed), 5 files of this round are there already "
                     "(evidence_limit_reached), or the evidence kept changing"}),
    "POST /me/disputes/{dispute_id}/evidence/{evidence_id}/check": Operation(
        "Check an uploaded evidence file: its first bytes must be the type it claims, its size at most what was said. "
        "Accepted, it is kept with the dispute; refused, it is deleted and the file shows why", 200, "evidence",
        errors={503: NOT_CONFIGURED,
                400: "the file is not the type it claims to be (evidence_not_as_claimed, naming content_type) or "
                     "larger than said (evidence_too_large, naming size_bytes): deleted, and marked refused",
                404: NO_EVIDENCE,
                409: "nothing was uploaded for it (evidence_not_received), or the evidence kept changing"}),
    "GET /me/disputes/{dispute_id}/evidence/{evidence_id}": Operation(
        EVIDENCE_LINK, 200, "evidence-download",
        errors={503: NOT_CONFIGURED, 404: NO_EVIDENCE, 409: "the file is not accepted (evidence_not_accepted)"}),
    "GET /me/requests": Operation("The customer's requests, last changed first", 200, "request-list"),
    "POST /me/requests": Operation(
        "Start a request; its resume code continues it anywhere", 201, "request-started", request="service-request",
        headers=(X_CLIENT,), errors={409: "the new resume code clashed with another: try again"}),
    "GET /me/requests/{request_id}": Operation("One request", 200, "request-view", errors={404: NO_REQUEST}),
    "POST /me/requests/{request_id}/steps": Operation(
        "Add to a request", 200, "request-view", request="request-step", headers=(X_CLIENT,),
        errors={404: NO_REQUEST, 409: "the request changed since the version sent, is done, or a field only staff "
                                      "set was sent (request_changed, request_done, staff_only_field)"}),
    # ------------------------------------------------------------ complaints
    "GET /me/complaints": Operation("The customer's complaints, newest first", 200, "complaint-list"),
    "POST /me/complaints": Operation(
        "File a complaint (about the service, a member of staff, an outage, a delay, an invoice)", 201, "complaint",
        request="complaint-filing", headers=(COMPLAINT_KEY, X_CLIENT), description=COMPLAINT_FILED,
        errors=COMPLAINT_FILING_ERRORS,
        unanswered={404: "the complaint a repeated key finds was stored by the same key: it is there"}),
    "GET /me/complaints/{complaint_id}": Operation(
        "One complaint: its status, term, who handles it (by role), the follow-up and the answer", 200, "complaint",
        errors={404: NO_COMPLAINT}),
    "POST /me/complaints/{complaint_id}/reaction": Operation(
        "The customer's word on the answer: satisfied (closed; one question about it follows) or not (reopened, "
        "within 14 days of the answer, with a new term)", 200, "complaint", request="complaint-reaction",
        headers=(X_CLIENT,),
        errors={400: "not satisfied without saying why (field_required)", 404: NO_COMPLAINT,
                409: "changed meanwhile (complaint_changed), not answered (complaint_not_answered), or the time to "
                     "reopen it passed (complaint_reopen_passed)"}),
    "GET /agent/complaints": Operation(
        "A queue of complaints, soonest term first: open (in term) or escalated (the term passed unanswered: the "
        "complaints lead's); and how many are open and overdue", 200, "complaint-queue",
        query=(Param("queue", "open (default) or escalated", {"enum": ["open", "escalated"]}),),
        errors={400: "no such queue"}),
    "POST /agent/customers/{customer_id}/complaints": Operation(
        "Register a complaint for the customer (heard on the phone, at the office...)", 201, "staff-complaint",
        request="complaint-filing", headers=(COMPLAINT_KEY,), description=COMPLAINT_FILED,
        request_fields={"channel": {"enum": STAFF_CHANNELS, "description": "where the customer complained (default "
                                                                           "phone)"}},
        errors={**COMPLAINT_FILING_ERRORS, 400: "no such channel, or the reference names nothing of this customer's "
                                                 "(complaint_reference_unknown)", 404: NO_CUSTOMER}),
    f"GET {STAFF_COMPLAINT}": Operation(
        "One of the customer's complaints, with every note (internal ones too)", 200, "staff-complaint",
        errors={404: NO_COMPLAINT}),
    f"POST {STAFF_COMPLAINT}/handler": Operation(
        "Take the complaint, or give it to a colleague: in progress; the customer is told (by role)", 200,
        "staff-complaint", request="complaint-handler",
        errors={404: NO_COMPLAINT, 409: f"{COMPLAINT_CHANGED}, or it is answered or closed (complaint_not_open)"}),
    f"POST {STAFF_COMPLAINT}/notes": Operation(
        "A note: a follow-up the customer reads and is told of, or internal (staff only)", 200, "staff-complaint",
        request="complaint-note",
        errors={404: NO_COMPLAINT, 409: f"{COMPLAINT_CHANGED}, or it is closed (complaint_not_open)"}),
    f"POST {STAFF_COMPLAINT}/extension": Operation(
        "Extend the term once, by ten working days, before it passes; the customer is told why", 200,
        "staff-complaint", request="complaint-extension",
        errors={404: NO_COMPLAINT, 409: f"{COMPLAINT_CHANGED}, not open (complaint_not_open), extended already "
                                        "(complaint_extended_already), or the term passed (complaint_term_passed)"}),
    f"POST {STAFF_COMPLAINT}/answer": Operation(
        "Answer the complaint; the customer is told, and may accept it or reopen it within 14 days", 200,
        "staff-complaint", request="complaint-answer",
        errors={404: NO_COMPLAINT, 409: f"{COMPLAINT_CHANGED}, or it is answered or closed (complaint_not_open)"}),
    f"POST {STAFF_COMPLAINT}/closing": Operation(
        "Close an answered complaint; the customer is told, and asked one question about it", 200, "staff-complaint",
        request="complaint-closing",
        errors={404: NO_COMPLAINT, 409: f"{COMPLAINT_CHANGED}, or it is not answered (complaint_not_answered)"}),
    "GET /me/callbacks/slots": Operation(
        "The quarters of an hour a call-back can be planned in, the coming days within the phone's service hours, "
        "each with the places left", 200, "callback-slots"),
    "POST /me/callbacks": Operation(
        "Plan a call from us in a slot (also when the phone is closed now): a phone contact, in the agents' queue from "
        "the slot's start; two to come per customer at most", 201, "planned-callback", request="callback-booking",
        headers=(CALLBACK_KEY,),
        errors={400: f"{CALLBACK_SLOT}; no phone number to call (callback_number_missing); or the Idempotency-Key is "
                     "not one",
                409: f"{CALLBACK_FULL}; {CALLBACK_LIMIT}; or the Idempotency-Key was used for another call-back "
                     "(idempotency_key_reused)"}),
    "PATCH /me/callbacks/{contact_id}": Operation(
        "Move a planned call-back to another slot, before its slot begins", 200, "planned-callback",
        request="callback-move",
        errors={400: CALLBACK_SLOT, 404: NO_CALLBACK, 409: f"{CALLBACK_CHANGE}; {CALLBACK_FULL}"}),
    "POST /me/callbacks/{contact_id}/cancellation": Operation(
        "Cancel a planned call-back before its slot begins (cancelled again: the same answer)", 200,
        "planned-callback", errors={404: NO_CALLBACK, 409: CALLBACK_CHANGE}),
    # ------------------------------------------------------------ the agents' desk
    "GET /agent/disputes": Operation(
        "Disputes of a status (those waiting for a person by default), soonest deadline first", 200,
        "dispute-queue", query=(Param("status", "assessing, with_staff, upheld or rejected; chargebacks: with_provider "
                                      "(the payer's bank decides), won or lost",
                                      {"enum": ["assessing", "with_staff", "upheld", "rejected", "with_provider", "won",
                                                "lost"]}), LIMIT),
        errors={400: "no such status (status_unknown), or limit is not a whole number from 1 to 100"}),
    "GET /agent/disputes/{dispute_id}": Operation(
        "A dispute as staff see it: the assessment and its evidence, who decided and the deadline; a chargeback's "
        "dispute at the payment provider and how we answered it", 200,
        "staff-dispute", errors={404: NO_DISPUTE}),
    "GET /agent/disputes/{dispute_id}/evidence/{evidence_id}": Operation(
        EVIDENCE_LINK, 200, "evidence-download",
        errors={503: NOT_CONFIGURED, 404: NO_EVIDENCE, 409: "the file is not accepted (evidence_not_accepted)"}),
    "POST /agent/disputes/{dispute_id}/decision": Operation(
        "Decide a dispute that waits for a person: upheld (all or part) or rejected, with reasons the customer "
        "reads; the workflow applies it", 202, "staff-dispute", request="dispute-decision",
        description="An appeal is decided by someone other than who decided before: 403 another_decider_needed.",
        errors={400: "the amount is more than disputed (amount_above_dispute)",
                404: NO_DISPUTE,
                409: "the dispute does not wait for a decision (dispute_not_waiting), changed since the version "
                     "read (stale_version), or another member of staff decided it at the same moment"}),
    "GET /agent/queue": Operation(
        "Contacts waiting for an agent, oldest first", 200, "contact-queue",
        query=(Param("channel", "one channel only", {"enum": list(CONTACT_CHANNELS)}),),
        errors={400: "no such channel (channel_unknown)"}),
    "GET /agent/contacts/{contact_id}": Operation(
        "A contact as staff see it", 200, "staff-contact", query=(CONTACT_CUSTOMER,), errors={404: NO_CONTACT}),
    "POST /agent/contacts/{contact_id}/take": Operation(
        "Take a waiting contact", 200, "answered-contact", query=(CONTACT_CUSTOMER,),
        errors={404: NO_CONTACT, 409: "the contact is not waiting, or another agent took it (contact_not_waiting)"}),
    "POST /agent/contacts/{contact_id}/notes": Operation(
        "Note on a contact (internal or for the customer); a reply also goes out on the sender's channel, and "
        "whether it went is recorded", 200, "staff-contact", request="contact-note", query=(CONTACT_CUSTOMER,),
        errors={503: NOT_CONFIGURED, 404: NO_CONTACT, 409: "the contact changed meanwhile"}),
    "POST /agent/contacts/{contact_id}/resolution": Operation(
        "Resolve a contact with the solution given (first contact resolution recorded)", 200, "answered-contact",
        request="contact-resolution", query=(CONTACT_CUSTOMER,),
        errors={404: NO_CONTACT, 409: "the contact is not open (contact_not_open), or changed meanwhile"}),
    "POST /agent/contacts/{contact_id}/link": Operation(
        "Link a contact from an unknown sender to a customer", 200, "staff-contact", request="contact-link",
        errors={404: f"{NO_CONTACT} among the unlinked, or no such customer", 409: "the contact changed meanwhile"}),
    "POST /agent/customers/{customer_id}/requests": Operation(
        "Start a request on the customer's behalf, from any channel", 201, "request-started",
        request="service-request",
        request_fields={"channel": {"enum": STAFF_CHANNELS, "description": "where the customer asked (default agent)"}},
        errors={400: "no such channel", 409: "the new resume code clashed with another: try again"}),
    "GET /agent/customers/{customer_id}/requests/{request_id}": Operation(
        "One of the customer's requests", 200, "request-view", errors={404: NO_REQUEST}),
    "POST /agent/customers/{customer_id}/requests/{request_id}/steps": Operation(
        "Move a request on: a step, and the status, handler and next step", 200, "request-view",
        request="request-step", errors={404: NO_REQUEST, 409: "the request changed since the version sent"}),
    "POST /agent/requests/resume": Operation(
        "The request a resume code continues, and whose it is", 200, "request-found", request="request-resume",
        errors={404: "no request goes with this code (resume_code_unknown)"}),
    "POST /agent/customers/{customer_id}/contacts": Operation(
        "Record a walk-in visit or a call to the desk as a contact, resolved at once or left open", 201,
        "staff-contact", request="contact-log", errors={404: NO_CUSTOMER}, unanswered={409: NO_CONFLICTING_WRITE}),
    "POST /agent/incidents": Operation(
        "Report a network or grid incident in postcode areas: every customer living there with an active product of "
        "its kind is told on their preferred channel, in the background, and sees it in the portal", 201, "incident",
        request="incident-report",
        errors={400: "the area runs backwards (area_reversed) or spans more than 100 postcode areas (area_too_large), "
                     "or the expected end is not after the start (end_before_start), naming the field",
                403: OPERATIONS_ONLY},
        unanswered={409: "a new incident's id is new: its write cannot meet another"}),
    "GET /agent/incidents": Operation("Incidents going on, newest first, and the last ones resolved, with how many "
                                      "customers were told, given the all-clear, and contacted us", 200,
                                      "incident-list"),
    "GET /agent/incidents/{incident_id}": Operation(
        "An incident with its figures", 200, "incident", errors={404: "no such incident (incident_not_found)"}),
    "PATCH /agent/incidents/{incident_id}": Operation(
        "A new expected end: customers' banners show it at once", 200, "incident", request="incident-change",
        errors={400: "the expected end is not after the start (end_before_start)", 403: OPERATIONS_ONLY,
                404: "no such incident (incident_not_found)",
                409: "the incident changed meanwhile (record_changed) or is resolved (incident_resolved)"}),
    "POST /agent/incidents/{incident_id}/resolution": Operation(
        "Resolve an incident: the customers told of it get the all-clear, in the background", 200, "incident",
        errors={403: OPERATIONS_ONLY, 404: "no such incident (incident_not_found)",
                409: "resolved already (incident_resolved), or resolved at the same moment (record_changed)"}),
    "POST /agent/mailings": Operation(
        "Send a mailing: by e-mail, in each customer's language, to every customer (of a product kind) who consented "
        "to offers by e-mail, and to no one else; it is sent in the background, its figures grow as it goes", 202,
        "mailing", request="mailing-message",
        errors={403: OPERATIONS_ONLY},
        unanswered={409: "a new mailing's id is new: its write cannot meet another"}),
    "GET /agent/mailings": Operation("The mailings sent, newest first, with how each went so far", 200,
                                     "mailing-list"),
    "GET /agent/mailings/{mailing_id}": Operation(
        "A mailing and how it went: sent, not sent for want of consent, refused by the mail provider", 200, "mailing",
        errors={404: "no such mailing (mailing_not_found)"}),
    "PUT /agent/channels/{channel}/staffing": Operation(
        "Agents serving a channel now (the waits follow)", 200, "channel-staffing", request="staffing",
        errors={400: "no such channel"}),
    # ------------------------------------------------------------ erasure (GDPR art. 17)
    "GET /me/data-requests/erasure": Operation(
        "What erasing everything means now: what stands in the way (each by kind and id), what the law makes us "
        "keep and until when, and the erasure request, open or last answered", 200, "erasure",
        errors={404: NO_CUSTOMER}),
    "POST /me/data-requests/erasure": Operation(
        "Have everything erased, confirmed: the request is received and the erasure runs (asked again while it "
        "runs: the same request)", 202, "erasure", request="erasure-request",
        errors={404: NO_CUSTOMER, 409: ERASURE_BLOCKED},
        description="Nothing is written while something stands in the way: 409 erasure_blocked lists each blocker in "
                    "`params.blockers` (an unpaid invoice, an arrangement, a dispute or chargeback, a product not "
                    "ended or its last invoice still to come, an order or appointment still to come). Once it is "
                    "received, the login goes first; the customer gets a last e-mail before their address does."),
    "POST /agent/customers/{customer_id}/data-requests/erasure": Operation(
        "Have everything of the customer erased on their behalf, as the agent (they confirmed it)", 202, "erasure",
        request="erasure-request", errors={404: NO_CUSTOMER, 409: ERASURE_BLOCKED}),
    # ------------------------------------------------------------ requests about one's data (GDPR)
    "GET /me/data-requests": Operation(
        "The customer's requests about their data, newest first: their legal deadline, where each stands and, for a "
        "copy of their data, whether it can be downloaded", 200, "data-request-list"),
    "POST /me/data-requests/export": Operation(
        "Ask for a copy of everything held about the customer (GDPR art. 15 and 20): one JSON file, made within "
        "minutes; the customer is told when it is ready", 202, "data-request",
        also={200: "a copy asked for before is still being made: that request, and nothing new is asked"},
        errors={503: NOT_CONFIGURED}, unanswered={404: OPEN_REQUEST_READ, 409: OPEN_REQUEST_ANSWERED},
        description="The file's format is docs/data-export.md (schema: contracts/exports/data-export.schema.json). "
                    "Follow `download.status` in `GET /me/data-requests`; once `ready`, ask for the link."),
    "GET /me/data-requests/{data_request_id}/download": Operation(
        "A short-lived pre-signed GET of the copy of the customer's data (5 minutes), saved as a JSON file; asked for "
        "when the customer clicks", 200, "data-export-download",
        errors={503: NOT_CONFIGURED,
                404: "no such request of this customer, or it is not a copy of their data (data_request_not_found)",
                409: "the copy is still being made (export_not_ready), or the request was refused (export_refused)",
                410: "the copy is no longer kept: 7 days after it was made (export_expired); ask for a new one"}),
    "POST /agent/customers/{customer_id}/data-requests/export": Operation(
        "Ask for a copy of everything held about the customer on their behalf (at the desk, on the phone): it is "
        "theirs, made and told to them as if they asked in the portal", 202, "data-request",
        also={200: "a copy asked for before is still being made: that request, and nothing new is asked"},
        errors={503: NOT_CONFIGURED, 404: NO_CUSTOMER}, unanswered={409: OPEN_REQUEST_ANSWERED}),
    # ------------------------------------------------------------ messaging providers
    "GET /webhooks/whatsapp": Operation(
        "Meta's subscription check: the challenge echoed for our verify token", 200, None, query=META_CHALLENGE,
        errors={503: NOT_CONFIGURED, 403: "not our verify token (signature_invalid)"},
        unanswered={400: "the crc_token is X's check; Meta's is refused (403), not found wrong"}),
    "POST /webhooks/whatsapp": Operation(
        "WhatsApp messages, signed by Meta; each stored once, linked to the customer whose proven number sent it",
        200, "channel-messages-received", body=PROVIDER_EVENT, headers=(META_SIGNATURE,),
        errors={503: NOT_CONFIGURED, 400: SIGNATURE, 409: "the conversation kept changing: Meta delivers again"}),
    "GET /webhooks/messenger": Operation(
        "Meta's subscription check: the challenge echoed for our verify token", 200, None, query=META_CHALLENGE,
        errors={503: NOT_CONFIGURED, 403: "not our verify token (signature_invalid)"},
        unanswered={400: "the crc_token is X's check; Meta's is refused (403), not found wrong"}),
    "POST /webhooks/messenger": Operation(
        "Messenger messages, signed by Meta", 200, "channel-messages-received", body=PROVIDER_EVENT,
        headers=(META_SIGNATURE,), errors={503: NOT_CONFIGURED,
                                           400: SIGNATURE, 409: "the conversation kept changing: Meta delivers again"}),
    "GET /webhooks/x": Operation(
        "X's challenge-response check: the crc_token signed with the consumer secret", 200, "x-crc",
        query=(Param("crc_token", "X's challenge: letters, digits, +/=_-, at most 200",
                     {"type": "string", "pattern": f"^{CRC_TOKEN.pattern}$"}, required=True),),
        errors={400: "the crc_token is not a plain token (crc_token_invalid): no delivery's signature is given out",
                503: NOT_CONFIGURED},
        unanswered={403: "the verify token is Meta's check; X's is answered, not refused"}),
    "POST /webhooks/x": Operation(
        "Direct messages and posts to our X account, signed by X", 200, "channel-messages-received",
        body=PROVIDER_EVENT, headers=(X_SIGNATURE,),
        errors={503: NOT_CONFIGURED, 400: SIGNATURE, 409: "the conversation kept changing: X delivers again"}),
    # ------------------------------------------------------------ privacy: reads on record, the officer's desk
    "GET /me/access-log": Operation(
        "Who read the customer's data, newest first, a page at a time: when, a staff member's role (never their "
        "name), what they looked at and why", 200, "access-log-page", query=(LIMIT, CURSOR),
        errors={400: TIMELINE_PAGE}),
    "GET /privacy/access-log": Operation(
        "Staff reads on record, newest first, a page at a time: of a day (today by default), or of one customer; of "
        "one member of staff when named", 200, "staff-access-log",
        query=(Param("day", "an Amsterdam day, YYYY-MM-DD (of a customer: all days when left out)",
                     {"type": "string", "format": "date"}),
               Param("staff", "one member of staff's username", text("line")),
               Param("customer_id", "one customer's reads", text("identifier")),
               Param("limit", "entries per page (default 50)", {"type": "integer", "minimum": 1, "maximum": 100}),
               CURSOR),
        errors={400: f"the day is not one (field_format, naming day); {TIMELINE_PAGE}"}),
    "GET /privacy/access-log/flags": Operation(
        "The staff reads of a day that ask for a second look: a record opened without a contact or a reason, naming "
        "a contact that is not the customer's, outside working hours, or many customers' data in a short time", 200,
        "access-flags", query=(Param("day", "an Amsterdam day, YYYY-MM-DD (today by default)",
                                     {"type": "string", "format": "date"}),),
        errors={400: "the day is not one (field_format, naming day)"}),
    "GET /privacy/requests": Operation(
        "Data-subject requests: the open ones soonest legal deadline first, those past it marked, and those answered",
        200, "data-requests-overview"),
    "GET /privacy/erasures": Operation(
        "The erasures done, most recent first, as their receipts tell them: when asked and done, by whom (the "
        "customer or staff), the steps, how much of each kind was erased, what the law keeps and until when; whose "
        "it was is only a digest of the customer number", 200, "erasures-done"),
    "GET /privacy/retention": Operation(
        "What every kind of item is kept for, from what moment, how that is enforced and why, and what else holds "
        "personal data (logs, the bus's archive, workflows' histories, queues, files)", 200, "retention-settings"),
    "GET /privacy/consents": Operation(
        "What customers said to being written to, per channel and purpose: granted, withdrawn, never said, and so "
        "written to", 200, "consent-figures"),
}


# ---------------------------------------------------------------- what a client does next: links


@dataclass(frozen=True)
class Link:
    """A value of a route's answer that another route takes (an OpenAPI link): `parameters` maps
    "path.name", "query.name" or "header.Name" of the route `to` to a runtime expression
    ($response.body#/pointer, $request.path.name); `body`, the request body it sends."""

    to: str
    parameters: dict[str, str]
    body: dict[str, str] | None = None


def _follow(parameters: dict[str, str], *targets: str, body: dict[str, str] | None = None) -> list[Link]:
    return [Link(target, parameters, body) for target in targets]


CONTACT = "/me/contacts/{contact_id}"
STAFF_CONTACT = "/agent/contacts/{contact_id}"
SIGNUP = "/signups/{signup_id}"
AGENT_CUSTOMER = "/agent/customers/{customer_id}"
#: a sign-up's id and resume code, from an answer that gives both
A_SIGNUP = {"path.signup_id": "$response.body#/signup_id", "header.Resume-Code": "$response.body#/resume_code"}

#: the success answer of each route (the key) links to the routes that take its values
LINKS: dict[str, list[Link]] = {
    "GET /me": _follow({"path.product_id": "$response.body#/products/0/product_id"},
                       "PATCH /me/products/{product_id}", "POST /me/products/{product_id}/cancellation"),
    "POST /me/appointments": _follow({"path.appointment_id": "$response.body#/appointment_id"},
                                     "PATCH /me/appointments/{appointment_id}",
                                     "DELETE /me/appointments/{appointment_id}"),
    "GET /me/appointments": _follow({"path.appointment_id": "$response.body#/items/0/appointment_id"},
                                    "PATCH /me/appointments/{appointment_id}",
                                    "DELETE /me/appointments/{appointment_id}"),
    "POST /agent/customers/{customer_id}/appointments": _follow(
        {"path.customer_id": "$request.path.customer_id", "path.appointment_id": "$response.body#/appointment_id"},
        f"PATCH {AGENT_CUSTOMER}/appointments/{{appointment_id}}",
        f"DELETE {AGENT_CUSTOMER}/appointments/{{appointment_id}}"),
    "POST /me/contacts": _follow({"path.contact_id": "$response.body#/contact/contact_id"},
                                 f"GET {CONTACT}", f"POST {CONTACT}/choice", f"POST {CONTACT}/messages",
                                 f"POST {CONTACT}/feedback", f"GET {STAFF_CONTACT}", f"POST {STAFF_CONTACT}/take",
                                 f"POST {STAFF_CONTACT}/notes", f"POST {STAFF_CONTACT}/resolution"),
    "GET /me/contacts": _follow({"path.contact_id": "$response.body#/items/0/contact_id"},
                                f"GET {CONTACT}", f"POST {CONTACT}/feedback"),
    "POST /me/requests": _follow({"path.request_id": "$response.body#/request_id"},
                                 "GET /me/requests/{request_id}", "POST /me/requests/{request_id}/steps")
    + _follow({}, "POST /agent/requests/resume", body={"resume_code": "$response.body#/resume_code"}),
    "GET /me/requests": _follow({"path.request_id": "$response.body#/items/0/request_id"},
                                "GET /me/requests/{request_id}", "POST /me/requests/{request_id}/steps"),
    "POST /me/ideas": _follow({"path.idea_id": "$response.body#/idea_id"}, "GET /me/ideas/{idea_id}",
                              "PATCH /me/ideas/{idea_id}", "POST /me/ideas/{idea_id}/vote",
                              "POST /me/ideas/{idea_id}/follow", "POST /me/ideas/{idea_id}/comments",
                              "GET /agent/ideas/{idea_id}", "POST /agent/ideas/{idea_id}/status",
                              "POST /agent/ideas/{idea_id}/answer"),
    "POST /me/disputes": _follow({"path.dispute_id": "$response.body#/dispute_id"},
                                 "GET /me/disputes/{dispute_id}", "GET /me/disputes/{dispute_id}/file",
                                 "POST /me/disputes/{dispute_id}/appeal", "POST /me/disputes/{dispute_id}/evidence"),
    "POST /me/disputes/{dispute_id}/evidence": _follow(
        {"path.dispute_id": "$request.path.dispute_id", "path.evidence_id": "$response.body#/evidence/evidence_id"},
        "POST /me/disputes/{dispute_id}/evidence/{evidence_id}/check",
        "GET /me/disputes/{dispute_id}/evidence/{evidence_id}"),
    "POST /me/direct-debit/mandates": _follow({"path.mandate_id": "$response.body#/mandate_id"},
                                              "DELETE /me/direct-debit/mandates/{mandate_id}"),
    "GET /me/invoices": _follow({"path.invoice_id": "$response.body#/items/0/invoice_id"},
                                "GET /me/invoices/{invoice_id}", "POST /me/invoices/{invoice_id}/payments",
                                "POST /me/invoices/{invoice_id}/arrangement"),
    "POST /signups": _follow(A_SIGNUP, f"GET {SIGNUP}", f"POST {SIGNUP}/identification",
                             f"POST {SIGNUP}/signature-code", f"POST {SIGNUP}/signature")
    + _follow({"path.signup_id": "$response.body#/signup_id"}, "GET /agent/signups/{signup_id}")
    + _follow({"query.resume_code": "$response.body#/resume_code"}, "GET /agent/signups")
    + _follow({}, "POST /signups/resume", body={"resume_code": "$response.body#/resume_code"}),
    "POST /me/products": _follow({"path.order_id": "$response.body#/order_id"}, "GET /me/orders/{order_id}",
                                 "POST /me/orders/{order_id}/signature-code", "POST /me/orders/{order_id}/signature"),
    "GET /me/orders": _follow({"path.order_id": "$response.body#/items/0/order_id"}, "GET /me/orders/{order_id}"),
    "POST /agent/customers/{customer_id}/products": _follow(
        {"path.customer_id": "$request.path.customer_id", "path.order_id": "$response.body#/order_id"},
        f"GET {AGENT_CUSTOMER}/orders/{{order_id}}", f"POST {AGENT_CUSTOMER}/orders/{{order_id}}/signature-code",
        f"POST {AGENT_CUSTOMER}/orders/{{order_id}}/signature"),
    "POST /agent/customers/search": _follow(
        {"path.customer_id": "$response.body#/items/0/customer_id"}, f"GET {AGENT_CUSTOMER}",
        f"PATCH {AGENT_CUSTOMER}", f"POST {AGENT_CUSTOMER}/moves", f"GET {AGENT_CUSTOMER}/timeline",
        f"GET {AGENT_CUSTOMER}/invoices", f"POST {AGENT_CUSTOMER}/requests", f"POST {AGENT_CUSTOMER}/contacts"),
    "GET /agent/customers/{customer_id}/invoices": _follow(
        {"path.customer_id": "$request.path.customer_id", "path.invoice_id": "$response.body#/items/0/invoice_id"},
        f"GET {AGENT_CUSTOMER}/invoices/{{invoice_id}}", f"POST {AGENT_CUSTOMER}/invoices/{{invoice_id}}/payment-link"),
    "POST /agent/customers/{customer_id}/requests": _follow(
        {"path.customer_id": "$request.path.customer_id", "path.request_id": "$response.body#/request_id"},
        f"GET {AGENT_CUSTOMER}/requests/{{request_id}}", f"POST {AGENT_CUSTOMER}/requests/{{request_id}}/steps"),
    "POST /agent/requests/resume": _follow(
        {"path.customer_id": "$response.body#/customer_id", "path.request_id": "$response.body#/request/request_id"},
        f"GET {AGENT_CUSTOMER}/requests/{{request_id}}", f"POST {AGENT_CUSTOMER}/requests/{{request_id}}/steps"),
    "POST /agent/customers/{customer_id}/contacts": _follow(
        {"path.contact_id": "$response.body#/contact_id"}, f"GET {STAFF_CONTACT}", f"POST {STAFF_CONTACT}/notes",
        f"POST {STAFF_CONTACT}/resolution"),
    "GET /agent/signups/{signup_id}": _follow({"path.signup_id": "$request.path.signup_id"},
                                              "POST /agent/signups/{signup_id}/decision"),
    "GET /agent/queue": _follow({"path.contact_id": "$response.body#/items/0/contact_id"},
                                f"GET {STAFF_CONTACT}", f"POST {STAFF_CONTACT}/take", f"POST {STAFF_CONTACT}/notes",
                                f"POST {STAFF_CONTACT}/resolution", f"POST {STAFF_CONTACT}/link"),
    "POST /me/complaints": _follow({"path.complaint_id": "$response.body#/complaint_id"},
                                   "GET /me/complaints/{complaint_id}", "POST /me/complaints/{complaint_id}/reaction"),
    "POST /agent/customers/{customer_id}/complaints": _follow(
        {"path.customer_id": "$request.path.customer_id", "path.complaint_id": "$response.body#/complaint_id"},
        f"GET {STAFF_COMPLAINT}", f"POST {STAFF_COMPLAINT}/handler", f"POST {STAFF_COMPLAINT}/notes",
        f"POST {STAFF_COMPLAINT}/answer"),
    # a copy of one's data: once ready, its link
    "POST /me/data-requests/export": _follow({"path.data_request_id": "$response.body#/request_id"},
                                             "GET /me/data-requests/{data_request_id}/download"),
    "GET /me/data-requests": _follow({"path.data_request_id": "$response.body#/items/0/request_id"},
                                     "GET /me/data-requests/{data_request_id}/download"),
}
