"""Ideas: customers post ideas about a product or the service, read the others' without ever
learning who posted them, vote once each (also when many vote at once), comment and follow;
product owners answer them, move them on with a reason, and hide what breaks the house rules.
Followers are told of every status change once, on their own channel."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.conftest import Caller, TableWrites, at_once, new_customer

IDEA = {"title": "Verbruik per uur in de app", "text": "Ik wil per uur zien hoeveel stroom ik verbruik, niet per dag.",
        "topic": "energy"}


def _post(customer: Caller, **changes: str) -> dict:
    posted = customer.post("/me/ideas", json={**IDEA, **changes})
    assert posted.status_code == 201, posted.text
    return posted.json()


def _told(cloud, customer: Caller, subject: str) -> list[dict]:
    return [m for m in cloud.cloud.mailbox(customer.email) if m["subject"] == subject]


def _outbox(writes: TableWrites, detail_type: str) -> list[dict]:
    return [json.loads(item["detail"]["S"]) for item in writes.items("OutboxEvent")
            if item["detail_type"]["S"] == detail_type]


def test_others_read_an_idea_without_its_authors_personal_data(cloud, agent):
    # Given a customer with a name, an address and a phone number who posts an idea, and comments on it
    author = new_customer(cloud, given_name="Eva", family_name="Zonnebloem-Verhaar")
    idea = _post(author, title="Eenvoudiger verhuizen doorgeven")
    assert author.post(f"/me/ideas/{idea['idea_id']}/comments", json={"text": "En graag ook voor mijn buren."}).ok
    reader = new_customer(cloud)

    # When another customer reads the list and the idea
    listed = reader.get("/me/ideas?sort=newest&status=new")
    page = reader.get(f"/me/ideas/{idea['idea_id']}")

    # Then they read the idea under a pseudonym, and nothing of who wrote it
    assert listed.status_code == page.status_code == 200
    assert idea["idea_id"] in [i["idea_id"] for i in listed.json()["items"]]
    profile = author.get("/me").json()
    personal = [author.customer_id, author.email, "Eva", "Zonnebloem", profile["contact"]["phone"],
                profile["address"]["street"], profile["address"]["postcode"]]
    for answer in (listed.text, page.text):
        assert [p for p in personal if p in answer] == []
    shown = page.json()
    assert shown["author"] == {"pseudonym": idea["author"]["pseudonym"], "you": False}
    assert shown["comments"][0]["author"]["idea_author"] is True and shown["editable"] is False
    assert author.get(f"/me/ideas/{idea['idea_id']}").json()["author"]["you"] is True
    # And staff know who it was
    assert agent.get(f"/agent/ideas/{idea['idea_id']}").json()["customer_id"] == author.customer_id


def test_one_vote_per_customer_per_idea_however_many_vote_at_once(cloud):
    # Given an idea and ten customers
    idea = _post(new_customer(cloud))
    voters = [new_customer(cloud) for _ in range(10)]
    path = f"/me/ideas/{idea['idea_id']}/vote"
    writes = TableWrites(cloud)

    # When every one of them votes twice, all at the same moment
    answers = at_once([lambda v=v: v.post(path) for v in voters for _ in range(2)])

    # Then every vote was answered, and each counts once
    assert [a.status_code for a in answers] == [200] * 20, [a.text for a in answers if a.status_code != 200]
    assert len(writes.items("Vote")) == 10
    assert voters[0].get(f"/me/ideas/{idea['idea_id']}").json()["votes"] == 10
    # And the ranking lists it with ten votes
    ranked = next(i for i in voters[0].get("/me/ideas?status=new").json()["items"] if i["idea_id"] == idea["idea_id"])
    assert (ranked["votes"], ranked["voted"]) == (10, True)
    # And a vote taken back, also twice at once, counts once
    at_once([lambda: voters[0].request("DELETE", path), lambda: voters[0].request("DELETE", path)])
    assert voters[1].get(f"/me/ideas/{idea['idea_id']}").json()["votes"] == 9


def test_a_follower_who_said_no_to_service_messages_is_not_told_and_the_no_is_kept(cloud, agent):
    from opencounter.notifications.records import Notification

    # Given a follower who withdrew their consent to service messages by e-mail (their only channel)
    author, follower = new_customer(cloud), new_customer(cloud)
    idea = _post(author)
    assert follower.post(f"/me/ideas/{idea['idea_id']}/follow").ok
    version = follower.get("/me").json()["version"]
    assert follower.patch("/me", json={"version": version, "consents": [
        {"channel": "email", "purpose": "service", "granted": False}]}).status_code == 200

    # When the idea moves on
    assert agent.post(f"/agent/ideas/{idea['idea_id']}/status",
                      json={"status": "under_review", "reason": "We kijken wat het kost"}).ok
    cloud.cloud.settle()

    # Then the author is told, and the follower is not: a service message, not one the law requires
    subject = "Een idee dat u volgt is verder"
    assert len(_told(cloud, author, subject)) == 1 and _told(cloud, follower, subject) == []
    [kept] = list(Notification.of_customer(follower.customer_id))
    assert kept.channel == "none"


def test_a_status_change_is_told_once_to_each_follower_on_their_channel(cloud, agent, monkeypatch):
    monkeypatch.setattr("opencounter.ideas.followers.PAGE_SIZE", 2)  # followers read over several pages
    author = new_customer(cloud)
    idea = _post(author)
    followers = [new_customer(cloud) for _ in range(3)]
    for follower in followers:
        assert follower.post(f"/me/ideas/{idea['idea_id']}/follow").json()["following"] is True
    bystander = new_customer(cloud)
    leaving = followers.pop()
    assert leaving.request("DELETE", f"/me/ideas/{idea['idea_id']}/follow").json()["following"] is False
    writes = TableWrites(cloud)

    # When a product owner plans it, with a reason
    planned = agent.post(f"/agent/ideas/{idea['idea_id']}/status",
                         json={"status": "planned", "reason": "We bouwen dit in het voorjaar in de app"})
    assert planned.status_code == 200, planned.text
    cloud.cloud.settle()

    # Then the author and each follower are told once, and nobody else
    subject = "Een idee dat u volgt is verder"
    for follower in (author, *followers):
        [message] = _told(cloud, follower, subject)
        assert "is nu gepland: We bouwen dit in het voorjaar in de app." in message["body"]
    assert _told(cloud, bystander, subject) == _told(cloud, leaving, subject) == []
    # And when the event comes again, and a page of followers comes again, nobody is told twice
    [event] = _outbox(writes, "IdeaStatusChanged")
    again = cloud.cloud.invoke("IdeaFollowersFunction", {"detail-type": "IdeaStatusChanged", "source": "opencounter",
                                                         "detail": event})
    assert again == {"outcome": "duplicate"}
    cloud.cloud.client("sqs").send_message(QueueUrl=cloud.cloud.resolver.physical["IdeaFollowerQueue"],
                                           MessageBody=json.dumps({"detail_type": "IdeaStatusChanged",
                                                                   "detail": event, "cursor": None}))
    cloud.cloud.settle()
    for follower in (author, *followers):
        assert len(_told(cloud, follower, subject)) == 1
    # And everyone reads the reason on the idea, and the author on their timeline
    page = followers[0].get(f"/me/ideas/{idea['idea_id']}").json()
    assert page["status"] == "planned" and page["history"][-1]["text"] == "We bouwen dit in het voorjaar in de app"
    assert "by" not in page["history"][-1]
    assert "IdeaStatusChanged" in [e["type"] for e in author.get("/me/timeline").json()["items"]]


@pytest.mark.parametrize(("body", "field", "reason"), [
    ({**IDEA, "title": "       "}, "title", "field_required"),
    ({**IDEA, "text": ""}, "text", "field_too_short"),
    ({**IDEA, "text": "x" * 2001}, "text", "field_too_long"),
    ({"title": IDEA["title"], "text": IDEA["text"]}, "topic", "field_required"),
    ({**IDEA, "topic": "pets"}, "topic", "field_choice"),
])
def test_a_bad_idea_is_refused_naming_the_field_and_nothing_is_written(cloud, customer, body, field, reason):
    writes = TableWrites(cloud)
    refused = customer.post("/me/ideas", json=body)
    assert (refused.status_code, refused.json()["field"], refused.json()["reason"]) == (400, field, reason)
    assert writes.since() == []


def test_another_customers_idea_cannot_be_changed_and_nothing_is_written(cloud, customer, other_customer):
    idea = _post(customer)
    writes = TableWrites(cloud)

    # Another customer's change is refused before what they sent is read (even a body that is no JSON)
    refused = other_customer.patch(f"/me/ideas/{idea['idea_id']}", data=b"{not json")
    assert (refused.status_code, refused.json()["reason"], refused.json()["field"]) == \
        (403, "idea_not_yours", "idea_id")
    refused = other_customer.patch(f"/me/ideas/{idea['idea_id']}", json={"title": "Van mij gemaakt"})
    assert refused.status_code == 403
    assert writes.since() == []
    # The author changes it while it is new; an empty change names the body, and writes nothing
    assert customer.patch(f"/me/ideas/{idea['idea_id']}", json={}).json()["field"] == "body"
    assert writes.since() == []
    changed = customer.patch(f"/me/ideas/{idea['idea_id']}", json={"title": "Verbruik per kwartier in de app"})
    assert (changed.status_code, changed.json()["title"]) == (200, "Verbruik per kwartier in de app")


def test_staff_answer_move_on_and_hide_what_breaks_the_house_rules(cloud, agent):
    author, reader = new_customer(cloud), new_customer(cloud)
    idea = _post(author, title="Bel mij op 0612345678 voor korting")
    comment_idea = _post(author, title="Een knop om de factuur te delen")
    assert reader.post(f"/me/ideas/{comment_idea['idea_id']}/comments", json={"text": "Koop mijn spullen!"}).ok
    path = f"/agent/ideas/{idea['idea_id']}"

    # An answer is everyone's to read; a status the idea has already is refused
    answered = agent.post(f"{path}/answer", json={"text": "Dank voor het idee; we kijken ernaar."})
    assert answered.json()["answer"]["text"] == "Dank voor het idee; we kijken ernaar."
    same = agent.post(f"{path}/status", json={"status": "under_review", "reason": "We kijken ernaar"})
    assert same.status_code == 200
    again = agent.post(f"{path}/status", json={"status": "under_review", "reason": "Nog eens"})
    assert (again.status_code, again.json()["reason"]) == (409, "idea_status_same")

    # Hidden: gone for others, its author reads why and is told it
    hidden = agent.post(f"{path}/hiding", json={"reason": "Er staat een telefoonnummer in"})
    assert hidden.status_code == 200 and hidden.json()["hidden"]["by"] == agent.email
    cloud.cloud.settle()
    assert reader.get(f"/me/ideas/{idea['idea_id']}").json()["reason"] == "idea_not_found"
    assert idea["idea_id"] not in [i["idea_id"] for i in reader.get("/me/ideas?status=all").json()["items"]]
    own = author.get(f"/me/ideas/{idea['idea_id']}").json()
    assert own["hidden"] == {"reason": "Er staat een telefoonnummer in", "at": own["hidden"]["at"]}
    assert [m["subject"] for m in cloud.cloud.mailbox(author.email) if m["subject"] == "Uw idee is verborgen"]
    assert reader.post(f"/me/ideas/{idea['idea_id']}/vote").status_code == 404
    assert idea["idea_id"] in [i["idea_id"] for i in agent.get("/agent/ideas?status=hidden").json()["items"]]

    # A comment hidden: gone for others, its author reads why
    comment_id = reader.get(f"/me/ideas/{comment_idea['idea_id']}").json()["comments"][0]["comment_id"]
    agent.post(f"/agent/ideas/{comment_idea['idea_id']}/comments/{comment_id}/hiding",
               json={"reason": "Geen reclame, graag"})
    assert author.get(f"/me/ideas/{comment_idea['idea_id']}").json()["comments"] == []
    [mine] = reader.get(f"/me/ideas/{comment_idea['idea_id']}").json()["comments"]
    assert mine["hidden"]["reason"] == "Geen reclame, graag"


def test_the_list_goes_by_votes_or_newest_page_by_page(cloud, agent):
    # Given three new ideas, one of energy, the second with two votes and one planned
    author = new_customer(cloud)
    first, second, third = (_post(author, topic=topic, title=f"Idee {n} {uuid.uuid4().hex[:6]}")
                            for n, topic in enumerate(("internet", "internet", "energy")))
    for voter in (new_customer(cloud), new_customer(cloud)):
        voter.post(f"/me/ideas/{second['idea_id']}/vote")
    agent.post(f"/agent/ideas/{third['idea_id']}/status", json={"status": "planned", "reason": "Komt eraan"})

    # The open ones of internet, most votes first: the second before the first
    listed = [i["idea_id"] for i in author.get("/me/ideas?topic=internet").json()["items"]]
    assert listed.index(second["idea_id"]) < listed.index(first["idea_id"])
    # Newest first, one a page: every idea once, in order, across new and planned
    seen, cursor = [], None
    while True:
        page = author.get("/me/ideas", params={"sort": "newest", "limit": 1, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.text
        seen += [i["idea_id"] for i in page.json()["items"]]
        cursor = page.json()["next_cursor"]
        if not cursor or len(seen) > 500:
            break
    mine = [i for i in seen if i in (first["idea_id"], second["idea_id"], third["idea_id"])]
    assert mine == [third["idea_id"], second["idea_id"], first["idea_id"]] and len(seen) == len(set(seen))
    # Planned only
    assert [i["status"] for i in author.get("/me/ideas?status=planned").json()["items"]] == \
        ["planned"] * len(author.get("/me/ideas?status=planned").json()["items"])
    assert author.get("/me/ideas?status=later").json()["field"] == "status"
    assert author.get("/me/ideas?cursor=bm90LWEtY3Vyc29y").json()["reason"] == "cursor_invalid"


def test_a_closed_idea_takes_no_votes_and_a_repeated_post_is_one_idea(cloud, agent, customer):
    idea = _post(customer)
    agent.post(f"/agent/ideas/{idea['idea_id']}/status", json={"status": "declined", "reason": "Past niet bij ons"})
    refused = customer.post(f"/me/ideas/{idea['idea_id']}/vote")
    assert (refused.status_code, refused.json()["reason"]) == (409, "idea_closed")
    key = {"Idempotency-Key": uuid.uuid4().hex}
    first = customer.post("/me/ideas", json=IDEA, headers=key)
    second = customer.post("/me/ideas", json=IDEA, headers=key)
    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["idea_id"] == second.json()["idea_id"]
