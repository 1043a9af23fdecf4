"""Shared helpers for the PyTorch side of the benchmarks (bench/*.py).

Each benchmark prints informational lines and exactly one `RESULT <number>`
line, which scripts/bench.sh reads.  PyTorch runs with as many threads as
ctorch uses by default (one per core) unless BENCH_THREADS says otherwise.
"""
import os
import statistics
import time

import torch

torch.set_num_threads(int(os.environ.get("BENCH_THREADS", os.cpu_count() or 1)))

# Wall-clock time by default; BENCH_CLOCK=cpu measures this process's CPU time
# instead, which a busy shared machine disturbs less (single thread only).
clock = time.process_time if os.environ.get("BENCH_CLOCK") == "cpu" else time.perf_counter


def timed(fn, warmup, reps):
    """Median seconds of `reps` calls of fn after `warmup` untimed ones."""
    for _ in range(warmup):
        fn()
    ts = []
    for _ in range(reps):
        t0 = clock()
        fn()
        ts.append(clock() - t0)
    return statistics.median(ts)


def result(value):
    print("RESULT %.6g" % value)
