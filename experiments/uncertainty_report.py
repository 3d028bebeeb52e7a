"""docs/uncertainty.md, the odds under uncertainty, with real output: explores the baseline and writes Markdown.

Runs ``python -m sim explore`` on the baseline (every assumption drawn per
replication), the one-at-a-time sensitivity of ``python -m sim sensitivity``
(every assumption moved -/+20% alone, common random numbers) for comparison,
and the synthetic check of the first-order estimator; writes a Markdown
section with the numbers of this run (nothing typed by hand).

    python experiments/uncertainty_report.py [--replications 1000000] [--workers 2]
                                             [--oat-replications 20000] [--out docs/uncertainty.md]
"""

from __future__ import annotations

import argparse
import json
import logging
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import policies_report
from scipy import stats

OUTCOMES = ("deal", "escalation")
ROOT = Path(__file__).resolve().parent.parent
POLICIES_START = policies_report.START  # the block that script writes into this page, kept as it is


def pct(x: float, digits: int = 1) -> str:
    return f"{100 * x:.{digits}f}%"


def synthetic_check(n: int = 100_000) -> list[tuple[str, float, float]]:
    """The estimator on Y ~ Bernoulli(0.05 + 0.6 X1 + 0.35 X2^2), X1 ~ Beta(2, 2), X2 ~ U(0, 1), X3 a dummy."""
    from sim.analysis import gsa
    from sim.core.uncertainty import parse_dist, sample, stream

    specs = {
        "X1 ~ Beta(2, 2)": parse_dist("a", {"dist": "beta", "alpha": 2, "beta": 2, "low": 0, "high": 1}),
        "X2 ~ U(0, 1)": parse_dist("b", [0, 1]),
        "X3 (dummy)": parse_dist("c", {"dist": "triangular", "low": 0, "mode": 0.2, "high": 1}),
    }
    d = sample(specs, n, stream(11))
    x = np.column_stack(list(d.values()))
    p = 0.05 + 0.6 * x[:, 0] + 0.35 * x[:, 1] ** 2
    y = (np.random.default_rng(12).random(n) < p).astype(np.int64)
    var = (0.05 + 0.3 + 0.35 / 3) * (1 - (0.05 + 0.3 + 0.35 / 3))
    truth = [0.36 / 20 / var, 0.35**2 * (1 / 5 - 1 / 9) / var, 0.0]
    fo = gsa.first_order(x, y, binners=[gsa.binner(s) for s in specs.values()], n_outcomes=2)
    rows = [(name, truth[j], float(fo.s1[j, 1])) for j, name in enumerate(specs)]
    rows.append(("noise floor", float("nan"), float(fo.floor[1])))
    return rows


def one_at_a_time(replications: int, seed: int) -> pd.DataFrame:
    """sim.sensitivity's table for the baseline's assumptions, keyed by the paths sim.explore uses."""
    from sim.analysis.sensitivity import sensitivity
    from sim.config.compose import compose, scenario_from_config

    cfg = compose(["scenario=baseline"])
    table, _ = sensitivity(scenario_from_config(cfg), cfg, replications=replications, seed=seed, delta=0.2, assumptions_only=True)
    table["path"] = table["parameter"]  # sensitivity names parameters as sim.explore does (sim.core.paths)
    return table


def split_half_boxes(vectors: pd.DataFrame, target: str, seed: int) -> list[set[str]]:
    """The parameters the chosen PRIM box restricts, found on each half of the parameter vectors alone."""
    from sim.analysis.explore import box_targets, discover

    uncertain = [c for c in vectors.columns if c.split(".")[0] in ("world", "actors", "events", "agenda")]
    y = box_targets(vectors).get(target)
    if y is None:
        return []
    half = len(vectors) // 2
    found = []
    for part in (slice(0, half), slice(half, 2 * half)):
        v, t = vectors.iloc[part].reset_index(drop=True), y[part]
        frame = discover(v, uncertain, t, seed=seed)
        if frame.empty:
            return []
        chosen = frame[frame["chosen"]].iloc[0]
        found.append({piece.split(" in ")[0] for piece in str(chosen["limits"]).split("; ") if " in " in piece})
    return found


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--oat-replications", type=int, default=20_000)
    parser.add_argument("--out", default=str(ROOT / "docs" / "uncertainty.md"), help="the page; its policies block is kept")
    parser.add_argument("--keep", default=None, help="keep the exploration's run folder here")
    parser.add_argument("--reuse", default=None, help="report on this finished run folder instead of exploring again")
    parser.add_argument("overrides", nargs="*", help="extra KEY=VALUE for the exploration (e.g. uncertainty=none)")
    return parser.parse_args(argv)


