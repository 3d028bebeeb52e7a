"""The command line: ``muscat-sim`` (``python -m sim``), a Hydra app, and its sub-commands.

``muscat-sim [KEY=VALUE ...]`` runs a scenario; ``muscat-sim COMMAND ...`` runs
one of :data:`COMMANDS`. Every command takes the same Hydra overrides
(``scenario=NAME``, ``KEY=VALUE``, ``~actors.NAME``, ``hydra.searchpath=...``),
the same ``--config-dir DIR`` and the same spelling of the run settings
(``replications=N seed=S workers=W``): see :mod:`sim.cli.common`.

Adding a command: write ``sim/cli/NAME.py`` with ``main(argv: list[str] | None)
-> int`` that builds its parser with :class:`sim.cli.common.CommandParser`
(``--config-dir`` comes with it) and composes with
:func:`sim.cli.common.user_overrides`, then add one line to :data:`COMMANDS`.
``muscat-sim NAME --help`` and ``python -m sim NAME`` then work, and the help
of ``muscat-sim`` lists it.
"""

import importlib
import sys

from sim.cli.common import EXIT_INTERRUPTED

#: Sub-commands: name -> (module with ``main(argv)``, one line for ``muscat-sim --help``).
COMMANDS: dict[str, tuple[str, str]] = {
    "scenarios": ("sim.cli.scenarios", "list the scenarios, or show one's resolved parameters"),
    "explore": ("sim.cli.explore", "odds under uncertainty: every assumption drawn per replication"),
    "sensitivity": ("sim.cli.sensitivity", "which assumptions move the odds, one at a time"),
    "compare": ("sim.cli.compare", "compare runs, sweep rows or scenarios: paired differences with intervals"),
    "retro": ("sim.cli.retro", "score the model against the historical cases"),
    "calibrate": ("sim.cli.calibrate", "history-weighted odds: learn behaviour from the historical cases, score it out of case"),
    "policies": ("sim.cli.policies", "which policy is robust: named policies over the same vectors, regret"),
    "docs": ("sim.cli.docs", "regenerate docs/parameters.md (for developers)"),
}


def commands_help() -> str:
    """The sub-commands, one line each (for ``muscat-sim --help``)."""
    width = max(map(len, COMMANDS))
    return "\n".join(f"  {name:<{width}}  {summary}" for name, (_module, summary) in COMMANDS.items())


def main(argv: list[str] | None = None) -> None:
    """Entry point of ``muscat-sim`` and ``python -m sim``: a sub-command, or a run; Ctrl-C while loading is one line."""
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        from sim.cli.common import run_command

        if argv and argv[0] in COMMANDS:
            command = importlib.import_module(COMMANDS[argv[0]][0]).main
            argv = argv[1:]
        else:
            from sim.cli.app import main as command
    except KeyboardInterrupt:
        print("interrupted before the run started; nothing to keep", file=sys.stderr)
        raise SystemExit(EXIT_INTERRUPTED) from None
    run_command(lambda: command(argv))
