-- Tensor creation: torch.tensor, zeros/ones/empty/full, eye, arange,
-- linspace, *_like, x:new_*, fill_/zero_, and totable round trips.
local torch = require 'torch'
local H = require 'spec.helpers'

local all_dtypes = {
  torch.float32, torch.float64, torch.int64, torch.int32, torch.uint8, torch.bool,
  torch.float16, torch.bfloat16,
}

-- error message of fn(...), which must fail
local function error_of(fn, ...)
  local ok, err = pcall(fn, ...)
  assert.is_false(ok)
  return tostring(err)
end

describe('torch.tensor', function()
  it('builds a 2-D int64 tensor from nested integer tables', function()
    local x = torch.tensor({{1, 2}, {3, 4}})
    assert.are.equal(torch.int64, x.dtype)
    H.assert_tensor(x, {{1, 2}, {3, 4}}, 0, {2, 2})
    assert.are.same({{1, 2}, {3, 4}}, x:totable())
  end)

  it('infers float32 when any value is a float', function()
    local x = torch.tensor({1, 2.5, 3})
    assert.are.equal(torch.float32, x.dtype)
    H.assert_tensor(x, {1, 2.5, 3}, 0, {3})
    -- 2.0 is a float in Lua 5.4, so it decides the dtype too
    assert.are.equal(torch.float32, torch.tensor({1, 2.0}).dtype)
  end)

  it('infers bool for all booleans and int64 for booleans mixed with integers', function()
    local b = torch.tensor({true, false, true})
    assert.are.equal(torch.bool, b.dtype)
    assert.are.same({true, false, true}, b:totable())
    local m = torch.tensor({true, 2})
    assert.are.equal(torch.int64, m.dtype)
    assert.are.same({1, 2}, m:totable())
  end)

  it('gives a 0-dim tensor for a scalar', function()
    local x = torch.tensor(3.5)
    assert.are.equal(0, x:dim())
    assert.are.equal(torch.float32, x.dtype)
    assert.are.equal(3.5, x:item())
    local i = torch.tensor(7)
    assert.are.equal(torch.int64, i.dtype)
    assert.are.equal(7, i:item())
    assert.are.equal('integer', math.type(i:item()))
    assert.are.equal(true, torch.tensor(true):item())
  end)

  it('gives shape [0] float32 for an empty table, and [2, 0] for two empty rows', function()
    local e = torch.tensor({})
    H.assert_shape(e, {0})
    assert.are.equal(torch.float32, e.dtype)
    assert.are.same({}, e:totable())
    local e2 = torch.tensor({{}, {}})
    H.assert_shape(e2, {2, 0})
    assert.are.same({{}, {}}, e2:totable())
  end)

  it('honours {dtype=}', function()
    local x = torch.tensor({1, 2}, {dtype = torch.float64})
    assert.are.equal(torch.float64, x.dtype)
    assert.are.equal('float', math.type(x:totable()[1]))
    local y = torch.tensor({1.7, -1.7, 300}, {dtype = torch.int32})
    assert.are.equal(torch.int32, y.dtype)
    assert.are.same({1, -1, 300}, y:totable()) -- truncation toward zero
    local z = torch.tensor({0, 2, 0.5}, {dtype = torch.bool})
    assert.are.same({false, true, true}, z:totable())
    assert.are.equal(torch.float64, torch.tensor(2, {dtype = 'float64'}).dtype)
  end)

  it('builds 3-D tensors in row-major order', function()
    local x = torch.tensor({{{1, 2, 3}, {4, 5, 6}}, {{7, 8, 9}, {10, 11, 12}}})
    H.assert_shape(x, {2, 2, 3})
    assert.are.equal(6, x:select(1, 1):select(1, 2):select(1, 3):item())
    assert.are.equal(10, x:select(1, 2):select(1, 2):select(1, 1):item())
  end)

  it('accepts one-element tensors as values', function()
    local x = torch.tensor({torch.tensor(1.5), torch.tensor({2.5})})
    H.assert_tensor(x, {1.5, 2.5}, 0, {2})
    assert.are.equal(torch.float32, x.dtype)
  end)

  it('copies a tensor argument (never an alias)', function()
    local a = torch.tensor({1, 2, 3})
    local b = torch.tensor(a)
    b:fill_(9)
    assert.are.same({1, 2, 3}, a:totable())
    assert.are.same({9, 9, 9}, b:totable())
    assert.are.equal(torch.float64, torch.tensor(a, {dtype = torch.float64}).dtype)
  end)

  it('reports ragged nesting with the position', function()
    local msg = error_of(torch.tensor, {{1, 2}, {3}})
    assert.truthy(msg:find('tensor: ragged nested table: [2] has length 1, expected 2', 1, true), msg)
    msg = error_of(torch.tensor, {{1, 2}, 3})
    assert.truthy(msg:find('[2] is a number, expected a table of 2 elements', 1, true), msg)
    msg = error_of(torch.tensor, {{1, 2}, {3, {4}}})
    assert.truthy(msg:find('[2][2] is a table, expected a number', 1, true), msg)
    msg = error_of(torch.tensor, {{{1}, {2}}, {{3}, {4, 5}}})
    assert.truthy(msg:find('[2][2] has length 2, expected 1', 1, true), msg)
  end)

  it('rejects values that are not numbers or booleans', function()
    local msg = error_of(torch.tensor, {1, 'a'})
    assert.truthy(msg:find('tensor: [2] is a string, expected a number or a boolean', 1, true), msg)
    msg = error_of(torch.tensor, {torch.ones(2)})
    assert.truthy(msg:find('[1] is a tensor of 2 elements', 1, true), msg)
    msg = error_of(torch.tensor, 'abc')
    assert.truthy(msg:find('table, number, boolean or tensor expected, got string', 1, true), msg)
  end)

  it('accepts {device="cpu"} and rejects other devices by name', function()
    assert.are.equal('cpu', tostring(torch.tensor({1}, {device = 'cpu'}).device))
    local msg = error_of(torch.tensor, {1}, {device = 'cuda:1'})
    assert.truthy(msg:find("tensor: device 'cuda:1' is not available", 1, true), msg)
  end)
end)

