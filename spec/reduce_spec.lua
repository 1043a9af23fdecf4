-- Reductions: sum mean prod amax amin all any var std norm max min argmax
-- argmin cumsum sum_to_size.  Dims and indices are 1-based in Lua.
local torch = require 'torch'
local H = require 'spec.helpers'

local nan = 0 / 0
local inf = math.huge

-- The error message of f(), which must fail.
local function error_of(f)
  local ok, err = pcall(f)
  assert.is_false(ok, 'expected an error')
  return tostring(err)
end

local function assert_finds(msg, ...)
  for _, s in ipairs({...}) do
    assert(msg:find(s, 1, true), string.format('expected %q in the message: %s', s, msg))
  end
end

local function lua_sum(list)
  local s = 0
  for _, v in ipairs(list) do s = s + v end
  return s
end

-- a 2x3 float32 tensor and its transpose (non-contiguous)
local function m23()
  return torch.tensor({{1, 2, 3}, {4, 5, 6}}, {dtype = torch.float32})
end

describe('sum', function()
  it('reduces everything to a 0-dim tensor', function()
    local s = m23():sum()
    H.assert_tensor(s, {21}, 0, {})
    assert.are.equal(torch.float32, s.dtype)
    assert.are.equal(21, torch.sum(m23()):item())
  end)

  it('reduces one dim, 1-based and negative', function()
    H.assert_tensor(m23():sum(1), {5, 7, 9}, 0, {3})
    H.assert_tensor(m23():sum(2), {6, 15}, 0, {2})
    H.assert_tensor(m23():sum(-1), {6, 15}, 0, {2})
    H.assert_tensor(m23():sum(-2), {5, 7, 9}, 0, {3})
    H.assert_tensor(torch.sum(m23(), 2), {6, 15}, 0, {2})
  end)

  it('keeps dims positionally or as an option', function()
    H.assert_tensor(m23():sum(2, true), {{6}, {15}}, 0, {2, 1})
    H.assert_tensor(m23():sum(1, {keepdim = true}), {{5, 7, 9}}, 0, {1, 3})
    H.assert_tensor(m23():sum({dim = 2, keepdim = true}), {{6}, {15}}, 0, {2, 1})
    H.assert_tensor(m23():sum(2, false), {6, 15}, 0, {2})
    H.assert_tensor(torch.sum(m23(), -1, true), {{6}, {15}}, 0, {2, 1})
  end)

  it('reduces a table of dims', function()
    local x = torch.arange(24):view(2, 3, 4):float()
    -- element (i, j, k) is 12(i-1) + 4(j-1) + (k-1)
    local s13 = x:sum({1, 3})
    H.assert_tensor(s13, {2 * 6 + 4 * 12 + 12 * 0 + 4 * 0, 2 * 6 + 4 * 12 + 8 * 4, 2 * 6 + 4 * 12 + 8 * 8}, 0, {3})
    H.assert_tensor(x:sum({1, 2}), {60, 66, 72, 78}, 0, {4}) -- 60 + 6(k-1)
    H.assert_tensor(x:sum({-1, 1}, true), {{{2 * 6 + 48}, {2 * 6 + 48 + 32}, {2 * 6 + 48 + 64}}}, 0, {1, 3, 1})
    H.assert_tensor(x:sum({1, 2, 3}), {276}, 0, {})
    H.assert_tensor(x:sum({}), {276}, 0, {})
  end)

  it('works on transposed and narrowed (non-contiguous) input', function()
    local x = m23():t()
    assert.is_false(x:is_contiguous())
    H.assert_tensor(x:sum(1), {6, 15}, 0, {2})
    H.assert_tensor(x:sum(2), {5, 7, 9}, 0, {3})
    H.assert_tensor(x:sum(), {21}, 0, {})
    local y = torch.arange(60):view(3, 4, 5):float():permute({3, 1, 2}):narrow(2, 2, 2)
    assert.is_false(y:is_contiguous())
    -- against a float64 sum over the elements in Lua
    local vals = H.values(y)
    assert.are.equal(lua_sum(vals), y:sum():item())
    local s = y:sum({1, 3})
    H.assert_shape(s, {2})
    local first = lua_sum(H.values(y:select(2, 1)))
    assert.are.equal(first, s[1])
  end)

  it('matches a float64 Lua sum on every dim of a 4-D permuted tensor', function()
    torch.manual_seed(7)
    local x = torch.randn(3, 4, 5, 6):permute({4, 2, 1, 3})
    for d = 1, 4 do
      local s = x:sum(d)
      local want = {}
      -- reduce dim d by summing the selected slices in Lua
      local slices = {}
      for i = 1, x:size(d) do slices[i] = H.values(x:select(d, i)) end
      for k = 1, #slices[1] do
        local acc = 0
        for i = 1, #slices do acc = acc + slices[i][k] end
        want[k] = acc
      end
      H.assert_tensor(s, want, 1e-5)
    end
  end)

  it('gives int64 for integer and bool input, exactly', function()
    local i32 = torch.tensor({{1, 2}, {3, 4}}, {dtype = torch.int32})
    local s = i32:sum()
    assert.are.equal(torch.int64, s.dtype)
    assert.are.equal(10, s:item())
    assert.are.equal('integer', math.type(s:item()))
    local b = torch.tensor({true, false, true, true})
    assert.are.equal(torch.int64, b:sum().dtype)
    assert.are.equal(3, b:sum():item())
    local u8 = torch.full({300}, 200, {dtype = torch.uint8})
    assert.are.equal(60000, u8:sum():item()) -- no uint8 wrap-around
  end)

  it('keeps float64', function()
    local x = torch.tensor({0.1, 0.2, 0.3}, {dtype = torch.float64})
    assert.are.equal(torch.float64, x:sum().dtype)
    assert.is_true(math.abs(x:sum():item() - 0.6) < 1e-15)
  end)

  it('sums int64 exactly beyond 2^53', function()
    local big = (1 << 60) + 1
    local x = torch.tensor({big, big})
    assert.are.equal(torch.int64, x.dtype)
    assert.are.equal((1 << 61) + 2, x:sum():item())
    local y = torch.tensor({{big, 1}, {big, 2}})
    assert.are.equal((1 << 61) + 2, y:sum(1)[1])
    assert.are.equal(big + 1, y:sum(2)[1])
  end)

  it('sums 10^7 float32 ones to exactly 10^7', function()
    local x = torch.ones(10000000)
    local s = x:sum()
    assert.are.equal(torch.float32, s.dtype)
    assert.are.equal(10000000, s:item())
    assert.are.equal(1, x:mean():item())
    -- along a dim too, both ways round
    local y = x:view(10, 1000000)
    H.assert_tensor(y:sum(2), {1e6, 1e6, 1e6, 1e6, 1e6, 1e6, 1e6, 1e6, 1e6, 1e6}, 0)
    assert.are.equal(1e7, y:t():sum(1):sum():item())
  end)

  it('agrees with a small-chunk Lua computation on a large tensor', function()
    torch.manual_seed(1234)
    local n = 1500000
    local x = torch.rand(n):mul(2):sub(0.5) -- mixed signs
    local vals = x:totable()
    local total, chunk = 0, 0
    for i = 1, n do
      chunk = chunk + vals[i]
      if i % 1000 == 0 then total = total + chunk; chunk = 0 end
    end
    total = total + chunk
    local s = x:sum():item()
    assert(math.abs(s - total) <= 1e-5 * math.abs(total), string.format('%.10g vs %.10g', s, total))
    -- the same numbers as [1500, 1000], reduced along each dim
    local m = x:view(1500, 1000)
    local rows = m:sum(2):totable()
    local cols = m:sum(1):totable()
    local row1 = 0
    for k = 1, 1000 do row1 = row1 + vals[k] end
    assert(math.abs(rows[1] - row1) <= 1e-5 * math.abs(row1))
    local col7 = 0
    for r = 0, 1499 do col7 = col7 + vals[r * 1000 + 7] end
    assert(math.abs(cols[7] - col7) <= 1e-5 * math.max(1, math.abs(col7)))
    local sum_rows = lua_sum(rows)
    assert(math.abs(sum_rows - total) <= 1e-5 * math.abs(total))
  end)

  it('gives the same result with one and two threads', function()
    torch.manual_seed(99)
    local x = torch.randn(3000, 700)
    local saved = torch.get_num_threads()
    torch.set_num_threads(1)
    local a = {x:sum():item(), x:sum(1):sum():item(), x:var():item(), x:t():sum(2)[5]}
    local i1 = x:view(-1):argmax():item()
    torch.set_num_threads(2)
    local b = {x:sum():item(), x:sum(1):sum():item(), x:var():item(), x:t():sum(2)[5]}
    local i2 = x:view(-1):argmax():item()
    torch.set_num_threads(saved)
    for k = 1, #a do assert.are.equal(a[k], b[k]) end
    assert.are.equal(i1, i2)
  end)

  it('takes a dtype option (casting the input)', function()
    local x = torch.tensor({1, 2, 3}, {dtype = torch.int32})
    local s = x:sum({dtype = torch.float64})
    assert.are.equal(torch.float64, s.dtype)
    assert.are.equal(6, s:item())
    local f = torch.tensor({1e8, 1, -1e8}, {dtype = torch.float32})
    assert.are.equal(torch.float64, f:sum({dtype = torch.float64}).dtype)
  end)
end)

