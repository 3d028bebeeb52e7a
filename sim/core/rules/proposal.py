"""Proposals: the red-line box, the Pareto frontier, the Nash bargaining package and the proposer's package."""

from __future__ import annotations

import functools
from typing import NamedTuple

import numpy as np

from sim.core.rows import argmax_along, cumsum_along
from sim.core.rules.marker import decision
from sim.core.rules.utilities import row_dot, utility
from sim.core.ufuncs import clip

# ------------------------------------------------------------------ proposal


def red_line_box(lows: list[np.ndarray], highs: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Intersection of the principals' red lines per issue: (low, high, overlaps).

    Model spec, "Proposal": the mediator proposes inside the intersection of
    the principals' red lines; where it is empty (low > high) it proposes the
    midpoint of the gap, the term that breaks both red lines least. Each red
    line is (I,), or (R, I) when drawn per replication; the box is (R, I) if
    any is.
    """
    low = functools.reduce(np.maximum, lows)
    high = functools.reduce(np.minimum, highs)
    return low, high, low <= high


class Frontier(NamedTuple):
    """The parts of the Nash bargaining problem that do not change during a run (:func:`nash_frontier`).

    Per issue, (I,) when every input is shared by all replications, else
    (R, I). In frontier order (``order``): each issue's gain to b and cost to
    a of moving it from a's clipped ideal to b's, and each side's utility
    change of moving it from the status quo to the frontier's start. In issue
    order: the start (a's clipped ideal, or the midpoint of the gap where the
    red lines do not overlap), the step to b's clipped ideal (0 where they do
    not overlap) and the status quo. ``u_*_sq`` are the utilities of the
    status quo. Per replication, every field is a view of one (R, 8 I + 2)
    array, ``packed``, so that the rows of some replications are taken in one go.
    """

    order: np.ndarray
    gain_b: np.ndarray
    cost_a: np.ndarray
    start_change_a: np.ndarray
    start_change_b: np.ndarray
    start: np.ndarray
    step: np.ndarray
    status_quo: np.ndarray
    u_a_sq: np.ndarray
    u_b_sq: np.ndarray
    packed: np.ndarray | None = None

    @property
    def per_replication(self) -> bool:
        return self.packed is not None

    @classmethod
    def unpack(cls, packed: np.ndarray) -> Frontier:
        """The frontier whose fields are the columns of ``packed`` (R, 8 I + 2)."""
        n_issues = (packed.shape[1] - 2) // 8
        parts: list[np.ndarray] = [packed[:, k * n_issues : (k + 1) * n_issues] for k in range(8)]
        parts[0] = parts[0].astype(np.intp)  # the order, stored exactly as small whole numbers
        return cls._make([*parts, packed[:, -2], packed[:, -1], packed])

    def take(self, pick) -> Frontier:
        """The frontier of some replications, ``pick`` mapping the (R, ...) packed array to their rows."""
        return self if self.packed is None else Frontier.unpack(pick(self.packed))


def nash_frontier(ideal_a, salience_a, ideal_b, salience_b, low, high, status_quo) -> Frontier:
    """The Pareto frontier of :func:`nash_package` in the red-line box, computed once per run.

    Each side's best term inside the box (its ideal clipped to it), the order
    in which issues move from a's clipped ideal to b's (a's cost per unit of
    b's gain, salience_a / salience_b), each issue's gain to b and cost to a,
    and what moving each term from the status quo to the frontier's start
    changes for each side. Where the red lines do not overlap the box is
    empty: both clipped ideals are its low end, so the issue has no gain, cost
    or step, and starts (and stays) at the midpoint of the gap. None of it
    depends on the round: only the disagreement points and the agenda do.
    Inputs are (I,), or (R, I) when drawn per replication (issue 12); the
    frontier is then (R, I), one order per replication.
    """
    inputs = (ideal_a, salience_a, ideal_b, salience_b, low, high, status_quo)
    shape = np.broadcast_shapes(*(np.shape(v) for v in inputs))
    top = np.maximum(low, high)
    c_a = clip(ideal_a, low, top)  # each side's best term inside the box
    c_b = clip(ideal_b, low, top)
    start = np.where(low <= high, c_a, 0.5 * (low + high))
    sq = np.asarray(status_quo, dtype=float)
    step = c_b - c_a
    span = np.abs(step)
    off_a, off_b = np.abs(sq - ideal_a), np.abs(sq - ideal_b)  # each side's distance from the status quo, per issue

    in_issue_order = (start, step, sq)
    to_sort = (
        salience_b * span,  # b's gain of moving each issue fully
        salience_a * span,  # a's cost
        salience_a * (off_a - np.abs(start - ideal_a)),  # the change of utility of moving from the status quo to start
        salience_b * (off_b - np.abs(start - ideal_b)),
    )
    u_sq = (utility(np.atleast_2d(sq), ideal_a, salience_a), utility(np.atleast_2d(sq), ideal_b, salience_b))
    order = np.argsort(np.broadcast_to(salience_a / np.maximum(salience_b, 1e-300), shape), axis=-1, kind="stable")
    if len(shape) == 1:  # shared by every replication
        return Frontier._make([order, *(x[order] for x in to_sort), *in_issue_order, u_sq[0][0], u_sq[1][0], None])
    # per replication: one (R, 8 I + 2) array, its frontier-order part sorted row by row
    n_rows, n_issues = shape
    packed = np.empty((n_rows, 8 * n_issues + 2))
    packed[:, :n_issues] = order
    flat = (order + np.arange(0, n_rows * n_issues, n_issues)[:, None]).ravel()  # a 1-d take is the fastest sort
    for k, x in enumerate(to_sort, start=1):
        x = np.ascontiguousarray(np.broadcast_to(x, shape), dtype=float)
        packed[:, k * n_issues : (k + 1) * n_issues] = np.take(x.ravel(), flat).reshape(shape)
    for k, x in enumerate(in_issue_order, start=5):
        packed[:, k * n_issues : (k + 1) * n_issues] = x
    packed[:, -2], packed[:, -1] = u_sq
    return Frontier.unpack(packed)


def nash_package(
    ideal_a: np.ndarray,
    salience_a: np.ndarray,
    disagreement_a: np.ndarray,
    ideal_b: np.ndarray,
    salience_b: np.ndarray,
    disagreement_b: np.ndarray,
    low: np.ndarray,
    high: np.ndarray,
    agenda: np.ndarray,
    status_quo: np.ndarray,
) -> np.ndarray:
    """The Nash bargaining package (Nash 1950) on the agenda issues, inside the red-line box.

    Maximises (u_a - d_a)(u_b - d_b) over packages whose agenda terms lie in
    [low, high] and whose other terms stay at the status quo. With the
    additive utilities of :func:`utility` the Pareto frontier is the chain of
    segments that moves one issue at a time from a's clipped ideal to b's, in
    order of a's cost per unit of b's gain (salience_a / salience_b); on each
    segment the Nash product is a concave quadratic with a closed-form
    maximum, so the solution is exact, not searched. When no point of the
    frontier gives both sides at least their disagreement value, the package
    is the egalitarian point (equal, largest gains; Kalai 1977), which the
    answers will then refuse. Issues whose red lines do not overlap take the
    midpoint of the gap. Off-agenda issues stay at ``status_quo``.

    Per-issue inputs are (I,) or (R, I). The model computes the frontier once
    per run (:func:`nash_frontier`) and solves each round with
    :func:`nash_solve`; this is the two in one call.
    """
    frontier = nash_frontier(ideal_a, salience_a, ideal_b, salience_b, low, high, status_quo)
    return nash_solve(frontier, disagreement_a, disagreement_b, agenda)


@decision
def nash_solve(frontier: Frontier, disagreement_a: np.ndarray, disagreement_b: np.ndarray, agenda: np.ndarray) -> np.ndarray:
    """The package of :func:`nash_package` from its precomputed ``frontier``, for disagreement points and agendas (R, I)."""
    f = frontier
    n_rows = agenda.shape[0]
    flat, g, c, alpha, beta = _segments(f, disagreement_a, disagreement_b, agenda)
    # Nash maximum on each segment: d/ds (alpha + g s)(beta - c s) = 0.
    den = 2.0 * g * c
    s = np.divide(g * beta - c * alpha, den, out=(g > 0).astype(float), where=den > 0)
    clip(s, 0.0, 1.0, out=s)
    surplus_b = alpha + g * s
    surplus_a = beta - c * s
    product = np.where((surplus_a >= 0) & (surplus_b >= 0), surplus_a * surplus_b, -np.inf)
    best = argmax_along(product)
    rows = np.arange(n_rows)
    no_zone = np.flatnonzero(product[rows, best] == -np.inf)
    if no_zone.size:  # egalitarian point on the frontier: equal surpluses
        al, be, gg, cc = alpha[no_zone], beta[no_zone], g[no_zone], c[no_zone]
        with np.errstate(over="ignore"):  # a vanishing segment: the share is clipped to [0, 1] anyway
            s_eq = clip(np.divide(be - al, gg + cc, out=np.zeros_like(al), where=gg + cc > 0), 0.0, 1.0)
        best[no_zone] = argmax_along(np.minimum(al + gg * s_eq, be - cc * s_eq))
        s[no_zone] = s_eq
    return _package(f, agenda, flat, best, s)


def _segments(f: Frontier, disagreement_a, disagreement_b, agenda):
    """The frontier's segments for these agendas: (flat, b's gain, a's cost, b's and a's surplus at each segment's start)."""
    n_rows, n_issues = agenda.shape
    flat = None
    # Work in frontier order: issue order[k] is the k-th to move from c_a to c_b.
    if f.per_replication:
        flat = (f.order + np.arange(0, n_rows * n_issues, n_issues)[:, None]).ravel()
        on = np.take(agenda.ravel(), flat).reshape(n_rows, n_issues)
    else:
        on = agenda[:, f.order]
    # Utilities at the frontier's start, as the status-quo package plus the per-issue change of moving each term.
    u_a0 = f.u_a_sq + row_dot(on, f.start_change_a)
    u_b0 = f.u_b_sq + row_dot(on, f.start_change_b)
    g = on * f.gain_b  # (R, I) b's gain and a's cost of moving each issue fully
    c = on * f.cost_a
    alpha = (u_b0 - disagreement_b)[:, None] + (cumsum_along(g) - g)  # b's surplus at segment start
    beta = (u_a0 - disagreement_a)[:, None] - (cumsum_along(c) - c)  # a's surplus at segment start
    return flat, g, c, alpha, beta


def _package(f: Frontier, agenda, flat, best, s) -> np.ndarray:
    """The package at share ``s[best]`` of segment ``best`` of the frontier (every earlier segment moved fully)."""
    n_rows, n_issues = agenda.shape
    rows = np.arange(n_rows)
    share_sorted = (np.arange(n_issues) < best[:, None]).astype(float)
    share_sorted[rows, best] = s[rows, best]
    share = np.empty_like(share_sorted)
    if f.per_replication:
        np.put(share, flat, share_sorted)
    else:
        share[:, f.order] = share_sorted
    return np.where(agenda, f.start + share * f.step, f.status_quo)


@decision
def proposer_solve(frontier: Frontier, disagreement_a, disagreement_b, agenda, a_proposes: bool) -> np.ndarray:
    """A principal's own offer in direct talks: the package best for it that leaves the other its disagreement point.

    Alternating offers (Rubinstein 1982): the proposer offers the other what
    it expects the other to need (here its estimate of the other's
    disagreement point; the proposer's own is exact, it knows its resolve)
    and keeps the rest of the surplus; under complete information the offer
    is accepted at once. On the Pareto frontier of :func:`nash_frontier`, a
    proposing a moves from its own best point toward b's only until b's
    surplus reaches 0; a proposing b moves from a's best toward its own until
    a's surplus falls to 0. Where that point would leave the proposer below
    its own disagreement point (no zone of agreement by its estimate), it
    offers the Nash package (:func:`nash_solve`) instead, which the answers
    will then judge. Per-round alternation of proposers: Rubinstein (1982);
    the rest: assumption.
    """
    f = frontier
    n_rows, n_issues = agenda.shape
    flat, g, c, alpha, beta = _segments(f, disagreement_a, disagreement_b, agenda)
    rows = np.arange(n_rows)
    if a_proposes:  # the first segment whose end gives b its disagreement point, moved just that far
        reach = alpha + g >= 0
        best = argmax_along(reach)
        with np.errstate(over="ignore"):  # a vanishing segment: the share is clipped to [0, 1] anyway
            s = clip(np.divide(-alpha, g, out=np.zeros_like(g), where=g > 0), 0.0, 1.0)
        ok = reach[rows, best] & (beta[rows, best] - c[rows, best] * s[rows, best] >= 0)
    else:  # the last segment whose start still gives a its disagreement point, moved as far as a allows
        keeps = beta >= 0
        best = n_issues - 1 - argmax_along(keeps[:, ::-1])
        with np.errstate(over="ignore"):
            s = clip(np.divide(beta, c, out=np.ones_like(c), where=c > 0), 0.0, 1.0)
        ok = keeps[rows, best] & (alpha[rows, best] + g[rows, best] * s[rows, best] >= 0)
    package = _package(f, agenda, flat, best, s)
    if not ok.all():
        miss = np.flatnonzero(~ok)
        package[miss] = nash_solve(
            f.take(lambda packed: packed[miss]),
            np.asarray(disagreement_a)[miss],
            np.asarray(disagreement_b)[miss],
            agenda[miss],
        )
    return package
