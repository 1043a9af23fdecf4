-- Linear algebra: mm mv bmm matmul dot outer addmm.
local torch = require 'torch'
local H = require 'spec.helpers'

-- Reference product of flat row-major tables (m x k) @ (k x n) in Lua numbers.
local function ref_mm(A, B, m, k, n)
  local C = {}
  for i = 1, m do
    for j = 1, n do
      local s = 0
      for p = 1, k do s = s + A[(i - 1) * k + p] * B[(p - 1) * n + j] end
      C[(i - 1) * n + j] = s
    end
  end
  return C
end

-- Asserts two tensors hold the same shape and values within tol.
local function assert_close(got, want, tol)
  H.assert_shape(got, want.shape)
  H.assert_tensor(got, H.values(want), tol)
end

-- The error message of fn(...), which must fail.
local function err_of(fn, ...)
  local ok, msg = pcall(fn, ...)
  assert.is_false(ok)
  return tostring(msg)
end

describe('mm', function()
  it('multiplies 2-D float32 matrices (hand computed)', function()
    local a = torch.tensor({{1, 2, 3}, {4, 5, 6}}):float()
    local b = torch.tensor({{7, 8}, {9, 10}, {11, 12}}):float()
    local c = torch.mm(a, b)
    H.assert_tensor(c, {{58, 64}, {139, 154}}, 0, {2, 2})
    assert.are.equal(torch.float32, c.dtype)
    H.assert_tensor(a:mm(b), {{58, 64}, {139, 154}}, 0)
  end)

  it('matches a float64 Lua triple loop on random inputs, small and BLAS-sized', function()
    torch.manual_seed(1)
    for _, s in ipairs({{3, 2, 4}, {1, 5, 1}, {7, 13, 5}, {20, 30, 40}, {64, 33, 17}}) do
      local m, k, n = s[1], s[2], s[3]
      local a = torch.randn(m, k, {dtype = torch.float64})
      local b = torch.randn(k, n, {dtype = torch.float64})
      local want = ref_mm(H.values(a), H.values(b), m, k, n)
      H.assert_tensor(torch.mm(a, b), want, 1e-12, {m, n})
      -- float32 against the float64 reference
      H.assert_tensor(torch.mm(a:float(), b:float()), want, 1e-4, {m, n})
    end
  end)

  it('gives the same result for transposed and non-contiguous operands', function()
    torch.manual_seed(2)
    for _, s in ipairs({{3, 4, 2}, {24, 31, 17}}) do
      local m, k, n = s[1], s[2], s[3]
      local at = torch.randn(k, m):t()           -- transposed view: BLAS transpose flag
      local bt = torch.randn(n, k):t()
      assert.is_false(at:is_contiguous())
      local want = torch.mm(at:contiguous(), bt:contiguous())
      assert_close(torch.mm(at, bt), want, 1e-5)
      assert_close(torch.mm(at, bt:contiguous()), want, 1e-5)
      assert_close(torch.mm(at:contiguous(), bt), want, 1e-5)
      -- column slices: row stride larger than the row (lda > cols)
      local wide = torch.randn(m, k + 5)
      local sl = wide:narrow(2, 3, k)
      assert.is_false(sl:is_contiguous())
      assert_close(torch.mm(sl, bt), torch.mm(sl:contiguous(), bt:contiguous()), 1e-5)
      -- neither stride is 1: has to be copied before BLAS
      local odd = torch.randn(m, k, 3):select(3, 2)
      assert.are.same({3 * k, 3}, {odd:stride(1), odd:stride(2)})
      assert_close(torch.mm(odd, bt), torch.mm(odd:contiguous(), bt:contiguous()), 1e-5)
      -- a broadcast (stride 0) row
      local rows = torch.randn(1, k):expand(m, k)
      assert_close(torch.mm(rows, bt), torch.mm(rows:contiguous(), bt:contiguous()), 1e-5)
    end
  end)

  it('does not modify its inputs and returns a new tensor', function()
    local a = torch.tensor({{1.0, 2.0}, {3.0, 4.0}})
    local c = torch.mm(a, a)
    H.assert_tensor(a, {{1, 2}, {3, 4}}, 0)
    H.assert_tensor(c, {{7, 10}, {15, 22}}, 0)
    assert.is_false(c:data_ptr() == a:data_ptr())
  end)

  it('works in float64 and int64, exactly for integers beyond float64 precision', function()
    local a = torch.tensor({{1, 2}, {3, 4}}, {dtype = torch.float64})
    local c = a:mm(a)
    assert.are.equal(torch.float64, c.dtype)
    H.assert_tensor(c, {{7, 10}, {15, 22}}, 0)
    local big = torch.tensor({{2147483648, 1}})                -- int64
    local col = torch.tensor({{2147483648}, {3}})
    local p = torch.mm(big, col)
    assert.are.equal(torch.int64, p.dtype)
    assert.are.equal((1 << 62) + 3, p[1][1])
    local i32 = torch.tensor({{1, -2}, {3, 4}}, {dtype = torch.int32})
    local q = i32:mm(i32:t())
    assert.are.equal(torch.int32, q.dtype)
    H.assert_tensor(q, {{5, -5}, {-5, 25}}, 0)
  end)

  it('handles empty dims: k = 0 gives zeros, m or n = 0 gives empty', function()
    H.assert_tensor(torch.mm(torch.zeros(3, 0), torch.zeros(0, 4)), {{0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}},
      0, {3, 4})
    H.assert_tensor(torch.mm(torch.zeros(2, 0, {dtype = torch.int64}), torch.zeros(0, 2, {dtype = torch.int64})),
      {{0, 0}, {0, 0}}, 0, {2, 2})
    H.assert_shape(torch.mm(torch.zeros(0, 3), torch.zeros(3, 4)), {0, 4})
    H.assert_shape(torch.mm(torch.zeros(2, 3), torch.zeros(3, 0)), {2, 0})
  end)

  it('reports mismatched shapes in the documented format', function()
    local msg = err_of(torch.mm, torch.zeros(64, 784), torch.zeros(128, 10))
    assert.is_truthy(msg:find('mm: shapes [64, 784] and [128, 10] cannot be multiplied (784 ~= 128)', 1, true))
  end)

  it('rejects mixed dtypes naming both, non-2-D operands and bool', function()
    local msg = err_of(torch.mm, torch.zeros(2, 2), torch.zeros(2, 2, {dtype = torch.float64}))
    assert.is_truthy(msg:find('mm', 1, true))
    assert.is_truthy(msg:find('float32', 1, true) and msg:find('float64', 1, true))
    msg = err_of(torch.mm, torch.zeros(3), torch.zeros(3, 2))
    assert.is_truthy(msg:find('mm: expected 2-D matrices, but got shapes [3] and [3, 2]', 1, true))
    msg = err_of(torch.mm, torch.zeros(2, 2, {dtype = torch.bool}), torch.zeros(2, 2, {dtype = torch.bool}))
    assert.is_truthy(msg:find('mm: not implemented for bool', 1, true))
  end)
end)

