"""Force and escalation: tension, the choice of force, spoilers' strikes, the escalation ladder, and
ultimatums and allies (force preferred to no deal)."""

from __future__ import annotations

import numpy as np
from scipy.special import expit

from sim.core.rules.delay import waiting_value
from sim.core.rules.marker import decision
from sim.core.ufuncs import clip

# ------------------------------------------------------------------- tension


def next_tension(tension, increase, deescalation) -> np.ndarray:
    """Tension after a round: plus what the round added, minus de-escalation, kept in [0, 1].

    Additive bookkeeping of tension: assumption. De-escalation by Oman and the
    UAE follows the seed: "Oman's steady diplomacy has kept channels of
    communication open" and the UAE "publicly urged both ... to pursue a
    diplomatic path".
    """
    return clip(tension + increase - deescalation, 0.0, 1.0)


# --------------------------------------------------------------------- force


@decision
def continuation_value(discount, risk, deal_value_now, gain_self, gain_other, outside) -> np.ndarray:
    """What staying in the talks is worth to a principal, by its own beliefs, after this round's answers.

    :func:`waiting_value` with next round's package expected to be worth the
    present one moved by what the mediator learned this round: toward this
    principal by its own holdout gain, away by the other's (the same
    transferable-utility approximation as :func:`holdout_gain`). The same
    discount, risk and outside option as the answers use (model spec, "One
    outside option").
    """
    return waiting_value(discount, risk, deal_value_now + gain_self - gain_other, outside)


@decision
def chooses(advantage, noise, opportunity, draws) -> np.ndarray:
    """A noisy choice, taken when the occasion arises: True with chance ``opportunity`` x P(the option looks better).

    The option looks better with the logit probability
    1 / (1 + exp(-advantage / noise)), the quantal response of McKelvey and
    Palfrey (1995) and the random-utility choice of Signorino (1999) for
    crisis decisions; with ``noise`` = 0 it is the sharp rule advantage > 0,
    so an actor never takes the option when it is worth less. ``opportunity``
    is the chance per round that the decision comes up at all (a
    propensity): assumption. One uniform draw per decision.
    """
    noise = np.asarray(noise, dtype=float)
    if noise.ndim == 0:  # one noise for every replication (the usual case): the same numbers without the masks
        if noise > 0:
            with np.errstate(over="ignore", divide="ignore"):
                return draws < opportunity * expit(advantage / noise)
        return draws < opportunity * (advantage > 0).astype(float)
    safe = np.where(noise > 0, noise, 1.0)
    with np.errstate(over="ignore", divide="ignore"):  # a tiny noise is the sharp rule: expit(+-inf) is 1 or 0
        looks_better = np.where(noise > 0, expit(advantage / safe), (advantage > 0).astype(float))
    return draws < opportunity * looks_better


def failure_estimate(failures, rounds) -> np.ndarray:
    """The chance that a round of talks fails, estimated from ``failures`` failed rounds out of ``rounds``.

    Laplace's rule of succession, (failures + 1) / (rounds + 2): the posterior
    mean under a uniform prior, so one failed week does not read as certain
    failure. Used as the spoiler's sense that the talks are dragging on.
    """
    return (failures + 1.0) / (rounds + 2.0)


@decision
def spoiler_strike_values(weights, strike_threshold, tension, progress, drag, crossing_chance):
    """Israel's value of striking now and of letting the talks go on, by its own beliefs: (strike, wait).

    Striking now is worth more the higher tension and Iran's nuclear
    progress (w_t tension + w_p progress: what a strike forestalls). Waiting
    is worth ``strike_threshold`` (the cost of a strike it avoids), less what
    it expects to lose while the talks drag on (w_f x the estimated chance
    that a round fails, :func:`failure_estimate`) and the chance that the package taking shape is signed
    and crosses its red line (w_x x that chance). Model spec, "Spoiler":
    Israel "decides, by its own beliefs, whether striking now is worth more
    than what the talks are likely to bring"; seed: Israeli officials
    "articulate their own security red lines". Linear form: assumption.
    """
    w_t, w_p, w_f, w_x = weights
    strike = w_t * tension + w_p * progress
    wait = strike_threshold - w_f * drag - w_x * crossing_chance
    return strike, wait


def escalation_ladder(retaliation_probability, resume_probability, draws) -> tuple[np.ndarray, np.ndarray]:
    """Where a strike leads: (severity, talks resume). Severity 1 limited strike, 2 retaliation, 3 war.

    A limited strike draws retaliation with ``retaliation_probability``
    (``draws[:, 0]``); a ceasefire follows, after which the talks resume with
    ``resume_probability`` (``draws[:, 1]``), as after the 13-24 June 2025
    exchange; otherwise the confrontation ends the talks, as war (severity 3)
    when there was retaliation. Model spec, "Force: escalation is a ladder".
    Probabilities: assumption.
    """
    retaliated = draws[:, 0] < retaliation_probability
    resumed = draws[:, 1] < resume_probability
    severity = np.where(retaliated, np.where(resumed, 2, 3), 1).astype(np.int8)
    return severity, resumed


def collapse_escalates(collapse_escalation, tension, draws) -> np.ndarray:
    """Whether collapsed talks turn into military confrontation: chance ``collapse_escalation`` x tension.

    Seed: Washington "remains prepared to apply force should negotiations
    collapse". Proportional to tension: assumption.
    """
    return draws < collapse_escalation * tension


# ------------------------------------------------------- ultimatums and allies


@decision
def force_over_no_deal(force, no_deal) -> np.ndarray:
    """What force is worth to a principal against the no deal it is left with when the talks are cut off.

    Used where the alternative to force is not continuing but no deal: at
    the lapse of an ultimatum (a deadline with a threat attached, the 60-day
    window of 2025; model spec, "Ultimatums": the threatener weighs force by
    its own values, escalation when force is worth more, a stalemate when
    not), and for an ally deciding whether to join a strike (model spec,
    "Allies act together": Washington joined Israel's campaign on its ninth
    day, 22 Jun 2025). Both values are those of :func:`no_deal_value` and
    :func:`force_value`; its resolve shifts both alike.
    """
    return force - no_deal


@decision
def force_at_deadlock(force, no_deal, adjourning) -> np.ndarray:
    """Whether a principal that leaves a known deadlock leaves by force: force worth more than both ways of not signing.

    At a known deadlock (:func:`known_deadlock`) leaving has two forms besides
    force: no deal (``no_deal``), and adjourning, which ends the round without a
    next date but keeps the option to resume (``adjourning``: what waiting for
    a later round is worth to it, its value of staying at the deadlock,
    :func:`deadlock_staying`). Force is taken only where it beats both. War is
    costly, so a side fights only where war is worth more than what it expects
    from bargaining now and later: Fearon (1995), "Rationalist Explanations for
    War"; Powell (2006), "War as a Commitment Problem": force against the
    continuation value of the bargaining game, not against the status quo
    alone. Keeping talks alive without expecting agreement soon is a purpose of
    its own (Iklé 1964, *How Nations Negotiate*, ch. 4 [verify the chapter]).
    That adjourning is worth what staying at the deadlock is worth:
    assumption. Elsewhere the form of leaving is force over no deal alone.
    """
    return (force > no_deal) & (force > adjourning)
