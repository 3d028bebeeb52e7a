"""What every command shares: the exit codes, ``fail()``, quiet logging and the entry tail.

Exit codes: 1 the run failed (the machine: disk full, I/O error; or jobs of a sweep), 2 bad input, 130 interrupted
(Ctrl-C), 143 terminated (SIGTERM).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from typing import NoReturn

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
    except MemoryError:  # the machine's fault (exit 1), in one line
        print("error: out of memory: use fewer replications (or close other programs)", file=sys.stderr)
        code = EXIT_FAULT
    except OSError as exc:  # a file that could not be written: one line naming it
        from sim.cli.faults import fail_os

        fail_os(exc)
    raise SystemExit(code or 0)
