/*
 * lt_vision.c -- binding for torch.vision's C parts: the IDX reader used by
 * torch.vision.datasets (MNIST, Fashion-MNIST).
 */
#include "io/idx.h"
#include "lt.h"

/* torch._read_idx(path): the tensor an IDX file (plain or .gz) holds. */
static int f_read_idx(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    lt_push_tensor(L, ct_idx_load("read_idx", path));
    return 1;
}

void lt_open_vision(lua_State *L, const lt_tables *t)
{
    static const lt_reg regs[] = {
        {"_read_idx", f_read_idx, LT_FUNCTION},
        {NULL, NULL, 0},
    };
    lt_register(L, t, regs);
}
