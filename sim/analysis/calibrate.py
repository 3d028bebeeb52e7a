"""History-weighted odds: a posterior over the behavioural parameters from the outcomes of the historical cases.

The method (``../shared/design/retrodiction.md``, protocol step 5; issue 19):

1. **Prior.** K behavioural parameter vectors are drawn from their declared
   ranges (``uncertainty=assumptions``, behaviour kind only: the state of
   every case is the case's own and is never drawn).
2. **Simulation with common random numbers.** Every case is run under every
   vector, M replications each; vector k of case c uses the shocks of block
   ``c`` of the seed (:func:`sim.core.runner.run_block`), the same for every
   vector, so two vectors' odds in a case differ by their parameters, not by
   their luck.
3. **Importance weights.** Vector k is weighed by the likelihood of what
   happened, estimated by simulation (times prior over proposal when it was
   not drawn from the prior): ``L_k = prod_c h_kc / M`` with
   ``h_kc`` the replications of case c that reproduce its actual outcome.
   Each factor is an unbiased estimate of P(actual_c | theta_k), and the
   cases' shocks are independent of one another, so the product is an
   unbiased estimate of the likelihood (the "pseudo-marginal" argument of
   Andrieu and Roberts 2009); normalised weights over prior draws are
   self-normalised importance sampling of the posterior.
4. **Effective sample size** (Kish 1965): ``(sum w)^2 / sum w^2``, the
   number of equally weighted draws that would carry the same information.
   Below :data:`MIN_ESS` the posterior rests on too few vectors to trust and
   the report says so.
5. **Leave-one-case-out scoring** (the validity figure): case c is forecast
   by the vectors weighed on the *other* cases, ``P_c(o) = sum_k w_k^(-c)
   p_kc(o)``; its log and Brier scores are set against the uniform forecast
   (ln 1/3) and the Laplace-smoothed base rate of the other cases' outcomes,
   ``(n_o + 1) / (C - 1 + 3)``. An in-sample score is never a validity figure.

Where the vectors come from (``stages``): with one stage all K from the prior,
which collapses when the cases' likelihood is concentrated relative to the
prior ranges (ten cases, 101 parameters: Kish ESS 10.8 of 500, Pareto k-hat
0.92); with more, adaptive importance sampling (:mod:`sim.analysis.importance`
says how and why not pyabc), the weights then carrying prior over proposal.
Kish's ESS and PSIS's Pareto k-hat (``arviz-stats``) say when the weights can
be trusted, for the posterior on all cases and for each held-out one.

Pure functions over arrays and scenarios; no files, no terminal (the command is
:mod:`sim.cli.calibrate`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis import retro
from sim.core.params import OUTCOMES, ConfigError, Scenario
from sim.core.uncertainty import Dist, sample, stream, with_draws

#: Below this effective number of vectors a posterior is reported as too thin to trust.
MIN_ESS = 30.0
#: Spawn key of the prior vectors' stream (apart from the exploration's 0 and 1).
VECTOR_STREAM = 2


# ---------------------------------------------------------------- cases and parameters


@dataclass(frozen=True)
class Target:
    """A scenario the calibration runs under every vector: a case (``actual`` set) or a forecast (``actual`` None)."""

    name: str
    scenario: Scenario | None  # None: a toy target for checking the machinery (toy_run)
    actual: str | None
    aliases: Mapping[str, str]  # actor config key -> actor name
    actors: frozenset[str]  # actor config keys present

    @property
    def actual_index(self) -> int:
        if self.actual is None:
            raise ValueError(f"{self.name} has no outcome")
        return OUTCOMES.index(self.actual)


def path_kind(path: str, roles: Mapping[str, str]) -> str:
    """``state`` or ``behaviour`` for a parameter path of :func:`sim.core.uncertainty.with_draws`.

    The one declaration is the core's (``param(kind=...)``): ``world.X``,
    ``actors.K.X[.sub]`` by the field of the actor's role class,
    ``agenda.I.status_quo`` by :class:`~sim.core.params.Issue`, ``events.*`` by
    :class:`~sim.core.params.Event`.
    """
    from sim.analysis.history import ROLE_CLASSES, config_kind, kind_of
    from sim.core.params import Event, Issue

    parts = path.split(".")
    if parts[0] in ("world", "actors"):
        key = ".".join(parts[:3]) if parts[0] == "actors" else ".".join(parts[:2])
        if parts[0] == "actors" and roles.get(parts[1]) not in ROLE_CLASSES:
            raise ConfigError(f"{path}: actor {parts[1]!r} has no known role")
        return config_kind(key, roles)
    if parts[0] == "agenda" and len(parts) == 3:
        return kind_of(Issue, parts[2])
    if parts[0] == "events" and len(parts) >= 3:
        return kind_of(Event, parts[2])
    return "behaviour"


def behaviour_specs(specs: Mapping[str, Dist], roles: Mapping[str, str]) -> dict[str, Dist]:
    """The ranges of behavioural parameters only, points left out (state is each case's and is never drawn)."""
    return {p: d for p, d in specs.items() if not d.is_point and path_kind(p, roles) == "behaviour"}


def prior_draws(specs: Mapping[str, Dist], vectors: int, seed: int) -> dict[str, np.ndarray]:
    """K vectors from the prior ranges: (K,) per parameter, from a stream of their own (``stream(seed, 2)``)."""
    if vectors < 1:
        raise ConfigError(f"vectors = {vectors}: use a whole number >= 1")
    return sample(specs, vectors, stream(seed, VECTOR_STREAM))


def vector_scenario(target: Target, draws: Mapping[str, np.ndarray], k: int) -> Scenario:
    """The target's scenario with vector ``k`` (parameters of actors the target lacks left out)."""
    if target.scenario is None:
        raise ConfigError(f"{target.name}: a toy target has no scenario to simulate")
    values = {p: float(v[k]) for p, v in draws.items() if not p.startswith("actors.") or p.split(".")[1] in target.actors}
    return with_draws(target.scenario, values, target.aliases, check=False) if values else target.scenario


# ---------------------------------------------------------------- simulation grid


def run_vectors(target: Target, draws: Mapping[str, np.ndarray], lo: int, hi: int, per_vector: int, seed: int, block: int):
    """Outcome counts (hi - lo, 3) of vectors [lo, hi) on ``target``, each ``per_vector`` replications with the
    shocks of block ``block`` (the same for every vector: common random numbers)."""
    from sim.core.runner import run_block

    counts = np.zeros((hi - lo, len(OUTCOMES)), dtype=np.int32)
    for i, k in enumerate(range(lo, hi)):
        out = run_block(vector_scenario(target, draws, k), per_vector, seed, block)
        counts[i] = np.bincount(out["outcome"], minlength=len(OUTCOMES))[: len(OUTCOMES)]
    return counts


# ---------------------------------------------------------------- weights, ESS, scores


def likelihoods(counts: np.ndarray, actual: Sequence[int], per_vector: int) -> np.ndarray:
    """(C, K): the share of each vector's replications of case c that reproduce its actual outcome."""
    counts = np.asarray(counts)
    idx = np.asarray(actual, dtype=int)
    return counts[np.arange(len(idx)), :, idx] / float(per_vector)


def log_weights(p: np.ndarray) -> np.ndarray:
    """(K,) log of the product over cases of ``p`` (C, K); minus infinity where a case was never reproduced."""
    with np.errstate(divide="ignore"):
        return np.log(np.asarray(p, dtype=np.float64)).sum(axis=0)


def normalise(logw: np.ndarray) -> np.ndarray:
    """Weights summing to one from log weights; all zeros when every vector has weight zero."""
    logw = np.asarray(logw, dtype=np.float64)
    if not np.isfinite(logw).any():
        return np.zeros_like(logw)
    w = np.exp(logw - np.max(logw[np.isfinite(logw)]))
    w[~np.isfinite(logw)] = 0.0
    return w / w.sum()


def kish_ess(w: np.ndarray) -> float:
    """Kish's effective sample size ``(sum w)^2 / sum w^2`` (0 for all-zero weights)."""
    w = np.asarray(w, dtype=np.float64)
    s2 = float(np.sum(w * w))
    return float(np.sum(w)) ** 2 / s2 if s2 > 0 else 0.0


def forecast(counts_c: np.ndarray, w: np.ndarray) -> np.ndarray:
    """(3,) odds of one target: the vectors' odds (counts (K, 3)) averaged with weights ``w`` (uniform if all zero)."""
    counts_c = np.asarray(counts_c, dtype=np.float64)
    p = counts_c / counts_c.sum(axis=1, keepdims=True)
    w = np.asarray(w, dtype=np.float64)
    if w.sum() <= 0:
        w = np.ones(len(p))
    return (w / w.sum()) @ p


def laplace_base_rate(actual: Sequence[int]) -> np.ndarray:
    """(3,) Laplace-smoothed frequencies of the outcomes ``actual`` (indices): ``(n_o + 1) / (n + 3)``."""
    n = np.bincount(np.asarray(actual, dtype=int), minlength=len(OUTCOMES)).astype(float)
    return (n + 1.0) / (n.sum() + len(OUTCOMES))


def loco(
    counts: np.ndarray, actual: Sequence[int], names: Sequence[str], per_vector: int, log_ratio: np.ndarray | None = None
) -> pd.DataFrame:
    """Leave-one-case-out table: each case forecast by the vectors weighed on the other cases.

    Columns: case, actual, p_deal, p_escalation, p_stalemate, p_actual,
    log_score, brier, ess and khat (Kish ESS and PSIS Pareto k-hat of the weights without the case: the
    held-out posterior's own diagnostics), fallback (True
    when no vector reproduced all the other cases: the forecast is then the
    prior's), base_p_actual, base_log_score, base_brier (the Laplace base rate
    of the other cases), floored. A forecast of exactly 0 for the actual
    outcome is scored at half a replication of the whole grid (``0.5 / (K M)``).
    ``log_ratio`` (K,): log prior / proposal of each vector when they were not all drawn from the prior.
    """
    from sim.analysis.importance import pareto_khat

    counts = np.asarray(counts)
    actual = [int(a) for a in actual]
    C, K = counts.shape[:2]
    p = likelihoods(counts, actual, per_vector)
    rows = []
    for c in range(C):
        others = [i for i in range(C) if i != c]
        logw = log_weights(p[others]) + (0.0 if log_ratio is None else np.asarray(log_ratio, dtype=np.float64))
        w = normalise(logw)
        f = forecast(counts[c], w)
        base = laplace_base_rate([actual[i] for i in others])
        outcome = OUTCOMES[actual[c]]
        row = retro.case_row(
            names[c],
            outcome,
            dict(zip(OUTCOMES, f, strict=True)),
            mean_rounds=math.nan,
            actual_weeks=1,
            replications=K * per_vector,
        )
        rows.append(
            {
                "case": names[c],
                "actual": outcome,
                **{f"p_{o}": float(x) for o, x in zip(OUTCOMES, f, strict=True)},
                "p_actual": row["p_actual"],
                "log_score": row["log_score"],
                "brier": row["brier"],
                "ess": kish_ess(w),
                "khat": pareto_khat(logw),
                "fallback": bool(w.sum() <= 0),
                "base_p_actual": float(base[actual[c]]),
                "base_log_score": math.log(base[actual[c]]),
                "base_brier": retro.brier_score(dict(zip(OUTCOMES, base, strict=True)), outcome),
                "floored": row["floored"],
            }
        )
    return pd.DataFrame(rows)


def loco_summary(table: pd.DataFrame) -> dict[str, float]:
    """Mean scores over the cases against the uniform forecast and the Laplace base rate."""
    return {
        "cases": len(table),
        "mean_log_score": float(table["log_score"].mean()),
        "uniform_log_score": retro.UNIFORM_LOG,
        "base_rate_log_score": float(table["base_log_score"].mean()),
        "mean_brier": float(table["brier"].mean()),
        "uniform_brier": retro.UNIFORM_BRIER,
        "base_rate_brier": float(table["base_brier"].mean()),
        "beats_uniform": bool(table["log_score"].mean() > retro.UNIFORM_LOG),
        "beats_base_rate": bool(table["log_score"].mean() > table["base_log_score"].mean()),
        "min_ess": float(table["ess"].min()),
        "max_khat": float(table["khat"].max()) if "khat" in table else math.nan,
        "fallbacks": int(table["fallback"].sum()),
    }


def weighted_quantiles(x: np.ndarray, w: np.ndarray, q: Sequence[float]) -> np.ndarray:
    """Quantiles ``q`` of ``x`` under weights ``w`` (the inverse of the weighted empirical CDF, midpoint rule)."""
    x, w = np.asarray(x, dtype=np.float64), np.asarray(w, dtype=np.float64)
    order = np.argsort(x)
    x, w = x[order], w[order]
    keep = w > 0
    x, w = x[keep], w[keep]
    if len(x) == 0:
        return np.full(len(q), np.nan)
    cdf = (np.cumsum(w) - 0.5 * w) / w.sum()
    return np.interp(np.asarray(q, dtype=float), cdf, x)


def parameter_shifts(draws: Mapping[str, np.ndarray], w: np.ndarray, specs: Mapping[str, Dist]) -> pd.DataFrame:
    """Prior against posterior per parameter: means, 5-95% intervals, and the shift of the mean in prior sds."""
    rows = []
    uniform = np.full(len(w), 1.0 / len(w))
    for path, x in draws.items():
        sd = float(np.std(x))
        pm, qm = float(np.mean(x)), float(np.sum(w * x)) if w.sum() > 0 else math.nan
        lo, hi = weighted_quantiles(x, uniform, [0.05, 0.95])
        plo, phi = weighted_quantiles(x, w, [0.05, 0.95])
        rows.append(
            {
                "parameter": path,
                "range": specs[path].describe() if path in specs else "",
                "prior_mean": pm,
                "posterior_mean": qm,
                "prior_p5": lo,
                "prior_p95": hi,
                "posterior_p5": plo,
                "posterior_p95": phi,
                "shift_sd": (qm - pm) / sd if sd > 0 else 0.0,
                "width_ratio": (phi - plo) / (hi - lo) if hi > lo else math.nan,
            }
        )
    frame = pd.DataFrame(rows)
    return frame.reindex(frame["shift_sd"].abs().sort_values(ascending=False).index).reset_index(drop=True)


def odds_spread(counts_t: np.ndarray, w: np.ndarray) -> dict[str, dict[str, float]]:
    """For one target: per outcome the (weighted) mean odds and the 5th/95th percentiles of the odds across vectors."""
    counts_t = np.asarray(counts_t, dtype=np.float64)
    p = counts_t / counts_t.sum(axis=1, keepdims=True)
    if w.sum() <= 0:
        w = np.ones(len(p))
    w = w / w.sum()
    out = {}
    for j, o in enumerate(OUTCOMES):
        p5, p50, p95 = weighted_quantiles(p[:, j], w, [0.05, 0.5, 0.95])
        out[o] = {"p": float(w @ p[:, j]), "p5": float(p5), "p50": float(p50), "p95": float(p95)}
    return out


# ---------------------------------------------------------------- the whole calibration


@dataclass
class Calibration:
    """Everything the command writes: vectors, grid counts, weights, LOCO table and the forecasts."""

    specs: dict[str, Dist]
    draws: dict[str, np.ndarray]
    cases: list[str]
    actual: list[int]
    forecasts: list[str]
    counts: np.ndarray  # (C + F, K, 3): the cases, then the forecast targets
    per_vector: int
    seed: int
    log_ratio: np.ndarray | None = None  # (K,) log prior / proposal density (None: every vector from the prior)
    stage: np.ndarray | None = None  # (K,) the stage each vector was drawn in (0: the prior)

    @property
    def ratio(self) -> np.ndarray:
        return np.zeros(self.counts.shape[1]) if self.log_ratio is None else np.asarray(self.log_ratio, dtype=np.float64)

    @property
    def log_w(self) -> np.ndarray:
        """(K,) unnormalised log importance weights on all cases: log-likelihood estimate + log prior/proposal."""
        return log_weights(likelihoods(self.case_counts, self.actual, self.per_vector)) + self.ratio

    @property
    def khat(self) -> float:
        from sim.analysis.importance import pareto_khat

        return pareto_khat(self.log_w)

    @property
    def noise(self) -> float:
        from sim.analysis.importance import likelihood_noise

        return likelihood_noise(likelihoods(self.case_counts, self.actual, self.per_vector), self.per_vector, self.weights)

    @property
    def case_counts(self) -> np.ndarray:
        return self.counts[: len(self.cases)]

    @property
    def weights(self) -> np.ndarray:
        return normalise(self.log_w)

    @property
    def ess(self) -> float:
        return kish_ess(self.weights)

    def loco(self) -> pd.DataFrame:
        return loco(self.case_counts, self.actual, self.cases, self.per_vector, self.ratio)

    def target_odds(self, name: str) -> dict[str, dict[str, dict[str, float]]]:
        """Prior and posterior odds (with their 5-95% spread across vectors) of a case or forecast target."""
        i = [*self.cases, *self.forecasts].index(name)
        K = self.counts.shape[1]
        return {"prior": odds_spread(self.counts[i], np.ones(K)), "posterior": odds_spread(self.counts[i], self.weights)}

    def posterior_frame(self) -> pd.DataFrame:
        """posterior.parquet: one row per vector, its parameters, log-likelihood per case, weight."""
        frame = pd.DataFrame({p: np.asarray(v, dtype=np.float64) for p, v in self.draws.items()})
        p = likelihoods(self.case_counts, self.actual, self.per_vector)
        with np.errstate(divide="ignore"):
            for c, name in enumerate(self.cases):
                frame[f"loglik:{name}"] = np.log(p[c])
        frame["log_prior_ratio"] = self.ratio
        frame["stage"] = np.zeros(len(frame), dtype=np.int64) if self.stage is None else np.asarray(self.stage, dtype=np.int64)
        frame["weight"] = self.weights
        return frame


def stage_sizes(vectors: int, stages: int) -> list[int]:
    """How many vectors each stage draws: 40% from the prior, the rest split evenly over the adaptive stages."""
    if stages < 1:
        raise ConfigError(f"stages = {stages}: use a whole number >= 1")
    if stages == 1:
        return [vectors]
    first = max(math.ceil(0.4 * vectors), 1)
    rest = vectors - first
    if rest < stages - 1:
        raise ConfigError(f"vectors = {vectors} is too few for {stages} stages: use at least {first + stages - 1} vectors")
    return [first] + [rest // (stages - 1) + (1 if i < rest % (stages - 1) else 0) for i in range(stages - 1)]


def calibrate(
    targets: Sequence[Target],
    specs: Mapping[str, Dist],
    *,
    vectors: int,
    per_vector: int,
    seed: int,
    stages: int = 1,
    chunk: int = 25,
    workers: int = 1,
    load: Callable[[int, int], np.ndarray | None] | None = None,
    save: Callable[[int, int, np.ndarray], None] | None = None,
    progress: Callable[[int, int], None] | None = None,
    run: Callable = run_vectors,
) -> Calibration:
    """Run every target under K vectors (common random numbers per target) and return the :class:`Calibration`.

    ``stages`` 1: all K vectors from the prior (plain importance weights over
    the prior). More: the first stage draws 40% of them from the prior, each
    later stage draws its share from a proposal fitted to every vector so far
    (:mod:`sim.analysis.importance`), and the weights pool the stages.

    Work is cut into units (target t, chunk j of vectors, numbered across
    stages); ``load(t, j)`` / ``save(t, j, counts)`` keep finished units
    (resume: a stage's vectors depend only on the seed and the earlier stages'
    counts), ``progress(done, total)`` counts episodes. ``workers`` > 1 runs
    units in processes; the counts do not depend on it (every unit's shocks
    are fixed by its target).
    """
    from sim.analysis import importance as imp

    if per_vector < 1:
        raise ConfigError(f"per_vector = {per_vector}: use a whole number >= 1")
    sizes = stage_sizes(vectors, stages)
    draws = prior_draws(specs, sizes[0], seed)
    for t in targets:  # each range's two ends checked once on each target, before any work
        if t.scenario is None:
            continue
        ends = {
            p: np.array([d.low, d.high]) for p, d in specs.items() if not p.startswith("actors.") or p.split(".")[1] in t.actors
        }
        if ends:
            with_draws(t.scenario, ends, t.aliases)
    counts = np.zeros((len(targets), vectors, len(OUTCOMES)), dtype=np.int32)
    total = len(targets) * vectors * per_vector
    done = 0
    case_idx = [i for i, t in enumerate(targets) if t.actual is not None]
    fc_idx = [i for i, t in enumerate(targets) if t.actual is None]
    actual = [targets[i].actual_index for i in case_idx]
    paths = list(draws)
    proposals: list[imp.Proposal | None] = [None]
    starts: list[int] = []  # global chunk index -> first vector

    def finished(t: int, j: int, c: np.ndarray, fresh: bool) -> None:
        nonlocal done
        lo = starts[j]
        counts[t, lo : lo + len(c)] = c
        if fresh and save is not None:
            save(t, j, c)
        done += len(c) * per_vector
        if progress:
            progress(done, total)

    lo = 0
    for s, size in enumerate(sizes):
        if s > 0:  # a proposal fitted to every vector so far, its draws appended
            z = imp.to_normal(specs, draws, paths)
            hits = counts[case_idx, :lo][np.arange(len(case_idx)), :, actual]
            with np.errstate(divide="ignore"):
                loglik = np.log(hits / per_vector)
            ratio = imp.mixture_log_ratio(z, proposals, sizes[:s])
            proposal = imp.propose(imp.fit_surrogate(z, hits, per_vector), z, loglik, ratio)
            rng = np.random.default_rng(stream(seed, VECTOR_STREAM, s))
            new = imp.from_normal(specs, proposal.sample(size, rng), paths)
            draws = {p: np.concatenate([draws[p], new[p]]) for p in paths}
            proposals.append(proposal)
        first_chunk = len(starts)
        starts += list(range(lo, lo + size, chunk))
        chunks = range(first_chunk, len(starts))
        todo = []
        for t in range(len(targets)):
            for j in chunks:
                cached = load(t, j) if load is not None else None
                if cached is not None:
                    finished(t, j, cached, fresh=False)
                else:
                    todo.append((t, j))

        end = lo + size
        args = {(t, j): (targets[t], draws, starts[j], min(starts[j] + chunk, end), per_vector, seed, t) for t, j in todo}
        if workers == 1 or len(todo) <= 1:
            for t, j in todo:
                finished(t, j, run(*args[t, j]), fresh=True)
        else:
            from concurrent.futures import ProcessPoolExecutor, as_completed

            with ProcessPoolExecutor(max_workers=workers) as pool:
                futures = {pool.submit(run, *args[t, j]): (t, j) for t, j in todo}
                for fut in as_completed(futures):
                    t, j = futures[fut]
                    finished(t, j, fut.result(), fresh=True)
        lo += size
    log_ratio = None
    if len(sizes) > 1:
        log_ratio = imp.mixture_log_ratio(imp.to_normal(specs, draws, paths), proposals, sizes)
    order = case_idx + fc_idx
    return Calibration(
        specs=dict(specs),
        draws=draws,
        cases=[targets[i].name for i in case_idx],
        actual=actual,
        forecasts=[targets[i].name for i in fc_idx],
        counts=counts[order],
        per_vector=per_vector,
        seed=seed,
        log_ratio=log_ratio,
        stage=np.repeat(np.arange(len(sizes)), sizes),
    )


# ---------------------------------------------------------------- loading from the configuration

#: Scenarios forecast under the prior and the posterior besides the cases (no outcome): 2026 by the rules and as read.
FORECASTS = ("feb_2026_by_rules", "baseline")


def _target(name: str, overrides: list[str], actual: str | None) -> Target:
    from omegaconf import OmegaConf

    from sim.config.compose import compose, scenario_from_config

    cfg = compose(overrides)
    data = OmegaConf.to_container(cfg, resolve=True)
    actors = {k: a for k, a in (data.get("actors") or {}).items() if a is not None}
    return Target(
        name,
        scenario_from_config(cfg, overrides),
        actual,
        {k: str(a["name"]) for k, a in actors.items()},
        frozenset(actors),
    )


def case_names(config_dirs: Sequence[str | Path] = ()) -> list[str]:
    """The package's cases and those in ``<dir>/history/`` of each user folder, in chronological order."""
    import yaml

    from sim.analysis.history import history_dir

    paths = {p.stem: p for p in history_dir().glob("*.yaml")}
    for d in config_dirs:
        paths.update({p.stem: p for p in (Path(d) / "history").glob("*.yaml")})

    def start(path: Path) -> str:
        try:
            return str(((yaml.safe_load(path.read_text()) or {}).get("history") or {}).get("start", ""))
        except (OSError, yaml.YAMLError, AttributeError):
            return ""

    return sorted(paths, key=lambda n: (start(paths[n]), n))


def load_targets(
    config_dirs: Sequence[str | Path] = (), cases: Sequence[str] | None = None, forecasts: Sequence[str] = FORECASTS
) -> list[Target]:
    """The historical cases (with their outcomes) and the forecast scenarios, composed as ``python -m sim`` would."""
    from sim.config.overrides import with_search_path

    dirs = [str(Path(d).resolve()) for d in config_dirs]
    known = case_names(config_dirs)
    chosen = list(cases) if cases else known
    for name in chosen:
        if name not in known:
            raise ConfigError(f"unknown historical case {name!r}: known cases are {', '.join(known)}")
    out = []
    for name in chosen:
        overrides = with_search_path([f"+history={name}"], dirs)
        from sim.config.compose import compose

        history = compose(overrides).get("history")
        actual = None if history is None else history.get("actual")
        if actual not in OUTCOMES:
            raise ConfigError(f"history/{name}.yaml: history.actual = {actual!r}: use one of {', '.join(OUTCOMES)}")
        out.append(_target(name, overrides, str(actual)))
    for name in forecasts:
        out.append(_target(name, with_search_path([f"scenario={name}"], dirs), None))
    return out


def prior_specs(config_dirs: Sequence[str | Path] = (), uncertainty: str = "assumptions") -> dict[str, Dist]:
    """The behavioural ranges of ``uncertainty=<name>`` on the baseline (state ranges and points left out)."""
    from omegaconf import OmegaConf

    from sim.config.compose import compose
    from sim.config.overrides import with_search_path
    from sim.core.uncertainty import parse_specs

    dirs = [str(Path(d).resolve()) for d in config_dirs]
    data = OmegaConf.to_container(compose(with_search_path([f"uncertainty={uncertainty}"], dirs)), resolve=True)
    roles = {k: str(a["role"]) for k, a in (data.get("actors") or {}).items() if a}
    return behaviour_specs(parse_specs(data.get("uncertainty") or {}), roles)


def identity(config_dirs: Sequence[str | Path] = ()) -> dict[str, str]:
    """What a posterior depends on, by file: the simulation code (``sim/core``), the configs (every YAML file of
    the package's ``configs/`` the cases compose with, the prior ranges among them) and the cases (``history/*.yaml``, the
    package's and the user folders'). Quick to compute, so every run can check the posterior it uses."""
    import hashlib

    from sim.config.compose import CONFIG_DIR
    from sim.io import code_fingerprint

    def digest(paths) -> str:
        h = hashlib.sha256()
        for path in paths:
            h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
        return h.hexdigest()[:16]

    root = Path(CONFIG_DIR)
    # every config the cases compose with; not the other scenarios or the sweeps (the cases never select them)
    configs = sorted(p for p in root.rglob("*.yaml") if p.parent.name not in ("history", "scenario", "sweep"))
    cases = sorted(root.glob("history/*.yaml")) + [p for d in config_dirs for p in sorted((Path(d) / "history").glob("*.yaml"))]
    return {"code": code_fingerprint(), "configs": digest(configs), "cases": digest(cases)}


# ---------------------------------------------------------------- simulation-based calibration


def sbc_ranks(counts: np.ndarray, truth: int, synthetic: Sequence[int], per_vector: int, draws: Mapping[str, np.ndarray]):
    """One repetition of simulation-based calibration on a simulated grid.

    Vector ``truth`` of the grid plays the true parameters: its synthetic
    outcomes (``synthetic``, one per case, simulated apart from the grid) are
    the "history"; the other vectors are weighed by them. Returns, per
    parameter, the posterior CDF at the true value (uniform on [0, 1] over
    repetitions when the machinery is calibrated), whether the true value lies
    in the central 90% interval, and the posterior sd over the prior sd (how much it concentrated),
    and the ESS.
    """
    K = counts.shape[1]
    others = np.array([k for k in range(K) if k != truth])
    p = likelihoods(counts[:, others], synthetic, per_vector)
    w = normalise(log_weights(p))
    out = {}
    for name, x in draws.items():
        x = np.asarray(x, dtype=np.float64)
        xo, t = x[others], float(x[truth])
        if w.sum() <= 0:
            out[name] = (math.nan, False, math.nan)
            continue
        cdf = float(w[xo < t].sum() + 0.5 * w[xo == t].sum())
        lo, hi = weighted_quantiles(xo, w, [0.05, 0.95])
        mean = float(w @ xo)
        sd_post = math.sqrt(float(w @ (xo - mean) ** 2))
        sd_prior = float(np.std(xo))
        out[name] = (cdf, bool(lo <= t <= hi), sd_post / sd_prior if sd_prior > 0 else math.nan)
    return out, kish_ess(w)


def toy_probabilities(theta: np.ndarray, state: float) -> np.ndarray:
    """A toy model for checking the machinery: P(deal, escalation, stalemate) as a softmax of two parameters.

    ``theta`` (n, 2) on [0, 1]^2; a case's ``state`` in [0, 1] sets how much each
    parameter matters in it (deal rises with theta_0 in high-state cases,
    escalation with theta_1 in low-state ones).
    """
    theta = np.atleast_2d(theta)
    z = np.column_stack([6.0 * state * (theta[:, 0] - 0.5), 6.0 * (1.0 - state) * (theta[:, 1] - 0.5), np.zeros(len(theta))])
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def toy_run(target, draws: Mapping[str, np.ndarray], lo: int, hi: int, per_vector: int, seed: int, block: int) -> np.ndarray:
    """:func:`run_vectors` for the toy model (the target's ``state`` from its name ``toy:<state>``): same uniforms
    for every vector of a target (common random numbers), outcomes by inverse CDF."""
    state = float(str(target.name).split(":", 1)[1])
    names = sorted(draws)[:2]
    theta = np.column_stack([np.asarray(draws[n])[lo:hi] for n in names])
    p = np.cumsum(toy_probabilities(theta, state), axis=1)
    u = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(block,))).random(per_vector)
    outcome = (u[None, :, None] >= p[:, None, :-1]).sum(axis=2)
    return np.stack([(outcome == j).sum(axis=1) for j in range(len(OUTCOMES))], axis=1).astype(np.int32)
