-- Autograd of the indexing and join ops: gradients checked against finite
-- differences (torch.autograd.gradcheck), against hand-computed values, and
-- through a second backward (create_graph).
local torch = require 'torch'
local H = require 'spec.helpers'

local f64 = { dtype = torch.float64 }

local function leaf(...)
  local args = table.pack(...)
  args[args.n + 1] = f64
  return torch.randn(table.unpack(args, 1, args.n + 1)):requires_grad_()
end

local function long(t)
  return torch.tensor(t, { dtype = torch.int64 })
end

local function check(fn, inputs)
  assert.is_true(torch.autograd.gradcheck(fn, inputs))
end

local function errmsg(fn)
  local ok, err = pcall(fn)
  assert(not ok, 'expected an error')
  return tostring(err)
end

local function same(a, b)
  assert.are.same(a.shape, b.shape)
  H.assert_tensor(a, H.values(b), 1e-12)
end

-- For an op that is affine in x, y = L x + c: the backward is L^T v and its
-- own backward (with respect to v, given w) is L w = fn(w) - fn(0).  Checks
-- that, and the name of the node the first backward recorded.
local function check_double(fn, x, backward_name)
  local y = fn(x)
  local v = torch.randn(y.shape, f64):requires_grad_()
  local g = torch.autograd.grad({ y }, { x }, { grad_outputs = { v }, create_graph = true })[1]
  assert.is_true(g.requires_grad)
  if backward_name then assert.are.equal(backward_name, g.grad_fn) end
  local w = torch.randn(x.shape, f64)
  local gg = torch.autograd.grad({ g }, { v }, { grad_outputs = { w } })[1]
  local expected = torch.no_grad(function()
    return fn(w) - fn(torch.zeros(x.shape, f64))
  end)
  same(gg, expected)
end

