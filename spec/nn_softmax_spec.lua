-- torch.softmax / torch.log_softmax (and the x:softmax methods): values
-- against PyTorch 1.13 (spec/fixtures/nn_loss_ref.lua, made by
-- gen_nn_loss_ref.py), every dim and layout (contiguous rows, the block
-- kernel for inner dims, strided inputs), numerical stability, the dtype
-- option, errors, and gradients: PyTorch's values, gradcheck in float64 and
-- second derivatives through create_graph.
local torch = require 'torch'
local H = require 'spec.helpers'
local R = dofile('spec/fixtures/nn_loss_ref.lua')

local f64 = { dtype = torch.float64 }
local function T(v) return torch.tensor(v, f64) end

before_each(function() torch.manual_seed(4321) end)

local function check(fn, inputs)
  assert.is_true(torch.autograd.gradcheck(fn, inputs))
end

-- First derivatives of fn (with the output gradient as an input too) pass gradcheck.
local function check_second(fn, x)
  local v = torch.randn(fn(x).shape, f64):requires_grad_()
  check(function(a, g)
    return torch.autograd.grad({ fn(a) }, { a }, { grad_outputs = { g }, create_graph = true })[1]
  end, { x, v })
end

-- The same op computed in float64 by the definition, along dim (1-based).
local function reference(x, dim, log)
  local x64 = x:double()
  local m = x64:amax(dim, { keepdim = true })
  local e = (x64 - m):exp()
  local s = e:sum(dim, { keepdim = true })
  if log then return x64 - m - s:log() end
  return e / s
end

-- max |a - b| <= tol * max(1, |b|) elementwise, computed with tensor ops (for big tensors)
local function close(a, b, tol)
  assert.are.same(b.shape, a.shape)
  local err = ((a:double() - b:double()):abs() - (b:double():abs():clamp(1) * tol)):amax():item()
  assert(err <= 0, string.format('max error exceeds tolerance %g by %g', tol, err))
end

