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
Parameters are named by their path (:mod:`sim.core.paths`), as
``sim.explore`` and the uncertainty files name them: an event's hazard is
``events.<event>.hazard``.

Writes ``sensitivity.csv`` (every parameter, both settings, all three
outcomes) and ``sensitivity.png`` (a tornado chart) into ``--out`` (default
``outputs/sensitivity/<scenario>_<time>``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import numpy as np
import pandas as pd

from sim.core.params import OUTCOMES, ConfigError, Scenario
from sim.core.paths import Knob, actor_aliases, actor_slot, is_number, with_values
from sim.core.stats import Z95, paired_difference

SKIP_FIELDS = {"name", "role", "target", "provenance", "force_cause", "strike_cause"}


def knobs(scenario: Scenario, cfg) -> list[Knob]:
    """Every numeric parameter of ``scenario``: its path (:mod:`sim.core.paths`), value, range and provenance."""
    aliases = actor_aliases(cfg.get("actors"))
    paths: list[tuple[str, str]] = []  # (path, provenance)
    for key, actor in (cfg.get("actors") or {}).items():
        if actor is None:
            continue
        group, index = actor_slot(scenario, key, aliases)
        params = getattr(scenario, group)[index]
        provenance = actor.get("provenance") or {}
        for f in dataclasses.fields(params):
            value = getattr(params, f.name)
            source = str(provenance.get(f.name, ""))
            if f.name in SKIP_FIELDS:
                continue
            if isinstance(value, dict) and f.name == "pressure":  # a principal's sensitivities to the world
                paths.extend((f"actors.{key}.pressure.{var}", source) for var in value)
            elif is_number(value):
                paths.append((f"actors.{key}.{f.name}", source))
    world_prov = cfg.world.get("provenance") or {}
    world = [f.name for f in dataclasses.fields(scenario.world) if is_number(getattr(scenario.world, f.name))]
    paths.extend((f"world.{name}", str(world_prov.get(name, ""))) for name in world)
    for i, event in enumerate(scenario.events):
        paths.append((f"events.{event.name}.hazard", str(cfg.events.events[i].get("source", ""))))
    paths.append(("max_rounds", str((cfg.get("provenance") or {}).get("max_rounds", ""))))
    return [Knob.of(scenario, path, aliases, provenance=source) for path, source in paths]


def settings(knob: Knob, delta: float, relative: bool = True) -> tuple[float, float]:
    """The low and high values of a knob.

    Relative (the default): value x (1 -+ delta), a local elasticity that
    treats small rates and large weights alike; a parameter at 0 stays there.
    Absolute: value -+ delta. Either way the values stay inside the
    parameter's declared range ([0, 1], [-1, 1], at least 1 round for the
    horizon); whole numbers of rounds are rounded.
    """
    if relative:
        low, high = sorted((knob.value * (1 - delta), knob.value * (1 + delta)))
    else:
        low, high = knob.value - delta, knob.value + delta
    low, high = min(max(knob.low, low), knob.high), min(max(knob.low, high), knob.high)
    if knob.integer:
        low, high = float(round(low)), float(round(high))
    return low, high


def with_value(scenario: Scenario, knob: Knob, value: float, aliases: Mapping[str, str] | None = None) -> Scenario:
    """A copy of ``scenario`` with one knob set to ``value`` (not validated)."""
    return with_values(scenario, {knob.key: int(value) if knob.integer else float(value)}, aliases)


def kind_of(provenance: str) -> str:
    """'assumption' when the provenance says so (even in part), else 'sourced', or 'none'."""
    if not provenance:
        return "none"
    return "assumption" if "assumption" in provenance.lower() else "sourced"


def chosen_knobs(scenario: Scenario, cfg, only: tuple[str, ...] = ()) -> list:
    """The knobs to move: every one, or those at or under a path of ``only`` (ConfigError if one names none)."""
    chosen = knobs(scenario, cfg)
    if only:
        unknown = [o for o in only if not any(_under(k.key, o) for k in chosen)]
        if unknown:
            raise ConfigError(f"--only {','.join(unknown)}: no parameter has that path; `muscat-sim scenarios NAME` lists them")
        chosen = [k for k in chosen if any(_under(k.key, o) for o in only)]
    return chosen


def _moved(scenario: Scenario, knob, value, side: str, aliases, base, base_hits: dict, replications: int, seed: int) -> dict:
    """One side of a knob's row: each outcome's probability with the knob at ``value`` and its paired difference
    from the unchanged run (the unchanged run's when ``value`` is the knob's own; NaN, with a note, when the
    scenario refuses the value)."""
    from sim.core.runner import simulate

    row: dict = {}
    if value == knob.value:
        for o in OUTCOMES:
            row[f"p_{o}_{side}"] = base.summary[f"p_{o}"]
            row[f"d_{o}_{side}"], row[f"d_{o}_{side}_ci"] = 0.0, 0.0
        return row
    try:
        variant = with_value(scenario, knob, value, aliases).validate()
    except ConfigError as exc:  # e.g. an ideal point pushed outside its red line
        row[f"note_{side}"] = str(exc)
        for o in OUTCOMES:
            row[f"p_{o}_{side}"] = np.nan
            row[f"d_{o}_{side}"] = row[f"d_{o}_{side}_ci"] = np.nan
        return row
    episodes = simulate(variant, replications, seed).episodes
    for o in OUTCOMES:
        hits = (episodes["outcome"] == o).to_numpy()
        diff, se = paired_difference(base_hits[o], hits)
        row[f"p_{o}_{side}"] = float(hits.mean())
        row[f"d_{o}_{side}"], row[f"d_{o}_{side}_ci"] = diff, Z95 * se
    return row


def sensitivity(
    scenario: Scenario,
    cfg,
    *,
    replications: int,
    seed: int,
    delta: float,
    relative: bool = True,
    assumptions_only: bool = False,
    only: tuple[str, ...] = (),
) -> tuple[pd.DataFrame, dict]:
    """Run every knob at its two settings; return the table and the unchanged run's summary.

    ``only``: parameter paths or their prefixes (``actors.israel``, ``world.sanctions``); when given, only the
    knobs at or under one of them are moved. A prefix that names no knob is a :class:`ConfigError`.
    """
    from sim.core.runner import simulate

    chosen = chosen_knobs(scenario, cfg, only)  # checked before anything is run
    base = simulate(scenario, replications, seed)
    base_hits = {o: (base.episodes["outcome"] == o).to_numpy() for o in OUTCOMES}
    aliases = actor_aliases(cfg.get("actors"))
    rows = []
    for knob in chosen:
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
            row.update(_moved(scenario, knob, value, side, aliases, base, base_hits, replications, seed))
        rows.append(row)
    table = pd.DataFrame(rows)
    for o in OUTCOMES:
        table[f"swing_{o}"] = (table[f"p_{o}_high"] - table[f"p_{o}_low"]).abs()
    return table, base.summary


def _under(key: str, prefix: str) -> bool:
    """Whether parameter path ``key`` is ``prefix`` or lies under it (``actors.israel`` holds ``actors.israel.x``)."""
    return key == prefix or key.startswith(prefix.rstrip(".") + ".")


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
