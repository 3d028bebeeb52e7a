"""Ctrl-C and SIGTERM on the command line: one line, the right exit status, at once."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import NoReturn

from sim.cli.common import EXIT_INTERRUPTED, EXIT_TERMINATED
from sim.core.interrupt import Interrupted as Interrupted  # re-exported for sim.cli.app

_TERMINATED = []


def treat_sigterm_as_interrupt() -> None:
    """SIGTERM (``kill``, a scheduler's time limit) ends a run like Ctrl-C: one line, blocks kept; exit status 143."""
    import signal

    def handler(signum, frame):
        _TERMINATED.append(signum)
        raise KeyboardInterrupt

    with contextlib.suppress(ValueError):  # not in the main thread
        signal.signal(signal.SIGTERM, handler)


def exit_interrupted(line: str) -> NoReturn:
    """Ctrl-C: one line, then exit 130 at once.

    Everything worth keeping is already on disk (each block is written whole
    when it finishes), so the interpreter's slow teardown (module cleanup,
    joining the pool's threads) is skipped: streams and log files are flushed
    and the process ends.
    """
    import logging
    import sys

    print(line.replace("interrupted", "terminated", 1) if _TERMINATED else line, file=sys.stderr)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    with contextlib.suppress(Exception):
        logging.shutdown()
    os._exit(EXIT_TERMINATED if _TERMINATED else EXIT_INTERRUPTED)


class InterruptedWhileDrawing(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM) after a run's results were written, while its figures were drawn."""

    def __init__(self, directory: Path) -> None:
        super().__init__(str(directory))
        self.directory = directory


def drawing_interrupted_line(directory: Path) -> str:
    """The line for :class:`InterruptedWhileDrawing`: what is on disk and how to get the figures."""
    return (
        f"interrupted while drawing the figures; the results are written in {directory} "
        "(summary.json, episodes.parquet): run the same command with plots=true to draw the figures (it runs again)"
    )
