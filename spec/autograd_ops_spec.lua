-- Autograd formulas of the pointwise ops (binary with tensors or Lua numbers
-- on either side, every unary op, clamp, where, activations, lerp), proved
-- against central finite differences (torch.autograd.gradcheck) on float64
-- inputs: several shapes per op, broadcasting, 0-dim and zero-size inputs.
-- Also: second derivatives of every op family through create_graph;
-- grad_fn names; integer results that carry no gradient; and in-place ops
-- on non-leaves against their out-of-place forms.  Reductions, views and
-- linear algebra are in autograd_reduce_view_linalg_spec.lua.
--
-- gradcheck is O(numel^2), so shapes stay small.  Inputs are drawn inside
-- each op's smooth domain, and the seed is fixed so that no element lands
-- within eps of a kink (clamp bounds, ties of max, jumps of floor).
local torch = require 'torch'
local H = require 'spec.helpers'

local f64 = { dtype = torch.float64 }

before_each(function() torch.manual_seed(1234) end)

-- Leaves that require grad, drawn from a domain.
local function leaf(shape) return torch.randn(shape, f64):requires_grad_() end
local function uniform(shape, lo, hi)
  return (torch.rand(shape, f64) * (hi - lo) + lo):requires_grad_()
end
local function positive(shape) return uniform(shape, 0.5, 2) end
-- |x| in [0.5, 2] with a random sign: safe as a divisor
local function nonzero(shape)
  local u = torch.rand(shape, f64) * 1.5 + 0.5
  return (u * torch.randn(shape, f64):sign()):requires_grad_()
end

local function check(fn, inputs, opts)
  assert.is_true(torch.autograd.gradcheck(fn, inputs, opts))
end

local unpack = table.unpack

-- Second derivatives: the first derivatives of fn (for every input, with a
-- random output gradient v that is an input too) pass gradcheck.
local function check_second(fn, inputs)
  local n = #inputs
  local out = fn(unpack(inputs, 1, n))
  local all = { unpack(inputs, 1, n) }
  all[n + 1] = torch.randn(out.shape, f64):requires_grad_()
  check(function(...)
    local args = { ... }
    local xs = { unpack(args, 1, n) }
    local y = fn(unpack(xs, 1, n))
    local grads = torch.autograd.grad({ y }, xs, { grad_outputs = { args[n + 1] }, create_graph = true })
    return unpack(grads, 1, n)
  end, all)
end

local function same(a, b, tol)
  assert.are.same(a.shape, b.shape)
  H.assert_tensor(a, H.values(b), tol or 1e-12)
end

local function shape_str(s) return '[' .. table.concat(s, ', ') .. ']' end

