"""``muscat-sim retro``: score the model against the historical cases of ``configs/history/``.

    muscat-sim retro [KEY=VALUE ...] [--config-dir DIR] [--out DIR] [--case NAME ...]

Runs every case (the 2026 configuration with the state of the time, the
behaviour of the scenario given, the baseline's by default) and prints per case P(deal), P(escalation) and
P(stalemate) with Wilson 95% intervals, the probability of what happened, its
log and Brier scores, and the mean rounds to the actual outcome beside the
actual weeks; then the mean scores against the uniform forecast. Writes
``retro.csv`` and ``retro.png`` into ``--out`` (default
``outputs/retro/<label>/<time>-<id>``). A user's folder (``--config-dir``) may hold
a scenario (its behaviour is scored) and cases of its own (``history/``).
Scores: :mod:`sim.analysis.retro`; cases: :mod:`sim.analysis.history`.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pandas as pd

from sim.cli.common import (
    OVERRIDES_HELP,
    RUN_SETTINGS,
    CommandParser,
    fail,
    output_root,
    quiet_mesa,
    user_overrides,
)
from sim.config.layout import label, run_folder, scenario_of
from sim.config.overrides import check_settings, override_key, without_search_path
from sim.core.params import ConfigError


def format_report(table: pd.DataFrame, scores: dict, replications: int, seed: int, behaviour: str = "baseline") -> str:
    def pct(row, o):
        return f"{100 * row[f'p_{o}']:5.1f}% [{100 * row[f'p_{o}_low']:4.1f}, {100 * row[f'p_{o}_high']:5.1f}]"

    whose = "the 2026 baseline's" if behaviour == "baseline" else f"of {behaviour}"
    lines = [
        f"Retrodiction: {len(table)} historical cases, {replications:,} replications each, seed {seed}",
        f"(state from the time, behaviour {whose}; intervals are Wilson 95%)",
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


EPILOG = """\
Examples:
  muscat-sim retro replications=5000
  muscat-sim retro --case jcpoa_2013_2015 replications=5000 seed=1
  muscat-sim retro scenario=mine --config-dir my_configs replications=5000
"""


def main(argv: list[str] | None = None) -> int:
    parser = CommandParser("retro", "Score the model against the historical cases (state of the time, shared behaviour).", EPILOG)
    parser.add_overrides(OVERRIDES_HELP + " (default replications=20000)")
    parser.add_argument("--out", default=None, help="the folder for retro.csv and retro.png (default outputs/retro/...)")
    parser.add_argument("--case", action="append", default=None, help="run only this case (repeatable)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    quiet_mesa()
    try:
        from sim.analysis.history import known_cases, score_cases
        from sim.config.compose import compose

        overrides = user_overrides(list(args.overrides), args.config_dir, {"replications": 20_000})
        cfg = compose(overrides)
        check_settings(cfg)
        replications, seed = int(cfg.replications), int(cfg.seed)
        known = known_cases(overrides=overrides)
        if not known:
            raise ConfigError("no historical cases: add a file to configs/history/")
        cases = args.case or known
        for name in cases:
            if name not in known:
                raise ConfigError(f"--case {name!r}: unknown case, known cases are {', '.join(known)}")
        model = without_search_path([o for o in overrides if override_key(o) not in RUN_SETTINGS])
        out = Path(args.out or run_folder("retro", scenario_of(model), model, root=output_root(overrides)))
        if out.exists() and not out.is_dir():
            raise ConfigError(f"--out {out}: is a file, give a directory")
        from sim.cli import budget, faults
        from sim.config.compose import load_scenario

        faults.check_writable(out, keep=False, what="the retrodiction to", setting="--out DIR")  # before anything is computed
        if budget.needs_guard(replications, 10_000):
            budget.guard_size(load_scenario("baseline"), replications, 10_000, out, episodes=False, runs=len(cases))
        table, _ = score_cases(cases, replications, seed, overrides=overrides, workers=int(cfg.workers))
    except ConfigError as exc:
        fail(str(exc))
    from sim.analysis import plots, retro

    scores = retro.mean_scores(table)
    print(format_report(table, scores, replications, seed, label(scenario_of(model), model)))
    out.mkdir(parents=True, exist_ok=True)
    table[list(retro.COLUMNS)].to_csv(out / "retro.csv", index=False)
    plots.retrodiction(table).savefig(out / "retro.png", dpi=120)
    print(f"\nWrote {out / 'retro.csv'} and retro.png")
    return 0


if __name__ == "__main__":
    from sim.cli.common import run_command

    run_command(main)
