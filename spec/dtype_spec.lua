-- dtypes: the singletons and their aliases, casts with their value rules, and
-- PyTorch's type promotion for binary ops.
local torch = require 'torch'
local H = require 'spec.helpers'

local names = {'float32', 'float64', 'int64', 'int32', 'uint8', 'bool', 'float16', 'bfloat16'}

describe('dtype objects', function()
  it('exist as singletons named torch.<name>', function()
    for _, n in ipairs(names) do
      local d = torch[n]
      assert.is_not_nil(d, n)
      assert.are.equal('torch.' .. n, tostring(d))
      assert.are.equal(n, d.name)
      -- every tensor of that dtype hands back the very same object
      assert.are.equal(d, torch.zeros(1, {dtype = d}).dtype)
      assert.is_true(rawequal(d, torch.zeros(1, {dtype = d}).dtype))
    end
    assert.are_not.equal(torch.float32, torch.float64)
  end)

  it('have PyTorch aliases', function()
    assert.are.equal(torch.float32, torch.float)
    assert.are.equal(torch.float64, torch.double)
    assert.are.equal(torch.int64, torch.long)
    assert.are.equal(torch.int32, torch.int)
    assert.are.equal(torch.float16, torch.half)
    assert.are.equal('torch.float32', tostring(torch.float))
  end)

  it('know whether they are floating and their item size', function()
    local sizes = {float32 = 4, float64 = 8, int64 = 8, int32 = 4, uint8 = 1, bool = 1, float16 = 2, bfloat16 = 2}
    for _, n in ipairs(names) do
      assert.are.equal(sizes[n], torch[n].itemsize, n)
      assert.are.equal(sizes[n], torch.zeros(1, {dtype = torch[n]}):element_size(), n)
    end
    assert.is_true(torch.float32.is_floating_point)
    assert.is_true(torch.bfloat16.is_floating_point)
    assert.is_false(torch.int64.is_floating_point)
    assert.is_false(torch.bool.is_floating_point)
    assert.is_true(torch.zeros(1, {dtype = torch.float16}):is_floating_point())
    assert.is_false(torch.zeros(1, {dtype = torch.uint8}):is_floating_point())
  end)

  it('can be given by name where a dtype is expected', function()
    assert.are.equal(torch.float64, torch.zeros(1, {dtype = 'float64'}).dtype)
    assert.are.equal(torch.int64, torch.zeros(1, {dtype = 'long'}).dtype)
    local ok, err = pcall(torch.zeros, 1, {dtype = 'float128'})
    assert.is_false(ok)
    assert.truthy(tostring(err):find("unknown dtype 'float128'", 1, true))
    ok, err = pcall(torch.zeros, 1, {dtype = 5})
    assert.is_false(ok)
    assert.truthy(tostring(err):find('dtype', 1, true))
  end)
end)

