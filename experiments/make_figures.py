"""The documentation's figures, from real runs of the configured scenarios: docs/figures/*.png.

    python experiments/make_figures.py                  # about half a minute
    python experiments/make_figures.py --out /tmp/figs  # somewhere else

Writes:

- ``scenario_odds.png``: the odds of every scenario of ``configs/scenario/``
  with their 95% intervals (``--sweep-replications`` each, seed 7), sorted by
  P(escalation);
- ``escalation_drivers.png``: what moves P(escalation), one parameter at a
  time over the ranges of ``DRIVERS`` (each point a run of ``--sweep-replications``
  replications, same seed: common random numbers);
- ``episode_anatomy.png``: one baseline episode round by round (seed ``--episode-seed``).

Every number comes from the simulator as configured in ``configs/``; nothing
is drawn by hand. Change a config and run this again to refresh the figures.
The dashboard's screenshot, ``dashboard.png``, is not drawn here: the browser
test takes it, and writes it to ``docs/figures/`` only on request::

    UPDATE_FIGURES=1 .venv/bin/python -m pytest -p no:xdist tests/app/test_browser.py
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

import pandas as pd

from sim import episode, load_scenario, simulate
from sim.analysis import plots
from sim.config.compose import known_scenarios
from sim.core.params import OUTCOMES

ROOT = Path(__file__).resolve().parent.parent
#: One-at-a-time ranges around the baseline values (the baseline value is inside each range).
DRIVERS = {
    "actors.israel.strike_propensity": [0.0, 0.015, 0.03, 0.045, 0.06],
    "actors.uae.deescalation": [0.0, 0.02, 0.04, 0.06],
    "actors.us.war_cost": [0.2, 0.3, 0.4, 0.5, 0.6],
    "actors.oman.effectiveness": [0.4, 0.55, 0.7, 0.85, 1.0],
    "actors.iran.war_cost": [0.1, 0.2, 0.3, 0.4, 0.5],
    "world.tension_threshold": [0.8, 0.85, 0.9, 0.95, 1.0],
    "world.collapse_escalation": [0.2, 0.4, 0.6, 0.8],
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "figures")
    parser.add_argument("--scenario", default="baseline", help="the scenario of the drivers and the episode")
    parser.add_argument("--sweep-replications", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--episode-seed", type=int, default=3)
    parser.add_argument("--dpi", type=int, default=110)
    args = parser.parse_args(argv)
    logging.getLogger("MESA").setLevel(logging.WARNING)
    args.out.mkdir(parents=True, exist_ok=True)
    scenario = load_scenario(args.scenario)

    catalogue = {
        name: simulate(load_scenario(name), args.sweep_replications, seed=args.seed).summary for name in known_scenarios()
    }
    order = sorted(catalogue, key=lambda name: catalogue[name]["p_escalation"])
    written = {
        "scenario_odds.png": plots.odds(
            {name: catalogue[name] for name in order},
            title=f"Odds of the talks by scenario ({args.sweep_replications:,} replications each; whiskers: 95% intervals)",
        )
    }

    rows = []
    for key, values in DRIVERS.items():
        for value in values:
            run = simulate(load_scenario(args.scenario, [f"{key}={value}"]), args.sweep_replications, seed=args.seed)
            rows.append(plots.summary_row(run.summary, parameter=key, value=value))
    table = pd.DataFrame(rows)
    base = catalogue[args.scenario]["p_escalation"]
    written["escalation_drivers.png"] = plots.drivers(
        table,
        outcome="escalation",
        baseline=base,
        title=f"What drives P(escalation): the {args.scenario} scenario, one parameter moved at a time\n"
        f"({args.sweep_replications:,} replications per point; dashed: the unchanged scenario)",
    )

    model = episode(scenario, args.episode_seed)
    written["episode_anatomy.png"] = plots.anatomy(model)

    for name, fig in written.items():
        fig.savefig(args.out / name, dpi=args.dpi)
        print(f"wrote {args.out / name}")
    for key, group in table.groupby("parameter", sort=False):
        ends = group.sort_values("value").iloc[[0, -1]]
        print(
            f"{key:>32}: P(escalation) "
            + " -> ".join(f"{100 * p:.1f}% at {v:g}" for v, p in zip(ends["value"], ends["p_escalation"], strict=True))
        )
    for name in order:
        s = catalogue[name]
        print(f"{name:>26}: " + ", ".join(f"P({o}) {100 * s[f'p_{o}']:5.1f}%" for o in OUTCOMES))


if __name__ == "__main__":
    main()
