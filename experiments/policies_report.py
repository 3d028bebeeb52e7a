"""docs/policies.md, its figures, the short section of docs/uncertainty.md and notebooks/10_policies.ipynb, with real output.

Runs ``python -m sim policies`` (the named policies over 1,000 parameter
vectors of the assumptions, 200 replications each, common random numbers),
times it, and writes the table, the figures and the paragraph on what a
policymaker could and could not conclude from this run's numbers (nothing
typed by hand); writes the notebook (stored without outputs).

    python experiments/policies_report.py [--vectors 1000] [--per-vector 200] [--workers 2] [--seed 0]
                                          [--posterior FILE] [--reuse RUN_FOLDER]
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import time
from pathlib import Path

import pandas as pd
import readme_blocks

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "policies.md"
FIGURES = ROOT / "docs" / "figures"
README = ROOT / "docs" / "uncertainty.md"  # the page with the short section
NOTEBOOK = ROOT / "notebooks" / "10_policies.ipynb"
START, END = "<!-- policies:start (experiments/policies_report.py) -->", "<!-- policies:end -->"


def cpu_seconds() -> float:
    """User and system CPU time of this process and its finished children (the worker processes)."""
    import resource

    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def pct(x: float, digits: int = 0) -> str:
    return f"{100 * x:.{digits}f}%"


def points(x: float) -> str:
    return f"{100 * x:.1f}"


def policy_table(frame: pd.DataFrame) -> list[str]:
    lines = [
        "| policy | whose | P(deal) | P(escalation) | P(any strike) | rounds | P(deal) 10th pct | P(escalation) 90th pct "
        "| max regret, deal (mean) | max regret, escalation (mean) | satisficing |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for _, r in frame.iterrows():
        lines.append(
            f"| `{r['policy']}` | {r['whose']} | {pct(r['p_deal'], 1)} | {pct(r['p_escalation'], 1)} | "
            f"{pct(r['p_any_strike'], 1)} | {r['mean_rounds']:.1f} | {pct(r['p_deal_p10'])} | {pct(r['p_escalation_p90'])} | "
            f"{points(r['max_regret_deal'])} ({points(r['mean_regret_deal'])}) | "
            f"{points(r['max_regret_escalation'])} ({points(r['mean_regret_escalation'])}) | {pct(r['satisficing'])} |"
        )
    return [*lines, ""]


def conclusions(run_dir: Path, frame: pd.DataFrame, summary: dict) -> list[str]:
    """The paragraph on what a policymaker could and could not conclude, from this run's numbers."""
    odds = pd.read_csv(run_dir / "odds.csv")
    deal = odds.pivot(index="scenario", columns="policy", values="p_deal")
    esc = odds.pivot(index="scenario", columns="policy", values="p_escalation")
    threshold = summary["threshold"]
    robust = summary["most_robust"]
    row = frame.set_index("policy")
    sq = row.loc["status_quo"] if "status_quo" in row.index else None
    worst = frame.sort_values("satisficing").iloc[0]
    parts = [
        f"Within this model and these ranges, `{robust}` is the most robust of the {len(frame)} policies: it meets the "
        f"threshold (P(deal) at least {pct(threshold['deal_at_least'])} and P(escalation) at most "
        f"{pct(threshold['escalation_at_most'])}) in {pct(row.loc[robust, 'satisficing'])} of the parameter vectors"
    ]
    if sq is not None and robust != "status_quo":
        better = float((deal[robust] > deal["status_quo"]).mean())
        safer = float((esc[robust] < esc["status_quo"]).mean())
        parts[-1] += (
            f", against {pct(sq['satisficing'])} for the status quo, and it gives a higher P(deal) than the status quo "
            f"in {pct(better)} of the vectors and a lower P(escalation) in {pct(safer)}."
        )
    else:
        parts[-1] += "."
    second = frame.iloc[1] if len(frame) > 1 else None
    if second is not None and row.loc[robust, "satisficing"] - second["satisficing"] <= 0.03:
        parts.append(
            f"`{second['policy']}` comes within {points(row.loc[robust, 'satisficing'] - second['satisficing'])} points "
            f"({pct(second['satisficing'])}): at this precision the two are tied."
        )
    if worst["policy"] != robust:
        parts.append(
            f"`{worst['policy']}` meets the threshold in {pct(worst['satisficing'])} of the vectors, with a maximum regret of "
            f"{points(worst['max_regret_deal'])} points of P(deal)."
        )
    parts.append(
        f"A policymaker could conclude which of these strategies the model's mechanisms favour whatever the "
        f"{summary['vectors']:,} draws of the assumptions, and (from PRIM's box below) under which combinations of "
        "assumptions even the most robust one fails: those are the assumptions worth learning more about before "
        "relying on it."
    )
    parts.append(
        "They could not conclude how much any strategy would change the real odds: the ranking holds only for the "
        "mechanisms the model has (docs/model.md; relief up front, for one, lowers the sanctions pressure without "
        "any trust it might buy, and an ultimatum acts only through the rules of a lapse), every other actor "
        "keeps its scenario's levers rather than answering the policy strategically, the outcomes count deals and not "
        "what they contain (a policy that narrows the agenda or gives relief up front buys its odds with a deal that "
        "settles less, which these numbers do not weigh), and the model's validity against history is not part of "
        f"these numbers. Each vector's odds come from {summary['per_vector']} replications "
        "(binomial noise of about 3.5 points at P = 50%; common random numbers make the differences between "
        "policies much less noisy than that), and a maximum over a thousand vectors picks up that noise: read the "
        "mean regrets beside the maxima, and gaps of a few points as ties."
    )
    return [" ".join(parts), ""]


