"""Per-round measures of replication 0 for Mesa's DataCollector: the anatomy of one episode.

Kept outside the model class; :func:`model_reporters` gives the reporters the
model hands to ``mesa.DataCollector`` when it records (``record=True``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mesa
import numpy as np

from sim.core.params import OUTCOMES, WORLD_VARS


def model_reporters(model: mesa.Model) -> dict:
    """Reporter functions of replication 0 of ``model`` (the NegotiationModel that records), by column name."""
    names = model.issue_names
    reporters: dict[str, Callable[[Any], Any]] = {
        "round": lambda m: m.state.round,
        "outcome": lambda m: OUTCOMES[m.outcome[0]] if m.outcome[0] >= 0 else "running",
        "agenda_settled": lambda m: bool(m.state.settled[0]),
        "agenda": lambda m: m.params.scope_label(np.array(names)[m.state.agenda[0]]) if m.state.settled[0] else "",
        "proposed": lambda m: bool(m.state.proposed[0]),
        "events": lambda m: ",".join(e.name for e, hit in zip(m.params.events, m.state.events_now[0], strict=True) if hit),
        "any_strike": lambda m: bool(m.any_strike[0]),
    }
    for v in WORLD_VARS:
        reporters[v] = _world(v)
    for k, name in enumerate(names):
        reporters[f"proposal_{name}"] = _proposal(k)
        for p in model.params.principals:
            reporters[f"position_{p.name}_{name}"] = _principal(p.name, "position", k)
    for p in model.params.principals:
        for column, attr in (
            ("aspiration", "aspiration"),
            ("no_deal_value", "no_deal"),
            ("outside_option", "outside"),
            ("trust", "trust"),
        ):
            reporters[f"{column}_{p.name}"] = _principal(p.name, attr)
    return reporters


def _world(var: str) -> Callable[[Any], float]:
    return lambda m: float(m.state.var(var)[0])


def _proposal(k: int) -> Callable[[Any], float]:
    return lambda m: float(m.state.proposal[0, k]) if m.state.proposed[0] else np.nan


def _principal(name: str, attr: str, k: int | None = None) -> Callable[[Any], float]:
    """A principal's array ``attr`` at replication 0 (and issue ``k`` for per-issue arrays)."""
    if k is None:
        return lambda m: float(getattr(m.principal(name), attr)[0])
    return lambda m: float(getattr(m.principal(name), attr)[0, k])
