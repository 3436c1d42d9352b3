"""`make deploy-check`: would template.yaml deploy, and would every function start? Offline but for
PyPI, without an AWS account and without Docker. Every step runs and reports; the run fails if any
step failed, naming it.

1. `sam validate --lint`: the SAM CLI's validation and cfn-lint's rules.
2. cfn-lint with the serverless rules (cfn-lint-serverless): every finding, warnings included, fails.
3. `sam build` for the runtime's platform (infra.build.sam), kept while its inputs are unchanged.
4. The built dependencies layer is the runtime's lock (infra.build.artifacts).
5. Every function's handler imports from the built artifacts (infra.build.artifacts).

What cannot change between two runs is not done twice: a linter's pass is kept while the template,
the linter's lock and the interpreter are the same (a finding is never kept), the build while its
inputs are the same, the lock's wheels while the lock is. `--report` writes every step's outcome
as JSON (the bench reads it).

    python -m infra.build.deploy_check --sam .tools/sam/bin/sam --uv .tools/uv/bin/uv --python python3.13
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.build import artifacts, locks
from infra.build.sam import BUILD_DIR, BUILT_TEMPLATE, REGION, BuildFailed, Runtime, Sam, runtime
from infra.local.template import ROOT, TEMPLATE, load_template

SCRATCH = ROOT / ".aws-sam" / "deploy-check"
LAYER = "DependenciesLayer"
SERVERLESS_RULES = "cfn_lint_serverless.rules"
#: cfn-lint of the development environment, beside the Python that runs this
CFN_LINT = Path(sys.executable).with_name("cfn-lint")
#: what a linter reads besides itself: a pass is kept while these and the linter's lock are unchanged
LINT_INPUTS = ("template.yaml", "samconfig.toml", ".cfnlintrc", ".cfnlintrc.yaml", ".cfnlintrc.json")


class StepFailed(Exception):
    pass


@dataclass
class Check:
    sam: Sam
    uv: str
    python: str
    runtime: Runtime

    # -------------------------------------------------------------- 1. sam validate --lint
    def validate(self) -> str:
        def run() -> str:
            done = self.sam.validate(self.runtime)
            said = (done.stdout + done.stderr).strip().replace(f"{ROOT}{os.sep}", "")  # paths as in the repository
            if done.returncode:
                raise StepFailed(said)
            return said

        return kept_pass("sam-validate", ROOT / "requirements-sam.txt", run)

    # -------------------------------------------------------------- 2. the serverless rules
    def serverless_rules(self) -> str:
        def run() -> str:
            done = subprocess.run([str(CFN_LINT), "--regions", REGION, "--append-rules", SERVERLESS_RULES,
                                   "--", str(TEMPLATE.relative_to(ROOT))], cwd=ROOT, capture_output=True, text=True)
            said = (done.stdout + done.stderr).strip()
            if done.returncode:
                raise StepFailed(said or f"cfn-lint ended with {done.returncode}")
            return "no findings"

        return kept_pass("cfn-lint-serverless", ROOT / "requirements-dev.txt", run)

    # -------------------------------------------------------------- 3. sam build
    def build(self) -> str:
        try:
            built, said = self.sam.build(self.runtime)
        except BuildFailed as failure:
            raise StepFailed(str(failure)) from None
        return f"built into {BUILD_DIR.relative_to(ROOT)}" if built else said

    # -------------------------------------------------------------- 4. the layer is the lock
    def _install(self, lock: Path, platform: str, name: str) -> Path:
        """A lock's wheels for a platform, installed by uv after checking them against the lock's hashes;
        kept while the lock is unchanged."""
        target = SCRATCH / f"{name}-{hashlib.sha256(lock.read_bytes()).hexdigest()[:16]}"
        if not (target / ".complete").exists():
            shutil.rmtree(target, ignore_errors=True)
            done = subprocess.run([self.uv, "pip", "install", "--quiet", "--target", str(target), "--python",
                                   self.python, "--python-platform", platform, "--python-version", self.runtime.python,
                                   "--no-deps", "--require-hashes", "--only-binary", ":all:", "-r", str(lock)],
                                  cwd=ROOT, capture_output=True, text=True)
            if done.returncode:
                raise StepFailed(f"uv could not install the lock's wheels for {platform}:\n{done.stderr}")
            (target / ".complete").touch()
        return target

    def built_template(self) -> dict[str, Any]:
        if not BUILT_TEMPLATE.exists():
            raise StepFailed("there is no build")
        return load_template(BUILT_TEMPLATE)

    def built_layer(self, template: dict[str, Any]) -> Path:
        """Where the built dependencies layer keeps its packages."""
        return BUILD_DIR / template["Resources"][LAYER]["Properties"]["ContentUri"] / "python"

    def layer(self) -> str:
        python, machine = locks.RUNTIME_PYTHON, (locks.RUNTIME.platform or "").split("-")[0]
        if (python, machine) != (self.runtime.python, self.runtime.machine):
            raise StepFailed(f"{locks.RUNTIME.path.relative_to(ROOT)} is resolved for python{python} on {machine}; "
                             f"the template runs python{self.runtime.python} on {self.runtime.machine}")
        content = self.built_layer(self.built_template())
        reference = self._install(locks.RUNTIME.path, locks.RUNTIME.platform or "", "runtime-wheels")
        source = ROOT / load_template(TEMPLATE)["Resources"][LAYER]["Properties"]["ContentUri"]
        problems = artifacts.layer_problems(content, locks.RUNTIME.path, reference, self.runtime, source)
        if problems:
            raise StepFailed("\n".join(problems))
        compiled = artifacts.compiled_packages(content)
        return (f"{len(artifacts.installed(content))} packages, exactly the lock's wheels for "
                f"python{self.runtime.python} on {self.runtime.architecture}; compiled: "
                + (", ".join(f"{name} {version}" for name, version in sorted(compiled.items())) or "none"))

    # -------------------------------------------------------------- 5. every handler imports
    def handlers(self) -> str:
        template = self.built_template()
        functions = artifacts.built_functions(template, BUILD_DIR)
        if not functions:
            raise StepFailed("the built template has no functions")
        stand_ins: list[Path] = []
        note = ""
        compiled = artifacts.compiled_packages(self.built_layer(template))
        if compiled and artifacts.needs_stand_ins(self.runtime):
            SCRATCH.mkdir(parents=True, exist_ok=True)
            requirements = SCRATCH / "stand-ins.txt"
            requirements.write_text(artifacts.stand_in_requirements(locks.RUNTIME.path, compiled))
            machine = platform.machine()
            stand_ins.append(self._install(requirements, f"{machine}-manylinux2014", f"{machine}-stand-ins"))
        results = artifacts.import_handlers(functions, self.python, self.runtime, REGION, SCRATCH / "bytecode",
                                            stand_ins)
        problems = [f"{r.function}: {r.error}" for r in results if r.error]
        problems += [f"{r.function}: imported from outside the build: {', '.join(r.outside)}"
                     for r in results if r.outside]
        if problems:
            raise StepFailed("\n".join(problems))
        used = sorted({name.split(".")[0] for r in results for name in r.stand_ins})
        if stand_ins:
            note = ("; this machine's builds of " + ", ".join(used) + " stood in for the layer's "
                    f"{self.runtime.machine} ones") if used else "; no handler imports a compiled module"
        return f"{len(results)} handlers import from the build alone, without the network{note}"


def kept_pass(name: str, lock: Path, lint: Callable[[], str]) -> str:
    """Run a linter, unless it passed on the same template with the same linter (its lock) and
    interpreter; only a pass is kept."""
    digest = hashlib.sha256(f"{name}\0{sys.version}\0".encode() + lock.read_bytes())
    for input_name in LINT_INPUTS:
        path = ROOT / input_name
        if path.exists():
            digest.update(input_name.encode() + b"\0" + path.read_bytes() + b"\0")
    verdict = SCRATCH / "passed" / f"{name}-{digest.hexdigest()[:24]}"
    if verdict.exists():
        return f"{verdict.read_text().strip().splitlines()[-1]} (kept: nothing it reads changed since it passed)"
    said = lint()
    verdict.parent.mkdir(parents=True, exist_ok=True)
    for earlier in verdict.parent.glob(f"{name}-*"):
        earlier.unlink()
    verdict.write_text(said + "\n")
    return said


STEPS = ("sam validate --lint", "cfn-lint with the serverless rules", "sam build", "the dependencies layer is the lock",
         "every handler imports from the build")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sam", type=Path, required=True, help="the sam executable")
    parser.add_argument("--uv", required=True, help="the uv executable")
    parser.add_argument("--python", required=True, help="the runtime's Python (python3.13)")
    parser.add_argument("--report", type=Path, help="write every step's outcome here, as JSON")
    arguments = parser.parse_args()
    started = time.monotonic()
    outcomes: list[dict[str, Any]] = []
    try:
        check = Check(Sam(arguments.sam), arguments.uv, arguments.python, runtime())
    except (FileNotFoundError, ValueError) as problem:
        print(f"deploy-check: {problem}", file=sys.stderr)
        outcomes = [{"step": name, "passed": False, "seconds": 0.0, "said": f"not run: {problem}"} for name in STEPS]
    else:
        build = f"sam build (python{check.runtime.python}, {check.runtime.architecture})"
        # the two linters take a core each; what follows the build needs the build
        stages: list[list[tuple[str, Callable[[], str]]]] = [
            [(STEPS[0], check.validate), (STEPS[1], check.serverless_rules)],
            [(build, check.build)],
            [(STEPS[3], check.layer)],
            [(STEPS[4], check.handlers)],
        ]
        with ThreadPoolExecutor(max_workers=2) as pool:
            for stage in stages:
                if any(o["step"] == build and not o["passed"] for o in outcomes):
                    for name, _ in stage:
                        print(f"deploy-check: {name}: FAILED, not run: there is no build", flush=True)
                        outcomes.append({"step": name, "passed": False, "seconds": 0.0, "said": "not run: no build"})
                    continue
                for outcome in pool.map(lambda s: run(*s), stage):
                    print(outcome.pop("report"), flush=True)
                    outcomes.append(outcome)
    failed = [o["step"] for o in outcomes if not o["passed"]]
    seconds = round(time.monotonic() - started, 1)
    if arguments.report:
        arguments.report.write_text(json.dumps({"steps": outcomes, "checks_failed": len(failed), "failed": failed,
                                                "seconds": seconds}, indent=2) + "\n")
    if failed:
        print(f"deploy-check failed ({seconds} s): {'; '.join(failed)}", file=sys.stderr)
        return 1
    print(f"deploy-check passed ({seconds} s)")
    return 0


def run(name: str, step: Callable[[], str]) -> dict[str, Any]:
    """Run a step: its outcome, with the line (or lines) that report it."""
    started = time.monotonic()
    try:
        said = step()
    except StepFailed as failure:
        seconds = round(time.monotonic() - started, 1)
        return {"step": name, "passed": False, "seconds": seconds, "said": str(failure),
                "report": f"deploy-check: {name}: FAILED ({seconds} s)\n{failure}\n"}
    seconds = round(time.monotonic() - started, 1)
    last = said.splitlines()[-1] if said else ""
    return {"step": name, "passed": True, "seconds": seconds, "said": last,
            "report": f"deploy-check: {name}: passed ({seconds} s): {last}"}


if __name__ == "__main__":
    sys.exit(main())