def boxes_text(run_dir: Path, robust: str) -> list[str]:
    boxes = pd.read_csv(run_dir / "boxes.csv")
    if "chosen" not in boxes or boxes.empty:
        share = boxes["share_of_vectors"].iloc[0] if not boxes.empty else float("nan")
        return [f"`{robust}` fails in {pct(share)} of the vectors; PRIM finds no box to describe them.", ""]
    chosen = boxes[boxes["chosen"].fillna(False).astype(bool)].iloc[0]
    lines = [
        f"Where `{robust}` fails (it misses the threshold in {pct(chosen['share_of_vectors'])} of the vectors): the eight "
        "assumptions that EMA Workbench's feature scoring ranks highest for that failure, then PRIM's peeling "
        f"trajectory; the chosen box has coverage {chosen['coverage']:.2f}, density {chosen['density']:.2f} and mass "
        f"{chosen['mass']:.2f}, with {int(chosen['res_dim'])} restricted assumptions (quasi-p-value in brackets):",
        "",
    ]
    ps = str(chosen.get("quasi_p", "")).split("; ")
    for k, part in enumerate(str(chosen["limits"]).split("; ")):
        name, _, rest = part.partition(" in ")
        lines.append(f"- `{name}` in {rest}" + (f" (p = {ps[k]})" if k < len(ps) and ps[k] else ""))
    return [*lines, ""]


