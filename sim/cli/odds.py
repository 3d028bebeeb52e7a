"""The odds a run prints beneath the configured ones: across the assumptions' ranges, and history-weighted.

Composition and printing for :mod:`sim.analysis.odds` (issue 19): ``python -m
sim`` shows, below its table, two lines with their 5-95% spread and one line
on what each set of odds means; ``summary.json`` carries the same under
``context_odds``. Also the posterior behind ``posterior=history``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

import numpy as np
from omegaconf import DictConfig, OmegaConf

from sim.core.params import ConfigError, Scenario

#: Size of the two small designs: vectors x replications per vector (each about 20,000 episodes).
VECTORS = 200
PER_VECTOR = 100


def _aliases(data: Mapping) -> dict[str, str]:
    return {k: str(a["name"]) for k, a in (data.get("actors") or {}).items() if a}


def assumption_vectors(cfg: DictConfig, overrides: list[str], scenario: Scenario, seed: int) -> dict[str, np.ndarray]:
    """K vectors from the ranges of ``uncertainty=assumptions`` (as ``python -m sim explore`` draws them)."""
    from sim.analysis.odds import ODDS_STREAM
    from sim.cli.explore import specs_for
    from sim.config.compose import compose
    from sim.config.overrides import override_key
    from sim.core.uncertainty import sample, stream

    with_ranges = compose(["uncertainty=assumptions", *[o for o in overrides if not override_key(o).startswith("uncertainty")]])
    specs, _, _ = specs_for(with_ranges, overrides, scenario)
    specs = {p: d for p, d in specs.items() if not d.is_point}
    return sample(specs, VECTORS, stream(seed, ODDS_STREAM)) if specs else {}


def context_odds(cfg: DictConfig, overrides: list[str], scenario: Scenario, seed: int) -> dict:
    """Both sets of odds (mean and 5-95% across vectors) and what it took; 'history' is None without a posterior."""
    from sim.analysis.odds import ODDS_STREAM, posterior_for, spread, vector_odds
    from sim.config.posterior import resample, trust_note

    data = OmegaConf.to_container(cfg, resolve=True)
    aliases = _aliases(data)
    t0 = time.perf_counter()
    out: dict = {"vectors": VECTORS, "per_vector": PER_VECTOR}
    vectors = assumption_vectors(cfg, overrides, scenario, seed)
    out["assumptions"] = spread(vector_odds(scenario, vectors, PER_VECTOR, seed, aliases))
    try:
        post, note, held = posterior_for(data, "history")
    except ConfigError as exc:
        post, note, held = None, str(exc), set()
    if post is not None:
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(0x756E63, ODDS_STREAM, 1)))
        out["history"] = spread(vector_odds(scenario, resample(post, VECTORS, rng), PER_VECTOR, seed, aliases))
        out["history_ess"] = post.ess
        out["history_trust"] = trust_note(post)
        out["history_held"] = sorted(held)
        out["history_cases"] = len(post.meta.get("cases") or {})
    else:
        out["history"] = None
    out["note"] = note
    out["elapsed_s"] = time.perf_counter() - t0
    return out


def format_context(ctx: dict) -> str:
    def row(label: str, s: dict) -> str:
        return f"{label:<28}" + "  ".join(
            f"{o} {100 * v['p']:5.1f}% [{100 * v['p5']:.0f}-{100 * v['p95']:.0f}]" for o, v in s.items()
        )

    lines = ["", "Odds beyond the configured values (mean, 5-95% across parameter vectors):"]
    lines.append(row("across the assumptions", ctx["assumptions"]))
    if ctx["history"] is not None:
        lines.append(row("history-weighted", ctx["history"]))
    lines += [
        "  configured: the odds if every value is as configured (the interval is Monte Carlo noise only);",
        "  across the assumptions: every assumption drawn from its range (uncertainty=assumptions), none preferred;",
        "  history-weighted: behaviour drawn from those ranges weighed by how well it reproduces "
        f"{ctx.get('history_cases') or 'the'} historical rounds (python -m sim calibrate);",
        f"  {ctx['vectors']} vectors x {ctx['per_vector']} replications each ({ctx['elapsed_s']:.1f} s); "
        "docs/history_weighted.md says how far history can be trusted here.",
    ]
    if ctx["history"] is None:
        lines.append("  history-weighted: not available (" + (ctx["note"] or "no posterior") + ")")
    elif ctx["note"]:
        lines.append("  " + ctx["note"])
    if ctx["history"] is not None and ctx.get("history_trust"):
        lines.append("  " + ctx["history_trust"])
    return "\n".join(lines)