describe('index_select', function()
  it('passes gradcheck along each dim, with repeated indices', function()
    local x = leaf(4, 3, 2)
    check(function(a) return a:index_select(1, long({ 2, 4, 2, 2 })) end, { x })
    check(function(a) return a:index_select(2, long({ 3, 1, 3 })) end, { x })
    check(function(a) return a:index_select(-1, long({ 2, 2 })) end, { x })
    check(function(a) return torch.index_select(a, 1, long(3)) end, { x })
  end)

  it('accumulates the gradient of repeated rows (hand-computed)', function()
    local x = torch.zeros(4, 3, f64):requires_grad_()
    local y = x:index_select(1, long({ 1, 3, 1 }))
    assert.are.equal('IndexSelectBackward', y.grad_fn)
    y:backward(torch.tensor({ { 1, 2, 3 }, { 4, 5, 6 }, { 7, 8, 9 } }, f64))
    H.assert_tensor(x.grad, { { 8, 10, 12 }, { 0, 0, 0 }, { 4, 5, 6 }, { 0, 0, 0 } }, 0, { 4, 3 })
  end)

  it('gives zeros for an empty index', function()
    local x = leaf(4, 3)
    local y = x:index_select(1, torch.zeros(0, { dtype = torch.int64 }))
    H.assert_shape(y, { 0, 3 })
    y:backward(torch.zeros(0, 3, f64))
    H.assert_tensor(x.grad, { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, 0, { 4, 3 })
    check(function(a) return a:index_select(2, torch.zeros(0, { dtype = torch.int64 })) end, { leaf(2, 3) })
  end)

  it('is differentiable twice (its backward is an index_add_)', function()
    check_double(function(a) return a:index_select(1, long({ 3, 1, 3 })) end, leaf(3, 2), 'IndexAddBackward')
    check_double(function(a) return a:index_select(2, long({ 2, 2, 1, 2 })) end, leaf(2, 3))
  end)

  it('makes data[perm] differentiable (the seeds\' shuffling)', function()
    local data = leaf(6, 2)
    local perm = torch.randperm(6)
    local shuffled = data[perm]
    assert.are.equal('IndexSelectBackward', shuffled.grad_fn)
    local g = torch.randn(6, 2, f64)
    shuffled:backward(g)
    same(data.grad:index_select(1, perm), g) -- row perm[i] of the gradient is row i of g
    check(function(a) return a[perm] end, { leaf(6, 2) })
    check(function(a) return a[long({ 1, 1, 3 })] end, { leaf(3, 4) })
    check(function(a) return a[long({ { 1, 2 }, { 2, 2 } })] end, { leaf(3, 2) }) -- 2-D index: a view after
  end)

  it('differentiates x[{ {}, {2, 3} }] views and mixed index tables', function()
    local x = leaf(3, 4)
    local v = x[{ {}, { 2, 3 } }]
    assert.are.equal('NarrowBackward', v.grad_fn)
    v:backward(torch.ones(3, 2, f64))
    H.assert_tensor(x.grad, { { 0, 1, 1, 0 }, { 0, 1, 1, 0 }, { 0, 1, 1, 0 } }, 0)
    check(function(a) return a[{ {}, { 2, 3 } }] end, { leaf(3, 4) })
    check(function(a) return a[{ { 2, 3 }, long({ 4, 1, 4 }) }] end, { leaf(3, 4) })
  end)
end)

describe('gather', function()
  it('passes gradcheck with repeated indices and an index smaller than the input', function()
    local x = leaf(3, 4)
    check(function(a) return a:gather(1, long({ { 1, 3, 3, 1 }, { 3, 3, 2, 2 } })) end, { x })
    check(function(a) return a:gather(2, long({ { 4, 4 }, { 1, 1 }, { 2, 3 } })) end, { x })
    check(function(a) return torch.gather(a, -1, long({ { 1 }, { 2 } })) end, { x })
    check(function(a) return a:gather(2, torch.zeros(3, 0, { dtype = torch.int64 })) end, { x })
  end)

  it('adds the gradients of repeated positions (hand-computed)', function()
    local x = torch.zeros(2, 3, f64):requires_grad_()
    local y = x:gather(2, long({ { 1, 1, 3 }, { 2, 2, 2 } }))
    assert.are.equal('GatherBackward', y.grad_fn)
    y:backward(torch.tensor({ { 1, 2, 3 }, { 4, 5, 6 } }, f64))
    H.assert_tensor(x.grad, { { 3, 0, 3 }, { 0, 15, 0 } }, 0)
  end)

  it('is differentiable twice (its backward is a scatter_add_)', function()
    check_double(function(a) return a:gather(1, long({ { 2, 1 }, { 2, 2 } })) end, leaf(2, 3), 'ScatterAddBackward')
  end)
end)

describe('scatter', function()
  -- indices unique along the scattered dim, so exactly one source value
  -- lands in each written position
  local idx = long({ { 1, 3 }, { 2, 1 } })

  it('passes gradcheck for self and src, with a source larger than the index', function()
    check(function(a, s) return a:scatter(2, idx, s) end, { leaf(2, 3), leaf(2, 2) })
    check(function(a, s) return a:scatter(2, idx, s) end, { leaf(3, 4), leaf(3, 3) })
    check(function(a, s) return torch.scatter(a, 1, long({ { 2, 1, 3 } }), s) end, { leaf(3, 3), leaf(2, 4) })
    check(function(a) return a:scatter(2, idx, 5) end, { leaf(2, 3) })
  end)

  it('zeroes the overwritten positions for self and gathers for src (hand-computed)', function()
    local x = torch.ones(2, 3, f64):requires_grad_()
    local s = torch.zeros(2, 2, f64):requires_grad_()
    local y = x:scatter(2, idx, s)
    assert.are.equal('ScatterBackward', y.grad_fn)
    H.assert_tensor(y, { { 0, 1, 0 }, { 0, 0, 1 } }, 0)
    y:backward(torch.tensor({ { 1, 2, 3 }, { 4, 5, 6 } }, f64))
    H.assert_tensor(x.grad, { { 0, 2, 0 }, { 0, 0, 6 } }, 0)
    H.assert_tensor(s.grad, { { 1, 3 }, { 5, 4 } }, 0)
  end)

  it('gives a 0-D source the sum of the gradients it was written to', function()
    local x = leaf(2, 3)
    local s = torch.tensor(2.0, f64):requires_grad_()
    local y = x:scatter(2, idx, s)
    y:backward(torch.tensor({ { 1, 2, 3 }, { 4, 5, 6 } }, f64))
    H.assert_tensor(s.grad, { 1 + 3 + 5 + 4 }, 0)
    H.assert_shape(s.grad, {})
    check(function(a, v) return a:scatter(2, idx, v) end, { leaf(2, 3), torch.tensor(1.5, f64):requires_grad_() })
  end)

  it('records scatter_ on a non-leaf and on a target that did not require grad', function()
    check(function(a, s)
      local b = a:clone()
      b:scatter_(2, idx, s)
      return b
    end, { leaf(2, 3), leaf(2, 2) })
    local s = leaf(2, 2)
    local z = torch.zeros(2, 3, f64)
    z:scatter_(2, idx, s)
    assert.is_false(z.is_leaf)
    assert.are.equal('ScatterBackward', z.grad_fn)
    z:backward(torch.tensor({ { 1, 2, 3 }, { 4, 5, 6 } }, f64))
    H.assert_tensor(s.grad, { { 1, 3 }, { 5, 4 } }, 0)
  end)

  it('is differentiable twice', function()
    check_double(function(a) return a:scatter(2, idx, 7) end, leaf(2, 3), 'ScatterBackward')
    local x = leaf(2, 3)
    check_double(function(s) return x:detach():scatter(2, idx, s) end, leaf(2, 2), 'GatherBackward')
  end)
end)

describe('scatter_add', function()
  local idx = long({ { 1, 1, 3 }, { 2, 2, 2 } })

  it('passes gradcheck with repeated indices, in and out of place', function()
    check(function(a, s) return a:scatter_add(2, idx, s) end, { leaf(2, 3), leaf(2, 3) })
    check(function(a, s) return a:scatter_add(2, idx, s) end, { leaf(2, 4), leaf(3, 5) })
    check(function(a, s)
      local b = a:clone()
      b:scatter_add_(1, long({ { 2, 2 }, { 2, 1 } }), s)
      return b
    end, { leaf(2, 2), leaf(2, 2) })
  end)

  it('passes g to self and gathers g for src (hand-computed)', function()
    local x = torch.zeros(2, 3, f64):requires_grad_()
    local s = torch.zeros(2, 4, f64):requires_grad_()
    local y = x:scatter_add(2, idx, s)
    assert.are.equal('ScatterAddBackward', y.grad_fn)
    y:backward(torch.tensor({ { 1, 2, 3 }, { 4, 5, 6 } }, f64))
    H.assert_tensor(x.grad, { { 1, 2, 3 }, { 4, 5, 6 } }, 0)
    H.assert_tensor(s.grad, { { 1, 1, 3, 0 }, { 5, 5, 5, 0 } }, 0)
  end)

  it('is differentiable twice', function()
    local x = leaf(2, 3)
    check_double(function(s) return x:detach():scatter_add(2, idx, s) end, leaf(2, 3), 'GatherBackward')
  end)
end)

describe('index_add, index_copy and index_fill', function()
  it('index_add passes gradcheck with repeated indices', function()
    check(function(a, s) return a:index_add(1, long({ 3, 1, 3 }), s) end, { leaf(3, 2), leaf(3, 2) })
    check(function(a, s) return a:index_add(2, long({ 2 }), s) end, { leaf(3, 2), leaf(3, 1) })
    check(function(a, s)
      local b = a:clone()
      b:index_add_(-1, long({ 1, 1 }), s)
      return b
    end, { leaf(2, 2), leaf(2, 2) })
    check(function(a, s) return a:index_add(1, long({ 2, 2 }), s, { alpha = -3 }) end, { leaf(2, 2), leaf(2, 2) })
  end)

  it('index_add_ gives self g and src the selected rows of g (hand-computed)', function()
    local x = torch.zeros(3, 2, f64):requires_grad_()
    local s = torch.zeros(3, 2, f64):requires_grad_()
    local b = x:clone()
    b:index_add_(1, long({ 3, 1, 3 }), s)
    assert.are.equal('IndexAddBackward', b.grad_fn)
    b:backward(torch.tensor({ { 1, 2 }, { 3, 4 }, { 5, 6 } }, f64))
    H.assert_tensor(x.grad, { { 1, 2 }, { 3, 4 }, { 5, 6 } }, 0)
    H.assert_tensor(s.grad, { { 5, 6 }, { 1, 2 }, { 5, 6 } }, 0)
  end)

  it('index_copy passes gradcheck and zeroes the copied rows for self', function()
    check(function(a, s) return a:index_copy(1, long({ 3, 1 }), s) end, { leaf(3, 2), leaf(2, 2) })
    check(function(a, s) return a:index_copy(2, long({ 2 }), s) end, { leaf(2, 3), leaf(2, 1) })
    local x = torch.zeros(3, 2, f64):requires_grad_()
    local s = torch.zeros(2, 2, f64):requires_grad_()
    local y = x:index_copy(1, long({ 3, 1 }), s)
    assert.are.equal('IndexCopyBackward', y.grad_fn)
    y:backward(torch.tensor({ { 1, 2 }, { 3, 4 }, { 5, 6 } }, f64))
    H.assert_tensor(x.grad, { { 0, 0 }, { 3, 4 }, { 0, 0 } }, 0)
    H.assert_tensor(s.grad, { { 5, 6 }, { 1, 2 } }, 0)
  end)

  it('index_fill passes gradcheck and zeroes the filled rows', function()
    check(function(a) return a:index_fill(2, long({ 1, 3, 1 }), -1) end, { leaf(2, 3) })
    local x = torch.zeros(2, 3, f64):requires_grad_()
    local y = x:index_fill(2, long({ 2 }), 9)
    assert.are.equal('IndexFillBackward', y.grad_fn)
    y:backward(torch.tensor({ { 1, 2, 3 }, { 4, 5, 6 } }, f64))
    H.assert_tensor(x.grad, { { 1, 0, 3 }, { 4, 0, 6 } }, 0)
  end)

  it('records x[idx] = v and x[idx] = number on non-leaves', function()
    check(function(a, v)
      local b = a:clone()
      b[long({ 3, 1 })] = v
      return b
    end, { leaf(3, 2), leaf(2, 2) })
    check(function(a, v)
      local b = a:clone()
      b[long({ 2 })] = v -- broadcast to the row
      return b
    end, { leaf(3, 2), leaf(2) })
    check(function(a)
      local b = a:clone()
      b[long({ 1, 3 })] = 0
      return b
    end, { leaf(3, 2) })
  end)

  it('are differentiable twice', function()
    local idx = long({ 2, 1, 2 })
    check_double(function(s) return torch.zeros(2, 3, f64):index_add(1, idx, s) end, leaf(3, 3), 'IndexSelectBackward')
    check_double(function(a) return a:index_copy(1, long({ 2 }), torch.ones(1, 2, f64)) end, leaf(3, 2), 'IndexFillBackward')
    check_double(function(a) return a:index_fill(1, long({ 2 }), 3) end, leaf(3, 2), 'IndexFillBackward')
  end)
end)

describe('masked ops', function()
  it('masked_fill passes gradcheck, with masks broadcast either way', function()
    local x = leaf(2, 3)
    check(function(a) return a:masked_fill(a:gt(0), 0) end, { x })
    check(function(a) return a:masked_fill(torch.tensor({ true, false, true }), 1.5) end, { x })
    -- the mask is larger: the result is [2, 3] and a's gradient sums over the new dim
    check(function(a) return a:masked_fill(torch.tensor({ { true, false, false }, { false, false, true } }), 2) end,
      { leaf(3) })
    check(function(a)
      local b = a:clone()
      b:masked_fill_(torch.tensor({ { false }, { true } }), -1)
      return b
    end, { x })
  end)

  it('masked_fill zeroes the filled positions (hand-computed, broadcast)', function()
    local x = torch.zeros(3, f64):requires_grad_()
    local y = x:masked_fill(torch.tensor({ { true, false, false }, { true, true, false } }), 7)
    assert.are.equal('MaskedFillBackward', y.grad_fn)
    H.assert_shape(y, { 2, 3 })
    y:backward(torch.tensor({ { 1, 2, 3 }, { 4, 5, 6 } }, f64))
    H.assert_tensor(x.grad, { 0, 2, 9 }, 0, { 3 })
  end)

  it('masked_select passes gradcheck, with broadcast and empty selections', function()
    local x = leaf(3, 4)
    check(function(a) return a:masked_select(a:gt(0)) end, { x })
    check(function(a) return a:masked_select(torch.tensor({ true, false, false, true })) end, { x })
    check(function(a) return a[a:lt(0.5)] end, { x })
    check(function(a) return a[torch.tensor({ true, false, true })] end, { x }) -- whole rows
    check(function(a) return a:masked_select(torch.zeros(3, 4, { dtype = torch.bool })) end, { x })
  end)

  it('masked_select puts the gradient back in place (hand-computed, empty case)', function()
    local x = torch.tensor({ { 1, -2, 3 }, { -4, 5, -6 } }, f64):requires_grad_()
    local y = x[x:gt(0)]
    assert.are.equal('MaskedSelectBackward', y.grad_fn)
    y:backward(torch.tensor({ 10, 20, 30 }, f64))
    H.assert_tensor(x.grad, { { 10, 0, 20 }, { 0, 30, 0 } }, 0)
    local e = torch.zeros(2, 3, f64):requires_grad_()
    local none = e:masked_select(e:gt(1))
    H.assert_shape(none, { 0 })
    none:backward(torch.zeros(0, f64))
    H.assert_tensor(e.grad, { 0, 0, 0, 0, 0, 0 }, 0, { 2, 3 })
  end)

  it('masked_scatter_ passes gradcheck for self and source', function()
    local mask = torch.tensor({ { true, false, true }, { false, true, false } })
    check(function(a, s)
      local b = a:clone()
      b:masked_scatter_(mask, s)
      return b
    end, { leaf(2, 3), leaf(3) })
    -- a source with more values than the mask selects, and a broadcast mask
    check(function(a, s) return a:masked_scatter(torch.tensor({ true, false, true }), s) end,
      { leaf(2, 3), leaf(2, 4) })
    -- one source value for every selected position
    check(function(a, s) return a:masked_scatter(mask, s) end, { leaf(2, 3), leaf(1) })
  end)

  it('masked_scatter_ zeroes self where scattered and pads the source gradient (hand-computed)', function()
    local x = torch.zeros(2, 3, f64):requires_grad_()
    local s = torch.zeros(2, 3, f64):requires_grad_()
    local b = x:clone()
    b:masked_scatter_(torch.tensor({ { true, false, true }, { false, true, false } }), s)
    assert.are.equal('MaskedScatterBackward', b.grad_fn)
    b:backward(torch.tensor({ { 1, 2, 3 }, { 4, 5, 6 } }, f64))
    H.assert_tensor(x.grad, { { 0, 2, 0 }, { 4, 0, 6 } }, 0)
    H.assert_tensor(s.grad, { { 1, 3, 5 }, { 0, 0, 0 } }, 0, { 2, 3 })
  end)

  it('records x[mask] = v on non-leaves', function()
    check(function(a, v)
      local b = a:clone()
      b[b:gt(0)] = 0
      b[torch.tensor({ false, true })] = v
      return b
    end, { leaf(2, 3), leaf(3) })
  end)

  it('are differentiable twice', function()
    check_double(function(a) return a:masked_select(torch.tensor({ true, false, true })) end, leaf(2, 3),
      'MaskedScatterBackward')
    check_double(function(a) return a:masked_fill(torch.tensor({ false, true }), 4) end, leaf(2), 'MaskedFillBackward')
    local mask = torch.tensor({ true, true, false, true })
    check_double(function(s) return torch.zeros(4, f64):masked_scatter(mask, s) end, leaf(4))
  end)

  it('refuses a backward after the saved mask changed in place', function()
    local x = leaf(2, 3)
    local m = x:gt(0)
    local y = x:masked_fill(m, 0)
    m:fill_(true)
    local msg = errmsg(function() y:backward(torch.ones(2, 3, f64)) end)
    assert.truthy(msg:find('MaskedFillBackward', 1, true))
    assert.truthy(msg:find('modified by an in-place operation', 1, true))
  end)
end)

describe('cat and stack', function()
  it('cat passes gradcheck along each dim', function()
    local a, b, c = leaf(2, 3), leaf(1, 3), leaf(4, 3)
    check(function(p, q, r) return torch.cat({ p, q, r }, 1) end, { a, b, c })
    check(function(p, q) return torch.cat({ p, q }, 2) end, { leaf(2, 1), leaf(2, 3) })
    check(function(p, q) return torch.cat({ p, q }, -1) end, { leaf(2, 2, 1), leaf(2, 2, 2) })
    check(function(p, q) return torch.cat({ p, q }, 1) end, { leaf(0, 3), leaf(2, 3) })
    -- the seeds' inception block: branch outputs joined along the channels
    check(function(p, q, r) return torch.cat({ p, q, r }, 2) end, { leaf(1, 2, 2, 2), leaf(1, 1, 2, 2), leaf(1, 3, 2, 2) })
  end)

  it('gives each input its slice and none to inputs that do not require grad', function()
    local a = torch.zeros(2, 2, f64):requires_grad_()
    local b = torch.ones(2, 1, f64)
    local y = torch.cat({ a, b }, 2)
    assert.are.equal('CatBackward', y.grad_fn)
    y:backward(torch.tensor({ { 1, 2, 3 }, { 4, 5, 6 } }, f64))
    H.assert_tensor(a.grad, { { 1, 2 }, { 4, 5 } }, 0)
    assert.is_nil(b.grad)
    check(function(p) return torch.cat({ torch.ones(1, 2, f64), p, torch.zeros(2, 2, f64) }) end, { leaf(3, 2) })
  end)

  it('casts gradients back to each input dtype and skips 1-D empty inputs', function()
    local a = torch.ones(2, { dtype = torch.float32 }):requires_grad_()
    local b = torch.ones(1, f64):requires_grad_()
    local y = torch.cat({ a, b })
    assert.are.equal(torch.float64, y.dtype)
    y:backward(torch.tensor({ 1, 2, 3 }, f64))
    assert.are.equal(torch.float32, a.grad.dtype)
    H.assert_tensor(a.grad, { 1, 2 }, 0)
    H.assert_tensor(b.grad, { 3 }, 0)
    local e = torch.zeros(0, f64):requires_grad_()
    local x = leaf(2, 3)
    local z = torch.cat({ e, x }, 2)
    z:backward(torch.ones(2, 3, f64))
    H.assert_shape(e.grad, { 0 })
    H.assert_tensor(x.grad, { 1, 1, 1, 1, 1, 1 }, 0)
    check(function(p, q) return torch.cat({ p, q }, 2) end, { torch.zeros(0, f64):requires_grad_(), leaf(2, 3) })
  end)

  it('stack passes gradcheck at each new dim', function()
    local a, b = leaf(2, 3), leaf(2, 3)
    for _, d in ipairs({ 1, 2, 3, -1 }) do
      check(function(p, q) return torch.stack({ p, q }, d) end, { a, b })
    end
    local y = torch.stack({ a, torch.ones(2, 3, f64) }, 2)
    assert.are.equal('StackBackward', y.grad_fn)
    y:backward(torch.arange(1, 13, 1, f64):view(2, 2, 3))
    H.assert_tensor(a.grad, { { 1, 2, 3 }, { 7, 8, 9 } }, 0)
  end)

  it('are differentiable twice', function()
    check_double(function(p) return torch.cat({ torch.ones(1, 2, f64), p }, 1) end, leaf(2, 2), 'NarrowBackward')
    check_double(function(p) return torch.stack({ torch.ones(3, f64), p }, 2) end, leaf(3), 'SelectBackward')
    -- both slices flow into the same input: their sum is differentiable too
    check_double(function(p) return torch.stack({ p, p }, 1) end, leaf(2, 2), 'AddBackward')
  end)
end)

describe('split and chunk', function()
  it('give every piece its own NarrowBackward and the gradient of all pieces', function()
    local x = leaf(5, 2)
    local pieces = x:split(2)
    assert.are.equal(3, #pieces)
    for i = 1, 3 do assert.are.equal('NarrowBackward', pieces[i].grad_fn) end
    local gs = { torch.ones(2, 2, f64), torch.full({ 2, 2 }, 2, f64), torch.full({ 1, 2 }, 3, f64) }
    torch.autograd.backward(pieces, gs)
    H.assert_tensor(x.grad, { { 1, 1 }, { 1, 1 }, { 2, 2 }, { 2, 2 }, { 3, 3 } }, 0)
  end)

  it('pass gradcheck for split, split by sizes and chunk', function()
    local x = leaf(4, 5)
    check(function(a) return table.unpack(a:split(2, 2)) end, { x })
    check(function(a) return table.unpack(a:split({ 1, 0, 3 }, 1)) end, { x })
    check(function(a) return table.unpack(a:chunk(3, -1)) end, { x })
    check(function(a) return table.unpack(torch.chunk(a, 4, 1)) end, { x })
  end)

  it('record nothing without grad and keep their errors', function()
    local pieces = torch.ones(4, 2, f64):chunk(2)
    assert.is_nil(pieces[1].grad_fn)
    local x = leaf(4, 2)
    local msg = errmsg(function() x:split({ 1, 2 }) end)
    assert.truthy(msg:find('split', 1, true))
    assert.truthy(msg:find('[4, 2]', 1, true))
    msg = errmsg(function() x:chunk(2, 3) end)
    assert.truthy(msg:find('chunk', 1, true))
    local empty = torch.zeros(0, 3, f64):requires_grad_():chunk(2)
    assert.are.equal(2, #empty)
    H.assert_shape(empty[2], { 0, 3 })
    assert.are.equal('NarrowBackward', empty[2].grad_fn)
  end)
end)

describe('errors under autograd', function()
  it('keep the dispatch messages and leave history and values untouched', function()
    local b = leaf(3, 2):clone()
    local before = H.values(b)
    local msg = errmsg(function() b:index_add_(1, long({ 4 }), leaf(1, 2)) end)
    assert.truthy(msg:find('index_add_', 1, true), msg)
    assert.truthy(msg:find('out of range for dim 1 of size 3', 1, true), msg)
    assert.are.equal('CloneBackward', b.grad_fn)
    H.assert_tensor(b, before, 0)
    msg = errmsg(function() b:masked_scatter_(b:gt(-100), leaf(2)) end)
    assert.truthy(msg:find('masked_scatter_', 1, true), msg)
    assert.truthy(msg:find('[2]', 1, true), msg)
    assert.are.equal('CloneBackward', b.grad_fn)
    msg = errmsg(function() torch.cat({ leaf(2, 3), leaf(2, 2) }, 1) end)
    assert.truthy(msg:find('cat', 1, true) and msg:find('[2, 2]', 1, true), msg)
    msg = errmsg(function() torch.stack({ leaf(2, 3), leaf(3, 2) }) end)
    assert.truthy(msg:find('stack', 1, true) and msg:find('[3, 2]', 1, true), msg)
    msg = errmsg(function() leaf(2):gather(1, long({ { 1 } })) end)
    assert.truthy(msg:find('gather', 1, true) and msg:find('[1, 1]', 1, true), msg)
    msg = errmsg(function() leaf(2, 2):masked_select(torch.ones(3, { dtype = torch.bool })) end)
    assert.truthy(msg:find('masked_select', 1, true), msg)
  end)
end)

describe('in-place indexing ops and leaves', function()
  local idx = long({ 1 })
  local cases = {
    { 'index_add_', function(x) x:index_add_(1, idx, torch.ones(1, 2, f64)) end },
    { 'index_copy_', function(x) x:index_copy_(1, idx, torch.ones(1, 2, f64)) end },
    { 'index_fill_', function(x) x:index_fill_(1, idx, 0) end },
    { 'scatter_', function(x) x:scatter_(1, long({ { 1, 2 } }), 0) end },
    { 'scatter_add_', function(x) x:scatter_add_(1, long({ { 1, 2 } }), torch.ones(1, 2, f64)) end },
    { 'masked_fill_', function(x) x:masked_fill_(x:gt(0), 0) end },
    { 'masked_scatter_', function(x) x:masked_scatter_(x:gt(0), torch.ones(4, f64)) end },
    { 'index_fill_', function(x) x[idx] = 0 end },
    { 'masked_fill_', function(x) x[torch.tensor({ true, false })] = 1 end },
    { 'index_copy_', function(x) x[idx] = torch.ones(2, f64) end },
  }

  it('are refused on a leaf that requires grad, naming the op', function()
    for _, case in ipairs(cases) do
      local x = leaf(2, 2)
      local before = H.values(x)
      local msg = errmsg(function() case[2](x) end)
      assert.truthy(msg:find(case[1], 1, true), msg)
      assert.truthy(msg:find('leaf', 1, true), msg)
      H.assert_tensor(x, before, 0) -- untouched
      assert.is_true(x.is_leaf)
    end
  end)

  it('are refused on a view of a tensor that requires grad', function()
    local x = leaf(3, 2)
    local msg = errmsg(function() x[{ { 1, 2 } }]:index_fill_(1, idx, 0) end)
    assert.truthy(msg:find('index_fill_', 1, true))
    assert.truthy(msg:find('view', 1, true))
  end)

  it('run on leaves under no_grad and record nothing', function()
    for _, case in ipairs(cases) do
      local x = leaf(2, 2)
      torch.no_grad(function() case[2](x) end)
      assert.is_true(x.is_leaf)
      assert.is_nil(x.grad_fn)
    end
  end)
end)
