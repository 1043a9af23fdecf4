-- The fused optimizer steps of the C core, through their internal bindings
-- torch._sgd_step_, _adam_step_, _rmsprop_step_, _adagrad_step_.
local torch = require 'torch'
local H = require 'spec.helpers'

local f64 = { dtype = torch.float64 }

local function t64(v) return torch.tensor(v, f64) end

-- Every element of a and b agrees within tol (relative to max(1, |b|)).
local function assert_close(a, b, tol)
  H.assert_tensor(a, H.values(b), tol, b.shape)
end

describe('sgd_step_', function()
  it('matches hand-computed momentum, dampening and weight decay steps', function()
    local p, g, buf = t64({ 1, -2 }), t64({ 0.5, 0.25 }), t64({ 7, 7 })
    -- first step: the buffer becomes d = g + wd * p whatever it held
    assert.is_true(torch._sgd_step_(p, g, buf, 0.1, 0.9, 0.5, 0.1, false, false, true))
    H.assert_tensor(buf, { 0.6, 0.05 }, 1e-14)
    H.assert_tensor(p, { 0.94, -2.005 }, 1e-14)
    torch._sgd_step_(p, g, buf, 0.1, 0.9, 0.5, 0.1, false, false, false)
    H.assert_tensor(buf, { 0.837, 0.06975 }, 1e-14)
    H.assert_tensor(p, { 0.8563, -2.011975 }, 1e-14)
  end)

  it('plain, nesterov and maximize steps', function()
    local p, g = t64({ 1, -2 }), t64({ 0.5, 0.25 })
    torch._sgd_step_(p, g, nil, 0.1, 0, 0, 0, false, false, false)
    H.assert_tensor(p, { 0.95, -2.025 }, 1e-14)
    p = t64({ 1, -2 })
    local buf = torch.zeros(2, f64)
    torch._sgd_step_(p, g, buf, 0.1, 0.9, 0, 0, true, false, true)
    H.assert_tensor(p, { 1 - 0.1 * 1.9 * 0.5, -2 - 0.1 * 1.9 * 0.25 }, 1e-14)
    p = t64({ 1, -2 })
    torch._sgd_step_(p, g, nil, 0.1, 0, 0, 0, false, true, false)
    H.assert_tensor(p, { 1.05, -1.975 }, 1e-14)
  end)

  it('works in float32', function()
    local p, g = torch.tensor({ 1.0, -2.0 }), torch.tensor({ 0.5, 0.25 })
    local buf = torch.zeros(2)
    torch._sgd_step_(p, g, buf, 0.1, 0.9, 0.5, 0.1, false, false, true)
    H.assert_tensor(p, { 0.94, -2.005 }, 1e-6)
    assert.are.equal(torch.float32, p.dtype)
  end)
end)

