"""Assumptions as ranges: distributions of parameters, drawn per replication.

A parameter marked *assumption* has a plausible range rather than a value.
This module turns plain dicts such as ``{dist: uniform, low: 0.2, high: 0.6,
provenance: "..."}`` into distributions (:func:`parse_dist`), draws one value
per replication for every uncertain parameter (:func:`sample`), and puts the
draws into a :class:`~sim.params.Scenario` (:func:`with_draws`): a field that
held a float then holds an ``(R,)`` array, one value per replication, which
the engine broadcasts like any other per-replication state.

Draws come from inverse CDFs of uniforms, so a range collapsed to a point
gives exactly that point, and from a stream of their own: every parameter has
its own generator, derived from the run's uncertainty stream and a stable hash
of the parameter's path. The shocks of an episode never share a stream with
its parameters, so common random numbers hold (same seed: the same shocks
whatever the assumptions), and narrowing or adding one range leaves the other
parameters' draws as they were.

Pure: no Hydra, no files, no terminal.
"""

from __future__ import annotations

import dataclasses
import math
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special

from sim.core.params import ConfigError, Scenario
from sim.core.paths import actor_of, actor_slot, with_values
from sim.core.ufuncs import clip

#: Spawn-key tag of the parameter-draw stream ("unc"): SeedSequence(seed, spawn_key=(STREAM, ...)) can never
#: coincide with a block's shock stream SeedSequence(seed, spawn_key=(block,)) or the streams the model spawns
#: from it, which all start with the block index (far below this number).
STREAM = 0x756E63
DISTS = ("point", "uniform", "loguniform", "triangular", "beta", "truncnormal")
_KEYS = {
    "point": ("value",),
    "uniform": ("low", "high"),
    "loguniform": ("low", "high"),
    "triangular": ("low", "mode", "high"),
    "beta": ("alpha", "beta", "low", "high"),
    "truncnormal": ("mean", "sd", "low", "high"),
}
_OPTIONAL = ("dist", "provenance")


