/*
 * lt_print.c -- tostring of tensors, like PyTorch's repr.
 */
#include "lt.h"

int lt_tensor_tostring(lua_State *L)
{
    ct_tensor *t = lt_check_tensor(L, 1);
    lua_pushfstring(L, "tensor(<%d-D %s>)", ct_ndim(t), ct_dtype_name(ct_dtype_of(t)));
    return 1;
}

void lt_open_print(lua_State *L, const lt_tables *t)
{
    (void)L;
    (void)t;
}
