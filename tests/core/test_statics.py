"""Comparative statics of the model spec, with common random numbers and enough replications.

Each configuration is run with the same seed, so every replication faces the same
shocks in both (common random numbers) and the per-replication difference of the
outcome indicator has a small standard error. "Does not lower" is tested as: the
paired difference is above -3 standard errors for neighbouring values, and the
change between the extreme values is positive beyond 3 standard errors.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from sim.config.compose import load_scenario
from sim.core.runner import simulate
from sim.core.stats import paired_difference

N = 20_000
SEED = 2026


#: Strikes that forestall Iran's programme: the first strike of an episode by Israel or the US.
PREVENTIVE = ("israeli_strike", "us_strike")


def _indicator(overrides: list[str], outcome: str) -> np.ndarray:
    episodes = simulate(load_scenario("baseline", overrides), N, SEED).episodes
    if outcome == "preventive_strike":
        return episodes["first_strike"].isin(PREVENTIVE).to_numpy(dtype=float)
    return (episodes["outcome"] == outcome).to_numpy(dtype=float)


@pytest.mark.parametrize(
    "key, values, outcome, sign",
    [
        ("actors.oman.effectiveness", [0.2, 0.6, 0.95], "deal", +1),
        ("actors.israel.strike_propensity", [0.0, 0.03, 0.1], "escalation", +1),
        ("actors.uae.deescalation", [0.0, 0.03, 0.08], "escalation", -1),
        ("actors.iran.red_lines.enrichment", ["[0.0,0.6]", "[0.0,0.75]", "[0.0,0.9]"], "deal", +1),
        # pressure on either side (a lower outside option) does not lower P(deal)
        ("actors.iran.pressure.sanctions", [0.1, 0.2, 0.4], "deal", +1),
        ("world.sanctions", [0.5, 0.8, 0.95], "deal", +1),
        ("actors.iran.no_deal_value", [0.7, 0.5, 0.3], "deal", +1),
        ("actors.us.no_deal_value", [0.5, 0.35, 0.2], "deal", +1),
        # a longer horizon does not lower P(deal)
        ("max_rounds", [10, 20, 40], "deal", +1),
        # more private information does not lower P(escalation)
        ("actors.iran.resolve_spread", [0.0, 0.1, 0.2], "escalation", +1),
        ("actors.us.resolve_spread", [0.0, 0.1, 0.2], "escalation", +1),
        # faster nuclear progress does not lower the chance of a preventive strike
        ("world.progress_rate", [0.0, 0.01, 0.03], "preventive_strike", +1),
        # less agenda flexibility (insisting or refusing harder) does not raise P(deal) (issue 18)
        ("actors.us.agenda_flexibility", [0.02, 0.15, 0.5], "deal", +1),
        ("actors.iran.agenda_flexibility", [0.01, 0.05, 0.3], "deal", +1),
    ],
)
def test_comparative_statics_hold_within_monte_carlo_error(key, values, outcome, sign):
    series = [_indicator([f"{key}={v}"], outcome) for v in values]
    for x, y in itertools.pairwise(series):
        diff, se = paired_difference(x, y)
        assert sign * diff > -3 * se, f"{key}: {values} moved P({outcome}) the wrong way by {diff:.4f} (se {se:.4f})"
    diff, se = paired_difference(series[0], series[-1])
    assert sign * diff > 3 * se, f"{key}: no clear effect on P({outcome}) ({diff:.4f}, se {se:.4f})"


def test_boulware_principals_reach_their_deals_later_than_conceders():
    rounds = {}
    for e in (0.3, 3.0):
        episodes = simulate(
            load_scenario("baseline", [f"actors.us.concession_e={e}", f"actors.iran.concession_e={e}"]), N, SEED
        ).episodes
        rounds[e] = episodes.loc[episodes["outcome"] == "deal", "round"].to_numpy(dtype=float)
    late, early = rounds[0.3], rounds[3.0]
    se = np.sqrt(late.var(ddof=1) / len(late) + early.var(ddof=1) / len(early))
    assert late.mean() - early.mean() > 3 * se


def test_less_agenda_flexibility_does_not_raise_p_deal_when_a_precondition_is_demanded():
    demand = "actors.us.preconditions=[enrichment_suspension]"
    series = [_indicator([demand, f"actors.iran.agenda_flexibility={v}"], "deal") for v in (0.01, 0.05, 0.3)]
    for x, y in itertools.pairwise(series):
        diff, se = paired_difference(x, y)
        assert diff > -3 * se
    diff, se = paired_difference(series[0], series[-1])
    assert diff > 3 * se


@pytest.mark.parametrize("scenario", ["baseline", "nuclear_only", "trust_building", "sanctions_squeeze", "regional_deescalation"])
def test_removing_the_mediator_leaves_a_deal_possible_and_does_not_raise_its_chance(scenario):
    """Direct talks by alternating offers (Rubinstein 1982): the mediator helps, it is not what makes a deal possible."""
    with_it = simulate(load_scenario(scenario), N, SEED).episodes
    without = simulate(load_scenario(scenario, ["actors.oman=null"]), N, SEED).episodes
    x, y = ((e["outcome"] == "deal").to_numpy(dtype=float) for e in (without, with_it))
    assert x.mean() > 0
    diff, se = paired_difference(x, y)
    assert diff > -3 * se, f"{scenario}: removing the mediator raised P(deal) by {-diff:.4f} (se {se:.4f})"


@pytest.mark.parametrize("side, values", [("iran", (0.3, 0.5, 0.7)), ("us", (0.1, 0.3, 0.5))])
def test_a_narrower_win_set_raises_p_deal_only_where_the_other_side_concedes(side, values):
    """Putnam (1988), Schelling (1960): a higher veto threshold moves the proposals toward that side (its believed bar is
    a floor of its disagreement point). Where P(deal) rises with it, the deals must be worse for the other side (its
    concession, measured as its mean utility of the deals' terms); across the whole range P(deal) falls."""
    scenario = load_scenario("baseline")
    other = next(p for p in scenario.principals if p.name.lower() != side)
    runs = [simulate(load_scenario("baseline", [f"actors.{side}.veto_threshold={v}"]), N, SEED).episodes for v in values]
    deal = [(e["outcome"] == "deal").to_numpy(dtype=float) for e in runs]

    def other_utility(e):
        terms = e.loc[e["outcome"] == "deal", [f"term_{i}" for i in scenario.issue_names]].to_numpy(dtype=float)
        ideal = np.array([other.ideal[i] for i in scenario.issue_names])
        weight = np.array([other.salience.get(i, 0.0) for i in scenario.issue_names])
        u = 1.0 - np.abs(terms - ideal) @ weight
        return u.mean(), u.std(ddof=1) / np.sqrt(len(u))

    for k in range(len(values) - 1):
        diff, se = paired_difference(deal[k], deal[k + 1])
        if diff > 3 * se:  # the narrower win-set raised P(deal): the other side must have conceded
            (u0, s0), (u1, s1) = other_utility(runs[k]), other_utility(runs[k + 1])
            assert u0 - u1 > 3 * np.hypot(s0, s1), f"{side}: P(deal) rose by {diff:.4f} without a concession by the other side"
    diff, se = paired_difference(deal[0], deal[-1])
    assert diff < -3 * se, f"{side}: the narrowest win-set did not lower P(deal) ({diff:.4f}, se {se:.4f})"