describe('softmax and log_softmax values', function()
  it('match PyTorch along every dim, as functions and methods, with negative dims', function()
    local x = T(R.softmax_x)
    for d = 1, 3 do
      H.assert_tensor(torch.softmax(x, d), R.softmax['d' .. d], 1e-12, { 2, 3, 4 })
      H.assert_tensor(torch.log_softmax(x, d), R.log_softmax['d' .. d], 1e-12, { 2, 3, 4 })
      H.assert_tensor(x:softmax(d - 4), R.softmax['d' .. d], 1e-12)
      H.assert_tensor(x:log_softmax(d - 4), R.log_softmax['d' .. d], 1e-12)
    end
  end)

  it('match PyTorch in float32', function()
    local x = torch.tensor(R.softmax_x)
    assert.are.equal(torch.float32, torch.softmax(x, 2).dtype)
    for d = 1, 3 do
      H.assert_tensor(torch.softmax(x, d), R.softmax['d' .. d], 1e-6)
      H.assert_tensor(torch.log_softmax(x, d), R.log_softmax['d' .. d], 1e-6)
    end
  end)

  it('give the same result for strided inputs as for contiguous copies', function()
    local base = torch.randn(5, 4, 3)
    local views = { base:transpose(1, 3), base:narrow(2, 2, 2), base:permute({ 2, 3, 1 }), base:select(2, 3) }
    for _, v in ipairs(views) do
      assert.is_false(v:is_contiguous() and v:numel() == base:numel())
      for d = 1, v:dim() do
        H.assert_tensor(v:softmax(d), H.values(v:contiguous():softmax(d)), 1e-6, v.shape)
        H.assert_tensor(v:log_softmax(d), H.values(reference(v, d, true)), 1e-5)
      end
    end
  end)

  it('run the row, block and strided kernels on large inputs (several threads)', function()
    for _, shape in ipairs({ { 64, 1000 }, { 3, 700, 70 }, { 2, 3, 130 } }) do
      local x = torch.randn(shape) * 3
      for d = 1, #shape do
        -- float32 sums of 1000 terms: PyTorch's error is the same size
        close(torch.softmax(x, d), reference(x, d, false), 5e-6)
        close(torch.log_softmax(x, d), reference(x, d, true), 5e-6)
        local xd = x:double()
        close(torch.log_softmax(xd, d), reference(xd, d, true), 1e-12)
        close(torch.softmax(xd, d), reference(xd, d, false), 1e-12)
      end
    end
    local t = torch.randn(300, 200):t()
    close(t:softmax(2), reference(t, 2, false), 5e-6)
    close(t:log_softmax(1), reference(t, 1, true), 5e-6)
  end)

  it('sum to one along the dim', function()
    local x = torch.randn(3, 17, 5)
    H.assert_tensor(x:softmax(2):sum(2), H.values(torch.ones(3, 5)), 1e-6, { 3, 5 })
    H.assert_tensor(x:log_softmax(1):exp():sum(1), H.values(torch.ones(17, 5)), 1e-5)
  end)

  it('handle 0-dim, 1-D, size-1 and empty inputs', function()
    H.assert_tensor(torch.softmax(T(3.5), 1), { 1 }, 0, {})
    H.assert_tensor(torch.log_softmax(T(3.5), -1), { 0 }, 0, {})
    H.assert_tensor(torch.softmax(T({ 1, 2 }), 1), { 1 / (1 + math.exp(1)), 1 / (1 + math.exp(-1)) }, 1e-12)
    H.assert_tensor(torch.softmax(torch.randn(4, 1), 2), { 1, 1, 1, 1 }, 0, { 4, 1 })
    H.assert_shape(torch.softmax(torch.zeros(0, 3), 2), { 0, 3 })
    H.assert_shape(torch.log_softmax(torch.zeros(2, 0), 2), { 2, 0 })
    H.assert_shape(torch.softmax(torch.zeros(0, 3, 4), 2), { 0, 3, 4 })
  end)

  it('are stable for huge logits (PyTorch float32 and float64 values)', function()
    local x32 = torch.tensor(R.stable_x)
    local sm = torch.softmax(x32, 2)
    H.assert_tensor(sm:narrow(1, 1, 2), { R.stable_softmax32[1], R.stable_softmax32[2] }, 1e-6)
    H.assert_tensor(sm:narrow(1, 4, 1), { R.stable_softmax32[4] }, 1e-6)
    H.assert_tensor(sm:select(1, 3), { 1 / 3, 1 / 3, 1 / 3 }, 1e-6)
    H.assert_tensor(torch.log_softmax(x32, 2), R.stable_log_softmax32, 1e-5)
    H.assert_tensor(torch.log_softmax(T(R.stable_x), 2), R.stable_log_softmax64, 1e-12)
    assert.is_true(torch.isfinite(torch.log_softmax(x32, 2)):all():item())
  end)

  it('give 0 for -inf logits and nan for rows without a finite logit, as PyTorch', function()
    local inf = math.huge
    H.assert_tensor(torch.softmax(T({ { -inf, 0, 0 } }), 2), { { 0, 0.5, 0.5 } }, 1e-12)
    H.assert_tensor(torch.log_softmax(T({ { -inf, 0 } }), 2), { { -inf, 0 } }, 1e-12)
    H.assert_tensor(torch.softmax(T({ { -inf, -inf } }), 2), { { 0 / 0, 0 / 0 } })
    H.assert_tensor(torch.softmax(torch.tensor({ { 1, 0 / 0, 2 }, { 1, 2, 3 } }), 2):select(1, 1),
      { 0 / 0, 0 / 0, 0 / 0 })
  end)

  it('take a dtype positionally or as an option, converting first', function()
    local i = torch.tensor({ { 1, 2 }, { 3, 3 } })
    local s = torch.softmax(i, 2, torch.float64)
    assert.are.equal(torch.float64, s.dtype)
    H.assert_tensor(s, { { 1 / (1 + math.exp(1)), 1 / (1 + math.exp(-1)) }, { 0.5, 0.5 } }, 1e-12)
    local l = i:log_softmax(-1, { dtype = torch.float32 })
    assert.are.equal(torch.float32, l.dtype)
    H.assert_tensor(l, { { -math.log(1 + math.exp(1)), -math.log(1 + math.exp(-1)) }, { -math.log(2), -math.log(2) } },
      1e-6)
    local x = torch.randn(3, 4, f64):requires_grad_()
    local y = torch.softmax(x, 1, { dtype = torch.float32 })
    assert.are.equal(torch.float32, y.dtype)
    y:sum():backward()
    assert.are.equal(torch.float64, x.grad.dtype)
  end)
end)

