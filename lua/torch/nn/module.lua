-- nn.Module: the base of every layer and network.
--
--   local Net = nn.Module:extend('Net')
--   function Net:init(n) self.fc = nn.Linear(n, 2) end
--   function Net:forward(x) return self.fc(x) end
--   local net = Net(4)          -- calls init; net(x) calls forward
--
-- Assigning a module, an nn.Parameter or (through register_buffer) a buffer
-- to a field registers it under that name, in definition order; those fields
-- live in the registries, not in the instance table, so that every later
-- assignment goes through __newindex and the registries stay exact.
local torch = require 'torch'
local util = require 'torch.nn.util'

local Module = { __name = 'Module' }

-- Parameters are tensors marked in this weak set (identity of the userdata).
local parameter_set = setmetatable({}, { __mode = 'k' })

local function is_module(v)
  local mt = getmetatable(v)
  return type(mt) == 'table' and mt.__module == true
end

local function is_parameter(v) return parameter_set[v] == true end

--- nn.Parameter(tensor, requires_grad=true): a leaf sharing tensor's data,
-- registered as a parameter when assigned to a module field.
local function Parameter(t, requires_grad)
  if not torch.is_tensor(t) then
    error('nn.Parameter: expected a tensor, got ' .. type(t), 2)
  end
  local p = t:detach()
  p.requires_grad = requires_grad ~= false
  parameter_set[p] = true
  return p
end

-------------------------------------------------------------------------------
-- Registries: names in order plus a name -> value map.

local function registry() return { names = {}, map = {} } end

