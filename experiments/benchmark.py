"""Benchmark of the engine: episodes per second and peak memory for the baseline scenario.

Prints, for 1k, 10k, 100k and 1M replications in one process: wall time
(the best of five runs up to 100k, with the median beside it, so that a
moment of load on the machine does not pass for the engine's speed; one run
at 1M), episodes per second and peak resident memory (each size in a fresh
subprocess, so peaks do not mix), then the speed of stepping the same model
one replication at a time, and the ratio between the two.

    python experiments/benchmark.py            # the full table (about a minute)
    python experiments/benchmark.py --quick    # 1k and 10k only
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

CHILD = r"""
import json, resource, sys, time, logging
logging.getLogger("MESA").setLevel(logging.WARNING)
from sim import load_scenario, simulate
scenario = load_scenario("baseline")
simulate(scenario, 2000, 0)                      # warm up imports and caches
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
n = int(sys.argv[1]); workers = int(sys.argv[2]); repeats = int(sys.argv[3])
times = []
for _ in range(repeats):
    start = time.perf_counter()
    results = simulate(scenario, n, 7, workers=workers)
    times.append(time.perf_counter() - start)
times.sort()
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"n": n, "workers": workers, "elapsed": times[0], "median": times[len(times) // 2],
                  "peak_mb": peak / 1024,
                  "base_mb": base / 1024, "table_mb": results.episodes.memory_usage(deep=True).sum() / 2**20,
                  "p_deal": results.summary["p_deal"]}))
"""


def batched(n: int, workers: int = 1, repeats: int = 1) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(n), str(workers), str(repeats)], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def one_at_a_time(n: int) -> float:
    """Episodes per second when each replication is its own Mesa model of one replication."""
    from sim import NegotiationModel, load_scenario
    from sim.core.runner import block_seed

    scenario = load_scenario("baseline")
    start = time.perf_counter()
    for rep in range(n):
        NegotiationModel(scenario, 1, block_seed(7, rep)).run()
    return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="only 1k and 10k replications")
    args = parser.parse_args()
    sizes = [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000, 1_000_000]
    print(
        f"{'replications':>12} {'workers':>7} {'seconds':>8} {'episodes/s':>11} {'median ep/s':>12} {'peak MB':>8} "
        f"{'above start MB':>14} {'table MB':>9}"
    )
    rates = {}
    runs = [(n, 1) for n in sizes] + ([] if args.quick else [(100_000, 2)])
    for n, workers in runs:
        r = batched(n, workers, repeats=1 if n >= 1_000_000 else 5)
        rate = n / r["elapsed"]
        rates[(n, workers)] = rate
        print(
            f"{n:>12,} {workers:>7} {r['elapsed']:>8.2f} {rate:>11,.0f} {n / r['median']:>12,.0f} {r['peak_mb']:>8.0f} "
            f"{r['peak_mb'] - r['base_mb']:>14.0f} {r['table_mb']:>9.1f}"
        )
    single = one_at_a_time(300 if args.quick else 1000)
    best = rates[(sizes[-1], 1)] if args.quick else rates[(100_000, 1)]
    label = f"{sizes[-1]:,}" if args.quick else "100,000"
    print(f"\none replication per Mesa model: {single:,.0f} episodes/s")
    print(f"batched ({label} replications, one process) / one at a time: {best / single:,.0f}x")


if __name__ == "__main__":
    main()
