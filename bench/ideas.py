"""Ideas benchmark: votes counted twice under concurrent voting. VOTERS customers cast VOTES votes
on IDEAS ideas, all released at the same moment over HTTP: each customer votes for a few of the
ideas (drawn from random.Random(SEED)), and REPEATED of those votes are sent a second time, also at
that moment (a double click). Then each idea's count, as customers read it, is held against the
votes stored (one item per customer and idea) and against the distinct customer-idea pairs sent:
a vote counted more than once is a duplicate (goal 0); one answered but not counted is lost (goal
0 too). Also: whether the ranking by votes (GSI1) ends at the counts."""

from __future__ import annotations

import random
import time
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

import requests

from bench.samples import at_once
from infra.local.runtime import Running
from infra.local.tokens import User
from opencounter.customers.service import register_customer
from opencounter.ideas.records import IdeaTally, Vote

SEED = 28
VOTERS = 50
IDEAS = 5
VOTES = 200
REPEATED = 40
HTTP_TIMEOUT_S = 60
SYSTEM = {"type": "system", "id": "bench"}


def _customer(running: Running) -> requests.Session:
    email = f"bench-idea-{uuid.uuid4().hex[:10]}@example.nl"
    customer_id = register_customer(
        {"given_name": "Bench", "family_name": "Stemmer", "birth_date": "1985-05-05", "email": email,
         "phone": f"+3164{uuid.uuid4().int % 10**7:07d}"},
        {"street": "Damrak", "house_number": 1, "postcode": "1012 LG", "city": "Amsterdam"},
        actor=SYSTEM, channel="system")
    user = User(email, "pw", ("customers",), customer_id)
    running.issuer.add_user(user)
    session = requests.Session()
    session.headers["Authorization"] = running.issuer.id_token(user)
    session.customer_id = customer_id  # type: ignore[attr-defined]
    return session


def run(running: Running, *, log: Callable[[str], None] = print) -> dict[str, Any]:
    rng = random.Random(SEED)
    voters = [_customer(running) for _ in range(VOTERS)]
    ideas = []
    for n in range(IDEAS):
        posted = voters[n].post(f"{running.url}/me/ideas", timeout=HTTP_TIMEOUT_S, json={
            "title": f"Bench-idee {n} {uuid.uuid4().hex[:6]}", "text": "Een idee om samen op te stemmen.",
            "topic": "service"})
        posted.raise_for_status()
        ideas.append(posted.json()["idea_id"])
    pairs = rng.sample([(v, i) for v in range(VOTERS) for i in range(IDEAS)], VOTES - REPEATED)
    sent = pairs + rng.sample(pairs, REPEATED)
    rng.shuffle(sent)
    started = time.perf_counter()
    answers = at_once([lambda v=v, i=i: voters[v].post(f"{running.url}/me/ideas/{ideas[i]}/vote",
                                                        timeout=HTTP_TIMEOUT_S) for v, i in sent])
    seconds = time.perf_counter() - started
    running.cloud.settle()
    outcomes = Counter(str(a.status_code) if isinstance(a, requests.Response) else type(a).__name__ for a in answers)
    answered = {pair for pair, a in zip(sent, answers, strict=True)
                if isinstance(a, requests.Response) and a.status_code == 200}
    duplicates = lost = stale_ranking = 0
    per_idea = []
    for n, idea_id in enumerate(ideas):
        counted = voters[0].get(f"{running.url}/me/ideas/{idea_id}", timeout=HTTP_TIMEOUT_S).json()["votes"]
        stored = sum(1 for v in Vote.query(f"IDEA#{idea_id}", Vote.SK.startswith(Vote.SK_PREFIX), consistent_read=True)
                     if isinstance(v, Vote))
        cast = sum(1 for v, i in answered if i == n)
        duplicates += max(0, counted - stored) + max(0, stored - len({v for v, i in set(pairs) if i == n}))
        lost += max(0, cast - counted)
        tally = IdeaTally.get(*IdeaTally.keys(idea_id), consistent_read=True)
        stale_ranking += int(tally.GSI1SK is None or int(tally.GSI1SK.split("#")[0]) != counted)
        per_idea.append({"votes_counted": counted, "votes_stored": stored, "customers_answered": cast})
    log(f"  {len(sent)} votes ({REPEATED} repeated) by {VOTERS} customers on {IDEAS} ideas at once in "
        f"{seconds:.1f}s: {dict(outcomes)}; counted twice {duplicates}, lost {lost}, ranking behind {stale_ranking}")
    return {"ideas": {"duplicate_votes": duplicates},
            "ideas_detail": {"votes_sent": len(sent), "repeated": REPEATED, "voters": VOTERS, "ideas": IDEAS,
                             "seed": SEED, "seconds": round(seconds, 2), "outcomes": dict(sorted(outcomes.items())),
                             "votes_lost": lost, "rankings_behind_counts": stale_ranking, "per_idea": per_idea}}


if __name__ == "__main__":
    from bench.run import alone

    raise SystemExit(alone(run))
