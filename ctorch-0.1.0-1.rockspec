-- LuaRocks package of ctorch: `luarocks make` in a checkout (or `luarocks
-- install ctorch`) builds it with CMake and installs
--   require 'torch'   torch.so into the tree's lib/lua/5.4, torch/*.lua into share/lua/5.4
--   ctorch-lua        the interpreter, into the tree's bin
-- and keeps the C library, headers, ctorch.pc and the CMake package for
-- embedders inside the rock's own folder (<rock>/sdk), where LuaRocks does
-- not mistake them for Lua modules.
--
-- Needs a C compiler, CMake >= 3.18, pkg-config, and the development files
-- of Lua 5.4, OpenBLAS, readline, zlib, libpng and libjpeg (Debian: scripts/deps.sh).
rockspec_format = "3.0"
package = "ctorch"
version = "0.1.0-1"

source = {
   url = "git+https://github.com/ctorch/ctorch.git",
   tag = "v0.1.0",
}

description = {
   summary = "Tensors, autograd and a PyTorch-like API for Lua 5.4, with a C core",
   detailed = [[
ctorch is a deep-learning framework whose compute lives in C (tensors, CPU
kernels on OpenBLAS, autograd) and whose user code is Lua 5.4: the `torch`
module, with PyTorch's names and Torch7's 1-based indexing, and the
`ctorch-lua` interpreter.
]],
   labels = { "tensor", "autograd", "deep-learning", "torch" },
}

dependencies = {
   "lua >= 5.4, < 5.5",
}

external_dependencies = {
   OPENBLAS = { library = "openblas" },
   READLINE = { header = "readline/readline.h" },
   ZLIB = { header = "zlib.h" },
   PNG = { header = "png.h" },
   JPEG = { header = "jpeglib.h" },
}

build = {
   type = "cmake",
   variables = {
      CMAKE_BUILD_TYPE = "Release",
      CMAKE_INSTALL_PREFIX = "$(PREFIX)",
      -- what LuaRocks deploys: the Lua module, its Lua files, the interpreter
      CTORCH_INSTALL_LUA_CMODDIR = "$(LIBDIR)",
      CTORCH_INSTALL_LUA_MODDIR = "$(LUADIR)",
      CMAKE_INSTALL_BINDIR = "$(BINDIR)",
      -- LuaRocks then moves them into the tree (ROCKS_TREE is
      -- <tree>/lib/luarocks/rocks-5.4): ctorch-lua looks for its Lua files there
      CTORCH_LUA_RUNTIME_DIR = "$(ROCKS_TREE)/../../../share/lua/5.4",
      CTORCH_LUA_RUNTIME_CDIR = "$(ROCKS_TREE)/../../lua/5.4",
      -- the rest stays in the rock's folder
      CMAKE_INSTALL_LIBDIR = "sdk/lib",
      CMAKE_INSTALL_INCLUDEDIR = "sdk/include",
      CMAKE_INSTALL_DATADIR = "sdk/share",
      -- the test suite needs busted and is not part of an install
      CTORCH_BUILD_TESTS = "OFF",
   },
}
