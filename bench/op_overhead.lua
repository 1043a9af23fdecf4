-- Per-op overhead: `x + x` on a 4-element float32 tensor, microseconds per op
-- (the Lua call, argument checks, output allocation, kernel and GC of the result).
package.path = 'bench/?.lua;' .. package.path
local torch = require 'torch'
local B = require 'common'

local x = torch.ones(4)
local n = tonumber(os.getenv('BENCH_OPS') or '200000')
local function run()
  for _ = 1, n do local _ = x + x end
end
print(string.format('ctorch threads: %d', torch.get_num_threads()))
B.result(B.time(run, 2, 9) / n * 1e6)
