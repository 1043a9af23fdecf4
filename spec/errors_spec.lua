-- Errors are Lua errors with messages that name the op, the argument and the
-- shapes or dims involved (dims 1-based).
local torch = require 'torch'

-- the message of a call that must fail
local function error_of(fn)
  local ok, err = pcall(fn)
  assert.is_false(ok, 'expected an error')
  return tostring(err)
end

local function assert_finds(msg, plain)
  assert.truthy(msg:find(plain, 1, true), 'message: ' .. msg)
end

describe('argument errors', function()
  it('name the function and the argument position for non-tensors', function()
    assert_finds(error_of(function() return torch.add('a', 'b') end),
      "bad argument #1 to 'add' (tensor expected, got string)")
    assert_finds(error_of(function() return torch.add(nil, 1) end),
      "bad argument #1 to 'add' (tensor expected, got nil)")
    assert_finds(error_of(function() return torch.zeros_like('x') end),
      "bad argument #1 to 'zeros_like' (tensor expected, got string)")
    assert_finds(error_of(function() return torch.reshape({1, 2}, 2) end),
      "bad argument #1 to 'reshape' (tensor expected, got table)")
    assert_finds(error_of(function() return torch.Tensor.size(42) end),
      "bad argument #1 to 'size' (tensor expected, got number)")
  end)

  it('name the bad operand of a tensor op', function()
    local x = torch.ones(2)
    -- with method calls Lua counts the arguments after self
    assert_finds(error_of(function() return x:add('a') end),
      "bad argument #1 to 'add' (number expected, got string)")
    assert_finds(error_of(function() return torch.add(x, 'a') end),
      "bad argument #2 to 'add' (number expected, got string)")
    assert_finds(error_of(function() return x:fill_() end),
      "bad argument #1 to 'fill_' (number expected, got no value)")
    assert_finds(error_of(function() return x + {} end), 'number expected, got table')
  end)

  it('reject a dtype that is not one', function()
    assert_finds(error_of(function() return torch.ones(2, {dtype = 'int7'}) end), "unknown dtype 'int7'")
    assert_finds(error_of(function() return torch.ones(2):to(42) end), 'dtype, device or tensor expected, got number')
  end)
end)

describe('shape errors', function()
  it('show both shapes and the dim for broadcasting', function()
    assert_finds(error_of(function() return torch.ones(2, 3) + torch.ones(4) end),
      'add: shapes [2, 3] and [4] cannot be broadcast (size 3 ~= 4 at dim 2)')
    assert_finds(error_of(function() return torch.ones(2) * torch.ones(3) end),
      'mul: shapes [2] and [3] cannot be broadcast')
  end)

  it('show the shape and size for a view mismatch', function()
    assert_finds(error_of(function() return torch.ones(2, 3):view(4, 2) end),
      'view: shape [4, 2] is invalid for input of size 6')
    assert_finds(error_of(function() return torch.ones(2, 3):reshape(-1, 4) end),
      'reshape: shape [-1, 4] is invalid for input of size 6')
    assert_finds(error_of(function() return torch.ones(3, 2):expand(3, 5) end),
      'expand: cannot expand shape [3, 2] to [3, 5]')
  end)

  it('say which element count item() got', function()
    assert_finds(error_of(function() return torch.ones(2, 2):item() end),
      'item: a tensor with 4 elements (shape [2, 2]) cannot be converted to a number')
  end)
end)

describe('dim errors', function()
  local x = torch.ones(2, 3)

  it('report out-of-range dims 1-based with the valid range', function()
    assert_finds(error_of(function() return x:size(3) end),
      'size: dimension 3 out of range for a 2-D tensor (expected -2 to 2, 1-based)')
    assert_finds(error_of(function() return x:transpose(1, 3) end), 'transpose: dimension 3 out of range')
    assert_finds(error_of(function() return x:select(-3, 1) end), 'select: dimension -3 out of range')
    assert_finds(error_of(function() return x:unsqueeze(4) end), 'unsqueeze: dimension 4 out of range')
    assert_finds(error_of(function() return x:narrow(5, 1, 1) end), 'narrow: dimension 5 out of range')
  end)

  it('explain that 0 is not a dim or an index', function()
    assert_finds(error_of(function() return x:size(0) end), 'dims are 1-based; 0 is not a dim')
    assert_finds(error_of(function() return x:transpose(0, 1) end), 'dims are 1-based')
    assert_finds(error_of(function() return x:squeeze(0) end), 'dims are 1-based')
    assert_finds(error_of(function() return x:permute(0, 1) end), 'dims are 1-based')
    assert_finds(error_of(function() return x:select(1, 0) end), 'indices are 1-based; 0 is not an index')
  end)

  it('report indices out of range with the dim size', function()
    assert_finds(error_of(function() return x:select(2, 4) end),
      'select: index 4 is out of range for dim 2 of size 3')
  end)
end)

describe('closed tensors', function()
  -- a to-be-closed tensor frees its memory at the end of the block
  local function closed()
    local t
    do
      local u <close> = torch.ones(2)
      t = u
    end
    return t
  end

  it('free their memory when the block ends', function()
    local before = torch.memory_live_bytes()
    local t
    do
      local u <close> = torch.ones(1000)
      assert.are.equal(before + 4000, torch.memory_live_bytes())
      t = u
    end
    assert.are.equal(before, torch.memory_live_bytes())
    assert.is_true(torch.is_tensor(t))
  end)

  it('raise "the tensor was closed" on any use', function()
    local t = closed()
    assert_finds(error_of(function() return t + 1 end), 'the tensor was closed')
    assert_finds(error_of(function() return t:size() end), 'the tensor was closed')
    assert_finds(error_of(function() return t.shape end), 'the tensor was closed')
    assert_finds(error_of(function() return #t end), 'the tensor was closed')
    assert_finds(error_of(function() return tostring(t) end), 'the tensor was closed')
    assert_finds(error_of(function() return t:totable() end), 'the tensor was closed')
    assert_finds(error_of(function() return torch.tensor(t) end), 'the tensor was closed')
    assert_finds(error_of(function() return torch.ones(2) + t end), 'the tensor was closed')
    assert_finds(error_of(function() return torch.zeros_like(t) end), 'the tensor was closed')
  end)

  it('leave other views of the same storage usable', function()
    local base = torch.tensor({1, 2, 3})
    do
      local v <close> = base:view(3)
      v:fill_(7)
    end
    assert.are.same({7, 7, 7}, base:totable())
  end)
end)

describe('core errors', function()
  it('carry the position of the Lua caller', function()
    local msg = error_of(function() return torch.ones(2):view(3) end)
    assert.truthy(msg:find('^[^:]*errors_spec.lua:%d+: view: '), msg)
  end)

  it('leave the tensor untouched when an in-place op fails', function()
    local x = torch.tensor({1, 2})
    error_of(function() return x:copy_(torch.ones(3)) end)
    assert.are.same({1, 2}, x:totable())
    assert_finds(error_of(function() return x:copy_(torch.ones(3)) end),
      'copy_: shapes [2] and [3] cannot be broadcast')
  end)
end)
