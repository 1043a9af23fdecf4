-- Autograd: the user-facing API of define-by-run graphs.
local torch = require 'torch'
local H = require 'spec.helpers'

local function errmsg(fn)
  local ok, err = pcall(fn)
  assert(not ok, 'expected an error')
  return tostring(err)
end

describe('leaves and requires_grad', function()
  it('requires_grad_ marks a leaf and returns it', function()
    local w = torch.randn(2, 1):mul_(0.01):requires_grad_()
    assert.is_true(w.requires_grad)
    assert.is_true(w.is_leaf)
    assert.is_nil(w.grad_fn)
    assert.is_nil(w.grad)
  end)

  it('requires_grad can be assigned as a field', function()
    local x = torch.ones(3)
    x.requires_grad = true
    assert.is_true(x.requires_grad)
    x.requires_grad = false
    assert.is_false(x.requires_grad)
  end)

  it('refuses integer tensors', function()
    local msg = errmsg(function() torch.ones(2, { dtype = torch.int64 }):requires_grad_() end)
    assert.truthy(msg:find('floating point', 1, true))
  end)

  it('results of ops on leaves are non-leaves with a named grad_fn', function()
    local x = torch.ones(2):requires_grad_()
    local y = x * 2
    assert.is_false(y.is_leaf)
    assert.are.equal('MulBackward', y.grad_fn)
    assert.are.equal('AddBackward', (x + x).grad_fn)
    assert.are.equal('ViewBackward', x:view(2, 1).grad_fn)
  end)

  it('ops on tensors that do not require grad record nothing', function()
    local y = torch.ones(2) * 2
    assert.is_false(y.requires_grad)
    assert.is_nil(y.grad_fn)
  end)
end)

describe('backward', function()
  it('computes gradients of a scalar and accumulates them across calls', function()
    local x = torch.tensor({ 1.0, 2.0, 3.0 }):requires_grad_()
    local y = (x * x):sum()
    y:backward()
    H.assert_tensor(x.grad, { 2, 4, 6 })
    local y2 = (x * x):sum()
    y2:backward()
    H.assert_tensor(x.grad, { 4, 8, 12 })
    x.grad:zero_()
    H.assert_tensor(x.grad, { 0, 0, 0 })
    x.grad = nil
    assert.is_nil(x.grad)
  end)

  it('takes an explicit gradient for non-scalar outputs', function()
    local x = torch.tensor({ 1.0, 2.0 }):requires_grad_()
    local y = x * 3
    y:backward(torch.tensor({ 1.0, 10.0 }))
    H.assert_tensor(x.grad, { 3, 30 })
  end)

  it('needs a gradient for non-scalar outputs', function()
    local x = torch.ones(2, 2):requires_grad_()
    local msg = errmsg(function() (x * 2):backward() end)
    assert.truthy(msg:find('one-element', 1, true))
    assert.truthy(msg:find('[2, 2]', 1, true))
  end)

  it('frees the graph unless retain_graph is given', function()
    local x = torch.tensor({ 2.0 }):requires_grad_()
    local y = (x * x):sum()
    y:backward({ retain_graph = true })
    y:backward()
    H.assert_tensor(x.grad, { 8 })
    local msg = errmsg(function() y:backward() end)
    assert.truthy(msg:find('second time', 1, true))
  end)

  it('sums gradients back over broadcast dims', function()
    local a = torch.ones(3, 1):requires_grad_()
    local b = torch.tensor({ 1.0, 2.0, 3.0, 4.0 }):requires_grad_()
    local y = (a * b):sum()
    y:backward()
    H.assert_tensor(a.grad, { { 10 }, { 10 }, { 10 } }, 1e-6, { 3, 1 })
    H.assert_tensor(b.grad, { 3, 3, 3, 3 }, 1e-6, { 4 })
  end)

  it('follows Lua control flow', function()
    local x = torch.tensor({ 3.0 }):requires_grad_()
    local y = x
    for _ = 1, 3 do
      if y:item() < 100 then y = y * x end
    end
    y:sum():backward()   -- y = x^4
    H.assert_tensor(x.grad, { 4 * 27 })
  end)

  it('keeps memory flat over 100,000 forward/backward steps', function()
    local w = torch.randn(16, 16):requires_grad_()
    local x = torch.randn(8, 16)
    collectgarbage()
    local before = torch.memory_live_bytes()
    for _ = 1, 100000 do
      local loss = (x:matmul(w)):pow(2):mean()
      loss:backward()
      w.grad = nil
    end
    collectgarbage()
    collectgarbage()
    assert.is_true(torch.memory_live_bytes() - before < 1024 * 1024)
  end)
end)

