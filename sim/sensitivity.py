"""Which assumptions move the odds, and by how much: one-at-a-time sensitivity with common random numbers.

    python -m sim.sensitivity [SCENARIO] [KEY=VALUE ...] [--replications N] [--seed S]
                              [--delta D] [--absolute] [--outcome deal|escalation|stalemate]
                              [--assumptions-only] [--top K] [--out DIR]

Every numeric parameter of the scenario (actors, world, event hazards, the
horizon) is moved down and up by ``delta`` of its value (20% by default; with
``--absolute``, by ``delta`` itself), kept inside its range, while all the
others keep their values. Each variant runs with the scenario's seed, so
replication k of every variant meets the same shocks as replication k of the
unchanged scenario (common random numbers), and the change in each outcome's
probability is a paired difference with a tight 95% interval. The table is
sorted by how far the parameter moves P(outcome) over its two settings; each
row says where the parameter's value comes from (its provenance), so the
assumptions that decide an answer stand out.

Writes ``sensitivity.csv`` (every parameter, both settings, all three
outcomes) and ``sensitivity.png`` (a tornado chart) into ``--out`` (default
``outputs/sensitivity/<scenario>_<time>``).
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim import schema
from sim.params import OUTCOMES, ConfigError, Scenario
from sim.stats import Z95, paired_difference

EXIT_BAD_INPUT = 2
SKIP_FIELDS = {"name", "role", "target", "provenance", "force_cause", "strike_cause"}


@dataclass(frozen=True)
class Knob:
    """One numeric parameter that can be moved: its override key, where it sits in the Scenario, its range."""

    key: str  # the command-line override that sets it, e.g. actors.us.war_cost
    group: str  # "principals", "mediators", "spoilers", "stakeholders", "world", "events", "scenario"
    index: int  # position in that group (-1 for world and scenario)
    field: str
    subkey: str | None  # for dict fields (pressure sensitivities)
    value: float
    range: str  # "[0, 1]", "[-1, 1]" or another text: moved relatively
    provenance: str


def _schema_ranges() -> dict[tuple[str, str], str]:
    ranges = {}
    for role, cls in schema.ROLE_SCHEMAS.items():
        for f in dataclasses.fields(cls):
            ranges[(role, f.name)] = f.metadata.get("range", "")
    for f in dataclasses.fields(schema.WorldSchema):
        ranges[("world", f.name)] = f.metadata.get("range", "")
    return ranges


def knobs(scenario: Scenario, cfg) -> list[Knob]:
    """Every numeric parameter of ``scenario``, named by its override key in the composed ``cfg``."""
    ranges = _schema_ranges()
    found: list[Knob] = []
    groups = {"principal": "principals", "mediator": "mediators", "spoiler": "spoilers", "stakeholder": "stakeholders"}
    for key, actor in (cfg.get("actors") or {}).items():
        if actor is None:
            continue
        group = groups[actor.role]
        index = [a.name for a in getattr(scenario, group)].index(actor.name)
        params = getattr(scenario, group)[index]
        provenance = actor.get("provenance") or {}
        for f in dataclasses.fields(params):
            value = getattr(params, f.name)
            source = str(provenance.get(f.name, ""))
            if f.name in SKIP_FIELDS:
                continue
            if isinstance(value, dict) and f.name == "pressure":  # a principal's sensitivities to the world
                for var, sens in value.items():
                    found.append(Knob(f"actors.{key}.pressure.{var}", group, index, "pressure", var, float(sens),
                                      schema.SIGNED, source))
            elif isinstance(value, int | float) and not isinstance(value, bool):
                found.append(Knob(f"actors.{key}.{f.name}", group, index, f.name, None, float(value),
                                  ranges.get((actor.role, f.name), ""), source))
    world_prov = cfg.world.get("provenance") or {}
    for f in dataclasses.fields(scenario.world):
        found.append(Knob(f"world.{f.name}", "world", -1, f.name, None, float(getattr(scenario.world, f.name)),
                          ranges.get(("world", f.name), ""), str(world_prov.get(f.name, ""))))
    for i, event in enumerate(scenario.events):
        source = str(cfg.events.events[i].get("source", ""))
        found.append(Knob(f"events.events.{i}.hazard", "events", i, "hazard", None, event.hazard, schema.UNIT,
                          source))
    found.append(Knob("max_rounds", "scenario", -1, "max_rounds", None, float(scenario.max_rounds), "",
                      str((cfg.get("provenance") or {}).get("max_rounds", ""))))
    return found


def settings(knob: Knob, delta: float, relative: bool = True) -> tuple[float, float]:
    """The low and high values of a knob.

    Relative (the default): value x (1 -+ delta), a local elasticity that
    treats small rates and large weights alike; a parameter at 0 stays there.
    Absolute: value -+ delta. Either way the values stay inside the
    parameter's range ([0, 1] or [-1, 1]); the horizon is rounded to whole
    rounds.
    """
    if relative:
        low, high = sorted((knob.value * (1 - delta), knob.value * (1 + delta)))
    else:
        low, high = knob.value - delta, knob.value + delta
    if knob.range in (schema.UNIT, schema.SIGNED):
        floor = 0.0 if knob.range == schema.UNIT else -1.0
        low, high = min(max(floor, low), 1.0), min(max(floor, high), 1.0)
    if isinstance(knob.value, int):  # whole rounds: the horizon, a deadline, an extension
        floor = 1.0 if knob.field == "max_rounds" else 0.0
        low, high = max(floor, float(round(low))), max(floor, float(round(high)))
    return low, high


def with_value(scenario: Scenario, knob: Knob, value: float) -> Scenario:
    """A copy of ``scenario`` with one knob set to ``value``."""
    value = int(value) if isinstance(knob.value, int) else float(value)
    if knob.group == "scenario":
        return dataclasses.replace(scenario, **{knob.field: value})
    if knob.group == "world":
        return dataclasses.replace(scenario, world=dataclasses.replace(scenario.world, **{knob.field: value}))
    items = list(getattr(scenario, knob.group))
    item = items[knob.index]
    if knob.subkey is not None:
        new = dataclasses.replace(item, **{knob.field: {**getattr(item, knob.field), knob.subkey: value}})
    else:
        new = dataclasses.replace(item, **{knob.field: value})
    items[knob.index] = new
    return dataclasses.replace(scenario, **{knob.group: tuple(items)})


def kind_of(provenance: str) -> str:
    """'assumption' when the provenance says so (even in part), else 'sourced', or 'none'."""
    if not provenance:
        return "none"
    return "assumption" if "assumption" in provenance.lower() else "sourced"


def sensitivity(scenario: Scenario, cfg, *, replications: int, seed: int, delta: float, relative: bool = True,
                assumptions_only: bool = False) -> tuple[pd.DataFrame, dict]:
    """Run every knob at its two settings; return the table and the unchanged run's summary."""
    from sim.runner import simulate

    base = simulate(scenario, replications, seed)
    base_hits = {o: (base.episodes["outcome"] == o).to_numpy() for o in OUTCOMES}
    rows = []
    for knob in knobs(scenario, cfg):
        if assumptions_only and kind_of(knob.provenance) != "assumption":
            continue
        low, high = settings(knob, delta, relative)
        row = {"parameter": knob.key, "provenance": kind_of(knob.provenance), "source": knob.provenance,
               "value": knob.value, "low": low, "high": high}
        for side, value in (("low", low), ("high", high)):
            if value == knob.value:
                for o in OUTCOMES:
                    row[f"p_{o}_{side}"] = base.summary[f"p_{o}"]
                    row[f"d_{o}_{side}"], row[f"d_{o}_{side}_ci"] = 0.0, 0.0
                continue
            try:
                variant = with_value(scenario, knob, value).validate()
            except ConfigError as exc:  # e.g. an ideal point pushed outside its red line
                row[f"note_{side}"] = str(exc)
                for o in OUTCOMES:
                    row[f"p_{o}_{side}"] = np.nan
                    row[f"d_{o}_{side}"] = row[f"d_{o}_{side}_ci"] = np.nan
                continue
            episodes = simulate(variant, replications, seed).episodes
            for o in OUTCOMES:
                hits = (episodes["outcome"] == o).to_numpy()
                diff, se = paired_difference(base_hits[o], hits)
                row[f"p_{o}_{side}"] = float(hits.mean())
                row[f"d_{o}_{side}"], row[f"d_{o}_{side}_ci"] = diff, Z95 * se
        rows.append(row)
    table = pd.DataFrame(rows)
    for o in OUTCOMES:
        table[f"swing_{o}"] = (table[f"p_{o}_high"] - table[f"p_{o}_low"]).abs()
    return table, base.summary


