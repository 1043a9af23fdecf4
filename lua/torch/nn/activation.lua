-- Activation layers: ReLU LeakyReLU ELU Sigmoid Tanh Softplus Softmax LogSoftmax.
local torch = require 'torch'
local M = require 'torch.nn.module'
local util = require 'torch.nn.util'

local Module = M.Module
local layers = {}

local function inplace_of(v)
  if type(v) == 'table' then return v.inplace == true end
  return v == true
end

local ReLU = Module:extend('ReLU')
function ReLU:init(inplace) self.inplace = inplace_of(inplace) end
function ReLU:forward(x)
  if self.inplace then return x:relu_() end
  return torch.relu(x)
end
function ReLU:extra_repr() return self.inplace and 'inplace=True' or '' end
layers.ReLU = ReLU

--- nn.LeakyReLU(negative_slope=0.01, inplace=false)
local LeakyReLU = Module:extend('LeakyReLU')
function LeakyReLU:init(negative_slope, inplace)
  if type(negative_slope) == 'table' then
    negative_slope, inplace = negative_slope.negative_slope, negative_slope.inplace
  end
  self.negative_slope, self.inplace = negative_slope or 0.01, inplace == true
end
function LeakyReLU:forward(x) return torch.leaky_relu(x, self.negative_slope) end
function LeakyReLU:extra_repr()
  return 'negative_slope=' .. util.repr(self.negative_slope) .. (self.inplace and ', inplace=True' or '')
end
layers.LeakyReLU = LeakyReLU

--- nn.ELU(alpha=1.0, inplace=false)
local ELU = Module:extend('ELU')
function ELU:init(alpha, inplace)
  if type(alpha) == 'table' then alpha, inplace = alpha.alpha, alpha.inplace end
  self.alpha, self.inplace = alpha or 1.0, inplace == true
end
function ELU:forward(x) return torch.elu(x, self.alpha) end
function ELU:extra_repr() return 'alpha=' .. util.repr(self.alpha) .. (self.inplace and ', inplace=True' or '') end
layers.ELU = ELU

local Sigmoid = Module:extend('Sigmoid')
function Sigmoid:forward(x) return torch.sigmoid(x) end
layers.Sigmoid = Sigmoid

local Tanh = Module:extend('Tanh')
function Tanh:forward(x) return torch.tanh(x) end
layers.Tanh = Tanh

--- nn.Softplus(beta=1, threshold=20)
local Softplus = Module:extend('Softplus')
function Softplus:init(beta, threshold)
  if type(beta) == 'table' then beta, threshold = beta.beta, beta.threshold end
  self.beta, self.threshold = beta or 1, threshold or 20
end
function Softplus:forward(x) return torch.softplus(x, self.beta, self.threshold) end
function Softplus:extra_repr()
  return string.format('beta=%s, threshold=%s', util.repr(self.beta), util.repr(self.threshold))
end
layers.Softplus = Softplus

local function softmax_layer(name, fn)
  local cls = Module:extend(name)
  function cls:init(dim)
    if type(dim) == 'table' then dim = dim.dim end
    if dim == nil then error(name .. ': dim is required (e.g. nn.' .. name .. '(2) for [batch, classes])', 3) end
    self.dim = dim
  end
  function cls:forward(x) return fn(x, self.dim) end
  function cls:extra_repr() return 'dim=' .. self.dim end
  return cls
end
layers.Softmax = softmax_layer('Softmax', function(x, dim) return torch.softmax(x, dim) end)
layers.LogSoftmax = softmax_layer('LogSoftmax', function(x, dim) return torch.log_softmax(x, dim) end)

return layers
