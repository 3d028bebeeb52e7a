"""Worker processes for a run's blocks: a pool whose workers leave Ctrl-C to the parent, end with it, and can be
stopped at once.

:class:`WorkerPool` wraps the standard library's ``ProcessPoolExecutor``:
its workers ignore SIGINT (the parent cancels the run), end on SIGTERM and
end when the parent dies (:func:`worker_init`); :meth:`WorkerPool.stop` kills
them now. :func:`deferred_signals` keeps a signal from raising inside the
executor's machinery while the pool runs.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
WATCHDOG_S = 0.5
#: How long :meth:`WorkerPool.stop` waits for each killed worker to end. A killed process ends once the kernel
#: schedules it, which on a loaded machine can take over a second (a worker was seen alive after one second at a
#: load average of 14 on two cores); the bound only matters for a process stuck in uninterruptible I/O.
STOP_WAIT_S = 10.0


def die_with_parent(parent: int) -> None:
    """End this worker when its parent dies, whatever killed it (kill -9, SIGHUP, SIGQUIT).

    On Linux the kernel sends SIGKILL at the parent's death (``prctl(PR_SET_PDEATHSIG)``);
    everywhere, a daemon thread also checks every half second that the parent
    is still this process's parent (an orphan is adopted by another process),
    which covers a parent that died before the prctl call.
    """
    import ctypes
    import sys

    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(WATCHDOG_S)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()


def worker_init(parent: int | None = None) -> None:
    """Worker processes leave Ctrl-C to the parent, which cancels the run and ends them; SIGTERM ends them at once.

    They also end when the parent dies without ending them (:func:`die_with_parent`).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if parent is not None:
        die_with_parent(parent)


@contextlib.contextmanager
def deferred_signals() -> Iterator[list]:
    """While a pool runs, note SIGINT/SIGTERM instead of raising inside the executor's machinery.

    A KeyboardInterrupt raised at an arbitrary point of ``concurrent.futures``
    can leave its locks held, and the shutdown that follows then waits
    forever. Here a signal whose handler is a Python function (Ctrl-C's
    default, or one the caller installed) is only recorded; the caller checks
    the record between waits, ends the pool, then hands the signal to the
    handler it was meant for (which raises). Outside the main thread nothing
    is deferred.
    """
    caught: list = []
    if threading.current_thread() is not threading.main_thread():
        yield caught
        return
    previous = {}
    for sig in (signal.SIGINT, signal.SIGTERM):
        handler = signal.getsignal(sig)
        if callable(handler):
            previous[sig] = handler
            signal.signal(sig, lambda signum, frame: caught.append((signum, frame)))
    try:
        yield caught
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if caught:
            signum, frame = caught[0]
            previous[signum](signum, frame)  # raises KeyboardInterrupt (or whatever the caller's handler does)


class WorkerPool:
    """Up to ``workers`` processes (:func:`worker_init` in each) running submitted calls; a context manager.

    Leaving the context normally waits for the work submitted; leaving it by an
    exception stops the workers at once (:meth:`stop`) before the exception
    goes on.
    """

    def __init__(self, workers: int) -> None:
        self._executor = ProcessPoolExecutor(max_workers=workers, initializer=worker_init, initargs=(os.getpid(),))
        self._stopped = False

    def submit(self, fn: Callable[..., Any], /, *args: Any) -> Future:
        """Run ``fn(*args)`` in a worker; its future."""
        return self._executor.submit(fn, *args)

    def stop(self) -> None:
        """End the pool now: kill the workers, cancel what has not started, do not wait for running calls.

        SIGKILL, not SIGTERM: a worker forked a moment ago may not have run its
        initializer yet and still carry the parent's handler that only notes
        SIGTERM (:func:`deferred_signals`); it would survive, finish its block and
        wait forever to hand in a result that nobody reads (seen once in the
        test suite, where blocks of the toy scenario take a millisecond). A
        worker keeps nothing that needs cleaning up: the parent saves every
        finished block.
        """
        # Python 3.12 has no public call that kills an executor's workers (3.14 adds kill_workers); this method is
        # the one place that reads the executor's private state: its workers, its result pipe and its reader thread.
        executor = self._executor
        processes = list((getattr(executor, "_processes", None) or {}).values())
        results = getattr(executor, "_result_queue", None)
        reader = getattr(executor, "_executor_manager_thread", None)
        for process in processes:
            if process.is_alive():
                process.kill()
        executor.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.join(timeout=STOP_WAIT_S)
        # A worker killed while writing its result leaves part of a message in the result pipe, and the executor's
        # reader thread waits for the rest for ever (the interpreter then hangs at exit, joining that thread).
        # The parent holds the pipe's last open write end once the workers are dead: closing it turns the wait
        # into end-of-file, which the thread handles as a broken pool and ends.
        if results is not None and not any(p.is_alive() for p in processes):
            with contextlib.suppress(OSError):
                results._writer.close()
        if reader is not None:
            reader.join(timeout=STOP_WAIT_S)
        self._stopped = True

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is not None:
            self.stop()
        elif not self._stopped:
            self._executor.shutdown(wait=True)
