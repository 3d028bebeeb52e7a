"""Where the baseline's odds come from: outcomes broken down by agenda scope and by cause.

    python experiments/explain_baseline.py [replications] [seed]

Prints P(outcome | agenda scope at the end), the share of each scope, and the
counterfactual odds with one mechanism switched off at a time (same seed, so
the comparison is paired): no Israeli strike, no US force, no agenda fight
(Washington accepts the narrow agenda), perfect trust.
"""

from __future__ import annotations

import argparse

import pandas as pd

from sim import load_scenario, simulate
from sim.core.params import OUTCOMES

COUNTERFACTUALS = {
    "as configured": [],
    "no Israeli strike (actors.israel.strike_propensity=0)": ["actors.israel.strike_propensity=0"],
    "no US force (actors.us.war_cost=1)": ["actors.us.war_cost=1"],
    "no agenda fight (actors.us.insists=[])": ["actors.us.insists=[]"],
    "full trust (actors.us.trust=1 actors.iran.trust=1)": ["actors.us.trust=1", "actors.iran.trust=1"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("replications", nargs="?", type=int, default=100_000, help="default 100,000")
    parser.add_argument("seed", nargs="?", type=int, default=7, help="default 7")
    args = parser.parse_args()
    n, seed = args.replications, args.seed
    episodes = simulate(load_scenario("baseline"), n, seed).episodes
    table = pd.crosstab(episodes["scope"], episodes["outcome"], normalize="index")
    table["share of runs"] = episodes["scope"].value_counts(normalize=True)
    table = table.sort_values("share of runs", ascending=False)
    print(f"Baseline, {n:,} replications, seed {seed}: outcome by agenda scope at the end of the episode\n")
    print((100 * table).round(1).to_markdown())
    print("\nCounterfactuals (same seed, one mechanism changed):\n")
    rows = []
    for label, overrides in COUNTERFACTUALS.items():
        s = simulate(load_scenario("baseline", overrides), n, seed).summary
        rows.append({"configuration": label, **{f"P({o})": f"{100 * s[f'p_{o}']:.1f}%" for o in OUTCOMES}})
    print(pd.DataFrame(rows).to_markdown(index=False))


if __name__ == "__main__":
    main()
