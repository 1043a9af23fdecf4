/*
 * lt_random.c -- binding for random numbers (manual_seed rand randn ...).
 */
#include "lt.h"

void lt_open_random(lua_State *L, const lt_tables *t)
{
    (void)L;
    (void)t;
}
