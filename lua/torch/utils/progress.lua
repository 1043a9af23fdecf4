-- torch.utils.progress: a tqdm-style progress bar on stderr.
--
--   local progress = torch.utils.progress
--   for inputs, labels in progress(loader, {desc = 'epoch 1'}) do ... end
--   local bar = progress(loader, {desc = 'train'})
--   for inputs, labels in bar:iter() do
--     ...
--     bar:set_postfix({loss = loss:item()})
--   end
--
-- progress(x, opts) wraps
--   * a data loader: anything with x:iter() and #x (a DataLoader); the loop
--     gets exactly what x:iter() gives, and the total is #x;
--   * an array table: the loop gets i, x[i] (as ipairs), the total is #x;
--   * an integer n: the loop gets 1, 2, ..., n;
--   * an iterator function (io.lines, string.gmatch ...): the loop gets what
--     it returns until nil; give opts.total when it is known;
--   * nil: a bar driven by hand with bar:update(k); opts.total as above.
-- The bar works directly in a generic for (`for a, b in progress(x) do`) or
-- through bar:iter().  An iteration counts once the loop asks for the next
-- one, as in tqdm; a loop that ends early (break, error) closes the bar and
-- the loader's own iteration.
--
-- On a terminal the bar is redrawn in place (\r) at most every mininterval
-- seconds:
--   epoch 1:  45%|████▌     | 450/1000 [00:12<00:15, 36.2it/s, loss=0.512]
-- Elsewhere (a CI log, a file) it writes plain lines, one per 10% and at
-- least one every `interval` seconds, and a final one:
--   epoch 1: 450/1000 45% 00:12<00:15 36.2it/s loss=0.512
--
-- Options: desc, total, file (io.stderr; anything with :write), mininterval
-- (0.1 s), interval (30 s, plain lines), ncols (width; default: the
-- terminal's, then $COLUMNS, then 80), leave (true: keep the final bar),
-- unit ('it'), disable (false: no output), tty (true/false: force terminal or
-- plain output; default: whether file is a terminal), clock (a function
-- returning seconds, for tests; default torch.clock).
-- Methods: bar:update(k=1), bar:set_postfix(tbl or string),
-- bar:set_description(s), bar:refresh(), bar:write(s) (a line printed above
-- the bar), bar:close(); fields bar.n, bar.total, bar.desc.
local torch = require 'torch'

local Bar = {}
Bar.__index = Bar

local KNOWN_OPTIONS = { desc = true, total = true, file = true, mininterval = true, interval = true, ncols = true,
  leave = true, unit = true, disable = true, tty = true, clock = true }

-------------------------------------------------------------------------------
-- Formatting (the same rules as tqdm's, with rates to 3 digits).

-- Seconds as mm:ss, or h:mm:ss from an hour on.
local function format_interval(t)
  t = math.max(0, math.floor(t))
  local h, m, s = t // 3600, t % 3600 // 60, t % 60
  if h > 0 then return string.format('%d:%02d:%02d', h, m, s) end
  return string.format('%02d:%02d', m, s)
end

-- A number in at most 3 significant digits, or as written when that is no
-- longer (tqdm's format_num): 0.51234 -> 0.512, 12345 -> 12345, 1e-05 -> 1e-5.
local function format_num(x)
  local short = string.format('%.3g', x):gsub('e%+0', 'e+'):gsub('e%-0', 'e-')
  local plain = tostring(x)
  return #short < #plain and short or plain
end

local function three_digits(x)
  if x >= 99.95 then return string.format('%.0f', x) end
  if x >= 9.995 then return string.format('%.1f', x) end
  return string.format('%.2f', x)
end

-- 36.2it/s, or 2.50s/it below one per second; ? while unknown.
local function format_rate(rate, unit)
  if not rate or rate <= 0 or rate ~= rate or rate == math.huge then return '?' .. unit .. '/s' end
  if rate >= 1 then return three_digits(rate) .. unit .. '/s' end
  return three_digits(1 / rate) .. 's/' .. unit
end

local function format_count(n)
  if math.type(n) == 'integer' then return tostring(n) end
  if n == math.floor(n) and math.abs(n) < 2 ^ 53 then return string.format('%d', n) end
  return format_num(n)
end

-- A postfix value as text: numbers and one-element tensors by format_num.
local function format_value(v)
  if torch.is_tensor(v) and v:numel() == 1 then v = v:item() end
  if type(v) == 'number' then return format_num(v) end
  return tostring(v)
end

-- Characters of s on screen (UTF-8 aware; bytes when s is not UTF-8).
local function width(s)
  return utf8.len(s) or #s
end

-- The bar itself, n of total, in cells characters: full blocks, then one
-- partial block in eighths, then spaces.
local PARTIAL = { ' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉' }
local function bar_cells(frac, cells)
  frac = math.min(math.max(frac, 0), 1)
  local eighths = math.floor(frac * cells * 8)
  local full = eighths // 8
  local parts = { string.rep('█', full) }
  if full < cells then
    parts[2] = PARTIAL[eighths % 8 + 1]
    parts[3] = string.rep(' ', cells - full - 1)
  end
  return table.concat(parts)
end

-------------------------------------------------------------------------------
-- The lines.

-- Elapsed time, rate and the remaining time (nil when unknown) at now.
function Bar:_stats(now)
  local elapsed = now - self._start_t
  local rate = elapsed > 0 and self.n > 0 and self.n / elapsed or nil
  local remaining
  if self.total and rate then remaining = math.max(self.total - self.n, 0) / rate end
  return elapsed, rate, remaining
end

function Bar:_postfix_line(sep)
  if self._postfix_text == '' then return nil end
  if type(self._postfix) == 'string' then return self._postfix end
  return table.concat(self._postfix, sep)
end

-- The terminal line, at most ncols characters wide.
function Bar:format_meter(now, ncols)
  local elapsed, rate, remaining = self:_stats(now)
  local prefix = self.desc and self.desc ~= '' and self.desc .. ': ' or ''
  local postfix = self:_postfix_line(', ')
  local rate_text = format_rate(rate, self.unit) .. (postfix and ', ' .. postfix or '')
  if not self.total then
    return string.format('%s%s%s [%s, %s]', prefix, format_count(self.n), self.unit, format_interval(elapsed),
      rate_text)
  end
  local frac = self.total > 0 and self.n / self.total or 1
  local left = string.format('%s%3.0f%%|', prefix, frac * 100)
  local right = string.format('| %s/%s [%s<%s, %s]', format_count(self.n), format_count(self.total),
    format_interval(elapsed), remaining and format_interval(remaining) or '?', rate_text)
  local cells = ncols - width(left) - width(right)
  if cells < 1 then return left:sub(1, -2) .. right:sub(2) end
  return left .. bar_cells(frac, math.min(cells, 10 * ncols)) .. right
end

-- The plain line for logs.
function Bar:format_plain(now)
  local elapsed, rate, remaining = self:_stats(now)
  local parts = {}
  if self.desc and self.desc ~= '' then parts[1] = self.desc .. ':' end
  if self.total then
    local frac = self.total > 0 and self.n / self.total or 1
    parts[#parts + 1] = format_count(self.n) .. '/' .. format_count(self.total)
    parts[#parts + 1] = string.format('%.0f%%', frac * 100)
    parts[#parts + 1] = format_interval(elapsed) .. '<' .. (remaining and format_interval(remaining) or '?')
  else
    parts[#parts + 1] = format_count(self.n) .. self.unit
    parts[#parts + 1] = format_interval(elapsed)
  end
  parts[#parts + 1] = format_rate(rate, self.unit)
  parts[#parts + 1] = self:_postfix_line(' ')
  return table.concat(parts, ' ')
end

-------------------------------------------------------------------------------
-- Drawing.

function Bar:_write(s)
  self.file:write(s)
  if self.file.flush then self.file:flush() end
end

function Bar:_ncols()
  if self._fixed_ncols then return self._fixed_ncols end
  local cols = torch._terminal_columns and io.type(self.file) == 'file' and torch._terminal_columns(self.file)
  cols = cols or tonumber(os.getenv('COLUMNS') or '') or 80
  return math.max(cols - 1, 10) -- the last column would wrap on some terminals
end

-- Redraws the terminal line now.
function Bar:_draw(now)
  local line = self:format_meter(now, self:_ncols())
  local w = width(line)
  local pad = self._last_width > w and string.rep(' ', self._last_width - w) or ''
  self._last_width = w
  self:_write('\r' .. line .. pad)
  self._last_draw = now
end

function Bar:_plain_line(now)
  self:_write(self:format_plain(now) .. '\n')
  self._last_draw = now
  self._plain_at = self.n .. '\0' .. self._postfix_text
end

--- bar:refresh(): draws the bar now (on a terminal) or writes a plain line.
function Bar:refresh()
  if self.disable or self.closed then return end
  local now = self._clock()
  if self.tty then self:_draw(now) else self:_plain_line(now) end
end

--- bar:update(k=1): k more iterations done; redraws when due.
function Bar:update(k)
  if k == nil then k = 1 end
  if type(k) ~= 'number' then error('progress: update expects a number, got ' .. type(k), 2) end
  self.n = self.n + k
  if self.disable or self.closed then return end
  local now = self._clock()
  if self.tty then
    if now - self._last_draw >= self.mininterval then self:_draw(now) end
  else
    local due = now - self._last_draw >= self.interval
    if self.total and self.total > 0 and self.n < self.total then
      local tenth = math.floor(self.n / self.total * 10)
      if tenth > self._last_tenth then self._last_tenth, due = tenth, true end
    elseif self.total then
      due = false -- the final line is close's
    end
    if due then self:_plain_line(now) end
  end
end

--- bar:set_postfix(values): shown after the rate, e.g. {loss = 0.51} as
-- loss=0.51 (numbers to 3 significant digits, keys sorted); a string is
-- shown as it is; nil clears it.  Drawn at the next redraw.
function Bar:set_postfix(values)
  if values == nil then
    self._postfix, self._postfix_text = {}, ''
  elseif type(values) == 'string' then
    self._postfix, self._postfix_text = values, values
  elseif type(values) == 'table' then
    local keys = {}
    for k in pairs(values) do keys[#keys + 1] = k end
    table.sort(keys, function(a, b) return tostring(a) < tostring(b) end)
    local items = {}
    for i, k in ipairs(keys) do items[i] = tostring(k) .. '=' .. format_value(values[k]) end
    self._postfix, self._postfix_text = items, table.concat(items)
  else
    error('progress: set_postfix expects a table or a string, got ' .. type(values), 2)
  end
end

--- bar:set_description(s): the text before the bar (nil removes it).
function Bar:set_description(s)
  if s ~= nil and type(s) ~= 'string' then
    error('progress: set_description expects a string, got ' .. type(s), 2)
  end
  self.desc = s
end

--- bar:write(s): prints the line s (to the bar's file) without breaking the bar.
function Bar:write(s)
  if self.disable then return end
  if self.tty and not self.closed and self._last_width > 0 then
    self:_write('\r' .. string.rep(' ', self._last_width) .. '\r' .. s .. '\n')
    self._last_width = 0
    self:_draw(self._clock())
  else
    self:_write(s .. '\n')
  end
end

--- bar:close(): the final line (kept when leave, cleared otherwise), and the
-- end of the wrapped loader's iteration (its to-be-closed value is closed, as
-- a generic for would).  Closing twice is fine.
function Bar:close()
  if self.closed then return end
  local now = self._clock()
  if not self.disable then
    if not self.tty then
      -- the final line, unless the last one said the same
      if self._plain_at ~= self.n .. '\0' .. self._postfix_text then self:_plain_line(now) end
    elseif self.leave then
      self:_draw(now)
      self:_write('\n')
    else
      self:_write('\r' .. string.rep(' ', self._last_width) .. '\r')
    end
  end
  self.closed = true
  local closing = self._closing
  self._closing = nil
  if closing ~= nil then
    local mt = getmetatable(closing)
    if mt and mt.__close then mt.__close(closing, nil) end
  end
end

-------------------------------------------------------------------------------
-- Iteration.

-- The values of one step of the wrapped iterator, or the end of it.
local function step(self, first, ...)
  if first == nil then
    self._exhausted = true
    self:close()
    return nil
  end
  self._control = first
  return first, ...
end

-- The next values of the loop; the previous iteration counts as done.
function Bar:_next()
  if self.closed then
    if self._exhausted then return nil end
    error('progress: this bar is closed; make a new one for each loop', 2)
  end
  local kind = self._kind
  if self._begun then
    self:update(1)
  else
    self._begun = true
    if kind == 'loader' then
      self._f, self._s, self._control, self._closing = self._source:iter()
    end
  end
  if kind == 'loader' then
    return step(self, self._f(self._s, self._control))
  elseif kind == 'function' then
    return step(self, self._source())
  elseif kind == 'array' or kind == 'range' then
    local i = (self._i or 0) + 1
    self._i = i
    if i > self.total then return step(self, nil) end
    if kind == 'range' then return i end
    return i, self._source[i]
  end
  error('progress: this bar wraps no iterable (progress(nil, ...) is driven by bar:update)', 2)
end

Bar.__call = Bar._next -- for a, b in bar do
Bar.__close = function(self) self:close() end

--- bar:iter(): the loop's iterator, for `for a, b in bar:iter() do`.
function Bar:iter()
  return Bar._next, self, nil, self
end

function Bar:__len() return self.total end

function Bar:__tostring()
  return self:format_meter(self._clock(), 80)
end

-------------------------------------------------------------------------------

-- The kind of x and its length when it has one.
local function classify(x)
  local tx = type(x)
  if tx == 'nil' then return 'manual' end
  if tx == 'function' then return 'function' end
  if math.type(x) == 'integer' then return 'range', x end
  if tx == 'table' or tx == 'userdata' then
    local ok, iter = pcall(function() return x.iter end)
    if ok and iter ~= nil then
      local ok_len, n = pcall(function() return #x end)
      return 'loader', ok_len and math.type(n) == 'integer' and n or nil
    end
    if tx == 'table' then return 'array', #x end
  end
  error('progress: expected a data loader (with :iter()), a table, an integer, an iterator function or nil, got ' ..
    (math.type(x) or tx), 3)
end

local function check_opts(opts)
  if opts == nil then return {} end
  if type(opts) ~= 'table' then error('progress: expected a table of options, got ' .. type(opts), 3) end
  for k in pairs(opts) do
    if not KNOWN_OPTIONS[k] then
      error(string.format("progress: unknown option '%s' (known: clock, desc, disable, file, interval, leave, " ..
        'mininterval, ncols, tty, total, unit)', tostring(k)), 3)
    end
  end
  local function check(name, kind)
    if opts[name] ~= nil and type(opts[name]) ~= kind then
      error(string.format('progress: %s must be a %s, got %s', name, kind, type(opts[name])), 3)
    end
  end
  check('desc', 'string'); check('unit', 'string'); check('total', 'number'); check('mininterval', 'number')
  check('interval', 'number'); check('ncols', 'number'); check('leave', 'boolean'); check('tty', 'boolean')
  check('disable', 'boolean'); check('clock', 'function')
  if opts.file ~= nil then
    local ok, w = pcall(function() return opts.file.write end)
    if not ok or w == nil then error('progress: file must have a write method, got ' .. type(opts.file), 3) end
  end
  return opts
end

--- progress(x, opts): a progress bar over x (see the top of this file).
-- Returns the bar and, for a generic for, nil, nil and the bar again (so a
-- loop that breaks closes it).
local function progress(x, opts)
  opts = check_opts(opts)
  local kind, n = classify(x)
  local file = opts.file or io.stderr
  local tty = opts.tty
  if tty == nil then tty = io.type(file) == 'file' and torch._isatty ~= nil and torch._isatty(file) or false end
  local clock = opts.clock or torch.clock
  local now = clock()
  local self = setmetatable({
    desc = opts.desc,
    total = opts.total or n,
    n = 0,
    unit = opts.unit or 'it',
    file = file,
    tty = tty,
    leave = opts.leave ~= false,
    disable = opts.disable == true,
    mininterval = opts.mininterval or 0.1,
    interval = opts.interval or 30,
    closed = false,
    _kind = kind,
    _source = x,
    _clock = clock,
    _start_t = now,
    _last_draw = now,
    _last_tenth = 0,
    _last_width = 0,
    _fixed_ncols = opts.ncols,
    _postfix = {},
    _postfix_text = '',
  }, Bar)
  if self.tty and not self.disable then self:_draw(now) end
  return self, nil, nil, self
end

return progress
