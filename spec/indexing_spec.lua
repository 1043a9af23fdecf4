-- Indexing: x[k], x[k] = v, Torch7 index tables, masks, index tensors, and the
-- index ops (index_select, gather, scatter, index_add_ ..., masked_*, nonzero).
local torch = require 'torch'
local H = require 'spec.helpers'

-- 3x4 float tensor holding 1..12 row by row
local function grid()
  return torch.tensor({{1, 2, 3, 4}, {5, 6, 7, 8}, {9, 10, 11, 12}}, {dtype = torch.float32})
end

local error_of, assert_error_has = H.error_of, H.assert_error_has

describe('x[i] with a number', function()
  it('gives a Lua number for a 1-D tensor', function()
    local x = torch.tensor({10, 20, 30, 40})
    assert.are.equal(10, x[1])
    assert.are.equal(40, x[4])
    assert.are.equal(40, x[-1])
    assert.are.equal(10, x[-4])
    assert.are.equal('number', type(x[2]))
    assert.is_true(math.type(x[2]) == 'integer') -- int64 stays integer
    assert.are.equal(2.5, torch.tensor({1.5, 2.5})[2])
    assert.are.equal(true, torch.tensor({false, true})[2])
  end)

  it('gives a view of a row for a 2-D tensor, sharing storage', function()
    local x = grid()
    local row = x[2]
    H.assert_tensor(row, {5, 6, 7, 8}, 0, {4})
    row:fill_(0)
    H.assert_tensor(x, {{1, 2, 3, 4}, {0, 0, 0, 0}, {9, 10, 11, 12}}, 0)
    H.assert_tensor(x[-1], {9, 10, 11, 12}, 0)
    assert.are.equal(7, x[2][3] + 7) -- x[2][3] is 0 now
  end)

  it('chains to an element', function()
    local x = grid()
    assert.are.equal(7, x[2][3])
    assert.are.equal(12, x[-1][-1])
  end)

  it('accepts a 0-D int64 tensor as a number', function()
    local x = torch.tensor({10, 20, 30})
    assert.are.equal(20, x[torch.tensor(2)])
  end)

  it('errors clearly when out of range', function()
    local x = torch.tensor({1, 2, 3, 4})
    assert_error_has(function() return x[5] end, 'index 5 is out of range for dim 1 of size 4')
    assert_error_has(function() return x[-5] end, 'index -5 is out of range for dim 1 of size 4')
    assert_error_has(function() return x[0] end, 'index 0 is out of range', '1-based')
    assert_error_has(function() return x[1.5] end, 'not an integer')
    assert_error_has(function() return torch.zeros(2, 3)[3] end, 'index 3 is out of range for dim 1 of size 2')
    assert_error_has(function() return torch.zeros(0)[1] end, 'index 1 is out of range for dim 1 of size 0')
    assert_error_has(function() return torch.tensor(5)[1] end, '0-D')
    assert_error_has(function() return x[true] end, 'indexed by a number')
  end)
end)

describe('x[i] = v', function()
  it('sets an element of a 1-D tensor', function()
    local x = torch.zeros(4)
    x[2] = 5
    x[-1] = 7.5
    H.assert_tensor(x, {0, 5, 0, 7.5}, 0)
    local b = torch.zeros(2, {dtype = torch.bool})
    b[1] = true
    H.assert_tensor(b, {true, false})
  end)

  it('fills a row with a number or copies a broadcast tensor into it', function()
    local x = torch.zeros(3, 4)
    x[2] = 1
    x[3] = torch.tensor({1, 2, 3, 4})
    x[1] = torch.tensor({9}) -- broadcast
    H.assert_tensor(x, {{9, 9, 9, 9}, {1, 1, 1, 1}, {1, 2, 3, 4}}, 0)
    local y = torch.zeros(2, 2, 2)
    y[-1] = torch.tensor({{1, 2}, {3, 4}})
    H.assert_tensor(y, {{{0, 0}, {0, 0}}, {{1, 2}, {3, 4}}}, 0)
  end)

  it('sets a 1-D slot from a one-element tensor', function()
    local x = torch.zeros(3)
    x[2] = torch.tensor(4.0)
    H.assert_tensor(x, {0, 4, 0}, 0)
  end)

  it('errors on a bad slot, a bad value, or a shape that does not broadcast', function()
    local x = torch.zeros(3, 4)
    assert_error_has(function() x[4] = 1 end, 'index 4 is out of range for dim 1 of size 3')
    assert_error_has(function() x[1] = 'a' end, 'must be a number, a boolean or a tensor')
    assert_error_has(function() x[1] = torch.zeros(3) end, '[3]', '[4]')
    H.assert_tensor(x, {{0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}}, 0)
  end)
end)

