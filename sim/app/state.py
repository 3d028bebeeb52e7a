"""What the dashboard computes, free of Solara: knobs, their provenance, live odds, saved runs.

A scenario is composed with Hydra once (:func:`configure`, about a quarter of a
second); a change of a knob then rebuilds the typed :class:`~sim.Scenario` with
:func:`dataclasses.replace` (microseconds) and validates it, which gives the
same scenario as ``load_scenario(name, overrides)`` (checked for every knob in
``tests/app/test_state.py``). A key the fast path does not know falls back to
composing with the override, so a knob never silently does nothing.

Live odds (:func:`live_odds`) run the changed scenario and the scenario as
configured with the same seed, so replication k of both met the same random
numbers (common random numbers) and their difference is estimated pair by pair
(:func:`sim.core.stats.paired_difference`).
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from sim import ConfigError, Results, Scenario, load_scenario, simulate
from sim.core.params import OUTCOMES
from sim.core.paths import Knob, actor_aliases, with_values
from sim.core.stats import Z95, paired_difference, wilson_interval

DEFAULT_REPLICATIONS = 10_000
#: The bounds a browser's requests are held to (whatever a crafted websocket message says).
REPLICATION_CHOICES = (1_000, 10_000, 100_000)
MAX_REPLICATIONS = max(REPLICATION_CHOICES)
MAX_SEED = 2**32 - 1
#: Users' config folders (``muscat-sim-app --config-dir DIR``), separated by ``os.pathsep``: the entry point passes
#: them to the Solara server in this variable; every composition of the dashboard puts them on Hydra's search path.
CONFIG_DIRS_ENV = "MUSCAT_APP_CONFIG_DIRS"


#: The parameters users argue about. A knob whose key a scenario does not set is not shown
#: (e.g. a key that only exists once the mechanics of private information are in the configs).
KNOBS: tuple[Knob, ...] = (
    Knob("actors.oman.effectiveness", "Oman's effectiveness as mediator", 0.0, 1.0, 0.05),
    Knob("actors.israel.strike_propensity", "Israel's strike propensity (per round)", 0.0, 0.2, 0.005),
    Knob("world.military_posture", "US military posture in the region", 0.0, 1.0, 0.05),
    Knob("actors.us.trust", "Washington's trust in Tehran", 0.0, 1.0, 0.05),
    Knob("actors.iran.trust", "Tehran's trust in Washington", 0.0, 1.0, 0.05),
    Knob("world.sanctions", "Sanctions on Iran", 0.0, 1.0, 0.05),
    Knob("actors.iran.pressure.sanctions", "Iran's sensitivity to sanctions", 0.0, 1.0, 0.05),
    Knob("max_rounds", "Rounds before the talks run out of time", 1, 60, 1, integer=True),
    # Keys of the mechanics of issue 10 (deadlines, private information): shown where the configs set them.
    Knob("world.deadline", "Deadline (round; 0: none)", 0, 60, 1, integer=True),
    Knob("world.extension_probability", "Chance of an extension at the deadline", 0.0, 1.0, 0.05),
    Knob("actors.us.resolve_spread", "Spread of Washington's private resolve", 0.0, 0.5, 0.01),
    Knob("actors.iran.resolve_spread", "Spread of Tehran's private resolve", 0.0, 0.5, 0.01),
)


@dataclass(frozen=True)
class Configured:
    """A named scenario composed once: its typed scenario, the value and provenance of each knob."""

    name: str
    description: str
    scenario: Scenario
    knobs: tuple[Knob, ...]
    values: Mapping[str, float]
    provenance: Mapping[str, str]
    actor_names: Mapping[str, str] = field(default_factory=dict)  # config key (oman) -> actor name (Oman)
    #: Per knob, the range ``uncertainty=assumptions`` draws it from (configs/uncertainty/assumptions.yaml):
    #: where the configs place its plausible values. Knobs without a range there are left out.
    plausible: Mapping[str, tuple[float, float]] = field(default_factory=dict)


def plausible_ranges(name: str, keys) -> dict[str, tuple[float, float]]:
    """The ranges of the assumptions file for ``keys`` in scenario ``name`` (empty when it cannot be composed)."""
    from omegaconf import OmegaConf

    from sim.config.compose import compose
    from sim.core.uncertainty import parse_specs

    try:
        data = OmegaConf.to_container(compose([f"scenario={name}", "uncertainty=assumptions", *search_path()]), resolve=True)
        specs = parse_specs(dict(data.get("uncertainty") or {}), prefix="")
    except (ConfigError, ValueError):
        return {}
    return {key: (float(specs[key].low), float(specs[key].high)) for key in keys if key in specs}


def search_path() -> list[str]:
    """The override that puts the users' config folders (:data:`CONFIG_DIRS_ENV`) on Hydra's search path, or none."""
    from sim.config.overrides import with_search_path

    return with_search_path([], [d for d in os.environ.get(CONFIG_DIRS_ENV, "").split(os.pathsep) if d])


def known_scenarios() -> list[str]:
    """The scenario names of the configs (``scenario=NAME``), the users' folders' (``--config-dir``) included."""
    from sim.config.compose import known_scenarios as names
    from sim.config.errors import user_dirs

    return sorted({*names(), *(name for d in user_dirs(search_path()) for name in names(d))})


def _node(cfg, dotted: str):
    node = cfg
    for part in dotted.split("."):
        if not hasattr(node, "get") or node.get(part) is None:
            return None
        node = node.get(part)
    return node


def _provenance(cfg, key: str) -> str:
    """The provenance string of ``key``: the nearest ``provenance`` entry of its parents that names it."""
    parts = key.split(".")
    for cut in range(len(parts) - 1, -1, -1):
        parent = _node(cfg, ".".join(parts[:cut])) if cut else cfg
        prov = parent.get("provenance") if parent is not None and hasattr(parent, "get") else None
        rest = parts[cut:]
        entry = _node(prov, ".".join(rest)) if prov is not None else None
        if entry is None and prov is not None and len(rest) > 1:
            entry = prov.get(rest[0])  # e.g. pressure: "...", the provenance of a whole mapping
        if isinstance(entry, str):
            return entry
    return "no provenance given"


@lru_cache(maxsize=32)
def configure(name: str) -> Configured:
    """Compose scenario ``name`` once; the knobs it sets with their values and provenance."""
    from omegaconf import OmegaConf

    from sim.config.compose import compose, scenario_from_config

    overrides = [f"scenario={name}", *search_path()]
    cfg = compose(overrides)
    scenario = scenario_from_config(cfg, overrides)
    knobs, values, provenance = [], {}, {}
    for knob in KNOBS:
        value = OmegaConf.select(cfg, knob.key, default=None)
        if not isinstance(value, int | float) or isinstance(value, bool):
            continue
        knobs.append(knob.around(value))
        values[knob.key] = int(value) if knob.integer else float(value)
        provenance[knob.key] = _provenance(cfg, knob.key)
    actors = actor_aliases(cfg.get("actors"))
    meta = cfg.get("scenario") or {}
    plausible = plausible_ranges(name, values)
    return Configured(name, str(meta.get("description", "")), scenario, tuple(knobs), values, provenance, actors, plausible)


def _replace(scenario: Scenario, configured: Configured, key: str, value) -> Scenario | None:
    """``scenario`` with parameter ``key`` set to ``value``, or None when the key is no parameter path of it."""
    try:
        return with_values(scenario, {key: value}, configured.actor_names)
    except ConfigError:
        return None


def changed(configured: Configured, values: Mapping[str, float]) -> dict[str, float]:
    """The knobs set away from the scenario as configured, on their sliders' grid."""
    knobs = {k.key: k for k in configured.knobs}
    out = {}
    for key, value in values.items():
        if key not in knobs:
            raise ConfigError(f"{key} is not a knob of scenario {configured.name}: use one of {', '.join(knobs)}")
        if not knobs[key].same(value, configured.values[key]):
            out[key] = knobs[key].clip(value)
    return out


