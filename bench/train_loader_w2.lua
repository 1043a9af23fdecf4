-- LeNet training fed by the loader, num_workers = 2 (bench/loader.lua)
return dofile('bench/loader.lua')('train', 2)
