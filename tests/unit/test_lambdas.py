"""A function of the local cloud runs as Lambda runs it: an execution environment serves one
request at a time, a request that finds every one busy gets a new one (its module imported
again), and a free environment serves the next request warm (infra/local/lambdas.py)."""

from __future__ import annotations

import threading
from pathlib import Path

from infra.local.lambdas import Function

HANDLER = '''
SERVED = []  # this environment's requests


def handler(event, context):
    SERVED.append(event["name"])
    event["gate"].wait(5)
    return {"environment": id(SERVED), "served": list(SERVED)}
'''


def test_requests_side_by_side_get_environments_of_their_own_and_a_free_one_is_used_again(tmp_path: Path) -> None:
    # Given a function whose handler keeps what it served in its module
    (tmp_path / "app.py").write_text(HANDLER)
    function = Function("Echo", tmp_path, "app.handler", {}, memory=128, timeout=3)
    both_in = threading.Barrier(2)
    answers: dict[str, dict] = {}

    def call(name: str) -> None:
        answers[name] = function.invoke({"name": name, "gate": both_in})

    # When two requests are served at the same moment
    threads = [threading.Thread(target=call, args=(name,)) for name in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Then each had an environment of its own, which saw only its own request
    assert answers["first"]["environment"] != answers["second"]["environment"]
    assert (answers["first"]["served"], answers["second"]["served"]) == (["first"], ["second"])
    # And a later request is served by one of them, warm
    later = function.invoke({"name": "later", "gate": threading.Barrier(1)})
    assert later["environment"] in {answers["first"]["environment"], answers["second"]["environment"]}
    assert len(later["served"]) == 2 and function.environments == 2
