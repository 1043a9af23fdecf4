-- Autograd formulas of the reductions (with dims given every way, keepdim,
-- 0-dim and zero-size inputs), views, copies and casts, and linear algebra,
-- proved against central finite differences (torch.autograd.gradcheck) on
-- float64 inputs, and against hand-computed values at the special points
-- (ties, zeros).  Pointwise ops and second derivatives are in
-- autograd_ops_spec.lua.
--
-- gradcheck is O(numel^2), so shapes stay small.  Inputs are drawn inside
-- each op's smooth domain, and the seed is fixed so that no element lands
-- within eps of a kink (ties of max and amax, zeros for norm).
local torch = require 'torch'
local H = require 'spec.helpers'

local f64 = { dtype = torch.float64 }

before_each(function() torch.manual_seed(1234) end)

-- Leaves that require grad, drawn from a domain.
local function leaf(shape) return torch.randn(shape, f64):requires_grad_() end
-- |x| in [0.5, 2] with a random sign: safe as a divisor
local function nonzero(shape)
  local u = torch.rand(shape, f64) * 1.5 + 0.5
  return (u * torch.randn(shape, f64):sign()):requires_grad_()
end

local function check(fn, inputs, opts)
  assert.is_true(torch.autograd.gradcheck(fn, inputs, opts))
end

local unpack = table.unpack

local function same(a, b, tol)
  assert.are.same(a.shape, b.shape)
  H.assert_tensor(a, H.values(b), tol or 1e-12)
end

local function shape_str(s) return '[' .. table.concat(s, ', ') .. ']' end

