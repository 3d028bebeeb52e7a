"""Run every scenario of configs/scenario/ and print a Markdown table of its odds with 95% intervals.

    python experiments/scenario_table.py                       # 20,000 replications each, seed 7
    python experiments/scenario_table.py --replications 100000 --seed 1

Every scenario runs with the same seed, so all of them face the same random
shocks (common random numbers): differences between rows come from the
scenarios, not from the draws. The last two columns are those paired
differences from the baseline, replication by replication, with their 95%
interval (normal approximation to the mean of the paired differences). The
table in the "Scenarios" section of docs/guide.md is this script's output.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time

import numpy as np

from sim.cli.scenarios import catalogue
from sim.config.compose import load_scenario
from sim.core.params import OUTCOMES
from sim.core.runner import simulate
from sim.core.stats import Z95, paired_difference


def scenario_rows(replications: int = 20_000, seed: int = 7) -> list[dict]:
    """One dict per scenario (baseline first): name, description, summary of the run."""
    logging.getLogger("MESA").setLevel(logging.WARNING)
    rows = []
    base = None
    for info in catalogue():
        results = simulate(load_scenario(info.name), replications, seed)
        outcome = results.episodes["outcome"].to_numpy()
        base = outcome if base is None else base
        paired = {o: paired_shift(outcome == o, base == o) for o in OUTCOMES}
        rows.append({"name": info.name, "description": info.description, "summary": results.summary, "paired": paired})
    return rows


def paired_shift(hit: np.ndarray, base_hit: np.ndarray) -> tuple[float, float]:
    """Mean paired difference of two outcome indicators over the same replications, and its 95% half-width."""
    mean, se = paired_difference(base_hit, hit)
    return mean, Z95 * se


def odds(summary: dict, outcome: str) -> str:
    low, high = summary["ci95"][outcome]
    return f"{100 * summary[f'p_{outcome}']:.1f}% [{100 * low:.1f}, {100 * high:.1f}]"


def leading_cause(summary: dict) -> str:
    causes = summary["escalation_causes"]
    if not causes:
        return "-"
    cause, share = max(causes.items(), key=lambda kv: kv[1])
    return f"{cause} ({100 * share:.0f}%)"


def shift(mean: float, half_width: float) -> str:
    """A paired difference in percentage points, e.g. '+19.2 ± 0.6 pts'."""
    if half_width == 0.0 and mean == 0.0:
        return "-"
    return f"{100 * mean:+.1f} ± {100 * half_width:.1f} pts"


def markdown_table(rows: list[dict]) -> str:
    header = (
        "| scenario | P(deal) [95% CI] | P(escalation) [95% CI] | P(stalemate) [95% CI] | main cause of escalation "
        "| deal vs baseline | escalation vs baseline |"
    )
    lines = [header, "|---|---:|---:|---:|---|---:|---:|"]
    for row in rows:
        s = row["summary"]
        shifts = [shift(*row["paired"][o]) for o in ("deal", "escalation")]
        cells = [f"`{row['name']}`", *(odds(s, o) for o in OUTCOMES), leading_cause(s), *shifts]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=20_000, help="replications per scenario (default 20000)")
    parser.add_argument("--seed", type=int, default=7, help="master seed shared by every scenario (default 7)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    rows = scenario_rows(args.replications, args.seed)
    print(markdown_table(rows))
    print(
        f"\n{args.replications:,} replications per scenario, seed {args.seed}; 95% Wilson intervals; "
        "shifts are paired differences from the baseline (same seed, same shocks) with 95% intervals."
    )
    print(f"({time.perf_counter() - start:.0f} s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
