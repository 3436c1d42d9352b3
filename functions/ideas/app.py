"""Ideas (/me/ideas, /agent/ideas): customers post ideas about a product or the service, read
others' (never who posted them), vote once, comment and follow; product owners answer them, move
them through their statuses with a reason, and hide what breaks the house rules."""

from opencounter.edge.http import caller, json_body, me, query_int, query_text, rest_api
from opencounter.edge.idempotency import idempotency_key
from opencounter.edge.observability import observability
from opencounter.ideas.service import (
    add_comment,
    answer_idea,
    change_status,
    edit_idea,
    follow,
    hide_comment,
    hide_idea,
    idea_list,
    idea_page,
    own_idea,
    post_idea,
    staff_idea,
    unfollow,
    unvote,
    vote,
)

logger, metrics = observability("ideas")
app = rest_api(logger)


def _channel() -> str:
    # the portal and the app say which they are; everything else through this API is the web
    return "app" if (app.current_event.get_header_value("X-Client") or "").lower() == "app" else "web"


def _listed(viewer: str | None, *, staff: bool) -> dict:
    return idea_list(viewer, status=query_text(app, "status"), topic=query_text(app, "topic"),
                     sort=query_text(app, "sort"), cursor=query_text(app, "cursor"),
                     limit=query_int(app, "limit", 20, 1, 50), staff=staff)


@app.get("/me/ideas")
def get_ideas() -> dict:
    return _listed(me(app), staff=False)


@app.post("/me/ideas")
def post_new_idea() -> tuple[dict, int]:
    customer = me(app)
    idea, new = post_idea(customer, json_body(app), actor=caller(app).actor, channel=_channel(),
                          key=idempotency_key(app))
    if new:
        metrics.add_metric(name="IdeaPosted", unit="Count", value=1)
    return idea, 201  # sent again with its key: the idea posted the first time


@app.get("/me/ideas/<idea_id>")
def get_idea(idea_id: str) -> dict:
    return idea_page(idea_id, me(app))


@app.patch("/me/ideas/<idea_id>")
def patch_idea(idea_id: str) -> dict:
    idea = own_idea(me(app), idea_id)  # theirs and still new, before the body is read
    return edit_idea(idea, json_body(app))


@app.post("/me/ideas/<idea_id>/vote")
def post_vote(idea_id: str) -> dict:
    idea = vote(me(app), idea_id)
    metrics.add_metric(name="IdeaVoted", unit="Count", value=1)
    return idea


@app.delete("/me/ideas/<idea_id>/vote")
def delete_vote(idea_id: str) -> dict:
    return unvote(me(app), idea_id)


@app.post("/me/ideas/<idea_id>/follow")
def post_follow(idea_id: str) -> dict:
    return follow(me(app), idea_id)


@app.delete("/me/ideas/<idea_id>/follow")
def delete_follow(idea_id: str) -> dict:
    return unfollow(me(app), idea_id)


@app.post("/me/ideas/<idea_id>/comments")
def post_comment(idea_id: str) -> tuple[dict, int]:
    customer = me(app)
    idea = add_comment(customer, idea_id, json_body(app))
    metrics.add_metric(name="IdeaCommented", unit="Count", value=1)
    return idea, 201


@app.get("/agent/ideas")
def get_staff_ideas() -> dict:
    return _listed(None, staff=True)


@app.get("/agent/ideas/<idea_id>")
def get_staff_idea(idea_id: str) -> dict:
    return staff_idea(idea_id)


@app.post("/agent/ideas/<idea_id>/status")
def post_status(idea_id: str) -> dict:
    idea = change_status(idea_id, json_body(app), actor=caller(app).actor)
    metrics.add_metric(name="IdeaStatusChanged", unit="Count", value=1)
    return idea


@app.post("/agent/ideas/<idea_id>/answer")
def post_answer(idea_id: str) -> dict:
    idea = answer_idea(idea_id, json_body(app), actor=caller(app).actor)
    metrics.add_metric(name="IdeaAnswered", unit="Count", value=1)
    return idea


@app.post("/agent/ideas/<idea_id>/hiding")
def post_hiding(idea_id: str) -> dict:
    idea = hide_idea(idea_id, json_body(app), actor=caller(app).actor)
    metrics.add_metric(name="IdeaHidden", unit="Count", value=1)
    return idea


@app.post("/agent/ideas/<idea_id>/comments/<comment_id>/hiding")
def post_comment_hiding(idea_id: str, comment_id: str) -> dict:
    idea = hide_comment(idea_id, comment_id, json_body(app), actor=caller(app).actor)
    metrics.add_metric(name="IdeaCommentHidden", unit="Count", value=1)
    return idea


@logger.inject_lambda_context(correlation_id_path="requestContext.requestId")
@metrics.log_metrics
def lambda_handler(event: dict, context: object) -> dict:
    return app.resolve(event, context)
