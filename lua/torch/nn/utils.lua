-- nn.utils: gradient clipping and flattening parameters.
local torch = require 'torch'

local utils = {}

local function grads_of(parameters)
  if torch.is_tensor(parameters) then parameters = { parameters } end
  local grads = {}
  for _, p in ipairs(parameters) do
    local g = p.grad
    if g then grads[#grads + 1] = g end
  end
  return grads
end

--- clip_grad_norm_(parameters, max_norm, {norm_type=2}): scales the gradients
-- in place so that their joint norm is at most max_norm; returns the norm
-- before clipping (a 0-dim tensor).
function utils.clip_grad_norm_(parameters, max_norm, norm_type)
  if type(norm_type) == 'table' then norm_type = norm_type.norm_type end
  norm_type = norm_type or 2
  local grads = grads_of(parameters)
  return torch.no_grad(function()
    if #grads == 0 then return torch.tensor(0.0) end
    local norms = {}
    for i, g in ipairs(grads) do norms[i] = g:norm(norm_type) end
    local total = torch.stack(norms):norm(norm_type)
    local coef = max_norm / (total:item() + 1e-6)
    if coef < 1 then
      for _, g in ipairs(grads) do g:mul_(coef) end
    end
    return total
  end)
end

--- clip_grad_value_(parameters, clip_value)
function utils.clip_grad_value_(parameters, clip_value)
  torch.no_grad(function()
    for _, g in ipairs(grads_of(parameters)) do g:clamp_(-clip_value, clip_value) end
  end)
end

--- parameters_to_vector(parameters): one flat tensor
function utils.parameters_to_vector(parameters)
  local flat = {}
  for i, p in ipairs(parameters) do flat[i] = p:reshape(-1) end
  return torch.cat(flat)
end

--- vector_to_parameters(vec, parameters): copies slices of vec into them
function utils.vector_to_parameters(vec, parameters)
  local offset = 1
  torch.no_grad(function()
    for _, p in ipairs(parameters) do
      local n = p:numel()
      p:copy_(vec:narrow(1, offset, n):view_as(p))
      offset = offset + n
    end
  end)
end

return utils
