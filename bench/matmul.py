"""1024 x 1024 x 1024 float32 matmul, GFLOP/s (2 n^3 flops per product)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402
from common import result, timed  # noqa: E402

n = int(os.environ.get("BENCH_N", "1024"))
torch.manual_seed(0)
a, b = torch.randn(n, n), torch.randn(n, n)
t = timed(lambda: torch.mm(a, b), 3, 15)
print("pytorch %s threads: %d, median %.3f ms" % (torch.__version__, torch.get_num_threads(), t * 1e3))
result(2 * n**3 / t / 1e9)
