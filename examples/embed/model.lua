-- model.lua: a two-layer perceptron (4 inputs, 8 hidden ReLU units, 3
-- classes) written with plain tensor ops.  predict.c loads this file with the
-- folder that holds it as its argument; it returns the model, a table whose
-- forward(x) maps a [batch, 4] float32 tensor to [batch, 3] class probabilities.
--
-- The weights come from weights.lua, a plain Lua file of numbers (nested
-- tables) that torch.tensor turns into tensors here: saving and loading
-- tensors in files (torch.save / torch.load) is a later issue, so for now that
-- file stands in for a checkpoint.  make_weights.lua wrote it, drawing the
-- weights from a fixed seed (torch.manual_seed(7)).
local torch = require 'torch'

local dir = ... or '.'
local W = dofile(dir .. '/weights.lua')

local model = {
  w1 = torch.tensor(W.w1), -- [4, 8]
  b1 = torch.tensor(W.b1), -- [8]
  w2 = torch.tensor(W.w2), -- [8, 3]
  b2 = torch.tensor(W.b2), -- [3]
  classes = W.classes,
}

function model.forward(x)
  assert(torch.is_tensor(x) and x:dim() == 2 and x:size(2) == 4, 'forward: expected a [batch, 4] tensor')
  return torch.no_grad(function()
    local h = (x:matmul(model.w1) + model.b1):relu()
    local logits = h:matmul(model.w2) + model.b2
    -- softmax over classes, shifted by the row maximum for stability
    local e = (logits - logits:amax(2, { keepdim = true })):exp()
    return e / e:sum(2, { keepdim = true })
  end)
end

return model
