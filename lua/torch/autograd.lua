-- torch.autograd: gradients of outputs with respect to inputs, custom
-- differentiable functions, and gradient checking against finite differences.
local torch = require 'torch'

local autograd = {}

--- torch.autograd.grad(outputs, inputs, {grad_outputs=, retain_graph=, create_graph=, allow_unused=})
-- outputs and inputs are tensors or tables of tensors; returns a table with
-- one gradient per input (nil for an unused input with allow_unused=true).
function autograd.grad(outputs, inputs, opts)
  return torch._autograd_grad(outputs, inputs, opts)
end

function autograd.backward(tensors, grads, opts)
  if torch.is_tensor(tensors) then tensors, grads = { tensors }, { grads } end
  grads = grads or {}
  for i, t in ipairs(tensors) do t:backward(grads[i], opts) end
end

-------------------------------------------------------------------------------
-- Custom functions:
--   local Sign = torch.autograd.Function:extend('Sign')
--   function Sign.forward(ctx, x) ctx:save_for_backward(x) return x:sign() end
--   function Sign.backward(ctx, g) local x = ctx.saved_tensors[1] return g end
--   local y = Sign.apply(x)

local Context = {}
Context.__index = Context

-- Saved tensors are kept without their history: a saved output would
-- otherwise hold its own graph node alive forever.
function Context:save_for_backward(...)
  local saved = table.pack(...)
  for i = 1, saved.n do
    if torch.is_tensor(saved[i]) then saved[i] = saved[i]:detach() end
  end
  self.saved_tensors = saved
end

function Context:mark_non_differentiable(...)
  self.non_differentiable = table.pack(...)
end

local Function = { __name = 'Function' }
Function.__index = Function

function Function:extend(name)
  assert(type(name) == 'string', 'Function:extend expects a name, e.g. Function:extend("Sign")')
  local cls = setmetatable({ __name = name }, { __index = self })
  cls.__index = cls
  cls.apply = function(...) return Function._apply(cls, ...) end
  return cls
end

function Function.forward()
  error('a custom Function must define forward(ctx, ...)', 2)
end

function Function.backward()
  error('a custom Function must define backward(ctx, ...)', 2)
end

