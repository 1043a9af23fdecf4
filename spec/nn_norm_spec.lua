-- torch.batch_norm and torch.dropout: values, running statistics and
-- gradients against PyTorch 1.13 (spec/fixtures/nn_pool_ref.lua, made by
-- gen_nn_pool_ref.py) and hand-computed numbers, gradcheck in float64 (train
-- and eval, with and without weight and bias), dropout's statistics and
-- reproducibility, strided inputs, and every error.
local torch = require 'torch'
local H = require 'spec.helpers'
local R = dofile('spec/fixtures/nn_pool_ref.lua')

local f64 = { dtype = torch.float64 }

local function t64(v) return torch.tensor(v, f64) end

local function check(fn, inputs)
  assert.is_true(torch.autograd.gradcheck(fn, inputs))
end

local function leaf(...)
  local args = table.pack(...)
  args[args.n + 1] = f64
  return torch.randn(table.unpack(args, 1, args.n + 1)):requires_grad_()
end

local function shape_of(t)
  local s = {}
  for i, v in ipairs(t.shape) do s[i] = v end
  return s
end

-- How each reference case was made: input, stats, affine, training, momentum, eps.
local cases = {
  train3 = { 'bn_x3', true, true, true, 0.1 },
  train3_m3_noaffine = { 'bn_x3', true, false, true, 0.3 },
  train3_nostats = { 'bn_x3', false, true, true, 0.1 },
  eval3 = { 'bn_x3', true, true, false, 0.1 },
  eval3_noaffine_eps = { 'bn_x3', true, false, false, 0.1, 0.01 },
  train2 = { 'bn_x2', true, true, true, 0.1 },
  train4 = { 'bn_x4', true, true, true, 0.1 },
  train5 = { 'bn_x5', true, true, true, 0.1 },
  eval4 = { 'bn_x4', true, true, false, 0.1 },
}

local function run_case(name, dtype, tol)
  local c = cases[name]
  local ref = R.bn[name]
  local opt = { dtype = dtype }
  local x = torch.tensor(R[c[1]], opt):requires_grad_()
  local rm = c[2] and torch.tensor(R.bn_rm, opt) or nil
  local rv = c[2] and torch.tensor(R.bn_rv, opt) or nil
  local w = c[3] and torch.tensor(R.bn_w, opt):requires_grad_() or nil
  local b = c[3] and torch.tensor(R.bn_b, opt):requires_grad_() or nil
  local y = torch.batch_norm(x, rm, rv, w, b, c[4], c[5], c[6] or 1e-5)
  H.assert_tensor(y, ref.out, tol, shape_of(x))
  assert.are.equal('NativeBatchNormBackward', y.grad_fn)
  if rm then
    H.assert_tensor(rm, ref.rm, tol)
    H.assert_tensor(rv, ref.rv, tol)
  end
  y:backward(torch.tensor(ref.g, opt))
  H.assert_tensor(x.grad, ref.grad_x, tol * 10, shape_of(x))
  if w then
    H.assert_tensor(w.grad, ref.grad_w, tol * 10, { 3 })
    H.assert_tensor(b.grad, ref.grad_b, tol * 10, { 3 })
  end
end