describe('adam_step_', function()
  it('takes about lr per element on the first step', function()
    local p, g = t64({ 1, -2 }), t64({ 0.5, -0.25 })
    local m, v = torch.zeros(2, f64), torch.zeros(2, f64)
    torch._adam_step_(p, g, m, v, nil, 1, 0.1, 0.9, 0.999, 1e-8, 0, false, false, false)
    H.assert_tensor(m, { 0.05, -0.025 }, 1e-15)
    H.assert_tensor(v, { 0.00025, 0.0000625 }, 1e-15)
    H.assert_tensor(p, { 1 - 0.1 * 0.5 / (0.5 + 1e-8), -2 + 0.1 * 0.25 / (0.25 + 1e-8) }, 1e-12)
  end)

  it('second step with bias corrections, coupled weight decay', function()
    local p, g = t64({ 1.5 }), t64({ 0.3 })
    local m, v = torch.zeros(1, f64), torch.zeros(1, f64)
    local lr, b1, b2, eps, wd = 0.01, 0.8, 0.9, 1e-6, 0.2
    local pe, me, ve = 1.5, 0, 0
    for step = 1, 2 do
      torch._adam_step_(p, g, m, v, nil, step, lr, b1, b2, eps, wd, false, false, false)
      local d = 0.3 + wd * pe
      me = me * b1 + (1 - b1) * d
      ve = ve * b2 + (1 - b2) * d * d
      local denom = math.sqrt(ve) / math.sqrt(1 - b2 ^ step) + eps
      pe = pe - lr / (1 - b1 ^ step) * me / denom
    end
    H.assert_tensor(p, { pe }, 1e-14)
    H.assert_tensor(m, { me }, 1e-14)
  end)

  it('AdamW decays the parameter itself, amsgrad keeps the running maximum', function()
    local p, g = t64({ 1, -2 }), t64({ 0.5, -0.25 })
    local m, v = torch.zeros(2, f64), torch.zeros(2, f64)
    torch._adam_step_(p, g, m, v, nil, 1, 0.1, 0.9, 0.999, 1e-8, 0.01, true, false, false)
    H.assert_tensor(p, { 0.999 - 0.1, -1.998 + 0.1 }, 1e-7)
    local vmax = t64({ 5, 0 })
    p, m, v = t64({ 0, 0 }), torch.zeros(2, f64), torch.zeros(2, f64)
    torch._adam_step_(p, g, m, v, vmax, 1, 0.1, 0.9, 0.999, 0, 0, false, true, false)
    H.assert_tensor(vmax, { 5, 0.0000625 }, 1e-15)
    -- step size lr / (1 - 0.9) = 1; element 1 is normalised by sqrt(5 / 0.001), not |g|
    H.assert_tensor(p, { -0.05 / (math.sqrt(5) / math.sqrt(0.001)), 0.1 }, 1e-12)
  end)

  it('maximize ascends', function()
    local p, g = t64({ 1 }), t64({ 0.5 })
    torch._adam_step_(p, g, torch.zeros(1, f64), torch.zeros(1, f64), nil, 1, 0.1, 0.9, 0.999, 0, 0,
      false, false, true)
    H.assert_tensor(p, { 1.1 }, 1e-12)
  end)
end)

describe('rmsprop_step_ and adagrad_step_', function()
  it('rmsprop: plain, centered and with momentum', function()
    local g = t64({ 0.5, -0.25 })
    local p, sq = t64({ 1, -2 }), torch.zeros(2, f64)
    torch._rmsprop_step_(p, g, sq, nil, nil, 0.01, 0.99, 0, 0, 0, false, false)
    H.assert_tensor(sq, { 0.0025, 0.000625 }, 1e-15)
    H.assert_tensor(p, { 0.9, -1.9 }, 1e-12)
    -- centered: avg = sqrt(sq - ga^2) = sqrt(0.01 g^2 - 0.0001 g^2)
    p, sq = t64({ 1, -2 }), torch.zeros(2, f64)
    local ga, buf = torch.zeros(2, f64), t64({ 1, 1 })
    torch._rmsprop_step_(p, g, sq, buf, ga, 0.01, 0.99, 0, 0, 0.5, true, false)
    local r = 1 / math.sqrt(0.0099)
    H.assert_tensor(ga, { 0.005, -0.0025 }, 1e-15)
    H.assert_tensor(buf, { 0.5 + r, 0.5 - r }, 1e-12)
    H.assert_tensor(p, { 1 - 0.01 * (0.5 + r), -2 - 0.01 * (0.5 - r) }, 1e-12)
  end)

  it('adagrad: the sum accumulates and lr decays with the step', function()
    local p, g, sum = t64({ 1, -2 }), t64({ 0.5, -0.25 }), t64({ 0.1, 0.1 })
    torch._adagrad_step_(p, g, sum, 3, 0.1, 0.5, 0.2, 1e-10, false)
    local d1, d2 = 0.5 + 0.2 * 1, -0.25 + 0.2 * -2
    local clr = 0.1 / (1 + 2 * 0.5)
    H.assert_tensor(sum, { 0.1 + d1 * d1, 0.1 + d2 * d2 }, 1e-15)
    H.assert_tensor(p, { 1 - clr * d1 / (math.sqrt(0.1 + d1 * d1) + 1e-10),
      -2 - clr * d2 / (math.sqrt(0.1 + d2 * d2) + 1e-10) }, 1e-14)
  end)
end)

