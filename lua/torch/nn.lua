-- torch.nn: modules, layers, losses, nn.functional and nn.init.
--   local nn = require 'torch.nn'    (also torch.nn, and `nn` in ctorch-lua)
local M = require 'torch.nn.module'

local nn = {
  Module = M.Module,
  Parameter = M.Parameter,
  is_parameter = M.is_parameter,
  is_module = M.is_module,
}

for _, file in ipairs({ 'linear', 'conv', 'pooling', 'normalization', 'activation', 'container', 'loss' }) do
  for name, cls in pairs(require('torch.nn.' .. file)) do
    if type(cls) == 'table' and cls.__instance_mt then nn[name] = cls end
  end
end

nn.init = require 'torch.nn.init'
nn.functional = require 'torch.nn.functional'
nn.utils = require 'torch.nn.utils'

return nn