-------------------------------------------------------------------------------
describe('reductions', function()
  -- every way of giving dims, on a [2, 3, 4] input
  local dim_forms = {
    { 'all', function(f, a) return f(a) end },
    { 'dim 1', function(f, a) return f(a, 1) end },
    { 'dim 2 keepdim', function(f, a) return f(a, 2, true) end },
    { 'dim -1', function(f, a) return f(a, -1) end },
    { 'dim -2 {keepdim=true}', function(f, a) return f(a, -2, { keepdim = true }) end },
    { 'dims {1, 3}', function(f, a) return f(a, { 1, 3 }) end },
    { 'dims {3, -3} keepdim', function(f, a) return f(a, { 3, -3 }, true) end },
    { 'dims {1, 2, 3}', function(f, a) return f(a, { 1, 2, 3 }) end },
    { '{dim=2}', function(f, a) return f(a, { dim = 2 }) end },
  }

  local reductions = {
    { 'sum', leaf }, { 'mean', leaf }, { 'prod', nonzero }, { 'amax', leaf }, { 'amin', leaf },
    { 'var', leaf }, { 'std', leaf }, { 'norm', leaf },
  }

  for _, r in ipairs(reductions) do
    local name, domain = r[1], r[2]
    it(name .. ' passes gradcheck over every form of dims, keepdim or not', function()
      local f = function(...) return torch[name](...) end
      for _, form in ipairs(dim_forms) do
        local x = domain({ 2, 3, 4 })
        local ok, err = pcall(check, function(a) return form[2](f, a) end, { x })
        assert(ok, name .. ' ' .. form[1] .. ': ' .. tostring(err))
      end
      check(function(a) return a[name](a, 1) end, { domain({ 3, 2 }) })
    end)

    it(name .. ' passes gradcheck on a 0-dim input and on 1-D inputs', function()
      local f = function(...) return torch[name](...) end
      if name ~= 'var' and name ~= 'std' then -- one element: var/std divide by N - 1 = 0
        check(function(a) return f(a) end, { domain({}) })
        check(function(a) return f(a, 1) end, { domain({}) })
        check(function(a) return f(a, -1, true) end, { domain({}) })
      end
      check(function(a) return f(a) end, { domain({ 5 }) })
      check(function(a) return f(a, 1, true) end, { domain({ 5 }) })
    end)
  end

  it('sum, mean, prod and norm pass gradcheck on zero-size inputs', function()
    for _, name in ipairs({ 'sum', 'prod' }) do
      check(function(a) return torch[name](a) end, { leaf({ 0, 3 }) })
      check(function(a) return torch[name](a, 1) end, { leaf({ 0, 3 }) })
      check(function(a) return torch[name](a, 2, true) end, { leaf({ 0, 3 }) })
    end
    check(function(a) return a:mean(2) end, { leaf({ 0, 3 }) })
    check(function(a) return a:norm() end, { leaf({ 0, 3 }) })
    check(function(a) return a:norm(3, 1) end, { leaf({ 0, 3 }) })
    -- the gradient of a sum over nothing is an empty tensor of the input's shape
    local x = leaf({ 0, 3 })
    x:sum(1):sum():backward()
    H.assert_shape(x.grad, { 0, 3 })
  end)

  it('var and std pass gradcheck with correction 0, 1 and 2 and unbiased=false', function()
    for _, name in ipairs({ 'var', 'std' }) do
      check(function(a) return torch[name](a, { correction = 0 }) end, { leaf({ 2, 3 }) })
      check(function(a) return torch[name](a, 2, { correction = 2 }) end, { leaf({ 2, 4 }) })
      check(function(a) return torch[name](a, 1, true, { unbiased = false }) end, { leaf({ 3, 2 }) })
      check(function(a) return torch[name](a, { -1, 1 }, { unbiased = true }) end, { leaf({ 2, 2, 3 }) })
    end
  end)

  it('norm passes gradcheck for p = 1, 2, 3, 0.5, inf, -inf and fro, over dims', function()
    local ps = { 1, 2, 3, 0.5, 'inf', '-inf', 'fro', 1.5 }
    for _, p in ipairs(ps) do
      check(function(a) return a:norm(p) end, { nonzero({ 2, 3 }) })
      check(function(a) return torch.norm(a, p, 2) end, { nonzero({ 2, 3 }) })
      check(function(a) return a:norm(p, { 1, -1 }, true) end, { nonzero({ 2, 2, 3 }) })
    end
    check(function(a) return a:norm({ p = 3, dim = 1 }) end, { nonzero({ 3, 2 }) })
  end)

  it('norm and std give 0, not nan, where the result is 0, and norm handles zero elements', function()
    local z = torch.zeros(2, 3, f64):requires_grad_()
    for _, p in ipairs({ 2, 1.5, 3, 0.5, 1, 'inf' }) do
      z.grad = nil
      z:norm(p):backward()
      H.assert_tensor(z.grad, { { 0, 0, 0 }, { 0, 0, 0 } }, 0)
    end
    z.grad = nil
    z:norm(2, 2):sum():backward()
    H.assert_tensor(z.grad, { { 0, 0, 0 }, { 0, 0, 0 } }, 0)
    local c = torch.ones(2, 3, f64):requires_grad_()
    c:std(2):sum():backward()
    H.assert_tensor(c.grad, { { 0, 0, 0 }, { 0, 0, 0 } }, 0)
    -- a zero element among non-zeros: sign(x) |x|^(p-1) / norm^(p-1) is 0 there
    local x = torch.tensor({ 0.0, 1.0, -2.0 }, f64):requires_grad_()
    x:norm(1.5):backward()
    local norm = (1 + 2 ^ 1.5) ^ (1 / 1.5)
    H.assert_tensor(x.grad, { 0, 1 / norm ^ 0.5, -(2 ^ 0.5) / norm ^ 0.5 }, 1e-12)
    x.grad = nil
    x:norm(0.5):backward()
    local n2 = (1 + 2 ^ 0.5) ^ 2
    H.assert_tensor(x.grad, { 0, n2 ^ 0.5, -(2 ^ -0.5) * n2 ^ 0.5 }, 1e-12)
    x.grad = nil
    x:norm():backward()
    H.assert_tensor(x.grad, { 0, 1 / math.sqrt(5), -2 / math.sqrt(5) }, 1e-12)
  end)

  it('norm passes gradcheck on inputs with zero elements for p > 1', function()
    local x = leaf({ 2, 3 })
    torch.no_grad(function() x:mul_(torch.tensor({ { 1, 0, 1 }, { 1, 1, 0 } }, f64)) end)
    for _, p in ipairs({ 2, 3, 1.5, 'inf' }) do
      check(function(a) return a:norm(p, 2) end, { x })
    end
  end)

  it('prod gives the product of the others where an element is zero (hand-computed)', function()
    local x = torch.tensor({ { 2.0, 0.0, 3.0 }, { 0.0, 0.0, 5.0 }, { 1.0, 4.0, 2.0 } }, f64):requires_grad_()
    x:prod(2):sum():backward()
    H.assert_tensor(x.grad, { { 0, 6, 0 }, { 0, 0, 0 }, { 8, 2, 4 } }, 1e-12)
    x.grad = nil
    x:prod():backward()
    H.assert_tensor(x.grad, { { 0, 0, 0 }, { 0, 0, 0 }, { 0, 0, 0 } }, 0)
    local y = torch.tensor({ 3.0, 0.0, 2.0 }, f64):requires_grad_()
    y:prod():backward()
    H.assert_tensor(y.grad, { 0, 6, 0 }, 0)
  end)

  it('prod passes gradcheck on inputs with one zero per slice', function()
    local x = leaf({ 3, 4 })
    local mask = torch.tensor({ { 1, 0, 1, 1 }, { 1, 1, 1, 0 }, { 1, 1, 1, 1 } }, f64)
    torch.no_grad(function() x:mul_(mask) end)
    check(function(a) return a:prod(2) end, { x })
    check(function(a) return a:prod(1) end, { x })
  end)

  it('amax, amin and max() spread the gradient evenly over ties', function()
    local x = torch.tensor({ 1.0, 3.0, 3.0, 2.0 }, f64):requires_grad_()
    x:amax():backward()
    H.assert_tensor(x.grad, { 0, 0.5, 0.5, 0 }, 0)
    x.grad = nil
    x:max():backward()
    H.assert_tensor(x.grad, { 0, 0.5, 0.5, 0 }, 0)
    local m = torch.tensor({ { 1.0, 1.0 }, { 0.0, 2.0 } }, f64):requires_grad_()
    m:amin(2):sum():backward()
    H.assert_tensor(m.grad, { { 0.5, 0.5 }, { 1, 0 } }, 0)
  end)

  describe('max and min along a dim', function()
    for _, name in ipairs({ 'max', 'min' }) do
      it(name .. ' values pass gradcheck for each dim, negative dims, keepdim', function()
        local f = function(...) return torch[name](...) end
        for _, args in ipairs({ { 1 }, { 2 }, { 3 }, { -1 }, { 2, true }, { -3, true }, { { dim = 1, keepdim = true } } }) do
          check(function(a) return (f(a, unpack(args))) end, { leaf({ 2, 3, 4 }) })
        end
        check(function(a) return (f(a, 1)) end, { leaf({ 5 }) })
        check(function(a) return (f(a, 1)) end, { leaf({}) })
        check(function(a) return (f(a, -1, true)) end, { leaf({}) })
        check(function(a) return (f(a, 2)) end, { leaf({ 0, 3 }) })
        check(function(a) return f(a) end, { leaf({ 2, 3 }) })
        -- both results at once: the indices carry no gradient
        check(function(a) return f(a, 2) end, { leaf({ 3, 4 }) })
      end)
    end

    it('sends the gradient to the chosen index, which stays 1-based for Lua', function()
      local x = torch.tensor({ { 1.0, 5.0, 2.0 }, { 7.0, 0.0, 3.0 } }, f64):requires_grad_()
      local v, i = x:max(2)
      H.assert_tensor(i, { 2, 1 }, 0)
      v:backward(torch.tensor({ 10.0, 20.0 }, f64))
      H.assert_tensor(x.grad, { { 0, 10, 0 }, { 20, 0, 0 } }, 0)
      x.grad = nil
      local w, j = x:min(1, true)
      H.assert_tensor(j, { { 1, 2, 1 } }, 0)
      w:sum():backward()
      H.assert_tensor(x.grad, { { 1, 0, 1 }, { 0, 1, 0 } }, 0)
      -- the indices returned can be changed without disturbing the backward
      local v2, i2 = x:max(1)
      i2:zero_()
      x.grad = nil
      v2:sum():backward()
      H.assert_tensor(x.grad, { { 0, 1, 0 }, { 1, 0, 1 } }, 0)
    end)
  end)

  it('cumsum passes gradcheck along each dim, negative dims, 0-dim and zero-size', function()
    for _, d in ipairs({ 1, 2, 3, -1, -3 }) do
      check(function(a) return a:cumsum(d) end, { leaf({ 2, 3, 4 }) })
    end
    check(function(a) return torch.cumsum(a, 1) end, { leaf({ 6 }) })
    check(function(a) return a:cumsum(1) end, { leaf({}) })
    check(function(a) return a:cumsum(-1) end, { leaf({}) })
    check(function(a) return a:cumsum(2) end, { leaf({ 0, 3 }) })
    check(function(a) return a:cumsum(1) end, { leaf({ 0, 3 }) })
  end)

  it('cumsum backward is a reversed cumsum (hand-computed)', function()
    local x = torch.zeros(4, f64):requires_grad_()
    x:cumsum(1):backward(torch.tensor({ 1.0, 2.0, 3.0, 4.0 }, f64))
    H.assert_tensor(x.grad, { 10, 9, 7, 4 }, 0)
  end)

  it('sum_to_size to the same shape returns the tensor itself, its history untouched', function()
    local x = leaf({ 2, 3 })
    local y = x:sum_to_size(2, 3)
    assert.is_true(y.is_leaf)
    assert.is_nil(y.grad_fn)
    assert.is_nil(x.grad_fn)
    local h = x * 2
    assert.are.equal('MulBackward', h:sum_to_size(h.shape).grad_fn)
    h:sum_to_size(2, 3):sum():backward()
    H.assert_tensor(x.grad, { { 2, 2, 2 }, { 2, 2, 2 } }, 0)
  end)

  it('sum_to_size passes gradcheck', function()
    for _, size in ipairs({ { 3, 1 }, { 1, 4 }, { 2, 1, 1 }, { 3, 4 }, { 4 }, { 2, 3, 4 }, { 1 } }) do
      check(function(a) return a:sum_to_size(size) end, { leaf({ 2, 3, 4 }) })
    end
    check(function(a) return a:sum_to_size(1, 3) end, { leaf({ 2, 3 }) })
    check(function(a) return a:sum_to_size({}) end, { leaf({}) })
    check(function(a) return a:sum_to_size({ 3 }) end, { leaf({ 0, 3 }) })
  end)
end)

