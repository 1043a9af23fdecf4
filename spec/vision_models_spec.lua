-- torch.vision.models: ResNet and VGG with torchvision's names, shapes,
-- initialisation and printout.  Keys and shapes are checked against a
-- fixture made by torchvision 0.14 (spec/fixtures/gen_vision_models_keys.py);
-- when /usr/bin/python3 has torchvision (Debian: python3-torchvision), its
-- weights are loaded and the outputs compared.
local torch = require 'torch'
local nn = require 'torch.nn'
local models = torch.vision.models

local fixture = dofile('spec/fixtures/vision_models_keys.lua')

local function quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

local function err_of(fn, ...)
  local ok, err = pcall(fn, ...)
  assert.is_false(ok)
  return tostring(err)
end

local function shape_str(shape) return '[' .. table.concat(shape, ', ') .. ']' end

-- Big VGGs take seconds to build and initialise: each is built once.
local cache = {}
local function model_of(name, opts)
  local key = name .. (opts and opts.num_classes or '')
  if not cache[key] then cache[key] = models[name](opts) end
  return cache[key]
end

-- Compares an ordered list of {key, tensor} with the fixture's entries.
local function assert_keys(got, want, what)
  assert.are.equal(#want, #got, what .. ': number of state dict entries')
  for i, entry in ipairs(want) do
    local key, t = got[i][1], got[i][2]
    assert.are.equal(entry[1], key, what .. ': entry ' .. i)
    assert.are.equal(shape_str(entry[2]), shape_str(t.shape), what .. ': shape of ' .. key)
    assert.are.equal('torch.' .. entry[3], tostring(t.dtype), what .. ': dtype of ' .. key)
  end
end

local function entries(sd)
  local out = {}
  for k, v in pairs(sd) do out[#out + 1] = { k, v } end
  return out
end

describe('torch.vision', function()
  it('is loaded on first use, with models as a part', function()
    assert.are.equal(require('torch.vision'), torch.vision)
    assert.are.equal(require('torch.vision.models'), torch.vision.models)
    assert.is_nil(torch.vision.no_such_part)
    assert.is_function(models.resnet18)
  end)
end)

describe('torch.vision.models state dicts', function()
  for _, name in ipairs({ 'resnet18', 'resnet34', 'resnet50' }) do
    it(name .. ' has torchvision\'s keys, shapes and dtypes in order', function()
      assert_keys(entries(models[name]():state_dict()), fixture.keys[name], name)
    end)
  end

  it('vgg11_bn has torchvision\'s keys, shapes and dtypes in order', function()
    assert_keys(entries(model_of('vgg11_bn'):state_dict()), fixture.keys.vgg11_bn, 'vgg11_bn')
  end)

  -- the classifier is the same in every VGG: the other configurations are
  -- checked through their features (building one takes seconds)
  for name, cfg in pairs({ vgg11 = { 'A', false }, vgg13 = { 'B', false }, vgg16_bn = { 'D', true },
    vgg19 = { 'E', false } }) do
    it(name .. ': features and classifier as torchvision\'s', function()
      local features = models.vgg_make_layers(models.vgg_cfgs[cfg[1]], cfg[2])
      local got = entries(features:state_dict({ prefix = 'features.' }))
      for k, v in pairs(model_of('vgg11_bn'):state_dict()) do
        if k:find('^classifier') then got[#got + 1] = { k, v } end
      end
      assert_keys(got, fixture.keys[name], name)
    end)
  end

  it('num_classes sets the last layer', function()
    local net = models.resnet18({ num_classes = 10 })
    assert.are.same({ 10, 512 }, net.fc.weight.shape)
    assert.are.same({ 10 }, net.fc.bias.shape)
    local vgg = model_of('vgg11_bn', { num_classes = 7 })
    assert.are.same({ 7, 4096 }, vgg.classifier[7].weight.shape)
    assert.are.same({ 7, 4096 }, vgg:state_dict()['classifier.6.weight'].shape)
  end)
end)

describe('torch.vision.models printout', function()
  it('resnet18 prints as torchvision prints it', function()
    assert.are.equal(fixture.reprs.resnet18, tostring(models.resnet18()))
  end)

  it('vgg11_bn prints as torchvision prints it', function()
    assert.are.equal(fixture.reprs.vgg11_bn, tostring(model_of('vgg11_bn')))
  end)

  it('spot checks: downsample, blocks, head', function()
    local s = tostring(models.resnet18({ num_classes = 10 }))
    assert.truthy(s:find('(downsample): Sequential(\n        (0): Conv2d(64, 128, kernel_size=(1, 1), stride=(2, 2), bias=False)\n' ..
      '        (1): BatchNorm2d(128, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)', 1, true), s)
    assert.truthy(s:find('(layer4): Sequential(\n    (0): BasicBlock(', 1, true), s)
    assert.truthy(s:find('(fc): Linear(in_features=512, out_features=10, bias=True)\n)', 1, true), s)
    s = tostring(models.resnet50())
    assert.truthy(s:find('(2): Bottleneck(\n      (conv1): Conv2d(2048, 512, kernel_size=(1, 1), stride=(1, 1), bias=False)',
      1, true), s)
  end)
end)

describe('torch.vision.models modules', function()
  it('resnet18 names its modules like torchvision', function()
    local net = models.resnet18()
    local names = {}
    for name in net:named_children() do names[#names + 1] = name end
    assert.are.same({ 'conv1', 'bn1', 'relu', 'maxpool', 'layer1', 'layer2', 'layer3', 'layer4', 'avgpool', 'fc' },
      names)
    assert.is_nil(net.layer1[1].downsample)
    assert.are.equal('Sequential', net.layer2[1].downsample.__name)
    assert.are.equal(2, #net.layer2[1].downsample)
    assert.are.equal('BasicBlock', net.layer3[2].__name)
    assert.are.equal(2, #net.layer4)
  end)

  it('forward gives [batch, num_classes] for 64x64 and 32x32 inputs', function()
    local net = models.resnet18({ num_classes = 10 })
    assert.are.same({ 2, 10 }, net(torch.randn(2, 3, 64, 64)).shape)
    net:eval()
    assert.are.same({ 1, 10 }, net(torch.randn(1, 3, 32, 32)).shape)
    local vgg = model_of('vgg11_bn', { num_classes = 7 })
    vgg:eval()
    assert.are.same({ 1, 7 }, vgg(torch.randn(1, 3, 32, 32)).shape)
  end)

  it('initialises like torchvision: kaiming fan_out convs, BN 1/0, VGG linears N(0, 0.01)', function()
    torch.manual_seed(0)
    local net = models.resnet18()
    local w = net.layer1[1].conv1.weight -- fan_out 64 * 3 * 3
    local std = math.sqrt(2 / (64 * 9))
    assert.is_true(math.abs(w:std():item() / std - 1) < 0.03, tostring(w:std():item()))
    assert.is_true(math.abs(w:mean():item()) < 3 * std / math.sqrt(w:numel()))
    w = net.conv1.weight -- fan_out 64 * 7 * 7
    assert.is_true(math.abs(w:std():item() / math.sqrt(2 / (64 * 49)) - 1) < 0.05)
    assert.is_true(torch.equal(net.layer2[1].bn2.weight, torch.ones(128)))
    assert.is_true(torch.equal(net.layer2[1].bn2.bias, torch.zeros(128)))
    -- the default Linear init stays (uniform within 1/sqrt(512))
    assert.is_true(net.fc.weight:abs():max():item() <= 1 / math.sqrt(512))
    local vgg = model_of('vgg11_bn')
    local lw = vgg.classifier[4].weight
    assert.is_true(math.abs(lw:std():item() / 0.01 - 1) < 0.01)
    assert.are.equal(0, vgg.classifier[1].bias:abs():sum():item())
    assert.are.equal(0, vgg.features[1].bias:abs():sum():item())
    assert.is_true(torch.equal(vgg.features[2].weight, torch.ones(64)))
    local cw = vgg.features[5].weight -- 128 out channels, 3x3
    assert.is_true(math.abs(cw:std():item() / math.sqrt(2 / (128 * 9)) - 1) < 0.03)
  end)

  it('zero_init_residual zeroes the last BN of each block', function()
    local net = models.resnet18({ zero_init_residual = true })
    assert.is_true(torch.equal(net.layer1[1].bn2.weight, torch.zeros(64)))
    assert.is_true(torch.equal(net.layer1[1].bn1.weight, torch.ones(64)))
    local deep = models.ResNet(models.Bottleneck, { 1, 1, 1, 1 }, { zero_init_residual = true, num_classes = 3 })
    assert.is_true(torch.equal(deep.layer3[1].bn3.weight, torch.zeros(1024)))
    assert.is_true(torch.equal(deep.layer3[1].bn2.weight, torch.ones(256)))
  end)

  it('in-place ReLUs give the same gradients as out-of-place ones', function()
    torch.manual_seed(3)
    local a = models.ResNet(models.BasicBlock, { 1, 1, 1, 1 }, { num_classes = 4 })
    local b = models.ResNet(models.BasicBlock, { 1, 1, 1, 1 }, { num_classes = 4 })
    b:load_state_dict(a:state_dict())
    for _, m in ipairs(b:modules()) do
      if m.__name == 'ReLU' then m.inplace = false end
    end
    local x = torch.randn(2, 3, 32, 32)
    local la = (a(x) ^ 2):sum()
    local lb = (b(x) ^ 2):sum()
    assert.are.equal(lb:item(), la:item())
    la:backward()
    lb:backward()
    local pb = b:parameters()
    for i, p in ipairs(a:parameters()) do
      assert.is_true(torch.allclose(p.grad, pb[i].grad, 1e-5, 1e-6), 'parameter ' .. i)
    end
    assert.is_true(a.conv1.weight.grad:abs():sum():item() > 0)
  end)

  it('a new head: model.fc = nn.Linear(512, 5), frozen body', function()
    local net = models.resnet18()
    net:requires_grad_(false)
    net.fc = nn.Linear(512, 5)
    local sd = net:state_dict()
    assert.are.same({ 5, 512 }, sd['fc.weight'].shape)
    local trainable = {}
    for name, p in net:named_parameters() do
      if p.requires_grad then trainable[#trainable + 1] = name end
    end
    assert.are.same({ 'fc.weight', 'fc.bias' }, trainable)
    local out = net(torch.randn(2, 3, 32, 32))
    assert.are.same({ 2, 5 }, out.shape)
    out:sum():backward()
    assert.is_not_nil(net.fc.weight.grad)
    assert.is_nil(net.conv1.weight.grad)
    -- the named children keep their place: fc is still last
    local last
    for name in net:named_children() do last = name end
    assert.are.equal('fc', last)
    -- VGG: the last classifier layer
    local vgg = model_of('vgg11_bn')
    cache.vgg11_bn = nil -- changed here
    vgg.classifier['6'] = nn.Linear(4096, 3) -- Sequential children are replaced by name
    assert.are.equal(7, #vgg.classifier)
    assert.are.same({ 3, 4096 }, vgg:state_dict()['classifier.6.weight'].shape)
    assert.are.same({ 1, 3 }, vgg:eval()(torch.randn(1, 3, 32, 32)).shape)
  end)

  it('weights: a state dict or a file, loaded strictly', function()
    local src = models.resnet18({ num_classes = 3 })
    local path = os.tmpname()
    torch.save(path, src:state_dict())
    local net = models.resnet18({ num_classes = 3, weights = path })
    assert.is_true(torch.equal(src.layer3[2].conv2.weight, net.layer3[2].conv2.weight))
    torch.safetensors.save(path .. '.safetensors', src:state_dict())
    net = models.resnet18({ num_classes = 3, weights = path .. '.safetensors' })
    assert.is_true(torch.equal(src.fc.weight, net.fc.weight))
    net = models.resnet18({ num_classes = 3, weights = src:state_dict() })
    assert.is_true(torch.equal(src.bn1.running_var, net.bn1.running_var))
    local e = err_of(models.resnet18, { weights = path })
    assert.truthy(e:find('fc.weight: shape [3, 512] in the state dict, [1000, 512] in the model', 1, true), e)
    os.remove(path)
    os.remove(path .. '.safetensors')
    e = err_of(models.resnet18, { weights = path })
    assert.truthy(e:find(path, 1, true), e)
  end)

  it('rejects unknown options and bad class counts', function()
    local e = err_of(models.resnet18, { num_class = 10 })
    assert.truthy(e:find("resnet18: unknown option 'num_class'", 1, true), e)
    e = err_of(models.vgg11, { num_classes = 0 })
    assert.truthy(e:find('vgg11: num_classes must be a positive integer, got 0', 1, true), e)
    e = err_of(models.resnet34, 10)
    assert.truthy(e:find('resnet34: expected a table of options, got number', 1, true), e)
    e = err_of(models.ResNet, models.BasicBlock, { 1, 1, 1, 1 }, { groups = 2 })
    assert.truthy(e:find('BasicBlock only supports groups=1', 1, true), e)
  end)
end)

---------------------------------------------------------------- torchvision

local python = '/usr/bin/python3'
local has_torchvision = os.execute(python .. [[ -c "import importlib.util, sys; ]] ..
  [[sys.exit(importlib.util.find_spec('torchvision') is None)" >/dev/null 2>&1]])

-- Writes, for each network, its state dict and {input, output} in eval mode
-- as safetensors files (by hand: Debian's PyTorch has no safetensors).
local PY_SCRIPT = [==[
import json, os, struct, sys
import torch, torchvision

D = {torch.float32: 'F32', torch.int64: 'I64'}

def save(path, tensors):
    header, chunks, offset = {}, [], 0
    for name, t in tensors.items():
        b = t.detach().contiguous().numpy().tobytes()
        header[name] = {'dtype': D[t.dtype], 'shape': list(t.shape), 'data_offsets': [offset, offset + len(b)]}
        chunks.append(b)
        offset += len(b)
    h = json.dumps(header).encode('utf-8')
    h += b' ' * ((8 - len(h) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)))
        f.write(h)
        for c in chunks:
            f.write(c)

out = sys.argv[1]
torch.manual_seed(0)
for name, num_classes, size in (('resnet18', 10, 64), ('vgg11_bn', 7, 32)):
    model = getattr(torchvision.models, name)(num_classes=num_classes)
    with torch.no_grad():  # batch norm statistics that are not 0 and 1
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
                m.running_mean.uniform_(-0.3, 0.3)
                m.running_var.uniform_(0.5, 2.0)
                m.num_batches_tracked.fill_(7)
    model.eval()
    x = torch.randn(1, 3, size, size)
    with torch.no_grad():
        y = model(x)
    save(os.path.join(out, name + '.safetensors'), model.state_dict())
    save(os.path.join(out, name + '_io.safetensors'), {'input': x, 'output': y})
    del model
print('ok')
]==]

local py_dir
local function python_files()
  if py_dir then return py_dir end
  local d = os.tmpname()
  os.remove(d)
  assert(os.execute('mkdir -p ' .. quote(d)))
  local script = d .. '/gen.py'
  local f = assert(io.open(script, 'w'))
  f:write(PY_SCRIPT)
  f:close()
  local p = io.popen(string.format('%s %s %s 2>&1', python, quote(script), quote(d)))
  local out = p:read('a')
  p:close()
  assert(out:find('ok'), out)
  py_dir = d
  return d
end
teardown(function() if py_dir then os.execute('rm -rf ' .. quote(py_dir)) end end)

local py_it = has_torchvision and it or function(name)
  pending(name .. ' (skipped: ' .. python .. ' or its torchvision module is missing; Debian: python3-torchvision)')
end

local function check_against_torchvision(name, opts)
  local d = python_files()
  local weights = torch.safetensors.load(d .. '/' .. name .. '.safetensors')
  local io_ = torch.safetensors.load(d .. '/' .. name .. '_io.safetensors')
  local net = opts.cached and model_of(name, opts) or models[name](opts)
  local result = net:load_state_dict(weights) -- strict
  assert.are.same({}, result.missing_keys)
  assert.are.same({}, result.unexpected_keys)
  assert.is_true(torch.equal(weights['features.0.weight'] or weights['conv1.weight'],
    (net.features and net.features[1] or net.conv1).weight))
  net:eval()
  local y = torch.no_grad(function() return net(io_.input) end)
  local want = io_.output
  assert.are.same(want.shape, y.shape)
  local scale = want:abs():max():item()
  local diff = (y - want):abs():max():item()
  assert.is_true(diff <= 1e-4 * math.max(1, scale), string.format('%s: max diff %g (scale %g)', name, diff, scale))
  -- the predicted class agrees too
  assert.are.equal(want:argmax():item(), y:argmax():item())
  return net
end

describe('torch.vision.models and torchvision weights', function()
  py_it('resnet18: torchvision\'s weights load strictly, same eval output', function()
    local net = check_against_torchvision('resnet18', { num_classes = 10 })
    assert.are.equal(7, net.layer1[1].bn1.num_batches_tracked:item())
  end)

  py_it('vgg11_bn: torchvision\'s weights load strictly, same eval output (32x32 input)', function()
    check_against_torchvision('vgg11_bn', { num_classes = 7, cached = true })
  end)
end)
