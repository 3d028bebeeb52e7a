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
