"""The AWS SAM CLI as this project runs it: from its own environment (.tools/sam, pinned in
requirements-sam.txt), without telemetry, with the `python3.13` beside it first on the PATH (sam build
looks for the runtime's interpreter there and runs its pip).

`sam build` builds the dependencies layer with that pip from the lock, layers/dependencies/requirements.txt.
Told through pip's own environment settings, it fetches only wheels for the runtime's platform
(manylinux2014 for the template's architecture, CPython 3.13) and checks each against the lock's hashes;
no container is needed. A build is kept while its inputs are unchanged: the key of what it was made
from sits in the build directory, which sam build clears whenever it runs.

    python -m infra.build.sam --sam .tools/sam/bin/sam build
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.local.template import ROOT, TEMPLATE, load_template

REGION = "eu-west-1"  # the region samconfig.toml deploys to
BUILD_DIR = ROOT / ".aws-sam" / "build"
BUILT_TEMPLATE = BUILD_DIR / "template.yaml"
BUILD_KEY = BUILD_DIR / ".content-key"
#: what a build is made from: the template, the code and layers, the locks, and the SAM CLI's own lock
BUILD_INPUTS = ("template.yaml", "samconfig.toml", "functions", "layers", "statemachines", "requirements-sam.txt")
MACHINES = {"arm64": "aarch64", "x86_64": "x86_64"}


@dataclass(frozen=True)
class Runtime:
    """The Lambda runtime every function of the template runs on."""

    python: str  # "3.13"
    architecture: str  # "arm64" or "x86_64", as the template says

    @property
    def machine(self) -> str:
        return MACHINES[self.architecture]

    @property
    def pip_platform(self) -> str:
        return f"manylinux2014_{self.machine}"

    @property
    def abi(self) -> str:
        return "cp" + self.python.replace(".", "")


def runtime(template: Mapping[str, Any] | None = None) -> Runtime:
    """The runtime and architecture of Globals.Function; the checks refuse a template that mixes them."""
    function = (template or load_template(TEMPLATE)).get("Globals", {}).get("Function", {})
    name, architectures = function.get("Runtime", ""), function.get("Architectures", ["x86_64"])
    if not name.startswith("python") or len(architectures) != 1 or architectures[0] not in MACHINES:
        raise ValueError(f"Globals.Function names no single Python runtime and architecture: {name} {architectures}")
    return Runtime(name.removeprefix("python"), architectures[0])


class Sam:
    def __init__(self, executable: Path) -> None:
        self.executable = executable.absolute()
        if not self.executable.exists():
            raise FileNotFoundError(f"{executable} is not there: `make sam` installs the AWS SAM CLI")

    def environment(self, runtime: Runtime) -> dict[str, str]:
        env = dict(os.environ)
        env.update({
            "PATH": f"{self.executable.parent}{os.pathsep}{env.get('PATH', '')}",
            "SAM_CLI_TELEMETRY": "0",
            # sam build's pip: only the runtime platform's wheels, each checked against the lock's hashes
            "PIP_REQUIRE_HASHES": "1",
            "PIP_ONLY_BINARY": ":all:",
            "PIP_PLATFORM": runtime.pip_platform,
            "PIP_IMPLEMENTATION": "cp",
            "PIP_PYTHON_VERSION": runtime.python,
            "PIP_ABI": runtime.abi,
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        })
        return env

    def run(self, arguments: list[str], runtime: Runtime) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(self.executable), *arguments], cwd=ROOT, env=self.environment(runtime),
                              capture_output=True, text=True)

    def validate(self, runtime: Runtime) -> subprocess.CompletedProcess[str]:
        return self.run(["validate", "--lint", "--region", REGION], runtime)

    def build(self, runtime: Runtime) -> tuple[bool, str]:
        """sam build, unless the last build was made from the same inputs. (built now, what sam said)"""
        key = build_key(runtime, self.executable)
        if BUILT_TEMPLATE.exists() and BUILD_KEY.exists() and BUILD_KEY.read_text() == key:
            return False, f"unchanged since the last build ({key[:12]}), kept"
        done = self.run(["build"], runtime)
        said = (done.stdout + done.stderr).strip()
        if done.returncode:
            raise BuildFailed(said)
        BUILD_KEY.write_text(key)
        return True, said


class BuildFailed(Exception):
    pass


def _files(path: Path) -> Iterator[Path]:
    if path.is_file():
        yield path
        return
    for child in sorted(path.rglob("*")):
        if child.is_file() and "__pycache__" not in child.parts and child.suffix != ".pyc":
            yield child


def build_key(runtime: Runtime, sam: Path) -> str:
    """A digest of every input of a build: the files it reads, the platform, the interpreter and the SAM CLI."""
    digest = hashlib.sha256(repr((runtime, str(sam), sys.version)).encode())
    for name in BUILD_INPUTS:
        for path in _files(ROOT / name):
            digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sam", type=Path, required=True, help="the sam executable")
    parser.add_argument("action", choices=["build"])
    arguments = parser.parse_args()
    try:
        built, said = Sam(arguments.sam).build(runtime())
    except (FileNotFoundError, ValueError) as problem:
        print(f"sam build: {problem}", file=sys.stderr)
        return 1
    except BuildFailed as failure:
        print(f"sam build failed:\n{failure}", file=sys.stderr)
        return 1
    print(said if built else f"sam build: {said}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
