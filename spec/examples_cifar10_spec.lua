-- examples/cifar10.lua, shortened, on a small CIFAR-10-format data set
-- written here: class k's images are noise with a bright square at a place
-- that depends on k, so even a few steps of training beat chance.
local torch = require 'torch'
local build = os.getenv('CTORCH_BUILD_DIR')

local function run(args)
  local p = io.popen(string.format('%s/ctorch-lua examples/cifar10.lua %s 2>&1', build, args))
  local out = p:read('a')
  local ok = p:close()
  return ok, out
end

local function write_batch(path, n, seed)
  math.randomseed(seed)
  local records = {}
  for i = 1, n do
    local k = (i - 1) % 10
    local top, left = 4 + 12 * (k // 5), 2 + 6 * (k % 5)
    local planes = {}
    for c = 0, 2 do
      local px = {}
      for r = 0, 31 do
        for col = 0, 31 do
          local on = r >= top and r < top + 8 and col >= left and col < left + 5
          px[#px + 1] = on and (c == k % 3 and 250 or 180) or math.random(0, 70)
        end
      end
      planes[c + 1] = string.char(table.unpack(px, 1, 512)) .. string.char(table.unpack(px, 513, 1024))
    end
    records[i] = string.char(k) .. table.concat(planes)
  end
  local f = assert(io.open(path, 'wb'))
  f:write(table.concat(records))
  f:close()
end

describe('examples/cifar10.lua', function()
  local dir
  setup(function()
    dir = os.tmpname()
    os.remove(dir)
    assert(os.execute('mkdir -p ' .. dir .. '/cifar-10-batches-bin'))
    for b = 1, 5 do write_batch(string.format('%s/cifar-10-batches-bin/data_batch_%d.bin', dir, b), 40, b) end
    write_batch(dir .. '/cifar-10-batches-bin/test_batch.bin', 50, 9)
  end)
  teardown(function() os.execute('rm -rf ' .. dir) end)

  it('trains the seeds\' Net with a progress bar, reports accuracy per class and saves it', function()
    local save = dir .. '/net.ctorch'
    local ok, out = run('--data ' .. dir .. ' --epochs 3 --batch-size 4 --lr 0.01 --workers 2 --save ' .. save)
    assert.is_true(ok, out)
    assert.truthy(out:find('CIFAR-10: 200 training and 50 test images, model lenet, batch 4, 3 epochs, 2 workers',
      1, true), out)
    assert.truthy(out:find('epoch 3/3', 1, true), out)
    assert.truthy(out:find('loss=', 1, true), out)
    assert.truthy(out:find('**** Finished Training ****', 1, true), out)
    local acc = tonumber(out:match('Accuracy of the network on the 50 test images: ([%d.]+) %%'))
    assert.is_number(acc, out)
    assert.is_true(acc > 30, 'accuracy ' .. tostring(acc) .. ' should beat chance (10 %)\n' .. out)
    for _, name in ipairs({ 'plane', 'car', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck' }) do
      assert.truthy(out:find(string.format('Accuracy of %5s : ', name), 1, true), name .. '\n' .. out)
    end
    local state = torch.load(save)
    assert.same({ 6, 3, 5, 5 }, state['conv1.weight'].shape)
    assert.same({ 10, 120 }, state['fc3.weight'].shape)
  end)

  it('runs every model of the tutorial for a few batches', function()
    for _, model in ipairs({ 'alexnet', 'inception', 'ensemble' }) do
      local ok, out = run('--data ' .. dir .. ' --epochs 1 --limit 2 --workers 0 --model ' .. model)
      assert.is_true(ok, out)
      assert.truthy(out:find('model ' .. model, 1, true), out)
      assert.truthy(out:find('Accuracy of the network on the 8 test images', 1, true), out)
    end
  end)

  it('says how to get the data set when it is missing, and fails', function()
    local ok, out = run('--data /nonexistent/cifar')
    assert.falsy(ok, out)
    assert.truthy(out:find('cifar-10-binary.tar.gz', 1, true), out)
    assert.truthy(out:find('/nonexistent/cifar', 1, true), out)
  end)

  it('rejects an unavailable device and an unknown model clearly', function()
    local ok, out = run('--data ' .. dir .. ' --device cuda')
    if torch.cuda and torch.cuda.is_available and torch.cuda.is_available() then
      pending('a GPU is present: --device cuda is exercised by the CUDA specs')
      return
    end
    assert.falsy(ok, out)
    assert.truthy(out:find('--device cuda: not available here', 1, true), out)
    ok, out = run('--data ' .. dir .. ' --model resnet')
    assert.falsy(ok, out)
    assert.truthy(out:find("unknown model 'resnet'", 1, true), out)
  end)
end)
