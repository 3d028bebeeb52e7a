"""Hydra structured-config schemas, generated from the core's parameter dataclasses.

A parameter is declared once, as a field of a dataclass in :mod:`sim.core.params`
with its meaning, range and kind as metadata. This module derives from each of
them the schema Hydra checks keys and types against when it composes a
configuration (a YAML file extends its schema through its defaults list:
``defaults: [principal_schema, _self_]``), adding only what belongs to files:
an actor's ``role`` and every group's ``provenance`` (or an item's ``source``).
Tuples become lists, the form YAML writes them in. The run settings, which are
not model parameters, are declared here.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from dataclasses import dataclass
from typing import Any

from omegaconf import MISSING

from sim.core import params as core
from sim.core.declare import param
from sim.core.paths import ROLE_CLASSES

PROVENANCE_DOC = "where each parameter's value comes from: an article sentence (article: '...'), a public source or 'assumption'"


def _yaml_type(tp: Any) -> Any:
    """The type a YAML file gives a core field: tuples are lists, inside mappings too."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is tuple:
        return types.GenericAlias(list, (args[0],))
    if origin is dict:
        return types.GenericAlias(dict, (args[0], _yaml_type(args[1])))
    return tp


def _schema_field(f: dataclasses.Field) -> Any:  # a dataclasses.field(), typed by mypy as its value
    meta = dict(f.metadata)
    if f.default_factory is not dataclasses.MISSING:
        factory = f.default_factory
        return dataclasses.field(default_factory=lambda: _plain(factory()), metadata=meta)
    if f.default is dataclasses.MISSING:
        return dataclasses.field(default=MISSING, metadata=meta)
    if isinstance(f.default, tuple):
        value = list(f.default)
        return dataclasses.field(default_factory=lambda: list(value), metadata=meta)
    return dataclasses.field(default=f.default, metadata=meta)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def schema_of(cls: type, name: str, *, before: tuple = (), after: tuple = ()) -> type:
    """A Hydra schema with ``cls``'s fields (types as YAML writes them) between ``before`` and ``after``."""
    hints = typing.get_type_hints(cls)
    body = [(f.name, _yaml_type(hints[f.name]), _schema_field(f)) for f in dataclasses.fields(cls)]
    return dataclasses.make_dataclass(name, [*before, *body, *after], namespace={"__doc__": cls.__doc__})


def _role(role: str) -> tuple:
    return (("role", str, param(role, doc="the actor's role; fixed by the schema the file extends", kind="label")),)


PROVENANCE = (("provenance", dict[str, str], param(factory=dict, doc=PROVENANCE_DOC, kind="label")),)
SOURCE = (("source", str, param("", doc="where it and its numbers come from", kind="label")),)

ROLE_SCHEMAS: dict[str, type] = {
    role: schema_of(cls, f"{cls.__name__}Schema", before=_role(role), after=PROVENANCE) for role, cls in ROLE_CLASSES.items()
}
PrincipalSchema, MediatorSchema, SpoilerSchema, StakeholderSchema = ROLE_SCHEMAS.values()
IssueSchema = schema_of(core.Issue, "IssueSchema", after=SOURCE)
EventSchema = schema_of(core.Event, "EventSchema", after=SOURCE)
WorldSchema = schema_of(core.World, "WorldSchema", after=PROVENANCE)
TransitionSchema = schema_of(core.Transition, "TransitionSchema")


@dataclass
class AgendaSchema:
    issues: list[IssueSchema] = param(factory=list, doc="the negotiating dimensions, each on [0, 1]")  # type: ignore[valid-type]


@dataclass
class EventsSchema:
    events: list[EventSchema] = param(factory=list, doc="random shocks, each with a per-round hazard")  # type: ignore[valid-type]


@dataclass
class ScenarioMetaSchema:
    name: str = param("custom", doc="the scenario's name (its file name under configs/scenario/)", kind="label")
    description: str = param("", doc="one line: what the scenario represents", kind="label")
    motivation: str = param("", doc="the article's sentence (article: '...') or public source that motivates it", kind="label")


@dataclass
class HistorySchema:
    """What happened in a historical case (configs/history/): read by sim.retro, never by the model."""

    actual: str = param(MISSING, doc="how the talks ended: deal, escalation or stalemate", kind="label")
    actual_weeks: int = param(
        MISSING, doc="weeks from the first round to the event that fixed the outcome", range=(1, float("inf")), kind="label"
    )
    start: str = param("", doc="date of the first round (YYYY-MM-DD)", kind="label")
    end: str = param("", doc="date of the event that fixed the outcome (YYYY-MM-DD)", kind="label")
    event: str = param("", doc="that event, with its source", kind="label")
    cause: str = param(
        "", doc="how the talks ended, in the model's cause labels (agreement, israeli_strike, horizon ...)", kind="label"
    )
    deadline_week: int | None = param(
        None, doc="first deadline publicly fixed at or before the start, in weeks from it", kind="label"
    )
    deadlines: str = param("", doc="the deadlines of the record, extensions included", kind="label")
    mediators: str = param("", doc="who mediated", kind="label")
    mapping: str = param("", doc="the file of mapping rules the state values follow", kind="label")


