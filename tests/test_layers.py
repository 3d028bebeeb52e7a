"""The architecture, enforced: the core loads no Hydra, and imports only go down the layers.

Layers, bottom up: ``sim.core`` (the model) < ``sim.config`` and ``sim.io`` < ``sim.sweep`` <
``sim.analysis`` < ``sim.cli`` and ``sim.app``. A module may import its own layer and the ones below.
"""

from __future__ import annotations

import ast
import re
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


def core_module(path: Path) -> str:
    """The dotted name of a module of ``sim.core`` (a package by its own name); a file elsewhere by its stem."""
    if not path.is_relative_to(SIM / "core"):
        return f"sim.core.{path.stem}"
    parts = path.relative_to(SIM.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


RULES = SIM / "core" / "rules"

#: Every module of the core, packages (such as ``sim.core.rules``) and their modules included, but not ``sim.core``.
CORE = {core_module(p): p for p in sorted((SIM / "core").rglob("*.py")) if p != SIM / "core" / "__init__.py"}


def core_imports(path: Path) -> tuple[set[str], set[str]]:
    """The modules of ``sim.core`` that ``path`` imports when it runs (at module level or inside a function) and
    those it imports only for type checking (under ``if TYPE_CHECKING``)."""
    modules = set(CORE)
    runtime: set[str] = set()
    typing_only: set[str] = set()

    def add(names: set[str], checking: bool) -> None:
        # each name counts for the innermost module that holds it: sim.core.rules.delay, not the package sim.core.rules
        found = {max(held, key=len) for n in names if (held := [m for m in modules if n == m or n.startswith(m + ".")])}
        (typing_only if checking else runtime).update(found)

    class Imports(ast.NodeVisitor):
        checking = False

        def visit_If(self, node: ast.If) -> None:
            if "TYPE_CHECKING" in ast.unparse(node.test):
                self.checking = True
                for child in node.body:
                    self.visit(child)
                self.checking = False
                for child in node.orelse:
                    self.visit(child)
            else:
                self.generic_visit(node)

        def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
            if node.module and node.level == 0:
                add({node.module, *(f"{node.module}.{a.name}" for a in node.names)}, self.checking)

        def visit_Import(self, node: ast.Import) -> None:
            add({a.name for a in node.names}, self.checking)

    Imports().visit(ast.parse(path.read_text()))
    own = core_module(path)
    return runtime - {own}, typing_only - {own}


def import_circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every circle of a directed graph that a depth-first search closes (one per back edge)."""
    circles: list[list[str]] = []
    done: set[str] = set()
    stack: list[str] = []

    def visit(node: str) -> None:
        stack.append(node)
        for other in sorted(graph.get(node, ())):
            if other in stack:
                circles.append([*stack[stack.index(other) :], other])
            elif other not in done:
                visit(other)
        stack.pop()
        done.add(node)

    for node in sorted(graph):
        if node not in done:
            visit(node)
    return circles


def test_import_circles_are_found_by_the_search():
    assert import_circles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]
    assert import_circles({"a": {"b"}, "b": set(), "c": {"a", "b"}}) == []


def test_no_module_of_the_core_imports_itself_back_through_others():
    """The core's modules form a hierarchy: no import circle, counting imports inside functions and those made only
    for type checking. The model hands itself to its agents, narrator and reporters, which name it by Mesa's base
    class (``mesa.Model``), not by importing the model."""
    graph = {}
    for name, path in CORE.items():
        runtime, typing_only = core_imports(path)
        graph[name] = runtime | typing_only
    circles = [" -> ".join(circle) for circle in import_circles(graph)]
    assert not circles, "import circles in sim/core: " + "; ".join(circles)


def test_type_checking_and_function_level_imports_count(tmp_path):
    source = tmp_path / "agents.py"
    source.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from sim.core.model import NegotiationModel\n"
        "def f():\n    from sim.core import narrative\n"
    )
    runtime, typing_only = core_imports(source)
    assert (runtime, typing_only) == ({"sim.core.narrative"}, {"sim.core.model"})


def in_agents(module: str) -> bool:
    return module == "sim.core.agents" or module.startswith("sim.core.agents.")


def test_only_the_model_imports_the_agents_when_it_runs():
    """The model schedules the agents; the helpers that the agents, the model and the narrator share (batch arrays
    by row, issue bit masks) live in sim.core.state, below all of them. Inside the package sim.core.agents (one
    module per agent class) the modules import each other."""
    users = sorted(name for name, path in CORE.items() if not in_agents(name) and any(map(in_agents, core_imports(path)[0])))
    assert users == ["sim.core.model"]


def rule_uses(path: Path) -> set[str]:
    """The functions of the package ``sim.core.rules`` that ``path`` calls or hands on: ``rules.f`` however the package
    or one of its theme modules is imported (``from sim.core import rules``, ``import sim.core.rules as r``,
    ``from sim.core.rules import delay``, ``import sim.core.rules.delay as d``), and ``f`` imported by name from the
    package or from a theme module (``from sim.core.rules.delay import accepts``)."""

    def rules_module(name: str) -> bool:
        return name == "sim.core.rules" or name.startswith("sim.core.rules.")

    tree = ast.parse(path.read_text())
    modules: set[str] = set()  # names bound to the rules package or one of its modules
    functions: dict[str, str] = {}  # local name -> rule imported by name
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "sim.core":
            modules.update(a.asname or a.name for a in node.names if a.name == "rules")
        elif isinstance(node, ast.ImportFrom) and node.module and rules_module(node.module):
            for a in node.names:
                if rules_module(f"{node.module}.{a.name}") and (RULES / f"{a.name}.py").exists():
                    modules.add(a.asname or a.name)
                else:
                    functions[a.asname or a.name] = a.name
        elif isinstance(node, ast.Import):
            modules.update(a.asname for a in node.names if rules_module(a.name) and a.asname)
    used = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules:
            used.add(node.attr)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in functions:
            used.add(functions[node.id])
    return used


def test_rule_uses_are_found_whatever_the_import(tmp_path):
    source = tmp_path / "m.py"
    source.write_text(
        "from sim.core import rules as r\nfrom sim.core.rules import chooses as pick\nimport sim.core.rules as R\n"
        "r.accepts(1)\npick(2)\nR.backs_down(3)\nf(r.utility)\n"
    )
    assert rule_uses(source) == {"accepts", "chooses", "backs_down", "utility"}
    source.write_text(
        "from sim.core.rules import delay\nfrom sim.core.rules.force import chooses\nimport sim.core.rules.procedure as p\n"
        "delay.accepts(1)\nchooses(2)\np.backs_down(3)\n"
    )
    assert rule_uses(source) == {"accepts", "chooses", "backs_down"}


def test_every_rule_of_a_theme_module_is_named_by_the_package():
    """``sim.core.rules`` re-exports each public function and class of its theme modules, so ``rules.f`` finds every
    rule and ``rules.decisions()`` lists every decision."""
    import importlib

    from sim.core import rules

    missing = []
    for path in sorted(RULES.glob("*.py")):
        if path.stem == "__init__":
            continue
        module = importlib.import_module(f"sim.core.rules.{path.stem}")
        defined = {name: value for name, value in vars(module).items() if getattr(value, "__module__", None) == module.__name__}
        missing += [
            f"{path.stem}.{name}"
            for name, value in defined.items()
            if not name.startswith("_") and (getattr(rules, name, None) is not value or name not in rules.__all__)
        ]
    assert not missing, f"sim/core/rules/__init__.py does not re-export {missing}"


def test_the_model_schedules_and_the_agents_decide():
    """The model (sim/core/model.py) calls no rule marked as an actor's decision (``@rules.decision``: a choice, or
    the belief a choice rests on): those are applied by the agents' methods, so each behavioural parameter has one
    reader, the agent. The model applies the other rules (the agenda's and the deadline's bookkeeping, tension,
    nuclear progress, the escalation ladder)."""
    from sim.core import rules

    marked = set(rules.decisions())
    assert {"chooses", "accepts", "nash_solve"} <= marked  # the marker is in use, the list not empty
    assert not {"utility", "next_tension", "escalation_ladder"} & marked
    direct = sorted(rule_uses(SIM / "core" / "model.py") & marked)
    assert not direct, f"sim/core/model.py applies the decision rules {direct}: call an agent's method that does"
    by_agents = set().union(*(rule_uses(path) for path in (SIM / "core" / "agents").glob("*.py")))
    unused = sorted(marked - by_agents)
    assert not unused, f"decision rules {unused} are applied by no agent: unmark them or let an agent decide with them"


def test_the_model_reads_no_behavioural_parameter_of_an_actor():
    """An actor's parameters for the replications are read through its ``p()`` by the actor alone, never the model."""
    tree = ast.parse((SIM / "core" / "model.py").read_text())
    reads = sorted(
        f"line {node.lineno}: {ast.unparse(node)}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "p"
    )
    assert not reads, f"sim/core/model.py reads an actor's parameters itself: {reads}"


def test_the_decisions_are_listed_in_the_model_docs():
    from sim.core import rules

    text = (SIM.parent / "docs" / "model.md").read_text()
    assert "\n## Who decides\n" in text, "docs/model.md has no section '## Who decides'"
    section = text.split("\n## Who decides\n", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"`(\w+)`", section))
    decisions = set(rules.decisions())
    assert decisions <= named, f"docs/model.md, 'Who decides', does not name the decision rules {sorted(decisions - named)}"
    others = sorted(n for n in named - decisions if callable(getattr(rules, n, None)))
    assert not others, f"docs/model.md, 'Who decides', names rules that are not marked decisions: {others}"
