-- Binary arithmetic and comparisons: operators, broadcasting, type promotion,
-- Python-style remainder/floor division, in-place forms and their errors.
local torch = require 'torch'
local H = require 'spec.helpers'

local function assert_err(f, ...)
  local ok, msg = pcall(f)
  assert.is_false(ok, 'expected an error')
  msg = tostring(msg)
  for _, pat in ipairs({...}) do
    assert.is_truthy(msg:find(pat, 1, true), string.format('%q not found in %q', pat, msg))
  end
end

local T = torch.tensor

describe('binary operators', function()
  local a = T({6, -4, 9}, {dtype = torch.float64})
  local b = T({3, 2, -2}, {dtype = torch.float64})

  it('+ - * / between tensors', function()
    H.assert_tensor(a + b, {9, -2, 7}, 0)
    H.assert_tensor(a - b, {3, -6, 11}, 0)
    H.assert_tensor(a * b, {18, -8, -18}, 0)
    H.assert_tensor(a / b, {2, -2, -4.5}, 0)
    H.assert_tensor(a ^ b, {216, 16, 1 / 81}, 1e-15)
  end)

  it('tensors and numbers on either side', function()
    H.assert_tensor(a + 1, {7, -3, 10}, 0)
    H.assert_tensor(1 + a, {7, -3, 10}, 0)
    H.assert_tensor(a - 1, {5, -5, 8}, 0)
    H.assert_tensor(1 - a, {-5, 5, -8}, 0)
    H.assert_tensor(a * 2, {12, -8, 18}, 0)
    H.assert_tensor(2 * a, {12, -8, 18}, 0)
    H.assert_tensor(a / 2, {3, -2, 4.5}, 0)
    H.assert_tensor(36 / a, {6, -9, 4}, 0)
    H.assert_tensor(a % 4, {2, 0, 1}, 0)
    H.assert_tensor(20 % b, {2, 0, 0}, 0)
    H.assert_tensor(a // 4, {1, -1, 2}, 0)
    H.assert_tensor(7 // b, {2, 3, -4}, 0)
    H.assert_tensor(a ^ 2, {36, 16, 81}, 0)
    H.assert_tensor(2 ^ b, {8, 4, 0.25}, 0)
    H.assert_tensor(torch.add(a, 1), {7, -3, 10}, 0)
    H.assert_tensor(a:mul(b), {18, -8, -18}, 0)
    H.assert_tensor(a:div(b), {2, -2, -4.5}, 0)
    H.assert_tensor(torch.pow(a, 2), {36, 16, 81}, 0)
  end)

  it('broadcasts [3, 1] with [4] to [3, 4]', function()
    local c = T({{1}, {2}, {3}})
    local r = T({10, 20, 30, 40})
    H.assert_tensor(c + r, {{11, 21, 31, 41}, {12, 22, 32, 42}, {13, 23, 33, 43}}, 0, {3, 4})
    H.assert_tensor(r - c, {{9, 19, 29, 39}, {8, 18, 28, 38}, {7, 17, 27, 37}}, 0, {3, 4})
    H.assert_shape(torch.ones(2, 1, 3) * torch.ones(4, 1), {2, 4, 3})
    H.assert_shape(torch.zeros(0, 3) + torch.ones(3), {0, 3})
    assert_err(function() return torch.ones(2, 3) + torch.ones(4) end, 'add', '[2, 3]', '[4]')
  end)

  it('works on non-contiguous inputs', function()
    local m = T({{1, 2, 3}, {4, 5, 6}})
    H.assert_tensor(m:t() * T({1, 10}), {{1, 40}, {2, 50}, {3, 60}}, 0)
    H.assert_tensor(m:t() + m:t(), {{2, 8}, {4, 10}, {6, 12}}, 0)
  end)

  it('a large broadcast add (thread pool) matches the float64 computation', function()
    local x = torch.linspace(-1, 1, 200000):view(400, 500)
    local y = torch.linspace(0, 5, 500)
    local s = (x * y + 1):double()
    local want = x:double() * y:double() + 1
    assert.is_true(torch.allclose(s, want, {rtol = 1e-6, atol = 1e-6}))
  end)
end)

describe('type promotion', function()
  it('int64 + float32 -> float32', function()
    local r = T({1, 2}) + T({0.5, 0.25})
    assert.are.equal(torch.float32, r.dtype)
    H.assert_tensor(r, {1.5, 2.25}, 0)
  end)

  it('int64 / int64 -> float32 (true division)', function()
    local r = T({7, -7}) / T({2, 2})
    assert.are.equal(torch.float32, r.dtype)
    H.assert_tensor(r, {3.5, -3.5}, 0)
    assert.are.equal(torch.float32, (T({1}) / 2).dtype)
    assert.are.equal(torch.float32, (2 / T({1})).dtype)
  end)

  it('an int tensor with Lua integers stays int64, with a float number becomes float32', function()
    local i = T({1, 2})
    assert.are.equal(torch.int64, (i * 2).dtype)
    H.assert_tensor(i * 2, {2, 4}, 0)
    assert.are.equal(torch.float32, (i * 2.5).dtype)
    H.assert_tensor(i * 2.5, {2.5, 5}, 0)
    assert.are.equal(torch.float32, (i * 2.0).dtype) -- 2.0 is a float in Lua 5.4
    local i32 = T({1, 2}, {dtype = torch.int32})
    assert.are.equal(torch.int32, (i32 + 3).dtype) -- a number does not widen an int tensor
    assert.are.equal(torch.float32, (T({1.5}) + 2).dtype)
    assert.are.equal(torch.float64, (T({1.5}, {dtype = torch.float64}) * 2.5).dtype)
  end)

  it('bool + bool stays bool; bool with numbers promotes', function()
    local t, f = T({true, false}), T({true, true})
    local s = t + f
    assert.are.equal(torch.bool, s.dtype)
    H.assert_tensor(s, {true, true})
    H.assert_tensor(t * f, {true, false})
    local n = t + 1
    assert.are.equal(torch.int64, n.dtype)
    H.assert_tensor(n, {2, 1}, 0)
    assert.are.equal(torch.int64, (true + T({2})).dtype)
    assert_err(function() return t - f end, 'sub', 'bool', 'logical_xor')
  end)

  it('a 0-dim tensor decides only the category', function()
    local r = T(2.5) + T({1, 2})
    assert.are.equal(torch.float32, r.dtype)
    H.assert_tensor(r, {3.5, 4.5}, 0)
    local d = T(2.5, {dtype = torch.float64}) + T({1, 2})
    assert.are.equal(torch.float64, d.dtype) -- the 0-dim tensor's own float type wins
    assert.are.equal(torch.int32, (T({1}, {dtype = torch.int32}) + T(3)).dtype)
    assert.are.equal(torch.float64, (T(1.5) * T({1}, {dtype = torch.float64})).dtype)
    assert.are.equal(torch.float64, (T(1.5, {dtype = torch.float64}) * T(2)).dtype) -- both 0-dim
  end)

  it('mixed integer widths promote up the lattice', function()
    assert.are.equal(torch.int32, (T({1}, {dtype = torch.uint8}) + T({1}, {dtype = torch.int32})).dtype)
    assert.are.equal(torch.int64, (T({1}, {dtype = torch.int32}) + T({1})).dtype)
    assert.are.equal(torch.float64, (T({1}) + T({1}, {dtype = torch.float64})).dtype)
  end)
end)

describe('remainder and floor division', function()
  it('follow the divisor sign for integers (Python semantics)', function()
    local x, y = T({7, -7, 7, -7}), T({2, 2, -2, -2})
    H.assert_tensor(x % y, {1, 1, -1, -1}, 0)
    H.assert_tensor(x // y, {3, -4, -4, 3}, 0)
    H.assert_tensor(torch.remainder(x, 3), {1, 2, 1, 2}, 0)
    H.assert_tensor(torch.floor_divide(x, 3), {2, -3, 2, -3}, 0)
    assert.are.equal(torch.int64, (x // y).dtype)
    -- x == (x // y) * y + x % y
    H.assert_tensor((x // y) * y + x % y, {7, -7, 7, -7}, 0)
  end)

  it('follow the divisor sign for floats', function()
    local x, y = T({7.5, -7.5, 7.5, -7.5}), T({2, 2, -2, -2})
    H.assert_tensor(x % y, {1.5, 0.5, -0.5, -1.5}, 0)
    H.assert_tensor(x // y, {3, -4, -4, 3}, 0)
    H.assert_tensor(T({-1e-30}) % 1, {1}, 1e-7) -- rounds to the divisor, still in [0, 1]
  end)

  it('integer division by zero is an error; float division gives inf/nan', function()
    assert_err(function() return T({1, 2}) // 0 end, 'floor_divide', 'division by zero')
    assert_err(function() return T({1, 2}) % T({1, 0}) end, 'remainder', 'division by zero')
    assert_err(function() return 5 // T({0}) end, 'floor_divide', 'division by zero')
    H.assert_tensor(T({1, -1}) / 0, {math.huge, -math.huge})
    H.assert_tensor(T({1.0}) // 0, {math.huge})
    H.assert_tensor(T({1.0}) % 0, {0 / 0})
    H.assert_shape(torch.zeros(0, {dtype = torch.int64}) // 0, {0}) -- nothing to divide
  end)

  it('integer powers are exact; negative integer exponents are an error', function()
    H.assert_tensor(T({3}) ^ 39, {4052555153018976267}, 0)
    H.assert_tensor(T({2, -3}) ^ T({10, 3}), {1024, -27}, 0)
    assert_err(function() return T({2}) ^ -1 end, 'pow', 'negative')
    H.assert_tensor(T({2}) ^ -1.0, {0.5}, 0)
  end)
end)

describe('in-place binary ops', function()
  it('add_/mul_ broadcast the other operand and return self', function()
    local x = torch.zeros(2, 3)
    local r = x:add_(T({1, 2, 3}))
    assert.are.equal(x, r)
    H.assert_tensor(x, {{1, 2, 3}, {1, 2, 3}}, 0)
    x:mul_(T({{2}, {3}}))
    H.assert_tensor(x, {{2, 4, 6}, {3, 6, 9}}, 0)
    x:sub_(1):div_(2)
    H.assert_tensor(x, {{0.5, 1.5, 2.5}, {1, 2.5, 4}}, 0)
  end)

  it('write through views', function()
    local base = torch.zeros(2, 3)
    base:select(1, 2):add_(5)
    base:t():select(1, 1):mul_(0):add_(T({7, 8}))
    H.assert_tensor(base, {{7, 0, 0}, {8, 5, 5}}, 0)
  end)

  it('int tensor in place keeps int64 for integers, refuses results it cannot hold', function()
    local i = T({1, 2})
    i:add_(3)
    H.assert_tensor(i, {4, 5}, 0)
    assert.are.equal(torch.int64, i.dtype)
    assert_err(function() return i:add_(1.5) end, 'add_', 'float32', 'int64')
    assert_err(function() return i:div_(2) end, 'div_', 'float32', 'int64')
    assert_err(function() return i:mul_(T({0.5, 0.5})) end, 'mul_', 'int64')
    assert_err(function() return T({true}):add_(2) end, 'add_', 'int64', 'bool')
    H.assert_tensor(i, {4, 5}, 0) -- untouched by the failures
    local f = T({1.5}):add_(T({2})) -- an int operand into a float target is fine
    H.assert_tensor(f, {3.5}, 0)
  end)

  it('refuses an operand that would grow the target', function()
    assert_err(function() return torch.zeros(3):add_(torch.ones(2, 3)) end, 'add_', '[2, 3]', '[3]')
    assert_err(function() return torch.zeros(3):add_(torch.ones(2)) end, 'add_', '[3]', '[2]')
    assert_err(function() return torch.ones(3):expand(2, 3):add_(1) end, 'add_', 'expanded')
  end)
end)

describe('add/sub with alpha', function()
  it('computes a + alpha * b', function()
    local a, b = T({1, 2}), T({3, 4})
    local r = torch.add(a, b, {alpha = 2})
    assert.are.equal(torch.int64, r.dtype)
    H.assert_tensor(r, {7, 10}, 0)
    H.assert_tensor(a:add(b, 2), {7, 10}, 0)
    H.assert_tensor(T({1.0, 2}):sub(b, {alpha = 0.5}), {-0.5, 0}, 0)
    H.assert_tensor(T({1.0, 2}):add(T({1.0, 1}), {alpha = -3}), {-2, -1}, 0)
    local x = T({1.0, 1})
    x:add_(T({2.0, 4}), {alpha = 0.5})
    H.assert_tensor(x, {2, 3}, 0)
    x:sub_(T({1.0, 1}), {alpha = 2})
    H.assert_tensor(x, {0, 1}, 0)
  end)

  it('a fractional alpha with integer tensors is an error', function()
    assert_err(function() return torch.add(T({1}), T({2}), {alpha = 2.5}) end, 'alpha', 'int64')
  end)
end)

describe('comparisons', function()
  it('return bool tensors, broadcasting, with numbers on either side', function()
    local x = T({1, 2, 3})
    for _, case in ipairs({
      {'eq', {false, true, false}}, {'ne', {true, false, true}}, {'lt', {true, false, false}},
      {'le', {true, true, false}}, {'gt', {false, false, true}}, {'ge', {false, true, true}},
    }) do
      local r = x[case[1]](x, 2)
      assert.are.equal(torch.bool, r.dtype, case[1])
      H.assert_tensor(r, case[2])
      H.assert_tensor(torch[case[1]](x, T({2, 2, 2})), case[2])
    end
    H.assert_tensor(x:lt(T({{2}, {3}})), {{true, false, false}, {true, true, false}}, 0, {2, 3})
    H.assert_tensor(x:eq(T({1.0, 2.5, 3.0})), {true, false, true})
    H.assert_tensor(x:gt(1.5), {false, true, true})
    H.assert_tensor(T({0 / 0}):eq(T({0 / 0})), {false})
    H.assert_tensor(T({0 / 0}):ne(T({0 / 0})), {true})
    -- exact for int64 beyond 2^53
    H.assert_tensor(T({9007199254740993}):eq(9007199254740992), {false})
  end)

  it('logical and/or/xor give bool', function()
    local p, q = T({true, true, false, false}), T({true, false, true, false})
    H.assert_tensor(p:logical_and(q), {true, false, false, false})
    H.assert_tensor(p:logical_or(q), {true, true, true, false})
    H.assert_tensor(torch.logical_xor(p, q), {false, true, true, false})
    H.assert_tensor(T({0, 2}):logical_and(T({1.5, 1})), {false, true})
  end)

  it('maximum/minimum propagate NaN', function()
    local x, y = T({1, 0 / 0, 5}), T({2, 1, 0 / 0})
    H.assert_tensor(torch.maximum(x, y), {2, 0 / 0, 0 / 0})
    H.assert_tensor(torch.minimum(x, y), {1, 0 / 0, 0 / 0})
  end)
end)
