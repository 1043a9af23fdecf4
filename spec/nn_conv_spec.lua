-- torch.linear and torch.conv2d: values against hand-computed cases and
-- PyTorch 1.13 (spec/fixtures/nn_conv_ref.lua, made by gen_nn_conv_ref.py),
-- against a conv built from index_select + matmul on shapes that take every
-- schedule of the C kernel, gradcheck in float64 (first and second order),
-- strided/unbatched/'same'/'valid' inputs, zero-size batches and every error.
local torch = require 'torch'
local H = require 'spec.helpers'
local R = dofile('spec/fixtures/nn_conv_ref.lua')

local f64 = { dtype = torch.float64 }

-- The generator's inputs: sin(0.37 * arange(numel) + seed).
local function mk(shape, seed, dtype)
  local n = 1
  for _, s in ipairs(shape) do n = n * s end
  local t = (torch.arange(n, f64) * 0.37 + seed):sin():reshape(shape)
  if dtype and dtype ~= torch.float64 then t = t:to(dtype) end
  return t
end

local function leaf(shape)
  return torch.randn(shape, f64):requires_grad_()
end

local function check(fn, inputs)
  assert.is_true(torch.autograd.gradcheck(fn, inputs))
end

-- gradcheck of the gradients themselves (a second derivative): the function
-- returns d(sum(out^2))/d(inputs), built with create_graph.
local function check_double(fn, inputs)
  assert.is_true(torch.autograd.gradcheck(function(...)
    local ins = { ... }
    local out = fn(...)
    return table.unpack(torch.autograd.grad({ (out * out):sum() }, ins, { create_graph = true }))
  end, inputs))
end

local function close(a, b, tol)
  assert.are.same(a.shape, b.shape)
  H.assert_tensor(a, H.values(b), tol or 1e-12)
end

local function shape_of(t)
  local s = {}
  for i, v in ipairs(t.shape) do s[i] = v end
  return s
end

