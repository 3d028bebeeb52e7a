"""The architecture, enforced: the core loads no Hydra, and imports only go down the layers.

Layers, bottom up: ``sim.core`` (the model) < ``sim.config`` and ``sim.io`` < ``sim.sweep`` <
``sim.analysis`` < ``sim.cli`` and ``sim.app``. A module may import its own layer and the ones below.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parents[1] / "sim"
LAYER = {"core": 0, "config": 1, "io": 1, "sweep": 2, "analysis": 3, "cli": 4, "app": 4}


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "sim" and parts[1] in LAYER else None


def imports_of(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return found


MODULES = sorted(p for p in SIM.rglob("*.py") if layer_of("sim." + p.relative_to(SIM).parts[0].removesuffix(".py")))


def test_importing_the_core_loads_neither_hydra_nor_omegaconf():
    code = (
        "import sys, sim.core; sim.core.simulate; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('hydra', 'omegaconf')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SIM)))
def test_a_module_imports_only_its_own_layer_and_the_ones_below(path):
    own = layer_of("sim." + path.relative_to(SIM).parts[0].removesuffix(".py"))
    upward = sorted(m for m in imports_of(path) if (other := layer_of(m)) and LAYER[other] > LAYER[own])
    assert not upward, f"{path.relative_to(SIM)} ({own}) imports {upward} from a layer above"


def test_the_core_imports_nothing_of_the_other_layers_nor_of_files_or_terminals():
    for path in (SIM / "core").rglob("*.py"):
        names = imports_of(path)
        assert not [m for m in names if (other := layer_of(m)) and other != "core"], path
        assert not names & {"hydra", "omegaconf", "yaml", "tqdm", "argparse"}, path
