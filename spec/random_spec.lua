-- Random numbers: the Philox generator, fills, sampling.
local torch = require 'torch'
local H = require 'spec.helpers'

local function same(a, b)
  return a.dtype == b.dtype and #a.shape == #b.shape and a:numel() == b:numel() and a:eq(b):all():item()
end

local function err_of(fn, ...)
  local ok, msg = pcall(fn, ...)
  assert.is_false(ok)
  return tostring(msg)
end

local function count(t, v) return t:eq(v):sum():item() end

describe('the generator', function()
  it('gives identical tensors for the same seed and different ones otherwise', function()
    torch.manual_seed(42)
    local a, an, ai = torch.rand(1000), torch.randn(3, 5), torch.randint(0, 100, {50})
    torch.manual_seed(42)
    local b, bn, bi = torch.rand(1000), torch.randn(3, 5), torch.randint(0, 100, {50})
    assert.is_true(same(a, b))
    assert.is_true(same(an, bn))
    assert.is_true(same(ai, bi))
    torch.manual_seed(43)
    assert.is_false(same(a, torch.rand(1000)))
    assert.is_false(same(a, torch.rand(1000)))   -- the stream advances
  end)

  it('reports the seed, defaults to a fixed one, and can reseed at random', function()
    torch.manual_seed(123)
    assert.are.equal(123, torch.initial_seed())
    torch.manual_seed(-5)                        -- wraps like PyTorch's uint64 seeds
    assert.are.equal(-5, torch.initial_seed())
    local s = torch.seed()
    assert.are.equal(s, torch.initial_seed())
    assert.is_true(s >= 0)
    -- a fresh process starts from PyTorch's default seed
    local exe = arg and arg[-1] or 'ctorch-lua'
    local p = io.popen(exe .. [[ -e "print(require('torch').initial_seed())" 2>&1]])
    local out = p:read('a')
    p:close()
    assert.are.equal('67280421310721\n', out)
  end)

  it('is Philox4x32-10: seed 0 reproduces the Random123 known-answer vector', function()
    -- counter {0,0,0,0}, key {0,0} -> 6627e8d5 e169c58d bc57ac4c 9b00dbd8;
    -- random_ over [0, 2^32) exposes the raw 32-bit words, four per block
    torch.manual_seed(0)
    local x = torch.empty(4, {dtype = torch.int64}):random_(0, 1 << 32)
    assert.are.same({0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}, H.values(x))
    -- ranges wider than 2^32 take two words per value (low word first)
    torch.manual_seed(0)
    local y = torch.empty(2, {dtype = torch.int64}):random_(0, 1 << 62)
    assert.are.same({0x2169c58d6627e8d5, 0x1b00dbd8bc57ac4c}, H.values(y))
  end)

  it('advances the offset by what each call consumed, so split draws equal one draw', function()
    torch.manual_seed(9)
    local a = torch.rand(8)
    local b = torch.rand(12)
    torch.manual_seed(9)
    local c = torch.rand(20)
    assert.is_true(same(c:narrow(1, 1, 8), a))
    assert.is_true(same(c:narrow(1, 9, 12), b))
  end)

  it('gives the same 1e6-element fills with 1 and 2 threads', function()
    local saved = torch.get_num_threads()
    local function draw(threads)
      torch.set_num_threads(threads)
      torch.manual_seed(2024)
      local r = {torch.rand(1000000), torch.randn(1000003), torch.randn(1000001, {dtype = torch.float64}),
                 torch.randint(-7, 1000, {1000000}), torch.empty(1000002):bernoulli_(0.3),
                 torch.empty(1000000, {dtype = torch.float64}):uniform_(-1, 1)}
      return r
    end
    local one, two = draw(1), draw(2)
    torch.set_num_threads(saved)
    for i = 1, #one do assert.is_true(same(one[i], two[i]), 'fill ' .. i) end
  end)
end)

