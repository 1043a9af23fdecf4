-- torch.optim: optimizers against PyTorch's trajectories, and their API
-- (param groups, state, zero_grad, closures, state dicts, user optimizers).
local torch = require 'torch'
local H = require 'spec.helpers'
local optim = require 'torch.optim'

local F = dofile('spec/fixtures/optim_trajectories.lua')
local f64 = { dtype = torch.float64 }

-- The fixture's least-squares problem in dtype, with an optimizer built from
-- config (optimizer name, opts, and optionally groups naming 'W' and 'b').
local function problem(config, dtype)
  local P = F.problem
  local X, Y = torch.tensor(P.X, { dtype = dtype }), torch.tensor(P.Y, { dtype = dtype })
  local W = torch.tensor(P.W, { dtype = dtype }):requires_grad_()
  local b = torch.tensor(P.b, { dtype = dtype }):requires_grad_()
  local params = { W, b }
  if config.groups then
    local named = { W = W, b = b }
    params = {}
    for i, g in ipairs(config.groups) do
      local group = {}
      for k, v in pairs(g) do group[k] = v end
      group.params = {}
      for j, name in ipairs(g.params) do group.params[j] = named[name] end
      params[i] = group
    end
  end
  local opt = optim[config.optimizer](params, config.opts)
  local function loss_fn() return ((X:matmul(W) + b - Y) ^ 2):mean() end
  return opt, W, b, loss_fn
end

local TOL = { float64 = 1e-10, float32 = 1e-5 }

describe('optimizers follow PyTorch trajectories', function()
  for _, config in ipairs(F.optimizers) do
    for _, dname in ipairs({ 'float64', 'float32' }) do
      it(config.name .. ' in ' .. dname .. ' (step with a closure)', function()
        local ref = config[dname]
        local opt, W, b, loss_fn = problem(config, torch[dname])
        local closure = function()
          opt:zero_grad()
          local loss = loss_fn()
          loss:backward()
          return loss
        end
        for s = 1, F.steps do
          local loss = opt:step(closure)
          local tol = TOL[dname]
          assert(math.abs(loss:item() - ref.loss[s]) <= tol * math.max(1, math.abs(ref.loss[s])),
            string.format('step %d: loss %.17g, PyTorch %.17g', s, loss:item(), ref.loss[s]))
          H.assert_tensor(W, ref.W[s], tol)
          H.assert_tensor(b, ref.b[s], tol)
        end
        assert.are.equal(torch[dname], W.dtype)
      end)
    end
  end

  it('the same without a closure: zero_grad, backward, step', function()
    for _, config in ipairs(F.optimizers) do
      local ref = config.float64
      local opt, W, b, loss_fn = problem(config, torch.float64)
      for s = 1, F.steps do
        opt:zero_grad()
        loss_fn():backward()
        assert.is_nil(opt:step())
        H.assert_tensor(W, ref.W[s], 1e-10)
        H.assert_tensor(b, ref.b[s], 1e-10)
      end
    end
  end)

  it('state holds what PyTorch keeps', function()
    local expect = {
      SGD = { 'momentum_buffer' }, Adam = { 'step', 'exp_avg', 'exp_avg_sq' },
      RMSprop = { 'step', 'square_avg' }, Adagrad = { 'step', 'sum' },
    }
    for name, keys in pairs(expect) do
      local p = torch.ones(2):requires_grad_()
      local opt = optim[name]({ p }, name == 'SGD' and { momentum = 0.9 } or nil)
      p.grad = torch.ones(2)
      opt:step()
      opt:step()
      for _, k in ipairs(keys) do assert.is_not_nil(opt.state[p][k], name .. ' ' .. k) end
      if opt.state[p].step then assert.are.equal(2, opt.state[p].step) end
    end
    local p = torch.ones(2):requires_grad_()
    local opt = optim.Adam({ p }, { amsgrad = true })
    p.grad = torch.ones(2)
    opt:step()
    H.assert_shape(opt.state[p].max_exp_avg_sq, { 2 })
    opt = optim.RMSprop({ p }, { momentum = 0.5, centered = true })
    opt:step()
    H.assert_shape(opt.state[p].momentum_buffer, { 2 })
    H.assert_shape(opt.state[p].grad_avg, { 2 })
  end)
end)

