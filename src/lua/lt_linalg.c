/*
 * lt_linalg.c -- binding for linear algebra (mm mv bmm matmul dot outer addmm).
 */
#include "lt.h"

void lt_open_linalg(lua_State *L, const lt_tables *t)
{
    (void)L;
    (void)t;
}
