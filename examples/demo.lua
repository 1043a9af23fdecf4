-- A short tour of the tensor API (the main job until the training examples land).
local torch = require 'torch'

local x = torch.ones(2, 3)
local y = x * 2 + 1
print('y = x * 2 + 1 has shape', y.shape, 'and dtype', y.dtype)
print('y:t() is a view with shape', y:t().shape)
print('integer floor division gives', (torch.full({3}, 7) // 2).dtype)
