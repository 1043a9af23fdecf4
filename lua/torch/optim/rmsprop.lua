-- optim.RMSprop (PyTorch's torch.optim.RMSprop).
--   optim.RMSprop(params, {lr = 1e-2, alpha = 0.99, eps = 1e-8, weight_decay = 0,
--                          momentum = 0, centered = false, maximize = false})
-- State per parameter: step, square_avg, momentum_buffer (momentum > 0) and
-- grad_avg (centered).
local torch = require 'torch'
local Optimizer = require 'torch.optim.optimizer'

local rmsprop_step, has_grad, zeros_like = torch._rmsprop_step_, torch._has_grad, torch.zeros_like
local rawget, rawset = rawget, rawset

local RMSprop = Optimizer:extend('RMSprop')

function RMSprop:init(params, opts)
  local defaults = { lr = 1e-2, alpha = 0.99, eps = 1e-8, weight_decay = 0, momentum = 0,
    centered = false, maximize = false }
  self:_check_options(opts, defaults, 2)
  for k, v in pairs(opts or {}) do defaults[k] = v end
  Optimizer.init(self, params, defaults)
end

function RMSprop:_check_group(g, level)
  self:_check_number(g.lr, 'learning rate', level, 0)
  self:_check_number(g.eps, 'epsilon value', level, 0)
  self:_check_number(g.momentum, 'momentum value', level, 0)
  self:_check_number(g.weight_decay, 'weight_decay value', level, 0)
  self:_check_number(g.alpha, 'alpha value', level, 0)
  self:_check_flag(g.centered, 'centered', level)
  self:_check_flag(g.maximize, 'maximize', level)
end

--- opt:step(closure): one update of every parameter that has a gradient.
function RMSprop:step(closure)
  local loss = closure ~= nil and self:_eval_closure(closure) or nil
  local state = self.state
  for _, group in ipairs(self.param_groups) do
    local params = group.params
    local lr, alpha, eps, wd = group.lr, group.alpha, group.eps, group.weight_decay
    local momentum, centered, maximize = group.momentum, group.centered, group.maximize
    for i = 1, #params do
      local p = params[i]
      local st = rawget(state, p)
      if st == nil or st.square_avg == nil then
        if has_grad(p) then
          st = st or {}
          st.step, st.square_avg = 0, zeros_like(p)
          rawset(state, p, st)
        end
      end
      if st ~= nil and st.square_avg ~= nil then
        local buf, grad_avg = st.momentum_buffer, st.grad_avg
        -- buffers of options switched on after the first step start at zero
        if momentum > 0 and buf == nil then
          buf = zeros_like(p)
          st.momentum_buffer = buf
        end
        if centered and grad_avg == nil then
          grad_avg = zeros_like(p)
          st.grad_avg = grad_avg
        end
        if rmsprop_step(p, nil, st.square_avg, buf, grad_avg, lr, alpha, eps, wd, momentum, centered,
            maximize) then
          st.step = st.step + 1
        end
      end
    end
  end
  return loss
end

return RMSprop
