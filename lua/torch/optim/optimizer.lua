-- optim.Optimizer: the base of every optimizer (PyTorch's torch.optim.Optimizer).
--
-- A user optimizer derives from it:
--
--   local NoisySGD = optim.Optimizer:extend('NoisySGD')
--   function NoisySGD:init(params, opts)
--     opts = opts or {}
--     -- defaults: every hyperparameter a param group may override
--     optim.Optimizer.init(self, params, { lr = opts.lr or 0.01, noise = opts.noise or 0 })
--   end
--   function NoisySGD:step(closure)
--     local loss = closure and torch.enable_grad(closure)  -- re-evaluates the loss
--     torch.no_grad(function()
--       for _, group in ipairs(self.param_groups) do
--         for _, p in ipairs(group.params) do
--           local g = p.grad
--           if g then
--             local state = self.state[p]         -- a table per parameter, kept across steps
--             state.step = (state.step or 0) + 1
--             p:add_(g * -group.lr)
--           end
--         end
--       end
--     end)
--     return loss
--   end
--   local opt = NoisySGD(model:parameters(), { lr = 0.1 })
--
-- Instances have param_groups (an array of tables, each with `params` and
-- every hyperparameter; changing group.lr takes effect on the next step, as
-- schedulers do), defaults, and state (parameter -> table).  The built-in
-- optimizers (SGD, Adam, AdamW, RMSprop, Adagrad) update each parameter with
-- one fused C call (torch._sgd_step_ ...).
--
-- state is keyed by the parameter tensor.  A tensor pushed to Lua twice (say
-- by two reads of a C getter) is two different userdata, so identity is taken
-- from torch._tensor_id (the C tensor's address, stable for its life and kept
-- by x.data = y): any Lua value of a parameter finds its state, duplicates
-- are recognised, and pairs(opt.state) yields the parameters themselves.
local torch = require 'torch'

local tensor_id, is_tensor = torch._tensor_id, torch.is_tensor

local Optimizer = { __name = 'Optimizer' }

--- A default that a param group must give (like PyTorch's optim.required).
Optimizer.required = setmetatable({}, { __tostring = function() return '<required parameter>' end })

-------------------------------------------------------------------------------
-- Classes

local function construct(cls, ...)
  local self = setmetatable({}, cls.__instance_mt)
  self:init(...)
  return self
end

local function instance_tostring(self) return self:__repr() end

local function make_class(name, parent)
  local cls = setmetatable({ __name = name, super = parent }, {
    __index = parent,
    __call = construct,
    __tostring = function(c) return 'class ' .. c.__name end,
  })
  cls.__instance_mt = { __index = cls, __name = name, __tostring = instance_tostring }
  return cls
end

--- Optimizer:extend(name): a new optimizer class deriving from this one.
function Optimizer:extend(name)
  if type(name) ~= 'string' then
    error('Optimizer:extend expects a class name, e.g. optim.Optimizer:extend("MySGD")', 2)
  end
  return make_class(name, self)
end

-------------------------------------------------------------------------------
-- Construction and param groups

-- Copies a hyperparameter so that groups never share tables (betas).
local function copy_value(v)
  if type(v) ~= 'table' then return v end
  local out = {}
  for k, x in pairs(v) do out[k] = copy_value(x) end
  return out
end

-- state[p] for any Lua value of a parameter, and a fresh table for a parameter
-- without state yet (PyTorch's defaultdict(dict)); internal code uses rawget.
local function make_state(ids)
  return setmetatable({}, {
    __index = function(state, key)
      if not is_tensor(key) then return nil end
      local p = ids[tensor_id(key)]
      if p == nil then return nil end
      local st = rawget(state, p)
      if st == nil then
        st = {}
        rawset(state, p, st)
      end
      return st
    end,
    __newindex = function(state, key, value)
      if is_tensor(key) then
        local p = ids[tensor_id(key)]
        if p ~= nil then key = p end
      end
      rawset(state, key, value)
    end,
  })
end

--- Optimizer.init(self, params, defaults): params is an array of tensors or
-- of param groups ({params = {...}, lr = ...}); defaults holds every
-- hyperparameter with its default value.
function Optimizer:init(params, defaults)
  local name = self.__name
  if is_tensor(params) then
    error(name .. ': params must be a table of tensors or of parameter groups, got a tensor ' ..
      '(wrap it: {t})', 3)
  end
  if type(params) ~= 'table' then
    error(name .. ': params must be a table of tensors or of parameter groups, got ' .. type(params), 3)
  end
  if params[1] == nil then error(name .. ': optimizer got an empty parameter list', 3) end
  if type(defaults) ~= 'table' then
    error(name .. ': defaults must be a table of hyperparameters', 3)
  end
  -- the defaults obey the same rules as a group (unless some are required)
  local probe, complete = { params = {} }, true
  for k, v in pairs(defaults) do
    if v == Optimizer.required then complete = false end
    probe[k] = v
  end
  if complete then self:_check_group(probe, 3) end
  self.defaults = defaults
  self._param_of_id = {}
  self.state = make_state(self._param_of_id)
  self.param_groups = {}
  local groups = params
  if is_tensor(params[1]) then groups = { { params = params } } end
  for _, group in ipairs(groups) do self:add_param_group(group, 3) end
end

--- opt:add_param_group(group): adds {params = tensor or {tensors}, <overrides>}.
function Optimizer:add_param_group(group, level)
  level = (level or 0) + 2
  local name = self.__name
  if type(group) ~= 'table' or is_tensor(group) then
    error(name .. ': a parameter group must be a table {params = {...}, ...}, got ' ..
      (is_tensor(group) and 'a tensor' or type(group)), level)
  end
  local src = group.params
  local params = {}
  if is_tensor(src) then
    params[1] = src
  elseif type(src) == 'table' then
    for i, p in ipairs(src) do params[i] = p end
    if params[1] == nil and next(src) ~= nil then
      error(name .. ': a parameter group\'s params must be an array of tensors', level)
    end
  else
    error(name .. ': a parameter group needs params (a tensor or an array of tensors), got ' ..
      type(src), level)
  end
  local seen = {}
  for i, p in ipairs(params) do
    if not is_tensor(p) then
      error(string.format('%s: optimizer can only optimize tensors, but params[%d] is a %s',
        name, i, type(p)), level)
    end
    if not p.is_leaf then
      error(string.format("%s: can't optimize a non-leaf tensor (params[%d] has grad_fn %s); " ..
        'use a leaf such as t:detach():requires_grad_()', name, i, tostring(p.grad_fn)), level)
    end
    local id = tensor_id(p)
    if seen[id] then
      error(string.format('%s: a parameter group lists the same parameter twice (params[%d] and params[%d])',
        name, seen[id], i), level)
    end
    seen[id] = i
    if self._param_of_id[id] ~= nil then
      error(string.format('%s: some parameters appear in more than one parameter group (params[%d])',
        name, i), level)
    end
  end

  local g = {}
  for k, v in pairs(group) do
    if k ~= 'params' then g[k] = copy_value(v) end
  end
  for k, v in pairs(self.defaults) do
    if g[k] == nil then
      if v == Optimizer.required then
        error(string.format("%s: parameter group didn't specify a value of required optimization " ..
          'parameter %s', name, k), level)
      end
      g[k] = copy_value(v)
    end
  end
  g.params = params
  self:_check_group(g, level + 1)
  for i, p in ipairs(params) do self._param_of_id[tensor_id(p)] = params[i] end
  self.param_groups[#self.param_groups + 1] = g
  self:_init_group(g)
end

--- Hook: checks a group's hyperparameters (raise with error(msg, level)).
function Optimizer:_check_group(group, level) end

--- Hook: state a group needs before its first step (Adagrad's sums).
function Optimizer:_init_group(group) end

--- For _check_group: raises "<Name>: invalid <what> <value>" unless v is a
-- number with lo <= v (and v < hi when hi is given).
function Optimizer:_check_number(v, what, level, lo, hi)
  if type(v) ~= 'number' or v ~= v or v < lo or (hi ~= nil and v >= hi) then
    error(string.format('%s: invalid %s %s', self.__name, what, tostring(v)), level + 1)
  end
end

--- For a constructor: opts (the trailing options table) may only name
-- hyperparameters that defaults has.
function Optimizer:_check_options(opts, defaults, level)
  if opts == nil then return end
  if type(opts) ~= 'table' then
    error(string.format('%s: options must be a table such as {lr = 0.01}, got %s', self.__name,
      type(opts)), level + 1)
  end
  for k in pairs(opts) do
    if defaults[k] == nil then
      local names = {}
      for name in pairs(defaults) do names[#names + 1] = name end
      table.sort(names)
      error(string.format("%s: unknown option '%s' (options: %s)", self.__name, tostring(k),
        table.concat(names, ', ')), level + 1)
    end
  end
end

--- For _check_group: flags are booleans.
function Optimizer:_check_flag(v, what, level)
  if type(v) ~= 'boolean' then
    error(string.format('%s: %s must be true or false, got %s', self.__name, what, tostring(v)), level + 1)
  end
end

-------------------------------------------------------------------------------
-- Stepping

--- opt:_eval_closure(closure): nil, or closure() evaluated with grad mode on.
function Optimizer:_eval_closure(closure)
  if closure == nil then return nil end
  if type(closure) ~= 'function' and not (getmetatable(closure) or {}).__call then
    error(self.__name .. ':step expects a closure (a function returning the loss), got ' ..
      type(closure), 3)
  end
  return torch.enable_grad(closure)
end

function Optimizer:step()
  error(self.__name .. ': step is not implemented (define function ' .. self.__name ..
    ':step(closure))', 2)
end

--- opt:zero_grad() clears every parameter's .grad (set_to_none, the default,
-- as in PyTorch 2); opt:zero_grad({set_to_none = false}) or
-- opt:zero_grad(false) zeroes the gradients in place instead.
function Optimizer:zero_grad(opts)
  local set_to_none = true
  if type(opts) == 'table' then
    if opts.set_to_none ~= nil then set_to_none = opts.set_to_none and true or false end
  elseif type(opts) == 'boolean' then
    set_to_none = opts
  elseif opts ~= nil then
    error(self.__name .. ':zero_grad expects {set_to_none = bool} or a boolean, got ' .. type(opts), 2)
  end
  local zero = torch._zero_grad_
  for _, group in ipairs(self.param_groups) do zero(group.params, set_to_none) end
end

-------------------------------------------------------------------------------
-- State dicts (PyTorch's layout, parameters numbered 1..n in group order)

local function copy_state(v)
  if is_tensor(v) then return v:detach():clone() end
  if type(v) == 'table' then
    local out = {}
    for k, x in pairs(v) do out[k] = copy_state(x) end
    return out
  end
  return v
end

--- opt:state_dict(): {state = {[i] = {...}}, param_groups = {{params = {i, ...}, lr = ...}}}
-- with copies of the state tensors (safe to torch.save while training goes on).
function Optimizer:state_dict()
  local index, n = {}, 0
  local groups = {}
  for gi, group in ipairs(self.param_groups) do
    local packed = {}
    for k, v in pairs(group) do
      if k ~= 'params' then packed[k] = copy_value(v) end
    end
    local ids = {}
    for i, p in ipairs(group.params) do
      n = n + 1
      index[p] = n
      ids[i] = n
    end
    packed.params = ids
    groups[gi] = packed
  end
  local state = {}
  for p, st in pairs(self.state) do
    local i = index[p]
    if i ~= nil and next(st) ~= nil then state[i] = copy_state(st) end
  end
  return { state = state, param_groups = groups }
end

local function shape_str(t) return '[' .. table.concat(t.shape, ', ') .. ']' end

local function same_shape(a, b)
  local sa, sb = a.shape, b.shape
  if #sa ~= #sb then return false end
  for i = 1, #sa do
    if sa[i] ~= sb[i] then return false end
  end
  return true
end

-- A loaded state value for parameter p: tensors are copied and cast to p's
-- (floating) dtype; integral step counts become integers again.
local function load_state_value(name, p, pi, key, v)
  if is_tensor(v) then
    if v:numel() ~= 1 or p:numel() == 1 then
      if not same_shape(v, p) then
        error(string.format("%s:load_state_dict: state '%s' of parameter %d has shape %s but the " ..
          'parameter has shape %s', name, tostring(key), pi, shape_str(v), shape_str(p)), 4)
      end
    end
    local c = v:detach():clone()
    if p:is_floating_point() and c:is_floating_point() and c.dtype ~= p.dtype then c = c:to(p.dtype) end
    return c
  end
  if type(v) == 'table' then
    local out = {}
    for k, x in pairs(v) do out[k] = load_state_value(name, p, pi, k, x) end
    return out
  end
  if key == 'step' and math.type(v) == 'float' and math.tointeger(v) then return math.tointeger(v) end
  return v
end

--- opt:load_state_dict(sd): restores hyperparameters and state saved by
-- state_dict() from an optimizer with the same groups and parameter shapes.
function Optimizer:load_state_dict(sd)
  local name = self.__name
  if type(sd) ~= 'table' or type(sd.param_groups) ~= 'table' or type(sd.state) ~= 'table' then
    error(name .. ':load_state_dict expects a table with state and param_groups (from state_dict())', 2)
  end
  local groups, saved = self.param_groups, sd.param_groups
  if #groups ~= #saved then
    error(string.format('%s:load_state_dict: the state dict has %d parameter groups but the ' ..
      'optimizer has %d', name, #saved, #groups), 2)
  end
  local param_of = {}
  for gi, group in ipairs(groups) do
    local sg = saved[gi]
    if type(sg) ~= 'table' or type(sg.params) ~= 'table' then
      error(string.format('%s:load_state_dict: parameter group %d of the state dict has no params',
        name, gi), 2)
    end
    if #sg.params ~= #group.params then
      error(string.format('%s:load_state_dict: parameter group %d has %d parameters in the state ' ..
        'dict but %d in the optimizer', name, gi, #sg.params, #group.params), 2)
    end
    for i, id in ipairs(sg.params) do param_of[id] = group.params[i] end
  end
  -- build everything first so that a failure leaves the optimizer unchanged
  local new_state = {}
  for id, st in pairs(sd.state) do
    local p = param_of[id]
    if p == nil then
      error(string.format('%s:load_state_dict: the state dict has state for parameter %s, which is ' ..
        'in none of its parameter groups', name, tostring(id)), 2)
    end
    if type(st) ~= 'table' then
      error(string.format('%s:load_state_dict: state of parameter %s must be a table, got %s',
        name, tostring(id), type(st)), 2)
    end
    local out = {}
    for k, v in pairs(st) do out[k] = load_state_value(name, p, id, k, v) end
    new_state[p] = out
  end
  local new_groups = {}
  for gi, group in ipairs(groups) do
    local g = {}
    for k, v in pairs(saved[gi]) do
      if k ~= 'params' then g[k] = copy_value(v) end
    end
    for k, v in pairs(self.defaults) do
      if g[k] == nil then g[k] = copy_value(v) end
    end
    g.params = group.params
    self:_check_group(g, 3)
    new_groups[gi] = g
  end
  for p in pairs(self.state) do rawset(self.state, p, nil) end
  for p, st in pairs(new_state) do rawset(self.state, p, st) end
  for gi, g in ipairs(new_groups) do groups[gi] = g end
end

-------------------------------------------------------------------------------
-- Printing: like PyTorch's repr

local function value_str(v)
  if type(v) == 'table' then
    local parts = {}
    for i, x in ipairs(v) do parts[i] = value_str(x) end
    return '{' .. table.concat(parts, ', ') .. '}'
  end
  return tostring(v)
end

function Optimizer:__repr()
  local lines = { self.__name .. ' (' }
  for gi, group in ipairs(self.param_groups) do
    lines[#lines + 1] = 'Parameter Group ' .. gi
    local keys = {}
    for k in pairs(group) do
      if k ~= 'params' then keys[#keys + 1] = tostring(k) end
    end
    table.sort(keys)
    for _, k in ipairs(keys) do lines[#lines + 1] = '    ' .. k .. ': ' .. value_str(group[k]) end
  end
  lines[#lines + 1] = ')'
  return table.concat(lines, '\n')
end

return Optimizer