describe('detach, data, retain_grad, hooks', function()
  it('detach shares storage and records nothing', function()
    local x = torch.ones(3):requires_grad_()
    local d = (x * 2):detach()
    assert.is_false(d.requires_grad)
    assert.is_nil(d.grad_fn)
    local x2 = x:detach()
    x2:fill_(5)
    H.assert_tensor(x, { 5, 5, 5 })
  end)

  it('x.data is an untracked alias that SGD can update', function()
    local w = torch.tensor({ 1.0, 2.0 }):requires_grad_()
    local loss = (w * w):sum()
    loss:backward()
    w.data:sub_(w.grad * 0.1)
    H.assert_tensor(w, { 0.8, 1.6 })
    assert.is_true(w.requires_grad)
    assert.is_true(w.is_leaf)
  end)

  it('retain_grad keeps the gradient of a non-leaf', function()
    local x = torch.tensor({ 1.0, 2.0 }):requires_grad_()
    local h = x * 3
    h:retain_grad()
    ;(h * h):sum():backward()
    H.assert_tensor(h.grad, { 6, 12 })
    H.assert_tensor(x.grad, { 18, 36 })
  end)

  it('a hook can replace the gradient, on a leaf and on a non-leaf', function()
    local x = torch.tensor({ 1.0, 2.0 }):requires_grad_()
    local seen
    x:register_hook(function(g) seen = g:clone() return g * 10 end)
    local h = x * 2
    local handle = h:register_hook(function(g) return g + 1 end)
    h:sum():backward()
    H.assert_tensor(seen, { 4, 4 })
    H.assert_tensor(x.grad, { 40, 40 })
    handle:remove()
    x.grad = nil
    local h2 = x * 2
    h2:sum():backward()
    H.assert_tensor(x.grad, { 20, 20 })
  end)

  it('hooks run when backward is called inside a coroutine', function()
    local x = torch.ones(3):requires_grad_()
    local calls = 0
    x:register_hook(function(g) calls = calls + 1 return g * 2 end)
    local co = coroutine.wrap(function()
      (x * 3):sum():backward()
      coroutine.yield(x.grad:sum():item())
    end)
    assert.are.equal(18, co())
    assert.are.equal(1, calls)
  end)

  it('an error in a hook becomes a Lua error and the graph stays usable', function()
    local x = torch.ones(2):requires_grad_()
    local y = (x * 2):sum()
    x:register_hook(function() error('boom') end)
    local msg = errmsg(function() y:backward({ retain_graph = true }) end)
    assert.truthy(msg:find('boom', 1, true))
  end)
end)

describe('grad mode', function()
  it('no_grad with a function, with a <close> guard, and set_grad_enabled', function()
    local x = torch.ones(2):requires_grad_()
    local y = torch.no_grad(function() return x * 2 end)
    assert.is_false(y.requires_grad)
    do
      local _ <close> = torch.no_grad()
      assert.is_false(torch.is_grad_enabled())
      assert.is_false((x * 2).requires_grad)
    end
    assert.is_true(torch.is_grad_enabled())
    torch.set_grad_enabled(false)
    assert.is_false((x * 2).requires_grad)
    torch.set_grad_enabled(true)
    assert.is_true((x * 2).requires_grad)
  end)

  it('no_grad restores the mode when the function raises', function()
    pcall(torch.no_grad, function() error('inside') end)
    assert.is_true(torch.is_grad_enabled())
  end)
end)

