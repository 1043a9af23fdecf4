-- Fashion-MNIST: train a classifier of clothes on the real data set, the way
-- the PyTorch courses do it (dataset + transforms + DataLoader + a training
-- loop with a progress bar), then report the test accuracy overall and per
-- class, and save the trained weights.
--
--   ctorch-lua examples/fashion_mnist.lua [--model mlp|cnn] [--epochs N]
--       [--batch-size B] [--lr LR] [--workers N] [--device cpu|cuda]
--       [--data DIR] [--limit N] [--seed S] [--save PATH | --out DIR]
--       [--no-augment] [--quiet]
--
-- --model: mlp (default) is the course's 784-256-128-64-10 network with ReLU,
--   log_softmax and NLLLoss; cnn has two convolution + batch norm + max-pool
--   blocks and a small classifier.
-- --epochs, --batch-size, --lr: the defaults are tuned per model (below);
--   Adam with a cosine-annealed learning rate.
-- --workers: threads preparing the batches (2).
-- --device: cpu (the default); cuda fails with a clear message until ctorch
--   has a CUDA backend.
-- --data: a folder holding the four Fashion-MNIST IDX files (plain or .gz);
--   the default is Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist).
-- --limit N: only N batches of training data per epoch and N of test data
--   (a quick run, for tests).
-- --seed: the seed of the weights, the shuffling and the augmentation (1).
-- --save: where the state dict goes (default fashion_mnist_<model>.ctorch in
--   the current folder, or in --out DIR).
-- --no-augment: no random horizontal flips of the cnn's training images.
-- --quiet: no progress bar.
--
-- The model can be loaded back with
--   local model = ...  -- the same network
--   model:load_state_dict(torch.load('fashion_mnist_mlp.ctorch'))
local torch = require 'torch'
local nn = require 'torch.nn'
local optim = require 'torch.optim'
local F = nn.functional
local data = torch.utils.data
local datasets = torch.vision.datasets
local T = torch.vision.transforms
local progress = torch.utils.progress

-- Per model: epochs, batch size, learning rate, and whether training images
-- are flipped at random.  Measured on a 2-core machine (README.md).
local DEFAULTS = {
  mlp = { epochs = 15, batch_size = 64, lr = 1e-3, augment = false },
  cnn = { epochs = 15, batch_size = 64, lr = 1e-3, augment = true },
}

local USAGE = [==[
usage: ctorch-lua examples/fashion_mnist.lua [--model mlp|cnn] [--epochs N] [--batch-size B]
    [--lr LR] [--workers N] [--device cpu|cuda] [--data DIR] [--limit N] [--seed S]
    [--save PATH | --out DIR] [--no-augment] [--quiet]]==]

local function fail(message)
  io.stderr:write('fashion_mnist: ', message, '\n')
  os.exit(1)
end

local function parse_args(argv)
  local o = { model = 'mlp', workers = 2, device = 'cpu', seed = 1 }
  local integers = { ['--epochs'] = 'epochs', ['--batch-size'] = 'batch_size', ['--workers'] = 'workers',
    ['--limit'] = 'limit', ['--seed'] = 'seed' }
  local strings = { ['--model'] = 'model', ['--device'] = 'device', ['--data'] = 'data', ['--save'] = 'save',
    ['--out'] = 'out' }
  local i = 1
  while argv and argv[i] do
    local a, v = argv[i], argv[i + 1]
    if a == '--help' or a == '-h' then
      print(USAGE)
      os.exit(0)
    elseif a == '--no-augment' then
      o.augment = false
    elseif a == '--quiet' then
      o.quiet = true
    elseif integers[a] then
      local n = math.tointeger(tonumber(v))
      if not n or n < (a == '--workers' and 0 or 1) and a ~= '--seed' then
        fail(a .. ' expects ' .. (a == '--workers' and 'an integer >= 0' or 'a positive integer') .. ', got ' ..
          tostring(v))
      end
      o[integers[a]] = n
      i = i + 1
    elseif a == '--lr' then
      o.lr = tonumber(v)
      if not o.lr or o.lr <= 0 then fail('--lr expects a positive number, got ' .. tostring(v)) end
      i = i + 1
    elseif strings[a] then
      if v == nil then fail(a .. ' expects a value') end
      o[strings[a]] = v
      i = i + 1
    else
      fail('unknown argument ' .. a .. '\n' .. USAGE)
    end
    i = i + 1
  end
  local defaults = DEFAULTS[o.model]
  if not defaults then fail("--model must be 'mlp' or 'cnn', got '" .. o.model .. "'") end
  for k, v in pairs(defaults) do
    if o[k] == nil then o[k] = v end
  end
  if o.device ~= 'cpu' and o.device ~= 'cuda' then fail("--device must be 'cpu' or 'cuda', got '" .. o.device .. "'") end
  o.save = o.save or ((o.out and o.out .. '/' or '') .. 'fashion_mnist_' .. o.model .. '.ctorch')
  return o
