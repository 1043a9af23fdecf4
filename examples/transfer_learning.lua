-- Transfer learning on Fashion-MNIST: a small CNN learns classes 1-5
-- (T-shirt/top, Trouser, Pullover, Dress, Coat) and is saved; a fresh copy
-- loads it, gets a new classifier head, freezes its convolutional features
-- and fine-tunes the head alone on classes 6-10 (Sandal, Shirt, Sneaker, Bag,
-- Ankle boot).  The same network trained from scratch on classes 6-10 for
-- the same number of steps is the baseline.
--
--   ctorch-lua examples/transfer_learning.lua [--data DIR] [--steps N]
--       [--batch-size B] [--train-limit N] [--test-limit N] [--checkpoint PATH]
--
-- --data: a folder with the four Fashion-MNIST IDX files (plain or .gz);
-- the default is Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist).
-- --steps: optimizer steps of each of the three trainings (400);
-- --train-limit / --test-limit: use only the first N images of each split.
local torch = require 'torch'
local nn = require 'torch.nn'
local optim = require 'torch.optim'
local datasets = torch.vision.datasets

local function parse_args(argv)
  local o = { steps = 400, batch_size = 64, lr = 1e-3 }
  local numbers = { ['--steps'] = 'steps', ['--batch-size'] = 'batch_size', ['--train-limit'] = 'train_limit',
    ['--test-limit'] = 'test_limit', ['--lr'] = 'lr' }
  local strings = { ['--data'] = 'data', ['--checkpoint'] = 'checkpoint' }
  local i = 1
  while argv and argv[i] do
    local a = argv[i]
    if numbers[a] then
      o[numbers[a]] = tonumber(argv[i + 1])
      if not o[numbers[a]] then error('transfer_learning: ' .. a .. ' expects a number') end
      i = i + 1
    elseif strings[a] then
      o[strings[a]] = argv[i + 1]
      if not o[strings[a]] then error('transfer_learning: ' .. a .. ' expects a path') end
      i = i + 1
    else
      error('transfer_learning: unknown argument ' .. a)
    end
    i = i + 1
  end
  return o
end
local opts = parse_args(arg)

torch.manual_seed(0)
math.randomseed(0)

-------------------------------------------------------------------------------
-- Data: both splits, each cut into classes 1-5 and 6-10 as float tensors.

local root = opts.data or datasets.FASHION_MNIST_DEBIAN_ROOT
local ok, train_set = pcall(datasets.FashionMNIST, { root = root, train = true })
local ok_test, test_set
if ok then ok_test, test_set = pcall(datasets.FashionMNIST, { root = root, train = false }) end
if not (ok and ok_test) then
  local message = tostring(ok and test_set or train_set)
  if not message:find('cannot find', 1, true) then error(message, 0) end -- damaged files
  io.stderr:write(string.format([[
transfer_learning: Fashion-MNIST is not in %s.
Get it with
    sudo apt-get install dataset-fashion-mnist
(Debian and Ubuntu; the files go to %s, the default --data), or put
train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz
and t10k-labels-idx1-ubyte.gz (from https://github.com/zalandoresearch/fashion-mnist)
in a folder and run with --data FOLDER.
]], root, datasets.FASHION_MNIST_DEBIAN_ROOT))
  os.exit(1)
end

local MEAN, STD = 0.2860, 0.3530 -- of Fashion-MNIST's training images

-- Images of classes first..first+4 as normalised [n, 1, 28, 28] floats and
-- labels 1..5; at most limit of them.
local function subset(ds, first, limit)
  local targets = ds.targets
  local keep = targets:ge(first):logical_and(targets:le(first + 4))
  local idx = torch.arange(1, #ds + 1):masked_select(keep)
  if limit and idx:size(1) > limit then idx = idx[{ { 1, limit } }] end
  local images = ds.data:index_select(1, idx):float():div(255):sub(MEAN):div(STD):unsqueeze(2)
  return images, targets:index_select(1, idx) - (first - 1)
end

local a_train_x, a_train_y = subset(train_set, 1, opts.train_limit)
local a_test_x, a_test_y = subset(test_set, 1, opts.test_limit)
local b_train_x, b_train_y = subset(train_set, 6, opts.train_limit)
local b_test_x, b_test_y = subset(test_set, 6, opts.test_limit)
print(string.format('classes 1-5: %d training / %d test images; classes 6-10: %d / %d',
  a_train_x:size(1), a_test_x:size(1), b_train_x:size(1), b_test_x:size(1)))

-------------------------------------------------------------------------------
-- The network: two conv + batch norm + pool blocks, then an MLP head.

local Net = nn.Module:extend('SmallCNN')
function Net:init(num_classes)
  self.features = nn.Sequential(
    nn.Conv2d(1, 16, 3, { padding = 1 }), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),  -- 16 x 14 x 14
    nn.Conv2d(16, 32, 3, { padding = 1 }), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2)) -- 32 x 7 x 7
  self.classifier = Net.head(num_classes)