describe('batch_norm', function()
  it('matches PyTorch in float64: train and eval, 2-D to 5-D, with and without weight, bias and running stats', function()
    for name in pairs(cases) do run_case(name, torch.float64, 1e-11) end
  end)

  it('matches PyTorch in float32', function()
    for name in pairs(cases) do run_case(name, torch.float32, 2e-5) end
  end)

  it('hand-computed: normalises with the biased variance, updates running_var with the unbiased one', function()
    local x = torch.tensor({ { 1.0, 10.0 }, { 3.0, 20.0 } }, f64)
    local rm, rv = torch.zeros(2, f64), torch.ones(2, f64)
    local y = torch.batch_norm(x, rm, rv, nil, nil, true, 0.1, 0)
    H.assert_tensor(y, { { -1, -1 }, { 1, 1 } }, 1e-12)
    -- mean {2, 15}; unbiased variance {2, 50}
    H.assert_tensor(rm, { 0.2, 1.5 }, 1e-12)
    H.assert_tensor(rv, { 0.9 + 0.2, 0.9 + 5 }, 1e-12)
    -- again: the running stats move on from where they are
    torch.batch_norm(x, rm, rv, nil, nil, true, 0.5, 0)
    H.assert_tensor(rm, { 0.1 + 1, 0.75 + 7.5 }, 1e-12)
    H.assert_tensor(rv, { 0.55 + 1, 2.95 + 25 }, 1e-12)
    -- eval: (x - running_mean) / sqrt(running_var + eps) * weight + bias, stats untouched
    local w, b = torch.tensor({ 2.0, 1.0 }, f64), torch.tensor({ 0.5, -1.0 }, f64)
    local ye = torch.batch_norm(x, rm, rv, w, b, false, 0.1, 0.45)
    H.assert_tensor(ye, { { (1 - 1.1) / math.sqrt(2) * 2 + 0.5, (10 - 8.25) / math.sqrt(28.4) - 1 },
                          { (3 - 1.1) / math.sqrt(2) * 2 + 0.5, (20 - 8.25) / math.sqrt(28.4) - 1 } }, 1e-12)
    H.assert_tensor(rm, { 1.1, 8.25 }, 1e-12)
  end)

  it('takes the arguments positionally or by name, with PyTorch defaults (eval, momentum 0.1, eps 1e-5)', function()
    local x = t64(R.bn_x3)
    local w, b, rm, rv = t64(R.bn_w), t64(R.bn_b), t64(R.bn_rm), t64(R.bn_rv)
    H.assert_tensor(torch.batch_norm(x, rm, rv, w, b), R.bn.eval3.out, 1e-12)
    H.assert_tensor(torch.batch_norm(x, rm, rv, { weight = w, bias = b }), R.bn.eval3.out, 1e-12)
    H.assert_tensor(torch.batch_norm(x, rm, rv, { eps = 0.01 }), R.bn.eval3_noaffine_eps.out, 1e-12)
    H.assert_tensor(torch.batch_norm(x, { running_mean = rm, running_var = rv, eps = 0.01 }),
      R.bn.eval3_noaffine_eps.out, 1e-12)
    local rm2, rv2 = t64(R.bn_rm), t64(R.bn_rv)
    H.assert_tensor(torch.batch_norm(x, rm2, rv2, nil, nil, true, 0.3), R.bn.train3_m3_noaffine.out, 1e-12)
    H.assert_tensor(rv2, R.bn.train3_m3_noaffine.rv, 1e-12)
    local rm3, rv3 = t64(R.bn_rm), t64(R.bn_rv)
    torch.batch_norm(x, rm3, rv3, { training = true, momentum = 0.3 })
    H.assert_tensor(rm3, R.bn.train3_m3_noaffine.rm, 1e-12)
    H.assert_tensor(torch.batch_norm(x, nil, nil, w, b, true), R.bn.train3_nostats.out, 1e-12)
    H.assert_tensor(torch.batch_norm(x, false, false, w, b, true), R.bn.train3_nostats.out, 1e-12)
  end)

  it('updates the running stats in place, outside autograd, and bumps their version', function()
    local x = torch.randn(4, 3, f64):requires_grad_()
    local rm, rv = torch.zeros(3, f64), torch.ones(3, f64)
    local keep = rm:clone()
    local s = torch.randn(3, f64):requires_grad_()
    local saved = rm * s -- saves rm for its backward
    local y = torch.batch_norm(x, rm, rv, nil, nil, true)
    assert.is_false(rm.requires_grad)
    assert.is_nil(rm.grad_fn)
    assert.is_false(torch.equal(rm, keep))
    y:sum():backward()
    H.assert_error_has(function() saved:sum():backward() end, 'modified by an in-place operation')
    -- eval leaves them alone
    local before = rv:clone()
    torch.batch_norm(x, rm, rv, nil, nil, false)
    assert.is_true(torch.equal(rv, before))
  end)

  it('passes gradcheck in float64: train and eval, with and without weight and bias, 2-D to 5-D', function()
    local w, b = leaf(3), leaf(3)
    for _, shape in ipairs({ { 5, 3 }, { 2, 3, 5 }, { 2, 3, 3, 2 }, { 2, 3, 2, 1, 3 } }) do
      local x = torch.randn(shape, f64):mul(2):add(1):requires_grad_()
      check(function(a, ww, bb) return torch.batch_norm(a, nil, nil, ww, bb, true) end, { x, w, b })
      check(function(a) return torch.batch_norm(a, nil, nil, nil, nil, true) end, { x })
      local rm, rv = torch.randn(3, f64), torch.rand(3, f64):add(0.5)
      check(function(a, ww, bb) return torch.batch_norm(a, rm, rv, ww, bb, false) end, { x, w, b })
      check(function(a) return torch.batch_norm(a, rm, rv, nil, nil, false, 0.1, 0.2) end, { x })
    end
    -- only the weight, only the bias
    local x = torch.randn(4, 3, 2, f64)
    check(function(ww) return torch.batch_norm(x, nil, nil, ww, nil, true) end, { w })
    check(function(bb) return torch.batch_norm(x, nil, nil, nil, bb, true) end, { b })
  end)

  it('eval mode is affine: dx = g weight / sqrt(running_var + eps)', function()
    local x = torch.randn(3, 2, 4, f64):requires_grad_()
    local w, rv = torch.tensor({ 2.0, -3.0 }, f64), torch.tensor({ 3.0, 0.25 }, f64)
    torch.batch_norm(x, torch.zeros(2, f64), rv, w, nil, false, 0.1, 1):sum():backward()
    local want = {}
    for i = 1, 3 do
      want[i] = { { 1, 1, 1, 1 }, { -3 / math.sqrt(1.25), -3 / math.sqrt(1.25), -3 / math.sqrt(1.25), -3 / math.sqrt(1.25) } }
    end
    H.assert_tensor(x.grad, want, 1e-12)
  end)

  it('differentiates twice (create_graph), in train and eval', function()
    local x = torch.randn(3, 2, 4, f64):mul(1.5):requires_grad_()
    local w, b = leaf(2), leaf(2)
    local v = torch.randn(3, 2, 4, f64)
    local rm, rv = torch.randn(2, f64), torch.rand(2, f64):add(0.5)
    for _, training in ipairs({ true, false }) do
      -- the gradient of <grad(y; v), u> with respect to x and w, against finite differences
      local u = torch.randn(3, 2, 4, f64)
      check(function(a, ww, bb)
        local y = torch.batch_norm(a, rm, rv, ww, bb, training)
        local gs = torch.autograd.grad({ y }, { a, ww }, { grad_outputs = { v }, create_graph = true })
        return (gs[1] * u):sum() + gs[2]:sum()
      end, { x, w, b })
    end
  end)

  it('works on strided inputs and expanded gradients', function()
    local base = torch.randn(3, 4, 5, f64)
    local x = base:transpose(1, 3) -- [5, 4, 3]
    assert.is_false(x:is_contiguous())
    local want = torch.batch_norm(x:contiguous(), nil, nil, nil, nil, true)
    H.assert_tensor(torch.batch_norm(x, nil, nil, nil, nil, true), H.values(want), 1e-12, { 5, 4, 3 })
    local x4 = torch.randn(2, 3, 4, 5, f64):permute(1, 2, 4, 3) -- trailing dims do not merge
    local want4 = torch.batch_norm(x4:contiguous(), nil, nil, nil, nil, true)
    H.assert_tensor(torch.batch_norm(x4, nil, nil, nil, nil, true), H.values(want4), 1e-12, { 2, 3, 5, 4 })
    local xl = torch.randn(5, 3, f64):requires_grad_()
    check(function(a) return torch.batch_norm(a:t(), nil, nil, nil, nil, true) end, { xl })
    -- y:sum():backward() hands the kernel a stride-0 gradient
    local xs = torch.randn(4, 3, 2, f64):requires_grad_()
    local ws = torch.randn(3, f64):requires_grad_()
    torch.batch_norm(xs, nil, nil, ws, nil, true):sum():backward()
    H.assert_tensor(xs.grad, H.values(torch.zeros(4, 3, 2)), 1e-12)
    H.assert_tensor(ws.grad, { 0, 0, 0 }, 1e-12)
    -- strided running stats are updated in place
    local stats = torch.zeros(3, 2, f64)
    local x2 = torch.tensor({ { 1.0, 2.0, 3.0 }, { 3.0, 4.0, 9.0 } }, f64)
    torch.batch_norm(x2, stats:select(2, 1), stats:select(2, 2), nil, nil, true, 1.0)
    H.assert_tensor(stats, { { 2, 2 }, { 3, 2 }, { 6, 18 } }, 1e-12)
  end)

  it('keeps float32 accurate when the mean is large', function()
    local x64 = torch.randn(8, 2, 50, f64):add(1000)
    local y32 = torch.batch_norm(x64:to(torch.float32), nil, nil, nil, nil, true)
    local y64 = torch.batch_norm(x64, nil, nil, nil, nil, true)
    H.assert_tensor(y32, H.values(y64), 2e-3)
  end)

  it('an empty batch gives an empty output and leaves the running stats alone', function()
    local rm, rv = torch.zeros(3), torch.ones(3)
    H.assert_shape(torch.batch_norm(torch.zeros(0, 3), rm, rv, nil, nil, true), { 0, 3 })
    H.assert_tensor(rm, { 0, 0, 0 }, 0)
    H.assert_tensor(rv, { 1, 1, 1 }, 0)
  end)

  it('rejects bad inputs with clear messages', function()
    local x = torch.zeros(2, 3, 5, 5)
    H.assert_error_has(function() torch.batch_norm(x, torch.zeros(4), torch.ones(3)) end,
      'batch_norm: running_mean has 4 elements, expected 3 (input [2, 3, 5, 5])')
    H.assert_error_has(function() torch.batch_norm(x, torch.zeros(3), torch.ones(2)) end,
      'batch_norm: running_var has 2 elements, expected 3 (input [2, 3, 5, 5])')
    H.assert_error_has(function() torch.batch_norm(x, nil, nil, torch.ones(5), nil, true) end,
      'batch_norm: weight has 5 elements, expected 3')
    H.assert_error_has(function() torch.batch_norm(x, nil, nil, nil, torch.ones(1, 3), true) end,
      'batch_norm: bias must be 1-D, got [1, 3]')
    H.assert_error_has(function() torch.batch_norm(torch.zeros(1, 3), torch.zeros(3), torch.ones(3), nil, nil, true) end,
      'batch_norm: expected more than 1 value per channel when training, got input [1, 3]')
    H.assert_error_has(function() torch.batch_norm(torch.zeros(1, 3, 1, 1), nil, nil, nil, nil, true) end,
      'got input [1, 3, 1, 1]')
    H.assert_error_has(function() torch.batch_norm(x, nil, nil) end,
      'batch_norm: running_mean must be given when not training (training = false)')
    H.assert_error_has(function() torch.batch_norm(x, torch.zeros(3), nil) end,
      'batch_norm: running_var must be given when not training')
    H.assert_error_has(function() torch.batch_norm(torch.zeros(3), torch.zeros(3), torch.ones(3)) end,
      'batch_norm: expected an input [N, C, ...] with 2 or more dims, got [3]')
    H.assert_error_has(function() torch.batch_norm(torch.zeros(2, 3, { dtype = torch.int64 }), nil, nil, nil, nil, true) end,
      'batch_norm: expected a float32 or float64 input, got int64')
    H.assert_error_has(function() torch.batch_norm(torch.zeros(2, 3, f64), torch.zeros(3), torch.ones(3)) end,
      'batch_norm: running_mean is float32 but the input is float64')
    H.assert_error_has(function() torch.batch_norm(x, 5) end, 'batch_norm: running_mean must be a tensor or nil, got number')
    H.assert_error_has(function() torch.batch_norm(x, nil, nil, { training = true, momentum = 'a' }) end,
      "option 'momentum' must be a number")
  end)
end)

