"""Schemathesis over every route of the API, as tests/fuzzing.py runs it: on a local cloud of its
own, signed in as a customer (with a second one as the peer who must not see the first one's
objects) and as staff, with data that matches the document and data that breaks it, along the
document's links. Nothing it checks may fail."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from infra.local.template import api_routes, load_template
from tests.fuzzing import CHECKS, PASSES, read_report, run_apart


@pytest.mark.long
@pytest.mark.parametrize("user", PASSES)
def test_schemathesis_finds_nothing_wrong_with_any_route(tmp_path, user):
    """One pass per user, each on a local cloud of its own, so that the two run side by side."""
    outcome = run_apart(tmp_path, (user,))
    assert outcome.failures == [], outcome.output
    assert outcome.passed, outcome.output
    # every route of this user's, and more than a handful of cases each
    routes = [r for r in api_routes(load_template()) if re.match(PASSES[user], r.resource)]
    assert outcome.operations == len(routes)
    assert outcome.test_cases >= 20 * outcome.operations
    assert {"not_a_server_error", "status_code_conformance", "content_type_conformance", "response_schema_conformance",
            "negative_data_rejection", "ignored_auth", "object_level_authorization"} <= set(CHECKS)
    configured = (tmp_path / user / "schemathesis.toml").read_text()
    assert all(f"[checks.{check}]\nenabled = true" in configured for check in CHECKS)


def test_the_passes_together_are_every_route():
    routes = api_routes(load_template())
    assert all(sum(bool(re.match(paths, r.resource)) for paths in PASSES.values()) == 1 for r in routes)


def test_a_report_with_failures_is_a_failed_run(tmp_path):
    report = {"operations": {"tested": 3}, "test_cases": {"generated": 40},
              "failures": [{"type": "ServerError", "code": "ST101", "title": "Server error", "severity": "critical",
                            "count": 2, "operations": ["GET /me"]}],
              "errors": [{"title": "Network error", "operations": ["POST /me/moves"]}]}
    (tmp_path / "run.json").write_text(json.dumps(report))
    outcome = read_report(tmp_path / "run.json")
    assert not outcome.passed
    assert [(f["code"], f["count"]) for f in outcome.failures] == [("ST101", 2), ("error", 1)]
    assert outcome.count == 3
    assert (outcome.operations, outcome.test_cases) == (3, 40)
    assert not read_report(Path(tmp_path / "none.json")).passed
