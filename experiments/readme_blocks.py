"""Text between two markers of a page, and the README's generated blocks ("How far to trust it").

Every number of a generated block comes from the script named in its start marker:

- ``trust-cases``: the ten historical cases, the configured model (``experiments/retro_table.py``, which writes
  ``docs/figures/retro.json``) beside the history-weighted out-of-case forecasts
  (``experiments/history_weighted_report.py``, which writes ``docs/figures/history_loco.json``); either script
  rewrites the block from both files, so it is never older than the newer of the two;
- ``trust-synthetic``: the check on synthetic history at full size (``experiments/history_weighted_report.py``,
  from ``docs/figures/sbc.json``);
- ``actor-worth``: each outside actor's Shapley share (``experiments/actor_worth.py``).

``tests/cli/test_examples.py`` checks that the README has every block, that it stays under 15 KB and that the
``trust-cases`` block is what :func:`trust_cases` renders from the committed JSON files.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
RETRO_JSON = ROOT / "docs" / "figures" / "retro.json"
LOCO_JSON = ROOT / "docs" / "figures" / "history_loco.json"

#: Block name -> the script(s) that write it (named in the start marker).
BLOCKS = {
    "trust-cases": "experiments/retro_table.py, experiments/history_weighted_report.py",
    "trust-synthetic": "experiments/history_weighted_report.py",
    "actor-worth": "experiments/actor_worth.py",
}

#: What the model lacks for a case it gets wrong, in a line: condensed from ``WHY`` in
#: experiments/history_weighted_report.py and ``MISSING`` in experiments/retro_table.py (edit them together).
LACKS = {
    "eu3_tehran_2003": "missing a temporary suspension as a term distinct from a permanent end of enrichment",
    "almaty_2013": (
        "missing a side that holds out for a scheduled change of government (the discount on a deal the outgoing "
        "government signs is in the model, but the P5+1 format's guarantee binds the successor too)"
    ),
    "jcpoa_2013_2015": "missing interim terms that freeze the programme while talks go on, and deadlines set during them",
    "istanbul_moscow_2012": "Washington's outside option at the deadlock is a strike, valued above no deal, where the "
    "record's round ended without force",
}


def markers(name: str) -> tuple[str, str]:
    """The start and end markers of a README block."""
    return f"<!-- {name}:start ({BLOCKS[name]}) -->", f"<!-- {name}:end -->"


def replace_between(path: Path, start: str, end: str, body: str, *, append: bool = False) -> None:
    """Replace what lies between ``start`` and ``end`` in ``path`` (markers kept) by ``body``.

    Without the markers: append them with ``body`` at the end if ``append``, else raise ValueError (a README block
    has its place in the page; it is never appended).
    """
    text = path.read_text()
    block = f"{start}\n{body}\n{end}"
    if start in text:
        head, _, rest = text.partition(start)
        if end not in rest:
            raise ValueError(f"{path}: {start} without {end}")
        _, _, tail = rest.partition(end)
        text = head + block + tail
    elif append:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    else:
        raise ValueError(f"{path} has no {start}: put the start and end markers where the block belongs")
    path.write_text(text)


def write_block(name: str, body: str, readme: Path = README) -> None:
    """Rewrite one of the README's blocks."""
    start, end = markers(name)
    replace_between(readme, start, end, body)


def _pct(p: float) -> str:
    return f"{100 * p:.1f}%"


def trust_cases(retro: dict, loco: dict) -> str:
    """The ``trust-cases`` block: one row per case, the mean scores, and a line per case the model gets wrong."""
    weighted = {r["case"]: r for r in loco["cases"]}

    def cell(r: dict) -> str:
        return _pct(r["p_actual"]) + ("" if r["most_likely"] == r["actual"] else f", **{r['most_likely']}**")

    lines = ["| case | what happened | configured | history-weighted | base rate |", "|---|---|---:|---:|---:|"]
    misses = []
    for r in retro["cases"]:
        w = weighted[r["case"]]
        lines.append(f"| `{r['case']}` | {r['actual']} | {cell(r)} | {cell(w)} | {_pct(w['base_p_actual'])} |")
        if r["most_likely"] != r["actual"] or w["most_likely"] != w["actual"] or w["log_score"] < w["base_log_score"]:
            lacks = LACKS.get(r["case"], "no diagnosis in a line yet (docs/history_weighted.md)")
            misses.append(
                f"- `{r['case']}` ({_pct(r['p_actual'])} configured, {_pct(w['p_actual'])} history-weighted, base rate "
                f"{_pct(w['base_p_actual'])}): {lacks}."
            )
    rs, ls = retro["scores"], loco["scores"]
    hits_w = sum(w["most_likely"] == w["actual"] for w in loco["cases"])
    lines += [
        "",
        "Each cell: P(actual), the most likely outcome in bold where it is another. Configured: `python -m sim retro` "
        f"({retro['replications']:,} replications per case, seed {retro['seed']}); history-weighted: `python -m sim "
        f"calibrate` ({loco['vectors']} vectors x {loco['per_vector']} replications), each case forecast from the other "
        "cases only; base rate: the Laplace-smoothed frequency of the other cases' outcomes. Mean log score (higher is "
        f"better): configured **{rs['mean_log_score']:.2f}**, history-weighted **{ls['mean_log_score']:.2f}**, uniform "
        f"{ls['uniform_log_score']:.2f}, base rate {ls['base_rate_log_score']:.2f}. Right in {rs['hits']} of "
        f"{rs['cases']} cases configured, {hits_w} of {len(loco['cases'])} history-weighted. Wrong or below the base rate:",
        "",
        *misses,
    ]
    return "\n".join(lines)


def write_trust_cases(readme: Path = README, retro_path: Path = RETRO_JSON, loco_path: Path = LOCO_JSON) -> bool:
    """Rewrite the ``trust-cases`` block from the two JSON files (the committed ones unless told); False if one is missing."""
    missing = [p for p in (retro_path, loco_path) if not p.exists()]
    if missing:
        print(
            f"{readme}'s trust-cases block left as it is: no {', '.join(map(str, missing))} yet "
            "(experiments/retro_table.py and experiments/history_weighted_report.py write them)",
            file=sys.stderr,
        )
        return False
    write_block("trust-cases", trust_cases(json.loads(retro_path.read_text()), json.loads(loco_path.read_text())), readme)
    return True
