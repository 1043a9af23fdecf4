-- optim.SGD: stochastic gradient descent with momentum, dampening, Nesterov
-- momentum, weight decay and maximize (PyTorch's torch.optim.SGD).
--   optim.SGD(params, {lr = 1e-3, momentum = 0, dampening = 0, weight_decay = 0,
--                      nesterov = false, maximize = false})
local torch = require 'torch'
local Optimizer = require 'torch.optim.optimizer'

local sgd_step, has_grad, empty_like = torch._sgd_step_, torch._has_grad, torch.empty_like
local rawget, rawset = rawget, rawset

local SGD = Optimizer:extend('SGD')

function SGD:init(params, opts)
  local defaults = { lr = 1e-3, momentum = 0, dampening = 0, weight_decay = 0, nesterov = false,
    maximize = false }
  self:_check_options(opts, defaults, 2)
  for k, v in pairs(opts or {}) do defaults[k] = v end
  Optimizer.init(self, params, defaults)
end

function SGD:_check_group(g, level)
  self:_check_number(g.lr, 'learning rate', level, 0)
  self:_check_number(g.momentum, 'momentum value', level, 0)
  self:_check_number(g.dampening, 'dampening value', level, -math.huge)
  self:_check_number(g.weight_decay, 'weight_decay value', level, 0)
  self:_check_flag(g.nesterov, 'nesterov', level)
  self:_check_flag(g.maximize, 'maximize', level)
  if g.nesterov and (g.momentum <= 0 or g.dampening ~= 0) then
    error(string.format('SGD: Nesterov momentum requires a momentum > 0 and zero dampening ' ..
      '(got momentum %s, dampening %s)', tostring(g.momentum), tostring(g.dampening)), level)
  end
end

--- opt:step(closure): one update of every parameter that has a gradient;
-- returns closure()'s loss when a closure is given.
function SGD:step(closure)
  local loss = closure ~= nil and self:_eval_closure(closure) or nil
  local state = self.state
  for _, group in ipairs(self.param_groups) do
    local params = group.params
    local lr, momentum, dampening = group.lr, group.momentum, group.dampening
    local weight_decay, nesterov, maximize = group.weight_decay, group.nesterov, group.maximize
    if momentum == 0 then
      for i = 1, #params do
        sgd_step(params[i], nil, nil, lr, 0, dampening, weight_decay, nesterov, maximize, false)
      end
    else
      for i = 1, #params do
        local p = params[i]
        local st = rawget(state, p)
        local buf = st and st.momentum_buffer
        if buf then
          sgd_step(p, nil, buf, lr, momentum, dampening, weight_decay, nesterov, maximize, false)
        elseif has_grad(p) then
          -- the first step sets the buffer to the gradient (PyTorch's clone)
          buf = empty_like(p)
          sgd_step(p, nil, buf, lr, momentum, dampening, weight_decay, nesterov, maximize, true)
          if not st then
            st = {}
            rawset(state, p, st)
          end
          st.momentum_buffer = buf -- only once it holds the first gradient
        end
      end
    end
  end
  return loss
end

return SGD
