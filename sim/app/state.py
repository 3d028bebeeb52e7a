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

import dataclasses
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from sim import ConfigError, Results, Scenario, load_scenario, simulate
from sim.core.stats import Z95, paired_difference, wilson_interval

OUTCOMES = ("deal", "escalation", "stalemate")
DEFAULT_REPLICATIONS = 10_000


@dataclass(frozen=True)
class Knob:
    """A slider over one config key (a Hydra override key such as ``actors.oman.effectiveness``)."""

    key: str
    label: str
    low: float
    high: float
    step: float
    integer: bool = False

    def clip(self, value: float) -> float | int:
        """``value`` on the slider's grid: inside its range, rounded to its step (no 0.30000000000000004)."""
        value = min(max(float(value), self.low), self.high)
        if self.integer:
            return round(value)
        decimals = max(0, -math.floor(math.log10(self.step))) if self.step < 1 else 0
        return round(round(value / self.step) * self.step, decimals + 2)

    def override(self, value) -> str:
        return f"{self.key}={self.clip(value)}"

    def around(self, value: float) -> Knob:
        """This knob with its range widened, where needed, to hold a scenario's configured ``value``."""
        return dataclasses.replace(self, low=min(self.low, value), high=max(self.high, value))

    def same(self, a: float, b: float) -> bool:
        """Whether two values are one position of the slider."""
        return abs(float(a) - float(b)) < self.step / 2


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
    #: Per knob, the range ``uncertainty=assumptions`` draws it from (sim/configs/uncertainty/assumptions.yaml):
    #: where the configs place its plausible values. Knobs without a range there are left out.
    plausible: Mapping[str, tuple[float, float]] = field(default_factory=dict)


def plausible_ranges(name: str, keys) -> dict[str, tuple[float, float]]:
    """The ranges of the assumptions file for ``keys`` in scenario ``name`` (empty when it cannot be composed)."""
    from omegaconf import OmegaConf

    from sim.config.compose import compose
    from sim.core.uncertainty import parse_specs

    try:
        data = OmegaConf.to_container(compose([f"scenario={name}", "uncertainty=assumptions"]), resolve=True)
        specs = parse_specs(dict(data.get("uncertainty") or {}), prefix="")
    except (ConfigError, ValueError):
        return {}
    return {key: (float(specs[key].low), float(specs[key].high)) for key in keys if key in specs}


def known_scenarios() -> list[str]:
    """The scenario names of the configs (``scenario=NAME``)."""
    from sim.config.compose import known_scenarios as names

    return names()


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

    overrides = [f"scenario={name}"]
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
    actors = {key: str(a.get("name")) for key, a in (cfg.get("actors") or {}).items() if a is not None}
    meta = cfg.get("scenario") or {}
    plausible = plausible_ranges(name, values)
    return Configured(name, str(meta.get("description", "")), scenario, tuple(knobs), values, provenance, actors, plausible)


def _replace_actor(scenario: Scenario, name: str, attr: str, value) -> Scenario | None:
    for group in ("principals", "mediators", "spoilers", "stakeholders"):
        actors = getattr(scenario, group)
        for i, actor in enumerate(actors):
            if actor.name != name:
                continue
            if attr.count(".") == 1:  # a mapping parameter, e.g. pressure.sanctions
                outer, inner = attr.split(".")
                mapping = getattr(actor, outer, None)
                if not isinstance(mapping, dict):
                    return None
                new = dataclasses.replace(actor, **{outer: {**mapping, inner: value}})
            elif attr in {f.name for f in dataclasses.fields(actor)}:
                new = dataclasses.replace(actor, **{attr: value})
            else:
                return None
            return dataclasses.replace(scenario, **{group: (*actors[:i], new, *actors[i + 1 :])})
    return None


def _replace(scenario: Scenario, configured: Configured, key: str, value) -> Scenario | None:
    """``scenario`` with config key ``key`` set to ``value``, or None when the key has no fast path."""
    parts = key.split(".")
    if len(parts) == 1 and parts[0] in {f.name for f in dataclasses.fields(scenario)}:
        return dataclasses.replace(scenario, **{parts[0]: value})
    if parts[0] == "world" and len(parts) == 2 and parts[1] in {f.name for f in dataclasses.fields(scenario.world)}:
        return dataclasses.replace(scenario, world=dataclasses.replace(scenario.world, **{parts[1]: value}))
    if parts[0] == "actors" and len(parts) in (3, 4) and parts[1] in configured.actor_names:
        return _replace_actor(scenario, configured.actor_names[parts[1]], ".".join(parts[2:]), value)
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
        return load_scenario(configured.name, [knobs[k].override(v) for k, v in diff.items()])
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
    base = _run(configured.name, int(replications), int(seed))
    diff = overrides(configured, values)
    results = base if not diff else simulate(scenario_with(configured, values), int(replications), int(seed))
    x, y = indicators(base.episodes), indicators(results.episodes)
    difference = {event: paired_difference(x[event], y[event]) for event in y if event in x}
    return Odds(results, base, tuple(diff), difference, time.perf_counter() - start)


def save_run(odds: Odds, directory: str | Path | None = None, *, root: str | Path = "outputs/dashboard") -> Path:
    """Write the run on screen as the command line does: ``summary.json``, ``episodes.parquet``.

    Also ``.hydra/overrides.yaml`` (the scenario, the changed knobs, seed and
    replications), which is what ``python -m sim compare`` labels a run with. The
    default folder is ``outputs/dashboard/<label>/<time>-<id>``, the layout of every command
    (:mod:`sim.config.layout`; the label names the scenario and the changed knobs).
    """
    from omegaconf import OmegaConf

    from sim.io import write_results

    summary = odds.results.summary
    if directory is None:
        from sim.config.layout import run_folder

        directory = run_folder("", summary["scenario"], odds.overrides, root=root)
    directory = Path(directory)
    write_results(odds.results, directory)
    line = [
        f"scenario={summary['scenario']}",
        *odds.overrides,
        f"seed={summary['seed']}",
        f"replications={summary['replications']}",
    ]
    (directory / ".hydra").mkdir(parents=True, exist_ok=True)
    OmegaConf.save(OmegaConf.create(line), directory / ".hydra" / "overrides.yaml")
    return directory