@dataclass(frozen=True)
class Dist:
    """One parameter's distribution on a bounded support [low, high]."""

    kind: str
    low: float
    high: float
    mode: float = math.nan  # triangular
    alpha: float = math.nan  # beta
    beta: float = math.nan
    mean: float = math.nan  # truncnormal (of the normal before truncation)
    sd: float = math.nan
    provenance: str = ""

    @property
    def is_point(self) -> bool:
        return self.low == self.high

    @property
    def center(self) -> float:
        """The distribution's median (the value a plain run would use if it had to pick one)."""
        return float(self.ppf(np.array([0.5]))[0])

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Inverse CDF: the quantiles at ``u`` in [0, 1), in float32 for float32 ``u``, else in float64.

        A point gives its value in float64 whatever ``u`` is.
        """
        u = np.asarray(u)
        if u.dtype != np.float32:
            u = u.astype(np.float64)
        if self.is_point:
            return np.full(u.shape, self.low)
        if self.kind in VECTORISED:
            return quantiles([self], u.reshape(1, -1)).reshape(u.shape)
        width = self.high - self.low
        if self.kind == "beta":
            q = special.betaincinv(self.alpha, self.beta, u)
            x = self.low + width * np.where(np.isnan(q), u >= 0.5, q)  # NaN only for subnormal u or 1 - u
        else:  # truncnormal
            a, b = self._phi_bounds()
            # far in a tail or on a tiny support: scipy's log-space algorithm
            x = self.mean + self.sd * special.ndtri(a + u * (b - a)) if b - a > 1e-6 else self._scipy().ppf(u)
        return clip(x, self.low, self.high, out=x)

    def cdf(self, x: np.ndarray) -> np.ndarray:
        """CDF at ``x`` (clipped to [0, 1]); a point mass has CDF 0 below and 1 from its value on."""
        x = np.asarray(x, dtype=np.float64)
        if self.is_point:
            return (x >= self.low).astype(np.float64)
        width = self.high - self.low
        z = clip(x, self.low, self.high)
        if self.kind == "uniform":
            p = (z - self.low) / width
        elif self.kind == "loguniform":
            p = np.log(z / self.low) / math.log(self.high / self.low)
        elif self.kind == "triangular":
            left = (z - self.low) ** 2 / (width * (self.mode - self.low)) if self.mode > self.low else 0.0 * z
            right = 1.0 - (self.high - z) ** 2 / (width * (self.high - self.mode)) if self.high > self.mode else 1.0 + 0 * z
            p = np.where(z < self.mode, left, right)
        elif self.kind == "beta":
            p = special.betainc(self.alpha, self.beta, (z - self.low) / width)
        else:
            a, b = self._phi_bounds()
            p = (special.ndtr((z - self.mean) / self.sd) - a) / (b - a) if b - a > 1e-6 else self._scipy().cdf(z)
        return clip(p, 0.0, 1.0)

    def _phi_bounds(self) -> tuple[float, float]:
        return (float(special.ndtr((self.low - self.mean) / self.sd)), float(special.ndtr((self.high - self.mean) / self.sd)))

    def _scipy(self):
        from scipy.stats import truncnorm

        return truncnorm((self.low - self.mean) / self.sd, (self.high - self.mean) / self.sd, loc=self.mean, scale=self.sd)

    def describe(self) -> str:
        """A short text such as 'uniform [0.2, 0.6]' for tables and reports."""
        if self.is_point:
            return f"point {self.low:g}"
        extra = {
            "triangular": f", mode {self.mode:g}",
            "beta": f", alpha {self.alpha:g}, beta {self.beta:g}",
            "truncnormal": f", mean {self.mean:g}, sd {self.sd:g}",
        }.get(self.kind, "")
        return f"{self.kind} [{self.low:g}, {self.high:g}{extra}]"


#: The kinds whose quantiles :func:`quantiles` computes for many parameters at once.
VECTORISED = ("uniform", "loguniform", "triangular")


def quantiles(dists: list[Dist], u: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Inverse CDFs of distributions of one kind in :data:`VECTORISED`: row k of ``u`` (K, n) by ``dists[k]``.

    In the precision of ``u`` (float32 or float64), each distribution's
    numbers rounded to it once, and clipped to [low, high]. One call for all
    the parameters of a kind: the same arithmetic as one call per parameter
    (the same values, bit for bit), at a fraction of the calls. With ``out``
    (K, n) the clipped values are written there, widened to its type (exactly:
    clipping only picks one of the values).
    """
    kind = dists[0].kind

    def column(values) -> np.ndarray:
        return np.array(list(values), dtype=u.dtype)[:, None]

    low, high = column(d.low for d in dists), column(d.high for d in dists)
    if kind == "uniform":
        x = u * column(d.high - d.low for d in dists)
        x += low
    elif kind == "loguniform":
        x = u * column(math.log(d.high / d.low) for d in dists)
        np.exp(x, out=x)
        x *= low
    else:  # triangular: below the mode, low + sqrt(u w (mode - low)); above it, high - sqrt((1 - u) w (high - mode))
        x = u * column((d.high - d.low) * (d.mode - d.low) for d in dists)
        np.sqrt(x, out=x)
        x += low
        above = 1.0 - u
        above *= column((d.high - d.low) * (d.high - d.mode) for d in dists)
        np.sqrt(above, out=above)
        np.subtract(high, above, out=above)
        # x where u is below the mode's quantile, else above: as x (1 - up) + above up with up in {0, 1}, exact
        # for finite values and several times quicker than a masked copy of randomly mixed elements
        up = (u >= column((d.mode - d.low) / (d.high - d.low) for d in dists)).astype(u.dtype)
        above *= up
        np.subtract(1.0, up, out=up)
        x *= up
        x += above
    return clip(x, low, high, out=x if out is None else out)


