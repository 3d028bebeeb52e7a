"""The outside option and the value of a deal: what each side has if the talks fail, and what a deal is worth
against it (trust, guarantees, incentives, domestic cost, saturating pressure)."""

from __future__ import annotations

import numpy as np

from sim.core.ufuncs import clip

# ------------------------------------------------------- the outside option


def no_deal_value(base, sensitivity: np.ndarray, state: np.ndarray, hardening) -> np.ndarray:
    """A principal's value of no deal after pressure, clipped to [0, 1].

    ``base`` minus pressure: ``sensitivity`` (K,) times the world-state
    variables ``state`` (K, R) it reacts to (sanctions pain, military threat,
    domestic unrest, the other side's nuclear progress), plus the ``hardening``
    (R,) that lobbying has built up (negative where stakeholders pressed it).
    Pressure lowers what walking away is worth and so widens the win-set
    (Putnam 1988, two-level games). Linear form: assumption.
    """
    sens = np.asarray(sensitivity, dtype=float)
    sens = sens[:, None] if sens.ndim == 1 else sens  # (K, 1), or (K, R) when drawn per replication
    return clip(base - np.add.reduce(sens * state, axis=0) + hardening, 0.0, 1.0)  # np.sum, without its Python layer


def force_value(posture_weight, progress_weight, war_cost, posture, progress) -> np.ndarray:
    """What using force is worth to a principal, on the utility scale.

    Force gains with military posture and with Iran's nuclear progress (for
    Washington the preventive motive: the longer it waits, the stronger Iran's
    future bargaining position, Powell 2006's commitment problem; for Tehran
    the value of a breakout dash) and costs ``war_cost``; a principal deterred
    by the other's posture has a negative posture weight. Fearon (1995): war is
    costly, so it happens only when bargaining fails. Linear form: assumption.
    """
    return posture_weight * posture + progress_weight * progress - war_cost


def resolve_draw(spread, uniform) -> np.ndarray:
    """A principal's private resolve: a shock to its outside option, uniform on [-spread, spread].

    Drawn once per replication from ``uniform`` draws on [0, 1): the type of
    Harsanyi (1967-68) games of incomplete information, as in the bargaining
    models with private reservation values of Fudenberg and Tirole (1983) and
    Cramton (1984); the source of delay and war in Fearon (1995). Model spec:
    "Its resolve ... is private: drawn per replication around the configured
    value with a configured spread". Uniform: assumption, chosen because
    Bayes' rule then keeps every belief uniform on an interval (see
    :func:`update_belief`). A spread of 0 is complete information.
    """
    return spread * (2.0 * uniform - 1.0)


def outside_option(no_deal, force, resolve) -> np.ndarray:
    """The one value of a principal's outside option: the better of no deal and force, plus its resolve.

    Model spec, "One outside option": the disagreement point of the proposal,
    the acceptance threshold, the walk-out rule and the force decision all use
    this value; the bargaining range of Fearon (1995) is the set of packages
    each side prefers to it, and force belongs in it as the threat point of
    Nash (1953, variable threats). Pressure that lowers the value of no deal
    lowers it unless force is worth more.
    """
    return np.maximum(no_deal, force) + resolve


def keep_chance(trust, guarantee) -> np.ndarray:
    """The chance a principal counts on that the other keeps a deal: trust + (1 - trust) x the other's guarantee.

    The other keeps the deal if it means to (``trust``, the belief in its
    intentions, low after the 2015 JCPOA withdrawal: seed) or, not meaning
    to, is bound to by what guarantees it (``guarantee``: a treaty, a UN
    Security Council endorsement, escrowed relief). Commitment problems:
    Fearon (1995), Powell (2006); third-party guarantees of settlements:
    Walter (2002). The "or" of the two: assumption.
    """
    return trust + (1.0 - trust) * guarantee


