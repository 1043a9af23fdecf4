/* placeholder: filled in by the data-pipeline work */
#include "lt.h"

void lt_open_image(lua_State *L, const lt_tables *t)
{
    (void)L;
    (void)t;
}
