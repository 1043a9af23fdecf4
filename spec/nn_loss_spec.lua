-- The losses: torch.cross_entropy, nll_loss, mse_loss, l1_loss,
-- smooth_l1_loss, binary_cross_entropy and binary_cross_entropy_with_logits.
-- Values and gradients against PyTorch 1.13 (spec/fixtures/nn_loss_ref.lua,
-- made by gen_nn_loss_ref.py) for every reduction, weights, ignore_index,
-- label smoothing and K-dim inputs; gradcheck in float64 for every mode;
-- second derivatives; numerical stability; empty batches; errors; and the
-- positional / options-table / legacy argument forms.
local torch = require 'torch'
local H = require 'spec.helpers'
local R = dofile('spec/fixtures/nn_loss_ref.lua')

local f64 = { dtype = torch.float64 }
local function T(v) return torch.tensor(v, f64) end
local function L(v) return torch.tensor(v, { dtype = torch.int64 }) end

before_each(function() torch.manual_seed(777) end)

local function check(fn, inputs)
  assert.is_true(torch.autograd.gradcheck(fn, inputs))
end

-- First derivatives of fn with respect to each input (with the output
-- gradient as one more input) pass gradcheck.
local function check_second(fn, inputs)
  local n = #inputs
  local all = { table.unpack(inputs, 1, n) }
  all[n + 1] = torch.randn(fn(table.unpack(inputs, 1, n)).shape, f64):requires_grad_()
  check(function(...)
    local args = { ... }
    local xs = { table.unpack(args, 1, n) }
    local grads = torch.autograd.grad({ fn(table.unpack(xs, 1, n)) }, xs,
      { grad_outputs = { args[n + 1] }, create_graph = true })
    return table.unpack(grads, 1, n)
  end, all)
end

-- loss and the gradient of loss:sum() with respect to x, against a fixture case
local function expect_case(fn, x, case, tol)
  local xg = x:clone():requires_grad_()
  local loss = fn(xg)
  H.assert_tensor(loss, case.loss, tol or 1e-12)
  loss:sum():backward()
  H.assert_tensor(xg.grad, case.grad, tol or 1e-12)
end

