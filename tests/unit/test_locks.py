"""The locks agree with their pins, with each other and with the template's runtime (infra/build/locks.py),
and `make` finds the runtime's Python or says clearly that there is none (infra/build/find-python)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from infra.build import locks
from infra.build.locks import canonicalize_name, read_lock
from infra.local.template import ROOT, load_template

UV = ROOT / ".tools" / "uv" / "bin" / "uv"


# ------------------------------------------------------------------ the locks


def test_the_runtime_lock_is_resolved_for_the_template_runtime() -> None:
    # Given the runtime every function of the template runs on
    function = load_template()["Globals"]["Function"]
    assert (function["Runtime"], function["Architectures"]) == ("python3.13", ["arm64"])
    # Then the runtime's lock is resolved for that Python and machine, and so is the toolchain
    assert locks.RUNTIME_PYTHON == "3.13"
    assert (locks.RUNTIME.platform or "").startswith("aarch64-manylinux")
    assert "RUNTIME_PYTHON := 3.13\n" in (ROOT / "Makefile").read_text()
    assert sys.version_info[:2] == (3, 13), "the tests run on the runtime's Python"


def test_every_pin_is_in_its_lock_at_its_version_with_hashes() -> None:
    for lock in locks.LOCKS:
        # Given the pins a person reads and the lock made of them
        locked = read_lock(lock.path)
        pins = [line.split("#", 1)[0].strip() for line in lock.pins.read_text().splitlines()]
        for pin in (p for p in pins if p and not p.startswith("-")):
            name, version = pin.split("[", 1)[0].split("==")[0], pin.split("==")[1]
            # Then each is locked at exactly that version, and every locked package has its hashes
            key = canonicalize_name(name)
            assert key in locked and locked[key].version == version, f"{lock.path.name}: {pin} is not locked"
        assert all(pin.hashes for pin in locked.values()), f"{lock.path.name}: a package without hashes"


def test_the_development_lock_holds_the_runtime_packages_at_the_runtime_versions() -> None:
    runtime_lock, development = read_lock(locks.RUNTIME.path), read_lock(ROOT / "requirements-dev.txt")
    # Then every runtime package is in the development lock at the version Lambda gets
    assert {n: p.version for n, p in runtime_lock.items()} == \
        {n: development[n].version for n in runtime_lock if n in development}
    assert runtime_lock.keys() <= development.keys()


def test_the_lock_check_reports_pins_the_lock_does_not_follow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert UV.exists(), "uv is installed by `make setup`"
    # uv answers from its cache alone: both packages are in the development environment it installed
    monkeypatch.setenv("UV_OFFLINE", "1")
    # Given pins and the lock `make lock` makes of them
    lock = locks.Lock(str(tmp_path / "requirements"), None)
    lock.pins.write_text("six==1.17.0\n")
    assert locks.resolve(str(UV), lock, lock.path).returncode == 0
    assert locks.stale(str(UV), lock, tmp_path) is None
    # When a pin is added and the lock is not made again
    lock.pins.write_text("six==1.17.0\nidna==3.20\n")
    # Then the check says how the lock would change
    difference = locks.stale(str(UV), lock, tmp_path)
    assert difference is not None and "+idna==3.20" in difference


# ------------------------------------------------------------------ finding the runtime's Python


def find_python(path: str, pyenv_root: Path) -> str:
    done = subprocess.run([str(ROOT / "infra" / "build" / "find-python"), "3.13"], capture_output=True, text=True,
                          env={"PATH": path, "PYENV_ROOT": str(pyenv_root), "HOME": str(pyenv_root)}, check=True)
    return done.stdout.strip()


def test_find_python_skips_a_shim_that_does_not_run_and_takes_pyenv_newest(tmp_path: Path) -> None:
    # Given a python3.13 on the PATH that fails (a pyenv shim of a version not selected) and two pyenv versions
    shims = tmp_path / "shims"
    shims.mkdir()
    (shims / "python3.13").write_text("#!/bin/sh\necho 'pyenv: python3.13: command not found' >&2\nexit 127\n")
    (shims / "python3.13").chmod(0o755)
    for version in ("3.13.1", "3.13.10"):
        (tmp_path / "versions" / version / "bin").mkdir(parents=True)
        (tmp_path / "versions" / version / "bin" / "python3.13").symlink_to(sys.executable)
    # Then it finds a working one: pyenv's newest
    newest = tmp_path / "versions" / "3.13.10" / "bin" / "python3.13"
    assert find_python(f"{shims}:/usr/bin:/bin", tmp_path) == str(newest)


def test_find_python_finds_nothing_where_there_is_no_python_3_13(tmp_path: Path) -> None:
    assert find_python("/nonexistent", tmp_path) == ""


@pytest.mark.parametrize("python, says", [
    ("", "Python 3.13 (the Lambda runtime's) was not found"),
    ("/bin/false", "/bin/false is not Python 3.13, the Lambda runtime's"),
])
def test_make_stops_with_a_clear_message_without_the_runtime_python(python: str, says: str) -> None:
    done = subprocess.run(["make", "--no-print-directory", "python", f"PYTHON={python}"], cwd=ROOT,
                          capture_output=True, text=True, env={**os.environ, "MAKEFLAGS": ""})
    assert done.returncode != 0 and says in done.stderr
