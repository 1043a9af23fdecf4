-- torch.save / torch.load: values, tensors and shared storage, ordered
-- tables, the documented file format (files built by hand here, byte by
-- byte, from docs/serialization.md), damaged and hostile files, atomic saves.
local torch = require 'torch'
local H = require 'spec.helpers'
local ordered = require 'torch.ordered'

local build = assert(os.getenv('CTORCH_BUILD_DIR'), 'CTORCH_BUILD_DIR is not set')
local sanitized = os.getenv('CTORCH_SANITIZED') ~= nil

local function quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

local function tmpdir()
  local d = os.tmpname()
  os.remove(d)
  assert(os.execute('mkdir -p ' .. quote(d)))
  return d
end

local function read_bytes(path)
  local f = io.open(path, 'rb')
  if not f then return nil end
  local s = f:read('a')
  f:close()
  return s
end

local function write_bytes(path, s)
  local f = assert(io.open(path, 'wb'))
  f:write(s)
  f:close()
end

local function run(cmd)
  local p = io.popen(cmd .. ' 2>&1')
  local out = p:read('a')
  local ok = p:close()
  return out, ok == true
end

local function listdir(dir)
  local out = {}
  local p = io.popen('ls -A ' .. quote(dir))
  for name in p:lines() do out[#out + 1] = name end
  p:close()
  table.sort(out)
  return out
end

local dir = tmpdir()
local path = dir .. '/x.ct'

local function roundtrip(v, opts)
  torch.save(path, v)
  return torch.load(path, opts)
end

---------------------------------------------------------------- building files by hand

local TAG = { NIL = 0, FALSE = 1, TRUE = 2, INT = 3, FLOAT = 4, STRING = 5, TABLE = 6, REF = 7, TENSOR = 8 }
local T = {}
function T.int(i) return string.pack('<Bi8', TAG.INT, i) end
function T.float(d) return string.pack('<Bd', TAG.FLOAT, d) end
function T.str(s) return string.pack('<BI8', TAG.STRING, #s) .. s end
function T.tensor(i) return string.pack('<BI8', TAG.TENSOR, i) end
function T.ref(i) return string.pack('<BI8', TAG.REF, i) end
-- T.table(ordered, k1, v1, k2, v2, ...) with encoded keys and values
function T.table(is_ordered, ...)
  local kv = { ... }
  return string.pack('<BBI8', TAG.TABLE, is_ordered and 1 or 0, #kv // 2) .. table.concat(kv)
end

-- storages: { {bytes=..., device='cpu'} }, tensors: { {storage=0, dtype=0,
-- flags=0, offset=0, sizes={...}, strides={...}} }, tree: encoded value.
-- opts.version, opts.flags, opts.meta_extra, opts.trailing override parts.
local function build_file(storages, tensors, tree, opts)
  opts = opts or {}
  local meta, data, at = { string.pack('<I8', #storages) }, {}, 0
  for _, s in ipairs(storages) do
    local pad = (64 - at % 64) % 64
    data[#data + 1] = string.rep('\0', pad)
    at = at + pad
    local dev = s.device or 'cpu'
    meta[#meta + 1] = string.pack('<I8I8I4', s.offset or at, s.nbytes or #s.bytes, #dev) .. dev
    data[#data + 1] = s.bytes
    at = at + #s.bytes
  end
  meta[#meta + 1] = string.pack('<I8', #tensors)
  for _, t in ipairs(tensors) do
    meta[#meta + 1] = string.pack('<I8BBBBi8', t.storage or 0, t.dtype or 0, t.flags or 0,
      t.ndim or #t.sizes, t.reserved or 0, t.offset or 0)
    for _, n in ipairs(t.sizes) do meta[#meta + 1] = string.pack('<i8', n) end
    for _, n in ipairs(t.strides) do meta[#meta + 1] = string.pack('<i8', n) end
  end
  meta[#meta + 1] = tree
  meta[#meta + 1] = opts.meta_extra or ''
  local m = table.concat(meta)
  local d = table.concat(data)
  local header = '\x89CTORCH\n' .. string.pack('<I4I4I8I8', opts.version or 1, opts.flags or 0,
    opts.meta_len or #m, opts.data_len or #d)
  local start = 32 + #m
  local pad = (64 - start % 64) % 64
  return header .. m .. string.rep('\0', pad) .. d .. (opts.trailing or '')
end

local function f32(...) return string.pack(string.rep('<f', select('#', ...)), ...) end

local function load_error(bytes)
  write_bytes(path, bytes)
  local ok, err = pcall(torch.load, path)
  assert(not ok, 'expected torch.load to fail')
  err = tostring(err)
  assert(err:find('torch.load: ' .. path, 1, true), 'message does not name the file: ' .. err)
  return err
end

---------------------------------------------------------------- values

describe('torch.save / torch.load values', function()
  it('keeps integers and floats apart, including extremes', function()
    local v = roundtrip({ 3, 3.0, math.maxinteger, math.mininteger, -0.0, 1 / 0, -1 / 0, 0 / 0, 0.1 })
    assert.are.equal('integer', math.type(v[1]))
    assert.are.equal(3, v[1])
    assert.are.equal('float', math.type(v[2]))
    assert.are.equal(math.maxinteger, v[3])
    assert.are.equal(math.mininteger, v[4])
    assert.are.equal(-math.huge, 1 / v[5]) -- -0.0 stays negative
    assert.are.equal(math.huge, v[6])
    assert.are.equal(-math.huge, v[7])
    assert.is_true(v[8] ~= v[8])
    assert.are.equal(0.1, v[9])
  end)

  it('keeps strings byte for byte, booleans, and nil as the whole value', function()
    local bytes = {}
    for i = 0, 255 do bytes[#bytes + 1] = string.char(i) end
    local all = table.concat(bytes)
    local v = roundtrip({ all = all, empty = '', yes = true, no = false, long = string.rep('ab', 50000) })
    assert.are.equal(all, v.all)
    assert.are.equal('', v.empty)
    assert.are.equal(true, v.yes)
    assert.are.equal(false, v.no)
    assert.are.equal(100000, #v.long)
    assert.is_nil(roundtrip(nil))
    assert.are.equal('plain', roundtrip('plain'))
    assert.are.equal(7, roundtrip(7))
  end)

  it('keeps keys of every kind', function()
    local v = roundtrip({ [1] = 'a', [-5] = 'neg', [2.5] = 'float', [true] = 't', [false] = 'f', ['1'] = 'string one' })
    assert.are.equal('a', v[1])
    assert.are.equal('neg', v[-5])
    assert.are.equal('float', v[2.5])
    assert.are.equal('t', v[true])
    assert.are.equal('f', v[false])
    assert.are.equal('string one', v['1'])
    local n = 0
    for _ in pairs(v) do n = n + 1 end
    assert.are.equal(6, n)
  end)

  it('restores a checkpoint with an optimizer state', function()
    local w = torch.randn(3, 2)
    local ck = {
      epoch = 3,
      model = { ['fc1.weight'] = w, ['fc1.bias'] = torch.zeros(3) },
      optim = { state = { [1] = { step = 10, exp_avg = torch.ones(3, 2) } },
                param_groups = { { lr = 0.001, betas = { 0.9, 0.999 }, params = { 1, 2 } } } },
    }
    local v = roundtrip(ck)
    assert.are.equal(3, v.epoch)
    assert.is_true(v.model['fc1.weight']:equal(w))
    H.assert_tensor(v.model['fc1.bias'], { 0, 0, 0 })
    assert.are.equal(10, v.optim.state[1].step)
    H.assert_tensor(v.optim.state[1].exp_avg, { { 1, 1 }, { 1, 1 }, { 1, 1 } })
    assert.are.equal(0.001, v.optim.param_groups[1].lr)
    assert.are.equal(0.999, v.optim.param_groups[1].betas[2])
    assert.are.equal(2, v.optim.param_groups[1].params[2])
  end)

  it('writes a table shared twice once, and keeps cycles', function()
    local shared = { 1, 2 }
    local v = { a = shared, b = shared }
    v.self = v
    shared.parent = v
    local w = roundtrip(v)
    assert.is_true(rawequal(w.a, w.b))
    assert.is_true(rawequal(w.self, w))
    assert.is_true(rawequal(w.a.parent, w))
    assert.are.equal(2, w.b[2])
  end)

  it('writes the same bytes for the same value, whatever the insertion order', function()
    local a, b = {}, {}
    for i = 1, 50 do a['k' .. i] = i; a[i] = i * 2 end
    for i = 50, 1, -1 do b[i] = i * 2; b['k' .. i] = i end
    torch.save(path, a)
    local first = read_bytes(path)
    torch.save(path, b)
    assert.are.equal(first, read_bytes(path))
  end)
end)

---------------------------------------------------------------- ordered tables

describe('torch.ordered', function()
  it('iterates in insertion order, removes with nil, re-adds at the end', function()
    local t = ordered.new()
    t.z = 1; t.a = 2; t.m = 3
    assert.are.same({ 'z', 'a', 'm' }, ordered.keys(t))
    t.a = nil
    assert.are.same({ 'z', 'm' }, ordered.keys(t))
    t.a = 4
    assert.are.same({ 'z', 'm', 'a' }, ordered.keys(t))
    t.z = 5 -- updating keeps the place
    assert.are.same({ 'z', 'm', 'a' }, ordered.keys(t))
    assert.are.equal(5, t.z)
    rawset(t, 'raw', 6) -- bypasses the record, still iterated (last)
    assert.are.same({ 'z', 'm', 'a', 'raw' }, ordered.keys(t))
    assert.is_true(ordered.is_ordered(t))
    assert.is_false(ordered.is_ordered({}))
    assert.is_false(ordered.is_ordered(5))
    assert.is_true(ordered.is_ordered(torch.ordered.new()))
  end)

  it('is saved in order and loaded as an ordered table', function()
    local sd = ordered.new()
    local names = { 'layer2.weight', 'layer1.weight', 'b', 'a', '10', '9' }
    for i, n in ipairs(names) do sd[n] = torch.full({ 2 }, i) end
    local inner = ordered.new()
    inner.second = 2; inner.first = 1
    local v = roundtrip({ sd = sd, inner = inner, plain = { x = 1 } })
    assert.is_true(ordered.is_ordered(v.sd))
    assert.is_true(ordered.is_ordered(v.inner))
    assert.is_false(ordered.is_ordered(v.plain))
    assert.are.same(names, ordered.keys(v.sd))
    assert.are.same({ 'second', 'first' }, ordered.keys(v.inner))
    for i, n in ipairs(names) do H.assert_tensor(v.sd[n], { i, i }) end
    -- the loaded table keeps working as an ordered table
    v.sd.new = torch.zeros(1)
    assert.are.equal('new', ordered.keys(v.sd)[7])
  end)

  it('keeps the order of any table with __pairs, skipping nil values', function()
    local keys = { 'c', 'a', 'gone', 'b' }
    local vals = { c = 1, a = 2, b = 3, hidden = 4 }
    local t = setmetatable({}, { __pairs = function()
      local i = 0
      return function()
        i = i + 1
        local k = keys[i]
        if k then return k, vals[k] end
      end
    end })
    local v = roundtrip({ t = t })
    assert.is_true(ordered.is_ordered(v.t))
    assert.are.same({ 'c', 'a', 'b' }, ordered.keys(v.t))
    assert.are.equal(2, v.t.a)
    assert.is_nil(v.t.hidden)
  end)
end)

---------------------------------------------------------------- tensors

describe('torch.save / torch.load tensors', function()
  it('round-trips every dtype bit for bit', function()
    local v = {
      f32 = torch.tensor({ { 1.5, -2.25 }, { 3.125, 1e-30 } }),
      f64 = torch.tensor({ math.pi, -1e300, 5e-324 }, { dtype = torch.float64 }),
      i64 = torch.tensor({ math.maxinteger, math.mininteger, -1, 0 }, { dtype = torch.int64 }),
      i32 = torch.tensor({ 2147483647, -2147483648, 7 }, { dtype = torch.int32 }),
      u8 = torch.tensor({ 0, 1, 255 }, { dtype = torch.uint8 }),
      b = torch.tensor({ true, false, true }),
      f16 = torch.tensor({ 1.5, -65504, 0.000061035156 }, { dtype = torch.float16 }),
      bf16 = torch.tensor({ 1.5, -3.0e38, 0.0078125 }, { dtype = torch.bfloat16 }),
    }
    local w = roundtrip(v)
    for name, t in pairs(v) do
      assert.are.equal(t.dtype, w[name].dtype, name)
      assert.are.same(t.shape, w[name].shape, name)
      assert.is_true(w[name]:equal(t), name)
    end
    assert.are.equal(math.mininteger, w.i64[2])
    assert.are.equal(-2147483648, w.i32[2])
    assert.are.equal(255, w.u8[3])
    assert.are.equal(false, w.b[2])
    assert.are.equal(-65504, w.f16[2])
  end)

  it('round-trips 0-dim, empty and zero-size tensors', function()
    local v = roundtrip({ s = torch.tensor(2.5), e = torch.zeros(0), z = torch.zeros(2, 0, 3, { dtype = torch.int32 }) })
    assert.are.equal(0, v.s:dim())
    assert.are.equal(2.5, v.s:item())
    H.assert_shape(v.e, { 0 })
    H.assert_shape(v.z, { 2, 0, 3 })
    assert.are.equal(torch.int32, v.z.dtype)
  end)

  it('keeps views of one storage sharing it after loading', function()
    local x = torch.arange(0, 12, 1):view(3, 4)
    local v = roundtrip({ x = x, col = x:select(2, 2), t = x:t(), row = x[3], again = x })
    assert.is_true(rawequal(v.x, v.again)) -- one tensor saved twice is one tensor
    H.assert_tensor(v.col, { 1, 5, 9 })
    H.assert_tensor(v.t, { { 0, 4, 8 }, { 1, 5, 9 }, { 2, 6, 10 }, { 3, 7, 11 } })
    v.x[2][2] = 100 -- element (2, 2) is col[2], t[2][2]
    assert.are.equal(100, v.col[2])
    assert.are.equal(100, v.t[2][2])
    v.row:fill_(-1)
    H.assert_tensor(v.x[3], { -1, -1, -1, -1 })
  end)

  it('saves a lone view as its own values, contiguous and small', function()
    local big = torch.randn(1000, 1000)
    local col = big:select(2, 7) -- 1000 elements, 4 MB apart
    local v = roundtrip({ col = col, t = torch.arange(0, 6, 1):view(2, 3):t() })
    assert.is_true(v.col:equal(col))
    assert.is_true(v.col:is_contiguous())
    H.assert_tensor(v.t, { { 0, 3 }, { 1, 4 }, { 2, 5 } })
    assert.is_true(#read_bytes(path) < 8000, 'file holds more than the column')
  end)

  it('saves an expanded tensor as its storage, not as its elements', function()
    local e = torch.tensor({ 1, 2, 3 }):view(3, 1):expand(3, 100000)
    local v = roundtrip(e)
    H.assert_shape(v, { 3, 100000 })
    H.assert_tensor(v:sum(2), { 100000, 200000, 300000 })
    assert.is_true(#read_bytes(path) < 1000)
  end)

  it('keeps requires_grad of leaves but not gradients or history', function()
    local w = torch.randn(3):requires_grad_()
    w:sum():backward()
    local y = w * 2
    local v = roundtrip({ w = w, y = y, plain = torch.randn(2) })
    assert.is_true(v.w.requires_grad)
    assert.is_nil(v.w.grad)
    assert.is_true(v.w:equal(w:detach()))
    assert.is_false(v.y.requires_grad)
    assert.is_nil(v.y.grad_fn)
    assert.is_true(v.y:equal(y:detach()))
    assert.is_false(v.plain.requires_grad)
    -- the loaded leaf trains
    v.w:sum():backward()
    H.assert_tensor(v.w.grad, { 1, 1, 1 })
  end)

  it('loads with map_location cpu in every spelling, and refuses others', function()
    torch.save(path, torch.ones(2))
    H.assert_tensor(torch.load(path, { map_location = 'cpu' }), { 1, 1 })
    H.assert_tensor(torch.load(path, 'cpu'), { 1, 1 })
    H.assert_tensor(torch.load(path, { map_location = torch.device('cpu') }), { 1, 1 })
    H.assert_error_has(function() torch.load(path, { map_location = 'cuda:0' }) end,
      'torch.load', "map_location 'cuda:0' is not available")
    H.assert_error_has(function() torch.load(path, { map_location = 5 }) end, 'map_location must be')
  end)
end)

---------------------------------------------------------------- errors when saving

describe('torch.save refuses', function()
  it('functions, threads and userdata, naming the key path', function()
    H.assert_error_has(function() torch.save(path, { model = { fn = print } }) end,
      'torch.save: cannot save a function at value.model.fn')
    H.assert_error_has(function() torch.save(path, { co = coroutine.create(print) }) end,
      'cannot save a thread at value.co')
    H.assert_error_has(function() torch.save(path, { list = { 1, 2, io.stdout } }) end,
      'cannot save a userdata at value.list[3]')
    H.assert_error_has(function() torch.save(path, { ['fc1.weight'] = { [2.5] = print } }) end,
      'at value["fc1.weight"][2.5]')
    H.assert_error_has(function() torch.save(path, print) end, 'cannot save a function at value')
  end)

  it('table keys that are not strings, numbers or booleans', function()
    H.assert_error_has(function() torch.save(path, { a = { [{}] = 1 } }) end,
      'cannot save a table key of type table at value.a')
  end)

  it('tables nested more than 128 deep', function()
    local deep = {}
    local t = deep
    for _ = 1, 200 do t.x = {}; t = t.x end
    H.assert_error_has(function() torch.save(path, deep) end, 'nested more than 128 tables deep')
    local ok = {}
    t = ok
    for _ = 1, 100 do t.x = {}; t = t.x end
    t.x = 'bottom'
    local v = roundtrip(ok)
    for _ = 1, 100 do v = v.x end
    assert.are.equal('bottom', v.x)
  end)

  it('a closed tensor', function()
    local t = torch.ones(2)
    do local c <close> = t end
    H.assert_error_has(function() torch.save(path, { t = t }) end, 'cannot save a closed tensor at value.t')
  end)

  it('and leaves the old file and no temporary behind', function()
    local d = tmpdir()
    local p = d .. '/keep.ct'
    torch.save(p, { v = 1 })
    local before = read_bytes(p)
    assert.has_error(function() torch.save(p, { v = print }) end)
    assert.are.equal(before, read_bytes(p))
    assert.are.same({ 'keep.ct' }, listdir(d))
    H.assert_error_has(function() torch.save(d .. '/no/such/dir/x.ct', 1) end,
      'torch.save: cannot write ' .. d .. '/no/such/dir/x.ct')
  end)
end)

---------------------------------------------------------------- the documented format

describe('the file format', function()
  it('matches docs/serialization.md byte for byte', function()
    local x = torch.tensor({ 1.5, 2, 3 })
    local sd = ordered.new()
    sd.w = x
    torch.save(path, { n = 1, sd = sd })
    local tree = T.table(false,
      T.str('n'), T.int(1),
      T.str('sd'), T.table(true, T.str('w'), T.tensor(0)))
    local want = build_file({ { bytes = f32(1.5, 2, 3) } },
      { { storage = 0, dtype = 0, sizes = { 3 }, strides = { 1 } } }, tree)
    assert.are.equal(want, read_bytes(path))
  end)

  it('reads hand-built files: shared storage, references, offsets', function()
    local bytes = f32(0, 1, 2, 3, 4, 5)
    local tree = T.table(false,
      T.str('a'), T.tensor(0),
      T.str('b'), T.tensor(1),
      T.str('me'), T.ref(0))
    write_bytes(path, build_file({ { bytes = bytes } }, {
      { storage = 0, dtype = 0, sizes = { 2, 3 }, strides = { 3, 1 } },
      { storage = 0, dtype = 0, offset = 1, sizes = { 2 }, strides = { 3 }, flags = 1 },
    }, tree))
    local v = torch.load(path)
    H.assert_tensor(v.a, { { 0, 1, 2 }, { 3, 4, 5 } })
    H.assert_tensor(v.b, { 1, 4 })
    assert.is_true(v.b.requires_grad)
    assert.is_true(rawequal(v.me, v))
    v.a[2][2] = 40
    assert.are.equal(40, v.b[2])
  end)

  it('loads tensors recorded on another device only with map_location', function()
    local f = build_file({ { bytes = f32(7, 8), device = 'cuda:1' } },
      { { storage = 0, dtype = 0, sizes = { 2 }, strides = { 1 } } }, T.tensor(0))
    local err = load_error(f)
    assert.truthy(err:find('saved on cuda:1', 1, true), err)
    assert.truthy(err:find("map_location='cpu'", 1, true), err)
    local t = torch.load(path, { map_location = 'cpu' })
    H.assert_tensor(t, { 7, 8 })
    assert.are.equal('cpu', tostring(t.device))
  end)
end)

---------------------------------------------------------------- damaged and hostile files

describe('torch.load rejects', function()
  local one = { { bytes = f32(1, 2, 3, 4) } }
  local vec = { { storage = 0, dtype = 0, sizes = { 4 }, strides = { 1 } } }

  it('files that are not ctorch files', function()
    assert.truthy(load_error('hello world, this is not a checkpoint'):find('is not a ctorch file', 1, true))
    assert.truthy(load_error('PK\3\4 zip'):find('zip archive', 1, true))
    assert.truthy(load_error(''):find('is not a ctorch file', 1, true))
    assert.truthy(load_error('\x89CTO'):find('is truncated', 1, true))
    assert.truthy(load_error(build_file(one, vec, T.tensor(0), { version = 2 })):find('format version 2', 1, true))
    assert.truthy(load_error(build_file(one, vec, T.tensor(0), { flags = 1 })):find('unknown header flags', 1, true))
    H.assert_error_has(function() torch.load(dir) end, 'is not a regular file')
  end)

  it('truncated files and trailing data, with the sizes involved', function()
    local good = build_file(one, vec, T.tensor(0))
    local err = load_error(good:sub(1, #good - 10))
    assert.truthy(err:find('is truncated (expected 16 bytes of tensor data at offset ' .. (#good - 16) ..
      ', file has ' .. (#good - 10) .. ')', 1, true), err)
    err = load_error(good:sub(1, 40))
    assert.truthy(err:find('bytes of metadata at offset 32, file has 40', 1, true), err)
    err = load_error(good .. 'xyz')
    assert.truthy(err:find('3 bytes of trailing data', 1, true), err)
  end)

  it('hostile sizes before allocating anything', function()
    -- a tensor claiming 2^60 elements in a 16-byte storage
    local err = load_error(build_file(one, { { sizes = { 1 << 62 }, strides = { 1 } } }, T.tensor(0)))
    assert.truthy(err:find('tensor 1 has too many elements', 1, true), err)
    err = load_error(build_file(one, { { sizes = { 1 << 60 }, strides = { 1 } } }, T.tensor(0)))
    assert.truthy(err:find('tensor 1 reaches past the end of its storage of 16 bytes', 1, true), err)
    err = load_error(build_file(one, { { sizes = { 1 << 20, 1 << 20 }, strides = { 1, 1 } } }, T.tensor(0)))
    assert.truthy(err:find('reaches past the end of its storage of 16 bytes', 1, true), err)
    -- a storage claiming more than the data section
    err = load_error(build_file({ { bytes = f32(1), nbytes = 1 << 50 } }, {}, T.int(1)))
    assert.truthy(err:find('claims bytes 0..' .. (1 << 50), 1, true), err)
    -- header lengths
    err = load_error(build_file(one, vec, T.tensor(0), { meta_len = 1 << 62 }))
    assert.truthy(err:find('is truncated (expected ' .. (1 << 62) .. ' bytes of metadata', 1, true), err)
    err = load_error(build_file(one, vec, T.tensor(0), { data_len = -1 }))
    assert.truthy(err:find('is truncated', 1, true), err)
    -- counts
    local huge_count = string.pack('<BBI8', TAG.TABLE, 0, 1 << 61)
    err = load_error(build_file({}, {}, huge_count))
    assert.truthy(err:find('more entries than bytes left', 1, true), err)
    err = load_error(build_file({}, {}, string.pack('<BI8', TAG.STRING, 1 << 40) .. 'abc'))
    assert.truthy(err:find('a string needs 1099511627776 bytes but the block has 3 left', 1, true), err)
  end)

  it('bad tensor records', function()
    local function bad(t, needle)
      local err = load_error(build_file(one, { t }, T.tensor(0)))
      assert.truthy(err:find(needle, 1, true), err)
    end
    bad({ sizes = { 2 }, strides = { 4 } }, 'reaches past the end of its storage')
    bad({ sizes = { 0 }, strides = { 1 }, offset = 5 }, 'reaches past the end of its storage')
    bad({ sizes = { 2 }, strides = { -1 }, offset = 3 }, 'negative stride')
    bad({ sizes = { -2 }, strides = { 1 } }, 'negative size')
    bad({ sizes = { 2 }, strides = { 1 }, offset = -1 }, 'negative offset')
    bad({ sizes = { 2 }, strides = { 1 }, offset = 3 }, 'reaches past the end')
    bad({ sizes = { 3 }, strides = { 1 << 62 } }, 'strides that overflow')
    bad({ dtype = 9, sizes = { 2 }, strides = { 1 } }, 'bad dtype (9)')
    bad({ flags = 4, sizes = { 2 }, strides = { 1 } }, 'flags (4)')
    bad({ ndim = 17, sizes = {}, strides = {} }, 'dim count (17)')
    bad({ storage = 3, sizes = { 2 }, strides = { 1 } }, 'names storage 4 of 1')
    bad({ dtype = 2, flags = 1, sizes = { 2 }, strides = { 1 } }, 'of dtype int64 requires grad')
  end)

  it('bad value trees', function()
    local function bad(tree, needle, opts)
      local err = load_error(build_file(one, vec, tree, opts))
      assert.truthy(err:find('is corrupt', 1, true), err)
      assert.truthy(err:find(needle, 1, true), err)
    end
    bad(string.char(77), 'bad value tag 77')
    bad(T.tensor(1), 'tensor index past the tensor table')
    bad(T.ref(0), 'reference to a table not defined before it')
    bad(T.table(false, T.str('a'), T.int(1), T.str('a'), T.int(2)), 'appears twice')
    bad(T.table(false, T.tensor(0), T.int(1)), 'table key that is not a string')
    bad(T.table(false, T.float(0 / 0), T.int(1)), 'NaN table key')
    bad(T.table(false, T.str('a'), string.char(TAG.NIL)), 'a nil value in a table')
    bad(string.pack('<BBI8', TAG.TABLE, 2, 0), 'bad order flag')
    bad(T.int(1), 'bytes of metadata after the value', { meta_extra = 'x' })
    local deep = T.int(0)
    for _ = 1, 200 do deep = T.table(false, T.str('x'), deep) end
    bad(deep, 'tables nested too deep')
  end)

  it('nonzero padding and misaligned storages', function()
    local good = build_file(one, vec, T.tensor(0))
    local meta_len = string.unpack('<I8', good, 17)
    local pad_at = 32 + meta_len + 1 -- the first padding byte (1-based)
    assert.is_true((32 + meta_len) % 64 ~= 0)
    local bad = good:sub(1, pad_at - 1) .. 'X' .. good:sub(pad_at + 1)
    assert.truthy(load_error(bad):find('nonzero padding at offset ' .. (32 + meta_len), 1, true))
    local err = load_error(build_file({ { bytes = string.rep('\0', 72), offset = 8, nbytes = 8 } }, {}, T.int(1)))
    assert.truthy(err:find('claims bytes 8..16', 1, true), err)
  end)
end)

---------------------------------------------------------------- fuzzing

describe('torch.load on damaged copies of a valid file', function()
  local function sample()
    local sd = ordered.new()
    sd.w = torch.tensor({ { 1, 2 }, { 3, 4 } })
    sd.b = torch.tensor({ 5, 6 }, { dtype = torch.int64 })
    local v = { sd = sd, step = 3, lr = 0.5, name = 'net', flags = { true, false }, h = torch.tensor({ 1 }, { dtype = torch.float16 }) }
    v.again = v.flags
    v.view = sd.w[2]
    return v
  end

  it('fails cleanly at every truncation', function()
    torch.save(path, sample())
    local good = read_bytes(path)
    assert.is_true(#good < 2000)
    local fuzz = dir .. '/fuzz.ct'
    for n = 0, #good - 1 do
      write_bytes(fuzz, good:sub(1, n))
      local ok, err = pcall(torch.load, fuzz)
      assert(not ok, 'a file cut at ' .. n .. ' bytes loaded')
      assert(tostring(err):find('torch.load: ' .. fuzz, 1, true), tostring(err))
    end
    write_bytes(fuzz, good)
    local v = torch.load(fuzz)
    H.assert_tensor(v.view, { 3, 4 })
  end)

  it('loads or fails cleanly with random bytes changed', function()
    torch.save(path, sample())
    local good = read_bytes(path)
    local fuzz = dir .. '/fuzz.ct'
    local seed = 12345
    local function rand(n) -- deterministic LCG: 1..n
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed % n + 1
    end
    local loaded, failed = 0, 0
    for _ = 1, 600 do
      local bytes = { good:byte(1, -1) }
      for _ = 1, rand(3) do
        local at = rand(#bytes)
        bytes[at] = rand(3) == 1 and 255 or (bytes[at] ~ (1 << (rand(8) - 1)))
      end
      write_bytes(fuzz, string.char(table.unpack(bytes)))
      local ok, err = pcall(torch.load, fuzz)
      if ok then
        loaded = loaded + 1
      else
        failed = failed + 1
        assert(tostring(err):find('torch.load: ' .. fuzz, 1, true), tostring(err))
      end
    end
    -- flips in tensor data load fine; flips in the structure fail
    assert.is_true(loaded > 0 and failed > 0, loaded .. ' loaded, ' .. failed .. ' failed')
  end)
end)

---------------------------------------------------------------- atomic saves

describe('atomic saves', function()
  it('a failed write removes its temporary and keeps the old file', function()
    local d = tmpdir()
    local p = d .. '/ck.ct'
    torch.save(p, { epoch = 1, w = torch.arange(0, 100, 1) })
    local before = read_bytes(p)
    local script = d .. '/big.lua'
    write_bytes(script, "local torch = require 'torch'\n" ..
      'local ok, err = pcall(torch.save, arg[1], torch.zeros(1000000))\n' ..
      'print(ok, err)\n')
    -- a 32 KB file size limit makes the write fail with EFBIG
    local out = run(string.format("trap '' XFSZ; ulimit -f 64; %s/ctorch-lua %s %s", build, quote(script), quote(p)))
    assert.truthy(out:find('false\ttorch.save: cannot write ' .. p, 1, true), out)
    assert.are.equal(before, read_bytes(p))
    assert.are.same({ 'big.lua', 'ck.ct' }, listdir(d))
  end)

  it('a save killed midway leaves the old checkpoint intact', function()
    local d = tmpdir()
    local p = d .. '/ck.ct'
    local w = torch.randn(1000)
    torch.save(p, { epoch = 1, w = w })
    local before = read_bytes(p)
    local script = d .. '/writer.lua'
    -- 256 MB: the write takes long enough to be caught halfway
    write_bytes(script, "local torch = require 'torch'\n" ..
      'torch.save(arg[1], { epoch = 2, w = torch.ones(64 * 1024 * 1024) })\n')
    -- start the writer, wait until its temporary exists and has grown past
    -- 1 MB, kill -9 it there; report the temporary's size at the kill
    local sh = string.format([[
%s/ctorch-lua %s %s & pid=$!
i=0
while [ $i -lt 6000 ]; do
  for f in %s.tmp-*; do
    if [ -f "$f" ]; then
      n=$(stat -c %%s "$f")
      if [ "$n" -gt 1048576 ]; then kill -9 $pid; wait $pid; echo "killed at $n"; exit 0; fi
    fi
  done
  i=$((i+1)); sleep 0.005
done
wait $pid; echo finished]], build, quote(script), quote(p), quote(p))
    local out = run(sh)
    local at = tonumber(out:match('killed at (%d+)'))
    assert(at, 'the writer was not caught while writing: ' .. out)
    assert.is_true(at < 256 * 1024 * 1024 + 4096, out)
    assert.are.equal(before, read_bytes(p)) -- bit-identical
    local v = torch.load(p)
    assert.are.equal(1, v.epoch)
    assert.is_true(v.w:equal(w))
    -- the killed writer's temporary is left; it is never read
    local names = listdir(d)
    assert.are.equal(3, #names, table.concat(names, ' '))
  end)
end)

---------------------------------------------------------------- speed

describe('speed', function()
  local route = sanitized and pending or it
  route('saves and loads 100 MB of float32 near disk speed', function()
    local x = torch.randn(25 * 1024 * 1024)
    local p = dir .. '/big.ct'
    local t0 = torch.clock()
    torch.save(p, x)
    local t1 = torch.clock()
    local y = torch.load(p)
    local t2 = torch.clock()
    assert.is_true(y:equal(x))
    os.remove(p)
    -- generous bounds: the point is no per-element work (that would take seconds)
    assert.is_true(t1 - t0 < 5, string.format('save took %.2f s', t1 - t0))
    assert.is_true(t2 - t1 < 2, string.format('load took %.2f s', t2 - t1))
    io.stderr:write(string.format('\n# 100 MB float32: save %.3f s (with fsync), load %.3f s\n', t1 - t0, t2 - t1))
  end)
end)

teardown(function() os.execute('rm -rf ' .. quote(dir)) end)