describe('totable', function()
  it('round-trips every dtype', function()
    local cases = {
      [torch.float32] = {{1.5, -2.25}, {0, 3}},
      [torch.float64] = {{0.1, -2.5}, {1e300, 3}},
      [torch.int64] = {{math.maxinteger, math.mininteger}, {0, -7}},
      [torch.int32] = {{2147483647, -2147483648}, {0, -7}},
      [torch.uint8] = {{0, 255}, {7, 128}},
      [torch.bool] = {{true, false}, {false, true}},
      [torch.float16] = {{1.5, -0.25}, {65504, 3}},
      [torch.bfloat16] = {{1.5, -0.25}, {256, 3}},
    }
    for _, dt in ipairs(all_dtypes) do
      local data = cases[dt]
      local x = torch.tensor(data, {dtype = dt})
      assert.are.equal(dt, x.dtype)
      local back = x:totable()
      if dt == torch.float32 then
        -- 0.1 is not a float32; the others are exact
        assert.are.same(data, back)
      else
        assert.are.same(data, back, tostring(dt))
      end
      assert.are.same(back, x:tolist())
    end
    assert.are.equal(1.5, torch.tensor({1.5}, {dtype = torch.float16}):totable()[1])
    assert.are.equal(1.5, torch.tensor({1.5}, {dtype = torch.bfloat16}):totable()[1])
  end)

  it('gives Lua integers for integer dtypes and floats for float dtypes', function()
    assert.are.equal('integer', math.type(torch.tensor({1}, {dtype = torch.int32}):totable()[1]))
    assert.are.equal('integer', math.type(torch.tensor({1}, {dtype = torch.uint8}):totable()[1]))
    assert.are.equal('float', math.type(torch.tensor({1}, {dtype = torch.float32}):totable()[1]))
    assert.are.equal('float', math.type(torch.tensor({1}, {dtype = torch.float16}):totable()[1]))
    assert.are.equal('boolean', type(torch.tensor({1}, {dtype = torch.bool}):totable()[1]))
  end)

  it('gives a number for a 0-dim tensor', function()
    assert.are.equal(2.5, torch.tensor(2.5):totable())
    assert.are.equal(4, torch.tensor(4):tolist())
  end)

  it('reads non-contiguous views by their strides', function()
    local x = torch.tensor({{1, 2, 3}, {4, 5, 6}})
    assert.are.same({{1, 4}, {2, 5}, {3, 6}}, x:t():totable())
    assert.are.same({2, 5}, x:select(2, 2):totable())
    assert.are.same({{1, 2, 3}, {1, 2, 3}}, torch.tensor({1, 2, 3}):expand(2, 3):totable())
  end)

  it('stores float32 values exactly as float32 rounding gives them', function()
    local v = torch.tensor({0.1}):totable()[1]
    assert.are_not.equal(0.1, v)
    assert.is_true(math.abs(v - 0.1) < 1e-8)
  end)
end)

