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
end)
