"""How a parameter is declared: ``param(doc=, range=, kind=)`` and the checks that read the declaration.

Every parameter itself is declared once, in :mod:`sim.core.params`, as a field of
the core dataclasses made with :func:`param`; this module holds the machinery
those declarations and their range checks share, and the one error a
configuration the model cannot run raises (:class:`ConfigError`).
:mod:`sim.core.params` re-exports every name here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import MISSING, field, fields
from typing import Any

import numpy as np


class ConfigError(ValueError):
    """A configuration that the model cannot run; the message is one line for the user."""


UNIT = (0.0, 1.0)
SIGNED = (-1.0, 1.0)
#: What a parameter describes. ``state``: the situation of one time and place (the world, trust, agenda
#: stances, red lines), set per case by a historical or 2026 scenario from dated sources; ``behaviour``:
#: how actors decide, one shared set for every case (retrodiction protocol); ``label``: names and tags.
KINDS = ("state", "behaviour", "label")
#: A *lever* is declared beside the kind (``param(..., lever=WHO)``): a parameter an actor chooses, a policy sets
#: and ``sim.analysis.ema`` varies as a lever rather than an uncertainty. WHO is whose choice it is: ``"self"`` for
#: a field of an actor (each actor with that field chooses its own), an actor's config key (``us``, ``iran``) for
#: a field of the world. Its range of choices and their provenance are config (``configs/levers/``); the kind still
#: says what the value is in a historical case (what that actor had chosen then: state; how it decides: behaviour).
LEVER_SELF = "self"


def param(
    default: Any = MISSING,
    *,
    doc: str,
    range: tuple[float, float] | None = None,
    open_low: bool = False,
    kind: str = "behaviour",
    lever: str = "",
    factory: Any = None,
) -> Any:
    """A dataclass field with its meaning, its range and its kind: the one declaration of a parameter.

    The Hydra schemas (:mod:`sim.config.schema`), the range checks of
    :meth:`Scenario.validate`, ``docs/parameters.md`` and ``sim.analysis.sensitivity``
    all read this metadata. ``range`` bounds a number, or each value of a
    mapping (per issue, per world variable); ``open_low`` excludes its low end.
    ``lever`` marks a parameter an actor chooses (see :data:`LEVER_SELF`).
    """
    if kind not in KINDS:
        raise ValueError(f"kind {kind!r}: use one of {', '.join(KINDS)}")
    meta = {"doc": doc, "range": range, "open_low": open_low, "kind": kind, "lever": lever}
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


def range_text(f) -> str:
    """A field's range as the docs and error messages write it: [0, 1], (0, 100], [0, inf)."""
    bounds = f.metadata.get("range")
    if bounds is None:
        return ""
    low, high = bounds
    return f"{'(' if f.metadata.get('open_low') else '['}{low:g}, {high:g}{')' if math.isinf(high) else ']'}"


def in_range(value, low: float, high: float, open_low: bool) -> bool:
    """Whether ``value`` (a number, or every value of an array over replications) lies in its range."""
    values = np.asarray(value, dtype=float) if isinstance(value, np.ndarray) else value
    if isinstance(values, np.ndarray):  # per replication: its smallest and largest values (NaN fails both)
        if values.size == 0:
            return True
        smallest, largest = values.min(), values.max()
        return bool((smallest > low if open_low else smallest >= low) and largest <= high)
    if not isinstance(values, int | float) or isinstance(values, bool) or math.isnan(values):
        return False
    return (values > low if open_low else values >= low) and values <= high


def check_unit(where: str, value, *, low: float = 0.0, high: float = 1.0, open_low: bool = False) -> None:
    """A number (or each value of an array over replications) in [low, high], else a one-line ConfigError."""
    if not in_range(value, low, high, open_low):
        shown = f"{'(' if open_low else '['}{low:g}, {high:g}{')' if math.isinf(high) else ']'}"
        raise ConfigError(f"{where} = {value!r} is out of range: use a number in {shown}")


def check_ranges(where: str, obj) -> None:
    """Check every field of ``obj`` that declares a range: a number, or each value of a mapping."""
    for f in fields(obj):
        bounds = f.metadata.get("range")
        if bounds is None:
            continue
        value = getattr(obj, f.name)
        low, high = bounds
        open_low = f.metadata.get("open_low", False)
        if isinstance(value, Mapping):
            for key, item in value.items():
                check_unit(f"{where}.{f.name}.{key}", item, low=low, high=high, open_low=open_low)
        else:
            check_unit(f"{where}.{f.name}", value, low=low, high=high, open_low=open_low)


def kind_of_key(cls, name: str) -> str | None:
    """The declared kind (state, behaviour, label) of field ``name`` of dataclass ``cls``, None if no such field."""
    for f in fields(cls):
        if f.name == name:
            return f.metadata.get("kind")
    return None


def lever_of(cls, name: str) -> str:
    """Whose choice field ``name`` of dataclass ``cls`` is (``self`` or an actor's key); empty if it is no lever."""
    for f in fields(cls):
        if f.name == name:
            return str(f.metadata.get("lever", ""))
    return ""


def check_issue_keys(where: str, mapping, issues: tuple[str, ...]) -> None:
    """Every key of ``mapping`` an issue of ``issues``, else a one-line ConfigError."""
    for key in mapping:
        if key not in issues:
            raise ConfigError(f"{where} names issue {key!r}, which is not on the issue list: use one of {', '.join(issues)}")