describe('fused steps on any layout', function()
  it('a non-contiguous parameter and state give the contiguous result', function()
    for _, dtype in ipairs({ torch.float32, torch.float64 }) do
      torch.manual_seed(3)
      local base = torch.randn(4, 3, { dtype = dtype })
      local p1 = base:t()                      -- [3, 4], strides (1, 3)
      local p2 = p1:contiguous()
      local g = torch.randn(5, 3, { dtype = dtype })[{ { 1, 3 }, {} }]
      local g3 = torch.randn(3, 4, { dtype = dtype })
      local m1, v1 = torch.zeros(4, 3, { dtype = dtype }):t(), torch.zeros(3, 4, { dtype = dtype })
      local m2, v2 = torch.zeros(3, 4, { dtype = dtype }), torch.zeros(3, 4, { dtype = dtype })
      local x1, x2 = torch.zeros(3, 4, { dtype = dtype }), torch.zeros(3, 4, { dtype = dtype })
      assert.is_false(p1:is_contiguous())
      for step = 1, 3 do
        torch._adam_step_(p1, g3, m1, v1, x1, step, 0.1, 0.9, 0.99, 1e-8, 0.1, false, true, false)
        torch._adam_step_(p2, g3:contiguous(), m2, v2, x2, step, 0.1, 0.9, 0.99, 1e-8, 0.1, false, true, false)
      end
      assert.is_true(torch.equal(p1, p2))
      assert.is_true(torch.equal(m1, m2))
      -- the transposed parameter's storage was written through its strides
      assert.is_true(torch.equal(base, p2:t()))
      -- a strided grad (a row range of a bigger tensor) for sgd, rmsprop and adagrad
      local q1, q2 = torch.randn(3, 3, { dtype = dtype }):t(), nil
      q2 = q1:contiguous()
      torch._sgd_step_(q1, g, nil, 0.1, 0, 0, 0.1, false, false, false)
      torch._sgd_step_(q2, g:contiguous(), nil, 0.1, 0, 0, 0.1, false, false, false)
      assert.is_true(torch.equal(q1, q2))
      local s1, s2 = torch.ones(3, 3, { dtype = dtype }):t(), torch.ones(3, 3, { dtype = dtype })
      torch._rmsprop_step_(q1, g, s1, nil, nil, 0.01, 0.9, 1e-8, 0, 0, false, false)
      torch._rmsprop_step_(q2, g:contiguous(), s2, nil, nil, 0.01, 0.9, 1e-8, 0, 0, false, false)
      assert.is_true(torch.equal(q1, q2))
      torch._adagrad_step_(q1, g, s1, 1, 0.1, 0, 0, 1e-10, false)
      torch._adagrad_step_(q2, g:contiguous(), s2, 1, 0.1, 0, 0, 1e-10, false)
      assert.is_true(torch.equal(q1, q2))
    end
  end)

  it('large tensors (split over threads) match a float64 composition of ops', function()
    torch.manual_seed(11)
    local n = 200003
    local p, g = torch.randn(n, f64), torch.randn(n, f64)
    local m, v = torch.randn(n, f64), torch.rand(n, f64)
    local lr, b1, b2, eps, step = 0.01, 0.9, 0.999, 1e-8, 4
    local me = m * b1 + g * (1 - b1)
    local ve = v * b2 + g * g * (1 - b2)
    local pe = p - me / (ve:sqrt() / math.sqrt(1 - b2 ^ step) + eps) * (lr / (1 - b1 ^ step))
    torch._adam_step_(p, g, m, v, nil, step, lr, b1, b2, eps, 0, false, false, false)
    assert.is_true(torch.allclose(m, me, { rtol = 1e-13, atol = 1e-15 }))
    assert.is_true(torch.allclose(p, pe, { rtol = 1e-12, atol = 1e-14 }))
    local buf = torch.randn(n, f64)
    local q = torch.randn(n, f64)
    local be = buf * 0.9 + (g + q * 0.01) * 0.8
    local qe = q - be * 0.05
    torch._sgd_step_(q, g, buf, 0.05, 0.9, 0.2, 0.01, false, false, false)
    assert.is_true(torch.allclose(buf, be, { rtol = 1e-13, atol = 1e-15 }))
    assert.is_true(torch.allclose(q, qe, { rtol = 1e-13, atol = 1e-15 }))
    -- nesterov needs zero dampening, so recompute with dampening 0
    local q2, buf2 = torch.randn(n, f64), torch.randn(n, f64)
    local be2 = buf2 * 0.9 + g
    local qe2 = q2 - (g + be2 * 0.9) * 0.05
    torch._sgd_step_(q2, g, buf2, 0.05, 0.9, 0, 0, true, false, false)
    assert.is_true(torch.allclose(q2, qe2, { rtol = 1e-13, atol = 1e-15 }))
  end)

  it('zero-size parameters are a no-op', function()
    local p, g = torch.zeros(0, 3), torch.zeros(0, 3)
    assert.is_true(torch._adam_step_(p, g, torch.zeros(0, 3), torch.zeros(0, 3), nil, 1, 0.1, 0.9,
      0.999, 1e-8, 0, false, false, false))
    H.assert_shape(p, { 0, 3 })
  end)

  it('a 0-dim parameter', function()
    local p, g = torch.tensor(2.0, f64), torch.tensor(0.5, f64)
    torch._sgd_step_(p, g, nil, 0.1, 0, 0, 0, false, false, false)
    assert.are.equal(1.95, p:item())
  end)
end)

