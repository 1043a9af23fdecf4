-- torch.vision: models, datasets and transforms for images, after torchvision.
--   local vision = require 'torch.vision'      (also torch.vision)
--   local model = vision.models.resnet18({num_classes = 10})
--   local train = vision.datasets.FashionMNIST({train = true})
--
-- Each part lives in its own file, lua/torch/vision/<part>.lua, and is loaded
-- on first use: vision.models is require 'torch.vision.models'.
local vision = {}

return setmetatable(vision, {
  __index = function(self, key)
    if type(key) ~= 'string' then return nil end
    local name = 'torch.vision.' .. key
    local ok, part = pcall(require, name)
    if not ok then
      -- only a missing file means "no such part"; a broken one is an error
      if tostring(part):find("module '" .. name .. "' not found", 1, true) then return nil end
      error(part, 2)
    end
    rawset(self, key, part)
    return part
  end,
})
