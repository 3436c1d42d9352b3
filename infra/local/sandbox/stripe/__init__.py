"""A small Stripe stand-in: the Stripe API calls OpenCounter makes, served over HTTP for the
official stripe library (pointed here by STRIPE_API_BASE), plus the pages a customer would see at
Stripe, and webhooks signed exactly as Stripe signs them. One module per part: standin (the API
and pages as the gateway mounts them), wire, webhooks, identity, payments, disputes, mandates.

Identity (VerificationSession): the hosted page lets the person verify or fail; without a
choice the outcome follows the test data: an e-mail address tagged `+unverified` fails. The
verification report of a verified session finds the document forged when the address is
tagged `+docfail` (the deeper check after activation).

Payments (PaymentIntent, Charge, Refund, Dispute) follow Stripe's test mode: amounts in cents, at
least 50. Confirming with the test PaymentMethod `pm_card_visa` or `pm_card_mastercard` succeeds at
once; `pm_card_chargeDeclined` and `pm_card_chargeDeclinedInsufficientFunds` are declined (HTTP 402
card_error, a failed charge). Confirming with `payment_method_data[type]=ideal` and a return_url
redirects to the test bank page {PREFIX}/bank/{id}, where the person approves or refuses;
{PREFIX}/pay/{id}?client_secret=...&return_url=... stands in for a Stripe.js checkout. Both send the
browser back to return_url with payment_intent, payment_intent_client_secret and redirect_status.
Tests pay with complete_payment(), dispute with dispute() (the payer's bank: created, funds
withdrawn), let the bank decide with decide_dispute() and repeat an event with redeliver(). The
business answers a dispute with POST /v1/disputes/{id} (evidence, submitted to the bank) or
accepts it with POST /v1/disputes/{id}/close.

SEPA Direct Debit (Customer, SetupIntent, Mandate; mandates.py): {PREFIX}/setup/{seti} (or /pay/{seti})
is the bank's mandate page, where the person types an IBAN and accepts; tests give one with
complete_setup(). A sepa_debit PaymentIntent confirmed off-session on the mandate stays processing
until complete_debit() settles it (paid, or returned with a failure code); revoke_mandate() is the
payer revoking it at their bank; detaching its PaymentMethod ends it too.

An event's data.object is a copy of the object at that moment; the events of one call are delivered
in order (Stripe does not promise that).
"""

