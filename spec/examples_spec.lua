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
  -- fashion_mnist.lua, shortened (--limit: 3 batches of 16 per split) on the
  -- look-alike fixture; returns ok, output and the loaded state dict.
  local function fashion_run(args)
    local dir = os.tmpname()
    os.remove(dir)
    assert(os.execute('mkdir -p ' .. dir))
    write_fashion_fixture(dir, 60, 60)
    local save = dir .. '/model.ctorch'
    local ok, out = run('examples/fashion_mnist.lua', '--data ' .. dir .. ' --limit 3 --batch-size 16 --save ' .. save ..
      ' ' .. args)
    local torch = require 'torch'
    local loaded, sd = pcall(torch.load, save)
    os.execute('rm -rf ' .. dir)
    return ok, out, loaded and sd or nil
  end

  -- The lines every run prints: epochs, the final accuracy and the per-class table.
  local function assert_fashion_report(out, model, epochs)
    local losses = {}
    for e = 1, epochs do
      local loss, acc = out:match(string.format('\nepoch %d/%d: train loss ([%%d.]+), test accuracy ([%%d.]+), ' ..
        'train [%%d.]+ s, test [%%d.]+ s\n', e, epochs))
      assert.is_string(loss, out)
      assert.is_true(tonumber(acc) >= 0 and tonumber(acc) <= 1, out)
      losses[e] = tonumber(loss)
    end
    -- the progress bar: plain lines (not a terminal) with the running loss
    local bar = ('\nepoch E/E: 3/3 100%% [%d:]+<00:00 [%d.]+s?/?batch/?s? loss=[%d.]+\n'):gsub('E', epochs)
    assert.truthy(out:find(bar), out)
    local acc, right = out:match('\ntest accuracy of the ' .. model .. ': ([%d.]+) %((%d+)/48%), after ' .. epochs ..
      ' epochs, [%d.]+ s of training')
    assert.is_string(acc, out)
    assert.are.equal(string.format('%.4f', tonumber(right) / 48), acc)
    local total = 0
    for _, name in ipairs({ 'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag',
      'Ankle boot' }) do
      local c, n = out:match('\n  ' .. name:gsub('%-', '%%-') .. ' +[%d.]+ %((%d+)/(%d+)%)\n')
      assert.is_string(c, name .. '\n' .. out)
      total = total + tonumber(n)
    end
    assert.are.equal(48, total)
    assert.truthy(out:find('saved the state dict to ', 1, true), out)
    return losses
  end

  local function assert_state_dict(sd, shapes, out)
    assert.is_table(sd, out)
    local keys = 0
    for k, v in pairs(sd) do
      keys = keys + 1
      assert.is_not_nil(shapes[k], 'unexpected key ' .. k)
      assert.are.same(shapes[k], v.shape, k)
    end
    local want = 0
    for _ in pairs(shapes) do want = want + 1 end
    assert.are.equal(want, keys)
  end

  it('fashion_mnist.lua --model mlp: trains, reports per class, saves a loadable state dict', function()
    local ok, out, sd = fashion_run('--epochs 3 --workers 0')
    assert.is_true(ok, out)
    assert.truthy(out:find('mlp: 242762 parameters; 48 training / 48 test images, 3 batches of 16 per epoch, 0 workers',
      1, true), out)
    local losses = assert_fashion_report(out, 'mlp', 3)
    assert.is_true(losses[3] < losses[1], out)
    assert_state_dict(sd, { ['fc1.weight'] = { 256, 784 }, ['fc1.bias'] = { 256 }, ['fc2.weight'] = { 128, 256 },
      ['fc2.bias'] = { 128 }, ['fc3.weight'] = { 64, 128 }, ['fc3.bias'] = { 64 }, ['fc4.weight'] = { 10, 64 },
      ['fc4.bias'] = { 10 } }, out)
  end)

  it('fashion_mnist.lua --model cnn with workers: conv + batch norm state dict', function()
    local ok, out, sd = fashion_run('--model cnn --epochs 2 --workers 2')
    assert.is_true(ok, out)
    assert.truthy(out:find('augmentation: random horizontal flips', 1, true), out)
    assert_fashion_report(out, 'cnn', 2)
    local shapes = { ['features.0.weight'] = { 16, 1, 3, 3 }, ['features.0.bias'] = { 16 },
      ['features.4.weight'] = { 32, 16, 3, 3 }, ['features.4.bias'] = { 32 },
      ['classifier.1.weight'] = { 128, 1568 }, ['classifier.1.bias'] = { 128 },
      ['classifier.4.weight'] = { 10, 128 }, ['classifier.4.bias'] = { 10 } }
    for _, bn in ipairs({ { 'features.1.', 16 }, { 'features.5.', 32 } }) do
      for _, name in ipairs({ 'weight', 'bias', 'running_mean', 'running_var' }) do shapes[bn[1] .. name] = { bn[2] } end
      shapes[bn[1] .. 'num_batches_tracked'] = {}
    end
    assert_state_dict(sd, shapes, out)
    assert.are.equal(6, sd['features.1.num_batches_tracked']:item()) -- 2 epochs of 3 batches
  end)

  it('fashion_mnist.lua without the data says how to get it and fails; so does --device cuda', function()
    local ok, out = run('examples/fashion_mnist.lua', '--data /nonexistent/fashion-mnist')
    assert.falsy(ok, out)
    assert.truthy(out:find('fashion_mnist: Fashion-MNIST is not in /nonexistent/fashion-mnist', 1, true), out)
    assert.truthy(out:find('apt-get install dataset-fashion-mnist', 1, true), out)
    assert.truthy(out:find('run with --data FOLDER', 1, true), out)
    local torch = require 'torch'
    if not (torch.cuda and torch.cuda.is_available and torch.cuda.is_available()) then
      local ok2, out2 = run('examples/fashion_mnist.lua', '--device cuda --data /nonexistent/fashion-mnist')
      assert.falsy(ok2, out2)
      assert.truthy(out2:find('fashion_mnist: --device cuda: CUDA is not available', 1, true), out2)
    end
    local ok3, out3 = run('examples/fashion_mnist.lua', '--model rnn')
    assert.falsy(ok3, out3)
    assert.truthy(out3:find("fashion_mnist: --model must be 'mlp' or 'cnn', got 'rnn'", 1, true), out3)
  end)
end)
