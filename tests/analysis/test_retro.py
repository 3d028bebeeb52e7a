"""Scores of forecasts against what happened (sim.analysis.retro), checked against values computed by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.analysis import retro
from sim.core.params import OUTCOMES

# A toy table: two cases, forecasts and outcomes chosen so every score is easy by hand.
TOY = [
    ("a", "deal", {"deal": 0.5, "escalation": 0.3, "stalemate": 0.2}, 4.0, 6),
    ("b", "stalemate", {"deal": 0.5, "escalation": 0.3, "stalemate": 0.2}, 20.0, 70),
]


def toy_table():
    return retro.score_table([retro.case_row(c, a, p, mean_rounds=r, actual_weeks=w) for c, a, p, r, w in TOY])


def test_scores_of_the_toy_table_match_the_hand_computed_values():
    table = toy_table()
    # case a: p(actual) = 0.5, ln 0.5, Brier (0.5 - 1)^2 + 0.3^2 + 0.2^2 = 0.25 + 0.09 + 0.04
    assert table.loc[0, "p_actual"] == pytest.approx(0.5)
    assert table.loc[0, "log_score"] == pytest.approx(-0.6931471805599453)
    assert table.loc[0, "brier"] == pytest.approx(0.38)
    # case b: p(actual) = 0.2, ln 0.2, Brier 0.5^2 + 0.3^2 + (0.2 - 1)^2 = 0.25 + 0.09 + 0.64
    assert table.loc[1, "p_actual"] == pytest.approx(0.2)
    assert table.loc[1, "log_score"] == pytest.approx(-1.6094379124341003)
    assert table.loc[1, "brier"] == pytest.approx(0.98)
    scores = retro.mean_scores(table)
    assert scores["mean_log_score"] == pytest.approx((-0.6931471805599453 - 1.6094379124341003) / 2)
    assert scores["mean_brier"] == pytest.approx(0.68)
    assert scores["hits"] == 1  # a's actual outcome (deal) is its most likely; b's (stalemate) is not
    assert scores["cases"] == 2


def test_uniform_forecast_scores_ln_one_third_and_two_thirds():
    uniform = dict.fromkeys(OUTCOMES, 1 / 3)
    for actual in OUTCOMES:
        assert retro.log_score(uniform, actual) == pytest.approx(-1.0986122886681098)
        # (1/3 - 1)^2 + 2 (1/3)^2 = 4/9 + 2/9
        assert retro.brier_score(uniform, actual) == pytest.approx(6 / 9)
    assert pytest.approx(-1.0986122886681098) == retro.UNIFORM_LOG
    assert pytest.approx(2 / 3) == retro.UNIFORM_BRIER


def test_csv_columns_come_first_in_the_stated_order():
    assert tuple(toy_table().columns[: len(retro.COLUMNS)]) == retro.COLUMNS
    assert retro.COLUMNS == (
        "case",
        "actual",
        "p_deal",
        "p_escalation",
        "p_stalemate",
        "p_actual",
        "log_score",
        "brier",
        "mean_rounds",
        "actual_weeks",
        "mean_weeks",
        "median_weeks",
        "p_actual_in_band",
    )


def test_simulated_durations_are_compared_with_the_actual_weeks_by_hand():
    # 10 replications; 4 reached the actual outcome, at weeks 2, 5, 9 and 30; actual 6 weeks: the band is [3, 12]
    row = retro.case_row(
        "c",
        "deal",
        {"deal": 0.4, "escalation": 0.3, "stalemate": 0.3},
        mean_rounds=11.5,
        actual_weeks=6,
        replications=10,
        weeks=[2, 5, 9, 30],
    )
    assert row["mean_weeks"] == pytest.approx(11.5) and row["median_weeks"] == pytest.approx(7.0)
    assert row["p_actual_in_band"] == pytest.approx(2 / 10)


def test_a_zero_probability_is_scored_at_half_a_replication_and_marked():
    row = retro.case_row(
        "z",
        "stalemate",
        {"deal": 0.4, "escalation": 0.6, "stalemate": 0.0},
        mean_rounds=math.nan,
        actual_weeks=70,
        replications=1000,
    )
    assert row["log_score"] == pytest.approx(math.log(0.0005))
    assert row["floored"]
    assert retro.log_score({"deal": 0.4, "escalation": 0.6, "stalemate": 0.0}, "stalemate") == -math.inf


def test_forecasts_that_are_not_distributions_and_unknown_outcomes_are_refused():
    with pytest.raises(ValueError, match="sum to 1"):
        retro.brier_score({"deal": 0.5, "escalation": 0.3, "stalemate": 0.3}, "deal")
    with pytest.raises(ValueError, match="use one of"):
        retro.p_actual({"deal": 0.5, "escalation": 0.3, "stalemate": 0.2}, "war")


def test_the_figure_draws_three_bars_per_case_and_outlines_only_the_actual_outcomes():
    from sim.analysis import plots

    fig = plots.retrodiction(toy_table())
    bars = [p for p in fig.axes[0].patches]
    assert len(bars) == 3 * len(TOY)
    outlined = [b for b in bars if b.get_linewidth() > 0 and b.get_edgecolor()[3] > 0]
    assert len(outlined) == len(TOY)


forecasts = (
    st.lists(st.floats(0.0, 1.0), min_size=3, max_size=3)
    .filter(lambda v: sum(v) > 1e-6)
    .map(lambda v: dict(zip(OUTCOMES, np.array(v) / sum(v), strict=True)))
)


@settings(max_examples=200, deadline=None)
@given(p=forecasts, actual=st.sampled_from(OUTCOMES))
def test_scores_stay_in_their_ranges(p, actual):
    assert 0.0 <= retro.brier_score(p, actual) <= 2.0 + 1e-12
    assert retro.log_score(p, actual) <= 1e-12
    assert retro.p_actual(p, actual) == pytest.approx(p[actual])


@settings(max_examples=200, deadline=None)
@given(p=forecasts, q=forecasts)
def test_both_scores_are_proper_reporting_the_true_distribution_is_best_in_expectation(p, q):
    """Strict propriety (Gneiting and Raftery 2007): under outcomes drawn from q, forecasting q scores best."""
    forecast = {"p": p, "q": q}
    expected_brier = {k: sum(q[a] * retro.brier_score(forecast[k], a) for a in OUTCOMES) for k in forecast}
    assert expected_brier["q"] <= expected_brier["p"] + 1e-12
    floor = 1e-12
    expected_log = {k: sum(q[a] * retro.log_score(forecast[k], a, floor=floor) for a in OUTCOMES if q[a] > 0) for k in forecast}
    assert expected_log["q"] >= expected_log["p"] - 1e-9