describe('in-place ops', function()
  it('work on non-leaves and keep gradients right', function()
    local x = torch.tensor({ 1.0, 2.0 }):requires_grad_()
    local h = x * 2
    h:mul_(x)            -- h = 2 x^2
    h:add_(1)
    h:sum():backward()
    H.assert_tensor(x.grad, { 4, 8 })
    assert.are.equal('AddBackward', h.grad_fn)
  end)

  it('are refused on leaves that require grad', function()
    local w = torch.ones(2):requires_grad_()
    local msg = errmsg(function() w:add_(1) end)
    assert.truthy(msg:find('leaf', 1, true))
    torch.no_grad(function() w:add_(1) end)   -- fine without recording
    H.assert_tensor(w, { 2, 2 })
  end)

  it('a tensor modified after being saved is reported, not silently wrong', function()
    local x = torch.tensor({ 1.0, 2.0 }):requires_grad_()
    local h = x * 1
    local y = h * h       -- saves h
    h:add_(1)
    local msg = errmsg(function() y:sum():backward() end)
    assert.truthy(msg:find('modified by an in%-place operation'))
    assert.truthy(msg:find('MulBackward', 1, true))
  end)
end)

describe('torch.autograd.grad', function()
  it('returns gradients without touching .grad', function()
    local w1 = torch.tensor({ 1.0, 2.0 }):requires_grad_()
    local w2 = torch.tensor({ 3.0 }):requires_grad_()
    local out = (w1 * w2):sum()
    local g = torch.autograd.grad(out, { w1, w2 })
    H.assert_tensor(g[1], { 3, 3 })
    H.assert_tensor(g[2], { 3 })
    assert.is_nil(w1.grad)
    assert.is_nil(w2.grad)
  end)

  it('allow_unused gives nil for unused inputs, else an error', function()
    local a = torch.ones(2):requires_grad_()
    local b = torch.ones(2):requires_grad_()
    local out = (a * 2):sum()
    local g = torch.autograd.grad(out, { a, b }, { allow_unused = true, retain_graph = true })
    H.assert_tensor(g[1], { 2, 2 })
    assert.is_nil(g[2])
    local msg = errmsg(function() torch.autograd.grad(out, { a, b }) end)
    assert.truthy(msg:find('input 2', 1, true))
  end)

  it('create_graph gives differentiable gradients (second derivatives)', function()
    local x = torch.tensor({ 2.0 }):requires_grad_()
    local y = (x * x * x):sum()                    -- y = x^3
    local g = torch.autograd.grad(y, { x }, { create_graph = true })[1]   -- 3x^2
    H.assert_tensor(g, { 12 })
    assert.is_true(g.requires_grad)
    local g2 = torch.autograd.grad(g:sum(), { x })[1]                     -- 6x
    H.assert_tensor(g2, { 12 })
  end)

  it('the gradient of a gradient norm (gradient penalty)', function()
    local w = torch.tensor({ { 1.0, 2.0 }, { 3.0, 4.0 } }, { dtype = torch.float64 }):requires_grad_()
    local x = torch.tensor({ 0.5, -1.0 }, { dtype = torch.float64 })
    local out = (w:mv(x)):pow(2):sum()
    local g = torch.autograd.grad(out, { w }, { create_graph = true })[1]
    local penalty = (g * g):sum()
    penalty:backward()
    -- out = sum_i (w_i . x)^2, g_ij = 2 (w_i . x) x_j, penalty = 4 |x|^2 sum_i (w_i . x)^2,
    -- d penalty / d w_ij = 8 |x|^2 (w_i . x) x_j
    local x2 = 0.25 + 1.0
    local r1, r2 = 0.5 * 1 - 2, 0.5 * 3 - 4
    H.assert_tensor(w.grad, { { 8 * x2 * r1 * 0.5, 8 * x2 * r1 * -1 }, { 8 * x2 * r2 * 0.5, 8 * x2 * r2 * -1 } }, 1e-10)
  end)

  it('the seeds example: log(1 + exp(-X w)) against the analytic gradient', function()
    torch.manual_seed(0)
    local X = torch.randn(10, 3, { dtype = torch.float64 })
    local w = torch.randn(3, { dtype = torch.float64 }):requires_grad_()
    local out = torch.log(1 + torch.exp(-X:mv(w))):sum()
    local g = torch.autograd.grad(out, { w })[1]
    -- d/dw = -X^T sigmoid(-X w)
    local analytic = torch.no_grad(function() return -(X:t():mv(torch.sigmoid(-X:mv(w)))) end)
    assert.is_true(torch.allclose(g, analytic, { rtol = 1e-10, atol = 1e-12 }))
  end)
end)

