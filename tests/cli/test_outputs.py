"""The output layout (``outputs/<command>/<label>/<time>-<id>``) and the notebook loaders ``sim.io.load_run``/``load_sweep``."""

from __future__ import annotations

import pytest

from sim.config.layout import MAX_LABEL, label, run_folder, scenario_of
from sim.io import RunFileError, load_run, load_sweep, write_results


@pytest.mark.parametrize(
    "scenario, overrides, expected",
    [
        ("baseline", [], "baseline"),
        ("baseline", ["~actors.israel"], "baseline+no-israel"),
        ("baseline", ["+actors@actors.eu3=eu3", "actors.us.trust=0.6"], "baseline+with-eu3+us.trust=0.6"),
        ("nuclear_only", ["scenario=nuclear_only", "replications=100", "seed=3", "workers=2"], "nuclear_only"),
        ("mine", ["hydra.searchpath=[file:///tmp/x]", "world.unrest=0.9"], "mine+world.unrest=0.9"),
        ("baseline", ["agenda.issues=[a b]"], "baseline+agenda.issues=-a-b"),
    ],
)
def test_the_label_names_the_scenario_and_what_changed(scenario, overrides, expected):
    assert label(scenario, overrides) == expected


def test_a_long_label_is_cut_and_kept_apart_by_a_hash():
    many = [f"actors.us.salience.issue{k}=0.{k}" for k in range(20)]
    one, other = label("baseline", many), label("baseline", [*many[:-1], "actors.us.salience.issue19=0.5"])
    assert len(one) <= MAX_LABEL and len(other) <= MAX_LABEL and one != other


def test_run_folders_follow_one_layout(tmp_path):
    folder = run_folder("explore", scenario_of(["scenario=nuclear_only", "~actors.uae"]), ["~actors.uae"], root=tmp_path)
    assert folder.parent == tmp_path / "explore" / "nuclear_only+no-uae"
    assert folder != run_folder("explore", "nuclear_only", ["~actors.uae"], root=tmp_path)  # a random id apart


def test_load_run_reads_a_run_or_the_newest_under_a_folder(tmp_path):
    from sim import load_scenario, simulate

    results = simulate(load_scenario("baseline"), 300, seed=1, block_size=300)
    run = tmp_path / "run" / "baseline" / "2026-01-01_00-00-00-aaaaaa"
    write_results(results, run)
    for where in (run, tmp_path / "run" / "baseline", tmp_path):
        loaded = load_run(where)
        assert loaded.path == run and loaded.summary == results.summary
        assert len(loaded.episodes) == 300 and loaded.overrides == []
        assert "baseline, 300 replications" in repr(loaded)
    with pytest.raises(RunFileError, match="no run's folder"):
        load_run(tmp_path / "nothing")
    with pytest.raises(RunFileError, match="no sweep table"):
        load_sweep(tmp_path)
