-- optim.Adam and optim.AdamW (PyTorch's torch.optim.Adam / AdamW).
--   optim.Adam(params, {lr = 1e-3, betas = {0.9, 0.999}, eps = 1e-8, weight_decay = 0,
--                       amsgrad = false, maximize = false})
--   optim.AdamW(params, {...same, weight_decay = 1e-2})   -- decoupled weight decay
-- State per parameter: step (an integer), exp_avg, exp_avg_sq and, with
-- amsgrad, max_exp_avg_sq.
local torch = require 'torch'
local Optimizer = require 'torch.optim.optimizer'

local adam_step, has_grad, zeros_like = torch._adam_step_, torch._has_grad, torch.zeros_like
local rawget, rawset = rawget, rawset

local function make(name, weight_decay, decoupled)
  local cls = Optimizer:extend(name)

  function cls:init(params, opts)
    local defaults = { lr = 1e-3, betas = { 0.9, 0.999 }, eps = 1e-8, weight_decay = weight_decay,
      amsgrad = false, maximize = false }
    self:_check_options(opts, defaults, 2)
    for k, v in pairs(opts or {}) do defaults[k] = v end
    Optimizer.init(self, params, defaults)
  end

  function cls:_check_group(g, level)
    self:_check_number(g.lr, 'learning rate', level, 0)
    self:_check_number(g.eps, 'epsilon value', level, 0)
    local betas = g.betas
    if type(betas) ~= 'table' or #betas ~= 2 then
      error(string.format('%s: betas must be a pair {beta1, beta2}, got %s', name, tostring(betas)),
        level)
    end
    self:_check_number(betas[1], 'beta parameter at index 1:', level, 0, 1)
    self:_check_number(betas[2], 'beta parameter at index 2:', level, 0, 1)
    self:_check_number(g.weight_decay, 'weight_decay value', level, 0)
    self:_check_flag(g.amsgrad, 'amsgrad', level)
    self:_check_flag(g.maximize, 'maximize', level)
  end

  --- opt:step(closure): one update of every parameter that has a gradient.
  function cls:step(closure)
    local loss = closure ~= nil and self:_eval_closure(closure) or nil
    local state = self.state
    for _, group in ipairs(self.param_groups) do
      local params = group.params
      local lr, eps, wd = group.lr, group.eps, group.weight_decay
      local beta1, beta2 = group.betas[1], group.betas[2]
      local amsgrad, maximize = group.amsgrad, group.maximize
      for i = 1, #params do
        local p = params[i]
        local st = rawget(state, p)
        if st == nil or st.exp_avg == nil then
          if has_grad(p) then
            st = st or {}
            st.step, st.exp_avg, st.exp_avg_sq = 0, zeros_like(p), zeros_like(p)
            rawset(state, p, st)
          end
        end
        if st ~= nil and st.exp_avg ~= nil then
          local max_sq = st.max_exp_avg_sq
          if amsgrad and max_sq == nil then
            max_sq = zeros_like(p)
            st.max_exp_avg_sq = max_sq
          end
          local step = st.step + 1
          if adam_step(p, nil, st.exp_avg, st.exp_avg_sq, max_sq, step, lr, beta1, beta2, eps, wd,
              decoupled, amsgrad, maximize) then
            st.step = step
          end
        end
      end
    end
    return loss
  end

  return cls
end

return {
  Adam = make('Adam', 0, false),
  AdamW = make('AdamW', 1e-2, true),
}
