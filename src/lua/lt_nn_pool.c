/* lt_nn_pool.c -- placeholder, being written. */
#include "lt.h"

void lt_open_nn_pool(lua_State *L, const lt_tables *t)
{
    (void)L;
    (void)t;
}
