-- BatchNorm1d, BatchNorm2d, and Dropout.
local torch = require 'torch'
local M = require 'torch.nn.module'
local util = require 'torch.nn.util'

local Module, Parameter = M.Module, M.Parameter
local layers = {}

--- nn.BatchNorm2d(num_features, {eps=1e-5, momentum=0.1, affine=true,
--  track_running_stats=true}); momentum=false averages cumulatively.
local BatchNorm = Module:extend('BatchNorm')
function BatchNorm:init(num_features, ...)
  if math.type(num_features) ~= 'integer' or num_features <= 0 then
    error(string.format('%s: num_features must be a positive integer, got %s', self.__name, tostring(num_features)), 3)
  end
  local o = util.options(table.pack(...), 1, { 'eps', 'momentum', 'affine', 'track_running_stats' })
  self.num_features = num_features
  self.eps = o.eps or 1e-5
  if o.momentum == nil then self.momentum = 0.1 else self.momentum = o.momentum end
  self.affine, self.track_running_stats = o.affine ~= false, o.track_running_stats ~= false
  local dtype = o.dtype or torch.float32
  if self.affine then
    self.weight = Parameter(torch.ones(num_features, { dtype = dtype }))
    self.bias = Parameter(torch.zeros(num_features, { dtype = dtype }))
  else
    self:register_parameter('weight', nil)
    self:register_parameter('bias', nil)
  end
  if self.track_running_stats then
    self:register_buffer('running_mean', torch.zeros(num_features, { dtype = dtype }))
    self:register_buffer('running_var', torch.ones(num_features, { dtype = dtype }))
    self:register_buffer('num_batches_tracked', torch.tensor(0, { dtype = torch.int64 }))
  else
    self:register_buffer('running_mean', nil)
    self:register_buffer('running_var', nil)
    self:register_buffer('num_batches_tracked', nil)
  end
end

function BatchNorm:reset_running_stats()
  if self.track_running_stats then
    torch.no_grad(function()
      self.running_mean:zero_()
      self.running_var:fill_(1)
      self.num_batches_tracked:zero_()
    end)
  end
end

function BatchNorm:_check_input(x)
  local dims = x:dim()
  if not self._dims[dims] then
    error(string.format('%s: expected %s input, got shape %s', self.__name, self._dims_text,
      util.shape_string(x.shape)), 3)
  end
end

function BatchNorm:forward(x)
  self:_check_input(x)
  local momentum = self.momentum or 0
  local training = self.training
  if training and self.track_running_stats then
    local n = self.num_batches_tracked
    n:add_(1)
    if not self.momentum then momentum = 1 / n:item() end
  end
  -- batch statistics when training or when no running statistics are kept
  local use_batch = training or not self.track_running_stats
  return torch.batch_norm(x, self.running_mean or nil, self.running_var or nil, self.weight, self.bias,
    use_batch, momentum, self.eps)
end

function BatchNorm:extra_repr()
  return string.format('%d, eps=%s, momentum=%s, affine=%s, track_running_stats=%s', self.num_features,
    util.repr(self.eps), self.momentum and util.repr(self.momentum) or 'None', util.repr(self.affine),
    util.repr(self.track_running_stats))
end

local BatchNorm1d = BatchNorm:extend('BatchNorm1d')
BatchNorm1d._dims, BatchNorm1d._dims_text = { [2] = true, [3] = true }, 'a 2-D or 3-D'
layers.BatchNorm1d = BatchNorm1d

local BatchNorm2d = BatchNorm:extend('BatchNorm2d')
BatchNorm2d._dims, BatchNorm2d._dims_text = { [4] = true }, 'a 4-D'
layers.BatchNorm2d = BatchNorm2d

--- nn.Dropout(p=0.5, inplace=false): active in training mode only.
local Dropout = Module:extend('Dropout')
function Dropout:init(p, inplace)
  if type(p) == 'table' then p, inplace = p.p, p.inplace end
  p = p == nil and 0.5 or p
  if type(p) ~= 'number' or p < 0 or p > 1 then
    error('Dropout: probability has to be between 0 and 1, but got ' .. tostring(p), 2)
  end
  self.p, self.inplace = p, inplace == true
end
function Dropout:forward(x)
  local y = torch.dropout(x, self.p, self.training)
  if self.inplace and y ~= x then
    x:copy_(y)
    return x
  end
  return y
end
function Dropout:extra_repr() return string.format('p=%s, inplace=%s', util.repr(self.p), util.repr(self.inplace)) end
layers.Dropout = Dropout

return layers