describe('mv and dot', function()
  it('mv: hand computed, with a transposed matrix and a strided vector', function()
    local a = torch.tensor({{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}})
    local v = torch.tensor({1.0, 0.0, -1.0})
    H.assert_tensor(torch.mv(a, v), {-2, -2}, 0, {2})
    H.assert_tensor(a:t():mv(torch.tensor({1.0, 1.0})), {5, 7, 9}, 0, {3})
    local m = torch.tensor({{1.0, 9.0}, {0.0, 9.0}, {-1.0, 9.0}})
    H.assert_tensor(a:mv(m:select(2, 1)), {-2, -2}, 0)          -- stride-2 vector
  end)

  it('mv matches the float64 reference at BLAS sizes, both layouts', function()
    torch.manual_seed(3)
    local a = torch.randn(40, 50, {dtype = torch.float64})
    local v = torch.randn(50, {dtype = torch.float64})
    local want = ref_mm(H.values(a), H.values(v), 40, 50, 1)
    H.assert_tensor(torch.mv(a, v), want, 1e-12, {40})
    H.assert_tensor(torch.mv(a:t():contiguous():t(), v), want, 1e-12, {40})
    H.assert_tensor(torch.mv(a:float(), v:float()), want, 1e-4)
  end)

  it('dot: hand computed, strided, large, and int64', function()
    local d = torch.dot(torch.tensor({1.0, 2.0, 3.0}), torch.tensor({4.0, 5.0, 6.0}))
    H.assert_tensor(d, {32}, 0, {})
    local m = torch.tensor({{1.0, 2.0}, {3.0, 4.0}})
    H.assert_tensor(torch.dot(m:select(2, 1), m:select(2, 2)), {14}, 0)
    local n = 5000
    local x = torch.arange(1, n + 1, 1, {dtype = torch.float64})
    H.assert_tensor(x:dot(x), {n * (n + 1) * (2 * n + 1) / 6}, 1e-12)
    local i = torch.tensor({3, -4})
    local r = torch.dot(i, i)
    assert.are.equal(torch.int64, r.dtype)
    assert.are.equal(25, r:item())
    H.assert_tensor(torch.dot(torch.zeros(0), torch.zeros(0)), {0}, 0, {})
  end)

  it('errors name the op and shapes', function()
    local msg = err_of(torch.dot, torch.zeros(3), torch.zeros(4))
    assert.is_truthy(msg:find('dot: shapes [3] and [4] cannot be multiplied (3 ~= 4)', 1, true))
    msg = err_of(torch.mv, torch.zeros(2, 3), torch.zeros(4))
    assert.is_truthy(msg:find('mv: shapes [2, 3] and [4] cannot be multiplied (3 ~= 4)', 1, true))
    msg = err_of(torch.mv, torch.zeros(2, 3), torch.zeros(3, 1))
    assert.is_truthy(msg:find('mv: expected a 2-D matrix and a 1-D vector', 1, true))
    msg = err_of(torch.dot, torch.zeros(2, 2), torch.zeros(2))
    assert.is_truthy(msg:find('dot: expected 1-D tensors, but got shapes [2, 2] and [2]', 1, true))
  end)
end)

