"""Users' own config folders (``--config-dir DIR``, ``hydra.searchpath``): a wrong file is named in one line."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.cli.app import main
from sim.config.compose import CONFIG_DIR, compose
from sim.core.params import ConfigError

HEADER = "# @package _global_\n"
PACKAGED = sorted(p.stem for p in (CONFIG_DIR / "scenario").glob("*.yaml"))


def headerless_copy(folder: Path, packaged: str, name: str) -> Path:
    """A packaged scenario saved as the user's ``scenario/NAME.yaml`` without its ``# @package _global_`` line."""
    text = (CONFIG_DIR / "scenario" / f"{packaged}.yaml").read_text()
    assert text.startswith(HEADER)
    path = folder / "scenario" / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.removeprefix(HEADER).replace(f"name: {packaged}", f"name: {name}"))
    return path


def error_line(capsys, argv: list[str]) -> str:
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("error: ") and "Traceback" not in err, err
    return err


@pytest.mark.parametrize("packaged", PACKAGED)
def test_a_scenario_without_its_package_header_is_named_with_the_fix(capsys, tmp_path, packaged):
    path = headerless_copy(tmp_path / "mine", packaged, "mine")
    err = error_line(capsys, ["--config-dir", str(tmp_path / "mine"), "scenario=mine", f"output_root={tmp_path}"])
    assert str(path) in err
    assert "add `# @package _global_` as the file's first line" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["hydra.searchpath=[file://{dir}]", "scenario=mine"],
        ["--config-dir", "{dir}", "scenario=mine", "--cfg", "job"],
        ["--config-dir", "{dir}", "-m", "scenario=baseline,mine", "hydra/launcher=basic"],
    ],
    ids=["searchpath", "cfg-job", "sweep"],
)
def test_the_missing_header_is_named_however_the_folder_is_given(capsys, tmp_path, argv):
    path = headerless_copy(tmp_path / "mine", "israeli_strike_pressure", "mine")
    err = error_line(capsys, [a.format(dir=tmp_path / "mine") for a in argv] + [f"output_root={tmp_path}"])
    assert str(path) in err and "# @package _global_" in err
    assert "scenario.scenario" in err  # what Hydra would have called an unknown parameter


def test_a_header_below_a_comment_is_not_read_by_hydra_and_the_message_says_so(capsys, tmp_path):
    (tmp_path / "scenario").mkdir()
    (tmp_path / "scenario" / "late.yaml").write_text(f"# my variant\n{HEADER}scenario: {{name: late}}\nmax_rounds: 12\n")
    err = error_line(capsys, ["--config-dir", str(tmp_path), "scenario=late"])
    assert "late.yaml" in err and "below other lines" in err and "first line" in err


def test_a_file_with_the_header_composes(tmp_path):
    (tmp_path / "scenario").mkdir()
    (tmp_path / "scenario" / "mine.yaml").write_text(f"{HEADER}scenario: {{name: mine}}\nmax_rounds: 12\n")
    cfg = compose(["scenario=mine", f"hydra.searchpath=[file://{tmp_path}]"])
    assert cfg.scenario.name == "mine" and cfg.max_rounds == 12


def test_a_defaults_entry_overriding_a_group_that_is_not_there_names_the_file(tmp_path):
    # this used to recurse (compose -> explain -> compose ...) until Python's recursion limit
    (tmp_path / "scenario").mkdir()
    (tmp_path / "scenario" / "odd.yaml").write_text(
        f"{HEADER}defaults:\n  - override /events@scenario.events: none\n  - _self_\nscenario: {{name: odd}}\n"
    )
    with pytest.raises(ConfigError, match=r"odd\.yaml: its defaults list overrides 'events@scenario\.events'.*override events"):
        compose(["scenario=odd", f"hydra.searchpath=[file://{tmp_path}]"])