describe('Torch7 index tables', function()
  it('takes inclusive ranges as views', function()
    local x = grid()
    local v = x[{ {}, {2, 4} }]
    H.assert_tensor(v, {{2, 3, 4}, {6, 7, 8}, {10, 11, 12}}, 0, {3, 3})
    v:fill_(0)
    H.assert_tensor(x, {{1, 0, 0, 0}, {5, 0, 0, 0}, {9, 0, 0, 0}}, 0)
  end)

  it('writes through x[{ {}, {2, 3} }] into x', function()
    local x = grid()
    local v = x[{ {}, {2, 3} }]
    v[1][1] = 100
    v[{ 3, 2 }] = 200
    assert.are.equal(100, x[1][2])
    assert.are.equal(200, x[3][3])
  end)

  it('selects with a number and keeps the rest', function()
    local x = grid()
    H.assert_tensor(x[{ 3, {} }], {9, 10, 11, 12}, 0, {4})
    H.assert_tensor(x[{ {}, 2 }], {2, 6, 10}, 0, {3})
    H.assert_tensor(x[{ 2 }], {5, 6, 7, 8}, 0, {4})
    H.assert_tensor(x[{}], {{1, 2, 3, 4}, {5, 6, 7, 8}, {9, 10, 11, 12}}, 0, {3, 4})
  end)

  it('keeps the dim for a range of one', function()
    local x = grid()
    H.assert_tensor(x[{ {2} }], {{5, 6, 7, 8}}, 0, {1, 4})
    H.assert_tensor(x[{ {}, {3} }], {{3}, {7}, {11}}, 0, {3, 1})
  end)

  it('counts negative positions from the end', function()
    local x = grid()
    H.assert_tensor(x[{ {-2, -1} }], {{5, 6, 7, 8}, {9, 10, 11, 12}}, 0, {2, 4})
    H.assert_tensor(x[{ -1, {-3, -2} }], {10, 11}, 0, {2})
    H.assert_tensor(x[{ {2, -1}, -1 }], {8, 12}, 0, {2})
  end)

  it('gives a Lua number when every dim gets a number', function()
    local x = grid()
    assert.are.equal(7, x[{ 2, 3 }])
    assert.are.equal(12, x[{ -1, -1 }])
    assert.are.equal(30, torch.tensor({10, 20, 30})[{ 3 }])
    local y = torch.arange(24):view(2, 3, 4)
    assert.are.equal(23, y[{ 2, 3, 4 }])
    H.assert_tensor(y[{ 2, 3 }], {20, 21, 22, 23}, 0, {4})
  end)

  it('takes step ranges', function()
    local x = torch.arange(1, 11)
    H.assert_tensor(x[{ {1, 10, 2} }], {1, 3, 5, 7, 9}, 0, {5})
    H.assert_tensor(x[{ {2, -1, 3} }], {2, 5, 8}, 0, {3})
    local v = x[{ {1, 10, 4} }]
    v:fill_(0)
    H.assert_tensor(x, {0, 2, 3, 4, 0, 6, 7, 8, 0, 10}, 0)
  end)

  it('gives an empty view for a range that ends just before it starts', function()
    local x = grid()
    H.assert_shape(x[{ {3, 2} }], {0, 4})
    H.assert_shape(x[{ {}, {5, 4} }], {3, 0})
  end)

  it('x[{}] is a new view of the whole tensor', function()
    local x = grid()
    local v = x[{}]
    assert.are_not.equal(x, v)
    v[{ 1, 1 }] = -7
    assert.are.equal(-7, x[1][1])
  end)

  it('indexes non-contiguous tensors', function()
    local xt = grid():t() -- [4, 3]: xt[i][j] = grid[j][i]
    H.assert_tensor(xt[{ {2, 3}, -1 }], {10, 11}, 0, {2})
    H.assert_tensor(xt[{ {1, 4, 2}, {1, 2} }], {{1, 5}, {3, 7}}, 0, {2, 2})
    assert.are.equal(8, xt[{ 4, 2 }])
    H.assert_tensor(xt[2], {2, 6, 10}, 0)
    local x = grid()
    x:t()[{ {}, 1 }] = 0 -- first column of the transpose is the first row of x
    H.assert_tensor(x[1], {0, 0, 0, 0}, 0)
  end)

  it('handles zero-size tensors', function()
    local z = torch.zeros(0, 3)
    H.assert_shape(z[{ {}, {2, 3} }], {0, 2})
    H.assert_shape(z[{ {}, 1 }], {0})
    assert_error_has(function() return z[{ 1 }] end, 'index 1 is out of range for dim 1 of size 0')
  end)

  it('takes an index tensor entry along its dim', function()
    local x = grid()
    H.assert_tensor(x[{ {}, torch.tensor({4, 1}) }], {{4, 1}, {8, 5}, {12, 9}}, 0, {3, 2})
    H.assert_tensor(x[{ 2, torch.tensor({3, 3}) }], {7, 7}, 0, {2})
    x[{ {}, torch.tensor({1, 4}) }] = 0
    H.assert_tensor(x, {{0, 2, 3, 0}, {0, 6, 7, 0}, {0, 10, 11, 0}}, 0)
    x[{ {1, 2}, torch.tensor({2}) }] = torch.tensor({{-1}, {-2}})
    H.assert_tensor(x, {{0, -1, 3, 0}, {0, -2, 7, 0}, {0, 10, 11, 0}}, 0)
  end)

  it('errors on bad tables with clear messages', function()
    local x = grid()
    assert_error_has(function() return x[{ 1, 2, 3 }] end, '3 entries for a 2-D tensor')
    assert_error_has(function() return x[{ {}, {2, 5} }] end, 'range {2, 5} is out of range for dim 2 of size 4')
    assert_error_has(function() return x[{ {0, 2} }] end, '1-based')
    assert_error_has(function() return x[{ {3, 1} }] end, 'range {3, 1}')
    assert_error_has(function() return x[{ {1, 2, 0} }] end, 'step')
    assert_error_has(function() return x[{ {1, 2, 3, 4} }] end, '4 entries')
    assert_error_has(function() return x[{ 'a' }] end, 'entry 1 of the index table')
    assert_error_has(function() return x[{ 4, 1 }] end, 'index 4 is out of range for dim 1 of size 3')
    assert_error_has(function() return x[{ 1, -5 }] end, 'index -5 is out of range for dim 2 of size 4')
    assert_error_has(function() return x[{ {}, torch.tensor({1.0}) }] end, 'float32')
  end)
end)

