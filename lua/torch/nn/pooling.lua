-- MaxPool2d, AvgPool2d, AdaptiveAvgPool2d.
local torch = require 'torch'
local M = require 'torch.nn.module'
local util = require 'torch.nn.util'

local Module = M.Module
local layers = {}

--- nn.MaxPool2d(kernel_size, stride=kernel_size, padding=0, dilation=1,
--  return_indices=false, ceil_mode=false)
local MaxPool2d = Module:extend('MaxPool2d')
function MaxPool2d:init(kernel_size, ...)
  if kernel_size == nil then error('MaxPool2d: kernel_size is required', 2) end
  local o = util.options(table.pack(...), 1, { 'stride', 'padding', 'dilation', 'return_indices', 'ceil_mode' })
  self.kernel_size, self.stride = kernel_size, o.stride or kernel_size
  self.padding, self.dilation = o.padding or 0, o.dilation or 1
  self.return_indices, self.ceil_mode = o.return_indices == true, o.ceil_mode == true
  self._options = { stride = self.stride, padding = self.padding, dilation = self.dilation,
    ceil_mode = self.ceil_mode, return_indices = self.return_indices }
end
function MaxPool2d:forward(x) return torch.max_pool2d(x, self.kernel_size, self._options) end
function MaxPool2d:extra_repr()
  return string.format('kernel_size=%s, stride=%s, padding=%s, dilation=%s, ceil_mode=%s',
    util.repr(self.kernel_size), util.repr(self.stride), util.repr(self.padding), util.repr(self.dilation),
    util.repr(self.ceil_mode))
end
layers.MaxPool2d = MaxPool2d

--- nn.AvgPool2d(kernel_size, stride=kernel_size, padding=0, ceil_mode=false,
--  count_include_pad=true, divisor_override=nil)
local AvgPool2d = Module:extend('AvgPool2d')
function AvgPool2d:init(kernel_size, ...)
  if kernel_size == nil then error('AvgPool2d: kernel_size is required', 2) end
  local o = util.options(table.pack(...), 1,
    { 'stride', 'padding', 'ceil_mode', 'count_include_pad', 'divisor_override' })
  self.kernel_size, self.stride, self.padding = kernel_size, o.stride or kernel_size, o.padding or 0
  self.ceil_mode, self.count_include_pad = o.ceil_mode == true, o.count_include_pad ~= false
  self.divisor_override = o.divisor_override
  self._options = { stride = self.stride, padding = self.padding, ceil_mode = self.ceil_mode,
    count_include_pad = self.count_include_pad, divisor_override = self.divisor_override }
end
function AvgPool2d:forward(x) return torch.avg_pool2d(x, self.kernel_size, self._options) end
function AvgPool2d:extra_repr()
  return string.format('kernel_size=%s, stride=%s, padding=%s', util.repr(self.kernel_size),
    util.repr(self.stride), util.repr(self.padding))
end
layers.AvgPool2d = AvgPool2d

--- nn.AdaptiveAvgPool2d(output_size)
local AdaptiveAvgPool2d = Module:extend('AdaptiveAvgPool2d')
function AdaptiveAvgPool2d:init(output_size)
  if output_size == nil then error('AdaptiveAvgPool2d: output_size is required', 2) end
  self.output_size = output_size
end
function AdaptiveAvgPool2d:forward(x) return torch.adaptive_avg_pool2d(x, self.output_size) end
function AdaptiveAvgPool2d:extra_repr() return 'output_size=' .. util.repr(self.output_size) end
layers.AdaptiveAvgPool2d = AdaptiveAvgPool2d

return layers