describe('cross_entropy', function()
  local x, t, w = T(R.ce_x), L(R.ce_t), T(R.ce_w)

  it('matches PyTorch for every reduction, weight, label smoothing and ignore_index', function()
    local n = 0
    for _, red in ipairs({ 'mean', 'sum', 'none' }) do
      for _, wname in ipairs({ 'now', 'w' }) do
        for _, ls in ipairs({ 0, 2 }) do
          for _, ign in ipairs({ '', '_ign' }) do
            local opts = { reduction = red, label_smoothing = ls / 10, weight = wname == 'w' and w or nil,
              ignore_index = ign == '_ign' and 3 or nil }
            local case = R.ce[string.format('%s_%s_ls%d%s', red, wname, ls, ign)]
            expect_case(function(a) return torch.cross_entropy(a, t, opts) end, x, case)
            n = n + 1
          end
        end
      end
    end
    assert.are.equal(24, n)
  end)

  it('gives the loss shapes of PyTorch', function()
    H.assert_shape(torch.cross_entropy(x, t), {})
    H.assert_shape(torch.cross_entropy(x, t, { reduction = 'none' }), { 4 })
    H.assert_shape(torch.cross_entropy(T(R.ce_kx), L(R.ce_kt), { reduction = 'none' }), { 2, 2, 2 })
    H.assert_shape(torch.cross_entropy(x[1], t:select(1, 1), { reduction = 'none' }), {})
  end)

  it('matches PyTorch for K-dim inputs [N, C, d1, d2]', function()
    local kx, kt = T(R.ce_kx), L(R.ce_kt)
    expect_case(function(a) return torch.cross_entropy(a, kt) end, kx, R.ce_k.mean)
    expect_case(function(a)
      return torch.cross_entropy(a, kt, { weight = w:narrow(1, 1, 3), reduction = 'none', label_smoothing = 0.1 })
    end, kx, R.ce_k.none_w_ls)
    expect_case(function(a)
      return torch.cross_entropy(a, kt, { weight = w:narrow(1, 1, 3), ignore_index = 1 })
    end, kx, R.ce_k.mean_w_ign)
  end)

  it('takes a 1-D input [C] with a 0-dim target', function()
    expect_case(function(a) return torch.cross_entropy(a, t:select(1, 1)) end, x[1], R.ce_1d)
  end)

  it('matches PyTorch in float32 and accepts int32 targets', function()
    local x32 = torch.tensor(R.ce_x)
    local loss = torch.cross_entropy(x32, t, { weight = w:float(), label_smoothing = 0.2 })
    assert.are.equal(torch.float32, loss.dtype)
    H.assert_tensor(loss, { R.ce.mean_w_ls2.loss }, 1e-6)
    H.assert_tensor(torch.cross_entropy(x, t:int(), { reduction = 'none' }), R.ce.none_now_ls0.loss, 1e-12)
    local xg = x32:clone():requires_grad_()
    torch.cross_entropy(xg, t, { reduction = 'sum', weight = w }):backward()
    H.assert_tensor(xg.grad, R.ce.sum_w_ls0.grad, 1e-6)
  end)

  it('is stable for huge logits (1e4, -1e4, mixed) in float32 and float64', function()
    local sx, st = R.ce_stable_x, L(R.ce_stable_t)
    for _, case in ipairs({ { torch.float32, R.ce_stable32, 1e-6 }, { torch.float64, R.ce_stable64, 1e-12 } }) do
      local xg = torch.tensor(sx, { dtype = case[1] }):requires_grad_()
      local loss = torch.cross_entropy(xg, st, { reduction = 'none' })
      H.assert_tensor(loss, case[2].loss, case[3])
      loss:sum():backward()
      H.assert_tensor(xg.grad, case[2].grad, case[3])
      assert.is_true(torch.isfinite(loss):all():item())
    end
    -- K-dim inputs take the strided path: the same values with a trailing dim of 1
    local xk = torch.tensor(sx):view(4, 3, 1):requires_grad_()
    local lk = torch.cross_entropy(xk, st:view(4, 1), { reduction = 'none' })
    H.assert_tensor(lk, R.ce_stable32.loss, 1e-6, { 4, 1 })
    lk:sum():backward()
    H.assert_tensor(xk.grad, R.ce_stable32.grad, 1e-6)
    -- a wrong class by 2e4 costs 2e4; equal top logits cost log(2)
    H.assert_tensor(torch.cross_entropy(torch.tensor({ { 1e4, -1e4 } }), L({ 2 })), { 2e4 }, 1e-6)
    H.assert_tensor(torch.cross_entropy(torch.tensor({ { 1e4, 1e4 } }), L({ 1 })), { math.log(2) }, 1e-6)
  end)

  it('runs the parallel paths on large inputs', function()
    local big = torch.randn(3000, 37)
    local tb = torch.randint(1, 38, { 3000 })
    local ref = -(big:double():log_softmax(2):gather(2, tb:view(-1, 1))):mean()
    H.assert_tensor(torch.cross_entropy(big, tb), { ref:item() }, 1e-5)
    local xg = big:clone():requires_grad_()
    torch.cross_entropy(xg, tb):backward()
    local x64 = big:double():requires_grad_()
    torch.cross_entropy(x64, tb):backward()
    H.assert_tensor(xg.grad, H.values(x64.grad), 1e-5)
  end)

  it('passes gradcheck for every mode, including K-dim and 1-D inputs', function()
    local xs = torch.randn(5, 4, f64):requires_grad_()
    local ts = L({ 1, 4, 2, 2, 3 })
    local ws = torch.rand(4, f64) + 0.5
    for _, red in ipairs({ 'mean', 'sum', 'none' }) do
      check(function(a) return torch.cross_entropy(a, ts, { reduction = red }) end, { xs })
      check(function(a)
        return torch.cross_entropy(a, ts, { reduction = red, weight = ws, label_smoothing = 0.3, ignore_index = 2 })
      end, { xs })
    end
    local kx = torch.randn(2, 3, 3, 2, f64):requires_grad_()
    local kt = torch.randint(1, 4, { 2, 3, 2 })
    check(function(a) return torch.cross_entropy(a, kt, { weight = ws:narrow(1, 1, 3), label_smoothing = 0.1 }) end,
      { kx })
    check(function(a) return torch.cross_entropy(a, kt, { reduction = 'none' }) end, { kx })
    check(function(a) return torch.cross_entropy(a, L(3), { label_smoothing = 0.5 }) end,
      { torch.randn(4, f64):requires_grad_() })
    check(function(a) return torch.cross_entropy(a:t(), ts) end, { torch.randn(4, 5, f64):requires_grad_() })
  end)

  it('has second derivatives (create_graph), with weights and smoothing', function()
    local xs = torch.randn(3, 4, f64):requires_grad_()
    local ts = L({ 2, 4, 1 })
    check_second(function(a) return torch.cross_entropy(a, ts) end, { xs })
    check_second(function(a)
      return torch.cross_entropy(a, ts, { weight = T({ 1, 2, 0.5, 1.5 }), label_smoothing = 0.2, reduction = 'none' })
    end, { xs })
    check_second(function(a) return torch.cross_entropy(a, L({ { 1, 2 } }), { ignore_index = 2 }) end,
      { torch.randn(1, 3, 2, f64):requires_grad_() })
  end)

  it('records CrossEntropyLossBackward', function()
    local xs = torch.randn(2, 3):requires_grad_()
    assert.are.equal('CrossEntropyLossBackward', torch.cross_entropy(xs, L({ 1, 2 })).grad_fn)
  end)

  it('gives nan for the mean of an empty batch (or of only ignored targets), 0 for the sum', function()
    local e = torch.zeros(0, 3, f64):requires_grad_()
    local m = torch.cross_entropy(e, L({}))
    assert.is_true(m:item() ~= m:item())
    H.assert_tensor(torch.cross_entropy(e, L({}), { reduction = 'sum' }), { 0 })
    H.assert_shape(torch.cross_entropy(e, L({}), { reduction = 'none' }), { 0 })
    m:backward()
    H.assert_shape(e.grad, { 0, 3 })
    local all_ignored = torch.cross_entropy(T({ { 1, 2 } }), L({ -100 }))
    assert.is_true(all_ignored:item() ~= all_ignored:item())
  end)

  it('takes options positionally, in a table, or as legacy size_average/reduce', function()
    local ref_sum = torch.cross_entropy(x, t, { reduction = 'sum', weight = w })
    H.assert_tensor(torch.cross_entropy(x, t, w, nil, -100, nil, 'sum'), { ref_sum:item() }, 1e-12)
    H.assert_tensor(torch.cross_entropy(x, t, w, false), { ref_sum:item() }, 1e-12)
    H.assert_tensor(torch.cross_entropy(x, t, nil, nil, nil, false), R.ce.none_now_ls0.loss, 1e-12)
    H.assert_tensor(torch.cross_entropy(x, t, { reduce = false, weight = w }), R.ce.none_w_ls0.loss, 1e-12)
    H.assert_tensor(torch.cross_entropy(x, t, nil, nil, 3, nil, 'mean', 0.2), { R.ce.mean_now_ls2_ign.loss }, 1e-12)
  end)

  it('names the class and the range of an out-of-range target', function()
    local ten = torch.randn(2, 10)
    H.assert_error_has(function() torch.cross_entropy(ten, L({ 1, 11 })) end,
      'cross_entropy: target class 11 is out of range 1..10')
    H.assert_error_has(function() torch.cross_entropy(ten, L({ 0, 1 })) end,
      'target class 0 is out of range 1..10', 'classes are 1-based')
    H.assert_error_has(function() torch.cross_entropy(ten, L({ -1, 1 })) end, 'target class -1')
    H.assert_error_has(function() torch.cross_entropy(torch.randn(1, 0), L({ 1 })) end, 'no classes')
  end)

  it('names both shapes when target does not match input', function()
    H.assert_error_has(function() torch.cross_entropy(torch.randn(4, 10), L({ 1, 2, 3 })) end,
      'cross_entropy', '[3]', '[4, 10]', 'expected target of shape [4]')
    H.assert_error_has(function() torch.cross_entropy(torch.randn(2, 3, 4), L({ { 1, 2, 3 }, { 1, 2, 3 } })) end,
      '[2, 3]', '[2, 3, 4]', '[2, 4]')
    H.assert_error_has(function() torch.cross_entropy(torch.randn(3), L({ 1 })) end, '[1]', '[3]', 'shape []')
    H.assert_error_has(function() torch.cross_entropy(T(1), L(1)) end, 'at least 1 dim')
  end)

  it('rejects float targets, integer inputs, bad weights and label smoothing', function()
    H.assert_error_has(function() torch.cross_entropy(torch.randn(2, 3), torch.rand(2, 3)) end,
      'target must be an int64 tensor', 'float32')
    H.assert_error_has(function() torch.cross_entropy(L({ { 1, 2 } }), L({ 1 })) end, 'float32 or float64', 'int64')
    H.assert_error_has(function() torch.cross_entropy(torch.randn(2, 3), L({ 1, 1 }), torch.ones(4)) end,
      'weight must be a 1-D tensor of C = 3', '[4]')
    H.assert_error_has(function() torch.cross_entropy(torch.randn(2, 3), L({ 1, 1 }), { label_smoothing = 1.5 }) end,
      'label_smoothing must be between 0 and 1')
    H.assert_error_has(function() torch.cross_entropy(torch.randn(2, 3), L({ 1, 1 }), { reduction = 'avg' }) end,
      "reduction must be 'mean', 'sum' or 'none'", 'avg')
    H.assert_error_has(function() torch.cross_entropy(torch.randn(2, 3), L({ 1, 1 }), { weight = 3 }) end,
      'weight must be a tensor')
    H.assert_error_has(function() torch.cross_entropy(torch.randn(2, 3), L({ 1, 1 }), { ignore_index = 1.5 }) end,
      'ignore_index must be an integer')
  end)
end)

