-- torch.vision: models, datasets and transforms for images, after torchvision.
--   local vision = require 'torch.vision'      (also torch.vision)
--   local model = vision.models.resnet18({num_classes = 10})
--   local train = vision.datasets.FashionMNIST({train = true})
--
-- Each part lives in its own file, lua/torch/vision/<part>.lua, and is loaded
-- on first use: vision.models is require 'torch.vision.models'.
return require('torch.lazy')('torch.vision')