-------------------------------------------------------------------------------
describe('views, copies and casts', function()
  local views = {
    { 'view(-1)', { 2, 3, 4 }, function(a) return a:view(-1) end },
    { 'view(4, 6)', { 2, 3, 4 }, function(a) return a:view(4, 6) end },
    { 'view({3, 1, 2})', { 6 }, function(a) return a:view({ 3, 1, 2 }) end },
    { 'view of 0-dim', {}, function(a) return a:view(1, 1) end },
    { 'view of zero-size', { 0, 3 }, function(a) return a:view(3, 0) end },
    { 'view_as', { 2, 3 }, function(a) return a:view_as(torch.zeros(3, 2)) end },
    { 'reshape(3, -1)', { 2, 3, 4 }, function(a) return a:reshape(3, -1) end },
    { 'reshape non-contiguous', { 3, 4 }, function(a) return a:t():reshape(2, 6) end },
    { 'torch.reshape to 0-dim', { 1, 1 }, function(a) return torch.reshape(a, {}) end },
    { 'reshape_as', { 2, 3 }, function(a) return a:reshape_as(torch.zeros(6)) end },
    { 'flatten()', { 2, 3, 4 }, function(a) return a:flatten() end },
    { 'flatten(2)', { 2, 3, 4 }, function(a) return torch.flatten(a, 2) end },
    { 'flatten(1, 2)', { 2, 3, 4 }, function(a) return a:flatten(1, 2) end },
    { 'flatten(-2, -1)', { 2, 3, 4 }, function(a) return a:flatten(-2, -1) end },
    { 'flatten 0-dim', {}, function(a) return a:flatten() end },
    { 'squeeze()', { 1, 3, 1, 2 }, function(a) return a:squeeze() end },
    { 'squeeze(3)', { 1, 3, 1, 2 }, function(a) return a:squeeze(3) end },
    { 'squeeze(-4)', { 1, 3, 1, 2 }, function(a) return torch.squeeze(a, -4) end },
    { 'squeeze(2) of a non-1 dim', { 2, 3 }, function(a) return a:squeeze(2) end },
    { 'unsqueeze(1)', { 2, 3 }, function(a) return a:unsqueeze(1) end },
    { 'unsqueeze(3)', { 2, 3 }, function(a) return a:unsqueeze(3) end },
    { 'unsqueeze(-1)', { 2, 3 }, function(a) return torch.unsqueeze(a, -1) end },
    { 'unsqueeze of 0-dim', {}, function(a) return a:unsqueeze(1) end },
    { 'transpose(1, 3)', { 2, 3, 4 }, function(a) return a:transpose(1, 3) end },
    { 'transpose(-1, -2)', { 2, 3, 4 }, function(a) return torch.transpose(a, -1, -2) end },
    { 't 2-D', { 2, 3 }, function(a) return a:t() end },
    { 't 1-D', { 4 }, function(a) return torch.t(a) end },
    { 't 0-dim', {}, function(a) return a:t() end },
    { '.T', { 2, 3 }, function(a) return a.T end },
    { 'permute(3, 1, 2)', { 2, 3, 4 }, function(a) return a:permute(3, 1, 2) end },
    { 'permute({-1, 1, -2})', { 2, 3, 4 }, function(a) return torch.permute(a, { -1, 1, -2 }) end },
    { 'expand(3, -1, 4)', { 3, 1, 1 }, function(a) return a:expand(3, -1, 4) end },
    { 'expand new dims', { 3, 1 }, function(a) return a:expand(2, 3, 4) end },
    { 'expand 0-dim', {}, function(a) return a:expand(2, 3) end },
    { 'expand to zero-size', { 1, 3 }, function(a) return a:expand(0, 3) end },
    { 'expand_as', { 3, 1 }, function(a) return a:expand_as(torch.zeros(2, 3, 5)) end },
    { 'narrow(2, 2, 2)', { 2, 4, 3 }, function(a) return a:narrow(2, 2, 2) end },
    { 'narrow(-1, -2, 2)', { 2, 4, 3 }, function(a) return torch.narrow(a, -1, -2, 2) end },
    { 'narrow to empty', { 2, 4 }, function(a) return a:narrow(2, 3, 0) end },
    { 'select(1, 2)', { 3, 4 }, function(a) return a:select(1, 2) end },
    { 'select(-1, -1)', { 2, 3, 4 }, function(a) return torch.select(a, -1, -1) end },
    { 'x[2]', { 3, 4 }, function(a) return a[2] end },
    { 'select(1, -1) of 1-D to 0-dim', { 4 }, function(a) return a:select(1, -1) end },
    { 'squeeze [1] to 0-dim', { 1 }, function(a) return a:squeeze() end },
    { 'squeeze(1) of 0-dim', {}, function(a) return a:squeeze(1) end },
    { 'transpose(2, 2)', { 2, 3 }, function(a) return a:transpose(2, 2) end },
    { 'contiguous of a transpose', { 3, 4 }, function(a) return a:t():contiguous() end },
    { 'contiguous (already)', { 3, 4 }, function(a) return a:contiguous() end },
    { 'clone', { 3, 4 }, function(a) return a:clone() end },
    { 'torch.clone of a view', { 3, 4 }, function(a) return torch.clone(a:t()) end },
    { 'double (no-op)', { 3 }, function(a) return a:double() end },
    { 'to(float64) (no-op)', { 3 }, function(a) return a:to(torch.float64) end },
  }
  for _, v in ipairs(views) do
    it(v[1] .. ' passes gradcheck', function()
      check(v[3], { leaf(v[2]) })
    end)
  end

  it('chains of views pass gradcheck', function()
    check(function(a) return a:t():unsqueeze(1):expand(3, 4, 2):narrow(1, 2, 2):select(3, 1) end,
      { leaf({ 2, 4 }) })
    check(function(a) return a:permute(2, 3, 1):reshape(-1):view(4, 3):t()[2] end, { leaf({ 3, 2, 2 }) })
  end)

  it('casts to float32 and back have the gradient of the identity, in the input dtype', function()
    check(function(a) return a:float():double() end, { leaf({ 2, 3 }) }, { eps = 1e-3, atol = 1e-4, rtol = 1e-3 })
    check(function(a) return a:to(torch.float32):to(torch.float64) end, { leaf({ 4 }) },
      { eps = 1e-3, atol = 1e-4, rtol = 1e-3 })
    local x = leaf({ 3 })
    local y = x:float()
    assert.are.equal('ToCopyBackward', y.grad_fn)
    y:backward(torch.tensor({ 1, 2, 3 }, { dtype = torch.float32 }))
    assert.are.equal(torch.float64, x.grad.dtype)
    H.assert_tensor(x.grad, { 1, 2, 3 }, 0)
  end)

  it('casts to integer types carry no gradient', function()
    local x = leaf({ 3 })
    for _, t in ipairs({ x:long(), x:int(), x:to(torch.int64), x:bool() }) do
      assert.is_false(t.requires_grad)
      assert.is_nil(t.grad_fn)
    end
  end)

  describe('copy_', function()
    it('passes gradcheck for the source, broadcast and cast into the destination', function()
      check(function(a)
        local d = torch.zeros(3, 4, f64)
        d:copy_(a)
        return d * 2
      end, { leaf({ 3, 4 }) })
      check(function(a)
        local d = torch.zeros(3, 4, f64)
        d:copy_(a)
        return d
      end, { leaf({ 4 }) })
      check(function(a)
        local d = torch.zeros(2, 3, f64)
        d:copy_(a)
        return d
      end, { leaf({}) })
      check(function(a)
        local d = torch.zeros(2, 3, { dtype = torch.float32 })
        d:copy_(a)
        return d:double()
      end, { leaf({ 2, 3 }) }, { eps = 1e-3, atol = 1e-4, rtol = 1e-3 })
    end)

    it('overwrites the destination: its old value gets no gradient from the copy', function()
      local function fn(a, b)
        local d = b * 3
        d:copy_(a)
        return d * b
      end
      check(fn, { leaf({ 2, 3 }), leaf({ 2, 3 }) })
      local a, b = leaf({ 2, 3 }), leaf({ 2, 3 })
      fn(a, b):sum():backward()
      same(b.grad, a:detach())
      same(a.grad, b:detach())
    end)
  end)
end)

