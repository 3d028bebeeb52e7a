"""The narrative of one traced episode (replication 0): what happened each round, in words.

Kept outside the model class: the model calls a :class:`Narrator` at the points
of a round worth telling, and the narrator reads the model's state to say it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.core.state import issue_flags

if TYPE_CHECKING:
    from sim.core.agents import PrincipalAgent

LADDER = {1: "a limited strike", 2: "a strike and retaliation", 3: "a strike, retaliation and war"}


class Narrator:
    """Collects the round-by-round story of replication 0 of a model."""

    def __init__(self, model: mesa.Model) -> None:
        self.model = model  # the NegotiationModel that traces (Mesa's base class: the core has no import circle)
        self.lines: list[str] = []

    @property
    def watching(self) -> bool:
        """Whether replication 0 is still held at the front of the state arrays (it is while traced)."""
        s = self.model.state
        return s.m > 0 and s.ids[0] == 0

    def say(self, text: str) -> None:
        self.lines.append(f"round {self.model.state.round:>2}: {text}")

    def agenda_moves(self, p: PrincipalAgent, dropped_insist: np.ndarray, dropped_refuse: np.ndarray) -> None:
        names = np.array(self.model.issue_names)
        if dropped_insist.any():
            self.say(f"{p.name} accepts a parallel track for {', '.join(names[dropped_insist])}")
        if dropped_refuse.any():
            self.say(f"{p.name} agrees to discuss {', '.join(names[dropped_refuse])}")

    def agenda(self, newly: np.ndarray, disputing: np.ndarray, conflict: np.ndarray, scope: np.ndarray) -> None:
        m = self.model
        names = np.array(m.issue_names)
        if newly.size and newly[0] == 0:
            self.say(f"agenda settled: {m.params.scope_label(names[m.state.agenda[0]])}")
            parked = scope[0] & ~m.state.agenda[0]
            if parked.any():
                self.say(f"red lines cannot meet on {', '.join(names[parked])}: a parallel track")
        if disputing[0]:
            contested = names[issue_flags(conflict[0], len(names))]
            self.say(f"agenda dispute over {', '.join(contested)}: no package this round")

    def events(self) -> None:
        m = self.model
        if not m.state.alive[0]:
            return
        for event, hit in zip(m.params.events, m.state.events_now[0], strict=True):
            if hit:
                self.say(f"event: {event.name} ({', '.join(f'{k} {v:+g}' for k, v in event.effects.items())})")

    def precondition(self, p: PrincipalAgent, pending: bool, met: bool) -> None:
        if not pending:
            return
        steps = ", ".join(p.params.preconditions)
        if met:
            self.say(f"procedure: {p.name}'s precondition ({steps}) is settled; substantive talks can begin")
        else:
            self.say(f"procedure: {p.name} demands {steps} before substantive talks; no package this round")

    def ratification(self, p: PrincipalAgent) -> None:
        self.say(
            f"ratification failure: {p.name}'s veto players reject the package its negotiator signed "
            f"(its win-set is narrower than it believed; {p.other.name}'s trust in it falls)"
        )

    def proposal(self, answers: list[bool], proposer: str = "") -> None:
        m = self.model
        s = m.state
        terms = ", ".join(f"{name} {x:.2f}" for name, x, on in zip(m.issue_names, s.proposal[0], s.agenda[0], strict=True) if on)
        direct = " (direct talks, alternating offers)" if m.lead_mediator is None else ""
        self.say(f"{proposer or 'the mediator'} proposes {terms}{direct}")
        for p, ok in zip(m.principals, answers, strict=True):
            worth = f"worth {p.value[0]:.3f} against its outside option {p.outside[0]:.3f}"
            if ok:
                self.say(f"  {p.name} accepts ({worth})")
            elif not p.within[0] and p.has_veto and p.utility[0] < p.bar[0] - 1e-9:
                self.say(f"  {p.name} refuses: its veto players would not ratify it (utility {p.utility[0]:.3f})")
            elif not p.within[0]:
                broken = [
                    f"{name} {x:.2f} outside [{lo:g}, {hi:g}]"
                    for name, x, lo, hi, on in zip(m.issue_names, s.proposal[0], *_row0(p.low, p.high), s.agenda[0], strict=True)
                    if on and not lo - 1e-12 <= x <= hi + 1e-12
                ]
                self.say(f"  {p.name} refuses: red line broken ({'; '.join(broken)})")
            elif p.value[0] < p.outside[0]:
                self.say(f"  {p.name} refuses: {worth}")
            else:
                learner = "the mediator" if m.lead_mediator else p.other.name
                self.say(f"  {p.name} refuses: {worth}, but holding out is worth more ({learner} will learn)")

    def strike(self, fires: np.ndarray, cause: str, severity: np.ndarray, resumed: np.ndarray) -> None:
        if not fires[0]:
            return
        end = "ceasefire; the talks resume" if resumed[0] else "the confrontation ends the talks"
        self.say(f"{cause}: {LADDER[int(severity[0])]}; {end}")


def _row0(*per_issue: np.ndarray) -> list[np.ndarray]:
    """Per-issue parameters of the first replication: (I,) as they are, a row of (n, I) (drawn per replication)."""
    return [np.atleast_2d(x)[0] for x in per_issue]
