"""Ordering another product once one has an account (/me/products, /me/orders): the catalogue's
products, validated at once, signed with a one-time code mailed to the customer, active at once;
staff place and sign an order on a customer's behalf (/agent/customers/{customer_id}/...), the
customer reading out the code they received, recorded as the agent's on that channel. Quotes
(/me/quotes): a product or another plan at prices frozen until a day, made by the customer or by
staff, accepted online by the customer (an order to sign, or the plan changed), declined by them,
withdrawn by staff."""

from opencounter.edge.http import caller, json_body, me, rest_api
from opencounter.edge.idempotency import idempotency_key
from opencounter.edge.observability import observability
from opencounter.quotes.service import (
    accept_quote,
    customer_quote,
    decline_quote,
    make_quote,
    quote_of,
    quotes_of,
    withdraw_quote,
)
from opencounter.signups.orders import (
    customer_order,
    order_of,
    orderer,
    orders_of,
    place_order,
    send_order_code,
    sign_order,
)

logger, metrics = observability("orders")
app = rest_api(logger)


def _where() -> tuple[str, str]:
    """Where the request comes from: the caller's address and browser, as the evidence keeps them."""
    identity = app.current_event.request_context.identity
    return identity.source_ip or "", identity.user_agent or ""


@app.post("/me/products")
def post_order() -> tuple[dict, int]:
    customer = orderer(me(app))  # before the body is read
    order = place_order(customer, json_body(app), actor=caller(app).actor, channel="web", key=idempotency_key(app))
    metrics.add_metric(name="ProductOrdered", unit="Count", value=1)
    return order, 201


@app.get("/me/orders")
def get_orders() -> dict:
    return orders_of(me(app))


@app.get("/me/orders/<order_id>")
def get_order(order_id: str) -> dict:
    return order_of(me(app), order_id)


@app.post("/me/orders/<order_id>/signature-code")
def post_signing_code(order_id: str) -> tuple[dict, int]:
    return send_order_code(me(app), order_id), 201


@app.post("/me/orders/<order_id>/signature")
def post_signature(order_id: str) -> dict:
    order = customer_order(me(app), order_id)  # theirs, before the body is read
    ip, user_agent = _where()
    order = sign_order(order, json_body(app), actor=caller(app).actor, channel="web", ip=ip, user_agent=user_agent)
    metrics.add_metric(name="OrderSigned", unit="Count", value=1)
    return order


@app.post("/agent/customers/<customer_id>/products")
def post_customer_order(customer_id: str) -> tuple[dict, int]:
    customer = orderer(customer_id)  # before the body is read
    order = place_order(customer, json_body(app), actor=caller(app).actor, channel="agent", key=idempotency_key(app))
    metrics.add_metric(name="ProductOrdered", unit="Count", value=1)
    return order, 201


@app.get("/agent/customers/<customer_id>/orders")
def get_customer_orders(customer_id: str) -> dict:
    return orders_of(customer_id, staff=True)


@app.get("/agent/customers/<customer_id>/orders/<order_id>")
def get_customer_order(customer_id: str, order_id: str) -> dict:
    return order_of(customer_id, order_id, staff=True)


@app.post("/agent/customers/<customer_id>/orders/<order_id>/signature-code")
def post_customer_signing_code(customer_id: str, order_id: str) -> tuple[dict, int]:
    return send_order_code(customer_id, order_id), 201


@app.post("/agent/customers/<customer_id>/orders/<order_id>/signature")
def post_customer_signature(customer_id: str, order_id: str) -> dict:
    order = customer_order(customer_id, order_id)  # the customer's, before the body is read
    ip, user_agent = _where()
    order = sign_order(order, json_body(app), actor=caller(app).actor, channel="agent", ip=ip,
                       user_agent=user_agent)
    metrics.add_metric(name="OrderSigned", unit="Count", value=1)
    return order


@app.get("/me/quotes")
def get_quotes() -> dict:
    return quotes_of(me(app))


@app.post("/me/quotes")
def post_quote() -> tuple[dict, int]:
    customer = orderer(me(app))  # before the body is read
    quote = make_quote(customer, json_body(app), actor=caller(app).actor, channel="web",
                       key=idempotency_key(app))
    metrics.add_metric(name="QuoteMade", unit="Count", value=1)
    return quote, 201


@app.get("/me/quotes/<quote_id>")
def get_quote(quote_id: str) -> dict:
    return quote_of(me(app), quote_id)


@app.post("/me/quotes/<quote_id>/acceptance")
def post_acceptance(quote_id: str) -> dict:
    quote = customer_quote(me(app), quote_id)  # theirs, before the body is read
    accepted = accept_quote(quote, json_body(app), actor=caller(app).actor, channel="web")
    metrics.add_metric(name="QuoteAccepted", unit="Count", value=1)
    return accepted


@app.post("/me/quotes/<quote_id>/decline")
def post_decline(quote_id: str) -> dict:
    return decline_quote(customer_quote(me(app), quote_id), actor=caller(app).actor, channel="web")


@app.post("/agent/customers/<customer_id>/quotes")
def post_customer_quote(customer_id: str) -> tuple[dict, int]:
    customer = orderer(customer_id)  # before the body is read
    quote = make_quote(customer, json_body(app), actor=caller(app).actor, channel="agent", staff=True,
                       key=idempotency_key(app))
    metrics.add_metric(name="QuoteMade", unit="Count", value=1)
    return quote, 201


@app.get("/agent/customers/<customer_id>/quotes")
def get_customer_quotes(customer_id: str) -> dict:
    return quotes_of(customer_id, staff=True)


@app.post("/agent/customers/<customer_id>/quotes/<quote_id>/withdrawal")
def post_withdrawal(customer_id: str, quote_id: str) -> dict:
    return withdraw_quote(customer_quote(customer_id, quote_id), actor=caller(app).actor, channel="agent")


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    return app.resolve(event, context)
