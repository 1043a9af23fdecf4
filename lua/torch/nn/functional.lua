-- nn.functional: the stateless forms of the layers.  Most are the C ops of
-- the torch module under PyTorch's functional names; options go positionally
-- in PyTorch's order or in a trailing table.
local torch = require 'torch'

local F = {}

-- same function, same arguments
for _, name in ipairs({
  'linear', 'conv2d', 'max_pool2d', 'avg_pool2d', 'adaptive_avg_pool2d', 'batch_norm', 'softmax',
  'log_softmax', 'cross_entropy', 'nll_loss', 'mse_loss', 'l1_loss', 'smooth_l1_loss',
  'binary_cross_entropy', 'binary_cross_entropy_with_logits', 'embedding', 'pad', 'one_hot',
  'sigmoid', 'tanh', 'elu', 'leaky_relu', 'softplus',
}) do
  F[name] = torch[name]
end

local function inplace_flag(v)
  if type(v) == 'table' then return v.inplace == true end
  return v == true
end

--- relu(x, inplace) / relu(x, {inplace=true})
function F.relu(x, inplace)
  if inplace_flag(inplace) then return x:relu_() end
  return torch.relu(x)
end

--- dropout(x, p=0.5, training=true, inplace=false) / dropout(x, {p=, training=})
function F.dropout(x, p, training, inplace)
  if type(p) == 'table' then p, training, inplace = p.p, p.training, p.inplace end
  local y = torch.dropout(x, p == nil and 0.5 or p, training ~= false)
  if inplace and y ~= x then
    x:copy_(y)
    return x
  end
  return y
end

function F.flatten(x, start_dim, end_dim) return x:flatten(start_dim or 1, end_dim or -1) end

return F
