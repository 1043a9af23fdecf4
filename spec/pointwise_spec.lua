-- Unary pointwise ops, clamp, where, activations, lerp, isnan/isinf/isfinite,
-- allclose/equal, and the Lua comparison semantics of tensors.
local torch = require 'torch'
local H = require 'spec.helpers'

local function err_of(f, ...)
  local ok, msg = pcall(f, ...)
  assert.is_false(ok, 'expected an error')
  return tostring(msg)
end

local function assert_err(f, ...)
  local msg = err_of(f)
  for _, pat in ipairs({...}) do
    assert.is_truthy(msg:find(pat, 1, true), string.format('%q not found in %q', pat, msg))
  end
end

-- Reference values from Lua's math library -----------------------------------

local function sign(x) return x > 0 and 1 or (x < 0 and -1 or 0) end
local function trunc(x) return x >= 0 and math.floor(x) or math.ceil(x) end
local function round_half_even(x)
  local f = math.floor(x)
  local d = x - f
  if d > 0.5 or (d == 0.5 and f % 2 == 1) then return f + 1 end
  return f
end
local function erf(x) -- Maclaurin series, fine for |x| <= 2
  local sum, term = 0, x
  for n = 0, 60 do
    sum = sum + term / (2 * n + 1)
    term = -term * x * x / (n + 1)
  end
  return 2 / math.sqrt(math.pi) * sum
end
local function log1p(x) return math.abs(x) < 1e-5 and x - x * x / 2 + x * x * x / 3 or math.log(1 + x) end
local function expm1(x) return math.abs(x) < 1e-5 and x + x * x / 2 + x * x * x / 6 or math.exp(x) - 1 end

local general = {-2.5, -1.25, -0.5, 0, 0.5, 1.25, 3}
local positive = {1e-3, 0.25, 0.5, 1, 2, 10, 12345.5}
local unit = {-1, -0.75, -0.5, 0, 0.3, 0.9, 1}

-- name -> {reference, inputs}
local cases = {
  neg = {function(x) return -x end, general},
  abs = {math.abs, general},
  sign = {sign, general},
  exp = {math.exp, general},
  log = {math.log, positive},
  log2 = {function(x) return math.log(x, 2) end, positive},
  log10 = {function(x) return math.log(x, 10) end, positive},
  log1p = {log1p, {-0.5, 1e-9, 0, 0.5, 2, 9, 1000}},
  expm1 = {expm1, {-2, -1e-9, 0, 1e-7, 0.5, 1.5, 4}},
  sqrt = {math.sqrt, positive},
  rsqrt = {function(x) return 1 / math.sqrt(x) end, positive},
  sin = {math.sin, general},
  cos = {math.cos, general},
  tan = {math.tan, general},
  asin = {math.asin, unit},
  acos = {math.acos, unit},
  atan = {math.atan, general},
  sinh = {function(x) return (math.exp(x) - math.exp(-x)) / 2 end, general},
  cosh = {function(x) return (math.exp(x) + math.exp(-x)) / 2 end, general},
  tanh = {function(x) return (math.exp(2 * x) - 1) / (math.exp(2 * x) + 1) end, general},
  sigmoid = {function(x) return 1 / (1 + math.exp(-x)) end, general},
  relu = {function(x) return x > 0 and x or 0 end, general},
  floor = {math.floor, {-2.5, -1, -0.2, 0, 0.7, 2, 3.99}},
  ceil = {math.ceil, {-2.5, -1, -0.2, 0, 0.7, 2, 3.01}},
  round = {round_half_even, {-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 2.6, -0.4}},
  trunc = {trunc, {-2.5, -1, -0.2, 0, 0.7, 2, 3.99}},
  frac = {function(x) return x - trunc(x) end, {-2.5, -1, -0.25, 0, 0.75, 2, 3.5}},
  reciprocal = {function(x) return 1 / x end, {-4, -0.5, 0.25, 1, 3, 1e4}},
  square = {function(x) return x * x end, general},
  erf = {erf, {-2, -1, -0.5, 0, 0.25, 1, 2}},
  logical_not = {function(x) return x == 0 end, general},
}