-------------------------------------------------------------------------------
describe('binary ops', function()
  -- operand shape pairs: equal, broadcast either way, 0-dim, zero-size
  local pairs_of_shapes = {
    { { 4 }, { 4 } }, { { 2, 3 }, { 2, 3 } }, { { 3, 1 }, { 4 } }, { { 4 }, { 3, 1 } },
    { { 2, 3, 4 }, { 3, 1 } }, { { 3, 1 }, { 2, 1, 4 } }, { {}, { 2, 3 } }, { { 2, 3 }, {} },
    { {}, {} }, { { 0, 3 }, { 3 } }, { { 2, 1, 3 }, { 0, 1 } },
  }

  -- name, function, domain of a, domain of b
  local ops = {
    { 'add', function(a, b) return torch.add(a, b) end, leaf, leaf },
    { 'add alpha', function(a, b) return torch.add(a, b, { alpha = 2.5 }) end, leaf, leaf },
    { 'sub', function(a, b) return a - b end, leaf, leaf },
    { 'sub alpha', function(a, b) return a:sub(b, { alpha = -0.5 }) end, leaf, leaf },
    { 'mul', function(a, b) return a * b end, leaf, leaf },
    { 'div', function(a, b) return a / b end, leaf, nonzero },
    { 'pow', function(a, b) return a ^ b end, positive, leaf },
    { 'remainder', function(a, b) return torch.remainder(a, b) end, leaf, nonzero },
    { 'floor_divide', function(a, b) return a // b end, leaf, nonzero },
    { 'maximum', function(a, b) return torch.maximum(a, b) end, leaf, leaf },
    { 'minimum', function(a, b) return torch.minimum(a, b) end, leaf, leaf },
    { 'max of two', function(a, b) return torch.max(a, b) end, leaf, leaf },
    { 'atan2', function(a, b) return torch.atan2(a, b) end, leaf, nonzero },
  }

  for _, op in ipairs(ops) do
    local name, fn, da, db = op[1], op[2], op[3], op[4]
    it(name .. ' passes gradcheck with broadcasting, 0-dim and zero-size operands', function()
      for _, sp in ipairs(pairs_of_shapes) do
        local a, b = da(sp[1]), db(sp[2])
        local ok, err = pcall(check, fn, { a, b })
        assert(ok, string.format('%s %s with %s: %s', name, shape_str(sp[1]), shape_str(sp[2]), tostring(err)))
      end
    end)

    it(name .. ' passes gradcheck when only one operand requires grad', function()
      local a, b = da({ 2, 3 }), db({ 3 })
      check(fn, { a, b:detach() })
      check(fn, { a:detach(), b })
    end)
  end

  -- a Lua number on either side
  local scalar_ops = {
    { 'x + 2.5', function(a) return a + 2.5 end, leaf },
    { '2.5 + x', function(a) return 2.5 + a end, leaf },
    { 'x - 2', function(a) return a - 2 end, leaf },
    { '3 - x', function(a) return 3 - a end, leaf },
    { 'torch.sub(3, x)', function(a) return torch.sub(3, a) end, leaf },
    { 'x * -1.5', function(a) return a * -1.5 end, leaf },
    { '4 * x', function(a) return 4 * a end, leaf },
    { 'x / 3', function(a) return a / 3 end, leaf },
    { '2 / x', function(a) return 2 / a end, nonzero },
    { 'x ^ 2', function(a) return a ^ 2 end, leaf },
    { 'x ^ 3', function(a) return a:pow(3) end, leaf },
    { 'x ^ 0.5', function(a) return a ^ 0.5 end, positive },
    { 'x ^ -1.5', function(a) return torch.pow(a, -1.5) end, positive },
    { '2 ^ x', function(a) return 2 ^ a end, leaf },
    { 'torch.pow(0.7, x)', function(a) return torch.pow(0.7, a) end, leaf },
    { 'x % 1.5', function(a) return a % 1.5 end, leaf },
    { '5 % x', function(a) return 5 % a end, nonzero },
    { 'x // 0.7', function(a) return a // 0.7 end, leaf },
    { '3 // x', function(a) return 3 // a end, nonzero },
    { 'maximum(x, 0.1)', function(a) return torch.maximum(a, 0.1) end, leaf },
    { 'maximum(0.1, x)', function(a) return torch.maximum(0.1, a) end, leaf },
    { 'minimum(x, -0.2)', function(a) return torch.minimum(a, -0.2) end, leaf },
    { 'minimum(-0.2, x)', function(a) return torch.minimum(-0.2, a) end, leaf },
    { 'atan2(x, 0.5)', function(a) return torch.atan2(a, 0.5) end, leaf },
    { 'atan2(-1, x)', function(a) return torch.atan2(-1, a) end, nonzero },
  }
  for _, op in ipairs(scalar_ops) do
    it(op[1] .. ' (a Lua number operand) passes gradcheck', function()
      for _, shape in ipairs({ { 5 }, { 2, 3 }, {}, { 0, 3 } }) do
        check(op[2], { op[3](shape) })
      end
    end)
  end

  it('pow gives the exponent gradient g * a^b * log(a) (hand-computed)', function()
    local a = torch.tensor({ 2.0, 3.0 }, f64):requires_grad_()
    local b = torch.tensor({ 3.0, 0.5 }, f64):requires_grad_()
    torch.pow(a, b):sum():backward()
    H.assert_tensor(a.grad, { 3 * 4, 0.5 / math.sqrt(3) }, 1e-12)
    H.assert_tensor(b.grad, { 8 * math.log(2), math.sqrt(3) * math.log(3) }, 1e-12)
  end)

  it('pow with a zero base gives a zero exponent gradient, not nan', function()
    local a = torch.tensor({ 0.0, 0.0 }, f64)
    local b = torch.tensor({ 2.0, 1.0 }, f64):requires_grad_()
    torch.pow(a, b):sum():backward()
    H.assert_tensor(b.grad, { 0, 0 }, 0)
  end)

  it('pow with a zero exponent gives a zero base gradient, also at a zero base', function()
    local a = torch.tensor({ 0.0, 2.0 }, f64):requires_grad_()
    torch.pow(a, 0):sum():backward()
    H.assert_tensor(a.grad, { 0, 0 }, 0)
  end)

  it('gives each operand its gradient in its own dtype when dtypes mix', function()
    local a = torch.tensor({ 1.0, 2.0 }):requires_grad_()              -- float32
    local b = torch.tensor({ 3.0, 4.0 }, f64):requires_grad_()
    local y = a * b
    assert.are.equal(torch.float64, y.dtype)
    y:sum():backward()
    assert.are.equal(torch.float32, a.grad.dtype)
    assert.are.equal(torch.float64, b.grad.dtype)
    H.assert_tensor(a.grad, { 3, 4 }, 0)
    H.assert_tensor(b.grad, { 1, 2 }, 0)
  end)

  it('pass gradcheck on non-contiguous leaves', function()
    local a = torch.randn(3, 2, f64):t():requires_grad_()   -- [2, 3], strides [1, 2]
    assert.is_false(a:is_contiguous())
    check(function(x, y) return x * y + x / y end, { a, nonzero({ 3 }) })
    check(function(x) return x:exp():sum(1) end, { torch.randn(4, 3, f64):t():requires_grad_() })
  end)

  it('maximum and minimum split the gradient evenly on ties', function()
    local a = torch.tensor({ 1.0, 2.0, 3.0 }, f64):requires_grad_()
    local b = torch.tensor({ 1.0, 5.0, 0.0 }, f64):requires_grad_()
    torch.maximum(a, b):sum():backward()
    H.assert_tensor(a.grad, { 0.5, 0, 1 }, 0)
    H.assert_tensor(b.grad, { 0.5, 1, 0 }, 0)
    a.grad, b.grad = nil, nil
    torch.minimum(a, b):sum():backward()
    H.assert_tensor(a.grad, { 0.5, 1, 0 }, 0)
    H.assert_tensor(b.grad, { 0.5, 0, 1 }, 0)
  end)

  it('sums broadcast gradients back to each operand (hand-computed)', function()
    local a = torch.tensor({ { 1.0 }, { 2.0 } }, f64):requires_grad_()   -- [2, 1]
    local b = torch.tensor({ 10.0, 20.0, 30.0 }, f64):requires_grad_()   -- [3]
    ;(a * b):sum():backward()
    H.assert_tensor(a.grad, { { 60 }, { 60 } }, 0, { 2, 1 })
    H.assert_tensor(b.grad, { 3, 3, 3 }, 0, { 3 })
  end)
end)

-------------------------------------------------------------------------------
describe('unary ops', function()
  local function tan_domain(s) return uniform(s, -1.2, 1.2) end
  local function unit(s) return uniform(s, -0.9, 0.9) end
  local function above_minus_one(s) return uniform(s, -0.5, 2) end
  local ops = {
    { 'neg', leaf }, { 'abs', leaf }, { 'sign', leaf }, { 'exp', leaf }, { 'log', positive },
    { 'log2', positive }, { 'log10', positive }, { 'log1p', above_minus_one }, { 'expm1', leaf },
    { 'sqrt', positive }, { 'rsqrt', positive }, { 'sin', leaf }, { 'cos', leaf }, { 'tan', tan_domain },
    { 'asin', unit }, { 'acos', unit }, { 'atan', leaf }, { 'sinh', leaf }, { 'cosh', leaf },
    { 'tanh', leaf }, { 'sigmoid', leaf }, { 'relu', leaf }, { 'floor', leaf }, { 'ceil', leaf },
    { 'round', leaf }, { 'trunc', leaf }, { 'frac', leaf }, { 'reciprocal', nonzero },
    { 'square', leaf }, { 'erf', leaf },
  }
  for _, op in ipairs(ops) do
    local name, domain = op[1], op[2]
    it(name .. ' passes gradcheck (function and method, several shapes, 0-dim, zero-size)', function()
      for _, shape in ipairs({ { 5 }, { 2, 3 }, { 2, 1, 3 }, {}, { 0, 3 } }) do
        check(function(a) return torch[name](a) end, { domain(shape) })
      end
      check(function(a) return a[name](a) end, { domain({ 4 }) })
      -- a non-contiguous input
      check(function(a) return torch[name](a:t()) end, { domain({ 3, 2 }) })
    end)
  end

  it('-x (__unm) passes gradcheck', function()
    check(function(a) return -a end, { leaf({ 2, 3 }) })
  end)

  it('piecewise-constant ops give exactly zero gradients', function()
    for _, name in ipairs({ 'sign', 'floor', 'ceil', 'round', 'trunc' }) do
      local x = torch.tensor({ -1.7, 0.2, 2.5 }, f64):requires_grad_()
      torch[name](x):sum():backward()
      H.assert_tensor(x.grad, { 0, 0, 0 }, 0)
    end
  end)

  it('abs and relu use the conventional subgradient 0 at 0', function()
    local x = torch.tensor({ -2.0, 0.0, 3.0 }, f64):requires_grad_()
    x:abs():sum():backward()
    H.assert_tensor(x.grad, { -1, 0, 1 }, 0)
    x.grad = nil
    x:relu():sum():backward()
    H.assert_tensor(x.grad, { 0, 0, 1 }, 0)
  end)

  describe('clamp', function()
    local forms = {
      { 'clamp(x, -0.5, 0.5)', function(a) return torch.clamp(a, -0.5, 0.5) end },
      { 'x:clamp({min=-0.3})', function(a) return a:clamp({ min = -0.3 }) end },
      { 'x:clamp({max=0.2})', function(a) return a:clamp({ max = 0.2 }) end },
      { 'x:clamp(nil, 0.2)', function(a) return a:clamp(nil, 0.2) end },
      { 'clamp_min', function(a) return a:clamp_min(0.1) end },
      { 'clamp_max', function(a) return torch.clamp_max(a, -0.1) end },
      { 'clip', function(a) return torch.clip(a, -1, 1) end },
    }
    for _, f in ipairs(forms) do
      it(f[1] .. ' passes gradcheck', function()
        for _, shape in ipairs({ { 7 }, { 2, 4 }, {}, { 0, 3 } }) do
          check(f[2], { leaf(shape) })
        end
      end)
    end

    it('passes the gradient inside the bounds only (hand-computed)', function()
      local x = torch.tensor({ -2.0, -0.5, 0.0, 0.25, 3.0 }, f64):requires_grad_()
      x:clamp(-1, 1):sum():backward()
      H.assert_tensor(x.grad, { 0, 1, 1, 1, 0 }, 0)
    end)
  end)

  describe('where', function()
    it('passes gradcheck for both branches, broadcast, and with number branches', function()
      local c = torch.randn(3, 4):gt(0)
      check(function(a, b) return torch.where(c, a, b) end, { leaf({ 3, 4 }), leaf({ 3, 4 }) })
      check(function(a, b) return torch.where(c, a, b) end, { leaf({ 3, 1 }), leaf({ 4 }) })
      check(function(a, b) return torch.where(c, a, b) end, { leaf({}), leaf({ 1, 4 }) })
      check(function(a) return torch.where(c, a, 0.5) end, { leaf({ 3, 4 }) })
      check(function(b) return torch.where(c, -1, b) end, { leaf({ 4 }) })
      local c3 = torch.randn(2, 3, 4):lt(0)
      check(function(a, b) return torch.where(c3, a, b) end, { leaf({ 3, 1 }), leaf({ 2, 1, 4 }) })
      local cz = torch.zeros(0, 3, { dtype = torch.bool })
      check(function(a, b) return torch.where(cz, a, b) end, { leaf({ 0, 3 }), leaf({ 3 }) })
    end)

    it('routes the gradient by the condition (hand-computed)', function()
      local a = torch.tensor({ 1.0, 2.0, 3.0 }, f64):requires_grad_()
      local b = torch.tensor({ 4.0, 5.0, 6.0 }, f64):requires_grad_()
      local c = torch.tensor({ true, false, true })
      torch.where(c, a, b):backward(torch.tensor({ 10.0, 20.0, 30.0 }, f64))
      H.assert_tensor(a.grad, { 10, 0, 30 }, 0)
      H.assert_tensor(b.grad, { 0, 20, 0 }, 0)
    end)
  end)

  describe('activations', function()
    it('leaky_relu passes gradcheck (default slope, positional, option)', function()
      for _, shape in ipairs({ { 7 }, { 2, 3 }, {}, { 0, 3 } }) do
        check(function(a) return torch.leaky_relu(a) end, { leaf(shape) })
        check(function(a) return a:leaky_relu(0.2) end, { leaf(shape) })
        check(function(a) return torch.leaky_relu(a, { negative_slope = 1.5 }) end, { leaf(shape) })
      end
    end)

    it('elu passes gradcheck (default alpha, positional, option)', function()
      for _, shape in ipairs({ { 7 }, { 2, 3 }, {}, { 0, 3 } }) do
        check(function(a) return torch.elu(a) end, { leaf(shape) })
        check(function(a) return a:elu(0.5) end, { leaf(shape) })
        check(function(a) return torch.elu(a, { alpha = 2 }) end, { leaf(shape) })
        -- a negative alpha makes the output positive for negative inputs
        check(function(a) return a:elu(-0.5) end, { leaf(shape) })
      end
    end)

    it('softplus passes gradcheck in its smooth and linear regions', function()
      for _, shape in ipairs({ { 7 }, { 2, 3 }, {}, { 0, 3 } }) do
        check(function(a) return torch.softplus(a) end, { leaf(shape) })
        check(function(a) return a:softplus(2) end, { leaf(shape) })
        -- beta x > threshold is linear: with beta 2, threshold 1 that is x > 0.5
        check(function(a) return torch.softplus(a, { beta = 2, threshold = 1 }) end, { leaf(shape) })
      end
    end)

    it('give the hand-computed slopes', function()
      local x = torch.tensor({ -2.0, 3.0 }, f64):requires_grad_()
      x:leaky_relu(0.1):sum():backward()
      H.assert_tensor(x.grad, { 0.1, 1 }, 1e-15)
      x.grad = nil
      x:elu(0.5):sum():backward()
      H.assert_tensor(x.grad, { 0.5 * math.exp(-2), 1 }, 1e-12)
      x.grad = nil
      x:softplus(2, 5):sum():backward()
      H.assert_tensor(x.grad, { 1 / (1 + math.exp(4)), 1 }, 1e-12)
    end)
  end)

  describe('lerp', function()
    it('passes gradcheck with a tensor weight (all three inputs) and broadcasting', function()
      check(function(a, b, w) return torch.lerp(a, b, w) end, { leaf({ 2, 3 }), leaf({ 2, 3 }), leaf({ 2, 3 }) })
      check(function(a, b, w) return torch.lerp(a, b, w) end, { leaf({ 3, 1 }), leaf({ 4 }), leaf({}) })
      check(function(a, b, w) return a:lerp(b, w) end, { leaf({ 4 }), leaf({ 2, 1 }), leaf({ 2, 4 }) })
      check(function(a, b, w) return torch.lerp(a, b, w) end, { leaf({ 0, 3 }), leaf({ 3 }), leaf({ 1 }) })
    end)

    it('passes gradcheck with a number weight', function()
      check(function(a, b) return torch.lerp(a, b, 0.3) end, { leaf({ 2, 3 }), leaf({ 3 }) })
      check(function(a, b) return a:lerp(b, 1.5) end, { leaf({}), leaf({ 2, 2 }) })
    end)
  end)
end)

-------------------------------------------------------------------------------
-------------------------------------------------------------------------------
describe('second derivatives', function()
  it('of mul, div, pow and atan2 (both operands)', function()
    check_second(function(a, b) return a * b end, { leaf({ 2, 3 }), leaf({ 3 }) })
    check_second(function(a, b) return a / b end, { leaf({ 3 }), nonzero({ 3 }) })
    check_second(function(a, b) return a ^ b end, { positive({ 2, 2 }), leaf({ 2, 2 }) })
    check_second(function(a) return a ^ 3 end, { leaf({ 4 }) })
    check_second(function(a) return torch.pow(2, a) end, { leaf({ 4 }) })
    check_second(function(a, b) return torch.atan2(a, b) end, { leaf({ 3 }), nonzero({ 3 }) })
    check_second(function(a, b) return torch.maximum(a, b) end, { leaf({ 4 }), leaf({ 4 }) })
  end)

  it('of exp, tanh, sigmoid, log, sqrt, sin, rsqrt, reciprocal, erf, asin', function()
    check_second(function(a) return a:exp() end, { leaf({ 2, 3 }) })
    check_second(function(a) return a:tanh() end, { leaf({ 2, 3 }) })
    check_second(function(a) return a:sigmoid() end, { leaf({ 2, 3 }) })
    check_second(function(a) return a:log() end, { positive({ 4 }) })
    check_second(function(a) return a:sqrt() end, { positive({ 4 }) })
    check_second(function(a) return a:sin() end, { leaf({ 4 }) })
    check_second(function(a) return a:rsqrt() end, { positive({ 4 }) })
    check_second(function(a) return a:reciprocal() end, { nonzero({ 4 }) })
    check_second(function(a) return a:erf() end, { leaf({ 4 }) })
    check_second(function(a) return a:asin() end, { uniform({ 4 }, -0.8, 0.8) })
  end)

  it('of every unary op', function()
    local domains = {
      log = positive, log2 = positive, log10 = positive, sqrt = positive, rsqrt = positive,
      log1p = function(sh) return uniform(sh, -0.5, 2) end, tan = function(sh) return uniform(sh, -1, 1) end,
      asin = function(sh) return uniform(sh, -0.8, 0.8) end, acos = function(sh) return uniform(sh, -0.8, 0.8) end,
      reciprocal = nonzero,
    }
    for _, name in ipairs({ 'neg', 'abs', 'sign', 'exp', 'log', 'log2', 'log10', 'log1p', 'expm1', 'sqrt', 'rsqrt',
      'sin', 'cos', 'tan', 'asin', 'acos', 'atan', 'sinh', 'cosh', 'tanh', 'sigmoid', 'relu', 'floor', 'ceil',
      'round', 'trunc', 'frac', 'reciprocal', 'square', 'erf' }) do
      local ok, err = pcall(check_second, function(a) return torch[name](a) end, { (domains[name] or leaf)({ 2, 2 }) })
      assert(ok, name .. ': ' .. tostring(err))
    end
  end)

  it('of add, sub, remainder, floor_divide and minimum', function()
    check_second(function(a, b) return (a + b) * (a - b) end, { leaf({ 3 }), leaf({ 2, 1 }) })
    check_second(function(a, b) return torch.remainder(a, b) * a end, { leaf({ 3 }), nonzero({ 3 }) })
    check_second(function(a, b) return (a // b) * a end, { leaf({ 3 }), nonzero({ 3 }) })
    check_second(function(a, b) return torch.minimum(a * a, b) end, { leaf({ 4 }), leaf({ 4 }) })
  end)

  it('of activations', function()
    check_second(function(a) return a:elu(0.7) end, { leaf({ 6 }) })
    check_second(function(a) return a:softplus(2) end, { leaf({ 6 }) })
    check_second(function(a) return a:leaky_relu(0.2) end, { leaf({ 6 }) })
    check_second(function(a) return a:clamp(-0.5, 0.5) * a end, { leaf({ 6 }) })
  end)

  it('of sum, mean, prod, var, std, norm and amax', function()
    check_second(function(a) return (a * a):sum() end, { leaf({ 2, 3 }) })
    check_second(function(a) return (a * a):sum(2, true) end, { leaf({ 2, 3 }) })
    check_second(function(a) return (a * a):mean() end, { leaf({ 2, 3 }) })
    check_second(function(a) return a:exp():mean({ 1, 3 }) end, { leaf({ 2, 2, 2 }) })
    check_second(function(a) return a:prod(2) end, { nonzero({ 2, 3 }) })
    check_second(function(a) return a:var(1) end, { leaf({ 3, 2 }) })
    check_second(function(a) return a:std() end, { leaf({ 2, 3 }) })
    check_second(function(a) return a:norm() end, { leaf({ 2, 3 }) })
    check_second(function(a) return a:norm(3, 1) end, { nonzero({ 3, 2 }) })
    check_second(function(a) return (a * a):amax(1) end, { leaf({ 3, 2 }) })
    check_second(function(a) return ((a * a):max(2)) end, { leaf({ 2, 3 }) })
    check_second(function(a) return (a * a):cumsum(1) end, { leaf({ 4 }) })
  end)

  it('of views, where and lerp', function()
    check_second(function(a) return a:permute(3, 1, 2) * a:transpose(1, 3):transpose(2, 3) end, { leaf({ 2, 1, 3 }) })
    check_second(function(a) return a:unsqueeze(1):squeeze() * a:flatten() end, { leaf({ 3 }) })
    check_second(function(a) return a:t():contiguous() * a:clone():t() end, { leaf({ 2, 3 }) })
    check_second(function(a) return a:sum_to_size(1, 3) * a:sum(1, true) end, { leaf({ 2, 3 }) })
    check_second(function(a) return (a:t():reshape(-1) * a:view(-1)):narrow(1, 2, 3) end, { leaf({ 2, 2 }) })
    check_second(function(a) return a:expand(2, 3) * a end, { leaf({ 3 }) })
    check_second(function(a) return a:select(1, 2) * a:sum(1) end, { leaf({ 3, 2 }) })
    local c = torch.tensor({ true, false, true })
    check_second(function(a, b) return torch.where(c, a * a, b * a) end, { leaf({ 3 }), leaf({ 3 }) })
    check_second(function(a, b, w) return torch.lerp(a, b, w) * w end, { leaf({ 3 }), leaf({ 3 }), leaf({ 3 }) })
  end)

  it('of mm, mv, matmul and addmm', function()
    check_second(function(a, b) return torch.mm(a, b) end, { leaf({ 2, 3 }), leaf({ 3, 2 }) })
    check_second(function(a) return torch.mm(a, a) end, { leaf({ 2, 2 }) })
    check_second(function(a, v) return torch.mv(a, v) end, { leaf({ 2, 3 }), leaf({ 3 }) })
    check_second(function(a, b) return torch.matmul(a, b) end, { leaf({ 2, 2, 3 }), leaf({ 3 }) })
    check_second(function(a, b) return torch.dot(a, b) end, { leaf({ 3 }), leaf({ 3 }) })
    check_second(function(a, b) return torch.outer(a, b) end, { leaf({ 2 }), leaf({ 3 }) })
    check_second(function(c, a, b) return torch.addmm(c, a, b, { beta = 2, alpha = 0.5 }) end,
      { leaf({ 2 }), leaf({ 2, 3 }), leaf({ 3, 2 }) })
  end)

  it('a Hessian-vector product by hand: d/dx of grad (x^3).sum() . v = 6 x v', function()
    local x = torch.tensor({ 1.0, -2.0, 0.5 }, f64):requires_grad_()
    local g = torch.autograd.grad({ (x ^ 3):sum() }, { x }, { create_graph = true })[1]
    same(g, torch.tensor({ 3.0, 12.0, 0.75 }, f64))
    assert.is_true(g.requires_grad)
    local v = torch.tensor({ 1.0, 2.0, 3.0 }, f64)
    local hv = torch.autograd.grad({ (g * v):sum() }, { x })[1]
    same(hv, torch.tensor({ 6.0, -24.0, 9.0 }, f64))
  end)
end)

-------------------------------------------------------------------------------
describe('grad_fn names', function()
  it('name the node of each op family', function()
    local x, y = leaf({ 2, 3 }), leaf({ 2, 3 })
    local names = {
      { 'AddBackward', x + y }, { 'SubBackward', x - 1 }, { 'MulBackward', x * y },
      { 'DivBackward', 1 / x }, { 'PowBackward', x ^ 2 }, { 'PowBackward', x:square() },
      { 'MaximumBackward', torch.maximum(x, y) }, { 'Atan2Backward', torch.atan2(x, y) },
      { 'ExpBackward', x:exp() }, { 'TanhBackward', x:tanh() }, { 'SigmoidBackward', x:sigmoid() },
      { 'NegBackward', -x }, { 'ClampBackward', x:clamp(0, 1) }, { 'WhereBackward', torch.where(x:gt(0), x, y) },
      { 'LeakyReluBackward', x:leaky_relu() }, { 'EluBackward', x:elu() }, { 'SoftplusBackward', x:softplus() },
      { 'SumBackward', x:sum() }, { 'SumBackward', x:sum(1) }, { 'MeanBackward', x:mean(2) },
      { 'ProdBackward', x:prod() }, { 'AmaxBackward', x:amax(1) }, { 'AmaxBackward', x:max() },
      { 'AminBackward', x:min() }, { 'MaxBackward', (x:max(1)) }, { 'MinBackward', (x:min(2)) },
      { 'VarBackward', x:var() }, { 'StdBackward', x:std(1) }, { 'NormBackward', x:norm() },
      { 'CumsumBackward', x:cumsum(1) }, { 'SumToSizeBackward', x:sum_to_size(1, 3) },
      { 'ViewBackward', x:view(-1) }, { 'ReshapeBackward', x:t():reshape(6) },
      { 'TransposeBackward', x:transpose(1, 2) }, { 'TBackward', x:t() },
      { 'PermuteBackward', x:permute(2, 1) }, { 'ExpandBackward', x:expand(4, 2, 3) },
      { 'NarrowBackward', x:narrow(2, 1, 2) }, { 'SelectBackward', x:select(1, 1) },
      { 'UnsqueezeBackward', x:unsqueeze(1) }, { 'SqueezeBackward', x:unsqueeze(1):squeeze() },
      { 'CloneBackward', x:clone() }, { 'ToCopyBackward', x:float() },
    }
    for _, n in ipairs(names) do
      assert.are.equal(n[1], n[2].grad_fn)
    end
  end)
end)

-------------------------------------------------------------------------------
describe('integer and boolean results', function()
  it('never require grad', function()
    local x = leaf({ 2, 3 })
    local results = {
      x:argmax(), x:argmin(2), torch.argmax(x, 1, true), x:gt(0), x:eq(x), x:ne(0), x:le(x),
      torch.lt(x, 0.5), x:ge(0), x:isnan(), x:isfinite(), x:gt(0):all(), x:lt(0):any(),
      torch.logical_and(x:gt(0), x:lt(1)), x:gt(0):logical_not(), x:long(),
    }
    for i, r in ipairs(results) do
      assert(not r.requires_grad, 'result ' .. i .. ' requires grad')
      assert(r.grad_fn == nil, 'result ' .. i .. ' has a grad_fn')
    end
    local _, idx = x:max(1)
    assert.is_false(idx.requires_grad)
    assert.are.equal(torch.int64, idx.dtype)
    local _, idx2 = x:min(-1, true)
    assert.is_false(idx2.requires_grad)
  end)

  it('integer tensors in a computation get no gradient and do not block others', function()
    local x = leaf({ 3 })
    local k = torch.tensor({ 1, 2, 3 }, { dtype = torch.int64 })
    local y = x * k
    assert.are.equal(torch.float64, y.dtype)
    y:sum():backward()
    H.assert_tensor(x.grad, { 1, 2, 3 }, 0)
  end)
end)

-------------------------------------------------------------------------------
describe('in-place ops on non-leaves', function()
  -- fn_inplace(h, ...) modifies h (a non-leaf made from the first input) in
  -- place; fn_out(h, ...) is the same computation out of place.  Both give
  -- the same values and gradients, and the in-place one passes gradcheck.
  local function compare(fn_inplace, fn_out, inputs, name)
    local function run(f)
      local xs = {}
      for i, t in ipairs(inputs) do xs[i] = t:detach():clone():requires_grad_() end
      local h = xs[1] * 1
      local out = f(h, unpack(xs, 2))
      local w = torch.randn(out.shape, f64)
      out:backward(w)
      return out, xs
    end
    torch.manual_seed(7)
    local out1, xs1 = run(fn_inplace)
    torch.manual_seed(7)
    local out2, xs2 = run(fn_out)
    same(out1:detach(), out2:detach())
    for i = 1, #inputs do
      same(xs1[i].grad, xs2[i].grad, 1e-12)
    end
    check(function(a, ...) return fn_inplace(a * 1, ...) end, inputs)
    if name then
      local h = inputs[1] * 1
      assert.are.equal(name, fn_inplace(h, unpack(inputs, 2)).grad_fn)
    end
  end

  it('x:mul_(y), x:mul_(2)', function()
    compare(function(h, y) return h:mul_(y) end, function(h, y) return h * y end, { leaf({ 2, 3 }), leaf({ 3 }) },
      'MulBackward')
    compare(function(h) return h:mul_(2) end, function(h) return h * 2 end, { leaf({ 4 }) })
  end)

  it('add_, sub_ (with alpha), div_, pow_', function()
    compare(function(h, y) return h:add_(y) end, function(h, y) return h + y end, { leaf({ 2, 3 }), leaf({ 2, 1 }) })
    compare(function(h, y) return h:add_(y, { alpha = 3 }) end, function(h, y) return h + 3 * y end,
      { leaf({ 3 }), leaf({ 3 }) })
    compare(function(h, y) return h:sub_(y, 0.5) end, function(h, y) return h - y * 0.5 end,
      { leaf({ 3 }), leaf({}) })
    compare(function(h, y) return h:div_(y) end, function(h, y) return h / y end, { leaf({ 3 }), nonzero({ 3 }) })
    compare(function(h) return h:pow_(2) end, function(h) return h ^ 2 end, { leaf({ 3 }) })
    compare(function(h, y) return h:pow_(y) end, function(h, y) return h ^ y end, { positive({ 3 }), leaf({ 3 }) })
  end)

  it('x:exp_(), x:sigmoid_(), x:tanh_(), x:sqrt_(), x:abs_()', function()
    compare(function(h) return h:exp_() end, function(h) return h:exp() end, { leaf({ 2, 3 }) }, 'ExpBackward')
    compare(function(h) return h:sigmoid_() end, function(h) return h:sigmoid() end, { leaf({ 4 }) })
    compare(function(h) return h:tanh_() end, function(h) return h:tanh() end, { leaf({ 4 }) })
    compare(function(h) return h:sqrt_() end, function(h) return h:sqrt() end, { positive({ 4 }) })
    compare(function(h) return h:abs_() end, function(h) return h:abs() end, { leaf({ 4 }) })
  end)

  it('x:clamp_(0, 1), clamp_min_, clamp_max_', function()
    compare(function(h) return h:clamp_(0, 1) end, function(h) return h:clamp(0, 1) end, { leaf({ 2, 4 }) },
      'ClampBackward')
    compare(function(h) return h:clamp_min_(0.2) end, function(h) return h:clamp_min(0.2) end, { leaf({ 6 }) })
    compare(function(h) return h:clamp_max_(-0.2) end, function(h) return h:clamp_max(-0.2) end, { leaf({ 6 }) })
  end)

  it('chains of in-place ops, and an in-place op whose input is used again', function()
    compare(function(h, y) return h:mul_(y):exp_():add_(y) end, function(h, y) return (h * y):exp() + y end,
      { leaf({ 3 }), leaf({ 3 }) })
    -- h was saved by mul before exp_ changed it: backward refuses
    local x, y = leaf({ 3 }), leaf({ 3 })
    local h = x * 1
    local p = h * y
    local out = p + h:exp_()
    local ok, err = pcall(function() out:sum():backward() end)
    assert.is_false(ok)
    assert.truthy(tostring(err):find('MulBackward', 1, true))
    assert.truthy(tostring(err):find('modified by an in-place operation', 1, true))
  end)

  it('with the tensor itself as the other operand: x:mul_(x), x:pow_(x), x:add_(x, {alpha=2})', function()
    compare(function(h) return h:mul_(h) end, function(h) return h * h end, { leaf({ 2, 3 }) })
    compare(function(h) return h:pow_(h) end, function(h) return h ^ h end, { positive({ 4 }) })
    compare(function(h) return h:add_(h, { alpha = 2 }) end, function(h) return h * 3 end, { leaf({ 4 }) })
    compare(function(h) return h:div_(h:t()) end, function(h) return h / h:t() end, { nonzero({ 3, 3 }) })
    local x = torch.tensor({ 1.0, 2.0, 3.0 }, f64):requires_grad_()
    local h = x * 1
    h:mul_(h)
    h:sum():backward()
    H.assert_tensor(x.grad, { 2, 4, 6 }, 0)
  end)

  it('do not disturb a product by a number or a quotient by a tensor that only needed the other operand', function()
    -- x * 2 and x / y need neither x's value for their backward (y's only)
    local x, y = leaf({ 3 }), nonzero({ 3 })
    local h = x * 1
    local out = h * 2 + h / y:detach()
    h:exp_()
    out:sum():backward()
    same(x.grad, (2 + 1 / y:detach()))
  end)

  it('on a leaf that does not require grad, with an operand that does', function()
    local x = leaf({ 3 })
    local d = torch.full({ 3 }, 2.0, f64)
    d:mul_(x)
    assert.is_false(d.is_leaf)
    assert.are.equal('MulBackward', d.grad_fn)
    d:sum():backward()
    H.assert_tensor(x.grad, { 2, 2, 2 }, 0)
    check(function(a)
      local e = torch.ones(2, 3, f64)
      e:add_(a):mul_(a)
      return e
    end, { leaf({ 3 }) })
  end)

  it('refuse a leaf that requires grad, naming the op', function()
    local x = leaf({ 3 })
    for _, f in ipairs({ function() x:mul_(2) end, function() x:exp_() end, function() x:clamp_(0, 1) end }) do
      local ok, err = pcall(f)
      assert.is_false(ok)
      assert.truthy(tostring(err):find('leaf', 1, true))
    end
  end)
end)