end
local opts = parse_args(arg)

if opts.device == 'cuda' and not (torch.cuda and torch.cuda.is_available and torch.cuda.is_available()) then
  fail('--device cuda: CUDA is not available (this build of ctorch has no CUDA backend, ' ..
    'torch.cuda.is_available() is false); run with --device cpu')
end

torch.manual_seed(opts.seed)

-------------------------------------------------------------------------------
-- Data: the datasets give uint8 [28, 28] images; ToTensor makes them float32
-- [1, 28, 28] in [0, 1] and Normalize centres them with the training set's
-- mean and standard deviation.  The loaders batch them on worker threads.

local MEAN, STD = 0.2860, 0.3530
local to_input = { T.ToTensor(), T.Normalize({ MEAN }, { STD }) }
local train_transform = T.Compose(opts.augment and { T.RandomHorizontalFlip(), table.unpack(to_input) } or to_input)
local test_transform = T.Compose(to_input)

local root = opts.data or datasets.FASHION_MNIST_DEBIAN_ROOT
local ok, train_set = pcall(datasets.FashionMNIST, { root = root, train = true, transform = train_transform })
local ok_test, test_set
if ok then ok_test, test_set = pcall(datasets.FashionMNIST, { root = root, train = false, transform = test_transform }) end
if not (ok and ok_test) then
  local message = tostring(ok and test_set or train_set)
  if not message:find('cannot find', 1, true) then fail(message) end -- damaged files: the reader says which
  io.stderr:write(string.format([[
fashion_mnist: Fashion-MNIST is not in %s.
Get it with
    sudo apt-get install dataset-fashion-mnist
(Debian and Ubuntu; the files go to %s, the default --data), or put
train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz
and t10k-labels-idx1-ubyte.gz (from https://github.com/zalandoresearch/fashion-mnist)
in a folder and run with --data FOLDER.
]], root, datasets.FASHION_MNIST_DEBIAN_ROOT))
  os.exit(1)
end
local classes = train_set.classes

-- --limit: the first N batches' worth of images of each split (the training
-- ones drawn at random once, so every class shows up).
if opts.limit then
  local function first_items(ds, n, shuffled)
    n = math.min(n, #ds)
    local order = shuffled and torch.randperm(#ds):totable() or nil
    local indices = {}
    for i = 1, n do indices[i] = order and order[i] or i end
    return data.Subset(ds, indices)
  end
  train_set = first_items(train_set, opts.limit * opts.batch_size, true)
  test_set = first_items(test_set, opts.limit * opts.batch_size, false)
end

local train_loader = data.DataLoader(train_set, { batch_size = opts.batch_size, shuffle = true,
  num_workers = opts.workers, seed = opts.seed })
local test_loader = data.DataLoader(test_set, { batch_size = 1000, num_workers = opts.workers })

-------------------------------------------------------------------------------
-- The networks.  Both end in log_softmax, so NLLLoss is the cross entropy.

-- The course's fully connected network: 784 -> 256 -> 128 -> 64 -> 10.
local Classifier = nn.Module:extend('Classifier')
function Classifier:init()
  self.fc1 = nn.Linear(784, 256)
  self.fc2 = nn.Linear(256, 128)
  self.fc3 = nn.Linear(128, 64)
  self.fc4 = nn.Linear(64, 10)
end
function Classifier:forward(x)
  x = x:view(x:size(1), -1) -- [B, 1, 28, 28] -> [B, 784]
  x = F.relu(self.fc1(x))
  x = F.relu(self.fc2(x))
  x = F.relu(self.fc3(x))
  return F.log_softmax(self.fc4(x), 2)
end

-- Two blocks of 3x3 convolution + batch norm + ReLU + 2x2 max-pool (28 -> 14
-- -> 7 pixels), then a hidden layer with dropout.
local ConvNet = nn.Module:extend('ConvNet')
function ConvNet:init()
  self.features = nn.Sequential(
    nn.Conv2d(1, 16, 3, { padding = 1 }), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(16, 32, 3, { padding = 1 }), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2))
  self.classifier = nn.Sequential(
    nn.Flatten(), nn.Linear(32 * 7 * 7, 128), nn.ReLU(), nn.Dropout(0.3), nn.Linear(128, 10))
end
function ConvNet:forward(x)
  return F.log_softmax(self.classifier(self.features(x)), 2)
end

local model = opts.model == 'mlp' and Classifier() or ConvNet()
local device = opts.device
if device ~= 'cpu' then model:to(device) end
local criterion = nn.NLLLoss()
local optimizer = optim.Adam(model:parameters(), { lr = opts.lr })
local scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, opts.epochs)