describe('mean and prod', function()
  it('mean over all, a dim and keepdim', function()
    H.assert_tensor(m23():mean(), {3.5}, 1e-7, {})
    H.assert_tensor(m23():mean(1), {2.5, 3.5, 4.5}, 1e-7, {3})
    H.assert_tensor(m23():mean(-1, true), {{2}, {5}}, 1e-7, {2, 1})
    H.assert_tensor(m23():t():mean(1), {2, 5}, 1e-7, {2})
    local d = torch.tensor({1, 2}, {dtype = torch.float64}):mean()
    assert.are.equal(torch.float64, d.dtype)
    assert.are.equal(1.5, d:item())
  end)

  it('mean of an integer tensor is an error naming the dtype', function()
    local msg = error_of(function() return torch.tensor({1, 2, 3}):mean() end)
    assert_finds(msg, 'mean: expected a floating point dtype, got int64')
    assert.has_error(function() return torch.tensor({true}):mean(1) end)
    -- unless a floating dtype is asked for
    assert.are.equal(2, torch.tensor({1, 2, 3}):mean({dtype = torch.float32}):item())
  end)

  it('prod over all and along dims, int to int64', function()
    H.assert_tensor(m23():prod(), {720}, 0, {})
    H.assert_tensor(m23():prod(1), {4, 10, 18}, 0, {3})
    H.assert_tensor(m23():t():prod(1, true), {{6, 120}}, 0, {1, 2})
    local i = torch.tensor({{2, 3}, {4, 5}}, {dtype = torch.int32})
    assert.are.equal(torch.int64, i:prod().dtype)
    assert.are.equal(120, i:prod():item())
    assert.are.equal(math.tointeger(3 ^ 30), torch.full({30}, 3, {dtype = torch.int64}):prod():item())
  end)
end)

