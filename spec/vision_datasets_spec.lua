-- torch.vision.datasets: the IDX reader (plain and gzip, every type code,
-- damaged files) on files written here with string.pack, MNIST and
-- Fashion-MNIST on small fixture folders, and Debian's dataset-fashion-mnist
-- when it is installed.
local torch = require 'torch'
local H = require 'spec.helpers'
local quote, tmpdir, write_bytes, read_bytes = H.quote, H.tmpdir, H.write_bytes, H.read_bytes
local datasets = torch.vision.datasets
local read_idx = datasets.read_idx

local FORMATS = { [0x08] = '>B', [0x09] = '>b', [0x0B] = '>i2', [0x0C] = '>i4', [0x0D] = '>f', [0x0E] = '>d' }

-- An IDX file: magic, big-endian sizes, big-endian values.
local function idx_bytes(code, dims, values)
  local parts = { string.pack('>BBBB', 0, 0, code, #dims) }
  for _, d in ipairs(dims) do parts[#parts + 1] = string.pack('>I4', d) end
  for _, v in ipairs(values or {}) do parts[#parts + 1] = string.pack(FORMATS[code], v) end
  return table.concat(parts)
end

local function err_of(fn, ...)
  local ok, err = pcall(fn, ...)
  assert.is_false(ok)
  return tostring(err)
end

local dir = tmpdir()
teardown(function() os.execute('rm -rf ' .. quote(dir)) end)

local has_gzip = os.execute('command -v gzip >/dev/null 2>&1')
local gz_it = has_gzip and it or function(name) pending(name .. ' (skipped: no gzip command)') end

-- gzip -c of path into path .. '.gz' (the plain file stays)
local function gzip(path)
  assert(os.execute('gzip -c -n ' .. quote(path) .. ' > ' .. quote(path .. '.gz')))
  return path .. '.gz'
end

describe('datasets.read_idx', function()
  it('reads unsigned bytes as uint8 with the shape of the header', function()
    local p = dir .. '/u8'
    local values = {}
    for i = 1, 24 do values[i] = (i * 37) % 256 end
    write_bytes(p, idx_bytes(0x08, { 2, 3, 4 }, values))
    local t = read_idx(p)
    assert.are.equal(torch.uint8, t.dtype)
    H.assert_tensor(t, values, 0, { 2, 3, 4 })
    assert.are.equal(values[24], t[2][3][4]) -- row-major
    assert.are.equal(values[5], t[1][2][1])
  end)

  it('reads every type code, big-endian, widening bytes and shorts to int32', function()
    local cases = {
      { 0x09, { -128, -1, 0, 127 }, torch.int32 },
      { 0x0B, { -32768, -2, 300, 32767 }, torch.int32 },
      { 0x0C, { -2147483648, -5, 65536, 2147483647 }, torch.int32 },
      { 0x0D, { -1.5, 0.25, 1.5 * 2 ^ 100, -0.0 }, torch.float32 },
      { 0x0E, { math.pi, -1e300, 5e-324, 2 ^ 60 }, torch.float64 },
    }
    for _, c in ipairs(cases) do
      local p = dir .. '/type' .. c[1]
      write_bytes(p, idx_bytes(c[1], { 2, 2 }, c[2]))
      local t = read_idx(p)
      assert.are.equal(c[3], t.dtype, 'type ' .. c[1])
      H.assert_tensor(t, { { c[2][1], c[2][2] }, { c[2][3], c[2][4] } }, 0, { 2, 2 })
    end
  end)

  it('reads 1-D and zero-size files', function()
    local p = dir .. '/labels'
    write_bytes(p, idx_bytes(0x08, { 5 }, { 9, 0, 0, 3, 255 }))
    H.assert_tensor(read_idx(p), { 9, 0, 0, 3, 255 }, 0, { 5 })
    write_bytes(p, idx_bytes(0x08, { 0, 28, 28 }))
    local t = read_idx(p)
    assert.are.same({ 0, 28, 28 }, t.shape)
    assert.are.equal(0, t:numel())
  end)

  gz_it('reads gzip files the same, whatever their name', function()
    local p = dir .. '/gz_u8'
    local values = {}
    for i = 1, 60 do values[i] = (i * 11) % 256 end
    write_bytes(p, idx_bytes(0x08, { 3, 4, 5 }, values))
    local gz = gzip(p)
    assert.are.equal('\31\139', read_bytes(gz):sub(1, 2))
    assert.is_true(torch.equal(read_idx(p), read_idx(gz)))
    os.rename(gz, dir .. '/no_extension')
    assert.is_true(torch.equal(read_idx(p), read_idx(dir .. '/no_extension')))
    local f64 = dir .. '/gz_f64'
    write_bytes(f64, idx_bytes(0x0E, { 3 }, { 1.25, -2.5, 1e-300 }))
    H.assert_tensor(read_idx(gzip(f64)), { 1.25, -2.5, 1e-300 }, 0, { 3 })
  end)

  it('rejects what is not an IDX file, naming the file', function()
    local p = dir .. '/bad'
    write_bytes(p, 'PK\3\4 not idx at all')
    local e = err_of(read_idx, p)
    assert.truthy(e:find('read_idx: ' .. p .. ' is not an IDX file (it starts with 50 4b 03 04', 1, true), e)
    write_bytes(p, idx_bytes(0x07, { 1 }) .. '\0')
    e = err_of(read_idx, p)
    assert.truthy(e:find('is not an IDX file (it starts with 00 00 07 01', 1, true), e)
    write_bytes(p, string.pack('>BBBB', 0, 0, 8, 0))
    e = err_of(read_idx, p)
    assert.truthy(e:find(p .. ' is corrupt (0 dims in the header; 1 to 16 are supported)', 1, true), e)
    write_bytes(p, string.pack('>BBBB', 0, 0, 8, 17))
    e = err_of(read_idx, p)
    assert.truthy(e:find('17 dims', 1, true), e)
  end)

  it('checks lengths against the file: truncated and trailing data', function()
    local p = dir .. '/short'
    write_bytes(p, '\0\0')
    local e = err_of(read_idx, p)
    assert.truthy(e:find('read_idx: ' .. p .. ' is truncated (expected 4 bytes of the header at byte 0, it ends after 2)',
      1, true), e)
    write_bytes(p, string.pack('>BBBB', 0, 0, 8, 3) .. string.pack('>I4', 3))
    e = err_of(read_idx, p)
    assert.truthy(e:find('is truncated (expected 12 bytes of the sizes at byte 4, it ends after 4)', 1, true), e)
    local full = idx_bytes(0x08, { 3, 2, 2 }, { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 })
    write_bytes(p, full:sub(1, -3))
    e = err_of(read_idx, p)
    assert.truthy(e:find(p .. ' is truncated (shape [3, 2, 2] needs 12 bytes of data after the 16-byte header, ' ..
      'the file has 10)', 1, true), e)
    write_bytes(p, full .. 'xy')
    e = err_of(read_idx, p)
    assert.truthy(e:find(p .. ' is corrupt (2 bytes after the data of shape [3, 2, 2])', 1, true), e)
    -- multi-byte types count bytes, not elements
    write_bytes(p, idx_bytes(0x0E, { 2 }, { 1 }))
    e = err_of(read_idx, p)
    assert.truthy(e:find('shape [2] needs 16 bytes of data after the 8-byte header, the file has 8', 1, true), e)
  end)

  it('refuses hostile sizes before allocating', function()
    local p = dir .. '/huge'
    write_bytes(p, idx_bytes(0x0E, { 4294967295, 4294967295, 4294967295 }) .. 'abc')
    local e = err_of(read_idx, p)
    assert.truthy(e:find(p .. ' is corrupt (its shape [4294967295, 4294967295, 4294967295] is too large)', 1, true), e)
    write_bytes(p, idx_bytes(0x08, { 65536, 65536, 65536, 65536 }))
    e = err_of(read_idx, p)
    assert.truthy(e:find('is corrupt (its shape [65536, 65536, 65536, 65536] is too large)', 1, true), e)
    write_bytes(p, idx_bytes(0x08, { 100000, 100000 }) .. 'abc')
    e = err_of(read_idx, p)
    assert.truthy(e:find('needs 10000000000 bytes of data', 1, true), e)
  end)

  gz_it('checks gzip files: truncated, corrupt, too short, too long, hostile', function()
    local values = {}
    for i = 1, 2000 do values[i] = (i * i) % 251 end
    local p = dir .. '/gzbad'
    write_bytes(p, idx_bytes(0x08, { 2, 1000 }, values))
    local gz = read_bytes(gzip(p))
    local bad = dir .. '/gzbad.gz'
    -- cut in the middle of the deflate stream
    write_bytes(bad, gz:sub(1, #gz // 2))
    local e = err_of(read_idx, bad)
    assert.truthy(e:find('read_idx: ' .. bad .. ' is truncated (expected 2000 bytes of data at byte 12', 1, true), e)
    -- cut in the trailer (CRC and length)
    write_bytes(bad, gz:sub(1, #gz - 3))
    e = err_of(read_idx, bad)
    assert.truthy(e:find(bad .. ' is truncated', 1, true), e)
    -- a wrong CRC
    local crc = gz:sub(-8, -5)
    write_bytes(bad, gz:sub(1, -9) .. string.char((crc:byte(1) + 1) % 256) .. crc:sub(2) .. gz:sub(-4))
    e = err_of(read_idx, bad)
    assert.truthy(e:find(bad .. ' is corrupt (incorrect data check', 1, true), e)
    -- garbage in the compressed data
    write_bytes(bad, gz:sub(1, 12) .. string.rep('\255', 40) .. gz:sub(53))
    e = err_of(read_idx, bad)
    assert.truthy(e:find(bad .. ' is corrupt (', 1, true), e)
    -- the header promises more than the stream holds
    local q = dir .. '/gzshort'
    write_bytes(q, idx_bytes(0x08, { 3, 1000 }, values))
    e = err_of(read_idx, gzip(q))
    assert.truthy(e:find(q .. '.gz is truncated (expected 3000 bytes of data at byte 12, it ends after 2000)', 1, true),
      e)
    -- and less
    write_bytes(q, idx_bytes(0x08, { 1, 1000 }, values))
    e = err_of(read_idx, gzip(q))
    assert.truthy(e:find(q .. '.gz is corrupt (data goes on after the 1000 bytes of shape [1, 1000])', 1, true), e)
    -- more than a gzip file of its size can expand to
    write_bytes(q, idx_bytes(0x08, { 60000, 28, 28 }, { 1, 2, 3 }))
    e = err_of(read_idx, gzip(q))
    assert.truthy(e:find(q .. '.gz is corrupt (shape [60000, 28, 28] needs more data than a gzip file of', 1, true), e)
  end)

  it('names missing files and folders', function()
    local e = err_of(read_idx, dir .. '/nothing-here')
    assert.truthy(e:find('read_idx: cannot open ' .. dir .. '/nothing-here (No such file or directory)', 1, true), e)
    e = err_of(read_idx, dir)
    assert.truthy(e:find('read_idx: ' .. dir .. ' is not a regular file', 1, true), e)
    e = err_of(read_idx, 5)
    assert.truthy(e:find('read_idx: expected a path, got number', 1, true), e)
  end)
end)

---------------------------------------------------------------- datasets

-- A dataset folder: n_train / n_test images of h x w with label i % 10.
local function make_dataset(folder, n_train, n_test, h, w, opts)
  opts = opts or {}
  assert(os.execute('mkdir -p ' .. quote(folder)))
  local function split(prefix, n)
    local pixels, labels = {}, {}
    for i = 0, n - 1 do
      labels[#labels + 1] = i % 10
      for j = 0, h * w - 1 do pixels[#pixels + 1] = (i * 7 + j * 3) % 256 end
    end
    local img = folder .. '/' .. prefix .. '-images-idx3-ubyte'
    local lab = folder .. '/' .. prefix .. '-labels-idx1-ubyte'
    write_bytes(img, idx_bytes(0x08, { n, h, w }, pixels))
    write_bytes(lab, idx_bytes(0x08, { n }, labels))
    if opts.gz then
      gzip(img)
      gzip(lab)
      os.remove(img)
      os.remove(lab)
    end
  end
  split('train', n_train)
  split('t10k', n_test)
  return folder
end

describe('datasets.FashionMNIST and MNIST', function()
  local root = make_dataset(dir .. '/fashion', 12, 5, 4, 3)

  it('loads the training split: data, 1-based targets, classes', function()
    local ds = datasets.FashionMNIST({ root = root })
    assert.are.equal(12, #ds)
    assert.is_true(ds.train)
    assert.are.equal(torch.uint8, ds.data.dtype)
    assert.are.same({ 12, 4, 3 }, ds.data.shape)
    assert.are.equal(torch.int64, ds.targets.dtype)
    H.assert_tensor(ds.targets, { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1, 2 }, 0, { 12 })
    assert.are.equal(10, #ds.classes)
    assert.are.equal('T-shirt/top', ds.classes[1])
    assert.are.equal('Ankle boot', ds.classes[10])
    assert.are.equal(8, ds.class_to_idx['Sneaker'])
    -- pixel (i, r, c) of sample i (0-based) is (7 i + 3 (r w + c)) % 256
    assert.are.equal((7 * 4 + 3 * (2 * 3 + 1)) % 256, ds.data[5][3][2])
  end)

  it('loads the test split with train = false', function()
    local ds = datasets.FashionMNIST({ root = root, train = false })
    assert.are.equal(5, #ds)
    assert.is_false(ds.train)
    H.assert_tensor(ds.targets, { 1, 2, 3, 4, 5 }, 0, { 5 })
    assert.truthy(tostring(ds):find('Dataset FashionMNIST\n    Number of datapoints: 5\n    Root location: ' .. root ..
      '\n    Split: Test', 1, true))
  end)

  it('get(i) returns a copy of image i and its class number', function()
    local ds = datasets.FashionMNIST({ root = root })
    local image, label = ds:get(3)
    assert.are.equal(torch.uint8, image.dtype)
    assert.are.same({ 4, 3 }, image.shape)
    assert.are.equal(3, label)
    assert.are.equal('integer', math.type(label))
    assert.is_true(torch.equal(image, ds.data[3]))
    image:fill_(0)
    assert.is_false(torch.equal(image, ds.data[3])) -- the dataset is untouched
    local last, last_label = ds:get(-1)
    assert.is_true(torch.equal(last, ds.data[12]))
    assert.are.equal(2, last_label)
    local first = ds:get(-12)
    assert.is_true(torch.equal(first, ds.data[1]))
    for _, bad in ipairs({ 0, 13, -13 }) do
      local e = err_of(ds.get, ds, bad)
      assert.truthy(e:find('FashionMNIST:get: index ' .. bad .. ' is out of range for a dataset of 12 samples', 1, true),
        e)
    end
    local e = err_of(ds.get, ds, 1.5)
    assert.truthy(e:find('expected an integer index, got 1.5', 1, true), e)
  end)

  it('applies transform and target_transform', function()
    local ds = datasets.FashionMNIST({
      root = root,
      transform = function(x) return x:float():div(255):unsqueeze(1) end,
      target_transform = function(y) return y - 1 end,
    })
    local image, label = ds:get(2)
    assert.are.equal(torch.float32, image.dtype)
    assert.are.same({ 1, 4, 3 }, image.shape)
    assert.is_true(torch.allclose(image[1], ds.data[2]:float() / 255))
    assert.are.equal(1, label)
    -- a callable table works as a transform
    local calls = 0
    local t = setmetatable({}, { __call = function(_, x) calls = calls + 1 return x end })
    datasets.FashionMNIST({ root = root, transform = t }):get(1)
    assert.are.equal(1, calls)
  end)

  it('finds files in torchvision\'s root/<Name>/raw layout, and .gz files', function()
    local tv = dir .. '/tv'
    make_dataset(tv .. '/MNIST/raw', 10, 3, 2, 2)
    local ds = datasets.MNIST({ root = tv })
    assert.are.equal(10, #ds)
    assert.are.equal('0 - zero', ds.classes[1])
    assert.truthy(ds.files[1]:find('/MNIST/raw/train-images-idx3-ubyte', 1, true))
    if has_gzip then
      local gzroot = make_dataset(dir .. '/gzroot/', 7, 2, 3, 3, { gz = true })
      local g = datasets.FashionMNIST({ root = gzroot, train = false })
      assert.are.equal(2, #g)
      assert.truthy(g.files[2]:find('t10k%-labels%-idx1%-ubyte%.gz$'))
      assert.are.equal(dir .. '/gzroot', g.root) -- trailing slashes dropped
    end
  end)

  it('says where the files go when they are missing', function()
    local empty = tmpdir()
    local e = err_of(datasets.FashionMNIST, { root = empty })
    assert.truthy(e:find('FashionMNIST: cannot find train-images-idx3-ubyte(.gz) (looked for ' .. empty ..
      '/train-images-idx3-ubyte, ', 1, true), e)
    assert.truthy(e:find('Put the four files of the dataset', 1, true), e)
    assert.truthy(e:find('apt-get install dataset-fashion-mnist', 1, true), e)
    e = err_of(datasets.MNIST, { root = empty, train = false })
    assert.truthy(e:find('MNIST: cannot find t10k-images-idx3-ubyte(.gz)', 1, true), e)
    e = err_of(datasets.MNIST, {})
    assert.truthy(e:find('MNIST: root is required', 1, true), e)
    os.execute('rm -rf ' .. quote(empty))
  end)

  it('checks that images and labels belong together', function()
    local bad = make_dataset(dir .. '/mismatch', 6, 2, 2, 2)
    write_bytes(bad .. '/train-labels-idx1-ubyte', idx_bytes(0x08, { 5 }, { 0, 1, 2, 3, 4 }))
    local e = err_of(datasets.FashionMNIST, { root = bad })
    assert.truthy(e:find('FashionMNIST: ' .. bad .. '/train-images-idx3-ubyte has 6 images but ' .. bad ..
      '/train-labels-idx1-ubyte has 5 labels', 1, true), e)
    write_bytes(bad .. '/train-labels-idx1-ubyte', idx_bytes(0x08, { 6 }, { 0, 1, 2, 10, 4, 5 }))
    e = err_of(datasets.FashionMNIST, { root = bad })
    assert.truthy(e:find('train-labels-idx1-ubyte holds label 10; labels must be 0..9', 1, true), e)
    write_bytes(bad .. '/train-labels-idx1-ubyte', idx_bytes(0x08, { 3, 2 }, { 0, 1, 2, 3, 4, 5 }))
    e = err_of(datasets.FashionMNIST, { root = bad })
    assert.truthy(e:find('holds a uint8 tensor of shape [3, 2]; labels must be unsigned bytes [N]', 1, true), e)
    write_bytes(bad .. '/train-images-idx3-ubyte', idx_bytes(0x0D, { 6, 4 }, { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
      13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24 }))
    e = err_of(datasets.FashionMNIST, { root = bad })
    assert.truthy(e:find('train-images-idx3-ubyte holds a float32 tensor of shape [6, 4]; images must be unsigned ' ..
      'bytes [N, H, W]', 1, true), e)
    -- a damaged file: the reader's message, naming it
    write_bytes(bad .. '/train-images-idx3-ubyte', idx_bytes(0x08, { 6, 2, 2 }, { 1, 2, 3 }))
    e = err_of(datasets.FashionMNIST, { root = bad })
    assert.truthy(e:find(bad .. '/train-images-idx3-ubyte is truncated', 1, true), e)
  end)

  it('rejects unknown options and transforms that cannot be called', function()
    local e = err_of(datasets.FashionMNIST, { root = root, trian = true })
    assert.truthy(e:find("FashionMNIST: unknown option 'trian'", 1, true), e)
    e = err_of(datasets.FashionMNIST, { root = root, transform = 5 })
    assert.truthy(e:find('FashionMNIST: transform must be a function, got number', 1, true), e)
    e = err_of(datasets.FashionMNIST, { root = 7 })
    assert.truthy(e:find('FashionMNIST: root must be a path, got number', 1, true), e)
  end)

  it('an empty split is a dataset of length 0', function()
    local empty = make_dataset(dir .. '/zero', 0, 0, 5, 5)
    local ds = datasets.MNIST({ root = empty })
    assert.are.equal(0, #ds)
    assert.are.same({ 0, 5, 5 }, ds.data.shape)
    assert.are.same({ 0 }, ds.targets.shape)
    assert.has_error(function() ds:get(1) end)
  end)
end)

---------------------------------------------------------------- Debian's dataset

local debian = datasets.FASHION_MNIST_DEBIAN_ROOT
local has_debian = io.open(debian .. '/train-images-idx3-ubyte.gz', 'rb')
if has_debian then has_debian:close() end
local debian_it = has_debian and it or function(name)
  pending(name .. ' (skipped: ' .. debian .. ' is missing; apt-get install dataset-fashion-mnist)')
end

describe('Fashion-MNIST from Debian\'s dataset-fashion-mnist', function()
  debian_it('has 60000 training and 10000 test images, 6000 and 1000 per class', function()
    local train = datasets.FashionMNIST() -- root defaults to the Debian folder
    assert.are.equal(60000, #train)
    assert.are.same({ 60000, 28, 28 }, train.data.shape)
    for k = 1, 10 do assert.are.equal(6000, train.targets:eq(k):sum():item(), 'class ' .. k) end
    -- known values (from the files, read with Python's gzip and numpy)
    local image, label = train:get(1)
    assert.are.equal(10, label)
    assert.are.equal('Ankle boot', train.classes[label])
    assert.are.equal(76247, image:sum():item())
    assert.are.equal(3431114169, train.data:sum():item())
    H.assert_tensor(train.targets[{ { 1, 10 } }], { 10, 1, 1, 4, 1, 3, 8, 3, 6, 6 }, 0)
    local test = datasets.FashionMNIST({ train = false })
    assert.are.equal(10000, #test)
    for k = 1, 10 do assert.are.equal(1000, test.targets:eq(k):sum():item(), 'class ' .. k) end
    H.assert_tensor(test.targets[{ { 1, 10 } }], { 10, 3, 2, 2, 7, 2, 5, 7, 6, 8 }, 0)
    assert.are.equal(573469082, test.data:sum():item())
  end)
end)
