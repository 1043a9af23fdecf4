/* lt_io.c -- placeholder, being written. */
#include "lt.h"

void lt_open_io(lua_State *L, const lt_tables *t)
{
    (void)L;
    (void)t;
}
