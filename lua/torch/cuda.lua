-- torch.cuda: the GPU side's controls, as in PyTorch.
--
-- This build has no CUDA backend yet (issue 7), so, as in a CPU-only
-- PyTorch: is_available() is false and device_count() 0; the memory figures
-- are 0 and empty_cache/manual_seed/manual_seed_all do nothing; anything that
-- needs a device (set_device, current_device, synchronize, get_device_name)
-- is an error saying so.  CUDA_VISIBLE_DEVICES is read when the backend exists.
local cuda = {}

local function no_device(name)
  return function()
    error(string.format('torch.cuda.%s: no CUDA device: this build of ctorch has no CUDA backend ' ..
      '(torch.cuda.is_available() is false)', name), 2)
  end
end

function cuda.is_available() return false end
function cuda.device_count() return 0 end
function cuda.is_initialized() return false end

cuda.set_device = no_device('set_device')
cuda.current_device = no_device('current_device')
cuda.synchronize = no_device('synchronize')
cuda.get_device_name = no_device('get_device_name')

-- seeding a generator that does not exist is harmless, as in PyTorch
function cuda.manual_seed(seed)
  if math.type(seed) ~= 'integer' then error('torch.cuda.manual_seed: expected an integer seed, got ' .. tostring(seed), 2) end
end
function cuda.manual_seed_all(seed)
  if math.type(seed) ~= 'integer' then
    error('torch.cuda.manual_seed_all: expected an integer seed, got ' .. tostring(seed), 2)
  end
end

function cuda.memory_allocated() return 0 end
function cuda.memory_reserved() return 0 end
function cuda.max_memory_allocated() return 0 end
function cuda.empty_cache() end

return cuda