describe('zeros, ones, empty, full', function()
  it('take sizes as numbers or one table and default to float32', function()
    local a = torch.zeros(2, 3)
    H.assert_tensor(a, {{0, 0, 0}, {0, 0, 0}}, 0, {2, 3})
    assert.are.equal(torch.float32, a.dtype)
    H.assert_tensor(torch.ones({3, 1}), {{1}, {1}, {1}}, 0, {3, 1})
    H.assert_shape(torch.empty(4, 0, 2), {4, 0, 2})
    H.assert_shape(torch.zeros(a.shape), {2, 3})
    assert.are.equal(0, torch.zeros():dim())
  end)

  it('honour {dtype=} for every dtype', function()
    for _, dt in ipairs(all_dtypes) do
      local z, o, e = torch.zeros(2, {dtype = dt}), torch.ones(2, {dtype = dt}), torch.empty(2, {dtype = dt})
      assert.are.equal(dt, z.dtype)
      assert.are.equal(dt, o.dtype)
      assert.are.equal(dt, e.dtype)
      local zero, one = 0, 1
      if dt == torch.bool then zero, one = false, true end
      assert.are.same({zero, zero}, z:totable())
      assert.are.same({one, one}, o:totable())
    end
  end)

  it('full infers the dtype from the value', function()
    local f = torch.full({2, 2}, 7)
    assert.are.equal(torch.int64, f.dtype)
    assert.are.same({{7, 7}, {7, 7}}, f:totable())
    local g = torch.full({3}, 1.5)
    assert.are.equal(torch.float32, g.dtype)
    assert.are.same({1.5, 1.5, 1.5}, g:totable())
    assert.are.equal(torch.bool, torch.full({1}, true).dtype)
    local h = torch.full({2}, 2.75, {dtype = torch.float64})
    assert.are.equal(torch.float64, h.dtype)
    assert.are.same({2.75, 2.75}, h:totable())
    assert.are.same({44}, torch.full({1}, 300, {dtype = torch.uint8}):totable())
  end)

  it('accept {device="cpu"} and name any other device in the error', function()
    assert.are.equal('cpu', tostring(torch.zeros(2, {device = 'cpu'}).device))
    assert.are.equal('cpu', tostring(torch.ones(2, {device = torch.device('cpu')}).device))
    local msg = error_of(torch.zeros, 2, {device = 'cuda'})
    assert.truthy(msg:find("zeros: device 'cuda' is not available", 1, true), msg)
    msg = error_of(torch.full, {2}, 1, {device = torch.device('cuda:0')})
    assert.truthy(msg:find("full: device 'cuda:0'", 1, true), msg)
  end)

  it('reject bad sizes', function()
    local msg = error_of(torch.zeros, -1, 2)
    assert.truthy(msg:find('zeros: negative size -1 at dim 1', 1, true), msg)
    msg = error_of(torch.ones, 2, 'x')
    assert.truthy(msg:find("bad argument #2 to '.*ones' %(integer size or options table expected, got string%)"), msg)
    msg = error_of(torch.zeros, 'x')
    assert.truthy(msg:find('sizes expected, got string', 1, true), msg)
    msg = error_of(torch.zeros, 2.5)
    assert.truthy(msg:find('sizes must be integers', 1, true), msg)
    msg = error_of(torch.full, 2, 1)
    assert.truthy(msg:find('table of sizes expected', 1, true), msg)
  end)
end)

