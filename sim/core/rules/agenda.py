"""The agenda: conflicts over what is on the table, the settled scope, and the parallel track."""

from __future__ import annotations

import numpy as np

from sim.core.rules.marker import decision

# -------------------------------------------------------------------- agenda


def agenda_conflict(insists_a, refuses_a, insists_b, refuses_b):
    """Issues on which one principal insists (or which it requires in any deal) and the other refuses: the scope fight.

    A required issue counts as insisted on, and it can never go to a parallel
    track, so only the refuser's softening ends a conflict over it.

    Stances are bit masks over the issues (bit k: issue k), one per
    replication, or boolean arrays (R, I); the result has the same form.
    Seed: "Iran insists that only nuclear issues be discussed, while the
    United States is seeking to broaden the scope to include Tehran's
    ballistic missile program, its support for regional proxy groups, and
    human rights concerns."
    """
    return (insists_a & refuses_b) | (insists_b & refuses_a)


def settled_scope(refuses_a, refuses_b, all_issues):
    """The agreed agenda once no issue is contested: every issue that neither principal refuses.

    ``all_issues`` is the mask with every issue set (``True`` for boolean
    stances). A principal accepts a scope that respects its agenda stance
    (model spec, "Agenda"); with no contested issue left, the widest such
    scope is the one without the refused issues. Widest scope: assumption.
    """
    return all_issues & ~(refuses_a | refuses_b)


@decision
def parallel_track_acceptance(flexibility: float, mediator_effectiveness: float) -> float:
    """Per-round chance that the insisting side moves its contested issues to a parallel track.

    The mediator proposes "nuclear now, a parallel track later" (model spec,
    "Agenda"); the insisting principal takes it with its agenda flexibility,
    halved by a mediator of no effectiveness and full with a perfect one.
    Assumption.
    """
    return flexibility * (0.5 + 0.5 * mediator_effectiveness)


def parallel_track(agenda, overlap, required) -> np.ndarray:
    """The agenda that bargaining can settle: issues whose red lines overlap, and every required issue.

    Model spec, "Mediator": "An issue whose red lines cannot overlap may go
    to a parallel track rather than sinking every package, but only an issue
    that neither principal requires in a deal". A parked issue stays at its
    status quo in any deal (it is off the agreed agenda); a ``required`` one
    stays on, so red lines that cannot overlap on it leave no deal at all.
    """
    return agenda & (overlap | required)
