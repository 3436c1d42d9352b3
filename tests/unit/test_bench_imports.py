"""The benchmarks run only under `make bench`: every module of theirs must at least import, so a
change to the layer that breaks one shows here, in `make test`."""

from __future__ import annotations

import importlib

import pytest

from infra.local.template import ROOT

#: locust's virtual users patch the standard library with gevent when imported: they run in a process
#: of their own, in tests/integration/test_load.py
OWN_PROCESS = {"loadfile"}


@pytest.mark.parametrize("module", sorted(p.stem for p in (ROOT / "bench").glob("*.py")
                                          if p.stem != "__init__" and p.stem not in OWN_PROCESS))
def test_every_benchmark_module_imports(module):
    importlib.import_module(f"bench.{module}")
