-- 1024 x 1024 x 1024 float32 matmul, GFLOP/s (2 n^3 flops per product).
package.path = 'bench/?.lua;' .. package.path
local torch = require 'torch'
local B = require 'common'

local n = tonumber(os.getenv('BENCH_N') or '1024')
torch.manual_seed(0)
local a, b = torch.randn(n, n), torch.randn(n, n)
local t = B.time(function() return torch.mm(a, b) end, 3, 15)
print(string.format('ctorch threads: %d, median %.3f ms', torch.get_num_threads(), t * 1e3))
B.result(2 * n ^ 3 / t / 1e9)
