"""Simulation-based calibration of the history weighting, at full size (docs/history_weighted.md).

    python experiments/sbc_history.py --calibration outputs/calibrate/default [--repetitions 200] [--out docs/figures]

Two checks that the machinery of :mod:`sim.analysis.calibrate` recovers a known truth:

1. **The real engine.** The grid of a calibration run (``counts.npz``: every
   target under every prior vector) is reused. In each repetition one grid
   vector plays the truth: its synthetic history is one fresh replication of
   each of the grid's targets (the ten cases and the two 2026 scenarios as
   twelve synthetic cases, shocks apart from the grid's), and the other
   vectors are weighed by it. Over repetitions, the truth's posterior rank
   must be uniform and the 90% intervals must cover it about 90% of the time.
   With twelve cases and 80-odd parameters the posterior narrows little, so
   the sharper test of concentration is the second check.
2. **The toy model** (:func:`sim.analysis.calibrate.toy_probabilities`, two
   parameters) with many synthetic cases (40 and 200): the posterior must
   concentrate around the truth as cases accumulate, with the same coverage. With 200 cases and 50 replications
   per vector and case the intervals under-cover (about 78%) whatever the number of vectors: each case's
   likelihood is estimated once, with the same shocks for every vector (common random numbers), so its Monte Carlo
   error is shared by all vectors and biases the posterior rather than averaging out; 500 replications per vector
   restore the stated coverage. The replications per vector must grow with the number of cases.

Writes ``sbc.json`` and ``sbc.png`` into ``--out``.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.analysis import calibrate as cal
from sim.config.posterior import NOT_PARAMETERS
from sim.core.params import OUTCOMES
from sim.core.runner import run_block
from sim.core.uncertainty import parse_dist

ROOT = Path(__file__).resolve().parent.parent


def real_engine(calibration: Path, repetitions: int, seed: int) -> dict:
    grid = np.load(calibration / "counts.npz")
    counts, names = grid["counts"], [str(n) for n in grid["targets"]]
    post = pd.read_parquet(calibration / "posterior.parquet")
    # the check needs prior draws: an adaptive calibration's first stage only
    prior = post["stage"].to_numpy() == 0 if "stage" in post else np.ones(len(post), dtype=bool)
    counts, post = counts[:, prior], post[prior].reset_index(drop=True)
    draws = {c: post[c].to_numpy() for c in post.columns if c not in NOT_PARAMETERS and not c.startswith("loglik:")}
    per_vector = int(counts[0, 0].sum())
    targets = {t.name: t for t in cal.load_targets(forecasts=cal.FORECASTS)}
    rng = np.random.default_rng(seed)
    rows, ess = [], []
    t0 = time.perf_counter()
    for rep in range(repetitions):
        truth = int(rng.integers(counts.shape[1]))
        synthetic = []
        for i, name in enumerate(names):
            out = run_block(cal.vector_scenario(targets[name], draws, truth), 1, seed, 100_000 + rep * len(names) + i)
            synthetic.append(int(out["outcome"][0]))
        result, e = cal.sbc_ranks(counts, truth, synthetic, per_vector, draws)
        ess.append(e)
        rows += [{"rep": rep, "parameter": p, "cdf": c, "covered": inside, "sd_ratio": r} for p, (c, inside, r) in result.items()]
    frame = pd.DataFrame(rows)
    by_param = frame.groupby("parameter").agg(coverage=("covered", "mean"), sd_ratio=("sd_ratio", "mean"))
    return {
        "cases": len(names),
        "vectors": int(counts.shape[1]),
        "per_vector": per_vector,
        "repetitions": repetitions,
        "coverage_90": float(frame["covered"].mean()),
        "coverage_by_parameter_p5_p95": [float(by_param["coverage"].quantile(q)) for q in (0.05, 0.95)],
        "mean_sd_ratio": float(frame["sd_ratio"].mean()),
        "min_sd_ratio": float(by_param["sd_ratio"].min()),
        "narrowest": by_param["sd_ratio"].idxmin(),
        "mean_cdf": float(frame["cdf"].mean()),
        "ess_median": float(np.median(ess)),
        "elapsed_s": time.perf_counter() - t0,
        "_cdf": frame["cdf"].dropna().to_numpy(),
    }


def toy(cases: int, repetitions: int, seed: int, vectors: int = 3000, per_vector: int = 50) -> dict:
    rng = np.random.default_rng(seed)
    states = rng.random(cases)
    targets = [cal.Target(f"toy:{s}", None, "deal", {}, frozenset()) for s in states]
    specs = {"a": parse_dist("a", [0.0, 1.0]), "b": parse_dist("b", [0.0, 1.0])}
    grid = cal.calibrate(targets, specs, vectors=vectors, per_vector=per_vector, seed=seed, chunk=1000, run=cal.toy_run)
    covered, ratios, cdfs, errors, ess = [], [], [], [], []
    for _ in range(repetitions):
        truth = int(rng.integers(vectors))
        theta = np.array([[grid.draws["a"][truth], grid.draws["b"][truth]]])
        synthetic = [int(rng.choice(len(OUTCOMES), p=cal.toy_probabilities(theta, s)[0])) for s in states]
        out, e = cal.sbc_ranks(grid.counts, truth, synthetic, per_vector, grid.draws)
        ess.append(e)
        for cdf, inside, ratio in out.values():
            covered.append(inside)
            ratios.append(ratio)
            cdfs.append(cdf)
        p = cal.likelihoods(np.delete(grid.counts, truth, axis=1), synthetic, per_vector)
        w = cal.normalise(cal.log_weights(p))
        errors.append(abs(float(w @ np.delete(grid.draws["a"], truth)) - float(grid.draws["a"][truth])))
    return {
        "cases": cases,
        "vectors": vectors,
        "per_vector": per_vector,
        "repetitions": repetitions,
        "coverage_90": float(np.mean(covered)),
        "mean_sd_ratio": float(np.nanmean(ratios)),
        "mean_abs_error_a": float(np.mean(errors)),
        "prior_sd": float(np.sqrt(1 / 12)),
        "ess_median": float(np.median(ess)),
        "_cdf": np.array(cdfs),
    }


def figure(results: dict) -> Figure:
    fig = Figure(figsize=(17, 3.4), layout="constrained")
    axes = fig.subplots(1, len(results))
    for ax, (label, r) in zip(axes, results.items(), strict=True):
        ax.hist(r["_cdf"], bins=10, range=(0, 1), density=True, color="#8d99ae")
        ax.axhline(1.0, color="k", linestyle=":")
        ax.set_title(
            f"{label}\n90% coverage {100 * r['coverage_90']:.0f}%, posterior sd / prior sd {r['mean_sd_ratio']:.2f}", fontsize=8
        )
        ax.set_xlabel("posterior CDF at the true value (uniform if calibrated)", fontsize=8)
        ax.set_ylabel("density (1 = uniform)", fontsize=8)
    return fig


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calibration", default="outputs/calibrate/default", help="a python -m sim calibrate output folder")
    parser.add_argument("--repetitions", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default=str(ROOT / "docs" / "figures"))
    parser.add_argument("--toy-only", action="store_true", help="skip the real engine (keep its figures from sbc.json)")
    args = parser.parse_args()
    logging.getLogger("MESA").setLevel(logging.WARNING)
    out = Path(args.out)
    kept = json.loads((out / "sbc.json").read_text()) if args.toy_only and (out / "sbc.json").exists() else {}
    real = kept.get("real engine, 12 synthetic cases") if args.toy_only else None
    if real is not None:
        real["_cdf"] = np.load(out / "sbc_cdf.npz")["real"]
    results = {
        "real engine, 12 synthetic cases": real or real_engine(Path(args.calibration), args.repetitions, args.seed),
        "toy model, 40 cases": toy(40, args.repetitions, args.seed + 1),
        "toy model, 200 cases": toy(200, args.repetitions, args.seed + 2),
        "toy model, 200 cases, 30,000 vectors": toy(200, args.repetitions, args.seed + 2, vectors=30_000),
        "toy model, 200 cases, 500 replications per vector": toy(200, args.repetitions, args.seed + 2, per_vector=500),
    }
    out.mkdir(parents=True, exist_ok=True)
    figure(results).savefig(out / "sbc.png", dpi=110)
    np.savez_compressed(out / "sbc_cdf.npz", real=results["real engine, 12 synthetic cases"]["_cdf"])
    clean = {k: {kk: vv for kk, vv in v.items() if not kk.startswith("_")} for k, v in results.items()}
    (out / "sbc.json").write_text(json.dumps(clean, indent=2) + "\n")
    print(json.dumps(clean, indent=2))


if __name__ == "__main__":
    main()