describe('assignment through index tables', function()
  it('fills a column with a number', function()
    local x = grid()
    x[{ {}, 1 }] = 0
    H.assert_tensor(x, {{0, 2, 3, 4}, {0, 6, 7, 8}, {0, 10, 11, 12}}, 0)
  end)

  it('copies a tensor into a block', function()
    local x = grid()
    x[{ {1, 2}, {} }] = torch.tensor({{-1, -2, -3, -4}, {-5, -6, -7, -8}})
    H.assert_tensor(x, {{-1, -2, -3, -4}, {-5, -6, -7, -8}, {9, 10, 11, 12}}, 0)
    x[{ {2, 3}, {3, 4} }] = torch.tensor({100, 200}) -- broadcast over rows
    H.assert_tensor(x, {{-1, -2, -3, -4}, {-5, -6, 100, 200}, {9, 10, 100, 200}}, 0)
  end)

  it('sets one element', function()
    local x = grid()
    x[{ 3, -1 }] = 99
    assert.are.equal(99, x[3][4])
  end)

  it('copies between overlapping parts of the same tensor correctly', function()
    local x = torch.tensor({1, 2, 3, 4, 5})
    x[{ {2, 5} }] = x[{ {1, 4} }]
    H.assert_tensor(x, {1, 1, 2, 3, 4}, 0)
  end)

  it('casts the value to the tensor dtype', function()
    local x = torch.zeros(2, 2, {dtype = torch.int64})
    x[{ {}, 2 }] = torch.tensor({1.0, 2.0})
    H.assert_tensor(x, {{0, 1}, {0, 2}}, 0)
    assert.are.equal(torch.int64, x.dtype)
  end)
end)

describe('boolean masks as keys', function()
  it('x[x:gt(0)] selects into a 1-D copy', function()
    local x = torch.tensor({{1, -2, 3}, {-4, 5, -6}}, {dtype = torch.float32})
    local sel = x[x:gt(0)]
    H.assert_tensor(sel, {1, 3, 5}, 0, {3})
    sel:fill_(0) -- a copy: x keeps its values
    H.assert_tensor(x, {{1, -2, 3}, {-4, 5, -6}}, 0)
  end)

  it('selects nothing from an all-false mask', function()
    local x = torch.tensor({1, 2, 3})
    local sel = x[x:gt(10)]
    H.assert_shape(sel, {0})
    assert.are.equal(x.dtype, sel.dtype)
    x[x:gt(10)] = 0
    H.assert_tensor(x, {1, 2, 3}, 0)
  end)

  it('x[mask] = number fills', function()
    local x = torch.tensor({{1, -2}, {-3, 4}}, {dtype = torch.float64})
    x[x:lt(0)] = 0
    H.assert_tensor(x, {{1, 0}, {0, 4}}, 0)
  end)

  it('x[mask] = tensor scatters values in row-major order', function()
    local x = torch.zeros(2, 3)
    local mask = torch.tensor({{true, false, true}, {false, true, false}})
    x[mask] = torch.tensor({7, 8, 9}, {dtype = torch.float32})
    H.assert_tensor(x, {{7, 0, 8}, {0, 9, 0}}, 0)
    x[mask] = torch.tensor({5}) -- one value for all
    H.assert_tensor(x, {{5, 0, 5}, {0, 5, 0}}, 0)
  end)

  it('accepts uint8 masks', function()
    local x = torch.tensor({10, 20, 30})
    local mask = torch.tensor({1, 0, 1}, {dtype = torch.uint8})
    H.assert_tensor(x[mask], {10, 30}, 0)
    x[mask] = -1
    H.assert_tensor(x, {-1, 20, -1}, 0)
  end)

  it('a mask over the leading dims selects whole rows', function()
    local x = grid()
    local rows = torch.tensor({true, false, true})
    H.assert_tensor(x[rows], {{1, 2, 3, 4}, {9, 10, 11, 12}}, 0, {2, 4})
    H.assert_shape(x[torch.tensor({false, false, false})], {0, 4})
    x[rows] = 0
    H.assert_tensor(x, {{0, 0, 0, 0}, {5, 6, 7, 8}, {0, 0, 0, 0}}, 0)
    x[rows] = torch.tensor({1, 2, 3, 4}) -- broadcast to each selected row
    H.assert_tensor(x, {{1, 2, 3, 4}, {5, 6, 7, 8}, {1, 2, 3, 4}}, 0)
    x[rows] = torch.tensor({{-1, -1, -1, -1}, {-2, -2, -2, -2}})
    H.assert_tensor(x, {{-1, -1, -1, -1}, {5, 6, 7, 8}, {-2, -2, -2, -2}}, 0)
  end)

  it('errors when the mask does not match the leading dims', function()
    local x = grid()
    assert_error_has(function() return x[torch.tensor({true, false})] end, 'mask shape [2]', '[3, 4]')
    assert_error_has(function() return x[torch.zeros(3, 4)] end, 'float32')
    assert_error_has(function() x[x:gt(0)] = torch.tensor({1, 2}) end, 'has 2 elements but the mask selects 12')
  end)
end)

