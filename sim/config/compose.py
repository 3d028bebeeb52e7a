"""Composing the configuration with Hydra, and from it the core's typed parameters.

This is the only module that knows the layout of ``configs/``. Keys and types
are checked twice: by the structured-config schemas of :mod:`sim.config.schema` when
Hydra composes the configuration, and again against the parameter dataclasses
when the :class:`~sim.core.params.Scenario` is built (for files that do not extend a
schema). The semantic checks are :meth:`sim.core.params.Scenario.validate`.

The jobs are in modules of their own: where the configs are and what they hold (:mod:`sim.config.catalogue`),
building the scenario (:mod:`sim.config.build`), errors in one line (:mod:`sim.config.errors`); this module
composes, and re-exports their public names.

Every problem is a :class:`~sim.core.params.ConfigError` with one line that names
where the bad value was set (the override on the command line or the file
under ``configs/``), the key, and the fix::

    override actors.us.trus=0.4: unknown parameter 'actors.us.trus': did you mean 'actors.us.trust'?
    configs/scenario/mine.yaml: actors.us.red_lines.enrichment = [0.9, 0.5] has its ends reversed: write [0.5, 0.9]
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from omegaconf import DictConfig

from sim.config.build import build, scenario_from_config
from sim.config.catalogue import ACTOR_META, CONFIG_DIR, GROUPS, TOP_KEYS, config_dir, known_actors, known_scenarios
from sim.config.errors import (
    explain_compose_error,
    group_choices,
    interpolation_error,
    locate,
    suggest,
    user_dirs,
)
from sim.config.guards import check_config_dirs
from sim.core.params import (
    ConfigError,
    Scenario,
)


@contextlib.contextmanager
def hydra_context(config_dir: Path = CONFIG_DIR) -> Iterator[None]:
    """Hydra's compose API initialised on ``config_dir``, its global state cleared before and after.

    The one place that initialises Hydra outside the command line's own ``@hydra.main``.
    """
    from hydra import initialize_config_dir
    from hydra.core.global_hydra import GlobalHydra

    GlobalHydra.instance().clear()
    try:
        with initialize_config_dir(config_dir=str(Path(config_dir).resolve()), version_base="1.3"):
            yield
    finally:
        GlobalHydra.instance().clear()


def compose(overrides: list[str] | None = None, config_dir: Path = CONFIG_DIR, *, hydra: bool = False) -> DictConfig:
    """Compose the configuration with Hydra's compose API (for notebooks, tests and the pre-flight checks).

    Raises :class:`ConfigError` with one line (see :func:`explain_compose_error`)
    when Hydra, OmegaConf or YAML reject the configuration. ``hydra=True``
    keeps Hydra's own node (``hydra.sweeper``...) in the result.
    """
    from hydra import compose as hydra_compose

    overrides = list(overrides or [])
    check_config_dirs(user_dirs(overrides))  # size, depth and alias limits before any YAML is parsed
    try:
        with hydra_context(config_dir):
            return hydra_compose(config_name="config", overrides=overrides, return_hydra_config=hydra)
    except ConfigError:
        raise
    except Exception as exc:  # Hydra, OmegaConf and YAML errors of every kind
        raise ConfigError(explain_compose_error(exc, overrides, config_dir)) from exc


def hydra_group_options(group: str, config_dir: Path = CONFIG_DIR) -> list[str]:
    """The configs Hydra can find for a group (``scenario``, ``hydra/launcher``...): plugins' and the config dir's."""
    from hydra.core.global_hydra import GlobalHydra

    with hydra_context(config_dir):
        return sorted(GlobalHydra.instance().config_loader().get_group_options(group))


def load_scenario(name: str = "baseline", overrides: list[str] | None = None, config_dir: Path = CONFIG_DIR) -> Scenario:
    """The Scenario of a named scenario plus overrides, composed from ``configs/``."""
    full = [f"scenario={name}", *(overrides or [])]
    return scenario_from_config(compose(full, config_dir), full, config_dir)


__all__ = [
    "ACTOR_META",
    "CONFIG_DIR",
    "GROUPS",
    "TOP_KEYS",
    "build",
    "compose",
    "config_dir",
    "explain_compose_error",
    "group_choices",
    "hydra_context",
    "hydra_group_options",
    "interpolation_error",
    "known_actors",
    "known_scenarios",
    "load_scenario",
    "locate",
    "scenario_from_config",
    "suggest",
    "user_dirs",
]
