-- Training throughput, images/s: the tutorial's lenet at batch 4 (see bench/train.lua).
return dofile('bench/train.lua')('lenet', 4)