describe('eye', function()
  it('makes square and rectangular identities', function()
    H.assert_tensor(torch.eye(3), {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}, 0, {3, 3})
    H.assert_tensor(torch.eye(2, 3), {{1, 0, 0}, {0, 1, 0}}, 0, {2, 3})
    H.assert_tensor(torch.eye(3, 2), {{1, 0}, {0, 1}, {0, 0}}, 0, {3, 2})
    assert.are.equal(torch.float32, torch.eye(2).dtype)
    local i = torch.eye(2, {dtype = torch.int64})
    assert.are.equal(torch.int64, i.dtype)
    assert.are.same({{1, 0}, {0, 1}}, i:totable())
    assert.are.same({{true, false}, {false, true}}, torch.eye(2, 2, {dtype = torch.bool}):totable())
    H.assert_shape(torch.eye(0), {0, 0})
  end)

  it('rejects negative sizes', function()
    local msg = error_of(torch.eye, -1)
    assert.truthy(msg:find('eye: sizes must be non-negative', 1, true), msg)
  end)
end)

describe('arange', function()
  it('gives values, not positions: arange(5) is 0..4 int64', function()
    local x = torch.arange(5)
    assert.are.equal(torch.int64, x.dtype)
    assert.are.same({0, 1, 2, 3, 4}, x:totable())
  end)

  it('takes start and end, and a step', function()
    assert.are.same({1, 2, 3, 4}, torch.arange(1, 5):totable())
    assert.are.same({10, 7, 4, 1}, torch.arange(10, 0, -3):totable())
    assert.are.same({}, torch.arange(3, 3):totable())
    local f = torch.arange(0, 1, 0.25)
    assert.are.equal(torch.float32, f.dtype)
    assert.are.same({0, 0.25, 0.5, 0.75}, f:totable())
    assert.are.equal(torch.float32, torch.arange(4.0).dtype)
  end)

  it('has length ceil((end - start) / step), as in PyTorch', function()
    assert.are.equal(4, torch.arange(1, 1.3, 0.1):numel()) -- (1.3 - 1) / 0.1 is 3.0000000000000004
    assert.are.equal(10, torch.arange(0, 1, 0.1):numel())
    assert.are.equal(3, torch.arange(0, 1, 0.4):numel())
    assert.are.equal(4, torch.arange(0, 2, 0.5):numel())
    -- each value is start + i * step, so no rounding error accumulates
    local x = torch.arange(0, 100, 0.1, {dtype = torch.float64})
    assert.are.equal(1000, x:numel())
    assert.are.equal(0.1 * 999, x:totable()[1000])
  end)

  it('honours {dtype=}, exact for integers', function()
    local d = torch.arange(0, 3, {dtype = torch.float64})
    assert.are.equal(torch.float64, d.dtype)
    assert.are.same({0, 1, 2}, d:totable())
    local big = torch.arange(2147483647, 2147483650)
    assert.are.same({2147483647, 2147483648, 2147483649}, big:totable())
    -- integer dtypes take the length from the real bounds and the values
    -- from the truncated start and step, as PyTorch does
    assert.are.same({0, 1, 2}, torch.arange(-0.5, 2, 1, {dtype = torch.int64}):totable())
    assert.are.same({0, 2, 4, 6}, torch.arange(0, 10, 2.5, {dtype = torch.int64}):totable())
    assert.are.same({-2, -1, 0}, torch.arange(-2.5, 2, 1.5, {dtype = torch.int32}):totable())
    assert.are.same({254, 255, 0, 1}, torch.arange(254, 258, {dtype = torch.uint8}):totable())
    assert.are.same({0, 1, 2}, torch.arange(3, {dtype = torch.int32}):totable())
  end)

  it('rejects a zero step, a wrong-signed step and non-finite bounds', function()
    local msg = error_of(torch.arange, 0, 5, 0)
    assert.truthy(msg:find('arange: step must be non-zero', 1, true), msg)
    msg = error_of(torch.arange, 0, 5, -1)
    assert.truthy(msg:find('arange: the sign of step', 1, true), msg)
    msg = error_of(torch.arange, 0, math.huge)
    assert.truthy(msg:find('must be finite', 1, true), msg)
    msg = error_of(torch.arange, 'a')
    assert.truthy(msg:find('number expected, got string', 1, true), msg)
  end)
end)

