-- tostring(x) follows PyTorch's repr exactly (the expected strings were
-- checked against PyTorch's own output).
local torch = require 'torch'

local T = torch.tensor

local function reset()
  torch.set_printoptions({profile = 'default'})
end

describe('tostring of tensors', function()
  before_each(reset)
  after_each(reset)

  it('prints float matrices with integral values as 1.', function()
    assert.are.equal('tensor([[1., 2.],\n        [3., 4.]])', tostring(T({{1.0, 2}, {3, 4}})))
    assert.are.equal('tensor([0., 0., 0.])', tostring(torch.zeros(3)))
    assert.are.equal('tensor([-0., 1.])', tostring(T({-0.0, 1.0})))
  end)

  it('prints integers and booleans without a decimal point', function()
    assert.are.equal('tensor([1, 2, 3])', tostring(T({1, 2, 3})))
    assert.are.equal('tensor([ True, False])', tostring(T({true, false})))
    assert.are.equal('tensor([[True, True],\n        [True, True]])',
      tostring(torch.ones(2, 2, {dtype = torch.bool})))
    assert.are.equal('tensor([-5, 10])', tostring(T({-5, 10})))
  end)

  it('adds a dtype suffix for non-default dtypes only', function()
    assert.are.equal('tensor([1., 2.], dtype=torch.float64)', tostring(T({1, 2}, {dtype = torch.float64})))
    assert.are.equal('tensor([1, 2], dtype=torch.int32)', tostring(T({1, 2}, {dtype = torch.int32})))
    assert.are.equal('tensor([1, 2], dtype=torch.uint8)', tostring(T({1, 2}, {dtype = torch.uint8})))
    assert.are.equal('tensor([1.5000], dtype=torch.float16)', tostring(T({1.5}, {dtype = torch.float16})))
    assert.are.equal('tensor([1.5000], dtype=torch.bfloat16)', tostring(T({1.5}, {dtype = torch.bfloat16})))
    assert.are.equal('tensor([1, 2])', tostring(T({1, 2}, {dtype = torch.int64})))
    assert.are.equal('tensor([1., 2.])', tostring(T({1, 2}, {dtype = torch.float32})))
  end)

  it('prints 0-dim tensors as a bare value', function()
    assert.are.equal('tensor(3.5000)', tostring(T(3.5)))
    assert.are.equal('tensor(3)', tostring(T(3)))
    assert.are.equal('tensor(True)', tostring(T(true)))
    assert.are.equal('tensor(2.)', tostring(T(2.0)))
    assert.are.equal('tensor(2.5000, dtype=torch.float64)', tostring(T(2.5, {dtype = torch.float64})))
    assert.are.equal('tensor(nan)', tostring(T(0 / 0)))
  end)

  it('prints empty tensors with their size when not 1-D', function()
    assert.are.equal('tensor([], size=(0, 3))', tostring(torch.zeros(0, 3)))
    assert.are.equal('tensor([])', tostring(torch.zeros(0)))
    -- an empty tensor names every dtype but float32
    assert.are.equal('tensor([], dtype=torch.int64)', tostring(torch.zeros(0, {dtype = torch.int64})))
    assert.are.equal('tensor([], size=(2, 0, 3), dtype=torch.int32)',
      tostring(torch.zeros(2, 0, 3, {dtype = torch.int32})))
  end)

  it('uses 4 decimals for non-integral floats', function()
    assert.are.equal('tensor([0.1235, 1.0000])', tostring(T({0.12345, 1})))
    assert.are.equal('tensor([1.0000, 2.5000])', tostring(T({1, 2.5})))
    assert.are.equal('tensor([-1.5000,  2.2500])', tostring(T({-1.5, 2.25})))
  end)

  it('switches to scientific notation for wide ranges and extreme values', function()
    assert.are.equal('tensor([1.0000e+10, 1.0000e+00])', tostring(T({1e10, 1})))
    assert.are.equal('tensor([1.0000e-01, 1.0005e+03])', tostring(T({0.1, 1000.5})))
    assert.are.equal('tensor([1.0000e-05, 1.0000e+00])', tostring(T({1e-5, 1})))
    assert.are.equal('tensor([1.2346e+08, 1.0000e+00])', tostring(T({123456789.0, 1})))
    assert.are.equal('tensor([1.0000e-05])', tostring(T({1e-5})))
    -- a ratio of exactly 1000 stays fixed
    assert.are.equal('tensor([   1., 1000.])', tostring(T({1.0, 1000})))
  end)

  it('shows nan and inf', function()
    assert.are.equal('tensor([nan, inf, -inf, 1.])', tostring(T({0 / 0, 1 / 0, -1 / 0, 1})))
    assert.are.equal('tensor([   nan, 1.5000])', tostring(T({0 / 0, 1.5})))
    assert.are.equal('tensor([inf])', tostring(T({1 / 0})))
  end)

  it('aligns columns to a common width', function()
    assert.are.equal('tensor([ 1., 10.])', tostring(T({1.0, 10})))
    assert.are.equal('tensor([[  1, -20],\n        [300,   4]])', tostring(T({{1, -20}, {300, 4}})))
    assert.are.equal('tensor([[ 0.5000, 10.0000],\n        [-2.0000,  3.0000]])',
      tostring(T({{0.5, 10}, {-2, 3}})))
  end)

  it('separates the blocks of 3-D tensors with blank lines', function()
    local x = torch.arange(12):view(2, 2, 3)
    assert.are.equal(
      'tensor([[[ 0,  1,  2],\n         [ 3,  4,  5]],\n\n        [[ 6,  7,  8],\n         [ 9, 10, 11]]])',
      tostring(x))
  end)

  it('wraps long rows at 80 columns', function()
    local x = torch.arange(30):float() * 1.5
    assert.are.equal(
      'tensor([ 0.0000,  1.5000,  3.0000,  4.5000,  6.0000,  7.5000,  9.0000, 10.5000,\n' ..
      '        12.0000, 13.5000, 15.0000, 16.5000, 18.0000, 19.5000, 21.0000, 22.5000,\n' ..
      '        24.0000, 25.5000, 27.0000, 28.5000, 30.0000, 31.5000, 33.0000, 34.5000,\n' ..
      '        36.0000, 37.5000, 39.0000, 40.5000, 42.0000, 43.5000])',
      tostring(x))
  end)

  it('summarises tensors over 1000 elements with ...', function()
    assert.are.equal('tensor([   0,    1,    2,  ..., 1997, 1998, 1999])', tostring(torch.arange(2000)))
    local rows = {}
    for i = 1, 3 do rows[#rows + 1] = '[0., 0., 0.,  ..., 0., 0., 0.]' end
    rows[#rows + 1] = '...'
    for i = 1, 3 do rows[#rows + 1] = '[0., 0., 0.,  ..., 0., 0., 0.]' end
    assert.are.equal('tensor([' .. table.concat(rows, ',\n        ') .. '])', tostring(torch.zeros(100, 100)))
    -- exactly 1000 elements are not summarised
    assert.is_nil(tostring(torch.zeros(1000)):find('...', 1, true))
    -- the formatter only looks at the shown values
    local x = torch.zeros(2000)
    x:narrow(1, 1000, 1):fill_(12345.5)
    assert.are.equal('tensor([0., 0., 0.,  ..., 0., 0., 0.])', tostring(x))
  end)

  it('shows the values of non-contiguous views', function()
    local x = torch.arange(6):view(2, 3)
    assert.are.equal('tensor([[0, 3],\n        [1, 4],\n        [2, 5]])', tostring(x:t()))
    assert.are.equal('tensor([1, 4])', tostring(x:select(2, 2)))
    assert.are.equal('tensor([[5, 5],\n        [5, 5]])', tostring(T({5}):expand(2, 2)))
    assert.are.equal('tensor([4, 5])', tostring(x:select(1, 2):narrow(1, 2, 2)))
  end)

  it('wraps a long dtype suffix onto its own line', function()
    assert.are.equal(
      'tensor([ -2.6992,  -0.5000,   0.5000,   2.6992, 300.0000,  -1.0000],\n       dtype=torch.float16)',
      tostring(T({-2.7, -0.5, 0.5, 2.7, 300, -1}):half()))
  end)

  local route = torch.Tensor.requires_grad_ and it or pending
  route('marks tensors that require grad and results that have a grad_fn', function()
    local x = torch.tensor({1.0, 2.0}, {requires_grad = true})
    assert.are.equal('tensor([1., 2.], requires_grad=True)', tostring(x))
    local y = x * 2
    assert.truthy(tostring(y):find('^tensor%(%[2%., 4%.%], grad_fn=<Mul%w*>%)$'), tostring(y))
    assert.are.equal('tensor([1., 2.])', tostring(x:detach()))
  end)

  it('is what print writes', function()
    local out = {}
    local saved = _G.print
    _G.print = function(...) out[#out + 1] = tostring(...) end
    print(T({1, 2}))
    _G.print = saved
    assert.are.equal('tensor([1, 2])', out[1])
  end)
end)

describe('torch.set_printoptions', function()
  before_each(reset)
  after_each(reset)

  it('sets precision', function()
    torch.set_printoptions({precision = 2})
    assert.are.equal('tensor([0.12, 1.00])', tostring(T({0.12345, 1})))
    assert.are.equal(2, torch.get_printoptions().precision)
  end)

  it('sets threshold and edgeitems', function()
    torch.set_printoptions({threshold = 5, edgeitems = 2})
    assert.are.equal('tensor([0, 1,  ..., 8, 9])', tostring(torch.arange(10)))
    torch.set_printoptions({threshold = math.huge})
    assert.is_nil(tostring(torch.arange(2000)):find('...', 1, true))
  end)

  it('shows only the size with edgeitems = 0', function()
    torch.set_printoptions({edgeitems = 0, threshold = 3})
    assert.are.equal('tensor([...], size=(10,))', tostring(torch.arange(10)))
    assert.are.equal('tensor([...], size=(3, 4))', tostring(torch.zeros(3, 4)))
    assert.are.equal('tensor([1, 2], size=(2,))', tostring(T({1, 2})))
  end)

  it('summarises every dim of a 3-D tensor', function()
    torch.set_printoptions({threshold = 10, edgeitems = 1})
    assert.are.equal(
      'tensor([[[ 0,  ...,  4],\n         ...,\n         [15,  ..., 19]],\n\n' ..
      '        ...,\n\n' ..
      '        [[40,  ..., 44],\n         ...,\n         [55,  ..., 59]]])',
      tostring(torch.arange(60):view(3, 4, 5)))
  end)

  it('sets linewidth', function()
    torch.set_printoptions({linewidth = 20})
    assert.are.equal('tensor([0, 1, 2, 3,\n        4, 5])', tostring(torch.arange(6)))
  end)

  it('forces or forbids scientific notation', function()
    torch.set_printoptions({sci_mode = true})
    assert.are.equal('tensor([1.5000e+00, 2.0000e+00])', tostring(T({1.5, 2})))
    torch.set_printoptions({sci_mode = false})
    assert.are.equal('tensor([   0.1000, 1000.5000])', tostring(T({0.1, 1000.5})))
    -- integers are never in scientific notation
    torch.set_printoptions({sci_mode = true})
    assert.are.equal('tensor([1, 2])', tostring(T({1, 2})))
  end)

  it('has profiles', function()
    torch.set_printoptions({profile = 'short'})
    assert.are.equal('tensor([0.12, 1.00])', tostring(T({0.12345, 1})))
    torch.set_printoptions({profile = 'full'})
    assert.is_nil(tostring(torch.arange(5000)):find('...', 1, true))
    torch.set_printoptions({profile = 'default'})
    assert.are.equal(4, torch.get_printoptions().precision)
    assert.are.equal(1000, torch.get_printoptions().threshold)
  end)

  it('rejects bad values', function()
    local ok, err = pcall(torch.set_printoptions, {precision = -1})
    assert.is_false(ok)
    assert.truthy(tostring(err):find('precision must be an integer', 1, true))
    ok, err = pcall(torch.set_printoptions, {profile = 'long'})
    assert.is_false(ok)
    assert.truthy(tostring(err):find("unknown profile 'long'", 1, true))
    ok, err = pcall(torch.set_printoptions, {sci_mode = 1})
    assert.is_false(ok)
    assert.truthy(tostring(err):find('sci_mode must be a boolean', 1, true))
  end)
end)
