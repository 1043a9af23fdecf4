-- torch.vision.datasets.CIFAR10 on batches written here with string.pack
-- (layout checked pixel by pixel), damaged and missing files, download=true
-- failing (no curl, no network, a wrong MD5) and working from a file:// URL;
-- ImageFolder on a tree of PNG and JPEG files made here (torchvision's class
-- and file order, checked against torchvision itself when it is installed);
-- and the _source() tables the C data loader reads.
local torch = require 'torch'
local H = require 'spec.helpers'
local quote, tmpdir, write_bytes, read_bytes = H.quote, H.tmpdir, H.write_bytes, H.read_bytes
local datasets = torch.vision.datasets

local function exists(p)
  local f = io.open(p, 'rb')
  if f then f:close() end
  return f ~= nil
end

local function has(cmd) return os.execute('command -v ' .. cmd .. ' >/dev/null 2>&1') end

local dir = tmpdir()
teardown(function() os.execute('rm -rf ' .. quote(dir)) end)

-- Pixel (y, x, channel c) of record g (all 0-based; g counts across files).
local function pixel(g, y, x, c) return (g * 31 + c * 7 + y * 3 + x * 5) % 256 end
local function label_of(g) return (g * 3 + 1) % 10 end

-- A CIFAR-10 batch of records first .. first + n - 1: label, R plane, G plane, B plane.
local function batch_bytes(first, n)
  local parts = {}
  for g = first, first + n - 1 do
    parts[#parts + 1] = string.char(label_of(g))
    for c = 0, 2 do
      local plane = {}
      for y = 0, 31 do
        for x = 0, 31 do plane[#plane + 1] = pixel(g, y, x, c) end
      end
      parts[#parts + 1] = string.char(table.unpack(plane, 1, 512)) .. string.char(table.unpack(plane, 513, 1024))
    end
  end
  return table.concat(parts)
end

local TRAIN_COUNTS = { 2, 1, 3, 1, 2 }

-- root/<sub>/data_batch_1..5.bin and test_batch.bin (3 records, numbered from 100).
local function make_cifar(root, sub)
  local folder = sub and root .. '/' .. sub or root
  assert(os.execute('mkdir -p ' .. quote(folder)))
  local g = 0
  for k, n in ipairs(TRAIN_COUNTS) do
    write_bytes(folder .. '/data_batch_' .. k .. '.bin', batch_bytes(g, n))
    g = g + n
  end
  write_bytes(folder .. '/test_batch.bin', batch_bytes(100, 3))
  return root
end

-- The [n, 32, 32, 3] tensor pixel() describes for records first ...
local function expected_images(first, n)
  local g = torch.arange(first, first + n, { dtype = torch.int64 }):view(n, 1, 1, 1)
  local y = torch.arange(0, 32, { dtype = torch.int64 }):view(1, 32, 1, 1)
  local x = torch.arange(0, 32, { dtype = torch.int64 }):view(1, 1, 32, 1)
  local c = torch.arange(0, 3, { dtype = torch.int64 }):view(1, 1, 1, 3)
  return (g * 31 + c * 7 + y * 3 + x * 5):remainder(256):to(torch.uint8)
end

describe('datasets.CIFAR10', function()
  local root = make_cifar(dir .. '/cifar', 'cifar-10-batches-bin')

  it('reads the five training batches in order, pixel by pixel in [N, 32, 32, 3], labels 1-based', function()
    local ds = datasets.CIFAR10({ root = root })
    assert.are.equal(9, #ds)
    assert.is_true(ds.train)
    assert.are.equal(torch.uint8, ds.data.dtype)
    assert.are.same({ 9, 32, 32, 3 }, ds.data.shape)
    assert.is_true(ds.data:equal(expected_images(0, 9)))
    local labels = {}
    for g = 0, 8 do labels[g + 1] = label_of(g) + 1 end
    H.assert_tensor(ds.targets, labels, 0, { 9 })
    assert.are.equal(torch.int64, ds.targets.dtype)
    assert.are.equal(root .. '/cifar-10-batches-bin/data_batch_5.bin', ds.files[5])
    -- one pixel written out: record 7, row 4, column 10, blue
    assert.are.equal(pixel(6, 3, 9, 2), ds.data[7][4][10][3])
  end)

  it('has torchvision\'s classes, class_to_idx, get and repr', function()
    local ds = datasets.CIFAR10({ root = root, train = false })
    assert.are.same({ 'airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck' },
      ds.classes)
    assert.are.equal(4, ds.class_to_idx.cat)
    assert.are.equal(3, #ds)
    local image, label = ds:get(2)
    assert.are.same({ 32, 32, 3 }, image.shape)
    assert.is_true(image:equal(expected_images(101, 1)[1]))
    assert.are.equal(label_of(101) + 1, label)
    image:fill_(0)
    assert.is_true(ds.data[2]:equal(expected_images(101, 1)[1])) -- get copies
    assert.are.equal('Dataset CIFAR10\n    Number of datapoints: 3\n    Root location: ' .. root ..
      '\n    Split: Test', tostring(ds))
    local t = datasets.CIFAR10({ root = root, train = false, transform = function(x) return x end })
    assert.truthy(tostring(t):find('Split: Test\n    StandardTransform\nTransform: function', 1, true))
    H.assert_error_has(function() ds:get(4) end, 'CIFAR10:get: index 4 is out of range for a dataset of 3')
  end)

  it('also finds the batches directly in root, and applies transforms', function()
    local flat = make_cifar(dir .. '/flat')
    local ds = datasets.CIFAR10({
      root = flat .. '/',
      train = false,
      transform = function(x) return x:float():div(255) end,
      target_transform = function(y) return y * 10 end,
    })
    assert.are.equal(flat, ds.root)
    local image, label = ds:get(1)
    assert.are.equal(torch.float32, image.dtype)
    assert.is_true(torch.allclose(image, expected_images(100, 1)[1]:float() / 255))
    assert.are.equal((label_of(100) + 1) * 10, label)
  end)

  it('fails naming the file on a truncated batch, a bad label or an empty file', function()
    local bad = make_cifar(dir .. '/bad', 'cifar-10-batches-bin')
    local p = bad .. '/cifar-10-batches-bin/data_batch_3.bin'
    local bytes = read_bytes(p)
    write_bytes(p, bytes:sub(1, 3073 * 2 + 1000))
    H.assert_error_has(function() datasets.CIFAR10({ root = bad }) end,
      'CIFAR10: ' .. p .. ' is not a CIFAR-10 batch (7146 bytes is not a whole number of 3073-byte records')
    write_bytes(p, bytes:sub(1, 3073) .. '\10' .. bytes:sub(3075))
    H.assert_error_has(function() datasets.CIFAR10({ root = bad }) end,
      p .. ' is not a CIFAR-10 batch (record 2, at byte 3073, has label 10')
    write_bytes(p, '')
    H.assert_error_has(function() datasets.CIFAR10({ root = bad }) end, p, '0 bytes')
    H.assert_error_has(function() torch._read_cifar10(dir .. '/none.bin') end, 'cannot open ' .. dir .. '/none.bin')
  end)

  it('says where to get the data when files are missing', function()
    local empty = tmpdir()
    local e = H.error_of(function() datasets.CIFAR10({ root = empty }) end)
    for _, part in ipairs({ 'CIFAR10: cannot find data_batch_1.bin', 'data_batch_5.bin in ' .. empty,
      'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz', 'tar -xzf cifar-10-binary.tar.gz -C',
      empty .. '/cifar-10-batches-bin/', 'download=true' }) do
      assert(e:find(part, 1, true), part .. ' not in: ' .. e)
    end
    -- train's files are there, test's not
    local half = make_cifar(dir .. '/half')
    os.remove(half .. '/test_batch.bin')
    H.assert_error_has(function() datasets.CIFAR10({ root = half, train = false }) end, 'cannot find test_batch.bin')
    H.assert_error_has(function() datasets.CIFAR10({}) end, 'CIFAR10: root is required')
    H.assert_error_has(function() datasets.CIFAR10({ root = empty, split = 1 }) end, "unknown option 'split'")
    os.execute('rm -rf ' .. quote(empty))
  end)
end)

describe('download=true', function()
  local saved = { datasets.CURL, datasets.CIFAR10_URL, datasets.CIFAR10_MD5, datasets.MNIST_MIRRORS }
  after_each(function()
    datasets.CURL, datasets.CIFAR10_URL, datasets.CIFAR10_MD5, datasets.MNIST_MIRRORS = table.unpack(saved, 1, 4)
  end)
  local tools = has('curl') and has('tar') and has('md5sum')
  local tools_it = tools and it or function(name) pending(name .. ' (skipped: needs curl, tar and md5sum)') end

  -- An archive like cifar-10-binary.tar.gz (cifar-10-batches-bin/...), and its MD5.
  local function make_archive()
    local src = make_cifar(tmpdir(), 'cifar-10-batches-bin')
    local archive = dir .. '/served/cifar-10-binary.tar.gz'
    assert(os.execute('mkdir -p ' .. quote(dir .. '/served')))
    assert(os.execute(string.format('tar -czf %s -C %s cifar-10-batches-bin', quote(archive), quote(src))))
    os.execute('rm -rf ' .. quote(src))
    local p = io.popen('md5sum ' .. quote(archive))
    local md5 = p:read('a'):match('^(%x+)')
    p:close()
    return archive, md5
  end

  it('without curl: says curl is needed, and how to get the files by hand', function()
    datasets.CURL = 'no-such-curl-command'
    local root = dir .. '/nocurl'
    local e = H.error_of(function() datasets.CIFAR10({ root = root, download = true }) end)
    assert.truthy(e:find('download=true: download=true needs curl, which is not installed', 1, true), e)
    assert.truthy(e:find('https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz', 1, true), e)
    e = H.error_of(function() datasets.MNIST({ root = root, download = true }) end)
    assert.truthy(e:find('MNIST: cannot find train-images-idx3-ubyte(.gz)', 1, true), e)
    assert.truthy(e:find('needs curl', 1, true), e)
  end)

  tools_it('without the network (an unreachable URL): names the URL and how to get the files', function()
    datasets.CIFAR10_URL = 'file://' .. dir .. '/nowhere/cifar-10-binary.tar.gz'
    local root = dir .. '/nonet'
    local e = H.error_of(function() datasets.CIFAR10({ root = root, download = true }) end)
    assert.truthy(e:find('downloading file://' .. dir .. '/nowhere/cifar-10-binary.tar.gz failed (curl exit status',
      1, true), e)
    assert.truthy(e:find('tar -xzf cifar-10-binary.tar.gz', 1, true), e)
    assert.is_false(exists(root .. '/cifar-10-binary.tar.gz.part'))
    datasets.MNIST_MIRRORS = { 'file://' .. dir .. '/nowhere/' }
    e = H.error_of(function() datasets.MNIST({ root = root, download = true }) end)
    assert.truthy(e:find('downloading file://' .. dir .. '/nowhere/train-images-idx3-ubyte.gz failed', 1, true), e)
  end)

  tools_it('rejects a download whose MD5 is wrong, keeping nothing of it', function()
    local archive = make_archive()
    datasets.CIFAR10_URL = 'file://' .. archive
    local root = dir .. '/badmd5'
    local e = H.error_of(function() datasets.CIFAR10({ root = root, download = true }) end)
    assert.truthy(e:find('expected c32a1d4ab5d03f1284b67883e8d87530 (a damaged or changed download)', 1, true), e)
    assert.is_false(exists(root .. '/cifar-10-binary.tar.gz'))
    assert.is_false(exists(root .. '/cifar-10-binary.tar.gz.part'))
    -- MNIST: a mirror serving a file with another MD5
    local mirror = dir .. '/mirror'
    assert(os.execute('mkdir -p ' .. quote(mirror)))
    write_bytes(mirror .. '/train-images-idx3-ubyte.gz', 'not the real file')
    datasets.MNIST_MIRRORS = { 'file://' .. mirror .. '/' }
    e = H.error_of(function() datasets.MNIST({ root = root, download = true }) end)
    assert.truthy(e:find('expected f68b3c2dcbeaaa9fbdd348bbdeb94873', 1, true), e)
  end)

  tools_it('fetches, checks and unpacks the archive when the MD5 matches, then reuses it', function()
    local archive, md5 = make_archive()
    datasets.CIFAR10_URL, datasets.CIFAR10_MD5 = 'file://' .. archive, md5
    local root = dir .. '/fetched'
    local ds = datasets.CIFAR10({ root = root, download = true })
    assert.are.equal(9, #ds)
    assert.is_true(ds.data:equal(expected_images(0, 9)))
    assert.is_true(exists(root .. '/cifar-10-binary.tar.gz'))
    assert.is_true(exists(root .. '/cifar-10-batches-bin/test_batch.bin'))
    -- already there: no download (the URL is gone now)
    datasets.CIFAR10_URL = 'file://' .. dir .. '/gone.tar.gz'
    assert.are.equal(3, #datasets.CIFAR10({ root = root, train = false, download = true }))
  end)
end)

---------------------------------------------------------------- ImageFolder

-- root/<class>/... with PNGs written here and the JPEG/PNG fixtures.
local FIX = 'spec/fixtures/images/'
local function make_tree(root)
  local files = {}
  local function png(rel, seed, shape)
    torch.manual_seed(seed)
    local img = torch.randint(0, 256, shape or { 4, 5, 3 }, { dtype = torch.uint8 })
    assert(os.execute('mkdir -p ' .. quote((root .. '/' .. rel):match('^(.*)/'))))
    torch._image_write_png(root .. '/' .. rel, img)
    files[rel] = img
  end
  local function copy(rel, fixture)
    assert(os.execute('mkdir -p ' .. quote((root .. '/' .. rel):match('^(.*)/'))))
    write_bytes(root .. '/' .. rel, read_bytes(FIX .. fixture))
  end
  png('cat/b.png', 1)
  png('cat/A.png', 2, { 3, 3, 4 }) -- RGBA: alpha is dropped
  copy('cat/a.jpg', 'rgb420.jpg')
  write_bytes(root .. '/cat/notes.txt', 'not an image')
  png('cat/sub/c.png', 3, { 2, 2 }) -- gray: repeated to RGB
  png('cat/sub-1/d.png', 4)
  copy('cat/sub/deeper/e.JPG', 'gray.jpg')
  png('dog/1.png', 5)
  png('dog/10.png', 6)
  copy('dog/2.png', 'palette_trns.png')
  png('bird/x/y.png', 7)
  png('stray.png', 8) -- not in a class folder: ignored
  return files
end

local ORDER = { 'bird/x/y.png', 'cat/A.png', 'cat/a.jpg', 'cat/b.png', 'cat/sub/c.png', 'cat/sub-1/d.png',
  'cat/sub/deeper/e.JPG', 'dog/1.png', 'dog/10.png', 'dog/2.png' }

describe('datasets.ImageFolder', function()
  local root = dir .. '/tree'
  local written = make_tree(root)

  it('orders classes and files like torchvision (sorted; sub-folders by path)', function()
    local ds = datasets.ImageFolder({ root = root })
    assert.are.same({ 'bird', 'cat', 'dog' }, ds.classes)
    assert.are.same({ bird = 1, cat = 2, dog = 3 }, ds.class_to_idx)
    assert.are.equal(#ORDER, #ds)
    for i, rel in ipairs(ORDER) do
      assert.are.equal(root .. '/' .. rel, ds.samples[i][1])
      assert.are.equal(ds.class_to_idx[rel:match('^[^/]+')], ds.samples[i][2])
    end
    H.assert_tensor(ds.targets, { 1, 2, 2, 2, 2, 2, 2, 3, 3, 3 }, 0, { 10 })
    assert.are.equal(torch.int64, ds.targets.dtype)
    assert.are.equal(ds.samples, ds.imgs)
    assert.are.equal('Dataset ImageFolder\n    Number of datapoints: 10\n    Root location: ' .. root, tostring(ds))
  end)

  it('matches torchvision.datasets.DatasetFolder (ImageFolder\'s base) on the same tree', function()
    if not os.execute('/usr/bin/python3 -c "import torchvision" >/dev/null 2>&1') then
      return pending('no /usr/bin/python3 with torchvision')
    end
    local p = io.popen('/usr/bin/python3 -c "import sys, torchvision; ' ..
      'ds = torchvision.datasets.DatasetFolder(sys.argv[1], loader=lambda p: p, ' ..
      "extensions=('.jpg', '.jpeg', '.png')); " ..
      'print(chr(10).join(p + chr(9) + str(c) for p, c in ds.samples))" ' .. quote(root))
    local got = {}
    for line in p:lines() do got[#got + 1] = line end
    p:close()
    local ds = datasets.ImageFolder({ root = root })
    assert.are.equal(#ds, #got)
    for i, s in ipairs(ds.samples) do assert.are.equal(s[1] .. '\t' .. (s[2] - 1), got[i]) end
  end)

  it('get(i) decodes to uint8 [H, W, 3] RGB, as PIL\'s convert(\'RGB\')', function()
    local ds = datasets.ImageFolder({ root = root })
    local image, label = ds:get(4) -- cat/b.png
    assert.are.equal(2, label)
    assert.is_true(image:equal(written['cat/b.png']))
    image = ds:get(2) -- cat/A.png, RGBA
    assert.is_true(image:equal(written['cat/A.png']:narrow(3, 1, 3)))
    image = ds:get(5) -- cat/sub/c.png, gray
    assert.is_true(image:equal(written['cat/sub/c.png']:unsqueeze(3):expand(2, 2, 3)))
    image = ds:get(7) -- gray JPEG
    assert.are.same({ 7, 11, 3 }, image.shape)
    assert.is_true(image:equal(torch._image_read(FIX .. 'gray.jpg', 3)))
    image, label = ds:get(-1) -- palette PNG with transparency
    assert.is_true(image:equal(torch._image_read(FIX .. 'palette_trns.png', 3)))
    assert.are.equal(3, label)
  end)

  it('takes transform, target_transform, loader, extensions and is_valid_file', function()
    local ds = datasets.ImageFolder({ root = root, extensions = { '.PNG' } })
    assert.are.equal(8, #ds) -- no JPEGs; endings compared without case
    ds = datasets.ImageFolder({ root = root, extensions = { '.png', '.jpeg' } })
    assert.are.equal(8, #ds)
    H.assert_error_has(function() datasets.ImageFolder({ root = root, extensions = '.jpeg' }) end,
      'ImageFolder: found no valid file for the classes bird, cat, dog in ' .. root, 'ending in .jpeg')
    -- is_valid_file replaces the endings: cat keeps only what is under sub*, whatever the name
    ds = datasets.ImageFolder({ root = root, is_valid_file = function(p)
      return p:find('/sub') ~= nil or p:find('/cat/') == nil
    end })
    assert.are.equal(7, #ds)
    assert.are.same({ root .. '/cat/sub/c.png', root .. '/cat/sub-1/d.png', root .. '/cat/sub/deeper/e.JPG' },
      { ds.samples[2][1], ds.samples[3][1], ds.samples[4][1] })
    ds = datasets.ImageFolder({ root = root, loader = function(p) return p end,
      transform = function(p) return p .. '!' end, target_transform = function(y) return -y end })
    local x, y = ds:get(1)
    assert.are.equal(root .. '/bird/x/y.png!', x)
    assert.are.equal(-1, y)
  end)

  it('fails clearly on bad roots, empty folders and damaged images', function()
    H.assert_error_has(function() datasets.ImageFolder({ root = dir .. '/nope' }) end,
      'ImageFolder: cannot open the folder ' .. dir .. '/nope')
    local flat = dir .. '/flat-images'
    assert(os.execute('mkdir -p ' .. quote(flat)))
    torch._image_write_png(flat .. '/x.png', torch.zeros(2, 2, { dtype = torch.uint8 }))
    H.assert_error_has(function() datasets.ImageFolder({ root = flat }) end,
      'ImageFolder: found no class folders in ' .. flat)
    assert(os.execute('mkdir -p ' .. quote(flat .. '/empty')))
    H.assert_error_has(function() datasets.ImageFolder({ root = flat }) end,
      'no valid file for the classes empty in ' .. flat, '.jpg, .jpeg, .png')
    H.assert_error_has(function() datasets.ImageFolder({}) end, 'ImageFolder: root is required')
    H.assert_error_has(function() datasets.ImageFolder({ root = root, extensions = '.png', is_valid_file = print }) end,
      'not both')
    H.assert_error_has(function() datasets.ImageFolder({ root = root, loader = 3 }) end, 'loader must be a function')
    local broken = dir .. '/broken'
    assert(os.execute('mkdir -p ' .. quote(broken .. '/k')))
    write_bytes(broken .. '/k/bad.png', read_bytes(FIX .. 'rgb8.png'):sub(1, 60))
    local ds = datasets.ImageFolder({ root = broken })
    H.assert_error_has(function() ds:get(1) end, 'image_read: ' .. broken .. '/k/bad.png is truncated')
  end)
end)

describe('_source() for the C data loader', function()
  local c_tf = setmetatable({ _c_transforms = function() return { 'ud1', 'ud2' } end },
    { __call = function(_, x) return x end })
  local lua_tf = setmetatable({ _c_transforms = function() return nil end }, { __call = function(_, x) return x end })

  it('CIFAR10 and FashionMNIST: their tensors, the C transforms, nil when a part is Lua-only', function()
    local ds = datasets.CIFAR10({ root = dir .. '/cifar' })
    local src = ds:_source()
    assert.are.equal(ds.data, src.fields[1])
    assert.are.equal(ds.targets, src.fields[2])
    assert.are.same({}, src.transforms)
    assert.is_nil(src.paths)
    src = datasets.CIFAR10({ root = dir .. '/cifar', transform = c_tf }):_source()
    assert.are.same({ 'ud1', 'ud2' }, src.transforms)
    assert.is_nil(datasets.CIFAR10({ root = dir .. '/cifar', transform = lua_tf }):_source())
    assert.is_nil(datasets.CIFAR10({ root = dir .. '/cifar', transform = function(x) return x end }):_source())
    assert.is_nil(datasets.CIFAR10({ root = dir .. '/cifar', target_transform = c_tf }):_source())
  end)

  it('ImageFolder: paths in sample order, targets, channels 3; nil with a custom loader', function()
    local root = dir .. '/tree'
    local ds = datasets.ImageFolder({ root = root, transform = c_tf })
    local src = ds:_source()
    assert.is_false(src.fields[1])
    assert.are.equal(ds.targets, src.fields[2])
    assert.are.equal(3, src.channels)
    assert.are.same({ 'ud1', 'ud2' }, src.transforms)
    assert.are.equal(#ORDER, #src.paths)
    for i, rel in ipairs(ORDER) do assert.are.equal(root .. '/' .. rel, src.paths[i]) end
    assert.is_nil(datasets.ImageFolder({ root = root, loader = torch._image_read }):_source())
    assert.is_nil(datasets.ImageFolder({ root = root, transform = lua_tf }):_source())
    assert.are.same({}, datasets.ImageFolder({ root = root }):_source().transforms)
  end)
end)

describe('the C data loader on these datasets', function()
  local DataLoader = torch.utils and torch.utils.data and torch.utils.data.DataLoader

  it('gives what get() gives, with 0 and 2 workers (CIFAR10, ImageFolder decoding in C; with C transforms)',
    function()
    if not DataLoader then return pending('torch.utils.data.DataLoader is missing') end
    local T = torch.vision.transforms
    local cifar = datasets.CIFAR10({ root = dir .. '/cifar' })
    local tree = datasets.ImageFolder({ root = dir .. '/tree' })
    local cifar_t = datasets.CIFAR10({ root = dir .. '/cifar', train = false,
      transform = T.Compose({ T.ToTensor(), T.Normalize({ 0.5, 0.4, 0.3 }, { 0.2, 0.25, 0.3 }) }) })
    local tree_t = datasets.ImageFolder({ root = dir .. '/tree',
      transform = T.Compose({ T.Resize({ 5, 6 }), T.CenterCrop(4), T.ToTensor() }) })
    for _, case in ipairs({ { cifar, 4 }, { tree, 1 }, { cifar_t, 2 }, { tree_t, 3 } }) do
      local ds, batch_size = case[1], case[2]
      for _, workers in ipairs({ 0, 2 }) do
        local loader = DataLoader(ds, { batch_size = batch_size, num_workers = workers })
        assert.is_true(loader:uses_c())
        local i = 0
        for images, labels in loader:iter() do
          for k = 1, images:size(1) do
            local image, label = ds:get(i + k)
            assert(images[k]:equal(image), string.format('%s item %d, %d workers', ds.__name, i + k, workers))
            assert.are.equal(label, labels[k])
          end
          i = i + images:size(1)
        end
        assert.are.equal(#ds, i)
      end
    end
  end)
end)
