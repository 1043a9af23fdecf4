-- The module loads both ways: inside ctorch-lua and as a plain Lua C module.
describe('the torch module', function()
  it('is preloaded in ctorch-lua and returns the same table from require', function()
    local torch = require 'torch'
    assert.are.equal('table', type(torch))
    assert.are.equal(torch, require('torch'))
    assert.is_function(torch.zeros)
  end)

  -- A sanitized torch.so cannot be dlopened by the stock interpreter, so this
  -- runs in the release build only (the sanitizer build covers the same code
  -- through ctorch-lua).
  local route = os.getenv('CTORCH_SANITIZED') and pending or it
  route('loads into the stock lua5.4 interpreter with -l torch', function()
    local dir = os.getenv('CTORCH_MODULE_DIR')
    local cmd = string.format(
      "LUA_CPATH='%s/?.so' lua5.4 -l torch -e \"print(torch.zeros(2, 3):size(2))\" 2>&1", dir)
    local p = io.popen(cmd)
    local out = p:read('a')
    p:close()
    assert.are.equal('3\n', out)
  end)
end)
