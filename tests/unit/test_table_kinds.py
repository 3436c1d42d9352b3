"""Every function reads every kind of item. In AWS each function is a process of its own that
imports only what it works with, yet a Query of a customer's partition meets every kind stored
there: an invoice in the profile function, a dispute in the billing function. The table knows
every module that defines a kind and imports them on first sight of one it does not know."""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import opencounter
from infra.local.template import ROOT
from opencounter.core.table import RECORD_MODULES, Item

FUNCTIONS = sorted(p.parent.name for p in (ROOT / "functions").glob("*/app.py"))


def _all_kinds() -> dict[str, str]:
    """Every kind of item defined anywhere in the shared layer: its entity name -> its module."""
    for module in pkgutil.walk_packages(opencounter.__path__, "opencounter."):
        importlib.import_module(module.name)
    kinds, seen = {}, [Item]
    while seen:
        for cls in seen.pop().__subclasses__():
            seen.append(cls)
            name = Item.entity.get_discriminator(cls)  # type: ignore[attr-defined]
            if name is not None:
                kinds[name] = cls.__module__
    return kinds


def test_the_table_names_every_module_that_defines_a_kind_of_item():
    assert sorted(set(_all_kinds().values())) == sorted(RECORD_MODULES)


@pytest.mark.parametrize("function", FUNCTIONS)
def test_a_function_reads_every_kind_of_item_it_did_not_import_itself(function):
    # In a process of its own, as in Lambda: the function's handler, and nothing else of ours
    known = _all_kinds()
    kinds = sorted(known)
    program = f"""
import json, sys
sys.path[:0] = [{str(ROOT / "functions" / function)!r}, {str(ROOT / "layers" / "shared" / "python")!r}]
import os
os.environ.setdefault("AWS_DEFAULT_REGION", "eu-west-1")
import app  # the handler, as Lambda loads it
from opencounter.core.table import Item
read = [Item.entity.deserialize(kind).__module__ for kind in json.loads(sys.argv[1])]
print(json.dumps(read))
"""
    done = subprocess.run([sys.executable, "-c", program, json.dumps(kinds)], capture_output=True, text=True,
                          cwd=Path(ROOT / "functions" / function), timeout=120,
                          env={"PATH": "/usr/bin:/bin", "TABLE_NAME": "t", "POWERTOOLS_METRICS_NAMESPACE": "n",
                               "POWERTOOLS_SERVICE_NAME": function, "AWS_DEFAULT_REGION": "eu-west-1"})
    assert done.returncode == 0, done.stderr[-2000:]
    # each kind read as the class of the module that defines it
    assert json.loads(done.stdout.splitlines()[-1]) == [known[kind] for kind in kinds]
