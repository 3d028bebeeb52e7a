"""The cost of history weighting: ``python -m sim calibrate``'s episodes per second against a plain run, and the
time the context odds add to ``make run``.

    python experiments/bench_calibrate.py [--vectors 50] [--per-vector 200] [--out docs/figures/bench_calibrate.json]

A calibration runs each vector of each case as a block of its own (M
replications with the case's shocks: common random numbers across vectors), the
blocks of a chunk of 50 vectors in one batch with their parameters per
replication, so it pays the per-round cost (the Python of each round) once per
chunk and case; a plain run pays it once per 100,000 replications, and has no
parameters per replication to gather. Measured
in one process, on the machine as it is: wall-clock rates, and rates per second of this process's CPU time
(what the machine gives when it is not shared; the default calibration's time on two free cores is projected
from the latter: 12 targets x 500 vectors, two workers).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import time
from pathlib import Path

from sim.analysis import calibrate as cal
from sim.config.compose import load_scenario
from sim.core.runner import simulate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vectors", type=int, default=50)  # one chunk of vectors per case, as the default grid runs them
    parser.add_argument("--per-vector", type=int, default=200)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    logging.getLogger("MESA").setLevel(logging.WARNING)
    load = os.getloadavg()[0]
    base = load_scenario("baseline")
    simulate(base, 10_000, 0)  # warm-up
    t, c = time.perf_counter(), time.process_time()
    simulate(base, 100_000, 7)
    plain, plain_cpu = 100_000 / (time.perf_counter() - t), 100_000 / (time.process_time() - c)

    targets = cal.load_targets(cases=["jcpoa_2013_2015", "oman_rome_2025"], forecasts=())
    specs = cal.prior_specs()
    t, c = time.perf_counter(), time.process_time()
    cal.calibrate(targets, specs, vectors=args.vectors, per_vector=args.per_vector, seed=0)
    elapsed, cpu = time.perf_counter() - t, time.process_time() - c
    episodes = len(targets) * args.vectors * args.per_vector
    calib, calib_cpu = episodes / elapsed, episodes / cpu

    from sim.cli.odds import context_odds
    from sim.config.compose import compose

    cfg = compose(["scenario=baseline"])
    t, c = time.perf_counter(), time.process_time()
    ctx = context_odds(cfg, ["scenario=baseline"], base, 7)
    context_s, context_cpu = time.perf_counter() - t, time.process_time() - c
    result = {
        "load_average_1min": load,
        "plain_run_episodes_per_s": plain,
        "calibrate_episodes_per_s": calib,
        "calibrate_per_vector": args.per_vector,
        "ratio": calib / plain,
        "calibrate_ms_per_vector_and_case": 1000 * elapsed / (len(targets) * args.vectors),
        "context_odds_s": context_s,
        "cpu": {
            "plain_run_episodes_per_s": plain_cpu,
            "calibrate_episodes_per_s": calib_cpu,
            "ratio": calib_cpu / plain_cpu,
            "calibrate_ms_per_vector_and_case": 1000 * cpu / (len(targets) * args.vectors),
            "context_odds_s": context_cpu,
            "default_calibration_s_on_two_free_cores": 12 * 500 * cpu / (len(targets) * args.vectors) / 2,
        },
        "context_odds_history": ctx["history"] is not None,
    }
    print(json.dumps(result, indent=2))
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