describe('index tensors as keys', function()
  it('data[perm] gathers rows (1-based positions)', function()
    local data = grid()
    local perm = torch.tensor({3, 1, 2})
    H.assert_tensor(data[perm], {{9, 10, 11, 12}, {1, 2, 3, 4}, {5, 6, 7, 8}}, 0, {3, 4})
    local labels = torch.tensor({10, 20, 30})
    H.assert_tensor(labels[perm], {30, 10, 20}, 0, {3})
    -- a copy, not a view
    data[perm]:fill_(0)
    assert.are.equal(1, data[1][1])
  end)

  it('shuffles a dataset with torch.randperm', function()
    if not torch.randperm then
      pending('torch.randperm is not there yet')
      return
    end
    local n = 50
    local data = torch.arange(1, n + 1):view(n, 1):expand(n, 3):contiguous()
    local perm = torch.randperm(n)
    local shuffled = data[perm]
    H.assert_shape(shuffled, {n, 3})
    local seen = {}
    for i = 1, n do
      local row = shuffled[i]
      assert.are.equal(perm[i], row[1]) -- row i is data row perm[i]
      assert.are.equal(row[1], row[3])
      seen[row[1]] = true
    end
    for v = 1, n do assert.is_true(seen[v]) end
  end)

  it('repeats rows and keeps the index shape', function()
    local x = torch.tensor({10, 20, 30, 40})
    H.assert_tensor(x[torch.tensor({4, 4, 1})], {40, 40, 10}, 0)
    local idx = torch.tensor({{1, 2}, {4, 3}})
    H.assert_tensor(x[idx], {{10, 20}, {40, 30}}, 0, {2, 2})
    H.assert_tensor(grid()[torch.tensor({{1, 2}, {3, 3}})],
      {{{1, 2, 3, 4}, {5, 6, 7, 8}}, {{9, 10, 11, 12}, {9, 10, 11, 12}}}, 0, {2, 2, 4})
  end)

  it('works with int32 index tensors and empty ones', function()
    local x = torch.tensor({10, 20, 30})
    H.assert_tensor(x[torch.tensor({2, 3}, {dtype = torch.int32})], {20, 30}, 0)
    local empty = torch.zeros(0, {dtype = torch.int64})
    H.assert_shape(x[empty], {0})
    H.assert_shape(grid()[empty], {0, 4})
  end)

  it('x[idx] = number fills rows; x[idx] = tensor copies rows', function()
    local x = torch.zeros(4, 2)
    x[torch.tensor({2, 4})] = 1
    H.assert_tensor(x, {{0, 0}, {1, 1}, {0, 0}, {1, 1}}, 0)
    x[torch.tensor({1, 3})] = torch.tensor({{5, 6}, {7, 8}})
    H.assert_tensor(x, {{5, 6}, {1, 1}, {7, 8}, {1, 1}}, 0)
    x[torch.tensor({4})] = torch.tensor({9, 9}) -- broadcast
    H.assert_tensor(x, {{5, 6}, {1, 1}, {7, 8}, {9, 9}}, 0)
    local v = torch.zeros(3)
    v[torch.tensor({1, 3})] = torch.tensor({-1, -3})
    H.assert_tensor(v, {-1, 0, -3}, 0)
  end)

  it('errors on out-of-range positions naming the 1-based value, and writes nothing', function()
    local x = torch.tensor({1, 2, 3, 4})
    assert_error_has(function() return x[torch.tensor({1, 5})] end, 'index 5 is out of range for dim 1 of size 4')
    assert_error_has(function() return x[torch.tensor({0})] end, 'index 0 is out of range')
    assert_error_has(function() x[torch.tensor({2, 7})] = 0 end, 'index 7 is out of range for dim 1 of size 4')
    assert_error_has(function() x[torch.tensor({2, 9})] = torch.tensor({5, 5}) end, 'index 9 is out of range')
    H.assert_tensor(x, {1, 2, 3, 4}, 0)
    assert_error_has(function() x[torch.tensor({1, 2})] = torch.tensor({1, 2, 3}) end, '[3]', '[2]')
  end)
end)

