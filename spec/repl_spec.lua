-- The ctorch-lua interpreter: its options (as Lua 5.4's `lua`), the nn/optim
-- globals, and the interactive REPL, driven through a pseudo-terminal by
-- tests/pty_driver (every wait there is bounded, 3 s a step, so a broken REPL
-- fails in seconds instead of hanging).
local build = assert(os.getenv('CTORCH_BUILD_DIR'), 'CTORCH_BUILD_DIR is not set')
local exe = build .. '/ctorch-lua'
local driver = build .. '/tests/pty_driver'

local function quote(s)
  return "'" .. s:gsub("'", "'\\''") .. "'"
end

local function tmpdir()
  local d = os.tmpname()
  os.remove(d)
  assert(os.execute('mkdir -p ' .. quote(d)))
  return d
end

local function write_file(path, text)
  local f = assert(io.open(path, 'w'))
  f:write(text)
  f:close()
end

local function read_file(path)
  local f = io.open(path)
  if not f then return nil end
  local s = f:read('a')
  f:close()
  return s
end

-- Runs a shell command, returning its output (stdout and stderr) and whether it succeeded.
local function run(cmd)
  local p = io.popen(cmd .. ' 2>&1')
  local out = p:read('a')
  local ok = p:close()
  return out, ok == true
end

-- ctorch-lua with arguments, no LUA_INIT unless given in env.
local function ctl(args, env)
  return run(string.format('env -u LUA_INIT -u LUA_INIT_5_4 %s %s %s', env or '', exe, args))
end

---------------------------------------------------------------- the REPL through a pty

-- A step of the driver's script; control bytes and backslashes are escaped.
local function escape(text)
  return (text:gsub('[%c\\]', function(c) return string.format('\\x%02x', c:byte()) end))
end
local function send(text) return 'send ' .. escape(text) end
local function expect(text) return 'expect ' .. escape(text) end
local function sleep(ms) return 'sleep ' .. ms end
local PROMPT = expect('\n> ')

-- Runs one REPL session (HOME in a temp dir, so history goes there) through
-- the steps (which end at a prompt), closing it with Ctrl-D unless the
-- steps end it themselves.  Returns the transcript and HOME.
local function session(steps, home, ends_itself)
  home = home or tmpdir()
  write_file(home .. '/inputrc', 'set enable-bracketed-paste off\n')
  local script = { expect('> ') }
  for _, s in ipairs(steps) do script[#script + 1] = s end
  if not ends_itself then script[#script + 1] = send('\4') end
  script[#script + 1] = 'wait'
  write_file(home .. '/script', table.concat(script, '\n') .. '\n')
  local out = run(string.format(
    'cd %s && env -u LUA_INIT -u LUA_INIT_5_4 HOME=%s INPUTRC=%s TERM=xterm %s -t 3 -- %s < %s',
    quote(home), quote(home), quote(home .. '/inputrc'), driver, exe, quote(home .. '/script')))
  return out:gsub('\r\n', '\n'), home
end

local function assert_clean(out)
  assert.is_nil(out:find('[pty_driver: timeout', 1, true), out)
  assert.truthy(out:find('[pty_driver: exit 0]', 1, true), out)
end

-- What the REPL printed for the input line that starts with `from` (the
-- lines after it, up to the next prompt).
local function answer(out, from)
  local _, e = out:find(from, 1, true)
  assert.truthy(e, 'no "' .. from .. '" in:\n' .. out)
  local eol = out:find('\n', e, true)
  local stop = out:find('\n> ', eol, true) or #out + 1
  return out:sub(eol + 1, stop - 1)
end

describe('the ctorch-lua REPL', function()
  it('prints the values of expressions, several separated by tabs', function()
    local out = session({
      send('1+1\r'), PROMPT,
      send('torch.ones(2)\r'), PROMPT,
      send('1, "a", nil, 2.5\r'), PROMPT,
      send('x = 5\r'), PROMPT,
      send('print("printed")\r'), PROMPT,
    })
    assert_clean(out)
    assert.are.equal('2', answer(out, '> 1+1'))
    assert.are.equal('tensor([1., 1.])', answer(out, '> torch.ones(2)'))
    assert.are.equal('1\ta\tnil\t2.5', answer(out, '> 1, "a", nil, 2.5'))
    -- a statement prints nothing; print's own output shows once
    assert.are.equal('', answer(out, '> x = 5'))
    assert.are.equal('printed', answer(out, '> print("printed")'))
  end)

  it('shows tables as one-level tables, nested tables abbreviated, cycles safe', function()
    local out = session({
      send('{1, 2, x = 3}\r'), PROMPT,
      send('t = {"s", n = {1}, e = {}, [10] = true, ["a b"] = 1.5, m = torch.zeros(2, 2)}\r'), PROMPT,
      send('t\r'), PROMPT,
      send('c = {}; c.self = c\r'), PROMPT,
      send('c\r'), PROMPT,
      send('{}, {1, {2}}\r'), PROMPT,
    })
    assert_clean(out)
    assert.are.equal('{1, 2, x = 3}', answer(out, '> {1, 2, x = 3}'))
    assert.are.equal('{"s", [10] = true, ["a b"] = 1.5, e = {}, m = tensor([[0., 0.], [0., 0.]]), n = {...}}',
      answer(out, '> t\n'))
    assert.are.equal('{self = {...}}', answer(out, '> c\n'))
    assert.are.equal('{}\t{1, {...}}', answer(out, '> {}, {1, {2}}'))
  end)

  it('completes methods, module functions, table fields, properties, globals and file names', function()
    local home = tmpdir()
    write_file(home .. '/some_data_file.lua', 'return 11\n')
    local out = session({
      send('x = torch.ones(3)\r'), PROMPT,
      send('x:ad\t\t'), expect('addmm'), send('\21\r'), PROMPT,
      send('torch.zeros_l\t'), expect('ike('), send('x)\r'), PROMPT,
      send('model = {fc1 = 1, fc2 = 2, out = 3}\r'), PROMPT,
      send('model.fc\t\t'), expect('fc2'), send('\21\r'), PROMPT,
      send('x.sha\t'), expect('pe'), send('\r'), PROMPT,
      send('zz_unique_global = 7\r'), PROMPT,
      send('zz_uni\t'), expect('que_global'), send('\r'), PROMPT,
      send('string.rev\t'), expect('erse('), send('"ab")\r'), PROMPT,
      send('dofile("some_da\t'), expect('ta_file.lua"'), send(')\r'), PROMPT,
    }, home)
    assert_clean(out)
    -- x:ad<Tab> extends to x:add, the second Tab lists the three choices
    assert.truthy(out:find('\nadd +add_ +addmm *\n> x:add'), out)
    assert.are.equal('tensor([0., 0., 0.])', answer(out, '> torch.zeros_like(x)'))
    assert.truthy(out:find('\nfc1 +fc2 *\n> model.fc'), out)
    assert.are.equal('torch.Size([3])', answer(out, '> x.shape'))
    assert.are.equal('7', answer(out, '> zz_unique_global\n'))
    assert.are.equal('ba', answer(out, '> string.reverse("ab")'))
    assert.are.equal('11', answer(out, '> dofile("some_data_file.lua")'))
  end)

  it('continues incomplete statements on the next lines', function()
    local out = session({
      send('for i=1,2 do\r'), expect('>> '),
      send('print(i * 10)\r'), expect('>> '),
      send('end\r'), PROMPT,
      send('f = function(a,\r'), expect('>> '),
      send('b) return a + b end\r'), PROMPT,
      send('f(2, 3)\r'), PROMPT,
    })
    assert_clean(out)
    assert.are.equal('10\n20', answer(out, '>> end'))
    assert.are.equal('5', answer(out, '> f(2, 3)'))
  end)

  it('reports errors with a traceback and goes on', function()
    local out = session({
      send('v = 42\r'), PROMPT,
      send('error("boom")\r'), PROMPT,
      send('x = = 1\r'), PROMPT,
      send('v + 1\r'), PROMPT,
    })
    assert_clean(out)
    local err = answer(out, '> error("boom")')
    assert.truthy(err:find('stdin:1: boom', 1, true), err)
    assert.truthy(err:find('stack traceback:', 1, true), err)
    assert.truthy(answer(out, '> x = = 1'):find("unexpected symbol near '='", 1, true), out)
    assert.are.equal('43', answer(out, '> v + 1'))
  end)

  it('interrupts a running loop with Ctrl-C and keeps the session', function()
    local out = session({
      send('v = 42\r'), PROMPT,
      -- once the line is read (the terminal flushes unread input on Ctrl-C)
      send('while true do end\r'), expect('while true do end\r\n'), sleep(200),
      send('\3'), expect('interrupted!'), PROMPT,
      send('v\r'), PROMPT,
    })
    assert_clean(out)
    assert.are.equal('42', answer(out, '> v\n'))
  end)

  it('clears the line, or the unfinished statement, on Ctrl-C at the prompt', function()
    local out = session({
      send('abc'), expect('abc'), send('\3'), PROMPT,
      send('w = 1 +\r'), expect('>> '), send('\3'), PROMPT,
      send('w\r'), PROMPT,
    })
    assert_clean(out)
    assert.truthy(out:find('> abc^C\n> ', 1, true), out)
    assert.truthy(out:find('>> ^C\n> ', 1, true), out)
    assert.are.equal('nil', answer(out, '> w\n'))
  end)

  it('keeps a bounded history in ~/.ctorch_history, appended per session', function()
    local home = tmpdir()
    local old = {}
    for i = 1, 1100 do old[i] = 'old_line_' .. i end
    old[#old + 1] = 'recalled = 99'
    write_file(home .. '/.ctorch_history', table.concat(old, '\n') .. '\n')
    local out = session({
      send('\27[A'), expect('recalled = 99'), send('\r'), PROMPT,
      send('recalled + 1\r'), PROMPT,
      send('new_line = 1\r'), PROMPT,
    }, home)
    assert_clean(out)
    assert.are.equal('100', answer(out, '> recalled + 1'))
    local lines = {}
    for l in read_file(home .. '/.ctorch_history'):gmatch('[^\n]+') do lines[#lines + 1] = l end
    assert.are.equal(1000, #lines)
    assert.are.equal('new_line = 1', lines[#lines])
    assert.are.equal('recalled + 1', lines[#lines - 1])
    -- the recalled line was entered again, but a repeat of the line before is kept once
    assert.are.equal('recalled = 99', lines[#lines - 2])
    assert.are.equal('old_line_1100', lines[#lines - 3])

    -- os.exit() in the REPL keeps the session's lines too
    local exiting = tmpdir()
    write_file(exiting .. '/.ctorch_history', 'before\n')
    out = session({ send('q = 1\r'), PROMPT, send('os.exit(3)\r') }, exiting, true)
    assert.truthy(out:find('[pty_driver: exit 3]', 1, true), out)
    assert.are.equal('before\nq = 1\nos.exit(3)\n', read_file(exiting .. '/.ctorch_history'))

    -- a new session creates the file
    local fresh = tmpdir()
    assert_clean(session({ send('a = 1\r'), PROMPT }, fresh))
    assert.are.equal('a = 1\n', read_file(fresh .. '/.ctorch_history'))
  end)
end)

---------------------------------------------------------------- globals and options

describe('ctorch-lua globals', function()
  it('has torch, and nn / optim resolving to torch.nn / torch.optim', function()
    local out, ok = ctl([[-e "print(type(torch), torch.zeros(2):size(1))"]])
    assert.is_true(ok, out)
    assert.are.equal('table\t2\n', out)
    for _, name in ipairs({ 'nn', 'optim' }) do
      local found = package.searchpath('torch.' .. name, package.path)
      out, ok = ctl(string.format([[-e "print(%s == torch.%s, rawget(_G, '%s') ~= nil)"]], name, name, name))
      if found then
        assert.is_true(ok, out)
        assert.are.equal('true\ttrue\n', out)
      else
        assert.is_false(ok, out)
        assert.truthy(out:find('torch.' .. name .. ' is not available yet', 1, true), out)
      end
    end
    -- other missing globals stay nil
    out = ctl([[-e "print(no_such_global)"]])
    assert.are.equal('nil\n', out)
  end)
end)

describe('ctorch-lua options', function()
  local dir = tmpdir()
  write_file(dir .. '/s.lua', 'print("script", arg[0], arg[-1], arg[1], arg[2], #arg, ...)\n')
  write_file(dir .. '/in.lua', 'print("stdin", ...)\n')
  write_file(dir .. '/err.lua', 'local function f() error("boom") end\nf()\n')
  write_file(dir .. '/warn.lua', 'warn("careful")\n')
  local function s(name) return quote(dir .. '/' .. name) end

  it('runs a script with its arguments in arg and ...', function()
    local out, ok = ctl(s('s.lua') .. ' a b')
    assert.is_true(ok, out)
    assert.are.equal(string.format('script\t%s/s.lua\t%s\ta\tb\t2\ta\tb\n', dir, exe), out)
  end)

  it('with no script puts the options in arg (as lua does)', function()
    local out = ctl([[-e "print(arg[0], arg[1], arg[2], #arg)"]])
    assert.are.equal(exe .. '\t-e\tprint(arg[0], arg[1], arg[2], #arg)\t2\n', out)
  end)

  it('runs -e and -l in order, before the script, and -l g=mod', function()
    local out, ok = ctl([[-e "x = 1" -l string -l S=string -e "print(x, string == S)" ]] .. s('s.lua'))
    assert.is_true(ok, out)
    assert.truthy(out:find('^1\ttrue\nscript\t'), out)
    out, ok = ctl('-l no_such_module_xyz')
    assert.is_false(ok)
    assert.truthy(out:find("module 'no_such_module_xyz' not found", 1, true), out)
  end)

  it('reads stdin for - and with no arguments when stdin is not a terminal', function()
    local out, ok = ctl('- x y < ' .. s('in.lua'))
    assert.is_true(ok, out)
    assert.are.equal('stdin\tx\ty\n', out)
    out = ctl('< ' .. s('in.lua'))
    assert.are.equal('stdin\n', out)
  end)

  it('prints the version with -v, and -i runs the REPL after the script', function()
    local out, ok = ctl('-v')
    assert.is_true(ok, out)
    assert.truthy(out:find('^ctorch%-lua %d+%.%d+%.%d+ %-%- Lua 5%.4'), out)
    out = ctl('-i -e "y = 6" < /dev/null')
    assert.truthy(out:find('^ctorch%-lua'), out)
  end)

  it('runs LUA_INIT first, and -E ignores it', function()
    local out = ctl([[-e "print(init)"]], [[LUA_INIT='init = "set"']])
    assert.are.equal('set\n', out)
    out = ctl([[-E -e "print(init)"]], [[LUA_INIT='init = "set"']])
    assert.are.equal('nil\n', out)
    out = ctl([[-e "print(init)"]], [[LUA_INIT='@]] .. dir .. [[/init.lua']])
    assert.truthy(out:find('cannot open', 1, true), out)
    write_file(dir .. '/init.lua', 'init = "from file"\n')
    out = ctl([[-e "print(init)"]], [[LUA_INIT='@]] .. dir .. [[/init.lua']])
    assert.are.equal('from file\n', out)
  end)

  it('turns warnings on with -W', function()
    assert.are.equal('', (ctl(s('warn.lua'))))
    assert.are.equal('Lua warning: careful\n', (ctl('-W ' .. s('warn.lua'))))
  end)

  it('reports errors with a traceback and a failing status', function()
    local out, ok = ctl(s('err.lua'))
    assert.is_false(ok)
    assert.truthy(out:find(exe .. ': ' .. dir .. '/err.lua:1: boom', 1, true), out)
    assert.truthy(out:find('stack traceback:', 1, true), out)
    out, ok = ctl(s('missing.lua'))
    assert.is_false(ok)
    assert.truthy(out:find('cannot open', 1, true), out)
  end)

  it('rejects bad options with the usage', function()
    for _, bad in ipairs({ '-x', '-ix', '--x', '-e', '-l' }) do
      local out, ok = ctl(bad)
      assert.is_false(ok, bad)
      assert.truthy(out:find('usage: ', 1, true), out)
      local msg = (bad == '-e' or bad == '-l') and ("'" .. bad .. "' needs argument")
        or ("unrecognized option '" .. bad .. "'")
      assert.truthy(out:find(msg, 1, true), out)
    end
  end)
end)