describe('nll_loss', function()
  local x, t, w = T(R.ce_x), L(R.ce_t), T(R.ce_w)

  it('matches PyTorch for every reduction, with weights and ignore_index', function()
    for _, red in ipairs({ 'mean', 'sum', 'none' }) do
      expect_case(function(a) return torch.nll_loss(a, t, { reduction = red }) end, x, R.nll[red])
      expect_case(function(a) return torch.nll_loss(a, t, w, nil, nil, nil, red) end, x, R.nll[red .. '_w'])
      expect_case(function(a) return torch.nll_loss(a, t, { weight = w, reduction = red, ignore_index = 3 }) end, x,
        R.nll[red .. '_w_ign'])
    end
    expect_case(function(a) return torch.nll_loss(a, L(R.ce_kt), w:narrow(1, 1, 3)) end, T(R.ce_kx), R.nll_k)
  end)

  it('equals cross_entropy after log_softmax', function()
    local xs = torch.randn(6, 5, f64)
    local ts = torch.randint(1, 6, { 6 })
    H.assert_tensor(torch.nll_loss(xs:log_softmax(2), ts),
      { torch.cross_entropy(xs, ts):item() }, 1e-12)
  end)

  it('passes gradcheck and has second derivatives', function()
    local xs = torch.randn(4, 3, f64):requires_grad_()
    local ts = L({ 3, 1, 1, 2 })
    for _, red in ipairs({ 'mean', 'sum', 'none' }) do
      check(function(a) return torch.nll_loss(a, ts, { reduction = red, weight = T({ 0.5, 1, 2 }), ignore_index = 1 }) end,
        { xs })
    end
    check(function(a) return torch.nll_loss(a, L({ { 1, 2 } })) end, { torch.randn(1, 2, 2, f64):requires_grad_() })
    check_second(function(a) return torch.nll_loss(a:log_softmax(2), ts) end, { xs })
    check_second(function(a) return torch.nll_loss(a, ts, { reduction = 'none' }) end, { xs })
  end)

  it('records NllLossBackward and reports bad targets', function()
    assert.are.equal('NllLossBackward', torch.nll_loss(torch.randn(2, 3):requires_grad_(), L({ 1, 2 })).grad_fn)
    H.assert_error_has(function() torch.nll_loss(torch.randn(2, 3), L({ 1, 4 })) end,
      'nll_loss: target class 4 is out of range 1..3')
  end)
end)

