-- check_examples.lua: runs the three embedding examples and checks what they
-- print.  usage: ctorch-lua check_examples.lua <bindir> <examples_dir>
-- (tests/embed/CMakeLists.txt runs it on this build's examples; install_test.sh
-- on examples built against an installed ctorch).
local bindir, exdir = arg[1], arg[2]
assert(bindir and exdir, 'usage: check_examples.lua <bindir> <examples_dir>')

local failures = 0
local function fail(name, msg, output)
  failures = failures + 1
  io.stderr:write(string.format('FAIL %s: %s\n', name, msg))
  if output then io.stderr:write('---- output\n', output, '----\n') end
end

local function quote(s) return "'" .. s:gsub("'", "'\\''") .. "'" end

local function run(name, ...)
  local cmd = quote(bindir .. '/' .. name)
  for _, a in ipairs({ ... }) do cmd = cmd .. ' ' .. quote(a) end
  local f = assert(io.popen(cmd .. ' 2>&1'))
  local out = f:read('a')
  local ok, _, code = f:close()
  return out, ok, code
end

-- ---------------------------------------------------------------- predict
-- The same two-layer perceptron in plain Lua (float64) from weights.lua.
local W = dofile(exdir .. '/weights.lua')
local function forward(x)
  local h = {}
  for j = 1, #W.b1 do
    local s = W.b1[j]
    for i = 1, #x do s = s + x[i] * W.w1[i][j] end
    h[j] = math.max(s, 0)
  end
  local logits, max = {}, -math.huge
  for c = 1, #W.b2 do
    local s = W.b2[c]
    for j = 1, #h do s = s + h[j] * W.w2[j][c] end
    logits[c] = s
    max = math.max(max, s)
  end
  local probs, total = {}, 0
  for c, l in ipairs(logits) do probs[c] = math.exp(l - max); total = total + probs[c] end
  for c in ipairs(probs) do probs[c] = probs[c] / total end
  return probs
end

do
  local out, ok = run('predict', exdir)
  if not ok then
    fail('predict', 'exited with an error', out)
  else
    local rows = 0
    for i, inputs in out:gmatch('input (%d+):([^\n]*)') do
      local x = {}
      for v in inputs:gmatch('%S+') do x[#x + 1] = tonumber(v) end
      local line = out:match('prediction ' .. i .. ':([^\n]*)')
      local got = {}
      for v in (line or ''):gmatch('(%d%.%d+)') do got[#got + 1] = tonumber(v) end
      local class = tonumber((line or ''):match('class (%d+)'))
      local want = forward(x)
      local best = 1
      for c = 2, #want do if want[c] > want[best] then best = c end end
      if #x ~= 4 or #got ~= #want then
        fail('predict', 'row ' .. i .. ' not understood', out)
      else
        for c = 1, #want do
          if math.abs(got[c] - want[c]) > 2e-5 then
            fail('predict', string.format('row %s class %d: %.6f, expected %.6f', i, c, got[c], want[c]), out)
          end
        end
        if class ~= best or not line:find('(' .. W.classes[best] .. ')', 1, true) then
          fail('predict', 'row ' .. i .. ' names the wrong class', out)
        end
      end
      rows = rows + 1
    end
    if rows ~= 4 then fail('predict', 'expected 4 predictions, got ' .. rows, out) end
    if not out:find('batch released after lua_close: yes', 1, true) then
      fail('predict', 'the wrapped batch was not reported released', out)
    end
  end
  -- a wrong model folder is an error message and a failing exit status, not a crash
  local bad, bad_ok, code = run('predict', exdir .. '/no-such-folder')
  if bad_ok or code ~= 1 or not bad:find('model.lua', 1, true) then
    fail('predict', 'a missing model.lua should fail cleanly with exit status 1', bad)
  end
end

-- ---------------------------------------------------------------- train_c
do
  local out, ok = run('train_c')
  local w, b = out:match('learned w = (%-?[%d.]+) %(true 3%), b = (%-?[%d.]+)')
  local first = tonumber(out:match('step   1  loss ([%d.]+)'))
  local last = tonumber(out:match('step 200  loss ([%d.]+)'))
  if not ok then
    fail('train_c', 'exited with an error', out)
  elseif not (w and b and first and last) then
    fail('train_c', 'output not understood', out)
  elseif math.abs(w - 3) > 0.1 or math.abs(b - 2) > 0.1 then
    fail('train_c', 'learned parameters are off', out)
  elseif not (last < first and last < 0.02) then
    -- the noise has variance 0.01: the loss ends near it
    fail('train_c', 'the loss did not go down to the noise level', out)
  end
end

-- ---------------------------------------------------------------- threads
do
  local out, ok = run('threads')
  local good = 0
  for k in out:gmatch('thread (%d): [^\n]* per thread  ok\n') do good = good + 1 end
  if not ok or good ~= 2 then fail('threads', 'both threads should report ok', out) end
end

if failures > 0 then
  io.stderr:write(failures .. ' check(s) failed\n')
  os.exit(1)
end
print('ok: predict, train_c and threads from ' .. bindir)
