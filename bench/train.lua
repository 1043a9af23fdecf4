-- Training throughput (images/s) of the CIFAR-10 tutorial's networks on
-- random 3x32x32 inputs: forward, cross-entropy, backward and an SGD step
-- with momentum 0.9.  bench/train_<model>_b<batch>.lua pick the network and
-- the batch size; BENCH_SECONDS sets how long each timed repetition runs.
package.path = 'bench/?.lua;' .. package.path
local torch = require 'torch'
local nn = require 'torch.nn'
local optim = require 'torch.optim'
local B = require 'common'

return function(model_name, batch)
  local models = dofile('examples/cifar_models.lua')
  torch.manual_seed(0)
  local model = models.create(model_name)
  local criterion = nn.CrossEntropyLoss()
  local optimizer = optim.SGD(model:parameters(), { lr = 0.001, momentum = 0.9 })
  local inputs = torch.randn(batch, 3, 32, 32)
  local labels = torch.randint(1, 11, { batch }, { dtype = torch.int64 })
  local function step()
    optimizer:zero_grad()
    local loss = criterion(model(inputs), labels)
    loss:backward()
    optimizer:step()
  end
  -- steps per repetition: about BENCH_SECONDS (default 1) of work
  local t0 = B.clock()
  step()
  local per_step = math.max(B.clock() - t0, 1e-6)
  local steps = math.max(1, math.floor(tonumber(os.getenv('BENCH_SECONDS') or '1') / per_step))
  local seconds = B.time(function() for _ = 1, steps do step() end end, 1, 5)
  print(string.format('%s batch %d: %d steps per repetition, %.3f ms/step', model_name, batch, steps,
    seconds / steps * 1e3))
  B.result(batch * steps / seconds)
end
