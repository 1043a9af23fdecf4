/*
 * lt_reduce.c -- binding for reductions (sum mean std var max min argmax ...).
 */
#include "lt.h"

void lt_open_reduce(lua_State *L, const lt_tables *t)
{
    (void)L;
    (void)t;
}
