-- torch.utils.data: TensorDataset, Subset, ConcatDataset, random_split,
-- default collation and the DataLoader on both of its paths (C loader with
-- and without worker threads, Lua get + collate), which must agree.
local torch = require 'torch'
local H = require 'spec.helpers'
local data = torch.utils.data

-- every batch of an epoch, as Lua tables
local function epoch(loader)
  local out = {}
  for a, b in loader:iter() do out[#out + 1] = { a:totable(), b:totable(), a.dtype, b.dtype } end
  return out
end

local function numbered(n, width)
  local x = torch.arange(0, n * width):view(n, width):float()
  local y = torch.arange(1, n + 1) -- int64 labels 1..n
  return x, y
end

-- A dataset written in Lua holding the same items as TensorDataset(x, y).
local function lua_dataset(x, y)
  local Plain = data.Dataset:extend('Plain')
  function Plain:init() end
  function Plain:__len() return x:size(1) end
  function Plain:get(i) return x[i]:clone(), y[i] end
  return Plain()
end

describe('TensorDataset', function()
  it('has one item per row, as 0-dim tensors for 1-D inputs', function()
    local x, y = numbered(5, 3)
    local ds = data.TensorDataset(x, y)
    assert.equal(5, #ds)
    local a, b = ds:get(2)
    H.assert_tensor(a, { 3, 4, 5 }, 0, { 3 })
    assert.equal(0, b:dim())
    assert.equal(2, b:item())
    assert.equal(torch.int64, b.dtype)
    local c = ds:get(-1)
    H.assert_tensor(c, { 12, 13, 14 })
  end)

  it('rejects bad input with a clear error', function()
    local x, y = numbered(5, 3)
    assert.has_error(function() data.TensorDataset(x, y[{ { 1, 4 } }]) end,
      'TensorDataset: size mismatch: tensor 1 has 5 rows but tensor 2 has 4')
    assert.has_error(function() data.TensorDataset(x, 3) end,
      'TensorDataset: argument 2 is a number, expected a tensor')
    local ds = data.TensorDataset(x)
    assert.has_error(function() ds:get(6) end, 'TensorDataset:get: index 6 is out of range for a dataset of 5 items')
    assert.has_error(function() ds:get(1.5) end, 'TensorDataset:get: expected an integer index, got 1.5')
  end)
end)

describe('Subset, ConcatDataset, random_split', function()
  it('Subset maps indices', function()
    local x, y = numbered(6, 2)
    local s = data.Subset(data.TensorDataset(x, y), { 5, 2 })
    assert.equal(2, #s)
    local _, b = s:get(1)
    assert.equal(5, b:item())
    assert.has_error(function() data.Subset(data.TensorDataset(x), { 7 }) end,
      'Subset: index 1 (7) is out of range for a dataset of 6 items')
  end)

  it('ConcatDataset chains datasets', function()
    local x, y = numbered(3, 2)
    local c = data.ConcatDataset({ data.TensorDataset(x, y), data.TensorDataset(x, y + 10) })
    assert.equal(6, #c)
    local labels = {}
    for i = 1, #c do
      local _, b = c:get(i)
      labels[i] = b:item()
    end
    assert.same({ 1, 2, 3, 11, 12, 13 }, labels)
    assert.has_error(function() data.ConcatDataset({ 3 }) end, 'ConcatDataset: item 1 is not a dataset (no length)')
  end)

  it('random_split covers every item once, reproducibly', function()
    local x, y = numbered(10, 1)
    local ds = data.TensorDataset(x, y)
    local parts = data.random_split(ds, { 0.5, 0.3, 0.2 }, { seed = 5 })
    assert.same({ 5, 3, 2 }, { #parts[1], #parts[2], #parts[3] })
    local seen = {}
    for _, p in ipairs(parts) do
      for i = 1, #p do
        local _, b = p:get(i)
        assert.is_nil(seen[b:item()])
        seen[b:item()] = true
      end
    end
    for i = 1, 10 do assert.is_true(seen[i]) end
    local again = data.random_split(ds, { 0.5, 0.3, 0.2 }, { seed = 5 })
    assert.same(parts[1].indices, again[1].indices)
    local other = data.random_split(ds, { 5, 5 }, { seed = 6 })
    assert.are_not.same(parts[1].indices, other[1].indices)
    -- fractions that do not divide evenly: the remainder goes to the first parts
    local uneven = data.random_split(data.TensorDataset(numbered(7, 1)), { 0.5, 0.5 }, { seed = 1 })
    assert.same({ 4, 3 }, { #uneven[1], #uneven[2] })
    assert.has_error(function() data.random_split(ds, { 3, 3 }) end,
      'random_split: the lengths sum to 6 but the dataset has 10 items')
  end)

  it('random_split without a seed follows torch.manual_seed', function()
    local ds = data.TensorDataset(numbered(20, 1))
    torch.manual_seed(3)
    local a = data.random_split(ds, { 10, 10 })
    torch.manual_seed(3)
    local b = data.random_split(ds, { 10, 10 })
    assert.same(a[1].indices, b[1].indices)
  end)
end)

describe('default collation', function()
  it('stacks tensors and turns numbers, booleans, strings and tables into batches', function()
    local items = {
      table.pack(torch.tensor({ 1, 2 }), 3, 0.5, true, 'a', { k = 1 }),
      table.pack(torch.tensor({ 4, 5 }), 6, 1.5, false, 'b', { k = 2 }),
    }
    local f = data.default_collate(items)
    H.assert_tensor(f[1], { { 1, 2 }, { 4, 5 } }, 0, { 2, 2 })
    assert.equal(torch.int64, f[2].dtype)
    H.assert_tensor(f[2], { 3, 6 }, 0)
    assert.equal(torch.float64, f[3].dtype)
    assert.equal(torch.bool, f[4].dtype)
    assert.same({ 'a', 'b' }, f[5])
    H.assert_tensor(f[6].k, { 1, 2 }, 0)
  end)

  it('names the items that cannot be stacked', function()
    local items = { table.pack(torch.zeros(2)), table.pack(torch.zeros(3)) }
    assert.has_error(function() data.default_collate(items) end,
      'default_collate: field 1: item 2 is torch.float32 [3] but item 1 is torch.float32 [2]; they cannot be stacked')
  end)
end)

describe('DataLoader', function()
  it('batches in order, with #loader and drop_last', function()
    local x, y = numbered(10, 2)
    local ds = data.TensorDataset(x, y)
    local loader = data.DataLoader(ds, { batch_size = 4 })
    assert.equal(3, #loader)
    assert.is_true(loader:uses_c())
    local batches = epoch(loader)
    assert.equal(3, #batches)
    assert.same({ 1, 2, 3, 4 }, batches[1][2])
    assert.same({ 9, 10 }, batches[3][2])
    assert.same({ { 16, 17 }, { 18, 19 } }, batches[3][1])
    assert.equal(torch.float32, batches[1][3])
    assert.equal(torch.int64, batches[1][4])
    local dropping = data.DataLoader(ds, { batch_size = 4, drop_last = true })
    assert.equal(2, #dropping)
    assert.equal(2, #epoch(dropping))
  end)

  it('gives the same batches with 0 and 2 workers and from a Lua dataset', function()
    local x, y = numbered(37, 3)
    local ds = data.TensorDataset(x, y)
    local ref = epoch(data.DataLoader(ds, { batch_size = 5, shuffle = true, seed = 11 }))
    local threaded = epoch(data.DataLoader(ds, { batch_size = 5, shuffle = true, seed = 11, num_workers = 2 }))
    assert.same(ref, threaded)
    local from_lua = data.DataLoader(lua_dataset(x, y), { batch_size = 5, shuffle = true, seed = 11, num_workers = 2 })
    assert.is_false(from_lua:uses_c())
    assert.same(ref, epoch(from_lua))
  end)

  it('shuffles every item once per epoch, differently each epoch, reproducibly', function()
    local ds = data.TensorDataset(numbered(50, 1))
    local loader = data.DataLoader(ds, { batch_size = 7, shuffle = true, seed = 1, num_workers = 2 })
    local function order()
      local labels = {}
      for _, b in loader:iter() do
        for _, v in ipairs(b:totable()) do labels[#labels + 1] = v end
      end
      return labels
    end
    local e1, e2 = order(), order()
    assert.are_not.same(e1, e2)
    local sorted = { table.unpack(e1) }
    table.sort(sorted)
    for i = 1, 50 do assert.equal(i, sorted[i]) end
    local fresh = data.DataLoader(ds, { batch_size = 7, shuffle = true, seed = 1 })
    assert.same(e1, (function()
      local labels = {}
      for _, b in fresh:iter() do
        for _, v in ipairs(b:totable()) do labels[#labels + 1] = v end
      end
      return labels
    end)())
    -- without a seed: the global generator decides
    local unseeded = data.DataLoader(ds, { batch_size = 50, shuffle = true })
    torch.manual_seed(9)
    local _, a = unseeded:iter()()
    torch.manual_seed(9)
    local _, b = unseeded:iter()()
    assert.same(a:totable(), b:totable())
  end)

  it('loads Subset / ConcatDataset / random_split of built-in datasets in C', function()
    local x, y = numbered(12, 2)
    local parts = data.random_split(data.TensorDataset(x, y), { 8, 4 }, { seed = 2 })
    local cat = data.ConcatDataset({ parts[2], data.TensorDataset(x * 0 - 1, y + 100) })
    local loader = data.DataLoader(cat, { batch_size = 5, num_workers = 2 })
    assert.is_true(loader:uses_c())
    local labels, firsts = {}, {}
    for a, b in loader:iter() do
      for k, v in ipairs(b:totable()) do
        labels[#labels + 1] = v
        firsts[#firsts + 1] = a[k][1]
      end
    end
    assert.equal(16, #labels)
    for k = 1, 4 do
      local i = parts[2].indices[k]
      assert.equal(i, labels[k])
      assert.equal(2 * (i - 1), firsts[k])
    end
    for k = 5, 16 do
      assert.equal(100 + k - 4, labels[k])
      assert.equal(-1, firsts[k])
    end
  end)

  it('enumerate counts batches', function()
    local loader = data.DataLoader(data.TensorDataset(numbered(9, 1)), { batch_size = 4 })
    local seen = {}
    for i, a, b in loader:enumerate() do seen[#seen + 1] = { i, a:size(1), b:size(1) } end
    assert.same({ { 1, 4, 4 }, { 2, 4, 4 }, { 3, 1, 1 } }, seen)
  end)

  it('stops its workers when a loop breaks early, and can start again', function()
    local ds = data.TensorDataset(numbered(200, 4))
    local loader = data.DataLoader(ds, { batch_size = 2, num_workers = 2, seed = 4, shuffle = true })
    for round = 1, 20 do
      local k = 0
      for _ in loader:iter() do
        k = k + 1
        if k == round then break end
      end
      assert.equal(round, k)
    end
    collectgarbage()
    assert.equal(100, #epoch(loader))
  end)

  it('passes a custom collate_fn the packed items', function()
    local x, y = numbered(5, 1)
    local loader = data.DataLoader(data.TensorDataset(x, y), {
      batch_size = 2,
      collate_fn = function(items) return #items, items[1].n end,
    })
    assert.is_false(loader:uses_c())
    local got = {}
    for count, width in loader:iter() do got[#got + 1] = { count, width } end
    assert.same({ { 2, 2 }, { 2, 2 }, { 1, 2 } }, got)
  end)

  it('reports errors from a worker and from a Lua dataset', function()
    local cat = data.ConcatDataset({ data.TensorDataset(torch.zeros(2, 3)), data.TensorDataset(torch.zeros(2, 4)) })
    local loader = data.DataLoader(cat, { batch_size = 4, num_workers = 2 })
    local ok, err = pcall(function()
      for _ in loader:iter() do end
    end)
    assert.is_false(ok)
    assert.matches('DataLoader: cannot stack field 1 of the batch: item 3 %(dataset index 1%) is float32 %[4%] ' ..
      'but the batch\'s first item is float32 %[3%]', err)
    local Bad = data.Dataset:extend('Bad')
    function Bad:__len() return 3 end
    function Bad:get(i)
      if i == 2 then error('Bad: item 2 is broken') end
      return i
    end
    ok, err = pcall(function()
      for _ in data.DataLoader(Bad(), { batch_size = 1, num_workers = 2 }):iter() do end
    end)
    assert.is_false(ok)
    assert.matches('Bad: item 2 is broken', err)
  end)

  it('rejects bad options', function()
    local ds = data.TensorDataset(torch.zeros(3))
    assert.has_error(function() data.DataLoader(ds, { batch_size = 0 }) end,
      'DataLoader: batch_size must be an integer >= 1, got 0')
    assert.has_error(function() data.DataLoader(ds, { num_workers = -1 }) end,
      'DataLoader: num_workers must be an integer >= 0, got -1')
    assert.has_error(function() data.DataLoader(ds, { batchsize = 2 }) end)
    assert.has_error(function() data.DataLoader(42) end,
      'DataLoader: expected a dataset (a table with #ds and ds:get(i)), got number')
    assert.has_error(function() torch._loader_new({ { fields = { torch.zeros(3), torch.zeros(4) } } }, 0) end,
      'DataLoader: field 2 of source 1 has 4 rows, but the source has 3 items')
  end)
end)
