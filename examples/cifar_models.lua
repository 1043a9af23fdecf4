-- The networks of the CIFAR-10 tutorial, as ctorch modules.  Load with
--   local models = dofile('examples/cifar_models.lua')
-- Every network takes [N, 3, 32, 32] images and returns [N, 10] class scores.
local torch = require 'torch'
local nn = require 'torch.nn'
local F = nn.functional

local models = {}

--- The tutorial's first network: conv-relu-pool twice, then three linear layers.
-- With repeat_fc2 = true, fc2 runs a random number (1-5) of times per forward
-- in training mode ("stochastic depth").
local LeNet = nn.Module:extend('Net')
function LeNet:init(opts)
  self.conv1 = nn.Conv2d(3, 6, 5)
  self.pool = nn.MaxPool2d(2, 2)
  self.conv2 = nn.Conv2d(6, 16, 5)
  self.fc1 = nn.Linear(16 * 5 * 5, 120)
  self.fc2 = nn.Linear(120, 120)
  self.fc3 = nn.Linear(120, 10)
  self.relu = nn.ReLU()
  self.repeat_fc2 = opts and opts.repeat_fc2 or false
end
function LeNet:forward(x)
  x = self.pool(self.relu(self.conv1(x)))
  x = self.pool(self.relu(self.conv2(x)))
  x = x:view(x:size(1), -1)
  x = self.relu(self.fc1(x))
  local repeats = 1
  if self.repeat_fc2 and self.training then repeats = math.random(1, 5) end
  for _ = 1, repeats do x = self.relu(self.fc2(x)) end
  return self.fc3(x)
end
models.LeNet = LeNet

--- conv -> relu -> 2x2 max pool, the block the AlexNet-style network repeats.
local AlexBlock = nn.Module:extend('AlexBlock')
function AlexBlock:init(in_channels, out_channels, kernel)
  self.conv = nn.Conv2d(in_channels, out_channels, kernel)
  self.relu = nn.ReLU()
  self.pool = nn.MaxPool2d(2, 2)
end
function AlexBlock:forward(x) return self.pool(self.relu(self.conv(x))) end
models.AlexBlock = AlexBlock

--- The bigger AlexNet-style network (96 and 256 channels, 5x5 kernels).
local Alex = nn.Module:extend('Alex')
function Alex:init()
  self.block1 = AlexBlock(3, 96, 5)
  self.block2 = AlexBlock(96, 256, 5)
  self.fc1 = nn.Linear(256 * 5 * 5, 384)
  self.fc2 = nn.Linear(384, 192)
  self.fc3 = nn.Linear(192, 10)
end
function Alex:forward(x)
  x = self.block2(self.block1(x))
  x = x:view(x:size(1), -1)
  x = F.relu(self.fc1(x))
  x = F.relu(self.fc2(x))
  return self.fc3(x)
end
models.Alex = Alex

--- conv + batch norm + relu
local ConvModule = nn.Module:extend('ConvModule')
function ConvModule:init(in_channels, channels, kernel, stride, padding)
  self.conv = nn.Conv2d(in_channels, channels, kernel, { stride = stride, padding = padding or 0 })
  self.batchNorm = nn.BatchNorm2d(channels, { eps = 0.001 })
end
function ConvModule:forward(x)
  return F.relu(self.batchNorm(self.conv(x)))
end
models.ConvModule = ConvModule

--- a 1x1 branch and a 3x3 branch, joined along the channels
local InceptionModule = nn.Module:extend('InceptionModule')
function InceptionModule:init(in_channels, c1, c3)
  self.branch1 = ConvModule(in_channels, c1, 1, 1)
  self.branch3 = ConvModule(in_channels, c3, 3, 1, 1)
end
function InceptionModule:forward(x)
  local outputs = { self.branch1(x), self.branch3(x) }
  return torch.cat(outputs, 2)
end
models.InceptionModule = InceptionModule

--- a strided 3x3 conv and a 3x3 max pool, joined along the channels
local DownsampleModule = nn.Module:extend('DownsampleModule')
function DownsampleModule:init(in_channels, c3)
  self.branch3 = ConvModule(in_channels, c3, 3, 2)
  self.pool = nn.MaxPool2d(3, 2)
end
function DownsampleModule:forward(x)
  return torch.cat({ self.branch3(x), self.pool(x) }, 2)
end
models.DownsampleModule = DownsampleModule

--- The small Inception network of Zhang et al. (arXiv:1611.03530) for 32x32 images.
local SmallInception = nn.Module:extend('SmallInception')
function SmallInception:init()
  self.conv1 = ConvModule(3, 96, 3, 1)
  self.inc1_1 = InceptionModule(96, 32, 32)
  self.inc1_2 = InceptionModule(64, 32, 48)
  self.down1 = DownsampleModule(80, 80)
  self.inc2_1 = InceptionModule(160, 112, 48)
  self.inc2_2 = InceptionModule(160, 96, 64)
  self.inc2_3 = InceptionModule(160, 80, 80)
  self.inc2_4 = InceptionModule(160, 48, 96)
  self.down2 = DownsampleModule(144, 96)
  self.inc3_1 = InceptionModule(240, 176, 160)
  self.inc3_2 = InceptionModule(336, 176, 160)
  self.pool = nn.AdaptiveAvgPool2d(1)
  self.fc = nn.Linear(336, 10)
end
function SmallInception:forward(x)
  x = self.conv1(x)
  x = self.down1(self.inc1_2(self.inc1_1(x)))
  x = self.inc2_4(self.inc2_3(self.inc2_2(self.inc2_1(x))))
  x = self.down2(x)
  x = self.inc3_2(self.inc3_1(x))
  x = self.pool(x)
  return self.fc(x:view(x:size(1), -1))
end
models.SmallInception = SmallInception

--- The ensemble: the two networks' scores added.
local Ensemble = nn.Module:extend('Ensemble')
function Ensemble:init()
  self.alex = Alex()
  self.inception = SmallInception()
end
function Ensemble:forward(x)
  local y = self.alex(x)
  local z = self.inception(x)
  return y + z
end
models.Ensemble = Ensemble

--- models.create('lenet' | 'alexnet' | 'inception' | 'ensemble')
function models.create(name)
  local make = {
    lenet = LeNet, alexnet = Alex, inception = SmallInception, ensemble = Ensemble,
  }
  local cls = make[name]
  if not cls then
    error("unknown model '" .. tostring(name) .. "' (expected lenet, alexnet, inception or ensemble)", 2)
  end
  return cls()
end

return models
