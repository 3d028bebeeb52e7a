"""The marker of an actor's decision rules."""

from __future__ import annotations

from collections.abc import Callable


def decision[F: Callable](rule: F) -> F:
    """Mark a rule as an actor's own judgement: a choice it makes, or the belief that choice rests on.

    Only the agents (:mod:`sim.core.agents`) apply a marked rule; the model
    schedules them and applies the other rules itself (bookkeeping of the
    agenda and the deadline, the world's physics such as tension and nuclear
    progress, the escalation ladder). ``tests/test_layers.py`` fails when
    :mod:`sim.core.model` calls a marked rule. The marker changes nothing
    else: the function is returned as it is.
    """
    rule.agent_decision = True  # type: ignore[attr-defined]
    return rule