describe('amax, amin, all, any', function()
  it('amax/amin keep the dtype and reduce several dims', function()
    local x = torch.tensor({{{1, 9}, {3, 4}}, {{-5, 6}, {7, 0}}}, {dtype = torch.int32})
    local a = x:amax({1, 3})
    assert.are.equal(torch.int32, a.dtype)
    H.assert_tensor(a, {9, 7}, 0, {2})
    H.assert_tensor(x:amin(-1), {{1, 3}, {-5, 0}}, 0, {2, 2})
    H.assert_tensor(x:amax(), {9}, 0, {})
    H.assert_tensor(x:amin(2, true), {{{1, 4}}, {{-5, 0}}}, 0, {2, 1, 2})
    H.assert_tensor(m23():t():amax(1), {3, 6}, 0)
  end)

  it('amax propagates nan', function()
    local x = torch.tensor({{1, nan, 3}, {4, 5, 6}})
    H.assert_tensor(x:amax(2), {nan, 6}, 0)
    H.assert_tensor(x:amin(1), {1, nan, 3}, 0)
    assert.is_true(x:amax():item() ~= x:amax():item())
  end)

  it('all/any give bool, over dims', function()
    local x = torch.tensor({{1, 0, 2}, {3, 4, 5}})
    local a = x:all()
    assert.are.equal(torch.bool, a.dtype)
    assert.is_false(a:item())
    assert.is_true(x:any():item())
    H.assert_tensor(x:all(2), {false, true}, 0, {2})
    H.assert_tensor(x:all(1), {true, false, true}, 0, {3})
    H.assert_tensor(x:t():any(2, true), {{true}, {true}, {true}}, 0, {3, 1})
    H.assert_tensor(torch.zeros(2, 2):any(1), {false, false}, 0)
    -- nan counts as true, like any non-zero
    assert.is_true(torch.tensor({nan}):all():item())
    assert.is_true(torch.tensor({false, true}):any():item())
    assert.is_false(torch.tensor({false, true}):all():item())
  end)
end)

