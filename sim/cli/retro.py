"""``python -m sim.retro``: score the model against the historical cases of ``configs/history/``.

    python -m sim.retro [--replications N] [--seed S] [--out DIR] [--case NAME ...]

Runs every case (the 2026 configuration with the state of the time, the
baseline's behaviour) and prints per case P(deal), P(escalation) and
P(stalemate) with Wilson 95% intervals, the probability of what happened, its
log and Brier scores, and the mean rounds to the actual outcome beside the
actual weeks; then the mean scores against the uniform forecast. Writes
``retro.csv`` and ``retro.png`` into ``--out`` (default
``outputs/retro/<time>``). Scores: :mod:`sim.analysis.retro`; cases: :mod:`sim.analysis.history`.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import pandas as pd

from sim.cli.common import EXIT_BAD_INPUT, fail, quiet_mesa
from sim.core.params import ConfigError


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line and exit status 2, instead of argparse's usage block
        fail(f"{message} (see python -m sim.retro --help)")


def format_report(table: pd.DataFrame, scores: dict, replications: int, seed: int) -> str:
    def pct(row, o):
        return f"{100 * row[f'p_{o}']:5.1f}% [{100 * row[f'p_{o}_low']:4.1f}, {100 * row[f'p_{o}_high']:5.1f}]"

    lines = [
        f"Retrodiction: {len(table)} historical cases, {replications:,} replications each, seed {seed}",
        "(state from the time, behaviour the 2026 baseline's; intervals are Wilson 95%)",
        "",
    ]
    head = (
        f"{'case':<22} {'actual':<10} {'P(deal)':>21} {'P(escalation)':>21} {'P(stalemate)':>21} "
        f"{'p_actual':>8} {'log':>6} {'Brier':>6} {'weeks':>6} {'actual':>6} {'in band':>7}"
    )
    lines += [head, "-" * len(head)]
    for _, r in table.iterrows():
        weeks = "-" if math.isnan(r["mean_weeks"]) else f"{r['mean_weeks']:.1f}"
        mark = "*" if r["floored"] else " "
        lines.append(
            f"{r['case']:<22} {r['actual']:<10} {pct(r, 'deal'):>21} {pct(r, 'escalation'):>21} "
            f"{pct(r, 'stalemate'):>21} {r['p_actual']:8.3f} {r['log_score']:6.2f}{mark}{r['brier']:6.3f} "
            f"{weeks:>6} {r['actual_weeks']:>6} {100 * r['p_actual_in_band']:6.1f}%"
        )
    lines += [
        "",
        f"mean log score {scores['mean_log_score']:.2f} against uniform {scores['uniform_log_score']:.2f} "
        f"(higher is better); mean Brier {scores['mean_brier']:.3f} against uniform {scores['uniform_brier']:.3f} "
        "(lower is better; Brier = sum over the three outcomes of (p - hit)^2)",
        f"the actual outcome is the most likely one in {scores['hits']} of {scores['cases']} cases",
        "weeks: mean simulated weeks to the actual outcome (one round = one week; - : never); actual: the weeks it "
        "took from the first round; in band: the share of replications that reached the actual outcome within a "
        "factor of 2 of the actual weeks",
    ]
    if table["floored"].any():
        lines.append("* probability estimated as 0: scored at half a replication, 0.5 / replications")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = _Parser(prog="python -m sim.retro", description="Score the model against the historical cases.")
    parser.add_argument("--replications", type=int, default=20_000, help="replications per case (default 20,000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=None, help="directory for retro.csv and retro.png (default outputs/retro/<time>)")
    parser.add_argument("--case", action="append", default=None, help="run only this case (repeatable)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    quiet_mesa()
    try:
        from sim.analysis.history import known_cases, score_cases

        known = known_cases()
        if not known:
            raise ConfigError("no historical cases: add a file to configs/history/")
        cases = args.case or known
        for name in cases:
            if name not in known:
                raise ConfigError(f"--case {name!r}: unknown case, known cases are {', '.join(known)}")
        if args.replications < 1:
            raise ConfigError(f"--replications {args.replications}: use a whole number >= 1")
        if args.seed < 0:
            raise ConfigError(f"--seed {args.seed}: use a whole number >= 0")
        out = Path(args.out or Path("outputs") / "retro" / time.strftime("%Y-%m-%d_%H-%M-%S"))
        if out.exists() and not out.is_dir():
            raise ConfigError(f"--out {out}: is a file, give a directory")
        from sim.cli import faults
        from sim.config.compose import load_scenario

        faults.check_writable(out, keep=False, what="the retrodiction to")  # before anything is computed
        if faults.needs_guard(args.replications, 10_000):
            faults.guard_size(load_scenario("baseline"), args.replications, 10_000, out, episodes=False, runs=len(cases))
        table, _ = score_cases(cases, args.replications, args.seed)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    from sim.analysis import plots, retro

    scores = retro.mean_scores(table)
    print(format_report(table, scores, args.replications, args.seed))
    out.mkdir(parents=True, exist_ok=True)
    table[list(retro.COLUMNS)].to_csv(out / "retro.csv", index=False)
    plots.retrodiction(table).savefig(out / "retro.png", dpi=120)
    print(f"\nWrote {out / 'retro.csv'} and retro.png")
    return 0


if __name__ == "__main__":
    from sim.cli.common import run_command

    run_command(main)
