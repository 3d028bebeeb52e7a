"""Compare configurations: ``muscat-sim compare RUN_A RUN_B ...``.

Each argument is one of

- a run directory (``outputs/run/baseline/2026-...``, a sweep's job directory):
  its ``summary.json`` and ``episodes.parquet``;
- a sweep root (``multirun/NAME``): every finished job of its table, or some
  of them: ``multirun/NAME@3`` (job 3), ``multirun/NAME@scenario=nuclear_only``
  or ``multirun/NAME@actors.oman.effectiveness=0.9,scenario=baseline`` (the
  jobs whose columns have these values);
- a scenario name, with overrides if wanted, run on the spot:
  ``nuclear_only`` or ``"baseline actors.israel.strike_propensity=0.1"``
  (``replications=N``, ``seed=S``, ``block_size=B``, ``workers=W`` given on their own set every such run).

For each outcome it prints the probability under each configuration with its
95% Wilson interval, the difference from the first configuration with a 95%
interval and a p-value, and writes the table (``comparison.csv``) and a figure
of the odds with their intervals (``comparison.png``) into ``--out``.

Paired or not. Two runs with the same seed, block size and number of
replications faced the same random numbers replication by replication (common
random numbers: every block's seed derives from the master seed and the block
index, and every mechanism's draws are keyed by replication, round and column), so
their outcomes are compared pair by pair: the difference of the indicators per
replication, McNemar's exact test (the binomial test on the discordant pairs),
and Newcombe's (1998) score interval for a paired difference (method 10).
Otherwise the runs are independent samples: the two-proportion z-test with
the pooled variance and Newcombe's hybrid score interval (method 10 for
unpaired proportions). Pairing needs both runs' episodes; with a summary only,
the comparison is unpaired.

Bad input (a path that is not a run, a sweep selection that matches nothing,
runs with nothing in common) ends in one line on stderr and exit status 2.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.config.overrides import RUN_KEYS, override_key
from sim.core.params import OUTCOMES, ConfigError
from sim.core.stats import wilson_interval
from sim.io import EPISODES, RUN_KEY, RunFileError, episodes_key, episodes_rows, read_episodes, read_summary


@dataclass
class Configuration:
    """One configuration to compare: its label, summary and (lazily) its per-replication outcomes."""

    label: str
    source: str
    summary: dict
    load_outcomes: Callable[[], pd.Series | None] = field(repr=False, default=lambda: None)
    _outcomes: pd.Series | None = field(default=None, repr=False)
    _loaded: bool = field(default=False, repr=False)

    @property
    def n(self) -> int:
        return int(self.summary["replications"])

    def count(self, outcome: str) -> int:
        return round(self.summary[f"p_{outcome}"] * self.n)

    def outcomes(self) -> pd.Series | None:
        if not self._loaded:
            self._outcomes, self._loaded = self.load_outcomes(), True
        return self._outcomes

    @property
    def identity(self) -> tuple:
        """What decides the random numbers of replication k: seed, block size, replications."""
        s = self.summary
        return (s.get("seed"), s.get("block_size"), s.get("replications"))


# ---------------------------------------------------------------- statistics


def newcombe_unpaired(k1: int, n1: int, k2: int, n2: int) -> tuple[float, float]:
    """95% interval for p2 - p1 from two independent samples (Newcombe 1998, method 10: hybrid Wilson score).

    statsmodels' ``confint_proportions_2indep(method="newcomb")``.
    """
    from statsmodels.stats.proportion import confint_proportions_2indep

    low, high = confint_proportions_2indep(k2, n2, k1, n1, method="newcomb", compare="diff", alpha=0.05)
    return float(low), float(high)


def two_proportion_p(k1: int, n1: int, k2: int, n2: int) -> float:
    """Two-sided p-value of the pooled two-proportion z-test of p1 = p2 (statsmodels' ``proportions_ztest``)."""
    from statsmodels.stats.proportion import proportions_ztest

    if (k1 + k2) in (0, n1 + n2):  # no variance: nothing differs
        return 1.0
    return float(proportions_ztest([k2, k1], [n2, n1])[1])


def newcombe_paired(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """95% interval for mean(y) - mean(x) from paired 0/1 outcomes (Newcombe 1998, method 10).

    statsmodels has no paired form of Newcombe's interval, so it is combined here from statsmodels'
    Wilson intervals (:func:`sim.core.stats.wilson_interval`). The Wilson intervals of the two proportions, combined with the phi
    correlation of the pairs (continuity-corrected as Newcombe specifies), so
    that the interval is tight when the pairs agree (common random numbers)
    and stays inside [-1, 1].
    """
    x, y = np.asarray(x, bool), np.asarray(y, bool)
    n = len(x)
    a = int(np.sum(x & y))
    b = int(np.sum(~x & y))  # y only
    c = int(np.sum(x & ~y))  # x only
    d = n - a - b - c
    p1, p2 = (a + b) / n, (a + c) / n  # mean(y), mean(x)
    l1, u1 = wilson_interval(a + b, n)
    l2, u2 = wilson_interval(a + c, n)
    denom = (a + b) * (c + d) * (a + c) * (b + d)
    # Newcombe's phi: the correlation of the pairs, with a continuity correction of n/2 on a positive association.
    cross = a * d - b * c
    corrected = cross - n / 2 if cross > n / 2 else (cross if cross < 0 else 0.0)
    phi = corrected / math.sqrt(denom) if denom > 0 else 0.0
    diff = p1 - p2
    delta = math.sqrt(max(0.0, (p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2))
    eps = math.sqrt(max(0.0, (u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2))
    return max(-1.0, diff - delta), min(1.0, diff + eps)


def mcnemar_p(x: np.ndarray, y: np.ndarray) -> float:
    """Two-sided p-value of McNemar's exact test (the binomial test of the discordant pairs; statsmodels' ``mcnemar``)."""
    from statsmodels.stats.contingency_tables import mcnemar

    x, y = np.asarray(x, bool), np.asarray(y, bool)
    b, c = int(np.sum(~x & y)), int(np.sum(x & ~y))
    if b + c == 0:
        return 1.0
    table = [[int(np.sum(x & y)), c], [b, int(np.sum(~x & ~y))]]
    return float(mcnemar(table, exact=True).pvalue)


def paired(first: Configuration, other: Configuration) -> bool:
    """Whether two runs share their random numbers replication by replication."""
    return first.identity == other.identity and None not in first.identity


def compare(configs: list[Configuration], test: str = "auto") -> pd.DataFrame:
    """The comparison table: one row per outcome and configuration, differences from the first."""
    if len(configs) < 2:
        raise ConfigError(f"nothing to compare: {len(configs)} configuration given, give two or more")
    missing = [c.label for c in configs if not all(f"p_{o}" in c.summary for o in OUTCOMES)]
    if missing:
        raise ConfigError(
            f"nothing in common: {', '.join(missing)} has no outcome probabilities ({', '.join(OUTCOMES)}) to compare"
        )
    first = configs[0]
    rows = []
    for outcome in OUTCOMES:
        for index, config in enumerate(configs):
            k, n = config.count(outcome), config.n
            low, high = wilson_interval(k, n)
            row = {
                "outcome": outcome,
                "index": index + 1,
                "configuration": config.label,
                "source": config.source,
                "replications": n,
                "seed": config.summary.get("seed"),
                "p": k / n,
                "p_low": low,
                "p_high": high,
                "difference": None,
                "difference_low": None,
                "difference_high": None,
                "p_value": None,
                "test": None,
            }
            if index > 0:
                row.update(difference_from(first, config, outcome, test))
            rows.append(row)
    return pd.DataFrame(rows)


def paired_outcomes(first: Configuration, other: Configuration, test: str) -> tuple[pd.Series, pd.Series] | None:
    """Both runs' per-replication outcomes when they are to be compared pair by pair (``test`` paired, or auto and
    sharing their random numbers), else None; ConfigError when ``test`` is paired and they cannot be."""
    if not (test == "paired" or (test == "auto" and paired(first, other))):
        return None
    if not paired(first, other):
        raise ConfigError(
            f"cannot pair {first.label!r} with {other.label!r}: they share no random numbers "
            f"(seed, block size, replications: {first.identity} vs {other.identity}); "
            "drop --test paired to compare them as independent samples"
        )
    xs, ys = first.outcomes(), other.outcomes()
    if xs is None or ys is None:
        if test == "paired":
            raise ConfigError(f"cannot pair {first.label!r} with {other.label!r}: their episodes.parquet is missing")
        return None
    return xs, ys


def difference_from(first: Configuration, config: Configuration, outcome: str, test: str) -> dict:
    """How ``config``'s probability of ``outcome`` differs from ``first``'s: the difference, its 95% interval, the
    p-value and the test (paired McNemar when the runs pair, else two independent proportions)."""
    pairs = paired_outcomes(first, config, test)
    if pairs is not None:
        x, y = (pairs[0] == outcome).to_numpy(), (pairs[1] == outcome).to_numpy()
        d_low, d_high = newcombe_paired(x, y)
        return dict(
            difference=float(y.mean() - x.mean()),
            difference_low=d_low,
            difference_high=d_high,
            p_value=mcnemar_p(x, y),
            test="paired (McNemar)",
        )
    k, n = config.count(outcome), config.n
    k1, n1 = first.count(outcome), first.n
    d_low, d_high = newcombe_unpaired(k1, n1, k, n)
    return dict(
        difference=k / n - k1 / n1,
        difference_low=d_low,
        difference_high=d_high,
        p_value=two_proportion_p(k1, n1, k, n),
        test="two-proportion z",
    )


# ---------------------------------------------------------------- inputs


def _outcome_loader(directory: Path, summary: dict) -> Callable[[], pd.Series | None]:
    def load() -> pd.Series | None:
        if not (directory / EPISODES).exists():
            return None
        frame = read_episodes(directory, ["replication", "outcome"]).sort_values("replication")
        outcomes = frame["outcome"].astype(str).reset_index(drop=True)
        n = len(outcomes)
        for outcome in OUTCOMES:  # the episodes must give the summary's own odds
            if round(summary[f"p_{outcome}"] * n) != int((outcomes == outcome).sum()):
                raise RunFileError(
                    f"{directory / EPISODES} does not belong to {directory / 'summary.json'}: its P({outcome}) is "
                    f"{(outcomes == outcome).mean():.1%}, the summary says {summary[f'p_{outcome}']:.1%}: "
                    "keep each run's two files together (run it again)"
                )
        return outcomes

    return load


def check_run_files(directory: Path, summary: dict) -> None:
    """A run's ``summary.json`` well formed and its ``episodes.parquet`` its own (the run key written in both)."""
    path = directory / "summary.json"
    for key in ("replications", *(f"p_{o}" for o in OUTCOMES)):  # a missing one: compare() says nothing is in common
        if key not in summary:
            return
        value = summary[key]
        number = isinstance(value, int | float) and not isinstance(value, bool)
        good = isinstance(value, int) and number and value >= 1 if key == "replications" else number and 0.0 <= value <= 1.0
        if not good:
            raise RunFileError(f"{path} is damaged ({key} = {value!r}): run the command that made it again")
    episodes = directory / EPISODES
    if not episodes.exists():
        return
    rows, key = episodes_rows(episodes), episodes_key(episodes)
    if rows != summary["replications"]:
        raise RunFileError(
            f"{episodes} does not belong to {path}: {rows:,} episodes for a summary of {summary['replications']:,} "
            "replications: keep each run's two files together (run it again)"
        )
    if key is None and summary.get(RUN_KEY) is None:  # files written before run keys: the odds must agree
        _outcome_loader(directory, summary)()
    elif key != summary.get(RUN_KEY):
        raise RunFileError(
            f"{episodes} does not belong to {path} (run key {key} in the episodes, {summary.get(RUN_KEY)} in the summary): "
            "keep each run's two files together (run it again)"
        )


def _overrides_label(directory: Path) -> str | None:
    path = directory / ".hydra" / "overrides.yaml"
    if not path.exists():
        return None
    from omegaconf import OmegaConf

    items = [str(o) for o in OmegaConf.load(path)]
    shown = [o for o in items if override_key(o) not in RUN_KEYS and not o.startswith("hydra")]
    return " ".join(shown) if shown else None


def from_run_dir(directory: Path) -> Configuration:
    summary = read_summary(directory)
    check_run_files(directory, summary)
    label = _overrides_label(directory) or summary.get("scenario") or directory.name
    return Configuration(label, str(directory), summary, _outcome_loader(directory, summary))


def _matches(value, wanted: str) -> bool:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return wanted.lower() in ("null", "none", "")
    try:
        return math.isclose(float(value), float(wanted), rel_tol=1e-9, abs_tol=1e-12)
    except (TypeError, ValueError):
        return str(value).lower() == wanted.lower()


def from_sweep(root: Path, selector: str | None) -> list[Configuration]:
    from sim.sweep.table import load_table, read_manifest, read_rows

    table = load_table(root)
    params = read_manifest(root).get("swept") or list(
        dict.fromkeys(p for row in read_rows(root) for p in row.get("params", []) if p not in RUN_KEYS)
    )
    params = [p for p in params if p in table.columns]
    varying = [p for p in params if table[p].astype(str).nunique() > 1] or params
    if table.empty:
        raise ConfigError(f"{root}: the sweep table has no rows yet")
    if selector:
        if selector.isdigit():
            table = table[table["job"] == int(selector)]
        else:
            for item in selector.split(","):
                key, sep, wanted = item.partition("=")
                if not sep:
                    raise ConfigError(f"{root}@{selector}: select rows as @JOB or @column=value[,column=value]")
                if key not in table.columns:
                    from sim.config.compose import suggest

                    raise ConfigError(f"{root}@{selector}: the sweep table has no column {key!r}, {suggest(key, table.columns)}")
                table = table[[_matches(v, wanted) for v in table[key]]]
        if table.empty:
            raise ConfigError(f"{root}@{selector}: no job of the sweep matches")
    failed = table[table["status"] != "ok"]
    table = table[table["status"] == "ok"]
    if table.empty:
        raise ConfigError(
            f"{root}{'@' + selector if selector else ''}: every selected job failed "
            f"({failed['error'].iloc[0] if len(failed) else 'no finished job'})"
        )
    configs = []
    for _, row in table.iterrows():
        directory = root / str(row["job_dir"])
        if not (directory / "summary.json").exists():
            raise ConfigError(f"{root}: job {row['job']}'s directory {directory} has no summary.json")
        config = from_run_dir(directory)
        config.label = " ".join(f"{c}={row[c]}" for c in varying) or f"job {row['job']}"
        config.source = f"{root}@{row['job']}"
        configs.append(config)
    return configs


def compose_spec(spec: str, settings: list[str]):
    """``"NAME key=value ..."`` composed with ``settings``: (name, overrides, config, scenario); ConfigError if bad.

    Called for every configuration before any is run (:func:`check_specs`), so a
    bad override in the last one is one line at once, not after the others ran.
    """
    from sim.config.compose import compose, scenario_from_config
    from sim.config.overrides import check_settings, override_value, without_search_path

    parts = spec.split()
    name, overrides = parts[0], parts[1:]
    if name.startswith("scenario="):
        name = override_value(name)
    if "=" in name or name.startswith("~"):  # only overrides: the baseline with them
        name, overrides = "baseline", parts
    full = [*settings, f"scenario={name}", *overrides]
    cfg = compose(full)
    check_settings(cfg)
    return name, overrides, cfg, scenario_from_config(cfg, without_search_path(full))


def check_specs(specs: list[str], settings: list[str]) -> None:
    """Compose every configuration to be run now (not run folders or sweeps); ConfigError (one line) if one is bad."""
    for spec in specs:
        if not Path(spec.split("@", 1)[0]).is_dir() and not ("/" in spec and not spec.split()[0].count("=")):
            compose_spec(spec, settings)


def from_scenario(spec: str, settings: list[str], out: Path) -> Configuration:
    """Run ``"NAME key=value ..."`` now with the shared ``settings`` (``replications=N``, ``seed=S``, search path).

    Its files go to ``out/runs/<label>``; the run is composed as ``muscat-sim`` composes it, so a user's
    scenario found through ``hydra.searchpath`` (``--config-dir``) works too.
    """
    from sim.config.layout import label
    from sim.core.runner import simulate
    from sim.io import write_results

    name, overrides, cfg, scenario = compose_spec(spec, settings)
    replications, seed, block_size = int(cfg.replications), int(cfg.seed), int(cfg.block_size)
    if (cfg.get("posterior") or {}).get("file"):  # history-weighted behaviour (posterior=history)
        from omegaconf import OmegaConf

        from sim.analysis.odds import posterior_for, simulate_posterior
        from sim.config.posterior import resample

        data = OmegaConf.to_container(cfg, resolve=True)
        post, _, _ = posterior_for(data, data["posterior"]["file"])
        aliases = {k: str(a["name"]) for k, a in (data.get("actors") or {}).items() if a}
        results = simulate_posterior(
            scenario, lambda n, rng: resample(post, n, rng), replications, seed, aliases=aliases, block_size=block_size
        )
    else:
        results = simulate(scenario, replications, seed, block_size=block_size, workers=int(cfg.workers))
    directory = out / "runs" / label(name, overrides)  # a label (sim.config.layout), never a path
    write_results(results, directory)
    return Configuration(
        spec, f"run now: {spec}", results.summary, lambda: results.episodes["outcome"].astype(str).reset_index(drop=True)
    )


def resolve(arg: str, settings: list[str], out: Path) -> list[Configuration]:
    """The configurations one command-line argument stands for (``settings``: the shared run settings)."""
    path_text, _, selector = arg.partition("@") if "@" in arg and Path(arg.split("@", 1)[0]).is_dir() else (arg, "", "")
    path = Path(path_text)
    if path.is_dir():
        if (path / "sweep_rows.jsonl").exists() or (path / "sweep.parquet").exists():
            return from_sweep(path, selector or None)
        if (path / "summary.json").exists():
            return [from_run_dir(path)]
        raise ConfigError(f"{arg}: a directory with neither a run (summary.json) nor a sweep table (sweep.parquet)")
    if "/" in arg and not arg.split()[0].count("="):
        raise ConfigError(f"{arg}: no such run directory or sweep")
    return [from_scenario(arg, settings, out)]


def label_of(specs: list[str]) -> str:
    """A folder label for a comparison: each run's scenario label (a run folder's parent), joined by ``+vs+``."""
    from sim.config.layout import label

    names = []
    for spec in specs:
        path = Path(spec.split("@", 1)[0])
        if path.is_dir():
            names.append(path.parent.name if (path / "summary.json").exists() else path.name)
        else:
            parts = spec.split()
            scenario = parts[0].removeprefix("scenario=") if "=" not in parts[0] or parts[0].startswith("scenario=") else ""
            names.append(label(scenario or "baseline", parts[1:] if scenario else parts))
    return "_vs_".join(names)
