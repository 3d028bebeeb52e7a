"""No function in ``sim/``, ``experiments/`` or ``hydra_plugins/`` longer than 60 lines (issue 22: modules that each do
one job, functions that each do one; report scripts as short functions).

A function's length runs from its ``def`` line to its last line, docstring and comments included (decorators
not). A function that cannot be split (yet) goes in :data:`ALLOWED` with the reason.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("sim", "experiments", "hydra_plugins")
MAX_LINES = 60

#: "path/from/the/repo.py:Qualified.name" -> why it may be longer than MAX_LINES. Keep it short.
ALLOWED: dict[str, str] = {}


def function_lengths(source: str) -> dict[str, int]:
    """Every function's and method's qualified name (nested ones included) and its length in lines."""
    lengths = {}
    stack: list[tuple[ast.AST, str]] = [(ast.parse(source), "")]
    while stack:
        node, prefix = stack.pop()
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                name = prefix + child.name
                if not isinstance(child, ast.ClassDef):
                    lengths[name] = child.end_lineno - child.lineno + 1
                stack.append((child, name + "."))
            else:
                stack.append((child, prefix))
    return lengths


def too_long() -> dict[str, int]:
    found = {}
    for path in sorted(p for folder in FOLDERS for p in (ROOT / folder).rglob("*.py")):
        for name, lines in function_lengths(path.read_text(encoding="utf-8")).items():
            if lines > MAX_LINES:
                found[f"{path.relative_to(ROOT).as_posix()}:{name}"] = lines
    return found


def test_the_measure_counts_every_line_of_functions_methods_and_nested_functions():
    def body(indent: int) -> str:
        return "\n".join(f"{' ' * indent}x{i} = {i}" for i in range(60))

    source = (
        f"def short():\n{body(4)}\n\nclass A:\n    def method(self):\n        def inner():\n{body(12)}\n        return inner\n"
    )
    assert function_lengths(source) == {"short": 61, "A.method": 63, "A.method.inner": 61}


def test_no_function_in_sim_experiments_or_the_plugin_is_longer_than_60_lines_unless_allowed_with_a_reason():
    found = too_long()
    unexplained = {k: v for k, v in found.items() if k not in ALLOWED}
    assert not unexplained, (
        f"functions over {MAX_LINES} lines (split them into well-named pieces, or add them to ALLOWED with the reason): "
        + ", ".join(f"{k} ({v} lines)" for k, v in sorted(unexplained.items(), key=lambda kv: -kv[1]))
    )


def test_every_allowed_function_is_still_too_long_and_has_a_reason():
    found = too_long()
    for name, reason in ALLOWED.items():
        assert reason.strip(), f"{name}: give the reason it cannot be split"
        assert name in found, f"{name} is {MAX_LINES} lines or fewer now (or gone): remove it from ALLOWED"


MAX_MODULE_LINES = 450
LAYOUT = ROOT / "docs" / "development.md"


def long_modules_named_in_the_layout() -> set[str]:
    """The modules of ``sim/`` that docs/development.md's paragraph on module length names (it says why each is longer)."""
    text = LAYOUT.read_text(encoding="utf-8")
    start = text.index(f"Modules in `sim/` are kept under {MAX_MODULE_LINES} lines")
    paragraph = text[start : text.index("No function in", start)]
    return set(re.findall(r"`(sim/[\w/]+\.py)`", paragraph))


def test_no_module_in_sim_is_longer_than_450_lines_unless_the_layout_says_why():
    long = {
        path.relative_to(ROOT).as_posix(): n
        for path in (ROOT / "sim").rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    named = long_modules_named_in_the_layout()
    unexplained = {k: v for k, v in long.items() if k not in named}
    assert not unexplained, (
        f"modules over {MAX_MODULE_LINES} lines that docs/development.md does not name with a reason (split them, or "
        f"name them there): {unexplained}"
    )
    shorter = sorted(named - set(long))
    assert not shorter, f"docs/development.md names {shorter} as longer than {MAX_MODULE_LINES} lines: no longer, drop them"
