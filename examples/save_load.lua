-- Checkpoints that resume exactly: a small MLP (with dropout) learns a
-- synthetic 4-class problem with SGD + momentum and a StepLR schedule.
-- Stopped at step K and resumed from its checkpoint, it ends with the same
-- loss and the same parameters, bit for bit, as a run that never stopped.
--
--   ctorch-lua examples/save_load.lua                           # 200 steps
--   ctorch-lua examples/save_load.lua --stop-at 80 --checkpoint ck.ct
--   ctorch-lua examples/save_load.lua --resume ck.ct            # the same final lines
--
-- Options: --steps N (200), --batch-size B (32), --stop-at K (save and exit
-- after step K), --checkpoint PATH (where --stop-at saves; save_load.ct),
-- --resume PATH, --save-model PATH (the final state dict, torch.save),
-- --skip-rng (resume without the random state, to see that it matters).
--
-- A checkpoint holds everything the rest of the run depends on:
--   {step = K, model = model:state_dict(), optim = opt:state_dict(),
--    sched = sched:state_dict(), rng = torch.get_rng_state()}
-- The random state matters here: the batches are drawn with torch.randperm
-- and dropout draws its masks.  (Lua's own math.random cannot report its
-- state: draw from torch when a run must resume exactly.)
local torch = require 'torch'
local nn = require 'torch.nn'
local optim = require 'torch.optim'

local function parse_args(argv)
  local o = { steps = 200, batch_size = 32, checkpoint = 'save_load.ct' }
  local numbers = { ['--steps'] = 'steps', ['--batch-size'] = 'batch_size', ['--stop-at'] = 'stop_at' }
  local strings = { ['--checkpoint'] = 'checkpoint', ['--resume'] = 'resume', ['--save-model'] = 'save_model' }
  local i = 1
  while argv and argv[i] do
    local a = argv[i]
    if numbers[a] then
      o[numbers[a]] = math.tointeger(tonumber(argv[i + 1]))
      if not o[numbers[a]] then error('save_load: ' .. a .. ' expects an integer') end
      i = i + 1
    elseif strings[a] then
      o[strings[a]] = argv[i + 1]
      if not o[strings[a]] then error('save_load: ' .. a .. ' expects a path') end
      i = i + 1
    elseif a == '--skip-rng' then
      o.skip_rng = true
    else
      error('save_load: unknown argument ' .. a)
    end
    i = i + 1
  end
  return o
end
local opts = parse_args(arg)

torch.manual_seed(0)
math.randomseed(0)

-- Data: 1024 points in 16-D labelled by a fixed random "teacher" network.
local n, dim, classes = 1024, 16, 4
local X = torch.randn(n, dim)
local teacher = torch.randn(dim, classes)
local y = torch.argmax(torch.tanh(X:matmul(teacher)) + 0.3 * torch.randn(n, classes), 2)

local model = nn.Sequential(
  nn.Linear(dim, 64), nn.ReLU(), nn.Dropout(0.1),
  nn.Linear(64, 64), nn.ReLU(),
  nn.Linear(64, classes))
local opt = optim.SGD(model:parameters(), { lr = 0.1, momentum = 0.9 })
local sched = optim.lr_scheduler.StepLR(opt, 50, { gamma = 0.5 })
local criterion = nn.CrossEntropyLoss()

-- Everything above is rebuilt the same way on resume; the checkpoint then
-- overwrites the parts that training changed.
local first_step = 1
if opts.resume then
  local ck = torch.load(opts.resume)
  model:load_state_dict(ck.model)
  opt:load_state_dict(ck.optim)
  sched:load_state_dict(ck.sched)
  if not opts.skip_rng then torch.set_rng_state(ck.rng) end
  first_step = ck.step + 1
  print(string.format('resumed from %s at step %d (lr %g)', opts.resume, ck.step, opt.param_groups[1].lr))
end

local loss_value
for step = first_step, opts.steps do
  local idx = torch.randperm(n)[{ { 1, opts.batch_size } }]
  opt:zero_grad()
  local loss = criterion(model(X:index_select(1, idx)), y:index_select(1, idx))
  loss:backward()
  opt:step()
  sched:step()
  loss_value = loss:item()
  if step % 50 == 0 then print(string.format('step %4d  loss %.4f  lr %g', step, loss_value, sched:get_last_lr()[1])) end
  if step == opts.stop_at then
    torch.save(opts.checkpoint, {
      step = step,
      model = model:state_dict(),
      optim = opt:state_dict(),
      sched = sched:state_dict(),
      rng = torch.get_rng_state(),
    })
    print(string.format('checkpoint saved at step %d to %s', step, opts.checkpoint))
    os.exit(0)
  end
end

-- Full precision: any difference between two runs shows.
model:eval()
local full_loss = torch.no_grad(function() return criterion(model(X), y):item() end)
local sum, sum_sq = 0, 0
for _, p in ipairs(model:parameters()) do
  local d = p:double()
  sum = sum + d:sum():item()
  sum_sq = sum_sq + (d * d):sum():item()
end
print(string.format('final step loss %.17g', loss_value or 0 / 0))
print(string.format('final loss on all data %.17g', full_loss))
print(string.format('parameter checksum %.17g %.17g', sum, sum_sq))
if opts.save_model then torch.save(opts.save_model, model:state_dict()) end
