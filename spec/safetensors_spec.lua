-- torch.safetensors: round trips, the exact bytes written, exchange with
-- PyTorch (files written and read by hand in Python, since Debian's
-- python3-torch has no safetensors package), and strict, safe reading of
-- damaged and hostile files.
local torch = require 'torch'
local H = require 'spec.helpers'
local ordered = require 'torch.ordered'
local st = torch.safetensors

local function quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

local function tmpdir()
  local d = os.tmpname()
  os.remove(d)
  assert(os.execute('mkdir -p ' .. quote(d)))
  return d
end

local function read_bytes(p)
  local f = io.open(p, 'rb')
  if not f then return nil end
  local s = f:read('a')
  f:close()
  return s
end

local function write_bytes(p, s)
  local f = assert(io.open(p, 'wb'))
  f:write(s)
  f:close()
end

local dir = tmpdir()
local path = dir .. '/x.safetensors'
teardown(function() os.execute('rm -rf ' .. quote(dir)) end)

-- A file from a header (a JSON string) and a data buffer.
local function file_of(json, data)
  return string.pack('<I8', #json) .. json .. (data or '')
end

local function load_error(bytes)
  write_bytes(path, bytes)
  local ok, err = pcall(st.load, path)
  assert(not ok, 'expected torch.safetensors.load to fail')
  err = tostring(err)
  assert(err:find('torch.safetensors.load: ' .. path, 1, true), 'message does not name the file: ' .. err)
  return err
end

-- The tensors both sides agree on (values exactly representable in every dtype).
local function sample()
  return {
    f32 = torch.tensor({ { 1.5, -2.25, 3 }, { 0.1, 1e-30, -0.0 } }),
    f64 = torch.tensor({ math.pi, -1e300 }, { dtype = torch.float64 }),
    f16 = torch.tensor({ 1.5, -65504, 2 ^ -14 }, { dtype = torch.float16 }),
    bf16 = torch.tensor({ 1.5, -2 ^ 100, 0.0078125 }, { dtype = torch.bfloat16 }),
    i64 = torch.tensor({ 1 << 62, math.mininteger, -1 }, { dtype = torch.int64 }),
    i32 = torch.tensor({ { 2147483647 }, { -2147483648 } }, { dtype = torch.int32 }),
    u8 = torch.tensor({ 0, 1, 255 }, { dtype = torch.uint8 }),
    b = torch.tensor({ true, false, true }),
    scalar = torch.tensor(7.0),
    empty = torch.zeros(0, 3),
    tr = torch.tensor({ { 1, 2, 3 }, { 4, 5, 6 } }, { dtype = torch.float32 }):t(),
  }
end

local function assert_sample(got)
  for name, want in pairs(sample()) do
    local t = got[name]
    assert(t, 'missing ' .. name)
    assert.are.equal(want.dtype, t.dtype, name)
    assert.are.same(want.shape, t.shape, name)
    assert.is_true(t:equal(want), name)
  end
end

describe('torch.safetensors', function()
  it('round-trips every dtype and the metadata', function()
    st.save(path, sample(), { format = 'pt', note = 'h\xc3\xa9llo "quoted" \\ \n' })
    local t, meta = st.load(path)
    assert_sample(t)
    assert.are.equal(-math.huge, 1 / t.f32[2][3]) -- -0.0
    assert.are.equal(math.mininteger, t.i64[2])
    assert.are.same({ format = 'pt', note = 'h\xc3\xa9llo "quoted" \\ \n' }, meta)
    assert.is_true(t.tr:is_contiguous())
    H.assert_tensor(t.tr, { { 1, 4 }, { 2, 5 }, { 3, 6 } })
  end)

  it('returns an ordered table in data order, and {} without metadata', function()
    st.save(path, { z = torch.zeros(1), a = torch.zeros(1), i = torch.zeros(1, { dtype = torch.int64 }) })
    local t, meta = st.load(path)
    assert.is_true(ordered.is_ordered(t))
    assert.are.same({ 'i', 'a', 'z' }, ordered.keys(t))
    assert.are.same({}, meta)
  end)

  it('writes the reference layout: dtype then name order, compact JSON, 8-byte alignment', function()
    local sd = ordered.new()
    sd.b = torch.tensor({ 1.5 })
    sd.a = torch.tensor({ 1 }, { dtype = torch.int64 })
    sd.c = torch.tensor({ true })
    st.save(path, sd, { k = 'v' })
    local json = '{"__metadata__":{"k":"v"},' ..
      '"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},' ..
      '"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},' ..
      '"c":{"dtype":"BOOL","shape":[1],"data_offsets":[12,13]}}'
    json = json .. string.rep(' ', (8 - #json % 8) % 8)
    local want = file_of(json, string.pack('<i8f', 1, 1.5) .. '\1')
    assert.are.equal(want, read_bytes(path))
    -- the same tensors inserted in another order give the same bytes
    st.save(path, { c = sd.c, a = sd.a, b = sd.b }, { k = 'v' })
    assert.are.equal(want, read_bytes(path))
  end)

  it('reads whitespace, escapes and an empty file of tensors', function()
    write_bytes(path, file_of('{ "__metadata__" : { "a\\u00e9\\ud83d\\ude00" : "\\t\\"" } ,\n "x\\/y" : {"shape": [2], "data_offsets": [0, 2], "dtype": "U8"} }  ', '\7\9'))
    local t, meta = st.load(path)
    H.assert_tensor(t['x/y'], { 7, 9 })
    assert.are.equal('\t"', meta['a\xc3\xa9\xf0\x9f\x98\x80'])
    write_bytes(path, file_of('{}'))
    t, meta = st.load(path)
    assert.are.same({}, ordered.keys(t))
    assert.are.same({}, meta)
  end)

  it('refuses what it cannot save, leaving the old file', function()
    st.save(path, { a = torch.ones(1) })
    local before = read_bytes(path)
    H.assert_error_has(function() st.save(path, { [1] = torch.ones(1) }) end,
      'torch.safetensors.save: tensor names must be strings, got a number key')
    H.assert_error_has(function() st.save(path, { a = 5 }) end, "tensors['a'] is a number, not a tensor")
    H.assert_error_has(function() st.save(path, { __metadata__ = torch.ones(1) }) end,
      "'__metadata__' cannot name a tensor")
    H.assert_error_has(function() st.save(path, { ['a\0b'] = torch.ones(1) }) end, 'NUL byte')
    H.assert_error_has(function() st.save(path, { [''] = torch.ones(1) }) end, 'non-empty UTF-8')
    H.assert_error_has(function() st.save(path, { ['\xff'] = torch.ones(1) }) end, 'non-empty UTF-8')
    H.assert_error_has(function() st.save(path, { a = torch.ones(1) }, { epoch = 3 }) end,
      'metadata must map strings to strings, got string -> number')
    H.assert_error_has(function() st.save(path, { a = torch.ones(1) }, 'x') end, 'metadata must be a table')
    H.assert_error_has(function() st.save(path, 5) end, 'expected a table of name -> tensor')
    H.assert_error_has(function() st.save(dir .. '/missing/x.safetensors', {}) end,
      'torch.safetensors.save: cannot write ' .. dir .. '/missing/x.safetensors')
    assert.are.equal(before, read_bytes(path))
    local p = io.popen('ls -A ' .. quote(dir))
    local names = p:read('a')
    p:close()
    assert.is_nil(names:find('tmp', 1, true), names)
  end)
end)

---------------------------------------------------------------- PyTorch

local python = '/usr/bin/python3'
-- find the module without importing it (an import takes seconds)
local has_torch = os.execute(python .. [[ -c "import importlib.util, sys; ]] ..
  [[sys.exit(importlib.util.find_spec('torch') is None)" >/dev/null 2>&1]])
local py_it = has_torch and it or function(name)
  pending(name .. ' (skipped: ' .. python .. ' or its torch module is missing)')
end

-- The sample in Python, and the dtype names both ways.
local PY_COMMON = [==[
import json, struct, sys, torch
D = {torch.float32: 'F32', torch.float64: 'F64', torch.float16: 'F16', torch.bfloat16: 'BF16',
     torch.int64: 'I64', torch.int32: 'I32', torch.uint8: 'U8', torch.bool: 'BOOL'}
R = {v: k for k, v in D.items()}
sample = {
  'f32': torch.tensor([[1.5, -2.25, 3.0], [0.1, 1e-30, -0.0]], dtype=torch.float32),
  'f64': torch.tensor([3.141592653589793, -1e300], dtype=torch.float64),
  'f16': torch.tensor([1.5, -65504.0, 2.0 ** -14], dtype=torch.float16),
  'bf16': torch.tensor([1.5, -2.0 ** 100, 0.0078125], dtype=torch.bfloat16),
  'i64': torch.tensor([2 ** 62, -2 ** 63, -1], dtype=torch.int64),
  'i32': torch.tensor([[2147483647], [-2147483648]], dtype=torch.int32),
  'u8': torch.tensor([0, 1, 255], dtype=torch.uint8),
  'b': torch.tensor([True, False, True]),
  'scalar': torch.tensor(7.0),
  'empty': torch.zeros(0, 3),
  'tr': torch.tensor([[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]]),
}
]==]

local function run_python(script, arg1, arg2)
  local file = dir .. '/script.py'
  write_bytes(file, PY_COMMON .. script)
  local p = io.popen(string.format('%s %s %s %s 2>&1', python, quote(file), quote(arg1), quote(arg2)))
  local out = p:read('a')
  p:close()
  return out
end

describe('torch.safetensors and PyTorch', function()
  -- one Python run (importing torch takes seconds): it checks the file
  -- ctorch wrote, then writes its own for ctorch to read
  py_it('exchange files both ways, values exact', function()
    local ours, theirs = dir .. '/ours.safetensors', dir .. '/theirs.safetensors'
    st.save(ours, sample(), { format = 'pt', who = 'ctorch' })
    local out = run_python([==[
raw = open(sys.argv[1], 'rb').read()
n = struct.unpack('<Q', raw[:8])[0]
assert (8 + n) % 8 == 0, 'header not aligned'
header = json.loads(raw[8:8 + n].decode('utf-8'))
buf = raw[8 + n:]
assert header.pop('__metadata__') == {'format': 'pt', 'who': 'ctorch'}
assert sorted(header) == sorted(sample), sorted(header)
at = 0
bad = []
for name, info in header.items():
    b, e = info['data_offsets']
    assert b == at, (name, b, at)
    at = e
    dtype = R[info['dtype']]
    if e > b:
        t = torch.frombuffer(bytearray(buf[b:e]), dtype=dtype).reshape(info['shape'])
    else:
        t = torch.empty(info['shape'], dtype=dtype)
    want = sample[name]
    if t.dtype != want.dtype or t.shape != want.shape or not torch.equal(t, want):
        bad.append((name, t, want))
    if name == 'f32' and not str(t[1, 2].item()).startswith('-0'):
        bad.append('negative zero')
assert at == len(buf)
print('read OK' if not bad else bad)

def raw(t):
    t = t.contiguous()
    if t.dtype in (torch.float16, torch.bfloat16):
        t = t.view(torch.int16)
    return t.numpy().tobytes()
header = {'__metadata__': {'format': 'pt', 'from': 'python'}}
data = b''
for name in ['b', 'tr', 'f32', 'empty', 'i64', 'u8', 'f64', 'scalar', 'bf16', 'i32', 'f16']:
    t = sample[name]
    b = raw(t)
    header[name] = {'dtype': D[t.dtype], 'shape': list(t.shape), 'data_offsets': [len(data), len(data) + len(b)]}
    data += b
h = json.dumps(header).encode('utf-8')
h += b' ' * ((8 - len(h) % 8) % 8)
open(sys.argv[2], 'wb').write(struct.pack('<Q', len(h)) + h + data)
print('written')
]==], ours, theirs)
    assert.truthy(out:find("^read OK\n"), out)
    assert.truthy(out:find('written', 1, true), out)
    local t, meta = st.load(theirs)
    assert_sample(t)
    assert.are.same({ format = 'pt', from = 'python' }, meta)
    assert.are.same({ 'b', 'tr', 'f32', 'empty', 'i64', 'u8', 'f64', 'scalar', 'bf16', 'i32', 'f16' },
      ordered.keys(t))
  end)
end)

---------------------------------------------------------------- hostile files

describe('torch.safetensors.load rejects', function()
  local good_json = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}'
  local good_data = string.pack('<ff', 1, 2)

  it('lengths that do not fit the file', function()
    local err = load_error('\1\2\3')
    assert.truthy(err:find('is truncated (expected 8 bytes of header length at offset 0, file has 3)', 1, true), err)
    err = load_error(string.pack('<I8', 1000) .. good_json)
    assert.truthy(err:find('is truncated (expected 1000 bytes of JSON header at offset 8, file has ' ..
      (8 + #good_json) .. ')', 1, true), err)
    err = load_error(string.pack('<I8', 1 << 62) .. good_json)
    assert.truthy(err:find('more than the 100000000 allowed', 1, true), err)
    err = load_error(file_of(good_json, string.pack('<f', 1)))
    assert.truthy(err:find("is truncated (tensor 'a' needs bytes 0..8 of a data buffer of 4 bytes)", 1, true), err)
  end)

  it('offsets that overlap, leave gaps, or do not match the shape', function()
    local two = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[%d,%d]}}'
    local err = load_error(file_of(two:format(4, 12), string.rep('\0', 12)))
    assert.truthy(err:find("is corrupt (tensor 'b' overlaps the tensor before it)", 1, true), err)
    err = load_error(file_of(two:format(12, 20), string.rep('\0', 20)))
    assert.truthy(err:find('is corrupt (bytes 8..12 of the data belong to no tensor)', 1, true), err)
    err = load_error(file_of(good_json, good_data .. 'extra'))
    assert.truthy(err:find("5 bytes after the last tensor's data", 1, true), err)
    err = load_error(file_of('{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}', good_data))
    assert.truthy(err:find("tensor 'a' has data_offsets [0, 8] but its dtype and shape need 12 bytes", 1, true), err)
    err = load_error(file_of('{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}', good_data))
    assert.truthy(err:find('has data_offsets [8, 0]', 1, true), err)
    err = load_error(file_of('{"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,8]}}', good_data))
    assert.truthy(err:find("tensor 'a' is too large", 1, true), err)
  end)

  it('bad JSON, with where it went wrong', function()
    local cases = {
      { '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}', "expected '}' but the header ended" },
      { '[' .. string.rep('[', 100000) , "expected '{'" },
      { '{"a":{"dtype":"F32","shape":"2","data_offsets":[0,8]}}', "expected '['" },
      { '{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}', 'expected a non-negative integer' },
      { '{"a":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}}', 'not a fraction' },
      { '{"a":{"dtype":"F32","shape":[02],"data_offsets":[0,8]}}', 'leading zero' },
      { '{"a":{"dtype":"F32","shape":[99999999999999999999],"data_offsets":[0,8]}}', 'integer too large' },
      { '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"x":1}}', "unexpected or repeated key 'x'" },
      { '{"a":{"dtype":"F32","dtype":"F32","shape":[2],"data_offsets":[0,8]}}', "unexpected or repeated key 'dtype'" },
      { '{"a":{"dtype":"F32","shape":[2]}}', 'lacks its dtype, shape or data_offsets' },
      { '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}} x', "text after the header's object" },
      { '{"__metadata__":{"k":1},"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', 'metadata values must be strings' },
      { '{"__metadata__":{},"__metadata__":{}}', "'__metadata__' appears twice" },
      { '{"a\xff":{}}', 'invalid UTF-8' },
      { '{"a\xed\xa0\x80":{}}', 'invalid UTF-8' }, -- an encoded surrogate
      { '{"a\\u0000":{}}', '\\u0000 in a string is not supported' },
      { '{"a\\ud800":{}}', 'high surrogate without its low surrogate' },
      { '{"a\\udc00":{}}', 'lone low surrogate' },
      { '{"a\\q":{}}', "bad escape '\\q'" },
      { '{"a\\u12g4":{}}', 'bad hex digit' },
      { '{"a\tb":{}}', 'control character' },
      { '{"a":{"dtype":"F32","shape":[' .. string.rep('1,', 16) .. '1],"data_offsets":[0,4]}}', 'more than 16 dims' },
    }
    for _, case in ipairs(cases) do
      local err = load_error(file_of(case[1], good_data))
      assert(err:find('is corrupt (bad JSON header: ', 1, true), err)
      assert(err:find(case[2], 1, true), case[2] .. ' not in: ' .. err)
      assert(err:find('at byte %d+ of the header%)'), err)
    end
  end)

  it('duplicate names and unsupported dtypes', function()
    local err = load_error(file_of('{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},' ..
      '"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}', 'xy'))
    assert.truthy(err:find("tensor 'a' appears twice in the header", 1, true), err)
    err = load_error(file_of('{"__metadata__":{"k":"1","k":"2"}}'))
    assert.truthy(err:find("metadata key 'k' appears twice", 1, true), err)
    err = load_error(file_of('{"a":{"dtype":"I16","shape":[1],"data_offsets":[0,2]}}', 'xy'))
    assert.truthy(err:find("holds tensor 'a' of dtype I16, which ctorch does not support", 1, true), err)
  end)

  it('damaged copies of a valid file, at every truncation and with random bytes changed', function()
    local sd = ordered.new()
    sd.w = torch.tensor({ { 1, 2 }, { 3, 4 } }, { dtype = torch.float32 })
    sd.idx = torch.tensor({ 5, 6 }, { dtype = torch.int64 })
    sd.mask = torch.tensor({ true, false })
    st.save(path, sd, { epoch = '3' })
    local good = read_bytes(path)
    for n = 0, #good - 1 do
      local ok = pcall(load_error, good:sub(1, n))
      assert(ok, 'a file cut at ' .. n .. ' bytes loaded or gave a message without the file name')
    end
    local seed = 99
    local function rand(n)
      seed = (seed * 1103515245 + 12345) % 2147483648
      return seed % n + 1
    end
    local loaded, failed = 0, 0
    for _ = 1, 600 do
      local bytes = { good:byte(1, -1) }
      for _ = 1, rand(3) do
        local at = rand(#bytes)
        bytes[at] = rand(4) == 1 and 0x7b or (bytes[at] ~ (1 << (rand(8) - 1)))
      end
      write_bytes(path, string.char(table.unpack(bytes)))
      local ok, err = pcall(st.load, path)
      if ok then
        loaded = loaded + 1
      else
        failed = failed + 1
        assert(tostring(err):find('torch.safetensors.load: ' .. path, 1, true), tostring(err))
      end
    end
    assert.is_true(loaded > 0 and failed > 0, loaded .. ' loaded, ' .. failed .. ' failed')
  end)
end)