describe('mse_loss, l1_loss and smooth_l1_loss', function()
  local a, b = T(R.pa), T(R.pb)

  -- loss, and the gradients of loss:sum() for input and target
  local function expect(fn, case, tol)
    local ag, bg = a:clone():requires_grad_(), b:clone():requires_grad_()
    local loss = fn(ag, bg)
    H.assert_tensor(loss, case.loss, tol or 1e-12)
    loss:sum():backward()
    H.assert_tensor(ag.grad, case.gi, tol or 1e-12)
    H.assert_tensor(bg.grad, case.gt, tol or 1e-12)
  end

  it('match PyTorch values and gradients (input and target) for every reduction', function()
    for _, red in ipairs({ 'mean', 'sum', 'none' }) do
      expect(function(p, q) return torch.mse_loss(p, q, { reduction = red }) end, R.pl['mse_' .. red])
      expect(function(p, q) return torch.l1_loss(p, q, { reduction = red }) end, R.pl['l1_' .. red])
      expect(function(p, q) return torch.smooth_l1_loss(p, q, { reduction = red }) end, R.pl['sl1_' .. red])
      expect(function(p, q) return torch.smooth_l1_loss(p, q, nil, nil, red, 0.5) end, R.pl['sl1b05_' .. red])
    end
    expect(function(p, q) return torch.smooth_l1_loss(p, q, { beta = 0 }) end, R.pl.sl1b0_mean)
  end)

  it('broadcast input and target', function()
    local c = T(R.pc)
    H.assert_tensor(torch.mse_loss(a, c, { reduction = 'none' }), R.pl.mse_bcast.loss, 1e-12, { 3, 4 })
    H.assert_tensor(torch.mse_loss(a, c), { R.pl.mse_bcast.mean }, 1e-12)
    H.assert_tensor(torch.l1_loss(c, a), { R.pl.l1_bcast_mean }, 1e-12)
    local cg = c:clone():requires_grad_()
    torch.mse_loss(a, cg):backward()
    H.assert_shape(cg.grad, { 4 })
    local ref = ((cg:detach() - a) * 2 / 12):sum(1)
    H.assert_tensor(cg.grad, H.values(ref), 1e-12)
    H.assert_error_has(function() torch.mse_loss(torch.randn(2, 3), torch.randn(4)) end, 'mse_loss', '[2, 3]', '[4]')
  end)

  it('work in float32 and promote mixed dtypes', function()
    local l = torch.mse_loss(a:float(), b:float())
    assert.are.equal(torch.float32, l.dtype)
    H.assert_tensor(l, { R.pl.mse_mean.loss }, 1e-6)
    assert.are.equal(torch.float64, torch.l1_loss(a:float(), b).dtype)
    H.assert_error_has(function() torch.mse_loss(L({ 1, 2 }), L({ 1, 3 })) end, 'mse_loss', 'float32 or float64')
  end)

  it('pass gradcheck for input and target, broadcast and not, in every mode', function()
    local p = torch.randn(3, 4, f64):requires_grad_()
    local q = torch.randn(3, 4, f64):requires_grad_()
    local r = torch.randn(4, f64):requires_grad_()
    for _, red in ipairs({ 'mean', 'sum', 'none' }) do
      check(function(u, v) return torch.mse_loss(u, v, { reduction = red }) end, { p, q })
      check(function(u, v) return torch.l1_loss(u, v, { reduction = red }) end, { p, q })
      check(function(u, v) return torch.smooth_l1_loss(u, v, { reduction = red, beta = 0.7 }) end, { p, q })
      check(function(u, v) return torch.mse_loss(u, v, { reduction = red }) end, { p, r })
      check(function(u, v) return torch.smooth_l1_loss(v, u, { reduction = red }) end, { p, r })
    end
    check(function(u) return torch.mse_loss(u:t(), q:detach():t()) end, { p })
  end)

  it('have second derivatives (create_graph)', function()
    local p = torch.randn(3, 4, f64):requires_grad_()
    local q = torch.randn(4, f64):requires_grad_()
    check_second(function(u, v) return torch.mse_loss(u, v) end, { p, q })
    check_second(function(u, v) return torch.mse_loss(u, v, { reduction = 'none' }) end, { p, q })
    check_second(function(u, v) return torch.l1_loss(u, v, { reduction = 'sum' }) end, { p, q })
    check_second(function(u, v) return torch.smooth_l1_loss(u, v, { beta = 3 }) end, { p, q })
  end)

  it('record their backward names', function()
    local p = torch.randn(3):requires_grad_()
    local q = torch.randn(3)
    assert.are.equal('MseLossBackward', torch.mse_loss(p, q).grad_fn)
    assert.are.equal('L1LossBackward', torch.l1_loss(p, q).grad_fn)
    assert.are.equal('SmoothL1LossBackward', torch.smooth_l1_loss(p, q).grad_fn)
    assert.are.equal('MseLossBackward', torch.mse_loss(q, p).grad_fn)
  end)

  it('give nan for the mean over empty tensors and 0 for the sum', function()
    local e = torch.zeros(0, 2)
    local m = torch.mse_loss(e, e)
    assert.is_true(m:item() ~= m:item())
    H.assert_tensor(torch.l1_loss(e, e, { reduction = 'sum' }), { 0 }, 0, {})
    H.assert_shape(torch.smooth_l1_loss(e, e, { reduction = 'none' }), { 0, 2 })
  end)

  it('reject a negative beta and take legacy reduction arguments', function()
    H.assert_error_has(function() torch.smooth_l1_loss(a, b, { beta = -1 }) end, 'smooth_l1_loss', 'beta', '-1')
    H.assert_tensor(torch.mse_loss(a, b, false), { R.pl.mse_sum.loss }, 1e-12)
    H.assert_tensor(torch.mse_loss(a, b, { reduce = false }), R.pl.mse_none.loss, 1e-12)
    H.assert_tensor(torch.l1_loss(a, b, nil, nil, 'sum'), { R.pl.l1_sum.loss }, 1e-12)
  end)
end)

