-- torch.vision.utils: make_grid and save_image, after torchvision.utils.
--
--   local utils = torch.vision.utils
--   local grid = utils.make_grid(images, {nrow = 8, padding = 2})   -- [B, C, H, W] -> [C, H', W']
--   utils.save_image(images, 'samples.png', {nrow = 8, normalize = true})
--
-- Same layout and numbers as torchvision 0.14: a 1-channel batch is repeated
-- to 3 channels, images go left to right then top to bottom, each framed by
-- `padding` pixels of pad_value; a batch of one image comes back without a
-- frame.  save_image turns the grid into bytes as torchvision does
-- (x * 255 + 0.5, clamped to [0, 255], truncated) and writes an 8-bit PNG.
local torch = require 'torch'

local utils = {}

local GRID_OPTIONS = { nrow = true, padding = true, normalize = true, value_range = true, scale_each = true,
  pad_value = true }

local function check_options(name, opts)
  if opts == nil then return {} end
  if type(opts) ~= 'table' then error(string.format('%s: expected a table of options, got %s', name, type(opts)), 4) end
  for k in pairs(opts) do
    if not GRID_OPTIONS[k] then
      error(string.format("%s: unknown option '%s' (known: nrow, normalize, pad_value, padding, scale_each, " ..
        'value_range)', name, tostring(k)), 4)
    end
  end
  local function integer(key, def, min)
    local v = opts[key]
    if v == nil then return def end
    if math.type(v) ~= 'integer' or v < min then
      error(string.format('%s: %s must be an integer >= %d, got %s', name, key, min, tostring(v)), 5)
    end
    return v
  end
  local o = {
    nrow = integer('nrow', 8, 1),
    padding = integer('padding', 2, 0),
    normalize = opts.normalize == true,
    scale_each = opts.scale_each == true,
    pad_value = opts.pad_value or 0,
    value_range = opts.value_range,
  }
  if type(o.pad_value) ~= 'number' then
    error(string.format('%s: pad_value must be a number, got %s', name, type(o.pad_value)), 4)
  end
  local r = o.value_range
  if r ~= nil and (type(r) ~= 'table' or type(r[1]) ~= 'number' or type(r[2]) ~= 'number') then
    error(string.format('%s: value_range must be {min, max}, got %s', name, tostring(r)), 4)
  end
  return o
end

-- In place: clamp to [low, high], then map it onto [0, 1].
local function norm_ip(img, low, high)
  img:clamp_(low, high)
  img:sub_(low):div_(math.max(high - low, 1e-5))
end

local function norm_range(t, value_range)
  if value_range then
    norm_ip(t, value_range[1], value_range[2])
  else
    norm_ip(t, t:min():item(), t:max():item())
  end
end

-- The batch [B, C, H, W] that tensor (a tensor or a list of [C, H, W]) stands for.
local function as_batch(name, tensor)
  if type(tensor) == 'table' and not torch.is_tensor(tensor) then
    if #tensor == 0 then error(name .. ': expected a tensor or a list of tensors, got an empty table', 4) end
    for i, t in ipairs(tensor) do
      if not torch.is_tensor(t) then
        error(string.format('%s: item %d of the list is a %s, not a tensor', name, i, type(t)), 4)
      end
    end
    tensor = torch.stack(tensor, 1)
  end
  if not torch.is_tensor(tensor) then
    error(string.format('%s: expected a tensor [B, C, H, W], [C, H, W] or [H, W], got %s', name, type(tensor)), 4)
  end
  tensor = tensor:detach()
  local dim = tensor:dim()
  if dim < 2 or dim > 4 then
    error(string.format('%s: expected a tensor [B, C, H, W], [C, H, W] or [H, W], got shape [%s]', name,
      table.concat(tensor.shape, ', ')), 4)
  end
  if dim == 2 then tensor = tensor:unsqueeze(1) end
  if dim <= 3 then
    if tensor:size(1) == 1 then tensor = torch.cat({ tensor, tensor, tensor }, 1) end
    tensor = tensor:unsqueeze(1)
  end
  if tensor:size(2) == 1 then tensor = torch.cat({ tensor, tensor, tensor }, 2) end
  return tensor
end

local function make_grid(name, tensor, opts)
  local o = check_options(name, opts)
  tensor = as_batch(name, tensor)
  if o.normalize then
    if not tensor:is_floating_point() then
      error(string.format('%s: normalize needs a floating tensor, got %s', name,
        (tostring(tensor.dtype):gsub('^torch%.', ''))), 3)
    end
    tensor = tensor:clone()
    if o.scale_each then
      for b = 1, tensor:size(1) do norm_range(tensor[b], o.value_range) end
    else
      norm_range(tensor, o.value_range)
    end
  end
  local nmaps = tensor:size(1)
  if nmaps == 1 then return tensor:squeeze(1) end
  local padding = o.padding
  local xmaps = math.min(o.nrow, nmaps)
  local ymaps = (nmaps + xmaps - 1) // xmaps
  local height, width = tensor:size(3) + padding, tensor:size(4) + padding
  local grid = torch.full({ tensor:size(2), height * ymaps + padding, width * xmaps + padding }, o.pad_value,
    { dtype = tensor.dtype })
  for k = 1, nmaps do
    local y, x = (k - 1) // xmaps, (k - 1) % xmaps
    grid:narrow(2, y * height + padding + 1, height - padding)
      :narrow(3, x * width + padding + 1, width - padding)
      :copy_(tensor[k])
  end
  return grid
end

--- utils.make_grid(tensor, {nrow=8, padding=2, normalize=false, value_range=nil,
-- scale_each=false, pad_value=0}): the images of a batch [B, C, H, W] (or a
-- list of [C, H, W]; [C, H, W] and [H, W] are one image) tiled into one image
-- [C, rows * (H + padding) + padding, nrow * (W + padding) + padding].
-- normalize maps value_range ({min, max}; default: the batch's min and max,
-- or each image's with scale_each) onto [0, 1], clamping.
function utils.make_grid(tensor, opts)
  local grid = make_grid('make_grid', tensor, opts) -- not a tail call: error levels count this frame
  return grid
end

--- utils.save_image(tensor, path, opts): make_grid(tensor, opts) written as an
-- 8-bit PNG (values in [0, 1] -> 0..255).  The file is replaced atomically.
function utils.save_image(tensor, path, opts)
  if type(path) ~= 'string' or path == '' then
    error('save_image: expected a file name, got ' .. tostring(path), 2)
  end
  local ext = path:match('%.([^./]*)$')
  if ext and ext:lower() ~= 'png' then
    error(string.format("save_image: %s: only PNG is written (a name ending in .png, not '.%s')", path, ext), 2)
  end
  local grid = make_grid('save_image', tensor, opts)
  if not grid:is_floating_point() then
    error(string.format('save_image: expected a floating tensor with values in [0, 1], got %s',
      (tostring(grid.dtype):gsub('^torch%.', ''))), 2)
  end
  local bytes = grid:mul(255):add_(0.5):clamp_(0, 255):permute(2, 3, 1):to(torch.uint8)
  local ok, err = pcall(torch._image_write_png, path, bytes)
  if not ok then error((tostring(err):gsub('^image_write_png:', 'save_image:')), 2) end
end

return utils
