"""A parameter of a :class:`~sim.core.params.Scenario` named by a dotted path: read it, set it, describe it.

The one grammar of parameter paths, used by the command line's overrides of
uncertain ranges, the exploration's draws, one-at-a-time sensitivity, the
dashboard's sliders and the historical cases:

- ``max_rounds`` (a setting of the scenario itself);
- ``world.<field>``;
- ``actors.<actor>.<field>``, ``actors.<actor>.<field>.<entry>`` for a
  mapping (``pressure.<var>``, ``salience.<issue>``, ``ideal.<issue>``) and
  ``actors.<actor>.red_lines.<issue>.low|high``; the actor by its config key
  (``us``, ``oman``), mapped to its name by ``aliases`` (:func:`actor_aliases`)
  or else matched to its name in lower case;
- ``events.<event>.hazard`` and ``events.<event>.effects.<target>``, the event
  by its name;
- ``agenda.<issue>.status_quo``, the issue by its name.

What a path means (its doc, kind, range, whether it is a whole number) is the
``param()`` metadata of the field it names (:func:`describe`). Setting many
paths copies each object (an actor, an event, an issue, the world, the
scenario) once (:func:`with_values`). Pure: no Hydra, no files, no terminal.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from sim.core.params import ConfigError, Event, Issue, Mediator, Principal, Scenario, Spoiler, Stakeholder, World

#: Each actor role's parameter class and the Scenario field that holds its actors.
ROLE_CLASSES: dict[str, type] = {"principal": Principal, "mediator": Mediator, "spoiler": Spoiler, "stakeholder": Stakeholder}
ROLE_GROUPS: dict[str, str] = {
    "principal": "principals",
    "mediator": "mediators",
    "spoiler": "spoilers",
    "stakeholder": "stakeholders",
}
#: A red line's ends, as a path names them.
RED_LINE_ENDS = {"0": 0, "low": 0, "1": 1, "high": 1}
GRAMMAR = "world.X, actors.<actor>.X, events.<event>.hazard, agenda.<issue>.status_quo or a top-level setting"


class Slot(NamedTuple):
    """Where a path's parameter lives: the Scenario field holding its object (None: the scenario itself), the
    object's position in that field (None: the field is the object), and the path's parts below the object."""

    group: str | None
    position: int | None
    parts: list[str]


@dataclass(frozen=True)
class Described:
    """What the ``param()`` declaration of a path's field says: its meaning, kind, range and integer flag."""

    path: str
    doc: str
    kind: str
    range: tuple[float, float] | None
    integer: bool


def is_number(value: Any) -> bool:
    """An int or a float, not a bool."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def actor_aliases(actors: Mapping[str, Any] | None) -> dict[str, str]:
    """Config key -> actor name (``{"oman": "Oman"}``) from a configuration's ``actors`` block (dict or DictConfig)."""
    return {str(key): str(actor.get("name")) for key, actor in (actors or {}).items() if actor}


def actor_of(path: str) -> str | None:
    """The actor key a parameter path names (``actors.<key>.X`` -> ``key``), None for a path of no actor."""
    parts = path.split(".")
    return parts[1] if parts[0] == "actors" and len(parts) > 1 else None


def applies_to(path: str, actors: Collection[str]) -> bool:
    """Whether parameter ``path`` has a place among ``actors`` (config keys): a path of no actor, or of one of them."""
    key = actor_of(path)
    return key is None or key in actors


def _norm(name: str) -> str:
    return name.lower().replace(" ", "_").replace("-", "_")


def actor_slot(scenario: Scenario, key: str, aliases: Mapping[str, str] | None = None) -> tuple[str, int]:
    """The Scenario field (``principals``...) and index of the actor a path names by ``key``."""
    name = (aliases or {}).get(key, key)
    for group in ROLE_GROUPS.values():
        for i, actor in enumerate(getattr(scenario, group)):
            if _norm(actor.name) == _norm(name):
                return group, i
    known = ", ".join(_norm(a.name) for a in scenario.actors)
    raise ConfigError(f"actors.{key} is not an actor of scenario {scenario.name!r}: use one of {known}")


