"""Why a held deadlock is not adjourned (issue 18, branch `lapse`): per week of a known deadlock, what each principal
weighs when the decision to leave comes up.

    python experiments/lapse_diagnosis.py [--cases almaty_2013 geneva_istanbul_2010] [--replications N] [--seed S]
        [--deadlock-force 0|1]

For the replications still running whose table is a known deadlock (rules.known_deadlock) in a given week, the
medians over replications of: the value to each principal of the package on the table (V, rules.deal_value), its
outside option (O), what continuing is worth to it by the walk-out rule (C, rules.continuation_value), the chance
it leaves when the occasion comes up (walkout_propensity x (1 - standing) x the logit of O - C), the holder's
belief that the other gives way, and the share of those packages inside the principal's own red lines; and how the
replications end, by cause (breakouts, strikes, adjournments, walk-outs, deals).
Diagnosis only: nothing here is tuned, and it changes no value.
"""

from __future__ import annotations

import argparse
import dataclasses
from collections import defaultdict

import numpy as np
from scipy.special import expit

from sim.analysis.history import load_case
from sim.core.agents import PrincipalAgent
from sim.core.model import NegotiationModel


def trace(name: str, n: int, seed: int, deadlock_force: int | None = None):
    scenario = load_case(name).scenario
    if deadlock_force is not None:  # section 11's switch, to compare the exits with it on and off
        scenario = dataclasses.replace(scenario, world=dataclasses.replace(scenario.world, deadlock_force=deadlock_force))
    model = NegotiationModel(scenario, n, seed)
    rec: dict = defaultdict(list)
    original = PrincipalAgent.decide_exit

    def spy(self, rows, standing, draws, deadlocked=None):
        out = original(self, rows, standing, draws, deadlocked)
        s = model.state
        dl = model._deadlock[rows] if getattr(model, "_deadlock", None) is not None else np.zeros(rows.size, bool)
        if out[0].any():  # its strikes (or breakouts): at a known deadlock or not, and force less what staying is worth
            f = out[0]
            margin = self.force[rows[f]] + self.resolve[rows[f]] - out[3][f]
            over_no_deal = self.force[rows[f]] - self.no_deal[rows[f]]
            rec[("force", self.name)].append((dl[f], margin, np.full(margin.size, s.round), over_no_deal))
        if dl.any():
            r = rows[dl]
            outside, staying = out[2][dl], out[3][dl]
            occasion = np.broadcast_to(np.asarray(self.p("walkout_propensity")) * (1.0 - np.asarray(standing)), s.m)[r]
            leave = occasion * expit((outside - staying) / 0.01)
            belief = self.giveway_belief[s.ids[r]] if self.has_stated else np.full(r.size, np.nan)
            rec[(s.round, self.name)].append(
                (self.value[r], outside, staying, leave, belief, self.risk[r], self.within[r].astype(float), (s.ids[r]))
            )
        return out

    PrincipalAgent.decide_exit = spy
    try:
        result = model.run()
    finally:
        PrincipalAgent.decide_exit = original
    return model, rec, result


def causes(model, result) -> str:
    """The share of replications ending by each cause (breakouts, strikes, adjournments, ...), largest first."""
    names = model.causes
    codes, counts = np.unique(result.cause, return_counts=True)
    shares = sorted(zip(counts / result.cause.size, (names[c] for c in codes), strict=True), reverse=True)
    return ", ".join(f"{name} {share:.1%}" for share, name in shares)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", nargs="+", default=["almaty_2013", "geneva_istanbul_2010"])
    parser.add_argument("--replications", type=int, default=4000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--deadlock-force", type=int, choices=(0, 1), default=None, help="override world.deadlock_force")
    parser.add_argument("--weeks", type=int, nargs="+", default=[1, 2, 4, 6, 8, 10, 12, 13, 16, 20, 25, 30])
    args = parser.parse_args()
    for name in args.cases:
        model, rec, result = trace(name, args.replications, args.seed, args.deadlock_force)
        bd = model.backed_down
        print(f"\n### {name}: {args.replications} replications, seed {args.seed}")
        print(f"ends by: {causes(model, result)}")
        for who in [p.name for p in model.principals]:
            chunks = rec.get(("force", who))
            if chunks:
                at_dl, margin, week, over = (np.concatenate([x[k] for x in chunks]) for k in range(4))
                m = margin[at_dl]
                print(
                    f"{who} uses force {margin.size} times ({args.replications} replications): {at_dl.sum()} at a known "
                    f"deadlock, of which force - staying <= 0 in {(m <= 0).sum()}; median force - staying there "
                    f"{np.median(m) if m.size else float('nan'):+.4f}, median week {np.median(week[at_dl]) if m.size else '-'}"
                    f", median force - no deal {np.median(over[at_dl]) if m.size else float('nan'):+.4f}"
                )
        print(f"backed down {np.mean(bd > 0):.1%}, median week {np.median(bd[bd > 0]) if (bd > 0).any() else '-'}")
        print(
            "| week | principal | deadlocked runs | V package | O outside | C continuing | C - O "
            "| P(leave), occasion | belief other gives way | risk | package inside its red lines |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|---|")
        for week in args.weeks:
            for who in [p.name for p in model.principals]:
                chunks = rec.get((week, who))
                if not chunks:
                    continue
                v, o, c, lv, b, rk, inside, _ = (np.concatenate([x[k] for x in chunks]) for k in range(8))
                med = lambda x: float(np.nanmedian(x)) if np.isfinite(x).any() else float("nan")  # noqa: E731
                print(
                    f"| {week} | {who} | {v.size} | {med(v):.3f} | {med(o):.3f} | {med(c):.3f} | {med(c - o):+.3f} "
                    f"| {np.mean(lv):.4f} | {med(b):.3f} | {med(rk):.4f} | {np.mean(inside):.1%} |"
                )


if __name__ == "__main__":
    main()
