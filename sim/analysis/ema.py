"""EMA Workbench's workflow on the simulator: uncertainties, levers and outcomes of one scenario.

:func:`model` returns an ``ema_workbench.Model`` whose uncertainties are the
declared ranges of the assumptions (``configs/uncertainty/``), whose levers
are the declared levers (fields marked ``param(..., lever=WHO)`` in
:mod:`sim.core.params`, with the range of choices of ``configs/levers/``) and
whose outcomes are P(deal), P(escalation), P(any strike) and the mean number
of rounds, each the share over a batch of replications. Every experiment runs
its batch with the same seed: the replications of every experiment meet the
same shocks (common random numbers), so two experiments differ only by their
parameters, and an experiment's outcomes are exactly those of
``simulate(scenario with its values, replications, seed)``.

``ema_workbench.perform_experiments(model, scenarios=..., policies=...)`` runs
on it, with the ``SequentialEvaluator`` or the ``MultiprocessingEvaluator``,
and its results go to EMA's own analysis (PRIM, feature scoring, dimensional
stacking) unchanged. A lever is never an uncertainty here: a path that is
both (an actor's agenda flexibility is an assumption of the baseline and a
choice) is a lever, held at the policy's value.

This module knows the model only through :func:`sim.core.runner.run_block`'s
per-replication arrays (outcome, round, any_strike) and the parameter paths of
:mod:`sim.core.uncertainty`: new mechanisms leave it unchanged.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.core.declare import LEVER_SELF, lever_of
from sim.core.params import ConfigError, Scenario, World
from sim.core.paths import ROLE_CLASSES, with_values
from sim.core.runner import DEFAULT_BLOCK_SIZE, block_sizes, run_block
from sim.core.uncertainty import Dist, parse_specs, with_draws

#: The outcomes of every experiment: shares over its replications (mean_rounds: the mean of the rounds played).
OUTCOMES = ("p_deal", "p_escalation", "p_any_strike", "mean_rounds")
DEFAULT_REPLICATIONS = 200


# ------------------------------------------------------------------ levers


def _field(cls: type, name: str) -> dataclasses.Field | None:
    return next((f for f in dataclasses.fields(cls) if f.name == name), None)


def lever_class(path: str, roles: Mapping[str, str]) -> tuple[type, str]:
    """The dataclass and field a lever path names, checked against the declarations; a one-line error if it is none.

    ``world.X``: a field of the world declared ``lever=<actor key>``; ``actors.K.X``: a field of K's role
    declared ``lever="self"``.
    """
    parts = path.split(".")
    cls: type
    if parts[0] == "world" and len(parts) == 2:
        cls, name = World, parts[1]
    elif parts[0] == "actors" and len(parts) == 3:
        role = roles.get(parts[1])
        if role not in ROLE_CLASSES:
            raise ConfigError(f"levers.{path}: this configuration has no actor {parts[1]!r}: use one of {', '.join(roles)}")
        cls, name = ROLE_CLASSES[role], parts[2]
    else:
        raise ConfigError(f"levers.{path}: name a lever as world.X or actors.<actor>.X")
    if _field(cls, name) is None:
        raise ConfigError(f"levers.{path}: a {cls.__name__.lower()} has no parameter {name!r}")
    who = lever_of(cls, name)
    if not who or (cls is World) == (who == LEVER_SELF):
        raise ConfigError(
            f"levers.{path} is not declared a lever: mark the field param(..., lever=...) in sim/core/params.py "
            "or remove its range from configs/levers/"
        )
    return cls, name


def whose(path: str, roles: Mapping[str, str]) -> str:
    """Whose choice a lever path is: the actor's config key."""
    cls, name = lever_class(path, roles)
    return lever_of(cls, name) if cls is World else path.split(".")[1]


def is_integer(path: str, roles: Mapping[str, str]) -> bool:
    """Whether the lever is a whole number of rounds (one value for every replication)."""
    cls, name = lever_class(path, roles)
    f = _field(cls, name)
    return f is not None and f.type in ("int", int)


@dataclass(frozen=True)
class Choices:
    """The choices of a lever that is no number (a name, a list of issues): ``{choices: [...], provenance: ...}``."""

    values: tuple
    provenance: str = ""

    @property
    def is_point(self) -> bool:
        return len(self.values) == 1

    def describe(self) -> str:
        return "one of " + ", ".join(repr(list(v)) if isinstance(v, tuple) else repr(v) for v in self.values)