describe('var and std', function()
  local x = torch.tensor({{1, 2, 3, 4}, {2, 4, 6, 8}}, {dtype = torch.float32})

  it('are unbiased by default', function()
    H.assert_tensor(x:var(2), {5 / 3, 20 / 3}, 1e-6, {2})
    H.assert_tensor(x:std(2), {math.sqrt(5 / 3), math.sqrt(20 / 3)}, 1e-6, {2})
    -- all eight: mean 3.75, squared deviations sum 37.5
    H.assert_tensor(x:var(), {37.5 / 7}, 1e-6, {})
    H.assert_tensor(torch.std(x), {math.sqrt(37.5 / 7)}, 1e-6, {})
  end)

  it('take unbiased=false or a correction', function()
    H.assert_tensor(x:var(2, {unbiased = false}), {1.25, 5}, 1e-6)
    H.assert_tensor(x:var(2, {correction = 0}), {1.25, 5}, 1e-6)
    H.assert_tensor(x:var({unbiased = false}), {37.5 / 8}, 1e-6)
    H.assert_tensor(x:var(2, {correction = 2}), {2.5, 10}, 1e-6)
    H.assert_tensor(x:std(1, true, {correction = 0}), {{0.5, 1, 1.5, 2}}, 1e-6, {1, 4})
  end)

  it('work on dims, negative dims and transposed input', function()
    H.assert_tensor(x:var(1), {0.5, 2, 4.5, 8}, 1e-6, {4})
    H.assert_tensor(x:var(-2, true), {{0.5, 2, 4.5, 8}}, 1e-6, {1, 4})
    H.assert_tensor(x:t():var(2), {0.5, 2, 4.5, 8}, 1e-6, {4})
    H.assert_tensor(x:t():var({1, 2}), {37.5 / 7}, 1e-6, {})
  end)

  it('are accurate for data with a large offset (two-pass)', function()
    local y = torch.tensor({1e8 + 1, 1e8 + 2, 1e8 + 3, 1e8 + 4}, {dtype = torch.float64})
    H.assert_tensor(y:var(), {5 / 3}, 1e-12)
  end)

  it('give nan with too few elements, and need a floating dtype', function()
    local v = torch.tensor({3.0}):var()
    assert.is_true(v:item() ~= v:item())
    assert.are.equal(0, torch.tensor({3.0}):var({correction = 0}):item())
    local msg = error_of(function() return torch.tensor({1, 2}):var() end)
    assert_finds(msg, 'var: expected a floating point dtype, got int64')
    msg = error_of(function() return torch.tensor({1, 2}):std() end)
    assert_finds(msg, 'std:')
  end)
end)

