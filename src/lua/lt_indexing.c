/*
 * lt_indexing.c -- x[k], x[k] = v, and the indexing ops (index_select gather ...).
 */
#include "lt.h"

int lt_index_get(lua_State *L)
{
    return luaL_error(L, "tensor indexing is not implemented yet");
}

int lt_index_set(lua_State *L)
{
    return luaL_error(L, "tensor index assignment is not implemented yet");
}

void lt_open_indexing(lua_State *L, const lt_tables *t)
{
    (void)L;
    (void)t;
}
