-- LeNet training fed by the loader, num_workers = 0 (bench/loader.lua)
return dofile('bench/loader.lua')('train', 0)
