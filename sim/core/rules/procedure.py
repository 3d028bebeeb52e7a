"""Procedure: stated red lines, backing down from them, and yielding on preconditions."""

from __future__ import annotations

import numpy as np

from sim.core.rules.marker import decision

# ------------------------------------------------------- procedure


def stated_red_lines(low, high, stated_low, stated_high) -> tuple:
    """Its red line on an issue while it holds its stated public position there: the two intervals' overlap.

    Mapping rule 22 (docs/history/mapping.md): a term a principal publicly
    demanded as a condition of any agreement (the EU3's and the UN Security
    Council's suspension of enrichment, 2003-2013; "full dismantlement", 2025)
    is, while it holds it, a term it will not sign away: it narrows its red
    line to the stated interval. A stated interval is validated to overlap the
    red line. Fearon (1994): a public commitment ties the hands of the leader
    who made it.
    """
    return np.maximum(low, stated_low), np.minimum(high, stated_high)


@decision
def backs_down(value_off_position, audience_cost, outside) -> np.ndarray:
    """Whether a principal drops its stated position: a deal outside it beats its outside option by the audience cost.

    Fearon (1994), "Domestic Political Audiences and the Escalation of
    International Disputes": backing down from a public commitment costs the
    leader at home (Tomz 2007 measured it in approval), so a leader backs down
    only when what it gains by doing so covers that cost; Putnam (1988): the
    stated position is the announced domestic win-set, which the negotiator can
    widen at a price. ``value_off_position``: the value to it (on its outside
    option's scale) of the deal the mediator would propose were the position
    dropped; ``outside``: its outside option now, private resolve included.
    Pressure that lowers the outside option (sanctions, nuclear progress)
    makes a position held at the start give way later; it never comes back.
    """
    return value_off_position - audience_cost > outside


@decision
def precondition_yield(flexibility_demander, flexibility_other, draws) -> np.ndarray:
    """Whether a demanded precondition is settled this round: the demander drops it or the other side yields.

    Each side yields with its agenda flexibility per round, independently:
    chance 1 - (1 - f_demander)(1 - f_other). Until then the round goes to
    procedure, as in the 2005-06 standoff over suspending enrichment before
    talks (model spec, "Preconditions and sequencing"). Assumption.
    """
    return draws < 1.0 - (1.0 - flexibility_demander) * (1.0 - flexibility_other)


@decision
def hardest_holder(own_resolve, co_holder_resolves) -> np.ndarray:
    """A jointly held stated position gives way only when its hardest holder would drop it: the resolve that decides.

    Mapping rule 23: a position a UN Security Council text demands (the
    suspension of enrichment, 2006-2013) belongs to the Council's permanent
    members together, not to the government at the table; ending it needs a
    text none of them vetoes (UN Charter, art. 27(3)). Veto players
    (Tsebelis 2002, *Veto Players*): a change of the status quo needs every
    veto player's consent, so the status quo stands while any one of them
    prefers it; the joint-decision trap (Scharpf 1988, "The Joint-Decision
    Trap", *Public Administration* 66(3)): decisions that need unanimity
    persist even when most of those who share them would drop them. So the
    position is dropped only where every holder's own value of dropping it
    beats its outside option and holding on (:func:`backs_down`,
    :func:`backs_down_believing`). Each holder prices the package with the
    principal's terms and audience cost, and its own outside option is the
    principal's with its own private resolve (:func:`resolve_draw`): the
    co-holders' resolves are drawn once per replication from the principal's
    own prior, independently (assumption: the principal stands for the side,
    and nothing public tells the holders apart). Because backing down falls
    as the outside option rises (and holding on rises with it,
    :func:`waiting_value`), every holder drops the position exactly when the
    one with the highest resolve does: this returns that resolve, per
    replication, from the principal's own (R,) and the co-holders' (R, k - 1).
    What ended the demand in 2013, a bilateral secret channel where no
    audience watched and no co-holder sat (Kurizaki 2007, "Efficient Secrecy",
    *American Political Science Review* 101(3)), is not in the state: it was
    not public at the start of any case (mapping rules 22 and 23).
    """
    own = np.asarray(own_resolve, dtype=float)
    others = np.asarray(co_holder_resolves, dtype=float)
    if others.shape[-1] == 0:
        return own
    return np.maximum(own, others.max(axis=-1))