describe('casts', function()
  local f = torch.tensor({-2.7, -0.5, 0.5, 2.7, 300, -1})

  it('float to int truncates toward zero', function()
    local l = f:long()
    assert.are.equal(torch.int64, l.dtype)
    assert.are.same({-2, 0, 0, 2, 300, -1}, l:totable())
    local i = f:int()
    assert.are.equal(torch.int32, i.dtype)
    assert.are.same({-2, 0, 0, 2, 300, -1}, i:totable())
  end)

  it('to uint8 wraps like C', function()
    local b = torch.tensor({300, -1, 256, 255, 0}):byte()
    assert.are.equal(torch.uint8, b.dtype)
    assert.are.same({44, 255, 0, 255, 0}, b:totable())
    assert.are.same({254, 0, 0, 2, 44, 255}, f:byte():totable())
    assert.are.same({44}, torch.tensor({300}):to(torch.uint8):totable())
  end)

  it('to bool is true for any nonzero value', function()
    assert.are.same({true, true, true, true, true, true}, f:bool():totable())
    assert.are.same({false, true, true, false}, torch.tensor({0, 2, -1, 0}):bool():totable())
    assert.are.same({false, true}, torch.tensor({0.0, 1e-30}):bool():totable())
    assert.are.same({true}, torch.tensor({0 / 0}):bool():totable())
  end)

  it('from bool gives 0 and 1', function()
    local b = torch.tensor({true, false})
    assert.are.same({1.0, 0.0}, b:float():totable())
    assert.are.same({1, 0}, b:long():totable())
    assert.are.same({1, 0}, b:byte():totable())
  end)

  it('to float16 and bfloat16 round to their precision', function()
    local h = torch.tensor({1.5, 0.1, 65504, 70000}):half()
    assert.are.equal(torch.float16, h.dtype)
    local v = h:totable()
    assert.are.equal(1.5, v[1])
    assert.are.equal(0.0999755859375, v[2]) -- nearest float16 to 0.1
    assert.are.equal(65504, v[3])
    assert.are.equal(math.huge, v[4]) -- beyond float16's range
    local bf = torch.tensor({1.5, 0.1}):bfloat16()
    assert.are.equal(torch.bfloat16, bf.dtype)
    assert.are.same({1.5, 0.10009765625}, bf:totable())
    assert.are.same({1.5, 0.0999755859375}, h:float():narrow(1, 1, 2):totable())
  end)

  it('between float32 and float64 keep the float32 value', function()
    local d = torch.tensor({0.1}):double()
    assert.are.equal(torch.float64, d.dtype)
    assert.are_not.equal(0.1, d:item()) -- float32's 0.1
    assert.is_true(math.abs(d:item() - 0.1) < 1e-8)
    assert.are.equal(0.1, torch.tensor({0.1}, {dtype = torch.float64}):item())
  end)

  it('int64 keeps large integers exactly', function()
    local x = torch.tensor({math.maxinteger, math.mininteger})
    assert.are.same({math.maxinteger, math.mininteger}, x:totable())
    assert.are.same({-1, 0}, x:int():totable()) -- C-style wrap to 32 bits
  end)

  it('return x itself when the dtype matches, a new tensor otherwise', function()
    local x = torch.tensor({1.5}, {dtype = torch.float64})
    assert.is_true(rawequal(x, x:to(torch.float64)))
    assert.is_true(rawequal(x, x:double()))
    local y = torch.tensor({1.5})
    assert.is_true(rawequal(y, y:float()))
    local z = x:to(torch.float32)
    assert.is_false(rawequal(x, z))
    assert.are.equal(torch.float32, z.dtype)
    assert.are_not.equal(x:data_ptr(), z:data_ptr())
  end)

  it('to accepts dtypes, names, devices, other tensors and options', function()
    local x = torch.tensor({1, 2})
    assert.are.equal(torch.float64, x:to('float64').dtype)
    assert.are.equal(torch.float64, x:to('cpu', torch.float64).dtype)
    assert.are.equal(torch.int32, x:to(torch.zeros(1, {dtype = torch.int32})).dtype)
    assert.are.equal(torch.float16, x:to({dtype = torch.float16}).dtype)
    assert.is_true(rawequal(x, x:to('cpu')))
    local ok, err = pcall(x.to, x, 'cuda')
    assert.is_false(ok)
    assert.truthy(tostring(err):find("device 'cuda' is not available", 1, true))
  end)

  it('cast non-contiguous views by value', function()
    local x = torch.tensor({{1.5, 2.5}, {3.5, 4.5}}):t()
    assert.are.same({{1, 3}, {2, 4}}, x:long():totable())
    assert.is_true(x:long():is_contiguous())
  end)

  it('x:type() names the tensor type, x:type(dtype) casts', function()
    local expect = {
      float32 = 'torch.FloatTensor', float64 = 'torch.DoubleTensor', int64 = 'torch.LongTensor',
      int32 = 'torch.IntTensor', uint8 = 'torch.ByteTensor', bool = 'torch.BoolTensor',
      float16 = 'torch.HalfTensor', bfloat16 = 'torch.BFloat16Tensor',
    }
    for _, n in ipairs(names) do
      assert.are.equal(expect[n], torch.zeros(1, {dtype = torch[n]}):type(), n)
    end
    local c = torch.tensor({2.5}):type(torch.int64)
    assert.are.equal(torch.int64, c.dtype)
    assert.are.same({2}, c:totable())
  end)
end)

