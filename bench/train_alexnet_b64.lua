-- Training throughput, images/s: the tutorial's alexnet at batch 64 (see bench/train.lua).
return dofile('bench/train.lua')('alexnet', 64)
