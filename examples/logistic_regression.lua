-- Logistic regression written out by hand, as in the seeds' first tutorial:
-- two Gaussian clouds, a 2x1 weight and a bias trained with hand-written SGD
-- on w.data, binary cross-entropy spelled out with torch.log.
--
--   ctorch-lua examples/logistic_regression.lua [--samples N] [--epochs N]
local torch = require 'torch'

local function option(name, default)
  for i = 1, #arg do
    if arg[i] == name and arg[i + 1] then return tonumber(arg[i + 1]) end
  end
  return default
end

local n = option('--samples', 100)
local epochs = option('--epochs', 10)
torch.manual_seed(option('--seed', 1))

-- Class 0 around (0, 0), class 1 around (2, 1), identity covariance.
local function generate_data(count)
  local mean1 = torch.tensor({ 0.0, 0.0 })
  local mean2 = torch.tensor({ 2.0, 1.0 })
  local data1 = torch.randn(count, 2) + torch.unsqueeze(mean1, 1)
  local data2 = torch.randn(count, 2) + torch.unsqueeze(mean2, 1)
  local all_data = torch.cat({ data1, data2 }, 1)
  local all_labels = torch.cat({ torch.zeros(count), torch.ones(count) }, 1)
  local permutation = torch.randperm(2 * count)
  return all_data[permutation], all_labels[permutation]
end

local data, labels = generate_data(n)

local weights = torch.randn(2, 1):mul_(0.01):requires_grad_()
local bias = torch.randn(1):mul_(0.01):requires_grad_()

local function sigmoid(x) return 1 / (1 + torch.exp(-x)) end

local function run(x)
  return sigmoid(torch.mm(x:unsqueeze(1), weights) + bias)
end

local function accuracy()
  local correct = 0
  torch.no_grad(function()
    for i = 1, #data do
      local predicted = torch.squeeze(run(data[i])):item() > 0.5 and 1 or 0
      if predicted == labels[i] then correct = correct + 1 end
    end
  end)
  return correct / #data
end

local function binary_crossentropy(prediction, target)
  return -target * torch.log(prediction) - (1 - target) * torch.log(1 - prediction)
end

local before = accuracy()
print(string.format('accuracy before training: %.3f', before))

for epoch = 1, epochs do
  local total = 0
  for i = 1, #data do
    local loss = torch.mean(binary_crossentropy(run(data[i]), labels[i]))
    loss:backward()
    -- plain SGD on .data: the update itself is not part of the graph
    weights.data:sub_(weights.grad * 0.1)
    bias.data:sub_(bias.grad * 0.1)
    weights.grad:zero_()
    bias.grad:zero_()
    total = total + loss:item()
  end
  print(string.format('epoch %d  mean loss %.4f', epoch, total / #data))
end

local after = accuracy()
print(string.format('accuracy after training: %.3f', after))
return { before = before, after = after }
