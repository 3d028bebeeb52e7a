"""The worker pool of a run: its workers end at once when it is stopped, or when the code using it fails."""

from __future__ import annotations

import multiprocessing
import time

import pytest

from sim.core.pool import WorkerPool


def test_stop_kills_busy_workers_without_waiting_for_their_calls():
    start = time.perf_counter()
    with WorkerPool(2) as pool:
        futures = [pool.submit(time.sleep, 60) for _ in range(2)]
        pool.stop()
    assert time.perf_counter() - start < 30  # not the minute the calls would take
    assert not multiprocessing.active_children()
    assert len(futures) == 2


def test_an_exception_inside_the_pool_stops_its_workers():
    start = time.perf_counter()
    with pytest.raises(KeyboardInterrupt), WorkerPool(2) as pool:
        pool.submit(time.sleep, 60)
        raise KeyboardInterrupt
    assert time.perf_counter() - start < 30
    assert not multiprocessing.active_children()


def test_leaving_the_pool_normally_waits_for_the_calls():
    with WorkerPool(2) as pool:
        future = pool.submit(pow, 2, 10)
    assert future.result(timeout=0) == 1024


PROGRAM = """
import time
from sim.core.pool import WorkerPool

def big(delay):
    time.sleep(delay)
    return bytes(64 << 20)  # takes tens of milliseconds to write through the pipe

for attempt in range(8):
    try:
        with WorkerPool(2) as pool:
            pool.submit(big, 0.2)
            pool.submit(big, 0.2)
            time.sleep(0.2 + 0.01 * attempt)  # the kill lands while a worker is writing its result, or near it
            raise KeyboardInterrupt
    except KeyboardInterrupt:
        pass
print("ended")
"""


def test_a_worker_killed_while_writing_its_result_does_not_hang_the_parent_at_exit():
    """The executor's reader thread must not wait forever for the rest of a result that will never come."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ended", done.stderr[-2000:]
