"""The baseline's summary for a fixed seed, pinned: a refactoring must not change a single number.

When the model changes on purpose, regenerate the file and say why in the commit:
``python -m tests.core.test_golden`` rewrites ``tests/core/golden/baseline_seed7.json``.
"""

from __future__ import annotations

import json
from pathlib import Path

from sim import load_scenario, simulate

GOLDEN = Path(__file__).with_name("golden") / "baseline_seed7.json"
VOLATILE = ("elapsed_s", "episodes_per_s")


def baseline_summary() -> dict:
    summary = simulate(load_scenario("baseline"), 20_000, seed=7).summary
    return json.loads(json.dumps({k: v for k, v in summary.items() if k not in VOLATILE}, sort_keys=True))


def test_the_baseline_summary_for_seed_7_is_exactly_the_pinned_one():
    assert baseline_summary() == json.loads(GOLDEN.read_text())


if __name__ == "__main__":
    GOLDEN.write_text(json.dumps(baseline_summary(), indent=1, sort_keys=True) + "\n")
    print(f"wrote {GOLDEN}")
