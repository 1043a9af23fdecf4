-- torch.utils: data loading (torch.utils.data) and the progress bar
-- (torch.utils.progress, a function).
--
-- Each part lives in its own file, lua/torch/utils/<part>.lua, and is loaded
-- on first use: utils.data is require 'torch.utils.data'.
return require('torch.lazy')('torch.utils')
