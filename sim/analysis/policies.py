"""Which policy is robust to what we do not know: policies over the same parameter vectors, regret, satisficing.

Every policy is run over the same K parameter vectors of the assumptions
(the vectors of ``python -m sim explore``'s two-level design for the same
seed and ranges, or vectors resampled from a history-weighted posterior),
M replications per vector, with common random numbers: replication j of
vector k meets the shocks of replication k*M + j of a plain run with the
run's seed, whatever the policy. Two policies therefore differ in a vector
only by what they do; two identical policies give identical odds, vector by
vector. The runs are those of :func:`sim.analysis.explore.explore` (every
vector's replications side by side in the engine's blocks), one run per policy.

Per policy: the mean odds; the 10th percentile of P(deal) and the 90th of
P(escalation) over the vectors; the regret in each vector against the best
policy in that vector (on P(deal): the best P(deal) minus its own; on
P(escalation): its own minus the lowest) and its maximum over vectors; the
share of vectors in which it satisfies a stated threshold (P(deal) at least
``deal_at_least`` and P(escalation) at most ``escalation_at_most``). The
most robust policy is the one that satisfies the threshold in the most
vectors (ties: the smaller maximum regret on P(deal)); scenario discovery
(PRIM) describes the vectors where it fails.

The results are also given in EMA Workbench's form (:meth:`PolicyRun.to_ema`:
an experiments table and a dict of outcome arrays), for its own analysis.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.ema import OUTCOMES, Choices, LeverRange, Setup, apply, name_of
from sim.analysis.explore import explore
from sim.analysis.explore_analysis import discover
from sim.analysis.explore_design import Design
from sim.core.params import ConfigError
from sim.core.uncertainty import Dist, sample, stream

DEFAULT_VECTORS = 1000
DEFAULT_PER_VECTOR = 200
#: The stated threshold of satisficing: a policy "works" in a vector where both hold.
DEAL_AT_LEAST = 0.5
ESCALATION_AT_MOST = 0.25


@dataclass(frozen=True)
class Policy:
    """A named setting of levers: {lever path: value} (levers it leaves out keep the scenario's value)."""

    name: str
    levers: Mapping[str, Any]
    whose: str = ""
    description: str = ""


@dataclass(frozen=True)
class VectorDesign(Design):
    """The two-level design with given vectors (from a posterior): ``table`` {path: (K,) values} replaces the draws."""

    table: Mapping[str, np.ndarray] = field(default_factory=dict)

    def vector_draws(self) -> dict[str, np.ndarray]:
        drawn = super().vector_draws()
        return {**drawn, **{p: np.asarray(v, dtype=np.float64) for p, v in self.table.items() if p in drawn}}


def posterior_vectors(post, specs: Mapping[str, Dist], n: int, seed: int) -> dict[str, np.ndarray]:
    """``n`` vectors resampled by weight from a posterior (:class:`sim.config.posterior.Posterior`).

    Systematic resampling with the run's seed; the posterior's parameters replace the assumption draws of the
    same paths, the others are drawn from their ranges as usual. A path of the posterior that is no uncertainty
    here (a lever, a premise of the scenario) is left out.
    """
    weights = np.asarray(post.weights, dtype=np.float64)
    columns = [c for c in post.draws if c in specs and not specs[c].is_point]
    if not columns:
        raise ConfigError(f"posterior {post.path}: none of its parameters is an uncertain parameter of this configuration")
    for c in columns:
        values = np.asarray(post.draws[c], dtype=np.float64)
        low, high = specs[c].low, specs[c].high
        if not np.all((values >= low) & (values <= high)):
            raise ConfigError(
                f"posterior {post.path}: {c} has values outside its range [{low:g}, {high:g}] in the assumptions: "
                "give a posterior drawn over the same ranges"
            )
    rng = np.random.default_rng(stream(seed, 2))
    cdf = np.cumsum(weights / weights.sum())
    picks = np.minimum(np.searchsorted(cdf, (rng.random() + np.arange(n)) / n), len(cdf) - 1)
    rng.shuffle(picks)
    return {c: np.asarray(post.draws[c], dtype=np.float64)[picks] for c in columns}


@dataclass
class PolicyRun:
    """The odds of every policy in every vector."""

    policies: list[Policy]
    vectors: pd.DataFrame  # (K, uncertain parameters)
    odds: dict[str, pd.DataFrame]  # outcome -> (K, policies)
    per_vector: int
    seed: int
    elapsed_s: float
    source: str = "assumptions"

    @property
    def names(self) -> list[str]:
        return [p.name for p in self.policies]

    def to_ema(self, levers: Sequence[str] = ()) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
        """EMA Workbench's results: experiments (uncertainties, levers, scenario, policy, model) and outcomes.

        Columns are named as EMA names the parameters (:func:`sim.analysis.ema.name_of`: ``actors__us__war_cost``).
        """
        rows = []
        for policy in self.policies:
            frame = self.vectors.rename(columns=name_of)
            for lever in levers:  # one value for every vector (a tuple of issues as an object)
                value = policy.levers.get(lever, np.nan)
                frame[name_of(lever)] = pd.Series([value] * len(frame), dtype=object if isinstance(value, tuple) else None)
            frame["scenario"] = np.arange(len(frame))
            frame["policy"] = policy.name
            rows.append(frame)
        experiments = pd.concat(rows, ignore_index=True)
        experiments["model"] = "muscat"
        outcomes = {o: np.concatenate([self.odds[o][p.name].to_numpy() for p in self.policies]) for o in OUTCOMES}
        return experiments, outcomes


def run_policies(
    setup: Setup,
    policies: Sequence[Policy],
    *,
    vectors: int = DEFAULT_VECTORS,
    per_vector: int = DEFAULT_PER_VECTOR,
    seed: int = 0,
    workers: int = 1,
    block_size: int = 10_000,
    posterior=None,
) -> PolicyRun:
    """Run every policy over the same ``vectors`` parameter vectors, ``per_vector`` replications each (CRN).

    With a ``posterior`` (:class:`sim.config.posterior.Posterior`, as ``posterior=history`` reads it) the vectors'
    behavioural parameters are resampled from it by weight.
    """
    if vectors < 2 or per_vector < 1:
        raise ConfigError(f"--vectors {vectors} --per-vector {per_vector}: use at least 2 vectors and 1 replication")
    names = [p.name for p in policies]
    if len(set(names)) != len(names) or not names:
        raise ConfigError(f"policies {names}: give at least one policy, each once")
    specs = dict(setup.uncertainties)
    table = posterior_vectors(posterior, specs, vectors, seed) if posterior is not None else {}
    design = VectorDesign(specs, int(seed), vectors * per_vector, vectors, per_vector, table=table)
    t0 = time.perf_counter()
    odds: dict[str, dict[str, np.ndarray]] = {o: {} for o in OUTCOMES}
    for policy in policies:
        unknown = sorted(set(policy.levers) - set(setup.levers))
        if unknown:
            raise ConfigError(f"policy {policy.name}: {unknown[0]} is not a lever: use one of {', '.join(setup.levers)}")
        scenario = apply(setup.scenario, policy.levers, setup.aliases, setup.integers)
        ex = explore(scenario, design, block_size=block_size, workers=workers, aliases=setup.aliases)
        by_vector = {
            "p_deal": ex.arrays["outcome"] == 0,
            "p_escalation": ex.arrays["outcome"] == 1,
            "p_any_strike": ex.arrays["any_strike"],
            "mean_rounds": ex.arrays["round"],
        }
        for o, values in by_vector.items():
            odds[o][policy.name] = np.asarray(values, dtype=np.float64).reshape(vectors, per_vector).mean(axis=1)
    drawn = design.vector_draws()
    frame = pd.DataFrame({p: drawn[p] for p in design.uncertain})
    return PolicyRun(
        list(policies),
        frame,
        {o: pd.DataFrame(v) for o, v in odds.items()},
        per_vector,
        int(seed),
        time.perf_counter() - t0,
        source="history-weighted posterior" if posterior is not None else "assumptions",
    )


def policy_names(config_dir: Path | None = None) -> list[str]:
    """The named policies of configs/policy/, the status quo first."""
    from sim.config.compose import CONFIG_DIR

    names = sorted(p.stem for p in ((config_dir or CONFIG_DIR) / "policy").glob("*.yaml"))
    return sorted(names, key=lambda n: n != "status_quo")


def policy_keys(name: str, config_dir: Path | None = None) -> list[str]:
    """The dotted keys a policy file sets (its description and the provenance left out)."""
    import yaml

    from sim.config.compose import CONFIG_DIR

    path = (config_dir or CONFIG_DIR) / "policy" / f"{name}.yaml"
    data = yaml.safe_load(path.read_text()) or {}

    def leaves(node, prefix: str) -> list[str]:
        out = []
        for key, value in node.items():
            if key in ("provenance", "policy", "defaults"):
                continue
            if isinstance(value, Mapping):
                out += leaves(value, f"{prefix}{key}.")
            else:
                out.append(f"{prefix}{key}")
        return out

    return leaves(data, "")


def with_policy(base, overrides: Sequence[str], name: str):
    """The configuration ``base`` (composed from ``overrides``) with policy ``name`` over it.

    A policy file that only sets values (no defaults list) is merged onto ``base`` as Hydra merges a
    ``@package _global_`` file after the scenario (milliseconds instead of a composition); any other is composed.
    """
    from omegaconf import OmegaConf

    from sim.config.compose import CONFIG_DIR, compose

    node = OmegaConf.load(CONFIG_DIR / "policy" / f"{name}.yaml")
    if "defaults" in node:
        return compose([*overrides, f"policy={name}"])
    return OmegaConf.merge(base, node)


def named_policies(overrides: Sequence[str], names: Sequence[str], levers: Mapping[str, LeverRange]) -> list[Policy]:
    """The named policies over ``overrides`` (the scenario): each lever's value under each policy."""
    from omegaconf import OmegaConf

    from sim.analysis.ema import values_of
    from sim.config.compose import compose

    known = policy_names()
    base = compose(list(overrides))
    out = []
    for name in names:
        if name not in known:
            raise ConfigError(f"policy {name!r} is not in configs/policy/: use one of {', '.join(known)}")
        stray = [k for k in policy_keys(name) if k not in levers]
        if stray:
            raise ConfigError(
                f"configs/policy/{name}.yaml sets {stray[0]}, which is not a lever: a policy sets levers only "
                f"({', '.join(levers)})"
            )
        data = OmegaConf.to_container(with_policy(base, overrides, name), resolve=True)
        assert isinstance(data, dict)
        meta = data.get("policy") or {}
        out.append(Policy(name, values_of(data, levers), str(meta.get("whose", "")), str(meta.get("description", ""))))
    return out


def sampled_policies(levers: Mapping[str, LeverRange], n: int, seed: int, integers: frozenset[str] = frozenset()) -> list[Policy]:
    """``n`` lever settings drawn uniformly from the levers' ranges and choices (streams of their own): sample_0, ..."""
    drawn: dict[str, list] = {}
    numbers = {p: d for p, d in levers.items() if isinstance(d, Dist)}
    for p, v in sample(numbers, n, stream(seed, 3)).items():
        drawn[p] = [float(round(x)) if p in integers else float(x) for x in v]
    rng = np.random.default_rng(stream(seed, 4))
    for p, d in levers.items():
        if isinstance(d, Choices):
            drawn[p] = [d.values[i] for i in rng.integers(len(d.values), size=n)]
    return [Policy(f"sample_{k}", {p: drawn[p][k] for p in levers}) for k in range(n)]


# ------------------------------------------------------------------ robustness


def regret(run: PolicyRun) -> dict[str, pd.DataFrame]:
    """Each policy's regret in each vector against the best policy in that vector (CRN: same shocks for all).

    ``deal``: the best P(deal) of any policy minus its own; ``escalation``: its own P(escalation) minus the lowest.
    """
    deal = run.odds["p_deal"]
    esc = run.odds["p_escalation"]
    return {
        "deal": deal.rsub(deal.max(axis=1), axis=0),
        "escalation": esc.sub(esc.min(axis=1), axis=0),
    }


def satisfied(run: PolicyRun, deal_at_least: float = DEAL_AT_LEAST, escalation_at_most: float = ESCALATION_AT_MOST):
    """Whether each policy meets the threshold in each vector: (K, policies) booleans."""
    return (run.odds["p_deal"] >= deal_at_least) & (run.odds["p_escalation"] <= escalation_at_most)


def table(run: PolicyRun, deal_at_least: float = DEAL_AT_LEAST, escalation_at_most: float = ESCALATION_AT_MOST) -> pd.DataFrame:
    """One row per policy: mean odds, spread, maximum regret, share satisficing; sorted from the most robust."""
    reg = regret(run)
    ok = satisfied(run, deal_at_least, escalation_at_most)
    rows = []
    for p in run.policies:
        d, e = run.odds["p_deal"][p.name], run.odds["p_escalation"][p.name]
        rows.append(
            {
                "policy": p.name,
                "whose": p.whose,
                "p_deal": float(d.mean()),
                "p_escalation": float(e.mean()),
                "p_any_strike": float(run.odds["p_any_strike"][p.name].mean()),
                "mean_rounds": float(run.odds["mean_rounds"][p.name].mean()),
                "p_deal_p10": float(np.percentile(d, 10)),
                "p_escalation_p90": float(np.percentile(e, 90)),
                "max_regret_deal": float(reg["deal"][p.name].max()),
                "mean_regret_deal": float(reg["deal"][p.name].mean()),
                "max_regret_escalation": float(reg["escalation"][p.name].max()),
                "mean_regret_escalation": float(reg["escalation"][p.name].mean()),
                "satisficing": float(ok[p.name].mean()),
                "best_in_deal": float((reg["deal"][p.name] == 0).mean()),
            }
        )
    frame = pd.DataFrame(rows)
    return frame.sort_values(["satisficing", "max_regret_deal"], ascending=[False, True], ignore_index=True)


def most_robust(run: PolicyRun, deal_at_least: float = DEAL_AT_LEAST, escalation_at_most: float = ESCALATION_AT_MOST) -> str:
    return str(table(run, deal_at_least, escalation_at_most)["policy"].iloc[0])


def failures(
    run: PolicyRun,
    policy: str,
    deal_at_least: float = DEAL_AT_LEAST,
    escalation_at_most: float = ESCALATION_AT_MOST,
    *,
    seed: int = 0,
    dims: int = 8,
) -> pd.DataFrame:
    """PRIM's peeling trajectory for the vectors where ``policy`` fails the threshold (the chosen box flagged)."""
    y = ~satisfied(run, deal_at_least, escalation_at_most)[policy].to_numpy()
    frame = discover(run.vectors, list(run.vectors.columns), y, seed=seed, dims=dims)
    if frame.empty:
        return pd.DataFrame([{"target": f"{policy} fails", "share_of_vectors": float(y.mean()), "box": -1}])
    frame.insert(0, "target", f"{policy} fails")
    frame.insert(1, "share_of_vectors", float(y.mean()))
    return frame


# ------------------------------------------------------------------ files


def write(
    run: PolicyRun,
    directory: str | Path,
    *,
    deal_at_least: float = DEAL_AT_LEAST,
    escalation_at_most: float = ESCALATION_AT_MOST,
    levers: Sequence[str] = (),
    notes: Mapping[str, object] | None = None,
) -> dict[str, Path]:
    """policies.csv, odds.csv (every vector and policy), boxes.csv (PRIM), summary.json and tradeoff.png."""
    from sim.analysis import policy_plots

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = {name: directory / f"{name}.csv" for name in ("policies", "odds", "boxes")}
    summary_table = table(run, deal_at_least, escalation_at_most)
    summary_table.to_csv(paths["policies"], index=False)
    experiments, outcomes = run.to_ema(levers)
    pd.concat([experiments, pd.DataFrame(outcomes)], axis=1).to_csv(paths["odds"], index=False)
    robust = str(summary_table["policy"].iloc[0])
    boxes = failures(run, robust, deal_at_least, escalation_at_most, seed=run.seed)
    boxes.to_csv(paths["boxes"], index=False)
    paths["summary"] = directory / "summary.json"
    summary = {
        "vectors": len(run.vectors),
        "per_vector": run.per_vector,
        "seed": run.seed,
        "source": run.source,
        "threshold": {"deal_at_least": deal_at_least, "escalation_at_most": escalation_at_most},
        "elapsed_s": run.elapsed_s,
        "most_robust": robust,
        "policies": summary_table.to_dict("records"),
        "levers": {p.name: dict(p.levers) for p in run.policies},
        **({"notes": dict(notes)} if notes else {}),
    }
    paths["summary"].write_text(json.dumps(summary, indent=2, default=float) + "\n")
    paths["tradeoff"] = directory / "tradeoff.png"
    policy_plots.tradeoff(run).savefig(paths["tradeoff"], dpi=110)
    return paths
