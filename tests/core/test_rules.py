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


def test_faratin_concession_runs_from_k_to_one():
    assert rules.faratin_concession(0.0, 0.1, 0.5) == pytest.approx(0.1)
    assert rules.faratin_concession(1.0, 0.1, 0.5) == pytest.approx(1.0)


def test_boulware_concedes_less_than_conceder_before_the_deadline():
    t = np.linspace(0.05, 0.95, 10)
    assert np.all(rules.faratin_concession(t, 0.0, 0.3) < rules.faratin_concession(t, 0.0, 3.0))
    assert rules.faratin_concession(0.5, 0.0, 1.0) == pytest.approx(0.5)  # linear at e = 1


def test_aspiration_moves_from_the_ideal_to_the_reservation_value():
    r = np.array([0.3, 0.3])
    assert rules.aspiration(r, np.array([0.0, 1.0])) == pytest.approx([1.0, 0.3])


def test_acceptance_discounts_the_deal_by_trust_and_needs_the_red_lines():
    u = np.array([0.6, 0.6, 0.6])
    trust = np.array([1.0, 0.5, 1.0])
    r = np.full(3, 0.2)
    asp = np.full(3, 0.5)
    within = np.array([True, True, False])
    # trust 1: 0.6 >= 0.5; trust 0.5: 0.5*0.6 + 0.5*0.2 = 0.4 < 0.5; outside the red lines: never
    assert rules.accepts(u, 0.0, trust, r, asp, within).tolist() == [True, False, False]
    assert rules.accepts(u, 0.2, trust, r, asp, within).tolist() == [True, True, False]


def test_positions_move_toward_the_proposal_but_never_past_a_red_line():
    ideal = np.array([0.0, 0.0])
    proposal = np.array([[0.8, 0.4]])
    low, high = np.array([0.0, 0.0]), np.array([0.3, 1.0])
    pos = rules.concede_positions(ideal, proposal, low, high, np.array([0.5]))
    assert pos == pytest.approx(np.array([[0.3, 0.2]]))


def test_red_line_box_is_the_intersection_and_flags_empty_overlaps():
    low, high, overlap = rules.red_line_box([np.array([0.5, 0.4]), np.array([0.0, 0.0])],
                                            [np.array([1.0, 1.0]), np.array([0.7, 0.1])])
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
    x = rules.nash_package(IDEAL_A, sal_a, np.array([d_a]), IDEAL_B, sal_b, np.array([d_b]),
                           low, high, agenda, sq)
    assert np.all(x[0, :2] >= low[:2] - 1e-12) and np.all(x[0, :2] <= high[:2] + 1e-12)
    if case % 2:
        assert x[0, 2] == sq[2]  # off the agenda: untouched
    grids = [np.linspace(low[i], high[i], 41) if agenda[0, i] else [sq[i]] for i in range(3)]
    candidates = np.array(list(itertools.product(*grids)))
    best = _nash_product(candidates, d_a, d_b, sal_a, sal_b).max()
    found = _nash_product(x, d_a, d_b, sal_a, sal_b)[0]
    assert found >= best - 1e-9


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


def test_a_perfect_mediator_proposes_the_compromise_itself_and_an_imperfect_one_stays_in_the_box():
    package = np.array([[0.5, 0.5]])
    low, high = np.array([0.4, 0.0]), np.array([0.6, 1.0])
    movable = np.array([[True, True]])
    draws = np.array([[3.0, -3.0]])
    assert rules.degrade_proposal(package, 1.0, 0.5, draws, low, high, movable) == pytest.approx(package)
    moved = rules.degrade_proposal(package, 0.0, 0.5, draws, low, high, movable)
    assert moved == pytest.approx(np.array([[0.6, 0.0]]))


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
    from sim.core.agents import issue_bits, issue_flags

    flags = np.array([[True, False, True, True], [False, False, False, False]])
    assert issue_bits(flags).tolist() == [0b1101, 0]
    assert (issue_flags(issue_bits(flags), 4) == flags).all()


def test_parallel_track_acceptance_grows_with_mediator_effectiveness():
    assert rules.parallel_track_acceptance(0.2, 0.0) == pytest.approx(0.1)
    assert rules.parallel_track_acceptance(0.2, 1.0) == pytest.approx(0.2)


def test_tension_is_kept_in_the_unit_interval():
    t = rules.next_tension(np.array([0.5, 0.95, 0.01]), np.array([0.1, 0.1, 0.0]), 0.05)
    assert t == pytest.approx([0.55, 1.0, 0.0])


def test_spoiler_hazard_is_zero_without_propensity_and_grows_with_each_driver():
    z = np.zeros(1)
    w = (0.25, 0.25, 0.25, 0.25)
    assert rules.spoiler_strike_hazard(0.0, w, z + 1, z + 1, z + 1, z + 1)[0] == 0.0
    base = rules.spoiler_strike_hazard(0.2, w, z + 0.5, z + 0.5, z + 0.5, z)[0]
    for i in range(4):
        args = [z + 0.5, z + 0.5, z + 0.5, z]
        args[i] = args[i] + 0.4
        assert rules.spoiler_strike_hazard(0.2, w, *args)[0] > base


def test_force_value_rises_with_posture_and_progress_and_pays_the_cost_of_war():
    assert rules.force_value(0.5, 0.3, 0.3, np.array([0.8]), np.array([0.5]))[0] == pytest.approx(0.25)


def test_force_needs_failed_talks_and_grows_as_force_beats_continuing():
    value = np.array([0.5, 0.5, 0.1, 0.5])
    cont = np.full(4, 0.3)
    failing = np.array([True, False, True, True])
    draws = np.array([0.05, 0.05, 0.05, 0.5])
    # force 0.2 above continuing: looks better with probability ~0.98, so a draw of 0.05 < 0.1 * 0.98 fires
    assert rules.uses_force(value, cont, failing, 0.1, 0.05, draws).tolist() == [True, False, False, False]
    grid = np.linspace(0.0, 1.0, 2000, endpoint=False)  # evenly spread draws: the share firing is the chance
    failing_all = np.ones(grid.size, dtype=bool)
    chance = [rules.uses_force(np.full(grid.size, g), np.zeros(grid.size), failing_all, 1.0, 0.05, grid).mean()
              for g in np.linspace(-0.3, 0.3, 13)]
    assert all(b >= a for a, b in itertools.pairwise(chance))  # rises with the advantage of force
    assert chance[6] == pytest.approx(0.5, abs=0.01)  # even odds when force and talks are worth the same
    sharp = rules.uses_force(np.array([0.31, 0.29]), np.full(2, 0.3), np.array([True, True]), 1.0, 1e-6, np.full(2, 0.5))
    assert sharp.tolist() == [True, False]  # a tiny noise is the sharp threshold


def test_walk_out_needs_a_failed_round_and_is_damped_by_mediator_standing():
    staying = np.array([0.1, 0.1, 0.5])
    leaving = np.array([0.3, 0.3, 0.3])
    failing = np.array([True, True, True])
    draws = np.array([0.05, 0.3, 0.05])
    assert rules.walks_out(staying, leaving, failing, 0.5, 0.0, draws).tolist() == [True, True, False]
    assert rules.walks_out(staying, leaving, failing, 0.5, 0.5, draws).tolist() == [True, False, False]
    assert not rules.walks_out(staying, leaving, failing, 0.5, 1.0, draws).any()


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
