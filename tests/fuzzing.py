"""Schemathesis against the API, as a client that knows nothing but the OpenAPI document would
call it: every operation with data that matches its schemas and data that breaks them, and chains
of operations along the document's links, signed in as two customers (who must not see each
other's objects) and as staff. The checks hold each answer to the document: no 5xx, a status and
a content type it documents, a body that matches its schema, invalid input refused with a 4xx,
no route working without its token, and no object found after it is gone or missing after it
was made.

It runs on a local cloud of its own, in a process of its own: the fuzzer changes what it finds
(staffing, contacts, requests), which no other test should see. Bounded and derandomised: the
same examples every run, SEED and MAX_EXAMPLES below. A failing case is reported as found, not
shrunk first (shrinking replays variants of it against the local cloud, one request each, for
as long as they keep failing).

    .venv/bin/python -m tests.fuzzing [--report DIR]   # the figures (and failures); exit 1 on failures

tests/integration/test_schemathesis.py runs it in `make test`; bench/contract.py counts its
failures (`contract.schemathesis_failures`).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from infra.local.demo import CUSTOMERS, DEMO_PASSWORD, STAFF
from infra.local.template import ROOT

SCHEMATHESIS = [sys.executable, "-m", "schemathesis.cli"]
#: the same data every run (with deterministic generation)
SEED = 20261205
#: test cases per operation and phase at the most
MAX_EXAMPLES = 12
#: stateful scenarios (chains of calls along the links) per pass, and steps in one at the most
STATEFUL_SCENARIOS = 80
MAX_STEPS = 8
#: the checks run on every answer. Left out: positive_data_acceptance (valid data meets business
#: rules: an id nobody has is a 404, not a 2xx), unsupported_method and allow_header_conformance
#: (API Gateway answers a method a path does not have as a route it does not have: 404, no 405)
CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance", "response_schema_conformance",
          "response_headers_conformance", "negative_data_rejection", "missing_required_header", "ignored_auth",
          "use_after_free", "ensure_resource_availability", "object_level_authorization")
#: what invalid data may be refused with: schemathesis's own list, and 413, how the edge refuses a body
#: larger than any route takes before it reads it (opencounter.edge.http.MAX_BODY_BYTES), whatever else
#: is wrong with it
REJECTED = ("400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429", "5xx")
PHASES = ("examples", "coverage", "fuzzing", "stateful")
#: what a run writes in its report folder: the Outcome, as JSON
OUTCOME = "outcome.json"
#: who signs in: two customers (peers: neither may see the other's objects) and an agent
USERS = {"customer": CUSTOMERS[0]["person"]["email"], "other-customer": CUSTOMERS[1]["person"]["email"],
         "staff": STAFF[0].username}


@dataclass
class Outcome:
    """What a run found: failures (operation, check, what was wrong), and its size."""

    failures: list[dict[str, Any]] = field(default_factory=list)
    operations: int = 0
    test_cases: int = 0
    seconds: float = 0.0
    exit_code: int = 0
    output: str = ""

    @property
    def passed(self) -> bool:
        return self.exit_code == 0 and not self.failures

    @property
    def count(self) -> int:
        """Failures over every route and check (a failure found again on another case counts once)."""
        return sum(int(failure.get("count", 1)) for failure in self.failures)


def config(auth_file: Path, report_dir: Path) -> str:
    """schemathesis.toml for one run."""
    rejected = f"\nexpected-statuses = {json.dumps(list(REJECTED))}"
    checks = "\n".join(f"[checks.{name}]\nenabled = true{rejected if name == 'negative_data_rejection' else ''}"
                       for name in CHECKS)
    return f"""seed = {SEED}
workers = 1

[cache]
enabled = false

[generation]
mode = "all"
max-examples = {MAX_EXAMPLES}
deterministic = true
database = "none"
no-shrink = true

[phases.stateful]
max-steps = {MAX_STEPS}

[phases.stateful.generation]
max-examples = {STATEFUL_SCENARIOS}

[auth.wfc]
path = {json.dumps(str(auth_file))}
peers = ["customer", "other-customer"]

[reports.json]
enabled = true
path = {json.dumps(str(report_dir / "run.json"))}