describe('index_select', function()
  it('selects along a dim with 1-based positions', function()
    local x = grid()
    H.assert_tensor(x:index_select(1, torch.tensor({3, 1})), {{9, 10, 11, 12}, {1, 2, 3, 4}}, 0, {2, 4})
    H.assert_tensor(x:index_select(2, torch.tensor({4, 2, 2})), {{4, 2, 2}, {8, 6, 6}, {12, 10, 10}}, 0, {3, 3})
    H.assert_tensor(torch.index_select(x, -1, torch.tensor({1})), {{1}, {5}, {9}}, 0, {3, 1})
  end)

  it('works on non-contiguous inputs and every dtype', function()
    local xt = grid():t() -- [4, 3], strided
    H.assert_tensor(xt:index_select(1, torch.tensor({2, 4})), {{2, 6, 10}, {4, 8, 12}}, 0)
    H.assert_tensor(xt:index_select(2, torch.tensor({3})), {{9}, {10}, {11}, {12}}, 0)
    for _, dt in ipairs({torch.float32, torch.float64, torch.int64, torch.int32, torch.uint8}) do
      local y = torch.tensor({{1, 2}, {3, 4}}, {dtype = dt})
      local r = y:index_select(1, torch.tensor({2, 1}))
      assert.are.equal(dt, r.dtype)
      H.assert_tensor(r, {{3, 4}, {1, 2}}, 0)
    end
    local b = torch.tensor({true, false, true})
    H.assert_tensor(b:index_select(1, torch.tensor({2, 3})), {false, true})
  end)

  it('copies whole rows of a large float32 matrix', function()
    local n, d = 300, 257
    local x = torch.arange(n * d):view(n, d):float()
    local idx = torch.tensor({300, 1, 150})
    local r = x:index_select(1, idx)
    H.assert_shape(r, {3, d})
    assert.are.equal(299 * d, r[1][1])
    assert.are.equal(299 * d + d - 1, r[1][d])
    assert.are.equal(0, r[2][1])
    assert.are.equal(149 * d + 5, r[3][6])
  end)

  it('handles empty indices and zero-size inputs', function()
    local x = grid()
    H.assert_shape(x:index_select(2, torch.zeros(0, {dtype = torch.int64})), {3, 0})
    H.assert_shape(torch.zeros(0, 3):index_select(2, torch.tensor({1, 3})), {0, 2})
  end)

  it('errors on bad indices', function()
    local x = grid()
    assert_error_has(function() x:index_select(2, torch.tensor({5})) end,
      'index_select: index 5 is out of range for dim 2 of size 4')
    assert_error_has(function() x:index_select(1, torch.tensor({1.0})) end, 'index_select', 'int64', 'float32')
    assert_error_has(function() x:index_select(1, torch.tensor({{1}})) end, 'index_select', '[1, 1]')
    assert_error_has(function() x:index_select(3, torch.tensor({1})) end, 'index_select', 'dimension 3')
  end)
end)

describe('gather', function()
  it('gathers along dim 2 (picking one class score per row)', function()
    local scores = torch.tensor({{0.1, 0.7, 0.2}, {0.5, 0.3, 0.2}}, {dtype = torch.float64})
    local targets = torch.tensor({{2}, {1}})
    H.assert_tensor(scores:gather(2, targets), {{0.7}, {0.5}}, 1e-12, {2, 1})
    H.assert_tensor(torch.gather(scores, 2, torch.tensor({{3, 1}, {2, 2}})), {{0.2, 0.1}, {0.3, 0.3}}, 1e-12)
  end)

  it('gathers along dim 1 with a smaller index', function()
    local x = grid()
    H.assert_tensor(x:gather(1, torch.tensor({{3, 1}, {2, 3}})), {{9, 2}, {5, 10}}, 0, {2, 2})
    H.assert_tensor(x:gather(-2, torch.tensor({{1, 1, 1, 1}})), {{1, 2, 3, 4}}, 0)
  end)

  it('errors on shape and range problems', function()
    local x = grid()
    assert_error_has(function() x:gather(2, torch.tensor({1, 2})) end, 'gather', '[2]', '[3, 4]')
    assert_error_has(function() x:gather(2, torch.tensor({{1}, {1}, {1}, {1}})) end, 'gather', 'larger', 'dim 1')
    assert_error_has(function() x:gather(2, torch.tensor({{1}, {5}})) end,
      'gather: index 5 is out of range for dim 2 of size 4')
  end)
end)