def tornado_table(table: pd.DataFrame, top: int) -> pd.DataFrame:
    """The long table plots.drivers reads: one row per parameter setting (low, unchanged, high)."""
    rows = []
    for _, r in table.head(top).iterrows():
        for side in ("low", "high"):
            if not np.isnan(r[f"p_escalation_{side}"]):
                rows.append({"parameter": r["parameter"], "value": r[side],
                             **{f"p_{o}": r[f"p_{o}_{side}"] for o in OUTCOMES}})
    return pd.DataFrame(rows)


def format_table(table: pd.DataFrame, outcome: str, top: int) -> str:
    lines = [f"{'parameter':<40} {'provenance':<11} {'low':>7} {'value':>7} {'high':>7}   "
             f"{'change in P(' + outcome + ') at low':>26} {'at high':>18}"]
    def change(row, side: str) -> str:
        d, ci = row[f"d_{outcome}_{side}"], row[f"d_{outcome}_{side}_ci"]
        return "invalid" if np.isnan(d) else f"{100 * d:+.1f} ± {100 * ci:.1f} pts"

    for _, r in table.head(top).iterrows():
        lines.append(f"{r['parameter']:<40} {r['provenance']:<11} {r['low']:>7.3g} {r['value']:>7.3g} "
                     f"{r['high']:>7.3g}   {change(r, 'low'):>26} {change(r, 'high'):>18}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from sim.config import compose, known_scenarios, scenario_from_config

    parser = argparse.ArgumentParser(prog="python -m sim.sensitivity",
                                     description="Which assumptions move the odds: one-at-a-time sensitivity.")
    parser.add_argument("scenario", nargs="?", default="baseline")
    parser.add_argument("overrides", nargs="*", help="KEY=VALUE changes to the scenario, as for python -m sim")
    parser.add_argument("--replications", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--delta", type=float, default=0.2,
                        help="how far to move each parameter: by this share of its value (default 0.2, i.e. -/+20%%)")
    parser.add_argument("--absolute", action="store_true", help="move each parameter by delta itself, not by a share")
    parser.add_argument("--outcome", default="escalation", help="the outcome to sort by: deal, escalation, stalemate")
    parser.add_argument("--assumptions-only", action="store_true", help="only parameters whose provenance says assumption")
    parser.add_argument("--top", type=int, default=15, help="rows to print and to draw (default 15)")
    parser.add_argument("--out", default=None, help="directory for sensitivity.csv and sensitivity.png")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    logging.getLogger("MESA").setLevel(logging.WARNING)
    try:
        if "=" in args.scenario:  # only overrides were given
            args.overrides.insert(0, args.scenario)
            args.scenario = "baseline"
        if args.scenario not in known_scenarios():
            raise ConfigError(f"unknown scenario {args.scenario!r}: known scenarios are {', '.join(known_scenarios())}")
        if args.outcome not in OUTCOMES:
            raise ConfigError(f"--outcome {args.outcome!r}: use one of {', '.join(OUTCOMES)}")
        if not 0.0 < args.delta < 1.0:
            raise ConfigError(f"--delta {args.delta}: use a number between 0 and 1, e.g. --delta 0.1")
        for name, value, low in (("--replications", args.replications, 2), ("--seed", args.seed, 0),
                                 ("--top", args.top, 1)):
            if value < low:
                raise ConfigError(f"{name} {value}: use a whole number >= {low}")
        overrides = [f"scenario={args.scenario}", *args.overrides]
        cfg = compose(overrides)
        scenario = scenario_from_config(cfg, overrides)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    start = time.perf_counter()
    table, base = sensitivity(scenario, cfg, replications=args.replications, seed=args.seed, delta=args.delta,
                              relative=not args.absolute, assumptions_only=args.assumptions_only)
    table = table.sort_values(f"swing_{args.outcome}", ascending=False).reset_index(drop=True)
    out = Path(args.out or Path("outputs") / "sensitivity" / f"{args.scenario}_{time.strftime('%Y-%m-%d_%H-%M-%S')}")
    out.mkdir(parents=True, exist_ok=True)
    table.to_csv(out / "sensitivity.csv", index=False)
    from sim.plots import drivers

    step = f"-/+ {args.delta:g}" if args.absolute else f"-/+ {100 * args.delta:g}%"
    fig = drivers(tornado_table(table, args.top), outcome=args.outcome, baseline=base[f"p_{args.outcome}"],
                  title=f"{args.scenario}: what moves P({args.outcome}) (each parameter {step})")
    fig.savefig(out / "sensitivity.png", dpi=120)
    print(f"Sensitivity of {args.scenario}: {len(table)} parameters moved {step} one at a time, "
          f"{args.replications:,} replications each, seed {args.seed} (common random numbers; "
          f"{time.perf_counter() - start:.0f} s)")
    print(f"P({args.outcome}) unchanged: {100 * base[f'p_{args.outcome}']:.1f}%\n")
    print(format_table(table, args.outcome, args.top))
    print(f"\nWrote {out / 'sensitivity.csv'} and sensitivity.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
