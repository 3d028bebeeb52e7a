"""Typed parameters of the negotiation model.

Plain frozen dataclasses: the simulation core takes these and nothing else (no
Hydra, no files). ``Scenario.validate()`` checks every semantic constraint and
raises :class:`ConfigError` with a one-line message that names the offending
parameter and how to fix it. The Hydra layer (``sim.config``) builds these
objects from YAML and adds the file or override to the message.

Orientation of the issue space: every issue is a dimension on [0, 1], 0 being
Tehran's preferred end and 1 Washington's maximal demand (model spec, "The
agenda: issues").
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

#: World-state variables that events, pressure sensitivities and force rules may
#: name. ``trust`` is per principal but events move both principals' trust.
WORLD_VARS = ("tension", "nuclear_progress", "military_posture", "unrest", "sanctions")
EVENT_TARGETS = (*WORLD_VARS, "trust")
ROLES = ("principal", "mediator", "spoiler", "stakeholder")
#: The three ways the talks can end, in the order results code them.
OUTCOMES = ("deal", "escalation", "stalemate")


class ConfigError(ValueError):
    """A configuration that the model cannot run; the message is one line for the user."""


def _check_unit(where: str, value: float, *, low: float = 0.0, high: float = 1.0) -> None:
    if not isinstance(value, int | float) or math.isnan(value) or not low <= value <= high:
        raise ConfigError(f"{where} = {value!r} is out of range: use a number in [{low}, {high}]")


def _check_issue_keys(where: str, mapping: dict, issues: tuple[str, ...]) -> None:
    for key in mapping:
        if key not in issues:
            raise ConfigError(
                f"{where} names issue {key!r}, which is not on the issue list: "
                f"use one of {', '.join(issues)}"
            )


@dataclass(frozen=True)
class Issue:
    """One negotiating dimension on [0, 1] (0 = Tehran's end, 1 = Washington's)."""

    name: str
    track: str
    status_quo: float  # where the issue stays in any deal that leaves it off the agenda


@dataclass(frozen=True)
class Principal:
    """A party at the table that signs or walks away (the US, Iran)."""

    name: str
    ideal: dict[str, float]
    salience: dict[str, float]
    red_lines: dict[str, tuple[float, float]]
    refuses: tuple[str, ...] = ()
    insists: tuple[str, ...] = ()
    agenda_flexibility: float = 0.1
    concession_e: float = field(default=1.0, metadata={
        "doc": "concession style: the per-round discount is discount ** concession_e (below 1 Boulware, more "
               "patient; above 1 Conceder)", "range": (0.0, 100.0)})
    no_deal_value: float = 0.5
    pressure: dict[str, float] = field(default_factory=dict)
    sovereignty_cost: float = 0.0
    trust: float = 0.5
    force_posture_weight: float = 0.0
    force_progress_weight: float = 0.0
    war_cost: float = 0.5
    force_noise: float = field(default=0.05, metadata={
        "doc": "logit noise of its choice between force or walking out and continuing (0: sharp rule)",
        "range": (0.0, 1.0)})
    walkout_propensity: float = 0.0
    resolve_spread: float = field(default=0.0, metadata={
        "doc": "half-width of the uniform private shock to its outside option, drawn once per replication "
               "(0: complete information)", "range": (0.0, 1.0)})
    discount: float = field(default=0.98, metadata={
        "doc": "per-round discount factor: what a deal one round later is worth relative to now",
        "range": (0.0, 1.0)})
    force_cause: str = ""

    @property
    def cause(self) -> str:
        return self.force_cause or f"{self.name.lower()}_force"


@dataclass(frozen=True)
class Mediator:
    """A go-between that keeps the channel open and proposes packages (Oman)."""

    name: str
    effectiveness: float = 0.5
    standing: float = 0.5
    deescalation: float = 0.0
    trust_building: float = 0.0
    proposal_noise: float = 0.2


@dataclass(frozen=True)
class Spoiler:
    """An outside actor that lobbies a principal and may strike (Israel)."""

    name: str
    target: str
    lobbying: float = 0.0
    red_lines: dict[str, tuple[float, float]] = field(default_factory=dict)
    strike_propensity: float = 0.0
    weight_tension: float = 0.25
    weight_progress: float = 0.25
    weight_failure: float = 0.25
    weight_crossing: float = 0.25
    strike_threshold: float = field(default=0.5, metadata={
        "doc": "value of letting the talks go on before what it expects to lose by waiting (the cost of a strike)",
        "range": (0.0, 1.0)})
    strike_noise: float = field(default=0.02, metadata={
        "doc": "logit noise of its choice between striking and waiting (0: sharp rule)", "range": (0.0, 1.0)})
    strike_cause: str = ""

    @property
    def cause(self) -> str:
        return self.strike_cause or f"{self.name.lower()}_strike"


@dataclass(frozen=True)
class Stakeholder:
    """A regional actor that urges de-escalation and a deal (the UAE)."""

    name: str
    deescalation: float = 0.0
    incentive: float = 0.0
    pressure: float = 0.0


@dataclass(frozen=True)
class Event:
    """A random shock with a per-round hazard and additive effects on the world."""

    name: str
    hazard: float
    effects: dict[str, float]


@dataclass(frozen=True)
class World:
    """Initial state of the world and the rates that move it."""

    tension: float = 0.5
    nuclear_progress: float = 0.5
    military_posture: float = 0.5
    unrest: float = 0.5
    sanctions: float = 0.5
    progress_rate: float = 0.01
    posture_tension: float = 0.0
    tension_threshold: float = 0.9
    agenda_dispute_tension: float = 0.02
    failed_round_tension: float = 0.02
    collapse_escalation: float = 0.5
    perceived_risk: float = field(default=0.05, metadata={
        "doc": "per-round chance, at tension 1, that the principals see the talks ending in escalation before "
               "the next round (scaled by tension)", "range": (0.0, 1.0)})
    deadline: int = field(default=0, metadata={
        "doc": "round of the talks' deadline (0: none); at it the talks are extended or lapse", "range": (0, math.inf)})
    extension_probability: float = field(default=0.5, metadata={
        "doc": "chance that the talks are extended at a deadline", "range": (0.0, 1.0)})
    extension_rounds: int = field(default=4, metadata={
        "doc": "rounds an extension adds to the deadline", "range": (1, math.inf)})
    retaliation_probability: float = field(default=0.5, metadata={
        "doc": "chance that a limited strike draws retaliation", "range": (0.0, 1.0)})
    resume_probability: float = field(default=0.3, metadata={
        "doc": "chance that the talks resume after the ceasefire that follows a strike", "range": (0.0, 1.0)})
    interim_scale: float = field(default=0.0, metadata={
        "doc": "how far an interim deal at a lapsing deadline goes from the status quo toward the package on the "
               "table (0: no interim deals)", "range": (0.0, 1.0)})
    strike_setback: float = field(default=0.1, metadata={
        "doc": "nuclear progress a strike destroys when the talks resume after it", "range": (0.0, 1.0)})


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
    max_rounds: int = 20

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
            _check_unit(f"agenda.{issue.name}.status_quo", issue.status_quo)
        if not isinstance(self.max_rounds, int) or self.max_rounds < 1:
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
            for attr in ("effectiveness", "standing", "deescalation", "trust_building", "proposal_noise"):
                _check_unit(f"{m.name}.{attr}", getattr(m, attr))
        for s in self.spoilers:
            if s.target not in principal_names:
                raise ConfigError(
                    f"{s.name}.target = {s.target!r} is not a principal: use one of {principal_names}"
                )
            for attr in ("lobbying", "strike_propensity", "weight_tension", "weight_progress",
                         "weight_failure", "weight_crossing", "strike_threshold", "strike_noise"):
                _check_unit(f"{s.name}.{attr}", getattr(s, attr))
            _validate_red_lines(f"{s.name}.red_lines", s.red_lines, names)
        for h in self.stakeholders:
            for attr in ("deescalation", "incentive", "pressure"):
                _check_unit(f"{h.name}.{attr}", getattr(h, attr))
        for e in self.events:
            _check_unit(f"events.{e.name}.hazard", e.hazard)
            for key, delta in e.effects.items():
                if key not in EVENT_TARGETS:
                    raise ConfigError(
                        f"events.{e.name}.effects names {key!r}: use one of {', '.join(EVENT_TARGETS)}"
                    )
                _check_unit(f"events.{e.name}.effects.{key}", delta, low=-1.0, high=1.0)
        w = self.world
        for attr in ("tension", "nuclear_progress", "military_posture", "unrest", "sanctions",
                     "progress_rate", "posture_tension", "agenda_dispute_tension",
                     "failed_round_tension", "collapse_escalation", "perceived_risk", "extension_probability",
                     "retaliation_probability", "resume_probability", "strike_setback", "interim_scale"):
            _check_unit(f"world.{attr}", getattr(w, attr))
        if not isinstance(w.deadline, int) or isinstance(w.deadline, bool) or w.deadline < 0:
            raise ConfigError(f"world.deadline = {w.deadline!r}: use a whole round number >= 0 (0: no deadline)")
        if not isinstance(w.extension_rounds, int) or isinstance(w.extension_rounds, bool) or w.extension_rounds < 1:
            raise ConfigError(f"world.extension_rounds = {w.extension_rounds!r}: use a whole number of rounds >= 1")
        _check_unit("world.tension_threshold", w.tension_threshold, low=0.0, high=math.inf)
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
    _check_issue_keys(where, red_lines, issues)
    for issue, bounds in red_lines.items():
        if len(bounds) != 2:
            raise ConfigError(f"{where}.{issue} = {list(bounds)}: give a red line as [low, high]")
        low, high = bounds
        _check_unit(f"{where}.{issue} (low end)", low)
        _check_unit(f"{where}.{issue} (high end)", high)
        if low > high:
            raise ConfigError(f"{where}.{issue} = [{low}, {high}] has its ends reversed: write [{high}, {low}]")


def _validate_principal(p: Principal, issues: tuple[str, ...]) -> None:
    where = p.name
    _check_issue_keys(f"{where}.ideal", p.ideal, issues)
    _check_issue_keys(f"{where}.salience", p.salience, issues)
    missing = [i for i in issues if i not in p.ideal]
    if missing:
        raise ConfigError(f"{where}.ideal has no value for {missing}: give an ideal point for every issue")
    for issue, value in p.ideal.items():
        _check_unit(f"{where}.ideal.{issue}", value)
    for issue, value in p.salience.items():
        _check_unit(f"{where}.salience.{issue}", value)
    total = sum(p.salience.values())
    if abs(total - 1.0) > 1e-6:
        raise ConfigError(
            f"{where}.salience sums to {total:.4g}, not 1: saliences are a distribution over issues, "
            "rescale them so they add up to 1"
        )
    _validate_red_lines(f"{where}.red_lines", p.red_lines, issues)
    for issue, (low, high) in p.red_lines.items():
        if not low <= p.ideal[issue] <= high:
            raise ConfigError(
                f"{where}.ideal.{issue} = {p.ideal[issue]} lies outside its own red line "
                f"[{low}, {high}]: move the ideal point inside or widen the red line"
            )
    for attr in ("refuses", "insists"):
        _check_issue_keys(f"{where}.{attr}", dict.fromkeys(getattr(p, attr)), issues)
    both = set(p.refuses) & set(p.insists)
    if both:
        raise ConfigError(f"{where} both refuses and insists on {sorted(both)}: keep each issue in one list")
    for attr in ("agenda_flexibility", "no_deal_value", "sovereignty_cost", "trust",
                 "walkout_propensity", "war_cost", "resolve_spread", "discount", "force_noise"):
        _check_unit(f"{where}.{attr}", getattr(p, attr))
    for attr in ("force_posture_weight", "force_progress_weight"):
        _check_unit(f"{where}.{attr}", getattr(p, attr), low=-1.0, high=1.0)
    if not isinstance(p.concession_e, int | float) or not 0.0 < p.concession_e <= 100.0:
        raise ConfigError(
            f"{where}.concession_e = {p.concession_e!r}: use a number in (0, 100] "
            "(below 1 Boulware, above 1 Conceder)"
        )
    for key, value in p.pressure.items():
        if key not in WORLD_VARS:
            raise ConfigError(f"{where}.pressure names {key!r}: use one of {', '.join(WORLD_VARS)}")
        _check_unit(f"{where}.pressure.{key}", value, low=-1.0, high=1.0)