describe('custom functions', function()
  it('Sign with a straight-through backward', function()
    local Sign = torch.autograd.Function:extend('Sign')
    function Sign.forward(ctx, x)
      ctx:save_for_backward(x)
      return x:sign()
    end
    function Sign.backward(ctx, g)
      local x = ctx.saved_tensors[1]
      return g * x:abs():le(1):to(g.dtype)
    end
    local x = torch.tensor({ -2.0, -0.5, 0.5, 3.0 }):requires_grad_()
    local y = Sign.apply(x)
    H.assert_tensor(y, { -1, -1, 1, 1 })
    assert.are.equal('SignBackward', y.grad_fn)
    y:sum():backward()
    H.assert_tensor(x.grad, { 0, 1, 1, 0 })
  end)

  it('several inputs and outputs, nil gradient for inputs that need none', function()
    local MulAdd = torch.autograd.Function:extend('MulAdd')
    function MulAdd.forward(ctx, a, b, scale)
      ctx:save_for_backward(a, b)
      ctx.scale = scale
      return a * b * scale, a + b
    end
    function MulAdd.backward(ctx, g_prod, g_sum)
      local a, b = ctx.saved_tensors[1], ctx.saved_tensors[2]
      return g_prod * b * ctx.scale + g_sum, g_prod * a * ctx.scale + g_sum, nil
    end
    local a = torch.tensor({ 1.0, 2.0 }):requires_grad_()
    local b = torch.tensor({ 3.0, 4.0 }):requires_grad_()
    local p, s = MulAdd.apply(a, b, 2)
    ;(p:sum() + s:sum()):backward()
    H.assert_tensor(a.grad, { 7, 9 })
    H.assert_tensor(b.grad, { 3, 5 })
  end)

  it('a backward returning the wrong shape is a clear error', function()
    local Bad = torch.autograd.Function:extend('Bad')
    function Bad.forward(ctx, x) return x * 2 end
    function Bad.backward(ctx, g) return torch.ones(5) end
    local x = torch.ones(2):requires_grad_()
    local msg = errmsg(function() Bad.apply(x):sum():backward() end)
    assert.truthy(msg:find('Bad.backward', 1, true))
    assert.truthy(msg:find('[5]', 1, true))
  end)
end)

describe('gradcheck', function()
  it('passes for correct formulas and catches a wrong one', function()
    local x = torch.randn(3, { dtype = torch.float64 }):requires_grad_()
    assert.is_true(torch.autograd.gradcheck(function(t) return (t * t):sum() end, { x }))
    local Wrong = torch.autograd.Function:extend('Wrong')
    function Wrong.forward(ctx, t) return t * 2 end
    function Wrong.backward(ctx, g) return g * 3 end
    local ok, msg = torch.autograd.gradcheck(function(t) return Wrong.apply(t) end, { x }, { raise = false })
    assert.is_false(ok)
    assert.truthy(msg:find('Jacobian mismatch', 1, true))
  end)
end)
