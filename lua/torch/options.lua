-- options.check(name, opts, known, level): the trailing option table of a
-- function named `name`, checked against `known` (a set of names): nil
-- becomes {}, anything but a table or an unknown key is an error raised at
-- `level` (default 3: the caller of the function that checks).
local options = {}

function options.check(name, opts, known, level)
  level = level or 3
  if opts == nil then return {} end
  if type(opts) ~= 'table' then error(name .. ': expected a table of options, got ' .. type(opts), level) end
  for k in pairs(opts) do
    if not known[k] then
      local names = {}
      for n in pairs(known) do names[#names + 1] = n end
      table.sort(names)
      error(string.format("%s: unknown option '%s' (known: %s)", name, tostring(k), table.concat(names, ', ')), level)
    end
  end
  return opts
end

return options