describe('linspace', function()
  it('gives evenly spaced values including both ends', function()
    local x = torch.linspace(0, 1, 5)
    assert.are.equal(torch.float32, x.dtype)
    assert.are.same({0, 0.25, 0.5, 0.75, 1}, x:totable())
    H.assert_tensor(torch.linspace(-1, 1, 4), {-1, -1 / 3, 1 / 3, 1}, 1e-6, {4})
    local d = torch.linspace(0, 0.3, 4, {dtype = torch.float64}):totable()
    assert.are.equal(0.0, d[1])
    assert.are.equal(0.3, d[4]) -- the end is exact
    assert.is_true(math.abs(d[2] - 0.1) < 1e-15)
  end)

  it('handles 1 and 0 steps', function()
    assert.are.same({3}, torch.linspace(3, 7, 1):totable())
    assert.are.same({}, torch.linspace(3, 7, 0):totable())
  end)

  it('truncates for integer dtypes like PyTorch', function()
    assert.are.same({0, 3, 6, 10}, torch.linspace(0, 10, 4, {dtype = torch.int64}):totable())
  end)

  it('rejects negative steps', function()
    local msg = error_of(torch.linspace, 0, 1, -1)
    assert.truthy(msg:find('linspace: number of steps must be non-negative', 1, true), msg)
  end)
end)

describe('*_like', function()
  local x = torch.tensor({{1.5, 2}, {3, 4}}, {dtype = torch.float64})

  it('keep the shape and dtype', function()
    local z = torch.zeros_like(x)
    assert.are.equal(torch.float64, z.dtype)
    assert.are.same({{0, 0}, {0, 0}}, z:totable())
    local o = torch.ones_like(x)
    assert.are.same({{1, 1}, {1, 1}}, o:totable())
    local e = torch.empty_like(x)
    H.assert_shape(e, {2, 2})
    assert.are.equal(torch.float64, e.dtype)
    assert.are_not.equal(x:data_ptr(), e:data_ptr())
    local f = torch.full_like(x, 7)
    assert.are.equal(torch.float64, f.dtype) -- the input's dtype, not the value's
    assert.are.same({{7, 7}, {7, 7}}, f:totable())
  end)

  it('take {dtype=} and {device="cpu"}', function()
    local z = torch.zeros_like(x, {dtype = torch.int32})
    assert.are.equal(torch.int32, z.dtype)
    assert.are.same({{0, 0}, {0, 0}}, z:totable())
    assert.are.equal(torch.bool, torch.ones_like(x, {dtype = torch.bool}).dtype)
    assert.are.same({{true, true}, {true, true}}, torch.full_like(x, 3, {dtype = torch.bool}):totable())
    assert.are.equal(torch.uint8, torch.empty_like(x, {dtype = torch.uint8}).dtype)
    H.assert_shape(torch.zeros_like(x, {device = 'cpu'}), {2, 2})
    local msg = error_of(torch.ones_like, x, {device = 'cuda'})
    assert.truthy(msg:find("ones_like: device 'cuda' is not available", 1, true), msg)
  end)

  it('work on non-contiguous and empty inputs', function()
    H.assert_shape(torch.zeros_like(torch.zeros(2, 3):t()), {3, 2})
    assert.is_true(torch.ones_like(torch.zeros(2, 3):t()):is_contiguous())
    H.assert_shape(torch.ones_like(torch.zeros(0, 4)), {0, 4})
  end)

  it('reject a non-tensor', function()
    local msg = error_of(torch.zeros_like, {1, 2})
    assert.truthy(msg:find('tensor expected, got table', 1, true), msg)
  end)
end)