describe('constructing optimizers', function()
  it('has PyTorch defaults', function()
    local p = torch.zeros(2):requires_grad_()
    local d = optim.SGD({ p }).defaults
    assert.are.same({ lr = 1e-3, momentum = 0, dampening = 0, weight_decay = 0, nesterov = false,
      maximize = false }, d)
    d = optim.Adam({ p }).param_groups[1]
    assert.are.equal(1e-3, d.lr)
    assert.are.same({ 0.9, 0.999 }, d.betas)
    assert.are.equal(1e-8, d.eps)
    assert.are.equal(0, d.weight_decay)
    assert.are.equal(1e-2, optim.AdamW({ p }).defaults.weight_decay)
    d = optim.RMSprop({ p }).defaults
    assert.are.same({ 1e-2, 0.99, 1e-8, 0, false }, { d.lr, d.alpha, d.eps, d.momentum, d.centered })
    d = optim.Adagrad({ p }).defaults
    assert.are.same({ 1e-2, 0, 0, 1e-10 }, { d.lr, d.lr_decay, d.initial_accumulator_value, d.eps })
  end)

  it('rejects invalid hyperparameters like PyTorch', function()
    local ps = { torch.zeros(2):requires_grad_() }
    H.assert_error_has(function() optim.SGD(ps, { lr = -1 }) end, 'SGD: invalid learning rate -1')
    H.assert_error_has(function() optim.SGD(ps, { momentum = -0.5 }) end, 'SGD: invalid momentum value -0.5')
    H.assert_error_has(function() optim.SGD(ps, { nesterov = true }) end, 'SGD: Nesterov momentum requires')
    H.assert_error_has(function() optim.SGD(ps, { nesterov = true, momentum = 0.9, dampening = 0.1 }) end,
      'zero dampening')
    H.assert_error_has(function() optim.Adam(ps, { betas = { 0.9, 1.0 } }) end,
      'Adam: invalid beta parameter at index 2: 1.0')
    H.assert_error_has(function() optim.AdamW(ps, { eps = -1 }) end, 'AdamW: invalid epsilon value -1')
    H.assert_error_has(function() optim.Adam(ps, { betas = 0.9 }) end, 'betas must be a pair')
    H.assert_error_has(function() optim.RMSprop(ps, { alpha = -0.1 }) end, 'RMSprop: invalid alpha value')
    H.assert_error_has(function() optim.Adagrad(ps, { lr_decay = -1 }) end, 'Adagrad: invalid lr_decay value')
    H.assert_error_has(function() optim.Adagrad(ps, { initial_accumulator_value = -1 }) end,
      'invalid initial_accumulator_value')
    H.assert_error_has(function() optim.SGD(ps, { lr = 'fast' }) end, 'SGD: invalid learning rate fast')
    H.assert_error_has(function() optim.SGD(ps, { momentun = 0.9 }) end, "SGD: unknown option 'momentun'")
    H.assert_error_has(function() optim.Adam(ps, { amsgrad = 1 }) end, 'Adam: amsgrad must be true or false')
    -- a group's own hyperparameters are checked too
    H.assert_error_has(function() optim.SGD({ { params = ps, lr = -2 } }) end, 'SGD: invalid learning rate -2')
  end)

  it('checks the parameters', function()
    local p = torch.zeros(2):requires_grad_()
    H.assert_error_has(function() optim.SGD({}) end, 'SGD: optimizer got an empty parameter list')
    H.assert_error_has(function() optim.SGD(p) end, 'params must be a table', 'got a tensor')
    H.assert_error_has(function() optim.Adam({ p, 3 }) end, 'Adam: optimizer can only optimize tensors',
      'params[2] is a number')
    H.assert_error_has(function() optim.SGD({ p * 2 }) end, "SGD: can't optimize a non-leaf tensor",
      'MulBackward')
    H.assert_error_has(function() optim.SGD({ p, p }) end, 'the same parameter twice')
    H.assert_error_has(function() optim.SGD({ { params = { p } }, { params = { p } } }) end,
      'some parameters appear in more than one parameter group')
    -- another Lua value of the same tensor is the same parameter
    local alias = p:contiguous()
    assert.is_false(rawequal(alias, p))
    H.assert_error_has(function() optim.SGD({ { params = { p } }, { params = { alias } } }) end,
      'more than one parameter group')
    H.assert_error_has(function() optim.SGD({ { lr = 0.1 } }) end, 'needs params')
  end)

  it('accepts leaves that do not require grad (PyTorch does) and skips them', function()
    local frozen = torch.tensor({ 1.0, 2.0 })
    local p = torch.tensor({ 1.0 }):requires_grad_()
    local opt = optim.SGD({ frozen, p }, { lr = 0.5, momentum = 0.9 })
    p.grad = torch.tensor({ 2.0 })
    opt:step()
    H.assert_tensor(frozen, { 1, 2 })
    H.assert_tensor(p, { 0 })
    assert.is_nil(rawget(opt.state, frozen))
  end)

  it('param groups override the defaults', function()
    local a, b = torch.zeros(2):requires_grad_(), torch.zeros(3):requires_grad_()
    local opt = optim.SGD({ { params = { a } }, { params = b, lr = 0.5 } }, { lr = 0.1, momentum = 0.9 })
    assert.are.equal(2, #opt.param_groups)
    assert.are.equal(0.1, opt.param_groups[1].lr)
    assert.are.equal(0.5, opt.param_groups[2].lr)
    assert.are.equal(0.9, opt.param_groups[2].momentum)
    assert.is_true(rawequal(b, opt.param_groups[2].params[1]))
    a.grad, b.grad = torch.ones(2), torch.ones(3)
    opt:step()
    H.assert_tensor(a, { -0.1, -0.1 })
    H.assert_tensor(b, { -0.5, -0.5, -0.5 })
    -- a changed lr is used by the next step
    opt.param_groups[1].lr = 1
    opt:step()
    H.assert_tensor(a, { -0.1 - 1.9, -0.1 - 1.9 }, 1e-6)
  end)

  it('add_param_group adds a group with the defaults filled in', function()
    local a, b = torch.zeros(1):requires_grad_(), torch.zeros(1):requires_grad_()
    local opt = optim.Adagrad({ a }, { lr = 0.1, initial_accumulator_value = 0.5 })
    opt:add_param_group({ params = { b }, lr = 0.2 })
    local g = opt.param_groups[2]
    assert.are.equal(0.2, g.lr)
    assert.are.equal(0.5, g.initial_accumulator_value)
    H.assert_tensor(opt.state[b].sum, { 0.5 })
    b.grad = torch.ones(1)
    opt:step()
    H.assert_tensor(b, { -0.2 / math.sqrt(1.5) }, 1e-6)
    H.assert_error_has(function() opt:add_param_group({ params = { a } }) end, 'more than one parameter group')
    H.assert_error_has(function() opt:add_param_group({ params = { b * 1 } }) end, 'non-leaf')
  end)

  it('prints like PyTorch', function()
    local opt = optim.SGD({ torch.zeros(1):requires_grad_() }, { lr = 0.1 })
    local s = tostring(opt)
    assert.truthy(s:find('^SGD %(\nParameter Group 1\n'))
    assert.truthy(s:find('    lr: 0.1\n', 1, true))
    assert.truthy(s:find('    momentum: 0\n', 1, true))
    assert.are.equal('class SGD', tostring(optim.SGD))
  end)
end)

describe('zero_grad and step', function()
  it('zero_grad sets gradients to nil by default, or zeroes them in place', function()
    local p = torch.ones(3):requires_grad_()
    local opt = optim.SGD({ p }, { lr = 0.1 })
    p:sum():backward()
    opt:zero_grad()
    assert.is_nil(p.grad)
    p:sum():backward()
    local before = p.grad:data_ptr()
    opt:zero_grad({ set_to_none = false })
    H.assert_tensor(p.grad, { 0, 0, 0 })
    assert.are.equal(before, p.grad:data_ptr())
    opt:zero_grad(false)
    H.assert_tensor(p.grad, { 0, 0, 0 })
    opt:zero_grad(true)
    assert.is_nil(p.grad)
    H.assert_error_has(function() opt:zero_grad('yes') end, 'zero_grad expects')
  end)

  it('zero_grad detaches a gradient that has a history', function()
    local p = torch.tensor({ 2.0 }):requires_grad_()
    ;(p * p):sum():backward({ create_graph = true })
    assert.is_true(p.grad.requires_grad)
    optim.SGD({ p }):zero_grad({ set_to_none = false })
    assert.is_false(p.grad.requires_grad)
    H.assert_tensor(p.grad, { 0 })
  end)

  it('step(closure) evaluates the closure with grad mode on and returns its loss', function()
    local p = torch.tensor({ 3.0 }, f64):requires_grad_()
    local opt = optim.SGD({ p }, { lr = 0.25 })
    local calls = 0
    local loss = torch.no_grad(function()
      return opt:step(function()
        calls = calls + 1
        assert.is_true(torch.is_grad_enabled())
        opt:zero_grad()
        local l = (p * p):sum()
        l:backward()
        return l
      end)
    end)
    assert.are.equal(1, calls)
    assert.are.equal(9, loss:item())
    H.assert_tensor(p, { 3 - 0.25 * 6 })
    H.assert_error_has(function() opt:step(42) end, 'step expects a closure')
  end)

  it('parameters whose grad is nil are skipped, also by stateful optimizers', function()
    for _, name in ipairs({ 'SGD', 'Adam', 'AdamW', 'RMSprop', 'Adagrad' }) do
      local a, b = torch.ones(2):requires_grad_(), torch.ones(2):requires_grad_()
      local opt = optim[name]({ a, b }, { lr = 0.1, weight_decay = 0.1 })
      a.grad = torch.ones(2)
      opt:step()
      opt:step()
      H.assert_tensor(b, { 1, 1 })
      assert.is_true(a:lt(1):all():item(), name)
      local st = rawget(opt.state, b)
      assert.is_true(st == nil or st.step == 0, name) -- Adagrad made its sum up front
    end
  end)

  it('updates float32 and float64, contiguous and strided parameters in one optimizer', function()
    local a = torch.ones(2, 3):requires_grad_()
    local b = torch.ones(3, 2, f64):t():detach():requires_grad_()
    assert.is_false(b:is_contiguous())
    local opt = optim.Adam({ a, b }, { lr = 0.1 })
    a.grad = torch.ones(2, 3)
    b.grad = torch.ones(2, 3, f64)
    opt:step()
    H.assert_tensor(a, { { 0.9, 0.9, 0.9 }, { 0.9, 0.9, 0.9 } }, 1e-6)
    H.assert_tensor(b, { { 0.9, 0.9, 0.9 }, { 0.9, 0.9, 0.9 } }, 1e-8)
    assert.are.equal(torch.float64, opt.state[b].exp_avg.dtype)
  end)
end)

describe('optimizer state', function()
  it('is keyed by the parameter; other Lua values of it find the same state', function()
    local p = torch.ones(2):requires_grad_()
    local opt = optim.SGD({ p }, { momentum = 0.9 })
    p.grad = torch.ones(2)
    opt:step()
    local alias = p:contiguous()
    assert.is_true(rawequal(opt.state[p], opt.state[alias]))
    local keys = 0
    for k in pairs(opt.state) do
      keys = keys + 1
      assert.is_true(rawequal(k, p))
    end
    assert.are.equal(1, keys)
    -- a user optimizer gets a fresh table for a parameter without state
    assert.are.same({}, optim.SGD({ torch.ones(1):requires_grad_() }).state[torch.ones(1)] or {})
  end)
end)

describe('state_dict and load_state_dict', function()
  local function setup(name, opts, dtype)
    local P = F.problem
    dtype = dtype or torch.float64
    local X, Y = torch.tensor(P.X, f64), torch.tensor(P.Y, f64)
    local W = torch.tensor(P.W, { dtype = dtype }):requires_grad_()
    local b = torch.tensor(P.b, { dtype = dtype }):requires_grad_()
    local opt = optim[name]({ { params = { W } }, { params = { b }, lr = 0.05 } }, opts)
    local function step()
      opt:zero_grad()
      local loss = ((X:to(dtype):matmul(W) + b - Y:to(dtype)) ^ 2):mean()
      loss:backward()
      opt:step()
    end
    return opt, W, b, step
  end

  it("uses PyTorch's layout with parameters numbered in group order", function()
    local opt, _, _, step = setup('Adam', { lr = 0.1, amsgrad = true })
    step()
    step()
    local sd = opt:state_dict()
    assert.are.same({ 1 }, sd.param_groups[1].params)
    assert.are.same({ 2 }, sd.param_groups[2].params)
    assert.are.equal(0.05, sd.param_groups[2].lr)
    assert.are.same({ 0.9, 0.999 }, sd.param_groups[1].betas)
    assert.are.equal(2, sd.state[1].step)
    H.assert_shape(sd.state[1].exp_avg, { 3, 2 })
    H.assert_shape(sd.state[2].max_exp_avg_sq, { 2 })
    -- the dict holds copies
    sd.state[1].exp_avg:fill_(100)
    assert.is_true(opt.state[opt.param_groups[1].params[1]].exp_avg:lt(100):all():item())
    sd.param_groups[1].betas[1] = 0.5
    assert.are.equal(0.9, opt.param_groups[1].betas[1])
  end)

  it('resuming from a state dict continues the same trajectory', function()
    for _, case in ipairs({ { 'SGD', { lr = 0.1, momentum = 0.9, nesterov = true } },
      { 'Adam', { lr = 0.1, amsgrad = true } }, { 'AdamW', { lr = 0.1 } },
      { 'RMSprop', { lr = 0.01, momentum = 0.5, centered = true } },
      { 'Adagrad', { lr = 0.1, lr_decay = 0.1 } } }) do
      local name, opts = case[1], case[2]
      local opt1, W1, b1, step1 = setup(name, opts)
      for _ = 1, 3 do step1() end
      local sd = opt1:state_dict()
      local opt2, W2, b2, step2 = setup(name, opts)
      W2.data = W1:detach():clone()
      b2.data = b1:detach():clone()
      opt2:load_state_dict(sd)
      -- the loaded state is a copy of the dict's tensors
      for k, v in pairs(sd.state[1]) do
        if torch.is_tensor(v) then
          assert.are_not.equal(v:data_ptr(), opt2.state[W2][k]:data_ptr())
          assert.is_true(torch.equal(v, opt2.state[W2][k]))
        else
          assert.are.equal(v, opt2.state[W2][k])
        end
      end
      for _ = 1, 3 do
        step1()
        step2()
      end
      assert.is_true(torch.equal(W1, W2), name)
      assert.is_true(torch.equal(b1, b2), name)
    end
  end)

  it('survives torch.save and torch.load', function()
    local opt1, W1, b1, step1 = setup('RMSprop', { lr = 0.01, momentum = 0.5, centered = true })
    step1()
    step1()
    local path = os.tmpname()
    torch.save(path, opt1:state_dict())
    local sd = torch.load(path)
    os.remove(path)
    local opt2, W2, b2, step2 = setup('RMSprop', { lr = 0.01, momentum = 0.5, centered = true })
    W2.data = W1:detach():clone()
    b2.data = b1:detach():clone()
    opt2:load_state_dict(sd)
    assert.are.equal(2, opt2.state[W2].step)
    step1()
    step2()
    assert.is_true(torch.equal(W1, W2))
  end)

  it('loads hyperparameters and casts state to the parameter dtype', function()
    local opt1, _, _, step1 = setup('Adam', { lr = 0.1 }, torch.float32)
    step1()
    local sd = opt1:state_dict()
    sd.param_groups[1].lr = 0.3
    local opt2 = setup('Adam', { lr = 0.1 }, torch.float64)
    opt2:load_state_dict(sd)
    assert.are.equal(0.3, opt2.param_groups[1].lr)
    local W2 = opt2.param_groups[1].params[1]
    assert.are.equal(torch.float64, opt2.state[W2].exp_avg.dtype)
    assert.are.equal(1, opt2.state[W2].step)
    assert.are.equal('integer', math.type(opt2.state[W2].step))
    sd.state[1].step = 4.0
    opt2:load_state_dict(sd)
    assert.are.equal('integer', math.type(opt2.state[W2].step))
  end)

  it('refuses dicts that do not fit, and then changes nothing', function()
    local opt1, _, _, step1 = setup('SGD', { momentum = 0.9 })
    step1()
    local sd = opt1:state_dict()
    local one = optim.SGD({ torch.zeros(3, 2, f64):requires_grad_() }, { momentum = 0.9 })
    H.assert_error_has(function() one:load_state_dict(sd) end,
      'the state dict has 2 parameter groups but the optimizer has 1')
    local opt2 = optim.SGD({ { params = { torch.zeros(3, 2):requires_grad_(), torch.zeros(1):requires_grad_() } },
      { params = { torch.zeros(2):requires_grad_() } } })
    H.assert_error_has(function() opt2:load_state_dict(sd) end,
      'parameter group 1 has 1 parameters in the state dict but 2 in the optimizer')
    local opt3, W3 = setup('SGD', { momentum = 0.9 })
    sd.state[2].momentum_buffer = torch.zeros(5)
    H.assert_error_has(function() opt3:load_state_dict(sd) end,
      "state 'momentum_buffer' of parameter 2 has shape [5] but the parameter has shape [2]")
    assert.is_nil(rawget(opt3.state, W3))
    assert.are.equal(1e-3, opt3.param_groups[1].lr)
    sd.state[2] = nil
    sd.state[7] = { momentum_buffer = torch.zeros(2) }
    H.assert_error_has(function() opt3:load_state_dict(sd) end, 'state for parameter 7')
    H.assert_error_has(function() opt3:load_state_dict(42) end, 'load_state_dict expects a table')
  end)
end)

-------------------------------------------------------------------------------
-- A user optimizer: SGD whose gradient gets noise with std proportional to |grad|.

local NoisySGD = optim.Optimizer:extend('NoisySGD')

function NoisySGD:init(params, opts)
  opts = opts or {}
  optim.Optimizer.init(self, params, { lr = opts.lr or 0.01, noise = opts.noise or 0.1 })
end

function NoisySGD:step(closure)
  local loss = closure and torch.enable_grad(closure)
  torch.no_grad(function()
    for _, group in ipairs(self.param_groups) do
      for _, p in ipairs(group.params) do
        local g = p.grad
        if g then
          local noise = torch.randn_like(g) * g:abs() * group.noise
          p:add_((g + noise) * -group.lr)
          local st = self.state[p]
          st.step = (st.step or 0) + 1
        end
      end
    end
  end)
  return loss
end

describe('optim.Optimizer:extend', function()
  it('runs a user optimizer whose trajectory matches a float64 computation', function()
    local P = F.problem
    local X, Y = torch.tensor(P.X, f64), torch.tensor(P.Y, f64)
    local W = torch.tensor(P.W, f64):requires_grad_()
    local opt = NoisySGD({ W }, { lr = 0.1, noise = 0.5 })
    assert.are.equal('NoisySGD', opt.__name)
    -- reference: the same noise draws (same seed, shapes and order), in Lua numbers
    torch.manual_seed(42)
    local draws = {}
    for s = 1, 4 do draws[s] = H.values(torch.randn(3, 2, f64)) end
    local ref = H.values(W)
    torch.manual_seed(42)
    for s = 1, 4 do
      local loss = opt:step(function()
        opt:zero_grad()
        local l = ((X:matmul(W) - Y) ^ 2):sum()
        l:backward()
        return l
      end)
      assert.is_true(torch.is_tensor(loss))
      -- gradient of sum((XW - Y)^2) = 2 X^T (XW - Y), computed elementwise
      local Wm = { { ref[1], ref[2] }, { ref[3], ref[4] }, { ref[5], ref[6] } }
      local grad = {}
      for i = 1, 3 do
        for j = 1, 2 do
          local acc = 0
          for n = 1, 5 do
            local r = P.X[n][1] * Wm[1][j] + P.X[n][2] * Wm[2][j] + P.X[n][3] * Wm[3][j] - P.Y[n][j]
            acc = acc + 2 * P.X[n][i] * r
          end
          grad[(i - 1) * 2 + j] = acc
        end
      end
      for k = 1, 6 do
        local g = grad[k]
        ref[k] = ref[k] - 0.1 * (g + draws[s][k] * math.abs(g) * 0.5)
      end
      H.assert_tensor(W, { ref }, 1e-10)
    end
    assert.are.equal(4, opt.state[W].step)
    -- the base class's API works for it
    local sd = opt:state_dict()
    assert.are.equal(4, sd.state[1].step)
    assert.are.equal(0.5, sd.param_groups[1].noise)
    assert.truthy(tostring(opt):find('noise: 0.5', 1, true))
  end)

  it('explains what is missing', function()
    local Bare = optim.Optimizer:extend('Bare')
    function Bare:init(params) optim.Optimizer.init(self, params, { lr = optim.Optimizer.required }) end
    H.assert_error_has(function() Bare({ torch.zeros(1):requires_grad_() }) end,
      "didn't specify a value of required optimization parameter lr")
    local opt = Bare({ { params = { torch.zeros(1):requires_grad_() }, lr = 1 } })
    H.assert_error_has(function() opt:step() end, 'Bare: step is not implemented')
    H.assert_error_has(function() optim.Optimizer:extend() end, 'expects a class name')
  end)
end)

describe('per-step overhead', function()
  it('steps the 10 parameters of a LeNet in a few microseconds each', function()
    local shapes = { { 6, 1, 5, 5 }, { 6 }, { 16, 6, 5, 5 }, { 16 }, { 120, 256 }, { 120 }, { 84, 120 },
      { 84 }, { 10, 84 }, { 10 } }
    local params = {}
    for i, s in ipairs(shapes) do
      params[i] = torch.randn(table.unpack(s)):requires_grad_()
      params[i].grad = torch.randn(table.unpack(s))
    end
    local tiny = {}
    for i = 1, 10 do
      tiny[i] = torch.randn(2):requires_grad_()
      tiny[i].grad = torch.randn(2)
    end
    local function per_param_us(opt, ps)
      for _ = 1, 50 do opt:step() end
      local n = 2000
      local t0 = os.clock()
      for _ = 1, n do opt:step() end
      return (os.clock() - t0) / n / #ps * 1e6
    end
    local report = {}
    for _, case in ipairs({ { 'SGD', { lr = 1e-9, momentum = 0.9 } }, { 'Adam', { lr = 1e-9 } } }) do
      local overhead = per_param_us(optim[case[1]](tiny, case[2]), tiny)
      local lenet = per_param_us(optim[case[1]](params, case[2]), params)
      report[#report + 1] = string.format('%s: %.2f us/param (tiny), %.2f us/param (LeNet)', case[1],
        overhead, lenet)
      if not os.getenv('CTORCH_SANITIZED') then
        assert(overhead < 5, report[#report])
      end
    end
    io.stderr:write('# optimizer step: ' .. table.concat(report, '; ') .. '\n')
  end)
end)
