/* lt_nn_loss.c -- placeholder, being written. */
#include "lt.h"

void lt_open_nn_loss(lua_State *L, const lt_tables *t)
{
    (void)L;
    (void)t;
}
