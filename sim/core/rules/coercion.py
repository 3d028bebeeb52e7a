"""Coercion below war: the shift coercion buys, whether it pays, and sabotage."""

from __future__ import annotations

import numpy as np

from sim.core.rules.delay import waiting_value
from sim.core.rules.force import spoiler_strike_values
from sim.core.rules.marker import decision

# ------------------------------------------------------- coercion below war


def coercion_shift(trust, delta_self, delta_other) -> np.ndarray:
    """How much a coercive step moves the value of the next package for the coercer, on its deal-value scale.

    A step that lowers the other side's outside option by ``-delta_other``
    (new sanctions against Tehran's value of no deal) or changes one's own by
    ``delta_self`` moves the Nash package (Nash 1953, variable threats: a
    better threat point, a better settlement) toward the coercer by half the
    change of the difference of the disagreement points (transferable-utility
    approximation, as in :func:`holdout_gain`); the package counts at
    ``trust``, the fallback (own outside option) at ``1 - trust``
    (:func:`deal_value`). Assumption in form.
    """
    return trust * 0.5 * (delta_self - delta_other) + (1.0 - trust) * delta_self


@decision
def coercion_advantage(discount, risk, risk_after, expected_next, shift, outside, outside_after) -> np.ndarray:
    """What a coercive step below war is worth to a principal: continuing after it minus continuing without it.

    The same value logic as force (model spec, "Coercion below war": rungs
    below a strike, chosen by the same logic as force): both sides of the
    comparison are :func:`waiting_value`, the value of staying in the talks
    by its own beliefs. The step moves the next package by ``shift``
    (:func:`coercion_shift`), its own outside option to ``outside_after``, and
    the perceived risk that the talks end to ``risk_after`` (the tension it
    adds). It is taken, through :func:`chooses`, when this is positive: Natanz
    (sabotage, 11 Apr 2021), Iran's 60% enrichment (from 16 Apr 2021) and the
    maximum-pressure sanctions designations (2018-21, 2025) came during talks
    that went on. Assumption in form.
    """
    before = waiting_value(discount, risk, expected_next, outside)
    after = waiting_value(discount, risk_after, expected_next + shift, outside_after)
    return after - before


@decision
def sabotage_values(weights, sabotage_cost, tension, progress, drag, crossing_chance):
    """A spoiler's value of a covert strike or sabotage now and of waiting: (sabotage, wait).

    :func:`spoiler_strike_values` with the sabotage's lower cost in place of
    the cost of an overt strike: what it forestalls is judged the same way
    (tension, nuclear progress, failing talks, a package crossing its red
    line), so sabotage is the rung taken when the threat looks worth acting on
    at its price but not at a strike's (Natanz, 11 Apr 2021; Fakhrizadeh,
    27 Nov 2020). Assumption in form.
    """
    return spoiler_strike_values(weights, sabotage_cost, tension, progress, drag, crossing_chance)
