-- Training throughput, images/s: the tutorial's lenet at batch 64 (see bench/train.lua).
return dofile('bench/train.lua')('lenet', 64)
