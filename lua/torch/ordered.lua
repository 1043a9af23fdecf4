-- torch.ordered: tables that remember the order their keys were added in,
-- like Python's OrderedDict.  State dicts are ordered tables; torch.save keeps
-- the order and torch.load gives back ordered tables.
--
--   local ordered = require 'torch.ordered'
--   local t = ordered.new()
--   t.b = 1; t.a = 2
--   for k, v in pairs(t) do print(k, v) end   -- b 1, then a 2
--   t.b = nil                                  -- removes b
--   t.b = 3                                    -- b again, now last
--
-- Values live in the table itself (t.k, rawget, next and # work as usual);
-- only the order is kept on the side, in the table's own metatable.
local ordered = {}

local function live_keys(t, mt)
  -- drop keys whose value was removed (t.k = nil writes straight to the table)
  local keys, pos, n = mt.__keys, mt.__pos, 0
  for i = 1, #keys do
    local k = keys[i]
    if rawget(t, k) ~= nil then
      n = n + 1
      keys[n] = k
      pos[k] = n
    else
      pos[k] = nil
    end
  end
  for i = #keys, n + 1, -1 do keys[i] = nil end
  return keys
end

local function newindex(t, k, v)
  if v == nil then return end
  local mt = getmetatable(t)
  -- a key that was removed and comes back goes to the end
  if mt.__pos[k] then live_keys(t, mt) end
  local keys = mt.__keys
  keys[#keys + 1] = k
  mt.__pos[k] = #keys
  rawset(t, k, v)
end

local function iterate(t)
  local mt = getmetatable(t)
  local keys, pos = mt.__keys, mt.__pos
  local i, stray = 0, nil
  return function()
    -- the recorded keys, in order, skipping removed ones
    while i < #keys do
      i = i + 1
      local k = keys[i]
      local v = rawget(t, k)
      if v ~= nil then return k, v end
    end
    -- then keys set with rawset, which bypassed the record
    while true do
      local v
      stray, v = next(t, stray)
      if stray == nil then return nil end
      if not pos[stray] then return stray, v end
    end
  end, t, nil
end

--- A new, empty ordered table.
function ordered.new()
  return setmetatable({}, {
    __ordered = true,
    __keys = {},
    __pos = {},
    __newindex = newindex,
    __pairs = iterate,
  })
end

--- True when t was made by ordered.new().
function ordered.is_ordered(t)
  local mt = type(t) == 'table' and getmetatable(t)
  return type(mt) == 'table' and rawget(mt, '__ordered') == true
end

--- The keys of t in order (a new list).
function ordered.keys(t)
  local out = {}
  for k in pairs(t) do out[#out + 1] = k end
  return out
end

return ordered
