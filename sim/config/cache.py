"""One cache of composed configurations: compose each set of structural overrides once, apply values to a copy.

Composing the configuration tree costs ~0.2 s; most variants of a sweep differ
only in values (``actors.israel.strike_propensity=0.3``). Structural overrides
(config groups such as ``scenario=...``, additions ``+key=...``, deletions,
sweeps) are composed once per distinct set; value overrides are applied to a
copy of that composition with OmegaConf's own type checks (the configuration
is a structured config). Anything the fast path cannot handle returns None, and
the caller composes the usual way, which then reports any error.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

from omegaconf import DictConfig, ListConfig, OmegaConf

from sim.config.overrides import split_override


class ComposeCache:
    """Compositions by their structural overrides; ``is_group(key)`` says whether a key names a config group."""

    def __init__(self, compose: Callable[[list[str]], DictConfig], is_group: Callable[[str], bool]) -> None:
        self.compose = compose
        self.is_group = is_group
        self._cache: dict[tuple[str, ...], DictConfig] = {}

    def __getstate__(self) -> dict:
        return {"compose": self.compose, "is_group": self.is_group, "_cache": {}}  # each process builds its own

    def split(self, parsed: list) -> tuple[list, list]:
        """Parsed overrides as (structural, values)."""
        structural: list = []
        values: list = []
        for override in parsed:
            key = split_override(override.input_line)[0]
            plain = (
                not override.is_hydra_override()
                and not override.is_sweep_override()
                and key == override.get_key_element()
                and "/" not in key
                and "@" not in key
                and not self.is_group(key)
            )
            (values if plain else structural).append(override)
        return structural, values

    def __call__(self, parsed: list) -> DictConfig | None:
        """The configuration for the parsed overrides, or None where the fast path does not apply."""
        structural, values = self.split(parsed)
        if not values:
            return None
        key = tuple(o.input_line for o in structural)
        base = self._cache.get(key)
        if base is None:
            base = self._cache[key] = self.compose(list(key))
        cfg = copy.deepcopy(base)
        for override in values:
            path = override.get_key_element()
            current = OmegaConf.select(cfg, path, default=None, throw_on_missing=False)
            value = override.value()
            if current is None or isinstance(current, DictConfig | ListConfig) or isinstance(value, dict | list):
                return None
            OmegaConf.update(cfg, path, value, merge=False)
        return cfg


def parse(overrides: list[str]) -> list:
    """Hydra's parse of override strings (raises Hydra's errors on malformed ones)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    return OverridesParser.create().parse_overrides(list(overrides))