describe('softmax and log_softmax errors', function()
  it('require dim', function()
    H.assert_error_has(function() torch.softmax(torch.randn(3)) end, 'softmax: dim is required')
    H.assert_error_has(function() torch.randn(3):log_softmax() end, 'log_softmax: dim is required')
    H.assert_error_has(function() torch.softmax(torch.randn(3), { dtype = torch.float64 }) end, 'dim is required')
  end)

  it('take dim from the options table too', function()
    local x = T(R.softmax_x)
    H.assert_tensor(x:softmax({ dim = 2 }), R.softmax.d2, 1e-12)
    H.assert_tensor(torch.log_softmax(x, { dim = -1, dtype = torch.float32 }), R.log_softmax.d3, 1e-6)
    H.assert_error_has(function() x:softmax({ dim = 0 }) end, 'dim is required and 1-based')
    H.assert_error_has(function() x:softmax({ dim = 4 }) end, 'out of range')
  end)

  it('name a dim out of range (1-based) and reject dim 0', function()
    H.assert_error_has(function() torch.softmax(torch.randn(2, 3), 3) end, 'softmax', 'dimension 3 out of range')
    H.assert_error_has(function() torch.log_softmax(torch.randn(2, 3), -3) end, 'log_softmax', 'out of range')
    H.assert_error_has(function() torch.softmax(torch.randn(2, 3), 0) end, '1-based')
  end)

  it('reject integer tensors without a dtype', function()
    H.assert_error_has(function() torch.softmax(torch.tensor({ 1, 2 }), 1) end, 'softmax', 'float32 or float64',
      'int64')
  end)
end)

describe('softmax and log_softmax gradients', function()
  it('match PyTorch for a given output gradient along every dim', function()
    local g = T(R.softmax_g)
    for d = 1, 3 do
      for _, name in ipairs({ 'softmax', 'log_softmax' }) do
        local x = T(R.softmax_x):requires_grad_()
        torch[name](x, d):backward(g)
        H.assert_tensor(x.grad, R[name .. '_grad_d' .. d], 1e-12)
      end
    end
  end)

  it('match float64 results in float32, for rows and blocks', function()
    for _, shape in ipairs({ { 8, 37 }, { 4, 5, 70 } }) do
      local x = torch.randn(shape)
      local g = torch.randn(shape)
      for d = 1, #shape do
        for _, name in ipairs({ 'softmax', 'log_softmax' }) do
          local a = x:clone():requires_grad_()
          torch[name](a, d):backward(g)
          local b = x:double():requires_grad_()
          torch[name](b, d):backward(g:double())
          H.assert_tensor(a.grad, H.values(b.grad), 1e-5)
        end
      end
    end
  end)

  it('pass gradcheck for every dim, layout and an odd size', function()
    for _, name in ipairs({ 'softmax', 'log_softmax' }) do
      local f = torch[name]
      local x = torch.randn(3, 4, 5, f64):requires_grad_()
      for _, d in ipairs({ 1, 2, 3, -1 }) do check(function(a) return f(a, d) end, { x }) end
      local t = torch.randn(5, 3, f64):requires_grad_()
      check(function(a) return f(a:t(), 2) end, { t })
      check(function(a) return f(a:t(), 1) end, { t })
      check(function(a) return f(a, 1) end, { torch.randn(7, f64):requires_grad_() })
      check(function(a) return f(a, 2) end, { torch.randn(1, 2, 66, f64):requires_grad_() })
    end
  end)

  it('record SoftmaxBackward and LogSoftmaxBackward', function()
    local x = torch.randn(2, 3):requires_grad_()
    assert.are.equal('SoftmaxBackward', x:softmax(2).grad_fn)
    assert.are.equal('LogSoftmaxBackward', x:log_softmax(2).grad_fn)
    assert.is_nil(torch.no_grad(function() return x:softmax(2) end).grad_fn)
  end)

  it('have second derivatives (create_graph), along inner and outer dims', function()
    for _, name in ipairs({ 'softmax', 'log_softmax' }) do
      local f = torch[name]
      check_second(function(a) return f(a, 2) end, torch.randn(3, 4, f64):requires_grad_())
      check_second(function(a) return f(a, 1) end, torch.randn(3, 2, 2, f64):requires_grad_())
    end
  end)

  it('give a zero gradient to a softmax summed over its dim', function()
    local x = torch.randn(4, 6, f64):requires_grad_()
    x:softmax(2):sum():backward()
    H.assert_tensor(x.grad, H.values(torch.zeros(4, 6)), 1e-12)
  end)

  it('detect an output modified in place before backward', function()
    local x = torch.randn(2, 3):requires_grad_()
    local y = x:softmax(2)
    local z = y * 1
    y:mul_(2)
    H.assert_error_has(function() y:sum():backward() end, 'modified by an in-place operation')
    assert.is_true(z ~= nil)
  end)
end)
