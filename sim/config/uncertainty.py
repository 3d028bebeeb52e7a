"""The uncertainty of a configuration: its parameters, which of them are assumptions, and their ranges.

Reads composed configurations as plain dicts (no Hydra here); :mod:`sim.cli.explore` composes them.
"""

from __future__ import annotations

from collections.abc import Mapping

from sim.core.paths import is_number

#: Numeric keys of an actor, the world, an event or an issue that are labels or structure, never assumptions.
NOT_PARAMETERS = {
    "name",
    "role",
    "target",
    "track",
    "source",
    "provenance",
    "force_cause",
    "strike_cause",
    "ideal",
    "refuses",
    "insists",
}


def is_assumption(provenance: str) -> bool:
    """Whether a provenance string says the value (or part of it) is an assumption."""
    return "assumption" in str(provenance).lower()


def parameters(data: Mapping) -> dict[str, tuple[float, str]]:
    """Every numeric parameter of a composed configuration (plain dict): {path: (value, provenance)}.

    Paths as :mod:`sim.core.paths` reads them. A red line
    contributes the end that lies strictly inside (0, 1) (the other is the
    actor's own end of the scale); dict entries (saliences, pressure
    sensitivities, event effects) contribute one path each.
    """
    out: dict[str, tuple[float, str]] = {}
    prov_root = data.get("provenance") or {}
    if is_number(data.get("max_rounds")):
        out["max_rounds"] = (float(data["max_rounds"]), str(prov_root.get("max_rounds", "")))
    world = data.get("world") or {}
    wprov = world.get("provenance") or {}
    for key, value in world.items():
        if key not in NOT_PARAMETERS and is_number(value):
            out[f"world.{key}"] = (float(value), str(wprov.get(key, "")))
    for issue in (data.get("agenda") or {}).get("issues") or []:
        out[f"agenda.{issue['name']}.status_quo"] = (float(issue["status_quo"]), str(issue.get("source", "")))
    for event in (data.get("events") or {}).get("events") or []:
        src = str(event.get("source", ""))
        out[f"events.{event['name']}.hazard"] = (float(event["hazard"]), src)
        for target, delta in (event.get("effects") or {}).items():
            out[f"events.{event['name']}.effects.{target}"] = (float(delta), src)
    for key, actor in (data.get("actors") or {}).items():
        if actor is None:
            continue
        prov = actor.get("provenance") or {}
        for field, value in actor.items():
            if field in NOT_PARAMETERS:
                continue
            src = str(prov.get(field, ""))
            base = f"actors.{key}.{field}"
            if is_number(value):
                out[base] = (float(value), src)
            elif isinstance(value, Mapping) and field == "red_lines":
                for issue, (low, high) in value.items():
                    for end, v in (("low", low), ("high", high)):
                        if 0.0 < v < 1.0:
                            out[f"{base}.{issue}.{end}"] = (float(v), src)
            elif isinstance(value, Mapping):
                for sub, v in value.items():
                    if is_number(v):
                        out[f"{base}.{sub}"] = (float(v), src)
    return out


def assumptions(data: Mapping) -> dict[str, tuple[float, str]]:
    """The parameters whose provenance marks them (or their number) an assumption."""
    return {p: vp for p, vp in parameters(data).items() if is_assumption(vp[1])}


def whole_numbers(data: Mapping, prefix: str = "") -> set[str]:
    """Paths of settings configured as whole numbers (horizons, numbers of rounds): never drawn per replication."""
    out: set[str] = set()
    if isinstance(data, Mapping):
        for key, value in data.items():
            if key not in ("uncertainty", "provenance"):
                out |= whole_numbers(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(data, int) and not isinstance(data, bool):
        out.add(prefix)
    return out