describe('x:new_*', function()
  local x = torch.tensor({1, 2}, {dtype = torch.int32})

  it('use the source dtype unless given', function()
    local z = x:new_zeros(2, 3)
    assert.are.equal(torch.int32, z.dtype)
    assert.are.same({{0, 0, 0}, {0, 0, 0}}, z:totable())
    local o = x:new_ones({2})
    assert.are.equal(torch.int32, o.dtype)
    assert.are.same({1, 1}, o:totable())
    local f = x:new_full({3}, 5)
    assert.are.same({5, 5, 5}, f:totable())
    assert.are.equal(torch.int32, f.dtype)
    H.assert_shape(x:new_empty(4, 1), {4, 1})
    local t = x:new_tensor({{1.9, 2}})
    assert.are.equal(torch.int32, t.dtype)
    assert.are.same({{1, 2}}, t:totable())
    local d = x:new_zeros({2}, {dtype = torch.float64})
    assert.are.equal(torch.float64, d.dtype)
    assert.are.same({2.5}, x:new_tensor({2.5}, {dtype = torch.float32}):totable())
  end)
end)

describe('fill_ and zero_', function()
  it('fill every element in place and return the tensor', function()
    local x = torch.zeros(2, 3)
    local r = x:fill_(2.5)
    assert.are.equal(x, r)
    H.assert_tensor(x, {{2.5, 2.5, 2.5}, {2.5, 2.5, 2.5}}, 0)
    assert.are.equal(x, x:zero_())
    H.assert_tensor(x, {{0, 0, 0}, {0, 0, 0}}, 0)
  end)

  it('convert the value to the dtype', function()
    assert.are.same({3, 3}, torch.zeros(2, {dtype = torch.int64}):fill_(3.9):totable())
    assert.are.same({44}, torch.zeros(1, {dtype = torch.uint8}):fill_(300):totable())
    assert.are.same({true}, torch.zeros(1, {dtype = torch.bool}):fill_(5):totable())
    assert.are.same({1.5}, torch.zeros(1, {dtype = torch.float16}):fill_(1.5):totable())
    assert.are.same({7}, torch.zeros(1):fill_(torch.tensor(7)):totable())
  end)

  it('write through views into the base', function()
    local x = torch.zeros(3, 3)
    x:select(2, 2):fill_(1)
    x:t():select(1, 3):fill_(2) -- column 3 of x
    assert.are.same({{0, 1, 2}, {0, 1, 2}, {0, 1, 2}}, x:totable())
  end)

  it('accept empty tensors and reject non-numbers', function()
    local e = torch.zeros(0, 3)
    assert.are.equal(e, e:fill_(1))
    local msg = error_of(function() return torch.zeros(2):fill_('a') end)
    assert.truthy(msg:find('number expected, got string', 1, true), msg)
  end)
end)

describe('{requires_grad=true}', function()
  local route = torch.Tensor.requires_grad_ and it or pending

  route('marks new float tensors as leaves that require grad', function()
    local makers = {
      function(o) return torch.zeros(2, o) end,
      function(o) return torch.ones({2}, o) end,
      function(o) return torch.empty(2, o) end,
      function(o) return torch.full({2}, 1.5, o) end,
      function(o) return torch.eye(2, o) end,
      function(o) return torch.arange(0, 1, 0.5, o) end,
      function(o) return torch.linspace(0, 1, 3, o) end,
      function(o) return torch.tensor({1.5, 2}, o) end,
      function(o) return torch.zeros_like(torch.ones(2), o) end,
      function(o) return torch.ones(2):new_zeros(2, o) end,
      function(o) return torch.ones(2):new_tensor({1}, o) end,
    }
    for i, make in ipairs(makers) do
      assert.is_true(make({requires_grad = true}).requires_grad, 'maker ' .. i)
      assert.is_false(make({}).requires_grad, 'maker ' .. i)
    end
  end)

  route('is refused for integer tensors', function()
    local msg = error_of(torch.tensor, {1, 2}, {requires_grad = true})
    assert.truthy(msg:find('floating point', 1, true), msg)
  end)
end)

describe('torch.numel', function()
  it('counts elements as function and method', function()
    assert.are.equal(6, torch.numel(torch.zeros(2, 3)))
    assert.are.equal(0, torch.zeros(2, 0):numel())
    assert.are.equal(1, torch.numel(torch.tensor(1)))
  end)
end)
