"""LeNet training fed by the loader, num_workers = 0 (bench/loader.py)."""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from loader import run

run("train", 0)