def write_notebook() -> None:
    import nbformat

    book = nbformat.v4.new_notebook(cells=policy_cells() + ema_cells())
    book.metadata = {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    for k, cell in enumerate(book.cells):
        cell["id"] = f"cell-{k:02d}"
    nbformat.validate(book)
    NOTEBOOK.write_text(nbformat.writes(book) + "\n")


def policy_cells() -> list:
    """The notebook's cells up to scenario discovery: its parameters, the policies run over the vectors, the figures."""
    import nbformat

    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    params = code(
        "VECTORS = 300      # parameter vectors of the assumptions\n"
        "PER_VECTOR = 100   # replications per vector and policy\n"
        "WORKERS = 1\n"
        "SEED = 0\n"
        "EMA_REPLICATIONS = 100  # replications per experiment of the EMA Workbench model"
    )
    params.metadata["tags"] = ["parameters"]
    return [
        md(
            "# Which policy is robust?\n\n"
            "The levers are what an actor chooses (Washington's agenda demands and flexibility, posture, sanctions relief up "
            "front and deadline; Tehran's agenda flexibility and a pause of enrichment; Oman's shuttle diplomacy; the UAE's "
            "incentive), declared with `param(..., lever=WHO)` and given a range of choices in "
            "`configs/levers/`. The named policies of `configs/policy/` set some of them. Here each policy is run "
            "over the same parameter vectors of the assumptions with common random numbers, then compared by regret "
            "and satisficing, the EMA Workbench way. `python -m sim policies` does the same from the command line "
            "(docs/policies.md)."
        ),
        params,
        code(
            "%matplotlib inline\n"
            "import logging\n"
            "import warnings\n\n"
            'warnings.filterwarnings("ignore", message="IProgress not found")  # tqdm, imported by Mesa, without ipywidgets\n\n'
            "from sim.analysis import ema, policies\n"
            "from sim.analysis import policy_plots as plots\n\n"
            'logging.getLogger("MESA").setLevel(logging.WARNING)\n'
            'setup = ema.setup(["scenario=baseline"])\n'
            'chosen = policies.named_policies(["scenario=baseline"], policies.policy_names(), setup.levers)\n'
            "[(p.name, p.whose, p.description) for p in chosen]"
        ),
        md(
            "Every policy over the same vectors (those of `python -m sim explore`'s two-level design for this seed): "
            "replication *j* of vector *k* meets the same shocks under every policy."
        ),
        code(
            "run = policies.run_policies(setup, chosen, vectors=VECTORS, per_vector=PER_VECTOR, seed=SEED, workers=WORKERS)\n"
            "frame = policies.table(run)\n"
            "frame.round(3)"
        ),
        md("The trade-off: each policy's P(deal) against its P(escalation), vector by vector, with the mean and 10-90% range."),
        code("plots.tradeoff(run)"),
        md("Regret against the best policy in each vector (zero where the policy is the best there)."),
        code("plots.regret_figure(run)"),
        md("Scenario discovery on the failures of the most robust policy: where does it miss the threshold?"),
        code(
            "robust = policies.most_robust(run)\n"
            "boxes = policies.failures(run, robust, seed=SEED)\n"
            'boxes[boxes["chosen"].fillna(False).astype(bool)] if "chosen" in boxes else boxes'
        ),
    ]


def ema_cells() -> list:
    """The notebook's cells on the same model in EMA Workbench."""
    import nbformat

    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    return [
        md(
            "## The same model in EMA Workbench\n\n"
            "`sim.ema.model` is an `ema_workbench.Model`: the assumptions as uncertainties, the levers as levers. "
            "`perform_experiments` samples both (here with EMA's own Latin hypercube), and the results go to EMA's "
            "own analysis unchanged."
        ),
        code(
            "wb = ema.workbench()\n"
            'model = ema.model(  # sim.ema.model("baseline") composes the same\n'
            "    setup.scenario, setup.uncertainties, setup.levers, aliases=setup.aliases, integers=setup.integers,\n"
            "    replications=EMA_REPLICATIONS, seed=SEED,\n"
            ")\n"
            "experiments, outcomes = wb.perform_experiments(model, scenarios=3, policies=2, log_progress=False)\n"
            'experiments[["policy", "scenario", "actors__us__agenda_flexibility", "world__deadline"]].assign(**outcomes)'
        ),
        code(
            "from ema_workbench.analysis import feature_scoring\n\n"
            "ema_experiments, ema_outcomes = run.to_ema(list(setup.levers))\n"
            'odds = {o: ema_outcomes[o] for o in ("p_deal", "p_escalation")}\n'
            'scores = feature_scoring.get_feature_scores_all(ema_experiments.drop(columns=["model"]), odds)\n'
            'scores.sort_values("p_deal", ascending=False).head(10)'
        ),
    ]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vectors", type=int, default=1000)
    parser.add_argument("--per-vector", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--posterior", default=None)
    parser.add_argument("--keep", default="outputs/policies/report", help="the run folder")
    parser.add_argument("--reuse", default=None, help="report on this finished run folder instead of running again")
    return parser.parse_args()


def run_policies(args: argparse.Namespace, run_dir: Path) -> None:
    """``python -m sim policies`` into ``run_dir``, its wall and CPU seconds written beside it."""
    from sim.cli.policies import main as policies_main

    t, cpu = time.perf_counter(), cpu_seconds()
    argv = [f"seed={args.seed}", f"workers={args.workers}", "--vectors", str(args.vectors)]
    argv += ["--per-vector", str(args.per_vector), "--out", str(run_dir)]
    argv += ["--posterior", args.posterior] if args.posterior else []
    code = policies_main(argv)
    if code:
        raise SystemExit(code)
    (run_dir / "wall_s.txt").write_text(f"{time.perf_counter() - t:.1f}\n")
    (run_dir / "cpu_s.txt").write_text(f"{cpu_seconds() - cpu:.1f}\n")


def intro_text(command: str, wall: float, cpu_text: str, frame: pd.DataFrame, summary: dict) -> str:
    """The paragraph that says what was run, how long it took, and how regret and satisficing are measured."""
    threshold = summary["threshold"]
    return (
        f"`{command}` ({wall:.0f} s wall on the 2 cores this machine shares{cpu_text}; {summary['elapsed_s']:.0f} s "
        "of it simulating): the "
        f"{len(frame)} named policies of `configs/policy/` over the same {summary['vectors']:,} parameter vectors of "
        f"the {summary['source']} ({summary['per_vector']} replications each, common random numbers). Regret is "
        "against the best policy in each vector, in points of probability; satisficing is the share of vectors with "
        f"P(deal) at least {pct(threshold['deal_at_least'])} and P(escalation) at most "
        f"{pct(threshold['escalation_at_most'])}."
    )


#: What docs/policies.md says before this run's numbers: levers, uncertainties, named policies, outcomes.
DOC_HEAD = [
    "# Which policy is robust?",
    "",
    "<!-- written by experiments/policies_report.py from a run of python -m sim policies; do not edit by hand -->",
    "",
    "The question an analyst brings is rarely the odds alone: it is what Washington, Tehran, Muscat or Abu Dhabi",
    "could do to make a deal likelier and a war less likely, and whether that holds whatever the assumptions turn",
    "out to be. The simulator separates what an actor controls from what nobody does:",
    "",
    "- **levers** (docs/parameters.md, *Levers*): parameters an actor chooses, declared with `param(..., lever=WHO)`",
    "  in `sim/core/params.py`, each with a range of choices and its provenance in `configs/levers/`;",
    "- **uncertainties**: the assumptions, with the ranges of `configs/uncertainty/assumptions.yaml` (a lever is",
    "  never one of them);",
    "- **named policies** (`configs/policy/`, `policy=NAME` over any scenario): a setting of some levers, each",
    "  with a sentence on whose strategy it is;",
    "- **outcomes**: P(deal), P(escalation), P(any strike) and the mean number of rounds, each the share over a",
    "  batch of replications.",
    "",
    "`sim.ema.model(scenario)` is this as an `ema_workbench.Model`; `ema_workbench.perform_experiments(model,",
    "scenarios=..., policies=...)` runs on it with the sequential or the multiprocessing evaluator, every",
    "experiment's batch with the run's seed (common random numbers), and its outcomes are exactly those of the",
    "project's own `simulate()` for the same values and seed (a test checks it). `python -m sim policies` runs",
    "the named policies (or `--sample-levers N` lever settings) over the same vectors of the assumptions",
    "(`--posterior FILE` draws them from a history-weighted posterior instead), every vector's replications side",
    "by side in the engine's blocks, and writes `policies.csv`, `odds.csv` (EMA Workbench's experiments layout),",
    "`boxes.csv`, `summary.json` and `tradeoff.png`.",
    "",
]


def doc_page(intro: str, table_lines: list[str], paragraph: list[str], run_dir: Path, robust: str) -> list[str]:
    """docs/policies.md: the head, this run's table, figures and conclusions, and where the robust policy fails."""
    return [
        *DOC_HEAD,
        "## The policies over the assumptions",
        "",
        intro,
        "",
        *table_lines,
        "![P(deal) against P(escalation) per policy](figures/policies_tradeoff.png)",
        "",
        "![Regret per policy](figures/policies_regret.png)",
        "",
        "## What a policymaker could and could not conclude",
        "",
        *paragraph,
        "## Where the most robust policy fails",
        "",
        *boxes_text(run_dir, robust),
        "## Parameters that are not levers",
        "",
        "A principal's `requires` (the issues any deal must settle) and red lines are what it can accept, not a move",
        "it makes at the table; `coercion_propensity` and the other propensities are how an actor decides (behaviour,",
        "shared by every case and drawn as assumptions). Declaring one of them a lever is one `lever=` in",
        "`sim/core/params.py` and one range in `configs/levers/`; `python -m sim docs` and this page follow.",
        "",
    ]


def write_readme_section(intro: str, table_lines: list[str], paragraph: list[str]) -> None:
    """The short section of docs/uncertainty.md (between START and END), replaced or appended."""
    section = [
        "## Which policy is robust",
        "",
        intro + " Details, the figures and scenario discovery on the failures: [docs/policies.md](policies.md).",
        "",
        *table_lines,
        "![P(deal) against P(escalation) per policy](figures/policies_tradeoff.png)",
        "",
        *paragraph,
    ]
    readme_blocks.replace_between(README, START, END, "\n".join(section), append=True)


def main() -> None:
    args = parse_args()
    logging.getLogger("MESA").setLevel(logging.WARNING)
    from sim.analysis import policy_plots

    run_dir = Path(args.reuse or args.keep)
    command = (
        f"python -m sim policies seed={args.seed} workers={args.workers} --vectors {args.vectors} --per-vector {args.per_vector}"
        + (f" --posterior {args.posterior}" if args.posterior else "")
    )
    if not args.reuse:
        run_policies(args, run_dir)
    wall = float((run_dir / "wall_s.txt").read_text())
    cpu_file = run_dir / "cpu_s.txt"
    cpu_text = f", {float(cpu_file.read_text()):.0f} s of CPU time in all" if cpu_file.exists() else ""
    summary = json.loads((run_dir / "summary.json").read_text())
    frame = pd.read_csv(run_dir / "policies.csv")
    FIGURES.mkdir(parents=True, exist_ok=True)
    shutil.copy(run_dir / "tradeoff.png", FIGURES / "policies_tradeoff.png")
    run = run_from_folder(run_dir, summary)
    policy_plots.regret_figure(run).savefig(FIGURES / "policies_regret.png", dpi=110)

    table_lines = policy_table(frame)
    paragraph = conclusions(run_dir, frame, summary)
    intro = intro_text(command, wall, cpu_text, frame, summary)
    doc = doc_page(intro, table_lines, paragraph, run_dir, summary["most_robust"])
    DOC.write_text("\n".join(doc).rstrip() + "\n")
    write_readme_section(intro, table_lines, paragraph)
    write_notebook()
    print(f"Wrote {DOC}, {FIGURES}/policies_*.png, the section of {README} and {NOTEBOOK}")


def run_from_folder(run_dir: Path, summary: dict):
    """The PolicyRun of a finished run folder (odds.csv, summary.json), for the figures."""
    import pandas as pd

    from sim.analysis.ema import OUTCOMES, path_of
    from sim.analysis.policies import Policy, PolicyRun

    odds = pd.read_csv(run_dir / "odds.csv")
    names = list(dict.fromkeys(odds["policy"]))
    first = odds[odds["policy"] == names[0]].sort_values("scenario")
    skip = {"scenario", "policy", "model", *OUTCOMES, *(n.replace(".", "__") for n in summary["levers"][names[0]])}
    vectors = first[[c for c in first.columns if c not in skip]].rename(columns=path_of).reset_index(drop=True)
    frames = {o: odds.pivot(index="scenario", columns="policy", values=o)[names].reset_index(drop=True) for o in OUTCOMES}
    chosen = [Policy(n, summary["levers"][n]) for n in names]
    return PolicyRun(chosen, vectors, frames, summary["per_vector"], summary["seed"], summary["elapsed_s"], summary["source"])


if __name__ == "__main__":
    main()
