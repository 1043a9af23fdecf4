/*
 * lt_module.c -- luaopen_torch: builds the `torch` module table.
 *
 * Each op family registers its functions (torch.add) and tensor methods
 * (x:add) from its own file; Lua-side packages (torch.nn, torch.optim ...)
 * load on first access through the module's __index.
 */
#include <string.h>

#include "lt.h"

/* torch.nn and friends: require 'torch.<name>' on first use */
static int module_index(lua_State *L)
{
    const char *key = luaL_checkstring(L, 2);
    lua_getglobal(L, "require");
    lua_pushfstring(L, "torch.%s", key);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
        /* only a missing module means "no such field" */
        const char *msg = lua_tostring(L, -1);
        lua_pushfstring(L, "module 'torch.%s' not found", key);
        if (msg && strstr(msg, lua_tostring(L, -1)))
            return 0;
        lua_pop(L, 1);
        return lua_error(L);
    }
    lua_pushvalue(L, 2);
    lua_pushvalue(L, -2);
    lua_rawset(L, 1);
    return 1;
}

int luaopen_torch(lua_State *L)
{
    lua_newtable(L);
    int module = lua_gettop(L);
    lua_newtable(L);
    int methods = lua_gettop(L);
    lua_newtable(L);
    int getters = lua_gettop(L);
    lua_newtable(L);
    int setters = lua_gettop(L);
    lt_tables tables = {module, methods, getters, setters};

    lt_open_tensor(L, &tables);
    lt_open_creation(L, &tables);
    lt_open_views(L, &tables);
    lt_open_pointwise(L, &tables);
    lt_open_reduce(L, &tables);
    lt_open_linalg(L, &tables);
    lt_open_indexing(L, &tables);
    lt_open_random(L, &tables);
    lt_open_print(L, &tables);
    lt_open_autograd(L, &tables);
    lt_open_nn_conv(L, &tables);
    lt_open_nn_pool(L, &tables);
    lt_open_nn_loss(L, &tables);
    lt_open_optim(L, &tables);
    lt_open_io(L, &tables);
    lt_open_vision(L, &tables);
    lt_open_image(L, &tables);
    lt_open_transforms(L, &tables);
    lt_open_data(L, &tables);
    lt_open_term(L, &tables);

    /* torch.Tensor holds the methods, so Lua code can add its own */
    lua_pushvalue(L, methods);
    lua_setfield(L, module, "Tensor");
    lua_pushvalue(L, getters);
    lua_setfield(L, module, "_tensor_getters");
    lua_pushvalue(L, setters);
    lua_setfield(L, module, "_tensor_setters");
    lua_pushliteral(L, "0.1.0");
    lua_setfield(L, module, "__version__");

    lua_newtable(L);
    lua_pushcfunction(L, module_index);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, module);

    lua_settop(L, module);
    return 1;
}
