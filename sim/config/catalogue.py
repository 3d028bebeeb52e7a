"""Where the project's configs are and what they hold: the config folder, its scenarios, actors and groups."""

from __future__ import annotations

import dataclasses
from importlib.resources import files
from pathlib import Path

from sim.config import schema


def config_dir() -> Path:
    """The project's configs: package data ``sim/configs/`` in an installed wheel, else the checkout's ``configs/``.

    The repository keeps them at its top level; the wheel maps that folder into the package (``package-dir``
    in pyproject.toml). A checkout or the editable install has no ``sim/configs/``: the folder beside the
    package is read where it is.
    """
    package = Path(str(files("sim")))
    for candidate in (package / "configs", package.parent / "configs"):
        if (candidate / "config.yaml").is_file():
            return candidate
    return package / "configs"  # not found: Hydra's own error names this path


CONFIG_DIR = config_dir()
ACTOR_META = ("role", "provenance")
#: Keys of the root configuration (run settings, horizon, provenance and the groups).
TOP_KEYS = tuple(f.name for f in dataclasses.fields(schema.ConfigSchema))
#: Groups whose one selected file fills the package of the same name.
GROUPS = ("agenda", "world", "events")

schema.register()


def _options(group: str, config_dir: Path) -> list[str]:
    return sorted(p.stem for p in (config_dir / group).glob("*.yaml"))


def known_scenarios(config_dir: Path = CONFIG_DIR) -> list[str]:
    return _options("scenario", config_dir)


def known_actors(config_dir: Path = CONFIG_DIR) -> list[str]:
    return _options("actors", config_dir)
