-- The optimisation tutorial's MLP: one hidden layer with a sharp softplus
-- (beta = 25, threshold = 1), the squared loss on one-hot targets, and plain
-- SGD written by hand with torch.autograd.grad inside torch.no_grad.
--
-- It runs on synthetic 28x28 "digits" (a fixed random prototype per class
-- plus noise) so it needs no download:
--   ctorch-lua examples/mlp_softplus.lua [--epochs N] [--lr LR] [--batch-size B] [--samples N]
local torch = require 'torch'
local nn = require 'torch.nn'
local F = nn.functional

local opts = { epochs = 2, lr = 0.1, batch_size = 200, samples = 4000, hidden = 500 }
do
  local i = 1
  while arg and arg[i] do
    local key = arg[i]:match('^%-%-(.+)$')
    if not key or arg[i + 1] == nil then error('mlp_softplus: bad argument ' .. tostring(arg[i])) end
    key = key:gsub('%-', '_')
    if opts[key] == nil then error('mlp_softplus: unknown option --' .. key) end
    opts[key] = tonumber(arg[i + 1])
    i = i + 2
  end
end

torch.manual_seed(1)

local MLPNet = nn.Module:extend('MLPNet')
function MLPNet:init(size_img, num_hidden_nodes, num_classes)
  self.size_img = size_img
  self.fc1 = nn.Linear(size_img, num_hidden_nodes)
  self.fc2 = nn.Linear(num_hidden_nodes, num_classes)
  self.nonlin = function(x) return F.softplus(x, { beta = 25, threshold = 1 }) end
end
function MLPNet:forward(x)
  x = x:view(-1, self.size_img)
  x = self.nonlin(self.fc1(x))
  return self.fc2(x)
end

-- The data: class prototypes, noisy samples, normalised as the tutorial does
-- with MNIST's mean and standard deviation.
local num_classes = 10
local prototypes = torch.rand(num_classes, 28, 28):gt(0.7):to(torch.float32)
local labels = torch.randint(1, num_classes + 1, { opts.samples }, { dtype = torch.int64 })
local images = prototypes:index_select(1, labels) + torch.randn(opts.samples, 28, 28) * 0.3
images = (images - 0.1307) / 0.3081
-- MakeOneHot: row `label` of the identity
local one_hot = torch.eye(num_classes)

local net = MLPNet(28 * 28, opts.hidden, num_classes)
local loss_fn = nn.MSELoss()

local function stoc_grad(x, y)
  local loss = loss_fn(net(x), y)
  local grad = torch.autograd.grad(loss, net:parameters())
  return loss, grad
end

local function sgd(lr, num_epochs)
  local params = net:parameters()
  local batches = opts.samples // opts.batch_size
  print('Epoch\tAvg loss\tTime')
  local last_avg
  for epoch = 0, num_epochs - 1 do
    local t0 = os.clock()
    local losses = {}
    local perm = torch.randperm(opts.samples)
    for i = 0, batches - 1 do
      local idx = perm:narrow(1, i * opts.batch_size + 1, opts.batch_size)
      local x, target = images:index_select(1, idx), one_hot:index_select(1, labels:index_select(1, idx))
      local loss, grad = stoc_grad(x, target)
      losses[#losses + 1] = loss:item()
      torch.no_grad(function()
        for k, var in ipairs(params) do
          var:copy_(var - grad[k] * lr)
        end
      end)
      if i % 10 == 9 or i == batches - 1 then
        local sum = 0
        for _, l in ipairs(losses) do sum = sum + l end
        last_avg = sum / #losses
        print(string.format('%.2f\t%.4f\t\t%.2f', epoch + (i + 1) / batches, last_avg, os.clock() - t0))
      end
    end
  end
  return last_avg
end

local final = sgd(opts.lr, opts.epochs)

local correct = torch.no_grad(function()
  local _, predicted = torch.max(net(images), 2)
  return predicted:eq(labels):sum():item()
end)
print(string.format('final average loss %.4f, training accuracy %.3f', final, correct / opts.samples))