def _number(where: str, key: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConfigError(f"{where}.{key} = {value!r}: use a finite number")
    return float(value)


def parse_dist(where: str, spec) -> Dist:
    """A :class:`Dist` from a plain dict (or ``[low, high]`` for a uniform, or a bare number for a point).

    ``where`` names the parameter in the one-line :class:`ConfigError` that bad input raises.
    """
    if isinstance(spec, int | float) and not isinstance(spec, bool):
        spec = {"dist": "point", "value": spec}
    elif isinstance(spec, list | tuple):
        if len(spec) != 2:
            raise ConfigError(f"{where} = {list(spec)}: give a range as [low, high] or as {{dist: ..., ...}}")
        spec = {"dist": "uniform", "low": spec[0], "high": spec[1]}
    if not isinstance(spec, Mapping):
        raise ConfigError(f"{where} = {spec!r}: give a distribution as {{dist: uniform, low: ..., high: ...}}")
    kind = spec.get("dist")
    if kind not in DISTS:
        raise ConfigError(f"{where}.dist = {kind!r}: use one of {', '.join(DISTS)}")
    needed = _KEYS[kind]
    # Keys of another distribution are ignored: an override merged into a range of the file may change its dist.
    unknown = sorted(set(spec) - {k for keys in _KEYS.values() for k in keys} - set(_OPTIONAL))
    if unknown:
        raise ConfigError(f"{where} has {unknown[0]!r}, which no distribution takes: a {kind} takes {', '.join(needed)}")
    missing = [k for k in needed if k not in spec]
    if missing:
        raise ConfigError(f"{where} ({kind}) has no {missing[0]!r}: give {', '.join(needed)}")
    v = {k: _number(where, k, spec[k]) for k in needed}
    provenance = str(spec.get("provenance") or "")
    if kind == "point":
        return Dist("point", v["value"], v["value"], provenance=provenance)
    low, high = v["low"], v["high"]
    if low > high:
        raise ConfigError(f"{where}: low {low:g} is above high {high:g}: swap them")
    if kind == "triangular" and not low <= v["mode"] <= high:
        raise ConfigError(f"{where}: mode {v['mode']:g} lies outside [{low:g}, {high:g}]: put it inside the range")
    if kind == "loguniform" and not low * high > 0:
        raise ConfigError(f"{where}: a loguniform range needs ends of one sign, not 0: use uniform for [{low:g}, {high:g}]")
    if kind == "beta" and (v["alpha"] <= 0 or v["beta"] <= 0):
        raise ConfigError(f"{where}: alpha and beta must be > 0, got {v['alpha']:g} and {v['beta']:g}")
    if kind == "truncnormal" and v["sd"] <= 0:
        raise ConfigError(f"{where}: sd = {v['sd']:g}: use a positive standard deviation")
    return Dist(
        kind,
        low,
        high,
        mode=v.get("mode", math.nan),
        alpha=v.get("alpha", math.nan),
        beta=v.get("beta", math.nan),
        mean=v.get("mean", math.nan),
        sd=v.get("sd", math.nan),
        provenance=provenance,
    )


def is_leaf(node) -> bool:
    """Whether a config node is one distribution (a dict with ``dist``, ``[low, high]`` or a number)."""
    if isinstance(node, Mapping):
        return "dist" in node
    if isinstance(node, list | tuple):
        return len(node) == 2 and all(isinstance(x, int | float) and not isinstance(x, bool) for x in node)
    return isinstance(node, int | float) and not isinstance(node, bool)


def parse_specs(tree: Mapping, prefix: str = "") -> dict[str, Dist]:
    """Every distribution in a nested dict, keyed by its dotted path (``actors.us.war_cost``)."""
    specs: dict[str, Dist] = {}
    for key, node in tree.items():
        path = f"{prefix}.{key}" if prefix else str(key)
        if node is None:
            continue
        if is_leaf(node):
            specs[path] = parse_dist(path, node)
        elif isinstance(node, Mapping):
            specs.update(parse_specs(node, path))
        else:
            raise ConfigError(f"{path} = {node!r}: give a distribution as {{dist: uniform, low: ..., high: ...}}")
    return specs


def stream(seed: int, *key: int) -> np.random.SeedSequence:
    """The seed of the parameter-draw stream of a run (``key``: e.g. the block index), apart from its shocks."""
    return np.random.SeedSequence(int(seed), spawn_key=(STREAM, *(int(k) for k in key)))


def path_key(path: str) -> int:
    """A stable 32-bit number for a parameter path (CRC-32), so each parameter has its own generator."""
    return zlib.crc32(path.encode())


def sample(specs: Mapping[str, Dist], n: int, seed: np.random.SeedSequence) -> dict[str, np.ndarray]:
    """Draw ``n`` values of every parameter: one (n,) float64 array per path.

    Parameter ``path`` is drawn by inverse CDF from the uniforms of its own
    generator, ``SeedSequence(seed.entropy, spawn_key=seed.spawn_key + (crc32(path),))``:
    the same seed gives the same draws, a point gives exactly its value, and
    a parameter's draws do not depend on which other parameters are uncertain.
    Uniforms and quantiles are computed in float32 (seven significant digits,
    far finer than any assumption's range is known; the exploration stores the
    draws in float32 anyway, so the stored values are the values the model
    used, but for a value clipped to an end of its range), then widened to float64 and kept inside [low, high].
    The arrays are the rows of one (P, n) matrix, the parameters of a kind
    side by side so that their quantiles are computed in one go (:func:`quantiles`).
    """
    groups: dict[str, list[str]] = {}
    for path, dist in specs.items():
        groups.setdefault("point" if dist.is_point else dist.kind, []).append(path)
    paths = [p for group in groups.values() for p in group]
    x = np.empty((len(paths), n))
    start = 0
    for kind, group in groups.items():
        rows = slice(start, start + len(group))
        start += len(group)
        if kind == "point":
            x[rows] = np.array([specs[p].low for p in group])[:, None]
            continue
        u = np.empty((len(group), n), dtype=np.float32)
        for k, path in enumerate(group):
            child = np.random.SeedSequence(seed.entropy, spawn_key=(*seed.spawn_key, path_key(path)))
            np.random.default_rng(child).random(n, dtype=np.float32, out=u[k])
        dists = [specs[p] for p in group]
        if kind in VECTORISED:
            quantiles(dists, u, out=x[rows])
        else:
            x[rows] = [d.ppf(row) for d, row in zip(dists, u, strict=True)]
    low = np.array([specs[p].low for p in paths])[:, None]
    high = np.array([specs[p].high for p in paths])[:, None]
    clip(x, low, high, out=x)
    return {p: x[k] for k, p in enumerate(paths)}


# ---------------------------------------------------------------- scenarios


def _renormalise_saliences(scenario: Scenario, drawn: Iterable[str], aliases: Mapping[str, str]) -> Scenario:
    """Drawn saliences are relative weights: rescale each such actor's saliences to sum to one per replication."""
    actors = {key for p in drawn if (key := actor_of(p)) is not None and p.split(".")[2:3] == ["salience"]}
    for key in actors:
        group, i = actor_slot(scenario, key, aliases)
        items = list(getattr(scenario, group))
        sal = items[i].salience
        total = sum(sal.values())
        items[i] = dataclasses.replace(items[i], salience={k: v / total for k, v in sal.items()})
        changes: dict[str, Any] = {group: tuple(items)}
        scenario = dataclasses.replace(scenario, **changes)
    return scenario


def with_draws(
    scenario: Scenario, draws: Mapping[str, np.ndarray | float], aliases: Mapping[str, str] | None = None, *, check: bool = True
) -> Scenario:
    """``scenario`` with each drawn parameter replaced by its (R,) array (or scalar), checked.

    Paths as :mod:`sim.core.paths` reads them; ``aliases`` maps config keys
    to actor names where they differ. A drawn salience is a relative weight: the actor's
    saliences are rescaled to sum to one, replication by replication.

    The result is checked by :meth:`Scenario.validate` at two corners, every
    drawn parameter at its smallest draw and every one at its largest, which
    catches a range that leaves a parameter's legal interval (with a one-line
    ConfigError naming it). ``check=False`` skips this, for draws already known
    to lie inside supports that were checked (the exploration checks each
    range's two ends once, then draws block after block).
    """
    aliases = dict(aliases or {})
    arrays = {p: np.asarray(v, dtype=np.float64) for p, v in draws.items()}
    sizes = {a.shape for a in arrays.values() if a.ndim}
    if len(sizes) > 1 or any(a.ndim > 1 for a in arrays.values()):
        raise ConfigError(f"parameter draws have different shapes {sorted(sizes)}: give one (R,) array per parameter")
    for corner in (np.min, np.max) if check else ():
        probe = with_values(scenario, {path: float(corner(a)) for path, a in arrays.items()}, aliases)
        _renormalise_saliences(probe, arrays, aliases).validate()
    out = with_values(scenario, {path: a if a.ndim else float(a) for path, a in arrays.items()}, aliases)
    return _renormalise_saliences(out, arrays, aliases)
