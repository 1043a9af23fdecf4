"""Training throughput, images/s: the tutorial's lenet at batch 64 (see bench/train.py)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train import run  # noqa: E402

run("lenet", 64)
