-- lazy(prefix, tbl): tbl (or a new table) whose missing fields load
-- lua/<prefix as a path>/<field>.lua on first use: with lazy('torch.vision'),
-- t.models is require 'torch.vision.models'.  A missing file means "no such
-- field" (nil); a file that fails to load is an error.
return function(prefix, tbl)
  return setmetatable(tbl or {}, {
    __index = function(self, key)
      if type(key) ~= 'string' then return nil end
      local name = prefix .. '.' .. key
      local ok, part = pcall(require, name)
      if not ok then
        if tostring(part):find("module '" .. name .. "' not found", 1, true) then return nil end
        error(part, 2)
      end
      rawset(self, key, part)
      return part
    end,
  })
end
