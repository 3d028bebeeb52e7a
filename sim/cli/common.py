"""What every command shares: the exit codes, ``fail()``, quiet logging and the entry tail.

Exit codes: 1 the run failed (the machine: disk full, I/O error; or jobs of a sweep), 2 bad input, 130 interrupted
(Ctrl-C), 143 terminated (SIGTERM).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from sim.core.params import ConfigError

EXIT_FAULT = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report Ctrl-C
EXIT_TERMINATED = 143  # 128 + SIGTERM (kill, a scheduler's time limit)


def fail(message: str) -> NoReturn:
    """End the command with one line on stderr and exit status 2 (bad input)."""
    text = " ".join(str(message).split()) or "bad input"
    print(f"error: {text}", file=sys.stderr)
    raise SystemExit(EXIT_BAD_INPUT)


def quiet_mesa() -> None:
    """Keep Mesa's per-step INFO log lines out of the console and the job logs."""
    logging.getLogger("MESA").setLevel(logging.WARNING)


def run_command(main: Callable[[], int | None]) -> NoReturn:
    """Run a command's ``main()`` as a program: its return value is the exit status; piping into ``head`` is quiet."""
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:  # output piped into `head` and the like: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 0
    except KeyboardInterrupt:  # Ctrl-C in a command that does not say more itself (a run says what it kept)
        print("interrupted: the results were not written (run the same command again)", file=sys.stderr)
        code = EXIT_INTERRUPTED
    except MemoryError:  # the machine's fault (exit 1), in one line
        print("error: out of memory: use fewer replications (or close other programs)", file=sys.stderr)
        code = EXIT_FAULT
    except OSError as exc:  # a file that could not be written: one line naming it
        from sim.cli.faults import fail_os

        fail_os(exc)
    raise SystemExit(code or 0)


# ---------------------------------------------------------------- the command surface every sub-command shares

#: Run settings every command spells the same way, as Hydra overrides (``replications=N seed=S workers=W``).
RUN_SETTINGS = ("replications", "seed", "block_size", "workers")
CONFIG_DIR_HELP = (
    "a folder of your own configs (scenario/, actors/, uncertainty/, history/ ...), searched after the package's; "
    "repeatable; the same as hydra.searchpath=[file:///abs/DIR]"
)
OVERRIDES_HELP = (
    "Hydra overrides as for muscat-sim: scenario=NAME, KEY=VALUE, ~actors.NAME, +actors@actors.NAME=NAME, "
    "hydra.searchpath=[file://DIR], the run settings replications=N seed=S workers=W block_size=B, and output_root=DIR "
    "(the root of the output folder)"
)


class CommandParser(argparse.ArgumentParser):
    """argparse with the one-line error of every command (exit status 2), help text laid out as written."""

    def __init__(self, command: str, description: str, epilog: str | None = None) -> None:
        super().__init__(
            prog=f"muscat-sim {command}",
            description=description,
            epilog=epilog,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        self.add_argument("--config-dir", "-cd", action="append", default=[], metavar="DIR", help=CONFIG_DIR_HELP)

    def add_overrides(self, help: str = OVERRIDES_HELP, metavar: str = "KEY=VALUE") -> None:
        """The command's positional Hydra overrides (``KEY=VALUE ...``, any number)."""
        self.add_argument("overrides", nargs="*", metavar=metavar, help=help)

    def error(self, message: str) -> NoReturn:
        fail(f"{message} (see {self.prog} --help)")

    def parse_args(self, args=None, namespace=None):  # type: ignore[override]
        """Options and overrides in any order (``scenario=mine --config-dir DIR replications=500``)."""
        return self.parse_intermixed_args(args, namespace)


def output_root(overrides: list[str]) -> str:
    """The root of a command's default output folder: the last ``output_root=DIR`` given (as a run takes it), else outputs.

    Every command lays its folder out as ``<output_root>/<command>/<label>/<time>-<id>`` (:mod:`sim.config.layout`);
    ``--out DIR`` names the folder itself. ConfigError for an empty ``output_root=``.
    """
    from sim.cli.faults import DEFAULT_OUTPUT_ROOT
    from sim.config.overrides import override_key, override_value

    given = [override_value(o).strip() for o in overrides if override_key(o) == "output_root"]
    if given and not given[-1]:
        raise ConfigError("output_root=: give a folder, e.g. output_root=outputs")
    return given[-1] if given else DEFAULT_OUTPUT_ROOT


def user_overrides(overrides: list[str], config_dirs: list[str], defaults: dict[str, object] | None = None) -> list[str]:
    """The overrides a command composes: ``--config-dir`` folders on ``hydra.searchpath``, run-setting defaults first.

    A run setting the command line does not give takes the command's default
    (``defaults``, e.g. ``{"replications": 20000}``); ConfigError for a folder
    that does not exist or a user's scenario file without its header.
    """
    from sim.cli import faults
    from sim.config.overrides import override_key, with_search_path

    for folder in config_dirs:
        if not Path(folder).is_dir():
            raise ConfigError(f"--config-dir {folder}: no such folder: give a folder that holds scenario/, actors/ ...")
    from sim.config.guards import check_config_dirs

    check_config_dirs(config_dirs)  # size, depth and alias limits before any of their YAML is parsed
    given = {override_key(o) for o in overrides}
    first = [f"{key}={value}" for key, value in (defaults or {}).items() if key not in given]
    result = with_search_path([*first, *overrides], [str(Path(d).resolve()) for d in config_dirs])
    faults.check_scenario_file(result)
    return result


def print_box(heading: str, box) -> None:
    """A PRIM box (a row of a boxes table): ``heading``, its coverage, density and mass, then one line per limit."""
    print(f"\n{heading}: coverage {box['coverage']:.2f}, density {box['density']:.2f}, mass {box['mass']:.2f}")
    for part in str(box["limits"]).split("; "):
        print(f"  {part}")
