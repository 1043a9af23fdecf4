-- torch.vision.transforms: every transform on uint8 images and float tensor
-- images against torchvision 0.14 (spec/fixtures/transforms_ref.lua, made by
-- transforms_ref.py: PIL for images, torchvision's tensor code for floats),
-- on contiguous and strided inputs; RandomCrop's windows and positions (also
-- recomputed from the documented per-sample generator), flip frequencies,
-- reproducibility under torch.manual_seed, printing, _c_transforms, and errors.
local torch = require 'torch'
local H = require 'spec.helpers'
local T = torch.vision.transforms
local F = T.functional
local R = dofile('spec/fixtures/transforms_ref.lua')

local DTYPES = { uint8 = torch.uint8, float32 = torch.float32, float64 = torch.float64 }

local function from_ref(a)
  return torch.tensor(a.data, { dtype = DTYPES[a.dtype] }):view(a.shape)
end

local inputs = {}
for k, v in pairs(R.inputs) do inputs[k] = from_ref(v) end

-- The same values in a strided layout: the two image axes swapped in memory.
local function strided(x)
  local nd = x:dim()
  local a, b = 1, 2
  if x.dtype ~= torch.uint8 then a, b = nd - 1, nd end
  local s = x.shape
  local shape = {}
  for i = 1, nd do shape[i] = s[i] end
  shape[a], shape[b] = s[b], s[a]
  local y = torch.empty(shape, { dtype = x.dtype }):transpose(a, b):copy_(x)
  assert(not y:is_contiguous())
  return y
end

local function max_diff(a, b) return (a:double() - b:double()):abs():max():item() end

local function assert_close(got, want, tol, what)
  assert(torch.is_tensor(got), what .. ': not a tensor')
  assert(got.dtype == want.dtype,
    string.format('%s: dtype %s, expected %s', what, tostring(got.dtype), tostring(want.dtype)))
  H.assert_shape(got, want.shape)
  if want:numel() > 0 then
    local d = max_diff(got, want)
    assert(d <= tol, string.format('%s: max abs difference %g > %g', what, d, tol))
  end
end

local function run_case(c, x)
  if c.tf then return T[c.tf](table.unpack(c.args))(x) end
  return F[c.fn](x, table.unpack(c.args))
end

describe('transforms against torchvision 0.14', function()
  for _, c in ipairs(R.cases) do
    it(c.name, function()
      local want = from_ref(c.out)
      assert_close(run_case(c, inputs[c.input]), want, c.tol, c.name)
      assert_close(run_case(c, strided(inputs[c.input])), want, c.tol, c.name .. ' (strided input)')
    end)
  end

  it('resizes uint8 images exactly as PIL does (antialiased, fixed point, RGBA premultiplied)', function()
    local n = 0
    for _, c in ipairs(R.cases) do
      if c.tf == 'Resize' and c.out.dtype == 'uint8' then
        assert.are.equal(0, max_diff(run_case(c, inputs[c.input]), from_ref(c.out)))
        n = n + 1
      end
    end
    assert.is_true(n >= 15)
  end)
end)

-- splitmix64 as src/data/sample_rng.c documents it: the draws of a seed.
local function sample_rng(seed)
  local state = seed
  local function next64()
    state = state + 0x9E3779B97F4A7C15
    local z = state
    z = (z ~ (z >> 30)) * 0xBF58476D1CE4E5B9
    z = (z ~ (z >> 27)) * 0x94D049BB133111EB
    return z ~ (z >> 31)
  end
  next64()
  return function() return (next64() >> 11) * 2.0 ^ -53 end
end

