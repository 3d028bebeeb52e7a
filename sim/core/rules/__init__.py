"""The rules of the negotiation model, one function each.

Every function is pure and vectorised over replications: arrays of shape (R,)
hold one value per replication, (R, I) one per replication and issue, (I,) a
parameter per issue shared by all replications. The Mesa agents and model call
these; nothing here holds state, draws random numbers or knows about files.
Each docstring names the rule's source, or says plainly that it is an
assumption of this project.

The rules are grouped by theme, one module each (:mod:`sim.core.rules.proposal`, :mod:`sim.core.rules.delay`, ...);
this package re-exports every one of them, so ``from sim.core import rules; rules.accepts(...)`` and
``from sim.core.rules import accepts`` name the same function wherever it is defined.
"""

from __future__ import annotations

from sim.core.rules.agenda import agenda_conflict, parallel_track, parallel_track_acceptance, settled_scope
from sim.core.rules.coercion import coercion_advantage, coercion_shift, sabotage_values
from sim.core.rules.deadlock import awaiting_value, deadlock_staying, known_deadlock, talks_about_talks
from sim.core.rules.delay import (
    acceptance_cutoff,
    accepts,
    belief_acceptance_chance,
    concede_positions,
    concession_share,
    deadline_after_pause,
    deadline_lapses,
    effective_discount,
    estimated_resolve,
    holdout_gain,
    interim_package,
    perceived_risk,
    update_belief,
    waiting_value,
)
from sim.core.rules.force import (
    chooses,
    collapse_escalates,
    continuation_value,
    escalation_ladder,
    failure_estimate,
    force_at_deadlock,
    force_over_no_deal,
    next_tension,
    spoiler_strike_values,
)
from sim.core.rules.marker import decision
from sim.core.rules.outside import (
    deal_value,
    force_value,
    keep_chance,
    keep_chance_before_turnover,
    no_deal_value,
    outside_option,
    resolve_draw,
    saturated_pressure,
    utility_threshold,
)
from sim.core.rules.procedure import backs_down, hardest_holder, precondition_yield, stated_red_lines
from sim.core.rules.proposal import Frontier, nash_frontier, nash_package, nash_solve, proposer_solve, red_line_box
from sim.core.rules.ratification import ratifies, veto_bar, veto_draw
from sim.core.rules.red_lines import backs_down_believing, giveway_chance, giveway_update, holding_value
from sim.core.rules.utilities import inside, row_dot, utility

__all__ = [
    "Frontier",
    "acceptance_cutoff",
    "accepts",
    "agenda_conflict",
    "awaiting_value",
    "backs_down",
    "backs_down_believing",
    "belief_acceptance_chance",
    "chooses",
    "coercion_advantage",
    "coercion_shift",
    "collapse_escalates",
    "concede_positions",
    "concession_share",
    "continuation_value",
    "deadline_after_pause",
    "deadline_lapses",
    "deadlock_staying",
    "deal_value",
    "decision",
    "decisions",
    "effective_discount",
    "escalation_ladder",
    "estimated_resolve",
    "failure_estimate",
    "force_at_deadlock",
    "force_over_no_deal",
    "force_value",
    "giveway_chance",
    "giveway_update",
    "hardest_holder",
    "holding_value",
    "holdout_gain",
    "inside",
    "interim_package",
    "keep_chance",
    "keep_chance_before_turnover",
    "known_deadlock",
    "nash_frontier",
    "nash_package",
    "nash_solve",
    "next_tension",
    "no_deal_value",
    "outside_option",
    "parallel_track",
    "parallel_track_acceptance",
    "perceived_risk",
    "precondition_yield",
    "proposer_solve",
    "ratifies",
    "red_line_box",
    "resolve_draw",
    "row_dot",
    "sabotage_values",
    "saturated_pressure",
    "settled_scope",
    "spoiler_strike_values",
    "stated_red_lines",
    "talks_about_talks",
    "update_belief",
    "utility",
    "utility_threshold",
    "veto_bar",
    "veto_draw",
    "waiting_value",
]


def decisions() -> tuple[str, ...]:
    """The names of the rules marked with :func:`decision`, in the order they are defined."""
    return tuple(name for name, value in globals().items() if getattr(value, "agent_decision", False))
