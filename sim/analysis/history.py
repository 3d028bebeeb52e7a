"""Historical cases (``configs/history/``): which keys are state and which behaviour, loading and running a case.

A case is the 2026 configuration with one file of ``configs/history/`` added
(``+history=NAME``): the file sets the state of the world and the context of
the actors as they were when those talks opened, and a ``history`` block with
what happened. Every behavioural parameter stays the baseline's, so all cases
and the 2026 baseline share one set of behavioural rules and numbers
(``../shared/design/retrodiction.md``, "State from the time, behaviour
shared"). :func:`behavioural_keys` finds a case that breaks that rule.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import yaml

from sim.analysis import retro
from sim.core.declare import kind_of_key
from sim.core.params import OUTCOMES, WEEKS_PER_ROUND, ConfigError, Scenario
from sim.core.paths import declared_field
from sim.core.runner import Results, simulate

# ------------------------------------------------------------------ state or behaviour

#: Keys of a case file that are not parameters: documentation and the outcome.
META_KEYS = ("provenance", "source", "scenario", "history", "defaults")


def kind_of(cls: type, name: str) -> str:
    """``"state"``, ``"behaviour"`` or ``"label"`` for field ``name`` of core dataclass ``cls``.

    The one declaration is the field's ``kind`` metadata in :mod:`sim.core.params`
    (``param(..., kind=...)``); this only turns an unknown name into a one-line error.
    """
    kind = kind_of_key(cls, name)
    if kind is None:
        raise ConfigError(f"{name!r} is not a parameter of a {cls.__name__.lower()}")
    return kind


def state_keys(cls: type) -> tuple[str, ...]:
    """The fields of ``cls`` declared as state."""
    import dataclasses

    return tuple(f.name for f in dataclasses.fields(cls) if kind_of(cls, f.name) == "state")


def _leaves(node: Mapping, prefix: str = "") -> list[str]:
    out = []
    for key, value in node.items():
        if key in META_KEYS:
            continue
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            out.extend(_leaves(value, path + "."))
        else:
            out.append(path)
    return out


def keys_set(path: Path) -> list[str]:
    """The dotted parameter keys a case file sets (documentation and the outcome block left out)."""
    data = yaml.safe_load(Path(path).read_text()) or {}
    return _leaves(data)


def config_kind(key: str, roles: Mapping[str, str]) -> str:
    """The kind of a dotted key of the configuration, ``roles`` giving each actor key's role.

    ``world.X`` is a field of World; ``actors.K.X`` a field of K's role class;
    ``actors.K`` alone (an actor added or removed) is state: who is in the
    room is a fact of the time; so are scheduled ``transitions``. Anything else (the agenda, the events, the
    horizon ``max_rounds``) is behaviour.
    """
    parts = key.split(".")
    if parts[0] == "transitions":  # scheduled changes of government: facts of the time (sim.core.params.Transition)
        return "state"
    if parts[0] == "actors" and len(parts) == 2:
        return "state"
    # the agenda and the events are lists in a config file (agenda.issues.0...): only world and actors keys read
    # as parameter paths
    found = declared_field(key, roles) if parts[0] in ("world", "actors") else None
    return "behaviour" if found is None else kind_of(*found)


def _defaults_entries(path: Path) -> list[str]:
    """The defaults-list entries of a case file that are behaviour: anything but adding a stock actor file.

    ``- /actors@actors.K: K`` adds actor K with its stock file
    ``configs/actors/K.yaml`` (state: who is present); selecting another
    agenda, world or events file, or another file for an actor, would change
    behaviour wholesale.
    """
    data = yaml.safe_load(Path(path).read_text()) or {}
    flagged = []
    for entry in data.get("defaults") or []:
        if entry == "_self_":
            continue
        if isinstance(entry, Mapping) and len(entry) == 1:
            ((key, option),) = entry.items()
            group, _, package = str(key).lstrip("/").partition("@")
            if group == "actors" and package == f"actors.{option}":
                continue  # the stock file of an actor, under its own name
        flagged.append(f"defaults: {entry}")
    return flagged


def behavioural_keys(path: Path, roles: Mapping[str, str]) -> list[str]:
    """The keys a case file sets that are not state (behaviour or labels): a case must set none (the protocol's rule 1)."""
    return [*_defaults_entries(path), *(k for k in keys_set(path) if config_kind(k, roles) != "state")]


# ------------------------------------------------------------------ loading and running


def history_dir(config_dir: Path | None = None) -> Path:
    from sim.config.compose import CONFIG_DIR

    return Path(config_dir or CONFIG_DIR) / "history"


def known_cases(config_dir: Path | None = None, overrides: Sequence[str] = ()) -> list[str]:
    """The cases of ``configs/history/`` and of users' folders on ``hydra.searchpath``, by their start (``history.start``)."""
    from sim.config.compose import user_dirs

    def start(path: Path) -> str:
        try:
            return str(((yaml.safe_load(path.read_text()) or {}).get("history") or {}).get("start", ""))
        except (OSError, yaml.YAMLError, AttributeError):
            return ""

    paths = {
        p.stem: p for d in [*user_dirs(list(overrides)), history_dir(config_dir).parent] for p in (d / "history").glob("*.yaml")
    }
    return [p.stem for p in sorted(paths.values(), key=lambda p: (start(p), p.stem))]


@dataclass(frozen=True)
class Case:
    """A historical case: its scenario (state of the time, baseline behaviour) and what happened."""

    name: str
    scenario: Scenario
    actual: str
    actual_weeks: int
    history: dict
    roles: dict
    path: Path


def load_case(name: str, overrides: list[str] | None = None, config_dir: Path | None = None) -> Case:
    """Compose the baseline with ``+history=NAME`` (and optional overrides) into a :class:`Case`."""
    from omegaconf import OmegaConf

    from sim.config.compose import CONFIG_DIR, compose, scenario_from_config

    config_dir = Path(config_dir or CONFIG_DIR)
    known = known_cases(config_dir, overrides or ())
    if name not in known:
        raise ConfigError(f"unknown historical case {name!r}: known cases are {', '.join(known)}")
    full = [*(overrides or []), f"+history={name}"]
    cfg = compose(full, config_dir)
    scenario = scenario_from_config(cfg, [o for o in full if not o.startswith("hydra.searchpath")], config_dir)
    history = OmegaConf.to_container(cfg.history, resolve=True) if cfg.get("history") is not None else None
    where = f"configs/history/{name}.yaml"
    if not history:
        raise ConfigError(f"{where}: no history block: add history: {{actual: ..., actual_weeks: ...}}")
    if history["actual"] not in OUTCOMES:
        raise ConfigError(f"{where}: history.actual = {history['actual']!r}: use one of {', '.join(OUTCOMES)}")
    if not isinstance(history["actual_weeks"], int) or history["actual_weeks"] < 1:
        raise ConfigError(f"{where}: history.actual_weeks = {history['actual_weeks']!r}: use a whole number of weeks >= 1")
    roles = {k: str(a["role"]) for k, a in (OmegaConf.to_container(cfg.actors) or {}).items() if a is not None}
    return Case(
        name, scenario, history["actual"], int(history["actual_weeks"]), history, roles, history_dir(config_dir) / f"{name}.yaml"
    )


def run_case(case: Case, replications: int, seed: int = 0, **kwargs) -> Results:
    """``sim.simulate`` on the case's scenario: the same engine and behaviour as every other run."""
    return simulate(case.scenario, replications, seed, **kwargs)


def mean_rounds_to_outcome(results: Results, outcome: str) -> float:
    """Mean round at which the episodes that ended in ``outcome`` ended (NaN when none did)."""
    value = results.summary["mean_rounds"].get(outcome)
    return float("nan") if value is None else float(value)


def score_cases(
    cases: Sequence[str],
    replications: int,
    seed: int = 0,
    *,
    overrides: Sequence[str] = (),
    workers: int = 1,
    adjust: Callable[[Case], Case] | None = None,
) -> tuple[pd.DataFrame, dict[str, Results]]:
    """Run and score every case: the table of :func:`sim.analysis.retro.score_table` with Wilson intervals, and the runs.

    ``overrides`` (``scenario=NAME``, ``KEY=VALUE``, ``hydra.searchpath``) change the shared behaviour
    of every case; run settings among them are ignored here (``replications`` and ``seed`` are given).

    Each row also holds ``p_<outcome>_low``/``_high`` (the 95% interval),
    ``floored`` and ``most_likely``; a probability estimated as 0 is scored at
    half a replication (see :mod:`sim.analysis.retro`). ``adjust``: a change
    applied to each case before it runs (e.g. :func:`without_stated_positions`,
    the mapping before rule 22).
    """
    rows, results = [], {}
    for name in cases:
        case = load_case(name, list(overrides))
        if adjust is not None:
            case = adjust(case)
        res = run_case(case, replications, seed, workers=workers)
        results[name] = res
        s = res.summary
        row = retro.case_row(
            name,
            case.actual,
            {o: s[f"p_{o}"] for o in OUTCOMES},
            mean_rounds=mean_rounds_to_outcome(res, case.actual),
            actual_weeks=case.actual_weeks,
            replications=replications,
            weeks=res.episodes.loc[res.episodes["outcome"] == case.actual, "round"].to_numpy() * WEEKS_PER_ROUND,
        )
        for o in OUTCOMES:
            row[f"p_{o}_low"], row[f"p_{o}_high"] = s["ci95"][o]
        rows.append(row)
    return retro.score_table(rows), results


def without_stated_positions(case: Case) -> Case:
    """The case as mapped before rule 22 (docs/history/mapping.md, revision of 7 Dec 2026): no stated positions."""
    principals = tuple(dataclasses.replace(p, stated={}) for p in case.scenario.principals)
    return dataclasses.replace(case, scenario=dataclasses.replace(case.scenario, principals=principals))
