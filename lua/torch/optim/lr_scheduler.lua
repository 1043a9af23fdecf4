-- optim.lr_scheduler: learning-rate schedules (PyTorch's torch.optim.lr_scheduler).
--
--   local sched = optim.lr_scheduler.StepLR(opt, {step_size = 30, gamma = 0.1})
--   for epoch = 1, 100 do train(...); sched:step() end
--
-- The first argument after the optimizer may also be given positionally:
-- StepLR(opt, 30, {gamma = 0.1}), MultiStepLR(opt, {30, 80}, {gamma = 0.1}),
-- ExponentialLR(opt, 0.9), CosineAnnealingLR(opt, 100, {eta_min = 0}),
-- LambdaLR(opt, fn or {fn1, fn2, ...}), ReduceLROnPlateau(opt, 'max', {...}).
-- Each scheduler sets group.lr of the optimizer's param groups; like
-- PyTorch's, the epoch-based ones are chainable (computed from the current
-- lr), step(epoch) uses the closed form, and construction takes one step
-- (last_epoch becomes 0).  get_last_lr() returns the lrs {group 1, group 2, ...}.
-- New schedulers: Scheduler = lr_scheduler.LRScheduler:extend('Name') with
-- init calling LRScheduler.init(self, optimizer, last_epoch) last, and get_lr.
local LRScheduler = { __name = 'LRScheduler' }

local function construct(cls, ...)
  local self = setmetatable({}, cls.__instance_mt)
  self:init(...)
  return self
end

local function make_class(name, parent)
  local cls = setmetatable({ __name = name, super = parent }, {
    __index = parent,
    __call = construct,
    __tostring = function(c) return 'class ' .. c.__name end,
  })
  cls.__instance_mt = {
    __index = cls,
    __name = name,
    __tostring = function(s) return string.format('%s(last_epoch=%s)', s.__name, tostring(s.last_epoch)) end,
  }
  return cls
end

function LRScheduler:extend(name)
  if type(name) ~= 'string' then
    error('LRScheduler:extend expects a class name, e.g. LRScheduler:extend("MyLR")', 2)
  end
  return make_class(name, self)
end

local function copy(v)
  if type(v) ~= 'table' then return v end
  local out = {}
  for k, x in pairs(v) do out[k] = copy(x) end
  return out
end

local function check_optimizer(name, optimizer, level)
  if type(optimizer) ~= 'table' or type(optimizer.param_groups) ~= 'table' then
    error(string.format('%s: expected an optimizer (with param_groups), got %s', name, type(optimizer)),
      level + 1)
  end
end

-- The options table of a constructor: `first` is either the first option
-- given positionally (then opts follows) or the options table itself.  When
-- that option is itself an array (milestones, a list of lr_lambdas), a table
-- is the options table only if it has a string key.
local function options(first, opts, key, positional_is_array)
  if type(first) == 'table' then
    local named = not positional_is_array
    for k in pairs(first) do
      if type(k) == 'string' then named = true end
    end
    if named then return first end
  end
  local o = {}
  for k, v in pairs(opts or {}) do o[k] = v end
  if first ~= nil then o[key] = first end
  return o
end

local function check_known(name, opts, known, level)
  for k in pairs(opts) do
    if not known[k] then
      error(string.format("%s: unknown option '%s'", name, tostring(k)), level + 1)
    end
  end
end

local function number_option(name, opts, key, default, level, check)
  local v = opts[key]
  if v == nil then v = default end
  if type(v) ~= 'number' or (check and not check(v)) then
    error(string.format('%s: invalid %s %s', name, key, tostring(v)), level + 1)
  end
  return v
end

local function positive_integer(v)
  local i = math.tointeger(v)
  return i ~= nil and i > 0
end

-------------------------------------------------------------------------------
-- The base: last_epoch, base_lrs, step(), get_last_lr(), state dicts

