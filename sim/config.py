"""From a composed Hydra/OmegaConf configuration to the core's typed parameters.

This is the only module that knows the layout of ``configs/``. It checks every
key against the parameter dataclasses (suggesting the closest name for a
misspelt one) and every type, then leaves the semantic checks to
:meth:`sim.params.Scenario.validate`. Every problem is a :class:`ConfigError`
with a one-line message that names the key and the fix.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Mapping
from pathlib import Path

from omegaconf import DictConfig, ListConfig, OmegaConf

from sim.params import (
    ROLES,
    ConfigError,
    Event,
    Issue,
    Mediator,
    Principal,
    Scenario,
    Spoiler,
    Stakeholder,
    World,
)

CONFIG_DIR = Path(__file__).resolve().parent.parent / "configs"
ROLE_PARAMS = {"principal": Principal, "mediator": Mediator, "spoiler": Spoiler, "stakeholder": Stakeholder}
ACTOR_META = ("role", "provenance")
RUN_KEYS = ("replications", "seed", "block_size", "workers", "trace", "quiet", "max_rounds",
            "provenance", "scenario", "agenda", "world", "events", "actors")


def suggest(key: str, known) -> str:
    """' (did you mean X?)' for the closest known name, or the list of known names."""
    close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]!r}?"
    return f"known keys: {', '.join(sorted(known))}"


def _plain(node):
    return OmegaConf.to_container(node, resolve=True) if isinstance(node, DictConfig | ListConfig) else node


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
        human = {"float": "a number", "int": "a whole number", "str": "a string",
                 "dict": "a mapping {key: value}", "tuple": "a list [a, b, ...]"}[kind]
        raise ConfigError(f"{where} = {value!r} has the wrong type: use {human}")


def build(cls, where: str, data: Mapping, *, skip: tuple[str, ...] = ()):
    """Instantiate dataclass ``cls`` from ``data``, rejecting unknown keys and wrong types."""
    fields = {f.name: f for f in dataclasses.fields(cls)}
    kwargs = {}
    for key, value in data.items():
        if key in skip:
            continue
        if key not in fields:
            raise ConfigError(f"{where}: unknown parameter {key!r}, {suggest(key, [*fields, *skip])}")
        _check_type(f"{where}.{key}", value, str(fields[key].type))
        if str(fields[key].type).startswith("tuple"):
            value = tuple(value)
        if key == "red_lines":
            value = {issue: tuple(bounds) if isinstance(bounds, list | tuple) else bounds
                     for issue, bounds in value.items()}
        kwargs[key] = value
    try:
        return cls(**kwargs)
    except TypeError as exc:  # a required field is missing
        missing = [f for f, spec in fields.items() if f not in kwargs
                   and spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING]
        raise ConfigError(f"{where}: missing parameter(s) {missing}: add them to its config file") from exc


def scenario_from_config(cfg: DictConfig | Mapping) -> Scenario:
    """The validated :class:`Scenario` described by a composed configuration."""
    data = _plain(cfg)
    for key in data:
        if key not in RUN_KEYS and key != "hydra":
            raise ConfigError(f"unknown top-level key {key!r}: {suggest(key, RUN_KEYS)}")
    issues = tuple(build(Issue, f"agenda.issues[{k}]", d, skip=("source",))
                   for k, d in enumerate(data["agenda"]["issues"]))
    world = build(World, "world", data.get("world", {}), skip=("provenance",))
    events = tuple(build(Event, f"events.{d.get('name', k)}", d, skip=("source",))
                   for k, d in enumerate(data.get("events", {}).get("events", []) or []))
    by_role: dict[str, list] = {role: [] for role in ROLES}
    for key, actor in (data.get("actors") or {}).items():
        if actor is None:  # an actor removed by a scenario (actors.israel: null)
            continue
        where = f"actors.{key}"
        role = actor.get("role")
        if role not in ROLE_PARAMS:
            raise ConfigError(f"{where}.role = {role!r}: use one of {', '.join(ROLES)}")
        by_role[role].append(build(ROLE_PARAMS[role], where, actor, skip=ACTOR_META))
    scenario_meta = data.get("scenario") or {}
    return Scenario(
        name=str(scenario_meta.get("name", "custom")),
        issues=issues,
        principals=tuple(by_role["principal"]),
        mediators=tuple(by_role["mediator"]),
        spoilers=tuple(by_role["spoiler"]),
        stakeholders=tuple(by_role["stakeholder"]),
        events=events,
        world=world,
        max_rounds=data.get("max_rounds", 20),
    ).validate()


def known_scenarios(config_dir: Path = CONFIG_DIR) -> list[str]:
    return sorted(p.stem for p in (config_dir / "scenario").glob("*.yaml"))


def known_actors(config_dir: Path = CONFIG_DIR) -> list[str]:
    return sorted(p.stem for p in (config_dir / "actors").glob("*.yaml"))


def compose(overrides: list[str] | None = None, config_dir: Path = CONFIG_DIR) -> DictConfig:
    """Compose the configuration with Hydra's compose API (for notebooks and tests)."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(config_dir), version_base="1.3"):
            return hydra_compose(config_name="config", overrides=list(overrides or []))
    finally:
        GlobalHydra.instance().clear()


def load_scenario(name: str = "baseline", overrides: list[str] | None = None) -> Scenario:
    """The Scenario of a named scenario plus overrides, composed from ``configs/``."""
    return scenario_from_config(compose([f"scenario={name}", *(overrides or [])]))
