-- nn.init: in-place initialisers with PyTorch's formulas and defaults.
-- Each fills its tensor without recording for autograd and returns it.
local torch = require 'torch'

local init = {}

local function check_tensor(fname, t)
  if not torch.is_tensor(t) then error('nn.init.' .. fname .. ': expected a tensor, got ' .. type(t), 3) end
end

-- opts given positionally (PyTorch order) or as a trailing table
local function opts_of(value, names, ...)
  if type(value) == 'table' then return value end
  local opts, extra = {}, { value, ... }
  for i, name in ipairs(names) do opts[name] = extra[i] end
  return opts
end

local function fill(t, fn) return torch.no_grad(function() fn(t) return t end) end

--- calculate_gain(nonlinearity, param)
function init.calculate_gain(nonlinearity, param)
  local linear = { linear = true, conv1d = true, conv2d = true, conv3d = true, conv_transpose1d = true,
    conv_transpose2d = true, conv_transpose3d = true, sigmoid = true }
  if linear[nonlinearity] then return 1 end
  if nonlinearity == 'tanh' then return 5 / 3 end
  if nonlinearity == 'relu' then return math.sqrt(2) end
  if nonlinearity == 'leaky_relu' then
    local slope = param == nil and 0.01 or param
    if type(slope) ~= 'number' then error('nn.init.calculate_gain: negative_slope ' .. tostring(slope) .. ' is not a number', 2) end
    return math.sqrt(2 / (1 + slope * slope))
  end
  if nonlinearity == 'selu' then return 3 / 4 end
  error('nn.init.calculate_gain: unsupported nonlinearity ' .. tostring(nonlinearity), 2)
end

--- fan_in, fan_out of a weight [out, in, k...]
function init.calculate_fan_in_and_fan_out(t)
  local dims = t:dim()
  if dims < 2 then
    error('nn.init: fan in and fan out cannot be computed for a tensor with fewer than 2 dimensions (shape [' ..
      table.concat(t.shape, ', ') .. '])', 3)
  end
  local receptive = 1
  for d = 3, dims do receptive = receptive * t:size(d) end
  return t:size(2) * receptive, t:size(1) * receptive
end

local function fan(t, mode)
  local fan_in, fan_out = init.calculate_fan_in_and_fan_out(t)
  if mode == 'fan_in' then return fan_in end
  if mode == 'fan_out' then return fan_out end
  error("nn.init: mode must be 'fan_in' or 'fan_out', got " .. tostring(mode), 3)
end

function init.uniform_(t, a, b)
  check_tensor('uniform_', t)
  local o = opts_of(a, { 'a', 'b' }, b)
  return fill(t, function(x) x:uniform_(o.a or 0, o.b or 1) end)
end

function init.normal_(t, mean, std)
  check_tensor('normal_', t)
  local o = opts_of(mean, { 'mean', 'std' }, std)
  return fill(t, function(x) x:normal_(o.mean or 0, o.std or 1) end)
end

function init.constant_(t, value)
  check_tensor('constant_', t)
  if type(value) == 'table' then value = value.val or value.value end
  if type(value) ~= 'number' and type(value) ~= 'boolean' then
    error('nn.init.constant_: expected a number, got ' .. type(value), 2)
  end
  return fill(t, function(x) x:fill_(value) end)
end

function init.zeros_(t)
  check_tensor('zeros_', t)
  return fill(t, function(x) x:zero_() end)
end

function init.ones_(t)
  check_tensor('ones_', t)
  return fill(t, function(x) x:fill_(1) end)
end

--- eye_(t): the identity in a 2-D tensor
function init.eye_(t)
  check_tensor('eye_', t)
  if t:dim() ~= 2 then error('nn.init.eye_: expected a 2-D tensor, got shape [' .. table.concat(t.shape, ', ') .. ']', 2) end
  return fill(t, function(x) x:copy_(torch.eye(x:size(1), x:size(2), { dtype = x.dtype })) end)
end

function init.xavier_uniform_(t, gain)
  check_tensor('xavier_uniform_', t)
  local o = opts_of(gain, { 'gain' })
  local fan_in, fan_out = init.calculate_fan_in_and_fan_out(t)
  local bound = (o.gain or 1) * math.sqrt(6 / (fan_in + fan_out))
  return fill(t, function(x) x:uniform_(-bound, bound) end)
end

function init.xavier_normal_(t, gain)
  check_tensor('xavier_normal_', t)
  local o = opts_of(gain, { 'gain' })
  local fan_in, fan_out = init.calculate_fan_in_and_fan_out(t)
  local std = (o.gain or 1) * math.sqrt(2 / (fan_in + fan_out))
  return fill(t, function(x) x:normal_(0, std) end)
end

local function kaiming_std(t, o)
  local gain = init.calculate_gain(o.nonlinearity or 'leaky_relu', o.a or 0)
  return gain / math.sqrt(fan(t, o.mode or 'fan_in'))
end

--- kaiming_uniform_(t, {a=0, mode='fan_in', nonlinearity='leaky_relu'})
function init.kaiming_uniform_(t, a, mode, nonlinearity)
  check_tensor('kaiming_uniform_', t)
  local o = opts_of(a, { 'a', 'mode', 'nonlinearity' }, mode, nonlinearity)
  local bound = math.sqrt(3) * kaiming_std(t, o)
  return fill(t, function(x) x:uniform_(-bound, bound) end)
end

function init.kaiming_normal_(t, a, mode, nonlinearity)
  check_tensor('kaiming_normal_', t)
  local o = opts_of(a, { 'a', 'mode', 'nonlinearity' }, mode, nonlinearity)
  local std = kaiming_std(t, o)
  return fill(t, function(x) x:normal_(0, std) end)
end

return init
