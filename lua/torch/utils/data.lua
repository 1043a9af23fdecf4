-- torch.utils.data: datasets and the DataLoader (docs/data.md).
--
--   local data = torch.utils.data
--   local ds = data.TensorDataset(x, y)                -- #ds, ds:get(i) -> x[i], y[i]
--   local train, val = table.unpack(data.random_split(ds, {0.8, 0.2}, {seed = 1}))
--   local loader = data.DataLoader(train, {batch_size = 64, shuffle = true, num_workers = 2})
--   for inputs, labels in loader:iter() do ... end     -- #loader batches
--
-- A dataset is anything with #ds and ds:get(i) (1-based) returning one item:
-- one or more values (tensors, numbers, booleans, strings, tables of them).
-- The default collation stacks tensors, turns integers into an int64 tensor,
-- other numbers into float64 and booleans into bool, keeps strings in a table,
-- and collates tables key by key.
--
-- Where batches are made.  Built-in datasets (TensorDataset, MNIST,
-- FashionMNIST, CIFAR10, ImageFolder, and Subset/ConcatDataset/random_split
-- of them) with built-in transforms and the default collation are prepared by
-- C code: on num_workers threads of their own, while Lua trains, or on the
-- calling thread with num_workers = 0; the batches are the same either way.
-- Anything written in Lua (a dataset's get, a Lambda or function transform,
-- a target_transform, a collate_fn) runs on the Lua thread, which is the only
-- thread that may run Lua code: the loader then calls get and collates
-- between your training steps, with any num_workers, giving the same batches.
local torch = require 'torch'

local data = {}

local function is_tensor(v) return torch.is_tensor(v) end

local function check_integer(name, what, v, min)
  if math.type(v) ~= 'integer' or v < min then
    error(string.format('%s: %s must be an integer >= %d, got %s', name, what, min, tostring(v)), 3)
  end
end

local function check_options(name, opts, known)
  local checked = require('torch.options').check(name, opts, known, 4) -- level 4: our caller's caller
  return checked
end

-- Index i (1-based, negative from the end) checked against a length.
local function item_index(name, i, n)
  if math.type(i) ~= 'integer' then
    error(string.format('%s:get: expected an integer index, got %s', name, tostring(i)), 3)
  end
  local j = i < 0 and n + 1 + i or i
  if j < 1 or j > n then
    error(string.format('%s:get: index %d is out of range for a dataset of %d items', name, i, n), 3)
  end
  return j
end

-- The C loader's view of a dataset: a list of sources and a function from an
-- item number to (source number, index in it), or nil when Lua must run.
local function c_plan(ds)
  if type(ds) ~= 'table' then return nil end
  if type(ds._plan) == 'function' then return ds:_plan() end -- Subset, ConcatDataset
  if type(ds._source) == 'function' then
    local src = ds:_source()
    if src then return { sources = { src }, map = function(i) return 1, i end } end
  end
  return nil
end

------------------------------------------------------------------ datasets

--- data.Dataset: a base for datasets written in Lua:
--   local Squares = data.Dataset:extend('Squares')
--   function Squares:init(n) self.n = n end
--   function Squares:__len() return self.n end
--   function Squares:get(i) return torch.tensor({i}), i * i end
local Dataset = { __name = 'Dataset' }
Dataset.__index = Dataset
data.Dataset = Dataset

function Dataset:extend(name)
  local class = setmetatable({ __name = name or 'Dataset' }, { __index = self, __call = function(c, ...)
    local obj = setmetatable({}, c)
    if c.init then c.init(obj, ...) end
    return obj
  end })
  class.__index = class
  return class
end

function Dataset:get(i)
  error(string.format('%s:get is not implemented', self.__name or 'Dataset'), 2)
end

--- data.TensorDataset(t1, t2, ...): item i is (t1[i], t2[i], ...) taken along
-- dim 1 (a 0-dim tensor for a 1-D tensor, so batches keep the dtype).
local TensorDataset = { __name = 'TensorDataset' }
TensorDataset.__index = TensorDataset
data.TensorDataset = setmetatable(TensorDataset, { __call = function(_, ...)
  local tensors = table.pack(...)
  if tensors.n == 0 then error('TensorDataset: expected at least one tensor', 2) end
  local n
  for k = 1, tensors.n do
    local t = tensors[k]
    if not is_tensor(t) then
      error(string.format('TensorDataset: argument %d is a %s, expected a tensor', k, type(t)), 2)
    end
    if t:dim() == 0 then error(string.format('TensorDataset: tensor %d is 0-dim; need [N, ...]', k), 2) end
    if n and t:size(1) ~= n then
      error(string.format('TensorDataset: size mismatch: tensor 1 has %d rows but tensor %d has %d', n, k,
        t:size(1)), 2)
    end
    n = t:size(1)
  end
  return setmetatable({ tensors = { table.unpack(tensors, 1, tensors.n) }, _n = n }, TensorDataset)
end })

