"""The allocator settings of sim.core.memory: applied once per process where glibc is the C library."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

from sim.core.memory import tune_allocator


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_glibc_takes_the_settings_and_a_second_call_changes_nothing():
    assert tune_allocator() is True
    assert tune_allocator() is True


def test_a_run_in_a_fresh_process_tunes_the_allocator_before_its_first_block():
    code = (
        "import sim.core.memory as m; from sim.core.runner import simulate; from tests.conftest import toy_scenario;"
        "assert m._tuned is None; simulate(toy_scenario(), 10, 0); print(m._tuned)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == str(platform.libc_ver()[0] == "glibc")
