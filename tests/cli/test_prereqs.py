"""``tools/test-prereqs.sh`` (the first step of ``make test``): what the browser test and the dashboard need.

On a machine without Chromium or npm, where it may not install them, it stops at
once with one line saying what to install and how; with both present it says
nothing. (Installing through apt-get is not exercised here: it needs root.)
"""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tools" / "test-prereqs.sh"


def run(tmp_path: Path, path: str, chromium: str) -> subprocess.CompletedProcess:
    env = {"PATH": path, "MUSCAT_NO_INSTALL": "1", "MUSCAT_CHROMIUM": chromium, "HOME": str(tmp_path)}
    return subprocess.run(["/bin/bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60)


def test_without_chromium_and_npm_it_stops_at_once_with_one_line_saying_what_to_install(tmp_path):
    empty = tmp_path / "bin"
    empty.mkdir()
    proc = run(tmp_path, str(empty), str(tmp_path / "no-chromium"))
    assert proc.returncode == 2 and proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert "chromium chromium-headless-shell npm" in lines[0] and "apt-get install -y" in lines[0]
    assert "MUSCAT_CHROMIUM" in lines[0]


def test_with_a_chromium_and_npm_it_says_nothing(tmp_path):
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("npm", "chromium"):
        tool = bin_dir / name
        tool.write_text("#!/bin/sh\nexit 0\n")
        tool.chmod(0o755)
    proc = run(tmp_path, str(bin_dir), str(bin_dir / "chromium"))
    assert proc.returncode == 0 and proc.stdout == "" and proc.stderr == ""
