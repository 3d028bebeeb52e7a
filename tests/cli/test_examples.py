"""Every example of a ``--help`` text and every command of the README and the documentation pages is run here.

The examples are extracted, not copied: a command shown to a user that stops
working fails this test. Each page's commands run in one test, in one scratch
folder, in the order the page gives them, so that a sweep or a run made by one
example is there for a later one that reads it (``compare multirun/...``). To keep the test short,
replications are capped (``replications=N`` becomes at most :data:`CAP`),
the explorations' cross-check is made small, the grids of ``calibrate`` and
``policies`` shrink (:data:`GRIDS`), ``sensitivity`` moves one actor's
parameters (``--only actors.israel``) and a plain run skips its odds beyond
the configured values (``context_odds=false``, tested on their own); what is checked is that the
command runs (exit status 0), or, for the transcripts of errors the pages show
(``$ command`` then ``error: ...``), that it prints that very line.

A folder ``my_configs`` with a scenario ``mine`` (the README's example of
one's own scenario) is made first.
"""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

import pytest

from sim.cli import COMMANDS
from sim.config.compose import CONFIG_DIR
from tests.forked import run_sim

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), *sorted((ROOT / "docs").glob("*/*.md"))]
CAP = 400
#: Commands a page shows that this test cannot run, each with the reason.
NOT_RUN = {
    "hydra/launcher=slurm": "needs a SLURM cluster (tests/sweep/test_sweep.py runs the same launcher locally)",
    "--ship": "replaces the package's posterior (tests/analysis/test_calibrate.py runs the command at a tiny size)",
}
MINE = """# @package _global_
scenario: {name: mine, description: "my variant: a shorter horizon"}
max_rounds: 12
provenance: {max_rounds: "assumption: three months of weekly rounds"}
"""
#: Commands that run a grid of parameter vectors: the sizes the examples run at (what is checked is that they run).
GRIDS = {
    "calibrate": {"--vectors": "12", "--per-vector": "20"},
    "policies": {"--vectors": "8", "--per-vector": "20"},
}
PROGRAM = re.compile(r"^(?:\$ )?(muscat-sim|python -m sim|\.venv/bin/python -m sim|\.venv/bin/muscat-sim)(?=\s|$)")


def help_examples() -> list[tuple[str, str]]:
    """(where, command) for the examples of ``muscat-sim --help`` and of every sub-command's ``--help``."""
    import yaml

    template = yaml.safe_load((CONFIG_DIR / "config.yaml").read_text())["hydra"]["help"]["template"]
    found = [("muscat-sim --help", line) for line in _examples(template)]
    for name, (module, _summary) in COMMANDS.items():
        text = __import__(module, fromlist=["EPILOG"]).__dict__.get("EPILOG", "")
        found += [(f"muscat-sim {name} --help", line) for line in _examples(text)]
    return found


def _examples(text: str) -> list[str]:
    lines, inside = [], False
    for line in text.splitlines():
        if line.strip() == "Examples:":
            inside = True
        elif inside and PROGRAM.match(line.strip()):
            lines.append(line.strip())
        elif inside and not line.strip():
            inside = False
    return lines


def page_commands(page: Path) -> list[tuple[str, str, str | None]]:
    """(where, command, expected first line of stderr or None) for each command in a page's code blocks."""
    found = []
    block = None
    lines = page.read_text().splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("```"):
            block = None if block is not None else line[3:].strip()
            i += 1
            continue
        text = line.strip()
        if block is not None and PROGRAM.match(text):
            start = i
            while text.endswith("\\") and i + 1 < len(lines):
                i += 1
                text = text[:-1] + " " + lines[i].strip()
            expected = None
            if text.startswith("$ ") and i + 1 < len(lines) and lines[i + 1].startswith("error: "):
                expected = lines[i + 1]
            found.append((f"{page.relative_to(ROOT)}:{start + 1}", text.removeprefix("$ "), expected))
        i += 1
    return found


def argv_of(command: str, cwd: Path, plain_run: bool = True) -> list[str] | None:
    """The command as arguments for this interpreter, scaled down; None when it cannot be run here.

    ``plain_run``: False for an error transcript, which runs exactly as shown (replications aside).
    """
    if any(marker in command for marker in NOT_RUN):
        return None
    words = shlex.split(command, comments=True)
    program = PROGRAM.match(command).group(1)
    words = words[len(program.split()) :]
    out = []
    for word in words:
        match = re.fullmatch(r"replications=(\d+)", word)
        if match:
            word = f"replications={min(int(match.group(1)), CAP)}"
        out.append(_placeholder(word, cwd))
    if out and out[0] in GRIDS:  # its grid scaled down: a few vectors of 20 replications
        for flag, small in GRIDS[out[0]].items():
            if flag in out:
                i = out.index(flag)
                out[i + 1] = str(min(int(out[i + 1]), int(small)))
            else:
                out += [flag, small]
    if out and out[0] == "sensitivity" and "--only" not in out:  # one actor's parameters moved, not every one
        out += ["--only", "actors.israel"]
    if out and out[0] == "explore":
        out += ["--rbd", "1000", "--no-draws"]
        out = [re.sub(r"replications=\d+", "replications=2000", w) for w in out]
        if not any(w.startswith("replications=") for w in out):
            out.append("replications=2000")
    elif not any(w.startswith("replications=") for w in out) and not _informational(out) and out[:1] != ["calibrate"]:
        out.append(f"replications={CAP}")
    if plain_run and out and out[0] not in COMMANDS and not _informational(out) and "context_odds" not in command:
        # a run's odds beyond the configured values cost seconds whatever the replications (tests/cli/test_context_odds.py)
        out.append("context_odds=false")
    return [sys.executable, "-m", "sim", *out]


