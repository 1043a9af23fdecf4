-- Loss modules: each keeps its options table and calls the fused C loss.
local torch = require 'torch'
local M = require 'torch.nn.module'

local Module = M.Module
local layers = {}

local REDUCTIONS = { mean = true, sum = true, none = true }

-- A loss class whose forward is fn(input, target, options); `names` lists
-- the options it takes (positional after none, or one table).
local function loss_class(name, fn, names, defaults)
  local cls = Module:extend(name)
  function cls:init(opts)
    if opts ~= nil and type(opts) ~= 'table' then
      error(name .. ': options must be a table such as {reduction=\'sum\'}, got ' .. type(opts), 3)
    end
    local o = {}
    for k, v in pairs(defaults or {}) do o[k] = v end
    for k, v in pairs(opts or {}) do
      if k == 'size_average' or k == 'reduce' then
        -- the deprecated PyTorch pair, as the seeds use MSELoss(size_average=False)
        if k == 'size_average' and v == false then o.reduction = 'sum' end
        if k == 'reduce' and v == false then o.reduction = 'none' end
      elseif not names[k] then
        error(string.format("%s: unknown option '%s'", name, tostring(k)), 3)
      else
        o[k] = v
      end
    end
    o.reduction = o.reduction or 'mean'
    if not REDUCTIONS[o.reduction] then
      error(name .. ": reduction must be 'mean', 'sum' or 'none', got " .. tostring(o.reduction), 3)
    end
    self._options = o
    for k, v in pairs(o) do
      if torch.is_tensor(v) then self:register_buffer(k, v) else self[k] = v end
    end
  end
  function cls:forward(input, target) return fn(input, target, self._options) end
  return cls
end

local function set(...)
  local s = {}
  for _, k in ipairs({ ... }) do s[k] = true end
  return s
end

layers.MSELoss = loss_class('MSELoss', torch.mse_loss, set('reduction'))
layers.L1Loss = loss_class('L1Loss', torch.l1_loss, set('reduction'))
layers.SmoothL1Loss = loss_class('SmoothL1Loss', torch.smooth_l1_loss, set('reduction', 'beta'))
layers.CrossEntropyLoss = loss_class('CrossEntropyLoss', torch.cross_entropy,
  set('reduction', 'weight', 'ignore_index', 'label_smoothing'))
layers.NLLLoss = loss_class('NLLLoss', torch.nll_loss, set('reduction', 'weight', 'ignore_index'))
layers.BCELoss = loss_class('BCELoss', torch.binary_cross_entropy, set('reduction', 'weight'))
layers.BCEWithLogitsLoss = loss_class('BCEWithLogitsLoss', torch.binary_cross_entropy_with_logits,
  set('reduction', 'weight', 'pos_weight'))

for _, cls in pairs(layers) do
  function cls:extra_repr()
    local o = self._options
    if o.reduction ~= 'mean' then return 'reduction=' .. o.reduction end
    return ''
  end
end

return layers