describe('norm', function()
  local x = torch.tensor({{3, -4}, {0, 12}}, {dtype = torch.float32})

  it('is the 2-norm by default, over everything or dims', function()
    H.assert_tensor(x:norm(), {13}, 1e-6, {})
    H.assert_tensor(torch.norm(x), {13}, 1e-6, {})
    H.assert_tensor(x:norm(2, 2), {5, 12}, 1e-6, {2})
    H.assert_tensor(x:norm(2, 1, true), {{3, 4 * math.sqrt(10)}}, 1e-6, {1, 2})
    H.assert_tensor(x:norm('fro'), {13}, 1e-6)
    H.assert_tensor(x:t():norm(2, -1), {3, math.sqrt(16 + 144)}, 1e-6)
  end)

  it('takes p = 1, inf, -inf, 0 and others', function()
    H.assert_tensor(x:norm(1), {19}, 1e-6)
    H.assert_tensor(x:norm(inf), {12}, 1e-6)
    H.assert_tensor(x:norm(-inf), {0}, 1e-6)
    H.assert_tensor(x:norm(0), {3}, 1e-6)
    H.assert_tensor(x:norm(3), {(27 + 64 + 1728) ^ (1 / 3)}, 1e-6)
    H.assert_tensor(x:norm(1, 2), {7, 12}, 1e-6)
    H.assert_tensor(x:norm(inf, 1), {3, 12}, 1e-6)
    H.assert_tensor(x:norm({p = 1, dim = 1}), {3, 16}, 1e-6)
  end)

  it('needs a floating dtype', function()
    local msg = error_of(function() return torch.tensor({3, 4}):norm() end)
    assert_finds(msg, 'norm: expected a floating point dtype, got int64')
    assert.are.equal(5, torch.tensor({3, 4}):double():norm():item())
  end)
end)

describe('max and min', function()
  it('without a dim give a 0-dim tensor', function()
    local x = torch.tensor({{3, 7, 7}, {1, -2, 5}})
    local m = x:max()
    H.assert_tensor(m, {7}, 0, {})
    assert.are.equal(torch.int64, m.dtype)
    H.assert_tensor(x:min(), {-2}, 0, {})
    H.assert_tensor(torch.max(x), {7}, 0, {})
  end)

  it('along a dim give values and 1-based int64 indices, first of ties', function()
    local x = torch.tensor({{3, 7, 7}, {1, -2, 5}, {3, 9, 0}})
    local v, i = x:max(2)
    H.assert_tensor(v, {7, 5, 9}, 0, {3})
    H.assert_tensor(i, {2, 3, 2}, 0, {3})
    assert.are.equal(torch.int64, i.dtype)
    v, i = x:max(1)
    H.assert_tensor(v, {3, 9, 7}, 0, {3})
    H.assert_tensor(i, {1, 3, 1}, 0, {3}) -- 3 first at row 1, not row 3
    v, i = x:min(-1)
    H.assert_tensor(v, {3, -2, 0}, 0)
    H.assert_tensor(i, {1, 2, 3}, 0)
    v, i = torch.min(x, 1, true)
    H.assert_tensor(v, {{1, -2, 0}}, 0, {1, 3})
    H.assert_tensor(i, {{2, 2, 3}}, 0, {1, 3})
    v, i = x:max(2, {keepdim = true})
    H.assert_shape(i, {3, 1})
  end)

  it('ties pick the first occurrence on long rows too', function()
    local x = torch.zeros(3, 5000)
    x[2]:fill_(4)
    x:select(2, 4000):fill_(4)
    local _, i = x:max(2)
    H.assert_tensor(i, {4000, 1, 4000}, 0)
    local _, j = x:t():max(1) -- the same along a strided dim
    H.assert_tensor(j, {4000, 1, 4000}, 0)
    local _, k = x:max(1)
    assert.are.equal(2, k[1])
    assert.are.equal(1, k[4000]) -- all 4: the first row
  end)

  it('propagate nan with its index', function()
    local x = torch.tensor({{1, nan, 3, nan}, {4, 5, 6, 2}})
    local v, i = x:max(2)
    H.assert_tensor(v, {nan, 6}, 0)
    H.assert_tensor(i, {2, 3}, 0)
    v, i = x:min(2)
    H.assert_tensor(v, {nan, 2}, 0)
    H.assert_tensor(i, {2, 4}, 0)
    assert.is_true(x:max():item() ~= x:max():item())
  end)

  it('work on transposed input', function()
    local x = torch.tensor({{3, 7}, {1, -2}, {8, 5}}):t() -- {{3, 1, 8}, {7, -2, 5}}
    local v, i = x:max(2)
    H.assert_tensor(v, {8, 7}, 0)
    H.assert_tensor(i, {3, 1}, 0)
    v, i = x:min(1)
    H.assert_tensor(v, {3, -2, 5}, 0)
    H.assert_tensor(i, {1, 2, 2}, 0)
  end)

  it('with a second tensor are elementwise', function()
    local a = torch.tensor({1, 5, 3})
    local b = torch.tensor({4, 2, 3})
    H.assert_tensor(torch.max(a, b), {4, 5, 3}, 0)
    H.assert_tensor(a:min(b), {1, 2, 3}, 0)
    H.assert_tensor(torch.max(torch.tensor({{1}, {6}}), a), {{1, 5, 3}, {6, 6, 6}}, 0) -- broadcasts
  end)
end)