describe('type promotion', function()
  local function dt(n) return {dtype = torch[n]} end

  it('follows the lattice between dimensioned tensors', function()
    assert.are.equal(torch.float32, (torch.ones(2, dt'int64') + torch.ones(2, dt'float32')).dtype)
    assert.are.equal(torch.int64, (torch.ones(2, dt'int32') + torch.ones(2, dt'int64')).dtype)
    assert.are.equal(torch.uint8, (torch.ones(2, dt'uint8') + torch.ones(2, dt'bool')).dtype)
    assert.are.equal(torch.float32, (torch.ones(2, dt'float16') + torch.ones(2, dt'float32')).dtype)
    assert.are.equal(torch.float64, (torch.ones(2, dt'float32') + torch.ones(2, dt'float64')).dtype)
    assert.are.equal(torch.int32, (torch.ones(2, dt'uint8') + torch.ones(2, dt'int32')).dtype)
    assert.are.equal(torch.float16, (torch.ones(2, dt'int64') + torch.ones(2, dt'float16')).dtype)
    -- float16 and bfloat16 have no common 16-bit type
    assert.are.equal(torch.float32, (torch.ones(2, dt'float16') + torch.ones(2, dt'bfloat16')).dtype)
  end)

  it('computes in the promoted type', function()
    local r = torch.tensor({1, 2}) + torch.tensor({0.5, 0.25})
    H.assert_tensor(r, {1.5, 2.25}, 0)
    local u = torch.tensor({250}, dt'uint8') + torch.tensor({10}, dt'int32')
    assert.are.same({260}, u:totable()) -- int32 does not wrap at 256
  end)

  it('lets a 0-dim tensor decide only the category', function()
    local f32 = torch.ones(2)
    assert.are.equal(torch.float32, (torch.tensor(1.5, dt'float64') + f32).dtype)
    assert.are.equal(torch.float32, (f32 + torch.tensor(1.5, dt'float64')).dtype)
    assert.are.equal(torch.int32, (torch.ones(2, dt'int32') + torch.tensor(5)).dtype)
    assert.are.equal(torch.uint8, (torch.ones(2, dt'uint8') + torch.tensor(5, dt'int32')).dtype)
    assert.are.equal(torch.float16, (torch.ones(2, dt'float16') + torch.tensor(5, dt'float64')).dtype)
    -- a higher category wins with the 0-dim tensor's own dtype
    assert.are.equal(torch.float64, (torch.ones(2, dt'int32') + torch.tensor(5.5, dt'float64')).dtype)
    assert.are.equal(torch.float16, (torch.ones(2, dt'int64') + torch.tensor(5, dt'float16')).dtype)
    assert.are.equal(torch.uint8, (torch.ones(2, dt'bool') + torch.tensor(5, dt'uint8')).dtype)
    assert.are.equal(torch.int64, (torch.ones(2, dt'bool') + torch.tensor(5)).dtype)
    -- two 0-dim tensors follow the lattice
    assert.are.equal(torch.float64, (torch.tensor(1, dt'int32') + torch.tensor(5, dt'float64')).dtype)
  end)

  it('treats Lua numbers as weak scalars', function()
    local i = torch.tensor({1, 2})
    assert.are.equal(torch.int64, (i * 2).dtype)
    assert.are.equal(torch.float32, (i + 1.5).dtype)
    H.assert_tensor(i + 1.5, {2.5, 3.5}, 0)
    assert.are.equal(torch.int32, (torch.ones(2, dt'int32') * 3).dtype)
    assert.are.equal(torch.uint8, (torch.ones(2, dt'uint8') + 1).dtype)
    assert.are.equal(torch.float16, (torch.ones(2, dt'float16') * 2.5).dtype)
    assert.are.equal(torch.float64, (torch.ones(2, dt'float64') + 1).dtype)
    assert.are.equal(torch.int64, (torch.ones(2, dt'bool') + 1).dtype)
    assert.are.equal(torch.float32, (torch.ones(2, dt'bool') * 0.5).dtype)
    assert.are.equal(torch.float32, (2.5 - i).dtype)
  end)
end)
