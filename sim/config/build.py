"""From a composed configuration to the core's typed :class:`~sim.core.params.Scenario`, checked on the way."""

from __future__ import annotations

import dataclasses
import difflib
import re
from collections.abc import Mapping
from pathlib import Path

from omegaconf import DictConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from sim.config import schema
from sim.config.catalogue import ACTOR_META, CONFIG_DIR, TOP_KEYS
from sim.config.errors import _blame_override, _in_actor_terms, _key_of, _plain, interpolation_error, locate, suggest
from sim.config.guards import check_name
from sim.config.overrides import override_key
from sim.core.params import (
    ROLES,
    ConfigError,
    Event,
    Issue,
    Scenario,
    Transition,
    World,
)
from sim.core.paths import ROLE_CLASSES

HUMAN_TYPES = {
    "float": "a number",
    "int": "a whole number",
    "str": "a string",
    "bool": "true or false",
    "dict": "a mapping {key: value}",
    "tuple": "a list [a, b, ...]",
    "list": "a list [a, b, ...]",
}


def _check_type(where: str, value, expected) -> None:
    """Check ``value`` against a dataclass field annotation given as a string."""
    kind = expected.split("[")[0]
    ok = {
        "str": isinstance(value, str),
        "float": isinstance(value, int | float) and not isinstance(value, bool),
        "int": isinstance(value, int) and not isinstance(value, bool),
        "dict": isinstance(value, Mapping),
        "tuple": isinstance(value, list | tuple),
    }.get(kind, True)
    if not ok:
        raise ConfigError(f"{where} = {value!r} has the wrong type: use {HUMAN_TYPES[kind]}")


def build(cls, where: str, data: Mapping, *, skip: tuple[str, ...] = ()):
    """Instantiate dataclass ``cls`` from ``data``, rejecting unknown keys and wrong types."""
    fields = {f.name: f for f in dataclasses.fields(cls)}
    kwargs = {}
    for key, value in data.items():
        if key in skip:
            continue
        if key not in fields:
            close = difflib.get_close_matches(key, [*fields, *skip], n=1, cutoff=0.6)
            hint = f"did you mean {where}.{close[0]}?" if close else f"known parameters: {', '.join(fields)}"
            raise ConfigError(f"{where}.{key} is not a parameter of a {cls.__name__.lower()}: {hint}")
        _check_type(f"{where}.{key}", value, str(fields[key].type))
        if str(fields[key].type).startswith("tuple"):
            value = tuple(value)
        if key in ("red_lines", "stated"):
            value = {issue: tuple(bounds) if isinstance(bounds, list | tuple) else bounds for issue, bounds in value.items()}
        kwargs[key] = value
    try:
        return cls(**kwargs)
    except TypeError as exc:  # a required field is missing
        missing = [
            f
            for f, spec in fields.items()
            if f not in kwargs and spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING
        ]
        raise ConfigError(f"{where} is missing {', '.join(missing)}: add them to its config file") from exc


# --------------------------------------------------------------- building the scenario


def _check_missing(cfg: DictConfig, overrides, config_dir) -> None:
    missing = sorted(OmegaConf.missing_keys(cfg)) if isinstance(cfg, DictConfig) else []
    if missing:
        key = re.sub(r"\[\d+\]", "", missing[0])
        where = locate(key, overrides, config_dir)
        raise ConfigError(f"{where}: {key} has no value: add `{key.rsplit('.', 1)[-1]}: ...` to that file")


def _check_role(key: str, node, role) -> None:
    """A file that extends one role's schema must not declare another role."""
    kind = OmegaConf.get_type(node) if isinstance(node, DictConfig) else None
    for schema_role, cls in schema.ROLE_SCHEMAS.items():
        if kind is cls and role != schema_role:
            raise ConfigError(
                f"actors.{key}.role = {role!r} but its file extends {schema_role}_schema: "
                f"make the two agree (use `- {role}_schema` in its defaults list for a {role})"
            )


