-- Shared helpers for the specs: compare tensors with Lua tables.
local torch = require 'torch'

local helpers = {}

-- Flattens nested tables (or a tensor via totable) into a list of numbers.
local function flatten(v, out)
  out = out or {}
  if type(v) == 'table' then
    for _, x in ipairs(v) do flatten(x, out) end
  else
    out[#out + 1] = v
  end
  return out
end
helpers.flatten = flatten

-- Reads every element of a tensor into a flat Lua list without relying on
-- totable or indexing: through contiguous():view(-1) and select.
function helpers.values(t)
  local flat = t:contiguous():view(-1)
  local out = {}
  for i = 1, flat:numel() do
    out[i] = flat:select(1, i):item()
  end
  return out
end

-- Asserts tensor t has the given shape and values (nested table), within tol.
function helpers.assert_tensor(t, expected, tol, shape)
  tol = tol or 1e-6
  assert(torch.is_tensor(t), 'expected a tensor, got ' .. type(t))
  local got = helpers.values(t)
  local want = flatten(expected)
  assert(#got == #want, string.format('expected %d elements, got %d', #want, #got))
  for i = 1, #want do
    local g, w = got[i], want[i]
    if type(w) == 'boolean' or type(g) == 'boolean' then
      assert(g == w, string.format('element %d: expected %s, got %s', i, tostring(w), tostring(g)))
    elseif w ~= w then
      assert(g ~= g, string.format('element %d: expected nan, got %s', i, tostring(g)))
    elseif w == math.huge or w == -math.huge then
      assert(g == w, string.format('element %d: expected %s, got %s', i, tostring(w), tostring(g)))
    else
      local err = math.abs(g - w)
      assert(err <= tol * math.max(1, math.abs(w)),
        string.format('element %d: expected %.10g, got %.10g', i, w, g))
    end
  end
  if shape then
    local s = t.shape
    assert(#s == #shape, string.format('expected %d dims, got %d', #shape, #s))
    for i = 1, #shape do
      assert(s[i] == shape[i], string.format('dim %d: expected size %d, got %d', i, shape[i], s[i]))
    end
  end
end

function helpers.assert_shape(t, shape)
  local s = t.shape
  assert(#s == #shape, string.format('expected %d dims, got %d (%s)', #shape, #s, tostring(s)))
  for i = 1, #shape do
    assert(s[i] == shape[i], string.format('dim %d: expected size %d, got %d', i, shape[i], s[i]))
  end
end

-- The error message of fn, which must fail.
function helpers.error_of(fn)
  local ok, err = pcall(fn)
  assert(not ok, 'expected an error')
  return tostring(err)
end

-- Asserts fn fails with a message containing every given string.
function helpers.assert_error_has(fn, ...)
  local msg = helpers.error_of(fn)
  for _, needle in ipairs({ ... }) do
    assert(msg:find(needle, 1, true), string.format('%q not in: %s', needle, msg))
  end
end

-- Files and folders for specs that write them.
function helpers.quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

-- A fresh empty folder under the system's temporary directory.
function helpers.tmpdir()
  local d = os.tmpname()
  os.remove(d)
  assert(os.execute('mkdir -p ' .. helpers.quote(d)))
  return d
end

function helpers.write_bytes(path, s)
  local f = assert(io.open(path, 'wb'))
  f:write(s)
  f:close()
end

function helpers.read_bytes(path)
  local f = assert(io.open(path, 'rb'))
  local s = f:read('a')
  f:close()
  return s
end

return helpers
