"""What each outside actor is worth: the odds without it, and its Shapley share of what the outside actors change.

Pure functions over core scenarios (no Hydra, no files). Every subset of the
outside actors (mediators, spoilers, stakeholders: 2**k subsets, 8 for the
three of the baseline) is run with the same seed, so every subset faces the
same random shocks (common random numbers) and differences between subsets
come from who is present, not from the draws. The value of a subset is the
probability of each outcome with only those outside actors present; an
actor's Shapley value (Shapley 1953) is its marginal contribution averaged over
the orders in which the actors could join, and the Shapley values of all the
actors add up exactly to the change from none of them to all of them.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Sequence

import pandas as pd

from sim.core.params import OUTCOMES, ConfigError, Scenario
from sim.core.runner import simulate


def outside_actors(scenario: Scenario) -> tuple[str, ...]:
    """The names of the actors outside the room: mediators, spoilers and stakeholders, in that order."""
    return tuple(a.name for a in (*scenario.mediators, *scenario.spoilers, *scenario.stakeholders))


def with_only(scenario: Scenario, present: Sequence[str], among: Sequence[str]) -> Scenario:
    """``scenario`` with the actors of ``among`` that are not in ``present`` removed."""
    gone = set(among) - set(present)
    return dataclasses.replace(
        scenario,
        name=scenario.name if not gone else f"{scenario.name} without {', '.join(sorted(gone))}",
        mediators=tuple(m for m in scenario.mediators if m.name not in gone),
        spoilers=tuple(s for s in scenario.spoilers if s.name not in gone),
        stakeholders=tuple(h for h in scenario.stakeholders if h.name not in gone),
    ).validate()


def subset_odds(scenario: Scenario, actors: Sequence[str], replications: int, seed: int) -> dict[frozenset, dict[str, float]]:
    """P(outcome) for every subset of ``actors`` present (the others removed), all with the same seed."""
    odds = {}
    for k in range(len(actors) + 1):
        for present in itertools.combinations(actors, k):
            summary = simulate(with_only(scenario, present, actors), replications, seed).summary
            odds[frozenset(present)] = {o: summary[f"p_{o}"] for o in OUTCOMES}
    return odds


def shapley(odds: dict[frozenset, dict[str, float]], actors: Sequence[str]) -> dict[str, dict[str, float]]:
    """Each actor's Shapley value per outcome: sum over subsets S without it of |S|! (n-|S|-1)! / n! [v(S+i) - v(S)]."""
    n = len(actors)
    values = {}
    for actor in actors:
        others = [a for a in actors if a != actor]
        total = dict.fromkeys(OUTCOMES, 0.0)
        for k in range(n):
            weight = math.factorial(k) * math.factorial(n - k - 1) / math.factorial(n)
            for subset in itertools.combinations(others, k):
                s = frozenset(subset)
                for o in OUTCOMES:
                    total[o] += weight * (odds[s | {actor}][o] - odds[s][o])
        values[actor] = total
    return values


def actor_worth(scenario: Scenario, replications: int, seed: int, actors: Sequence[str] | None = None) -> pd.DataFrame:
    """One row per outside actor: the odds without it, their change from the scenario, and its Shapley values.

    Columns: ``actor``; ``p_<outcome>_without`` (the odds with that actor
    removed); ``change_<outcome>`` (the scenario's odds minus those: what its
    presence changes, the others present); ``shapley_<outcome>`` (its share of
    the change from no outside actor to all of them). Two more rows, ``all``
    (the scenario) and ``none`` (every outside actor removed), hold the odds
    the Shapley values split the difference of.
    """
    actors = tuple(actors if actors is not None else outside_actors(scenario))
    unknown = set(actors) - set(outside_actors(scenario))
    if unknown:
        raise ConfigError(
            f"actor {sorted(unknown)[0]!r} is not an outside actor of {scenario.name}: use {outside_actors(scenario)}"
        )
    odds = subset_odds(scenario, actors, replications, seed)
    every = odds[frozenset(actors)]
    values = shapley(odds, actors)
    rows = []
    for actor in actors:
        without = odds[frozenset(actors) - {actor}]
        rows.append(
            {
                "actor": actor,
                **{f"p_{o}_without": without[o] for o in OUTCOMES},
                **{f"change_{o}": every[o] - without[o] for o in OUTCOMES},
                **{f"shapley_{o}": values[actor][o] for o in OUTCOMES},
            }
        )
    for label, key in (("all", frozenset(actors)), ("none", frozenset())):
        rows.append({"actor": label, **{f"p_{o}_without": odds[key][o] for o in OUTCOMES}})
    return pd.DataFrame(rows)


def markdown(table: pd.DataFrame) -> str:
    """The actor-worth table in Markdown: odds without each actor, the change its presence makes, its Shapley share."""
    actors = table[~table["actor"].isin(["all", "none"])]
    every = table.set_index("actor").loc["all"]
    none = table.set_index("actor").loc["none"]

    def pct(x: float) -> str:
        return f"{100 * x:.1f}%"

    def pts(x: float) -> str:
        return f"{100 * x:+.1f}"

    lines = [
        "| outside actor | P(deal) without it | P(escalation) without it | P(stalemate) without it "
        "| its presence: deal / escalation / stalemate (pts) | Shapley share: deal / escalation / stalemate (pts) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for _, r in actors.iterrows():
        lines.append(
            f"| {r['actor']} | {pct(r['p_deal_without'])} | {pct(r['p_escalation_without'])} | {pct(r['p_stalemate_without'])} "
            f"| {' / '.join(pts(r[f'change_{o}']) for o in OUTCOMES)} | {' / '.join(pts(r[f'shapley_{o}']) for o in OUTCOMES)} |"
        )
    lines.append(
        f"| all present (the scenario) | {pct(every['p_deal_without'])} | {pct(every['p_escalation_without'])} "
        f"| {pct(every['p_stalemate_without'])} | | |"
    )
    lines.append(
        f"| none of them | {pct(none['p_deal_without'])} | {pct(none['p_escalation_without'])} "
        f"| {pct(none['p_stalemate_without'])} | | "
        f"{' / '.join(pts(every[f'p_{o}_without'] - none[f'p_{o}_without']) for o in OUTCOMES)} (sum of the shares) |"
    )
    return "\n".join(lines)
