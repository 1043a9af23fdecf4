-- Autograd overhead: `y = (x * x):sum(); y:backward()` on a 4-element tensor
-- that requires grad, microseconds per iteration (graph recording, the
-- backward pass, gradient accumulation and GC of the temporaries).
package.path = 'bench/?.lua;' .. package.path
local torch = require 'torch'
local B = require 'common'

local x = torch.ones(4):requires_grad_()
local n = tonumber(os.getenv('BENCH_OPS') or '200000') // 4
local function run()
  for _ = 1, n do
    local y = (x * x):sum()
    y:backward()
  end
end
B.result(B.time(run, 2, 9) / n * 1e6)
