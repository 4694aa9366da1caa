"""Timing shared by the benchmark scripts."""

from __future__ import annotations

import statistics
import time


def median_time(fn, repeat: int, warmup: int = 3) -> float:
    """Median wall time of ``repeat`` calls of ``fn``, after ``warmup`` calls (taps
    cache, lazy imports, kernels, BLAS threads, and the allocator: glibc serves
    large arrays from fresh pages until a few have been freed, measured here as
    3-5x slower first calls of a 50 MB resize)."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
