"""Unit tests: one group per rule of sim.core.rules, and the Wilson interval."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from sim.core import rules
from sim.core.stats import wilson_interval

IDEAL_A = np.array([1.0, 1.0, 1.0])
IDEAL_B = np.array([0.0, 0.0, 0.0])


def test_utility_is_one_at_the_ideal_and_zero_at_the_far_corner():
    sal = np.array([0.5, 0.3, 0.2])
    x = np.array([[1.0, 1.0, 1.0], [0.0, 0.0, 0.0], [0.5, 1.0, 1.0]])
    assert rules.utility(x, IDEAL_A, sal) == pytest.approx([1.0, 0.0, 0.75])


def test_inside_ignores_issues_off_the_agenda():
    x = np.array([[0.9, 0.1], [0.9, 0.1]])
    low, high = np.array([0.0, 0.5]), np.array([1.0, 1.0])
    mask = np.array([[True, True], [True, False]])
    assert rules.inside(x, low, high, mask).tolist() == [False, True]


def test_no_deal_value_falls_with_pressure_rises_with_hardening_and_stays_in_unit_interval():
    state = np.array([[0.0, 0.5, 1.0]])
    v = rules.no_deal_value(0.5, np.array([0.4]), state, np.zeros(3))
    assert v == pytest.approx([0.5, 0.3, 0.1])
    hardened = rules.no_deal_value(0.5, np.array([0.4]), state, np.full(3, 0.2))
    assert hardened == pytest.approx([0.7, 0.5, 0.3])
    assert rules.no_deal_value(0.1, np.array([1.0]), state, np.zeros(3)).min() == 0.0


def test_the_outside_option_is_the_better_of_no_deal_and_force_plus_resolve():
    no_deal = np.array([0.3, 0.3])
    force = np.array([0.1, 0.5])
    assert rules.outside_option(no_deal, force, np.array([0.05, -0.1])) == pytest.approx([0.35, 0.4])


def test_resolve_is_uniform_on_the_spread_and_zero_under_complete_information():
    u = np.linspace(0.0, 1.0, 5)
    assert rules.resolve_draw(0.1, u) == pytest.approx([-0.1, -0.05, 0.0, 0.05, 0.1])
    assert not rules.resolve_draw(0.0, u).any()
    # the same draws scale with the spread: common random numbers across spreads
    assert rules.resolve_draw(0.2, u) == pytest.approx(2 * rules.resolve_draw(0.1, u))


def test_deal_value_is_a_certainty_equivalent_and_utility_threshold_inverts_it():
    u = np.array([0.6, 0.6, 0.6])
    keep, betrayal, cost = np.array([1.0, 0.5, 0.5]), np.array([0.2, 0.2, 0.0]), np.array([0.0, 0.1, 0.1])
    v = rules.deal_value(u, 0.0, keep, betrayal, cost)
    assert v == pytest.approx([0.6, 0.6 - (0.5 * 0.2 + 0.1) / 0.5, 0.6 - 0.1 / 0.5])
    # signing beats an outside option O iff keep u + (1 - keep)(O - betrayal) - cost >= O iff v >= O
    for outside in (0.15, 0.25, 0.35, 0.5):
        expected = keep * u + (1 - keep) * (outside - betrayal) - cost
        assert np.array_equal(v >= outside, expected >= outside)
    keep2, no_cost = np.array([0.4, 0.9, 0.7]), np.array([0.05, 0.0, 0.0])
    back = rules.utility_threshold(rules.deal_value(u, 0.03, keep2, betrayal, no_cost), 0.03, keep2, betrayal, no_cost)
    assert back == pytest.approx(u)


def test_private_resolve_counts_one_for_one_whatever_the_trust():
    """The trust cliff of issue 18: the utility threshold moves with resolve at slope 1, at trust 0.2 as at 1."""
    for keep in (0.2, 0.4, 1.0):
        low, high = (rules.utility_threshold(0.3 + r, 0.0, keep, 0.1, 0.05) for r in (-0.1, 0.1))
        assert high - low == pytest.approx(0.2)


def test_keep_chance_combines_trust_and_the_others_guarantee():
    assert rules.keep_chance(0.2, 0.0) == pytest.approx(0.2)
    assert rules.keep_chance(0.2, 1.0) == pytest.approx(1.0)
    assert rules.keep_chance(0.2, 0.5) == pytest.approx(0.6)


def test_no_credible_guarantee_can_empty_the_zone_of_agreement():
    """Fearon (1995), Powell (2006): both prefer a kept deal (u > O) yet neither signs when betrayal is likely and costly."""
    u, outside = 0.7, 0.5
    assert rules.deal_value(u, 0.0, rules.keep_chance(0.3, 0.0), 0.2, 0.0) < outside
    assert rules.deal_value(u, 0.0, rules.keep_chance(0.3, 0.9), 0.2, 0.0) > outside


def test_outside_pressure_saturates_at_its_cap_and_is_linear_while_small():
    built = np.array([-10.0, -0.001, 0.0, 0.001, 10.0])
    out = rules.saturated_pressure(built, 0.05)
    assert np.all(np.abs(out) <= 0.05) and out[-1] == pytest.approx(0.05, rel=1e-6) and out[0] == pytest.approx(-0.05, rel=1e-6)
    assert out[1:4] == pytest.approx([-0.001, 0.0, 0.001], rel=0.02)
    assert np.all(np.diff(out) >= 0)
    assert np.array_equal(rules.saturated_pressure(built, np.inf), built)


def test_veto_players_bar_moves_with_unrest_and_mistrust_and_zero_ratifies_everything():
    bar = rules.veto_bar(0.4, 0.2, np.array([0.5, 0.9, 0.5]), 0.5, np.array([0.5, 0.5, 0.2]), 0.5)
    assert bar[0] == pytest.approx(0.4) and bar[1] > bar[0] and bar[2] > bar[0]
    assert not rules.veto_bar(0.0, 0.2, 0.9, 0.5, 0.1, 0.5).any()
    assert rules.ratifies(np.array([0.0, 0.39, 0.4]), 0.4).tolist() == [False, False, True]
    drawn = rules.veto_draw(0.4, 0.1, np.linspace(0, 1, 5))
    assert drawn == pytest.approx([0.3, 0.35, 0.4, 0.45, 0.5])


def test_a_precondition_is_settled_when_either_side_yields():
    draws = np.array([0.1, 0.3, 0.5])
    assert rules.precondition_yield(0.2, 0.0, draws).tolist() == [True, False, False]
    assert rules.precondition_yield(0.2, 0.25, draws).tolist() == [True, True, False]  # 1 - 0.8 x 0.75 = 0.4
    assert not rules.precondition_yield(0.0, 0.0, draws).any()


def test_boulware_is_more_patient_than_conceder():
    assert rules.effective_discount(0.9, 0.5) > rules.effective_discount(0.9, 1.0) > rules.effective_discount(0.9, 2.0)
    assert rules.effective_discount(1.0, 3.0) == 1.0


def test_perceived_risk_grows_with_tension_and_jumps_at_a_deadline():
    tension = np.array([0.0, 0.5, 1.0])
    no = np.zeros(3, dtype=bool)
    assert rules.perceived_risk(0.1, tension, no, 0.5) == pytest.approx([0.0, 0.05, 0.1])
    at = np.ones(3, dtype=bool)
    assert rules.perceived_risk(0.1, tension, at, 0.5) == pytest.approx([0.5, 1 - 0.95 * 0.5, 1 - 0.9 * 0.5])
    assert rules.perceived_risk(0.1, tension, at, 1.0) == pytest.approx([0.0, 0.05, 0.1])


def test_waiting_value_is_the_discounted_mix_of_next_round_and_the_outside_option():
    assert rules.waiting_value(0.9, 0.2, 0.5, 0.3) == pytest.approx(0.9 * (0.8 * 0.5 + 0.2 * 0.3))


def test_holdout_gain_is_a_quarter_of_the_truncation_and_zero_without_uncertainty():
    assert rules.holdout_gain(np.array([0.0]), np.array([-0.1]), np.array([0.1]))[0] == pytest.approx(0.025)
    assert rules.holdout_gain(np.array([0.5]), np.array([-0.1]), np.array([0.1]))[0] == pytest.approx(0.05)
    assert rules.holdout_gain(np.array([0.5]), np.array([0.0]), np.array([0.0]))[0] == 0.0


def _answer_by_definition(value, base, lo, hi, discount, risk, resolve):
    """Accept iff the package beats the outside option and waiting, with the gain the cutoff implies."""
    cutoff = rules.acceptance_cutoff(value, base, lo, hi, discount, risk)
    gain = rules.holdout_gain(cutoff, lo, hi)
    outside = base + resolve
    wait = rules.waiting_value(discount, risk, value + gain, outside)
    return (value >= outside - 1e-9) & (value >= wait - 1e-9), cutoff


@pytest.mark.parametrize("case", range(8))
def test_acceptance_cutoff_is_the_type_at_which_the_package_equals_the_better_of_outside_and_waiting(case):
    rng = np.random.default_rng(case)
    n = 400
    value, base = rng.uniform(0.1, 0.6, n), rng.uniform(0.0, 0.5, n)
    half = rng.uniform(0.0, 0.2, n)
    centre = rng.uniform(-0.1, 0.1, n)
    lo, hi = centre - half, centre + half
    discount, risk = rng.uniform(0.8, 1.0, n), rng.uniform(0.0, 0.3, n)
    for resolve in (lo, hi, 0.5 * (lo + hi), rng.uniform(lo, hi)):
        ok, cutoff = _answer_by_definition(value, base, lo, hi, discount, risk, resolve)
        away = np.abs(resolve - cutoff) > 1e-6  # at the cutoff itself rounding decides
        assert (rules.accepts(resolve, cutoff, np.ones(n, dtype=bool)) == ok)[away].all()
    assert np.all(cutoff <= value - base + 1e-12)  # never accepts a package worth less than its outside option


def test_under_complete_information_a_package_worth_the_outside_option_is_accepted():
    value, base, zero = np.array([0.4, 0.4, 0.3]), np.array([0.3, 0.4, 0.35]), np.zeros(3)
    cutoff = rules.acceptance_cutoff(value, base, zero, zero, 0.95, np.array([0.02, 0.02, 0.02]))
    assert rules.accepts(zero, cutoff, np.ones(3, dtype=bool)).tolist() == [True, True, False]


def test_acceptance_needs_the_red_lines():
    assert not rules.accepts(np.zeros(1), np.ones(1), np.zeros(1, dtype=bool)).any()


def test_bayes_truncates_the_belief_at_the_cutoff_and_keeps_the_truth_inside():
    lo, hi = np.full(3, -0.1), np.full(3, 0.1)
    cutoff = np.array([0.02, 0.02, 0.02])
    accepted = np.array([False, True, False])
    informative = np.array([True, True, False])
    new_lo, new_hi = rules.update_belief(lo, hi, cutoff, accepted, informative)
    assert new_lo.tolist() == [0.02, -0.1, -0.1] and new_hi.tolist() == [0.1, 0.02, 0.1]
    rng = np.random.default_rng(0)  # the true type always stays inside the updated belief
    truth = rng.uniform(-0.1, 0.1, 1000)
    c = rng.uniform(-0.2, 0.2, 1000)
    lo2, hi2 = rules.update_belief(np.full(1000, -0.1), np.full(1000, 0.1), c, truth <= c, np.ones(1000, dtype=bool))
    assert np.all((lo2 <= truth) & (truth <= hi2))


def test_belief_acceptance_chance_is_the_uniform_cdf():
    lo, hi = np.array([0.0, 0.0, 0.2]), np.array([1.0, 1.0, 0.2])
    assert rules.belief_acceptance_chance(lo, hi, np.array([0.25, 2.0, 0.3])) == pytest.approx([0.25, 1.0, 1.0])


def test_mediator_estimate_is_the_belief_mean_when_effective_or_informed_and_stays_in_the_belief():
    lo, hi, z = np.array([-0.1, 0.0]), np.array([0.1, 0.0]), np.array([3.0, 3.0])
    assert rules.estimated_resolve(lo, hi, 0.1, 1.0, 0.5, z) == pytest.approx([0.0, 0.0])
    rough = rules.estimated_resolve(lo, hi, 0.1, 0.0, 0.5, z)
    assert rough[0] == pytest.approx(0.1) and rough[1] == 0.0  # clipped into the belief; exact when nothing is unknown
    assert rules.estimated_resolve(lo, hi, 0.0, 0.0, 0.5, z) == pytest.approx([0.0, 0.0])


def test_concession_share_reaches_the_package_when_it_is_acceptable():
    share = rules.concession_share(np.array([0.5, 0.5, 0.8]), np.array([0.75, 0.5, 0.6]))
    assert share == pytest.approx([0.5, 1.0, 1.0])


def test_an_interim_package_starts_at_the_least_change_inside_the_red_lines_and_leaves_off_agenda_issues_alone():
    sq = np.array([0.0, 1.0, 0.5])
    package = np.array([[1.0, 0.0, 0.9]])
    agenda = np.array([[True, True, False]])
    low, high = np.array([0.0, 0.0, 0.0]), np.array([1.0, 0.6, 1.0])
    interim = rules.interim_package(sq, package, 0.5, agenda, low, high)
    assert interim == pytest.approx(np.array([[0.5, 0.3, 0.5]]))  # sanctions from 0.6 (its red line), not 1.0


def test_a_deadline_lapses_unless_extended_and_only_at_the_deadline():
    deadline = np.array([5, 5, 6, 0])
    draws = np.array([0.9, 0.1, 0.9, 0.9])
    assert rules.deadline_lapses(5, deadline, 0.5, draws).tolist() == [True, False, False, False]


def test_continuation_value_moves_with_what_each_side_is_learned_to_need():
    base = rules.continuation_value(0.9, 0.1, 0.5, 0.0, 0.0, 0.3)
    better = rules.continuation_value(0.9, 0.1, 0.5, 0.05, 0.0, 0.3)
    worse = rules.continuation_value(0.9, 0.1, 0.5, 0.0, 0.05, 0.3)
    assert better > base > worse


def test_a_choice_follows_the_logit_and_is_sharp_without_noise():
    grid = np.linspace(0.0, 1.0, 2000, endpoint=False)  # evenly spread draws: the share choosing is the chance
    chance = [rules.chooses(np.full(grid.size, g), 0.05, 1.0, grid).mean() for g in np.linspace(-0.3, 0.3, 13)]
    assert all(b >= a for a, b in itertools.pairwise(chance))
    assert chance[6] == pytest.approx(0.5, abs=0.01)
    sharp = rules.chooses(np.array([0.01, -0.01, 0.0]), 0.0, 1.0, np.full(3, 0.999))
    assert sharp.tolist() == [True, False, False]  # noise 0: never when the option is worth less (or the same)
    assert not rules.chooses(np.ones(3), 0.0, 0.0, np.zeros(3)).any()  # no occasion, no choice


def test_spoiler_values_strike_more_with_progress_and_tension_and_waits_less_when_a_crossing_deal_looms():
    w = (0.25, 0.25, 0.25, 0.25)
    z = np.zeros(1)
    strike, wait = rules.spoiler_strike_values(w, 0.5, z + 0.5, z + 0.5, z, z)
    strike2, _ = rules.spoiler_strike_values(w, 0.5, z + 0.5, z + 0.9, z, z)
    _, wait2 = rules.spoiler_strike_values(w, 0.5, z + 0.5, z + 0.5, z, z + 1.0)
    _, wait3 = rules.spoiler_strike_values(w, 0.5, z + 0.5, z + 0.5, z + 1.0, z)
    assert strike2 > strike and wait2 < wait and wait3 < wait
    assert strike[0] == pytest.approx(0.25) and wait[0] == pytest.approx(0.5)


def test_the_failure_estimate_follows_the_rule_of_succession():
    assert rules.failure_estimate(np.array([0.0, 1.0, 5.0]), 5) == pytest.approx([1 / 7, 2 / 7, 6 / 7])
    assert rules.failure_estimate(0.0, 0) == pytest.approx(0.5)


def test_the_escalation_ladder_climbs_with_retaliation_and_ends_in_war_without_resumption():
    draws = np.array([[0.1, 0.1], [0.1, 0.9], [0.9, 0.1], [0.9, 0.9]])
    severity, resumed = rules.escalation_ladder(0.5, 0.5, draws)
    assert severity.tolist() == [2, 3, 1, 1] and resumed.tolist() == [True, False, True, False]


def test_an_issue_without_overlap_goes_to_a_parallel_track():
    agenda = np.array([[True, True, False]])
    assert rules.parallel_track(agenda, np.array([True, False, True]), False).tolist() == [[True, False, False]]
    # an issue a principal requires in any deal is never parked, overlap or not
    assert rules.parallel_track(agenda, np.array([True, False, True]), np.array([False, True, False])).tolist() == [
        [True, True, False]
    ]


def test_positions_move_toward_the_proposal_but_never_past_a_red_line():
    ideal = np.array([0.0, 0.0])
    proposal = np.array([[0.8, 0.4]])
    low, high = np.array([0.0, 0.0]), np.array([0.3, 1.0])
    pos = rules.concede_positions(ideal, proposal, low, high, np.array([0.5]))
    assert pos == pytest.approx(np.array([[0.3, 0.2]]))


def test_red_line_box_is_the_intersection_and_flags_empty_overlaps():
    low, high, overlap = rules.red_line_box(
        [np.array([0.5, 0.4]), np.array([0.0, 0.0])], [np.array([1.0, 1.0]), np.array([0.7, 0.1])]
    )
    assert low.tolist() == [0.5, 0.4] and high.tolist() == [0.7, 0.1]
    assert overlap.tolist() == [True, False]


def _nash_product(x, d_a, d_b, sal_a, sal_b):
    ua = rules.utility(x, IDEAL_A, sal_a)
    ub = rules.utility(x, IDEAL_B, sal_b)
    return np.where((ua >= d_a) & (ub >= d_b), (ua - d_a) * (ub - d_b), -np.inf)


@pytest.mark.parametrize("case", range(6))
def test_nash_package_matches_a_brute_force_search(case):
    rng = np.random.default_rng(case)
    sal_a = rng.dirichlet(np.ones(3))
    sal_b = rng.dirichlet(np.ones(3))
    low = rng.uniform(0.0, 0.3, 3)
    high = rng.uniform(0.6, 1.0, 3)
    d_a, d_b = rng.uniform(0.0, 0.3, 2)
    agenda = np.array([[True, True, case % 2 == 0]])
    sq = np.array([0.2, 0.5, 0.7])
    x = rules.nash_package(IDEAL_A, sal_a, np.array([d_a]), IDEAL_B, sal_b, np.array([d_b]), low, high, agenda, sq)
    assert np.all(x[0, :2] >= low[:2] - 1e-12) and np.all(x[0, :2] <= high[:2] + 1e-12)
    if case % 2:
        assert x[0, 2] == sq[2]  # off the agenda: untouched
    grids = [np.linspace(low[i], high[i], 41) if agenda[0, i] else [sq[i]] for i in range(3)]
    candidates = np.array(list(itertools.product(*grids)))
    best = _nash_product(candidates, d_a, d_b, sal_a, sal_b).max()
    found = _nash_product(x, d_a, d_b, sal_a, sal_b)[0]
    assert found >= best - 1e-9


@pytest.mark.parametrize("seed", range(5))
def test_nash_package_per_replication_equals_the_shared_package_row_by_row(seed):
    """Per-issue inputs as (R, I) arrays (drawn per replication, issue 12): row r is the package that the (I,)
    inputs of replication r give, with red lines that sometimes do not overlap and random agendas. Equal up to
    rounding: the per-row path sums utilities with einsum, the shared one with a matrix product (the model-level
    tests in test_uncertainty.py check that outcomes are identical replication by replication)."""
    rng = np.random.default_rng(seed)
    n, k = 200, 4
    ideal_a, ideal_b = rng.uniform(0.7, 1.0, (n, k)), rng.uniform(0.0, 0.3, (n, k))
    sal_a, sal_b = rng.dirichlet(np.ones(k), n), rng.dirichlet(np.ones(k), n)
    low, high = rng.uniform(0.0, 0.6, (n, k)), rng.uniform(0.3, 1.0, (n, k))  # low > high in some: no overlap
    sq = rng.uniform(0.0, 1.0, (n, k))
    d_a, d_b = rng.uniform(-0.2, 0.6, n), rng.uniform(-0.2, 0.6, n)
    agenda = rng.random((n, k)) < 0.7
    many = rules.nash_package(ideal_a, sal_a, d_a, ideal_b, sal_b, d_b, low, high, agenda, sq)
    assert rules.nash_frontier(ideal_a, sal_a, ideal_b, sal_b, low, high, sq).per_replication
    for r in range(n):
        one = rules.nash_package(
            ideal_a[r], sal_a[r], d_a[r : r + 1], ideal_b[r], sal_b[r], d_b[r : r + 1], low[r], high[r], agenda[r : r + 1], sq[r]
        )
        np.testing.assert_allclose(many[r], one[0], rtol=0, atol=1e-12)  # row sums: einsum, not matmul


def test_nash_package_without_a_zone_of_agreement_gives_equal_surpluses():
    sal = np.array([0.5, 0.5, 0.0])
    low, high = np.zeros(3), np.ones(3)
    agenda = np.array([[True, True, False]])
    x = rules.nash_package(IDEAL_A, sal, np.array([0.8]), IDEAL_B, sal, np.array([0.8]), low, high, agenda, np.zeros(3))
    ua = rules.utility(x, IDEAL_A, sal)[0]
    ub = rules.utility(x, IDEAL_B, sal)[0]
    assert ua - 0.8 == pytest.approx(ub - 0.8)  # both short of 0.8: the egalitarian point
    assert ua < 0.8


def test_nash_package_puts_non_overlapping_issues_at_the_midpoint_of_the_gap():
    sal = np.array([0.5, 0.5, 0.0])
    low, high = np.array([0.0, 0.6, 0.0]), np.array([1.0, 0.2, 1.0])
    agenda = np.array([[True, True, False]])
    x = rules.nash_package(IDEAL_A, sal, np.array([0.0]), IDEAL_B, sal, np.array([0.0]), low, high, agenda, np.zeros(3))
    assert x[0, 1] == pytest.approx(0.4)


def test_agenda_conflict_is_insistence_met_by_refusal():
    ins_a = np.array([[False, True, True]])
    ref_b = np.array([[False, True, False]])
    none = np.zeros((1, 3), dtype=bool)
    assert rules.agenda_conflict(ins_a, none, none, ref_b).tolist() == [[False, True, False]]
    # the same on bit masks (bit k: issue k)
    assert rules.agenda_conflict(np.array([0b110]), np.array([0]), np.array([0]), np.array([0b010]))[0] == 0b010


def test_settled_scope_holds_every_issue_neither_side_refuses():
    ref_a = np.array([[False, False, True]])
    ref_b = np.array([[False, True, False]])
    assert rules.settled_scope(ref_a, ref_b, True).tolist() == [[True, False, False]]
    assert rules.settled_scope(np.array([0b100]), np.array([0b010]), 0b111)[0] == 0b001


def test_issue_bits_and_flags_are_inverse():
    from sim.core.state import issue_bits, issue_flags

    flags = np.array([[True, False, True, True], [False, False, False, False]])
    assert issue_bits(flags).tolist() == [0b1101, 0]
    assert (issue_flags(issue_bits(flags), 4) == flags).all()


def test_parallel_track_acceptance_grows_with_mediator_effectiveness():
    assert rules.parallel_track_acceptance(0.2, 0.0) == pytest.approx(0.1)
    assert rules.parallel_track_acceptance(0.2, 1.0) == pytest.approx(0.2)


def test_tension_is_kept_in_the_unit_interval():
    t = rules.next_tension(np.array([0.5, 0.95, 0.01]), np.array([0.1, 0.1, 0.0]), 0.05)
    assert t == pytest.approx([0.55, 1.0, 0.0])


def test_force_value_rises_with_posture_and_progress_and_pays_the_cost_of_war():
    assert rules.force_value(0.5, 0.3, 0.3, np.array([0.8]), np.array([0.5]))[0] == pytest.approx(0.25)


def test_collapse_escalates_in_proportion_to_tension():
    draws = np.array([0.1, 0.5])
    assert rules.collapse_escalates(0.5, np.array([0.8, 0.8]), draws).tolist() == [True, False]
    assert not rules.collapse_escalates(0.0, np.array([1.0, 1.0]), draws).any()


def test_wilson_interval_matches_published_values():
    # Brown, Cai and DasGupta (2001) / Wilson (1927): 5 of 10 and 0 of 10
    assert wilson_interval(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert wilson_interval(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert wilson_interval(10, 10)[1] == 1.0


def test_wilson_interval_rejects_an_empty_sample():
    with pytest.raises(ValueError):
        wilson_interval(0, 0)
