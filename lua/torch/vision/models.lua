-- torch.vision.models: ResNet and VGG as torchvision 0.14 builds them, with
-- the same module names, parameter shapes, state dict keys and
-- initialisation, so torchvision's weights load with load_state_dict
-- (exported from PyTorch as safetensors) and print(model) reads the same.
--
--   local models = torch.vision.models
--   local net = models.resnet18({num_classes = 10})
--   local vgg = models.vgg11_bn({weights = 'vgg11_bn.safetensors'})
--   net.fc = nn.Linear(512, 5)                  -- a new head
--
-- Options of every builder: num_classes (1000), weights (a state dict, or the
-- path of a safetensors file or of a torch.save file holding one; loaded
-- strictly).  ResNets: zero_init_residual, groups, width_per_group.
-- VGGs: batch_norm, dropout (0.5), init_weights (true).
local torch = require 'torch'
local nn = require 'torch.nn'

local models = {}

local function check_options(fname, opts, known)
  if opts == nil then return {} end
  if type(opts) ~= 'table' or getmetatable(opts) ~= nil then
    error(string.format('%s: expected a table of options, got %s', fname, type(opts)), 3)
  end
  for k in pairs(opts) do
    if not known[k] then
      local names = {}
      for name in pairs(known) do names[#names + 1] = name end
      table.sort(names)
      error(string.format("%s: unknown option '%s' (known: %s)", fname, tostring(k), table.concat(names, ', ')), 3)
    end
  end
  local n = opts.num_classes
  if n ~= nil and (math.type(n) ~= 'integer' or n <= 0) then
    error(string.format('%s: num_classes must be a positive integer, got %s', fname, tostring(n)), 3)
  end
  return opts
end

-- weights: a table of name -> tensor, or a file (safetensors by extension,
-- otherwise torch.save's format).
local function load_weights(fname, model, weights)
  if weights == nil then return model end
  local sd = weights
  if type(weights) == 'string' then
    if weights:match('%.safetensors$') then
      sd = torch.safetensors.load(weights)
    else
      sd = torch.load(weights, { map_location = 'cpu' })
    end
  end
  if type(sd) ~= 'table' then
    error(string.format('%s: weights must be a state dict or the path of a file holding one, got %s',
      fname, type(sd)), 3)
  end
  model:load_state_dict(sd)
  return model
end

-------------------------------------------------------------------------------
-- ResNet (He et al. 2015), torchvision's "v1.5": the stride of a bottleneck
-- block is on its 3x3 convolution.

local function conv3x3(in_planes, out_planes, stride, groups, dilation)
  dilation = dilation or 1
  return nn.Conv2d(in_planes, out_planes, 3, { stride = stride or 1, padding = dilation, groups = groups or 1,
    bias = false, dilation = dilation })
end

local function conv1x1(in_planes, out_planes, stride)
  return nn.Conv2d(in_planes, out_planes, 1, { stride = stride or 1, bias = false })
end

--- Two 3x3 convolutions and a shortcut (resnet18, resnet34).
local BasicBlock = nn.Module:extend('BasicBlock')
BasicBlock.expansion = 1
function BasicBlock:init(inplanes, planes, stride, downsample, groups, base_width, dilation)
  if (groups or 1) ~= 1 or (base_width or 64) ~= 64 then
    error('BasicBlock only supports groups=1 and width_per_group=64', 3)
  end
  if (dilation or 1) > 1 then error('BasicBlock does not support a dilation above 1', 3) end
  self.conv1 = conv3x3(inplanes, planes, stride)
  self.bn1 = nn.BatchNorm2d(planes)
  self.relu = nn.ReLU(true)
  self.conv2 = conv3x3(planes, planes)
  self.bn2 = nn.BatchNorm2d(planes)
  if downsample then self.downsample = downsample end
  self.stride = stride or 1
end
function BasicBlock:forward(x)
  local out = self.relu(self.bn1(self.conv1(x)))
  out = self.bn2(self.conv2(out))
  local downsample = self.downsample
  local identity = downsample and downsample(x) or x
  return self.relu(out + identity)
end
models.BasicBlock = BasicBlock

--- 1x1 down, 3x3, 1x1 up (x4) and a shortcut (resnet50 and deeper).
local Bottleneck = nn.Module:extend('Bottleneck')
Bottleneck.expansion = 4
function Bottleneck:init(inplanes, planes, stride, downsample, groups, base_width, dilation)
  groups, base_width = groups or 1, base_width or 64
  local width = math.floor(planes * (base_width / 64)) * groups
  self.conv1 = conv1x1(inplanes, width)
  self.bn1 = nn.BatchNorm2d(width)
  self.conv2 = conv3x3(width, width, stride, groups, dilation)
  self.bn2 = nn.BatchNorm2d(width)
  self.conv3 = conv1x1(width, planes * Bottleneck.expansion)
  self.bn3 = nn.BatchNorm2d(planes * Bottleneck.expansion)
  self.relu = nn.ReLU(true)
  if downsample then self.downsample = downsample end
  self.stride = stride or 1
end
function Bottleneck:forward(x)
  local out = self.relu(self.bn1(self.conv1(x)))
  out = self.relu(self.bn2(self.conv2(out)))
  out = self.bn3(self.conv3(out))
  local downsample = self.downsample
  local identity = downsample and downsample(x) or x
  return self.relu(out + identity)
end
models.Bottleneck = Bottleneck

--- models.ResNet(block, {n1, n2, n3, n4}, {num_classes=1000,
--  zero_init_residual=false, groups=1, width_per_group=64})
local ResNet = nn.Module:extend('ResNet')
function ResNet:init(block, layers, opts)
  opts = opts or {}
  self.inplanes, self.dilation = 64, 1
  self.groups, self.base_width = opts.groups or 1, opts.width_per_group or 64
  self.conv1 = nn.Conv2d(3, self.inplanes, 7, { stride = 2, padding = 3, bias = false })
  self.bn1 = nn.BatchNorm2d(self.inplanes)
  self.relu = nn.ReLU(true)
  self.maxpool = nn.MaxPool2d(3, { stride = 2, padding = 1 })
  self.layer1 = self:_make_layer(block, 64, layers[1])
  self.layer2 = self:_make_layer(block, 128, layers[2], 2)
  self.layer3 = self:_make_layer(block, 256, layers[3], 2)
  self.layer4 = self:_make_layer(block, 512, layers[4], 2)
  self.avgpool = nn.AdaptiveAvgPool2d({ 1, 1 })
  self.fc = nn.Linear(512 * block.expansion, opts.num_classes or 1000)

  local conv_mt, bn_mt = nn.Conv2d.__instance_mt, nn.BatchNorm2d.__instance_mt
  for _, m in ipairs(self:modules()) do
    local mt = getmetatable(m)
    if mt == conv_mt then
      nn.init.kaiming_normal_(m.weight, { mode = 'fan_out', nonlinearity = 'relu' })
    elseif mt == bn_mt then
      nn.init.constant_(m.weight, 1)
      nn.init.constant_(m.bias, 0)
    end
  end
  -- the last BN of each residual branch starts at zero: each block starts
  -- as the identity (Goyal et al. 2017)
  if opts.zero_init_residual then
    for _, m in ipairs(self:modules()) do
      local mt = getmetatable(m)
      if mt == Bottleneck.__instance_mt then nn.init.constant_(m.bn3.weight, 0)
      elseif mt == BasicBlock.__instance_mt then nn.init.constant_(m.bn2.weight, 0) end
    end
  end
end

function ResNet:_make_layer(block, planes, blocks, stride)
  stride = stride or 1
  local downsample
  if stride ~= 1 or self.inplanes ~= planes * block.expansion then
    downsample = nn.Sequential(conv1x1(self.inplanes, planes * block.expansion, stride),
      nn.BatchNorm2d(planes * block.expansion))
  end
  local layers = { block(self.inplanes, planes, stride, downsample, self.groups, self.base_width, self.dilation) }
  self.inplanes = planes * block.expansion
  for _ = 2, blocks do
    layers[#layers + 1] = block(self.inplanes, planes, 1, nil, self.groups, self.base_width, self.dilation)
  end
  return nn.Sequential(table.unpack(layers))
end

function ResNet:forward(x)
  x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
  x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
  x = self.avgpool(x)
  return self.fc(x:flatten(2))
end
models.ResNet = ResNet

local RESNET_OPTIONS = { num_classes = true, weights = true, progress = true, zero_init_residual = true,
  groups = true, width_per_group = true }

local function resnet(fname, block, layers)
  return function(opts)
    opts = check_options(fname, opts, RESNET_OPTIONS)
    return load_weights(fname, ResNet(block, layers, opts), opts.weights)
  end
end

models.resnet18 = resnet('resnet18', BasicBlock, { 2, 2, 2, 2 })
models.resnet34 = resnet('resnet34', BasicBlock, { 3, 4, 6, 3 })
models.resnet50 = resnet('resnet50', Bottleneck, { 3, 4, 6, 3 })
models.resnet101 = resnet('resnet101', Bottleneck, { 3, 4, 23, 3 })
models.resnet152 = resnet('resnet152', Bottleneck, { 3, 8, 36, 3 })

-------------------------------------------------------------------------------
-- VGG (Simonyan and Zisserman 2014)

--- models.VGG(features, {num_classes=1000, init_weights=true, dropout=0.5}):
-- features, then a 7x7 adaptive average pool (any input of 32x32 or more
-- works), then three linear layers.
local VGG = nn.Module:extend('VGG')
function VGG:init(features, opts)
  opts = opts or {}
  local dropout = opts.dropout == nil and 0.5 or opts.dropout
  self.features = features
  self.avgpool = nn.AdaptiveAvgPool2d({ 7, 7 })
  self.classifier = nn.Sequential(
    nn.Linear(512 * 7 * 7, 4096), nn.ReLU(true), nn.Dropout(dropout),
    nn.Linear(4096, 4096), nn.ReLU(true), nn.Dropout(dropout),
    nn.Linear(4096, opts.num_classes or 1000))
  if opts.init_weights ~= false then
    local conv_mt, bn_mt, linear_mt = nn.Conv2d.__instance_mt, nn.BatchNorm2d.__instance_mt, nn.Linear.__instance_mt
    for _, m in ipairs(self:modules()) do
      local mt = getmetatable(m)
      if mt == conv_mt then
        nn.init.kaiming_normal_(m.weight, { mode = 'fan_out', nonlinearity = 'relu' })
        if m.bias then nn.init.constant_(m.bias, 0) end
      elseif mt == bn_mt then
        nn.init.constant_(m.weight, 1)
        nn.init.constant_(m.bias, 0)
      elseif mt == linear_mt then
        nn.init.normal_(m.weight, 0, 0.01)
        nn.init.constant_(m.bias, 0)
      end
    end
  end
end
function VGG:forward(x)
  x = self.avgpool(self.features(x))
  return self.classifier(x:flatten(2))
end
models.VGG = VGG

-- Channels of each 3x3 convolution; 'M' is a 2x2 max pool.
models.vgg_cfgs = {
  A = { 64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M' },
  B = { 64, 64, 'M', 128, 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M' },
  D = { 64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M' },
  E = { 64, 64, 'M', 128, 128, 'M', 256, 256, 256, 256, 'M', 512, 512, 512, 512, 'M', 512, 512, 512, 512, 'M' },
}

--- models.vgg_make_layers(cfg, batch_norm): the features Sequential (conv,
-- [batch norm,] ReLU per number; a max pool per 'M').
function models.vgg_make_layers(cfg, batch_norm)
  local layers, in_channels = {}, 3
  for _, v in ipairs(cfg) do
    if v == 'M' then
      layers[#layers + 1] = nn.MaxPool2d(2, { stride = 2 })
    else
      layers[#layers + 1] = nn.Conv2d(in_channels, v, 3, { padding = 1 })
      if batch_norm then layers[#layers + 1] = nn.BatchNorm2d(v) end
      layers[#layers + 1] = nn.ReLU(true)
      in_channels = v
    end
  end
  return nn.Sequential(table.unpack(layers))
end

local VGG_OPTIONS = { num_classes = true, weights = true, progress = true, init_weights = true, dropout = true,
  batch_norm = true }

local function vgg(fname, cfg, batch_norm)
  return function(opts)
    opts = check_options(fname, opts, VGG_OPTIONS)
    local bn = batch_norm
    if opts.batch_norm ~= nil then bn = opts.batch_norm == true end
    local model = VGG(models.vgg_make_layers(models.vgg_cfgs[cfg], bn), opts)
    return load_weights(fname, model, opts.weights)
  end
end

models.vgg11 = vgg('vgg11', 'A', false)
models.vgg11_bn = vgg('vgg11_bn', 'A', true)
models.vgg13 = vgg('vgg13', 'B', false)
models.vgg13_bn = vgg('vgg13_bn', 'B', true)
models.vgg16 = vgg('vgg16', 'D', false)
models.vgg16_bn = vgg('vgg16_bn', 'D', true)
models.vgg19 = vgg('vgg19', 'E', false)
models.vgg19_bn = vgg('vgg19_bn', 'E', true)

return models
