"""The load test, small (bench/load.py, as `make load` runs it but with six users for twenty
seconds): customers and an applicant at once against a local cloud of its own, asynchronous as
`make run`, in a process of its own. What `make load` and `make bench` measure stays runnable."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable

import pytest
import requests
from pynamodb.exceptions import PutError, VerboseClientError

from bench.load import SIGNUP, WEIGHTS, Observed, summarise
from infra.local.dynamodb import ONGOING, TransactionConflictException
from infra.local.template import ROOT
from opencounter.core.errors import Contended
from opencounter.core.table import retried


@pytest.mark.long
def test_a_small_load_meets_no_server_error_nor_write_conflict_and_makes_every_kind_of_flow(tmp_path):
    # Given a local cloud of its own, and six users: an applicant, and five customers' users, of
    # whom two act for the same customer at once (two devices)
    figures_file = tmp_path / "load.json"
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "layers" / "shared" / "python")])}

    # When they do what customers and applicants do for twenty seconds (each customer's user makes
    # its share of every kind of flow first, in time even on a machine busy with other tests)
    ended = subprocess.run([sys.executable, "-m", "bench.load", "6", "20", "--output", str(figures_file)], cwd=ROOT,
                           env=environment, capture_output=True, text=True, timeout=300, check=False)

    # Then the run ended with its figures
    assert ended.returncode == 0 and figures_file.exists(), ended.stdout[-3000:] + ended.stderr[-5000:]
    figures = json.loads(figures_file.read_text())
    load, detail = figures["load"], figures["load_detail"]
    assert (load["users"], detail["users"]) == (6, {"customer_users": 5, "applicant_users": 1, "customers": 4,
                                                    "customers_on_two_devices": 1})
    # And no answer was a server error, and no write refused for another request reached a caller
    assert load["server_errors"] == 0, detail["server_error_samples"]
    assert load["transaction_conflicts_surfaced"] == 0, (detail["busy_try_again"], detail["server_error_samples"])
    # And every answer was one its flow expects, and nothing failed in the background
    assert detail["unexpected_answers"] == 0, detail["unexpected_samples"]
    assert detail["background_failures"] == 0, detail["background_failure_samples"]
    # And every kind of flow in the mix ran to its end at least once, every answer in it successful
    assert set(detail["kinds"]) == {*WEIGHTS, SIGNUP}
    assert {kind: seen for kind, seen in detail["kinds"].items() if seen["done"] < 1} == {}, detail["flows_not_done"]
    # And the figures are of those answers: each route's, and every request's
    assert sum(detail["mix"].values()) == detail["requests"] > 0
    assert set(load["p99_ms"]) == {"overall", *detail["mix"]}
    assert 0 < load["p50_ms"]["overall"] <= load["p99_ms"]["overall"]
    assert load["requests_per_s"] > 0


def test_what_reaches_a_caller_of_a_write_conflict_is_counted_and_the_cloud_is_left_as_it_was(cloud, customer, faults,
                                                                                             monkeypatch):
    # Given the cloud watched as during the load, and a customer's requests as the load records them
    url, headers = cloud.url + "/me", dict(customer.session.headers)
    records = []

    def sent(method: str, outcome: str) -> requests.Response:
        began = time.time()
        answer = requests.request(method, url, headers=headers, json={"version": 1, "settings": {"language": "en"}},
                                  timeout=30)
        records.append({"kind": "profile_read", "name": f"{method} /me", "status": answer.status_code, "ms": 12.5,
                        "at": began, "outcome": outcome})
        return answer

    def refused(*_: object) -> None:
        raise TransactionConflictException()

    def refused_once() -> Callable[[], None]:
        tries = []

        def write() -> None:
            tries.append(1)
            if len(tries) == 1:
                raise PutError("Failed to put item", cause=VerboseClientError(
                    {"Error": {"Code": "TransactionConflictException", "Message": ONGOING}}, "PutItem"))
        return write

    with Observed(cloud) as observed:
        # When a change keeps meeting other requests on its item until it is told to try again
        def contended(_: str) -> None:
            raise Contended("the record is being changed by other requests right now", reason="busy_try_again")

        monkeypatch.setattr("opencounter.customers.service.load_profile", contended)
        busy = sent("PATCH", "busy")
        monkeypatch.undo()
        # And a read fails on a write DynamoDB refused for another request (the function logs it)
        monkeypatch.setattr("opencounter.overview.service.record_from", refused)  # what GET /me reads the record with
        failed = sent("GET", "server_error")
        monkeypatch.undo()
        # And another read's function crashes on it before answering
        faults["CustomerProfileFunction"] = refused
        crashed = sent("GET", "server_error")
        faults.clear()
        # And another read is answered
        answered = sent("GET", "ok")
        # And a write met another request on its item once, and was done when tried again
        retried(refused_once())

    # Then the callers saw a 409 busy_try_again, two 5xx and a 200
    assert (busy.status_code, busy.json()["reason"]) == (409, "busy_try_again")
    assert (failed.status_code, crashed.status_code, answered.status_code) == (500, 502, 200)
    assert "TransactionConflict" not in failed.text + crashed.text  # only the logs name it
    # And the figures count the 5xx as server errors, and all three as conflicts that reached a caller
    figures = summarise({"records": records, "flows": [{"kind": "profile_read", "done": False, "why": "409"}],
                         "customers": 1, "customer_users": 1, "applicants": 0}, observed, users=1, seconds=1)
    assert figures["load"]["server_errors"] == 2
    assert figures["load"]["transaction_conflicts_surfaced"] == 3
    assert figures["load_detail"]["busy_try_again"] == {"PATCH /me": 1}
    assert [e["request"] for e in figures["load_detail"]["server_error_samples"]] == ["GET /me", "GET /me"]
    assert figures["load_detail"]["gateway_answers_by_status"] == {"200": 1, "409": 1, "500": 1, "502": 1}
    # And the write tried again counts as a conflict that did not reach anyone
    assert figures["load_detail"]["transaction_conflicts_retried"] == 1
    # And, no longer watched, the cloud answers as before
    assert customer.get("/me").status_code == 200
    assert "handle" not in vars(cloud.gateway) and "invoke" not in vars(cloud.cloud)
    assert cloud.cloud.delivery.invoke == cloud.cloud.invoke
