"""Structured-config schemas behind every config group, registered in Hydra's ConfigStore.

Each group of ``configs/`` has a dataclass schema here; a YAML file extends its
schema through its defaults list (``defaults: [principal_schema, _self_]`` in
``configs/actors/us.yaml``), so a wrong type or an unknown key fails when Hydra
composes the configuration, before the model sees it. The root config extends
``config_schema``, which types the run settings and the scenario description.

Roles have different parameters, so the ``actors`` group has one schema per
role: ``principal_schema``, ``mediator_schema``, ``spoiler_schema`` and
``stakeholder_schema``. A new actor file picks the schema of its role.

Schemas check keys and types only. The semantic checks (ranges, saliences that
sum to one, red lines ordered and inside [0, 1]) stay in
:meth:`sim.core.params.Scenario.validate`. The field metadata ``doc`` and ``range``
is the text of ``docs/parameters.md`` (``python -m sim.docs``); a test keeps the
schemas, the parameter dataclasses of :mod:`sim.core.params` and that page in sync.

Defaults are those of the :mod:`sim.core.params` dataclasses; fields the model
cannot do without (an actor's name, a principal's ideal point) are mandatory
(``???``).
"""

# ruff: noqa: RUF009 - `param` returns a dataclasses.field with its doc metadata
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from omegaconf import MISSING

UNIT = "[0, 1]"
SIGNED = "[-1, 1]"


def param(default: Any = MISSING, *, doc: str, range: str = "", factory=None):
    """A schema field with its meaning and range (read by ``python -m sim.docs``)."""
    meta = {"doc": doc, "range": range}
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


PROVENANCE_DOC = "where each parameter's value comes from: a seed sentence, a public source or 'assumption'"


# ------------------------------------------------------------------- actors


@dataclass
class PrincipalSchema:
    """A party at the table that signs or walks away (the US, Iran)."""

    role: str = param("principal", doc="the actor's role; fixed by the schema the file extends")
    name: str = param(doc="display name, used in results (e.g. us_walkout) and by a spoiler's target")
    ideal: dict[str, float] = param(
        doc="ideal term per issue (0 = Tehran's end, 1 = Washington's maximal demand); one per issue, inside its own red lines",
        range="[0, 1] per issue",
    )
    salience: dict[str, float] = param(
        doc="weight of each issue in its utility; an issue left out weighs 0", range="[0, 1] per issue, sum = 1"
    )
    red_lines: dict[str, list[float]] = param(
        factory=dict,
        doc="interval [low, high] of terms it can ever accept, per issue; an issue left out is [0, 1]",
        range="0 <= low <= high <= 1",
    )
    refuses: list[str] = param(factory=list, doc="issues it refuses to discuss (agenda stance)", range="issue names")
    insists: list[str] = param(factory=list, doc="issues it insists on putting on the agenda", range="issue names")
    agenda_flexibility: float = param(
        0.1,
        doc="per-round chance of softening its stance on a contested issue (dropping a refusal; for the "
        "insisting side, accepting a parallel track, scaled by the mediator's effectiveness)",
        range=UNIT,
    )
    concession_e: float = param(
        1.0, doc="Faratin concession exponent e: below 1 Boulware (holds firm until late), above 1 Conceder", range="(0, 100]"
    )
    concession_k: float = param(0.0, doc="Faratin initial concession k: share conceded at the first round", range=UNIT)
    no_deal_value: float = param(0.5, doc="value of no deal (reservation utility) before pressure", range=UNIT)
    pressure: dict[str, float] = param(
        factory=dict,
        doc="sensitivity of the value of no deal to world variables (tension, nuclear_progress, "
        "military_posture, unrest, sanctions): it falls by sensitivity x variable",
        range="[-1, 1] per variable",
    )
    sovereignty_cost: float = param(
        0.0, doc="domestic cost of conceding: the aspiration floor rises by sovereignty_cost x unrest", range=UNIT
    )
    trust: float = param(0.5, doc="initial trust that the other side keeps a deal (discounts a package's value)", range=UNIT)
    force_propensity: float = param(
        0.0, doc="chance per failed round of turning to force when force looks better than continuing", range=UNIT
    )
    force_posture_weight: float = param(
        0.0, doc="weight of US military posture in its value of force (negative: deterred by it)", range=SIGNED
    )
    force_progress_weight: float = param(
        0.0, doc="weight of Iran's nuclear progress in its value of force (preventive motive)", range=SIGNED
    )
    war_cost: float = param(0.5, doc="cost of war on the utility scale, subtracted from the value of force", range=UNIT)
    force_noise: float = param(
        0.05, doc="spread of its private assessment of force against talks (logit scale): small is a sharp threshold",
        range="(0, 1]",
    )
    walkout_propensity: float = param(
        0.0, doc="chance per failed round of walking out when leaving beats staying (times 1 - mediator standing)", range=UNIT
    )
    force_cause: str = param("", doc="label of its use of force among escalation causes (empty: <name>_force)")
    provenance: dict[str, str] = param(factory=dict, doc=PROVENANCE_DOC)


