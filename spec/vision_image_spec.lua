-- torch vision images: PNG and JPEG decoding against PIL's (fixtures in
-- spec/fixtures/images/, PIL's pixels for channels 0/1/3/4 in
-- spec/fixtures/images_ref.lua, both made by spec/fixtures/images.py), the
-- channel conversions, PNG writing, damaged and truncated files (an error
-- naming the file, never a crash), and make_grid / save_image against
-- torchvision 0.14.
local torch = require 'torch'
local H = require 'spec.helpers'
local quote, tmpdir, write_bytes, read_bytes = H.quote, H.tmpdir, H.write_bytes, H.read_bytes
local utils = torch.vision.utils
local R = dofile('spec/fixtures/images_ref.lua')
local DIR = 'spec/fixtures/images/'

local function from_hex(hex, shape)
  local bytes = {}
  for i = 1, #hex, 2 do bytes[#bytes + 1] = tonumber(hex:sub(i, i + 1), 16) end
  return torch.tensor(bytes, { dtype = torch.uint8 }):view(shape)
end

-- Largest |a - b| of two uint8 tensors of one shape.
local function max_diff(a, b)
  H.assert_shape(a, b.shape)
  return (a:to(torch.int32) - b:to(torch.int32)):abs():max():item()
end

local function sorted_names(pattern)
  local names = {}
  for name in pairs(R.images) do
    if name:match(pattern) then names[#names + 1] = name end
  end
  table.sort(names)
  return names
end

local dir = tmpdir()
teardown(function() os.execute('rm -rf ' .. quote(dir)) end)

describe('image decoding', function()
  it('decodes every PNG colour type, bit depth and interlacing as PIL does, for channels 0, 1, 3 and 4', function()
    local names = sorted_names('%.png$')
    assert.is_true(#names >= 17)
    for _, name in ipairs(names) do
      for channels = 0, 4 do
        local ref = R.images[name][channels]
        if ref then
          local got = torch._image_read(DIR .. name, channels)
          assert.are.equal(torch.uint8, got.dtype)
          local d = max_diff(got, from_hex(ref.hex, ref.shape))
          assert(d == 0, string.format('%s, channels %d: differs from PIL by up to %d', name, channels, d))
        end
      end
    end
  end)

  it('decodes gray, RGB (4:2:0, 4:4:4), progressive and CMYK JPEGs as PIL does (same libjpeg-turbo)', function()
    local names = sorted_names('%.jpg$')
    assert.are.equal(5, #names)
    for _, name in ipairs(names) do
      for channels = 0, 4 do
        local ref = R.images[name][channels]
        if ref then
          local d = max_diff(torch._image_read(DIR .. name, channels), from_hex(ref.hex, ref.shape))
          assert(d <= 1, string.format('%s, channels %d: differs from PIL by up to %d', name, channels, d))
        end
      end
    end
  end)

  it('keeps the stored channels with channels = 0 (gray+alpha as RGBA) and defaults to it', function()
    H.assert_shape(torch._image_read(DIR .. 'gray8.png'), { 5, 7, 1 })
    H.assert_shape(torch._image_read(DIR .. 'gray_alpha8.png', 0), { 5, 7, 4 })
    H.assert_shape(torch._image_read(DIR .. 'rgba8.png', 0), { 5, 7, 4 })
    H.assert_shape(torch._image_read(DIR .. 'palette8.png', 0), { 5, 7, 3 })
    H.assert_shape(torch._image_read(DIR .. 'palette_trns.png', 0), { 5, 7, 4 })
    H.assert_shape(torch._image_read(DIR .. 'gray.jpg', 0), { 7, 11, 1 })
    H.assert_shape(torch._image_read(DIR .. 'cmyk.jpg', 0), { 7, 11, 3 })
  end)

  it('converts with PIL rules: luma (19595 R + 38470 G + 7471 B + 2^15) >> 16, alpha dropped or 255', function()
    local p = dir .. '/rgba.png'
    local img = torch.tensor({ { { 255, 0, 0, 10 }, { 0, 255, 0, 20 }, { 0, 0, 255, 30 }, { 10, 20, 30, 0 } } },
      { dtype = torch.uint8 })
    torch._image_write_png(p, img)
    H.assert_tensor(torch._image_read(p, 1), { 76, 150, 29, 18 }, 0, { 1, 4, 1 })
    H.assert_tensor(torch._image_read(p, 3), { 255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30 }, 0, { 1, 4, 3 })
    assert.is_true(torch._image_read(p, 4):equal(img))
    local g = dir .. '/g.png'
    torch._image_write_png(g, torch.tensor({ { 0, 7, 255 } }, { dtype = torch.uint8 }))
    H.assert_tensor(torch._image_read(g, 3), { 0, 0, 0, 7, 7, 7, 255, 255, 255 }, 0, { 1, 3, 3 })
    H.assert_tensor(torch._image_read(g, 4), { 0, 0, 0, 255, 7, 7, 7, 255, 255, 255, 255, 255 }, 0, { 1, 3, 4 })
  end)

  it('decodes bytes in memory like the file, naming them in errors', function()
    for _, name in ipairs({ 'rgb8.png', 'rgb420.jpg', 'gray_alpha16.png' }) do
      local bytes = read_bytes(DIR .. name)
      assert.is_true(torch._image_decode(bytes, name, 3):equal(torch._image_read(DIR .. name, 3)))
    end
    H.assert_error_has(function() torch._image_decode('GIF89a....', 'upload #3', 3) end,
      'image_decode: upload #3 is not a PNG or JPEG image (it starts with 47 49 46 38)')
    H.assert_error_has(function() torch._image_decode('', 'empty one') end, 'empty one is empty')
  end)

  it('rejects bad arguments with clear errors', function()
    H.assert_error_has(function() torch._image_read(DIR .. 'rgb8.png', 2) end, 'channels must be 0')
    H.assert_error_has(function() torch._image_read(DIR .. 'rgb8.png', 7) end, 'channels must be 0')
    H.assert_error_has(function() torch._image_read(dir .. '/nope.png') end, 'image_read: cannot open',
      dir .. '/nope.png', 'No such file')
    H.assert_error_has(function() torch._image_read(dir) end, dir, 'not a regular file')
  end)
end)

describe('damaged image files', function()
  local function assert_fails_naming(bytes, name, what)
    local ok, err = pcall(torch._image_decode, bytes, name, 3)
    assert(not ok, string.format('%s: expected an error, got an image', what))
    assert(tostring(err):find(name, 1, true), string.format('%s: the error does not name the file: %s', what, err))
  end

  it('fails on every truncation of PNGs and JPEGs (in memory), saying truncated where the data ends', function()
    for _, name in ipairs({ 'rgb8.png', 'rgb8_interlaced.png', 'palette4.png', 'rgba16.png', 'gray.jpg',
      'rgb420.jpg', 'cmyk.jpg', 'rgb_progressive.jpg', 'big_progressive.jpg' }) do
      local bytes = read_bytes(DIR .. name)
      assert.is_true(torch.is_tensor(torch._image_decode(bytes, name, 3)))
      for n = 0, #bytes - 1 do
        assert_fails_naming(bytes:sub(1, n), name, string.format('%s cut to %d bytes', name, n))
      end
      local err = H.error_of(function() torch._image_decode(bytes:sub(1, #bytes * 2 // 3), name) end)
      assert(err:find('is truncated', 1, true), err)
    end
  end)

  it('names the path when a truncated file is read', function()
    for _, name in ipairs({ 'rgb8.png', 'big_progressive.jpg' }) do
      local bytes = read_bytes(DIR .. name)
      for _, n in ipairs({ 1, 9, 40, #bytes // 2, #bytes - 1 }) do
        local p = string.format('%s/%d-%s', dir, n, name)
        write_bytes(p, bytes:sub(1, n))
        H.assert_error_has(function() torch._image_read(p, 3) end, 'image_read: ' .. p)
      end
    end
  end)

  it('fails on garbage, and on any flipped byte of a PNG (its chunks are checksummed)', function()
    math.randomseed(42)
    local function garbage(n)
      local t = {}
      for i = 1, n do t[i] = string.char(math.random(0, 255)) end
      return table.concat(t)
    end
    for _, n in ipairs({ 1, 3, 16, 100, 1000 }) do
      local g = garbage(n)
      if g:byte(1) == 0x89 or g:byte(1) == 0xFF then g = 'x' .. g end
      assert_fails_naming(g, 'garbage', n .. ' random bytes')
      assert_fails_naming('\137PNG\r\n\26\n' .. g, 'png-garbage', 'PNG magic then ' .. n .. ' random bytes')
    end
    local png = read_bytes(DIR .. 'rgb8.png')
    for i = 1, #png do
      local flipped = png:sub(1, i - 1) .. string.char(png:byte(i) ~ 0x24) .. png:sub(i + 1)
      assert_fails_naming(flipped, 'rgb8.png', 'byte ' .. i .. ' flipped')
    end
  end)

  it('never crashes on flipped JPEG bytes or JPEG garbage: an image of the right shape or an error', function()
    math.randomseed(7)
    local jpg = read_bytes(DIR .. 'rgb444.jpg')
    local errors = 0
    for i = 1, #jpg do
      local flipped = jpg:sub(1, i - 1) .. string.char(jpg:byte(i) ~ (1 << math.random(0, 7))) .. jpg:sub(i + 1)
      local ok, res = pcall(torch._image_decode, flipped, 'rgb444.jpg', 0)
      if ok then
        assert.are.equal(torch.uint8, res.dtype)
        assert.are.equal(3, res:dim())
      else
        errors = errors + 1
        assert(tostring(res):find('rgb444.jpg', 1, true), res)
      end
    end
    assert.is_true(errors > 10) -- flips in the headers are caught
    for n = 1, 50 do
      local t = { '\255\216\255' }
      for i = 1, n * 7 do t[#t + 1] = string.char(math.random(0, 255)) end
      local ok, res = pcall(torch._image_decode, table.concat(t), 'jpeg-garbage', 3)
      assert(ok or tostring(res):find('jpeg-garbage', 1, true), tostring(res))
    end
  end)
end)

describe('PNG writing', function()
  it('round-trips [H, W] and [H, W, C] for C = 1, 2, 3, 4, contiguous or not', function()
    torch.manual_seed(3)
    for _, shape in ipairs({ { 6, 5 }, { 6, 5, 1 }, { 6, 5, 3 }, { 6, 5, 4 }, { 1, 1, 3 }, { 40, 33, 3 } }) do
      local img = torch.randint(0, 256, shape, { dtype = torch.uint8 })
      local p = dir .. '/rt.png'
      torch._image_write_png(p, img)
      local back = torch._image_read(p, 0)
      local want = #shape == 2 and img:unsqueeze(3) or img
      assert(back:equal(want), 'round trip of [' .. table.concat(shape, ', ') .. ']')
    end
    local img = torch.randint(0, 256, { 4, 7, 3 }, { dtype = torch.uint8 })
    local t = img:transpose(1, 2) -- [7, 4, 3], not contiguous
    torch._image_write_png(dir .. '/t.png', t)
    assert.is_true(torch._image_read(dir .. '/t.png'):equal(t))
    local la = torch.randint(0, 256, { 3, 2, 2 }, { dtype = torch.uint8 })
    torch._image_write_png(dir .. '/la.png', la)
    local rgba = torch._image_read(dir .. '/la.png', 0)
    assert.is_true(rgba:select(3, 1):equal(la:select(3, 1)))
    assert.is_true(rgba:select(3, 3):equal(la:select(3, 1)))
    assert.is_true(rgba:select(3, 4):equal(la:select(3, 2)))
  end)

  it('writes files PIL reads back equal', function()
    local ok = os.execute('/usr/bin/python3 -c "import PIL" >/dev/null 2>&1')
    if not ok then return pending('no /usr/bin/python3 with PIL') end
    torch.manual_seed(4)
    local img = torch.randint(0, 256, { 5, 9, 3 }, { dtype = torch.uint8 })
    torch._image_write_png(dir .. '/pil.png', img)
    local py = io.popen('/usr/bin/python3 -c "import sys, numpy; from PIL import Image; ' ..
      'print(numpy.asarray(Image.open(sys.argv[1])).tobytes().hex())" ' .. quote(dir .. '/pil.png'))
    local hex = py:read('l')
    py:close()
    assert.is_true(from_hex(hex, { 5, 9, 3 }):equal(img))
  end)

  it('rejects what is not a uint8 image, and leaves no temporary file on failure', function()
    H.assert_error_has(function() torch._image_write_png(dir .. '/x.png', torch.zeros(4, 4)) end,
      'image_write_png', 'must be uint8', 'float32')
    H.assert_error_has(function()
      torch._image_write_png(dir .. '/x.png', torch.zeros(4, 4, 5, { dtype = torch.uint8 }))
    end, 'C = 1..4', '[4, 4, 5]')
    H.assert_error_has(function()
      torch._image_write_png(dir .. '/x.png', torch.zeros(4, { dtype = torch.uint8 }))
    end, '[H, W] or [H, W, C]')
    H.assert_error_has(function()
      torch._image_write_png(dir .. '/x.png', torch.zeros(0, 4, { dtype = torch.uint8 }))
    end, '1 to 2^31 - 1 rows')
    H.assert_error_has(function()
      torch._image_write_png(dir .. '/no/such/dir/x.png', torch.zeros(2, 2, { dtype = torch.uint8 }))
    end, 'cannot write', dir .. '/no/such/dir/x.png')
    local names = torch._list_dir(dir)
    for _, n in ipairs(names) do assert.is_nil(n:find('.tmp-', 1, true)) end
  end)

  it('replaces an existing file', function()
    local p = dir .. '/replace.png'
    torch._image_write_png(p, torch.zeros(2, 2, { dtype = torch.uint8 }))
    torch._image_write_png(p, torch.full({ 3, 1 }, 9, { dtype = torch.uint8 }))
    H.assert_tensor(torch._image_read(p), { 9, 9, 9 }, 0, { 3, 1, 1 })
  end)
end)

-- x[k] = (k % 23) / 10 - 0.6 over the flat index k (0-based), as images.py builds it.
local function pattern(shape)
  local n = 1
  for _, s in ipairs(shape) do n = n * s end
  local v = {}
  for k = 0, n - 1 do v[k + 1] = (k % 23) / 10 - 0.6 end
  return torch.tensor(v, { dtype = torch.float32 }):view(shape)
end

describe('make_grid and save_image', function()
  it('tile, pad and normalize like torchvision.utils.make_grid', function()
    assert.is_true(#R.grids >= 10)
    for _, case in ipairs(R.grids) do
      local x = pattern(case.input)
      local before = x:clone()
      local grid = utils.make_grid(x, case.opts)
      assert.are.equal(torch.float32, grid.dtype)
      local ok, err = pcall(H.assert_tensor, grid, case.values, 1e-6, case.shape)
      assert(ok, case.name .. ': ' .. tostring(err))
      assert(x:equal(before), case.name .. ': the input was modified')
    end
  end)

  it('take a list of [C, H, W] images', function()
    local x = pattern({ 3, 3, 2, 2 })
    local grid = utils.make_grid({ x[1], x[2], x[3] }, { nrow = 2 })
    assert.is_true(grid:equal(utils.make_grid(x, { nrow = 2 })))
  end)

  it('save_image writes the bytes torchvision.utils.save_image writes', function()
    for _, case in ipairs(R.grids) do
      local p = dir .. '/' .. case.name .. '.png'
      utils.save_image(pattern(case.input), p, case.opts)
      local want = from_hex(case.png_hex, case.png_shape)
      local got = torch._image_read(p, 0)
      if case.png_shape[3] == 2 then -- gray+alpha reads back as RGBA
        got = torch.stack({ got:select(3, 1), got:select(3, 4) }, 3)
      end
      local d = max_diff(got, want)
      assert(d == 0, string.format('%s: differs from torchvision by up to %d', case.name, d))
    end
  end)

  it('give clear errors', function()
    H.assert_error_has(function() utils.make_grid('x') end, 'make_grid: expected a tensor')
    H.assert_error_has(function() utils.make_grid(torch.zeros(1, 1, 1, 1, 1)) end, 'make_grid', '[1, 1, 1, 1, 1]')
    H.assert_error_has(function() utils.make_grid(torch.zeros(2, 3, 4, 4), { nrow = 0 }) end, 'nrow must be')
    H.assert_error_has(function() utils.make_grid(torch.zeros(2, 3, 4, 4), { padd = 1 }) end, "unknown option 'padd'")
    H.assert_error_has(function() utils.make_grid(torch.zeros(2, 3, 4, 4), { value_range = 3 }) end, 'value_range')
    H.assert_error_has(function() utils.make_grid({ torch.zeros(3, 2, 2), 5 }) end, 'item 2')
    H.assert_error_has(function() utils.save_image(torch.zeros(3, 4, 4), dir .. '/a.jpg') end,
      'only PNG', "'.jpg'")
    H.assert_error_has(function()
      utils.save_image(torch.zeros(3, 4, 4, { dtype = torch.uint8 }), dir .. '/a.png')
    end, 'save_image: expected a floating tensor')
    H.assert_error_has(function() utils.save_image(torch.zeros(3, 4, 4), dir .. '/none/a.png') end,
      'save_image: cannot write', dir .. '/none/a.png')
  end)
end)
