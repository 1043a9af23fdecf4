-- optim.Adagrad (PyTorch's torch.optim.Adagrad).
--   optim.Adagrad(params, {lr = 1e-2, lr_decay = 0, weight_decay = 0,
--                          initial_accumulator_value = 0, eps = 1e-10, maximize = false})
-- State per parameter, made when the parameter is added (as PyTorch does):
-- step and sum (filled with initial_accumulator_value).
local torch = require 'torch'
local Optimizer = require 'torch.optim.optimizer'

local adagrad_step, full_like = torch._adagrad_step_, torch.full_like
local rawget, rawset = rawget, rawset

local Adagrad = Optimizer:extend('Adagrad')

function Adagrad:init(params, opts)
  local defaults = { lr = 1e-2, lr_decay = 0, weight_decay = 0, initial_accumulator_value = 0,
    eps = 1e-10, maximize = false }
  self:_check_options(opts, defaults, 2)
  for k, v in pairs(opts or {}) do defaults[k] = v end
  Optimizer.init(self, params, defaults)
end

function Adagrad:_check_group(g, level)
  self:_check_number(g.lr, 'learning rate', level, 0)
  self:_check_number(g.lr_decay, 'lr_decay value', level, 0)
  self:_check_number(g.weight_decay, 'weight_decay value', level, 0)
  self:_check_number(g.initial_accumulator_value, 'initial_accumulator_value value', level, 0)
  self:_check_number(g.eps, 'epsilon value', level, 0)
  self:_check_flag(g.maximize, 'maximize', level)
end

local function init_state(state, p, value)
  local st = { step = 0, sum = full_like(p, value) }
  rawset(state, p, st)
  return st
end

function Adagrad:_init_group(group)
  for _, p in ipairs(group.params) do
    init_state(self.state, p, group.initial_accumulator_value)
  end
end

--- opt:step(closure): one update of every parameter that has a gradient.
function Adagrad:step(closure)
  local loss = closure ~= nil and self:_eval_closure(closure) or nil
  local state = self.state
  for _, group in ipairs(self.param_groups) do
    local params = group.params
    local lr, lr_decay, wd, eps, maximize = group.lr, group.lr_decay, group.weight_decay, group.eps,
      group.maximize
    for i = 1, #params do
      local p = params[i]
      local st = rawget(state, p)
      if st == nil or st.sum == nil then -- e.g. after loading a state dict without it
        st = init_state(state, p, group.initial_accumulator_value)
      end
      local step = st.step + 1
      if adagrad_step(p, nil, st.sum, step, lr, lr_decay, wd, eps, maximize) then st.step = step end
    end
  end
  return loss
end

return Adagrad
