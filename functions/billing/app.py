"""A customer's money matters (/me/usage, /me/invoices, /me/direct-debit...): usage and its records, invoices,
paying at once, payment arrangements, paying by direct debit (a SEPA mandate given, seen and withdrawn);
and the same invoices for staff (/agent/customers/{id}/invoices), who can send the customer a link to pay
one."""

from opencounter.billing.invoices import agree_arrangement, invoice_detail, list_invoices
from opencounter.billing.mandates import direct_debit, give_mandate, withdraw
from opencounter.billing.payments import send_payment_link, start_payment
from opencounter.billing.usage import usage_records, usage_view
from opencounter.edge.http import caller, json_body, me, query_int, query_text, rest_api
from opencounter.edge.observability import observability

logger, metrics = observability("billing")
app = rest_api(logger)


@app.get("/me/usage")
def get_usage() -> dict:
    return usage_view(me(app), query_text(app, "period"))


@app.get("/me/usage/records")
def get_usage_records() -> dict:
    return usage_records(me(app), query_text(app, "period"), limit=query_int(app, "limit", 50, 1, 100),
                         cursor=query_text(app, "cursor"))


@app.get("/me/invoices")
def get_invoices() -> dict:
    return list_invoices(me(app))


@app.get("/me/invoices/<invoice_id>")
def get_invoice(invoice_id: str) -> dict:
    return invoice_detail(me(app), invoice_id)


@app.post("/me/invoices/<invoice_id>/payments")
def post_payment(invoice_id: str) -> tuple[dict, int]:
    payment = start_payment(me(app), invoice_id, json_body(app))
    metrics.add_metric(name="PaymentStarted", unit="Count", value=1)
    return payment, 201


@app.post("/me/invoices/<invoice_id>/arrangement")
def post_arrangement(invoice_id: str) -> tuple[dict, int]:
    invoice = agree_arrangement(me(app), invoice_id, json_body(app), actor=caller(app).actor, channel="web")
    metrics.add_metric(name="PaymentArrangementAgreed", unit="Count", value=1)
    return invoice, 201


@app.get("/me/direct-debit")
def get_direct_debit() -> dict:
    return direct_debit(me(app))


@app.post("/me/direct-debit/mandates")
def post_mandate() -> tuple[dict, int]:
    mandate = give_mandate(me(app))
    metrics.add_metric(name="DirectDebitMandateStarted", unit="Count", value=1)
    return mandate, 201


@app.delete("/me/direct-debit/mandates/<mandate_id>")
def delete_mandate(mandate_id: str) -> dict:
    return withdraw(me(app), mandate_id, actor=caller(app).actor, channel="web")


@app.get("/agent/customers/<customer_id>/invoices")
def get_customer_invoices(customer_id: str) -> dict:
    return list_invoices(customer_id)


@app.get("/agent/customers/<customer_id>/invoices/<invoice_id>")
def get_customer_invoice(customer_id: str, invoice_id: str) -> dict:
    return invoice_detail(customer_id, invoice_id)


@app.post("/agent/customers/<customer_id>/invoices/<invoice_id>/payment-link")
def post_payment_link(customer_id: str, invoice_id: str) -> tuple[dict, int]:
    return send_payment_link(customer_id, invoice_id, actor=caller(app).actor, channel="agent"), 202


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    return app.resolve(event, context)