describe('argmax and argmin', function()
  it('without a dim give the flat 1-based position', function()
    local x = torch.tensor({{3, 7, 9}, {9, -2, 5}})
    local i = x:argmax()
    assert.are.equal(torch.int64, i.dtype)
    H.assert_tensor(i, {3}, 0, {})
    H.assert_tensor(x:argmin(), {5}, 0, {})
    -- position in row-major order of the (transposed) tensor: {{3, 9}, {7, -2}, {9, 5}}
    H.assert_tensor(x:t():argmax(), {2}, 0, {})
    H.assert_tensor(x:t():argmin(), {4}, 0, {})
    local v = x:t():contiguous():view(-1)
    assert.are.equal(9, v[x:t():argmax():item()])
    H.assert_tensor(torch.argmax(x, {keepdim = true}), {{3}}, 0, {1, 1})
  end)

  it('along a dim, with keepdim and negative dims', function()
    local x = torch.tensor({{3, 7, 9}, {9, -2, 9}})
    H.assert_tensor(x:argmax(2), {3, 1}, 0, {2})
    H.assert_tensor(x:argmax(1), {2, 1, 1}, 0, {3})
    H.assert_tensor(x:argmin(-1, true), {{1}, {2}}, 0, {2, 1})
    H.assert_tensor(torch.argmax(x:float(), 2), {3, 1}, 0)
    H.assert_tensor(x:bool():argmin(2), {1, 1}, 0) -- all true: first
  end)

  it('finds the max of a large tensor, first of ties', function()
    local x = torch.zeros(2000000)
    x[1500001] = 3
    x[1999999] = 3
    x[7] = -1
    assert.are.equal(1500001, x:argmax():item())
    assert.are.equal(7, x:argmin():item())
    x[10] = nan
    assert.are.equal(10, x:argmax():item())
  end)
end)

describe('cumsum', function()
  it('runs along a dim', function()
    local x = m23()
    H.assert_tensor(x:cumsum(2), {{1, 3, 6}, {4, 9, 15}}, 0, {2, 3})
    H.assert_tensor(x:cumsum(1), {{1, 2, 3}, {5, 7, 9}}, 0, {2, 3})
    H.assert_tensor(torch.cumsum(x, -1), {{1, 3, 6}, {4, 9, 15}}, 0)
    H.assert_tensor(x:t():cumsum(1), {{1, 4}, {3, 9}, {6, 15}}, 0, {3, 2})
    assert.are.equal(torch.float32, x:cumsum(1).dtype)
  end)

  it('gives int64 for integers and bools, exactly', function()
    local big = (1 << 60) + 1
    local c = torch.tensor({big, big, 1}, {dtype = torch.int64}):cumsum(1)
    assert.are.equal(torch.int64, c.dtype)
    assert.are.equal((1 << 61) + 3, c[3])
    local b = torch.tensor({true, false, true}):cumsum(1)
    assert.are.equal(torch.int64, b.dtype)
    H.assert_tensor(b, {1, 1, 2}, 0)
    H.assert_tensor(torch.tensor({1, 2}, {dtype = torch.int32}):cumsum(1, {dtype = torch.float64}), {1, 3}, 0)
  end)

  it('wants a dim', function()
    assert.has_error(function() return m23():cumsum() end)
    local msg = error_of(function() return m23():cumsum(3) end)
    assert_finds(msg, 'cumsum: dimension 3 out of range for a 2-D tensor')
  end)
end)

