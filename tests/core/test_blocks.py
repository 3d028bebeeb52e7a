"""Blocks run together in one batch give each block exactly the numbers it has when run alone."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from sim.core.params import Transition
from sim.core.runner import block_groups, has_arrays, run_block, run_blocks


def mechanisms(baseline, preconditions=False):
    """The baseline with a deadline and an ultimatum and a change of government that reopens the agenda (the
    agenda's stream, the one drawn on a condition, is then drawn again after rounds without it); ``preconditions``
    adds Iran's (the agenda's stream then has more columns)."""
    us, iran = baseline.principals
    if preconditions:
        iran = dataclasses.replace(iran, preconditions=("sanctions_relief_first",))
    world = dataclasses.replace(baseline.world, deadline=12, ultimatum_by=us.name)
    change = Transition(week=8, pause_weeks=3, actor=iran.name, set={"refuses": ["enrichment", "missiles"], "trust": 0.1})
    return dataclasses.replace(baseline, principals=(us, iran), world=world, transitions=(change,)).validate()


@pytest.mark.parametrize("which", ["baseline", "mechanisms", "preconditions"])
def test_blocks_run_together_give_each_block_its_own_numbers_bit_for_bit(baseline, which):
    scenario = baseline if which == "baseline" else mechanisms(baseline, preconditions=which == "preconditions")
    # Uneven sizes, not consecutive (each keeps its own seed), and many small blocks whose agendas all settle
    # before the pause while the big ones still draw theirs.
    blocks = [(0, 250), (3, 120), (7, 31), *((b, 1 + b % 3) for b in range(12, 52))]
    together = run_blocks(scenario, blocks, 5)
    for (b, n), arrays in zip(blocks, together, strict=True):
        alone = run_block(scenario, n, 5, b)
        assert arrays.keys() == alone.keys()
        for key in alone:
            np.testing.assert_array_equal(arrays[key], alone[key], err_msg=f"block {b}, {key}")


def test_block_groups_cover_every_block_once_in_order_and_give_each_worker_one():
    sizes = [10_000] * 10 + [3]
    groups = block_groups(list(range(11)), sizes, parts=2, rows=50_000)
    assert [b for g in groups for b in g] == list(range(11))
    assert len(groups) == 3  # 100,003 rows in groups of at most about 50,000
    assert len(block_groups([4], sizes, parts=2)) == 1
    assert block_groups([], sizes) == []


def test_a_scenario_with_parameters_drawn_per_replication_is_recognised(baseline):
    assert not has_arrays(baseline)
    world = dataclasses.replace(baseline.world, tension=np.full(5, 0.3))
    assert has_arrays(dataclasses.replace(baseline, world=world))
