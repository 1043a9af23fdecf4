/*
 * lt_embed.c -- the helpers ctorch.h offers programs that embed Lua: moving
 * tensors between C and a lua_State, and finding torch's Lua files
 * (lua/torch/<name>.lua) so that `require 'torch.autograd'` works in the host's
 * own state.  See docs/embedding.md.
 */
#define _GNU_SOURCE /* dladdr1 */
#include <dlfcn.h>
#include <limits.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lualib.h> /* LUA_LOADLIBNAME */

#include "lt.h"

/* Set by CMake for this file; the fallbacks keep other builds compiling. */
#ifndef CTORCH_LUA_RELDIR /* torch's Lua files relative to the install prefix ("" = absolute) */
#define CTORCH_LUA_RELDIR "share/lua/5.4"
#endif
#ifndef CTORCH_INSTALL_LUA_DIR
#define CTORCH_INSTALL_LUA_DIR ""
#endif
#ifndef CTORCH_SOURCE_LUA_DIR
#define CTORCH_SOURCE_LUA_DIR ""
#endif

/* ---------------------------------------------------------------- tensors */

/* Runs in a protected call, so that an error before the userdata owns t
 * (opening the module, Lua's memory error) cannot lose the reference the
 * caller handed over. */
static int push_protected(lua_State *L)
{
    ct_tensor *t = lua_touserdata(L, 1);
    int *taken = lua_touserdata(L, 2);
    lua_settop(L, 0);
    /* a host may push before it required 'torch': open it, so the tensor has its methods */
    if (luaL_getmetatable(L, LT_TENSOR_MT) == LUA_TNIL)
        luaL_requiref(L, "torch", luaopen_torch, 0);
    lua_settop(L, 0);
    lt_push_tensor(L, t); /* the userdata owns t from here on ... */
    *taken = 1;           /* ... unless its allocation above raised */
    return 1;
}

void ctorch_push_tensor(lua_State *L, ct_tensor *t)
{
    if (!t)
        lt_error(L); /* lets a C function write ctorch_push_tensor(L, ct_mm(a, b)) */
    int taken = 0;
    lua_pushcfunction(L, push_protected);
    lua_pushlightuserdata(L, t);
    lua_pushlightuserdata(L, &taken);
    if (lua_pcall(L, 2, 1, 0) != LUA_OK) {
        if (!taken)
            ct_release(t);
        lua_error(L);
    }
}

ct_tensor *ctorch_to_tensor(lua_State *L, int idx) { return lt_to_tensor(L, idx); }

ct_tensor *ctorch_check_tensor(lua_State *L, int idx) { return lt_check_tensor(L, idx); }

/* ---------------------------------------------------------------- finding torch's Lua files */

static int has_torch_files(const char *dir)
{
    char probe[PATH_MAX];
    int n = snprintf(probe, sizeof probe, "%s/torch", dir);
    return n > 0 && (size_t)n < sizeof probe && access(probe, R_OK | X_OK) == 0;
}

/* The file this code was loaded from: libctorch.so, torch.so, or the
 * program itself when it linked libctorch.a. */
static int own_file(char *path)
{
    Dl_info info;
    struct link_map *map = NULL;
    const char *name = NULL;
    if (dladdr1((void *)&ctorch_lua_dir, &info, (void **)&map, RTLD_DL_LINKMAP) && map &&
        map->l_name && map->l_name[0])
        name = map->l_name; /* the main program has an empty name */
    if (name)
        return realpath(name, path) ? 0 : -1;
    ssize_t n = readlink("/proc/self/exe", path, PATH_MAX - 1);
    if (n <= 0)
        return -1;
    path[n] = 0;
    return 0;
}

/* An installed copy: <prefix>/<CTORCH_LUA_RELDIR>, where the prefix is one of
 * the first few folders above our own file (lib/, lib/lua/5.4/, bin/ ...),
 * so that an install moved to another prefix still finds its files. */
static int find_relative(char *out)
{
    char path[PATH_MAX];
    if (!CTORCH_LUA_RELDIR[0] || own_file(path) < 0)
        return -1;
    for (int level = 0; level < 5; level++) {
        char *slash = strrchr(path, '/');
        if (!slash || slash == path)
            return -1;
        *slash = 0;
        int n = snprintf(out, PATH_MAX, "%s/%s", path, CTORCH_LUA_RELDIR);
        if (n > 0 && n < PATH_MAX && has_torch_files(out))
            return 0;
    }
    return -1;
}

static char found_dir[PATH_MAX];
static pthread_once_t found_once = PTHREAD_ONCE_INIT;

static void find_lua_dir(void)
{
    if (find_relative(found_dir) == 0)
        return;
    /* a build tree uses the sources; the configured install location last */
    const char *fixed[] = {CTORCH_SOURCE_LUA_DIR, CTORCH_INSTALL_LUA_DIR};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        if (fixed[i][0] && strlen(fixed[i]) < PATH_MAX && has_torch_files(fixed[i])) {
            strcpy(found_dir, fixed[i]);
            return;
        }
    found_dir[0] = 0;
}

const char *ctorch_lua_dir(void)
{
    const char *env = getenv("CTORCH_LUA_DIR");
    if (env && env[0] && has_torch_files(env))
        return env;
    pthread_once(&found_once, find_lua_dir);
    return found_dir[0] ? found_dir : NULL;
}

int ctorch_add_lua_path(lua_State *L)
{
    const char *dir = ctorch_lua_dir();
    if (!dir)
        return ct_fail("add_lua_path: torch's Lua files were not found (set CTORCH_LUA_DIR "
                       "to the folder that holds torch/)");
    luaL_getsubtable(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    if (lua_getfield(L, -1, LUA_LOADLIBNAME) != LUA_TTABLE) {
        lua_pop(L, 2);
        return ct_fail("add_lua_path: the package library is not open (luaL_openlibs)");
    }
    lua_getfield(L, -1, "path");
    const char *old = lua_tostring(L, -1);
    const char *entry = lua_pushfstring(L, "%s/?.lua;%s/?/init.lua", dir, dir);
    if (!old || strncmp(old, entry, strlen(entry)) != 0) { /* not there yet */
        lua_pushfstring(L, "%s;%s", entry, old ? old : "");
        lua_setfield(L, -4, "path");
    }
    lua_pop(L, 4);
    return 0;
}