describe('dropout', function()
  it('zeroes a fraction near p and scales the rest by exactly 1 / (1 - p)', function()
    for _, p in ipairs({ 0.5, 0.3, 0.9 }) do
      local x = torch.rand(1000, 1000, f64):add(0.5)
      local y = torch.dropout(x, p)
      local zeros = y:eq(0):to(torch.float64):mean():item()
      assert.is_true(math.abs(zeros - p) < 0.004, string.format('p = %g: %g zeroed', p, zeros))
      local kept = y:ne(0)
      assert.is_true(torch.equal(y, torch.where(kept, x * (1 / (1 - p)), torch.zeros(1, f64))))
    end
    local x32 = torch.rand(512, 300):add(0.5)
    local y32 = torch.dropout(x32, 0.5, true)
    assert.is_true(torch.equal(y32, torch.where(y32:ne(0), x32 * 2, torch.zeros(1))))
    assert.are.equal(torch.float32, y32.dtype)
  end)

  it('is reproducible with manual_seed, whatever the thread count', function()
    local x = torch.ones(300, 500)
    torch.manual_seed(7)
    local a = torch.dropout(x, 0.4)
    local b = torch.dropout(x, 0.4)
    assert.is_false(torch.equal(a, b))
    torch.manual_seed(7)
    assert.is_true(torch.equal(a, torch.dropout(x, 0.4)))
    local threads = torch.get_num_threads()
    torch.set_num_threads(1)
    torch.manual_seed(7)
    local c = torch.dropout(x, 0.4)
    torch.set_num_threads(threads)
    assert.is_true(torch.equal(a, c))
    -- a strided input draws by logical (row-major) position
    local base = torch.randn(40, 30)
    torch.manual_seed(3)
    local s = torch.dropout(base:t(), 0.5)
    torch.manual_seed(3)
    assert.is_true(torch.equal(s, torch.dropout(base:t():contiguous(), 0.5)))
    H.assert_shape(s, { 30, 40 })
  end)

  it('has the gradient mask / (1 - p), the same mask as the forward', function()
    local x = torch.rand(50, 40, f64):add(1):requires_grad_()
    local y = torch.dropout(x, 0.25)
    assert.are.equal('DropoutBackward', y.grad_fn)
    local g = torch.randn(50, 40, f64)
    y:backward(g)
    local mask = y:ne(0):to(torch.float64)
    assert.is_true(torch.equal(x.grad, g * mask * (1 / 0.75)))
    -- float32, and a second backward through create_graph
    local x32 = torch.rand(10, 10):add(1):requires_grad_()
    local y32 = torch.dropout(x32, 0.5)
    local gx = torch.autograd.grad({ y32 }, { x32 }, { grad_outputs = { torch.ones(10, 10) }, create_graph = true })[1]
    assert.is_true(torch.equal(gx, y32:ne(0):to(torch.float32) * 2))
    local v = torch.ones(10, 10):requires_grad_()
    local gv = torch.autograd.grad({ y32 }, { x32 }, { grad_outputs = { v }, create_graph = true })[1]
    assert.are.equal('DropoutBackwardBackward', gv.grad_fn)
    local gvv = torch.autograd.grad({ gv:sum() }, { v })[1]
    assert.is_true(torch.equal(gvv, gx))
    check(function(a)
      torch.manual_seed(11)
      return torch.dropout(a, 0.3)
    end, { torch.randn(6, 5, f64):requires_grad_() })
  end)

  it('p = 0 keeps every value, p = 1 zeroes them (NaN * 0 stays NaN, as in PyTorch)', function()
    local x = torch.randn(7, 9, f64):requires_grad_()
    local y0 = torch.dropout(x, 0)
    assert.is_true(torch.equal(y0, x))
    local y1 = torch.dropout(x, 1)
    assert.is_true(torch.equal(y1, torch.zeros(7, 9, f64)))
    y1:sum():backward()
    assert.is_true(torch.equal(x.grad, torch.zeros(7, 9, f64)))
    local n = torch.dropout(torch.tensor({ 0 / 0, 2.0 }), 1)
    H.assert_tensor(n, { 0 / 0, 0 })
  end)

  it('returns the input itself when not training (any dtype)', function()
    local x = torch.randn(3, 4)
    assert.is_true(rawequal(x, torch.dropout(x, 0.5, false)))
    assert.is_true(rawequal(x, torch.dropout(x, { p = 0.2, training = false })))
    local i = torch.ones(3, { dtype = torch.int64 })
    assert.is_true(rawequal(i, torch.dropout(i, 0.5, false)))
  end)

  it('takes p, training and inplace positionally or by name; handles 0-dim and empty tensors', function()
    local x = torch.ones(100, 100)
    local y = torch.dropout(x, { p = 0.75 })
    local frac = y:eq(0):to(torch.float64):mean():item()
    assert.is_true(math.abs(frac - 0.75) < 0.03)
    assert.is_true(torch.equal(torch.where(y:ne(0), torch.ones(1) * 4, torch.zeros(1)), y))
    local d = torch.dropout(x) -- p = 0.5, training
    assert.is_true(math.abs(d:eq(0):to(torch.float64):mean():item() - 0.5) < 0.03)
    local z = torch.ones(50, 50)
    local r = torch.dropout(z, 0.5, true, true)
    assert.is_true(rawequal(r, z))
    assert.is_true(math.abs(z:eq(0):to(torch.float64):mean():item() - 0.5) < 0.05)
    local z2 = torch.ones(50, 50)
    torch.dropout(z2, { p = 0.2, inplace = true })
    assert.is_true(z2:eq(0):any():item())
    H.assert_shape(torch.dropout(torch.zeros(0, 3), 0.5), { 0, 3 })
    local s = torch.dropout(torch.tensor(3.0), 0.5)
    assert.are.equal(0, s:dim())
    assert.is_true(s:item() == 0 or s:item() == 6)
  end)

  it('rejects bad p and dtypes with clear messages', function()
    local x = torch.ones(3)
    H.assert_error_has(function() torch.dropout(x, 1.5) end, 'dropout: p must be between 0 and 1, got 1.5')
    H.assert_error_has(function() torch.dropout(x, -0.1, false) end, 'dropout: p must be between 0 and 1, got -0.1')
    H.assert_error_has(function() torch.dropout(x, 0 / 0) end, 'dropout: p must be between 0 and 1')
    H.assert_error_has(function() torch.dropout(torch.ones(3, { dtype = torch.int64 }), 0.5) end,
      'dropout: expected a float32 or float64 input, got int64')
    H.assert_error_has(function() torch.dropout(x, 'a') end, 'dropout: p must be a number, got string')
    H.assert_error_has(function() torch.dropout(x:clone():requires_grad_(), 0.5, true, true) end, 'leaf')
  end)
end)