--- LRScheduler.init(self, optimizer, last_epoch): call at the end of a
-- subclass's init (it takes the initial step, which calls get_lr).
function LRScheduler:init(optimizer, last_epoch)
  local name = self.__name
  check_optimizer(name, optimizer, 3)
  last_epoch = last_epoch == nil and -1 or last_epoch
  if math.type(last_epoch) ~= 'integer' then
    error(string.format('%s: last_epoch must be an integer, got %s', name, tostring(last_epoch)), 3)
  end
  self.optimizer = optimizer
  local base_lrs = {}
  for i, group in ipairs(optimizer.param_groups) do
    if last_epoch == -1 then
      if group.initial_lr == nil then group.initial_lr = group.lr end
    elseif group.initial_lr == nil then
      error(string.format("%s: param 'initial_lr' is not specified in param_groups[%d] when resuming " ..
        'an optimizer (last_epoch = %d)', name, i, last_epoch), 3)
    end
    base_lrs[i] = group.initial_lr
  end
  self.base_lrs = base_lrs
  self.last_epoch = last_epoch
  self._step_count = 0
  self:step()
end

function LRScheduler:get_lr()
  error(self.__name .. ': get_lr is not implemented', 2)
end

--- sched:step(): advances last_epoch by one and sets each group's lr.
-- sched:step(epoch) jumps to that epoch (the closed form where there is one).
function LRScheduler:step(epoch)
  self._step_count = self._step_count + 1
  local values
  if epoch == nil then
    self.last_epoch = self.last_epoch + 1
    values = self:get_lr()
  else
    if math.type(epoch) ~= 'integer' then
      error(string.format('%s:step: epoch must be an integer, got %s', self.__name, tostring(epoch)), 2)
    end
    self.last_epoch = epoch
    values = self._get_closed_form_lr and self:_get_closed_form_lr() or self:get_lr()
  end
  local last = {}
  for i, group in ipairs(self.optimizer.param_groups) do
    group.lr = values[i]
    last[i] = values[i]
  end
  self._last_lr = last
end

--- sched:get_last_lr(): the lrs the last step set, one per param group.
function LRScheduler:get_last_lr()
  return copy(self._last_lr)
end

-- Fields that state_dict leaves out.
LRScheduler._not_state = { optimizer = true }

--- sched:state_dict(): every field but the optimizer (and functions).
function LRScheduler:state_dict()
  local sd = {}
  for k, v in pairs(self) do
    if not self._not_state[k] and type(v) ~= 'function' then sd[k] = copy(v) end
  end
  return sd
end

function LRScheduler:load_state_dict(sd)
  if type(sd) ~= 'table' then
    error(self.__name .. ':load_state_dict expects a table (from state_dict())', 2)
  end
  for k, v in pairs(sd) do
    if not self._not_state[k] then self[k] = copy(v) end
  end
end

local function group_lrs(self)
  local out = {}
  for i, group in ipairs(self.optimizer.param_groups) do out[i] = group.lr end
  return out
end

-------------------------------------------------------------------------------
-- StepLR: lr *= gamma every step_size epochs

local StepLR = make_class('StepLR', LRScheduler)

function StepLR:init(optimizer, step_size, opts)
  local o = options(step_size, opts, 'step_size')
  check_known('StepLR', o, { step_size = true, gamma = true, last_epoch = true }, 2)
  if o.step_size == nil then error('StepLR: step_size is required', 2) end
  self.step_size = math.tointeger(number_option('StepLR', o, 'step_size', nil, 2, positive_integer))
  self.gamma = number_option('StepLR', o, 'gamma', 0.1, 2)
  LRScheduler.init(self, optimizer, o.last_epoch)
end

function StepLR:get_lr()
  if self.last_epoch == 0 or self.last_epoch % self.step_size ~= 0 then return group_lrs(self) end
  local out = {}
  for i, group in ipairs(self.optimizer.param_groups) do out[i] = group.lr * self.gamma end
  return out