describe('0-dim tensors', function()
  it('reduce to themselves', function()
    local s = torch.tensor(5.0)
    H.assert_tensor(s:sum(), {5}, 0, {})
    H.assert_tensor(s:sum(1), {5}, 0, {})
    H.assert_tensor(s:sum(-1, true), {5}, 0, {})
    H.assert_tensor(s:mean(), {5}, 0, {})
    H.assert_tensor(s:amax(1), {5}, 0, {})
    H.assert_tensor(s:cumsum(1), {5}, 0, {})
    local v, i = s:max(1)
    H.assert_tensor(v, {5}, 0, {})
    H.assert_tensor(i, {1}, 0, {})
    H.assert_tensor(s:argmax(), {1}, 0, {})
    assert.is_true(s:var():item() ~= s:var():item()) -- nan: one element, unbiased
    H.assert_tensor(s:norm(), {5}, 0, {})
    assert.has_error(function() return s:sum(2) end)
  end)
end)

describe('empty tensors', function()
  local e = torch.zeros(0, 3)

  it('sum to 0, prod to 1, mean to nan', function()
    H.assert_tensor(torch.zeros(0):sum(), {0}, 0, {})
    H.assert_tensor(e:sum(1), {0, 0, 0}, 0, {3})
    H.assert_shape(e:sum(2), {0})
    H.assert_shape(e:sum(2, true), {0, 1})
    H.assert_tensor(e:prod(1), {1, 1, 1}, 0)
    H.assert_tensor(e:mean(1), {nan, nan, nan}, 0)
    H.assert_tensor(e:all(1), {true, true, true}, 0)
    H.assert_tensor(e:any(1), {false, false, false}, 0)
    H.assert_tensor(e:norm(2, 1), {0, 0, 0}, 0)
    H.assert_shape(e:cumsum(1), {0, 3})
    H.assert_tensor(torch.zeros(0, {dtype = torch.int64}):sum(), {0}, 0)
    -- reducing a non-empty dim of an empty tensor is fine
    H.assert_shape(e:amax(2), {0})
    local v, i = e:max(2)
    H.assert_shape(v, {0})
    H.assert_shape(i, {0})
  end)

  it('amax, max and argmax over an empty dim are errors naming the op and shape', function()
    local msg = error_of(function() return e:amax(1) end)
    assert_finds(msg, 'amax', '[0, 3]')
    msg = error_of(function() return e:amin() end)
    assert_finds(msg, 'amin', '[0, 3]')
    msg = error_of(function() return e:max(1) end)
    assert_finds(msg, 'max', '[0, 3]')
    msg = error_of(function() return torch.zeros(0):argmax() end)
    assert_finds(msg, 'argmax', '[0]')
    msg = error_of(function() return e:argmin(1) end)
    assert_finds(msg, 'argmin', '[0, 3]')
    msg = error_of(function() return e:norm(inf) end)
    assert_finds(msg, 'norm', '[0, 3]')
    assert.has_error(function() return e:max() end)
  end)
end)

