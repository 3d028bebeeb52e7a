"""The history-weighted posterior file: where it ships, reading it, and whether it is stale.

``python -m sim calibrate --ship`` writes ``sim/data/posterior_history.parquet``:
one row per behavioural vector (its parameters, per-case log-likelihoods, the
log prior / proposal density of the stage mixture it was drawn from, its stage
and its weight), and in the file's metadata the identity it was made with (code,
configs, cases: :func:`sim.analysis.calibrate.identity`). ``posterior=history``
reads it; a run whose code, configs or cases changed since says so in one line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import numpy as np

from sim.core.params import ConfigError

SHIPPED = Path(str(files("sim") / "data" / "posterior_history.parquet"))
META_KEY = b"sim.calibrate"
#: Columns of a posterior file that are not parameters (besides the ``loglik:<case>`` ones).
NOT_PARAMETERS = ("weight", "log_prior_ratio", "stage")


@dataclass(frozen=True)
class Posterior:
    """Behavioural vectors and their weights."""

    path: Path
    draws: dict[str, np.ndarray]  # parameter path -> (K,)
    weights: np.ndarray  # (K,), sums to one
    meta: dict

    @property
    def ess(self) -> float:
        return float(self.weights.sum() ** 2 / np.sum(self.weights**2))


def resolve(file: str | None) -> Path | None:
    """The file a ``posterior.file`` setting names (``history``: the shipped one), None for none."""
    if file in (None, "", "none", "null"):
        return None
    return SHIPPED if file == "history" else Path(str(file))


def read(path: Path) -> Posterior:
    """A posterior file; one-line :class:`ConfigError` when it is missing or is not one."""
    import pyarrow.parquet as pq

    if not path.exists():
        hint = (
            "run python -m sim calibrate --ship"
            if path == SHIPPED
            else "give a posterior.parquet made by python -m sim calibrate"
        )
        raise ConfigError(f"posterior file {path} does not exist: {hint}")
    try:
        table = pq.read_table(path)
        meta = json.loads((table.schema.metadata or {})[META_KEY].decode())
    except (OSError, ValueError, KeyError) as exc:
        raise ConfigError(f"posterior file {path} is not a posterior of python -m sim calibrate ({type(exc).__name__})") from None
    frame = table.to_pandas()
    weights = frame["weight"].to_numpy(dtype=np.float64)
    if not np.all(np.isfinite(weights)) or weights.sum() <= 0:
        raise ConfigError(f"posterior file {path}: no vector has a positive weight: calibrate with more vectors")
    params = [c for c in frame.columns if c not in NOT_PARAMETERS and not c.startswith("loglik:")]
    return Posterior(path, {p: frame[p].to_numpy(dtype=np.float64) for p in params}, weights / weights.sum(), meta)


def stale_note(post: Posterior, current: dict[str, str]) -> str | None:
    """One line when the posterior was made with other code, configs or cases than the current ones (else None)."""
    made = post.meta.get("identity") or {}
    changed = [k for k in ("code", "configs", "cases") if made.get(k) != current.get(k)]
    if not changed:
        return None
    return (
        f"note: the posterior {post.path.name} was made with other {', '.join(changed)} than this run's "
        "(stale: run python -m sim calibrate --ship to renew it)"
    )


def trust_note(post: Posterior) -> str | None:
    """One line when the file's own diagnostics say its weights are not to be trusted (else None).

    Kish ESS below 30 or PSIS Pareto k-hat above 0.7 (:mod:`sim.analysis.importance`), as
    ``python -m sim calibrate`` wrote them; a file without a k-hat is judged by its ESS alone.
    """
    import math

    from sim.analysis.calibrate import MIN_ESS
    from sim.analysis.importance import MAX_KHAT

    ess = float(post.meta.get("ess", post.ess))
    khat = post.meta.get("khat")
    problems = [f"ESS {ess:.1f} < {MIN_ESS:.0f}"] if not ess >= MIN_ESS else []
    if khat is not None and not (math.isfinite(float(khat)) and float(khat) <= MAX_KHAT):
        problems.append(f"Pareto k-hat {float(khat):.2f} > {MAX_KHAT}")
    if not problems:
        return None
    return f"note: the posterior {post.path.name} is not to be trusted ({', '.join(problems)}): calibrate with more --vectors"


def resample(post: Posterior, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """``n`` behavioural vectors drawn from the posterior by weight (with replacement): (n,) per parameter."""
    idx = rng.choice(len(post.weights), size=n, p=post.weights)
    return {p: x[idx] for p, x in post.draws.items()}
