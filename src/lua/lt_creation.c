/*
 * lt_creation.c -- binding for tensor creation: torch.zeros, torch.tensor ...
 */
#include "lt.h"

/* torch.zeros(2, 3), torch.zeros({2, 3}), torch.zeros(2, 3, {dtype=torch.int64}) */
static int make_filled(lua_State *L, ct_scalar value)
{
    int64_t sizes[CT_MAX_DIMS];
    int ndim = lt_check_sizes(L, 1, sizes);
    int opts = lt_options_index(L, 1);
    ct_dtype dtype = lt_opt_dtype_field(L, opts, "dtype", CT_FLOAT32);
    lt_push_tensor(L, ct_full(ndim, sizes, value, dtype));
    return 1;
}

static int f_zeros(lua_State *L) { return make_filled(L, ct_scalar_int(0)); }
static int f_ones(lua_State *L) { return make_filled(L, ct_scalar_int(1)); }

static int f_empty(lua_State *L)
{
    int64_t sizes[CT_MAX_DIMS];
    int ndim = lt_check_sizes(L, 1, sizes);
    int opts = lt_options_index(L, 1);
    lt_push_tensor(L, ct_empty(ndim, sizes, lt_opt_dtype_field(L, opts, "dtype", CT_FLOAT32)));
    return 1;
}

/* torch.full({2, 3}, 7) */
static int f_full(lua_State *L)
{
    int64_t sizes[CT_MAX_DIMS];
    luaL_checktype(L, 1, LUA_TTABLE);
    int ndim = lt_check_sizes(L, 1, sizes);
    ct_scalar value = lt_check_scalar(L, 2);
    int opts = lt_options_index(L, 3);
    ct_dtype def = value.kind == CT_SCALAR_FLOAT ? CT_FLOAT32 : value.kind == CT_SCALAR_INT ? CT_INT64 : CT_BOOL;
    lt_push_tensor(L, ct_full(ndim, sizes, value, lt_opt_dtype_field(L, opts, "dtype", def)));
    return 1;
}

static int m_fill_(lua_State *L)
{
    lt_check_rc(L, ct_fill_(lt_check_tensor(L, 1), lt_check_scalar(L, 2)));
    lua_settop(L, 1);
    return 1;
}

static int m_zero_(lua_State *L)
{
    lt_check_rc(L, ct_zero_(lt_check_tensor(L, 1)));
    lua_settop(L, 1);
    return 1;
}

void lt_open_creation(lua_State *L, const lt_tables *t)
{
    static const lt_reg regs[] = {
        {"zeros", f_zeros, LT_FUNCTION},
        {"ones", f_ones, LT_FUNCTION},
        {"empty", f_empty, LT_FUNCTION},
        {"full", f_full, LT_FUNCTION},
        {"fill_", m_fill_, LT_METHOD},
        {"zero_", m_zero_, LT_METHOD},
        {NULL, NULL, 0},
    };
    lt_register(L, t, regs);
}
