"""The benchmarks run only under `make bench`: every module of theirs must at least import, so a
change to the layer that breaks one shows here, in `make test`."""

from __future__ import annotations

import importlib

import pytest

from infra.local.template import ROOT


@pytest.mark.parametrize("module", sorted(p.stem for p in (ROOT / "bench").glob("*.py") if p.stem != "__init__"))
def test_every_benchmark_module_imports(module):
    importlib.import_module(f"bench.{module}")