describe('other dtypes', function()
  it('float64, int32, uint8 and float16 inputs', function()
    local d = torch.tensor({{1.5, 2.5}, {3.5, -4.5}}, {dtype = torch.float64})
    H.assert_tensor(d:sum(1), {5, -2}, 0)
    H.assert_tensor(d:amin(2), {1.5, -4.5}, 0)
    local v, i = d:max(1)
    H.assert_tensor(v, {3.5, 2.5}, 0)
    H.assert_tensor(i, {2, 1}, 0)
    local i32 = torch.tensor({5, -7, 2}, {dtype = torch.int32})
    local _, j = i32:min(1)
    assert.are.equal(2, j:item())
    assert.are.equal(torch.int32, i32:amax().dtype)
    H.assert_tensor(i32:cumsum(1), {5, -2, 0}, 0)
    local u8 = torch.tensor({3, 250, 7}, {dtype = torch.uint8})
    assert.are.equal(2, u8:argmax():item())
    assert.are.equal(torch.uint8, u8:amax().dtype)
    local h = torch.tensor({1, 2, 3, 4}, {dtype = torch.float16})
    assert.are.equal(torch.float16, h:sum().dtype)
    assert.are.equal(10, h:sum():item())
    assert.are.equal(2.5, h:mean():item())
    assert.are.equal(torch.float16, h:var().dtype)
  end)
end)

describe('sum_to_size', function()
  local x = torch.tensor({{1, 2, 3}, {4, 5, 6}}, {dtype = torch.float32})

  it('sums broadcast dims back', function()
    H.assert_tensor(x:sum_to_size(1, 3), {{5, 7, 9}}, 0, {1, 3})
    H.assert_tensor(x:sum_to_size(3), {5, 7, 9}, 0, {3})
    H.assert_tensor(x:sum_to_size({2, 1}), {{6}, {15}}, 0, {2, 1})
    H.assert_tensor(x:sum_to_size(1, 1), {{21}}, 0, {1, 1})
    H.assert_tensor(x:sum_to_size({}), {21}, 0, {})
    H.assert_tensor(x:sum_to_size(2, 3), {{1, 2, 3}, {4, 5, 6}}, 0, {2, 3})
    H.assert_tensor(x:t():sum_to_size(3, 1), {{5}, {7}, {9}}, 0, {3, 1})
    local y = torch.ones(3):expand(4, 3)
    H.assert_tensor(y:sum_to_size(y:sum(1).shape), {4, 4, 4}, 0)
  end)

  it('errors when the size does not broadcast to the tensor', function()
    local msg = error_of(function() return x:sum_to_size(2) end)
    assert_finds(msg, 'sum_to_size', '[2]', '[2, 3]')
    assert.has_error(function() return x:sum_to_size(1, 2, 3) end)
    assert.has_error(function() return x:sum_to_size(3, 3) end)
  end)
end)

describe('argument errors', function()
  it('name the op and the dimensionality', function()
    local msg = error_of(function() return m23():sum(3) end)
    assert_finds(msg, 'sum: dimension 3 out of range for a 2-D tensor')
    msg = error_of(function() return m23():mean(-3) end)
    assert_finds(msg, 'mean: dimension -3 out of range for a 2-D tensor')
    msg = error_of(function() return m23():max(5) end)
    assert_finds(msg, 'max: dimension 5 out of range for a 2-D tensor')
    msg = error_of(function() return m23():argmax(3) end)
    assert_finds(msg, 'argmax: dimension 3 out of range')
    msg = error_of(function() return m23():var({1, 3}) end)
    assert_finds(msg, 'var: dimension 3 out of range')
    msg = error_of(function() return m23():prod(0) end)
    assert_finds(msg, 'prod', '1-based')
  end)

  it('reject a dim listed twice and bad dim types', function()
    local msg = error_of(function() return m23():sum({1, -2}) end)
    assert_finds(msg, 'sum: dim 1 appears more than once')
    msg = error_of(function() return m23():amax({2, 2}) end)
    assert_finds(msg, 'amax: dim 2 appears more than once')
    assert.has_error(function() return m23():sum('x') end)
    assert.has_error(function() return m23():sum(1.5) end)
    msg = error_of(function() return m23():max({1, 2}) end)
    assert_finds(msg, 'max: expected one dim')
    assert.has_error(function() return m23():sum(1, true, 7) end)
  end)
end)