describe('binary_cross_entropy', function()
  local p, y, w = T(R.prob), T(R.lab), T(R.pw)

  local function expect(fn, case)
    local pg, yg = p:clone():requires_grad_(), y:clone():requires_grad_()
    local loss = fn(pg, yg)
    H.assert_tensor(loss, case.loss, 1e-12)
    loss:sum():backward()
    H.assert_tensor(pg.grad, case.gi, 1e-10)
    H.assert_tensor(yg.grad, case.gt, 1e-10)
  end

  it('matches PyTorch values and gradients (input and target), with and without weight', function()
    for _, red in ipairs({ 'mean', 'sum', 'none' }) do
      expect(function(a, b) return torch.binary_cross_entropy(a, b, { reduction = red }) end, R.pl['bce_' .. red])
      expect(function(a, b) return torch.binary_cross_entropy(a, b, w, nil, nil, red) end, R.pl['bcew_' .. red])
    end
  end)

  it('clamps the log at -100 for probabilities of exactly 0 and 1', function()
    H.assert_tensor(torch.binary_cross_entropy(T({ 0, 1, 0, 1 }), T({ 1, 0, 0, 1 }), { reduction = 'none' }),
      { 100, 100, 0, 0 }, 1e-12)
  end)

  it('passes gradcheck and has second derivatives', function()
    local pp = (torch.rand(2, 3, f64) * 0.8 + 0.1):requires_grad_()
    local yy = torch.rand(2, 3, f64):requires_grad_()
    for _, red in ipairs({ 'mean', 'sum', 'none' }) do
      check(function(a, b) return torch.binary_cross_entropy(a, b, { reduction = red }) end, { pp, yy })
      check(function(a, b) return torch.binary_cross_entropy(a, b, { reduction = red, weight = T({ 1, 2, 3 }) }) end,
        { pp, yy })
    end
    check_second(function(a, b) return torch.binary_cross_entropy(a, b) end, { pp, yy })
  end)

  it('rejects probabilities outside [0, 1], other shapes and bad weights', function()
    H.assert_error_has(function() torch.binary_cross_entropy(T({ 0.5, 1.5 }), T({ 0, 1 })) end,
      'binary_cross_entropy', 'between 0 and 1')
    H.assert_error_has(function() torch.binary_cross_entropy(T({ -0.1 }), T({ 0 })) end, 'between 0 and 1')
    H.assert_error_has(function() torch.binary_cross_entropy(T({ 0 / 0 }), T({ 0 })) end, 'between 0 and 1')
    H.assert_error_has(function() torch.binary_cross_entropy(T({ 0.5, 0.5 }), T({ { 0, 1 } })) end,
      'same shape', '[1, 2]', '[2]')
    H.assert_error_has(function() torch.binary_cross_entropy(p, y, torch.ones(2, 3, 4, f64)) end,
      'weight of shape [2, 3, 4] does not broadcast', '[3, 4]')
  end)

  it('records BinaryCrossEntropyBackward', function()
    assert.are.equal('BinaryCrossEntropyBackward',
      torch.binary_cross_entropy(p:clone():requires_grad_(), y).grad_fn)
  end)
end)

