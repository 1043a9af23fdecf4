-- Convolution forward and forward+backward on the shapes of the CIFAR-10
-- tutorial's LeNet (batch 4 and 64) and of an AlexNet-style net (batch 64),
-- float32.  The first layer's input needs no gradient (it is the image), the
-- second's does, as in a training step.  Prints each shape's times and, as
-- RESULT, the geometric mean of the forward+backward times in microseconds.
package.path = 'bench/?.lua;' .. package.path
local torch = require 'torch'
local B = require 'common'

local shapes = { -- name, N, C_in, C_out, H (= W), k, input needs grad
  { 'lenet1_b4', 4, 3, 6, 32, 5, false },
  { 'lenet2_b4', 4, 6, 16, 14, 5, true },
  { 'lenet1_b64', 64, 3, 6, 32, 5, false },
  { 'lenet2_b64', 64, 6, 16, 14, 5, true },
  { 'alex1_b64', 64, 3, 96, 32, 5, false },
  { 'alex2_b64', 64, 96, 256, 14, 5, true },
}

torch.manual_seed(0)
local log_sum, count = 0, 0
for _, s in ipairs(shapes) do
  local name, n, cin, cout, hw, k, input_grad = table.unpack(s)
  local x = torch.randn(n, cin, hw, hw)
  local w = (torch.randn(cout, cin, k, k) * 0.1):requires_grad_()
  local b = torch.randn(cout):requires_grad_()
  if input_grad then x:requires_grad_() end
  local g = torch.randn(torch.no_grad(function() return torch.conv2d(x, w, b) end).shape)
  local work = n * cin * cout * hw * hw
  local reps = math.max(3, math.min(50, math.floor(2e8 / work)))
  local fwd = torch.no_grad(function()
    return B.time(function() torch.conv2d(x, w, b) end, 2, reps)
  end)
  local step = B.time(function()
    torch.conv2d(x, w, b):backward(g)
  end, 2, reps)
  print(string.format('%-11s forward %10.1f us   forward+backward %10.1f us', name, fwd * 1e6, step * 1e6))
  log_sum = log_sum + math.log(step * 1e6)
  count = count + 1
end
B.result(math.exp(log_sum / count))
