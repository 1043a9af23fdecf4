-- A tour of the CIFAR-10 tutorial's module programs on synthetic 3x32x32
-- images (ten classes, each a bright square in its own place plus noise), so
-- it runs anywhere in seconds:
--   ctorch-lua examples/nn_tour.lua [--steps N] [--batch-size B] [--only NAME]
-- Parts: lenet, alexnet, inception, ensemble, stochastic_depth, freeze,
-- gradient_noise, custom_optimizer.
local torch = require 'torch'
local nn = require 'torch.nn'
local optim = require 'torch.optim'

local here = arg and arg[0] and arg[0]:match('(.*/)') or './'
local models = dofile(here .. 'cifar_models.lua')

local function parse_args(argv)
  local o = { steps = 30, batch_size = 16, only = nil }
  local i = 1
  while argv and argv[i] do
    local a = argv[i]
    if a == '--steps' then o.steps = tonumber(argv[i + 1]); i = i + 1
    elseif a == '--batch-size' then o.batch_size = tonumber(argv[i + 1]); i = i + 1
    elseif a == '--only' then o.only = argv[i + 1]; i = i + 1
    else error('nn_tour: unknown argument ' .. a) end
    i = i + 1
  end
  return o
end
local opts = parse_args(arg)

torch.manual_seed(0)
math.randomseed(0)

-- Class k lights up a 6x6 square in channel (k % 3) + 1 at a place set by k.
local function synthetic_batch(n)
  local labels = torch.randint(1, 11, { n }, { dtype = torch.int64 })
  local images = torch.randn(n, 3, 32, 32) * 0.3
  for i = 1, n do
    local k = labels[i]
    local row = 2 + ((k - 1) // 5) * 14
    local col = 2 + ((k - 1) % 5) * 6
    images[{ i, (k % 3) + 1, { row, row + 5 }, { col, col + 5 } }]:add_(2.0)
  end
  return images, labels
end

local criterion = nn.CrossEntropyLoss()

local function accuracy(model, n)
  model:eval()
  local images, labels = synthetic_batch(n)
  local correct = torch.no_grad(function()
    local _, predicted = torch.max(model(images), 2)
    return predicted:eq(labels):sum():item()
  end)
  model:train()
  return correct / n
end

-- Trains for opts.steps steps; after_backward(model) runs between backward
-- and step (gradient noise).  Returns first and last loss.
local function train(model, optimizer, after_backward)
  local first, last
  for step = 1, opts.steps do
    local images, labels = synthetic_batch(opts.batch_size)
    optimizer:zero_grad()
    local loss = criterion(model(images), labels)
    loss:backward()
    if after_backward then after_backward(model) end
    optimizer:step()
    last = loss:item()
    if step == 1 then first = last end
  end
  return first, last
end

local function report(name, model, first, last)
  print(string.format('%-18s loss %.3f -> %.3f   accuracy %.2f', name, first, last, accuracy(model, 64)))
end

local parts = {}

function parts.lenet()
  local model = models.LeNet()
  print(model)
  report('lenet', model, train(model, optim.SGD(model:parameters(), { lr = 0.01, momentum = 0.9 })))
end

function parts.alexnet()
  local model = models.Alex()
  report('alexnet', model, train(model, optim.SGD(model:parameters(), { lr = 0.01, momentum = 0.9 })))
end

function parts.inception()
  local model = models.SmallInception()
  report('inception', model, train(model, optim.Adam(model:parameters(), { lr = 1e-3 })))
end

function parts.ensemble()
  local model = models.Ensemble()
  report('ensemble', model, train(model, optim.Adam(model:parameters(), { lr = 1e-3 })))
end

function parts.stochastic_depth()
  local model = models.LeNet({ repeat_fc2 = true })
  report('stochastic_depth', model, train(model, optim.SGD(model:parameters(), { lr = 0.01, momentum = 0.9 })))
end

-- Freeze the convolutions; the optimizer gets only what still trains.
function parts.freeze()
  local model = models.LeNet()
  model.conv1:requires_grad_(false)
  model.conv2:requires_grad_(false)
  local trainable = {}
  for _, p in ipairs(model:parameters()) do
    if p.requires_grad then trainable[#trainable + 1] = p end
  end
  local before = model.conv1.weight:clone()
  report('freeze', model, train(model, optim.SGD(trainable, { lr = 0.01, momentum = 0.9 })))
  print(string.format('%-18s conv1 unchanged: %s (%d of %d tensors trained)', '', tostring(torch.equal(before,
    model.conv1.weight)), #trainable, #model:parameters()))
end

-- Noise proportional to each gradient's magnitude, added before the step.
function parts.gradient_noise()
  local model = models.LeNet()
  local function add_noise(m)
    torch.no_grad(function()
      for _, p in ipairs(m:parameters()) do
        local g = p.grad
        if g then g:add_(torch.randn_like(g) * g:abs() * 0.1) end
      end
    end)
  end
  report('gradient_noise', model,
    train(model, optim.SGD(model:parameters(), { lr = 0.01, momentum = 0.9 }), add_noise))
end

-- A user optimizer: SGD with momentum whose step is written in Lua ops.
local MomentumSGD = optim.Optimizer:extend('MomentumSGD')
function MomentumSGD:init(params, o)
  o = o or {}
  optim.Optimizer.init(self, params, { lr = o.lr or 0.01, momentum = o.momentum or 0.9 })
end
function MomentumSGD:step(closure)
  local loss = closure and torch.enable_grad(closure)
  torch.no_grad(function()
    for _, group in ipairs(self.param_groups) do
      for _, p in ipairs(group.params) do
        local g = p.grad
        if g then
          local state = self.state[p]
          if not state.velocity then state.velocity = torch.zeros_like(p) end
          state.velocity:mul_(group.momentum):add_(g)
          p:add_(state.velocity * -group.lr)
        end
      end
    end
  end)
  return loss
end

function parts.custom_optimizer()
  local model = models.LeNet()
  report('custom_optimizer', model, train(model, MomentumSGD(model:parameters(), { lr = 0.01 })))
end

local order = { 'lenet', 'alexnet', 'inception', 'ensemble', 'stochastic_depth', 'freeze', 'gradient_noise',
  'custom_optimizer' }
for _, name in ipairs(order) do
  if not opts.only or opts.only == name then parts[name]() end
end
