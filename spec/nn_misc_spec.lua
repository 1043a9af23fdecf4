-- torch.embedding, torch.pad and torch.one_hot (F.embedding, F.pad,
-- F.one_hot): values against PyTorch 1.13 (spec/fixtures/nn_loss_ref.lua),
-- 1-based indices and classes, padding_idx, cropping with negative pads,
-- gradients (PyTorch's values, gradcheck, second derivatives) and errors.
local torch = require 'torch'
local H = require 'spec.helpers'
local R = dofile('spec/fixtures/nn_loss_ref.lua')

local f64 = { dtype = torch.float64 }
local function T(v) return torch.tensor(v, f64) end
local function L(v) return torch.tensor(v, { dtype = torch.int64 }) end

before_each(function() torch.manual_seed(99) end)

local function check(fn, inputs)
  assert.is_true(torch.autograd.gradcheck(fn, inputs))
end

local function check_second(fn, x)
  local v = torch.randn(fn(x).shape, f64):requires_grad_()
  check(function(a, g)
    return torch.autograd.grad({ fn(a) }, { a }, { grad_outputs = { g }, create_graph = true })[1]
  end, { x, v })
end

describe('embedding', function()
  local w, idx = T(R.emb_w), L(R.emb_i)

  it('picks the 1-based rows (PyTorch values), with the index shape in front', function()
    H.assert_tensor(torch.embedding(idx, w), R.emb_out, 0, { 2, 3, 3 })
    H.assert_tensor(torch.embedding(L({ 1, 6 }), w), { R.emb_w[1], R.emb_w[6] }, 0, { 2, 3 })
    H.assert_tensor(torch.embedding(L(2), w), R.emb_w[2], 0, { 3 })
    H.assert_shape(torch.embedding(L({}), w), { 0, 3 })
    H.assert_tensor(torch.embedding(idx:int(), w), R.emb_out, 0)
    H.assert_tensor(torch.embedding(idx:t(), w), H.values(torch.embedding(idx:t():contiguous(), w)), 0, { 3, 2, 3 })
  end)

  it('works for float32 and integer weights and strided weights', function()
    H.assert_tensor(torch.embedding(L({ 3, 1 }), w:float()), { R.emb_w[3], R.emb_w[1] }, 1e-6)
    local wi = torch.tensor({ { 1, 2 }, { 3, 4 } })
    H.assert_tensor(torch.embedding(L({ 2, 2, 1 }), wi), { { 3, 4 }, { 3, 4 }, { 1, 2 } }, 0)
    H.assert_tensor(torch.embedding(L({ 2 }), wi:t()), { { 2, 4 } }, 0)
  end)

  it('accumulates the weight gradient of repeated indices (PyTorch values)', function()
    local wg = w:clone():requires_grad_()
    torch.embedding(idx, wg):backward(T(R.emb_g))
    H.assert_tensor(wg.grad, R.emb_grad, 1e-12)
    assert.are.equal('EmbeddingBackward', torch.embedding(idx, wg).grad_fn)
  end)

  it('gives padding_idx rows no gradient; padding_idx is 1-based or negative', function()
    for _, p in ipairs({ 3, -4 }) do
      local wg = w:clone():requires_grad_()
      torch.embedding(idx, wg, p):backward(T(R.emb_g))
      H.assert_tensor(wg.grad, R.emb_grad_pad3, 1e-12)
      H.assert_tensor(wg.grad[3], { 0, 0, 0 }, 0)
    end
    local wg = w:clone():requires_grad_()
    local out = torch.embedding(idx, wg, { padding_idx = 3 })
    H.assert_tensor(out, R.emb_out, 0) -- the forward is unchanged
    out:backward(T(R.emb_g))
    H.assert_tensor(wg.grad, R.emb_grad_pad3, 1e-12)
  end)

  it('passes gradcheck and has second derivatives', function()
    local wg = torch.randn(5, 4, f64):requires_grad_()
    check(function(a) return torch.embedding(L({ { 1, 5, 5 }, { 2, 1, 5 } }), a) end, { wg })
    -- (padding rows are excluded from gradcheck: their gradient is 0 by definition)
    check(function(a) return torch.embedding(L({ 1, 5, 5, 2 }), a, { padding_idx = 3 }) end, { wg })
    check(function(a) return torch.embedding(L({ 2, 3 }), a:t()) end, { torch.randn(3, 4, f64):requires_grad_() })
    check_second(function(a) return torch.embedding(L({ 1, 3, 3 }), a, { padding_idx = 2 }) * a:sum() end, wg)
  end)

  it('is fast enough on a large gradient with many repeats (parallel columns)', function()
    local big = torch.randn(100, 256):requires_grad_()
    local ids = torch.randint(1, 101, { 2000 })
    torch.embedding(ids, big):sum():backward()
    local counts = torch.zeros(100)
    for i = 1, 2000 do counts[ids[i]] = counts[ids[i]] + 1 end
    H.assert_tensor(big.grad:select(2, 7), H.values(counts), 0)
    H.assert_tensor(big.grad:select(2, 256), H.values(counts), 0)
  end)

  it('names an out-of-range index and its range; rejects bad arguments', function()
    H.assert_error_has(function() torch.embedding(L({ 1, 7 }), w) end, 'embedding: index 7 is out of range 1..6')
    H.assert_error_has(function() torch.embedding(L({ 0 }), w) end, 'index 0 is out of range 1..6', '1-based')
    H.assert_error_has(function() torch.embedding(L({ -1 }), w) end, 'index -1')
    H.assert_error_has(function() torch.embedding(T({ 1 }), w) end, 'embedding', 'int64', 'float64')
    H.assert_error_has(function() torch.embedding(L({ 1 }), T({ 1, 2 })) end, 'weight must be 2-D', '[2]')
    H.assert_error_has(function() torch.embedding(L({ 1 }), w, 7) end, 'padding_idx 7 is out of range 1..6')
    H.assert_error_has(function() torch.embedding(L({ 1 }), w, -7) end, 'padding_idx -7')
    H.assert_error_has(function() torch.embedding(L({ 1 }), w, { padding_idx = 0 }) end, '1-based')
    H.assert_error_has(function() torch.embedding(L({ 1 }), w, { max_norm = 1 }) end, 'max_norm is not supported')
    H.assert_error_has(function() torch.embedding(L({ 1 }), w, { sparse = true }) end, 'sparse')
  end)
end)

describe('pad', function()
  local x = T(R.pad_x)

  it('pads the last dims with a constant (PyTorch values), last dim first', function()
    H.assert_tensor(torch.pad(x, { 1, 2 }), R.pad.p1, 0, { 2, 3, 7 })
    H.assert_tensor(torch.pad(x, { 1, 0, 2, 1 }, 'constant', -1.5), R.pad.p2, 0, { 2, 6, 5 })
    H.assert_tensor(torch.pad(x, { 1, 0, 2, 1 }, { value = -1.5 }), R.pad.p2, 0)
    H.assert_tensor(torch.pad(x, { 1, 0, 2, 1 }, { mode = 'constant', value = -1.5 }), R.pad.p2, 0)
    H.assert_tensor(torch.pad(x, { 0, 1, -1, 1, 1, 0 }), R.pad.p3, 0, { 3, 3, 5 })
  end)

  it('crops with negative pads', function()
    H.assert_tensor(torch.pad(x, { -1, -2, 0, -1 }), R.pad.crop, 0, { 2, 2, 1 })
    H.assert_shape(torch.pad(x, { -2, -2 }), { 2, 3, 0 })
  end)

  it('keeps the dtype and handles empty pads, integers and strided inputs', function()
    local i = torch.tensor({ 1, 2 })
    local p = torch.pad(i, { 1, 1 }, { value = 7 })
    assert.are.equal(torch.int64, p.dtype)
    H.assert_tensor(p, { 7, 1, 2, 7 }, 0)
    H.assert_tensor(torch.pad(x, {}), R.pad_x, 0, { 2, 3, 4 })
    local xt = x:transpose(1, 3)
    H.assert_tensor(torch.pad(xt, { 1, 1 }), H.values(torch.pad(xt:contiguous(), { 1, 1 })), 0, { 4, 3, 4 })
    H.assert_shape(torch.pad(torch.zeros(0, 2), { 1, 1, 1, 1 }), { 2, 4 })
  end)

  it('has the gradient of the kept part (padding and crops), with gradcheck and second derivatives', function()
    local xg = torch.randn(2, 3, 4, f64):requires_grad_()
    local y = torch.pad(xg, { 1, 2, -1, 1 })
    assert.are.equal('ConstantPadNdBackward', y.grad_fn)
    y:sum():backward()
    H.assert_tensor(xg.grad:select(2, 1), H.values(torch.zeros(2, 4)), 0)
    H.assert_tensor(xg.grad:select(2, 2), H.values(torch.ones(2, 4)), 0)
    check(function(a) return torch.pad(a, { 1, 2 }) end, { torch.randn(2, 3, f64):requires_grad_() })
    check(function(a) return torch.pad(a, { -1, 1, 2, -1 }, { value = 3 }) end, { torch.randn(3, 4, f64):requires_grad_() })
    check(function(a) return torch.pad(a:t(), { 0, 1, 1, 0 }) end, { torch.randn(3, 2, f64):requires_grad_() })
    check_second(function(a) return torch.pad(a, { 1, -1 }) * a:sum() end, torch.randn(2, 3, f64):requires_grad_())
  end)

  it('rejects bad pads and unknown modes with clear errors', function()
    H.assert_error_has(function() torch.pad(x, { 1, 2, 3 }) end, 'pad', 'even length', '3')
    H.assert_error_has(function() torch.pad(x, { 1, 1, 1, 1, 1, 1, 1, 1 }) end, 'pad', '8 pads', '3-D')
    H.assert_error_has(function() torch.pad(x, { -3, -2 }) end, 'pad', 'crop more than', '4')
    H.assert_error_has(function() torch.pad(x, { 1.5, 1 }) end, 'pad 1 must be an integer')
    H.assert_error_has(function() torch.pad(x, { 1, 1 }, 'wrap') end, "unknown mode 'wrap'")
  end)
end)

describe('pad with reflect, replicate and circular modes', function()
  it('match PyTorch values and gradients for 1, 2 and 3 padded dims', function()
    local n = 0
    for name, c in pairs(R.pad_mapped) do
      local base = T(R.pad_x)
      local xin = base:reshape(c.shape):clone():requires_grad_()
      local y = torch.pad(xin, c.pads, c.mode)
      H.assert_tensor(y, c.out, 0)
      y:backward(T(c.g))
      H.assert_tensor(xin.grad, c.grad, 1e-12)
      local y2 = torch.pad(xin, c.pads, { mode = c.mode })
      H.assert_tensor(y2, c.out, 0)
      assert.is_truthy(y2.grad_fn:find('Pad%dDBackward'), name)
      n = n + 1
    end
    assert.are.equal(6, n)
  end)

  it('work for float32, integers and strided inputs', function()
    local i = torch.tensor({ { 1, 2, 3 } })
    H.assert_tensor(torch.pad(i, { 2, 2 }, 'reflect'), { { 3, 2, 1, 2, 3, 2, 1 } }, 0)
    H.assert_tensor(torch.pad(i:float(), { 1, 2 }, 'replicate'), { { 1, 1, 2, 3, 3, 3 } }, 0)
    H.assert_tensor(torch.pad(i:t(), { 1, 1 }, 'circular'), { { 1, 1, 1 }, { 2, 2, 2 }, { 3, 3, 3 } }, 0)
    H.assert_tensor(torch.pad(i, { 0, 0 }, 'reflect'), { { 1, 2, 3 } }, 0)
  end)

  it('pass gradcheck and have second derivatives', function()
    local xg = torch.randn(2, 3, 4, f64):requires_grad_()
    for _, mode in ipairs({ 'reflect', 'replicate', 'circular' }) do
      check(function(a) return torch.pad(a, { 2, 1 }, mode) end, { xg })
      check(function(a) return torch.pad(a, { 1, 3, 2, 1 }, mode) end, { xg })
      check(function(a) return torch.pad(a:transpose(2, 3), { 1, 1, 1, 2 }, mode) end, { xg })
      check_second(function(a) return torch.pad(a, { 1, 2 }, mode) * a:sum() end, torch.randn(2, 3, f64):requires_grad_())
    end
  end)

  it('reject pads too large, negative pads, a value, and too many dims', function()
    local x = torch.randn(1, 2, 3)
    H.assert_error_has(function() torch.pad(x, { 3, 0 }, 'reflect') end, 'reflect pads', 'less than the size 3')
    H.assert_error_has(function() torch.pad(x, { 4, 0 }, 'circular') end, 'circular pads', 'at most the size 3')
    H.assert_error_has(function() torch.pad(x, { -1, 0 }, 'replicate') end, "mode 'replicate'", 'negative')
    H.assert_error_has(function() torch.pad(x, { 1, 1 }, 'reflect', 0) end, "mode 'reflect' takes no value")
    H.assert_error_has(function() torch.pad(torch.randn(1, 1, 1, 2, 2), { 1, 1, 1, 1, 1, 1, 1, 1 }, 'replicate') end,
      'last 1, 2 or 3 dims')
    H.assert_error_has(function() torch.pad(torch.zeros(2, 0), { 1, 0 }, 'replicate') end, 'size 0')
  end)
end)

describe('one_hot', function()
  it('puts a 1 at each 1-based class (int64)', function()
    local o = torch.one_hot(L({ 1, 3 }), 3)
    assert.are.equal(torch.int64, o.dtype)
    H.assert_tensor(o, { { 1, 0, 0 }, { 0, 0, 1 } }, 0, { 2, 3 })
    H.assert_tensor(torch.one_hot(L({ 2 }), { num_classes = 4 }), { { 0, 1, 0, 0 } }, 0)
    H.assert_tensor(torch.one_hot(L(2), 2), { 0, 1 }, 0, { 2 })
  end)

  it('infers the number of classes from the largest (omitted or -1)', function()
    H.assert_tensor(torch.one_hot(L({ 2, 4 })), { { 0, 1, 0, 0 }, { 0, 0, 0, 1 } }, 0, { 2, 4 })
    H.assert_shape(torch.one_hot(L({ { 1, 2 }, { 2, 1 } }), -1), { 2, 2, 2 })
    H.assert_tensor(torch.one_hot(torch.tensor({ 3, 1 }, { dtype = torch.int32 })), { { 0, 0, 1 }, { 1, 0, 0 } }, 0)
  end)

  it('handles empty indices when num_classes is given', function()
    H.assert_shape(torch.one_hot(L({}), 5), { 0, 5 })
    H.assert_error_has(function() torch.one_hot(L({})) end, 'one_hot', 'empty', 'num_classes')
  end)

  it('names an out-of-range class and rejects non-integer indices', function()
    H.assert_error_has(function() torch.one_hot(L({ 1, 4 }), 3) end, 'one_hot: class 4 is out of range 1..3')
    H.assert_error_has(function() torch.one_hot(L({ 0, 1 }), 3) end, 'class 0', '1-based')
    H.assert_error_has(function() torch.one_hot(T({ 1 }), 3) end, 'one_hot', 'int64')
    H.assert_error_has(function() torch.one_hot(L({ 1 }), -2) end, 'num_classes')
  end)
end)
