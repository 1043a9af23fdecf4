/* lt_nn_conv.c -- placeholder, being written. */
#include "lt.h"

void lt_open_nn_conv(lua_State *L, const lt_tables *t)
{
    (void)L;
    (void)t;
}
