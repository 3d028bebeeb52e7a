"""What the history-weighted calibration runs: the cases and forecast targets, and the prior over the behaviour.

A :class:`Target` is a scenario run under every parameter vector (a historical
case with its outcome, or a forecast); the prior is the behavioural ranges of
``uncertainty=<name>`` (state is each case's own and is never drawn). Loading
composes the configuration as ``python -m sim`` does. The method is
described in :mod:`sim.analysis.calibrate`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.core.params import OUTCOMES, ConfigError, Scenario
from sim.core.paths import applies_to, declared_field
from sim.core.uncertainty import Dist, sample, stream, with_draws

#: Spawn key of the prior vectors' stream (apart from the exploration's 0 and 1).
VECTOR_STREAM = 2


@dataclass(frozen=True)
class Target:
    """A scenario the calibration runs under every vector: a case (``actual`` set) or a forecast (``actual`` None)."""

    name: str
    scenario: Scenario | None  # None: a toy target for checking the machinery (toy_run)
    actual: str | None
    aliases: Mapping[str, str]  # actor config key -> actor name
    actors: frozenset[str]  # actor config keys present

    @property
    def actual_index(self) -> int:
        if self.actual is None:
            raise ValueError(f"{self.name} has no outcome")
        return OUTCOMES.index(self.actual)


def path_kind(path: str, roles: Mapping[str, str]) -> str:
    """``state`` or ``behaviour`` for a parameter path of :func:`sim.core.uncertainty.with_draws`.

    The one declaration is the core's (``param(kind=...)``): ``world.X``,
    ``actors.K.X[.sub]`` by the field of the actor's role class,
    ``agenda.I.status_quo`` by :class:`~sim.core.params.Issue`, ``events.*`` by
    :class:`~sim.core.params.Event`.
    """
    from sim.analysis.history import kind_of

    found = declared_field(path, roles)
    return "behaviour" if found is None else kind_of(*found)


def behaviour_specs(specs: Mapping[str, Dist], roles: Mapping[str, str]) -> dict[str, Dist]:
    """The ranges of behavioural parameters only, points left out (state is each case's and is never drawn)."""
    return {p: d for p, d in specs.items() if not d.is_point and path_kind(p, roles) == "behaviour"}


def prior_draws(specs: Mapping[str, Dist], vectors: int, seed: int) -> dict[str, np.ndarray]:
    """K vectors from the prior ranges: (K,) per parameter, from a stream of their own (``stream(seed, 2)``)."""
    if vectors < 1:
        raise ConfigError(f"vectors = {vectors}: use a whole number >= 1")
    return sample(specs, vectors, stream(seed, VECTOR_STREAM))


def vector_scenario(target: Target, draws: Mapping[str, np.ndarray], k: int) -> Scenario:
    """The target's scenario with vector ``k`` (parameters of actors the target lacks left out)."""
    if target.scenario is None:
        raise ConfigError(f"{target.name}: a toy target has no scenario to simulate")
    values = {p: float(v[k]) for p, v in draws.items() if applies_to(p, target.actors)}
    return with_draws(target.scenario, values, target.aliases, check=False) if values else target.scenario


def vectors_scenario(target: Target, draws: Mapping[str, np.ndarray], lo: int, hi: int, per_vector: int) -> Scenario:
    """The target's scenario with vectors ``lo`` to ``hi - 1`` as parameters drawn per replication: each vector's
    values repeated over ``per_vector`` consecutive rows (vector k in rows ``(k - lo) * per_vector`` onwards), so
    one batch runs them all (:func:`sim.analysis.calibrate.run_vectors`)."""
    if target.scenario is None:
        raise ConfigError(f"{target.name}: a toy target has no scenario to simulate")
    applying = {p: v for p, v in draws.items() if applies_to(p, target.actors)}
    values = {p: np.repeat(np.asarray(v[lo:hi], dtype=np.float64), per_vector) for p, v in applying.items()}
    return with_draws(target.scenario, values, target.aliases, check=False) if values else target.scenario


#: Scenarios forecast under the prior and the posterior besides the cases (no outcome): 2026 by the rules and as read.
FORECASTS = ("feb_2026_by_rules", "baseline")


def _target(name: str, overrides: list[str], actual: str | None, cfg=None) -> Target:
    """The target composed from ``overrides`` (``cfg``: that composition when the caller already has it)."""
    from omegaconf import OmegaConf

    from sim.config.compose import compose, scenario_from_config

    if cfg is None:
        cfg = compose(overrides)
    data = OmegaConf.to_container(cfg, resolve=True)
    actors = {k: a for k, a in (data.get("actors") or {}).items() if a is not None}
    return Target(
        name,
        scenario_from_config(cfg, overrides),
        actual,
        {k: str(a["name"]) for k, a in actors.items()},
        frozenset(actors),
    )


def case_names(config_dirs: Sequence[str | Path] = ()) -> list[str]:
    """The package's cases and those in ``<dir>/history/`` of each user folder, in chronological order."""
    import yaml

    from sim.analysis.history import history_dir

    paths = {p.stem: p for p in history_dir().glob("*.yaml")}
    for d in config_dirs:
        paths.update({p.stem: p for p in (Path(d) / "history").glob("*.yaml")})

    def start(path: Path) -> str:
        try:
            return str(((yaml.safe_load(path.read_text()) or {}).get("history") or {}).get("start", ""))
        except (OSError, yaml.YAMLError, AttributeError):
            return ""

    return sorted(paths, key=lambda n: (start(paths[n]), n))


def load_targets(
    config_dirs: Sequence[str | Path] = (), cases: Sequence[str] | None = None, forecasts: Sequence[str] = FORECASTS
) -> list[Target]:
    """The historical cases (with their outcomes) and the forecast scenarios, composed as ``python -m sim`` would."""
    from sim.config.overrides import with_search_path

    dirs = [str(Path(d).resolve()) for d in config_dirs]
    known = case_names(config_dirs)
    chosen = list(cases) if cases else known
    for name in chosen:
        if name not in known:
            raise ConfigError(f"unknown historical case {name!r}: known cases are {', '.join(known)}")
    out = []
    for name in chosen:
        overrides = with_search_path([f"+history={name}"], dirs)
        from sim.config.compose import compose

        cfg = compose(overrides)  # once per case (a composition costs about a second): its outcome, then its target
        history = cfg.get("history")
        actual = None if history is None else history.get("actual")
        if actual not in OUTCOMES:
            raise ConfigError(f"history/{name}.yaml: history.actual = {actual!r}: use one of {', '.join(OUTCOMES)}")
        out.append(_target(name, overrides, str(actual), cfg))
    for name in forecasts:
        out.append(_target(name, with_search_path([f"scenario={name}"], dirs), None))
    return out


def prior_specs(config_dirs: Sequence[str | Path] = (), uncertainty: str = "assumptions") -> dict[str, Dist]:
    """The behavioural ranges of ``uncertainty=<name>`` on the baseline (state ranges and points left out)."""
    from omegaconf import OmegaConf

    from sim.config.compose import compose
    from sim.config.overrides import with_search_path
    from sim.core.uncertainty import parse_specs

    dirs = [str(Path(d).resolve()) for d in config_dirs]
    data = OmegaConf.to_container(compose(with_search_path([f"uncertainty={uncertainty}"], dirs)), resolve=True)
    roles = {k: str(a["role"]) for k, a in (data.get("actors") or {}).items() if a}
    return behaviour_specs(parse_specs(data.get("uncertainty") or {}), roles)


def identity(config_dirs: Sequence[str | Path] = ()) -> dict[str, str]:
    """What a posterior depends on, by file: the simulation code (``sim/core``), the configs (every YAML file of
    the package's ``configs/`` the cases compose with, the prior ranges among them) and the cases (``history/*.yaml``, the
    package's and the user folders'). Quick to compute, so every run can check the posterior it uses."""
    import hashlib

    from sim.config.compose import CONFIG_DIR
    from sim.io import code_fingerprint

    def digest(paths) -> str:
        h = hashlib.sha256()
        for path in paths:
            h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
        return h.hexdigest()[:16]

    root = Path(CONFIG_DIR)
    # every config the cases compose with; not the other scenarios or the sweeps (the cases never select them)
    configs = sorted(p for p in root.rglob("*.yaml") if p.parent.name not in ("history", "scenario", "sweep"))
    cases = sorted(root.glob("history/*.yaml")) + [p for d in config_dirs for p in sorted((Path(d) / "history").glob("*.yaml"))]
    return {"code": code_fingerprint(), "configs": digest(configs), "cases": digest(cases)}