describe('outer', function()
  it('is the column-times-row product, with dtype promotion', function()
    H.assert_tensor(torch.outer(torch.tensor({1.0, 2.0}), torch.tensor({3.0, 4.0, 5.0})),
      {{3, 4, 5}, {6, 8, 10}}, 0, {2, 3})
    local o = torch.tensor({1, 2}):outer(torch.tensor({-1, 3}))
    assert.are.equal(torch.int64, o.dtype)
    H.assert_tensor(o, {{-1, 3}, {-2, 6}}, 0)
    local mixed = torch.outer(torch.tensor({2}), torch.tensor({0.5}))
    assert.are.equal(torch.float32, mixed.dtype)
    H.assert_tensor(mixed, {{1}}, 0)
    assert.is_truthy(err_of(torch.outer, torch.zeros(2, 2), torch.zeros(2)):find('outer: expected 1-D', 1, true))
  end)
end)

describe('addmm', function()
  it('computes beta * c + alpha * (a @ b) with c broadcast', function()
    local a = torch.tensor({{1.0, 2.0}, {3.0, 4.0}})
    local b = torch.tensor({{1.0, 0.0}, {0.0, 1.0}})
    local bias = torch.tensor({10.0, 20.0})
    H.assert_tensor(torch.addmm(bias, a, b), {{11, 22}, {13, 24}}, 0, {2, 2})
    H.assert_tensor(torch.addmm(bias, a, b, {beta = 2, alpha = 10}), {{30, 60}, {50, 80}}, 0)
    H.assert_tensor(bias:addmm(a, b, {alpha = -1}), {{9, 18}, {7, 16}}, 0)
    H.assert_tensor(torch.addmm(torch.ones(2, 1), a, b, {beta = 0.5}), {{1.5, 2.5}, {3.5, 4.5}}, 0)
    H.assert_tensor(bias, {10, 20}, 0) -- c unchanged
  end)

  it('ignores c entirely when beta = 0 (NaN does not leak)', function()
    local c = torch.full({2, 2}, 0 / 0)
    local a = torch.tensor({{1.0, 2.0}, {3.0, 4.0}})
    H.assert_tensor(torch.addmm(c, a, a, {beta = 0}), {{7, 10}, {15, 22}}, 0)
    local big = torch.randn(40, 40)
    local r = torch.addmm(torch.full({40, 40}, 0 / 0), big, big, {beta = 0})
    assert_close(r, torch.mm(big, big), 1e-6)
  end)

  it('matches mm + c at BLAS sizes, with transposed operands, float64 and int64', function()
    torch.manual_seed(4)
    local a = torch.randn(30, 20, {dtype = torch.float64}):t()
    local b = torch.randn(30, 25, {dtype = torch.float64})
    local c = torch.randn(25, {dtype = torch.float64})
    local want = torch.mm(a, b) * 3 + c * 0.5
    assert_close(torch.addmm(c, a, b, {beta = 0.5, alpha = 3}), want, 1e-12)
    local i = torch.tensor({{1, 2}, {3, 4}})
    H.assert_tensor(torch.addmm(torch.tensor({1, 1}), i, i, {beta = 2, alpha = 3}), {{23, 32}, {47, 68}}, 0)
    -- k = 0: only beta * c
    H.assert_tensor(torch.addmm(torch.ones(2, 3), torch.zeros(2, 0), torch.zeros(0, 3), {beta = 4}),
      {{4, 4, 4}, {4, 4, 4}}, 0)
  end)

  it('reports bad shapes, dtypes and non-integer scales for integers', function()
    local msg = err_of(torch.addmm, torch.zeros(3), torch.zeros(2, 2), torch.zeros(2, 4))
    assert.is_truthy(msg:find('addmm: input of shape [3] cannot be broadcast to the product\'s shape [2, 4]', 1, true))
    msg = err_of(torch.addmm, torch.zeros(2, 2), torch.zeros(2, 3), torch.zeros(2, 2))
    assert.is_truthy(msg:find('addmm: shapes [2, 3] and [2, 2] cannot be multiplied (3 ~= 2)', 1, true))
    msg = err_of(torch.addmm, torch.zeros(2, 2, {dtype = torch.float64}), torch.zeros(2, 2), torch.zeros(2, 2))
    assert.is_truthy(msg:find('float64', 1, true) and msg:find('float32', 1, true))
    local i = torch.zeros(2, 2, {dtype = torch.int64})
    msg = err_of(torch.addmm, i, i, i, {alpha = 0.5})
    assert.is_truthy(msg:find('addmm: alpha and beta must be integers', 1, true))
  end)
end)

