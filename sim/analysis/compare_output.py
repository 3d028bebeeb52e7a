"""The text table and the files of a comparison (:mod:`sim.analysis.compare` computes it)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from sim.core.params import OUTCOMES

if TYPE_CHECKING:
    from sim.analysis.compare import Configuration


def _pct(x: float | None, signed: bool = False) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    return f"{100 * x:+.1f}" if signed else f"{100 * x:.1f}%"


def _p_text(p: float | None) -> str:
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return ""
    return "<1e-16" if p < 1e-16 else f"{p:.3g}"


def format_table(table: pd.DataFrame) -> str:
    """The comparison as text: probabilities, then differences from [1] in percentage points."""
    width = max(14, *(len(str(c)) for c in table["configuration"])) + 5
    width = min(width, 60)
    lines = [
        f"{'outcome':<11}{'configuration':<{width}}{'probability':>11}  {'95% interval':<17}"
        f"{'diff vs [1]':>12}  {'95% interval (pts)':<19}{'p-value':>9}  test"
    ]
    for outcome in OUTCOMES:
        part = table[table["outcome"] == outcome]
        for i, (_, row) in enumerate(part.iterrows()):
            label = f"[{row['index']}] {row['configuration']}"
            if len(label) > width - 1:
                label = label[: width - 2] + "…"
            interval = f"[{_pct(row['p_low'])}, {_pct(row['p_high'])}]"
            diff = _pct(row["difference"], signed=True)
            diff_ci = f"[{_pct(row['difference_low'], True)}, {_pct(row['difference_high'], True)}]" if diff else ""
            lines.append(
                f"{outcome if i == 0 else '':<11}{label:<{width}}{_pct(row['p']):>11}  {interval:<17}"
                f"{diff:>12}  {diff_ci:<19}{_p_text(row['p_value']):>9}  {'' if pd.isna(row['test']) else row['test']}"
            )
    return "\n".join(lines)


def write_outputs(table: pd.DataFrame, configs: list[Configuration], out: Path) -> dict[str, Path]:
    from sim.analysis.plots import comparison

    out.mkdir(parents=True, exist_ok=True)
    csv = out / "comparison.csv"
    table.to_csv(csv, index=False)
    png = out / "comparison.png"
    comparison(table).savefig(png, dpi=120)
    return {"csv": csv, "png": png}