describe('uniform', function()
  it('rand is in [0, 1) with the moments of U(0, 1)', function()
    torch.manual_seed(1)
    for _, dt in ipairs({torch.float32, torch.float64}) do
      local x = torch.rand(1000000, {dtype = dt})
      assert.are.equal(dt, x.dtype)
      assert.is_true(x:min():item() >= 0)
      assert.is_true(x:max():item() < 1)
      assert.is_true(math.abs(x:mean():item() - 0.5) < 0.01)
      assert.is_true(math.abs(x:std():item() - math.sqrt(1 / 12)) < 0.01)
    end
    H.assert_shape(torch.rand(2, 3), {2, 3})
    H.assert_shape(torch.rand({2, 3}), {2, 3})
    H.assert_shape(torch.rand(0), {0})
  end)

  it('uniform_ fills [low, high) in place and returns the tensor', function()
    torch.manual_seed(2)
    local x = torch.zeros(10000)
    local r = x:uniform_(-2, 3)
    assert.are.equal(x, r)
    assert.is_true(x:min():item() >= -2 and x:max():item() < 3)
    assert.is_true(math.abs(x:mean():item() - 0.5) < 0.1)
    local v = H.values(torch.ones(3):uniform_(5, 5))
    assert.are.same({5, 5, 5}, v)
    -- a tiny range just below a float32 boundary never rounds up to high
    local y = torch.empty(100000):uniform_(1 - 2 ^ -24, 1)
    assert.is_true(y:max():item() < 1)
  end)

  it('fills views in place with the values a fresh tensor would get', function()
    torch.manual_seed(3)
    local fresh = torch.rand(6, 4)
    torch.manual_seed(3)
    local x = torch.zeros(4, 6)
    x:t():uniform_()
    assert.is_true(same(x:t():contiguous(), fresh))
    local z = torch.zeros(3, 4)
    z:select(2, 2):uniform_(10, 11)                -- only the selected column changes
    local vals = H.values(z)
    for i = 1, 3 do
      for j = 1, 4 do
        local val = vals[(i - 1) * 4 + j]
        if j == 2 then assert.is_true(val >= 10 and val < 11) else assert.are.equal(0, val) end
      end
    end
  end)

  it('rejects integer tensors and bad bounds', function()
    local msg = err_of(function() torch.zeros(3, {dtype = torch.int64}):uniform_() end)
    assert.is_truthy(msg:find('uniform_: expected a floating point tensor, but got int64', 1, true))
    msg = err_of(torch.rand, 2, {dtype = torch.int64})
    assert.is_truthy(msg:find('rand: expected a floating point dtype, but got int64', 1, true))
    msg = err_of(function() torch.zeros(3):uniform_(2, 1) end)
    assert.is_truthy(msg:find('uniform_: expected finite bounds with low <= high', 1, true))
  end)
end)

