"""Ctrl-C during a run, as an exception the command line can catch without importing the model (Mesa, pandas)."""

from __future__ import annotations


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during :func:`simulate`: ``done`` of ``total`` blocks had finished (and were saved to the store)."""

    def __init__(self, done: int, total: int) -> None:
        super().__init__(f"interrupted after {done} of {total} blocks")
        self.done = done
        self.total = total