[checks]
enabled = false
{checks}
"""


def wfc_auth(tokens: dict[str, str]) -> dict[str, Any]:
    """The users as a Web Fuzzing Commons auth document: each sends its ID token as it is."""
    return {"schemaVersion": "0.1.0",
            "auth": [{"name": name, "fixedHeaders": [{"name": "Authorization", "value": token}]}
                     for name, token in tokens.items()]}


#: who is signed in for which routes: staff for /agent..., a customer for everything else
#: (their own record, the shop window, signing up, the webhooks, where a token is not looked at)
PASSES = {"customer": "^/(?!agent/)", "staff": "^/agent/"}


def run(url: str, tokens: dict[str, str], report_dir: Path, users: tuple[str, ...] = tuple(PASSES)) -> Outcome:
    """Schemathesis against the API at `url` (its document at /openapi.json), one pass per user
    of `users` (PASSES') over that user's routes; the outcome of them all."""
    report_dir.mkdir(parents=True, exist_ok=True)
    auth_file = report_dir / "auth.json"
    auth_file.write_text(json.dumps(wfc_auth(tokens)))
    total = Outcome()
    started = time.monotonic()
    for user in users:
        paths = PASSES[user]
        folder = report_dir / user
        folder.mkdir(exist_ok=True)
        (folder / "schemathesis.toml").write_text(config(auth_file, folder))
        done = subprocess.run([*SCHEMATHESIS, "--config-file", str(folder / "schemathesis.toml"), "--no-color", "run",
                               f"{url}/openapi.json", "--phases", ",".join(PHASES), "--auth-wfc-user", user,
                               "--include-path-regex", paths],
                              capture_output=True, text=True, timeout=900, check=False)
        outcome = read_report(folder / "run.json")
        total.failures += [{**failure, "user": user} for failure in outcome.failures]
        total.operations += outcome.operations
        total.test_cases += outcome.test_cases
        total.exit_code = max(total.exit_code, done.returncode)
        total.output += f"---- signed in as {user}\n" + done.stdout[-20000:] + done.stderr[-5000:]
    total.seconds = round(time.monotonic() - started, 1)
    return total


def read_report(path: Path) -> Outcome:
    """The failures and counts of a run, from its JSON report (none: the run did not finish)."""
    if not path.exists():
        return Outcome(failures=[{"code": "no_report", "title": "schemathesis wrote no report", "count": 1}])
    report = json.loads(path.read_text())
    failures = [{"code": f["code"], "title": f["title"], "count": f["count"], "operations": f["operations"]}
                for f in report["failures"]]
    failures += [{"code": "error", "title": str(e.get("title") or e), "count": 1, "operations": e.get("operations", [])}
                 for e in report["errors"]]
    return Outcome(failures=failures, operations=report["operations"]["tested"],
                   test_cases=report["test_cases"]["generated"])


def run_apart(report_dir: Path, users: tuple[str, ...] = tuple(PASSES)) -> Outcome:
    """A run on a local cloud of its own, in a process of its own (`python -m tests.fuzzing`), of
    the passes of `users` (each pass can run apart from the other: make test runs them side by side)."""
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "layers" / "shared" / "python")])}
    done = subprocess.run([sys.executable, "-m", "tests.fuzzing", "--report", str(report_dir),
                           *(f"--user={user}" for user in users)], cwd=ROOT,
                          env=environment, capture_output=True, text=True, timeout=900, check=False)
    written = report_dir / OUTCOME
    if not written.exists():
        return Outcome(failures=[{"code": "no_outcome", "title": "the run ended without an outcome", "count": 1}],
                       exit_code=done.returncode or 1, output=done.stdout[-5000:] + done.stderr[-10000:])
    return Outcome(**json.loads(written.read_text()))


def main() -> int:
    from infra.local import runtime
    from tests.conftest import QUIET, RETRY_PAUSE

    parser = argparse.ArgumentParser(prog="python -m tests.fuzzing", description=__doc__)
    parser.add_argument("--report", type=Path, help="where to keep the run's files (default: a temporary folder)")
    parser.add_argument("--user", action="append", choices=tuple(PASSES),
                        help="only this user's pass (repeatable; default: every pass)")
    arguments = parser.parse_args()
    running = runtime.start(synchronous=True, demo=True, environment=QUIET, retry_pause=RETRY_PAUSE)
    try:
        tokens = {name: running.issuer.sign_in(email, DEMO_PASSWORD)["IdToken"] for name, email in USERS.items()}
        with tempfile.TemporaryDirectory(prefix="schemathesis-") as folder:
            report_dir = arguments.report or Path(folder)
            outcome = run(running.url, tokens, report_dir, tuple(arguments.user or PASSES))
            # a file, not standard output: what the functions log goes there
            (report_dir / OUTCOME).write_text(json.dumps(asdict(outcome), indent=2))
    finally:
        running.stop()
    print(outcome.output if outcome.failures else "", f"{outcome.count} failures over {outcome.operations} "
          f"operations, {outcome.test_cases} test cases in {outcome.seconds} s", sep="\n")
    return 0 if outcome.passed else 1


if __name__ == "__main__":
    sys.exit(main())
