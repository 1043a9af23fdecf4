-- Sequential and ModuleList.  Children are named '0', '1', ... as in
-- PyTorch (so state dict keys read features.0.weight), but indexing from Lua
-- is 1-based: seq[1] is the child named '0'.
local M = require 'torch.nn.module'

local Module, is_module = M.Module, M.is_module
local layers = {}

local function nth_child(self, i)
  local names = rawget(self, '_modules').names
  local n = #names
  if i < 0 then i = n + 1 + i end
  local name = names[i]
  if name then return rawget(self, '_modules').map[name] end
  return nil
end

local function check_module(owner, v, what)
  if not is_module(v) then error(string.format('%s: %s is not a module (got %s)', owner, what, type(v)), 4) end
end

--- nn.Sequential(m1, m2, ...) or nn.Sequential({{'fc1', m1}, {'relu', m2}, ...})
local Sequential = Module:extend('Sequential')
function Sequential:init(...)
  local args = table.pack(...)
  if args.n == 1 and type(args[1]) == 'table' and not is_module(args[1]) then
    for i, pair in ipairs(args[1]) do
      if type(pair) ~= 'table' or type(pair[1]) ~= 'string' then
        error('Sequential: entry ' .. i .. " of the named form must be {'name', module}", 3)
      end
      check_module('Sequential', pair[2], "entry '" .. pair[1] .. "'")
      self:add_module(pair[1], pair[2])
    end
  else
    for i = 1, args.n do
      check_module('Sequential', args[i], 'argument ' .. i)
      self:add_module(tostring(i - 1), args[i])
    end
  end
end
Sequential.__index_number = nth_child
function Sequential:__len() return #rawget(self, '_modules').names end
function Sequential:append(m)
  check_module('Sequential:append', m, 'the argument')
  self:add_module(tostring(#self), m)
  return self
end
function Sequential:forward(x)
  local mods = rawget(self, '_modules')
  local map = mods.map
  for _, name in ipairs(mods.names) do
    x = map[name](x)
  end
  return x
end
layers.Sequential = Sequential

--- nn.ModuleList({m1, m2, ...}): holds modules (registered) without a forward.
local ModuleList = Module:extend('ModuleList')
function ModuleList:init(list)
  if list ~= nil then
    if type(list) ~= 'table' or is_module(list) then error('ModuleList: expected an array of modules', 3) end
    for i, m in ipairs(list) do
      check_module('ModuleList', m, 'entry ' .. i)
      self:add_module(tostring(i - 1), m)
    end
  end
end
ModuleList.__index_number = nth_child
function ModuleList:__len() return #rawget(self, '_modules').names end
function ModuleList:append(m)
  check_module('ModuleList:append', m, 'the argument')
  self:add_module(tostring(#self), m)
  return self
end
function ModuleList:extend(list)
  if is_module(self) then
    for _, m in ipairs(list) do self:append(m) end
    return self
  end
  return Module.extend(self, list) -- ModuleList:extend('Name') on the class
end
function ModuleList:forward()
  error('ModuleList has no forward: call its modules in your own forward', 2)
end
layers.ModuleList = ModuleList

return layers
