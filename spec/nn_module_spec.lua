-- nn.Module: registration, traversal, modes, dtype moves, state dicts,
-- printing, containers, and a small network against PyTorch's numbers.
local torch = require 'torch'
local nn = require 'torch.nn'
local H = require 'spec.helpers'

local function keys_of(iter)
  local out = {}
  for name in iter do out[#out + 1] = name end
  return out
end

local Net = nn.Module:extend('Net')
function Net:init()
  self.fc1 = nn.Linear(4, 3)
  self.act = nn.ReLU()
  self.block = nn.Sequential(nn.Linear(3, 2), nn.Tanh())
  self.scale = nn.Parameter(torch.ones(1))
  self.note = 'plain field'
end
function Net:forward(x) return self.block(self.act(self.fc1(x))) * self.scale end

describe('nn.Module registration', function()
  it('registers modules and parameters in definition order', function()
    local net = Net()
    assert.are.same({ 'scale', 'fc1.weight', 'fc1.bias', 'block.0.weight', 'block.0.bias' },
      keys_of(net:named_parameters()))
    assert.are.equal(5, #net:parameters())
    assert.are.same({ 'fc1', 'act', 'block' }, keys_of(net:named_children()))
    assert.are.same({ '', 'fc1', 'act', 'block', 'block.0', 'block.1' }, keys_of(net:named_modules()))
    assert.are.equal(6, #net:modules())
    assert.are.equal('plain field', net.note)
    assert.is_true(nn.is_parameter(net.fc1.weight))
    assert.is_true(net.fc1.weight.requires_grad and net.fc1.weight.is_leaf)
  end)

  it('keeps a shared module or parameter once', function()
    local Twice = nn.Module:extend('Twice')
    function Twice:init()
      self.a = nn.Linear(2, 2)
      self.b = self.a
    end
    local m = Twice()
    assert.are.equal(2, #m:parameters())
    assert.are.same({ 'a.weight', 'a.bias' }, keys_of(m:named_parameters()))
  end)

  it('follows reassignment and removal', function()
    local net = Net()
    local old = net.fc1
    net.fc1 = nn.Linear(4, 3, { bias = false })
    assert.are_not.equal(old, net.fc1)
    assert.are.same({ 'scale', 'fc1.weight', 'block.0.weight', 'block.0.bias' }, keys_of(net:named_parameters()))
    net.scale = nil
    assert.is_nil(net.scale)
    assert.are.equal(3, #net:parameters())
    net.block = nil
    assert.are.same({ 'fc1', 'act' }, keys_of(net:named_children()))
  end)

  it('refuses a plain tensor in a parameter slot', function()
    local net = Net()
    local msg = H.error_of(function() net.scale = torch.ones(1) end)
    assert.truthy(msg:find("parameter 'scale'", 1, true), msg)
    assert.truthy(msg:find('nn.Parameter', 1, true), msg)
  end)

  it('has buffers that are saved but not trained', function()
    local M = nn.Module:extend('WithBuffer')
    function M:init()
      self:register_buffer('steps', torch.zeros(1))
      self:register_buffer('scratch', torch.zeros(2), false)
    end
    local m = M()
    assert.are.equal(0, #m:parameters())
    assert.are.equal(2, #m:buffers())
    local sd = m:state_dict()
    assert.is_not_nil(sd.steps)
    assert.is_nil(sd.scratch)
    m.steps = torch.ones(1)
    H.assert_tensor(m.steps, { 1 })
  end)

  it('reports a missing forward and a bad extend', function()
    local Empty = nn.Module:extend('Empty')
    H.assert_error_has(function() Empty()(torch.ones(1)) end, 'Empty: forward is not implemented')
    H.assert_error_has(function() nn.Module:extend() end, 'Module:extend expects a class name')
  end)

  it('inherits from user classes', function()
    local Base = nn.Module:extend('Base')
    function Base:init(n) self.fc = nn.Linear(n, n) end
    function Base:forward(x) return self.fc(x) end
    local Child = Base:extend('Child')
    function Child:init(n)
      Base.init(self, n)
      self.extra = nn.Linear(n, 1)
    end
    function Child:forward(x) return self.extra(Base.forward(self, x)) end
    local c = Child(3)
    H.assert_shape(c(torch.ones(2, 3)), { 2, 1 })
    assert.are.equal(4, #c:parameters())
    assert.truthy(tostring(c):find('^Child%('))
  end)
end)

describe('nn.Module modes and gradients', function()
  it('train/eval reach every submodule', function()
    local net = Net()
    assert.is_true(net.training)
    assert.are.equal(net, net:eval())
    for _, m in ipairs(net:modules()) do assert.is_false(m.training) end
    net:train()
    for _, m in ipairs(net:modules()) do assert.is_true(m.training) end
    net:train(false)
    assert.is_false(net.block[1].training)
  end)

  it('zero_grad sets gradients to nil, or zero in place', function()
    local net = Net()
    net(torch.randn(5, 4)):sum():backward()
    assert.is_not_nil(net.fc1.weight.grad)
    net:zero_grad({ set_to_none = false })
    H.assert_tensor(net.fc1.bias.grad, { 0, 0, 0 })
    net:zero_grad()
    assert.is_nil(net.fc1.weight.grad)
  end)

  it('requires_grad_(false) freezes parameters', function()
    local net = Net()
    net.fc1:requires_grad_(false)
    net(torch.randn(5, 4)):sum():backward()
    assert.is_nil(net.fc1.weight.grad)
    assert.is_not_nil(net.block[1].weight.grad)
  end)

  it('apply visits children before the parent', function()
    local net, seen = Net(), {}
    net:apply(function(m) seen[#seen + 1] = m.__name end)
    assert.are.same({ 'Linear', 'ReLU', 'Linear', 'Tanh', 'Sequential', 'Net' }, seen)
  end)

  it('changes dtype in place, keeping parameter identity', function()
    local net = Net()
    local w = net.fc1.weight
    net:double()
    assert.are.equal(w, net.fc1.weight)
    assert.are.equal(torch.float64, w.dtype)
    assert.is_true(w.requires_grad)
    assert.are.equal(torch.float64, net(torch.randn(2, 4, { dtype = torch.float64 })).dtype)
    net:to(torch.float32)
    assert.are.equal(torch.float32, w.dtype)
    net:to('cpu')
    assert.are.equal('cpu', tostring(w.device))
    H.assert_error_has(function() net:to(torch.int64) end, 'only floating point dtypes')
  end)

  it('backpropagates through Lua control flow', function()
    local Loop = nn.Module:extend('Loop')
    function Loop:init() self.fc = nn.Linear(3, 3) end
    function Loop:forward(x, n)
      for _ = 1, n do x = torch.tanh(self.fc(x)) end
      return x
    end
    local m = Loop():double()
    local x = torch.randn(2, 3, { dtype = torch.float64 })
    assert.is_true(torch.autograd.gradcheck(function(w) return torch.tanh(torch.linear(torch.tanh(torch.linear(x, w, m.fc.bias)), w, m.fc.bias)) end,
      { m.fc.weight }))
    m(x, 2):sum():backward()
    local g = m.fc.weight.grad:clone()
    m:zero_grad()
    m(x, 3):sum():backward()
    assert.is_false(torch.allclose(g, m.fc.weight.grad))
  end)
end)

describe('containers', function()
  it('Sequential: positional, 1-based indexing, PyTorch names', function()
    local seq = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 1))
    assert.are.equal(3, #seq)
    assert.are.equal('ReLU', seq[2].__name)
    assert.are.equal(seq[3], seq[-1])
    assert.is_nil(seq[4])
    local names = {}
    for i, m in ipairs(seq) do names[i] = m.__name end
    assert.are.same({ 'Linear', 'ReLU', 'Linear' }, names)
    assert.are.same({ '0.weight', '0.bias', '2.weight', '2.bias' }, keys_of(seq:named_parameters()))
    local x = torch.randn(5, 4)
    H.assert_tensor(seq(x), H.values(seq[3](seq[2](seq[1](x)))), 1e-6)
    seq:append(nn.Sigmoid())
    assert.are.equal(4, #seq)
    H.assert_error_has(function() nn.Sequential(nn.ReLU(), 3) end, 'argument 2 is not a module')
  end)

  it('Sequential: named layers reachable by name', function()
    local model = nn.Sequential({ { 'fc1', nn.Linear(784, 128) }, { 'relu1', nn.ReLU() },
      { 'fc2', nn.Linear(128, 10) } })
    assert.are.equal(model[1], model.fc1)
    assert.are.same({ 'fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias' }, keys_of(model:named_parameters()))
    H.assert_shape(model(torch.randn(2, 784)), { 2, 10 })
    assert.are.equal('Sequential(\n  (fc1): Linear(in_features=784, out_features=128, bias=True)\n' ..
      '  (relu1): ReLU()\n  (fc2): Linear(in_features=128, out_features=10, bias=True)\n)', tostring(model))
  end)

  it('ModuleList holds modules without a forward', function()
    local L = nn.ModuleList({ nn.Linear(2, 2), nn.Linear(2, 2) })
    L:append(nn.Linear(2, 1))
    assert.are.equal(3, #L)
    assert.are.equal(6, #L:parameters())
    assert.are.same({ '0.weight', '0.bias', '1.weight', '1.bias', '2.weight', '2.bias' },
      keys_of(L:named_parameters()))
    local x = torch.randn(1, 2)
    for _, layer in ipairs(L) do x = layer(x) end
    H.assert_shape(x, { 1, 1 })
    H.assert_error_has(function() L(x) end, 'ModuleList has no forward')
  end)
end)

describe('state dicts', function()
  it('uses PyTorch key names in order, buffers included', function()
    local model = nn.Sequential({ { 'conv', nn.Conv2d(1, 2, 3) }, { 'bn', nn.BatchNorm2d(2) } })
    local keys = {}
    for k in pairs(model:state_dict()) do keys[#keys + 1] = k end
    assert.are.same({ 'conv.weight', 'conv.bias', 'bn.weight', 'bn.bias', 'bn.running_mean',
      'bn.running_var', 'bn.num_batches_tracked' }, keys)
  end)

  it('round-trips values and reports problems by name', function()
    local a, b = Net(), Net()
    local sd = a:state_dict()
    assert.is_false(sd['scale'].requires_grad)
    b:load_state_dict(sd)
    H.assert_tensor(b.fc1.weight, H.values(a.fc1.weight))
    -- copies, not aliases
    torch.no_grad(function() a.fc1.weight:zero_() end)
    assert.is_false(torch.equal(a.fc1.weight, b.fc1.weight))

    local partial = b:state_dict()
    partial['fc1.bias'] = nil
    partial['extra.weight'] = torch.ones(1)
    local msg = H.error_of(function() b:load_state_dict(partial) end)
    assert.truthy(msg:find('missing keys: fc1.bias', 1, true), msg)
    assert.truthy(msg:find('unexpected keys: extra.weight', 1, true), msg)
    local r = b:load_state_dict(partial, { strict = false })
    assert.are.same({ 'fc1.bias' }, r.missing_keys)
    assert.are.same({ 'extra.weight' }, r.unexpected_keys)

    local wrong = b:state_dict()
    wrong['fc1.weight'] = torch.zeros(2, 2)
    H.assert_error_has(function() b:load_state_dict(wrong) end,
      'fc1.weight: shape [2, 2] in the state dict, [3, 4] in the model')
  end)
end)

describe('a small network against PyTorch', function()
  local fx = dofile('spec/fixtures/nn_small_net.lua')

  local Small = nn.Module:extend('Small')
  function Small:init()
    self.features = nn.Sequential(
      nn.Conv2d(2, 4, 3, { padding = 1 }),
      nn.BatchNorm2d(4),
      nn.ReLU(),
      nn.MaxPool2d(2, 2),
      nn.Conv2d(4, 3, 2, { stride = 1, groups = 1 }))
    self.pool = nn.AdaptiveAvgPool2d(2)
    self.fc = nn.Linear(12, 5)
    self.drop = nn.Dropout(0.5)
  end
  function Small:forward(x)
    x = self.features(x)
    x = self.pool(x)
    x = x:view(x:size(1), -1)
    return nn.functional.log_softmax(self.drop(self.fc(x)), 2)
  end

  local function loaded()
    local net = Small():double()
    local sd = {}
    for k, v in pairs(fx.state) do
      if v.int then sd[k] = torch.tensor(v.int, { dtype = torch.int64 })
      else sd[k] = torch.tensor(v, { dtype = torch.float64 }) end
    end
    net:load_state_dict(sd)
    net.drop.p = 0.0
    return net
  end

  it('has the same keys in the same order', function()
    local keys = {}
    for k in pairs(Small():state_dict()) do keys[#keys + 1] = k end
    assert.are.same(fx.keys, keys)
  end)

  it('prints like PyTorch', function()
    local net = Small()
    net.drop.p = 0.0
    assert.are.equal(fx.repr, tostring(net))
  end)

  it('computes the same outputs in eval and train mode, and the same gradients', function()
    local net = loaded()
    local x = torch.tensor(fx.input, { dtype = torch.float64 })
    net:eval()
    H.assert_tensor(net(x), fx.eval_output, 1e-10)
    net:train()
    local out = net(x)
    H.assert_tensor(out, fx.train_output, 1e-10)
    H.assert_tensor(net.features[2].running_mean, fx.running_mean_after, 1e-12)
    H.assert_tensor(net.features[2].running_var, fx.running_var_after, 1e-12)
    assert.are.equal(1, net.features[2].num_batches_tracked:item())
    local loss = nn.functional.nll_loss(out, torch.tensor(fx.target, { dtype = torch.int64 }))
    assert.is_true(math.abs(loss:item() - fx.train_loss) < 1e-10)
    loss:backward()
    for name, p in net:named_parameters() do
      H.assert_tensor(p.grad, fx.grads[name], 1e-9)
    end
  end)
end)

describe('default initialisation', function()
  it('Linear and Conv2d draw from U(-1/sqrt(fan_in), 1/sqrt(fan_in))', function()
    torch.manual_seed(0)
    local fc = nn.Linear(400, 300)
    local bound = 1 / math.sqrt(400)
    assert.is_true(fc.weight:abs():max():item() <= bound)
    assert.is_true(fc.weight:abs():max():item() > 0.95 * bound)
    -- uniform on [-b, b] has standard deviation b / sqrt(3)
    assert.is_true(math.abs(fc.weight:std():item() - bound / math.sqrt(3)) < 0.01 * bound)
    assert.is_true(fc.bias:abs():max():item() <= bound)
    local conv = nn.Conv2d(6, 16, 5)
    local cbound = 1 / math.sqrt(6 * 25)
    assert.is_true(conv.weight:abs():max():item() <= cbound)
    H.assert_shape(conv.weight, { 16, 6, 5, 5 })
    H.assert_shape(nn.Conv2d(4, 8, 3, { groups = 2 }).weight, { 8, 2, 3, 3 })
  end)

  it('BatchNorm starts at weight 1, bias 0, running stats 0 and 1', function()
    local bn = nn.BatchNorm1d(3)
    H.assert_tensor(bn.weight, { 1, 1, 1 })
    H.assert_tensor(bn.bias, { 0, 0, 0 })
    H.assert_tensor(bn.running_mean, { 0, 0, 0 })
    H.assert_tensor(bn.running_var, { 1, 1, 1 })
    assert.are.equal(torch.int64, bn.num_batches_tracked.dtype)
    local plain = nn.BatchNorm2d(3, { affine = false, track_running_stats = false })
    assert.are.equal(0, #plain:parameters())
    assert.are.equal(0, #plain:buffers())
  end)
end)
