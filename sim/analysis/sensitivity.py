"""Which assumptions move the odds, and by how much: one-at-a-time sensitivity with common random numbers.

    python -m sim sensitivity [SCENARIO] [KEY=VALUE ...] [replications=N] [seed=S] [--config-dir DIR]
                              [--delta D] [--absolute] [--outcome deal|escalation|stalemate]
                              [--assumptions-only] [--top K] [--out DIR]

Every numeric parameter of the scenario (actors, world, event hazards, the
horizon) is moved down and up by ``delta`` of its value (20% by default; with
``--absolute``, by ``delta`` itself), kept inside its range, while all the
others keep their values. Each variant runs with the scenario's seed, so
replication k of every variant meets the same shocks as replication k of the
unchanged scenario (common random numbers), and the change in each outcome's
probability is a paired difference with a tight 95% interval. The table is
sorted by how far the parameter moves P(outcome) over its two settings; each
row says where the parameter's value comes from (its provenance), so the
assumptions that decide an answer stand out.

Writes ``sensitivity.csv`` (every parameter, both settings, all three
outcomes) and ``sensitivity.png`` (a tornado chart) into ``--out`` (default
``outputs/sensitivity/<scenario>_<time>``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.core.params import OUTCOMES, ConfigError, Scenario
from sim.core.stats import Z95, paired_difference

SKIP_FIELDS = {"name", "role", "target", "provenance", "force_cause", "strike_cause"}


@dataclass(frozen=True)
class Knob:
    """One numeric parameter that can be moved: its override key, where it sits in the Scenario, its range."""

    key: str  # the command-line override that sets it, e.g. actors.us.war_cost
    group: str  # "principals", "mediators", "spoilers", "stakeholders", "world", "events", "scenario"
    index: int  # position in that group (-1 for world and scenario)
    field: str
    subkey: str | None  # for dict fields (pressure sensitivities)
    value: float
    range: tuple[float, float] | None  # the declared range; values are kept inside it
    provenance: str
    whole: bool = False  # a whole number of rounds (the horizon, a deadline, an extension)


def _range(obj, name: str) -> tuple[float, float] | None:
    """The declared range of field ``name`` of a core parameter dataclass (its field metadata)."""
    return next((f.metadata.get("range") for f in dataclasses.fields(obj) if f.name == name), None)


def knobs(scenario: Scenario, cfg) -> list[Knob]:
    """Every numeric parameter of ``scenario``, named by its override key in the composed ``cfg``."""
    found: list[Knob] = []
    groups = {"principal": "principals", "mediator": "mediators", "spoiler": "spoilers", "stakeholder": "stakeholders"}
    for key, actor in (cfg.get("actors") or {}).items():
        if actor is None:
            continue
        group = groups[actor.role]
        index = [a.name for a in getattr(scenario, group)].index(actor.name)
        params = getattr(scenario, group)[index]
        provenance = actor.get("provenance") or {}
        for f in dataclasses.fields(params):
            value = getattr(params, f.name)
            source = str(provenance.get(f.name, ""))
            if f.name in SKIP_FIELDS:
                continue
            if isinstance(value, dict) and f.name == "pressure":  # a principal's sensitivities to the world
                for var, sens in value.items():
                    found.append(
                        Knob(
                            f"actors.{key}.pressure.{var}",
                            group,
                            index,
                            "pressure",
                            var,
                            float(sens),
                            _range(params, "pressure"),
                            source,
                        )
                    )
            elif isinstance(value, int | float) and not isinstance(value, bool):
                found.append(
                    Knob(f"actors.{key}.{f.name}", group, index, f.name, None, float(value), _range(params, f.name), source)
                )
    world_prov = cfg.world.get("provenance") or {}
    for f in dataclasses.fields(scenario.world):
        found.append(
            Knob(
                f"world.{f.name}",
                "world",
                -1,
                f.name,
                None,
                float(getattr(scenario.world, f.name)),
                _range(scenario.world, f.name),
                str(world_prov.get(f.name, "")),
                whole=f.type == "int",
            )
        )
    for i, event in enumerate(scenario.events):
        source = str(cfg.events.events[i].get("source", ""))
        found.append(
            Knob(f"events.events.{i}.hazard", "events", i, "hazard", None, event.hazard, _range(event, "hazard"), source)
        )
    found.append(
        Knob(
            "max_rounds",
            "scenario",
            -1,
            "max_rounds",
            None,
            float(scenario.max_rounds),
            None,
            str((cfg.get("provenance") or {}).get("max_rounds", "")),
            whole=True,
        )
    )
    return found


def settings(knob: Knob, delta: float, relative: bool = True) -> tuple[float, float]:
    """The low and high values of a knob.

    Relative (the default): value x (1 -+ delta), a local elasticity that
    treats small rates and large weights alike; a parameter at 0 stays there.
    Absolute: value -+ delta. Either way the values stay inside the
    parameter's range ([0, 1] or [-1, 1]); the horizon is rounded to whole
    rounds.
    """
    if relative:
        low, high = sorted((knob.value * (1 - delta), knob.value * (1 + delta)))
    else:
        low, high = knob.value - delta, knob.value + delta
    if knob.range is not None:
        floor, ceiling = knob.range
        low, high = min(max(floor, low), ceiling), min(max(floor, high), ceiling)
    if knob.whole:  # whole rounds: the horizon (at least 1), a deadline, an extension
        floor = 1.0 if knob.field == "max_rounds" else 0.0
        low, high = max(floor, float(round(low))), max(floor, float(round(high)))
    return low, high


def with_value(scenario: Scenario, knob: Knob, value: float) -> Scenario:
    """A copy of ``scenario`` with one knob set to ``value``."""
    value = int(value) if knob.whole else float(value)
    if knob.group == "scenario":
        return dataclasses.replace(scenario, **{knob.field: value})
    if knob.group == "world":
        return dataclasses.replace(scenario, world=dataclasses.replace(scenario.world, **{knob.field: value}))
    items = list(getattr(scenario, knob.group))
    item = items[knob.index]
    if knob.subkey is not None:
        new = dataclasses.replace(item, **{knob.field: {**getattr(item, knob.field), knob.subkey: value}})
    else:
        new = dataclasses.replace(item, **{knob.field: value})
    items[knob.index] = new
    return dataclasses.replace(scenario, **{knob.group: tuple(items)})


def kind_of(provenance: str) -> str:
    """'assumption' when the provenance says so (even in part), else 'sourced', or 'none'."""
    if not provenance:
        return "none"
    return "assumption" if "assumption" in provenance.lower() else "sourced"


def sensitivity(
    scenario: Scenario, cfg, *, replications: int, seed: int, delta: float, relative: bool = True, assumptions_only: bool = False
) -> tuple[pd.DataFrame, dict]:
    """Run every knob at its two settings; return the table and the unchanged run's summary."""
    from sim.core.runner import simulate

    base = simulate(scenario, replications, seed)
    base_hits = {o: (base.episodes["outcome"] == o).to_numpy() for o in OUTCOMES}
    rows = []
    for knob in knobs(scenario, cfg):
        if assumptions_only and kind_of(knob.provenance) != "assumption":
            continue
        low, high = settings(knob, delta, relative)
        row = {
            "parameter": knob.key,
            "provenance": kind_of(knob.provenance),
            "source": knob.provenance,
            "value": knob.value,
            "low": low,
            "high": high,
        }
        for side, value in (("low", low), ("high", high)):
            if value == knob.value:
                for o in OUTCOMES:
                    row[f"p_{o}_{side}"] = base.summary[f"p_{o}"]
                    row[f"d_{o}_{side}"], row[f"d_{o}_{side}_ci"] = 0.0, 0.0
                continue
            try:
                variant = with_value(scenario, knob, value).validate()
            except ConfigError as exc:  # e.g. an ideal point pushed outside its red line
                row[f"note_{side}"] = str(exc)
                for o in OUTCOMES:
                    row[f"p_{o}_{side}"] = np.nan
                    row[f"d_{o}_{side}"] = row[f"d_{o}_{side}_ci"] = np.nan
                continue
            episodes = simulate(variant, replications, seed).episodes
            for o in OUTCOMES:
                hits = (episodes["outcome"] == o).to_numpy()
                diff, se = paired_difference(base_hits[o], hits)
                row[f"p_{o}_{side}"] = float(hits.mean())
                row[f"d_{o}_{side}"], row[f"d_{o}_{side}_ci"] = diff, Z95 * se
        rows.append(row)
    table = pd.DataFrame(rows)
    for o in OUTCOMES:
        table[f"swing_{o}"] = (table[f"p_{o}_high"] - table[f"p_{o}_low"]).abs()
    return table, base.summary