-- A conv2d built from index_select and matmul: independent of the C kernel,
-- differentiable, any stride/padding/dilation/groups.
local function ref_conv(x, w, b, stride, padding, dilation, groups)
  local function idx(start, step, n)
    local t = {}
    for i = 0, n - 1 do t[#t + 1] = start + i * step + 1 end
    return torch.tensor(t, { dtype = torch.int64 })
  end
  local N, C, Hh, W = table.unpack(shape_of(x))
  local O, Cg, KH, KW = table.unpack(shape_of(w))
  local sh, sw, ph, pw, dh, dw = stride[1], stride[2], padding[1], padding[2], dilation[1], dilation[2]
  local dt = { dtype = x.dtype }
  local xp = x
  if ph > 0 then xp = torch.cat({ torch.zeros(N, C, ph, W, dt), xp, torch.zeros(N, C, ph, W, dt) }, 3) end
  if pw > 0 then
    xp = torch.cat({ torch.zeros(N, C, Hh + 2 * ph, pw, dt), xp, torch.zeros(N, C, Hh + 2 * ph, pw, dt) }, 4)
  end
  local OH = (Hh + 2 * ph - dh * (KH - 1) - 1) // sh + 1
  local OW = (W + 2 * pw - dw * (KW - 1) - 1) // sw + 1
  local Og = O // groups
  local parts = {}
  for gi = 0, groups - 1 do
    local xg = xp:narrow(2, gi * Cg + 1, Cg)
    local wg = w:narrow(1, gi * Og + 1, Og)
    local acc
    for ki = 0, KH - 1 do
      for kj = 0, KW - 1 do
        local sl = xg:index_select(3, idx(ki * dh, sh, OH)):index_select(4, idx(kj * dw, sw, OW))
        local t = torch.matmul(wg:select(4, kj + 1):select(3, ki + 1), sl:reshape(N, Cg, OH * OW))
        acc = acc and acc + t or t
      end
    end
    parts[#parts + 1] = acc:reshape(N, Og, OH, OW)
  end
  local out = #parts == 1 and parts[1] or torch.cat(parts, 2)
  if b then out = out + b:reshape(1, O, 1, 1) end
  return out
end

-- Output and all three gradients of torch.conv2d against ref_conv (float64).
local function against_reference(xs, ws, stride, padding, dilation, groups)
  local x, w, b = leaf(xs), leaf(ws), leaf({ ws[1] })
  local y = torch.conv2d(x, w, b, stride, padding, dilation, groups)
  local g = torch.randn(y.shape, f64)
  y:backward(g)
  local gx, gw, gb = x.grad, w.grad, b.grad
  x.grad, w.grad, b.grad = nil, nil, nil
  local yr = ref_conv(x, w, b, stride, padding, dilation, groups)
  yr:backward(g)
  close(y, yr, 1e-11)
  close(gx, x.grad, 1e-11)
  close(gw, w.grad, 1e-11)
  close(gb, b.grad, 1e-11)
  -- float32 (other kernels for few output channels) agrees to float32 precision,
  -- with and without the input's gradient
  local function near(a, want)
    assert.are.equal(torch.float32, a.dtype)
    assert.are.same(shape_of(a), shape_of(want))
    local err, scale = (a:double() - want):abs():max():item(), want:abs():max():item()
    assert(err <= 1e-5 * scale, string.format('float32 error %g at scale %g', err, scale))
  end
  local x32, w32 = x:detach():float():requires_grad_(), w:detach():float():requires_grad_()
  local b32 = b:detach():float():requires_grad_()
  local y32 = torch.conv2d(x32, w32, b32, stride, padding, dilation, groups)
  y32:backward(g:float())
  near(y32, yr)
  near(x32.grad, x.grad)
  near(w32.grad, w.grad)
  near(b32.grad, b.grad)
  local w32b = w:detach():float():requires_grad_()
  torch.conv2d(x:detach():float(), w32b, nil, stride, padding, dilation, groups):backward(g:float())
  near(w32b.grad, w.grad)
end

-- Checks a case of the fixture: output and gradients for g = mk(out.shape, 0.3).
local function against_fixture(ref, xs, ws, bias, conv)
  local x = mk(xs, 0.1):requires_grad_()
  local w = mk(ws, 0.5):requires_grad_()
  local b = bias and mk({ ws[1] }, 0.9):requires_grad_() or nil
  local y = conv(x, w, b)
  H.assert_tensor(y, ref.y, 1e-12, ref.shape)
  y:backward(mk(ref.shape, 0.3))
  H.assert_tensor(x.grad, ref.gx, 1e-12, xs)
  H.assert_tensor(w.grad, ref.gw, 1e-12, ws)
  if bias then H.assert_tensor(b.grad, ref.gb, 1e-12, { ws[1] }) end
  -- float32 run: same values to float32 precision
  local y32 = conv(mk(xs, 0.1, torch.float32), mk(ws, 0.5, torch.float32),
    bias and mk({ ws[1] }, 0.9, torch.float32) or nil)
  assert.are.equal(torch.float32, y32.dtype)
  H.assert_tensor(y32, ref.y, 1e-5, ref.shape)
end

describe('linear', function()
  it('computes x @ W^T + b (hand-computed)', function()
    local x = torch.tensor({ { 1, 2 }, { 3, 4 } }, f64)
    local w = torch.tensor({ { 1, 0 }, { 0, 1 }, { 1, 1 } }, f64)
    local b = torch.tensor({ 0.5, -1, 2 }, f64)
    H.assert_tensor(torch.linear(x, w, b), { { 1.5, 1, 5 }, { 3.5, 3, 9 } }, 1e-15, { 2, 3 })
    H.assert_tensor(torch.linear(x, w), { { 1, 2, 3 }, { 3, 4, 7 } }, 1e-15, { 2, 3 })
    H.assert_tensor(torch.linear(x, w, nil), { { 1, 2, 3 }, { 3, 4, 7 } }, 1e-15, { 2, 3 })
    H.assert_tensor(torch.linear(x, w, { bias = b }), { { 1.5, 1, 5 }, { 3.5, 3, 9 } }, 1e-15)
    -- float32
    local y = torch.linear(x:float(), w:float(), b:float())
    assert.are.equal(torch.float32, y.dtype)
    H.assert_tensor(y, { { 1.5, 1, 5 }, { 3.5, 3, 9 } }, 1e-7)
  end)

  it('takes a 1-D input and any number of leading dims', function()
    local w = torch.tensor({ { 1, 2, 3 }, { -1, 0, 1 } }, f64)
    local b = torch.tensor({ 10, 20 }, f64)
    H.assert_tensor(torch.linear(torch.tensor({ 1, 1, 2 }, f64), w, b), { 19, 21 }, 1e-15, { 2 })
    local x = torch.arange(24, f64):reshape(2, 4, 3)
    local y = torch.linear(x, w, b)
    H.assert_shape(y, { 2, 4, 2 })
    close(y, torch.matmul(x, w:t()) + b)
  end)

  it('matches PyTorch, output and gradients', function()
    local r = R.linear
    local x = mk({ 2, 3, 4 }, 0.1):requires_grad_()
    local w = mk({ 5, 4 }, 0.5):requires_grad_()
    local b = mk({ 5 }, 0.9):requires_grad_()
    local y = torch.linear(x, w, b)
    H.assert_tensor(y, r.y, 1e-12, r.shape)
    y:backward(mk(r.shape, 0.3))
    H.assert_tensor(x.grad, r.gx, 1e-12, { 2, 3, 4 })
    H.assert_tensor(w.grad, r.gw, 1e-12, { 5, 4 })
    H.assert_tensor(b.grad, r.gb, 1e-12, { 5 })
    assert.are.equal('LinearBackward', y.grad_fn)
  end)

  it('reads non-contiguous inputs and weights', function()
    local base = torch.randn(4, 3, 5, f64)
    local x = base:transpose(1, 3) -- [5, 3, 4], strided
    local w = torch.randn(4, 6, f64):t() -- [6, 4], transposed
    local wn = torch.randn(6, 8, f64):narrow(2, 2, 4) -- [6, 4], rows with stride 8
    local b = torch.randn(12, f64):narrow(1, 1, 12):view(6, 2):select(2, 1) -- stride 2
    local want = torch.matmul(x:contiguous(), w:contiguous():t()) + b:contiguous()
    close(torch.linear(x, w, b), want)
    close(torch.linear(x, wn, b), torch.matmul(x:contiguous(), wn:contiguous():t()) + b:contiguous())
    close(torch.linear(x:contiguous(), w, b), want)
  end)

  it('passes gradcheck: 2-D, 3-D strided, 1-D, without bias', function()
    local w, b = leaf({ 3, 4 }), leaf({ 3 })
    check(function(x, ww, bb) return torch.linear(x, ww, bb) end, { leaf({ 2, 4 }), w, b })
    check(function(x, ww, bb) return torch.linear(x, ww, bb) end, { leaf({ 4, 2, 3 }):transpose(1, 3), w, b })
    check(function(x, ww, bb) return torch.linear(x, ww, bb) end, { leaf({ 4 }), w, b })
    check(function(x, ww) return torch.linear(x, ww) end, { leaf({ 5, 4 }), w })
    check(function(x, ww, bb) return torch.linear(x, ww, bb) end, { leaf({ 5, 4 }), leaf({ 4, 3 }):t(), b })
  end)

  it('gives only the gradients asked for', function()
    local x, w = leaf({ 2, 4 }), torch.randn(3, 4, f64)
    local b = torch.randn(3, f64):requires_grad_()
    torch.linear(x, w, b):sum():backward()
    assert.is_nil(w.grad)
    H.assert_tensor(b.grad, { 2, 2, 2 }, 1e-15)
    close(x.grad, torch.ones(2, 3, f64):mm(w))
    -- a float32 seed for a float64 output: float64 gradients
    local x2 = leaf({ 2, 4 })
    torch.linear(x2, w):backward(torch.ones(2, 3))
    assert.are.equal(torch.float64, x2.grad.dtype)
    close(x2.grad, torch.ones(2, 3, f64):mm(w))
  end)

  it('has a second derivative (create_graph)', function()
    check_double(function(x, w, b) return torch.linear(x, w, b) end, { leaf({ 3, 4 }), leaf({ 2, 4 }), leaf({ 2 }) })
    check_double(function(x, w) return torch.linear(x, w):tanh() end, { leaf({ 2, 2, 3 }), leaf({ 4, 3 }) })
    local x, w = leaf({ 2, 3 }), leaf({ 4, 3 })
    local g = torch.autograd.grad({ torch.linear(x, w):pow(2):sum() }, { w }, { create_graph = true })[1]
    assert.is_true(g.requires_grad)
  end)

  it('handles zero-size batches and zero features', function()
    local w, b = leaf({ 3, 4 }), leaf({ 3 })
    local x = torch.zeros(0, 4, f64):requires_grad_()
    local y = torch.linear(x, w, b)
    H.assert_shape(y, { 0, 3 })
    y:sum():backward()
    H.assert_tensor(w.grad, { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, 0, { 3, 4 })
    H.assert_tensor(b.grad, { 0, 0, 0 }, 0, { 3 })
    H.assert_shape(x.grad, { 0, 4 })
    -- no input features: the bias alone
    H.assert_tensor(torch.linear(torch.zeros(2, 0), torch.zeros(3, 0), torch.tensor({ 1.0, 2.0, 3.0 })),
      { { 1, 2, 3 }, { 1, 2, 3 } }, 0, { 2, 3 })
  end)

  it('names the op and the shapes in its errors', function()
    H.assert_error_has(function() torch.linear(torch.zeros(4, 10), torch.zeros(5, 20)) end,
      'linear: input [4, 10] and weight [5, 20] do not match (10 ~= 20)')
    H.assert_error_has(function() torch.linear(torch.zeros(4, 10), torch.zeros(10)) end,
      'linear: expected a 2-D weight', 'weight [10]')
    H.assert_error_has(function() torch.linear(torch.zeros(4, 10), torch.zeros(5, 10), torch.zeros(4)) end,
      'linear: expected bias of shape [5]', 'bias [4]')
    H.assert_error_has(function() torch.linear(torch.zeros(4, 10), torch.zeros(5, 10), torch.zeros(1, 5)) end,
      'linear: expected bias of shape [5]', 'bias [1, 5]')
    H.assert_error_has(function() torch.linear(torch.zeros(2, { dtype = torch.int64 }), torch.zeros(1, 2)) end,
      'linear: expected a float32 or float64 input, got int64')
    H.assert_error_has(function() torch.linear(torch.zeros(2), torch.zeros(1, 2, f64)) end,
      'linear: expected input and weight to have the same dtype, got float32 and float64')
    H.assert_error_has(function() torch.linear(torch.zeros(2), torch.zeros(1, 2), torch.zeros(1, f64)) end,
      'linear: expected input, weight and bias to have the same dtype, got float32, float32 and float64')
    H.assert_error_has(function() torch.linear(torch.tensor(1.0), torch.zeros(1, 1)) end,
      'linear: expected an input with at least 1 dim')
  end)
end)

describe('conv2d', function()
  -- 1..9 in a 3x3 image
  local img = torch.arange(1, 10, f64):reshape(1, 1, 3, 3)

  it('computes hand-computed cases: plain, bias, padding, stride, dilation', function()
    local w = torch.tensor({ { { { 1, 0 }, { 0, 1 } } } }, f64) -- x[i, j] + x[i + 1, j + 1]
    H.assert_tensor(torch.conv2d(img, w), { 6, 8, 12, 14 }, 1e-15, { 1, 1, 2, 2 })
    H.assert_tensor(torch.conv2d(img, w, torch.tensor({ 1 }, f64)), { 7, 9, 13, 15 }, 1e-15, { 1, 1, 2, 2 })
    H.assert_tensor(torch.conv2d(img, w, nil, 1, 1),
      { 1, 2, 3, 0, 4, 6, 8, 3, 7, 12, 14, 6, 0, 7, 8, 9 }, 1e-15, { 1, 1, 4, 4 })
    H.assert_tensor(torch.conv2d(img, w, nil, 2, 1), { 1, 3, 7, 14 }, 1e-15, { 1, 1, 2, 2 })
    -- dilation 2: x[i, j] + x[i + 2, j + 2] at the one position that fits
    H.assert_tensor(torch.conv2d(img, w, nil, 1, 0, 2), { 10 }, 1e-15, { 1, 1, 1, 1 })
    -- two output channels, one sums the 2x2 window, one takes its top left
    local w2 = torch.tensor({ { { { 1, 1 }, { 1, 1 } } }, { { { 1, 0 }, { 0, 0 } } } }, f64)
    H.assert_tensor(torch.conv2d(img, w2, torch.tensor({ 0, 100 }, f64)),
      { 12, 16, 24, 28, 101, 102, 104, 105 }, 1e-15, { 1, 2, 2, 2 })
  end)

  it('matches PyTorch with stride, padding and dilation', function()
    against_fixture(R.strided, { 2, 3, 5, 6 }, { 4, 3, 3, 2 }, true, function(x, w, b)
      return torch.conv2d(x, w, b, { 2, 1 }, { 1, 0 }, { 1, 2 })
    end)
  end)

  it('matches PyTorch with groups (options table)', function()
    against_fixture(R.grouped, { 1, 4, 5, 5 }, { 6, 2, 2, 3 }, true, function(x, w, b)
      return torch.conv2d(x, w, b, { padding = { 1, 2 }, dilation = { 2, 1 }, groups = 2 })
    end)
  end)

  it('matches PyTorch depthwise (groups = channels)', function()
    against_fixture(R.depthwise, { 2, 3, 6, 5 }, { 3, 1, 3, 3 }, true, function(x, w, b)
      return torch.conv2d(x, w, b, 2, 1, 1, 3)
    end)
  end)

  it("matches PyTorch for an unbatched input with padding 'same' and an even kernel", function()
    against_fixture(R.same_unbatched, { 2, 5, 4 }, { 3, 2, 2, 4 }, false, function(x, w, b)
      return torch.conv2d(x, w, b, { padding = 'same', dilation = { 1, 2 } })
    end)
  end)

  it('agrees with a conv built from matmul on every schedule of the kernel', function()
    -- several samples, a small weight: samples spread over threads, gemms cut in blocks
    against_reference({ 3, 8, 20, 18 }, { 32, 8, 5, 5 }, { 1, 1 }, { 2, 2 }, { 1, 1 }, 1)
    -- a bigger weight: the batched schedule (chunks of samples, one gemm per chunk)
    against_reference({ 3, 16, 12, 12 }, { 64, 16, 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 1 }, 1)
    against_reference({ 2, 20, 9, 7 }, { 120, 20, 3, 3 }, { 2, 1 }, { 1, 0 }, { 1, 2 }, 1)
    against_reference({ 2, 16, 9, 9 }, { 240, 8, 5, 5 }, { 1, 1 }, { 2, 2 }, { 1, 1 }, 2)
    -- one sample
    against_reference({ 1, 16, 12, 12 }, { 64, 16, 3, 3 }, { 2, 1 }, { 1, 0 }, { 1, 2 }, 1)
    -- groups, stride, dilation together
    against_reference({ 4, 12, 11, 9 }, { 12, 3, 3, 3 }, { 2, 2 }, { 1, 1 }, { 2, 2 }, 4)
    -- 1x1: the input itself is the gemm operand
    against_reference({ 5, 8, 9, 9 }, { 16, 8, 1, 1 }, { 1, 1 }, { 0, 0 }, { 1, 1 }, 1)
    against_reference({ 5, 8, 9, 9 }, { 16, 4, 1, 1 }, { 1, 1 }, { 0, 0 }, { 1, 1 }, 2)
    -- 1x1 with stride or padding takes the general path
    against_reference({ 2, 4, 7, 7 }, { 6, 4, 1, 1 }, { 2, 2 }, { 1, 0 }, { 1, 1 }, 1)
    -- a kernel as large as the padded input
    against_reference({ 2, 3, 4, 5 }, { 2, 3, 6, 5 }, { 1, 1 }, { 1, 0 }, { 1, 1 }, 1)
  end)

  it('agrees with the reference on the shapes of the direct float32 kernels (4 to 16 channels per group)', function()
    -- LeNet's layers (6 and 16 output channels)
    against_reference({ 4, 3, 32, 32 }, { 6, 3, 5, 5 }, { 1, 1 }, { 0, 0 }, { 1, 1 }, 1)
    against_reference({ 4, 6, 14, 14 }, { 16, 6, 5, 5 }, { 1, 1 }, { 0, 0 }, { 1, 1 }, 1)
    -- padding (a zero-bordered copy), stride, dilation, odd channel counts
    against_reference({ 3, 5, 11, 9 }, { 12, 5, 3, 3 }, { 2, 1 }, { 1, 2 }, { 1, 2 }, 1)
    against_reference({ 3, 4, 13, 12 }, { 9, 4, 4, 3 }, { 3, 2 }, { 0, 1 }, { 1, 1 }, 1)
    against_reference({ 2, 2, 6, 23 }, { 4, 2, 2, 2 }, { 1, 1 }, { 1, 1 }, { 1, 1 }, 1)
    -- groups of 8 and of 4 output channels, one sample, a 1x1 kernel
    against_reference({ 2, 8, 9, 10 }, { 16, 4, 3, 2 }, { 1, 2 }, { 2, 1 }, { 2, 1 }, 2)
    against_reference({ 1, 6, 8, 8 }, { 12, 2, 3, 3 }, { 1, 1 }, { 1, 1 }, { 1, 1 }, 3)
    against_reference({ 3, 4, 7, 7 }, { 5, 4, 1, 1 }, { 1, 1 }, { 0, 0 }, { 1, 1 }, 1)
  end)

  it('gives the same results on one thread (where samples are not spread over threads)', function()
    local threads = torch.get_num_threads()
    local x, w, b = torch.randn(6, 4, 10, 10, f64), torch.randn(20, 4, 3, 3, f64), torch.randn(20, f64)
    local xr = x:clone():requires_grad_()
    local wr = w:clone():requires_grad_()
    local y = torch.conv2d(xr, wr, b, 1, 1)
    y:backward(torch.ones(y.shape))
    torch.set_num_threads(1)
    local ok, err = pcall(function()
      local x1 = x:clone():requires_grad_()
      local w1 = w:clone():requires_grad_()
      local y1 = torch.conv2d(x1, w1, b, 1, 1)
      y1:backward(torch.ones(y1.shape))
      H.assert_tensor(y1, H.values(y), 1e-12)
      H.assert_tensor(x1.grad, H.values(xr.grad), 1e-12)
      H.assert_tensor(w1.grad, H.values(wr.grad), 1e-12)
    end)
    torch.set_num_threads(threads)
    assert(ok, err)
  end)

  it('reads non-contiguous inputs, weights, biases and gradients', function()
    local x = torch.randn(2, 9, 8, 3, f64):permute(1, 4, 2, 3) -- [2, 3, 9, 8] from NHWC memory
    local w = torch.randn(4, 3, 2, 3, f64):transpose(3, 4)   -- [4, 3, 3, 2]
    local b = torch.randn(8, f64):view(4, 2):select(2, 2)    -- stride 2
    assert.is_false(x:is_contiguous())
    local want = ref_conv(x:contiguous(), w:contiguous(), b:contiguous(), { 2, 1 }, { 1, 1 }, { 1, 2 }, 1)
    close(torch.conv2d(x, w, b, { 2, 1 }, { 1, 1 }, { 1, 2 }), want, 1e-12)
    -- H and W swapped, a stepped view
    local xt = torch.randn(2, 3, 8, 9, f64):transpose(3, 4)
    close(torch.conv2d(xt, w, b), ref_conv(xt:contiguous(), w:contiguous(), b, { 1, 1 }, { 0, 0 }, { 1, 1 }, 1), 1e-12)
    local xs = torch.randn(2, 6, 9, 8, f64):narrow(2, 2, 3)
    close(torch.conv2d(xs, w, b, 1, 1), ref_conv(xs:contiguous(), w:contiguous(), b, { 1, 1 }, { 1, 1 }, { 1, 1 }, 1),
      1e-12)
    -- float32 (the direct kernels read strided inputs in place)
    local x32 = x:float()
    H.assert_tensor(torch.conv2d(x32, w:float(), b:float(), { 2, 1 }, { 1, 1 }, { 1, 2 }), H.values(want), 1e-5)
    H.assert_tensor(torch.conv2d(x32, w:float(), b:float(), 1, 0), H.values(
      ref_conv(x:contiguous(), w:contiguous(), b:contiguous(), { 1, 1 }, { 0, 0 }, { 1, 1 }, 1)), 1e-5)
    -- pointwise conv on a permuted (channels-last) input
    local w1 = torch.randn(5, 3, 1, 1, f64)
    close(torch.conv2d(x, w1), ref_conv(x:contiguous(), w1, nil, { 1, 1 }, { 0, 0 }, { 1, 1 }, 1), 1e-12)
    -- gradients of strided inputs, with a broadcast (expanded) upstream gradient
    local xl = torch.randn(2, 9, 8, 3, f64):requires_grad_()
    local wl = leaf({ 4, 3, 3, 2 })
    torch.conv2d(xl:permute(1, 4, 2, 3), wl, nil, 1, 1):sum():backward()
    local xc = xl:detach():permute(1, 4, 2, 3):contiguous():requires_grad_()
    local wc = wl:detach():clone():requires_grad_()
    ref_conv(xc, wc, nil, { 1, 1 }, { 1, 1 }, { 1, 1 }, 1):sum():backward()
    close(xl.grad:permute(1, 4, 2, 3), xc.grad, 1e-11)
    close(wl.grad, wc.grad, 1e-11)
  end)

  it('passes gradcheck over stride, padding, dilation and groups', function()
    local function conv_fn(...)
      local args = { ... }
      return function(x, w, b) return torch.conv2d(x, w, b, table.unpack(args)) end
    end
    check(conv_fn(), { leaf({ 2, 2, 4, 5 }), leaf({ 3, 2, 2, 3 }), leaf({ 3 }) })
    check(conv_fn({ 2, 1 }, { 1, 2 }), { leaf({ 1, 2, 5, 4 }), leaf({ 2, 2, 3, 2 }), leaf({ 2 }) })
    check(conv_fn(1, 1, { 2, 1 }), { leaf({ 2, 1, 5, 5 }), leaf({ 2, 1, 2, 3 }), leaf({ 2 }) })
    check(conv_fn(2, 1, 2, 2), { leaf({ 1, 4, 5, 6 }), leaf({ 4, 2, 2, 2 }), leaf({ 4 }) })
    check(conv_fn(1, 0, 1, 3), { leaf({ 2, 3, 3, 3 }), leaf({ 3, 1, 2, 2 }), leaf({ 3 }) })
    check(conv_fn(), { leaf({ 2, 3, 3, 4 }), leaf({ 2, 3, 1, 1 }), leaf({ 2 }) }) -- 1x1
    check(conv_fn(3, 2), { leaf({ 1, 2, 7, 5 }), leaf({ 2, 2, 3, 3 }) })          -- no bias
    check(conv_fn(1, 1), { leaf({ 2, 4, 3 }), leaf({ 3, 2, 2, 2 }), leaf({ 3 }) }) -- unbatched
    check(function(x, w, b) return torch.conv2d(x, w, b, { padding = 'same' }) end,
      { leaf({ 1, 2, 4, 3 }), leaf({ 2, 2, 2, 3 }), leaf({ 2 }) })
    check(function(x, w, b) return torch.conv2d(x:transpose(3, 4), w, b, 1, 1) end,
      { leaf({ 2, 2, 3, 4 }), leaf({ 2, 2, 2, 2 }), leaf({ 2 }) })
  end)

  it('has gradients of any order (create_graph)', function()
    check_double(function(x, w, b) return torch.conv2d(x, w, b, { 2, 1 }, { 1, 0 }, { 1, 2 }, 2) end,
      { leaf({ 2, 4, 6, 5 }), leaf({ 4, 2, 3, 2 }), leaf({ 4 }) })
    check_double(function(x, w, b) return torch.conv2d(x, w, b, 1, 1):sigmoid() end,
      { leaf({ 1, 2, 4, 4 }), leaf({ 3, 2, 3, 3 }), leaf({ 3 }) })
    check_double(function(x, w) return torch.conv2d(x, w) end, { leaf({ 2, 3, 3 }), leaf({ 2, 2, 2, 2 }) })
    local x = leaf({ 1, 1, 4, 4 })
    local w = leaf({ 1, 1, 2, 2 })
    local gx = torch.autograd.grad({ torch.conv2d(x, w):pow(3):sum() }, { x }, { create_graph = true })[1]
    assert.are.equal('ConvolutionBackwardBackward', gx.grad_fn)
    -- third order against PyTorch (inputs from mk): d/dx sum(d/dw sum(d/dx sum(conv(x, w)^3)))
    local a = mk({ 1, 1, 4, 4 }, 0.1):requires_grad_()
    local k = mk({ 1, 1, 2, 2 }, 0.5):requires_grad_()
    local g1 = torch.autograd.grad({ torch.conv2d(a, k):pow(3):sum() }, { a }, { create_graph = true })[1]
    local g2 = torch.autograd.grad({ g1:sum() }, { k }, { create_graph = true })[1]
    local g3 = torch.autograd.grad({ g2:sum() }, { a })[1]
    H.assert_tensor(g3, { 92.2523089041831, 220.936823128238, 225.17814106165, 124.136228551408,
      185.708878731324, 370.096211955384, 291.719952257658, 116.860399609947, -11.5994630838168,
      -113.314794056508, -243.763302149187, -168.088605804152, -126.664548686443, -280.087697722116,
      -304.63417595146, -156.249039550446 }, 1e-10, { 1, 1, 4, 4 })
  end)

  it('records ConvolutionBackward and gives only the gradients asked for', function()
    local x = torch.randn(2, 3, 5, 5, f64)
    local w, b = leaf({ 4, 3, 3, 3 }), torch.randn(4, f64)
    local y = torch.conv2d(x, w, b)
    assert.are.equal('ConvolutionBackward', y.grad_fn)
    y:sum():backward()
    assert.is_nil(x.grad)
    H.assert_shape(w.grad, { 4, 3, 3, 3 })
    -- a float32 seed for a float64 output: float64 gradients, the same values
    local w2 = w:detach():clone():requires_grad_()
    torch.conv2d(x, w2, b):backward(torch.ones(2, 4, 3, 3))
    assert.are.equal(torch.float64, w2.grad.dtype)
    close(w2.grad, w.grad, 1e-12)
    -- with a modified input the saved tensors are stale
    local x2 = torch.randn(1, 3, 5, 5, f64)
    local y2 = torch.conv2d(x2, w)
    x2:add_(1)
    H.assert_error_has(function() y2:sum():backward() end, 'ConvolutionBackward', 'modified by an in-place operation')
  end)

  it('takes unbatched [C, H, W] inputs and gives unbatched outputs', function()
    local x, w, b = torch.randn(3, 7, 6, f64), torch.randn(4, 3, 3, 2, f64), torch.randn(4, f64)
    local y = torch.conv2d(x, w, b, { 2, 1 }, 1)
    H.assert_shape(y, { 4, 4, 7 })
    close(y, torch.conv2d(x:unsqueeze(1), w, b, { 2, 1 }, 1):squeeze(1))
    local xl = x:clone():requires_grad_()
    torch.conv2d(xl, w, b, { 2, 1 }, 1):sum():backward()
    H.assert_shape(xl.grad, { 3, 7, 6 })
    -- float32, with the weight's gradient
    local w32 = w:float():requires_grad_()
    local y32 = torch.conv2d(x:float(), w32, b:float(), { 2, 1 }, 1)
    H.assert_tensor(y32, H.values(y), 1e-5, { 4, 4, 7 })
    y32:sum():backward()
    local w64 = w:clone():requires_grad_()
    torch.conv2d(x, w64, b, { 2, 1 }, 1):sum():backward()
    H.assert_tensor(w32.grad, H.values(w64.grad), 1e-5, { 4, 3, 3, 2 })
  end)

  it("supports padding 'valid' and 'same' (odd, even and dilated kernels)", function()
    local x, b = torch.randn(2, 3, 7, 6, f64), torch.randn(4, f64)
    local w = torch.randn(4, 3, 3, 5, f64)
    close(torch.conv2d(x, w, b, 1, 'valid'), torch.conv2d(x, w, b))
    close(torch.conv2d(x, w, b, { padding = 'valid' }), torch.conv2d(x, w, b))
    close(torch.conv2d(x, w, b, 1, 'same'), torch.conv2d(x, w, b, 1, { 1, 2 }))
    H.assert_shape(torch.conv2d(x, w, b, { padding = 'same', dilation = 2 }), { 2, 4, 7, 6 })
    -- even kernel: PyTorch pads total = k - 1 with the extra row/column at the bottom/right
    local we = torch.randn(4, 3, 2, 4, f64)
    local ys = torch.conv2d(x, we, b, { padding = 'same' })
    H.assert_shape(ys, { 2, 4, 7, 6 })
    local xp = torch.cat({ x, torch.zeros(2, 3, 1, 6, f64) }, 3)                            -- bottom 1
    xp = torch.cat({ torch.zeros(2, 3, 8, 1, f64), xp, torch.zeros(2, 3, 8, 2, f64) }, 4)  -- left 1, right 2
    close(ys, torch.conv2d(xp, we, b), 1e-12)
  end)

  it('accepts stride, padding and dilation positionally or as options, as integers or pairs', function()
    local x, w, b = torch.randn(1, 2, 9, 8, f64), torch.randn(3, 2, 2, 3, f64), torch.randn(3, f64)
    local want = ref_conv(x, w, b, { 2, 3 }, { 1, 0 }, { 2, 1 }, 1)
    close(torch.conv2d(x, w, b, { 2, 3 }, { 1, 0 }, { 2, 1 }), want, 1e-12)
    close(torch.conv2d(x, w, b, { stride = { 2, 3 }, padding = { 1, 0 }, dilation = { 2, 1 } }), want, 1e-12)
    close(torch.conv2d(x, w, b, { 2, 3 }, { padding = { 1, 0 }, dilation = { 2, 1 } }), want, 1e-12)
    close(torch.conv2d(x, w, nil, { stride = 2 }), ref_conv(x, w, nil, { 2, 2 }, { 0, 0 }, { 1, 1 }, 1), 1e-12)
    close(torch.conv2d(x, w, { bias = b, stride = 2 }), ref_conv(x, w, b, { 2, 2 }, { 0, 0 }, { 1, 1 }, 1), 1e-12)
    close(torch.conv2d(x, w, b, 2, 1, 1, 1), ref_conv(x, w, b, { 2, 2 }, { 1, 1 }, { 1, 1 }, 1), 1e-12)
  end)

  it('works with a zero-size batch', function()
    local x = torch.zeros(0, 3, 6, 6, f64):requires_grad_()
    local w, b = leaf({ 2, 3, 3, 3 }), leaf({ 2 })
    local y = torch.conv2d(x, w, b, 1, 1)
    H.assert_shape(y, { 0, 2, 6, 6 })
    y:sum():backward()
    H.assert_shape(x.grad, { 0, 3, 6, 6 })
    assert.are.equal(0, w.grad:abs():sum():item())
    H.assert_shape(w.grad, { 2, 3, 3, 3 })
    H.assert_tensor(b.grad, { 0, 0 }, 0)
    H.assert_shape(torch.conv2d(torch.zeros(0, 3, 6, 6), torch.zeros(2, 3, 3, 3)), { 0, 2, 4, 4 })
  end)

  it('names the op and the shapes in its errors', function()
    local x, w = torch.zeros(4, 4, 32, 32), torch.zeros(6, 3, 5, 5)
    H.assert_error_has(function() torch.conv2d(x, w) end,
      'conv2d: expected input with 3 channels (weight [6, 3, 5, 5]), got input [4, 4, 32, 32]')
    H.assert_error_has(function() torch.conv2d(torch.zeros(1, 6, 8, 8), torch.zeros(4, 2, 3, 3), nil, 1, 0, 1, 2) end,
      'conv2d: expected input with 4 channels (weight [4, 2, 3, 3], groups 2), got input [1, 6, 8, 8]')
    H.assert_error_has(function() torch.conv2d(torch.zeros(1, 3, 8, 8), torch.zeros(4, 1, 3, 3), nil, 1, 0, 1, 2) end,
      'conv2d: input channels (3) must be divisible by groups (2)', 'input [1, 3, 8, 8]')
    H.assert_error_has(function() torch.conv2d(torch.zeros(1, 4, 8, 8), torch.zeros(3, 2, 3, 3), nil, 1, 0, 1, 2) end,
      'conv2d: out channels (3) of weight [3, 2, 3, 3] must be divisible by groups (2)')
    H.assert_error_has(function() torch.conv2d(torch.zeros(1, 4, 8, 8), torch.zeros(4, 4, 3, 3), nil, 1, 0, 1, 0) end,
      'conv2d: groups must be positive, got 0')
    H.assert_error_has(function() torch.conv2d(torch.zeros(1, 3, 8, 8), torch.zeros(6, 3, 5)) end,
      'conv2d: expected a 4-D weight', 'got weight [6, 3, 5]')
    H.assert_error_has(function() torch.conv2d(torch.zeros(3, 8), torch.zeros(6, 3, 5, 5)) end,
      'conv2d: expected a 3-D (unbatched) or 4-D (batched) input, got input [3, 8]')
    H.assert_error_has(function() torch.conv2d(torch.zeros(1, 3, 8, 8), torch.zeros(6, 3, 3, 3), torch.zeros(5)) end,
      'conv2d: expected bias of shape [6] (weight [6, 3, 3, 3]), got bias [5]')
    H.assert_error_has(function() torch.conv2d(torch.zeros(1, 3, 4, 4), torch.zeros(6, 3, 5, 5)) end,
      'conv2d: kernel size (dilated) [5, 5] is larger than the padded input [4, 4]', 'input [1, 3, 4, 4]')
    H.assert_error_has(function() torch.conv2d(torch.zeros(1, 3, 4, 4), torch.zeros(6, 3, 3, 3), nil, 1, 0, 2) end,
      'conv2d: kernel size (dilated) [5, 5] is larger than the padded input [4, 4]')
    H.assert_error_has(function() torch.conv2d(torch.zeros(1, 3, 8, 8), torch.zeros(6, 3, 3, 3), nil, { 0, 1 }) end,
      'conv2d: stride must be positive, got [0, 1]')
    H.assert_error_has(function() torch.conv2d(torch.zeros(1, 3, 8, 8), torch.zeros(6, 3, 3, 3), nil, 1, 0, 0) end,
      'conv2d: dilation must be positive, got [0, 0]')
    H.assert_error_has(function() torch.conv2d(torch.zeros(1, 3, 8, 8), torch.zeros(6, 3, 3, 3), nil, 1, { 1, -1 }) end,
      'conv2d: padding must be non-negative, got [1, -1]')
    H.assert_error_has(function() torch.conv2d(torch.zeros(1, 3, 8, 8), torch.zeros(6, 3, 3, 3), nil, 2, 'same') end,
      "conv2d: padding='same' is not supported for strided convolutions")
    H.assert_error_has(function() torch.conv2d(torch.zeros(1, 3, 8, 8), torch.zeros(6, 3, 3, 3), nil, 1, 'full') end,
      "conv2d: padding must be 'valid', 'same', an integer or {h, w}, got 'full'")
    H.assert_error_has(function() torch.conv2d(torch.zeros(1, 3, 8, 8), torch.zeros(6, 3, 3, 3), nil, 'x') end,
      'conv2d: stride must be an integer or a table of two integers')
    H.assert_error_has(function() torch.conv2d(torch.zeros(1, 3, 8, 8), torch.zeros(6, 3, 3, 3), nil, 1, 0, 1, 1.5) end,
      'conv2d: groups must be an integer')
    local i64 = { dtype = torch.int64 }
    H.assert_error_has(function() torch.conv2d(torch.zeros(1, 3, 8, 8, i64), torch.zeros(6, 3, 3, 3, i64)) end,
      'conv2d: expected a float32 or float64 input, got int64')
    H.assert_error_has(function() torch.conv2d(torch.zeros(1, 3, 8, 8), torch.zeros(6, 3, 3, 3, f64)) end,
      'conv2d: expected input and weight to have the same dtype, got float32 and float64')
    H.assert_error_has(function() torch.conv2d(torch.zeros(1, 3, 8, 8), torch.zeros(6, 3, 3, 3), torch.zeros(6, f64)) end,
      'conv2d: expected input, weight and bias to have the same dtype, got float32, float32 and float64')
  end)
end)
