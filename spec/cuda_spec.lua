-- torch.cuda without a CUDA backend: the CPU-only behaviour PyTorch has.
local torch = require 'torch'

describe('torch.cuda in a build without CUDA', function()
  it('reports no device', function()
    assert.is_false(torch.cuda.is_available())
    assert.equal(0, torch.cuda.device_count())
    assert.equal(0, torch.cuda.memory_allocated())
    assert.equal(0, torch.cuda.memory_reserved())
    torch.cuda.empty_cache()
    torch.cuda.manual_seed_all(1)
    torch.cuda.manual_seed(1)
  end)

  it('refuses what needs a device, and device tensors, clearly', function()
    for _, name in ipairs({ 'set_device', 'current_device', 'synchronize', 'get_device_name' }) do
      assert.has_error(function() torch.cuda[name](0) end, 'torch.cuda.' .. name ..
        ': no CUDA device: this build of ctorch has no CUDA backend (torch.cuda.is_available() is false)')
    end
    assert.has_error(function() torch.cuda.manual_seed_all('x') end,
      'torch.cuda.manual_seed_all: expected an integer seed, got x')
    local x = torch.ones(2)
    local ok, err = pcall(function() return x:to('cuda') end)
    assert.is_false(ok)
    assert.truthy(tostring(err):find('not available', 1, true), err)
    ok, err = pcall(function() return x:cuda() end)
    assert.is_false(ok)
    assert.truthy(tostring(err):find("to: device 'cuda' is not available", 1, true), err)
    ok, err = pcall(function() return x:cuda(1) end)
    assert.truthy(tostring(err):find("to: device 'cuda:1' is not available", 1, true), err)
    assert.is_false(x.is_cuda)
  end)
end)