#: A lever's range: a uniform range of numbers (a whole number of rounds for an int field) or a list of choices.
LeverRange = Dist | Choices


def _hashable(value):
    return tuple(_hashable(v) for v in value) if isinstance(value, list | tuple) else value


def _lever_leaves(tree: Mapping, prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, node in tree.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(node, Mapping) and "choices" not in node and "dist" not in node:
            out.update(_lever_leaves(node, path))
        elif node is not None:
            out[path] = node
    return out


def lever_specs(data: Mapping) -> dict[str, LeverRange]:
    """The lever ranges of a composed configuration (plain dict): {path: uniform Dist or Choices}, each checked.

    Levers of actors the configuration does not have (a scenario that removes the UAE) are left out.
    """
    roles = actor_roles(data)
    specs: dict[str, LeverRange] = {}
    for path, node in _lever_leaves(data.get("levers") or {}).items():
        parts = path.split(".")
        if parts[0] == "actors" and len(parts) == 3 and parts[1] not in roles:
            continue
        lever_class(path, roles)
        if isinstance(node, Mapping) and "choices" in node:
            values = node["choices"]
            if not isinstance(values, list | tuple) or not values:
                raise ConfigError(f"levers.{path}.choices = {values!r}: list the choices, e.g. [a, b]")
            specs[path] = Choices(tuple(_hashable(v) for v in values), str(node.get("provenance") or ""))
            continue
        dist = parse_specs({path: node})[path]
        if dist.kind != "uniform":
            raise ConfigError(f"levers.{path}: a lever's range of choices is uniform: give {{dist: uniform, low:, high:}}")
        specs[path] = dist
    return specs


def values_of(data: Mapping, levers) -> dict[str, Any]:
    """Each lever's value in a composed configuration (plain dict): a float, or the choice (lists as tuples)."""
    out = {}
    for path in levers:
        parts = path.split(".")
        node = data["world"] if parts[0] == "world" else data["actors"][parts[1]]
        value = node[parts[-1]]
        is_number = isinstance(value, int | float) and not isinstance(value, bool)
        out[path] = float(value) if is_number else _hashable(value)
    return out


def actor_roles(data: Mapping) -> dict[str, str]:
    return {key: actor.get("role") for key, actor in (data.get("actors") or {}).items() if actor}


# ------------------------------------------------------------------ one experiment


def apply(
    scenario: Scenario, values: Mapping[str, Any], aliases: Mapping[str, str], integers: frozenset[str] = frozenset()
) -> Scenario:
    """``scenario`` with each path of ``values`` set to its value (one for every replication), checked.

    Numbers go through :func:`sim.core.uncertainty.with_draws`; paths in ``integers`` (whole numbers of rounds,
    ``world.deadline``) are rounded, and choices (a name, a list of issues) set as they are, on the world or an actor.
    """
    floats = {p: float(v) for p, v in values.items() if p not in integers and _is_number(v)}
    out = with_draws(scenario, floats, aliases) if floats else scenario
    others = {p: (round(float(v)) if p in integers else v) for p, v in values.items() if p not in floats}
    if others:
        out = with_values(out, others, aliases)
    if others and out.world.ultimatum_by and out.world.deadline <= 0:
        # An ultimatum is a threat attached to a deadline: a lever setting with an ultimatum and no deadline (EMA's
        # samplers pair the two levers freely) is no ultimatum (configs/levers/ says so in its provenance).
        out = dataclasses.replace(out, world=dataclasses.replace(out.world, ultimatum_by=""))
    return out.validate() if others else out


def _is_number(value) -> bool:
    return isinstance(value, int | float | np.floating | np.integer) and not isinstance(value, bool)


def outcomes(arrays: Mapping[str, np.ndarray]) -> dict[str, float]:
    """The outcomes of one batch from its per-replication arrays (as :func:`sim.core.runner.run_block` returns them)."""
    outcome = np.asarray(arrays["outcome"])
    return {
        "p_deal": float(np.mean(outcome == 0)),
        "p_escalation": float(np.mean(outcome == 1)),
        "p_any_strike": float(np.mean(arrays["any_strike"])),
        "mean_rounds": float(np.mean(arrays["round"])),
    }


def run_batch(scenario: Scenario, replications: int, seed: int, block_size: int = DEFAULT_BLOCK_SIZE) -> dict[str, float]:
    """The outcomes of ``replications`` replications of ``scenario``: the blocks of ``simulate(scenario, replications, seed)``."""
    blocks = [run_block(scenario, n, seed, b) for b, n in enumerate(block_sizes(replications, block_size))]
    keys = ("outcome", "any_strike", "round")
    return outcomes({k: np.concatenate([blk[k] for blk in blocks]) for k in keys})


@dataclass(frozen=True)
class Experiment:
    """The model function EMA Workbench calls: keyword arguments by parameter path, outcomes by name.

    Picklable (a frozen dataclass of plain data), so the ``MultiprocessingEvaluator`` can send it to its workers.
    """

    scenario: Scenario
    aliases: Mapping[str, str]
    replications: int = DEFAULT_REPLICATIONS
    seed: int = 0
    integers: frozenset[str] = field(default_factory=frozenset)

    def __call__(self, **values: Any) -> dict[str, float]:
        return run_batch(apply(self.scenario, values, self.aliases, self.integers), self.replications, self.seed)


# ------------------------------------------------------------------ the EMA model


def name_of(path: str) -> str:
    """The EMA Workbench name of a parameter path (names must be Python identifiers): dots become ``__``."""
    if "__" in path:
        raise ConfigError(f"{path}: a parameter path with '__' has no EMA Workbench name: rename the actor, event or issue")
    return path.replace(".", "__")


def path_of(name: str) -> str:
    """The parameter path of an EMA Workbench name (:func:`name_of` undone)."""
    return name.replace("__", ".")


def workbench():
    """``ema_workbench``, imported without its warning that ipyparallel is not installed (not needed here)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import ema_workbench
    return ema_workbench


def model(
    scenario: Scenario,
    uncertainties: Mapping[str, Dist],
    levers: Mapping[str, LeverRange],
    *,
    aliases: Mapping[str, str] | None = None,
    integers: frozenset[str] | set[str] = frozenset(),
    replications: int = DEFAULT_REPLICATIONS,
    seed: int = 0,
    name: str | None = None,
):
    """An ``ema_workbench.Model`` of ``scenario``: ``uncertainties`` (assumption ranges), ``levers`` (choice ranges).

    A path that is in both is a lever. Point-valued uncertainties are set on the scenario (EMA constants would
    pass them to every call). EMA names a parameter by its path with ``__`` for dots (``actors__us__war_cost``,
    :func:`name_of`: EMA's names are Python identifiers) and passes it to the model by its path; EMA's samplers
    draw each uncertainty uniformly within its range, while :mod:`sim.analysis.policies` passes the project's
    own draws (the declared distributions) as scenarios.
    """
    wb = workbench()
    IntegerParameter, Model, RealParameter, ScalarOutcome = wb.IntegerParameter, wb.Model, wb.RealParameter, wb.ScalarOutcome
    CategoricalParameter, Category = wb.CategoricalParameter, wb.em_framework.parameters.Category
    aliases = dict(aliases or {})
    integers = frozenset(integers)
    if not isinstance(replications, int) or replications < 1:
        raise ConfigError(f"replications = {replications!r}: use a whole number >= 1")
    points = {p: d.low for p, d in uncertainties.items() if d.is_point and p not in levers}
    base = apply(scenario, points, aliases) if points else scenario
    m = Model(name or scenario.name, function=Experiment(base, aliases, replications, int(seed), integers))
    m.uncertainties = [
        RealParameter(name_of(p), d.low, d.high, variable_name=p)
        for p, d in uncertainties.items()
        if not d.is_point and p not in levers
    ]
    lever_parameters = []
    for p, d in levers.items():
        if d.is_point:
            continue
        if isinstance(d, Choices):
            categories = [Category(repr(v), v) for v in d.values]
            lever_parameters.append(CategoricalParameter(name_of(p), categories, variable_name=p))
        elif p in integers:
            lever_parameters.append(IntegerParameter(name_of(p), int(d.low), int(d.high), variable_name=p))
        else:
            lever_parameters.append(RealParameter(name_of(p), d.low, d.high, variable_name=p))
    m.levers = lever_parameters
    m.outcomes = [
        ScalarOutcome("p_deal", kind=ScalarOutcome.MAXIMIZE),
        ScalarOutcome("p_escalation", kind=ScalarOutcome.MINIMIZE),
        ScalarOutcome("p_any_strike", kind=ScalarOutcome.MINIMIZE),
        ScalarOutcome("mean_rounds"),
    ]
    return m


# ------------------------------------------------------------------ from the configuration


@dataclass
class Setup:
    """A composed configuration read for EMA: the scenario, its uncertainties and levers, and notes."""

    scenario: Scenario
    uncertainties: dict[str, Dist]
    levers: dict[str, LeverRange]
    aliases: dict[str, str]
    integers: frozenset[str]
    roles: dict[str, str]
    policy: dict[str, str]  # name, whose, description of the named policy (empty: none)
    lever_values: dict[str, Any]  # each lever's value in this configuration (the policy's or the scenario's)
    held: dict[str, float]  # assumptions held at the scenario's value (its premise)


def setup(overrides: list[str] | None = None, *, uncertainty: str = "assumptions") -> Setup:
    """Compose ``overrides`` (``scenario=NAME``, ``policy=NAME``, any KEY=VALUE) and read it for EMA.

    The uncertainties are those of ``uncertainty=`` (as ``python -m sim explore`` draws them: a parameter the
    scenario sets is its premise and stays at its value), minus the levers.
    """
    from omegaconf import OmegaConf

    from sim.config.compose import compose, scenario_from_config
    from sim.config.uncertainty import parameters

    overrides = list(overrides or [])
    if not any(o.lstrip("+").startswith("uncertainty=") for o in overrides):
        overrides.insert(0, f"uncertainty={uncertainty}")
    cfg = compose(overrides)
    scenario = scenario_from_config(cfg, overrides)
    data = OmegaConf.to_container(cfg, resolve=True)
    assert isinstance(data, dict)
    composed: dict[tuple, Any] = {tuple(overrides): data}

    def values_for(more: list[str]) -> dict:
        if tuple(more) not in composed:
            composed[tuple(more)] = OmegaConf.to_container(compose(more), resolve=True)
        return parameters(composed[tuple(more)])

    roles = actor_roles(data)
    aliases = {key: actor["name"] for key, actor in (data.get("actors") or {}).items() if actor}
    levers = lever_specs(data)
    values = parameters(data)
    lever_values = values_of(data, levers)
    # the scenario's premises as sim.explore holds them, read against the baseline without the policy
    plain = [o for o in overrides if not o.lstrip("+").startswith("policy=")]
    scenario_values = values_for(plain)
    # the baseline as sim.explore reads it (the uncertainty group changes no value; the same list hits the cache)
    default = values_for([*(o for o in overrides if o.lstrip("+").startswith("uncertainty=")), "scenario=baseline"])
    specs = parse_specs(data.get("uncertainty") or {})
    uncertainties, held = {}, {}
    for path, dist in specs.items():
        if path in levers or path not in values:
            continue
        if path in default and scenario_values.get(path, (None,))[0] != default[path][0]:
            held[path] = scenario_values[path][0]
            continue
        uncertainties[path] = dist
    integers = frozenset(p for p, d in levers.items() if isinstance(d, Dist) and is_integer(p, roles))
    meta = data.get("policy") or {}
    policy = {k: str(meta.get(k, "")) for k in ("name", "whose", "description")} if meta else {}
    return Setup(scenario, uncertainties, levers, aliases, integers, roles, policy, lever_values, held)


def model_from(
    scenario: str = "baseline",
    overrides: list[str] | None = None,
    *,
    uncertainty: str = "assumptions",
    replications: int = DEFAULT_REPLICATIONS,
    seed: int = 0,
):
    """The EMA model of a named scenario (``sim.ema.model("baseline")``), with any further overrides."""
    s = setup([f"scenario={scenario}", *(overrides or [])], uncertainty=uncertainty)
    return model(
        s.scenario,
        s.uncertainties,
        s.levers,
        aliases=s.aliases,
        integers=s.integers,
        replications=replications,
        seed=seed,
        name=s.scenario.name,
    )