local parameters = 0
for _, p in ipairs(model:parameters()) do parameters = parameters + p:numel() end
print(model)
print(string.format('%s: %d parameters; %d training / %d test images, %d batches of %d per epoch, %d workers', opts.model,
  parameters, #train_set, #test_set, #train_loader, opts.batch_size, opts.workers))
print(string.format('Adam, lr %g (cosine to 0 over %d epochs), augmentation: %s, device: %s', opts.lr, opts.epochs,
  opts.augment and 'random horizontal flips' or 'none', device))

-------------------------------------------------------------------------------
-- Training and evaluation.

-- One epoch; returns the mean training loss.
local function train_epoch(epoch)
  model:train()
  local bar = progress(train_loader, { desc = string.format('epoch %d/%d', epoch, opts.epochs), unit = 'batch',
    disable = opts.quiet })
  local total, batches = 0, 0
  for inputs, labels in bar:iter() do
    if device ~= 'cpu' then inputs, labels = inputs:to(device), labels:to(device) end
    optimizer:zero_grad()
    local loss = criterion(model(inputs), labels)
    loss:backward()
    optimizer:step()
    total, batches = total + loss:item(), batches + 1
    bar:set_postfix({ loss = total / batches })
  end
  return total / batches
end

-- Accuracy on the test set, overall and per class: correct and seen counts.
local function evaluate()
  model:eval()
  local correct, seen = {}, {}
  for c = 1, #classes do correct[c], seen[c] = 0, 0 end
  torch.no_grad(function()
    for inputs, labels in test_loader:iter() do
      if device ~= 'cpu' then inputs = inputs:to(device) end
      local predicted = model(inputs):argmax(2):to('cpu'):totable()
      for i, label in ipairs(labels:totable()) do
        seen[label] = seen[label] + 1
        if predicted[i] == label then correct[label] = correct[label] + 1 end
      end
    end
  end)
  local right, all = 0, 0
  for c = 1, #classes do right, all = right + correct[c], all + seen[c] end
  return right / all, correct, seen, right, all
end

local train_seconds, accuracy, correct, seen, right, all = 0, nil, nil, nil, nil, nil
for epoch = 1, opts.epochs do
  local t0 = torch.clock()
  local loss = train_epoch(epoch)
  local seconds = torch.clock() - t0
  train_seconds = train_seconds + seconds
  scheduler:step()
  local t1 = torch.clock()
  accuracy, correct, seen, right, all = evaluate()
  print(string.format('epoch %d/%d: train loss %.4f, test accuracy %.4f, train %.1f s, test %.1f s', epoch,
    opts.epochs, loss, accuracy, seconds, torch.clock() - t1))
end

print(string.format('\ntest accuracy of the %s: %.4f (%d/%d), after %d epochs, %.1f s of training (%.1f s per epoch)',
  opts.model, accuracy, right, all, opts.epochs, train_seconds, train_seconds / opts.epochs))
print('per class:')
for c, name in ipairs(classes) do
  print(string.format('  %-12s %.4f (%d/%d)', name, seen[c] > 0 and correct[c] / seen[c] or 0, correct[c], seen[c]))
end

torch.save(opts.save, model:state_dict())
print('saved the state dict to ' .. opts.save)
