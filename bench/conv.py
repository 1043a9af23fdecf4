"""Convolution forward and forward+backward (see bench/conv.lua), PyTorch side."""
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from common import result, timed  # noqa: E402

shapes = [  # name, N, C_in, C_out, H (= W), k, input needs grad
    ("lenet1_b4", 4, 3, 6, 32, 5, False),
    ("lenet2_b4", 4, 6, 16, 14, 5, True),
    ("lenet1_b64", 64, 3, 6, 32, 5, False),
    ("lenet2_b64", 64, 6, 16, 14, 5, True),
    ("alex1_b64", 64, 3, 96, 32, 5, False),
    ("alex2_b64", 64, 96, 256, 14, 5, True),
]

torch.manual_seed(0)
log_sum = 0.0
for name, n, cin, cout, hw, k, input_grad in shapes:
    x = torch.randn(n, cin, hw, hw, requires_grad=input_grad)
    w = (torch.randn(cout, cin, k, k) * 0.1).requires_grad_()
    b = torch.randn(cout).requires_grad_()
    with torch.no_grad():
        g = torch.randn(F.conv2d(x, w, b).shape)
    work = n * cin * cout * hw * hw
    reps = max(3, min(50, int(2e8 // work)))
    with torch.no_grad():
        fwd = timed(lambda: F.conv2d(x, w, b), 2, reps)
    step = timed(lambda: F.conv2d(x, w, b).backward(g), 2, reps)
    print("%-11s forward %10.1f us   forward+backward %10.1f us" % (name, fwd * 1e6, step * 1e6))
    log_sum += math.log(step * 1e6)
result(math.exp(log_sum / len(shapes)))