def tornado_table(table: pd.DataFrame, top: int) -> pd.DataFrame:
    """The long table plots.drivers reads: one row per parameter setting (low, unchanged, high)."""
    rows = []
    for _, r in table.head(top).iterrows():
        for side in ("low", "high"):
            if not np.isnan(r[f"p_escalation_{side}"]):
                rows.append({"parameter": r["parameter"], "value": r[side], **{f"p_{o}": r[f"p_{o}_{side}"] for o in OUTCOMES}})
    return pd.DataFrame(rows)


def format_table(table: pd.DataFrame, outcome: str, top: int) -> str:
    lines = [
        f"{'parameter':<40} {'provenance':<11} {'low':>7} {'value':>7} {'high':>7}   "
        f"{'change in P(' + outcome + ') at low':>26} {'at high':>18}"
    ]

    def change(row, side: str) -> str:
        d, ci = row[f"d_{outcome}_{side}"], row[f"d_{outcome}_{side}_ci"]
        return "invalid" if np.isnan(d) else f"{100 * d:+.1f} ± {100 * ci:.1f} pts"

    for _, r in table.head(top).iterrows():
        lines.append(
            f"{r['parameter']:<40} {r['provenance']:<11} {r['low']:>7.3g} {r['value']:>7.3g} "
            f"{r['high']:>7.3g}   {change(r, 'low'):>26} {change(r, 'high'):>18}"
        )
    return "\n".join(lines)
