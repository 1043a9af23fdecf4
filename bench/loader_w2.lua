-- batches/s of the loader alone, num_workers = 2 (bench/loader.lua)
return dofile('bench/loader.lua')('load', 2)
