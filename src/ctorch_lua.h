/*
 * ctorch_lua.h -- the header for programs that embed Lua and ctorch together:
 * Lua 5.4's C API and ctorch's, including the Lua helpers at the end of
 * ctorch.h (luaopen_torch, ctorch_push_tensor, ctorch_to_tensor,
 * ctorch_check_tensor, ctorch_lua_dir, ctorch_add_lua_path).
 *
 *   lua_State *L = luaL_newstate();
 *   luaL_openlibs(L);
 *   luaL_requiref(L, "torch", luaopen_torch, 1);   (also sets the global)
 *   lua_pop(L, 1);
 *   ctorch_add_lua_path(L);                        (torch.autograd and friends)
 *
 * Build flags: `pkg-config --cflags --libs ctorch`, or find_package(ctorch)
 * and target_link_libraries(app PRIVATE ctorch::ctorch) in CMake.
 */
#ifndef CTORCH_LUA_H
#define CTORCH_LUA_H

#ifdef __cplusplus
#include <lua.hpp>
#else
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#endif

#include "ctorch.h"

#if LUA_VERSION_NUM != 504
#error "ctorch's Lua module is built for Lua 5.4"
#endif

#endif
