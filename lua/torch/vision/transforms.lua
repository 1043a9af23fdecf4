-- torch.vision.transforms: torchvision's image transforms, run in C.
--
--   local T = torch.vision.transforms
--   local tf = T.Compose({
--     T.RandomCrop(32, {padding = 4}),
--     T.RandomHorizontalFlip(),
--     T.ToTensor(),
--     T.Normalize({0.4914, 0.4822, 0.4465}, {0.2470, 0.2435, 0.2616}),
--   })
--   local x = tf(image)          -- uint8 [32, 32, 3] -> float32 [3, 32, 32]
--   print(tf)                    -- as torchvision prints it
--
-- Inputs are told apart by dtype: uint8 [H, W, C] or [H, W] is an image
-- (what datasets return, PIL's layout), float32/float64 [..., C, H, W] a
-- tensor image (torchvision's tensor layout).  Geometric transforms keep the
-- kind (image in, image out); ToTensor turns an image into a tensor image.
-- Random transforms draw from the global generator (torch.manual_seed).
--
-- Each transform is a callable table; t:_c_transforms() gives the
-- torch.Transform userdata the C data loader runs (nil when some part, such
-- as a Lambda, exists only in Lua).  Functional forms: T.functional.
local torch = require 'torch'

local T = {}
local F = {}
T.functional = F

local apply, new_transform = torch._transform_apply, torch._transform_new

local function callable(v)
  if type(v) == 'function' then return true end
  local mt = getmetatable(v)
  return type(mt) == 'table' and mt.__call ~= nil
end

-- Python's repr of a number (shortest round trip, 1.0 keeps its ".0").
local function pynum(v)
  if math.type(v) == 'integer' then return tostring(v) end
  if v ~= v then return 'nan' end
  if v == math.huge then return 'inf' elseif v == -math.huge then return '-inf' end
  local s
  for prec = 1, 17 do
    s = string.format('%.' .. prec .. 'g', v)
    if tonumber(s) == v then break end
  end
  if not s:find('[%.eni]') then s = s .. '.0' end
  return s
end

-- A Lua value as torchvision's repr would show the Python one (tables as lists).
local function pyrepr(v)
  if v == nil then return 'None' end
  if type(v) == 'boolean' then return v and 'True' or 'False' end
  if type(v) == 'number' then return pynum(v) end
  if type(v) == 'table' then
    local parts = {}
    for i, x in ipairs(v) do parts[i] = pyrepr(x) end
    return '[' .. table.concat(parts, ', ') .. ']'
  end
  return tostring(v)
end

local function check_options(name, opts, known)
  local checked = require('torch.options').check(name, opts, known, 4) -- level 4: our caller's caller
  return checked
end

-- size as an integer or {n} (n: every side, or Resize's smaller edge) or {h, w};
-- returns the table passed to C.
local function check_size(name, size)
  local ok = math.type(size) == 'integer' and size > 0
  if type(size) == 'table' and (#size == 1 or #size == 2) then
    ok = true
    for _, v in ipairs(size) do ok = ok and math.type(v) == 'integer' and v > 0 end
  end
  if not ok then
    error(string.format('%s: size must be a positive integer or a table {h, w} of them, got %s', name, pyrepr(size)), 3)
  end
  return type(size) == 'table' and { table.unpack(size) } or { size }
end

-- The C transform of kind with opts; its errors are raised at the caller of
-- the constructor.
local function c_transform(kind, opts)
  local ok, ud = pcall(new_transform, kind, opts)
  if not ok then error(ud, 3) end
  return ud
end

-- Applies the C transform ud to x; its errors are raised at the line that
-- called the caller (forward is a tail call of __call: the user's line),
-- under `name` when given (the functional forms).
local function run(ud, x, seed, name)
  local ok, y = pcall(apply, ud, x, seed)
  if not ok then
    if name then y = tostring(y):gsub('^%a+:', name .. ':', 1) end
    error(y, 3)
  end
  return y
end

local function check_tensor(name, x)
  if not torch.is_tensor(x) then
    error(string.format('%s: expected an image (uint8 tensor [H, W, C] or [H, W]) or a float tensor image '
      .. '[..., C, H, W], got %s', name, type(x)), 3)
  end
end

-- A transform class backed by one C transform (self._ud).
local function class(name)
  local cls = { __name = name }
  cls.__index = cls
  cls.__call = function(self, x) return self:forward(x) end
  cls.__tostring = function(self) return self:repr() end
  function cls:forward(x)
    check_tensor(name, x)
    local y = run(self._ud, x)
    return y
  end
  function cls:_c_transforms() return { self._ud } end
  return cls
end

---------------------------------------------------------------- Compose

local Compose = { __name = 'Compose' }
Compose.__index = Compose
Compose.__call = function(self, x) return self:forward(x) end
Compose.__tostring = function(self) return self:repr() end

--- T.Compose({t1, t2, ...}): applies each transform in turn.
function T.Compose(transforms)
  if type(transforms) ~= 'table' or getmetatable(transforms) ~= nil then
    error('Compose: expected a list of transforms, got ' .. type(transforms), 2)
  end
  local n = 0
  for _ in pairs(transforms) do n = n + 1 end
  if n ~= #transforms then error('Compose: expected a list of transforms (a sequence without holes)', 2) end
  for i, t in ipairs(transforms) do
    if not callable(t) then error(string.format('Compose: transform %d is not callable (%s)', i, type(t)), 2) end
  end
  return setmetatable({ transforms = { table.unpack(transforms) } }, Compose)
end

function Compose:forward(x)
  for _, t in ipairs(self.transforms) do x = t(x) end
  return x
end

function Compose:repr()
  local s = 'Compose('
  for _, t in ipairs(self.transforms) do s = s .. '\n    ' .. tostring(t) end
  return s .. '\n)'
end

function Compose:_c_transforms()
  local out = {}
  for _, t in ipairs(self.transforms) do
    local c = type(t) == 'table' and type(t._c_transforms) == 'function' and t:_c_transforms()
    if not c then return nil end
    table.move(c, 1, #c, #out + 1, out)
  end
  return out
end

---------------------------------------------------------------- Lambda

local Lambda = { __name = 'Lambda' }
Lambda.__index = Lambda
Lambda.__call = function(self, x) return self.lambd(x) end
Lambda.__tostring = function() return 'Lambda()' end
function Lambda:forward(x) return self.lambd(x) end
function Lambda:_c_transforms() return nil end

--- T.Lambda(fn): fn(x) as a transform (Lua only: the loader calls it in Lua).
function T.Lambda(fn)
  if not callable(fn) then error('Lambda: expected a function, got ' .. type(fn), 2) end
  return setmetatable({ lambd = fn }, Lambda)
end

---------------------------------------------------------------- ToTensor

local ToTensor = class('ToTensor')
function ToTensor:repr() return 'ToTensor()' end

--- T.ToTensor(): image uint8 [H, W, C] or [H, W] -> float32 [C, H, W] in [0, 1];
-- a float tensor passes through.
function T.ToTensor()
  return setmetatable({ _ud = c_transform('ToTensor') }, ToTensor)
end

---------------------------------------------------------------- Normalize

local Normalize = class('Normalize')
local function check_stats(name, what, v)
  local ok = type(v) == 'number'
  if type(v) == 'table' and #v > 0 then
    ok = true
    for _, x in ipairs(v) do ok = ok and type(x) == 'number' end
  end
  if not ok then
    error(string.format('%s: %s must be a number or a list of numbers, got %s', name, what, pyrepr(v)), 3)
  end
end

--- T.Normalize(mean, std, {inplace = false}): (x - mean[c]) / std[c] per channel
-- of a float tensor image.
function T.Normalize(mean, std, opts)
  opts = check_options('Normalize', opts, { inplace = true })
  check_stats('Normalize', 'mean', mean)
  check_stats('Normalize', 'std', std)
  local ud = c_transform('Normalize', { mean = mean, std = std })
  return setmetatable({ _ud = ud, mean = mean, std = std, inplace = opts.inplace or false }, Normalize)
end

function Normalize:forward(x)
  check_tensor('Normalize', x)
  local y = run(self._ud, x)
  if self.inplace then
    x:copy_(y)
    return x
  end
  return y
end

function Normalize:repr()
  return string.format('Normalize(mean=%s, std=%s)', pyrepr(self.mean), pyrepr(self.std))
end

---------------------------------------------------------------- RandomCrop

local RandomCrop = class('RandomCrop')
local PADDING_MODES = { constant = true, edge = true, reflect = true, symmetric = true }

-- torchvision's padding: n (all sides), {n}, {left/right, top/bottom} or
-- {left, top, right, bottom} -> {l, t, r, b}.
local function check_padding(name, p)
  local list = type(p) == 'table' and p or { p }
  local ok = #list == 1 or #list == 2 or #list == 4
  for _, v in ipairs(list) do ok = ok and math.type(v) == 'integer' and v >= 0 end
  if not ok then
    error(string.format('%s: padding must be a non-negative integer or a table of 1, 2 or 4 of them, got %s',
      name, pyrepr(p)), 3)
  end
  if #list == 1 then return { list[1], list[1], list[1], list[1] } end
  if #list == 2 then return { list[1], list[2], list[1], list[2] } end
  return { table.unpack(list) }
end

local function check_fill_mode(name, opts)
  if opts.fill ~= nil and type(opts.fill) ~= 'number' then
    error(string.format('%s: fill must be a number, got %s', name, type(opts.fill)), 3)
  end
  local mode = opts.padding_mode or 'constant'
  if not PADDING_MODES[mode] then
    error(string.format("%s: padding_mode must be 'constant', 'edge', 'reflect' or 'symmetric', got %s",
      name, pyrepr(mode)), 3)
  end
  return opts.fill or 0, mode
end

--- T.RandomCrop(size, {padding, pad_if_needed = false, fill = 0, padding_mode = 'constant'}):
-- pads, then crops a size window at a random position.
function T.RandomCrop(size, opts)
  opts = check_options('RandomCrop', opts, { padding = true, pad_if_needed = true, fill = true, padding_mode = true })
  local sz = check_size('RandomCrop', size)
  if #sz == 1 then sz[2] = sz[1] end
  local padding = opts.padding ~= nil and check_padding('RandomCrop', opts.padding) or nil
  local fill, mode = check_fill_mode('RandomCrop', opts)
  local ud = c_transform('RandomCrop', { size = sz, padding = padding, pad_if_needed = opts.pad_if_needed and true,
    fill = fill, padding_mode = mode })
  return setmetatable({ _ud = ud, size = sz, padding = opts.padding, pad_if_needed = opts.pad_if_needed or false,
    fill = fill, padding_mode = mode }, RandomCrop)
end

function RandomCrop:repr()
  return string.format('RandomCrop(size=(%d, %d), padding=%s)', self.size[1], self.size[2], pyrepr(self.padding))
end

---------------------------------------------------------------- RandomHorizontalFlip

local RandomHorizontalFlip = class('RandomHorizontalFlip')

--- T.RandomHorizontalFlip(p = 0.5): mirrors left-right with probability p.
function T.RandomHorizontalFlip(p)
  if p == nil then p = 0.5 end
  if type(p) ~= 'number' or not (p >= 0 and p <= 1) then
    error('RandomHorizontalFlip: p must be a number in [0, 1], got ' .. pyrepr(p), 2)
  end
  return setmetatable({ _ud = c_transform('RandomHorizontalFlip', { p = p }), p = p }, RandomHorizontalFlip)
end

function RandomHorizontalFlip:repr() return 'RandomHorizontalFlip(p=' .. pynum(self.p) .. ')' end

---------------------------------------------------------------- Resize

local Resize = class('Resize')

--- T.Resize(size, {max_size, antialias, interpolation = 'bilinear'}): size {h, w},
-- or an integer: the smaller edge becomes size, keeping the aspect ratio.
-- Images use PIL's antialiased bilinear filter; tensor images too with antialias = true.
function T.Resize(size, opts)
  opts = check_options('Resize', opts, { max_size = true, antialias = true, interpolation = true })
  local sz = check_size('Resize', size)
  if opts.interpolation ~= nil and opts.interpolation ~= 'bilinear' then
    error(string.format("Resize: only interpolation = 'bilinear' is supported, got %s", pyrepr(opts.interpolation)), 2)
  end
  if opts.max_size ~= nil and not (math.type(opts.max_size) == 'integer' and #sz == 1) then
    error('Resize: max_size must be an integer, and is only for an integer size (the smaller edge)', 2)
  end
  if opts.antialias ~= nil and type(opts.antialias) ~= 'boolean' then
    error('Resize: antialias must be a boolean, got ' .. type(opts.antialias), 2)
  end
  local ud = c_transform('Resize', { size = sz, max_size = opts.max_size, antialias = opts.antialias })
  return setmetatable({ _ud = ud, size = size, max_size = opts.max_size, antialias = opts.antialias }, Resize)
end

function Resize:repr()
  local size = type(self.size) == 'table' and pyrepr(self.size) or tostring(self.size)
  return string.format('Resize(size=%s, interpolation=bilinear, max_size=%s, antialias=%s)', size,
    pyrepr(self.max_size), pyrepr(self.antialias))
end

---------------------------------------------------------------- CenterCrop

local CenterCrop = class('CenterCrop')

--- T.CenterCrop(size): the central size window (zero-padded when the image is smaller).
function T.CenterCrop(size)
  local sz = check_size('CenterCrop', size)
  if #sz == 1 then sz[2] = sz[1] end
  return setmetatable({ _ud = c_transform('CenterCrop', { size = sz }), size = sz }, CenterCrop)
end

function CenterCrop:repr() return string.format('CenterCrop(size=(%d, %d))', self.size[1], self.size[2]) end

---------------------------------------------------------------- functional

local to_tensor_ud, hflip_ud

-- (height, width) of an image or a tensor image.
local function image_size(name, img)
  check_tensor(name, img)
  local s = img.shape
  if img.dtype == torch.uint8 then return s[1], s[2] end
  return s[#s - 1], s[#s]
end

--- F.to_tensor(img): as T.ToTensor().
function F.to_tensor(img)
  check_tensor('to_tensor', img)
  to_tensor_ud = to_tensor_ud or new_transform('ToTensor')
  local y = run(to_tensor_ud, img, nil, 'to_tensor')
  return y
end

--- F.normalize(tensor, mean, std, {inplace}): as T.Normalize.
function F.normalize(x, mean, std, opts)
  local t = T.Normalize(mean, std, opts)
  return t(x)
end

--- F.hflip(img): mirrored left-right.
function F.hflip(img)
  check_tensor('hflip', img)
  hflip_ud = hflip_ud or new_transform('RandomHorizontalFlip', { p = 1 })
  local y = run(hflip_ud, img, 0, 'hflip')
  return y
end

--- F.crop(img, top, left, height, width): the window whose top-left pixel is
-- (top, left), 1-based; parts outside the image are zeros.
function F.crop(img, top, left, height, width)
  check_tensor('crop', img)
  for _, v in ipairs({ top, left, height, width }) do
    if math.type(v) ~= 'integer' then error('crop: top, left, height and width must be integers', 2) end
  end
  local ok, y = pcall(torch._image_window, 'crop', img, top - 1, left - 1, height, width)
  if not ok then error(y, 2) end
  return y
end

--- F.center_crop(img, size): as T.CenterCrop(size).
function F.center_crop(img, size)
  local t = T.CenterCrop(size)
  return t(img)
end

--- F.resize(img, size, {max_size, antialias}): as T.Resize.
function F.resize(img, size, opts)
  local t = T.Resize(size, opts)
  return t(img)
end

--- F.pad(img, padding, {fill = 0, padding_mode = 'constant'}): padding as RandomCrop's.
function F.pad(img, padding, opts)
  opts = check_options('pad', opts, { fill = true, padding_mode = true })
  local p = check_padding('pad', padding)
  local fill, mode = check_fill_mode('pad', opts)
  local h, w = image_size('pad', img)
  local ok, y = pcall(torch._image_window, 'pad', img, -p[2], -p[1], h + p[2] + p[4], w + p[1] + p[3], mode, fill)
  if not ok then error(y, 2) end
  return y
end

return T
