-- Memory stays bounded in long loops without the user calling
-- collectgarbage(): the binding reports tensor bytes to Lua's collector
-- (DESIGN.md, "Performance stance").
local torch = require 'torch'

local sanitized = os.getenv('CTORCH_SANITIZED') ~= nil

-- a field of /proc/self/status, in bytes
local function status_bytes(field)
  for line in io.lines('/proc/self/status') do
    local kb = line:match('^' .. field .. ':%s+(%d+)%s+kB')
    if kb then return tonumber(kb) * 1024 end
  end
  error('no ' .. field .. ' in /proc/self/status')
end

local MB = 1024 * 1024

local function note(fmt, ...)
  io.stderr:write(string.format('# memory_spec: ' .. fmt .. '\n', ...))
end

describe('memory', function()
  it('stays bounded in loops of 100000 tiny ops', function()
    local t = torch.ones(3)
    collectgarbage()
    local live0 = torch.memory_live_bytes()
    local max_live = live0
    -- 100000 iterations make 300000 tensors; without collection they would
    -- hold ~150 MB.  The first loop reaches the collector's steady state, the
    -- second must not grow beyond it.
    local function loop()
      local start = os.clock()
      for i = 1, 100000 do
        local y = (t * 2 + 1):view(-1)
        if i % 1000 == 0 then
          max_live = math.max(max_live, torch.memory_live_bytes())
          if max_live > 600 * MB then break end
        end
      end
      return os.clock() - start
    end
    local rss0 = status_bytes('VmRSS')
    local cpu1 = loop()
    local rss1 = status_bytes('VmRSS')
    local cpu2 = loop()
    local rss2 = status_bytes('VmRSS')
    note('tiny ops: %.2f s + %.2f s cpu, RSS grew %.1f MB then %.1f MB, live tensor bytes peaked at %d',
      cpu1, cpu2, (rss1 - rss0) / MB, (rss2 - rss1) / MB, max_live)
    assert.is_true(max_live - live0 < 4 * MB, 'live tensor bytes grew to ' .. max_live)
    if not sanitized then -- the sanitizer's quarantine keeps freed memory
      assert.is_true(rss1 - rss0 < 128 * MB, string.format('RSS grew %.1f MB', (rss1 - rss0) / MB))
      assert.is_true(rss2 - rss1 < 16 * MB, string.format('RSS grew another %.1f MB', (rss2 - rss1) / MB))
    end
    collectgarbage()
    assert.are.equal(live0, torch.memory_live_bytes())
  end)

  it('keeps x * 2 + 1 on a 1000x1000 tensor under 300 MB for 100000 iterations', function()
    -- Each iteration makes two 4 MB tensors: 800 GB in all.  The sanitizer
    -- build (slow, and its quarantine holds freed memory) runs fewer and
    -- checks the live tensor bytes instead of the process RSS.
    local n = sanitized and 500 or 100000
    local x = torch.randn and torch.randn(1000, 1000) or torch.ones(1000, 1000)
    collectgarbage() -- a clean baseline; the loop itself never collects explicitly
    local live0 = torch.memory_live_bytes()
    local max_live = live0
    local start_cpu, start_wall = os.clock(), os.time()
    for i = 1, n do
      local y = x * 2 + 1
      if i % 100 == 0 then
        max_live = math.max(max_live, torch.memory_live_bytes())
        -- stop early rather than exhaust the machine when collection falls behind
        if max_live > 600 * MB then n = i break end
      end
    end
    local hwm = status_bytes('VmHWM')
    note('%d iterations of x * 2 + 1: %.1f s cpu, %d s wall, peak RSS %.1f MB, peak live tensors %.1f MB',
      n, os.clock() - start_cpu, os.time() - start_wall, hwm / MB, max_live / MB)
    assert.is_true(max_live < 300 * MB, string.format('live tensor bytes reached %.1f MB', max_live / MB))
    if not sanitized then
      assert.is_true(hwm < 300 * MB, string.format('peak RSS %.1f MB', hwm / MB))
    end
    -- everything the loop made is garbage: a collection frees it all
    collectgarbage()
    local live1 = torch.memory_live_bytes()
    assert.are.equal(live0, live1, string.format('live bytes %d before, %d after', live0, live1))
    -- and x itself is still intact
    assert.are.equal(1000000, x:numel())
  end)
end)
