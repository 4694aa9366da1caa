"""Timing shared by the benchmark scripts."""

from __future__ import annotations

import statistics
import time

#: seconds between turns: OpenBLAS's idle threads spin for about 2**28 cycles
#: (0.1 s here) before they sleep
PAUSE = 0.15


def turn_times(fns: dict, repeat: int, warmup: int = 3) -> dict:
    """Wall times (seconds) of ``repeat`` calls of each function in ``fns`` (name
    -> zero-argument callable), after ``warmup`` calls of each (taps cache, lazy
    imports, kernels, BLAS threads, and the allocator: glibc serves large arrays
    from fresh pages until a few have been freed, measured here as 3-5x slower
    first calls of a 50 MB resize).  The functions take turns, one call each per
    round, each round starting one function later, so that this shared VM's
    slow spells (the same call varied 2x within minutes) and the place in the
    round fall on all of them alike and their ratios stay meaningful.  Before
    each turn the process sleeps ``PAUSE`` seconds: the thread pools of OpenBLAS
    (numpy), OpenMP (torch) and OpenCV keep spinning on the cores for a while
    after a call, and the next function would pay for the previous one's."""
    for fn in fns.values():
        for _ in range(warmup):
            fn()
    times = {name: [] for name in fns}
    names = list(fns)
    for round_ in range(repeat):
        # each round starts with the next function: a call's place in the
        # round biased an A/A pair of the same call by over 10%
        for name in names[round_ % len(names):] + names[:round_ % len(names)]:
            fn = fns[name]
            if len(fns) > 1:
                time.sleep(PAUSE)
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return times


def median_times(fns: dict, repeat: int, warmup: int = 3) -> dict:
    """The median of each function's ``turn_times``."""
    return {name: statistics.median(t) for name, t in turn_times(fns, repeat, warmup).items()}


def paired_ratio(times: dict, numerator: str, denominator: str) -> float:
    """The median over rounds of ``times[numerator][i] / times[denominator][i]``
    (``turn_times``' lists): the two calls of a round ran back to back, so a
    ratio of neighbours cancels the VM's slower spells better than a ratio of
    medians does."""
    return statistics.median(a / b for a, b in zip(times[numerator], times[denominator]))


def median_time(fn, repeat: int, warmup: int = 3) -> float:
    """``median_times`` of one function."""
    return median_times({"fn": fn}, repeat, warmup)["fn"]