describe('binary_cross_entropy_with_logits', function()
  local x, y, w, pw = T(R.pa), T(R.lab), T(R.pw), T(R.ppos)

  local function expect(fn, case)
    local xg, yg = x:clone():requires_grad_(), y:clone():requires_grad_()
    local loss = fn(xg, yg)
    H.assert_tensor(loss, case.loss, 1e-12)
    loss:sum():backward()
    H.assert_tensor(xg.grad, case.gi, 1e-12)
    H.assert_tensor(yg.grad, case.gt, 1e-12)
  end

  it('matches PyTorch with weight and pos_weight, for every reduction', function()
    local f = torch.binary_cross_entropy_with_logits
    for _, red in ipairs({ 'mean', 'sum', 'none' }) do
      expect(function(a, b) return f(a, b, { reduction = red }) end, R.pl['bcel_' .. red])
      expect(function(a, b) return f(a, b, w, nil, nil, red) end, R.pl['bcelw_' .. red])
      expect(function(a, b) return f(a, b, { pos_weight = pw, reduction = red }) end, R.pl['bcelp_' .. red])
      expect(function(a, b) return f(a, b, w[1], nil, nil, red, pw) end, R.pl['bcelwp_' .. red])
    end
  end)

  it('is stable for large logits and equals BCE of the sigmoid', function()
    local l = torch.binary_cross_entropy_with_logits(T({ 1000, -1000, 1000 }), T({ 1, 0, 0 }), { reduction = 'none' })
    H.assert_tensor(l, { 0, 0, 1000 }, 1e-12)
    local xs = torch.randn(5, f64)
    local ys = torch.rand(5, f64)
    H.assert_tensor(torch.binary_cross_entropy_with_logits(xs, ys),
      { torch.binary_cross_entropy(xs:sigmoid(), ys):item() }, 1e-12)
  end)

  it('passes gradcheck with weight and pos_weight, and has second derivatives', function()
    local xs = torch.randn(2, 3, f64):requires_grad_()
    local ys = torch.rand(2, 3, f64):requires_grad_()
    local f = torch.binary_cross_entropy_with_logits
    for _, red in ipairs({ 'mean', 'sum', 'none' }) do
      check(function(a, b) return f(a, b, { reduction = red }) end, { xs, ys })
      check(function(a, b) return f(a, b, { reduction = red, weight = T({ 2, 1, 0.5 }), pos_weight = T({ 3, 1, 0.2 }) }) end,
        { xs, ys })
    end
    check_second(function(a, b) return f(a, b) end, { xs, ys })
    check_second(function(a, b) return f(a, b, { pos_weight = T({ 3, 1, 0.2 }), reduction = 'none' }) end, { xs, ys })
  end)

  it('records its backward and rejects mismatched shapes', function()
    assert.are.equal('BinaryCrossEntropyWithLogitsBackward',
      torch.binary_cross_entropy_with_logits(x:clone():requires_grad_(), y).grad_fn)
    H.assert_error_has(function() torch.binary_cross_entropy_with_logits(x, y:narrow(1, 1, 2)) end,
      'binary_cross_entropy_with_logits', '[2, 4]', '[3, 4]')
    H.assert_error_has(function() torch.binary_cross_entropy_with_logits(x, y, { pos_weight = torch.ones(5, f64) }) end,
      'pos_weight of shape [5]')
  end)
end)