def locate(scenario: Scenario, path: str, aliases: Mapping[str, str] | None = None) -> Slot:
    """Where parameter ``path`` lives in ``scenario`` (a one-line ConfigError for a path outside the grammar)."""
    parts = path.split(".")
    head = parts[0]
    if head == "world" and len(parts) == 2:
        return Slot("world", None, parts[1:])
    if head == "actors" and len(parts) >= 3:
        group, i = actor_slot(scenario, parts[1], aliases)
        return Slot(group, i, parts[2:])
    named = {
        "events": ("events", "event", [e.name for e in scenario.events]),
        "agenda": ("issues", "issue", list(scenario.issue_names)),
    }
    if head in named and len(parts) >= 3 and (head == "events" or len(parts) == 3):
        attr, what, names = named[head]
        if parts[1] not in names:
            raise ConfigError(f"{path}: no {what} {parts[1]!r}: use one of {', '.join(names)}")
        return Slot(attr, names.index(parts[1]), parts[2:])
    if len(parts) == 1:
        return Slot(None, None, parts)
    raise ConfigError(f"{path}: name a parameter as {GRAMMAR}")


def declared_field(path: str, roles: Mapping[str, str]) -> tuple[type, str] | None:
    """The dataclass that declares the field a parameter path names, and the field's name, without a scenario.

    ``roles`` gives each actor key's role (``{"us": "principal"}``). None for a
    setting of the scenario itself (``max_rounds``) or a path outside the
    grammar's objects; a one-line ConfigError for an actor of no known role.
    """
    parts = path.split(".")
    head = parts[0]
    if head == "world" and len(parts) == 2:
        return World, parts[1]
    if head == "actors" and len(parts) >= 3:
        role = roles.get(parts[1])
        if role not in ROLE_CLASSES:
            raise ConfigError(f"{path}: actor {parts[1]!r} has no known role")
        return ROLE_CLASSES[role], parts[2]
    if head == "agenda" and len(parts) == 3:
        return Issue, parts[2]
    if head == "events" and len(parts) >= 3:
        return Event, parts[2]
    return None


def _object(scenario: Scenario, slot: Slot) -> Any:
    if slot.group is None:
        return scenario
    holder = getattr(scenario, slot.group)
    return holder if slot.position is None else holder[slot.position]


def _field(obj: Any, path: str, name: str) -> dataclasses.Field:
    for f in dataclasses.fields(obj):
        if f.name == name:
            return f
    raise ConfigError(f"{path}: {type(obj).__name__} has no parameter {name!r}")


def value_at(scenario: Scenario, path: str, aliases: Mapping[str, str] | None = None) -> float:
    """The scenario's current value of a parameter path (the point a plain run uses).

    A mapping entry the scenario does not set reads as 0 (a red line's ends as 0 and 1: no red line).
    """
    slot = locate(scenario, path, aliases)
    obj = _object(scenario, slot)
    name, rest = slot.parts[0], slot.parts[1:]
    value = getattr(obj, _field(obj, path, name).name)
    if rest:
        value = value.get(rest[0], (0.0, 1.0) if name == "red_lines" else 0.0)
    if len(rest) == 2:
        value = value[RED_LINE_ENDS.get(rest[1], 1)]
    return float(value)


def describe(scenario: Scenario, path: str, aliases: Mapping[str, str] | None = None) -> Described:
    """The declared meaning, kind, range and integer flag of the field ``path`` names (an entry: its mapping's)."""
    slot = locate(scenario, path, aliases)
    obj = _object(scenario, slot)
    f = _field(obj, path, slot.parts[0])
    bounds = f.metadata.get("range")
    if f.name == "red_lines":
        bounds = (0.0, 1.0)
    return Described(
        path,
        str(f.metadata.get("doc", "")),
        str(f.metadata.get("kind", "behaviour")),
        None if bounds is None else (float(bounds[0]), float(bounds[1])),
        f.type in ("int", int),
    )


