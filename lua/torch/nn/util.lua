-- Small helpers shared by the nn files: argument handling and PyTorch-style
-- text for print(model).
local util = {}

function util.same_shape(a, b)
  if #a ~= #b then return false end
  for i = 1, #a do
    if a[i] ~= b[i] then return false end
  end
  return true
end

function util.shape_string(shape) return '[' .. table.concat(shape, ', ') .. ']' end

-- A number as Python prints it: 1 for integers, 1.0 / 0.1 / 1e-05 for floats.
function util.number_repr(x)
  if math.type(x) == 'integer' then return tostring(x) end
  if x ~= x then return 'nan' end
  if x == math.huge then return 'inf' end
  if x == -math.huge then return '-inf' end
  local s
  for digits = 1, 17 do
    s = string.format('%.' .. digits .. 'g', x)
    if tonumber(s) == x then break end
  end
  if not s:find('[%.e]') then s = s .. '.0' end
  return s
end

-- Python's repr of a value given to a layer: numbers, booleans (True/False),
-- strings ('same'), tables as tuples ((5, 5)).
function util.repr(v)
  local t = type(v)
  if t == 'number' then return util.number_repr(v) end
  if t == 'boolean' then return v and 'True' or 'False' end
  if t == 'string' then return v end
  if v == nil then return 'None' end
  if t == 'table' then
    local parts = {}
    for i = 1, #v do parts[i] = util.repr(v[i]) end
    return '(' .. table.concat(parts, ', ') .. (#v == 1 and ',)' or ')')
  end
  return tostring(v)
end

-- An integer n as the pair {n, n}; a table {h, w} as is.
function util.pair(v)
  if type(v) == 'table' then return v end
  return { v, v }
end

-- Positional arguments after the required ones, or a trailing options table:
-- util.options({...}, first, {'stride', 'padding'}) -> {stride=, padding=}.
function util.options(args, first, names)
  local last = args[args.n or #args]
  local n = args.n or #args
  local opts = {}
  if n >= first and type(last) == 'table' and getmetatable(last) == nil and not last[1] then
    for k, v in pairs(last) do opts[k] = v end
    n = n - 1
  end
  for i = first, n do
    local name = names[i - first + 1]
    if not name then error('too many arguments', 3) end
    if args[i] ~= nil then opts[name] = args[i] end
  end
  return opts
end

function util.is_dtype(v)
  local mt = type(v) == 'userdata' and getmetatable(v)
  return mt and mt.__name == 'torch.dtype' or false
end

return util
