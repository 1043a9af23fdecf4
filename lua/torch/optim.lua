-- torch.optim: optimizers and learning-rate schedulers.
--   local optim = require 'torch.optim'    (also torch.optim, and `optim` in ctorch-lua)
--
--   local opt = optim.SGD(model:parameters(), {lr = 0.01, momentum = 0.9})
--   for inputs, labels in loader:iter() do
--     opt:zero_grad()
--     local loss = criterion(model(inputs), labels)
--     loss:backward()
--     opt:step()
--   end
--
-- Optimizers: SGD, Adam, AdamW, RMSprop, Adagrad (each parameter updated by
-- one fused C call); optim.Optimizer:extend('Name') for your own (see
-- torch/optim/optimizer.lua); optim.lr_scheduler for schedules.
local adam = require 'torch.optim.adam'

return {
  Optimizer = require 'torch.optim.optimizer',
  SGD = require 'torch.optim.sgd',
  Adam = adam.Adam,
  AdamW = adam.AdamW,
  RMSprop = require 'torch.optim.rmsprop',
  Adagrad = require 'torch.optim.adagrad',
  lr_scheduler = require 'torch.optim.lr_scheduler',
}