def _set_many(obj: Any, items: list[tuple[str, list[str], Any]]) -> Any:
    """A copy of dataclass ``obj`` with each (path, parts, value) set: the field, dict entry or red-line end at
    ``parts`` set to ``value``; entries of one field add up. A number goes to a numeric field only, a whole-number
    field takes a whole number only; a choice (a name, a tuple of issues) is set as it is."""
    fields = {f.name: f for f in dataclasses.fields(obj)}
    changes: dict[str, Any] = {}
    for path, parts, value in items:
        field_name, rest = parts[0], parts[1:]
        if field_name not in fields:
            raise ConfigError(f"{path}: {type(obj).__name__} has no parameter {field_name!r}")
        current = changes.get(field_name, getattr(obj, field_name))
        if not rest:
            numeric = isinstance(value, int | float | np.number | np.ndarray) and not isinstance(value, bool)
            if numeric and (isinstance(current, bool) or not isinstance(current, int | float | np.ndarray)):
                raise ConfigError(f"{path} is not a number and cannot be given a range")
            # a horizon or a number of rounds bounds the run's loops: one whole value, never an array of draws
            if fields[field_name].type in ("int", int) and not (isinstance(value, int) and not isinstance(value, bool)):
                raise ConfigError(f"{path} is a whole number of rounds and cannot vary per replication: give it one value")
            changes[field_name] = value
            continue
        if not isinstance(current, dict):
            raise ConfigError(f"{path}: {field_name} has no entries to give ranges to")
        key, rest = rest[0], rest[1:]
        new = dict(current)
        if field_name == "red_lines":
            if len(rest) != 1 or rest[0] not in RED_LINE_ENDS:
                raise ConfigError(f"{path}: name a red line's end as red_lines.<issue>.low or .high")
            bounds = list(current.get(key, (0.0, 1.0)))
            bounds[RED_LINE_ENDS[rest[0]]] = value
            new[key] = tuple(bounds)
        else:
            if rest:
                raise ConfigError(f"{path}: {field_name}.{key} has no entries below it")
            if key not in current and field_name not in ("pressure", "effects"):
                raise ConfigError(f"{path}: {field_name} has no entry {key!r}: use one of {', '.join(current)}")
            new[key] = value
        changes[field_name] = new
    return dataclasses.replace(obj, **changes)


def with_values(scenario: Scenario, values: Mapping[str, Any], aliases: Mapping[str, str] | None = None) -> Scenario:
    """``scenario`` with the parameter at each path of ``values`` set (not validated); each object (an actor, an
    event, an issue, the world, the scenario) copied once, not once per path."""
    groups: dict[tuple[str | None, int | None], list[tuple[str, list[str], Any]]] = {}
    for path, value in values.items():
        group, i, parts = locate(scenario, path, aliases)
        groups.setdefault((group, i), []).append((path, parts, value))
    for (group, i), items in groups.items():
        if group is None:
            scenario = _set_many(scenario, items)
        elif i is None:
            scenario = dataclasses.replace(scenario, **{group: _set_many(getattr(scenario, group), items)})
        else:
            objects = list(getattr(scenario, group))
            objects[i] = _set_many(objects[i], items)
            changes: dict[str, Any] = {group: tuple(objects)}
            scenario = dataclasses.replace(scenario, **changes)
    return scenario


@dataclass(frozen=True)
class Knob:
    """A parameter path that can be moved inside a range: a dashboard slider, a row of a sensitivity table.

    ``step`` is a slider's grid (0: none); ``value`` and ``provenance`` are a scenario's, where known.
    """

    key: str  # the parameter path, e.g. actors.oman.effectiveness
    label: str
    low: float
    high: float
    step: float = 0.0
    integer: bool = False
    value: float = math.nan
    provenance: str = ""

    @classmethod
    def of(cls, scenario: Scenario, path: str, aliases: Mapping[str, str] | None = None, *, provenance: str = "") -> Knob:
        """The knob over ``path`` with its declared range (unbounded if none) and ``scenario``'s value."""
        info = describe(scenario, path, aliases)
        low, high = info.range or (-math.inf, math.inf)
        value = value_at(scenario, path, aliases)
        return cls(path, info.doc, low, high, integer=info.integer, value=value, provenance=provenance)

    def clip(self, value: float) -> float | int:
        """``value`` on the knob's grid: inside its range, rounded to its step (no 0.30000000000000004)."""
        value = min(max(float(value), self.low), self.high)
        if self.integer:
            return round(value)
        if self.step <= 0:
            return value
        decimals = max(0, -math.floor(math.log10(self.step))) if self.step < 1 else 0
        return round(round(value / self.step) * self.step, decimals + 2)

    def override(self, value) -> str:
        return f"{self.key}={self.clip(value)}"

    def around(self, value: float) -> Knob:
        """This knob with its range widened, where needed, to hold a scenario's configured ``value``."""
        return dataclasses.replace(self, low=min(self.low, value), high=max(self.high, value))

    def same(self, a: float, b: float) -> bool:
        """Whether two values are one position of the knob's grid."""
        return abs(float(a) - float(b)) < self.step / 2
