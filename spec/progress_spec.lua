-- torch.utils.progress: the tqdm-style bar.  Plain output and forced
-- terminal output go to a temporary file with a fake clock, so every line is
-- known exactly; the real terminal path runs through tests/pty_driver.
local torch = require 'torch'
local progress = torch.utils.progress

-- A clock the test moves by hand.
local function fake_clock()
  local c = { t = 0 }
  c.fn = function() return c.t end
  return c
end

-- A temporary file and a function returning what was written to it.
local function capture()
  local f = io.tmpfile()
  return f, function()
    f:seek('set')
    return f:read('a')
  end
end

-- The lines of plain output.
local function lines(text)
  local out = {}
  for l in text:gmatch('([^\n]*)\n') do out[#out + 1] = l end
  return out
end

describe('torch.utils.progress', function()
  it('is the function of torch.utils.progress', function()
    assert.are.equal('function', type(progress))
    assert.are.equal(progress, require('torch.utils.progress'))
  end)

  describe('plain output (not a terminal)', function()
    it('writes a line per 10% and a final one, with rate, ETA and postfix', function()
      local f, read = capture()
      local clock = fake_clock()
      local bar = progress(nil, { total = 1000, desc = 'train', file = f, tty = false, clock = clock.fn })
      for i = 1, 1000 do
        clock.t = i * 0.02762 -- 36.2 it/s
        bar:update()
        if i == 150 then bar:set_postfix({ loss = 0.51234, acc = 0.9 }) end
      end
      bar:close()
      local got = lines(read())
      assert.are.equal(10, #got, read())
      assert.are.equal('train: 100/1000 10% 00:02<00:24 36.2it/s', got[1])
      assert.are.equal('train: 200/1000 20% 00:05<00:22 36.2it/s acc=0.9 loss=0.512', got[2])
      assert.are.equal('train: 500/1000 50% 00:13<00:13 36.2it/s acc=0.9 loss=0.512', got[5])
      assert.are.equal('train: 1000/1000 100% 00:27<00:00 36.2it/s acc=0.9 loss=0.512', got[10])
      assert.is_true(bar.closed)
      assert.are.equal(1000, bar.n)
    end)

    it('also writes a line every `interval` seconds', function()
      local f, read = capture()
      local clock = fake_clock()
      local bar = progress(nil, { total = 1000, file = f, tty = false, clock = clock.fn, interval = 5 })
      for i = 1, 50 do
        clock.t = i * 0.25 -- 4 it/s, 5% after 12.5 s
        bar:update()
      end
      bar:close()
      local got = lines(read())
      assert.are.same({ '20/1000 2% 00:05<04:05 4.00it/s', '40/1000 4% 00:10<04:00 4.00it/s',
        '50/1000 5% 00:12<03:57 4.00it/s' }, got)
    end)

    it('counts and rates alone when the total is unknown', function()
      local f, read = capture()
      local clock = fake_clock()
      local bar = progress(nil, { desc = 'stream', file = f, tty = false, clock = clock.fn, unit = 'img' })
      clock.t = 3
      bar:update(7)
      bar:close()
      assert.are.equal('stream: 7img 00:03 2.33img/s\n', read())
      assert.is_nil(bar.total)
    end)

    it('does not repeat the last line on close, and writes nothing when disabled', function()
      local f, read = capture()
      local clock = fake_clock()
      local bar = progress(nil, { total = 4, file = f, tty = false, clock = clock.fn })
      clock.t = 1
      bar:update(2)
      bar:close()
      bar:close()
      assert.are.equal('2/4 50% 00:01<00:01 2.00it/s\n', read())
      local g, read_g = capture()
      local quiet = progress({ 1, 2, 3 }, { file = g, tty = true, disable = true })
      local n = 0
      for _ in quiet do n = n + 1 end
      assert.are.equal(3, n)
      assert.are.equal(3, quiet.n)
      assert.are.equal('', read_g())
    end)
  end)

  describe('formatting', function()
    -- The plain line after n iterations in t seconds, with a postfix.
    local function line(total, n, t, postfix)
      local f, read = capture()
      local clock = fake_clock()
      local bar = progress(nil, { total = total, file = f, tty = false, clock = clock.fn, interval = 1e9 })
      if postfix then bar:set_postfix(postfix) end
      clock.t = t
      bar.n = n
      bar:close()
      return (read():gsub('\n$', ''))
    end

    it('rates to 3 digits, below 1 per second as seconds per iteration', function()
      assert.are.equal('5/10 50% 00:01<00:01 3.50it/s', line(10, 5, 5 / 3.5))
      assert.are.equal('1234/9999 12% 00:01<00:07 1234it/s', line(9999, 1234, 1))
      assert.are.equal('2/10 20% 00:05<00:20 2.50s/it', line(10, 2, 5))
      assert.are.equal('0/10 0% 00:00<? ?it/s', line(10, 0, 0))
    end)

    it('times as mm:ss and h:mm:ss', function()
      assert.are.equal('1/3 33% 1:01:01<2:02:02 3661s/it', line(3, 1, 3661))
      assert.truthy(line(100, 10, 59.9):find('00:59<08:59', 1, true))
    end)

    it('postfix numbers like tqdm (%.3g unless the plain form is shorter), keys sorted', function()
      local l = line(10, 10, 1, { loss = 0.51234, lr = 1e-5, step = 12345, acc = torch.tensor(0.87654), name = 'x' })
      assert.are.equal('10/10 100% 00:01<00:00 10.0it/s acc=0.877 loss=0.512 lr=1e-5 name=x step=12345', l)
      assert.are.equal('10/10 100% 00:01<00:00 10.0it/s epoch 3', line(10, 10, 1, 'epoch 3'))
    end)
  end)

  describe('terminal output', function()
    it('redraws in place with \\r at most every mininterval and keeps the final bar', function()
      local f, read = capture()
      local clock = fake_clock()
      local bar = progress(nil, { total = 1000, desc = 'train', file = f, tty = true, clock = clock.fn, ncols = 80 })
      -- drawn at once, empty
      assert.are.equal('\rtrain:   0%|                                           | 0/1000 [00:00<?, ?it/s]', read())
      for i = 1, 450 do
        clock.t = i * 12.43 / 450 -- 36.2 it/s
        bar:update()
      end
      local draws = select(2, read():gsub('\r', '\r'))
      -- 12.43 s at most every 0.1 s
      assert.is_true(draws >= 100 and draws <= 126, tostring(draws))
      bar:set_postfix({ loss = 0.51234 })
      bar:refresh()
      local last = read():match('\r([^\r]*)$')
      assert.are.equal('train:  45%|█████████▉            | 450/1000 [00:12<00:15, 36.2it/s, loss=0.512]', last)
      assert.are.equal(80, utf8.len(last))
      -- an update within mininterval of the last draw does not redraw
      local before = #read()
      bar:update()
      assert.are.equal(before, #read())
      clock.t = clock.t + 0.2
      bar:update()
      assert.is_true(#read() > before)
      bar:close()
      local tail = '| 452/1000 [00:12<00:15, 35.8it/s, loss=0.512]\n' -- kept, on a line of its own
      assert.are.equal(tail, read():sub(-#tail))
    end)

    it('fills the width with eighths of a cell, and pads over a longer previous line', function()
      local f, read = capture()
      local clock = fake_clock()
      local bar = progress(nil, { total = 80, file = f, tty = true, clock = clock.fn, ncols = 62, mininterval = 0 })
      bar:set_postfix('a long postfix')
      clock.t = 1
      bar:update(10)
      local long = read():match('\r([^\r]*)$')
      assert.are.equal(' 12%|█▎        | 10/80 [00:01<00:07, 10.0it/s, a long postfix]', long)
      bar:set_postfix()
      clock.t = 2
      bar:update(20)
      local short = read():match('\r([^\r]*)$')
      -- the bar grows into the room the postfix left
      assert.are.equal(' 38%|█████████▊                | 30/80 [00:02<00:03, 15.0it/s]', short)
      assert.are.equal(62, utf8.len(short))
      -- without a bar the line shrinks: spaces cover the old one's end
      local g, read_g = capture()
      local bar2 = progress(nil, { desc = 'd', file = g, tty = true, clock = clock.fn, mininterval = 0 })
      bar2:set_postfix('a long postfix')
      bar2:update(5)
      bar2:set_postfix()
      bar2:update(1)
      assert.are.equal('\rd: 6it [00:00, ?it/s]' .. string.rep(' ', 16), read_g():match('\r[^\r]*$'))
    end)

    it('without the bar when the total is unknown; leave=false clears the line', function()
      local f, read = capture()
      local clock = fake_clock()
      local bar = progress(nil, { desc = 'd', file = f, tty = true, clock = clock.fn, leave = false, mininterval = 0 })
      clock.t = 2
      bar:update(5)
      assert.are.equal('\rd: 5it [00:02, 2.50it/s]', read():match('\r[^\r]*\r[^\r]*$'):match('\r[^\r]*$'))
      bar:close()
      assert.truthy(read():find('\r' .. string.rep(' ', 24) .. '\r$'), read())
    end)

    it('bar:write puts a line above the bar', function()
      local f, read = capture()
      local clock = fake_clock()
      local bar = progress(nil, { total = 2, file = f, tty = true, clock = clock.fn, ncols = 40 })
      bar:write('hello')
      local text = read()
      assert.truthy(text:find('\r +\rhello\n\r  0%%|'), text)
      bar:close()
    end)

    it('on a real pseudo-terminal: detected, 80 columns wide, redrawn and kept', function()
      local build = os.getenv('CTORCH_BUILD_DIR')
      local driver = build and build .. '/tests/pty_driver'
      local probe = driver and io.open(driver)
      if not probe then
        pending('tests/pty_driver is not built')
        return
      end
      probe:close()
      local script = os.tmpname()
      local f = assert(io.open(script, 'w'))
      f:write([[
        local torch = require 'torch'
        io.stderr:write(tostring(torch._isatty(io.stderr)), ' ', tostring(torch._terminal_columns()), '\n')
        local bar = torch.utils.progress(20, {desc = 'pty', mininterval = 0})
        for i in bar do bar:set_postfix({loss = 1 / i}) end
      ]])
      f:close()
      local p = io.popen(string.format('echo wait | env -u COLUMNS %s -t 10 -- %s/ctorch-lua %s 2>&1', driver, build,
        script))
      local out = p:read('a')
      p:close()
      os.remove(script)
      assert.truthy(out:find('true 80\r\n', 1, true), out)
      assert.truthy(out:find('[pty_driver: exit 0]', 1, true), out)
      local draws = {}
      for l in out:gmatch('\r(pty:[^\r\n]*)') do draws[#draws + 1] = l end
      assert.are.equal(22, #draws, out) -- 0..20, each drawn (mininterval 0), and the final one kept
      for _, l in ipairs(draws) do assert.is_true(utf8.len(l) <= 79, l) end
      assert.truthy(draws[1]:find('^pty:   0%%| +| 0/20 %[00:00<%?, %?it/s%] *$'), draws[1])
      -- the bar's width depends on how wide the rate prints: any run of full cells
      local cells = draws[22]:match('^pty: 100%%|([^|]+)| 20/20 %[00:00<00:00, [%d.]+it/s, loss=0%.05%]')
      assert.truthy(cells, draws[22])
      assert.are.equal('', (cells:gsub('█', '')), draws[22])
      assert.truthy(out:find('loss=0.05]\r\n', 1, true), out)
    end)
  end)

  describe('iterating', function()
    it('an array table yields i, v and counts each one', function()
      local f, read = capture()
      local seen = {}
      local bar = progress({ 'a', 'b', 'c' }, { file = f, tty = false, desc = 'letters' })
      assert.are.equal(3, #bar)
      for i, v in bar do seen[#seen + 1] = i .. v end
      assert.are.same({ '1a', '2b', '3c' }, seen)
      assert.are.equal(3, bar.n)
      assert.is_true(bar.closed)
      assert.truthy(read():find('letters: 3/3 100%', 1, true), read())
      seen = {}
      for i, v in progress({ 10, 20 }, { file = f, tty = false }):iter() do seen[i] = v end
      assert.are.same({ 10, 20 }, seen)
    end)

    it('an integer n yields 1..n; an iterator function what it returns', function()
      local f = io.tmpfile()
      local sum = 0
      for i in progress(4, { file = f }) do sum = sum + i end
      assert.are.equal(10, sum)
      local words = {}
      local bar = progress(string.gmatch('x y z', '%a'), { file = f, total = 3 })
      for w in bar do words[#words + 1] = w end
      assert.are.same({ 'x', 'y', 'z' }, words)
      assert.are.equal(3, bar.n)
      f:close()
    end)

    -- A loader-like object whose iterations are to-be-closed, recording closes.
    local function fake_loader(n, log)
      local loader = {}
      function loader.iter()
        local i = 0
        local closer = setmetatable({}, { __close = function() log[#log + 1] = 'closed at ' .. i end })
        return function()
          if i >= n then return nil end
          i = i + 1
          return 'x' .. i, i * 10
        end, nil, nil, closer
      end
      return setmetatable(loader, { __len = function() return n end })
    end

    it('an object with :iter() and # yields what iter yields, both ways', function()
      local f = io.tmpfile()
      local log = {}
      local got = {}
      for x, y in progress(fake_loader(3, log), { file = f }) do got[#got + 1] = x .. '=' .. y end
      assert.are.same({ 'x1=10', 'x2=20', 'x3=30' }, got)
      assert.are.same({ 'closed at 3' }, log)
      local bar = progress(fake_loader(2, log), { file = f })
      assert.are.equal(2, bar.total)
      got = {}
      for x, y in bar:iter() do got[#got + 1] = x .. '=' .. y end
      assert.are.same({ 'x1=10', 'x2=20' }, got)
      assert.are.equal(2, bar.n)
      assert.are.same({ 'closed at 3', 'closed at 2' }, log)
      f:close()
    end)

    it('a loop that breaks closes the bar (final line) and the loader iteration', function()
      local f, read = capture()
      local log = {}
      -- progress(...) in the for itself: its fourth value closes the bar
      for _, y in progress(fake_loader(10, log), { file = f, tty = false, desc = 'b' }) do
        if y == 30 then break end
      end
      assert.are.same({ 'closed at 3' }, log)
      assert.truthy(read():find('\nb: 2/10 20%%[^\n]*\n$'), read()) -- the third was under way
      -- a bar held in a variable: through bar:iter(); here an error ends the loop
      local bar = progress(fake_loader(10, log), { file = f })
      local ok, err = pcall(function()
        for _, y in bar:iter() do if y == 50 then error('boom') end end
      end)
      assert.is_false(ok)
      assert.truthy(tostring(err):find('boom', 1, true))
      assert.is_true(bar.closed)
      assert.are.equal(4, bar.n)
      assert.are.same({ 'closed at 3', 'closed at 5' }, log)
      -- a closed bar cannot be iterated again
      assert.has_error(function() for _ in bar:iter() do end end,
        'progress: this bar is closed; make a new one for each loop')
    end)

    it('wraps a DataLoader, with workers too, and a break stops them', function()
      local data = torch.utils.data
      local x = torch.arange(1, 11):float():view(10, 1)
      local y = torch.arange(1, 11)
      local f, read = capture()
      for _, workers in ipairs({ 0, 2 }) do
        local loader = data.DataLoader(data.TensorDataset(x, y), { batch_size = 3, num_workers = workers })
        local seen = {}
        local bar = progress(loader, { file = f, tty = false, desc = 'w' .. workers })
        assert.are.equal(4, bar.total)
        for inputs, labels in bar do
          assert.are.same({ inputs:size(1), 1 }, inputs.shape)
          for _, v in ipairs(labels:totable()) do seen[#seen + 1] = v end
        end
        assert.are.same({ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, seen)
        local n = 0
        for _ in progress(loader, { file = f }):iter() do
          n = n + 1
          if n == 2 then break end
        end
        assert.are.equal(2, n)
      end
      assert.truthy(read():find('w2: 4/4 100%', 1, true), read())
    end)
  end)

  it('rejects bad arguments with clear errors', function()
    assert.has_error(function() progress(true) end,
      'progress: expected a data loader (with :iter()), a table, an integer, an iterator function or nil, got boolean')
    assert.has_error(function() progress(1.5) end,
      'progress: expected a data loader (with :iter()), a table, an integer, an iterator function or nil, got float')
    assert.has_error(function() progress({}, { colour = 'red' }) end,
      "progress: unknown option 'colour' (known: clock, desc, disable, file, interval, leave, mininterval, ncols, " ..
      'tty, total, unit)')
    assert.has_error(function() progress({}, { desc = 3 }) end, 'progress: desc must be a string, got number')
    assert.has_error(function() progress({}, { file = 'x' }) end, 'progress: file must have a write method, got string')
    assert.has_error(function() progress({}, 'x') end, 'progress: expected a table of options, got string')
    local bar = progress(nil, { file = io.tmpfile() })
    assert.has_error(function() bar:update('x') end, 'progress: update expects a number, got string')
    assert.has_error(function() bar:set_postfix(3) end, 'progress: set_postfix expects a table or a string, got number')
    assert.has_error(function() bar:set_description(3) end, 'progress: set_description expects a string, got number')
    assert.has_error(function() for _ in bar do end end,
      'progress: this bar wraps no iterable (progress(nil, ...) is driven by bar:update)')
  end)

  it('torch._isatty and torch._terminal_columns check their argument', function()
    local f = io.tmpfile()
    assert.is_false(torch._isatty(f))
    assert.is_nil(torch._terminal_columns(f))
    f:close()
    assert.is_false(torch._isatty(f))
    assert.has_error(function() torch._isatty(3) end, '_isatty: expected 0, 1, 2 or a file handle, got 3')
    assert.has_error(function() torch._isatty('x') end, '_isatty: expected 0, 1, 2 or a file handle, got string')
    assert.has_error(function() torch._terminal_columns({}) end,
      '_terminal_columns: expected 0, 1, 2 or a file handle, got table')
  end)
end)