def explored_run(args: argparse.Namespace, scratch: Path) -> tuple[Path, float]:
    """The exploration's run folder and its wall time (NaN when reused without one): ``--reuse``'s, or a new one."""
    from sim.cli.explore import main as explore_main

    if args.reuse:
        run = Path(args.reuse)
        saved = run / "wall_s.txt"  # written when this script explored with --keep
        return run, float(saved.read_text()) if saved.exists() else float("nan")
    run = Path(args.keep or scratch / "explore")
    t = time.perf_counter()
    code = explore_main(
        [f"replications={args.replications}", f"seed={args.seed}", f"workers={args.workers}", *args.overrides, "--out", str(run)]
    )
    if code:
        raise SystemExit(code)
    wall = time.perf_counter() - t
    (run / "wall_s.txt").write_text(f"{wall:.1f}\n")
    return run, wall


def odds_section(summary: dict, plain: dict, vectors: pd.DataFrame, wall: float, workers: int, command: str) -> list[str]:
    """The opening: the command, the designs, the odds against the plain run's and their spread over the vectors."""
    d = summary["design"]
    below_deal = float((vectors["p_deal"] < plain["p_deal"]).mean())
    above_esc = float((vectors["p_escalation"] > plain["p_escalation"]).mean())
    lines = [
        "## Odds under uncertainty",
        "",
        "Almost every number behind the odds is an *assumption*. `python -m sim explore` draws each of them "
        "from a range per replication (`configs/uncertainty/assumptions.yaml`: one rule per kind of "
        "parameter, each range's provenance says which and why), so the odds carry the uncertainty of the "
        "assumptions, and says which assumptions drive that uncertainty and under which combinations a deal "
        "becomes more likely than escalation.",
        "",
        "```",
        command,
        "```",
        "",
        f"{summary['replications']:,} episodes ("
        + (
            f"{wall:.0f} s with workers={workers}"
            if wall == wall
            else f"{summary['elapsed_s'] + sum(summary['timings'].values()):.0f} s of simulation and analysis"
        )
        + ", "
        f"{summary['uncertain_parameters']} uncertain parameters): {d['episodes']:,} in the *episode design* "
        f"(each its own parameter vector: marginal odds, sensitivity indices) and {d['vectors']:,} parameter "
        f"vectors x {d['per_vector']} replications in the *two-level design* (the odds of each vector: their "
        "spread, PRIM). Every range in the file is drawn, the per-issue ones (saliences, red-line ends, the "
        "agenda's status quo) included.",
        "",
        "| outcome | plain run (configured values) | marginal over the assumptions | 5% | 50% | 95% |",
        "|---|---|---|---|---|---|",
    ]
    for o in ("deal", "escalation", "stalemate", "any_strike"):
        if f"p_{o}" not in summary:
            continue
        s = summary["spread"].get(o, {})
        plain_p = pct(plain[f"p_{o}"]) if f"p_{o}" in plain else ""
        lines.append(
            f"| {o} | {plain_p} | {pct(summary[f'p_{o}'])} ± {100 * summary[f'p_{o}_ci95']:.2f} | "
            f"{pct(s.get('p5', np.nan), 0)} | {pct(s.get('p50', np.nan), 0)} | {pct(s.get('p95', np.nan), 0)} |"
        )
    sd = summary["spread"]["deal"]
    lines += [
        "",
        "The ± is the Monte Carlo 95% half-width; the percentiles are those of P(outcome | assumptions) over "
        f"the {d['vectors']:,} vectors, each estimated from {d['per_vector']} replications (binomial noise of "
        f"about {100 * sd['sd_noise']:.1f} points widens them a little; the spread net of that noise has a "
        f"standard deviation of {100 * sd['sd_between']:.1f} points for P(deal) and "
        f"{100 * summary['spread']['escalation']['sd_between']:.1f} for P(escalation)). "
        f"The configured values are not a typical draw: {pct(below_deal, 0)} of the parameter vectors give a lower "
        f"P(deal) than the plain run's, and {pct(above_esc, 0)} a higher P(escalation).",
        "",
    ]
    return lines


