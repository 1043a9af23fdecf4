/* Temporary weak stand-ins while the image and transform code is written
 * (removed once src/io/image.c and src/data/transforms.c exist). */
#include "ctorch.h"

__attribute__((weak)) ct_tensor *ct_image_read(const char *path, int channels)
{
    (void)channels;
    ct_fail("image_read: %s: not built yet", path);
    return NULL;
}

__attribute__((weak)) int ct_transform_check(const ct_transform *tf, const char *op)
{
    (void)tf;
    return ct_fail("%s: transforms are not built yet", op);
}

__attribute__((weak)) ct_tensor *ct_transform_apply(const ct_transform *tf, ct_tensor *x, ct_sample_rng *rng)
{
    (void)tf, (void)x, (void)rng;
    ct_fail("transform: not built yet");
    return NULL;
}

#include "lua/lt.h"

__attribute__((weak)) const ct_transform *lt_check_transform(lua_State *L, int idx)
{
    luaL_error(L, "transform: not built yet (argument %d)", idx);
    return NULL;
}
