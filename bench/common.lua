-- Shared helpers for the ctorch side of the benchmarks (bench/*.lua).
-- Each benchmark prints informational lines and exactly one `RESULT <number>`
-- line, which scripts/bench.sh reads.
local torch = require 'torch'

local B = {}

-- Wall-clock time by default; BENCH_CLOCK=cpu measures this process's CPU
-- time instead, which a busy shared machine disturbs less (single thread only).
B.clock = os.getenv('BENCH_CLOCK') == 'cpu' and os.clock or torch.clock

-- Median of a list of numbers.
function B.median(xs)
  local s = {}
  for i, x in ipairs(xs) do s[i] = x end
  table.sort(s)
  local n = #s
  if n % 2 == 1 then return s[(n + 1) // 2] end
  return (s[n // 2] + s[n // 2 + 1]) / 2
end

-- Runs fn() `warmup` times, then `reps` timed times; returns the median seconds.
function B.time(fn, warmup, reps)
  for _ = 1, warmup do fn() end
  local ts = {}
  for i = 1, reps do
    local t0 = B.clock()
    fn()
    ts[i] = B.clock() - t0
  end
  return B.median(ts)
end

function B.result(value)
  print(string.format('RESULT %.6g', value))
end

return B