def drivers_section(summary: dict, indices: pd.DataFrame, o: str) -> list[str]:
    """What drives P(o): the top ten first-order indices, and where the per-issue assumptions rank."""
    s = summary["spread"][o]
    ranked = indices[(indices["outcome"] == o) & ~indices["parameter"].str.startswith("dummy")]
    ranked = ranked.sort_values("s1", ascending=False).reset_index(drop=True)
    lines = [
        f"### What drives P({o})",
        "",
        f"First-order indices (the share of the variance of the outcome each assumption explains alone; "
        f"noise floor {summary['noise_floor'][o]:.1e}, the dummy parameter's index "
        f"{summary['dummy_index'][o]:+.1e}). The assumptions together explain "
        f"{s['share_explained']:.3f} of the variance of the 0/1 outcome (the rest is the episodes' own "
        f"chance); the first-order indices add up to {s['sum_s1']:.3f}"
        + (
            f", so interactions account for about {max(0.0, 1 - s['sum_s1'] / s['share_explained']):.0%} of "
            "what the assumptions explain."
            if s["share_explained"] > 0.01
            else "."
        ),
        "",
        "| parameter | S1 ± s.e. | S1 / explained | RBD-FAST | feature score | range |",
        "|---|---|---|---|---|---|",
    ]
    for _, r in ranked.head(10).iterrows():
        lines.append(
            f"| `{r['parameter']}` | {r['s1']:.4f} ± {r['s1_se']:.4f} | {r['s1'] / s['share_explained']:.1%} | "
            f"{r['rbd_fast']:.4f} | "
            f"{r['feature_score']:.3f} | {r['distribution']} |"
        )
    per_issue = ranked[ranked["parameter"].str.contains(r"\.(?:salience|red_lines|ideal)\.|\.status_quo$")]
    if len(per_issue):
        first = per_issue.iloc[0]
        lines += [
            "",
            f"The {len(per_issue)} per-issue assumptions (saliences, red-line ends, status quo) matter less: "
            f"the first of them ranks {per_issue.index[0] + 1} of {len(ranked)} (`{first['parameter']}`, S1 "
            f"{first['s1']:.4f}), and {int(per_issue['above_floor'].sum())} of them are above the noise floor.",
        ]
    lines.append("")
    return lines


def box_lines(b: pd.Series, vectors: pd.DataFrame, seed: int) -> list[str]:
    """One target's chosen PRIM box: its limits, its significant limits alone, and how stable it is across halves."""
    lines = [
        f"**{b['target']}** ({pct(b['share_of_vectors'], 0)} of parameter vectors): the widest box on the "
        f"peeling trajectory whose density reaches {b['target_density']:.2f} (halfway from that share to "
        f"certainty) has coverage {b['coverage']:.2f}, density {b['density']:.2f} and mass {b['mass']:.2f}, "
        f"with {int(b['res_dim'])} restricted parameters (PRIM's quasi-p-value of each restriction in brackets):",
        "",
    ]
    qps = str(b.get("quasi_p", "")).split("; ")
    for k, part in enumerate(str(b["limits"]).split("; ")):
        if " in " in part:
            qp = f" (p = {qps[k]})" if k < len(qps) else ""
            lines.append(f"- `{part.split(' in ')[0]}` in {part.split(' in ')[1]}{qp}")
    if isinstance(b.get("significant_limits"), str) and b["significant_limits"]:
        lines += [
            "",
            f"Its restrictions with a quasi-p-value under 0.05 alone: coverage {b['significant_coverage']:.2f}, "
            f"density {b['significant_density']:.2f}, mass {b['significant_mass']:.2f}:",
            "",
        ]
        lines += [f"- `{part.split(' in ')[0]}` in {part.split(' in ')[1]}" for part in b["significant_limits"].split("; ")]
    halves = split_half_boxes(vectors, b["target"], seed)
    if halves:
        whole = {part.split(" in ")[0] for part in str(b["limits"]).split("; ") if " in " in part}
        common = set.intersection(*halves)
        lines += [
            "",
            f"How stable the box is: PRIM run again on each half of the {len(vectors):,} vectors alone "
            f"restricts {len(halves[0])} and {len(halves[1])} parameters; {len(common)} of them in both halves "
            f"({', '.join(f'`{c}`' for c in sorted(common)) or 'none'}), {len(common & whole)} of these in the "
            "box above. Read a box as one description of where the target is likely, not as the only one; "
            "the parameters found in both halves are the robust part.",
        ]
    lines.append("")
    return lines


def discovery_section(boxes: pd.DataFrame, vectors: pd.DataFrame, seed: int) -> list[str]:
    """Scenario discovery: each target's chosen PRIM box."""
    lines = [
        "### Scenario discovery (PRIM)",
        "",
        "On the parameter vectors of the two-level design, for each target: the eight assumptions that EMA "
        "Workbench's extra-trees feature scoring ranks highest for it, then PRIM's peeling trajectory over them.",
        "",
    ]
    chosen = boxes[boxes.get("chosen", pd.Series(dtype=bool)).fillna(False).astype(bool)] if "chosen" in boxes else boxes
    for _, b in chosen.iterrows():
        lines += box_lines(b, vectors, seed)
    return lines