describe('fused steps and autograd', function()
  it("use the parameter's .grad when grad is nil, and skip parameters without one", function()
    local p = torch.tensor({ 1.0, 2.0 }, f64):requires_grad_()
    assert.is_false(torch._sgd_step_(p, nil, nil, 0.1, 0, 0, 0, false, false, false))
    H.assert_tensor(p, { 1, 2 })
    assert.is_false(torch._has_grad(p))
    ;(p * p):sum():backward()
    assert.is_true(torch._has_grad(p))
    assert.is_true(torch._sgd_step_(p, nil, nil, 0.1, 0, 0, 0, false, false, false))
    H.assert_tensor(p, { 0.8, 1.6 }, 1e-15)
  end)

  it('record nothing: the parameter stays a leaf that requires grad', function()
    local p = torch.tensor({ 1.0, 2.0 }):requires_grad_()
    p.grad = torch.ones(2)
    torch._adagrad_step_(p, nil, torch.zeros(2), 1, 0.1, 0, 0, 1e-10, false)
    assert.is_true(p.is_leaf)
    assert.is_true(p.requires_grad)
    assert.is_nil(p.grad_fn)
  end)

  it('bump the versions of the parameter and of the state they write', function()
    local p = torch.tensor({ 1.0, 2.0 }):requires_grad_()
    local y = p * p -- saves p
    p.grad = torch.ones(2)
    torch._sgd_step_(p, nil, nil, 0.1, 0, 0, 0, false, false, false)
    H.assert_error_has(function() y:sum():backward() end, 'modified by an in-place operation')
    local w = torch.ones(2):requires_grad_()
    local buf = torch.zeros(2)
    local z = w * buf -- saves buf
    torch._sgd_step_(torch.zeros(2), torch.ones(2), buf, 0.1, 0.9, 0, 0, false, false, true)
    H.assert_error_has(function() z:sum():backward() end, 'modified by an in-place operation')
    local sq = torch.zeros(2)
    local z2 = w * sq
    torch._adam_step_(torch.zeros(2), torch.ones(2), torch.zeros(2), sq, nil, 1, 0.1, 0.9, 0.99, 1e-8,
      0, false, false, false)
    H.assert_error_has(function() z2:sum():backward() end, 'modified by an in-place operation')
  end)
end)

