"""Plain-language names of parameters for figures and tables, read from the parameters' one declaration.

A figure shows ``Israel: chance per round that it weighs a strike`` in place of
``actors.israel.strike_propensity`` (the key goes beside it in small type, so a
reader can still type it as an override). The words are the ``doc`` of the
field in :mod:`sim.core.params` (``param(doc=...)``), cut at its first clause;
the scale is the field's ``range``. Nothing here is written twice: a new
parameter gets its label from its declaration.
"""

from __future__ import annotations

import dataclasses
from functools import cache

from sim.core.declare import range_text
from sim.core.params import Issue, Mediator, Principal, Spoiler, Stakeholder, World

#: Actors' keys as people write them.
ACTOR_NAMES = {"us": "US", "uae": "UAE", "eu3": "EU3", "iran": "Iran", "israel": "Israel", "oman": "Oman"}
ROLE_CLASSES = (Principal, Mediator, Spoiler, Stakeholder)
MAX_WORDS = 60


@cache
def _fields() -> dict[str, dict[str, dataclasses.Field]]:
    return {
        cls.__name__: {f.name: f for f in dataclasses.fields(cls)}
        for cls in (*ROLE_CLASSES, World, Issue)  # type: ignore[arg-type]
    }


def _field(owner: str, name: str) -> dataclasses.Field | None:
    if owner == "actor":
        return next((fields[name] for cls in ROLE_CLASSES if name in (fields := _fields()[cls.__name__])), None)
    return _fields()[owner].get(name)


def actor_name(key: str) -> str:
    return ACTOR_NAMES.get(key, key.replace("_", " ").capitalize())


def _short(doc: str) -> str:
    """The first clause of a field's doc, shortened to about :data:`MAX_WORDS` characters at a word boundary."""
    text = doc.split(";")[0].split(" (")[0].strip()
    if len(text) > MAX_WORDS:
        text = text[:MAX_WORDS].rsplit(" ", 1)[0] + "…"
    return text


def describe(key: str) -> str:
    """A plain-language label for a dotted parameter key (the key itself when nothing better is known)."""
    parts = str(key).split(".")
    field = None
    who = ""
    if parts[0] == "actors" and len(parts) >= 3:
        who, field = actor_name(parts[1]), _field("actor", parts[2])
        extra = f" ({parts[3].replace('_', ' ')})" if len(parts) > 3 else ""
    elif parts[0] == "world" and len(parts) == 2:
        who, field, extra = "World", _field("World", parts[1]), ""
    elif parts[0] == "agenda" and len(parts) == 3 and parts[2] == "status_quo":
        return f"{parts[1].replace('_', ' ').capitalize()}: where it stays if left off the agenda"
    elif parts[0] == "events" and len(parts) >= 3:
        event = parts[1].replace("_", " ")
        if parts[2] == "hazard":
            return f"Event '{event}': chance per round"
        if parts[2] == "effects" and len(parts) == 4:
            return f"Event '{event}': its effect on {parts[3].replace('_', ' ')}"
    elif key == "max_rounds":
        return "Horizon: rounds before the talks are judged to have run out of time"
    if field is None or not field.metadata.get("doc"):
        return str(key)
    text = _short(str(field.metadata["doc"]))
    return f"{who}: {text}{extra}" if who else text[:1].upper() + text[1:]


def scale(key: str) -> str:
    """The stated scale of a parameter (``[0, 1]``, ``(0, 100]``), or '' when none is declared."""
    parts = str(key).split(".")
    field = None
    if parts[0] == "actors" and len(parts) >= 3:
        field = _field("actor", parts[2])
    elif parts[0] == "world" and len(parts) == 2:
        field = _field("World", parts[1])
    elif parts[0] == "agenda" and parts[-1] == "status_quo":
        return "[0, 1]: 0 = Tehran's end, 1 = Washington's"
    if field is None or field.metadata.get("range") is None:
        return ""
    return range_text(field)


def axis_label(key: str) -> str:
    """Two lines for an axis: the plain label (with its scale), then the key."""
    unit = scale(key)
    return f"{describe(key)}{f'  {unit}' if unit else ''}\n{key}"
