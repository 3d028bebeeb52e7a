"""Odds under uncertainty: ``muscat-sim explore [scenario=NAME] [uncertainty=NAME] [KEY=VALUE ...] [options]``.

Composes the configuration like ``muscat-sim`` (``uncertainty=assumptions``
unless another is given), draws every parameter that has a range per
replication, runs the replications and writes into the run folder
(``outputs/explore/<label>/<time>-<id>`` or ``--out``): ``summary.json``,
``indices.csv``, ``boxes.csv``, ``vectors.csv``, ``draws.parquet`` and the
figures ``indices.png``, ``spread.png``, ``prim.png``. See
:mod:`sim.analysis.explore` for the designs and the estimators.

A parameter whose value the scenario (or a KEY=VALUE override) changes from
the default configuration is that scenario's premise: it stays at its value
unless the command line gives it a range of its own (``uncertainty.<path>=...``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from omegaconf import DictConfig, OmegaConf

from sim.cli import budget, faults
from sim.cli.common import EXIT_BAD_INPUT, print_box
from sim.config.overrides import override_key, override_value
from sim.core.params import ConfigError, Scenario

if TYPE_CHECKING:
    from sim.analysis.explore import Design

DEFAULT_PER_VECTOR = 200
MAX_VECTORS = 2000


def default_vectors(replications: int, per_vector: int) -> int:
    """K for R replications: at most 2000 vectors and at most 40% of the replications in the two-level design."""
    return max(0, min(MAX_VECTORS, (2 * replications) // (5 * per_vector)))


def specs_for(cfg, overrides: list[str], scenario) -> tuple[dict, dict, dict]:
    """The distributions to draw, the actor aliases, and notes (held by the scenario, dropped)."""
    from sim.config.compose import compose
    from sim.config.uncertainty import parameters
    from sim.core.uncertainty import parse_specs

    data = OmegaConf.to_container(cfg, resolve=True)
    specs = parse_specs({k: v for k, v in (data.get("uncertainty") or {}).items()}, prefix="")
    aliases = {key: actor["name"] for key, actor in (data.get("actors") or {}).items() if actor}
    values = parameters(data)
    default = parameters(OmegaConf.to_container(compose(["scenario=baseline"]), resolve=True))
    explicit = {
        override_key(o).removeprefix("uncertainty.")
        for o in overrides
        if not o.startswith("~") and override_key(o).startswith("uncertainty.")
    }
    held, dropped = {}, {}
    for path in list(specs):
        explicit_range = any(path == e or path.startswith(e + ".") for e in explicit)
        if path not in values and explicit_range:
            known = sorted({".".join(v.split(".")[:2]) for v in values if v.startswith(path.split(".")[0])})
            raise ConfigError(
                f"uncertainty.{path}: this configuration has no such parameter (under "
                f"{path.split('.')[0]}: {', '.join(known[:12])})"
            )
        if path not in values:
            dropped[path] = "not a parameter of this configuration (an actor or event it does not have)"
            del specs[path]
        elif not explicit_range and path in default and values[path][0] != default[path][0]:
            held[path] = values[path][0]
            del specs[path]
        elif not specs[path].low <= values[path][0] <= specs[path].high and not explicit_range:
            raise ConfigError(
                f"uncertainty.{path}: the range {specs[path].describe()} does not contain the "
                f"configured value {values[path][0]:g}: widen it or set the value inside it"
            )
    notes = {"held_by_scenario": held, "dropped": dropped}
    return specs, aliases, notes


def notes_choice(overrides: list[str]) -> str:
    """The uncertainty group chosen on the command line (assumptions unless another was given)."""
    chosen = (override_value(o) for o in overrides if "=" in o and not o.startswith("~") and override_key(o) == "uncertainty")
    return next(chosen, "assumptions")


def print_report(ex, an, out: Path) -> None:
    from sim.analysis.explore import chosen_boxes, top_parameters

    d = ex.design
    print(
        f"Exploration of {ex.scenario.name}: {d.replications:,} replications, seed {d.seed}, "
        f"{len(d.uncertain)} uncertain parameters ({ex.elapsed_s:.0f} s of simulation, "
        f"{d.replications / max(ex.elapsed_s, 1e-9):,.0f} episodes/s)"
    )
    print(
        f"  episode design: {d.episodes:,} replications, each its own parameter vector; two-level design: "
        f"{d.vectors:,} vectors x {d.per_vector} replications\n"
    )
    print(f"{'outcome':<12} {'P (marginal over assumptions)':>30} {'5%':>7} {'50%':>7} {'95%':>7}   across assumptions")
    for o, (p, h) in an.marginal.items():
        s = an.spread.get(o, {})
        pct = "".join(f"{100 * s[q]:>6.1f}%" if q in s else f"{'-':>7}" for q in ("p5", "p50", "p95"))
        print(f"{o:<12} {100 * p:>21.1f}% ± {100 * h:.2f} {pct}")
    for o in ("deal", "escalation"):
        if o not in an.marginal:
            continue
        s = an.spread.get(o, {})
        print(
            f"\nP({o}): what the assumptions explain (top 10 first-order indices; noise floor "
            f"{an.noise_floor[o]:.1e}, dummy {an.dummy[o]:+.1e})"
        )
        if s:
            print(
                f"  share of Var(outcome) explained by the assumptions together: {s['share_explained']:.3f}; "
                f"sum of first-order indices: {s['sum_s1']:.3f}"
            )
        for _, r in top_parameters(an.indices, o).iterrows():
            print(
                f"  {r['parameter']:<46} S1 {r['s1']:.4f} ± {r['s1_se']:.4f}   RBD-FAST {r['rbd_fast']:.4f}   {r['distribution']}"
            )
    boxes = chosen_boxes(an.boxes)
    for _, b in boxes.iterrows():
        print_box(f"PRIM box for '{b['target']}' ({100 * b['share_of_vectors']:.0f}% of vectors)", b)
        if isinstance(b.get("significant_limits"), str) and b["significant_limits"]:
            print(
                f"  restrictions with quasi-p < 0.05 alone: coverage {b['significant_coverage']:.2f}, density "
                f"{b['significant_density']:.2f}: {b['significant_limits']}"
            )
    print(f"\nWrote {out}/summary.json, indices.csv, boxes.csv, vectors.csv, draws.parquet and figures")


EPILOG = """\
Examples:
  muscat-sim explore replications=20000
  muscat-sim explore scenario=nuclear_only replications=20000 seed=3 --rbd 20000
  muscat-sim explore scenario=mine --config-dir my_configs replications=20000