function Function._apply(cls, ...)
  local args = table.pack(...)
  local ctx = setmetatable({ needs_input_grad = {} }, Context)
  for i = 1, args.n do
    ctx.needs_input_grad[i] = torch.is_tensor(args[i]) and args[i].requires_grad or false
  end
  local outputs = table.pack(torch.no_grad(function()
    return cls.forward(ctx, table.unpack(args, 1, args.n))
  end))
  local tensors = {}
  for i = 1, outputs.n do
    local out = outputs[i]
    if torch.is_tensor(out) then
      for j = 1, args.n do
        if rawequal(out, args[j]) then
          -- an input returned as is: give the output its own header
          out = torch.no_grad(function() return out:view_as(out) end)
          outputs[i] = out
        end
      end
      tensors[#tensors + 1] = out
    end
  end
  local name = cls.__name
  local function backward(...)
    local grads = table.pack(cls.backward(ctx, ...))
    for i = 1, args.n do
      local g = grads[i]
      if g ~= nil and not torch.is_tensor(g) then
        error(string.format('%s.backward: gradient %d must be a tensor or nil, got %s', name, i, type(g)))
      end
      if g ~= nil and torch.is_tensor(args[i]) then
        local want, got = args[i].shape, g.shape
        if not (want == got) then
          error(string.format('%s.backward: gradient %d has shape %s but input %d has shape %s',
            name, i, tostring(got), i, tostring(want)))
        end
      end
    end
    return grads
  end
  torch._record_function(name, args, tensors, backward, args.n)
  return table.unpack(outputs, 1, outputs.n)
end

autograd.Function = Function

-------------------------------------------------------------------------------
-- gradcheck(fn, inputs, {eps=1e-6, atol=1e-5, rtol=1e-3, raise=true})
-- Compares the Jacobian from backward with central finite differences, for
-- every float64 input that requires grad.  Returns true, or raises (or with
-- raise=false returns false and a message) naming the input, output and
-- element where they disagree.

local function as_list(v)
  if torch.is_tensor(v) then return { v } end
  local list = {}
  for _, x in ipairs(v) do
    if torch.is_tensor(x) then list[#list + 1] = x end
  end
  return list
end

local function outputs_of(fn, inputs)
  return as_list(table.pack(fn(table.unpack(inputs, 1, inputs.n or #inputs))))
end

-- The outputs of fn, flattened and without history.  fn runs with grad mode
-- as the caller has it (not under no_grad): a function that itself calls
-- autograd.grad, as in a check of second derivatives, needs its graph.
local function evaluate(fn, inputs)
  local outs = outputs_of(fn, inputs)
  for i, out in ipairs(outs) do outs[i] = out:detach():reshape(-1):clone() end
  return outs
end

-- get(e) and set(e, v) for element e (1-based, in row-major order) of x's
-- data, whatever its strides.
local function element_access(x)
  local d = x.data
  if d:is_contiguous() then
    local flat = d:view(-1)
    return function(e) return flat[e] end, function(e, v) flat[e] = v end
  end
  local shape = d.shape
  local function locate(e) -- the 1-D view that holds element e, and e's place in it
    local idx, rest = {}, e - 1
    for i = #shape, 1, -1 do
      idx[i] = rest % shape[i] + 1
      rest = rest // shape[i]
    end
    local v = d
    for i = 1, #shape - 1 do v = v:select(1, idx[i]) end
    return v, idx[#shape]
  end
  return function(e)
    local v, i = locate(e)
    return v[i]
  end, function(e, value)
    local v, i = locate(e)
    v[i] = value
  end
end

function autograd.gradcheck(fn, inputs, opts)
  opts = opts or {}
  local eps, atol, rtol = opts.eps or 1e-6, opts.atol or 1e-5, opts.rtol or 1e-3
  local raise = opts.raise ~= false
  if torch.is_tensor(inputs) then inputs = { inputs } end
  local diff_inputs, diff_index = {}, {}
  for i, x in ipairs(inputs) do
    if torch.is_tensor(x) and x.requires_grad then
      if x.dtype ~= torch.float64 then
        error(string.format('gradcheck: input %d is %s; use float64 inputs for finite differences',
          i, tostring(x.dtype)))
      end
      diff_inputs[#diff_inputs + 1] = x
      diff_index[#diff_inputs] = i
    end
  end
  local function fail(msg)
    if raise then error('gradcheck: ' .. msg, 2) end
    return false, msg
  end

  -- analytical, for every output before any input is perturbed (perturbing
  -- changes the inputs' versions, which the graph's saved tensors check):
  -- analytic[oi][j][k] is the gradient of element j of output oi with
  -- respect to differentiable input k, flattened, or nil
  local outputs = outputs_of(fn, inputs)
  local analytic = {}
  for oi, out in ipairs(outputs) do
    local n_out = out:numel()
    local flat_out = out:reshape(-1)
    analytic[oi] = {}
    for j = 1, n_out do
      local row = {}
      if out.requires_grad then
        local onehot = torch.zeros(n_out, { dtype = out.dtype })
        onehot[j] = 1
        local grads = torch.autograd.grad({ flat_out }, diff_inputs,
          { grad_outputs = { onehot }, retain_graph = true, allow_unused = true })
        for k = 1, #diff_inputs do
          if grads[k] then row[k] = grads[k]:reshape(-1) end
        end
      end
      analytic[oi][j] = row
    end
  end
  -- numerical: central differences, perturbing one input element at a time
  for k, x in ipairs(diff_inputs) do
    local get, set = element_access(x)
    for e = 1, x:numel() do
      local orig = get(e)
      set(e, orig + eps)
      local plus = evaluate(fn, inputs)
      set(e, orig - eps)
      local minus = evaluate(fn, inputs)
      set(e, orig)
      for oi = 1, #outputs do
        for j = 1, outputs[oi]:numel() do
          local numeric = (plus[oi][j] - minus[oi][j]) / (2 * eps)
          local g = analytic[oi][j][k]
          local a = g and g[e] or 0
          if math.abs(a - numeric) > atol + rtol * math.abs(numeric) then
            return fail(string.format(
              'Jacobian mismatch for output %d element %d with respect to input %d element %d: '
              .. 'analytical %.8g, numerical %.8g', oi, j, diff_index[k], e, a, numeric))
          end
        end
      end
    end
  end
  return true
end

return autograd
