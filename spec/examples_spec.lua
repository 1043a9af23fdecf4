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
end)
