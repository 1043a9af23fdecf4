-- make_weights.lua: writes weights.lua, the weights of the model in model.lua,
-- drawn from a fixed seed:
--
--   ctorch-lua examples/embed/make_weights.lua > examples/embed/weights.lua
--
-- A plain Lua file of numbers stands in for a checkpoint until torch.save and
-- torch.load exist (a later issue); after that this would be
-- torch.save('weights.t7', state).
local torch = require 'torch'

torch.manual_seed(7)
local layers = {
  { 'w1', torch.randn(4, 8) * 0.5 },
  { 'b1', torch.randn(8) * 0.1 },
  { 'w2', torch.randn(8, 3) * 0.5 },
  { 'b2', torch.randn(3) * 0.1 },
}

local function numbers(t)
  local parts = {}
  for i, v in ipairs(t) do parts[i] = string.format('%.6f', v) end
  return '{ ' .. table.concat(parts, ', ') .. ' }'
end

io.write('-- weights.lua: the example model\'s weights, written by make_weights.lua\n')
io.write('-- (random, from torch.manual_seed(7)); model.lua turns them into tensors.\n')
io.write('return {\n')
io.write('  classes = { "setosa", "versicolor", "virginica" },\n')
for _, layer in ipairs(layers) do
  local name, t = layer[1], layer[2]
  local values = t:totable()
  if t:dim() == 1 then
    io.write(string.format('  %s = %s,\n', name, numbers(values)))
  else
    io.write(string.format('  %s = {\n', name))
    for _, row in ipairs(values) do io.write('    ' .. numbers(row) .. ',\n') end
    io.write('  },\n')
  end
end
io.write('}\n')