def overrides(configured: Configured, values: Mapping[str, float]) -> list[str]:
    """The Hydra overrides that turn the scenario as configured into the one on screen."""
    knobs = {k.key: k for k in configured.knobs}
    return [knobs[key].override(value) for key, value in changed(configured, values).items()]


def scenario_with(configured: Configured, values: Mapping[str, float]) -> Scenario:
    """The scenario with the knobs at ``values`` (same as ``load_scenario(name, overrides(...))``)."""
    diff = changed(configured, values)
    scenario = configured.scenario
    for key, value in diff.items():
        scenario = _replace(scenario, configured, key, value) if scenario is not None else None
    if scenario is None:  # a key without a fast path: compose (a quarter of a second)
        knobs = {k.key: k for k in configured.knobs}
        return load_scenario(configured.name, [*search_path(), *[knobs[k].override(v) for k, v in diff.items()]])
    return scenario.validate()


@dataclass(frozen=True)
class Odds:
    """One batch of live odds: the run on screen, the run as configured, their paired differences."""

    results: Results
    configured: Results
    overrides: tuple[str, ...]
    difference: Mapping[str, tuple[float, float]]  # event -> (mean of paired differences, its standard error)
    elapsed_s: float

    def probability(self, event: str) -> float:
        return float(indicators(self.results.episodes)[event].mean())

    def interval(self, event: str) -> tuple[float, float]:
        """The 95% Wilson interval of the probability (as the run's summary has it for the outcomes)."""
        hits = indicators(self.results.episodes)[event]
        return wilson_interval(int(hits.sum()), len(hits))

    def difference_interval(self, outcome: str) -> tuple[float, float]:
        mean, se = self.difference[outcome]
        return mean - Z95 * se, mean + Z95 * se

    @property
    def escalation_causes(self) -> dict[str, float]:
        return dict(self.results.summary.get("escalation_causes") or {})