describe('scatter', function()
  it('scatters a tensor along dim 2', function()
    local x = torch.zeros(2, 4)
    local r = x:scatter(2, torch.tensor({{2, 4}, {1, 3}}), torch.tensor({{1, 2}, {3, 4}}, {dtype = torch.float32}))
    H.assert_tensor(r, {{0, 1, 0, 2}, {3, 0, 4, 0}}, 0)
    H.assert_tensor(x, {{0, 0, 0, 0}, {0, 0, 0, 0}}, 0) -- out of place
  end)

  it('scatter_ with a number writes in place and returns self', function()
    local x = torch.zeros(3, 2, {dtype = torch.int64})
    local r = x:scatter_(1, torch.tensor({{3, 1}}), 7)
    assert.are.equal(x, r)
    H.assert_tensor(x, {{0, 7}, {0, 0}, {7, 0}}, 0)
  end)

  it('one-hot encodes labels', function()
    local labels = torch.tensor({{3}, {1}, {2}})
    local onehot = torch.zeros(3, 4):scatter_(2, labels, 1)
    H.assert_tensor(onehot, {{0, 0, 1, 0}, {1, 0, 0, 0}, {0, 1, 0, 0}}, 0)
  end)

  it('scatter_add_ adds repeated positions', function()
    local x = torch.zeros(5, {dtype = torch.float64})
    x:scatter_add_(1, torch.tensor({1, 3, 1, 5, 1}), torch.tensor({1, 2, 3, 4, 5}, {dtype = torch.float64}))
    H.assert_tensor(x, {9, 0, 2, 0, 4}, 0)
    local c = torch.zeros(3, {dtype = torch.int64})
    c:scatter_add_(1, torch.tensor({2, 2, 2}), torch.tensor({1, 1, 1}))
    H.assert_tensor(c, {0, 3, 0}, 0)
    local out = torch.scatter_add(torch.ones(2, 2), 2, torch.tensor({{1, 1}, {2, 1}}), torch.ones(2, 2))
    H.assert_tensor(out, {{3, 1}, {2, 2}}, 0)
  end)

  it('scatters and adds in every numeric dtype', function()
    for _, dt in ipairs({torch.float32, torch.float64, torch.int64, torch.int32, torch.uint8}) do
      local x = torch.zeros(2, 3, {dtype = dt})
      local idx = torch.tensor({{3, 3}, {1, 2}})
      local src = torch.tensor({{1, 2}, {3, 4}}, {dtype = dt})
      x:scatter_add_(2, idx, src)
      assert.are.equal(dt, x.dtype)
      H.assert_tensor(x, {{0, 0, 3}, {3, 4, 0}}, 0)
      x:scatter_(2, idx, src)
      H.assert_tensor(x, {{0, 0, 2}, {3, 4, 0}}, 0)
      H.assert_tensor(x:gather(2, torch.tensor({{3}, {2}})), {{2}, {4}}, 0)
    end
    local b = torch.zeros(3, {dtype = torch.bool})
    b:scatter_add_(1, torch.tensor({2, 2}), torch.tensor({true, true}))
    H.assert_tensor(b, {false, true, false})
  end)

  it('casts a source of another dtype and accepts int32 indices', function()
    local x = torch.zeros(3, {dtype = torch.float64})
    x:scatter_(1, torch.tensor({3, 1}, {dtype = torch.int32}), torch.tensor({7, 8}))
    H.assert_tensor(x, {8, 0, 7}, 0)
  end)

  it('checks every index before writing anything', function()
    local x = torch.zeros(4)
    assert_error_has(function() x:scatter_(1, torch.tensor({1, 2, 9}), 5) end,
      'scatter_: index 9 is out of range for dim 1 of size 4')
    H.assert_tensor(x, {0, 0, 0, 0}, 0)
    assert_error_has(function() x:scatter_add_(1, torch.tensor({0}), torch.ones(1)) end, 'index 0')
    assert_error_has(function() x:scatter_(1, torch.tensor({1, 2}), torch.ones(1)) end, 'larger than the source')
    assert_error_has(function() x:scatter_(1, torch.tensor({1})) end, 'scatter_')
  end)
end)