@dataclass
class MediatorSchema:
    """A go-between that keeps the channel open and proposes packages (Oman)."""

    role: str = param("mediator", doc="the actor's role; fixed by the schema the file extends")
    name: str = param(doc="display name, used in results and narratives")
    effectiveness: float = param(
        0.5,
        doc="how close its packages come to the Nash compromise (1: exactly); also speeds a parallel-track agenda",
        range=UNIT,
    )
    standing: float = param(0.5, doc="lowers the chance that a failed round ends in a walk-out", range=UNIT)
    deescalation: float = param(0.0, doc="tension it removes per round", range=UNIT)
    trust_building: float = param(0.0, doc="trust it adds to both principals per round", range=UNIT)
    proposal_noise: float = param(0.2, doc="scale of the error of its packages, shrunk by (1 - effectiveness)", range=UNIT)
    provenance: dict[str, str] = param(factory=dict, doc=PROVENANCE_DOC)


@dataclass
class SpoilerSchema:
    """An outside actor that lobbies a principal and may strike (Israel)."""

    role: str = param("spoiler", doc="the actor's role; fixed by the schema the file extends")
    name: str = param(doc="display name, used in results (e.g. israel_strike) and narratives")
    target: str = param(doc="name of the principal it lobbies", range="a principal's name")
    lobbying: float = param(0.0, doc="value of no deal it adds to its target's per round (hardens its terms)", range=UNIT)
    red_lines: dict[str, list[float]] = param(
        factory=dict,
        doc="its own red lines per issue; a package outside them raises its strike hazard",
        range="0 <= low <= high <= 1",
    )
    strike_propensity: float = param(0.0, doc="per-round strike chance when its hazard index is 1", range=UNIT)
    weight_tension: float = param(0.25, doc="weight of tension in its strike hazard index", range=UNIT)
    weight_progress: float = param(0.25, doc="weight of Iran's nuclear progress in its strike hazard index", range=UNIT)
    weight_failure: float = param(0.25, doc="weight of failing talks (share of rounds failed) in its hazard index", range=UNIT)
    weight_crossing: float = param(0.25, doc="weight of a package crossing its red line in its hazard index", range=UNIT)
    strike_cause: str = param("", doc="label of its strike among escalation causes (empty: <name>_strike)")
    provenance: dict[str, str] = param(factory=dict, doc=PROVENANCE_DOC)


@dataclass
class StakeholderSchema:
    """A regional actor that urges de-escalation and a deal (the UAE)."""

    role: str = param("stakeholder", doc="the actor's role; fixed by the schema the file extends")
    name: str = param(doc="display name, used in narratives")
    deescalation: float = param(0.0, doc="tension it removes per round", range=UNIT)
    incentive: float = param(0.0, doc="utility it adds to a deal for both principals (investment, trade)", range=UNIT)
    pressure: float = param(0.0, doc="concession share it adds to both principals per round", range=UNIT)
    provenance: dict[str, str] = param(factory=dict, doc=PROVENANCE_DOC)


ROLE_SCHEMAS: dict[str, type] = {
    "principal": PrincipalSchema,
    "mediator": MediatorSchema,
    "spoiler": SpoilerSchema,
    "stakeholder": StakeholderSchema,
}


# ----------------------------------------------------- agenda, world, events


@dataclass
class IssueSchema:
    name: str = param(doc="the issue's name, used in red lines, saliences and results")
    track: str = param(doc="the track it belongs to (nuclear, regional); a whole track reads as one scope")
    status_quo: float = param(doc="where the issue stays in any deal that leaves it off the agenda", range=UNIT)
    source: str = param("", doc="where the issue and its status quo come from")


@dataclass
class AgendaSchema:
    issues: list[IssueSchema] = param(factory=list, doc="the negotiating dimensions, each on [0, 1]")