describe('normal', function()
  it('randn of 1e6 has mean 0 and std 1 within 0.01 (float32 and float64)', function()
    torch.manual_seed(4)
    for _, dt in ipairs({torch.float32, torch.float64}) do
      local x = torch.randn(1000000, {dtype = dt})
      assert.are.equal(dt, x.dtype)
      assert.is_true(math.abs(x:mean():item()) < 0.01)
      assert.is_true(math.abs(x:std():item() - 1) < 0.01)
      -- symmetric and not clipped early: both tails reach past 4 sigma
      assert.is_true(x:max():item() > 4 and x:min():item() < -4)
    end
  end)

  it('moments computed in Lua from the values agree', function()
    torch.manual_seed(5)
    local v = H.values(torch.randn(20000, {dtype = torch.float64}))
    local s, s2 = 0, 0
    for i = 1, #v do s = s + v[i]; s2 = s2 + v[i] * v[i] end
    local mean = s / #v
    assert.is_true(math.abs(mean) < 0.03)
    assert.is_true(math.abs(math.sqrt(s2 / #v - mean * mean) - 1) < 0.03)
  end)

  it('normal_(mean, std) shifts and scales; std = 0 gives the mean', function()
    torch.manual_seed(6)
    local x = torch.empty(1000000):normal_(3, 2)
    assert.is_true(math.abs(x:mean():item() - 3) < 0.02)
    assert.is_true(math.abs(x:std():item() - 2) < 0.02)
    assert.are.same({-1, -1}, H.values(torch.empty(2):normal_(-1, 0)))
    local msg = err_of(function() torch.empty(2):normal_(0, -1) end)
    assert.is_truthy(msg:find('normal_: expected a finite mean and std >= 0', 1, true))
    msg = err_of(torch.randn, 2, {dtype = torch.int32})
    assert.is_truthy(msg:find('randn: expected a floating point dtype, but got int32', 1, true))
  end)

  it('rand_like and randn_like follow the shape and dtype, or the dtype option', function()
    local x = torch.zeros(2, 3, {dtype = torch.float64})
    local r = torch.rand_like(x)
    H.assert_shape(r, {2, 3})
    assert.are.equal(torch.float64, r.dtype)
    local n = torch.randn_like(x, {dtype = torch.float32})
    assert.are.equal(torch.float32, n.dtype)
    H.assert_shape(n, {2, 3})
  end)
end)

describe('integers', function()
  it('randint(low, high, sizes) stays in [low, high) and reaches both ends', function()
    torch.manual_seed(7)
    local x = torch.randint(-3, 3, {10000})
    assert.are.equal(torch.int64, x.dtype)
    assert.are.equal(-3, x:min():item())
    assert.are.equal(2, x:max():item())
    local y = torch.randint(5, {4, 250})
    H.assert_shape(y, {4, 250})
    assert.are.equal(0, y:min():item())
    assert.are.equal(4, y:max():item())
    for k = 0, 4 do assert.is_true(math.abs(count(y, k) - 200) < 80) end
    local z = torch.randint(0, 10, {3}, {dtype = torch.int32})
    assert.are.equal(torch.int32, z.dtype)
    local f = torch.randint(1, 3, {100}, {dtype = torch.float32})
    assert.are.equal(torch.float32, f.dtype)
    assert.are.equal(100, count(f, 1) + count(f, 2))
  end)

  it('random_ takes (), (high) or (low, high), per dtype', function()
    torch.manual_seed(8)
    local b = torch.zeros(1000, {dtype = torch.uint8}):random_()
    assert.is_true(b:max():item() > 200)
    local h = torch.zeros(1000, {dtype = torch.int64}):random_(3)
    assert.are.equal(0, h:min():item())
    assert.are.equal(2, h:max():item())
    local r = torch.zeros(1000):random_(10, 12)
    assert.are.equal(1000, count(r, 10) + count(r, 11))
    local bo = torch.zeros(1000, {dtype = torch.bool}):random_()
    assert.is_true(bo:any():item() and not bo:all():item())
  end)

  it('rejects empty and unrepresentable ranges', function()
    local msg = err_of(torch.randint, 5, 5, {2})
    assert.is_truthy(msg:find('randint: expected low < high, but got low = 5 and high = 5', 1, true))
    msg = err_of(function() torch.zeros(2, {dtype = torch.uint8}):random_(0, 257) end)
    assert.is_truthy(msg:find('random_: the range [0, 257) does not fit dtype uint8', 1, true))
  end)

  it('randperm(n) is a permutation of 1..n', function()
    torch.manual_seed(9)
    for _, n in ipairs({1, 2, 10, 1000}) do
      local p = torch.randperm(n)
      assert.are.equal(torch.int64, p.dtype)
      H.assert_shape(p, {n})
      local seen, vals = {}, H.values(p)
      for i = 1, n do
        assert.is_true(vals[i] >= 1 and vals[i] <= n)
        assert.is_nil(seen[vals[i]])
        seen[vals[i]] = true
      end
    end
    local big = torch.randperm(1000)
    assert.is_false(same(big, torch.arange(1, 1001, 1, {dtype = torch.int64}))) -- shuffled
    H.assert_shape(torch.randperm(0), {0})
    local f = torch.randperm(5, {dtype = torch.float64})
    assert.are.equal(torch.float64, f.dtype)
    assert.are.equal(15, f:sum():item())
    assert.is_truthy(err_of(torch.randperm, -1):find('randperm: n must be non-negative', 1, true))
  end)

  it('randperm is reproducible and can index a tensor', function()
    torch.manual_seed(10)
    local p = torch.randperm(50)
    torch.manual_seed(10)
    assert.is_true(same(p, torch.randperm(50)))
    -- 1-based positions: data[perm] gathers every element exactly once
    local data = torch.arange(101, 151, 1, {dtype = torch.int64})
    local shuffled = data[p]
    local pv, sv = H.values(p), H.values(shuffled)
    for i = 1, 50 do assert.are.equal(100 + pv[i], sv[i]) end
    assert.are.equal(data:sum():item(), shuffled:sum():item())
  end)
end)

describe('bernoulli', function()
  it('bernoulli_(p) draws 1 with frequency p, for float and int tensors', function()
    torch.manual_seed(11)
    local x = torch.empty(100000):bernoulli_(0.3)
    assert.are.equal(100000, count(x, 0) + count(x, 1))
    assert.is_true(math.abs(x:mean():item() - 0.3) < 0.01)
    local i = torch.zeros(1000, {dtype = torch.int64}):bernoulli_()
    assert.are.equal(1000, count(i, 0) + count(i, 1))
    assert.is_true(math.abs(count(i, 1) - 500) < 80)
    assert.are.equal(0, torch.ones(100):bernoulli_(0):sum():item())
    assert.are.equal(100, torch.zeros(100):bernoulli_(1):sum():item())
    assert.is_truthy(err_of(function() torch.zeros(2):bernoulli_(1.5) end)
      :find('bernoulli_: expected 0 <= p <= 1, but got p = 1.5', 1, true))
  end)

  it('torch.bernoulli(p) uses a probability per element', function()
    torch.manual_seed(12)
    local p = torch.tensor({0, 1, 0, 1, 0.5})
    local s = torch.zeros(5)
    for _ = 1, 400 do s = s + torch.bernoulli(p) end
    local v = H.values(s)
    assert.are.same({0, 400, 0, 400}, {v[1], v[2], v[3], v[4]})
    assert.is_true(math.abs(v[5] - 200) < 50)
    local big = torch.full({200000}, 0.25, {dtype = torch.float64})
    local d = big:bernoulli()
    assert.are.equal(torch.float64, d.dtype)
    assert.is_true(math.abs(d:mean():item() - 0.25) < 0.01)
    -- a tensor p in bernoulli_
    local t = torch.zeros(3):bernoulli_(torch.tensor({1.0, 0.0, 1.0}))
    assert.are.same({1, 0, 1}, H.values(t))
  end)

  it('rejects integer and out-of-range probabilities', function()
    local msg = err_of(torch.bernoulli, torch.tensor({1, 0}))
    assert.is_truthy(msg:find('bernoulli: expected a floating point tensor of probabilities, but got int64', 1, true))
    msg = err_of(torch.bernoulli, torch.tensor({0.5, 2.0}))
    assert.is_truthy(msg:find('bernoulli: expected all probabilities in [0, 1], but got 2 at element 2', 1, true))
  end)
end)

describe('multinomial', function()
  it('with replacement: frequencies follow the weights, zero weights never drawn', function()
    torch.manual_seed(13)
    local s = torch.multinomial(torch.tensor({0.2, 0.0, 0.3, 0.5}), 100000, true)
    assert.are.equal(torch.int64, s.dtype)
    H.assert_shape(s, {100000})
    assert.are.equal(0, count(s, 2))
    assert.is_true(math.abs(count(s, 1) / 1e5 - 0.2) < 0.01)
    assert.is_true(math.abs(count(s, 3) / 1e5 - 0.3) < 0.01)
    assert.is_true(math.abs(count(s, 4) / 1e5 - 0.5) < 0.01)
    -- unnormalised weights, option-table form
    local w = torch.multinomial(torch.tensor({1.0, 3.0}), 40000, {replacement = true})
    assert.is_true(math.abs(count(w, 2) / 4e4 - 0.75) < 0.015)
  end)

  it('without replacement: distinct 1-based categories, heavy ones first', function()
    torch.manual_seed(14)
    local all = torch.multinomial(torch.tensor({0.1, 0.2, 0.3, 0.4}), 4)
    local seen, v = {}, H.values(all)
    for i = 1, 4 do
      assert.is_true(v[i] >= 1 and v[i] <= 4)
      assert.is_nil(seen[v[i]])
      seen[v[i]] = true
    end
    -- the first draw follows the weights
    local first = 0
    for _ = 1, 2000 do
      if torch.multinomial(torch.tensor({1.0, 9.0}), 1):item() == 2 then first = first + 1 end
    end
    assert.is_true(math.abs(first / 2000 - 0.9) < 0.03)
    -- zero-weight categories are never drawn
    for _ = 1, 50 do
      local d = H.values(torch.multinomial(torch.tensor({0.0, 1.0, 0.0, 2.0}), 2))
      table.sort(d)
      assert.are.same({2, 4}, d)
    end
  end)

  it('draws per row of a 2-D tensor', function()
    torch.manual_seed(15)
    local p = torch.tensor({{1.0, 0.0, 0.0}, {0.0, 0.0, 1.0}})
    local s = torch.multinomial(p, 5, true)
    H.assert_shape(s, {2, 5})
    H.assert_tensor(s, {{1, 1, 1, 1, 1}, {3, 3, 3, 3, 3}}, 0)
    local s2 = p:multinomial(1)
    H.assert_tensor(s2, {{1}, {3}}, 0, {2, 1})
  end)

  it('rejects impossible requests', function()
    local msg = err_of(torch.multinomial, torch.tensor({0.5, 0.5}), 3)
    assert.is_truthy(msg:find('multinomial: cannot draw 3 samples without replacement from 2 categories', 1, true))
    msg = err_of(torch.multinomial, torch.tensor({0.0, 1.0}), 2)
    assert.is_truthy(msg:find('only 1 categories with non-zero probability', 1, true))
    msg = err_of(torch.multinomial, torch.tensor({-0.5, 1.0}), 1)
    assert.is_truthy(msg:find('multinomial: probabilities must be finite and non-negative', 1, true))
    msg = err_of(torch.multinomial, torch.tensor({{0.0, 0.0}}), 1, true)
    assert.is_truthy(msg:find('the probabilities of row 1 must have a positive finite sum', 1, true))
    msg = err_of(torch.multinomial, torch.tensor({1, 2}), 1)
    assert.is_truthy(msg:find('multinomial: expected a floating point tensor of probabilities, but got int64', 1, true))
  end)
end)

describe('torch.clock', function()
  it('is a monotonic clock in seconds', function()
    local t0 = torch.clock()
    local t1 = torch.clock()
    assert.is_true(type(t0) == 'number' and t1 >= t0 and t1 - t0 < 1)
  end)
end)
