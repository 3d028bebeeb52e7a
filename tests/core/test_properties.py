"""Hypothesis property tests: the invariants of the model spec hold for every configuration."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.core.model import DEAL, ESCALATION, NegotiationModel
from sim.core.params import Event, Issue, Mediator, Principal, Scenario, Spoiler, Stakeholder, World
from sim.core.runner import block_seed, block_sizes, episodes_frame, run_block, simulate

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
unit = st.floats(0.0, 1.0, allow_nan=False)


@st.composite
def principals(draw, name: str, issues: tuple[str, ...], high_end: bool):
    saliences = [draw(st.floats(0.05, 1.0)) for _ in issues]
    total = sum(saliences)
    ideal, red_lines = {}, {}
    for issue in issues:
        a, b = sorted((draw(unit), draw(unit)))
        point = draw(st.floats(a, b)) if b > a else a
        ideal[issue] = point
        if draw(st.booleans()):
            red_lines[issue] = (a, b)
    stance = draw(st.lists(st.sampled_from(issues), unique=True, max_size=len(issues) - 1))
    refuses = tuple(stance) if not high_end else ()
    insists = tuple(stance) if high_end else ()
    return Principal(
        name=name,
        ideal=ideal,
        salience={i: s / total for i, s in zip(issues, saliences, strict=True)},
        red_lines=red_lines,
        refuses=refuses,
        insists=insists,
        agenda_flexibility=draw(unit),
        concession_e=draw(st.floats(0.2, 5.0)),
        resolve_spread=draw(st.floats(0.0, 0.3)),
        discount=draw(st.floats(0.8, 1.0)),
        force_noise=draw(st.floats(0, 0.1)),
        no_deal_value=draw(unit),
        pressure={"tension": draw(st.floats(-0.5, 0.5))},
        sovereignty_cost=draw(unit),
        trust=draw(unit),
        force_posture_weight=draw(st.floats(-1, 1)),
        force_progress_weight=draw(st.floats(-1, 1)),
        war_cost=draw(unit),
        walkout_propensity=draw(unit),
    )


@st.composite
def scenarios(draw):
    n_issues = draw(st.integers(1, 4))
    names = tuple(f"i{k}" for k in range(n_issues))
    issues = tuple(Issue(n, draw(st.sampled_from(["nuclear", "regional"])), draw(unit)) for n in names)
    a = draw(principals("A", names, True))
    b = draw(principals("B", names, False))
    watched = draw(st.sampled_from(names))
    lo, hi = sorted((draw(unit), draw(unit)))
    return Scenario(
        name="random",
        issues=issues,
        principals=(a, b),
        mediators=(
            Mediator(
                "M",
                effectiveness=draw(unit),
                standing=draw(unit),
                deescalation=draw(st.floats(0, 0.1)),
                trust_building=draw(st.floats(0, 0.05)),
                proposal_noise=draw(st.floats(0, 0.5)),
            ),
        ),
        spoilers=(
            Spoiler(
                "S",
                target="A",
                lobbying=draw(st.floats(0, 0.02)),
                red_lines={watched: (lo, hi)},
                strike_propensity=draw(st.floats(0, 0.2)),
                strike_threshold=draw(unit),
                strike_noise=draw(st.floats(0, 0.1)),
            ),
        ),
        stakeholders=(
            Stakeholder(
                "H", deescalation=draw(st.floats(0, 0.1)), incentive=draw(st.floats(0, 0.2)), pressure=draw(st.floats(0, 0.1))
            ),
        ),
        events=(Event("shock", draw(unit), {"tension": draw(st.floats(-0.2, 0.2)), "trust": draw(st.floats(-0.1, 0.1))}),),
        world=World(
            tension=draw(unit),
            nuclear_progress=draw(unit),
            military_posture=draw(unit),
            unrest=draw(unit),
            sanctions=draw(unit),
            progress_rate=draw(st.floats(0, 0.05)),
            tension_threshold=draw(st.floats(0.5, 1.5)),
            collapse_escalation=draw(unit),
            perceived_risk=draw(st.floats(0, 0.3)),
            deadline=draw(st.integers(0, 8)),
            extension_probability=draw(unit),
            retaliation_probability=draw(unit),
            resume_probability=draw(unit),
            strike_setback=draw(st.floats(0, 0.3)),
        ),
        max_rounds=draw(st.integers(1, 12)),
    ).validate()


def _deals(model: NegotiationModel):
    deal = model.outcome == DEAL
    return model.terms[deal], model.final_agenda[deal]


@SETTINGS
@given(scenarios(), st.integers(0, 2**32 - 1))
def test_no_deal_lies_outside_a_red_line_or_moves_an_issue_off_the_agenda(scenario, seed):
    model = NegotiationModel(scenario, 300, seed).run()
    terms, agenda = _deals(model)
    for p in scenario.principals:
        for k, issue in enumerate(scenario.issue_names):
            low, high = p.red_lines.get(issue, (0.0, 1.0))
            on = agenda[:, k]
            assert np.all(terms[on, k] >= low - 1e-9) and np.all(terms[on, k] <= high + 1e-9)
    sq = np.array([i.status_quo for i in scenario.issues])
    assert np.all(np.where(agenda, True, terms == sq))


@SETTINGS
@given(scenarios(), st.integers(0, 2**32 - 1))
def test_probabilities_sum_to_one_and_every_interval_holds_its_estimate(scenario, seed):
    summary = simulate(scenario, 200, seed, block_size=64).summary
    probs = [summary[f"p_{o}"] for o in ("deal", "escalation", "stalemate")]
    assert sum(probs) == 1.0 or abs(sum(probs) - 1.0) < 1e-12
    for outcome, p in zip(("deal", "escalation", "stalemate"), probs, strict=True):
        low, high = summary["ci95"][outcome]
        assert 0.0 <= low <= p <= high <= 1.0


@SETTINGS
@given(scenarios(), st.integers(0, 2**32 - 1), st.floats(0.05, 0.5))
def test_red_lines_without_overlap_keep_an_issue_out_of_every_deal(scenario, seed, cut):
    """The issue goes to a parallel track: no deal sets its term, and a deal on it alone is impossible."""
    a, b = scenario.principals
    first = scenario.issue_names[0]
    # A will accept only terms above the cut, B only below: no overlap on the first issue.
    a_lines = {**a.red_lines, first: (cut + 0.01, 1.0)}
    b_lines = {**b.red_lines, first: (0.0, cut)}
    a = Principal(**{**a.__dict__, "red_lines": a_lines, "ideal": {**a.ideal, first: 1.0}})
    b = Principal(
        **{
            **b.__dict__,
            "red_lines": b_lines,
            "ideal": {**b.ideal, first: 0.0},
            "refuses": tuple(i for i in b.refuses if i != first),
        }
    )
    scenario = Scenario(**{**scenario.__dict__, "principals": (a, b)}).validate()
    model = NegotiationModel(scenario, 300, seed).run()
    deal = model.outcome == DEAL
    assert not model.final_agenda[deal, 0].any()
    if len(scenario.issues) == 1:
        assert not deal.any()


@SETTINGS
@given(scenarios(), st.integers(0, 2**32 - 1))
def test_shutting_every_escalation_channel_gives_no_escalation(scenario, seed):
    shut = Scenario(
        **{
            **scenario.__dict__,
            "principals": tuple(
                Principal(**{**p.__dict__, "force_posture_weight": 0.0, "force_progress_weight": 0.0, "war_cost": 1.0})
                for p in scenario.principals
            ),  # force worth < no deal
            "spoilers": tuple(Spoiler(**{**s.__dict__, "strike_propensity": 0.0}) for s in scenario.spoilers),
            "world": World(**{**scenario.world.__dict__, "tension_threshold": 1.01, "collapse_escalation": 0.0}),
        }
    ).validate()
    model = NegotiationModel(shut, 300, seed).run()
    assert not np.any(model.outcome == ESCALATION)
    assert np.all(model.outcome >= 0)  # and every replication ended


@settings(max_examples=15, deadline=None)
@given(scenarios(), st.integers(0, 2**32 - 1), st.randoms(use_true_random=False))
def test_results_do_not_depend_on_how_blocks_are_spread_over_processes(scenario, seed, shuffler):
    sizes = block_sizes(130, 32)
    order = list(range(len(sizes)))
    shuffler.shuffle(order)  # any worker may run any block, in any order
    blocks = {b: run_block(scenario, sizes[b], seed, b) for b in order}
    spread = episodes_frame(scenario, [blocks[b] for b in range(len(sizes))])
    serial = simulate(scenario, 130, seed, block_size=32).episodes
    pd.testing.assert_frame_equal(spread, serial)
    assert block_seed(seed, 1).entropy == seed


@SETTINGS
@given(scenarios(), st.integers(0, 2**32 - 1))
def test_without_choice_noise_nobody_leaves_or_strikes_when_continuing_is_worth_more(scenario, seed):
    sharp = Scenario(
        **{
            **scenario.__dict__,
            "principals": tuple(Principal(**{**p.__dict__, "force_noise": 0.0}) for p in scenario.principals),
            "spoilers": tuple(Spoiler(**{**s.__dict__, "strike_noise": 0.0}) for s in scenario.spoilers),
        }
    ).validate()
    model = NegotiationModel(sharp, 300, seed).run()
    decided = ~np.isnan(model.force_value)
    assert np.all(model.force_value[decided] > model.continue_value[decided])


@SETTINGS
@given(scenarios(), st.integers(0, 2**32 - 1))
def test_under_complete_information_nobody_holds_out(scenario, seed):
    """With no spread of resolve a principal refuses only a package worth less than its outside option."""
    informed = Scenario(
        **{
            **scenario.__dict__,
            "principals": tuple(
                Principal(**{**p.__dict__, "resolve_spread": 0.0, "insists": (), "refuses": ()}) for p in scenario.principals
            ),
            "events": (),
        }
    ).validate()
    model = NegotiationModel(informed, 200, seed)
    model.step()
    proposed = model.state.proposed
    assert (proposed == model.state.agenda.any(axis=1)).all()  # settled at once: a package wherever an issue is left
    for p in model.principals:
        refused = p.within & (p.resolve > p.cutoff + 1e-9)
        assert np.all(p.value[refused] < p.outside[refused] + 1e-9)


@SETTINGS
@given(scenarios(), st.integers(0, 2**32 - 1))
def test_beliefs_always_contain_the_true_resolve(scenario, seed):
    model = NegotiationModel(scenario, 200, seed)
    for _ in range(min(scenario.max_rounds, 6)):
        if not model.running:
            break
        model.step()
        a, b = model.principals
        for holder, other, k in ((b, a, 0), (a, b, 1)):
            assert np.all(holder.belief_lo <= other.resolve + 1e-9) and np.all(other.resolve <= holder.belief_hi + 1e-9)
            med = model.mediators[0]
            assert np.all(med.lo[:, k] <= other.resolve + 1e-9) and np.all(other.resolve <= med.hi[:, k] + 1e-9)


# ---------------------------------------------------------------- issue 18: bargaining without war


def _with(p: Principal, **changes) -> Principal:
    return Principal(**{**p.__dict__, **changes})


@SETTINGS
@given(scenarios(), st.integers(0, 2**32 - 1), st.floats(0.05, 0.5), st.booleans(), st.booleans())
def test_red_lines_without_overlap_on_a_required_issue_leave_no_deal_at_all(scenario, seed, cut, a_requires, mediated):
    """Not even an interim one, with or without a mediator: the issue can never go to a parallel track."""
    a, b = scenario.principals
    first = scenario.issue_names[0]
    a = _with(a, red_lines={**a.red_lines, first: (cut + 0.01, 1.0)}, ideal={**a.ideal, first: 1.0})
    b = _with(b, red_lines={**b.red_lines, first: (0.0, cut)}, ideal={**b.ideal, first: 0.0})
    if a_requires:
        a = _with(a, requires=(first,))
    else:
        b = _with(b, requires=(first,), refuses=tuple(i for i in b.refuses if i != first))
    changes = {"principals": (a, b), "world": World(**{**scenario.world.__dict__, "interim_scale": 0.5})}
    if not mediated:
        changes["mediators"] = ()
    model = NegotiationModel(Scenario(**{**scenario.__dict__, **changes}).validate(), 300, seed).run()
    assert not np.any(model.outcome == DEAL)


@SETTINGS
@given(scenarios(), st.integers(0, 2**32 - 1), st.data())
def test_no_deal_leaves_a_required_issue_off_the_agenda_or_outside_a_red_line(scenario, seed, data):
    names = scenario.issue_names
    a, b = scenario.principals
    a = _with(a, requires=tuple(data.draw(st.lists(st.sampled_from(names), unique=True, max_size=2))))
    b_requires = data.draw(st.lists(st.sampled_from(names), unique=True, max_size=2))
    b = _with(b, requires=tuple(b_requires), refuses=tuple(i for i in b.refuses if i not in b_requires))
    mediators = scenario.mediators if data.draw(st.booleans()) else ()
    world = World(**{**scenario.world.__dict__, "interim_scale": data.draw(st.sampled_from([0.0, 0.5]))})
    scenario = Scenario(**{**scenario.__dict__, "principals": (a, b), "mediators": mediators, "world": world}).validate()
    model = NegotiationModel(scenario, 300, seed).run()
    terms, agenda = _deals(model)
    for k, issue in enumerate(names):
        if issue in a.requires or issue in b.requires:
            assert agenda[:, k].all()  # settled by the deal, never left at the status quo
            for p in (a, b):
                low, high = p.red_lines.get(issue, (0.0, 1.0))
                assert np.all(terms[:, k] >= low - 1e-9) and np.all(terms[:, k] <= high + 1e-9)


@SETTINGS
@given(scenarios(), st.integers(0, 2**32 - 1))
def test_without_a_mediator_the_principals_still_bargain_directly(scenario, seed):
    """Alternating offers: packages are proposed and, under complete information with a zone, the first is signed."""
    a, b = scenario.principals
    informed = Scenario(
        **{
            **scenario.__dict__,
            "mediators": (),
            "principals": tuple(_with(p, resolve_spread=0.0, insists=(), refuses=()) for p in (a, b)),
            "events": (),
        }
    ).validate()
    model = NegotiationModel(informed, 200, seed)
    model.step()
    assert (model.state.proposed == model.state.agenda.any(axis=1)).all()
    for p in model.principals:
        refused = p.within & (p.resolve > p.cutoff + 1e-9)
        assert np.all(p.value[refused] < p.outside[refused] + 1e-9)


@SETTINGS
@given(scenarios(), st.integers(0, 2**32 - 1), st.floats(0.3, 1.0))
def test_a_signed_package_the_veto_players_reject_is_no_deal_and_is_recorded(scenario, seed, threshold):
    a, b = scenario.principals
    vetoed = Scenario(
        **{**scenario.__dict__, "principals": (_with(a, veto_threshold=threshold, veto_spread=0.3, ratification_exit=0.5), b)}
    ).validate()
    model = NegotiationModel(vetoed, 300, seed).run()
    failed = model.ratification_failures > 0
    ended = np.asarray(model.causes)[np.maximum(model.cause, 0)] == "a_ratification"
    assert np.all(failed[ended]) and np.all(model.outcome[ended] == 2)
    frame = episodes_frame(vetoed, [run_block(vetoed, 64, seed, 0)])
    assert "ratification_failures" in frame and frame["ratification_failures"].dtype.kind == "i"