@dataclass
class WorldSchema:
    """Initial state of the world when the talks open, and the rates that move it."""

    tension: float = param(0.5, doc="initial tension", range=UNIT)
    nuclear_progress: float = param(0.5, doc="initial nuclear progress of Iran (1: at breakout)", range=UNIT)
    military_posture: float = param(0.5, doc="initial US military posture in the region", range=UNIT)
    unrest: float = param(0.5, doc="initial domestic unrest in Iran", range=UNIT)
    sanctions: float = param(0.5, doc="initial sanctions pressure on Iran", range=UNIT)
    progress_rate: float = param(0.01, doc="nuclear progress added per round without a deal", range=UNIT)
    posture_tension: float = param(0.0, doc="tension added per round per unit of military posture", range=UNIT)
    tension_threshold: float = param(
        0.9, doc="tension at which the crisis spirals into confrontation (above 1: never)", range="[0, inf)"
    )
    agenda_dispute_tension: float = param(0.02, doc="tension added by a round lost to the agenda dispute", range=UNIT)
    failed_round_tension: float = param(0.02, doc="tension added by a refused package", range=UNIT)
    collapse_escalation: float = param(
        0.5, doc="chance, times tension, that a walk-out turns into military confrontation", range=UNIT
    )
    provenance: dict[str, str] = param(factory=dict, doc=PROVENANCE_DOC)


@dataclass
class EventSchema:
    name: str = param(doc="the shock's name")
    hazard: float = param(doc="its chance per round", range=UNIT)
    effects: dict[str, float] = param(
        factory=dict,
        doc="additive effects on tension, nuclear_progress, military_posture, unrest, sanctions, trust (both principals)",
        range="[-1, 1] per target",
    )
    source: str = param("", doc="where the shock and its numbers come from")


@dataclass
class EventsSchema:
    events: list[EventSchema] = param(factory=list, doc="random shocks, each with a per-round hazard")


# ------------------------------------------------------------------- root


@dataclass
class ScenarioMetaSchema:
    name: str = param("custom", doc="the scenario's name (its file name under configs/scenario/)")
    description: str = param("", doc="one line: what the scenario represents")
    motivation: str = param("", doc="the seed sentence or public source that motivates it")


@dataclass
class ConfigSchema:
    """The root of the composed configuration: run settings, horizon and the groups."""

    replications: int = param(10000, doc="Monte Carlo replications (episodes)", range=">= 1")
    seed: int = param(0, doc="master seed; every block's seed derives from it", range=">= 0")
    block_size: int = param(
        10000, doc="replications advanced together by one Mesa model; part of a run's identity, like the seed", range=">= 1"
    )
    workers: int = param(1, doc="processes to spread blocks over (results do not depend on it)", range=">= 1")
    trace: bool = param(False, doc="with replications=1: print the round-by-round narrative")
    quiet: bool = param(False, doc="no table on stdout, only the files")
    plots: bool = param(False, doc="also write odds.png, rounds.png, causes.png and terms.png into the run directory "
                        "(and anatomy.png with trace=true)")
    episodes: bool = param(True, doc="write episodes.parquet (one row per replication); false keeps only summary.json")
    output_root: str = param("outputs", doc="folder of the runs (<scenario>/<time>-<id>) and of an interrupted run's blocks")
    max_rounds: int = param(20, doc="horizon: weekly rounds before the talks end in stalemate", range=">= 1")
    provenance: dict[str, str] = param(factory=dict, doc=PROVENANCE_DOC)
    scenario: ScenarioMetaSchema = param(factory=ScenarioMetaSchema, doc="what the scenario represents")
    agenda: AgendaSchema = param(factory=AgendaSchema, doc="the issues")
    world: WorldSchema = param(factory=WorldSchema, doc="the state of the world")
    events: EventsSchema = param(factory=EventsSchema, doc="the random shocks")
    actors: dict[str, Any] = param(factory=dict, doc="the actors by key, each with a role schema")


#: (group, name, node) of every schema registered in the ConfigStore.
SCHEMAS: tuple[tuple[str | None, str, type], ...] = (
    (None, "config_schema", ConfigSchema),
    ("agenda", "agenda_schema", AgendaSchema),
    ("world", "world_schema", WorldSchema),
    ("events", "events_schema", EventsSchema),
    *(("actors", f"{role}_schema", cls) for role, cls in ROLE_SCHEMAS.items()),
)
SCHEMA_NAMES = frozenset(name for _, name, _ in SCHEMAS)


def register() -> None:
    """Register every schema in Hydra's ConfigStore (idempotent; done on import of sim.config.compose)."""
    from hydra.core.config_store import ConfigStore

    cs = ConfigStore.instance()
    for group, name, node in SCHEMAS:
        cs.store(group=group, name=name, node=node)
