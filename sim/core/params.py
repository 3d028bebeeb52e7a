"""Typed parameters of the negotiation model.

Plain frozen dataclasses: the simulation core takes these and nothing else (no
Hydra, no files). ``Scenario.validate()`` checks every semantic constraint and
raises :class:`ConfigError` with a one-line message that names the offending
parameter and how to fix it. The Hydra layer (``sim.config.compose``) builds these
objects from YAML and adds the file or override to the message. Every parameter
is declared here, once, with ``param(doc=, range=, kind=)`` (:mod:`sim.core.declare`
holds that machinery and the range checks).

Orientation of the issue space: every issue is a dimension on [0, 1], 0 being
Tehran's preferred end and 1 Washington's maximal demand (model spec, "The
agenda: issues").
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

import numpy as np

from sim.core.declare import (
    LEVER_SELF,
    SIGNED,
    UNIT,
    ConfigError,
    check_issue_keys,
    check_ranges,
    check_unit,
    kind_of_key,
    param,
)

#: World-state variables that events, pressure sensitivities and force rules may
#: name. ``trust`` is per principal but events move both principals' trust.
WORLD_VARS = ("tension", "nuclear_progress", "military_posture", "unrest", "sanctions")
EVENT_TARGETS = (*WORLD_VARS, "trust")
ROLES = ("principal", "mediator", "spoiler", "stakeholder")
#: The three ways the talks can end, in the order results code them.
OUTCOMES = ("deal", "escalation", "stalemate")
#: The one unit of time: one round of the model stands for this many calendar weeks, in every scenario and
#: historical case (model spec, "Time has one unit"). Deadlines, transitions, the horizon and simulated
#: durations are counted in rounds and map from dates in weeks through this constant (docs/model.md, "Time").
WEEKS_PER_ROUND = 1


@dataclass(frozen=True)
class Issue:
    """One negotiating dimension on [0, 1] (0 = Tehran's end, 1 = Washington's)."""

    name: str = param(doc="the issue's name, used in red lines, saliences and results", kind="label")
    track: str = param(doc="the track it belongs to (nuclear, regional); a whole track reads as one scope", kind="label")
    status_quo: float = param(doc="where the issue stays in any deal that leaves it off the agenda", range=UNIT, kind="state")


@dataclass(frozen=True)
class Principal:
    """A party at the table that signs or walks away (the US, Iran)."""

    name: str = param(doc="display name, used in results (e.g. us_walkout) and by a spoiler's target", kind="label")
    ideal: dict[str, float] = param(
        doc="ideal term per issue (0 = Tehran's end, 1 = Washington's maximal demand); one per issue, inside its own red lines",
        range=UNIT,
    )
    salience: dict[str, float] = param(
        doc="weight of each issue in its utility (sum = 1); an issue left out weighs 0", range=UNIT
    )
    red_lines: dict[str, tuple[float, float]] = param(
        factory=dict,
        doc="interval [low, high] of terms it can ever accept, per issue (0 <= low <= high <= 1); an issue left out is [0, 1]",
        kind="state",
    )
    refuses: tuple[str, ...] = param((), doc="issues it refuses to discuss (agenda stance)", kind="state")
    insists: tuple[str, ...] = param((), doc="issues it insists on putting on the agenda", kind="state", lever=LEVER_SELF)
    agenda_flexibility: float = param(
        0.1,
        doc="per-round chance of softening its stance on a contested issue (dropping a refusal; for the "
        "insisting side, accepting a parallel track, scaled by the mediator's effectiveness)",
        range=UNIT,
        lever=LEVER_SELF,
    )
    concession_e: float = param(
        1.0,
        doc="concession style: its per-round discount is discount ** concession_e (below 1 Boulware, more patient, "
        "later deals; above 1 Conceder)",
        range=(0.0, 100.0),
        open_low=True,
    )
    no_deal_value: float = param(
        0.5,
        doc="value of no deal before pressure; its outside option is the better of this and force, plus its resolve",
        range=UNIT,
    )
    pressure: dict[str, float] = param(
        factory=dict,
        doc="sensitivity of the value of no deal to world variables (tension, nuclear_progress, "
        "military_posture, unrest, sanctions): it falls by sensitivity x variable",
        range=SIGNED,
    )
    sovereignty_cost: float = param(
        0.0, doc="domestic cost of signing: a deal is worth sovereignty_cost x unrest less to it", range=UNIT
    )
    trust: float = param(
        0.5, doc="initial trust that the other side keeps a deal (discounts a package's value)", range=UNIT, kind="state"
    )
    force_posture_weight: float = param(
        0.0, doc="weight of US military posture in its value of force (negative: deterred by it)", range=SIGNED
    )
    force_progress_weight: float = param(
        0.0, doc="weight of Iran's nuclear progress in its value of force (preventive motive)", range=SIGNED
    )
    war_cost: float = param(0.5, doc="cost of war on the utility scale, subtracted from the value of force", range=UNIT)
    force_noise: float = param(
        0.05,
        doc="logit noise of its choice between leaving (force or walk-out) and continuing; 0 is the sharp rule",
        range=UNIT,
    )
    walkout_propensity: float = param(
        0.0,
        doc="chance per round, once a package has been on the table, that it weighs leaving the talks (times "
        "1 - mediator standing); it leaves if its outside option looks worth more than continuing: by force "
        "when force is worth more than no deal, else by walking out",
        range=UNIT,
    )
    resolve_spread: float = param(
        0.0,
        doc="private information: its resolve, a shock to its outside option uniform on [-spread, spread], is drawn "
        "once per replication; the others know only the spread (0: complete information)",
        range=UNIT,
    )
    discount: float = param(
        0.98, doc="per-round discount factor: a deal next round is worth this much of the same deal now", range=UNIT
    )
    force_cause: str = param("", doc="label of its use of force among escalation causes (empty: <name>_force)", kind="label")
    requires: tuple[str, ...] = param(
        (),
        doc="issues any deal must settle: never sent to a parallel track nor left off the agenda (an issue the other "
        "refuses to discuss stays contested until the refuser softens); red lines that cannot overlap on one leave no deal",
        kind="state",
    )
    preconditions: tuple[str, ...] = param(
        (),
        doc="steps it demands of the other side before substantive talks (labels, e.g. enrichment_suspension); until "
        "one side yields (per-round chance 1 - (1 - its agenda_flexibility)(1 - the other's)), rounds go to procedure",
        kind="state",
        lever=LEVER_SELF,
    )
    guarantee: float = param(
        0.0,
        doc="how credibly it can bind itself (and its successors) to keep a deal (0: not at all; a treaty or UNSC "
        "endorsement high): the other counts on a deal being kept with chance trust + (1 - trust) x guarantee",
        range=UNIT,
        kind="state",
        lever=LEVER_SELF,
    )
    betrayal_cost: float = param(
        0.0,
        doc="what being cheated (the other reneges after it has implemented) costs it below its outside option",
        range=UNIT,
    )
    successor_keeps: float = param(
        1.0,
        doc="the chance the other side counts on that its next government honours a deal it signed and did not "
        "guarantee: before a scheduled change of its government (transitions) the other counts on a deal being kept "
        "with chance guarantee + (1 - guarantee) x trust x successor_keeps (1: a successor always honours it)",
        range=UNIT,
    )
    veto_threshold: float = param(
        0.0,
        doc="package utility (to it) below which its domestic veto players refuse to ratify, at the opening unrest and "
        "trust; rises with unrest (through sovereignty_cost) and with mistrust (0: any package it signs is ratified)",
        range=UNIT,
        kind="state",
    )
    veto_spread: float = param(
        0.0,
        doc="private uncertainty of its domestic win-set: the actual veto threshold is drawn per replication uniform on "
        "veto_threshold +- veto_spread; its negotiator anticipates the mean until a failed ratification teaches it",
        range=UNIT,
    )
    ratification_exit: float = param(
        0.0,
        doc="chance that a package it signed and its veto players rejected ends the talks (a stalemate, "
        "<name>_ratification); otherwise the talks go on",
        range=UNIT,
    )
    stated: dict[str, tuple[float, float]] = param(
        factory=dict,
        doc="its stated public position per issue, [low, high] (mapping rule 22: a term it publicly demanded as a "
        "condition of any agreement): its red lines are narrowed to it until it backs down; an issue left out: none",
        kind="state",
    )
    stated_holders: dict[str, int] = param(
        factory=dict,
        doc="per issue, how many governments own its stated position there together (mapping rule 23: the permanent "
        "members of the UN Security Council behind a demand of the Council), each a veto player over dropping it: the "
        "position gives way only when its hardest holder would drop it (rules.hardest_holder); an issue left out, or 1: "
        "the principal alone; inert on an issue with no stated position",
        range=(1.0, 15.0),
        kind="state",
    )
    audience_cost: float = param(
        0.0,
        doc="what backing down from its stated position costs it at home (Fearon 1994): it drops the position only "
        "when a deal outside it is worth more than its outside option by at least this much",
        range=UNIT,
    )
    giveway_prior: float = param(
        0.0,
        doc="its prior belief, while it holds a stated position that leaves no zone of agreement, that the other "
        "side's red line gives on the held term (private red lines; the other, if it would, gives way per round with "
        "its agenda_flexibility); updated by Bayes' rule each round the other holds (0: it never expects the other "
        "to give way and backs down exactly by the audience-cost rule)",
        range=UNIT,
    )
    coercion_propensity: float = param(
        0.0,
        doc="chance per round that it weighs a coercive step below war (US: new sanctions; Iran: an enrichment step); "
        "it takes it when continuing after the step looks worth more than continuing without it (0: never weighed)",
        range=UNIT,
    )
    coercion_effects: dict[str, float] = param(
        factory=dict,
        doc="what its coercive step adds to the world variables (tension, nuclear_progress, military_posture, unrest, "
        "sanctions), kept in [0, 1]",
        range=SIGNED,
    )

    @property
    def cause(self) -> str:
        return self.force_cause or f"{self.name.lower()}_force"


@dataclass(frozen=True)
class Mediator:
    """A go-between that keeps the channel open and proposes packages (Oman)."""

    name: str = param(doc="display name, used in results and narratives", kind="label")
    effectiveness: float = param(
        0.5,
        doc="how close its estimate of each side's resolve comes to its belief (1: exactly); also speeds a parallel-track agenda",
        range=UNIT,
    )
    standing: float = param(0.5, doc="lowers the chance that a failed round ends in a walk-out", range=UNIT)
    deescalation: float = param(
        0.0, doc="tension it removes per round (the intensity of its shuttle diplomacy)", range=UNIT, lever=LEVER_SELF
    )
    trust_building: float = param(0.0, doc="trust it adds to both principals per round", range=UNIT)
    proposal_noise: float = param(
        0.2,
        doc="scale of the error of its resolve estimates, shrunk by (1 - effectiveness) and by what it has learned",
        range=UNIT,
    )


@dataclass(frozen=True)
class Spoiler:
    """An outside actor that lobbies a principal and may strike (Israel)."""

    name: str = param(doc="display name, used in results (e.g. israel_strike) and narratives", kind="label")
    target: str = param(doc="name of the principal it lobbies", kind="label")
    lobbying: float = param(0.0, doc="value of no deal it adds to its target's per round (hardens its terms)", range=UNIT)
    red_lines: dict[str, tuple[float, float]] = param(
        factory=dict,
        doc="its own red lines per issue (0 <= low <= high <= 1); a package outside them that is likely to be signed "
        "makes waiting worth less",
    )
    strike_propensity: float = param(
        0.0,
        doc="chance per round that it weighs a strike; it strikes if striking looks worth more than waiting",
        range=UNIT,
    )
    weight_tension: float = param(0.25, doc="weight of tension in its value of striking now", range=UNIT)
    weight_progress: float = param(0.25, doc="weight of Iran's nuclear progress in its value of striking now", range=UNIT)
    weight_failure: float = param(
        0.25, doc="what failing talks (the estimated chance a round fails) take off its value of waiting", range=UNIT
    )
    weight_crossing: float = param(
        0.25, doc="what a likely deal crossing its red line takes off its value of waiting", range=UNIT
    )
    strike_threshold: float = param(
        0.5, doc="its value of waiting before losses: the cost of a strike it avoids by letting the talks go on", range=UNIT
    )
    strike_noise: float = param(
        0.02, doc="logit noise of its choice between striking and waiting; 0 is the sharp rule", range=UNIT
    )
    strike_cause: str = param("", doc="label of its strike among escalation causes (empty: <name>_strike)", kind="label")
    sabotage_propensity: float = param(
        0.0,
        doc="chance per round that it weighs a covert strike or sabotage, a rung below an overt strike; it takes it "
        "when striking looks worth more than waiting at the sabotage's lower cost (0: never weighed)",
        range=UNIT,
    )
    sabotage_cost: float = param(
        0.3,
        doc="its value of waiting before losses when the alternative is sabotage: the cost of a sabotage it avoids "
        "(below strike_threshold: a cheaper rung)",
        range=UNIT,
    )
    sabotage_effects: dict[str, float] = param(
        factory=dict,
        doc="what a sabotage adds to the world variables (nuclear_progress negative: a setback; tension), kept in [0, 1]",
        range=SIGNED,
    )
    ally: str = param(
        "",
        doc="name of the principal it acts with (Israel: US): when either strikes, the other decides by its own "
        "values whether to join (empty: no ally)",
        kind="state",
    )

    @property
    def cause(self) -> str:
        return self.strike_cause or f"{self.name.lower()}_strike"


@dataclass(frozen=True)
class Stakeholder:
    """A regional actor that urges de-escalation and a deal (the UAE)."""

    name: str = param(doc="display name, used in narratives", kind="label")
    deescalation: float = param(0.0, doc="tension it removes per round", range=UNIT)
    incentive: float = param(
        0.0, doc="utility it adds to a deal for both principals (investment, trade)", range=UNIT, lever=LEVER_SELF
    )
    pressure: float = param(
        0.0, doc="value of no deal it takes off both principals per round (cumulative): presses them to settle", range=UNIT
    )


@dataclass(frozen=True)
class Event:
    """A random shock with a per-round hazard and additive effects on the world."""

    name: str = param(doc="the shock's name", kind="label")
    hazard: float = param(doc="its chance per round", range=UNIT)
    effects: dict[str, float] = param(
        factory=dict,
        doc="additive effects on tension, nuclear_progress, military_posture, unrest, sanctions, trust (both principals)",
        range=SIGNED,
    )


@dataclass(frozen=True)
class World:
    """Initial state of the world and the rates that move it."""

    tension: float = param(0.5, doc="initial tension", range=UNIT, kind="state")
    nuclear_progress: float = param(0.5, doc="initial nuclear progress of Iran (1: at breakout)", range=UNIT, kind="state")
    military_posture: float = param(0.5, doc="initial US military posture in the region", range=UNIT, kind="state", lever="us")
    unrest: float = param(0.5, doc="initial domestic unrest in Iran", range=UNIT, kind="state")
    sanctions: float = param(
        0.5,
        doc="initial sanctions pressure on Iran (relief offered up front, before any deal, lowers it)",
        range=UNIT,
        kind="state",
        lever="us",
    )
    progress_rate: float = param(
        0.01,
        doc="nuclear progress added per round without a deal (a pause of enrichment lowers it)",
        range=UNIT,
        kind="state",
        lever="iran",
    )
    posture_tension: float = param(0.0, doc="tension added per round per unit of military posture", range=UNIT)
    tension_threshold: float = param(
        0.9, doc="tension at which the crisis spirals into confrontation (above 1: never)", range=(0.0, math.inf)
    )
    agenda_dispute_tension: float = param(0.02, doc="tension added by a round lost to the agenda dispute", range=UNIT)
    failed_round_tension: float = param(0.02, doc="tension added by a refused package", range=UNIT)
    collapse_escalation: float = param(
        0.5, doc="chance, times tension, that a walk-out turns into military confrontation", range=UNIT
    )
    perceived_risk: float = param(
        0.05,
        doc="per-round chance, at tension 1, that the principals see the talks ending in escalation before the next "
        "round (times tension): makes waiting costly",
        range=UNIT,
    )
    deadline: int = param(
        0,
        doc="round of the talks' deadline (0: none); at it the talks are extended or lapse",
        range=(0, math.inf),
        kind="state",
        lever="us",
    )
    extension_probability: float = param(0.5, doc="chance that the talks are extended at a deadline", range=UNIT)
    deadlock_exit: int = param(
        0,
        doc="1: at a known deadlock (a held stated position leaves no zone of agreement on a required issue) a "
        "principal weighs leaving against what staying is worth by its own rule of the deadlock (the holder: holding "
        "on; the other side: its belief that the holder gives way, rules.awaiting_value), not against the package on "
        "the table, and leaving there adjourns the round (a stalemate, <name>_adjourns); 0: off",
        range=(0, 1),
    )
    deadlock_force: int = param(
        0,
        doc="1: a principal that leaves a known deadlock (with deadlock_exit on) leaves by force only where force is "
        "worth more than both no deal and adjourning, valued as staying at the deadlock (rules.force_at_deadlock), "
        "else it adjourns; 0: off, force over no deal alone",
        range=(0, 1),
    )
    extension_rounds: int = param(4, doc="rounds an extension adds to the deadline", range=(1, math.inf))
    retaliation_probability: float = param(0.5, doc="chance that a limited strike draws retaliation", range=UNIT)
    resume_probability: float = param(
        0.3, doc="chance that the talks resume after the ceasefire that follows a strike", range=UNIT
    )
    interim_scale: float = param(
        0.0,
        doc="at a deadline where the talks would lapse, an interim deal goes this far from the status quo toward "
        "the package on the table (freeze for relief); 0: no interim deals",
        range=UNIT,
    )
    strike_setback: float = param(0.1, doc="nuclear progress a strike destroys when the talks resume after it", range=UNIT)
    pressure_cap: float = param(
        math.inf,
        doc="the most value of no deal that all outside pressure together (stakeholders' pressure, spoilers' lobbying) "
        "can move a principal: the pressure built up, x, acts as cap x (1 - exp(-|x| / cap)) (inf: no bound)",
        range=(0.0, math.inf),
        open_low=True,
    )
    ratification_trust_loss: float = param(
        0.05, doc="trust the other principal loses in a principal whose veto players reject a signed package", range=UNIT
    )
    direct_proposal_noise: float = param(
        0.2,
        doc="without a mediator: scale of the error of a proposing principal's estimate of the other's resolve (as a "
        "mediator of effectiveness 0)",
        range=UNIT,
    )
    ultimatum_by: str = param(
        "",
        doc="name of the principal that attached a threat of force to the deadline (2025: US); at a lapse it and its "
        "allies weigh force by their own values (empty: none)",
        kind="state",
        lever="us",
    )


@dataclass(frozen=True)
class Transition:
    """A scheduled change of government of one principal: the talks pause, then resume with its new parameters.

    Model spec, "Pauses are not ends": an election or a new government suspends
    the talks (Iran's elections of 2013 and 2021; the US election of 2024); a
    pause is time passing, not an outcome.
    """

    week: int = param(doc="week of the talks (from the first round) at which the pause begins", range=(1, math.inf), kind="state")
    pause_weeks: int = param(
        doc="weeks the talks are suspended; they resume at week + pause_weeks with the new parameters (0: no pause)",
        range=(0, math.inf),
        kind="state",
    )
    actor: str = param(doc="name of the principal whose government changes (a config key in YAML: iran, us)", kind="state")
    set: dict[str, Any] = param(
        factory=dict,
        doc="its state parameters under the new government (trust, insists, refuses, red_lines, ...); empty: the "
        "same parameters after the pause",
        kind="state",
    )
    why: str = param("", doc="the scheduled event and its source", kind="label")

    def applied_to(self, principal: Principal) -> Principal:
        """The principal under the new government: ``principal`` with the values of ``set`` (lists read as YAML gives them)."""
        import dataclasses

        values: dict[str, Any] = {k: tuple(v) if isinstance(v, list) else v for k, v in self.set.items()}
        red_lines = values.get("red_lines")
        if isinstance(red_lines, Mapping):
            values["red_lines"] = {**principal.red_lines, **{i: tuple(b) for i, b in red_lines.items()}}
        return dataclasses.replace(principal, **values)

    @property
    def start_round(self) -> int:
        """The first paused round (rounds count from 1; one round is WEEKS_PER_ROUND weeks)."""
        return -(-self.week // WEEKS_PER_ROUND)

    @property
    def resume_round(self) -> int:
        """The round at which the talks resume with the new parameters."""
        return self.start_round + -(-self.pause_weeks // WEEKS_PER_ROUND)


@dataclass(frozen=True)
class Scenario:
    """Everything the model needs for one configuration."""

    name: str
    issues: tuple[Issue, ...]
    principals: tuple[Principal, Principal]
    mediators: tuple[Mediator, ...] = ()
    spoilers: tuple[Spoiler, ...] = ()
    stakeholders: tuple[Stakeholder, ...] = ()
    events: tuple[Event, ...] = ()
    world: World = field(default_factory=World)
    max_rounds: int = param(
        20, doc="horizon: rounds (weeks, WEEKS_PER_ROUND) before the talks end in stalemate; a run bound", range=(1, math.inf)
    )
    transitions: tuple[Transition, ...] = ()

    @property
    def issue_names(self) -> tuple[str, ...]:
        return tuple(i.name for i in self.issues)

    def validate(self) -> Scenario:
        """Check every semantic constraint; return self or raise ConfigError (one line)."""
        names = self.issue_names
        if not names:
            raise ConfigError("the agenda has no issues: list at least one under agenda.issues")
        if len(set(names)) != len(names):
            raise ConfigError(f"issue names repeat in {list(names)}: give each issue a unique name")
        for issue in self.issues:
            check_ranges(f"agenda.{issue.name}", issue)
        if not isinstance(self.max_rounds, int) or isinstance(self.max_rounds, bool) or self.max_rounds < 1:
            raise ConfigError(f"max_rounds = {self.max_rounds!r}: use a whole number of rounds >= 1")
        if len(self.principals) != 2:
            raise ConfigError(
                f"the model needs exactly two principals at the table, got "
                f"{[p.name for p in self.principals]}: give other actors the role "
                "mediator, spoiler or stakeholder"
            )
        actor_names = [a.name for a in self.actors]
        dupes = {n for n in actor_names if actor_names.count(n) > 1}
        if dupes:
            raise ConfigError(f"actor name {sorted(dupes)[0]!r} is used twice: give each actor a unique name")
        for p in self.principals:
            _validate_principal(p, names)
        principal_names = [p.name for p in self.principals]
        for m in self.mediators:
            check_ranges(m.name, m)
        for s in self.spoilers:
            if s.target not in principal_names:
                raise ConfigError(f"{s.name}.target = {s.target!r} is not a principal: use one of {principal_names}")
            check_ranges(s.name, s)
            _validate_red_lines(f"{s.name}.red_lines", s.red_lines, names)
        for h in self.stakeholders:
            check_ranges(h.name, h)
        for e in self.events:
            for key in e.effects:
                if key not in EVENT_TARGETS:
                    raise ConfigError(f"events.{e.name}.effects names {key!r}: use one of {', '.join(EVENT_TARGETS)}")
            check_ranges(f"events.{e.name}", e)
        check_ranges("world", self.world)
        if self.world.ultimatum_by and self.world.ultimatum_by not in principal_names:
            raise ConfigError(
                f"world.ultimatum_by = {self.world.ultimatum_by!r} is not a principal: use one of {principal_names} or ''"
            )
        if self.world.ultimatum_by and self.world.deadline <= 0:
            raise ConfigError("world.ultimatum_by is set but world.deadline is 0: an ultimatum needs a deadline round")
        for s in self.spoilers:
            if s.ally and s.ally not in principal_names:
                raise ConfigError(f"{s.name}.ally = {s.ally!r} is not a principal: use one of {principal_names} or ''")
            for key in s.sabotage_effects:
                if key not in WORLD_VARS:
                    raise ConfigError(f"{s.name}.sabotage_effects names {key!r}: use one of {', '.join(WORLD_VARS)}")
        for k, t in enumerate(self.transitions):
            _validate_transition(f"transitions[{k}]", t, self, names)
        for attr in ("deadline", "extension_rounds"):
            value = getattr(self.world, attr)
            if not isinstance(value, int) or isinstance(value, bool):
                raise ConfigError(f"world.{attr} = {value!r}: use a whole number of rounds")
        return self

    def scope_label(self, on_agenda) -> str:
        """A readable name for an agenda: a whole track by its name, single issues by theirs."""
        on = set(on_agenda)
        parts = []
        for track in dict.fromkeys(i.track for i in self.issues):
            members = [i.name for i in self.issues if i.track == track]
            if all(m in on for m in members):
                parts.append(track)
            else:
                parts.extend(m for m in members if m in on)
        return "+".join(parts) if parts else "none"

    @property
    def actors(self) -> tuple:
        return (*self.principals, *self.mediators, *self.spoilers, *self.stakeholders)


def _validate_red_lines(where: str, red_lines: dict, issues: tuple[str, ...]) -> None:
    check_issue_keys(where, red_lines, issues)
    for issue, bounds in red_lines.items():
        if len(bounds) != 2:
            raise ConfigError(f"{where}.{issue} = {list(bounds)}: give a red line as [low, high]")
        low, high = bounds
        check_unit(f"{where}.{issue} (low end)", low)
        check_unit(f"{where}.{issue} (high end)", high)
        if np.any(np.asarray(low) > np.asarray(high)):  # per replication when drawn (sim.core.uncertainty)
            raise ConfigError(f"{where}.{issue} = [{low}, {high}] has its ends reversed: write [{high}, {low}]")


def _validate_principal(p: Principal, issues: tuple[str, ...]) -> None:
    where = p.name
    check_issue_keys(f"{where}.ideal", p.ideal, issues)
    check_issue_keys(f"{where}.salience", p.salience, issues)
    missing = [i for i in issues if i not in p.ideal]
    if missing:
        raise ConfigError(f"{where}.ideal has no value for {missing}: give an ideal point for every issue")
    check_ranges(where, p)
    total = sum(p.salience.values())
    if np.any(np.abs(np.asarray(total) - 1.0) > 1e-6):  # per replication when drawn (sim.core.uncertainty)
        raise ConfigError(
            f"{where}.salience sums to {np.asarray(total).flat[0]:.4g}, not 1: saliences are a distribution over issues, "
            "rescale them so they add up to 1"
        )
    _validate_red_lines(f"{where}.red_lines", p.red_lines, issues)
    _validate_red_lines(f"{where}.stated", p.stated, issues)
    for issue, (low, high) in p.stated.items():
        own_low, own_high = p.red_lines.get(issue, (0.0, 1.0))
        if np.any((np.asarray(low) > np.asarray(own_high)) | (np.asarray(high) < np.asarray(own_low))):
            raise ConfigError(
                f"{where}.stated.{issue} = [{low}, {high}] lies outside its own red line [{own_low}, {own_high}]: "
                "a stated position must be a term it could sign; widen the red line or correct the position"
            )
    check_issue_keys(f"{where}.stated_holders", p.stated_holders, issues)
    for issue, holders in p.stated_holders.items():
        if np.any(np.asarray(holders) != np.round(holders)):
            raise ConfigError(
                f"{where}.stated_holders.{issue} = {holders!r} is not a whole number: give the number of governments "
                "that hold the position together (1: the principal alone)"
            )
    for issue, (low, high) in p.red_lines.items():
        ideal = p.ideal[issue]
        if np.any((np.asarray(ideal) < np.asarray(low)) | (np.asarray(ideal) > np.asarray(high))):
            raise ConfigError(
                f"{where}.ideal.{issue} = {p.ideal[issue]} lies outside its own red line "
                f"[{low}, {high}]: move the ideal point inside or widen the red line"
            )
    for attr in ("refuses", "insists", "requires"):
        check_issue_keys(f"{where}.{attr}", dict.fromkeys(getattr(p, attr)), issues)
    refused_required = set(p.refuses) & set(p.requires)
    if refused_required:
        raise ConfigError(
            f"{where} both refuses and requires {sorted(refused_required)}: an issue it requires in any deal must be discussable"
        )
    for step in p.preconditions:
        if not isinstance(step, str) or not step.strip():
            raise ConfigError(f"{where}.preconditions has {step!r}: name each step with a label, e.g. enrichment_suspension")
    both = set(p.refuses) & set(p.insists)
    if both:
        raise ConfigError(f"{where} both refuses and insists on {sorted(both)}: keep each issue in one list")
    for attr in ("pressure", "coercion_effects"):
        for key in getattr(p, attr):
            if key not in WORLD_VARS:
                raise ConfigError(f"{where}.{attr} names {key!r}: use one of {', '.join(WORLD_VARS)}")


def _validate_transition(where: str, t: Transition, scenario: Scenario, issues: tuple[str, ...]) -> None:
    """A transition names a principal, whole weeks, and only state keys of a principal with valid values."""
    for attr in ("week", "pause_weeks"):
        value = getattr(t, attr)
        if not isinstance(value, int) or isinstance(value, bool):
            raise ConfigError(f"{where}.{attr} = {value!r}: use a whole number of weeks")
    check_ranges(where, t)
    names = [p.name for p in scenario.principals]
    if t.actor not in names:
        raise ConfigError(f"{where}.actor = {t.actor!r} is not a principal: use the key of one of {names}")
    for key in t.set:
        kind = kind_of_key(Principal, key)
        if kind != "state":
            state = ", ".join(f.name for f in fields(Principal) if f.metadata.get("kind") == "state")
            raise ConfigError(f"{where}.set.{key}: a transition sets only a principal's state keys: use one of {state}")
    principal = next(p for p in scenario.principals if p.name == t.actor)
    try:
        new = t.applied_to(principal)
    except (TypeError, ValueError, AttributeError) as exc:
        raise ConfigError(f"{where}.set: {exc}: use a principal's state keys") from exc
    try:
        _validate_principal(new, issues)
    except ConfigError as exc:
        raise ConfigError(f"{where}.set: {exc}") from exc
