"""Private red lines: per historical case, how often and when the holder backs down, and what
believed weekly chance that the other gives way would have made holding worth it.

    python experiments/belief_diagnosis.py [--replications N] [--seed S]

For every case: the share of replications in which a principal dropped its stated position and the median week
(with the configured giveway_prior, and with 0, the rule before private red lines); and, in the first round a
holder weighed its position, the median over replications of the chance g it believed the other would give way
that week against the break-even chance g* = (B - X) / (V_own - X) above which holding is worth more than backing
down (B: backing down, X: a round of delay then backing down, V_own: a deal at its own position; rules.holding_value).
Diagnosis only: nothing here is tuned, and it changes no value.
"""

from __future__ import annotations

import argparse
import dataclasses

import numpy as np

from sim.analysis.history import known_cases, load_case
from sim.core import rules
from sim.core.model import NegotiationModel


def _run(scenario, n, seed, record=None):
    model = NegotiationModel(scenario, n, seed)
    if record is not None:
        original = rules.holding_value

        def spy(g, own, back, outside, discount, risk):
            if model.state.round == 1 or not record:
                waiting = rules.waiting_value(discount, risk, back, outside)
                with np.errstate(divide="ignore", invalid="ignore"):
                    record.append((np.asarray(g) + 0 * back, (back - waiting) / (own - waiting)))
            return original(g, own, back, outside, discount, risk)

        rules.holding_value = spy
        try:
            model.run()
        finally:
            rules.holding_value = original
    else:
        model.run()
    return model


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--replications", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    print(
        "| case | backed down, prior 0 (median week) | with giveway_prior (median week) "
        "| g believed, week 1 | g* break-even, week 1 |"
    )
    print("|---|---|---|---|---|")
    for name in known_cases():
        case = load_case(name)
        s = case.scenario
        if not any(p.stated for p in s.principals):
            print(f"| `{name}` | no stated position | | | |")
            continue
        zero = dataclasses.replace(s, principals=tuple(dataclasses.replace(p, giveway_prior=0.0) for p in s.principals))
        cells = []
        for scenario in (zero.validate(), s):
            bd = _run(scenario, args.replications, args.seed).backed_down
            share = np.mean(bd > 0)
            cells.append(f"{share:.1%} ({int(np.median(bd[bd > 0])) if share else '-'})")
        record: list = []
        _run(s, args.replications, args.seed, record)
        if record:
            g, star = (np.concatenate([np.ravel(x[k]) for x in record]) for k in (0, 1))
            cells += [f"{np.median(g):.3f}", f"{np.nanmedian(star):.3f}"]
        else:
            cells += ["-", "-"]
        print(f"| `{name}` | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
