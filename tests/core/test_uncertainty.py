"""Distributions of assumptions: parsing, inverse-CDF sampling, and draws put into a Scenario."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.config.compose import load_scenario
from sim.core.params import ConfigError
from sim.core.paths import value_at
from sim.core.uncertainty import parse_dist, parse_specs, sample, stream, with_draws

unit = st.floats(0.0, 1.0, allow_nan=False)


@st.composite
def dists(draw):
    """A random distribution spec on a random support inside [-5, 5]."""
    a, b = sorted((draw(st.floats(-5, 5)), draw(st.floats(-5, 5))))
    kind = draw(st.sampled_from(["uniform", "loguniform", "triangular", "beta", "truncnormal"]))
    if kind == "loguniform":
        a, b = 10**a, 10**b
    spec = {"dist": kind, "low": a, "high": b}
    if kind == "triangular":
        spec["mode"] = min(b, max(a, a + draw(unit) * (b - a)))  # rounding could put it just outside
    elif kind == "beta":
        spec["alpha"], spec["beta"] = draw(st.floats(0.2, 20)), draw(st.floats(0.2, 20))
    elif kind == "truncnormal":
        spec["mean"] = a + draw(unit) * (b - a)
        spec["sd"] = draw(st.floats(0.05, 5))
    return spec


@settings(max_examples=150, deadline=None)
@given(dists(), st.integers(0, 2**32 - 1))
def test_draws_stay_inside_the_support_and_repeat_with_the_seed(spec, seed):
    d = parse_dist("x", spec)
    first = sample({"x": d}, 500, stream(seed))["x"]
    assert first.shape == (500,)
    assert np.all(first >= spec["low"]) and np.all(first <= spec["high"])
    np.testing.assert_array_equal(first, sample({"x": d}, 500, stream(seed))["x"])


@settings(max_examples=100, deadline=None)
@given(dists(), st.floats(-5, 5), st.integers(0, 2**32 - 1))
def test_a_range_collapsed_to_a_point_gives_exactly_the_point(spec, value, seed):
    if spec["dist"] == "loguniform":
        value = abs(value) + 1e-3
    spec = {**spec, "low": value, "high": value}
    if "mode" in spec:
        spec["mode"] = value
    if "mean" in spec:
        spec["mean"] = value
    draws = sample({"x": parse_dist("x", spec)}, 200, stream(seed))["x"]
    assert np.all(draws == value)
    assert np.all(sample({"x": parse_dist("x", {"dist": "point", "value": value})}, 7, stream(seed))["x"] == value)


@settings(max_examples=100, deadline=None)
@given(dists(), st.lists(unit.filter(lambda u: u < 1), min_size=1, max_size=20))
def test_the_cdf_inverts_the_quantile_function(spec, us):
    d = parse_dist("x", spec)
    u = np.array(us)
    x = d.ppf(u)
    assert np.all(np.diff(x[np.argsort(u)]) >= -1e-12)  # monotone
    if spec["high"] - spec["low"] > 1e-6 and not (spec["dist"] == "beta" and min(spec["alpha"], spec["beta"]) < 0.5):
        np.testing.assert_allclose(d.cdf(x), u, atol=1e-6)


def test_sample_moments_match_the_distribution():
    n = 200_000
    draws = sample(
        {
            "u": parse_dist("u", [0.2, 0.6]),
            "t": parse_dist("t", {"dist": "triangular", "low": 0.0, "mode": 0.3, "high": 1.0}),
            "b": parse_dist("b", {"dist": "beta", "alpha": 2, "beta": 6, "low": 0.1, "high": 0.5}),
        },
        n,
        stream(3),
    )
    assert abs(draws["u"].mean() - 0.4) < 0.002
    assert abs(draws["t"].mean() - (0.0 + 0.3 + 1.0) / 3) < 0.003
    assert abs(draws["b"].mean() - (0.1 + 0.4 * 2 / 8)) < 0.002
    log = sample({"g": parse_dist("g", {"dist": "loguniform", "low": 0.01, "high": 0.04})}, n, stream(4))["g"]
    assert abs(np.median(log) - 0.02) < 0.0003  # the geometric midpoint
    neg = sample({"g": parse_dist("g", {"dist": "loguniform", "low": -0.04, "high": -0.01})}, n, stream(4))["g"]
    assert abs(np.median(neg) + 0.02) < 0.0003 and neg.min() >= -0.04 and neg.max() <= -0.01


def test_each_parameter_has_its_own_stream():
    a = parse_dist("a", [0, 1])
    alone = sample({"a": a}, 100, stream(5))["a"]
    with_other = sample({"z": parse_dist("z", [3, 4]), "a": a}, 100, stream(5))
    np.testing.assert_array_equal(alone, with_other["a"])
    assert not np.array_equal(with_other["a"], with_other["z"] - 3)
    assert not np.array_equal(alone, sample({"a": a}, 100, stream(6))["a"])


def test_a_parameter_drawn_among_others_of_its_kind_gets_the_same_values_as_alone():
    """sample() computes the quantiles of a kind in one go: bit for bit what each parameter alone gets."""
    specs = {
        "t1": parse_dist("t1", {"dist": "triangular", "low": 0.1, "mode": 0.3, "high": 0.7}),
        "t2": parse_dist("t2", {"dist": "triangular", "low": -2.0, "mode": -2.0, "high": 5.0}),
        "t3": parse_dist("t3", {"dist": "triangular", "low": 0.0, "mode": 1.0 / 3.0, "high": 1.0 / 3.0}),
        "l1": parse_dist("l1", {"dist": "loguniform", "low": 0.001, "high": 0.3}),
        "l2": parse_dist("l2", {"dist": "loguniform", "low": -0.4, "high": -0.01}),
        "u1": parse_dist("u1", [0.1, 0.9]),
        "u2": parse_dist("u2", [-7.0, 1e-3]),
        "b": parse_dist("b", {"dist": "beta", "alpha": 2, "beta": 3, "low": 0.1, "high": 0.7}),
        "p": parse_dist("p", 0.25),
    }
    together = sample(specs, 5000, stream(8, 0, 3))
    for path, dist in specs.items():
        alone = sample({path: dist}, 5000, stream(8, 0, 3))[path]
        np.testing.assert_array_equal(together[path], alone, err_msg=path)
        assert together[path].dtype == np.float64 and dist.low <= together[path].min() <= together[path].max() <= dist.high


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ({"dist": "normal", "low": 0, "high": 1}, "use one of point, uniform"),
        ({"dist": "uniform", "low": 0.6, "high": 0.2}, "swap them"),
        ({"dist": "uniform", "low": 0}, "has no 'high'"),
        ({"dist": "uniform", "low": 0, "high": "x"}, "use a finite number"),
        ({"dist": "triangular", "low": 0, "mode": 2, "high": 1}, "outside"),
        ({"dist": "loguniform", "low": 0, "high": 1}, "one sign"),
        ({"dist": "beta", "alpha": 0, "beta": 1, "low": 0, "high": 1}, "must be > 0"),
        ({"dist": "truncnormal", "mean": 0, "sd": -1, "low": 0, "high": 1}, "positive standard deviation"),
        ({"dist": "uniform", "low": 0, "hihg": 1}, "which no distribution takes"),
        ([1, 2, 3], "[low, high]"),
        ("wide", "give a distribution"),
    ],
)
def test_bad_specs_give_one_line_errors(spec, fragment):
    with pytest.raises(ConfigError) as err:
        parse_dist("actors.us.war_cost", spec)
    assert fragment in str(err.value) and "\n" not in str(err.value)
    assert "actors.us.war_cost" in str(err.value)


def test_keys_of_another_distribution_are_ignored():
    # what an override such as uncertainty.actors.us.war_cost={dist:uniform,low:0.3,high:0.5} leaves behind
    d = parse_dist("x", {"dist": "uniform", "low": 0.3, "mode": 0.4, "high": 0.5})
    assert d.kind == "uniform" and d.describe() == "uniform [0.3, 0.5]"


def test_parse_specs_flattens_nested_paths():
    specs = parse_specs(
        {
            "actors": {"us": {"war_cost": [0.2, 0.6], "pressure": {"nuclear_progress": 0.1}}},
            "world": {"tension": {"dist": "uniform", "low": 0.5, "high": 0.7, "provenance": "p"}},
        }
    )
    assert set(specs) == {"actors.us.war_cost", "actors.us.pressure.nuclear_progress", "world.tension"}
    assert specs["world.tension"].provenance == "p"
    assert specs["actors.us.pressure.nuclear_progress"].is_point


def test_with_draws_puts_arrays_into_the_scenario():
    base = load_scenario("baseline")
    n = 50
    specs = parse_specs(
        {
            "actors": {
                "us": {
                    "war_cost": [0.2, 0.6],
                    "red_lines": {"enrichment": {"low": [0.3, 0.6]}},
                    "salience": {"enrichment": [0.2, 0.4]},
                },
                "iran": {"pressure": {"sanctions": [0.1, 0.3]}},
            },
            "world": {"tension": [0.5, 0.7]},
            "events": {"proxy_attack": {"hazard": [0.02, 0.06], "effects": {"tension": [0.03, 0.09]}}},
        }
    )
    draws = sample(specs, n, stream(0))
    s = with_draws(base, draws)
    us, iran = s.principals
    np.testing.assert_array_equal(us.war_cost, draws["actors.us.war_cost"])
    np.testing.assert_array_equal(us.red_lines["enrichment"][0], draws["actors.us.red_lines.enrichment.low"])
    assert us.red_lines["enrichment"][1] == base.principals[0].red_lines["enrichment"][1]
    total = sum(np.asarray(v) for v in us.salience.values())
    np.testing.assert_allclose(total, 1.0)
    np.testing.assert_array_equal(iran.pressure["sanctions"], draws["actors.iran.pressure.sanctions"])
    assert iran.pressure["military_posture"] == base.principals[1].pressure["military_posture"]
    np.testing.assert_array_equal(s.world.tension, draws["world.tension"])
    proxy = next(e for e in s.events if e.name == "proxy_attack")
    np.testing.assert_array_equal(proxy.hazard, draws["events.proxy_attack.hazard"])
    assert base.world.tension == 0.6  # the original is untouched
    assert value_at(base, "actors.us.red_lines.enrichment.low") == 0.5
    assert value_at(base, "actors.iran.pressure.sanctions") == base.principals[1].pressure["sanctions"]


def test_with_draws_with_scalars_is_a_plain_scenario():
    base = load_scenario("baseline")
    s = with_draws(base, {"world.tension": 0.6, "actors.us.war_cost": base.principals[0].war_cost})
    assert s == base


@pytest.mark.parametrize(
    ("draws", "fragment"),
    [
        ({"world.tension": np.array([0.5, 1.2])}, "world.tension"),
        ({"actors.us.ideal.enrichment": np.array([0.2, 1.0])}, "outside its own red line"),
        ({"actors.atlantis.trust": np.array([0.5])}, "not an actor"),
        ({"actors.us.nerve": np.array([0.5])}, "no parameter 'nerve'"),
        ({"events.meteor.hazard": np.array([0.5])}, "no event 'meteor'"),
        ({"max_rounds": np.array([10.0, 20.0])}, "whole number of rounds"),
        ({"actors.us.name": np.array([1.0])}, "not a number"),
        ({"world.tension": np.zeros(3), "world.unrest": np.zeros(4)}, "different shapes"),
    ],
)
def test_with_draws_refuses_bad_paths_and_values_in_one_line(draws, fragment):
    with pytest.raises(ConfigError) as err:
        with_draws(load_scenario("baseline"), draws)
    assert fragment in str(err.value) and "\n" not in str(err.value)


def test_center_is_the_median():
    d = parse_dist("x", {"dist": "triangular", "low": 0, "mode": 1, "high": 1})
    assert math.isclose(d.center, math.sqrt(0.5))


def test_replication_i_of_a_drawn_run_is_replication_i_of_the_scalar_run_with_its_values():
    """Every kind of parameter the exploration draws (actor and world fields, pressure entries, event hazards and
    effects, agenda flexibility): the engine treats replication i with its own values, as a scalar run would."""
    from sim.core.model import NegotiationModel

    base = load_scenario("baseline")
    n = 4000
    half = np.arange(n) < n // 2
    pairs = {
        "world.tension": (0.6, 0.75),
        "world.progress_rate": (0.01, 0.02),
        "actors.us.trust": (0.5, 0.65),
        "actors.us.war_cost": (0.4, 0.25),
        "actors.iran.no_deal_value": (0.5, 0.35),
        "actors.iran.agenda_flexibility": (0.05, 0.3),
        "actors.iran.pressure.sanctions": (0.2, 0.35),
        "actors.oman.effectiveness": (0.7, 0.5),
        "actors.israel.strike_propensity": (0.03, 0.06),
        "actors.uae.deescalation": (0.02, 0.005),
        "events.proxy_attack.hazard": (0.04, 0.3),
        "events.incident_at_sea.effects.tension": (0.08, 0.2),
        "events.new_sanctions.effects.trust": (-0.03, -0.1),
        # per issue: (R, I) arrays in the utilities, the red-line box and the Nash frontier
        "actors.us.salience.enrichment": (0.3, 0.39),
        "actors.iran.salience.sanctions": (0.3, 0.21),
        "actors.us.red_lines.enrichment.low": (0.5, 0.6),
        "actors.iran.red_lines.missiles.high": (0.1, 0.2),
        "actors.israel.red_lines.enrichment.low": (0.85, 0.75),
        "agenda.enrichment.status_quo": (0.1, 0.25),
    }
    mixed = NegotiationModel(with_draws(base, {p: np.where(half, lo, hi) for p, (lo, hi) in pairs.items()}), n, 5).run()
    low = NegotiationModel(with_draws(base, {p: lo for p, (lo, _) in pairs.items()}), n, 5).run()
    high = NegotiationModel(with_draws(base, {p: hi for p, (_, hi) in pairs.items()}), n, 5).run()
    for name in ("outcome", "end_round", "cause"):
        np.testing.assert_array_equal(getattr(mixed, name), np.where(half, getattr(low, name), getattr(high, name)))
    assert not np.array_equal(low.outcome[~half], high.outcome[~half])  # the values matter