def oat_lines(indices: pd.DataFrame, oat: pd.DataFrame, o: str, oat_replications: int) -> list[str]:
    """P(o): how the one-at-a-time ranking agrees with the first-order indices, and what each misses."""
    s1 = indices[indices["outcome"] == o].set_index("parameter")["s1"]
    table = oat.assign(s1=oat["path"].map(s1)).dropna(subset=["s1"])
    rho = stats.spearmanr(table[f"swing_{o}"], table["s1"]).statistic
    top_oat = table.sort_values(f"swing_{o}", ascending=False).head(10)["path"].tolist()
    top_gsa = s1.drop(index=[p for p in s1.index if p.startswith("dummy")]).sort_values(ascending=False)
    top_gsa = top_gsa.head(10).index.tolist()
    both = [p for p in top_gsa if p in top_oat]
    only_gsa = [p for p in top_gsa if p not in set(oat["path"])]
    lines = [
        f"P({o}): `sim.sensitivity` (each assumption -/+20% alone, {oat_replications:,} replications "
        f"per setting) ranks {len(table)} of the same parameters with a Spearman correlation of {rho:.2f} "
        f"to the first-order indices; {len(both)} of the top ten agree "
        f"({', '.join(f'`{p}`' for p in both) or 'none'}).",
        f"Top ten one at a time: {', '.join(f'`{p}`' for p in top_oat)}.",
    ]
    ranges = indices.drop_duplicates("parameter").set_index("parameter")["distribution"]
    settings = table.set_index("path")
    missed = [p for p in top_oat if p not in top_gsa][:4]
    if missed:
        lines.append(
            "Of these, outside the global top ten: "
            + "; ".join(
                f"`{p}` (moved to {settings.loc[p, 'low']:.3g} and {settings.loc[p, 'high']:.3g}; its range {ranges.get(p, '?')})"
                for p in missed
            )
            + "."
        )
    if only_gsa:
        lines.append(
            f"Among the global top ten, never moved by `sim.sensitivity` (saliences, red lines, event "
            f"effects, status quo): {', '.join(f'`{p}`' for p in only_gsa)}."
        )
    lines.append("")
    return lines


def estimator_section(synth: list[tuple[str, float, float]]) -> list[str]:
    """The synthetic check of the first-order estimator, and the files of a run."""
    lines = [
        "### The estimator, checked",
        "",
        "On Y ~ Bernoulli(0.05 + 0.6 X1 + 0.35 X2²) with 10⁵ draws, where the first-order indices are known by hand:",
        "",
        "| input | true S1 | estimated |",
        "|---|---|---|",
    ]
    for name, truth, est in synth:
        lines.append(f"| {name} | {'' if np.isnan(truth) else f'{truth:.4f}'} | {est:.4f} |")
    lines += [
        "",
        "Files of a run: `summary.json`, `indices.csv` (every parameter and outcome: S1, its raw value, the "
        "noise floor, RBD-FAST, feature score), `boxes.csv` (every PRIM peeling step, the chosen box "
        "flagged), `vectors.csv`, `draws.parquet` (each episode's parameter vector as float32, its outcome and "
        "cause) and the figures `indices.png`, `spread.png`, `prim.png`.",
        "",
    ]
    return lines


def write_page(out: Path, lines: list[str]) -> None:
    """Write the page: these lines (the first heading made the page's title), then the policies block an existing
    page holds (written by ``experiments/policies_report.py`` between its markers), unchanged."""
    body = "\n".join(lines) + "\n"
    body = body.replace("## Odds under uncertainty", "# Odds under uncertainty", 1)
    old = out.read_text() if out.exists() else ""
    marker = old.find(POLICIES_START)
    out.write_text(body + ("\n" + old[marker:] if marker >= 0 else ""))


def main() -> None:
    args = parse_args()
    logging.getLogger("MESA").setLevel(logging.WARNING)
    from sim.config.compose import load_scenario
    from sim.core.runner import simulate

    tmp = tempfile.TemporaryDirectory()
    command = f"python -m sim explore replications={args.replications} seed={args.seed} workers={args.workers}"
    run, wall = explored_run(args, Path(tmp.name))
    summary = json.loads((run / "summary.json").read_text())
    indices = pd.read_csv(run / "indices.csv")
    boxes = pd.read_csv(run / "boxes.csv")
    plain = simulate(load_scenario("baseline"), 200_000, args.seed, workers=args.workers).summary
    oat = one_at_a_time(args.oat_replications, args.seed)
    synth = synthetic_check()
    vectors = pd.read_csv(run / "vectors.csv")
    lines = odds_section(summary, plain, vectors, wall, args.workers, command)
    for o in OUTCOMES:
        lines += drivers_section(summary, indices, o)
    lines += discovery_section(boxes, vectors, args.seed)
    lines += ["### Against one-at-a-time sensitivity", ""]
    for o in OUTCOMES:
        lines += oat_lines(indices, oat, o, args.oat_replications)
    lines += estimator_section(synth)
    write_page(Path(args.out), lines)
    print(f"Wrote {args.out}")
    tmp.cleanup()


if __name__ == "__main__":
    main()
