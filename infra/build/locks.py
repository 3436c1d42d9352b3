"""The locks. Each `*.in` holds the pins a person reads, each with the reason it is there; `make lock`
resolves it with uv into the `*.txt` beside it, every package pinned with its hashes, keeping every
locked version the pins still allow. `make lock-check` proves that each lock is what `make lock`
makes of its pins: it resolves again from the uv cache alone and, when that cannot answer or
differs, from PyPI.

    python -m infra.build.locks --uv .tools/uv/bin/uv write|check
"""

from __future__ import annotations

import argparse
import difflib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUNTIME_PYTHON = "3.13"


@dataclass(frozen=True)
class Lock:
    """Pins (`<name>.in`) and the lock made of them (`<name>.txt`), resolved for one platform."""

    #: the path of both files without their suffix, from the repository's root
    name: str
    #: uv's --python-platform; None: the pins name a package whose every file is locked
    platform: str | None

    @property
    def pins(self) -> Path:
        return ROOT / f"{self.name}.in"

    @property
    def path(self) -> Path:
        return ROOT / f"{self.name}.txt"


#: the runtime's first: the development lock holds the runtime packages to its versions
RUNTIME = Lock("layers/dependencies/requirements", "aarch64-manylinux2014")  # Lambda: python3.13 on arm64
LOCKS = (
    RUNTIME,
    Lock("requirements-dev", "x86_64-manylinux_2_28"),  # the machines that develop and test
    Lock("requirements-sam", "x86_64-manylinux_2_28"),
    Lock("requirements-uv", None),
)


def canonicalize_name(name: str) -> str:
    """A package's name as PyPI compares names (PEP 503); `make lock` runs without the environment's
    packages, so not packaging's."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass
class Pin:
    """One package of a lock: its version and the hashes of its files."""

    name: str
    version: str
    hashes: list[str] = field(default_factory=list)

    def requirement(self) -> str:
        return f"{self.name}=={self.version} " + " ".join(f"--hash={digest}" for digest in self.hashes)


def read_lock(path: Path) -> dict[str, Pin]:
    """The packages of a lock written by `uv pip compile --generate-hashes`, by canonical name."""
    pins: dict[str, Pin] = {}
    current: Pin | None = None
    for raw in path.read_text().splitlines():
        line = raw.split(" #", 1)[0].strip().removesuffix("\\").strip()
        if not line or line.startswith("#"):
            continue
        words = line.split()
        if not raw[0].isspace() and not words[0].startswith("-"):
            requirement = line.split(";", 1)[0].split(" --", 1)[0].strip()
            name, separator, version = requirement.partition("==")
            if not separator:
                raise ValueError(f"{path}: {line!r} is not pinned exactly")
            current = pins[canonicalize_name(name)] = Pin(canonicalize_name(name), version.strip())
        if current is not None:
            current.hashes += [word.removeprefix("--hash=") for word in words if word.startswith("--hash=")]
    return pins


def compile_command(uv: str, lock: Lock, output: Path, *, offline: bool = False) -> list[str]:
    return [uv, "pip", "compile", "--quiet", "--generate-hashes", "--python-version", RUNTIME_PYTHON,
            *(["--python-platform", lock.platform] if lock.platform else []), *(["--offline"] if offline else []),
            "--custom-compile-command", "make lock", os.path.relpath(lock.pins, ROOT), "-o", str(output)]


def resolve(uv: str, lock: Lock, output: Path, *, offline: bool = False) -> subprocess.CompletedProcess[str]:
    """Resolve the pins into `output`; a lock already there gives its versions as preferences."""
    return subprocess.run(compile_command(uv, lock, output, offline=offline), cwd=ROOT, capture_output=True,
                          text=True)


def write(uv: str) -> int:
    for lock in LOCKS:
        done = resolve(uv, lock, lock.path)
        if done.returncode:
            print(f"make lock: resolving {lock.pins.name} failed:\n{done.stderr}", file=sys.stderr)
            return 1
        print(f"{os.path.relpath(lock.path, ROOT)}: resolved from {lock.pins.name}")
    return 0


def stale(uv: str, lock: Lock, scratch: Path) -> str | None:
    """None when the lock is what `make lock` makes of its pins, else what differs (or why it could not tell)."""
    current = lock.path.read_text() if lock.path.exists() else ""
    output = scratch / "lock.txt"
    difference = "missing"
    for offline in (True, False):
        output.write_text(current)
        done = resolve(uv, lock, output, offline=offline)
        if done.returncode:
            difference = f"uv could not resolve the pins:\n{done.stderr.strip()}"
            continue
        made = output.read_text()
        if made == current:
            return None
        difference = "".join(difflib.unified_diff(current.splitlines(True), made.splitlines(True),
                                                  f"{lock.path.name} (committed)", f"{lock.path.name} (make lock)"))
    return difference


def check(uv: str) -> int:
    problems = []
    with tempfile.TemporaryDirectory() as scratch:
        for lock in LOCKS:
            difference = stale(uv, lock, Path(scratch))
            name = os.path.relpath(lock.path, ROOT)
            if difference is None:
                print(f"lock-check: {name} is current")
            else:
                problems.append(f"{name} is not what `make lock` makes of {lock.pins.name}:\n{difference}")
    for problem in problems:
        print(f"lock-check: {problem}", file=sys.stderr)
    if problems:
        print("lock-check failed: run `make lock` and commit the locks with the pins", file=sys.stderr)
    return 1 if problems else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--uv", required=True, help="the uv executable")
    parser.add_argument("action", choices=["write", "check"])
    arguments = parser.parse_args()
    if shutil.which(arguments.uv) is None:
        print(f"{arguments.uv} is not there: `make lock` installs it", file=sys.stderr)
        return 1
    return write(arguments.uv) if arguments.action == "write" else check(arguments.uv)


if __name__ == "__main__":
    sys.exit(main())
