"""Autograd overhead: y = (x * x).sum(); y.backward() on 4 elements, microseconds per iteration."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402
from common import result, timed  # noqa: E402

x = torch.ones(4, requires_grad=True)
n = int(os.environ.get("BENCH_OPS", "200000")) // 4


def run():
    for _ in range(n):
        y = (x * x).sum()
        y.backward()


result(timed(run, 2, 9) / n * 1e6)
