"""Per-op overhead: `x + x` on a 4-element float32 tensor, microseconds per op."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402
from common import result, timed  # noqa: E402

x = torch.ones(4)
n = int(os.environ.get("BENCH_OPS", "200000"))


def run():
    for _ in range(n):
        x + x


print("pytorch %s threads: %d" % (torch.__version__, torch.get_num_threads()))
result(timed(run, 2, 9) / n * 1e6)
