"""Per-round measures of replication 0 for Mesa's DataCollector: the anatomy of one episode.

Kept outside the model class; :func:`model_reporters` gives the reporters the
model hands to ``mesa.DataCollector`` when it records (``record=True``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.core.params import OUTCOMES, WORLD_VARS

if TYPE_CHECKING:
    from sim.core.model import NegotiationModel


def model_reporters(model: NegotiationModel) -> dict:
    """Reporter functions of replication 0, by column name."""
    names = model.issue_names
    reporters = {
        "round": lambda m: m.round,
        "outcome": lambda m: OUTCOMES[m.outcome[0]] if m.outcome[0] >= 0 else "running",
        "agenda_settled": lambda m: bool(m.state.settled[0]),
        "agenda": lambda m: m.params.scope_label(np.array(names)[m.state.agenda[0]]) if m.state.settled[0] else "",
        "proposed": lambda m: bool(m.state.proposed[0]),
        "events": lambda m: ",".join(e.name for e, hit in zip(m.params.events, m.state.events_now[0], strict=True) if hit),
        "any_strike": lambda m: bool(m.any_strike[0]),
    }
    for v in WORLD_VARS:
        reporters[v] = lambda m, v=v: float(m.state.var(v)[0])
    for k, name in enumerate(names):
        reporters[f"proposal_{name}"] = lambda m, k=k: float(m.state.proposal[0, k]) if m.state.proposed[0] else np.nan
        for p in model.params.principals:
            reporters[f"position_{p.name}_{name}"] = lambda m, k=k, n=p.name: float(m.principal(n).position[0, k])
    for p in model.params.principals:
        reporters[f"aspiration_{p.name}"] = lambda m, n=p.name: float(m.principal(n).aspiration[0])
        reporters[f"no_deal_value_{p.name}"] = lambda m, n=p.name: float(m.principal(n).no_deal[0])
        reporters[f"outside_option_{p.name}"] = lambda m, n=p.name: float(m.principal(n).outside[0])
        reporters[f"trust_{p.name}"] = lambda m, n=p.name: float(m.principal(n).trust[0])
    return reporters
