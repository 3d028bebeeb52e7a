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
