"""Known deadlock: stated positions that cannot overlap, and talks about talks."""

from __future__ import annotations

import numpy as np

from sim.core.rules.marker import decision
from sim.core.rules.red_lines import holding_value

# ------------------------------------------------------- known deadlock


def known_deadlock(overlaps, required, held_stated) -> np.ndarray:
    """The replications whose table is a known deadlock: (R,) from (R, I) flags.

    True where, on some issue that a principal requires in any deal, the
    red-line box is empty (``overlaps`` False, :func:`red_line_box`) and a
    principal still holds a stated public position there that narrows its own
    red line (``held_stated``, :func:`stated_red_lines`). A stated position is
    public, so both sides know that no package can be signed there; red lines
    that fail to overlap without a narrowing stated position are private, and a
    refusal there is still news.
    """
    return (np.asarray(required) & np.asarray(held_stated) & ~np.asarray(overlaps)).any(axis=-1)


def talks_about_talks(refused, deadlocked) -> tuple[np.ndarray, np.ndarray]:
    """A refused package at a known deadlock is not a failed round: returns (failed, procedural).

    Where the stated public positions leave no zone of agreement on a required
    issue (:func:`known_deadlock`), both sides know that any package must be
    refused by one of them; the refusal was certain before it was given, so it
    carries no news (its likelihood is 1 whether the talks are going well or
    badly: Bayes' rule leaves every belief where it was, as
    :func:`update_belief` already does for a package outside the answerer's red
    lines). Such a round is talks about talks: the parties meet and restate
    positions, procedure without bargaining, what the pre-negotiation
    literature calls the phase before the parties have agreed that a
    negotiated settlement is possible (Saunders 1985; Stein 1989, *Getting to
    the Table*; Zartman 1989, *Ripe for Resolution*: without a mutually
    hurting stalemate and a perceived way out the conflict is not ripe, and
    talks continue without converging, neither succeeding nor failing). Parties
    keep such talks for their side effects, contact, information, an image of
    reasonableness before third parties, the avoidance of a break (Iklé 1964,
    *How Nations Negotiate*, ch. 4), and a commitment known to both sides
    is a tactic of distributive bargaining, not a breakdown of it (Walton and
    McKersie 1965). So a refused round in a known deadlock adds no tension
    (``failed_round_tension``) and does not count as a failed round in the
    estimate others make of whether the talks are failing
    (:func:`failure_estimate`: neither a failure nor a success, it is left out
    of the count altogether, ``procedural``). What still moves in a deadlock:
    time and discounting, nuclear progress, coercion below war, events,
    deadlines and the holder's belief that the other gives way (2005-2013: the
    parties met, restated positions, and the talks lapsed or were adjourned;
    tension came from nuclear steps and sanctions). Form: assumption.
    """
    refused = np.asarray(refused, dtype=bool)
    deadlocked = np.asarray(deadlocked, dtype=bool)
    return refused & ~deadlocked, refused & deadlocked


# ------------------------------------------------------- adjourning a held deadlock


@decision
def awaiting_value(giveway, prize, discount, risk, outside) -> np.ndarray:
    """What staying one more round at a known deadlock is worth to the side that waits for the other to give way.

    g x prize + (1 - g) x discount x O: with the chance g it sees that the
    holder drops its stated position this round (:func:`giveway_chance`, its
    own belief that the holder gives way times the holder's per-round rate), the
    deal the mediator would then propose (``prize``, its value by
    :func:`deal_value`); otherwise a round of delay, after which it can still
    leave for its outside option O (breakdown risk or not, it ends at O:
    ``waiting_value(discount, risk, O, O)``). It is :func:`holding_value` with
    the fallback O in place of backing down: the waiting side cannot back down
    onto a term its own red line excludes. A war of attrition with a third
    choice, leaving the contest without conceding: each side waits while its
    hope that the other concedes soon enough pays for the delay, and exits when
    it no longer does (Ponsati and Sakovics 1995, "The war of attrition with
    incomplete information", *Mathematical Social Sciences* 29(3) [verify];
    the outside options of bargaining, Binmore, Shaked and Sutton 1989); a
    stalemate with no perceived way out is not ripe and the parties stop
    convening (Zartman 2000, "Ripeness: The Hurting Stalemate and Beyond").
    One-stage look-ahead, optimal because the belief only falls while the
    holder holds (Chow, Robbins and Siegmund 1971), as for the holder.
    """
    return holding_value(giveway, prize, outside, outside, discount, risk)


def deadlock_staying(deadlocked, continuing, staying_at_deadlock) -> np.ndarray:
    """What staying in the talks is worth to a principal in the walk-out decision: (R,) from (R,) arrays.

    Where the table is a known deadlock (:func:`known_deadlock`) the package on
    the table is inside neither side's red lines, so it is not the deal that
    waiting brings (``continuing``, :func:`continuation_value`, prices it as
    next round's deal); there staying is worth what the principal's own rule of
    the deadlock says (``staying_at_deadlock``: the holder's
    :func:`holding_value`, the waiting side's :func:`awaiting_value`, and
    discount x O where neither side's giving way could open a zone). Leaving
    there is an adjournment of the round without a next date, the usual end of
    the rounds of 2005-2013 (Almaty, 6 Apr 2013; Istanbul, 22 Jan 2011), a
    stalemate and not a collapse of the talks. Form: assumption.
    """
    return np.where(np.asarray(deadlocked, dtype=bool), staying_at_deadlock, continuing)