def scenario_from_config(
    cfg: DictConfig | Mapping, overrides: list[str] | None = None, config_dir: Path = CONFIG_DIR
) -> Scenario:
    """The validated :class:`Scenario` described by a composed configuration.

    ``overrides`` (the command line that composed ``cfg``) only serves the
    error message: it names the override or file that set a bad value.
    """
    if isinstance(cfg, DictConfig):
        meta = cfg.get("scenario")
        if isinstance(meta, DictConfig) and "name" in meta and OmegaConf.is_interpolation(meta, "name"):
            raw = meta._get_node("name")._value()  # type: ignore[union-attr]
            where = locate("scenario.name", overrides, config_dir)
            raise ConfigError(f"{where}: scenario.name = {raw!r} holds an interpolation: a name is a plain label, write it out")
        try:
            _check_missing(cfg, overrides, config_dir)
        except (OmegaConfBaseException, RecursionError) as exc:
            raise ConfigError(interpolation_error(exc, overrides, config_dir)) from None
    try:
        return _scenario(cfg)
    except (OmegaConfBaseException, RecursionError) as exc:  # an interpolation that does not resolve: ${oc.env:NOPE}, a loop, ...
        raise ConfigError(interpolation_error(exc, overrides, config_dir)) from None
    except ConfigError as exc:
        message = str(exc)
        blamed = _blame_override(message, overrides or [])
        where = f"override {blamed}" if blamed else locate(_key_of(message), overrides, config_dir)
        deletions = [o for o in overrides or [] if o.startswith("~") and not override_key(o).startswith("hydra")]
        if not blamed and where.endswith("config.yaml") and len(deletions) == 1:
            where = f"override {deletions[0]}"  # nothing else set it: removing a part is the likeliest cause
        raise ConfigError(f"{where}: {message}") from exc


def _scenario(cfg) -> Scenario:
    data = _plain(cfg)
    for key in data:
        if key not in TOP_KEYS and key != "hydra":
            hint = "named sweeps are the group sweep now: write -m sweep=NAME" if key == "experiment" else suggest(key, TOP_KEYS)
            raise ConfigError(f"{key} is not a top-level key: {hint}")
    issues = tuple(build(Issue, f"agenda.issues[{k}]", d, skip=("source",)) for k, d in enumerate(data["agenda"]["issues"]))
    world = build(World, "world", data.get("world", {}), skip=("provenance",))
    events = tuple(
        build(Event, f"events.{d.get('name', k)}", d, skip=("source",))
        for k, d in enumerate(data.get("events", {}).get("events", []) or [])
    )
    by_role: dict[str, list] = {role: [] for role in ROLES}
    names: dict[str, str] = {}
    for key, actor in (data.get("actors") or {}).items():
        if actor is None:  # an actor removed by a scenario (actors.israel: null)
            continue
        where = f"actors.{key}"
        if not isinstance(actor, Mapping):
            raise ConfigError(
                f"{where} = {actor!r}: an actor is a mapping of its parameters, select its file with +actors@actors.{key}=FILE"
            )
        role = actor.get("role")
        if role not in ROLE_CLASSES:
            raise ConfigError(f"{where}.role = {role!r}: use one of {', '.join(ROLES)}")
        if isinstance(cfg, DictConfig):
            _check_role(key, cfg.actors[key], role)
        by_role[role].append(build(ROLE_CLASSES[role], where, actor, skip=ACTOR_META))
        names[by_role[role][-1].name] = key
    principal_keys = {key: name for name, key in names.items() if name in {p.name for p in by_role["principal"]}}
    transitions = []
    for k, d in enumerate(data.get("transitions") or []):
        where = f"transitions[{k}]"
        if not isinstance(d, Mapping):
            raise ConfigError(f"{where} = {d!r}: a transition is a mapping {{week, pause_weeks, actor, set, why}}")
        t = build(Transition, where, d)
        if t.actor not in principal_keys:
            raise ConfigError(f"{where}.actor = {t.actor!r}: use the config key of a principal ({', '.join(principal_keys)})")
        transitions.append(dataclasses.replace(t, actor=principal_keys[t.actor]))
    scenario_meta = data.get("scenario") or {}
    scenario = Scenario(
        name=check_name(str(scenario_meta.get("name", "custom")), "scenario.name", "e.g. scenario.name=mine"),
        issues=issues,
        principals=tuple(by_role["principal"]),
        mediators=tuple(by_role["mediator"]),
        spoilers=tuple(by_role["spoiler"]),
        stakeholders=tuple(by_role["stakeholder"]),
        events=events,
        world=world,
        max_rounds=data.get("max_rounds", 20),
        transitions=tuple(transitions),
    )
    try:
        return scenario.validate()
    except ConfigError as exc:
        raise ConfigError(_in_actor_terms(str(exc), names)) from exc
