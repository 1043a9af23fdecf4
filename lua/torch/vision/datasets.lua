-- torch.vision.datasets: MNIST and Fashion-MNIST from their IDX files.
--
--   local datasets = torch.vision.datasets
--   local train = datasets.FashionMNIST({train = true})   -- Debian's dataset-fashion-mnist
--   local test = datasets.MNIST({root = 'data/mnist', train = false})
--   print(#train)                       -- 60000
--   local image, label = train:get(1)   -- uint8 [28, 28] (a copy), class number 1..10
--   train.data, train.targets           -- uint8 [N, 28, 28], int64 [N] (1-based), for batching
--   train.classes[label]                -- 'Ankle boot'
--
-- Options: root (a folder holding train-images-idx3-ubyte, train-labels-idx1-ubyte,
-- t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, each plain or .gz; also
-- found in root/<Name>/raw as torchvision keeps them), train (true),
-- transform (called on each image by get), target_transform (on each label).
-- Nothing is downloaded.  Without a transform get returns the uint8 image
-- [H, W] as it is stored (torchvision gives a PIL image there); to get
-- floats in [0, 1]: transform = function(x) return x:float():div(255) end.
--
-- A dataset is a table with #ds and ds:get(i) (1-based; negative counts from
-- the end) returning (image, label).
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

local FILES = {
  train = { 'train-images-idx3-ubyte', 'train-labels-idx1-ubyte' },
  test = { 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte' },
}

local KNOWN_OPTIONS = { root = true, train = true, transform = true, target_transform = true, download = true }

local function callable(v)
  if type(v) == 'function' then return true end
  local mt = getmetatable(v)
  return type(mt) == 'table' and mt.__call ~= nil
end

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

local Dataset = {}
Dataset.__index = Dataset

function Dataset:__len() return self._n end

--- ds:get(i): (image, label) of sample i (1-based; -1 is the last).
function Dataset:get(i)
  local n = self._n
  if math.type(i) ~= 'integer' then
    error(string.format('%s:get: expected an integer index, got %s', self.__name, tostring(i)), 2)
  end
  local j = i < 0 and n + 1 + i or i
  if j < 1 or j > n then
    error(string.format('%s:get: index %d is out of range for a dataset of %d samples', self.__name, i, n), 2)
  end
  local image = self.data[j]:clone()
  local label = self._labels[j]
  if self.transform then image = self.transform(image) end
  if self.target_transform then label = self.target_transform(label) end
  return image, label
end

function Dataset:__tostring()
  return string.format('Dataset %s\n    Number of datapoints: %d\n    Root location: %s\n    Split: %s',
    self.__name, self._n, self.root, self.train and 'Train' or 'Test')
end

local function make_dataset_class(name, classes, default_root, how_to_get)
  local class_to_idx = {}
  for i, c in ipairs(classes) do class_to_idx[c] = i end

  return function(opts)
    opts = opts or {}
    if type(opts) ~= 'table' then error(name .. ': expected a table of options, got ' .. type(opts), 2) end
    for k in pairs(opts) do
      if not KNOWN_OPTIONS[k] then
        error(string.format("%s: unknown option '%s' (known: download, root, target_transform, train, transform)",
          name, tostring(k)), 2)
      end
    end
    for _, key in ipairs({ 'transform', 'target_transform' }) do
      if opts[key] ~= nil and not callable(opts[key]) then
        error(string.format('%s: %s must be a function, got %s', name, key, type(opts[key])), 2)
      end
    end
    local root = opts.root or default_root
    if root == nil then
      error(string.format('%s: root is required: the folder holding its four IDX files. %s', name, how_to_get), 2)
    end
    if type(root) ~= 'string' then error(name .. ': root must be a path, got ' .. type(root), 2) end
    root = root:gsub('(.)/+$', '%1')
    local train = opts.train ~= false
    local bases = FILES[train and 'train' or 'test']
    local paths = {}
    for i, base in ipairs(bases) do
      local path, tried = find_file(root, name, base)
      if not path then
        error(string.format('%s: cannot find %s(.gz) (looked for %s). Put the four files of the dataset ' ..
          '(train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, ' ..
          't10k-labels-idx1-ubyte.gz) in %s. %s%s', name, base, table.concat(tried, ', '), root, how_to_get,
          opts.download and ' (download=true: nothing is downloaded by ctorch)' or ''), 2)
      end
      paths[i] = path
    end
    local data = torch._read_idx(paths[1])
    local labels = torch._read_idx(paths[2])
    if data.dtype ~= torch.uint8 or data:dim() ~= 3 then
      error(string.format('%s: %s holds a %s tensor of shape [%s]; images must be unsigned bytes [N, H, W]',
        name, paths[1], (tostring(data.dtype):gsub('^torch%.', '')), table.concat(data.shape, ', ')), 2)
    end
    if labels.dtype ~= torch.uint8 or labels:dim() ~= 1 then
      error(string.format('%s: %s holds a %s tensor of shape [%s]; labels must be unsigned bytes [N]',
        name, paths[2], (tostring(labels.dtype):gsub('^torch%.', '')), table.concat(labels.shape, ', ')), 2)
    end
    if labels:size(1) ~= data:size(1) then
      error(string.format('%s: %s has %d images but %s has %d labels', name, paths[1], data:size(1), paths[2],
        labels:size(1)), 2)
    end
    local n = data:size(1)
    if n > 0 and labels:max():item() >= #classes then
      error(string.format('%s: %s holds label %d; labels must be 0..%d', name, paths[2], labels:max():item(),
        #classes - 1), 2)
    end
    local targets = labels:to(torch.int64) + 1
    local self = setmetatable({
      __name = name,
      root = root,
      train = train,
      data = data,
      targets = targets,
      classes = classes,
      class_to_idx = class_to_idx,
      transform = opts.transform,
      target_transform = opts.target_transform,
      files = paths,
      _n = n,
      _labels = targets:totable(), -- get() reads Lua numbers, not tensor elements
    }, Dataset)
    return self
  end
end

local FASHION_CLASSES = { 'T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker',
  'Bag', 'Ankle boot' }

local MNIST_CLASSES = { '0 - zero', '1 - one', '2 - two', '3 - three', '4 - four', '5 - five', '6 - six',
  '7 - seven', '8 - eight', '9 - nine' }

datasets.FASHION_MNIST_DEBIAN_ROOT = '/usr/share/datasets/fashion-mnist'

--- datasets.FashionMNIST({root=, train=true, transform=, target_transform=});
-- root defaults to Debian's dataset-fashion-mnist.
datasets.FashionMNIST = make_dataset_class('FashionMNIST', FASHION_CLASSES, datasets.FASHION_MNIST_DEBIAN_ROOT,
  'On Debian: apt-get install dataset-fashion-mnist (its files go to ' .. datasets.FASHION_MNIST_DEBIAN_ROOT ..
  ', the default root); or get them from https://github.com/zalandoresearch/fashion-mnist.')

--- datasets.MNIST({root=, train=true, transform=, target_transform=}); root
-- is required.
datasets.MNIST = make_dataset_class('MNIST', MNIST_CLASSES, nil,
  'The files are at http://yann.lecun.com/exdb/mnist/ and on mirrors of it.')

return datasets
