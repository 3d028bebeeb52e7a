"""Sweep benchmark: 100 configurations x 20,000 replications through the real command line.

Runs ``python -m sim -m`` on a 10 x 10 grid (Israel's strike propensity against
Oman's effectiveness) with the local parallel launcher (joblib), then prints:

- the wall time of the whole sweep (command start to exit, Python start-up,
  pre-flight checks and the table included);
- compute: the time the jobs spent inside ``simulate`` (summed over jobs, from
  the sweep table's ``elapsed_s``), and that sum divided by the parallel jobs;
- overhead per job = (wall - compute / parallel jobs) / jobs: the wall time
  that is not simulation, shared out over the jobs; and the core-seconds per
  job spent outside ``simulate`` = (wall x parallel jobs - compute) / jobs;
- episodes per second over the whole sweep.

Targets (issue 4, on a 2-core machine): the sweep in at most 60 s, at most
0.5 s of overhead per job. The figures depend on what else the machine runs.

    python experiments/bench_sweep.py                    # 100 x 20,000 on 2 local workers
    python experiments/bench_sweep.py --configs 16 --replications 5000 --launcher basic
"""

from __future__ import annotations

import argparse
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_WALL_S = 60.0
TARGET_OVERHEAD_S = 0.5


def grid(configs: int) -> tuple[list[float], list[float]]:
    """Two axes whose product has ``configs`` points (as square as possible)."""
    rows = max(1, math.isqrt(configs))
    while configs % rows:
        rows -= 1
    cols = configs // rows
    strike = [round(0.3 * i / max(1, rows - 1), 4) for i in range(rows)]
    mediator = [round(0.1 + 0.8 * j / max(1, cols - 1), 4) for j in range(cols)]
    return strike, mediator


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", type=int, default=100)
    parser.add_argument("--replications", type=int, default=20_000)
    parser.add_argument("--launcher", default="joblib", help="hydra/launcher: joblib (default), basic, submitit_local")
    parser.add_argument("--n-jobs", type=int, default=2, help="parallel jobs of the joblib launcher")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the sweep directory and print its path")
    return parser.parse_args(argv)


def sweep_command(args: argparse.Namespace, strike, mediator, sweep_dir: Path) -> tuple[list[str], int]:
    """The sweep's command line and how many of its jobs run in parallel."""
    command = [
        sys.executable,
        "-m",
        "sim",
        "-m",
        f"actors.israel.strike_propensity={','.join(map(str, strike))}",
        f"actors.oman.effectiveness={','.join(map(str, mediator))}",
        f"replications={args.replications}",
        f"seed={args.seed}",
        "quiet=true",
        f"hydra/launcher={args.launcher}",
        f"hydra.sweep.dir={sweep_dir}",
    ]
    parallel = 1
    if args.launcher == "joblib":
        command.append(f"hydra.launcher.n_jobs={args.n_jobs}")
        parallel = args.n_jobs
    return command, parallel


def report(sweep_dir: Path, wall: float, parallel: int) -> None:
    """The sweep's jobs, episodes, wall and compute time, overhead per job and throughput, against the targets."""
    import pandas as pd

    table = pd.read_parquet(sweep_dir / "sweep.parquet")
    jobs = len(table)
    ok = int((table["status"] == "ok").sum())
    compute = float(table["elapsed_s"].sum())
    episodes = int(table["replications"].sum())
    overhead = (wall - compute / parallel) / jobs
    core_overhead = (wall * parallel - compute) / jobs
    print(f"jobs: {jobs} ({ok} ok), episodes: {episodes:,}")
    print(f"wall time: {wall:.1f} s (target <= {TARGET_WALL_S:.0f} s: {'met' if wall <= TARGET_WALL_S else 'MISSED'})")
    print(
        f"compute (inside simulate): {compute:.1f} s summed over jobs, {compute / parallel:.1f} s over {parallel} "
        f"parallel jobs; {episodes / compute:,.0f} episodes/s per process"
    )
    print(
        f"overhead per job: {overhead:.3f} s of wall time (target <= {TARGET_OVERHEAD_S} s: "
        f"{'met' if overhead <= TARGET_OVERHEAD_S else 'MISSED'}); {core_overhead:.3f} core-seconds outside simulate"
    )
    print(f"throughput: {episodes / wall:,.0f} episodes/s over the whole sweep")
    print(f"load average after the run: {os.getloadavg()[0]:.2f} (other processes on the machine disturb these figures)")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    strike, mediator = grid(args.configs)
    tmp = tempfile.mkdtemp(prefix="bench_sweep_")
    sweep_dir = Path(tmp) / "sweep"
    command, parallel = sweep_command(args, strike, mediator, sweep_dir)
    print(
        f"Sweep: {len(strike)} x {len(mediator)} = {len(strike) * len(mediator)} configurations x "
        f"{args.replications:,} replications, launcher {args.launcher}"
        + (f" (n_jobs={args.n_jobs})" if args.launcher == "joblib" else "")
        + f", {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} before the run"
    )
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        print(done.stdout[-2000:], done.stderr[-2000:], sep="\n", file=sys.stderr)
        print(f"the sweep failed (exit {done.returncode})", file=sys.stderr)
        return 1

    report(sweep_dir, wall, parallel)
    if args.keep:
        print(f"sweep directory: {sweep_dir}")
    else:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
