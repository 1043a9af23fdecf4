-- Identity, Linear, Flatten, Unflatten and Embedding.
local torch = require 'torch'
local M = require 'torch.nn.module'
local init = require 'torch.nn.init'
local util = require 'torch.nn.util'

local Module, Parameter = M.Module, M.Parameter
local layers = {}

local function check_count(layer, name, v)
  if math.type(v) ~= 'integer' or v < 0 then
    error(string.format('%s: %s must be a non-negative integer, got %s', layer, name, tostring(v)), 3)
  end
end

-- PyTorch's default for weights with fan-in n: U(-1/sqrt(n), 1/sqrt(n)) for
-- the weight (kaiming_uniform with a = sqrt(5)) and the bias.
function layers.reset_fan_in_uniform(weight, bias)
  init.kaiming_uniform_(weight, { a = math.sqrt(5) })
  if bias then
    local fan_in = init.calculate_fan_in_and_fan_out(weight)
    local bound = fan_in > 0 and 1 / math.sqrt(fan_in) or 0
    init.uniform_(bias, -bound, bound)
  end
end

local Identity = Module:extend('Identity')
function Identity:init() end
function Identity:forward(x) return x end
layers.Identity = Identity

--- nn.Linear(in_features, out_features, {bias=true, dtype=})
local Linear = Module:extend('Linear')
function Linear:init(in_features, out_features, ...)
  check_count('Linear', 'in_features', in_features)
  check_count('Linear', 'out_features', out_features)
  local o = util.options(table.pack(...), 1, { 'bias' })
  self.in_features, self.out_features = in_features, out_features
  local dtype = o.dtype or torch.float32
  self.weight = Parameter(torch.empty(out_features, in_features, { dtype = dtype }))
  if o.bias ~= false then
    self.bias = Parameter(torch.empty(out_features, { dtype = dtype }))
  else
    self:register_parameter('bias', nil)
  end
  self:reset_parameters()
end
function Linear:reset_parameters() layers.reset_fan_in_uniform(self.weight, self.bias) end
function Linear:forward(x) return torch.linear(x, self.weight, self.bias) end
function Linear:extra_repr()
  return string.format('in_features=%d, out_features=%d, bias=%s', self.in_features, self.out_features,
    util.repr(self.bias ~= nil))
end
layers.Linear = Linear

--- nn.Flatten(start_dim=2, end_dim=-1): dims are 1-based, so the default
-- keeps the batch dim as PyTorch's Flatten(1, -1) does.
local Flatten = Module:extend('Flatten')
function Flatten:init(start_dim, end_dim)
  self.start_dim, self.end_dim = start_dim or 2, end_dim or -1
end
function Flatten:forward(x) return x:flatten(self.start_dim, self.end_dim) end
function Flatten:extra_repr() return string.format('start_dim=%d, end_dim=%d', self.start_dim, self.end_dim) end
layers.Flatten = Flatten

--- nn.Unflatten(dim, sizes)
local Unflatten = Module:extend('Unflatten')
function Unflatten:init(dim, sizes)
  self.dim, self.unflattened_size = dim, sizes
end
function Unflatten:forward(x)
  local shape, dim = x.shape, self.dim
  if dim < 0 then dim = #shape + 1 + dim end
  local new = {}
  for i = 1, dim - 1 do new[#new + 1] = shape[i] end
  for _, s in ipairs(self.unflattened_size) do new[#new + 1] = s end
  for i = dim + 1, #shape do new[#new + 1] = shape[i] end
  return x:view(new)
end
function Unflatten:extra_repr()
  return string.format('dim=%d, unflattened_size=%s', self.dim, util.repr(self.unflattened_size))
end
layers.Unflatten = Unflatten

--- nn.Embedding(num_embeddings, embedding_dim, {padding_idx=, dtype=}):
-- indices are 1-based; the padding row starts at zero and gets no gradient.
local Embedding = Module:extend('Embedding')
function Embedding:init(num_embeddings, embedding_dim, ...)
  check_count('Embedding', 'num_embeddings', num_embeddings)
  check_count('Embedding', 'embedding_dim', embedding_dim)
  local o = util.options(table.pack(...), 1, { 'padding_idx' })
  local padding_idx = o.padding_idx
  if padding_idx ~= nil then
    if padding_idx < 0 then padding_idx = num_embeddings + 1 + padding_idx end
    if padding_idx < 1 or padding_idx > num_embeddings then
      error(string.format('Embedding: padding_idx %d is out of range 1..%d', o.padding_idx, num_embeddings), 2)
    end
  end
  self.num_embeddings, self.embedding_dim, self.padding_idx = num_embeddings, embedding_dim, padding_idx
  self.weight = Parameter(torch.empty(num_embeddings, embedding_dim, { dtype = o.dtype or torch.float32 }))
  self:reset_parameters()
end
function Embedding:reset_parameters()
  init.normal_(self.weight)
  if self.padding_idx then torch.no_grad(function() self.weight[self.padding_idx]:zero_() end) end
end
function Embedding:forward(indices)
  return torch.embedding(indices, self.weight, { padding_idx = self.padding_idx })
end
function Embedding:extra_repr()
  local s = string.format('%d, %d', self.num_embeddings, self.embedding_dim)
  if self.padding_idx then s = s .. ', padding_idx=' .. self.padding_idx end
  return s
end
layers.Embedding = Embedding

return layers
