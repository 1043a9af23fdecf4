-- torch.safetensors: the safetensors format, for exchanging tensors with
-- PyTorch (safetensors.torch.save_file / load_file) and other tools.
--
--   torch.safetensors.save('model.safetensors', model:state_dict(), {epoch = '3'})
--   local tensors, metadata = torch.safetensors.load('model.safetensors')
--
-- The reading and writing are in C (src/io/safetensors.c): the header is
-- checked strictly, and saves are atomic like torch.save's.
local torch = require 'torch'
local ordered = require 'torch.ordered'

local safetensors = {}

--- Writes tensors (a table of name -> tensor, ordered or not) and optional
-- metadata (a table of string -> string) to path.  Names are written sorted
-- (by dtype size, then name) as the reference implementation does, so the
-- same tensors always give the same file.  Non-contiguous tensors are written
-- as their contiguous values.
function safetensors.save(path, tensors, metadata)
  if type(path) ~= 'string' then
    error('torch.safetensors.save: expected a path, got ' .. type(path), 2)
  end
  if type(tensors) ~= 'table' then
    error('torch.safetensors.save: expected a table of name -> tensor, got ' .. type(tensors), 2)
  end
  if metadata ~= nil and type(metadata) ~= 'table' then
    error('torch.safetensors.save: metadata must be a table of string -> string, got ' .. type(metadata), 2)
  end
  torch._safetensors_save(path, tensors, metadata)
end

--- Reads path; returns an ordered table of name -> tensor (in the file's
-- order) and the metadata table ({} when the file has none).
function safetensors.load(path)
  if type(path) ~= 'string' then
    error('torch.safetensors.load: expected a path, got ' .. type(path), 2)
  end
  local names, list, metadata = torch._safetensors_load(path)
  local out = ordered.new()
  for i, name in ipairs(names) do out[name] = list[i] end
  return out, metadata
end

return safetensors
