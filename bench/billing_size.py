"""The billing run at two sizes on its own (`python -m bench.billing_size [SMALLER LARGER]`, 1000
and 5000 by default): a fresh synchronous local cloud without the demo data, the two populations
as in `make bench` but never cut to a time budget; its `billing` figures merged into
bench/results.json. See bench/README.md."""

from __future__ import annotations

import math
import os
import sys

from bench import billing
from bench.run import BENCH_ENV, NOTES, log, save
from infra.local import runtime


def main(arguments: list[str]) -> int:
    populations = (int(arguments[0]), int(arguments[1])) if len(arguments) == 2 else billing.SCALE_POPULATIONS
    os.environ.update(BENCH_ENV)
    running = runtime.start(synchronous=True, demo=False, environment=BENCH_ENV)
    try:
        figures = billing.scale(running, deadline=math.inf, log=log, populations=populations)
    finally:
        running.stop()
    save({**figures, "notes": {"billing": NOTES["billing"]}})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