describe('fused step errors', function()
  local z2 = function() return torch.zeros(2) end

  it('name the step and the shapes', function()
    H.assert_error_has(function()
      torch._sgd_step_(torch.zeros(3, 2), torch.zeros(2), nil, 0.1, 0, 0, 0, false, false, false)
    end, 'sgd_step_', 'grad has shape [2]', 'the parameter has shape [3, 2]')
    H.assert_error_has(function()
      torch._adam_step_(torch.zeros(3, 2), torch.zeros(3, 2), torch.zeros(3), torch.zeros(3, 2), nil, 1,
        0.1, 0.9, 0.999, 1e-8, 0, false, false, false)
    end, 'adam_step_', 'exp_avg has shape [3]', '[3, 2]')
    H.assert_error_has(function()
      torch._adam_step_(torch.zeros(2), z2(), z2(), z2(), torch.zeros(1), 1, 0.1, 0.9, 0.999, 1e-8, 0.01,
        true, true, false)
    end, 'adamw_step_', 'max_exp_avg_sq has shape [1]')
    H.assert_error_has(function()
      torch._rmsprop_step_(z2(), z2(), z2(), z2(), torch.zeros(2, 1), 0.1, 0.9, 0, 0, 0.5, true, false)
    end, 'rmsprop_step_', 'grad_avg has shape [2, 1]')
    H.assert_error_has(function()
      torch._adagrad_step_(z2(), z2(), torch.zeros(3), 1, 0.1, 0, 0, 1e-10, false)
    end, 'adagrad_step_', 'state_sum has shape [3]')
  end)

  it('reject mixed dtypes and non-float parameters', function()
    H.assert_error_has(function()
      torch._sgd_step_(z2(), torch.zeros(2, f64), nil, 0.1, 0, 0, 0, false, false, false)
    end, 'sgd_step_', 'grad is float64 but the parameter is float32')
    H.assert_error_has(function()
      torch._adam_step_(z2(), z2(), z2(), torch.zeros(2, f64), nil, 1, 0.1, 0.9, 0.99, 1e-8, 0, false,
        false, false)
    end, 'exp_avg_sq is float64')
    local i64 = { dtype = torch.int64 }
    H.assert_error_has(function()
      torch._adagrad_step_(torch.zeros(2, i64), torch.zeros(2, i64), torch.zeros(2, i64), 1, 0.1, 0, 0,
        0, false)
    end, 'adagrad_step_', 'float32 or float64', 'int64')
  end)

  it('need the state their configuration uses, and a valid step count', function()
    H.assert_error_has(function()
      torch._sgd_step_(z2(), z2(), nil, 0.1, 0.9, 0, 0, false, false, false)
    end, 'sgd_step_', 'momentum_buf is missing')
    H.assert_error_has(function()
      torch._sgd_step_(z2(), z2(), z2(), 0.1, 0.9, 0.5, 0, true, false, false)
    end, 'sgd_step_', 'Nesterov')
    H.assert_error_has(function()
      torch._adam_step_(z2(), z2(), z2(), z2(), nil, 1, 0.1, 0.9, 0.99, 1e-8, 0, false, true, false)
    end, 'max_exp_avg_sq is missing')
    H.assert_error_has(function()
      torch._adam_step_(z2(), z2(), z2(), z2(), nil, 0, 0.1, 0.9, 0.99, 1e-8, 0, false, false, false)
    end, 'adam_step_', 'step counts from 1, got 0')
    H.assert_error_has(function()
      torch._adam_step_(z2(), z2(), z2(), z2(), nil, 1, 0.1, 1.0, 0.99, 1e-8, 0, false, false, false)
    end, 'betas must be in [0, 1)')
    H.assert_error_has(function()
      torch._rmsprop_step_(z2(), z2(), z2(), nil, nil, 0.1, 0.9, 0, 0, 0.5, false, false)
    end, 'rmsprop_step_', 'momentum_buf is missing')
    H.assert_error_has(function()
      torch._adagrad_step_(z2(), z2(), z2(), 0, 0.1, 0, 0, 0, false)
    end, 'adagrad_step_', 'step counts from 1')
  end)

  it('refuse to write expanded tensors', function()
    local p = torch.zeros(1):expand(3)
    H.assert_error_has(function()
      torch._sgd_step_(p, torch.zeros(3), nil, 0.1, 0, 0, 0, false, false, false)
    end, 'sgd_step_', 'several elements in one memory location')
    H.assert_error_has(function()
      torch._adagrad_step_(torch.zeros(3), torch.zeros(3), torch.zeros(1):expand(3), 1, 0.1, 0, 0, 0, false)
    end, 'adagrad_step_', 'several elements')
  end)

  it('leave the parameter unchanged on error', function()
    local p = torch.tensor({ 1.0, 2.0 })
    pcall(torch._adam_step_, p, torch.ones(2), torch.zeros(2), torch.zeros(3), nil, 1, 0.1, 0.9, 0.99,
      1e-8, 0, false, false, false)
    H.assert_tensor(p, { 1, 2 })
  end)
end)
