"""Hydra override strings (``key=value``, ``+key=value``, ``~key``): the one parser of their keys."""

from __future__ import annotations

from collections.abc import Iterable

from sim.config.schema import RUN_SETTINGS
from sim.core.params import ConfigError, Scenario
from sim.core.paths import locate

#: Overrides of how a run is carried out, not of the model (``crn``: the sweeper's common random numbers).
RUN_KEYS = (*RUN_SETTINGS, "crn")


def split_override(override: str) -> tuple[str, str]:
    """``'a.b=0.3'`` -> ``('a.b', '0.3')``; ``'+sweep=x'`` -> ``('+sweep', 'x')``; ``'~a'`` -> ``('~a', '')``."""
    key, _, value = override.partition("=")
    return key, value


def is_override(word: str) -> bool:
    """Whether a command-line word is an override (``key=value``, ``+key=value``, ``~key``), not a name or a flag's
    value."""
    return "=" in word or word.startswith("~")


def override_value(override: str) -> str:
    """The value an override gives: ``'a.b=0.3'`` -> ``'0.3'``; ``''`` for ``'~a'``."""
    return split_override(override)[1]


def split_bare(override: str) -> tuple[str, str]:
    """The bare key and the value: ``'+sweep=x'`` -> ``('sweep', 'x')``, ``'~a'`` -> ``('a', '')``."""
    key, value = split_override(override)
    return bare_key(key), value


def bare_key(key: str) -> str:
    """A key without its ``+``/``++``/``~`` prefix."""
    return key.lstrip("+~")


def override_key(override: str) -> str:
    """The bare key an override sets: ``'+actors@actors.eu3=eu3'`` -> ``'actors@actors.eu3'``."""
    return bare_key(split_override(override)[0])


def is_hydra_override(override: str) -> bool:
    """Whether an override sets one of Hydra's own settings (``hydra.*``, ``hydra/launcher=...``)."""
    return override_key(override).startswith("hydra")


def config_key(scenario: Scenario, path: str) -> str:
    """The configuration key an override sets for parameter ``path`` (:mod:`sim.core.paths`): an event or an
    issue by its place in its list (``events.proxy_attack.hazard`` -> ``events.events.2.hazard``), others as named."""
    group, index, parts = locate(scenario, path)
    if group in ("events", "issues") and index is not None:
        return ".".join(({"events": "events.events", "issues": "agenda.issues"}[group], str(index), *parts))
    return path


def model_overrides(overrides: Iterable[str]) -> list[str]:
    """The overrides that change the model: neither Hydra's own nor run settings."""
    return [o for o in overrides if not is_hydra_override(o) and override_key(o) not in RUN_KEYS]


def check_settings(cfg, lowest_replications: int = 1) -> None:
    """replications, seed, block_size and workers of a composed configuration: whole numbers in range."""
    for key, low in (("replications", lowest_replications), ("seed", 0), ("block_size", 1), ("workers", 1)):
        value = cfg.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            raise ConfigError(
                f"{key} = {value!r}: use a whole number >= {low}, e.g. {key}={max(low, 10000 if key == 'replications' else low)}"
            )


def without_search_path(overrides: list[str]) -> list[str]:
    """The overrides that describe the model (``hydra.searchpath`` dropped), for labels and blame."""
    return [o for o in overrides if override_key(o) != "hydra.searchpath"]


def with_search_path(overrides: list[str], dirs: list[str]) -> list[str]:
    """Overrides with ``--config-dir`` folders added to ``hydra.searchpath`` (as Hydra adds them)."""
    if not dirs:
        return list(overrides)
    from pathlib import Path

    extra = [f"file://{Path(d).resolve()}" for d in dirs]
    rest, given = [], []
    for o in overrides:
        if override_key(o) == "hydra.searchpath":
            from sim.config.cache import parse  # Hydra's override parser, cached

            given = [str(v) for v in parse([o])[0].value()]
        else:
            rest.append(o)
    return [*rest, f"hydra.searchpath=[{','.join([*given, *extra])}]"]