end

function StepLR:_get_closed_form_lr()
  local out = {}
  for i, base in ipairs(self.base_lrs) do out[i] = base * self.gamma ^ (self.last_epoch // self.step_size) end
  return out
end

-------------------------------------------------------------------------------
-- MultiStepLR: lr *= gamma at each milestone (a repeated milestone counts twice)

local MultiStepLR = make_class('MultiStepLR', LRScheduler)

function MultiStepLR:init(optimizer, milestones, opts)
  local o = options(milestones, opts, 'milestones', true)
  check_known('MultiStepLR', o, { milestones = true, gamma = true, last_epoch = true }, 2)
  local list = o.milestones
  if type(list) ~= 'table' then
    error('MultiStepLR: milestones must be an array of epochs, got ' .. type(list), 2)
  end
  local ms = {}
  for i, m in ipairs(list) do
    if math.tointeger(m) == nil then
      error(string.format('MultiStepLR: milestones[%d] must be an integer, got %s', i, tostring(m)), 2)
    end
    ms[i] = math.tointeger(m)
  end
  table.sort(ms)
  self.milestones = ms
  self.gamma = number_option('MultiStepLR', o, 'gamma', 0.1, 2)
  LRScheduler.init(self, optimizer, o.last_epoch)
end

function MultiStepLR:get_lr()
  local count = 0
  for _, m in ipairs(self.milestones) do
    if m == self.last_epoch then count = count + 1 end
  end
  if count == 0 then return group_lrs(self) end
  local out = {}
  for i, group in ipairs(self.optimizer.param_groups) do out[i] = group.lr * self.gamma ^ count end
  return out
end

function MultiStepLR:_get_closed_form_lr()
  local passed = 0 -- bisect_right: milestones <= last_epoch
  for _, m in ipairs(self.milestones) do
    if m <= self.last_epoch then passed = passed + 1 end
  end
  local out = {}
  for i, base in ipairs(self.base_lrs) do out[i] = base * self.gamma ^ passed end
  return out
end

-------------------------------------------------------------------------------
-- ExponentialLR: lr *= gamma every epoch

local ExponentialLR = make_class('ExponentialLR', LRScheduler)

function ExponentialLR:init(optimizer, gamma, opts)
  local o = options(gamma, opts, 'gamma')
  check_known('ExponentialLR', o, { gamma = true, last_epoch = true }, 2)
  if o.gamma == nil then error('ExponentialLR: gamma is required', 2) end
  self.gamma = number_option('ExponentialLR', o, 'gamma', nil, 2)
  LRScheduler.init(self, optimizer, o.last_epoch)
end

function ExponentialLR:get_lr()
  if self.last_epoch == 0 then return group_lrs(self) end
  local out = {}
  for i, group in ipairs(self.optimizer.param_groups) do out[i] = group.lr * self.gamma end
  return out
end

function ExponentialLR:_get_closed_form_lr()
  local out = {}
  for i, base in ipairs(self.base_lrs) do out[i] = base * self.gamma ^ self.last_epoch end
  return out
end

-------------------------------------------------------------------------------
-- CosineAnnealingLR: cosine from the initial lr down to eta_min over T_max
-- epochs (PyTorch's recursive form, so other lr changes chain with it)

local CosineAnnealingLR = make_class('CosineAnnealingLR', LRScheduler)

function CosineAnnealingLR:init(optimizer, T_max, opts)
  local o = options(T_max, opts, 'T_max')
  check_known('CosineAnnealingLR', o, { T_max = true, eta_min = true, last_epoch = true }, 2)
  if o.T_max == nil then error('CosineAnnealingLR: T_max is required', 2) end
  self.T_max = number_option('CosineAnnealingLR', o, 'T_max', nil, 2, function(v) return v > 0 end)
  self.eta_min = number_option('CosineAnnealingLR', o, 'eta_min', 0, 2)
  LRScheduler.init(self, optimizer, o.last_epoch)
end

function CosineAnnealingLR:get_lr()
  local e, T, eta_min = self.last_epoch, self.T_max, self.eta_min
  local groups, out = self.optimizer.param_groups, {}
  if e == 0 then return group_lrs(self) end
  if self._step_count == 1 and e > 0 then
    for i, base in ipairs(self.base_lrs) do
      out[i] = eta_min + (base - eta_min) * (1 + math.cos(e * math.pi / T)) / 2
    end
  elseif (e - 1 - T) % (2 * T) == 0 then
    for i, base in ipairs(self.base_lrs) do
      out[i] = groups[i].lr + (base - eta_min) * (1 - math.cos(math.pi / T)) / 2
    end
  else
    for i, group in ipairs(groups) do
      out[i] = (1 + math.cos(math.pi * e / T)) / (1 + math.cos(math.pi * (e - 1) / T)) *
        (group.lr - eta_min) + eta_min
    end
  end
  return out
end

function CosineAnnealingLR:_get_closed_form_lr()
  local out = {}
  for i, base in ipairs(self.base_lrs) do
    out[i] = self.eta_min + (base - self.eta_min) * (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
  end
  return out
end

-------------------------------------------------------------------------------
-- LambdaLR: lr = initial lr * lr_lambda(epoch), one function or one per group

local LambdaLR = make_class('LambdaLR', LRScheduler)
LambdaLR._not_state = { optimizer = true, lr_lambdas = true }

local function callable(f)
  return type(f) == 'function' or (type(f) == 'table' and getmetatable(f) ~= nil and
    getmetatable(f).__call ~= nil)
end

function LambdaLR:init(optimizer, lr_lambda, opts)
  check_optimizer('LambdaLR', optimizer, 2)
  local o
  if callable(lr_lambda) then -- also a callable table, whatever its fields
    o = { lr_lambda = lr_lambda }
    for k, v in pairs(opts or {}) do if k ~= 'lr_lambda' then o[k] = v end end
  else
    o = options(lr_lambda, opts, 'lr_lambda', true)
  end
  check_known('LambdaLR', o, { lr_lambda = true, last_epoch = true }, 2)
  local f, n = o.lr_lambda, #optimizer.param_groups
  local lambdas = {}
  if callable(f) then
    for i = 1, n do lambdas[i] = f end
  elseif type(f) == 'table' then
    if #f ~= n then
      error(string.format('LambdaLR: expected %d lr_lambdas (one per param group), got %d', n, #f), 2)
    end
    for i = 1, n do
      if not callable(f[i]) then
        error(string.format('LambdaLR: lr_lambda[%d] must be a function, got %s', i, type(f[i])), 2)
      end
      lambdas[i] = f[i]
    end
  else
    error('LambdaLR: lr_lambda must be a function or a table of functions, got ' .. type(f), 2)
  end
  self.lr_lambdas = lambdas
  LRScheduler.init(self, optimizer, o.last_epoch)
end

function LambdaLR:get_lr()
  local out = {}
  for i, base in ipairs(self.base_lrs) do out[i] = base * self.lr_lambdas[i](self.last_epoch) end
  return out
end

-------------------------------------------------------------------------------
-- ReduceLROnPlateau: lr *= factor when a metric stops improving

local ReduceLROnPlateau = make_class('ReduceLROnPlateau', LRScheduler)

local plateau_options = { mode = true, factor = true, patience = true, threshold = true,
  threshold_mode = true, cooldown = true, min_lr = true, eps = true }

function ReduceLROnPlateau:init(optimizer, mode, opts)
  local name = 'ReduceLROnPlateau'
  check_optimizer(name, optimizer, 2)
  local o = options(mode, opts, 'mode')
  check_known(name, o, plateau_options, 2)
  self.factor = number_option(name, o, 'factor', 0.1, 2)
  if self.factor >= 1 then error('ReduceLROnPlateau: factor should be < 1.0, got ' .. tostring(self.factor), 2) end
  self.optimizer = optimizer
  local n = #optimizer.param_groups
  local min_lr = o.min_lr == nil and 0 or o.min_lr
  local min_lrs = {}
  if type(min_lr) == 'table' then
    if #min_lr ~= n then
      error(string.format('ReduceLROnPlateau: expected %d min_lrs, got %d', n, #min_lr), 2)
    end
    for i = 1, n do min_lrs[i] = min_lr[i] end
  elseif type(min_lr) == 'number' then
    for i = 1, n do min_lrs[i] = min_lr end
  else
    error('ReduceLROnPlateau: min_lr must be a number or a table of numbers, got ' .. type(min_lr), 2)
  end
  self.min_lrs = min_lrs
  self.patience = number_option(name, o, 'patience', 10, 2)
  self.cooldown = number_option(name, o, 'cooldown', 0, 2)
  self.threshold = number_option(name, o, 'threshold', 1e-4, 2)
  self.eps = number_option(name, o, 'eps', 1e-8, 2)
  self.mode = o.mode == nil and 'min' or o.mode
  self.threshold_mode = o.threshold_mode == nil and 'rel' or o.threshold_mode
  if self.mode ~= 'min' and self.mode ~= 'max' then
    error("ReduceLROnPlateau: mode " .. tostring(self.mode) .. " is unknown (use 'min' or 'max')", 2)
  end
  if self.threshold_mode ~= 'rel' and self.threshold_mode ~= 'abs' then
    error("ReduceLROnPlateau: threshold mode " .. tostring(self.threshold_mode) ..
      " is unknown (use 'rel' or 'abs')", 2)
  end
  self.mode_worse = self.mode == 'min' and math.huge or -math.huge
  self.best = self.mode_worse
  self.num_bad_epochs = 0
  self.cooldown_counter = 0
  self.last_epoch = 0
  self._last_lr = group_lrs(self)
end

function ReduceLROnPlateau:is_better(a, best)
  if self.mode == 'min' and self.threshold_mode == 'rel' then
    return a < best * (1 - self.threshold)
  elseif self.mode == 'min' then
    return a < best - self.threshold
  elseif self.threshold_mode == 'rel' then
    return a > best * (self.threshold + 1)
  end
  return a > best + self.threshold
end

--- sched:step(metric): metric is a number or a one-element tensor.
function ReduceLROnPlateau:step(metric)
  local current = metric
  if type(metric) == 'userdata' and metric.item then current = metric:item() end
  if type(current) ~= 'number' then
    error('ReduceLROnPlateau:step expects the metric (a number or a one-element tensor), got ' ..
      type(metric), 2)
  end
  self.last_epoch = self.last_epoch + 1
  if self:is_better(current, self.best) then
    self.best = current
    self.num_bad_epochs = 0
  else
    self.num_bad_epochs = self.num_bad_epochs + 1
  end
  if self.cooldown_counter > 0 then
    self.cooldown_counter = self.cooldown_counter - 1
    self.num_bad_epochs = 0 -- bad epochs in cooldown do not count
  end
  if self.num_bad_epochs > self.patience then
    for i, group in ipairs(self.optimizer.param_groups) do
      local old = group.lr
      local new = math.max(old * self.factor, self.min_lrs[i])
      if old - new > self.eps then group.lr = new end
    end
    self.cooldown_counter = self.cooldown
    self.num_bad_epochs = 0
  end
  self._last_lr = group_lrs(self)
end

return {
  LRScheduler = LRScheduler,
  StepLR = StepLR,
  MultiStepLR = MultiStepLR,
  ExponentialLR = ExponentialLR,
  CosineAnnealingLR = CosineAnnealingLR,
  LambdaLR = LambdaLR,
  ReduceLROnPlateau = ReduceLROnPlateau,
}