describe('index_add_, index_copy_, index_fill_', function()
  it('index_add_ accumulates slices, with alpha', function()
    local x = torch.ones(3, 2)
    x:index_add_(1, torch.tensor({1, 3, 1}), torch.tensor({{1, 2}, {3, 4}, {5, 6}}, {dtype = torch.float32}))
    H.assert_tensor(x, {{7, 9}, {1, 1}, {4, 5}}, 0)
    x:index_add_(2, torch.tensor({2}), torch.ones(3, 1), {alpha = 10})
    H.assert_tensor(x, {{7, 19}, {1, 11}, {4, 15}}, 0)
    local i = torch.zeros(2, {dtype = torch.int64})
    i:index_add_(1, torch.tensor({2, 2}), torch.tensor({4611686018427387904, 1}))
    assert.are.equal(4611686018427387905, i[2]) -- exact in int64
  end)

  it('index_copy_ copies slices; index_fill_ fills them', function()
    local x = torch.zeros(2, 4)
    x:index_copy_(2, torch.tensor({4, 1}), torch.tensor({{1, 2}, {3, 4}}, {dtype = torch.float32}))
    H.assert_tensor(x, {{2, 0, 0, 1}, {4, 0, 0, 3}}, 0)
    local r = x:index_fill_(1, torch.tensor({2}), -1)
    assert.are.equal(x, r)
    H.assert_tensor(x, {{2, 0, 0, 1}, {-1, -1, -1, -1}}, 0)
  end)

  it('works along inner dims of 3-D tensors and in other dtypes', function()
    local x = torch.zeros(2, 3, 2, {dtype = torch.float64})
    x:index_add_(2, torch.tensor({3, 1}), torch.ones(2, 2, 2, {dtype = torch.float64}))
    H.assert_tensor(x, {{{1, 1}, {0, 0}, {1, 1}}, {{1, 1}, {0, 0}, {1, 1}}}, 0)
    local i = torch.zeros(2, 2, {dtype = torch.int32})
    i:index_copy_(-1, torch.tensor({2}), torch.tensor({{5}, {6}}, {dtype = torch.int32}))
    H.assert_tensor(i, {{0, 5}, {0, 6}}, 0)
    i:index_fill_(1, torch.tensor({1}, {dtype = torch.int32}), 3)
    H.assert_tensor(i, {{3, 3}, {0, 6}}, 0)
  end)

  it('has out-of-place forms that leave the input alone', function()
    local x = torch.zeros(3)
    H.assert_tensor(x:index_fill(1, torch.tensor({2}), 5), {0, 5, 0}, 0)
    H.assert_tensor(x:index_add(1, torch.tensor({3}), torch.ones(1)), {0, 0, 1}, 0)
    H.assert_tensor(torch.index_copy(x, 1, torch.tensor({1}), torch.tensor({4.0})), {4, 0, 0}, 0)
    H.assert_tensor(x, {0, 0, 0}, 0)
  end)

  it('errors on a wrong source shape or index without touching the target', function()
    local x = torch.zeros(3, 2)
    assert_error_has(function() x:index_add_(1, torch.tensor({1, 2}), torch.ones(3, 2)) end,
      'index_add_', '[3, 2]', '[2, 2]')
    assert_error_has(function() x:index_copy_(1, torch.tensor({1, 4}), torch.ones(2, 2)) end,
      'index_copy_: index 4 is out of range for dim 1 of size 3')
    assert_error_has(function() x:index_fill_(2, torch.tensor({3}), 1) end,
      'index_fill_: index 3 is out of range for dim 2 of size 2')
    H.assert_tensor(x, {{0, 0}, {0, 0}, {0, 0}}, 0)
  end)
end)

