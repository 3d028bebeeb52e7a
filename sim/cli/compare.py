"""``muscat-sim compare``: compare configurations (runs, sweep rows or scenarios run now)."""

from __future__ import annotations

from pathlib import Path

from sim.analysis.compare import check_specs, compare, resolve
from sim.analysis.compare_output import format_table, write_outputs
from sim.cli import budget, faults
from sim.cli.common import OVERRIDES_HELP, RUN_SETTINGS, CommandParser, fail, output_root, quiet_mesa, user_overrides
from sim.core.params import ConfigError

EPILOG = """\
Examples:
  muscat-sim compare baseline nuclear_only replications=2000
  muscat-sim compare baseline "baseline ~actors.israel" replications=2000 seed=3
  muscat-sim compare baseline mine --config-dir my_configs replications=2000

A RUN is a run folder (outputs/run/...), a sweep root (multirun/NAME; NAME@JOB or NAME@col=value selects rows)
or a scenario with overrides in one quoted argument, run now. Arguments KEY=VALUE of a run setting
(replications, seed, block_size, workers) or hydra.searchpath apply to every scenario run now; one seed for
all, so their replications pair (common random numbers).
"""


def split_arguments(arguments: list[str]) -> tuple[list[str], list[str]]:
    """(RUN specs, shared settings): ``replications=N``, ``seed=S`` ..., ``hydra.searchpath`` and ``output_root`` are settings."""
    from sim.config.overrides import override_key

    runs, settings = [], []
    for arg in arguments:
        single = " " not in arg.strip() and "=" in arg
        if single and (override_key(arg) in RUN_SETTINGS or override_key(arg) in ("hydra.searchpath", "output_root")):
            settings.append(arg)
        else:
            runs.append(arg)
    return runs, settings


def main(argv: list[str] | None = None) -> int:
    parser = CommandParser(
        "compare",
        "Compare configurations: odds with 95% intervals, differences from the first with their 95% intervals, "
        "paired tests under common random numbers.",
        EPILOG,
    )
    parser.add_argument("runs", nargs="+", metavar="RUN", help="run folders, sweeps or scenarios (see below); " + OVERRIDES_HELP)
    parser.add_argument(
        "--test",
        choices=("auto", "paired", "unpaired"),
        default="auto",
        help="auto: paired where runs share seed, block size and replications (default)",
    )
    parser.add_argument(
        "--out", type=Path, default=None, help="the folder for comparison.csv and comparison.png (default outputs/compare/...)"
    )
    args = parser.parse_args(argv)
    quiet_mesa()
    try:
        specs, settings = split_arguments(args.runs)
        settings = user_overrides(settings, args.config_dir, {"replications": 10_000, "seed": 0, "block_size": 10_000})
        from sim.analysis.compare import label_of
        from sim.config.layout import label, stamp

        out = args.out or Path(output_root(settings)) / "compare" / label(label_of(specs)) / stamp()
        faults.check_writable(out, keep=False, what="the comparison to", setting="--out DIR")  # before anything is computed
        check_specs(specs, settings)  # every configuration composed before any is run
        _guard(specs, settings, out)
        configs = [c for arg in specs for c in resolve(arg, settings, out)]
        table = compare(configs, args.test)
    except (ConfigError, OSError, ValueError, KeyError) as exc:
        fail(str(exc) or type(exc).__name__)
    pairs = table["test"].dropna()
    how = ", ".join(sorted(set(pairs)))
    print(
        f"Comparing {len(configs)} configurations with [1] {configs[0].label} ({how}; differences in "
        f"percentage points, 95% intervals)\n"
    )
    print(format_table(table))
    paths = write_outputs(table, configs, out)
    print(f"\nWrote {paths['csv']} and {paths['png'].name}")
    return 0


def _guard(specs: list[str], settings: list[str], out: Path) -> None:
    """The size guard for the scenarios run now (measured on the first of them; the others are alike)."""
    from sim.config.compose import known_scenarios, load_scenario
    from sim.config.overrides import override_key, override_value

    def setting(key: str) -> int | None:
        value = next((override_value(o) for o in reversed(settings) if override_key(o) == key), None)
        return int(value) if value is not None and value.strip().isdigit() else None  # else check_settings says so

    replications, block_size = setting("replications"), setting("block_size")
    now = [a for a in specs if not Path(a.split("@", 1)[0]).is_dir()]
    if not now or replications is None or not block_size or not budget.needs_guard(replications, block_size):
        return
    name = now[0].split()[0].removeprefix("scenario=")
    scenario = load_scenario(name if name in known_scenarios() else "baseline")
    budget.guard_size(scenario, replications, block_size, out, runs=len(now), what="replications", episodes=True)