describe('RandomCrop', function()
  -- every (top, left) window of the padded image, 0-based
  local function windows(padded, h, w)
    local hp, wp = padded.shape[1], padded.shape[2]
    if padded.dtype ~= torch.uint8 then hp, wp = padded.shape[padded:dim() - 1], padded.shape[padded:dim()] end
    local out = {}
    for top = 0, hp - h do
      for left = 0, wp - w do
        out[#out + 1] = { top = top, left = left, img = F.crop(padded, top + 1, left + 1, h, w) }
      end
    end
    return out, hp - h + 1, wp - w + 1
  end

  local function where(win, y)
    for _, c in ipairs(win) do
      if torch.equal(c.img, y) then return c.top, c.left end
    end
  end

  for i, rc in ipairs(R.random_crops) do
    it(string.format('crops windows of the padded image at every position (%d: %s %s)', i, rc.input,
      T.RandomCrop(rc.size, rc.opts)), function()
      local t = T.RandomCrop(rc.size, rc.opts)
      local padded = from_ref(rc.padded)
      local win, n_top, n_left = windows(padded, rc.size[1], rc.size[2])
      local x, xs = inputs[rc.input], strided(inputs[rc.input])
      torch.manual_seed(100 + i)
      local seen_top, seen_left = {}, {}
      for k = 1, 300 do
        local y = t(k % 2 == 0 and x or xs)
        local top, left = where(win, y)
        assert(top, 'crop ' .. k .. ' is not a window of the padded image')
        seen_top[top], seen_left[left] = true, true
      end
      for top = 0, n_top - 1 do assert(seen_top[top], 'top ' .. top .. ' never drawn') end
      for left = 0, n_left - 1 do assert(seen_left[left], 'left ' .. left .. ' never drawn') end
      -- an explicit seed draws top, then left, from the documented generator
      for _, seed in ipairs({ 0, 1, 12345, -7, 0x7fffffffffffffff }) do
        local u = sample_rng(seed)
        local top, left = math.floor(u() * n_top), math.floor(u() * n_left)
        local y = torch._transform_apply(t:_c_transforms()[1], x, seed)
        local wt, wl = where(win, y)
        assert.are.same({ top, left }, { wt, wl })
      end
    end)
  end

  it('is reproducible under torch.manual_seed and with a seed', function()
    local t = T.Compose({ T.RandomCrop(5, { padding = 2 }), T.RandomHorizontalFlip() })
    local x = inputs.rgb
    torch.manual_seed(3)
    local a = {}
    for k = 1, 20 do a[k] = t(x) end
    torch.manual_seed(3)
    local differs = false
    for k = 1, 20 do
      local b = t(x)
      assert.is_true(torch.equal(a[k], b))
      differs = differs or not torch.equal(a[1], b)
    end
    assert.is_true(differs)
    local ud = T.RandomCrop(5, { padding = 2 }):_c_transforms()[1]
    assert.is_true(torch.equal(torch._transform_apply(ud, x, 42), torch._transform_apply(ud, x, 42)))
  end)

  it('needs pad_if_needed for an image smaller than the crop', function()
    H.assert_error_has(function() return T.RandomCrop(8)(inputs.rgb) end,
      'RandomCrop: image of size [7, 9] is smaller than the crop [8, 8] (use pad_if_needed=true)')
    H.assert_error_has(function() return T.RandomCrop({ 14, 3 }, { padding = 2 })(inputs.ft) end,
      'RandomCrop: image of size [9, 11] (padded: [13, 15]) is smaller than the crop [14, 3]')
    H.assert_shape(T.RandomCrop(8, { pad_if_needed = true })(inputs.rgb), { 8, 8, 3 })
    H.assert_shape(T.RandomCrop(5)(inputs.ft4), { 2, 3, 5, 5 })
  end)
end)

describe('RandomHorizontalFlip', function()
  it('flips with frequency p', function()
    local x = inputs.gray
    local flipped = F.hflip(x)
    for _, p in ipairs({ 0.3, 0.5, 0.9 }) do
      local t = T.RandomHorizontalFlip(p)
      torch.manual_seed(11)
      local n, count = 2000, 0
      for _ = 1, n do
        local y = t(x)
        if torch.equal(y, flipped) then count = count + 1 else assert.is_true(rawequal(y, x)) end
      end
      local sd = math.sqrt(n * p * (1 - p))
      assert(math.abs(count - n * p) < 4 * sd, string.format('p = %g: %d flips of %d', p, count, n))
    end
  end)

  it('never flips with p = 0, always with p = 1; flips the last axis of tensor images', function()
    local x = inputs.ft4
    for _ = 1, 50 do
      assert.is_true(rawequal(T.RandomHorizontalFlip(0)(x), x))
      local y = T.RandomHorizontalFlip(1)(x)
      for j = 1, 7 do assert.is_true(torch.equal(y:narrow(4, j, 1), x:narrow(4, 8 - j, 1))) end
    end
    assert.is_true(torch.equal(F.hflip(F.hflip(inputs.rgb)), inputs.rgb))
  end)
end)

describe('transform objects', function()
  local cifar = T.Compose({
    T.RandomCrop(32, { padding = 4 }),
    T.RandomHorizontalFlip(),
    T.ToTensor(),
    T.Normalize({ 0.4914, 0.4822, 0.4465 }, { 0.247, 0.243, 0.261 }),
  })

  it('print as torchvision prints them', function()
    assert.are.equal([[
Compose(
    RandomCrop(size=(32, 32), padding=4)
    RandomHorizontalFlip(p=0.5)
    ToTensor()
    Normalize(mean=[0.4914, 0.4822, 0.4465], std=[0.247, 0.243, 0.261])
)]], tostring(cifar))
    assert.are.equal('Resize(size=20, interpolation=bilinear, max_size=40, antialias=None)',
      tostring(T.Resize(20, { max_size = 40 })))
    assert.are.equal('Resize(size=[20, 30], interpolation=bilinear, max_size=None, antialias=True)',
      tostring(T.Resize({ 20, 30 }, { antialias = true })))
    assert.are.equal('CenterCrop(size=(10, 10))', tostring(T.CenterCrop(10)))
    assert.are.equal('RandomCrop(size=(3, 4), padding=[1, 2])',
      tostring(T.RandomCrop({ 3, 4 }, { padding = { 1, 2 } })))
    assert.are.equal('RandomHorizontalFlip(p=0.25)', tostring(T.RandomHorizontalFlip(0.25)))
    assert.are.equal('Compose(\n    Lambda()\n    Compose(\n    ToTensor()\n)\n)',
      tostring(T.Compose({ T.Lambda(function(x) return x end), T.Compose({ T.ToTensor() }) })))
    assert.are.equal('torch.Transform(Resize)', tostring(T.Resize(3):_c_transforms()[1]))
  end)

  it('give the C transforms the loader runs, or nil with a Lua part', function()
    local c = cifar:_c_transforms()
    assert.are.equal(4, #c)
    local kinds = {}
    for i, ud in ipairs(c) do kinds[i] = torch._transform_kind(ud) end
    assert.are.same({ 'RandomCrop', 'RandomHorizontalFlip', 'ToTensor', 'Normalize' }, kinds)
    local nested = T.Compose({ T.CenterCrop(4), T.Compose({ T.ToTensor(), T.Resize(3) }) }):_c_transforms()
    assert.are.equal(3, #nested)
    assert.is_nil(T.Lambda(function(x) return x end):_c_transforms())
    assert.is_nil(T.Compose({ T.ToTensor(), T.Lambda(function(x) return x end) }):_c_transforms())
    assert.is_nil(T.Compose({ T.ToTensor(), function(x) return x end }):_c_transforms())
    -- the C chain gives what the Lua objects give
    local x = inputs.big
    torch.manual_seed(5)
    local a = cifar(F.resize(x, { 32, 32 }))
    torch.manual_seed(5)
    local b = F.resize(x, { 32, 32 })
    for _, ud in ipairs(c) do b = torch._transform_apply(ud, b) end
    assert.is_true(torch.equal(a, b))
    H.assert_shape(a, { 3, 32, 32 })
  end)

  it('apply in order, Lambda included', function()
    local t = T.Compose({ T.CenterCrop(4), T.Lambda(function(x) return x:double() end), T.ToTensor() })
    local y = t(inputs.rgb)
    assert.are.equal(torch.float64, y.dtype)
    H.assert_shape(y, { 4, 4, 3 })
    assert.is_true(torch.equal(y, F.center_crop(inputs.rgb, 4):double()))
  end)

  it('give back their input when nothing changes', function()
    local x, f = inputs.rgb, inputs.ft
    assert.is_true(rawequal(T.Resize({ 7, 9 })(x), x))
    assert.is_true(rawequal(T.Resize(7)(x), x))
    assert.is_true(rawequal(T.CenterCrop({ 9, 11 })(f), f))
    assert.is_true(rawequal(T.ToTensor()(f), f))
    assert.is_true(rawequal(T.RandomCrop({ 7, 9 })(x), x) == false)
    assert.is_true(torch.equal(T.RandomCrop({ 7, 9 })(x), x))
  end)

  it('Normalize in place writes into its input', function()
    local x = inputs.ft:clone()
    local want = T.Normalize({ 0.5, 0.25, 1 }, { 2, 4, 8 })(x)
    local y = T.Normalize({ 0.5, 0.25, 1 }, { 2, 4, 8 }, { inplace = true })(x)
    assert.is_true(rawequal(x, y))
    assert.is_true(torch.equal(x, want))
    H.assert_tensor(F.normalize(torch.ones({ 1, 1, 1 }), 0.5, 0.25), { 2 })
  end)

  it('resize by the smaller edge as torchvision 0.14 does (int(size * long / short), max_size)', function()
    local z = torch.zeros({ 100, 37, 3 }, { dtype = torch.uint8 })
    H.assert_shape(T.Resize(10)(z), { 27, 10, 3 })       -- int(10 * 100 / 37) = 27
    H.assert_shape(T.Resize(10, { max_size = 20 })(z), { 20, 7, 3 }) -- int(20 * 10 / 27) = 7
    H.assert_shape(T.Resize({ 10 })(z:transpose(1, 2)), { 10, 27, 3 })
    H.assert_shape(T.Resize(5)(torch.zeros({ 2, 3, 8, 8 })), { 2, 3, 5, 5 })
  end)
end)

describe('transform errors', function()
  local x = inputs.rgb
  local cases = {
    { function() return T.RandomCrop(0) end, 'RandomCrop: size must be a positive integer' },
    { function() return T.RandomCrop({ 1, 2, 3 }) end, 'RandomCrop: size' },
    { function() return T.RandomCrop(3, { padding = { 1, 2, 3 } }) end, 'RandomCrop: padding must be' },
    { function() return T.RandomCrop(3, { padding = -1 }) end, 'RandomCrop: padding must be' },
    { function() return T.RandomCrop(3, { padding_mode = 'wrap' }) end, "RandomCrop: padding_mode must be" },
    { function() return T.RandomCrop(3, { fill = 'red' }) end, 'RandomCrop: fill must be a number' },
    { function() return T.RandomCrop(3, { bogus = 1 }) end, "RandomCrop: unknown option 'bogus'" },
    { function() return T.RandomHorizontalFlip(2) end, 'RandomHorizontalFlip: p must be a number in [0, 1]' },
    { function() return T.Resize(10, { max_size = 10 }) end, 'Resize: max_size = 10 must be strictly greater' },
    { function() return T.Resize({ 10, 12 }, { max_size = 20 }) end, 'Resize: max_size' },
    { function() return T.Resize(10, { interpolation = 'nearest' }) end, "Resize: only interpolation = 'bilinear'" },
    { function() return T.Resize(-3) end, 'Resize: size must be a positive integer' },
    { function() return T.CenterCrop('big') end, 'CenterCrop: size must be' },
    { function() return T.Normalize({ 0.5 }, { 0 }) end, 'Normalize: std must be finite and nonzero' },
    { function() return T.Normalize({ 0.5, 0.5 }, { 1, 1, 1 }) end, 'Normalize: mean has 2 values and std 3' },
    { function() return T.Normalize('a', 1) end, 'Normalize: mean must be a number or a list of numbers' },
    { function() return T.Compose({ T.ToTensor(), 5 }) end, 'Compose: transform 2 is not callable' },
    { function() return T.Compose(T.ToTensor()) end, 'Compose: expected a list of transforms' },
    { function() return T.Lambda(5) end, 'Lambda: expected a function' },
    { function() return T.ToTensor()('img') end, 'ToTensor: expected an image (uint8 tensor [H, W, C] or [H, W])' },
    { function() return T.ToTensor()(torch.zeros({ 2, 2 }, { dtype = torch.int64 })) end,
      'ToTensor: expected a uint8 image [H, W, C] or [H, W] or a float tensor, got int64 [2, 2]' },
    { function() return T.ToTensor()(torch.zeros({ 1, 2, 2, 3 }, { dtype = torch.uint8 })) end,
      'ToTensor: expected a uint8 image [H, W, C] or [H, W] or a float tensor, got uint8 [1, 2, 2, 3]' },
    { function() return T.Normalize(0.5, 0.5)(x) end,
      'Normalize: expected a float tensor image [..., C, H, W], got uint8 [7, 9, 3] (apply ToTensor first)' },
    { function() return T.Normalize({ 1, 2 }, { 1, 2 })(inputs.ft) end,
      'Normalize: 2 means/stds for a tensor image of 3 channels (float32 [3, 9, 11])' },
    { function() return T.Normalize(0, 1)(torch.zeros({ 4, 4 })) end, 'Normalize: expected a float tensor image' },
    { function() return T.Resize(4)(torch.zeros({ 5 })) end,
      'Resize: expected an image (uint8 [H, W, C] or [H, W]) or a float tensor image [..., C, H, W], got float32 [5]' },
    { function() return T.CenterCrop(4)(torch.zeros({ 2, 2, 2 }, { dtype = torch.int32 })) end,
      'CenterCrop: expected an image' },
    { function() return T.RandomHorizontalFlip()(torch.zeros({ 0, 5, 3 }, { dtype = torch.uint8 })) end,
      'RandomHorizontalFlip: the image is empty (uint8 [0, 5, 3])' },
    { function() return T.Resize(10, { max_size = 11 })(torch.zeros({ 1, 500 }, { dtype = torch.uint8 })) end,
      'Resize: an image of size [1, 500] would become empty' },
    { function() return F.crop(x, 1, 1, 0, 3) end, 'crop: the output size [0, 3] must be positive' },
    { function() return F.pad(x, { 1, 2, 3 }) end, 'pad: padding must be' },
    { function() return F.hflip(torch.zeros({ 3 })) end, 'hflip: expected an image' },
    { function() return F.to_tensor(torch.zeros({ 3 }, { dtype = torch.int32 })) end,
      'to_tensor: expected a uint8 image' },
    { function() return torch._transform_new('Rotate', {}) end, "_transform_new: unknown transform 'Rotate'" },
    { function() return torch._transform_new('Resize', { size = 3, colour = 1 }) end,
      "Resize: unknown option 'colour'" },
  }
  it("points at the caller's line", function()
    local t = T.RandomCrop(40)
    H.assert_error_has(function() local y = t(x); return y end, 'vision_transforms_spec.lua:',
      'RandomCrop: image of size [7, 9]')
    H.assert_error_has(function() local y = T.Resize(0); return y end, 'vision_transforms_spec.lua:', 'Resize: size')
  end)

  for i, c in ipairs(cases) do
    it('names the transform and the problem (' .. i .. ': ' .. c[2]:sub(1, 40) .. ')', function()
      H.assert_error_has(c[1], c[2])
    end)
  end
end)