def _informational(words: list[str]) -> bool:
    return any(w in ("--help", "-h", "--cfg", "--version") for w in words) or (bool(words) and words[0] in ("scenarios", "docs"))


def _placeholder(word: str, cwd: Path) -> str:
    """A page's example path (``multirun/agenda_vs_mediator-1a2b3c4d``, ``outputs/run/baseline/...``) made real."""
    head, at, rest = word.partition("@")
    if head.startswith("multirun/"):
        name = head.split("/")[1].split("-")[0]
        found = sorted((cwd / "multirun").glob(f"{name}*"))
        return str(found[-1]) + at + rest if found else word
    if head.startswith("outputs/") and not (cwd / head).exists():
        label = Path(head).parts[2] if len(Path(head).parts) > 2 else ""
        found = sorted((cwd / "outputs").glob(f"*/{label}/*/summary.json"))
        return str(found[-1].parent) if found else word
    return word


HELP_EXAMPLES = [(where, command, None) for where, command in help_examples()]
PAGE_EXAMPLES = [example for page in PAGES for example in page_commands(page)]


@pytest.fixture(scope="module")
def scratch(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("examples")
    (folder / "my_configs" / "scenario").mkdir(parents=True)
    (folder / "my_configs" / "scenario" / "mine.yaml").write_text(MINE)
    return folder


def run_example(scratch: Path, where: str, command: str, expected: str | None) -> str | None:
    """Run one example; None if it behaved as the page says, else what went wrong."""
    argv = argv_of(command, scratch, plain_run=expected is None)
    if argv is None:
        return None
    proc = run_sim(*argv[3:], cwd=scratch, timeout=600)  # python -m sim, forked from a process that has imported it
    if expected is not None:
        if proc.returncode != 2 or proc.stderr.strip() != expected:
            got = f"(exit {proc.returncode})\n  {proc.stderr.strip()}"
            return f"{where}: {command}: the page shows\n  {expected}\nbut the command printed {got}"
        return None
    if proc.returncode != 0 or "Traceback" in proc.stderr:
        return f"{where}: {command}: exit {proc.returncode}\n{proc.stderr[-1500:]}"
    return None


def test_the_pages_and_help_texts_have_examples():
    wheres = {where.split(":")[0] for where, _, _ in HELP_EXAMPLES + PAGE_EXAMPLES}
    assert "README.md" in wheres and "muscat-sim --help" in wheres and "docs/guide.md" in wheres
    assert {f"muscat-sim {name} --help" for name in COMMANDS if name != "docs"} <= wheres
    assert len(PAGE_EXAMPLES) > 20
    assert sum(expected is not None for _, _, expected in PAGE_EXAMPLES) >= 4  # the error transcripts


@pytest.mark.slow
@pytest.mark.parametrize("where, command, expected", HELP_EXAMPLES, ids=[f"{w}: {c[:60]}" for w, c, _ in HELP_EXAMPLES])
def test_every_help_example_runs(scratch, where, command, expected):
    problem = run_example(scratch, where, command, expected)
    assert problem is None, problem


@pytest.mark.slow
@pytest.mark.parametrize("page", sorted({where.split(":")[0] for where, _, _ in PAGE_EXAMPLES}))
def test_every_command_of_a_page_runs_in_the_order_given(page):
    """One test per page, in page order: a later command may read what an earlier one of the page made (a sweep, a run).

    A page is its own chain (no page reads what another made), so the pages run side by side under xdist.
    """
    import tempfile

    examples = [example for example in PAGE_EXAMPLES if example[0].split(":")[0] == page]
    with tempfile.TemporaryDirectory(prefix="muscat-examples-") as tmp:
        folder = Path(tmp)
        (folder / "my_configs" / "scenario").mkdir(parents=True)
        (folder / "my_configs" / "scenario" / "mine.yaml").write_text(MINE)
        problems = [p for example in examples if (p := run_example(folder, *example)) is not None]
    skipped = [f"{w}: {reason}" for w, c, _ in examples for marker, reason in NOT_RUN.items() if marker in c]
    print("\n".join(["not run here:", *skipped]) if skipped else "every command ran")
    assert not problems, "\n\n".join(problems)


def test_the_readme_is_a_front_page():
    """What it is, the two commands, the worked example, how far to trust it, where to go next: under 15 KB."""
    text = (ROOT / "README.md").read_text()
    assert len(text.encode()) < 15_000, f"README.md is {len(text.encode()):,} bytes: move what a user needs least to docs/"
    for heading in ("## The two commands", "## A worked example", "## How far to trust it", "## Where to go next"):
        assert heading in text


def _experiment(name: str, monkeypatch):
    """A module of experiments/ (they import each other as scripts do, from their own folder)."""
    import importlib

    monkeypatch.syspath_prepend(str(ROOT / "experiments"))
    monkeypatch.delitem(sys.modules, name, raising=False)
    return importlib.import_module(name)


def _readme_block(blocks, name: str, text: str) -> str:
    start, end = blocks.markers(name)
    assert text.count(start) == 1 and text.count(end) == 1, f"README.md: the {name} block lost its markers {start} {end}"
    body = text.split(start, 1)[1].split(end, 1)[0].strip("\n")
    assert body, f"README.md: the {name} block is empty: run {blocks.BLOCKS[name]}"
    return body


def test_the_readmes_generated_blocks_have_their_markers_and_the_scripts_numbers(monkeypatch):
    """Every number of "How far to trust it" is a script's: each block sits between its markers, and is what the script wrote.

    The table of the cases is re-rendered from the JSON files its two scripts wrote, the synthetic check from
    docs/figures/sbc.json, and the actor-worth rows must be those of docs/actor_worth.md (same run).
    """
    import json

    blocks = _experiment("readme_blocks", monkeypatch)
    text = (ROOT / "README.md").read_text()
    found = {name: _readme_block(blocks, name, text) for name in blocks.BLOCKS}
    retro, loco = (json.loads(p.read_text()) for p in (blocks.RETRO_JSON, blocks.LOCO_JSON))
    assert found["trust-cases"] == blocks.trust_cases(retro, loco), (
        "stale: rerun experiments/retro_table.py or experiments/history_weighted_report.py"
    )
    assert [c["case"] for c in retro["cases"]] == [c["case"] for c in loco["cases"]]
    report = _experiment("history_weighted_report", monkeypatch)
    sbc = json.loads((ROOT / "docs" / "figures" / "sbc.json").read_text())
    assert found["trust-synthetic"] == report.synthetic_block(sbc)
    page = (ROOT / "docs" / "actor_worth.md").read_text().splitlines()
    rows = [line for line in found["actor-worth"].splitlines() if line.startswith("| ") and "%" in line]
    assert [r.split(" | ")[0] for r in rows] == ["| Oman", "| Israel", "| UAE"]
    for row in rows:
        actor, p_deal, shares = (cell.strip() for cell in row.strip("|").split("|"))
        assert any(line.startswith(f"| {actor} | {p_deal} |") and line.endswith(f"| {shares} |") for line in page), row


def test_a_readme_block_is_replaced_between_its_markers_and_never_appended(tmp_path, monkeypatch):
    blocks = _experiment("readme_blocks", monkeypatch)
    page = tmp_path / "README.md"
    page.write_text("# T\n\n<!-- x:start -->\nold\n<!-- x:end -->\n\n## Next\n")
    blocks.replace_between(page, "<!-- x:start -->", "<!-- x:end -->", "new\nlines")
    assert page.read_text() == "# T\n\n<!-- x:start -->\nnew\nlines\n<!-- x:end -->\n\n## Next\n"
    with pytest.raises(ValueError, match="no <!-- y:start -->"):
        blocks.replace_between(page, "<!-- y:start -->", "<!-- y:end -->", "z")
    blocks.replace_between(page, "<!-- y:start -->", "<!-- y:end -->", "z", append=True)
    assert page.read_text().endswith("## Next\n\n<!-- y:start -->\nz\n<!-- y:end -->\n")


def test_the_guides_own_scenario_is_the_one_the_examples_run_with():
    """The examples run with ``my_configs/scenario/mine.yaml`` as the guide's ``cat > ... <<'YAML'`` writes it."""
    text = (ROOT / "docs" / "guide.md").read_text()
    found = re.search(r"cat > my_configs/scenario/mine\.yaml <<'YAML'\n(.*?)\nYAML\n", text, re.S)
    assert found, "docs/guide.md no longer writes my_configs/scenario/mine.yaml"
    assert found.group(1) + "\n" == MINE


def test_the_dashboards_help_examples_parse():
    """``muscat-sim-app --help``'s examples start a server, so they are parsed here, not run (tests/app runs the server)."""
    from sim.app.__main__ import parser  # needs no Solara

    p = parser()
    lines = [line.strip() for line in (p.epilog or "").splitlines() if line.strip().startswith("muscat-sim-app")]
    assert len(lines) >= 3
    for line in lines:
        args = p.parse_args(shlex.split(line)[1:])
        assert args.port > 0