local names = {}
for name in pairs(cases) do names[#names + 1] = name end
table.sort(names)

describe('unary ops', function()
  for _, name in ipairs(names) do
    local ref, inputs = cases[name][1], cases[name][2]
    for _, spec in ipairs({{torch.float64, 1e-12}, {torch.float32, 1e-6}}) do
      local dtype, tol = spec[1], spec[2]
      it(string.format('%s matches Lua math in %s (function and method forms)', name, dtype), function()
        local x = torch.tensor(inputs, {dtype = dtype})
        local xs = H.values(x) -- the inputs as rounded to dtype
        local want = {}
        for i, v in ipairs(xs) do want[i] = ref(v) end
        local y1, y2 = torch[name](x), x[name](x)
        H.assert_tensor(y1, want, tol, {#inputs})
        H.assert_tensor(y2, want, tol, {#inputs})
        assert.are.equal(name == 'logical_not' and torch.bool or dtype, y1.dtype)
        H.assert_tensor(x, xs, 0) -- the input is untouched
      end)
    end
  end

  it('rounds halves to even', function()
    local x = torch.tensor({0.5, 1.5, 2.5, 3.5, -0.5, -1.5, -2.5, 1e15 + 0.5}, {dtype = torch.float64})
    H.assert_tensor(x:round(), {0, 2, 2, 4, 0, -2, -2, 1e15}, 0)
    H.assert_tensor(x:float():round(), {0, 2, 2, 4, 0, -2, -2, 1e15}, 1e-7)
  end)

  it('handles inf, nan and out-of-domain inputs like IEEE math', function()
    local inf, nan = math.huge, 0 / 0
    for _, dtype in ipairs({torch.float32, torch.float64}) do
      local x = torch.tensor({-1, 0, inf, -inf, nan}, {dtype = dtype})
      H.assert_tensor(x:log(), {nan, -inf, inf, nan, nan})
      H.assert_tensor(x:sqrt(), {nan, 0, inf, nan, nan})
      H.assert_tensor(x:exp(), {math.exp(-1), 1, inf, 0, nan})
      H.assert_tensor(x:tanh(), {(math.exp(-2) - 1) / (math.exp(-2) + 1), 0, 1, -1, nan})
      H.assert_tensor(x:sigmoid(), {1 / (1 + math.exp(1)), 0.5, 1, 0, nan})
      H.assert_tensor(x:relu(), {0, 0, inf, 0, nan})
      H.assert_tensor(x:sign(), {-1, 0, 1, -1, 0}) -- PyTorch: sign(nan) = 0
      H.assert_tensor(x:reciprocal(), {-1, inf, 0, -0.0, nan})
    end
  end)

  it('sigmoid and tanh stay finite at +-1000 (no overflow, no NaN)', function()
    for _, dtype in ipairs({torch.float32, torch.float64}) do
      local x = torch.tensor({-1000, -100, -30, 30, 100, 1000}, {dtype = dtype})
      local s = x:sigmoid()
      for _, v in ipairs(H.values(s)) do assert.is_true(v == v) end
      H.assert_tensor(s, {0, 1 / (1 + math.exp(100)), 1 / (1 + math.exp(30)), 1, 1, 1}, 1e-7)
      H.assert_tensor(x:tanh(), {-1, -1, -1, 1, 1, 1}, 0)
      H.assert_tensor(torch.tensor({-1000, 1000}, {dtype = dtype}):exp(), {0, math.huge})
    end
  end)

  it('float32 exp/log/tanh/sigmoid are accurate over a wide range', function()
    -- checked against the float64 computation
    local x = torch.linspace(-80, 80, 20001)
    for _, name in ipairs({'exp', 'tanh', 'sigmoid'}) do
      assert.is_true(torch.allclose(x[name](x):double(), x:double()[name](x:double()), {rtol = 1e-6, atol = 1e-30}),
        name)
    end
    local p = torch.linspace(1e-30, 1e30, 20001)
    assert.is_true(torch.allclose(p:log():double(), p:double():log(), {rtol = 1e-6}))
    local tiny = torch.tensor({1e-40, 1e-44, 1e-38}) -- subnormal float32 inputs
    H.assert_tensor(tiny:log(), H.values(tiny:double():log()), 1e-6)
  end)
end)

describe('unary dtype rules', function()
  it('float-only math on integer and bool tensors computes in float32', function()
    for _, dtype in ipairs({torch.int64, torch.int32, torch.uint8, torch.bool}) do
      local x = dtype == torch.bool and torch.tensor({true, false}) or torch.tensor({1, 4}, {dtype = dtype})
      local xs = dtype == torch.bool and {1, 0} or {1, 4}
      for _, name in ipairs({'exp', 'log', 'sqrt', 'sin', 'sigmoid', 'tanh', 'erf', 'reciprocal', 'rsqrt'}) do
        local y = x[name](x)
        assert.are.equal(torch.float32, y.dtype, name .. ' on ' .. tostring(dtype))
        local want = {}
        for i, v in ipairs(xs) do want[i] = cases[name][1](v) end
        H.assert_tensor(y, want, 1e-6)
      end
    end
  end)

  it('neg/abs/sign/relu/floor/ceil/round/trunc/frac/square keep integer dtypes', function()
    for _, dtype in ipairs({torch.int64, torch.int32}) do
      local x = torch.tensor({-3, 0, 5}, {dtype = dtype})
      local want = {
        neg = {3, 0, -5}, abs = {3, 0, 5}, sign = {-1, 0, 1}, relu = {0, 0, 5}, floor = {-3, 0, 5},
        ceil = {-3, 0, 5}, round = {-3, 0, 5}, trunc = {-3, 0, 5}, frac = {0, 0, 0}, square = {9, 0, 25},
      }
      for name, values in pairs(want) do
        local y = x[name](x)
        assert.are.equal(dtype, y.dtype, name)
        H.assert_tensor(y, values, 0)
        assert.are.equal('integer', math.type(y:select(1, 1):item()))
      end
    end
    local big = torch.tensor({9007199254740993}) -- 2^53 + 1: exact in int64 only
    assert.are.equal(-9007199254740993, big:neg():item())
    assert.are.equal(9007199254740993, big:abs():item())
  end)

  it('uint8 neg wraps around; abs/sign of uint8 stay uint8', function()
    local x = torch.tensor({0, 1, 200}, {dtype = torch.uint8})
    H.assert_tensor(x:neg(), {0, 255, 56}, 0)
    assert.are.equal(torch.uint8, x:neg().dtype)
    H.assert_tensor(x:abs(), {0, 1, 200}, 0)
    H.assert_tensor(x:sign(), {0, 1, 1}, 0)
  end)

  it('bool: neg is an error, square gives int64, logical_not gives bool', function()
    local b = torch.tensor({true, false})
    assert_err(function() return b:neg() end, 'neg', 'bool', 'logical_not')
    assert_err(function() return -b end, 'neg', 'bool')
    assert.are.equal(torch.int64, b:square().dtype)
    H.assert_tensor(b:square(), {1, 0}, 0)
    assert.are.equal(torch.bool, b:abs().dtype)
    H.assert_tensor(b:logical_not(), {false, true})
    H.assert_tensor(torch.tensor({0, 2, -1}):logical_not(), {true, false, false})
    H.assert_tensor(torch.tensor({0, 0 / 0, 0.5}):logical_not(), {true, false, false})
  end)
end)

describe('unary in place', function()
  it('x:exp_() returns x itself and overwrites it', function()
    local x = torch.tensor({0, 1, 2}, {dtype = torch.float64})
    local r = x:exp_()
    assert.are.equal(x, r)
    H.assert_tensor(x, {1, math.exp(1), math.exp(2)}, 1e-12)
  end)

  it('every op has an in-place form that agrees with the out-of-place one', function()
    for _, name in ipairs(names) do
      local x = torch.tensor(cases[name][2], {dtype = torch.float64})
      local want = H.values(x[name](x))
      if name == 'logical_not' then -- keeps x's dtype: 1/0
        for i, v in ipairs(want) do want[i] = v and 1 or 0 end
      end
      x[name .. '_'](x)
      assert.are.equal(torch.float64, x.dtype)
      H.assert_tensor(x, want, 0)
    end
  end)

  it('writes through a view into the storage it shares', function()
    local base = torch.tensor({{1, 2, 3}, {4, 5, 6}}, {dtype = torch.float32})
    base:select(1, 2):neg_()
    H.assert_tensor(base, {{1, 2, 3}, {-4, -5, -6}}, 0)
    base:narrow(2, 2, 2):sqrt_()
    H.assert_tensor(base, {{1, math.sqrt(2), math.sqrt(3)}, {-4, 0 / 0, 0 / 0}}, 1e-6)
    local t = torch.tensor({{1, 2}, {3, 4}})
    local tt = t:t()
    tt:square_()
    H.assert_tensor(t, {{1, 4}, {9, 16}}, 0)
  end)

  it('refuses float math in place on integer tensors, naming op and dtype', function()
    local x = torch.tensor({1, 2})
    for _, name in ipairs({'exp', 'log', 'sqrt', 'sigmoid', 'tanh', 'sin'}) do
      assert_err(function() return x[name .. '_'](x) end, name .. '_', 'int64', 'float32')
    end
    H.assert_tensor(x, {1, 2}, 0) -- untouched
    x:neg_()
    H.assert_tensor(x, {-1, -2}, 0)
    assert_err(function() return torch.tensor({true}):square_() end, 'square_', 'bool')
  end)

  it('refuses an expanded in-place target', function()
    local x = torch.ones(3):expand(2, 3)
    assert_err(function() return x:exp_() end, 'exp_', '[2, 3]', 'expanded')
    assert_err(function() return x:clamp_(0, 0.5) end, 'clamp_', '[2, 3]')
  end)
end)

describe('unary layouts and sizes', function()
  it('computes on a transposed (non-contiguous) input', function()
    local x = torch.tensor({{0, 1, 2}, {3, 4, 5}}, {dtype = torch.float64}):t()
    assert.is_false(x:is_contiguous())
    local y = x:exp()
    H.assert_tensor(y, {{1, math.exp(3)}, {math.exp(1), math.exp(4)}, {math.exp(2), math.exp(5)}}, 1e-12, {3, 2})
    local f = x:float()
    H.assert_tensor(f:t():contiguous():t():sigmoid(), H.values(x:sigmoid()), 1e-6, {3, 2})
  end)

  it('handles zero-size and 0-dim tensors', function()
    local e = torch.zeros(0, 3)
    H.assert_shape(e:exp(), {0, 3})
    H.assert_shape(e:exp_(), {0, 3})
    local ei = torch.zeros(2, 0, {dtype = torch.int64})
    assert.are.equal(torch.float32, ei:sqrt().dtype)
    H.assert_shape(ei:sqrt(), {2, 0})
    local s = torch.tensor(4.0)
    assert.are.equal(2, s:sqrt():item())
    H.assert_shape(s:sqrt(), {})
  end)

  it('a large tensor (thread pool) matches the float64 computation', function()
    local n = 300001
    local x = torch.linspace(-6, 6, n)
    local xd = x:double()
    for _, name in ipairs({'exp', 'tanh', 'sigmoid', 'sin', 'abs', 'neg', 'relu'}) do
      local y = x[name](x)
      assert.are.equal(n, y:numel())
      assert.is_true(torch.allclose(y:double(), xd[name](xd), {rtol = 2e-6, atol = 1e-6}), name)
    end
    local p = x:abs():add(1)
    assert.is_true(torch.allclose(p:log():double(), p:double():log(), {rtol = 1e-6, atol = 1e-7}))
    assert.is_true(torch.allclose(p:sqrt():double(), p:double():sqrt(), {rtol = 1e-6}))
    -- spot values far from the start, in the part other threads computed
    local i = 250001
    H.assert_tensor(x:exp():select(1, i), {math.exp(x:select(1, i):item())}, 1e-6)
    -- strided large input, and in place
    local m = torch.linspace(-3, 3, 600 * 500):view(600, 500):t()
    assert.is_true(torch.allclose(m:tanh():double(), m:double():tanh(), {rtol = 1e-6, atol = 1e-7}))
    local c = m:clone()
    c:sigmoid_()
    assert.is_true(torch.allclose(c:double(), m:double():sigmoid(), {rtol = 1e-6, atol = 1e-7}))
  end)
end)

describe('-x and Lua comparison semantics', function()
  it('unary minus is neg', function()
    H.assert_tensor(-torch.tensor({1.5, -2}), {-1.5, 2}, 0)
    local i = -torch.tensor({3, -4})
    assert.are.equal(torch.int64, i.dtype)
    H.assert_tensor(i, {-3, 4}, 0)
  end)

  it('x == y is Lua identity (a boolean), x:eq(y) is elementwise', function()
    local a, b = torch.ones(2), torch.ones(2)
    assert.is_false(a == b) -- different objects with equal values
    assert.is_true(a == a)
    assert.are.equal('boolean', type(a == b))
    local e = a:eq(b)
    assert.are.equal(torch.bool, e.dtype)
    H.assert_tensor(e, {true, true})
    assert.is_true(torch.equal(a, b))
    -- < and <= have no tensor meaning in Lua: they raise
    assert.has_error(function() return a < b end)
    H.assert_tensor(a:lt(b), {false, false})
  end)
end)

describe('clamp', function()
  local x = torch.tensor({-2, -0.5, 0.5, 3}, {dtype = torch.float64})

  it('clamps with min and max, or one of them (nil for none)', function()
    H.assert_tensor(x:clamp(-1, 1), {-1, -0.5, 0.5, 1}, 0)
    H.assert_tensor(torch.clamp(x, -1, 1), {-1, -0.5, 0.5, 1}, 0)
    H.assert_tensor(x:clamp(0), {0, 0, 0.5, 3}, 0)
    H.assert_tensor(x:clamp(nil, 0), {-2, -0.5, 0, 0}, 0)
    H.assert_tensor(x:clamp({min = -1}), {-1, -0.5, 0.5, 3}, 0)
    H.assert_tensor(x:clamp({max = 1}), {-2, -0.5, 0.5, 1}, 0)
    H.assert_tensor(x:clamp({min = 0, max = 1}), {0, 0, 0.5, 1}, 0)
    H.assert_tensor(x:clamp_min(0), {0, 0, 0.5, 3}, 0)
    H.assert_tensor(x:clamp_max(0), {-2, -0.5, 0, 0}, 0)
    H.assert_tensor(torch.clip(x, -1, 1), {-1, -0.5, 0.5, 1}, 0)
    H.assert_tensor(x, {-2, -0.5, 0.5, 3}, 0) -- untouched
  end)

  it('float32 contiguous and strided paths agree, NaN stays NaN, min > max gives max', function()
    local f = torch.tensor({{-2, 0 / 0}, {0.5, 3}})
    H.assert_tensor(f:clamp(-1, 1), {{-1, 0 / 0}, {0.5, 1}})
    H.assert_tensor(f:t():clamp(-1, 1), {{-1, 0.5}, {0 / 0, 1}})
    H.assert_tensor(torch.tensor({-1, 0, 5}):clamp(3, 1), {1, 1, 1}, 0)
  end)

  it('works in place, also through a view', function()
    local y = x:clone()
    assert.are.equal(y, y:clamp_(-1, 1))
    H.assert_tensor(y, {-1, -0.5, 0.5, 1}, 0)
    local m = torch.tensor({{-5, 5}, {-5, 5}})
    m:select(2, 1):clamp_min_(-1)
    m:select(2, 2):clamp_max_(2)
    H.assert_tensor(m, {{-1, 2}, {-1, 2}}, 0)
  end)

  it('keeps integer dtypes, promotes for a float bound', function()
    local i = torch.tensor({-3, 0, 7})
    local c = i:clamp(-1, 5)
    assert.are.equal(torch.int64, c.dtype)
    H.assert_tensor(c, {-1, 0, 5}, 0)
    local cf = i:clamp(0.5)
    assert.are.equal(torch.float32, cf.dtype)
    H.assert_tensor(cf, {0.5, 0.5, 7}, 0)
    assert_err(function() return i:clamp_(0.5) end, 'clamp_', 'float32', 'int64')
    local u = torch.tensor({1, 200}, {dtype = torch.uint8}):clamp(5, 100)
    assert.are.equal(torch.uint8, u.dtype)
    H.assert_tensor(u, {5, 100}, 0)
  end)

  it('needs at least one bound', function()
    assert_err(function() return x:clamp() end, 'clamp', 'min', 'max')
    assert_err(function() return x:clamp(nil, nil) end, 'clamp')
    assert_err(function() return x:clamp({}) end, 'clamp')
    assert_err(function() return x:clamp_() end, 'clamp_')
  end)
end)

describe('where', function()
  it('selects elementwise, broadcasting cond, a and b', function()
    local cond = torch.tensor({{true}, {false}, {true}}) -- [3, 1]
    local a = torch.tensor({1, 2, 3, 4}) -- [4]
    local r = torch.where(cond, a, torch.tensor(0))
    H.assert_tensor(r, {{1, 2, 3, 4}, {0, 0, 0, 0}, {1, 2, 3, 4}}, 0, {3, 4})
    assert.are.equal(torch.int64, r.dtype)
    local m = cond:where(torch.full({3, 4}, 1.5), torch.full({3, 4}, -1.5))
    H.assert_tensor(m, {{1.5, 1.5, 1.5, 1.5}, {-1.5, -1.5, -1.5, -1.5}, {1.5, 1.5, 1.5, 1.5}}, 0)
  end)

  it('takes numbers for a or b and promotes like PyTorch', function()
    local x = torch.tensor({-1, 2, -3})
    local r = torch.where(x:gt(0), x, 0)
    assert.are.equal(torch.int64, r.dtype)
    H.assert_tensor(r, {0, 2, 0}, 0)
    local f = torch.where(x:gt(0), x, 0.5) -- int tensor with a float number: float32
    assert.are.equal(torch.float32, f.dtype)
    H.assert_tensor(f, {0.5, 2, 0.5}, 0)
    local g = torch.where(x:gt(0), 1.0, 0.0)
    assert.are.equal(torch.float32, g.dtype)
    H.assert_tensor(g, {0, 1, 0}, 0)
    local d = torch.where(x:lt(0), torch.tensor({1, 1, 1}, {dtype = torch.float64}), torch.tensor({7, 8, 9}))
    assert.are.equal(torch.float64, d.dtype)
    H.assert_tensor(d, {1, 8, 1}, 0)
    local u = torch.where(torch.tensor({1, 0}, {dtype = torch.uint8}), 10, 20)
    H.assert_tensor(u, {10, 20}, 0)
  end)

  it('reports a bad condition dtype and shapes that do not broadcast', function()
    assert_err(function() return torch.where(torch.ones(2), 1, 0) end, 'where', 'bool', 'float32')
    assert_err(function() return torch.where(torch.tensor({true, false}), torch.ones(3), 0) end,
      'where', '[2]', '[3]')
    assert_err(function() return torch.where(torch.tensor({true}), {}, 0) end, 'tensor or number')
  end)
end)

describe('activations', function()
  local x = torch.tensor({-3, -0.5, 0, 0.5, 3}, {dtype = torch.float64})

  it('leaky_relu', function()
    H.assert_tensor(torch.leaky_relu(x), {-0.03, -0.005, 0, 0.5, 3}, 1e-12)
    H.assert_tensor(x:leaky_relu(0.2), {-0.6, -0.1, 0, 0.5, 3}, 1e-12)
    H.assert_tensor(x:float():leaky_relu({negative_slope = 0.1}), {-0.3, -0.05, 0, 0.5, 3}, 1e-6)
  end)

  it('elu', function()
    local want = {math.exp(-3) - 1, math.exp(-0.5) - 1, 0, 0.5, 3}
    H.assert_tensor(torch.elu(x), want, 1e-12)
    H.assert_tensor(x:float():elu(), want, 1e-6)
    H.assert_tensor(x:elu({alpha = 2}), {2 * want[1], 2 * want[2], 0, 0.5, 3}, 1e-12)
  end)

  it('softplus with beta and threshold as PyTorch', function()
    local function sp(v, beta) return math.log(1 + math.exp(beta * v)) / beta end
    H.assert_tensor(torch.softplus(x), {sp(-3, 1), sp(-0.5, 1), sp(0, 1), sp(0.5, 1), sp(3, 1)}, 1e-12)
    H.assert_tensor(x:float():softplus(), {sp(-3, 1), sp(-0.5, 1), sp(0, 1), sp(0.5, 1), sp(3, 1)}, 1e-6)
    H.assert_tensor(x:softplus({beta = 2}), {sp(-3, 2), sp(-0.5, 2), sp(0, 2), sp(0.5, 2), sp(3, 2)}, 1e-12)
    -- above the threshold the input comes back unchanged: 15 * 2 > 20
    local big = torch.tensor({15, 9}, {dtype = torch.float64})
    H.assert_tensor(big:softplus({beta = 2, threshold = 20}), {15, sp(9, 2)}, 1e-12)
    H.assert_tensor(big:softplus(2, 20), {15, sp(9, 2)}, 1e-12)
    H.assert_tensor(torch.tensor({1000.0}):softplus(), {1000}, 0) -- no overflow
    assert_err(function() return x:softplus({beta = 0}) end, 'softplus', 'beta')
  end)

  it('integer inputs give float32', function()
    local i = torch.tensor({-2, 3})
    assert.are.equal(torch.float32, i:leaky_relu().dtype)
    H.assert_tensor(i:elu(), {math.exp(-2) - 1, 3}, 1e-6)
  end)
end)

describe('isnan, isinf, isfinite', function()
  it('classify float elements into bool tensors', function()
    local x = torch.tensor({1, 0 / 0, math.huge, -math.huge, 0})
    local n, i, f = torch.isnan(x), x:isinf(), torch.isfinite(x)
    assert.are.equal(torch.bool, n.dtype)
    H.assert_tensor(n, {false, true, false, false, false})
    H.assert_tensor(i, {false, false, true, true, false})
    H.assert_tensor(f, {true, false, false, false, true})
    H.assert_tensor(x:double():t():isnan(), {false, true, false, false, false})
  end)

  it('integers are always finite', function()
    local x = torch.tensor({1, -5})
    H.assert_tensor(x:isnan(), {false, false})
    H.assert_tensor(x:isinf(), {false, false})
    H.assert_tensor(x:isfinite(), {true, true})
  end)
end)

describe('lerp', function()
  it('interpolates with a number or a tensor weight', function()
    local a, b = torch.tensor({0, 10}, {dtype = torch.float64}), torch.tensor({10, 20}, {dtype = torch.float64})
    H.assert_tensor(torch.lerp(a, b, 0.25), {2.5, 12.5}, 1e-12)
    H.assert_tensor(a:lerp(b, 1), {10, 20}, 0) -- exact at w = 1
    H.assert_tensor(a:lerp(b, torch.tensor({0, 0.75}, {dtype = torch.float64})), {0, 17.5}, 1e-12)
    H.assert_tensor(torch.zeros(2, 1):lerp(torch.ones(3), 0.5), {{0.5, 0.5, 0.5}, {0.5, 0.5, 0.5}}, 0)
    assert_err(function() return torch.lerp(torch.tensor({1}), torch.tensor({2}), 0.5) end, 'lerp', 'int64')
  end)
end)

describe('allclose and equal', function()
  it('allclose uses rtol/atol and equal_nan, returning a Lua boolean', function()
    local a = torch.tensor({1, 2, 3})
    assert.are.equal(true, torch.allclose(a, a + 1e-6))
    assert.are.equal(false, torch.allclose(a, a + 1e-3))
    assert.is_true(torch.allclose(a, a + 1e-3, {atol = 1e-2}))
    assert.is_true(torch.allclose(a, a * 1.001, {rtol = 2e-3}))
    assert.is_true(a:allclose(a + 1e-6))
    local n = torch.tensor({1, 0 / 0})
    assert.is_false(torch.allclose(n, n))
    assert.is_true(torch.allclose(n, n, {equal_nan = true}))
    local inf = torch.tensor({math.huge, -math.huge})
    assert.is_true(torch.allclose(inf, inf))
    assert.is_false(torch.allclose(inf, inf:neg()))
    assert.is_true(torch.allclose(torch.ones(2, 3), torch.ones(3))) -- broadcasts
    assert.is_true(torch.allclose(torch.tensor({1, 2}), torch.tensor({1, 2}, {dtype = torch.float64})))
    assert.is_true(torch.allclose(torch.zeros(0), torch.zeros(0)))
    assert_err(function() return torch.allclose(torch.ones(2), torch.ones(3)) end, 'allclose', '[2]', '[3]')
  end)

  it('equal wants the same shape and the same values', function()
    local a = torch.tensor({{1, 2}, {3, 4}})
    assert.are.equal(true, torch.equal(a, a:clone()))
    assert.is_true(torch.equal(a, a:t():t()))
    assert.is_false(torch.equal(a, a:t()))
    assert.is_false(torch.equal(a, a:view(4)))
    assert.is_true(torch.equal(a, a:double()))
    assert.is_false(torch.equal(torch.tensor({0 / 0}), torch.tensor({0 / 0})))
    assert.is_true(torch.equal(torch.tensor({9007199254740993}), torch.tensor({9007199254740993})))
    assert.is_false(torch.equal(torch.tensor({9007199254740993}), torch.tensor({9007199254740992})))
  end)
end)

describe('argument errors', function()
  it('names the expected type', function()
    assert_err(function() return torch.exp(3) end, 'tensor')
    assert_err(function() return torch.exp() end, 'tensor')
    assert_err(function() return torch.clamp(torch.ones(2), 'a') end, 'number')
  end)
end)