describe('masked ops', function()
  it('masked_fill broadcasts the mask and leaves the input alone', function()
    local x = torch.tensor({{1, 2, 3}, {4, 5, 6}}, {dtype = torch.float32})
    local mask = torch.tensor({{true, false, true}})
    H.assert_tensor(x:masked_fill(mask, -1), {{-1, 2, -1}, {-1, 5, -1}}, 0)
    H.assert_tensor(x, {{1, 2, 3}, {4, 5, 6}}, 0)
    H.assert_tensor(torch.masked_fill(x, x:gt(4), 0), {{1, 2, 3}, {4, 0, 0}}, 0)
    -- out of place, the result takes the broadcast shape
    H.assert_shape(torch.tensor({1, 2}):masked_fill(torch.tensor({{true}, {false}}), 0), {2, 2})
  end)

  it('masked_fill_ writes in place, returns self, and casts the value', function()
    local x = torch.tensor({1, 2, 3})
    local r = x:masked_fill_(x:ne(2), 9.7)
    assert.are.equal(x, r)
    H.assert_tensor(x, {9, 2, 9}, 0) -- int64 keeps int64
    local f = torch.tensor({1.0, -math.huge})
    f:masked_fill_(f:lt(0), 0)
    H.assert_tensor(f, {1, 0}, 0)
  end)

  it('masked_fill_ and masked_select work in every dtype', function()
    local mask = torch.tensor({true, false, true})
    for _, dt in ipairs({torch.float32, torch.float64, torch.int64, torch.int32, torch.uint8}) do
      local x = torch.tensor({1, 2, 3}, {dtype = dt})
      H.assert_tensor(x:masked_select(mask), {1, 3}, 0)
      x:masked_fill_(mask, 9)
      H.assert_tensor(x, {9, 2, 9}, 0)
      assert.are.equal(dt, x.dtype)
    end
    local b = torch.tensor({true, true, false})
    H.assert_tensor(b:masked_fill(mask, false), {false, true, false})
  end)

  it('masked ops follow a large random mask exactly', function()
    local n = 100003
    local x = torch.arange(n):float()
    local mask = torch.arange(n):remainder(3):eq(1) -- every third element
    local sel = x:masked_select(mask)
    assert.are.equal(33334, sel:numel())
    assert.are.equal(1, sel[1])
    assert.are.equal(100000, sel[-1])
    local y = x:masked_fill(mask, -1)
    assert.are.equal(-1, y[2])
    assert.are.equal(3, y[4])
    assert.are.equal(-1, y[100001])
  end)

  it('masked_select gives a 1-D copy in row-major order', function()
    local x = grid()
    H.assert_tensor(x:masked_select(x:gt(9)), {10, 11, 12}, 0, {3})
    H.assert_tensor(x:t():masked_select(x:t():lt(3)), {1, 2}, 0)
    H.assert_tensor(torch.masked_select(x, torch.tensor({true, false, false, true})), {1, 4, 5, 8, 9, 12}, 0)
    H.assert_shape(torch.zeros(0, 3):masked_select(torch.tensor({true, true, true})), {0})
  end)

  it('masked_scatter_ takes consecutive source values', function()
    local x = torch.zeros(2, 3)
    local mask = torch.tensor({{false, true, true}, {true, false, false}})
    local r = x:masked_scatter_(mask, torch.tensor({{1, 2, 3}, {4, 5, 6}}, {dtype = torch.float32}))
    assert.are.equal(x, r)
    H.assert_tensor(x, {{0, 1, 2}, {3, 0, 0}}, 0)
    local y = torch.zeros(3):masked_scatter(torch.tensor({true, false, true}), torch.tensor({7.0, 8.0}))
    H.assert_tensor(y, {7, 0, 8}, 0)
  end)

  it('errors on a wrong mask dtype or shape, or a short source', function()
    local x = torch.zeros(2, 3)
    assert_error_has(function() x:masked_fill(torch.ones(2, 3), 1) end, 'masked_fill', 'bool or uint8', 'float32')
    assert_error_has(function() x:masked_fill_(torch.tensor({true, false}), 1) end, 'masked_fill_', '[2]', '[2, 3]')
    assert_error_has(function() x:masked_fill_(torch.ones(2, 2, 3, {dtype = torch.bool}), 1) end,
      'masked_fill_', '[2, 2, 3]')
    assert_error_has(function() x:masked_select(torch.zeros(4, {dtype = torch.bool})) end, 'masked_select', '[4]')
    assert_error_has(function() x:masked_scatter_(torch.ones(2, 3, {dtype = torch.bool}), torch.ones(5)) end,
      'masked_scatter_', '5 elements but the mask selects 6')
    H.assert_tensor(x, {{0, 0, 0}, {0, 0, 0}}, 0)
  end)
end)

describe('nonzero', function()
  it('gives 1-based positions as [n, ndim] int64', function()
    local x = torch.tensor({{0, 3, 0}, {4, 0, 5}})
    local nz = x:nonzero()
    assert.are.equal(torch.int64, nz.dtype)
    H.assert_tensor(nz, {{1, 2}, {2, 1}, {2, 3}}, 0, {3, 2})
    H.assert_tensor(torch.nonzero(torch.tensor({0.0, -0.0, 2.5, 0/0})), {{3}, {4}}, 0, {2, 1})
  end)

  it('gives an [0, ndim] result for all zeros and handles zero-size tensors', function()
    H.assert_shape(torch.zeros(2, 3):nonzero(), {0, 2})
    H.assert_shape(torch.zeros(0, 4):nonzero(), {0, 2})
    H.assert_shape(torch.tensor(5):nonzero(), {1, 0})
  end)

  it('works on bool tensors and non-contiguous views; as_tuple splits the columns', function()
    local x = torch.tensor({{true, false}, {true, true}})
    H.assert_tensor(x:t():nonzero(), {{1, 1}, {1, 2}, {2, 2}}, 0)
    local cols = x:nonzero({as_tuple = true})
    assert.are.equal(2, #cols)
    H.assert_tensor(cols[1], {1, 2, 2}, 0)
    H.assert_tensor(cols[2], {1, 1, 2}, 0)
  end)

  it('round-trips with index_select: the positions pick the nonzero values', function()
    local v = torch.tensor({0, 7, 0, 8})
    local pos = v:nonzero():view(-1)
    H.assert_tensor(v:index_select(1, pos), {7, 8}, 0)
    H.assert_tensor(v[pos], {7, 8}, 0)
  end)
end)
