"""The shared layer type-checks: every function imports it, so a type error there breaks them all."""

from __future__ import annotations

import subprocess
import sys

from infra.local.template import ROOT


def test_the_shared_layer_passes_mypy():
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
