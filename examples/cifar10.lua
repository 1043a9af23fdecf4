-- The CIFAR-10 tutorial of the seeds, end to end: images normalised to
-- [-1, 1], a shuffled DataLoader of batch 4, the tutorial's Net, cross-entropy,
-- SGD (lr 0.001, momentum 0.9) for 2 epochs with a progress bar showing the
-- running loss, then test accuracy overall and per class.
--
--   ctorch-lua examples/cifar10.lua [--data DIR] [--epochs N] [--batch-size B]
--       [--model lenet|alexnet|inception|ensemble] [--device cpu|cuda]
--       [--workers N] [--lr LR] [--seed S] [--save PATH] [--download]
--       [--limit N]
--
-- --data: the folder holding the binary CIFAR-10 (data_batch_1.bin ...
--   test_batch.bin, directly or in cifar-10-batches-bin/); default ./data.
-- --workers: DataLoader threads (2); --limit: only N batches of training per
--   epoch and N of testing (a quick check).  --save writes the trained
--   weights (torch.save of the state dict).
local torch = require 'torch'
local nn = require 'torch.nn'
local optim = require 'torch.optim'
local T = torch.vision.transforms

local CLASSES = { 'plane', 'car', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck' }

local function fail(msg)
  io.stderr:write('cifar10: ', msg, '\n')
  os.exit(1)
end

local function parse_args(argv)
  local o = { data = 'data', epochs = 2, batch_size = 4, model = 'lenet', device = 'cpu', workers = 2,
    lr = 0.001, seed = 0 }
  local numbers = { ['--epochs'] = 'epochs', ['--batch-size'] = 'batch_size', ['--workers'] = 'workers',
    ['--lr'] = 'lr', ['--seed'] = 'seed', ['--limit'] = 'limit' }
  local strings = { ['--data'] = 'data', ['--model'] = 'model', ['--device'] = 'device', ['--save'] = 'save' }
  local i = 1
  while argv[i] do
    local a = argv[i]
    if numbers[a] then
      o[numbers[a]] = math.tointeger(tonumber(argv[i + 1])) or tonumber(argv[i + 1])
      if not o[numbers[a]] then fail(a .. ' expects a number') end
      i = i + 2
    elseif strings[a] then
      o[strings[a]] = argv[i + 1]
      if not o[strings[a]] then fail(a .. ' expects a value') end
      i = i + 2
    elseif a == '--download' then
      o.download = true
      i = i + 1
    elseif a == '--help' or a == '-h' then
      print('usage: ctorch-lua examples/cifar10.lua [--data DIR] [--epochs N] [--batch-size B] ' ..
        '[--model lenet|alexnet|inception|ensemble] [--device cpu|cuda] [--workers N] [--lr LR] ' ..
        '[--seed S] [--save PATH] [--download] [--limit N]')
      os.exit(0)
    else
      fail('unknown argument ' .. a .. ' (try --help)')
    end
  end
  return o
end

local opts = parse_args(arg or {})
local models = dofile((debug.getinfo(1, 'S').source:match('^@(.*[/\\])') or '') .. 'cifar_models.lua')

if opts.device ~= 'cpu' then
  local cuda = torch.cuda
  if not (opts.device:match('^cuda') and cuda and cuda.is_available and cuda.is_available()) then
    fail(string.format("--device %s: not available here (torch.cuda.is_available() is false: ctorch was " ..
      "built without the CUDA backend or no GPU is visible); use --device cpu", opts.device))
  end
end
torch.manual_seed(opts.seed)

-- images as tensors normalised to [-1, 1]
local transform = T.Compose({ T.ToTensor(), T.Normalize({ 0.5, 0.5, 0.5 }, { 0.5, 0.5, 0.5 }) })
local ok, trainset = pcall(torch.vision.datasets.CIFAR10,
  { root = opts.data, train = true, transform = transform, download = opts.download })
if not ok then fail(tostring(trainset):gsub('pass download=true', 'pass --download')) end
local testset = torch.vision.datasets.CIFAR10({ root = opts.data, train = false, transform = transform })

local data = torch.utils.data
if opts.limit then -- the first batches' worth of images only
  local function first(ds, n)
    local idx = {}
    for i = 1, math.min(n, #ds) do idx[i] = i end
    return data.Subset(ds, idx)
  end
  trainset, testset = first(trainset, opts.limit * opts.batch_size), first(testset, opts.limit * opts.batch_size)
end
local trainloader = data.DataLoader(trainset, { batch_size = opts.batch_size, shuffle = true,
  num_workers = opts.workers })
local testloader = data.DataLoader(testset, { batch_size = opts.batch_size, shuffle = false,
  num_workers = opts.workers })

local ok_model, model = pcall(models.create, opts.model)
if not ok_model then fail(tostring(model)) end
model:to(opts.device)
local criterion = nn.CrossEntropyLoss()
local optimizer = optim.SGD(model:parameters(), { lr = opts.lr, momentum = 0.9 })

print(string.format('CIFAR-10: %d training and %d test images, model %s, batch %d, %d epochs, %d workers',
  #trainset, #testset, opts.model, opts.batch_size, opts.epochs, opts.workers))

local started = torch.clock()
for epoch = 1, opts.epochs do
  local bar = torch.utils.progress(trainloader, { desc = string.format('epoch %d/%d', epoch, opts.epochs) })
  local running_loss = 0.0
  model:train()
  for inputs, labels in bar:iter() do
    inputs, labels = inputs:to(opts.device), labels:to(opts.device)
    optimizer:zero_grad()
    local outputs = model(inputs)
    local loss = criterion(outputs, labels)
    loss:backward()
    optimizer:step()
    running_loss = 0.99 * running_loss + 0.01 * loss:item()
    bar:set_postfix({ loss = running_loss })
  end
end
print(string.format('**** Finished Training **** (%.1f s)', torch.clock() - started))

-- accuracy, overall and per class
model:eval()
local correct, total = 0, 0
local class_correct, class_total = torch.zeros(10, { dtype = torch.int64 }), torch.zeros(10, { dtype = torch.int64 })
torch.no_grad(function()
  for images, labels in testloader:iter() do
    local outputs = model(images:to(opts.device)):cpu()
    local predicted = torch.argmax(outputs, 2)
    local hits = predicted:eq(labels)
    total = total + labels:size(1)
    correct = correct + hits:sum():item()
    local per_class = nn.functional.one_hot(labels, 10) -- labels are 1..10
    class_total:add_(per_class:sum(1))
    class_correct:add_((per_class * hits:unsqueeze(2)):sum(1))
  end
end)
print(string.format('Accuracy of the network on the %d test images: %.1f %%', total, 100 * correct / total))
for c = 1, 10 do
  local n = class_total[c]
  if n > 0 then
    print(string.format('Accuracy of %5s : %5.1f %%', CLASSES[c], 100 * class_correct[c] / n))
  else
    print(string.format('Accuracy of %5s :   n/a (no test images)', CLASSES[c]))
  end
end

if opts.save then
  torch.save(opts.save, model:state_dict())
  print('saved the weights to ' .. opts.save)
end
