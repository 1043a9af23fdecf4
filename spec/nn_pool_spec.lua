-- torch.max_pool2d, avg_pool2d and adaptive_avg_pool2d: values, indices and
-- gradients against PyTorch 1.13 (spec/fixtures/nn_pool_ref.lua, made by
-- gen_nn_pool_ref.py), hand-computed cases, gradcheck in float64 (and a
-- second backward), strided and unbatched inputs, and every error.
local torch = require 'torch'
local H = require 'spec.helpers'
local R = dofile('spec/fixtures/nn_pool_ref.lua')

local f64 = { dtype = torch.float64 }

local function t64(v) return torch.tensor(v, f64) end

local function check(fn, inputs)
  assert.is_true(torch.autograd.gradcheck(fn, inputs))
end

local function leaf(...)
  local args = table.pack(...)
  args[args.n + 1] = f64
  return torch.randn(table.unpack(args, 1, args.n + 1)):requires_grad_()
end

-- fn is linear in x near x, y = L x: its backward is the adjoint L^T v, and
-- the backward of that (with respect to v, for w) is L w = linear(w, x)
-- (fn(w) for the average pools; for max pooling, w at x's winners).  Checks both, through
-- create_graph, and the node the first backward recorded.
local function check_double(fn, x, backward_name, linear)
  linear = linear or fn
  local y = fn(x)
  local v = torch.randn(y.shape, f64):requires_grad_()
  local g = torch.autograd.grad({ y }, { x }, { grad_outputs = { v }, create_graph = true })[1]
  assert.is_true(g.requires_grad)
  assert.are.equal(backward_name, g.grad_fn)
  local w = torch.randn(x.shape, f64):requires_grad_()
  local gg = torch.autograd.grad({ g }, { v }, { grad_outputs = { w }, create_graph = true })[1]
  local expected = torch.no_grad(function() return linear(w, x) end)
  H.assert_tensor(gg, H.values(expected), 1e-12, expected.shape)
  -- third order: gg = L w is recorded too, and its backward is L^T again
  assert.is_true(gg.requires_grad)
  local u = torch.randn(y.shape, f64)
  local g3 = torch.autograd.grad({ gg }, { w }, { grad_outputs = { u } })[1]
  local want = torch.autograd.grad({ fn(x) }, { x }, { grad_outputs = { u } })[1]
  H.assert_tensor(g3, H.values(want), 1e-12, want.shape)
end

local function shape_of(t)
  local s = {}
  for i, v in ipairs(t.shape) do s[i] = v end
  return s
end

local max_opts = {
  k2 = { 2, {} },
  k3s2p1_ceil = { 3, { stride = 2, padding = 1, ceil_mode = true } },
  k23_dil = { { 2, 3 }, { stride = { 1, 2 }, padding = { 1, 1 }, dilation = { 2, 1 } } },
  k3s1 = { 3, { stride = 1 } },
  k2s3_ceil = { 2, { stride = 3, ceil_mode = true } },
}

describe('max_pool2d', function()
  it('matches PyTorch: values, 1-based indices and gradients, float64 and float32', function()
    for name, case in pairs(max_opts) do
      local ref = R.max[name]
      local x = t64(R.max_x):requires_grad_()
      local opts = {}
      for k, v in pairs(case[2]) do opts[k] = v end
      opts.return_indices = true
      local y, idx = torch.max_pool2d(x, case[1], opts)
      local refy = t64(ref.out)
      H.assert_tensor(y, ref.out, 1e-12, shape_of(refy))
      assert.are.equal(torch.int64, idx.dtype)
      H.assert_tensor(idx, ref.idx, 0, shape_of(refy))
      y:backward(t64(ref.g))
      H.assert_tensor(x.grad, ref.grad, 1e-12, { 2, 3, 6, 7 })
      assert.are.equal('MaxPool2DBackward', y.grad_fn)
      -- float32 (the 2x2 case runs the vectorized kernels)
      local x32 = torch.tensor(R.max_x):requires_grad_()
      local y32, idx32 = torch.max_pool2d(x32, case[1], opts)
      H.assert_tensor(y32, ref.out, 1e-6)
      H.assert_tensor(idx32, ref.idx, 0)
      y32:backward(torch.tensor(ref.g))
      H.assert_tensor(x32.grad, ref.grad, 1e-5)
    end
  end)

  it('takes the arguments positionally in PyTorch order, or by name', function()
    local x = t64(R.max_x)
    local ref = R.max.k3s2p1_ceil
    H.assert_tensor(torch.max_pool2d(x, 3, 2, 1, 1, true), ref.out, 1e-12)
    local y, i = torch.max_pool2d(x, 3, 2, 1, 1, true, true)
    H.assert_tensor(i, ref.idx, 0)
    H.assert_tensor(y, ref.out, 1e-12)
    H.assert_tensor(torch.max_pool2d(x, { kernel_size = 3, stride = 2, padding = 1, ceil_mode = true }), ref.out, 1e-12)
    H.assert_tensor(torch.max_pool2d(x, 3, nil, 1, { stride = 2, ceil_mode = true }), ref.out, 1e-12)
    local r = R.max.k23_dil
    H.assert_tensor(torch.max_pool2d(x, { 2, 3 }, { 1, 2 }, { 1, 1 }, { 2, 1 }), r.out, 1e-12)
    -- stride defaults to the kernel size, not 1
    H.assert_shape(torch.max_pool2d(x, 2), { 2, 3, 3, 3 })
    H.assert_shape(torch.max_pool2d(x, 2, nil), { 2, 3, 3, 3 })
    -- one output without return_indices
    assert.are.equal(1, select('#', torch.max_pool2d(x, 2)))
  end)

  it('hand-computed: 2x2 windows, ties keep the first, odd sizes drop the last row and column', function()
    local x = torch.tensor({ { { 1, 5, 2, 2, 9 },
                              { 3, 4, 2, 0, 9 },
                              { 7, 7, 1, 6, 9 } } }, { dtype = torch.float32 })
    local y, i = torch.max_pool2d(x, 2, { return_indices = true })
    H.assert_tensor(y, { { { 5, 2 } } }, 0, { 1, 1, 2 })
    H.assert_tensor(i, { { { 2, 3 } } }, 0)
    local xg = x:clone():requires_grad_()
    torch.max_pool2d(xg, 2):backward(torch.tensor({ { { 10.0, 20.0 } } }))
    H.assert_tensor(xg.grad, { { { 0, 10, 20, 0, 0 }, { 0, 0, 0, 0, 0 }, { 0, 0, 0, 0, 0 } } }, 0)
  end)

  it('pads with -inf: a window over padding and negative values takes a real value', function()
    local x = torch.tensor({ { { { -5.0, -4.0 }, { -3.0, -2.0 } } } })
    local y, i = torch.max_pool2d(x, 2, 1, 1, { return_indices = true })
    H.assert_tensor(y, { { { { -5, -4, -4 }, { -3, -2, -2 }, { -3, -2, -2 } } } }, 0)
    H.assert_tensor(i, { { { { 1, 2, 2 }, { 3, 4, 4 }, { 3, 4, 4 } } } }, 0)
    -- the gradient of overlapping windows adds up at the shared maximum
    local xg = x:clone():requires_grad_()
    torch.max_pool2d(xg, 2, 1, 1):sum():backward()
    H.assert_tensor(xg.grad, { { { { 1, 2 }, { 2, 4 } } } }, 0)
  end)

  it('propagates NaN: the last NaN of a window wins, in both kernels', function()
    local nan = 0 / 0
    for _, dt in ipairs({ torch.float32, torch.float64 }) do
      local x = torch.tensor({ { { 1, nan, 3, 4 }, { nan, 0, 8, 2 } } }, { dtype = dt })
      local y, i = torch.max_pool2d(x, 2, { return_indices = true })
      H.assert_tensor(y, { { { nan, 8 } } })
      H.assert_tensor(i, { { { 5, 7 } } }, 0)
      local y3, i3 = torch.max_pool2d(x, { 2, 3 }, 1, { return_indices = true })
      H.assert_tensor(y3, { { { nan, nan } } })
      H.assert_tensor(i3, { { { 5, 2 } } }, 0)
    end
  end)

  it('ceil_mode: the last window must start inside the input or its left padding', function()
    local x = torch.zeros(1, 1, 5, 5)
    H.assert_shape(torch.max_pool2d(x, 2, 3, { ceil_mode = true }), { 1, 1, 2, 2 })
    H.assert_shape(torch.max_pool2d(x, 2, 3), { 1, 1, 2, 2 })
    H.assert_shape(torch.max_pool2d(x, 2, 2, { ceil_mode = true }), { 1, 1, 3, 3 })
    local x6 = torch.zeros(1, 1, 6, 6)
    H.assert_shape(torch.max_pool2d(x6, 2, 2, 1, { ceil_mode = true }), { 1, 1, 4, 4 })
    H.assert_shape(torch.max_pool2d(x6, 3, 2, 1, { ceil_mode = true }), { 1, 1, 4, 4 })
    -- (4 - 1) * 2 = 6 >= 5 + 1 would start in the right padding: dropped
    local x5 = torch.zeros(1, 1, 5, 5)
    H.assert_shape(torch.max_pool2d(x5, 2, 2, 1, { ceil_mode = true }), { 1, 1, 3, 3 })
    H.assert_shape(torch.max_pool2d(x5, 2, 2, 1), { 1, 1, 3, 3 })
  end)

  it('a window lying wholly in the padding (dilation) gives -inf, index 0 and no gradient', function()
    for _, dt in ipairs({ torch.float32, torch.float64 }) do
      local x = torch.arange(4.0, { dtype = dt }):reshape(1, 1, 2, 2):requires_grad_()
      local y, i = torch.max_pool2d(x, 2, 1, 1, 3, { return_indices = true })
      H.assert_tensor(y, { { { { -math.huge } } } }, 0, { 1, 1, 1, 1 })
      H.assert_tensor(i, { { { { 0 } } } }, 0)
      y:sum():backward()
      H.assert_tensor(x.grad, { 0, 0, 0, 0 }, 0)
    end
  end)

  it('an all -inf window names its first real position, as PyTorch does', function()
    local want = { { 1, 1, 2, 3 }, { 1, 1, 2, 3 }, { 4, 4, 5, 6 }, { 7, 7, 8, 9 } }
    for _, dt in ipairs({ torch.float32, torch.float64 }) do
      local x = torch.full({ 1, 1, 3, 3 }, -math.huge, { dtype = dt }):requires_grad_()
      local y, i = torch.max_pool2d(x, 2, 1, 1, { return_indices = true })
      H.assert_tensor(i, { { want } }, 0, { 1, 1, 4, 4 })
      H.assert_tensor(y, H.values(torch.full({ 16 }, -math.huge)), 0)
      y:sum():backward()
      H.assert_tensor(x.grad, { { { { 4, 2, 2 }, { 2, 1, 1 }, { 2, 1, 1 } } } }, 0)
    end
  end)

  it('passes gradcheck in float64 for strides, paddings, dilations and ceil_mode', function()
    local x = leaf(2, 2, 7, 6)
    check(function(a) return torch.max_pool2d(a, 2) end, { x })
    check(function(a) return torch.max_pool2d(a, 3, 2, 1, { ceil_mode = true }) end, { x })
    check(function(a) return torch.max_pool2d(a, { 3, 2 }, { 1, 2 }, { 1, 0 }, { 2, 1 }) end, { x })
    check(function(a) return torch.max_pool2d(a, 2, 3, { ceil_mode = true }) end, { x })
    check(function(a) return torch.max_pool2d(a, 3, 1) end, { leaf(3, 5, 5) })
  end)

  it('differentiates twice (create_graph): the backward is recorded with the gather as its gradient', function()
    -- L w: w at x's winners
    local function at_winners(args)
      return function(w, x)
        local _, i = torch.max_pool2d(x, table.unpack(args))
        local n, c = x.shape[1], x.shape[2]
        local picked = w:reshape(n * c, -1):gather(2, i:reshape(n * c, -1))
        return picked:reshape(i.shape)
      end
    end
    local a1 = { 3, 2, 1, { return_indices = true } }
    check_double(function(a) return torch.max_pool2d(a, 3, 2, 1) end, leaf(2, 2, 5, 6), 'MaxPool2DBackwardBackward',
      at_winners(a1))
    local a2 = { 2, { return_indices = true } }
    check_double(function(a) return torch.max_pool2d(a, 2) end, leaf(1, 3, 4, 4), 'MaxPool2DBackwardBackward',
      at_winners(a2))
  end)

  it('windows of more than 255 taps (int64 winners) give the same values and gradients', function()
    local x = leaf(1, 2, 17, 18)
    local y, i = torch.max_pool2d(x, 16, 1, { return_indices = true })
    H.assert_shape(y, { 1, 2, 2, 3 })
    local flat, ys, is = H.values(x:detach()), H.values(y), H.values(i)
    for c = 1, 2 do
      for k = 1, 6 do
        local pos = is[(c - 1) * 6 + k]
        assert.are.equal(flat[(c - 1) * 17 * 18 + pos], ys[(c - 1) * 6 + k])
      end
    end
    check(function(a) return torch.max_pool2d(a, 16, 1) end, { x })
    -- the returned indices are the caller's: changing them leaves the gradient alone
    local y2, i2 = torch.max_pool2d(x, 16, 1, { return_indices = true })
    i2:fill_(1)
    y2:sum():backward()
    assert.are.equal(12, x.grad:sum():item())
  end)

  it('works on strided inputs (transposed, sliced) as on their contiguous copies', function()
    local base = torch.randn(2, 3, 9, 8)
    local views = { base:transpose(3, 4), base:narrow(4, 2, 6), base:permute(2, 1, 3, 4), base:transpose(1, 2) }
    for _, v in ipairs(views) do
      assert.is_false(v:is_contiguous())
      local want_y, want_i = torch.max_pool2d(v:contiguous(), 2, { return_indices = true })
      local y, i = torch.max_pool2d(v, 2, { return_indices = true })
      H.assert_tensor(y, H.values(want_y), 0, shape_of(want_y))
      H.assert_tensor(i, H.values(want_i), 0)
      H.assert_tensor(torch.max_pool2d(v, 3, 2, 1), H.values(torch.max_pool2d(v:contiguous(), 3, 2, 1)), 0)
    end
    -- a strided input and an expanded (stride 0) gradient, through autograd
    local x = torch.randn(2, 7, 6, f64):requires_grad_()
    check(function(a) return torch.max_pool2d(a:transpose(2, 3), 2, 1) end, { x })
  end)

  it('takes unbatched [C, H, W] inputs and empty batches', function()
    local x = t64(R.max_x)
    local y3 = torch.max_pool2d(x[2], 3, 2, 1, { ceil_mode = true })
    H.assert_tensor(y3, R.max.k3s2p1_ceil.out[2], 1e-12, { 3, 4, 4 })
    local y0 = torch.max_pool2d(torch.zeros(0, 2, 4, 4), 2)
    H.assert_shape(y0, { 0, 2, 2, 2 })
    local e = torch.zeros(0, 2, 4, 4):requires_grad_()
    torch.max_pool2d(e, 2):sum():backward()
    H.assert_shape(e.grad, { 0, 2, 4, 4 })
  end)

  it('rejects bad inputs and parameters with clear messages', function()
    local x = torch.zeros(1, 1, 5, 5)
    H.assert_error_has(function() torch.max_pool2d(torch.zeros(5, 5), 2) end,
      'max_pool2d: expected a 3-D or 4-D input, got [5, 5]')
    H.assert_error_has(function() torch.max_pool2d(torch.zeros(1, 1, 1, 2, 2), 2) end, '[1, 1, 1, 2, 2]')
    H.assert_error_has(function() torch.max_pool2d(torch.arange(4.0):reshape(1, 1, 2, 2), 3) end,
      'max_pool2d: kernel 3 on input [1, 1, 2, 2] gives an empty output')
    H.assert_error_has(function() torch.max_pool2d(x, { 6, 2 }) end, 'kernel [6, 2] on input [1, 1, 5, 5]')
    H.assert_error_has(function() torch.max_pool2d(x, 3, 1, 2) end,
      'max_pool2d: padding should be at most half of the kernel size, got padding 2 and kernel_size 3')
    H.assert_error_has(function() torch.max_pool2d(x, 2, 0) end, 'max_pool2d: stride must be greater than zero, got 0')
    H.assert_error_has(function() torch.max_pool2d(x, 0) end,
      'max_pool2d: kernel_size must be greater than zero, got 0')
    H.assert_error_has(function() torch.max_pool2d(x, 2, 1, -1) end, 'max_pool2d: padding must be non-negative, got -1')
    H.assert_error_has(function() torch.max_pool2d(x, 2, 1, 0, { 0, 1 }) end,
      'max_pool2d: dilation must be greater than zero, got [0, 1]')
    H.assert_error_has(function() torch.max_pool2d(torch.zeros(1, 1, 4, 4, { dtype = torch.int64 }), 2) end,
      'max_pool2d: expected a float32 or float64 input, got int64')
    H.assert_error_has(function() torch.max_pool2d(torch.zeros(1, 0, 4, 4), 2) end,
      'max_pool2d: expected non-zero channel, height and width sizes (only the batch may be empty), got [1, 0, 4, 4]')
    H.assert_error_has(function() torch.max_pool2d(x) end, 'max_pool2d: kernel_size is required')
    H.assert_error_has(function() torch.max_pool2d(x, 'a') end, 'max_pool2d: kernel_size must be an integer or a table')
    H.assert_error_has(function() torch.max_pool2d(x, 2, { 1, 2, 3 }) end, 'max_pool2d: stride must be')
  end)
end)

local avg_opts = {
  k2 = { 2, {} },
  k3s2p1_pad_ceil = { 3, { stride = 2, padding = 1, ceil_mode = true, count_include_pad = true } },
  k3s2p1_nopad_ceil = { 3, { stride = 2, padding = 1, ceil_mode = true, count_include_pad = false } },
  k3s2p1_pad = { 3, { stride = 2, padding = 1 } },
  k3s2p1_nopad = { 3, { stride = 2, padding = 1, count_include_pad = false } },
  k32_s21_p10 = { { 3, 2 }, { stride = { 2, 1 }, padding = { 1, 0 } } },
  k2_div3 = { 2, { divisor_override = 3 } },
  k3s2p1_ceil_div5 = { 3, { stride = 2, padding = 1, ceil_mode = true, divisor_override = 5 } },
}

describe('avg_pool2d', function()
  it('matches PyTorch: count_include_pad both ways, ceil_mode, divisor_override, values and gradients', function()
    for name, case in pairs(avg_opts) do
      local ref = R.avg[name]
      local x = t64(R.avg_x):requires_grad_()
      local y = torch.avg_pool2d(x, case[1], case[2])
      H.assert_tensor(y, ref.out, 1e-12, shape_of(t64(ref.out)))
      y:backward(t64(ref.g))
      H.assert_tensor(x.grad, ref.grad, 1e-12, { 2, 2, 5, 6 })
      assert.are.equal('AvgPool2DBackward', y.grad_fn)
      local x32 = torch.tensor(R.avg_x):requires_grad_()
      local y32 = torch.avg_pool2d(x32, case[1], case[2])
      H.assert_tensor(y32, ref.out, 1e-5)
      y32:backward(torch.tensor(ref.g))
      H.assert_tensor(x32.grad, ref.grad, 1e-5)
    end
  end)

  it('takes the arguments positionally in PyTorch order', function()
    local x = t64(R.avg_x)
    H.assert_tensor(torch.avg_pool2d(x, 3, 2, 1, true, false), R.avg.k3s2p1_nopad_ceil.out, 1e-12)
    H.assert_tensor(torch.avg_pool2d(x, 3, 2, 1, true, true, 5), R.avg.k3s2p1_ceil_div5.out, 1e-12)
    H.assert_tensor(torch.avg_pool2d(x, 2, nil, 0, false, true, 3), R.avg.k2_div3.out, 1e-12)
  end)

  it('hand-computed: the corner window counts 4 or 9 cells', function()
    local x = torch.ones(1, 3, 3)
    H.assert_tensor(torch.avg_pool2d(x, 3, 2, 1), { { { 4 / 9, 4 / 9 }, { 4 / 9, 4 / 9 } } }, 1e-6)
    H.assert_tensor(torch.avg_pool2d(x, 3, 2, 1, false, false), { { { 1, 1 }, { 1, 1 } } }, 1e-6)
    local xg = torch.ones(1, 1, 2, 2):requires_grad_()
    torch.avg_pool2d(xg, 2, 1, 1):sum():backward() -- every cell lies in 4 windows of 4 cells
    H.assert_tensor(xg.grad, { 1, 1, 1, 1 }, 1e-6)
  end)

  it('passes gradcheck in float64 and differentiates twice', function()
    local x = leaf(2, 2, 7, 6)
    check(function(a) return torch.avg_pool2d(a, 2) end, { x })
    check(function(a) return torch.avg_pool2d(a, 3, 2, 1, true, false) end, { x })
    check(function(a) return torch.avg_pool2d(a, 3, 2, 1, true, true) end, { x })
    check(function(a) return torch.avg_pool2d(a, { 3, 2 }, { 1, 3 }, { 1, 1 }, { divisor_override = 2 }) end, { x })
    check(function(a) return torch.avg_pool2d(a:transpose(3, 4), 2, 1) end, { x })
    check(function(a) return torch.avg_pool2d(a, 3) end, { leaf(2, 6, 5) })
    check_double(function(a) return torch.avg_pool2d(a, 3, 2, 1, true, false) end, leaf(1, 2, 5, 6),
      'AvgPool2DBackwardBackward')
  end)

  it('works on strided and unbatched inputs', function()
    local base = torch.randn(2, 3, 8, 9)
    for _, v in ipairs({ base:transpose(3, 4), base:narrow(3, 2, 5), base[2] }) do
      local want = torch.avg_pool2d(v:contiguous(), 3, 2, 1, true, false)
      H.assert_tensor(torch.avg_pool2d(v, 3, 2, 1, true, false), H.values(want), 1e-6, shape_of(want))
    end
    H.assert_shape(torch.avg_pool2d(torch.zeros(0, 1, 4, 4), 2), { 0, 1, 2, 2 })
  end)

  it('rejects bad inputs and parameters with clear messages', function()
    local x = torch.zeros(1, 1, 5, 5)
    H.assert_error_has(function() torch.avg_pool2d(torch.zeros(5), 2) end,
      'avg_pool2d: expected a 3-D or 4-D input, got [5]')
    H.assert_error_has(function() torch.avg_pool2d(x, 3, 1, 2) end,
      'avg_pool2d: padding should be at most half of the kernel size, got padding 2 and kernel_size 3')
    H.assert_error_has(function() torch.avg_pool2d(x, 6) end, 'avg_pool2d: kernel 6 on input [1, 1, 5, 5] gives an empty output')
    H.assert_error_has(function() torch.avg_pool2d(x, 2, { divisor_override = 0 }) end,
      'avg_pool2d: divisor_override must not be zero')
    H.assert_error_has(function() torch.avg_pool2d(x, 2, { divisor_override = 1.5 }) end,
      'avg_pool2d: divisor_override must be an integer')
    H.assert_error_has(function() torch.avg_pool2d(torch.zeros(1, 4, 4, { dtype = torch.int32 }), 2) end,
      'avg_pool2d: expected a float32 or float64 input, got int32')
    H.assert_error_has(function() torch.avg_pool2d(x, { 2, -1 }) end,
      'avg_pool2d: kernel_size must be greater than zero, got [2, -1]')
  end)
end)

local adaptive_sizes = { s34 = { 3, 4 }, s22 = 2, s11 = 1, s57 = { 5, 7 }, s79 = { 7, 9 }, skeep3 = { false, 3 } }

describe('adaptive_avg_pool2d', function()
  it('matches PyTorch: uneven, growing, global and kept sizes, values and gradients', function()
    for name, size in pairs(adaptive_sizes) do
      local ref = R.adaptive[name]
      local x = t64(R.adaptive_x):requires_grad_()
      local y = torch.adaptive_avg_pool2d(x, size)
      H.assert_tensor(y, ref.out, 1e-12, shape_of(t64(ref.out)))
      y:backward(t64(ref.g))
      H.assert_tensor(x.grad, ref.grad, 1e-12, { 2, 3, 5, 7 })
      assert.are.equal('AdaptiveAvgPool2DBackward', y.grad_fn)
      local y32 = torch.adaptive_avg_pool2d(torch.tensor(R.adaptive_x), size)
      H.assert_tensor(y32, ref.out, 1e-5)
    end
  end)

  it('hand-computed bins: [floor(i*H/oh), ceil((i+1)*H/oh))', function()
    local x = torch.tensor({ { { 1.0, 2.0, 3.0, 4.0, 5.0 } } })
    -- 5 -> 3 bins: [0, 2), [1, 4), [3, 5)
    H.assert_tensor(torch.adaptive_avg_pool2d(x, { 1, 3 }), { { { 1.5, 3, 4.5 } } }, 1e-6, { 1, 1, 3 })
    local xg = x:clone():requires_grad_()
    torch.adaptive_avg_pool2d(xg, { 1, 3 }):sum():backward()
    H.assert_tensor(xg.grad, { 0.5, 0.5 + 1 / 3, 1 / 3, 0.5 + 1 / 3, 0.5 }, 1e-6)
  end)

  it('takes output_size as n, {h, w}, {h, false}, {false, false}, nil entries or {output_size = ...}', function()
    local x = torch.randn(2, 3, 6, 5)
    H.assert_shape(torch.adaptive_avg_pool2d(x, 2), { 2, 3, 2, 2 })
    H.assert_shape(torch.adaptive_avg_pool2d(x, { 4, 1 }), { 2, 3, 4, 1 })
    H.assert_shape(torch.adaptive_avg_pool2d(x, { 3, false }), { 2, 3, 3, 5 })
    H.assert_shape(torch.adaptive_avg_pool2d(x, { nil, 2 }), { 2, 3, 6, 2 })
    H.assert_shape(torch.adaptive_avg_pool2d(x, { output_size = { 1, 2 } }), { 2, 3, 1, 2 })
    local same = torch.adaptive_avg_pool2d(x, { false, false })
    H.assert_tensor(same, H.values(x), 1e-6, { 2, 3, 6, 5 })
    H.assert_shape(torch.adaptive_avg_pool2d(x, 0), { 2, 3, 0, 0 })
    H.assert_shape(torch.adaptive_avg_pool2d(x[1], { 2, 3 }), { 3, 2, 3 })
    H.assert_shape(torch.adaptive_avg_pool2d(torch.zeros(0, 3, 2, 2), 1), { 0, 3, 1, 1 })
  end)

  it('passes gradcheck in float64, strided, and differentiates twice', function()
    local x = leaf(2, 2, 5, 7)
    check(function(a) return torch.adaptive_avg_pool2d(a, { 3, 4 }) end, { x })
    check(function(a) return torch.adaptive_avg_pool2d(a, { 7, 9 }) end, { x })
    check(function(a) return torch.adaptive_avg_pool2d(a:transpose(3, 4), 3) end, { x })
    check(function(a) return torch.adaptive_avg_pool2d(a, 1) end, { leaf(3, 4, 4) })
    check_double(function(a) return torch.adaptive_avg_pool2d(a, { 3, 2 }) end, leaf(2, 1, 5, 4),
      'AdaptiveAvgPool2DBackwardBackward')
  end)

  it('rejects bad inputs and sizes with clear messages', function()
    H.assert_error_has(function() torch.adaptive_avg_pool2d(torch.zeros(4, 4), 2) end,
      'adaptive_avg_pool2d: expected a 3-D or 4-D input, got [4, 4]')
    H.assert_error_has(function() torch.adaptive_avg_pool2d(torch.zeros(1, 1, 4, 4), { -1, 2 }) end,
      'adaptive_avg_pool2d: output_size must be non-negative, got [-1, 2]')
    H.assert_error_has(function() torch.adaptive_avg_pool2d(torch.zeros(1, 1, 0, 4), 2) end,
      'adaptive_avg_pool2d: expected non-zero channel, height and width sizes (only the batch may be empty), got [1, 1, 0, 4]')
    H.assert_error_has(function() torch.adaptive_avg_pool2d(torch.zeros(1, 1, 4, 4)) end,
      'adaptive_avg_pool2d: output_size is required')
    H.assert_error_has(function() torch.adaptive_avg_pool2d(torch.zeros(1, 1, 4, 4), 'x') end,
      'adaptive_avg_pool2d: output_size must be an integer')
    H.assert_error_has(function() torch.adaptive_avg_pool2d(torch.zeros(1, 1, 4, 4, { dtype = torch.bool }), 2) end,
      'adaptive_avg_pool2d: expected a float32 or float64 input, got bool')
  end)
end)

describe('pooling gradients', function()
  it('record nothing without grad or under no_grad', function()
    local x = torch.randn(1, 1, 4, 4):requires_grad_()
    assert.is_nil(torch.max_pool2d(x:detach(), 2).grad_fn)
    torch.no_grad(function()
      assert.is_false(torch.max_pool2d(x, 2).requires_grad)
      assert.is_false(torch.avg_pool2d(x, 2).requires_grad)
      assert.is_false(torch.adaptive_avg_pool2d(x, 2).requires_grad)
    end)
  end)
end)
