-- torch.vision.datasets: MNIST, Fashion-MNIST (IDX files), CIFAR-10 (binary
-- batches) and ImageFolder (a folder of PNG/JPEG files per class).
--
--   local datasets = torch.vision.datasets
--   local train = datasets.FashionMNIST({train = true})   -- Debian's dataset-fashion-mnist
--   local test = datasets.MNIST({root = 'data/mnist', train = false})
--   print(#train)                       -- 60000
--   local image, label = train:get(1)   -- uint8 [28, 28] (a copy), class number 1..10
--   train.data, train.targets           -- uint8 [N, 28, 28], int64 [N] (1-based), for batching
--   train.classes[label]                -- 'Ankle boot'
--   local cifar = datasets.CIFAR10({root = 'data', train = true})   -- get(i): uint8 [32, 32, 3]
--   local folder = datasets.ImageFolder({root = 'photos/train'})    -- get(i): uint8 [H, W, 3]
--
-- MNIST options: root (a folder holding train-images-idx3-ubyte,
-- train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte,
-- each plain or .gz; also found in root/<Name>/raw as torchvision keeps
-- them), train (true), transform (called on each image by get),
-- target_transform (on each label), download (fetch missing files with curl
-- into root/<Name>/raw, checking torchvision's MD5s).  Without a transform
-- get returns the uint8 image as it is stored (torchvision gives a PIL image
-- there: the same pixels); torch.vision.transforms.ToTensor() makes it a
-- float32 [C, H, W] in [0, 1].
--
-- A dataset is a table with #ds and ds:get(i) (1-based; negative counts from
-- the end) returning (image, label).  ds:_source() tells the C data loader
-- how to prepare items itself (nil when a transform exists only in Lua).
local torch = require 'torch'

local datasets = {}

--- datasets.read_idx(path): the tensor in an IDX file (plain or gzip): uint8
-- for unsigned bytes, int32 for signed bytes/shorts/ints, float32, float64.
function datasets.read_idx(path)
  if type(path) ~= 'string' then error('read_idx: expected a path, got ' .. type(path), 2) end
  return torch._read_idx(path)
end

local function exists(path)
  local f = io.open(path, 'rb')
  if f then f:close() end
  return f ~= nil
end

local function quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

local function callable(v)
  if type(v) == 'function' then return true end
  local mt = getmetatable(v)
  return type(mt) == 'table' and mt.__call ~= nil
end

local function dtype_name(t) return (tostring(t.dtype):gsub('^torch%.', '')) end

-- Checks opts against known (a set) and the transforms; returns opts.
local function check_options(name, opts, known)
  opts = require('torch.options').check(name, opts, known, 4)
  for _, key in ipairs({ 'transform', 'target_transform', 'loader', 'is_valid_file' }) do
    if opts[key] ~= nil and not callable(opts[key]) then
      error(string.format('%s: %s must be a function, got %s', name, key, type(opts[key])), 3)
    end
  end
  if opts.root ~= nil and type(opts.root) ~= 'string' then
    error(name .. ': root must be a path, got ' .. type(opts.root), 3)
  end
  return opts
end

---------------------------------------------------------------- downloading

--- datasets.CURL: the command that downloads (tests point it elsewhere).
datasets.CURL = 'curl'

-- The MD5 of a file (hex), or nil and why.
local function md5_of(path)
  for _, cmd in ipairs({ 'md5sum ', 'md5 -q ' }) do
    local p = io.popen(cmd .. quote(path) .. ' 2>/dev/null')
    if p then
      local out = p:read('a') or ''
      p:close()
      local hex = out:match('^(%x+)')
      if hex and #hex == 32 then return hex:lower() end
    end
  end
  return nil, 'cannot compute the MD5 of ' .. path .. ' (no md5sum or md5 command)'
end

-- Downloads url to path (through path.part), checking its MD5; a file
-- already there with the right MD5 is kept.  true, or nil and why.
local function fetch(url, path, md5)
  if exists(path) and md5_of(path) == md5 then return true end
  local curl = datasets.CURL
  if not os.execute('command -v ' .. quote(curl) .. ' >/dev/null 2>&1') then
    return nil, 'download=true needs curl, which is not installed'
  end
  local part, log = path .. '.part', os.tmpname()
  local ok, _, code = os.execute(string.format('%s -fsSL --retry 2 -o %s %s 2>%s', quote(curl), quote(part),
    quote(url), quote(log)))
  local f = io.open(log, 'rb')
  local said = f and f:read('a'):match('([^\n]+)\n*$') or ''
  if f then f:close() end
  os.remove(log)
  if not ok then
    os.remove(part)
    return nil, string.format('downloading %s failed (curl exit status %s%s: no network, or the file moved?)', url,
      tostring(code), said ~= '' and ', ' .. said or '')
  end
  local got, why = md5_of(part)
  if got ~= md5 then
    os.remove(part)
    return nil, why or string.format('%s gave a file with MD5 %s, expected %s (a damaged or changed download)',
      url, got, md5)
  end
  local renamed, err = os.rename(part, path)
  if not renamed then return nil, 'cannot rename ' .. part .. ': ' .. tostring(err) end
  return true
end

local function mkdir_p(dir)
  if not os.execute('mkdir -p ' .. quote(dir)) then return nil, 'cannot create the folder ' .. dir end
  return true
end

-- True when the dataset may go through the C loader as it is: no Lua-only
-- transform; returns the torch.Transform list (or nil).
local function c_transforms(ds)
  if ds.target_transform ~= nil then return nil end
  local t = ds.transform
  if t == nil then return {} end
  if type(t) == 'table' and type(t._c_transforms) == 'function' then return t:_c_transforms() end
  return nil
end

-- torchvision's VisionDataset repr: head, body lines, then the transforms.
local function dataset_repr(ds, extra)
  local lines = { 'Dataset ' .. ds.__name, '    Number of datapoints: ' .. #ds, '    Root location: ' .. ds.root }
  for _, line in ipairs(extra) do lines[#lines + 1] = '    ' .. line end
  if ds.transform ~= nil or ds.target_transform ~= nil then
    local body = { 'StandardTransform' }
    local function add(t, head)
      local i = 0
      for line in (tostring(t) .. '\n'):gmatch('(.-)\n') do
        i = i + 1
        body[#body + 1] = (i == 1 and head or string.rep(' ', #head)) .. line
      end
    end
    if ds.transform ~= nil then add(ds.transform, 'Transform: ') end
    if ds.target_transform ~= nil then add(ds.target_transform, 'Target transform: ') end
    lines[#lines + 1] = '    ' .. table.concat(body, '\n')
  end
  return table.concat(lines, '\n')
end

-- The 1-based position of index i in a dataset of n items, or an error.
local function check_index(ds, i, n)
  if math.type(i) ~= 'integer' then
    error(string.format('%s:get: expected an integer index, got %s', ds.__name, tostring(i)), 3)
  end
  local j = i < 0 and n + 1 + i or i
  if j < 1 or j > n then
    error(string.format('%s:get: index %d is out of range for a dataset of %d samples', ds.__name, i, n), 3)
  end
  return j
end

---------------------------------------------------------------- tensors in memory (MNIST, CIFAR-10)

local Dataset = {}
Dataset.__index = Dataset

function Dataset:__len() return self._n end

--- ds:get(i): (image, label) of sample i (1-based; -1 is the last).
function Dataset:get(i)
  local j = check_index(self, i, self._n)
  local image = self.data[j]:clone()
  local label = self._labels[j]
  if self.transform then image = self.transform(image) end
  if self.target_transform then label = self.target_transform(label) end
  return image, label
end

function Dataset:__tostring()
  return dataset_repr(self, { 'Split: ' .. (self.train and 'Train' or 'Test') })
end

--- ds:_source(): what the C data loader needs (rows of data and targets).
function Dataset:_source()
  local transforms = c_transforms(self)
  if transforms == nil then return nil end
  return { fields = { self.data, self.targets }, transforms = transforms }
end

local function new_dataset(name, root, train, data, targets, classes, opts, files)
  local class_to_idx = {}
  for i, c in ipairs(classes) do class_to_idx[c] = i end
  return setmetatable({
    __name = name,
    root = root,
    train = train,
    data = data,
    targets = targets,
    classes = classes,
    class_to_idx = class_to_idx,
    transform = opts.transform,
    target_transform = opts.target_transform,
    files = files,
    _n = data:size(1),
    _labels = targets:totable(), -- get() reads Lua numbers, not tensor elements
  }, Dataset)
end

---------------------------------------------------------------- MNIST, Fashion-MNIST

local FILES = {
  train = { 'train-images-idx3-ubyte', 'train-labels-idx1-ubyte' },
  test = { 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte' },
}

local KNOWN_OPTIONS = { root = true, train = true, transform = true, target_transform = true, download = true }

-- The path of base (plain, then .gz) in root or root/<name>/raw, or nil and
-- the places looked at.
local function find_file(root, name, base)
  local tried = {}
  for _, dir in ipairs({ root, root .. '/' .. name .. '/raw' }) do
    for _, file in ipairs({ base, base .. '.gz' }) do
      local path = dir .. '/' .. file
      if exists(path) then return path end
      tried[#tried + 1] = path
    end
  end
  return nil, tried
end

-- download=true: the four .gz files into root/<name>/raw from the first
-- mirror that has them.  true, or nil and why.
local function download_idx(name, root, mirrors, md5s)
  local raw = root .. '/' .. name .. '/raw'
  local ok, err = mkdir_p(raw)
  if not ok then return nil, err end
  for _, base in ipairs({ FILES.train[1], FILES.train[2], FILES.test[1], FILES.test[2] }) do
    if not find_file(root, name, base) then
      local file, why = base .. '.gz', nil
      for _, mirror in ipairs(mirrors) do
        ok, why = fetch(mirror .. file, raw .. '/' .. file, md5s[file])
        if ok then break end
      end
      if not ok then return nil, why end
    end
  end
  return true
end

local function make_dataset_class(name, classes, default_root, how_to_get, mirrors, md5s)
  return function(opts)
    opts = check_options(name, opts, KNOWN_OPTIONS)
    local root = opts.root or default_root
    if root == nil then
      error(string.format('%s: root is required: the folder holding its four IDX files. %s', name, how_to_get), 2)
    end
    root = root:gsub('(.)/+$', '%1')
    local train = opts.train ~= false
    local bases = FILES[train and 'train' or 'test']
    local why -- why download=true did not help
    if opts.download and not (find_file(root, name, bases[1]) and find_file(root, name, bases[2])) then
      why = select(2, download_idx(name, root, mirrors(), md5s))
    end
    local paths = {}
    for i, base in ipairs(bases) do
      local path, tried = find_file(root, name, base)
      if not path then
        error(string.format('%s: cannot find %s(.gz) (looked for %s). Put the four files of the dataset ' ..
          '(train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, ' ..
          't10k-labels-idx1-ubyte.gz) in %s. %s%s', name, base, table.concat(tried, ', '), root, how_to_get,
          why and ' (download=true: ' .. why .. ')' or ''), 2)
      end
      paths[i] = path
    end
    local data = torch._read_idx(paths[1])
    local labels = torch._read_idx(paths[2])
    if data.dtype ~= torch.uint8 or data:dim() ~= 3 then
      error(string.format('%s: %s holds a %s tensor of shape [%s]; images must be unsigned bytes [N, H, W]',
        name, paths[1], dtype_name(data), table.concat(data.shape, ', ')), 2)
    end
    if labels.dtype ~= torch.uint8 or labels:dim() ~= 1 then
      error(string.format('%s: %s holds a %s tensor of shape [%s]; labels must be unsigned bytes [N]',
        name, paths[2], dtype_name(labels), table.concat(labels.shape, ', ')), 2)
    end
    if labels:size(1) ~= data:size(1) then
      error(string.format('%s: %s has %d images but %s has %d labels', name, paths[1], data:size(1), paths[2],
        labels:size(1)), 2)
    end
    if data:size(1) > 0 and labels:max():item() >= #classes then
      error(string.format('%s: %s holds label %d; labels must be 0..%d', name, paths[2], labels:max():item(),
        #classes - 1), 2)
    end
    return new_dataset(name, root, train, data, labels:to(torch.int64) + 1, classes, opts, paths)
  end
end

local FASHION_CLASSES = { 'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker',
  'Bag', 'Ankle boot' }

local MNIST_CLASSES = { '0 - zero', '1 - one', '2 - two', '3 - three', '4 - four', '5 - five', '6 - six',
  '7 - seven', '8 - eight', '9 - nine' }

datasets.FASHION_MNIST_DEBIAN_ROOT = '/usr/share/datasets/fashion-mnist'

--- Where download=true looks (torchvision's mirrors; a list of URL prefixes).
datasets.MNIST_MIRRORS = { 'http://yann.lecun.com/exdb/mnist/', 'https://ossci-datasets.s3.amazonaws.com/mnist/' }
datasets.FASHION_MNIST_MIRRORS = { 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/' }

--- datasets.FashionMNIST({root=, train=true, transform=, target_transform=, download=false});
-- root defaults to Debian's dataset-fashion-mnist.
datasets.FashionMNIST = make_dataset_class('FashionMNIST', FASHION_CLASSES, datasets.FASHION_MNIST_DEBIAN_ROOT,
  'On Debian: apt-get install dataset-fashion-mnist (its files go to ' .. datasets.FASHION_MNIST_DEBIAN_ROOT ..
  ', the default root); or get them from https://github.com/zalandoresearch/fashion-mnist.',
  function() return datasets.FASHION_MNIST_MIRRORS end, {
    ['train-images-idx3-ubyte.gz'] = '8d4fb7e6c68d591d4c3dfef9ec88bf0d',
    ['train-labels-idx1-ubyte.gz'] = '25c81989df183df01b3e8a0aad5dffbe',
    ['t10k-images-idx3-ubyte.gz'] = 'bef4ecab320f06d8554ea6380940ec79',
    ['t10k-labels-idx1-ubyte.gz'] = 'bb300cfdad3c16e7a12a480ee83cd310',
  })

--- datasets.MNIST({root=, train=true, transform=, target_transform=, download=false});
-- root is required.
datasets.MNIST = make_dataset_class('MNIST', MNIST_CLASSES, nil,
  'The files are at https://ossci-datasets.s3.amazonaws.com/mnist/ (a mirror of http://yann.lecun.com/exdb/mnist/).',
  function() return datasets.MNIST_MIRRORS end, {
    ['train-images-idx3-ubyte.gz'] = 'f68b3c2dcbeaaa9fbdd348bbdeb94873',
    ['train-labels-idx1-ubyte.gz'] = 'd53e105ee54ea40749a09fcbcd1e9432',
    ['t10k-images-idx3-ubyte.gz'] = '9fb629c4189551a2d022fa330f9573f3',
    ['t10k-labels-idx1-ubyte.gz'] = 'ec29112dd5afa0611ce80d1b7f02629c',
  })

---------------------------------------------------------------- CIFAR-10

--- Where download=true fetches CIFAR-10's binary version, and its MD5.
datasets.CIFAR10_URL = 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz'
datasets.CIFAR10_MD5 = 'c32a1d4ab5d03f1284b67883e8d87530'

local CIFAR10_CLASSES = { 'airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck' }
local CIFAR10_FILES = {
  train = { 'data_batch_1.bin', 'data_batch_2.bin', 'data_batch_3.bin', 'data_batch_4.bin', 'data_batch_5.bin' },
  test = { 'test_batch.bin' },
}

-- The folder (root, then root/cifar-10-batches-bin) holding all of files, or nil.
local function find_cifar(root, files)
  for _, dir in ipairs({ root, root .. '/cifar-10-batches-bin' }) do
    local all = true
    for _, f in ipairs(files) do
      if not exists(dir .. '/' .. f) then
        all = false
        break
      end
    end
    if all then return dir end
  end
  return nil
end

local function download_cifar(root)
  local ok, why = mkdir_p(root)
  if not ok then return nil, why end
  local archive = root .. '/cifar-10-binary.tar.gz'
  ok, why = fetch(datasets.CIFAR10_URL, archive, datasets.CIFAR10_MD5)
  if not ok then return nil, why end
  if not os.execute(string.format('tar -xzf %s -C %s', quote(archive), quote(root))) then
    return nil, 'unpacking ' .. archive .. ' with tar failed'
  end
  return true
end

--- datasets.CIFAR10({root=, train=true, transform=, target_transform=, download=false}):
-- the binary batches (data_batch_1.bin ... data_batch_5.bin, or test_batch.bin)
-- from root or root/cifar-10-batches-bin.  data: uint8 [N, 32, 32, 3];
-- targets: int64 [N], 1-based; get(i) -> uint8 [32, 32, 3] image, class number.
function datasets.CIFAR10(opts)
  opts = check_options('CIFAR10', opts, KNOWN_OPTIONS)
  local url = datasets.CIFAR10_URL
  if opts.root == nil then
    error('CIFAR10: root is required: the folder holding cifar-10-batches-bin/ (from ' .. url .. ')', 2)
  end
  local root = opts.root:gsub('(.)/+$', '%1')
  local train = opts.train ~= false
  local files = CIFAR10_FILES[train and 'train' or 'test']
  local dir = find_cifar(root, files)
  local why -- why download=true did not help
  if not dir and opts.download then
    why = select(2, download_cifar(root))
    dir = find_cifar(root, files)
  end
  if not dir then
    error(string.format('CIFAR10: cannot find %s in %s or in %s/cifar-10-batches-bin. Download %s (the binary ' ..
      'version, 170 MB) and unpack it into %s: tar -xzf cifar-10-binary.tar.gz -C %s (it makes ' ..
      '%s/cifar-10-batches-bin/), or pass download=true%s', table.concat(files, ', '), root, root, url, root,
      quote(root), root, why and ' (download=true: ' .. why .. ')' or '.'), 2)
  end
  local images, labels, paths = {}, {}, {}
  for i, f in ipairs(files) do
    paths[i] = dir .. '/' .. f
    images[i], labels[i] = torch._read_cifar10(paths[i])
  end
  local data = #images == 1 and images[1] or torch.cat(images, 1)
  local targets = (#labels == 1 and labels[1] or torch.cat(labels, 1)) + 1
  return new_dataset('CIFAR10', root, train, data, targets, CIFAR10_CLASSES, opts, paths)
end

---------------------------------------------------------------- ImageFolder

--- The file name endings ImageFolder takes by default: what it can decode.
datasets.IMG_EXTENSIONS = { '.jpg', '.jpeg', '.png' }

local FOLDER_OPTIONS = { root = true, transform = true, target_transform = true, loader = true, extensions = true,
  is_valid_file = true }
local MAX_DEPTH = 64

-- Python's string order (code points: bytes of UTF-8), whatever the C locale.
local function byte_less(a, b)
  for i = 1, math.min(#a, #b) do
    local x, y = a:byte(i), b:byte(i)
    if x ~= y then return x < y end
  end
  return #a < #b
end

local function list_dir(dir)
  local ok, names, kinds = pcall(torch._list_dir, dir)
  if not ok then return nil, (tostring(names):gsub('^list_dir: ', '')) end
  return names, kinds
end

-- Every folder under dir, dir included, following links, as {path, files}.
local function walk(dir, depth, out)
  if depth > MAX_DEPTH then
    return nil, string.format('folders nest more than %d deep at %s (a link to a folder above it?)', MAX_DEPTH, dir)
  end
  local names, kinds = list_dir(dir)
  if not names then return nil, kinds end
  local files = {}
  out[#out + 1] = { dir, files }
  for i, n in ipairs(names) do
    if kinds[i] == 'directory' then
      local ok, err = walk(dir .. '/' .. n, depth + 1, out)
      if not ok then return nil, err end
    else
      files[#files + 1] = n
    end
  end
  return out
end

-- torchvision's make_dataset: per class (sorted), the folders under it in
-- order of their paths (as Python sorts os.walk), in each the sorted files
-- that pass. samples, classes without one; or nil and why.
local function make_samples(root, classes, valid)
  local samples, empty = {}, {}
  for c, class in ipairs(classes) do
    local dirs, err = walk(root .. '/' .. class, 1, {})
    if not dirs then return nil, err end
    table.sort(dirs, function(a, b) return byte_less(a[1], b[1]) end)
    local before = #samples
    for _, d in ipairs(dirs) do
      for _, f in ipairs(d[2]) do
        local path = d[1] .. '/' .. f
        if valid(path) then samples[#samples + 1] = { path, c } end
      end
    end
    if #samples == before then empty[#empty + 1] = class end
  end
  return samples, empty
end

local Folder = {}
Folder.__index = Folder

function Folder:__len() return #self.samples end

--- ds:get(i): (image, class number) of sample i: the loader's image (by
-- default uint8 [H, W, 3], RGB) after transform.
function Folder:get(i)
  local sample = self.samples[check_index(self, i, #self.samples)]
  local image, label = self.loader(sample[1]), sample[2]
  if self.transform then image = self.transform(image) end
  if self.target_transform then label = self.target_transform(label) end
  return image, label
end

function Folder:__tostring() return dataset_repr(self, {}) end

function Folder:_source()
  if self._custom_loader then return nil end
  local transforms = c_transforms(self)
  if transforms == nil then return nil end
  if not self._paths then
    local paths = {}
    for i, s in ipairs(self.samples) do paths[i] = s[1] end
    self._paths = paths
  end
  return { fields = { false, self.targets }, paths = self._paths, channels = 3, transforms = transforms }
end

local function read_rgb(path) return torch._image_read(path, 3) end

--- datasets.ImageFolder({root=, transform=, target_transform=, loader=,
-- extensions=, is_valid_file=}): root/<class>/**/<image>, classes in sorted
-- order (class numbers 1..C), images sorted within each class.  Files are
-- taken by ending (extensions: datasets.IMG_EXTENSIONS, case-insensitive) or
-- by is_valid_file(path); loader(path) makes the image (default: the PNG or
-- JPEG decoded to uint8 [H, W, 3], as PIL's convert('RGB')).
function datasets.ImageFolder(opts)
  opts = check_options('ImageFolder', opts, FOLDER_OPTIONS)
  if opts.root == nil then error('ImageFolder: root is required: a folder with a sub-folder per class', 2) end
  local root = opts.root:gsub('(.)/+$', '%1')
  if opts.extensions ~= nil and opts.is_valid_file ~= nil then
    error('ImageFolder: give extensions or is_valid_file, not both', 2)
  end
  local extensions = opts.extensions or datasets.IMG_EXTENSIONS
  if type(extensions) == 'string' then extensions = { extensions } end
  if type(extensions) ~= 'table' or #extensions == 0 then
    error('ImageFolder: extensions must be a list of file name endings such as {".png"}, got ' ..
      tostring(opts.extensions), 2)
  end
  local lower = {}
  for i, e in ipairs(extensions) do
    if type(e) ~= 'string' then error('ImageFolder: extensions must be strings, got ' .. type(e), 2) end
    lower[i] = e:lower()
  end
  local valid = opts.is_valid_file or function(path)
    local p = path:lower()
    for _, e in ipairs(lower) do
      if p:sub(-#e) == e then return true end
    end
    return false
  end
  local names, kinds = list_dir(root)
  if not names then error('ImageFolder: ' .. kinds, 2) end
  local classes = {}
  for i, n in ipairs(names) do
    if kinds[i] == 'directory' then classes[#classes + 1] = n end
  end
  if #classes == 0 then error('ImageFolder: found no class folders in ' .. root .. ' (expected root/<class>/<image>)', 2) end
  local samples, empty = make_samples(root, classes, valid)
  if not samples then error('ImageFolder: ' .. empty, 2) end
  if #empty > 0 then
    error(string.format('ImageFolder: found no valid file for the classes %s in %s (%s)', table.concat(empty, ', '),
      root, opts.is_valid_file and 'no file passed is_valid_file' or 'looked for files ending in ' ..
      table.concat(lower, ', ')), 2)
  end
  local class_to_idx, labels = {}, {}
  for i, c in ipairs(classes) do class_to_idx[c] = i end
  for i, s in ipairs(samples) do labels[i] = s[2] end
  return setmetatable({
    __name = 'ImageFolder',
    root = root,
    classes = classes,
    class_to_idx = class_to_idx,
    samples = samples,
    imgs = samples, -- torchvision's other name for them
    targets = torch.tensor(labels, { dtype = torch.int64 }),
    extensions = opts.is_valid_file == nil and lower or nil,
    transform = opts.transform,
    target_transform = opts.target_transform,
    loader = opts.loader or read_rgb,
    _custom_loader = opts.loader ~= nil,
  }, Folder)
end

return datasets