-------------------------------------------------------------------------------
describe('linear algebra', function()
  local function linalg_in()
    local a = leaf({ 2, 2 })
    return a.grad_fn == nil and torch.mm(a, a).grad_fn == 'MmBackward'
  end

  it('mm passes gradcheck, including zero-size and transposed operands', function()
    check(function(a, b) return torch.mm(a, b) end, { leaf({ 2, 3 }), leaf({ 3, 4 }) })
    check(function(a, b) return a:mm(b) end, { leaf({ 1, 1 }), leaf({ 1, 3 }) })
    check(function(a, b) return torch.mm(a:t(), b:t()) end, { leaf({ 3, 2 }), leaf({ 4, 3 }) })
    check(function(a, b) return torch.mm(a, b) end, { leaf({ 0, 3 }), leaf({ 3, 2 }) })
    check(function(a, b) return torch.mm(a, b) end, { leaf({ 2, 0 }), leaf({ 0, 3 }) })
    check(function(a) return torch.mm(a, a) end, { leaf({ 3, 3 }) })
  end)

  it('mv passes gradcheck', function()
    check(function(a, v) return torch.mv(a, v) end, { leaf({ 3, 4 }), leaf({ 4 }) })
    check(function(a, v) return a:mv(v) end, { leaf({ 4, 3 }):t(), leaf({ 4 }) })
    check(function(a, v) return torch.mv(a, v) end, { leaf({ 2, 0 }), leaf({ 0 }) })
  end)

  it('bmm passes gradcheck', function()
    check(function(a, b) return torch.bmm(a, b) end, { leaf({ 2, 2, 3 }), leaf({ 2, 3, 2 }) })
    check(function(a, b) return a:bmm(b:transpose(2, 3)) end, { leaf({ 3, 1, 2 }), leaf({ 3, 2, 2 }) })
  end)

  it('dot and outer pass gradcheck', function()
    check(function(a, b) return torch.dot(a, b) end, { leaf({ 5 }), leaf({ 5 }) })
    check(function(a, b) return a:dot(b) end, { leaf({ 0 }), leaf({ 0 }) })
    check(function(a, b) return torch.outer(a, b) end, { leaf({ 3 }), leaf({ 4 }) })
    check(function(a, b) return a:outer(b) end, { leaf({ 1 }), leaf({ 2 }) })
  end)

  it('addmm passes gradcheck with beta, alpha and a broadcast input', function()
    check(function(c, a, b) return torch.addmm(c, a, b) end, { leaf({ 2, 4 }), leaf({ 2, 3 }), leaf({ 3, 4 }) })
    check(function(c, a, b) return torch.addmm(c, a, b, { beta = 0.5, alpha = -2 }) end,
      { leaf({ 4 }), leaf({ 2, 3 }), leaf({ 3, 4 }) })
    check(function(c, a, b) return c:addmm(a, b, { beta = 0 }) end, { leaf({ 2, 1 }), leaf({ 2, 3 }), leaf({ 3, 4 }) })
    check(function(c, a, b) return torch.addmm(c, a, b, { alpha = 3 }) end, { leaf({}), leaf({ 2, 3 }), leaf({ 3, 2 }) })
  end)

  it('matmul passes gradcheck for every combination of ranks, with batch broadcasting', function()
    local cases = {
      { { 4 }, { 4 } }, { { 2, 3 }, { 3 } }, { { 3 }, { 3, 2 } }, { { 2, 3 }, { 3, 2 } },
      { { 2, 2, 3 }, { 3, 2 } }, { { 3, 2 }, { 2, 2, 3 } }, { { 2, 2, 3 }, { 3 } }, { { 3 }, { 2, 3, 2 } },
      { { 2, 1, 2, 3 }, { 3, 3, 2 } }, { { 2, 2, 3 }, { 2, 3, 1 } }, { { 0, 2, 3 }, { 3, 2 } },
    }
    for _, c in ipairs(cases) do
      local ok, err = pcall(check, function(a, b) return torch.matmul(a, b) end, { leaf(c[1]), leaf(c[2]) })
      assert(ok, string.format('matmul %s @ %s: %s', shape_str(c[1]), shape_str(c[2]), tostring(err)))
    end
    check(function(a, b) return a:matmul(b) end, { leaf({ 2, 3 }), leaf({ 3, 2 }) })
  end)

  it('names its nodes', function()
    assert.is_true(linalg_in())
    local a, b, v = leaf({ 2, 3 }), leaf({ 3, 2 }), leaf({ 3 })
    assert.are.equal('MmBackward', torch.mm(a, b).grad_fn)
    assert.are.equal('MvBackward', torch.mv(a, v).grad_fn)
    assert.are.equal('BmmBackward', torch.bmm(a:unsqueeze(1), b:unsqueeze(1)).grad_fn)
    assert.are.equal('DotBackward', torch.dot(v, v).grad_fn)
    assert.are.equal('OuterBackward', torch.outer(v, v).grad_fn)
    assert.are.equal('AddmmBackward', torch.addmm(leaf({ 2, 2 }), a, b).grad_fn)
  end)
end)