local function registry_set(reg, name, value)
  local map = reg.map
  if value == nil then
    if map[name] ~= nil then
      map[name] = nil
      for i, n in ipairs(reg.names) do
        if n == name then table.remove(reg.names, i) break end
      end
    end
    return
  end
  if map[name] == nil then reg.names[#reg.names + 1] = name end
  map[name] = value
end

-- Drops name from every registry but `keep` (a field changes kind; one that
-- keeps its kind keeps its place, as in PyTorch).
local function unregister(self, name, keep)
  for _, reg in ipairs({ '_parameters', '_buffers', '_modules' }) do
    if reg ~= keep then registry_set(rawget(self, reg), name, nil) end
  end
end

-------------------------------------------------------------------------------
-- Classes and instances

local function instance_newindex(self, key, value)
  local params, buffers, modules = rawget(self, '_parameters'), rawget(self, '_buffers'),
      rawget(self, '_modules')
  if is_module(value) then
    unregister(self, key, '_modules')
    rawset(self, key, nil)
    registry_set(modules, key, value)
  elseif is_parameter(value) then
    unregister(self, key, '_parameters')
    rawset(self, key, nil)
    registry_set(params, key, value)
  elseif params.map[key] ~= nil then
    if value ~= nil then
      error(string.format("cannot assign %s to parameter '%s' of %s (an nn.Parameter or nil expected)",
        torch.is_tensor(value) and 'a plain tensor' or type(value), key, self.__name), 2)
    end
    registry_set(params, key, nil)
  elseif buffers.map[key] ~= nil then
    if value ~= nil and not torch.is_tensor(value) then
      error(string.format("cannot assign a %s to buffer '%s' of %s (a tensor or nil expected)",
        type(value), key, self.__name), 2)
    end
    registry_set(buffers, key, value or false)
  elseif modules.map[key] ~= nil then
    if value ~= nil then
      error(string.format("cannot assign a %s to submodule '%s' of %s (a module or nil expected)",
        type(value), key, self.__name), 2)
    end
    registry_set(modules, key, nil)
  else
    rawset(self, key, value)
  end
end

local function instance_tostring(self) return self:__repr() end

local function instance_call(self, ...) return self:forward(...) end

-- Each class has its own instance metatable whose __index looks in the
-- registries and then in the class (methods, inherited up the chain).
local function make_instance_mt(cls)
  local mt = {
    __module = true,
    __name = cls.__name,
    __newindex = instance_newindex,
    __tostring = instance_tostring,
    __call = instance_call,
  }
  mt.__index = function(self, key)
    local v = rawget(self, '_parameters').map[key]
    if v ~= nil then return v end
    v = rawget(self, '_modules').map[key]
    if v ~= nil then return v end
    v = rawget(self, '_buffers').map[key]
    if v ~= nil then return v end
    local index_number = cls.__index_number
    if index_number and math.type(key) == 'integer' then return index_number(self, key) end
    return cls[key]
  end
  mt.__len = function(self)
    local len = cls.__len
    if not len then error('attempt to get the length of ' .. cls.__name .. ' (not a container)', 2) end
    return len(self)
  end
  return mt
end

local function construct(cls, ...)
  local self = setmetatable({
    _parameters = registry(),
    _buffers = registry(),
    _non_persistent = {},
    _modules = registry(),
    training = true,
  }, cls.__instance_mt)
  self:init(...)
  return self
end

local class_mt = {
  __call = construct,
  __tostring = function(cls) return 'class ' .. cls.__name end,
}

--- Module:extend(name): a new class deriving from this one.
function Module:extend(name)
  if type(name) ~= 'string' then
    error('Module:extend expects a class name, e.g. nn.Module:extend("Net")', 2)
  end
  local cls = setmetatable({ __name = name, super = self }, {
    __index = self, __call = class_mt.__call, __tostring = class_mt.__tostring,
  })
  cls.__instance_mt = make_instance_mt(cls)
  return cls
end

function Module:init() end

function Module:forward()
  error(self.__name .. ': forward is not implemented (define function ' .. self.__name ..
    ':forward(...))', 2)
end

function Module:register_buffer(name, tensor, persistent)
  if tensor ~= nil and not torch.is_tensor(tensor) then
    error("register_buffer: buffer '" .. tostring(name) .. "' must be a tensor or nil", 2)
  end
  unregister(self, name, '_buffers')
  rawset(self, name, nil)
  registry_set(rawget(self, '_buffers'), name, tensor or false) -- false: registered, unset
  rawget(self, '_non_persistent')[name] = persistent == false or nil
end

function Module:register_parameter(name, param)
  if param ~= nil and not is_parameter(param) then
    error("register_parameter: '" .. tostring(name) .. "' must be an nn.Parameter or nil", 2)
  end
  unregister(self, name, '_parameters')
  rawset(self, name, nil)
  registry_set(rawget(self, '_parameters'), name, param)
end

function Module:add_module(name, module)
  if module ~= nil and not is_module(module) then
    error("add_module: '" .. tostring(name) .. "' must be a module", 2)
  end
  unregister(self, name, '_modules')
  rawset(self, name, nil)
  registry_set(rawget(self, '_modules'), name, module)
end

-------------------------------------------------------------------------------
-- Walking the tree.  Plural names return arrays (for ipairs); named_* return
-- iterators for `for name, x in m:named_parameters() do`.

local function pairs_iterator(list)
  local i = 0
  return function()
    i = i + 1
    local item = list[i]
    if item then return item[1], item[2] end
  end
end

-- Calls visit(prefix, module) on self and every submodule, each module once.
local function walk(self, prefix, visit, seen)
  if seen[self] then return end
  seen[self] = true
  visit(prefix, self)
  local mods = rawget(self, '_modules')
  for _, name in ipairs(mods.names) do
    walk(mods.map[name], prefix == '' and name or prefix .. '.' .. name, visit, seen)
  end
end

local function collect_named(self, registry_name, recurse, prefix)
  local out, seen = {}, {}
  local function visit(pfx, m)
    local reg = rawget(m, registry_name)
    for _, name in ipairs(reg.names) do
      local v = reg.map[name]
      if v and not seen[v] then
        seen[v] = true
        out[#out + 1] = { pfx == '' and name or pfx .. '.' .. name, v }
      end
    end
  end
  if recurse == false then visit(prefix or '', self) else walk(self, prefix or '', visit, {}) end
  return out
end

local function values_of(named)
  local out = {}
  for i, item in ipairs(named) do out[i] = item[2] end
  return out
end

function Module:parameters(recurse) return values_of(collect_named(self, '_parameters', recurse)) end

function Module:named_parameters(prefix, recurse)
  return pairs_iterator(collect_named(self, '_parameters', recurse, prefix))
end

function Module:buffers(recurse) return values_of(collect_named(self, '_buffers', recurse)) end

function Module:named_buffers(prefix, recurse)
  return pairs_iterator(collect_named(self, '_buffers', recurse, prefix))
end

function Module:named_children()
  local out, mods = {}, rawget(self, '_modules')
  for _, name in ipairs(mods.names) do out[#out + 1] = { name, mods.map[name] } end
  return pairs_iterator(out)
end

function Module:children()
  local out = {}
  for _, m in self:named_children() do out[#out + 1] = m end
  return out
end

function Module:named_modules(prefix)
  local out = {}
  walk(self, prefix or '', function(name, m) out[#out + 1] = { name, m } end, {})
  return pairs_iterator(out)
end

function Module:modules()
  local out = {}
  for _, m in self:named_modules() do out[#out + 1] = m end
  return out
end

-------------------------------------------------------------------------------
-- Modes and gradients

function Module:train(mode)
  mode = mode ~= false
  for _, m in ipairs(self:modules()) do rawset(m, 'training', mode) end
  return self
end

function Module:eval() return self:train(false) end

function Module:requires_grad_(flag)
  for _, p in ipairs(self:parameters()) do p.requires_grad = flag ~= false end
  return self
end

--- zero_grad({set_to_none=true})
function Module:zero_grad(opts)
  local set_to_none = not (opts and opts.set_to_none == false)
  for _, p in ipairs(self:parameters()) do
    local g = p.grad
    if g then
      if set_to_none then p.grad = nil else torch.no_grad(function() g:zero_() end) end
    end
  end
end

--- apply(fn): fn(m) on every submodule (children first) and then on self.
function Module:apply(fn)
  for _, child in ipairs(self:children()) do child:apply(fn) end
  fn(self)
  return self
end

-------------------------------------------------------------------------------
-- Moving between dtypes and devices: parameters keep their identity (their
-- .data is replaced), so optimizers built before still hold them.

function Module:_apply(fn)
  torch.no_grad(function()
    for _, m in ipairs(self:modules()) do
      local params = rawget(m, '_parameters')
      for _, name in ipairs(params.names) do
        local p = params.map[name]
        p.data = fn(p.data)
        local g = p.grad
        if g then p.grad = fn(g) end
      end
      local buffers = rawget(m, '_buffers')
      for _, name in ipairs(buffers.names) do
        local b = buffers.map[name]
        if b then buffers.map[name] = fn(b) end
      end
    end
  end)
  return self
end

local function float_only(dtype)
  return function(t)
    if t.dtype == torch.float32 or t.dtype == torch.float64 or t.dtype == torch.float16 or
        t.dtype == torch.bfloat16 then
      return t:to(dtype)
    end
    return t
  end
end

--- to(device), to(dtype), to(device, dtype), to({device=, dtype=}); floating
-- point parameters and buffers change dtype, all of them change device.
function Module:to(a, b)
  local device, dtype
  for _, v in ipairs({ a, b }) do
    if type(v) == 'table' and not util.is_dtype(v) and getmetatable(v) == nil then
      device, dtype = v.device or device, v.dtype or dtype
    elseif util.is_dtype(v) then
      dtype = v
    elseif v ~= nil then
      device = v
    end
  end
  if dtype and not (dtype == torch.float32 or dtype == torch.float64 or dtype == torch.float16 or
        dtype == torch.bfloat16) then
    error('Module:to: only floating point dtypes are allowed, got ' .. tostring(dtype), 2)
  end
  local cast = dtype and float_only(dtype)
  return self:_apply(function(t)
    if device then t = t:to(device) end
    if cast then t = cast(t) end
    return t
  end)
end

function Module:cuda(device) return self:to(device and ('cuda:' .. tostring(device - 1)) or 'cuda') end

function Module:cpu() return self:to('cpu') end

function Module:double() return self:_apply(float_only(torch.float64)) end

function Module:float() return self:_apply(float_only(torch.float32)) end

function Module:half() return self:_apply(float_only(torch.float16)) end

-------------------------------------------------------------------------------
-- State dicts: keys as PyTorch names them (fc1.weight, features.0.bias,
-- bn.running_mean), in registration order.

function Module:state_dict(opts)
  local ordered = require 'torch.ordered'
  local keep_vars = opts and opts.keep_vars
  local sd = opts and opts.destination or ordered.new()
  local prefix = opts and opts.prefix or ''
  walk(self, '', function(pfx, m)
    local base = pfx == '' and prefix or prefix .. pfx .. '.'
    local params, buffers = rawget(m, '_parameters'), rawget(m, '_buffers')
    for _, name in ipairs(params.names) do
      local p = params.map[name]
      sd[base .. name] = keep_vars and p or p:detach()
    end
    local skip = rawget(m, '_non_persistent')
    for _, name in ipairs(buffers.names) do
      local b = buffers.map[name]
      if b and not skip[name] then sd[base .. name] = keep_vars and b or b:detach() end
    end
  end, {})
  return sd
end

--- load_state_dict(sd, {strict=true}): copies values into the parameters and
-- buffers in place; returns {missing_keys=, unexpected_keys=}.
function Module:load_state_dict(sd, opts)
  local strict = not (opts and opts.strict == false)
  if type(sd) ~= 'table' then error('load_state_dict: expected a table of tensors, got ' .. type(sd), 2) end
  local targets, order = {}, {}
  walk(self, '', function(pfx, m)
    local base = pfx == '' and '' or pfx .. '.'
    local params, buffers = rawget(m, '_parameters'), rawget(m, '_buffers')
    for _, name in ipairs(params.names) do
      order[#order + 1] = base .. name
      targets[base .. name] = params.map[name]
    end
    local skip = rawget(m, '_non_persistent')
    for _, name in ipairs(buffers.names) do
      if buffers.map[name] and not skip[name] then
        order[#order + 1] = base .. name
        targets[base .. name] = buffers.map[name]
      end
    end
  end, {})
  local missing, unexpected, mismatched = {}, {}, {}
  for _, key in ipairs(order) do
    local v = sd[key]
    if v == nil then
      missing[#missing + 1] = key
    elseif not torch.is_tensor(v) then
      mismatched[#mismatched + 1] = string.format('%s: expected a tensor, got a %s', key, type(v))
    elseif not util.same_shape(v.shape, targets[key].shape) then
      mismatched[#mismatched + 1] = string.format('%s: shape %s in the state dict, %s in the model',
        key, util.shape_string(v.shape), util.shape_string(targets[key].shape))
    end
  end
  for key in pairs(sd) do
    if targets[key] == nil then unexpected[#unexpected + 1] = key end
  end
  table.sort(unexpected)
  local problems = {}
  if #mismatched > 0 then problems[#problems + 1] = 'size mismatch for ' .. table.concat(mismatched, '; ') end
  if strict and #missing > 0 then problems[#problems + 1] = 'missing keys: ' .. table.concat(missing, ', ') end
  if strict and #unexpected > 0 then
    problems[#problems + 1] = 'unexpected keys: ' .. table.concat(unexpected, ', ')
  end
  if #problems > 0 then
    error('load_state_dict: error(s) loading the state dict of ' .. self.__name .. ': ' ..
      table.concat(problems, '; '), 2)
  end
  torch.no_grad(function()
    for _, key in ipairs(order) do
      local v = sd[key]
      if v ~= nil then targets[key]:copy_(v) end
    end
  end)
  return { missing_keys = missing, unexpected_keys = unexpected }
end

-------------------------------------------------------------------------------
-- Printing, as PyTorch does:  Net(\n  (conv1): Conv2d(3, 6, kernel_size=(5, 5), stride=(1, 1))\n)

function Module:extra_repr() return '' end

function Module:__repr()
  local extra = self:extra_repr()
  local lines = {}
  if extra ~= '' then
    for line in (extra .. '\n'):gmatch('(.-)\n') do lines[#lines + 1] = line end
  end
  local mods = rawget(self, '_modules')
  for _, name in ipairs(mods.names) do
    local child = mods.map[name]:__repr():gsub('\n', '\n  ')
    lines[#lines + 1] = '(' .. name .. '): ' .. child
  end
  if #mods.names == 0 and #lines <= 1 then return self.__name .. '(' .. extra .. ')' end
  return self.__name .. '(\n  ' .. table.concat(lines, '\n  ') .. '\n)'
end

Module.__instance_mt = make_instance_mt(Module)
setmetatable(Module, class_mt)

return {
  Module = Module,
  Parameter = Parameter,
  is_module = is_module,
  is_parameter = is_parameter,
}
