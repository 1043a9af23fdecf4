-- Conv2d.
local torch = require 'torch'
local M = require 'torch.nn.module'
local util = require 'torch.nn.util'
local linear = require 'torch.nn.linear'

local Module, Parameter = M.Module, M.Parameter
local layers = {}

--- nn.Conv2d(in_channels, out_channels, kernel_size, stride=1, padding=0,
--  dilation=1, groups=1, bias=true) — positional or {stride=, ...}.
local Conv2d = Module:extend('Conv2d')
function Conv2d:init(in_channels, out_channels, kernel_size, ...)
  local o = util.options(table.pack(...), 1, { 'stride', 'padding', 'dilation', 'groups', 'bias', 'padding_mode' })
  for name, v in pairs({ in_channels = in_channels, out_channels = out_channels }) do
    if math.type(v) ~= 'integer' or v <= 0 then
      error(string.format('Conv2d: %s must be a positive integer, got %s', name, tostring(v)), 2)
    end
  end
  local groups = o.groups or 1
  if math.type(groups) ~= 'integer' or groups <= 0 then
    error('Conv2d: groups must be a positive integer, got ' .. tostring(groups), 2)
  end
  if in_channels % groups ~= 0 or out_channels % groups ~= 0 then
    error(string.format('Conv2d: in_channels %d and out_channels %d must both be divisible by groups %d',
      in_channels, out_channels, groups), 2)
  end
  if o.padding_mode and o.padding_mode ~= 'zeros' then
    error("Conv2d: padding_mode '" .. tostring(o.padding_mode) .. "' is not supported (only 'zeros')", 2)
  end
  if kernel_size == nil then error('Conv2d: kernel_size is required', 2) end
  self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
  self.kernel_size = util.pair(kernel_size)
  self.stride = util.pair(o.stride or 1)
  self.padding = type(o.padding) == 'string' and o.padding or util.pair(o.padding or 0)
  self.dilation = util.pair(o.dilation or 1)
  self._options = { stride = self.stride, padding = self.padding, dilation = self.dilation, groups = groups }
  local dtype = o.dtype or torch.float32
  self.weight = Parameter(torch.empty(out_channels, in_channels // groups, self.kernel_size[1],
    self.kernel_size[2], { dtype = dtype }))
  if o.bias ~= false then
    self.bias = Parameter(torch.empty(out_channels, { dtype = dtype }))
  else
    self:register_parameter('bias', nil)
  end
  self:reset_parameters()
end
function Conv2d:reset_parameters() linear.reset_fan_in_uniform(self.weight, self.bias) end
function Conv2d:forward(x) return torch.conv2d(x, self.weight, self.bias, self._options) end
function Conv2d:extra_repr()
  local s = string.format('%d, %d, kernel_size=%s, stride=%s', self.in_channels, self.out_channels,
    util.repr(self.kernel_size), util.repr(self.stride))
  local p = self.padding
  if type(p) == 'string' or p[1] ~= 0 or p[2] ~= 0 then s = s .. ', padding=' .. util.repr(p) end
  if self.dilation[1] ~= 1 or self.dilation[2] ~= 1 then s = s .. ', dilation=' .. util.repr(self.dilation) end
  if self.groups ~= 1 then s = s .. ', groups=' .. self.groups end
  if self.bias == nil then s = s .. ', bias=False' end
  return s
end
layers.Conv2d = Conv2d

return layers