describe('bmm', function()
  it('multiplies batches of matrices like a loop of mm', function()
    torch.manual_seed(5)
    for _, s in ipairs({{4, 3, 5, 2}, {3, 20, 30, 25}, {300, 3, 4, 5}}) do
      local bsz, m, k, n = s[1], s[2], s[3], s[4]
      local a = torch.randn(bsz, m, k, {dtype = torch.float64})
      local b = torch.randn(bsz, k, n, {dtype = torch.float64})
      local c = torch.bmm(a, b)
      H.assert_shape(c, {bsz, m, n})
      for i = 1, bsz, math.max(1, bsz // 7) do
        assert_close(c[i], torch.mm(a[i], b[i]), 1e-12)
      end
      -- transposed batches (a view with swapped inner strides), float32
      local at = a:float():transpose(2, 3):contiguous():transpose(2, 3)
      assert_close(torch.bmm(at, b:float()), c:float(), 1e-4)
    end
  end)

  it('is exact for int64 and handles empty batches', function()
    local a = torch.tensor({{{1, 2}}, {{3, 4}}})      -- [2, 1, 2]
    local b = torch.tensor({{{5}, {6}}, {{7}, {8}}})  -- [2, 2, 1]
    H.assert_tensor(a:bmm(b), {{{17}}, {{53}}}, 0, {2, 1, 1})
    H.assert_shape(torch.bmm(torch.zeros(0, 2, 3), torch.zeros(0, 3, 4)), {0, 2, 4})
  end)

  it('requires 3-D operands with equal batch sizes', function()
    local msg = err_of(torch.bmm, torch.zeros(2, 3), torch.zeros(2, 3, 4))
    assert.is_truthy(msg:find('bmm: expected 3-D tensors, but got shapes [2, 3] and [2, 3, 4]', 1, true))
    msg = err_of(torch.bmm, torch.zeros(2, 3, 4), torch.zeros(3, 4, 5))
    assert.is_truthy(msg:find('bmm: shapes [2, 3, 4] and [3, 4, 5] have different batch sizes (2 ~= 3)', 1, true))
    msg = err_of(torch.bmm, torch.zeros(2, 3, 4), torch.zeros(2, 5, 6))
    assert.is_truthy(msg:find('bmm: shapes [2, 3, 4] and [2, 5, 6] cannot be multiplied (4 ~= 5)', 1, true))
  end)
end)

describe('matmul', function()
  it('follows the 1-D and 2-D rules', function()
    local v = torch.tensor({1.0, 2.0, 3.0})
    local d = torch.matmul(v, v)
    H.assert_tensor(d, {14}, 0, {})
    local m = torch.tensor({{1.0, 0.0, 1.0}, {0.0, 1.0, 0.0}})
    H.assert_tensor(m:matmul(v), {4, 2}, 0, {2})                       -- 2-D @ 1-D: appended dim removed
    H.assert_tensor(torch.matmul(torch.tensor({1.0, 2.0}), m), {1, 2, 1}, 0, {3}) -- 1-D @ 2-D: prepended dim removed
    H.assert_tensor(m:matmul(m:t()), {{2, 0}, {0, 1}}, 0, {2, 2})
  end)

  it('broadcasts batch dims', function()
    torch.manual_seed(6)
    local a = torch.randn(2, 1, 3, 4, {dtype = torch.float64})
    local b = torch.randn(5, 4, 6, {dtype = torch.float64})
    local c = torch.matmul(a, b)
    H.assert_shape(c, {2, 5, 3, 6})
    for i = 1, 2 do
      for j = 1, 5 do
        assert_close(c[i][j], torch.mm(a[i][1], b[j]), 1e-12)
      end
    end
    -- 2-D on the left is broadcast over b's batch
    local left = torch.randn(3, 4, {dtype = torch.float64})
    local c2 = torch.matmul(left, b)
    H.assert_shape(c2, {5, 3, 6})
    assert_close(c2[4], torch.mm(left, b[4]), 1e-12)
  end)

  it('folds batch dims of the left operand into one product, or not, with equal results', function()
    torch.manual_seed(7)
    local a = torch.randn(4, 6, 5)
    local w = torch.randn(5, 3)
    local c = torch.matmul(a, w)                                 -- foldable: contiguous batch
    H.assert_shape(c, {4, 6, 3})
    local at = torch.randn(4, 5, 6):transpose(2, 3)              -- not foldable
    local c2 = torch.matmul(at, w)
    for i = 1, 4 do
      assert_close(c[i], torch.mm(a[i], w), 1e-5)
      assert_close(c2[i], torch.mm(at[i], w), 1e-5)
    end
    -- large enough for BLAS once folded, with a transposed weight
    local x = torch.randn(8, 10, 20)
    local wt = torch.randn(30, 20):t()
    local y = torch.matmul(x, wt)
    assert_close(y:view(80, 30), torch.mm(x:view(80, 20), wt:contiguous()), 1e-5)
    -- many tiny products spread over threads
    local many, other = torch.randn(500, 2, 3), torch.randn(500, 3, 2)
    local r = torch.matmul(many, other)
    H.assert_shape(r, {500, 2, 2})
    for i = 1, 500, 37 do assert_close(r[i], torch.mm(many[i], other[i]), 1e-6) end
    -- medium products spread over threads go to BLAS one per task
    local mid, mid2 = torch.randn(40, 16, 24), torch.randn(40, 24, 12):transpose(2, 3):contiguous():transpose(2, 3)
    local rm = torch.bmm(mid, mid2)
    for i = 1, 40, 7 do assert_close(rm[i], torch.mm(mid[i], mid2[i]:contiguous()), 1e-5) end
  end)

  it('handles 1-D with N-D on either side', function()
    torch.manual_seed(8)
    local b = torch.randn(3, 4, 5, {dtype = torch.float64})
    local v = torch.randn(4, {dtype = torch.float64})
    local r = torch.matmul(v, b)
    H.assert_shape(r, {3, 5})
    assert_close(r[2], torch.matmul(v, b[2]), 1e-12)
    local u = torch.randn(5, {dtype = torch.float64})
    local s = torch.matmul(b, u)
    H.assert_shape(s, {3, 4})
    assert_close(s[3], torch.mv(b[3], u), 1e-12)
  end)

  it('works for int64 batches', function()
    local a = torch.tensor({{{1, 2}, {3, 4}}, {{0, 1}, {1, 0}}})
    local r = torch.matmul(a, torch.tensor({{1, 1}, {1, 1}}))
    assert.are.equal(torch.int64, r.dtype)
    H.assert_tensor(r, {{{3, 3}, {7, 7}}, {{1, 1}, {1, 1}}}, 0, {2, 2, 2})
  end)

  it('reports shape, batch and 0-D errors', function()
    local msg = err_of(torch.matmul, torch.zeros(2, 3, 4), torch.zeros(5, 6))
    assert.is_truthy(msg:find('matmul: shapes [2, 3, 4] and [5, 6] cannot be multiplied (4 ~= 5)', 1, true))
    msg = err_of(torch.matmul, torch.zeros(2, 3, 4), torch.zeros(3, 4, 5))
    assert.is_truthy(msg:find('matmul: shapes [2, 3, 4] and [3, 4, 5] cannot be broadcast', 1, true))
    msg = err_of(torch.matmul, torch.zeros(3), torch.zeros(4))
    assert.is_truthy(msg:find('matmul: shapes [3] and [4] cannot be multiplied (3 ~= 4)', 1, true))
    msg = err_of(torch.matmul, torch.tensor(2.0), torch.zeros(2))
    assert.is_truthy(msg:find('matmul: expected tensors with at least 1 dim', 1, true))
    msg = err_of(torch.matmul, torch.zeros(2, 2, {dtype = torch.int64}), torch.zeros(2, 2))
    assert.is_truthy(msg:find('int64', 1, true) and msg:find('float32', 1, true))
  end)
end)
