"""Write docs/openapi.json from the template, the schemas and routes.py; --check only compares."""

from __future__ import annotations

import argparse
import sys

from infra.local.template import ROOT
from infra.openapi.document import DOCUMENT, document, text


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.openapi", description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 when the kept document is not up to date")
    arguments = parser.parse_args()
    fresh = text(document())
    where = DOCUMENT.relative_to(ROOT)
    if arguments.check:
        if not DOCUMENT.exists() or DOCUMENT.read_text() != fresh:
            print(f"{where} is not up to date: run `make openapi`", file=sys.stderr)
            return 1
        print(f"{where} is up to date")
        return 0
    DOCUMENT.write_text(fresh)
    print(f"{where} written")
    return 0


if __name__ == "__main__":
    sys.exit(main())
