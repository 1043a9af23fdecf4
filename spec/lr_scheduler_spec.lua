-- torch.optim.lr_scheduler: learning-rate sequences against PyTorch's, and the API.
local torch = require 'torch'
local H = require 'spec.helpers'
local optim = require 'torch.optim'
local S = optim.lr_scheduler

local F = dofile('spec/fixtures/optim_trajectories.lua')

-- The fixture's optimizer: SGD with two groups (lr 0.1 and 0.01).
local function make_optimizer(lrs)
  lrs = lrs or F.lr_groups
  local groups = {}
  for i, lr in ipairs(lrs) do groups[i] = { params = { torch.zeros(2):requires_grad_() }, lr = lr } end
  return optim.SGD(groups, { lr = lrs[1] })
end

-- Builds a scheduler from the fixture's Lua constructor call.
local function build(call, opt)
  local env = setmetatable({ opt = opt }, { __index = function(_, k) return S[k] or _G[k] end })
  return assert(load('return ' .. call, call, 't', env))()
end

local function assert_lrs(got, want, what)
  assert(#got == #want, string.format('%s: %d groups, expected %d', what, #got, #want))
  for i = 1, #want do
    local err = math.abs(got[i] - want[i])
    assert(err <= 1e-12 * math.max(math.abs(want[i]), 1e-300) or err == 0,
      string.format('%s group %d: %.17g, PyTorch %.17g', what, i, got[i], want[i]))
  end
end

describe('schedulers follow PyTorch get_last_lr() sequences', function()
  for _, case in ipairs(F.schedulers) do
    it(case.name .. ': ' .. case.make, function()
      local opt = make_optimizer()
      local sched = build(case.make, opt)
      local k = 1
      if not case.metrics then
        assert_lrs(sched:get_last_lr(), case.lrs[1], 'after construction')
        k = 2
      end
      for i = 1, F.lr_steps do
        opt:step()
        if case.metrics then
          sched:step(F.plateau_metrics[i])
        elseif case.epochs then
          sched:step(F.epochs[i])
        else
          sched:step()
        end
        assert_lrs(sched:get_last_lr(), case.lrs[k], 'step ' .. i)
        -- and the optimizer's groups carry the same lrs
        assert_lrs({ opt.param_groups[1].lr, opt.param_groups[2].lr }, case.lrs[k], 'group lr ' .. i)
        k = k + 1
      end
    end)
  end
end)

describe('scheduler behaviour', function()
  it('construction takes the first step and records initial_lr', function()
    local opt = make_optimizer()
    local sched = S.ExponentialLR(opt, 0.5)
    assert.are.equal(0, sched.last_epoch)
    assert.are.same({ 0.1, 0.01 }, sched.base_lrs)
    assert.are.equal(0.1, opt.param_groups[1].initial_lr)
    sched:step()
    assert.are.equal(1, sched.last_epoch)
    assert.are.equal(0.05, opt.param_groups[1].lr)
  end)

  it('the lr it sets is the one the optimizer uses', function()
    local p = torch.tensor({ 0.0 }):requires_grad_()
    local opt = optim.SGD({ p }, { lr = 1 })
    local sched = S.StepLR(opt, { step_size = 1, gamma = 0.5 })
    for _ = 1, 3 do
      p.grad = torch.ones(1)
      opt:step()
      sched:step()
    end
    H.assert_tensor(p, { -(1 + 0.5 + 0.25) })
  end)

  it('get_last_lr returns a copy', function()
    local sched = S.StepLR(make_optimizer(), 2)
    local lrs = sched:get_last_lr()
    lrs[1] = 42
    assert.are.equal(0.1, sched:get_last_lr()[1])
  end)

  it('chainable forms compose with outside lr changes', function()
    local opt = make_optimizer({ 1 })
    local sched = S.ExponentialLR(opt, { gamma = 0.5 })
    sched:step()
    opt.param_groups[1].lr = 10
    sched:step()
    assert.are.equal(5, sched:get_last_lr()[1])
  end)

  it('resumes with last_epoch when initial_lr is known', function()
    local opt = make_optimizer()
    H.assert_error_has(function() S.StepLR(opt, { step_size = 2, last_epoch = 3 }) end,
      "param 'initial_lr' is not specified in param_groups[1]")
    for _, g in ipairs(opt.param_groups) do g.initial_lr = g.lr end
    local sched = S.CosineAnnealingLR(opt, { T_max = 10, last_epoch = 3 })
    assert.are.equal(4, sched.last_epoch)
    -- the first step of a resumed cosine schedule uses the closed form
    local want = 0.1 * (1 + math.cos(4 * math.pi / 10)) / 2
    assert.is_true(math.abs(sched:get_last_lr()[1] - want) < 1e-15)
  end)

  it('ReduceLROnPlateau takes tensor metrics and honours min_lr and eps', function()
    local opt = make_optimizer({ 0.1 })
    local sched = S.ReduceLROnPlateau(opt, 'min', { patience = 0, factor = 0.5, min_lr = 0.03 })
    sched:step(torch.tensor(1.0))
    sched:step(torch.tensor(2.0))
    assert.are.equal(0.05, opt.param_groups[1].lr)
    sched:step(3)
    assert.are.equal(0.03, opt.param_groups[1].lr)
    sched:step(4)
    assert.are.equal(0.03, opt.param_groups[1].lr)
    assert.are.equal(4, sched.last_epoch)
    H.assert_error_has(function() sched:step('x') end, 'ReduceLROnPlateau:step expects the metric')
    -- a reduction smaller than eps is skipped
    opt = make_optimizer({ 1e-9 })
    sched = S.ReduceLROnPlateau(opt, { patience = 0, eps = 1e-8 })
    sched:step(1)
    sched:step(2)
    assert.are.equal(1e-9, opt.param_groups[1].lr)
  end)

  it('LambdaLR calls the function with the epoch', function()
    local seen = {}
    local opt = make_optimizer({ 2 })
    S.LambdaLR(opt, function(e)
      seen[#seen + 1] = e
      return e + 1
    end):step()
    assert.are.same({ 0, 1 }, seen)
    assert.are.equal(4, opt.param_groups[1].lr)
  end)
end)

describe('scheduler state dicts', function()
  it('round-trip: a fresh scheduler loaded from a state dict continues the same sequence', function()
    for _, case in ipairs(F.schedulers) do
      local opt1 = make_optimizer()
      local s1 = build(case.make, opt1)
      local function advance(s, i)
        if case.metrics then s:step(F.plateau_metrics[i]) else s:step() end
      end
      for i = 1, 5 do advance(s1, i) end
      local sd = s1:state_dict()
      assert.is_nil(sd.optimizer)
      local opt2 = make_optimizer()
      for i, g in ipairs(opt1.param_groups) do
        opt2.param_groups[i].lr = g.lr
        opt2.param_groups[i].initial_lr = g.initial_lr
      end
      local s2 = build(case.make, opt2)
      s2:load_state_dict(sd)
      for i = 6, 12 do
        advance(s1, i)
        advance(s2, i)
        assert_lrs(s2:get_last_lr(), s1:get_last_lr(), case.name .. ' step ' .. i)
      end
    end
  end)

  it('survives torch.save and torch.load (ReduceLROnPlateau keeps best = inf)', function()
    local opt = make_optimizer()
    local sched = S.ReduceLROnPlateau(opt, { patience = 1 })
    local path = os.tmpname()
    torch.save(path, sched:state_dict())
    local sd = torch.load(path)
    os.remove(path)
    assert.are.equal(math.huge, sd.best)
    local s2 = S.ReduceLROnPlateau(make_optimizer(), { patience = 5 })
    s2:load_state_dict(sd)
    assert.are.equal(1, s2.patience)
    assert.are.equal(math.huge, s2.best)
  end)

  it('LambdaLR leaves its functions out; the dict holds copies', function()
    local sched = S.LambdaLR(make_optimizer(), { lr_lambda = function(e) return 1 / (e + 1) end })
    local sd = sched:state_dict()
    assert.is_nil(sd.lr_lambdas)
    assert.are.equal(0, sd.last_epoch)
    sd.base_lrs[1] = 5
    assert.are.equal(0.1, sched.base_lrs[1])
    local m = S.MultiStepLR(make_optimizer(), { 3, 1 }):state_dict()
    assert.are.same({ 1, 3 }, m.milestones)
    assert.are.equal(0.1, m.gamma)
  end)
end)

describe('scheduler errors', function()
  it('name the scheduler and the bad value', function()
    local opt = make_optimizer()
    H.assert_error_has(function() S.StepLR(opt) end, 'StepLR: step_size is required')
    H.assert_error_has(function() S.StepLR(opt, 0) end, 'StepLR: invalid step_size 0')
    H.assert_error_has(function() S.StepLR(opt, 2, { gamma = 'x' }) end, 'StepLR: invalid gamma x')
    H.assert_error_has(function() S.StepLR(opt, { step_size = 2, gama = 0.5 }) end,
      "StepLR: unknown option 'gama'")
    H.assert_error_has(function() S.StepLR({}, 2) end, 'StepLR: expected an optimizer')
    H.assert_error_has(function() S.MultiStepLR(opt, { 1.5 }) end, 'milestones[1] must be an integer')
    H.assert_error_has(function() S.ExponentialLR(opt) end, 'ExponentialLR: gamma is required')
    H.assert_error_has(function() S.CosineAnnealingLR(opt, { eta_min = 0 }) end, 'T_max is required')
    H.assert_error_has(function() S.LambdaLR(opt, { function() return 1 end }) end,
      'LambdaLR: expected 2 lr_lambdas (one per param group), got 1')
    H.assert_error_has(function() S.LambdaLR(opt, 3) end, 'lr_lambda must be a function')
    H.assert_error_has(function() S.ReduceLROnPlateau(opt, { factor = 1.5 }) end, 'factor should be < 1.0')
    H.assert_error_has(function() S.ReduceLROnPlateau(opt, 'up') end, 'mode up is unknown')
    H.assert_error_has(function() S.ReduceLROnPlateau(opt, { threshold_mode = 'x' }) end,
      'threshold mode x is unknown')
    H.assert_error_has(function() S.ReduceLROnPlateau(opt, { min_lr = { 0.1 } }) end,
      'expected 2 min_lrs, got 1')
    H.assert_error_has(function() S.StepLR(opt, 2):step(1.5) end, 'epoch must be an integer')
  end)

  it('a user scheduler derives from LRScheduler', function()
    local Halving = S.LRScheduler:extend('Halving')
    function Halving:init(opt) S.LRScheduler.init(self, opt) end
    function Halving:get_lr()
      local out = {}
      for i, base in ipairs(self.base_lrs) do out[i] = base / 2 ^ self.last_epoch end
      return out
    end
    local sched = Halving(make_optimizer())
    sched:step()
    sched:step()
    assert_lrs(sched:get_last_lr(), { 0.025, 0.0025 }, 'Halving')
    assert.are.equal('Halving(last_epoch=2)', tostring(sched))
    local Bad = S.LRScheduler:extend('Bad')
    H.assert_error_has(function() Bad(make_optimizer()) end, 'Bad: get_lr is not implemented')
  end)
end)
