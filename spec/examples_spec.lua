-- Every example runs under ctorch-lua, in a shortened form, so none can rot.
local build = os.getenv('CTORCH_BUILD_DIR')

local function run(script, args)
  local cmd = string.format('%s/ctorch-lua %s %s 2>&1', build, script, args or '')
  local p = io.popen(cmd)
  local out = p:read('a')
  local ok = p:close()
  return ok, out
end

describe('examples', function()
  it('demo.lua runs', function()
    local ok, out = run('examples/demo.lua')
    assert.is_true(ok, out)
    assert.truthy(out:find('torch.Size([2, 3])', 1, true), out)
  end)

  it('logistic_regression.lua trains well above chance', function()
    local ok, out = run('examples/logistic_regression.lua', '--samples 100 --epochs 3')
    assert.is_true(ok, out)
    local before = tonumber(out:match('accuracy before training: ([%d.]+)'))
    local after = tonumber(out:match('accuracy after training: ([%d.]+)'))
    assert.is_number(before, out)
    assert.is_number(after, out)
    -- two unit-variance clouds 2.2 apart: the Bayes rate is about 0.86
    assert.is_true(after >= 0.8, out)
    assert.truthy(out:find('epoch 3', 1, true), out)
  end)

  it('mlp_softplus.lua: the softplus MLP learns with hand-written SGD', function()
    local ok, out = run('examples/mlp_softplus.lua', '--epochs 2 --samples 1000 --batch-size 50 --hidden 64')
    assert.is_true(ok, out)
    local first = tonumber(out:match('\n0%.%d+\t([%d.]+)'))
    local loss, acc = out:match('final average loss ([%d.]+), training accuracy ([%d.]+)')
    assert.is_number(first, out)
    assert.is_true(tonumber(loss) < first, out)
    assert.is_true(tonumber(acc) > 0.5, out)
  end)

  it('nn_tour.lua runs every part of the tutorial', function()
    local ok, out = run('examples/nn_tour.lua', '--steps 3 --batch-size 4')
    assert.is_true(ok, out)
    for _, part in ipairs({ 'lenet', 'alexnet', 'inception', 'ensemble', 'stochastic_depth', 'freeze',
      'gradient_noise', 'custom_optimizer' }) do
      assert.truthy(out:find('\n' .. part .. ' +loss [%d.]+ %-> [%d.]+'), part .. '\n' .. out)
    end
    assert.truthy(out:find('conv1 unchanged: true', 1, true), out)
    assert.truthy(out:find('(conv1): Conv2d(3, 6, kernel_size=(5, 5), stride=(1, 1))', 1, true), out)
  end)

  it('nn_tour.lua: the LeNet learns the synthetic classes', function()
    local ok, out = run('examples/nn_tour.lua', '--only lenet --steps 150 --batch-size 16')
    assert.is_true(ok, out)
    local acc = tonumber(out:match('lenet +loss [%d.]+ %-> [%d.]+ +accuracy ([%d.]+)'))
    assert.is_number(acc, out)
    assert.is_true(acc > 0.5, out)
  end)

  it('save_load.lua: stop + resume ends bit-identical to an uninterrupted run', function()
    local torch = require 'torch'
    local ck, full_model, resumed_model = os.tmpname(), os.tmpname(), os.tmpname()
    local ok, full = run('examples/save_load.lua', '--steps 60 --save-model ' .. full_model)
    assert.is_true(ok, full)
    local ok2, stopped = run('examples/save_load.lua', '--steps 60 --stop-at 23 --checkpoint ' .. ck)
    assert.is_true(ok2, stopped)
    assert.truthy(stopped:find('checkpoint saved at step 23', 1, true), stopped)
    assert.falsy(stopped:find('final', 1, true), stopped)
    local saved = torch.load(ck)
    assert.are.equal(23, saved.step)
    assert.are.equal(torch.int64, saved.rng.dtype)
    assert.is_true(torch.is_tensor(saved.optim.state[1].momentum_buffer))
    assert.are.equal(23, saved.sched.last_epoch)
    assert.are.same({ 'bias', 'weight' }, (function()
      local names = {}
      for k in pairs(saved.model) do if k:find('^0%.') then names[#names + 1] = k:sub(3) end end
      table.sort(names)
      return names
    end)())
    local ok3, resumed = run('examples/save_load.lua', '--steps 60 --resume ' .. ck .. ' --save-model ' .. resumed_model)
    assert.is_true(ok3, resumed)
    assert.truthy(resumed:find('resumed from .* at step 23'), resumed)
    local function finals(out)
      local step_loss = out:match('final step loss (%S+)')
      local loss = out:match('final loss on all data (%S+)')
      local checksum = out:match('parameter checksum ([^\n]+)')
      assert.is_string(loss, out)
      assert.is_string(checksum, out)
      return step_loss .. ' ' .. loss .. ' ' .. checksum
    end
    assert.are.equal(finals(full), finals(resumed))
    local a, b = torch.load(full_model), torch.load(resumed_model)
    local keys = 0
    for k, v in pairs(a) do
      keys = keys + 1
      assert.is_true(torch.equal(v, b[k]), k)
    end
    assert.are.equal(6, keys)
    -- without the random state the batches and dropout masks differ
    local ok4, no_rng = run('examples/save_load.lua', '--steps 60 --resume ' .. ck .. ' --skip-rng')
    assert.is_true(ok4, no_rng)
    assert.are_not.equal(finals(full), finals(no_rng))
    for _, p in ipairs({ ck, full_model, resumed_model }) do os.remove(p) end
  end)

  -- A small Fashion-MNIST look-alike: class k is a bright bar whose place
  -- depends on k, plus noise; IDX files written here.
  local function write_fashion_fixture(dir, n_train, n_test)
    local function split(prefix, n, seed)
      math.randomseed(seed)
      local images, labels = {}, {}
      for i = 1, n do
        local k = (i - 1) % 10
        labels[i] = string.char(k)
        local rows = {}
        for r = 0, 27 do
          local row = {}
          for c = 0, 27 do
            local on = (k < 5 and r >= 2 + 5 * k and r < 5 + 5 * k) or (k >= 5 and c >= 2 + 5 * (k - 5) and c < 5 + 5 * (k - 5))
            row[c + 1] = on and 200 + math.random(0, 55) or math.random(0, 60)
          end
          rows[r + 1] = string.char(table.unpack(row))
        end
        images[i] = table.concat(rows)
      end
      local f = assert(io.open(dir .. '/' .. prefix .. '-images-idx3-ubyte', 'wb'))
      f:write(string.pack('>BBBBI4I4I4', 0, 0, 8, 3, n, 28, 28), table.concat(images))
      f:close()
      f = assert(io.open(dir .. '/' .. prefix .. '-labels-idx1-ubyte', 'wb'))
      f:write(string.pack('>BBBBI4', 0, 0, 8, 1, n), table.concat(labels))
      f:close()
    end
    split('train', n_train, 1)
    split('t10k', n_test, 2)
  end

  it('transfer_learning.lua: pretrain, save, load + new head + frozen features, against scratch', function()
    local dir = os.tmpname()
    os.remove(dir)
    assert(os.execute('mkdir -p ' .. dir))
    write_fashion_fixture(dir, 200, 100)
    local ok, out = run('examples/transfer_learning.lua', '--data ' .. dir .. ' --steps 8 --batch-size 16')
    os.execute('rm -rf ' .. dir)
    assert.is_true(ok, out)
    assert.truthy(out:find('classes 1-5: 100 training / 50 test images; classes 6-10: 100 / 50', 1, true), out)
    local pre = tonumber(out:match('pretrained on classes 1%-5: loss [%d.]+, test accuracy ([%d.]+)'))
    local tuned = tonumber(out:match('fine%-tuned head on classes 6%-10: loss [%d.]+, test accuracy ([%d.]+)'))
    local scratch = tonumber(out:match('from scratch on classes 6%-10: loss [%d.]+, test accuracy ([%d.]+)'))
    assert.is_number(pre, out)
    assert.is_number(tuned, out)
    assert.is_number(scratch, out)
    for _, acc in ipairs({ pre, tuned, scratch }) do assert.is_true(acc >= 0 and acc <= 1, out) end
    assert.truthy(out:find('features unchanged: true', 1, true), out)
    -- only the head trains: 32*7*7*64 + 64 + 64*5 + 5 of the parameters
    assert.truthy(out:find('100741 of 105637 parameters trained', 1, true), out)
    assert.truthy(out:find('8 steps', 1, true), out)
  end)

  it('transfer_learning.lua without the data says how to get it and fails', function()
    local ok, out = run('examples/transfer_learning.lua', '--data /nonexistent/fashion-mnist')
    assert.falsy(ok, out)
    assert.truthy(out:find('Fashion-MNIST is not in /nonexistent/fashion-mnist', 1, true), out)
    assert.truthy(out:find('apt-get install dataset-fashion-mnist', 1, true), out)
  end)
end)
