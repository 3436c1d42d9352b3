"""Staff reach any customer's record through these routes (/agent/...), with their own rights:
only members of the agents or admins group (the edge guards every /agent route), and every change
is recorded as done by the agent."""

from opencounter.customers.service import move_customer, update_customer
from opencounter.customers.timeline import customer_timeline
from opencounter.edge.http import caller, json_body, query_int, query_text, rest_api
from opencounter.edge.observability import observability
from opencounter.overview.search import search_customers
from opencounter.overview.service import customer_360

logger, metrics = observability("agent-desk")
app = rest_api(logger)


@app.post("/agent/customers/search")
def search() -> dict:
    # a POST: what is looked for (a phone number, a code) stays out of URLs and access logs
    return search_customers(json_body(app))


@app.get("/agent/customers/<customer_id>")
def get_customer(customer_id: str) -> dict:
    return customer_360(customer_id)


@app.patch("/agent/customers/<customer_id>")
def patch_customer(customer_id: str) -> dict:
    return update_customer(customer_id, json_body(app), actor=caller(app).actor, channel="agent")


@app.post("/agent/customers/<customer_id>/moves")
def post_move(customer_id: str) -> tuple[dict, int]:
    return move_customer(customer_id, json_body(app), actor=caller(app).actor, channel="agent"), 201


@app.get("/agent/customers/<customer_id>/timeline")
def get_timeline(customer_id: str) -> dict:
    return customer_timeline(customer_id, limit=query_int(app, "limit", 20, 1, 100),
                             cursor=query_text(app, "cursor"), staff=True)


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    return app.resolve(event, context)
