-- DataLoader throughput on CIFAR-shaped data: 10000 random 32x32x3 images in
-- a CIFAR-10 binary file, read by torch.vision.datasets.CIFAR10 with the
-- seeds' augmentation (RandomCrop(32, padding 4), RandomHorizontalFlip,
-- ToTensor, Normalize), batches of 64.
--   mode 'load':  batches/s of the loader alone
--   mode 'train': images/s of LeNet training fed by the loader (SGD momentum),
--                 i.e. how well loading overlaps with training
package.path = 'bench/?.lua;' .. package.path
local torch = require 'torch'
local B = require 'common'

local N, BATCH = 10000, 64

-- test_batch.bin with N records: 64 random images repeated, labels 0..9
local function write_cifar(dir)
  os.execute('mkdir -p ' .. dir)
  local path = dir .. '/test_batch.bin'
  local f = io.open(path, 'rb')
  if f then
    local size = f:seek('end')
    f:close()
    if size == N * 3073 then return end
  end
  math.randomseed(1)
  local rows = {}
  for r = 1, 64 do
    local bytes = {}
    for k = 1, 3072 do bytes[k] = math.random(0, 255) end
    rows[r] = string.char(table.unpack(bytes, 1, 3072))
  end
  f = assert(io.open(path, 'wb'))
  for i = 1, N do f:write(string.char((i - 1) % 10), rows[(i - 1) % 64 + 1]) end
  f:close()
end

return function(mode, workers)
  local dir = (os.getenv('TMPDIR') or '/tmp') .. '/ctorch-bench-cifar'
  write_cifar(dir)
  local T = torch.vision.transforms
  local transform = T.Compose({
    T.RandomCrop(32, { padding = 4 }), T.RandomHorizontalFlip(), T.ToTensor(),
    T.Normalize({ 0.4914, 0.4822, 0.4465 }, { 0.2470, 0.2435, 0.2616 }),
  })
  local ds = torch.vision.datasets.CIFAR10({ root = dir, train = false, transform = transform })
  local loader = torch.utils.data.DataLoader(ds, { batch_size = BATCH, shuffle = true, num_workers = workers })
  assert(loader:uses_c(), 'the loader should run in C')
  local nbatches = #loader
  if mode == 'load' then
    local seconds = B.time(function()
      for _ in loader:iter() do end
    end, 1, 3)
    print(string.format('num_workers %d: %d batches of %d in %.3f s', workers, nbatches, BATCH, seconds))
    B.result(nbatches / seconds)
    return
  end
  local nn, optim = require 'torch.nn', require 'torch.optim'
  local models = dofile('examples/cifar_models.lua')
  torch.manual_seed(0)
  local model = models.create('lenet')
  local criterion = nn.CrossEntropyLoss()
  local optimizer = optim.SGD(model:parameters(), { lr = 0.001, momentum = 0.9 })
  local function epoch()
    for inputs, labels in loader:iter() do
      optimizer:zero_grad()
      criterion(model(inputs), labels):backward()
      optimizer:step()
    end
  end
  local seconds = B.time(epoch, 0, 3)
  print(string.format('LeNet epoch of %d images, num_workers %d: %.3f s', N, workers, seconds))
  B.result(N / seconds)
end