@dataclass
class PolicyMetaSchema:
    """A named policy (configs/policy/): whose strategy it is; its lever settings are ordinary keys of the file."""

    name: str = param(MISSING, doc="the policy's name (its file name under configs/policy/)", kind="label")
    whose: str = param("", doc="whose strategy it is (Washington, Tehran, Oman and the UAE, everyone...)", kind="label")
    description: str = param("", doc="one sentence: what the policy does", kind="label")


#: The run settings: how a run is carried out, not what the model assumes.
RUN_SETTINGS: dict[str, dataclasses.Field] = {
    "replications": param(10000, doc="Monte Carlo replications (episodes)", range=(1, float("inf")), kind="label"),
    "seed": param(0, doc="master seed; every block's seed derives from it", range=(0, float("inf")), kind="label"),
    "block_size": param(
        10000,
        doc="replications advanced together by one Mesa model; part of a run's identity, like the seed",
        range=(1, float("inf")),
        kind="label",
    ),
    "workers": param(
        1, doc="processes to spread blocks over (results do not depend on it)", range=(1, float("inf")), kind="label"
    ),
    "trace": param(False, doc="with replications=1: print the round-by-round narrative", kind="label"),
    "quiet": param(False, doc="no table on stdout, only the files", kind="label"),
    "plots": param(
        False,
        doc="also write odds.png, rounds.png, causes.png and terms.png into the run directory (and anatomy.png with trace=true)",
        kind="label",
    ),
    "episodes": param(True, doc="write episodes.parquet (one row per replication); false keeps only summary.json", kind="label"),
    "context_odds": param(
        True,
        doc="also give the odds across the assumptions' ranges and the history-weighted odds, each with its 5-95% spread "
        "(two small designs of 20,000 episodes; a single run only)",
        kind="label",
    ),
    "output_root": param(
        "outputs", doc="folder of the runs (<scenario>/<time>-<id>) and of an interrupted run's blocks", kind="label"
    ),
}
_RUN_TYPES = {
    "replications": int,
    "seed": int,
    "block_size": int,
    "workers": int,
    "trace": bool,
    "quiet": bool,
    "plots": bool,
    "episodes": bool,
    "context_odds": bool,
    "output_root": str,
}
_HORIZON = next(f for f in dataclasses.fields(core.Scenario) if f.name == "max_rounds")

ConfigSchema = dataclasses.make_dataclass(
    "ConfigSchema",
    [
        *((name, _RUN_TYPES[name], f) for name, f in RUN_SETTINGS.items()),
        ("max_rounds", int, _schema_field(_HORIZON)),
        *PROVENANCE,
        ("scenario", ScenarioMetaSchema, param(factory=ScenarioMetaSchema, doc="what the scenario represents")),
        ("agenda", AgendaSchema, param(factory=AgendaSchema, doc="the issues")),
        ("world", WorldSchema, param(factory=WorldSchema, doc="the state of the world")),
        ("events", EventsSchema, param(factory=EventsSchema, doc="the random shocks")),
        (
            "transitions",
            list[TransitionSchema],  # type: ignore[valid-type]
            param(
                factory=list,
                doc="scheduled changes of government that pause the talks: [{week, pause_weeks, actor, set, why}]",
                kind="state",
            ),
        ),
        ("actors", dict[str, Any], param(factory=dict, doc="the actors by key, each with a role schema")),
        (
            "uncertainty",
            dict[str, Any],
            param(
                factory=dict,
                doc="ranges of assumptions, drawn per replication by python -m sim explore (uncertainty: none, assumptions)",
                kind="label",
            ),
        ),
        (
            "levers",
            dict[str, Any],
            param(
                factory=dict,
                doc="the range of choices of every lever, with provenance (configs/levers/): read by policies and sim.ema",
                kind="label",
            ),
        ),
        (
            "posterior",
            dict[str, Any],
            param(
                factory=dict,
                doc="behaviour drawn per replication from a posterior made by python -m sim calibrate (posterior: none, history)",
                kind="label",
            ),
        ),
        (
            "policy",
            PolicyMetaSchema | None,
            param(None, doc="the named policy whose lever settings the run uses (policy=NAME, configs/policy/)", kind="label"),
        ),
        (
            "history",
            HistorySchema | None,
            param(None, doc="a historical case's outcome (set by +history=CASE, read by sim.retro)", kind="label"),
        ),
    ],
    namespace={"__doc__": "The root of the composed configuration: run settings, horizon and the groups."},
)

#: (group, name, node) of every schema registered in the ConfigStore.
SCHEMAS: tuple[tuple[str | None, str, type], ...] = (
    (None, "config_schema", ConfigSchema),
    ("agenda", "agenda_schema", AgendaSchema),
    ("world", "world_schema", WorldSchema),
    ("events", "events_schema", EventsSchema),
    *(("actors", f"{role}_schema", cls) for role, cls in ROLE_SCHEMAS.items()),
)
SCHEMA_NAMES = frozenset(name for _, name, _ in SCHEMAS)


def register() -> None:
    """Register every schema in Hydra's ConfigStore (idempotent; done on import of sim.config.compose)."""
    from hydra.core.config_store import ConfigStore

    cs = ConfigStore.instance()
    for group, name, node in SCHEMAS:
        cs.store(group=group, name=name, node=node)