def indicators(episodes) -> dict[str, np.ndarray]:
    """Per replication, 0 or 1: each outcome, and a strike at any time during the talks where the run records it."""
    out = {o: (episodes["outcome"] == o).to_numpy(dtype=np.int8) for o in OUTCOMES}
    if "any_strike" in episodes:
        out["any_strike"] = episodes["any_strike"].to_numpy(dtype=np.int8)
    return out


@lru_cache(maxsize=8)  # a run of 100,000 replications holds tens of megabytes
def _run(name: str, replications: int, seed: int) -> Results:
    """The scenario as configured, run once per (scenario, replications, seed) and kept."""
    return simulate(configure(name).scenario, replications, seed)


def live_odds(
    configured: Configured, values: Mapping[str, float], *, replications: int = DEFAULT_REPLICATIONS, seed: int = 0
) -> Odds:
    """Run the scenario with the knobs at ``values`` and compare it, pair by pair, with the scenario as configured."""
    start = time.perf_counter()
    if not 1 <= int(replications) <= MAX_REPLICATIONS:
        raise ConfigError(f"replications = {replications}: use at most {MAX_REPLICATIONS:,} per batch")
    base = _run(configured.name, int(replications), int(seed))
    diff = overrides(configured, values)
    results = base if not diff else simulate(scenario_with(configured, values), int(replications), int(seed))
    x, y = indicators(base.episodes), indicators(results.episodes)
    difference = {event: paired_difference(x[event], y[event]) for event in y if event in x}
    return Odds(results, base, tuple(diff), difference, time.perf_counter() - start)


def bounded_replications(value, allowed: tuple[int, ...] = REPLICATION_CHOICES) -> int:
    """The replications a client asked for if they are one of ``allowed``; ConfigError otherwise."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value not in allowed:
        raise ConfigError(f"replications = {str(value)[:40]!r}: choose one of {', '.join(f'{c:,}' for c in allowed)}")
    return int(value)


def bounded_seed(value) -> int:
    """A seed a client sent, if it is a whole number in [0, 2**32 - 1]; ConfigError otherwise."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SEED:
        raise ConfigError(f"seed = {value!r}: use a whole number from 0 to {MAX_SEED}")
    return value


def bounded_scenario(value) -> str:
    """A scenario name a client sent, if it is one of the configs' scenarios; ConfigError otherwise."""
    if not isinstance(value, str) or value not in known_scenarios():
        raise ConfigError(f"scenario {str(value)[:60]!r} is not known: choose one of {', '.join(known_scenarios())}")
    return value


def knob_value(knob: Knob, value) -> float | int:
    """A slider value a client sent, on the knob's grid; ConfigError for anything that is not a finite number."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConfigError(f"{knob.key} = {str(value)[:40]!r}: use a number from {knob.low:g} to {knob.high:g}")
    return knob.clip(value)


def save_run(odds: Odds, directory: str | Path | None = None, *, root: str | Path = "outputs/dashboard") -> Path:
    """Write the run on screen as the command line does: ``summary.json``, ``episodes.parquet``.

    Also ``.hydra/overrides.yaml`` (the scenario, the changed knobs, seed and
    replications), which is what ``python -m sim compare`` labels a run with. The
    default folder is ``outputs/dashboard/<label>/<time>-<id>``, the layout of every command
    (:mod:`sim.config.layout`; the label names the scenario and the changed knobs), made
    here and never shared: two saves in the same second get two folders.
    """
    from omegaconf import OmegaConf

    from sim.io import write_results

    summary = odds.results.summary
    if directory is None:
        from sim.config.layout import run_folder

        while True:
            directory = run_folder("", summary["scenario"], odds.overrides, root=root)  # a label, never a path
            directory.parent.mkdir(parents=True, exist_ok=True)
            try:
                directory.mkdir()  # exclusive: an existing folder is never written into
                break
            except FileExistsError:
                continue
    directory = Path(directory)
    write_results(odds.results, directory)
    line = [
        f"scenario={summary['scenario']}",
        *search_path(),  # a scenario of a user's folder: compare composes it from there again
        *odds.overrides,
        f"seed={summary['seed']}",
        f"replications={summary['replications']}",
    ]
    (directory / ".hydra").mkdir(parents=True, exist_ok=True)
    OmegaConf.save(OmegaConf.create(line), directory / ".hydra" / "overrides.yaml")
    return directory
