"""Private red lines: the belief that the other side gives way, and holding a stated position on it."""

from __future__ import annotations

import numpy as np

from sim.core.rules.delay import waiting_value
from sim.core.rules.marker import decision

# ------------------------------------------------------- private red lines


@decision
def giveway_chance(belief, rate) -> np.ndarray:
    """The chance a holder sees that the other side gives way on the held term this round: belief x rate.

    Private red lines: whether the other side's red line admits the term a
    principal holds (the suspension of enrichment, 2003-2013) is the other's
    private information. The holder believes with probability ``belief`` that
    it does (a "soft" other), and that a soft other gives way in any round
    with chance ``rate`` (it may hold for a while in the hope that the holder
    gives way first: Fudenberg and Tirole 1986, the war of attrition with
    private information; Abreu and Gul 2000); a "hard" other never does.
    ``rate`` is the other side's agenda flexibility, the per-round chance with
    which the model already lets it yield a contested stance or a precondition
    (:func:`precondition_yield`): assumption in form.
    """
    return np.asarray(belief, dtype=float) * np.asarray(rate, dtype=float)


@decision
def giveway_update(belief, rate) -> np.ndarray:
    """Bayes' rule for the holder's belief that the other's red line gives, after a round in which the other held.

    P(soft | held) = b (1 - rate) / (b (1 - rate) + 1 - b): a hard other
    always holds, a soft one holds with chance 1 - rate. The belief falls
    with every round of holding, fast when a soft other would give way fast,
    and never rises (Bayes 1763; the updating of Smith and Stam 2004,
    "Bargaining and the Nature of War": beliefs that start apart converge as
    the sides observe each other, and the standoff ends when they have).
    Where the evidence contradicts certainty (b = 1 and rate = 1) the belief
    becomes 0.
    """
    belief = np.asarray(belief, dtype=float)
    soft_holds = belief * (1.0 - np.asarray(rate, dtype=float))
    total = soft_holds + 1.0 - belief
    return np.where(total > 0, soft_holds / np.where(total > 0, total, 1.0), 0.0)


@decision
def holding_value(giveway, value_at_position, value_backing_down, outside, discount, risk) -> np.ndarray:
    """What holding its stated position one more round is worth to a principal, by its beliefs.

    H = g V_own + (1 - g) x waiting_value(discount, risk, B, O): with the
    chance g it sees that the other gives way this round
    (:func:`giveway_chance`), a deal at its own position, worth ``V_own``;
    otherwise a round of delay, discounted and at the risk that the talks end
    meanwhile (its outside option O), after which it can still back down
    (B = the deal outside its position minus the audience cost). The same
    discount and perceived risk as its answers (:func:`waiting_value`; model
    spec, "Time, deadlines and the cost of delay"). Comparing H with backing
    down now is the one-stage look-ahead rule, optimal here because the
    belief only falls while the other holds, so that once backing down beats
    one more round it beats every later plan (a monotone stopping problem:
    Chow, Robbins and Siegmund 1971). Mutual optimism (Blainey 1973; Fearon
    1995) enters as a holder's prior that the other will give way.
    """
    g = np.asarray(giveway, dtype=float)
    return g * value_at_position + (1.0 - g) * waiting_value(discount, risk, value_backing_down, outside)


@decision
def backs_down_believing(value_off_position, audience_cost, outside, holding) -> np.ndarray:
    """Whether a principal drops its stated position: backing down beats its outside option and holding on.

    B = value_off_position - audience_cost (:func:`backs_down`, Fearon 1994);
    it backs down when B > O and B >= H (:func:`holding_value`). With a belief
    of 0 that the other gives way, H = waiting_value(B, O) <= B whenever
    B > O, so the rule is :func:`backs_down` exactly; a higher belief never
    makes it back down sooner where the deal at its own position is worth at
    least backing down.
    """
    backing = value_off_position - audience_cost
    return (backing > outside) & (backing >= holding)
