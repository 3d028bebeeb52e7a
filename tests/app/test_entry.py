"""``muscat-sim-app``: its own --help, one line without the app extra, the front-end files' note."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from sim.app import __main__ as entry


def test_the_help_is_the_dashboards_own():
    proc = subprocess.run([sys.executable, "-m", "sim.app", "--help"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0
    assert proc.stdout.startswith("usage: muscat-sim-app")
    assert "--no-fetch" in proc.stdout and "Examples:" in proc.stdout and "solara run" in proc.stdout


def test_without_the_app_extra_one_line_says_how_to_install_it(monkeypatch, capsys):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "solara" else real(name, *a))
    with pytest.raises(SystemExit) as info:
        entry.main(["--no-open"])
    assert info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err == "error: the dashboard needs the app extra: pip install 'muscat-sim[app]'"


def test_without_the_files_and_without_npm_the_note_says_how_to_get_them(monkeypatch, tmp_path):
    from sim.app import assets

    monkeypatch.delenv(assets.ENV, raising=False)
    monkeypatch.setattr(assets, "default_directory", lambda: tmp_path / "empty")
    monkeypatch.setattr(entry.shutil, "which", lambda name: None)
    note = entry.prepare_assets(fetch=True)
    assert note is not None and "python -m sim.app.assets" in note and "npm" in note and "\n" not in note
    assert entry.prepare_assets(fetch=False) is None


def test_a_config_dir_that_is_no_folder_is_one_line(capsys, tmp_path):
    with pytest.raises(SystemExit) as info:
        entry.main(["--config-dir", str(tmp_path / "nowhere"), "--no-open", "--no-fetch"])
    assert info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: --config-dir ") and "no such folder" in err and "\n" not in err


def test_config_dir_reaches_the_server_as_the_folders_the_dashboard_composes_with(monkeypatch, tmp_path):
    """``muscat-sim-app --config-dir DIR``: the server (the same process) reads DIR from the environment."""
    from solara.__main__ import cli

    from sim.app import state

    assert entry.CONFIG_DIRS_ENV == state.CONFIG_DIRS_ENV
    solaras = ["TELEMETRY_MIXPANEL_ENABLE", "KERNEL_CULL_TIMEOUT", "THEME_SHOW_BANNER"]
    solaras += ["KERNEL_MAX_PER_SESSION", "KERNEL_MAX_COUNT"]
    for name in (entry.CONFIG_DIRS_ENV, *(f"SOLARA_{s}" for s in solaras)):
        monkeypatch.setenv(name, "")  # recorded as it was (unset, usually), so that what main sets is undone after
        monkeypatch.delenv(name)
    started = []
    monkeypatch.setattr(cli, "main", lambda args, prog_name: started.append(args))
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    entry.main(["--config-dir", str(tmp_path / "a"), "--config-dir", str(tmp_path / "b"), "--no-open", "--no-fetch"])
    assert started and started[0][:2] == ["run", entry.APP]
    assert state.search_path() == [f"hydra.searchpath=[file://{tmp_path / 'a'},file://{tmp_path / 'b'}]"]
