"""Domestic ratification: the veto player's bar and whether a package clears it."""

from __future__ import annotations

import numpy as np

from sim.core.rules.marker import decision
from sim.core.ufuncs import clip

# ------------------------------------------------------- domestic ratification


def veto_draw(threshold, spread, uniform) -> np.ndarray:
    """The actual threshold of a principal's domestic veto players: uniform on threshold +- spread, kept in [0, 1].

    Drawn once per replication from its own stream. Putnam (1988): the size
    of each side's win-set is uncertain, to the other side and to the
    negotiator itself; the negotiator knows only ``threshold`` (the mean).
    Uniform: assumption (as for resolve, :func:`resolve_draw`).
    """
    return clip(threshold + spread * (2.0 * uniform - 1.0), 0.0, 1.0)


def veto_bar(threshold, sovereignty_cost, unrest, unrest_at_start, keep, keep_at_start) -> np.ndarray:
    """The package utility a principal's veto players demand now, from their ``threshold`` at the opening state.

    threshold x (1 + sovereignty_cost x (unrest - unrest at start)) x
    (2 - keep) / (2 - keep at start), kept in [0, 1]: the bar rises with the
    domestic cost of signing (unrest, through the sovereignty cost, as in
    :func:`deal_value`) and with the chance that the other side breaks the
    deal (its record: trust, and its guarantee, :func:`keep_chance`), falls
    when they ease. Putnam (1988): the win-set moves with domestic politics
    and the other side's conduct. A threshold of 0 ratifies any package.
    Proportional form: assumption.
    """
    moved = (1.0 + sovereignty_cost * (unrest - unrest_at_start)) * (2.0 - keep) / (2.0 - keep_at_start)
    return clip(threshold * moved, 0.0, 1.0)


@decision
def ratifies(package_utility, bar) -> np.ndarray:
    """Whether veto players ratify a package signed at the table: its utility to their principal reaches their bar.

    Putnam (1988), two-level games: an agreement at the table (level I) takes
    effect only inside each side's domestic win-set (level II), as the
    Geneva fuel-swap arrangement of October 2009 did not (public source:
    agreed in principle at Geneva, then rejected in Tehran). Tolerance 1e-9.
    """
    return package_utility >= bar - 1e-9