end
function Net.head(num_classes)
  return nn.Sequential(nn.Flatten(), nn.Linear(32 * 7 * 7, 64), nn.ReLU(), nn.Linear(64, num_classes))
end
function Net:forward(x) return self.classifier(self.features(x)) end

local criterion = nn.CrossEntropyLoss()

-- steps optimizer steps over shuffled batches (a new permutation per epoch);
-- set_mode() puts the model in the right train/eval mode.
local function train(model, optimizer, x, y, set_mode)
  local n, bs = x:size(1), math.min(opts.batch_size, x:size(1))
  set_mode()
  local perm, pos = torch.randperm(n), 1
  local loss
  for _ = 1, opts.steps do
    if pos + bs - 1 > n then perm, pos = torch.randperm(n), 1 end
    local idx = perm[{ { pos, pos + bs - 1 } }]
    pos = pos + bs
    optimizer:zero_grad()
    loss = criterion(model(x:index_select(1, idx)), y:index_select(1, idx))
    loss:backward()
    optimizer:step()
  end
  return loss:item()
end

local function accuracy(model, x, y)
  model:eval()
  local correct = 0
  torch.no_grad(function()
    for first = 1, x:size(1), 1000 do
      local last = math.min(first + 999, x:size(1))
      local predicted = model(x[{ { first, last } }]):argmax(2)
      correct = correct + predicted:eq(y[{ { first, last } }]):sum():item()
    end
  end)
  return correct / x:size(1)
end

local function timed(fn)
  local t0 = torch.clock()
  local result = fn()
  return result, torch.clock() - t0
end

-------------------------------------------------------------------------------
-- 1. Train on classes 1-5 and save the state dict.

local pretrained = Net(5)
local loss, seconds = timed(function()
  return train(pretrained, optim.Adam(pretrained:parameters(), { lr = opts.lr }), a_train_x, a_train_y,
    function() pretrained:train() end)
end)
print(string.format('pretrained on classes 1-5: loss %.3f, test accuracy %.4f (%d steps, %.1f s)', loss,
  accuracy(pretrained, a_test_x, a_test_y), opts.steps, seconds))

local checkpoint = opts.checkpoint or os.tmpname()
torch.save(checkpoint, pretrained:state_dict())
print('saved the pretrained network to ' .. checkpoint)

-------------------------------------------------------------------------------
-- 2. A fresh network loads it, gets a new head, and trains only the head on
-- classes 6-10.  The frozen features stay in eval mode, so batch norm keeps
-- the statistics it learnt on classes 1-5.

local transfer = Net(5)
transfer:load_state_dict(torch.load(checkpoint))
if not opts.checkpoint then os.remove(checkpoint) end
transfer.classifier = Net.head(5)
transfer.features:requires_grad_(false)
local trainable, total = 0, 0
for _, p in ipairs(transfer:parameters()) do
  total = total + p:numel()
  if p.requires_grad then trainable = trainable + p:numel() end
end
local frozen_before = transfer.features[1].weight:clone()
loss, seconds = timed(function()
  return train(transfer, optim.Adam(transfer.classifier:parameters(), { lr = opts.lr }), b_train_x, b_train_y,
    function()
      transfer:train()
      transfer.features:eval()
    end)
end)
print(string.format('fine-tuned head on classes 6-10: loss %.3f, test accuracy %.4f (%d steps, %.1f s, ' ..
  '%d of %d parameters trained, features unchanged: %s)', loss, accuracy(transfer, b_test_x, b_test_y), opts.steps,
  seconds, trainable, total,
  tostring(torch.equal(frozen_before, transfer.features[1].weight))))

-------------------------------------------------------------------------------
-- 3. The baseline: the same network from scratch on classes 6-10.

local scratch = Net(5)
loss, seconds = timed(function()
  return train(scratch, optim.Adam(scratch:parameters(), { lr = opts.lr }), b_train_x, b_train_y,
    function() scratch:train() end)
end)
print(string.format('from scratch on classes 6-10: loss %.3f, test accuracy %.4f (%d steps, %.1f s)', loss,
  accuracy(scratch, b_test_x, b_test_y), opts.steps, seconds))