"""


def build_parser():
    from sim.cli.common import OVERRIDES_HELP, CommandParser

    parser = CommandParser("explore", "Odds under uncertainty: every assumption drawn per replication.", EPILOG)
    parser.add_overrides(OVERRIDES_HELP + "; uncertainty=NAME picks the ranges (default assumptions)")
    parser.add_argument(
        "--vectors", type=int, default=None, help="parameter vectors K of the two-level design (default: up to 2000)"
    )
    parser.add_argument("--per-vector", type=int, default=DEFAULT_PER_VECTOR, help="replications M per vector (default 200)")
    parser.add_argument("--rbd", type=int, default=100_000, help="episodes of the RBD-FAST cross-check (default 100000)")
    parser.add_argument("--no-draws", action="store_true", help="do not write draws.parquet")
    parser.add_argument("--out", default=None, help="the run folder (default outputs/explore/<label>/<time>-<id>)")
    return parser


class _Setup(NamedTuple):
    """An exploration's inputs, checked: its overrides, config, scenario, ranges and design, and its folder."""

    overrides: list[str]
    cfg: DictConfig
    scenario: Scenario
    aliases: dict
    notes: dict
    design: Design
    out: Path


def _prepare(args) -> _Setup:
    """The command line checked and composed, the design laid out; ConfigError before anything is computed."""
    from sim.analysis.explore import Design
    from sim.cli.common import user_overrides
    from sim.config.compose import compose, scenario_from_config
    from sim.config.overrides import check_settings, without_search_path

    overrides = list(args.overrides)
    if not any(o.lstrip("+").startswith("uncertainty=") for o in overrides):
        overrides.insert(0, "uncertainty=assumptions")
    overrides = user_overrides(overrides, args.config_dir)
    cfg = compose(overrides)
    overrides = without_search_path(overrides)
    check_settings(cfg, lowest_replications=2)
    scenario = scenario_from_config(cfg, overrides)
    specs, aliases, notes = specs_for(cfg, overrides, scenario)
    if args.per_vector < 2:
        raise ConfigError(f"--per-vector {args.per_vector}: use a whole number >= 2")
    vectors = default_vectors(cfg.replications, args.per_vector) if args.vectors is None else args.vectors
    if vectors < 0 or vectors * args.per_vector >= cfg.replications:
        raise ConfigError(
            f"--vectors {vectors} x --per-vector {args.per_vector} leaves no replication for the "
            f"episode design of {cfg.replications}: lower them or raise replications"
        )
    design = Design(specs, int(cfg.seed), int(cfg.replications), vectors, args.per_vector)
    from sim.cli.common import output_root
    from sim.config.layout import run_folder, scenario_of

    shown = [o for o in overrides if o != "uncertainty=assumptions"]
    out = Path(args.out or run_folder("explore", scenario_of(overrides), shown, root=output_root(overrides)))
    faults.check_writable(out, keep=False, what="the exploration to", setting="--out DIR")  # before anything is computed
    budget.guard_size(scenario, int(cfg.replications), int(cfg.block_size), out, episodes=not args.no_draws)
    return _Setup(overrides, cfg, scenario, aliases, notes, design, out)


def main(argv: list[str] | None = None) -> int:
    from sim.cli.common import quiet_mesa

    args = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    quiet_mesa()
    from sim.analysis.explore import analyse, explore, write

    try:
        overrides, cfg, scenario, aliases, notes, design, out = _prepare(args)
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    try:
        ex = explore(scenario, design, block_size=int(cfg.block_size), workers=int(cfg.workers), aliases=aliases)
    except ConfigError as exc:
        print(f"error: with the ranges of uncertainty={notes_choice(overrides)}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    from sim.analysis.explore import start_writing_draws

    writer = None if args.no_draws else start_writing_draws(ex, out)  # beside the analysis, on the other core
    an = analyse(ex, rbd_n=args.rbd, seed=int(cfg.seed))
    notes["uncertainty"] = notes_choice(overrides)
    notes["overrides"] = overrides
    write(ex, an, out, draws=False, notes=notes)
    if writer is not None:
        writer.join()
    print_report(ex, an, out)
    if notes["held_by_scenario"]:
        print(f"Held at the scenario's values: {', '.join(notes['held_by_scenario'])}")
    return 0