function TensorDataset:__len() return self._n end

function TensorDataset:get(i)
  local j = item_index('TensorDataset', i, self._n)
  local out = {}
  for k, t in ipairs(self.tensors) do out[k] = t:select(1, j) end
  return table.unpack(out)
end

function TensorDataset:_source()
  for _, t in ipairs(self.tensors) do
    if t.device.type ~= 'cpu' then return nil end
  end
  return { fields = self.tensors, transforms = {} }
end

--- data.Subset(ds, indices): the items of ds at indices (a table of 1-based
-- integers or an int64 tensor).
local Subset = { __name = 'Subset' }
Subset.__index = Subset
data.Subset = setmetatable(Subset, { __call = function(_, ds, indices)
  if is_tensor(indices) then indices = indices:totable() end
  if type(indices) ~= 'table' then error('Subset: indices must be a table or a tensor, got ' .. type(indices), 2) end
  local n = #ds
  for k, i in ipairs(indices) do
    if math.type(i) ~= 'integer' or i < 1 or i > n then
      error(string.format('Subset: index %d (%s) is out of range for a dataset of %d items', k, tostring(i), n), 2)
    end
  end
  return setmetatable({ dataset = ds, indices = indices }, Subset)
end })

function Subset:__len() return #self.indices end

function Subset:get(i)
  return self.dataset:get(self.indices[item_index('Subset', i, #self.indices)])
end

function Subset:_plan()
  local plan = c_plan(self.dataset)
  if not plan then return nil end
  local indices, inner = self.indices, plan.map
  return { sources = plan.sources, map = function(i) return inner(indices[i]) end }
end

--- data.ConcatDataset({ds1, ds2, ...}): the items of ds1, then ds2, ...
local ConcatDataset = { __name = 'ConcatDataset' }
ConcatDataset.__index = ConcatDataset
data.ConcatDataset = setmetatable(ConcatDataset, { __call = function(_, list)
  if type(list) ~= 'table' or #list == 0 then error('ConcatDataset: expected a non-empty table of datasets', 2) end
  local ends, total = {}, 0
  for k, ds in ipairs(list) do
    local ok, n = pcall(function() return #ds end)
    if not ok or math.type(n) ~= 'integer' then
      error(string.format('ConcatDataset: item %d is not a dataset (no length)', k), 2)
    end
    total = total + n
    ends[k] = total
  end
  return setmetatable({ datasets = list, cumulative_sizes = ends }, ConcatDataset)
end })

function ConcatDataset:__len() return self.cumulative_sizes[#self.cumulative_sizes] or 0 end

-- (which dataset, index within it) of item i, by binary search
function ConcatDataset:_locate(i)
  local ends = self.cumulative_sizes
  local lo, hi = 1, #ends
  while lo < hi do
    local mid = (lo + hi) // 2
    if ends[mid] < i then lo = mid + 1 else hi = mid end
  end
  return lo, i - (ends[lo - 1] or 0)
end

function ConcatDataset:get(i)
  local d, j = self:_locate(item_index('ConcatDataset', i, #self))
  return self.datasets[d]:get(j)
end

function ConcatDataset:_plan()
  local sources, offsets, maps = {}, {}, {}
  for k, ds in ipairs(self.datasets) do
    local plan = c_plan(ds)
    if not plan then return nil end
    offsets[k], maps[k] = #sources, plan.map
    for _, s in ipairs(plan.sources) do sources[#sources + 1] = s end
  end
  return { sources = sources, map = function(i)
    local d, j = self:_locate(i)
    local s, idx = maps[d](j)
    return offsets[d] + s, idx
  end }
end

--- data.random_split(ds, lengths, {seed=}): a table of Subsets with the given
-- lengths (integers summing to #ds, or fractions summing to 1, the remainder
-- spread over the first ones as PyTorch does).  Without a seed the split is
-- drawn from the global generator (torch.manual_seed makes it reproducible).
function data.random_split(ds, lengths, opts)
  opts = check_options('random_split', opts, { seed = true })
  if type(lengths) ~= 'table' or #lengths == 0 then
    error('random_split: lengths must be a non-empty table', 2)
  end
  local n = #ds
  local sizes, fractions, sum = {}, true, 0
  for k, v in ipairs(lengths) do
    if type(v) ~= 'number' or v < 0 then error(string.format('random_split: length %d is %s', k, tostring(v)), 2) end
    if math.type(v) == 'integer' and v ~= 0 then fractions = false end
    sum = sum + v
  end
  if fractions and math.abs(sum - 1) < 1e-9 then
    local assigned = 0
    for k, f in ipairs(lengths) do
      sizes[k] = math.floor(n * f)
      assigned = assigned + sizes[k]
    end
    for k = 1, n - assigned do
      local slot = (k - 1) % #sizes + 1
      sizes[slot] = sizes[slot] + 1
    end
  else
    for k, v in ipairs(lengths) do
      if math.type(v) ~= 'integer' then
        error(string.format('random_split: lengths must be integers summing to %d or fractions summing to 1', n), 2)
      end
      sizes[k] = v
    end
    if sum ~= n then
      error(string.format('random_split: the lengths sum to %s but the dataset has %d items', tostring(sum), n), 2)
    end
  end
  if opts.seed ~= nil then check_integer('random_split', 'seed', opts.seed, math.mininteger) end
  local order = torch._permutation(n, opts.seed or torch._random_seed64())
  local out, pos = {}, 0
  for k, size in ipairs(sizes) do
    out[k] = data.Subset(ds, table.move(order, pos + 1, pos + size, 1, {}))
    pos = pos + size
  end
  return out
end

------------------------------------------------------------------ collation

local function same_shape(a, b)
  if a:dim() ~= b:dim() then return false end
  for d = 1, a:dim() do
    if a:size(d) ~= b:size(d) then return false end
  end
  return true
end

local function collate_values(values, where)
  local first = values[1]
  if is_tensor(first) then
    for k = 2, #values do
      local v = values[k]
      if not is_tensor(v) then
        error(string.format('default_collate: %s: item 1 is a tensor but item %d is a %s', where, k, type(v)), 0)
      end
      if v.dtype ~= first.dtype or not same_shape(v, first) then
        error(string.format('default_collate: %s: item %d is %s [%s] but item 1 is %s [%s]; they cannot be stacked',
          where, k, v.dtype, table.concat(v.shape, ', '), first.dtype, table.concat(first.shape, ', ')), 0)
      end
    end
    return torch.stack(values, 1)
  end
  local kind = type(first)
  for k = 2, #values do
    if type(values[k]) ~= kind then
      error(string.format('default_collate: %s: item 1 is a %s but item %d is a %s', where, kind, k,
        type(values[k])), 0)
    end
  end
  if kind == 'number' then
    local all_int = true
    for _, v in ipairs(values) do
      if math.type(v) ~= 'integer' then all_int = false break end
    end
    return torch.tensor(values, { dtype = all_int and torch.int64 or torch.float64 })
  elseif kind == 'boolean' then
    return torch.tensor(values, { dtype = torch.bool })
  elseif kind == 'string' then
    return values
  elseif kind == 'table' then
    local out = {}
    for key in pairs(first) do
      local column = {}
      for k, v in ipairs(values) do
        if v[key] == nil then
          error(string.format('default_collate: %s: item %d has no key %s', where, k, tostring(key)), 0)
        end
        column[k] = v[key]
      end
      out[key] = collate_values(column, where .. '.' .. tostring(key))
    end
    return out
  end
  error(string.format('default_collate: %s: cannot collate a %s', where, kind), 0)
end

--- data.default_collate(items): items is a list of packed items (each
-- {n = count, value1, value2, ...}, as table.pack(ds:get(i)) gives); returns
-- the list of collated fields.
function data.default_collate(items)
  local fields = {}
  local width = items[1].n or #items[1]
  for f = 1, width do
    local column = {}
    for k, item in ipairs(items) do column[k] = item[f] end
    fields[f] = collate_values(column, 'field ' .. f)
  end
  return fields
end

------------------------------------------------------------------ DataLoader

local DataLoader = { __name = 'DataLoader' }
DataLoader.__index = DataLoader

local LOADER_OPTIONS = { batch_size = true, shuffle = true, drop_last = true, num_workers = true, collate_fn = true,
  seed = true, prefetch_factor = true, pin_memory = true }

--- data.DataLoader(ds, {batch_size=1, shuffle=false, drop_last=false,
-- num_workers=0, collate_fn=nil, seed=nil, prefetch_factor=2, pin_memory=false})
data.DataLoader = setmetatable(DataLoader, { __call = function(_, ds, opts)
  local ok, n = pcall(function() return #ds end)
  if not ok or math.type(n) ~= 'integer' or type(ds) ~= 'table' or ds.get == nil then
    error('DataLoader: expected a dataset (a table with #ds and ds:get(i)), got ' .. type(ds), 2)
  end
  opts = check_options('DataLoader', opts, LOADER_OPTIONS)
  local self = setmetatable({
    dataset = ds,
    batch_size = opts.batch_size or 1,
    shuffle = opts.shuffle or false,
    drop_last = opts.drop_last or false,
    num_workers = opts.num_workers or 0,
    collate_fn = opts.collate_fn,
    seed = opts.seed,
    prefetch_factor = opts.prefetch_factor or 2,
    pin_memory = opts.pin_memory or false,
    _epoch = 0,
  }, DataLoader)
  check_integer('DataLoader', 'batch_size', self.batch_size, 1)
  check_integer('DataLoader', 'num_workers', self.num_workers, 0)
  check_integer('DataLoader', 'prefetch_factor', self.prefetch_factor, 1)
  if self.seed ~= nil then check_integer('DataLoader', 'seed', self.seed, math.mininteger) end
  if self.collate_fn ~= nil and type(self.collate_fn) ~= 'function' then
    error('DataLoader: collate_fn must be a function, got ' .. type(self.collate_fn), 2)
  end
  return self
end })

function DataLoader:__len()
  local n = #self.dataset
  if self.drop_last then return n // self.batch_size end
  return (n + self.batch_size - 1) // self.batch_size
end

function DataLoader:__tostring()
  return string.format('DataLoader(%d items, batch_size=%d, shuffle=%s, num_workers=%d): %d batches',
    #self.dataset, self.batch_size, tostring(self.shuffle), self.num_workers, #self)
end

-- The epoch's item order and the seed its random transforms start from.
local function epoch_plan(self)
  self._epoch = self._epoch + 1
  local seed
  if self.seed ~= nil then
    seed = self.seed + self._epoch * 0x3C6EF372FE94F82B -- wraps; a different stream per epoch
  else
    seed = torch._random_seed64()
  end
  local n = #self.dataset
  local order
  if self.shuffle then
    order = torch._permutation(n, seed)
  else
    order = {}
    for i = 1, n do order[i] = i end
  end
  return order, seed
end

-- Iterator over the batches made by the C loader.
local function c_batches(self, plan, order, seed, nbatches)
  local loader = torch._loader_new(plan.sources, self.num_workers)
  local bs, map, submitted = self.batch_size, plan.map, 0
  local single = #plan.sources == 1
  local function submit_next()
    if submitted >= nbatches then return end
    local first = submitted * bs
    local last = math.min(first + bs, #order)
    local indices, source_ids = {}, not single and {} or nil
    for k = first + 1, last do
      local s, i = map(order[k])
      indices[#indices + 1] = i
      if source_ids then source_ids[#source_ids + 1] = s end
    end
    submitted = submitted + 1
    -- each batch's transforms start from their own seed
    loader:submit(indices, source_ids, seed + submitted * 0x2545F4914F6CDD1D)
  end
  local ahead = math.max(1, self.num_workers * self.prefetch_factor)
  for _ = 1, ahead do submit_next() end
  local taken = 0
  local function step()
    if taken >= nbatches then
      loader:close()
      return nil
    end
    taken = taken + 1
    local results = table.pack(loader:next())
    submit_next()
    return table.unpack(results, 1, results.n)
  end
  return step, loader
end

-- Iterator calling get and collating on the Lua thread.
local function lua_batches(self, order, nbatches)
  local bs, ds, collate = self.batch_size, self.dataset, self.collate_fn
  local b = 0
  return function()
    if b >= nbatches then return nil end
    local first = b * bs
    b = b + 1
    local items = {}
    for k = first + 1, math.min(first + bs, #order) do items[#items + 1] = table.pack(ds:get(order[k])) end
    if collate then return collate(items) end
    return table.unpack(data.default_collate(items))
  end
end

--- loader:iter(): for inputs, labels in loader:iter() do ... end.  Breaking
-- out of the loop stops the workers (the iterator is to-be-closed).
function DataLoader:iter()
  local order, seed = epoch_plan(self)
  local nbatches = #self
  local plan = self.collate_fn == nil and c_plan(self.dataset) or nil
  if plan then
    local step, loader = c_batches(self, plan, order, seed, nbatches)
    return step, nil, nil, loader
  end
  return lua_batches(self, order, nbatches)
end

--- loader:enumerate(): for i, inputs, labels in loader:enumerate() do ... end
function DataLoader:enumerate()
  local step, _, _, closer = self:iter()
  local i = 0
  return function()
    local results = table.pack(step())
    if results[1] == nil then return nil end
    i = i + 1
    return i, table.unpack(results, 1, results.n)
  end, nil, nil, closer
end

--- loader:uses_c(): whether batches are prepared by the C loader (and so on
-- worker threads when num_workers > 0).
function DataLoader:uses_c()
  return self.collate_fn == nil and c_plan(self.dataset) ~= nil
end

return data