def keep_chance_before_turnover(trust, guarantee, successor_keeps) -> np.ndarray:
    """The chance a principal counts on that the other keeps a deal signed before the other's scheduled change of
    government: guarantee + (1 - guarantee) x trust x successor_keeps.

    Bound by what guarantees it (``guarantee``), the deal is kept whoever
    governs; unbound, it is kept only if the government that signs means to
    (``trust``) and its successor, in office before the deal is carried out,
    honours it (``successor_keeps``, a belief about the other's politics).
    With ``successor_keeps`` = 1 this is :func:`keep_chance`. Commitments made
    by leaders about to leave are worth less to the other side: a change of
    leader with a change of the coalition behind it raises the chance that a
    state breaks its commitments (Leeds, Mattes & Vogel 2009, "Interests,
    Institutions, and the Reliability of International Commitments", AJPS
    53(2)), and agreements are tied to the leaders who make them (McGillivray &
    Smith 2008, *Punishing the Prince*). The product form: assumption.
    """
    return guarantee + (1.0 - guarantee) * trust * successor_keeps


def deal_value(package_utility, incentive, keep, betrayal_cost, domestic_cost) -> np.ndarray:
    """What signing a package is worth to a principal, on the scale of its outside option (its certainty equivalent).

    Kept (chance ``keep``, :func:`keep_chance`), the deal gives the package's
    utility plus outside ``incentive``; broken after it has implemented its
    side, it leaves the principal at its outside option less
    ``betrayal_cost`` (the sucker's payoff of the commitment problem, Fearon
    1995, Powell 2006); signing costs the leadership ``domestic_cost``
    (sovereignty cost x unrest: Putnam 1988). Signing beats the outside option
    O iff keep (u + incentive) + (1 - keep)(O - betrayal) - domestic >= O, i.e.
    iff u + incentive - ((1 - keep) betrayal + domestic) / keep >= O: this
    value. So private resolve enters one for one whatever the trust (the
    outside option is the same whether or not the deal is later broken: the
    "trust cliff" of issue 18, where resolve counted 1/trust times, is gone),
    and where no credible guarantee exists (keep low) the expected betrayal
    can exceed every package's surplus, an empty zone of agreement even when
    both sides would prefer a kept deal. ``keep`` is floored at 1e-6.
    Linear form: assumption.
    """
    keep = np.maximum(keep, 1e-6)
    return package_utility + incentive - ((1.0 - keep) * betrayal_cost + domestic_cost) / keep


def utility_threshold(outside, incentive, keep, betrayal_cost, domestic_cost) -> np.ndarray:
    """The package utility at which :func:`deal_value` equals ``outside``: the disagreement point in utility terms.

    The inverse of :func:`deal_value`; the mediator uses it as each side's
    disagreement point in the Nash bargaining problem (Nash 1950), so the
    package it proposes is judged on the same scale as the answers. The
    threshold is kept in [-1, 2] (utilities lie in [0, 1]: beyond, a side
    accepts everything or nothing, and no more need be said).
    """
    keep = np.maximum(keep, 1e-6)
    threshold = outside + ((1.0 - keep) * betrayal_cost + domestic_cost) / keep - incentive
    return clip(threshold, -1.0, 2.0)


def saturated_pressure(built_up, cap) -> np.ndarray:
    """The effect on a principal's value of no deal of the outside pressure ``built_up`` (signed), bounded by ``cap``.

    cap x (1 - exp(-|x| / cap)) with the sign of x: linear while small (each
    round's pressure counts in full), saturating toward ``cap`` as it
    accumulates, so no actor outside the room moves a principal's outside
    option by more than ``cap`` (model spec, "Pressure from outside
    saturates"). The exponential saturation of a stock that approaches a
    ceiling: assumption (no source measures the ceiling of diplomatic
    pressure); ``cap`` = inf is the unbounded, linear sum.
    """
    if np.ndim(cap) == 0:  # one cap for every replication (the usual case): no masking needed
        if not np.isfinite(cap):
            return built_up
        return np.copysign(-cap * np.expm1(-np.abs(built_up) / cap), built_up)
    cap = np.asarray(cap, dtype=float)
    safe = np.where(np.isfinite(cap), cap, 1.0)
    bounded = np.sign(built_up) * safe * -np.expm1(-np.abs(built_up) / safe)
    return np.where(np.isfinite(cap), bounded, built_up)
