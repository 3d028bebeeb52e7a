"""Shared fixtures: scenarios composed once with Hydra's compose API, small hand-made scenarios."""

from __future__ import annotations

import dataclasses
import logging

import pytest

from sim.config.compose import load_scenario
from sim.core.params import Event, Issue, Mediator, Principal, Scenario, Spoiler, Stakeholder, World
from tests import yaml_cache

yaml_cache.install()  # each config file's text parsed once per test process (tests/yaml_cache.py)


def pytest_collection_modifyitems(config, items):
    """The tests marked slow run first, the rest in the order collected (tests do not depend on their order).

    Under xdist (``-n 2 --dist worksteal``) a worker that idles steals queued tests from the other: a test of minutes
    started last would run alone at the end, one started first runs beside the short ones.
    """
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(autouse=True)
def _quiet_mesa():
    logging.getLogger("MESA").setLevel(logging.WARNING)


def without_context_odds(args) -> list[str]:
    """A plain run's arguments with ``context_odds=false`` added (sub-commands, sweeps and help are left as they are).

    A run's odds beyond the configured values cost seconds whatever its replications; tests/cli/test_context_odds.py
    tests them, so the other command-line tests skip them as they cap replications.
    """
    from sim.cli import COMMANDS

    args = list(args)
    skip = {"-m", "--multirun", "--help", "-h", "--cfg", "--version", "--info", "-c"}
    if (args and args[0] in COMMANDS) or skip & set(args) or any(a.startswith("context_odds") for a in args):
        return args
    return [*args, "context_odds=false"]


def with_changes(p, **changes):
    """A copy of a frozen parameter record (a principal, the world) with some fields changed."""
    return dataclasses.replace(p, **changes)


def with_principals(scenario: Scenario, a=None, b=None) -> Scenario:
    """The scenario with its principals replaced (either or both), validated."""
    pa, pb = scenario.principals
    return dataclasses.replace(scenario, principals=(a or pa, b or pb)).validate()


@pytest.fixture(scope="session")
def baseline() -> Scenario:
    """The baseline scenario as composed from configs/ (Hydra state cleared afterwards)."""
    return load_scenario("baseline")


def toy_scenario(**changes) -> Scenario:
    """A small two-issue scenario for unit tests; keyword arguments replace its fields."""
    issues = (Issue("nuke", "nuclear", 0.0), Issue("rockets", "regional", 0.0))
    a = Principal(
        name="A",
        ideal={"nuke": 1.0, "rockets": 1.0},
        salience={"nuke": 0.6, "rockets": 0.4},
        red_lines={"nuke": (0.3, 1.0)},
        concession_e=1.0,
        no_deal_value=0.3,
        trust=0.8,
    )
    b = Principal(
        name="B",
        ideal={"nuke": 0.0, "rockets": 0.0},
        salience={"nuke": 0.5, "rockets": 0.5},
        red_lines={"nuke": (0.0, 0.7)},
        concession_e=1.0,
        no_deal_value=0.3,
        trust=0.8,
    )
    base = dict(
        name="toy",
        issues=issues,
        principals=(a, b),
        mediators=(Mediator("M", effectiveness=0.8, standing=0.5),),
        spoilers=(Spoiler("S", target="A", strike_propensity=0.0, red_lines={"nuke": (0.9, 1.0)}),),
        stakeholders=(Stakeholder("H", deescalation=0.01),),
        events=(Event("shock", 0.1, {"tension": 0.05}),),
        world=World(),
        max_rounds=10,
    )
    base.update(changes)
    return Scenario(**base)


@pytest.fixture
def toy() -> Scenario:
    return toy_scenario()
