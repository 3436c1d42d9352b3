"""Deploy figures: would the stack deploy and would every function start, as `make deploy-check`
says (sam validate --lint, cfn-lint with the serverless rules, sam build for the runtime, the built
layer against its lock, every handler imported from the build). The check runs in a child process,
with what it keeps between runs (a linter's pass, the build) kept as `make deploy-check` keeps it;
the figure is the number of its steps that failed.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from infra.build.deploy_check import STEPS
from infra.local.template import ROOT

GOALS = {"checks_failed": 0}
#: where `make` installs the SAM CLI and uv (the Makefile's SAM and UV)
SAM = ROOT / ".tools" / "sam" / "bin" / "sam"
UV = ROOT / ".tools" / "uv" / "bin" / "uv"
TIMEOUT_S = 600


def run(*, log: Callable[[str], None]) -> dict[str, Any]:
    """Run the deploy check; `deploy` and `deploy_detail` for bench/results.json."""
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "deploy-check.json"
        started = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "infra.build.deploy_check", "--sam", str(SAM), "--uv", str(UV),
                               "--python", sys.executable, "--report", str(report)],
                              cwd=ROOT, capture_output=True, text=True, timeout=TIMEOUT_S)
        seconds = round(time.monotonic() - started, 1)
        found = json.loads(report.read_text()) if report.exists() else None
    if found is None:  # the check itself broke: every step counts as failed
        said = (done.stdout + done.stderr).strip()
        found = {"steps": [{"step": name, "passed": False, "seconds": 0.0, "said": said[-2000:]} for name in STEPS],
                 "checks_failed": len(STEPS), "failed": list(STEPS)}
    for step in found["steps"]:
        log(f"  {step['step']:<46}{'passed' if step['passed'] else 'FAILED':>8}{step['seconds']:>7.1f} s")
    return {"deploy": {"checks_failed": found["checks_failed"]},
            "deploy_detail": {"steps": found["steps"], "failed": found["failed"], "runtime_s": seconds,
                              "exit_code": done.returncode, "goals": GOALS}}


if __name__ == "__main__":
    print(json.dumps(run(log=lambda line: print(line, file=sys.stderr, flush=True)), indent=2))
