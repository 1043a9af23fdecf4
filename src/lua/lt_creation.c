/*
 * lt_creation.c -- binding for tensor creation: torch.zeros ones empty full
 * eye arange linspace, the *_like and x:new_* forms, fill_ and zero_.
 * torch.tensor and totable live in lt_table.c.
 *
 * Every creation function takes a trailing options table
 * {dtype=, device=, requires_grad=}; device must be 'cpu' for now.
 */
#include "lt.h"

/* lt_table.c */
void lt_open_table(lua_State *L, const lt_tables *t);
void lt_check_device_option(lua_State *L, int opts, const char *op);
void lt_apply_requires_grad(lua_State *L, int opts, const char *op);

/* Sizes from idx on (numbers, or one table such as x.shape), then at most the
 * options table; anything else is a bad argument.  Sets *opts (0 = none). */
static int check_sizes_args(lua_State *L, int idx, int64_t *sizes, int *opts)
{
    int ndim = lt_check_sizes(L, idx, sizes);
    *opts = lt_options_index(L, idx);
    int next = idx;
    if (lua_type(L, idx) == LUA_TTABLE && !lt_is_tensor(L, idx))
        next = idx == *opts ? idx : idx + 1;
    else
        next = idx + ndim;
    if (next <= lua_gettop(L) && next != *opts && !lua_isnil(L, next))
        luaL_typeerror(L, next, ndim == 0 && next == idx ? "sizes" : "integer size or options table");
    return ndim;
}

/* Pushes the tensor, applying {requires_grad=} (t == NULL raises). */
static int finish(lua_State *L, ct_tensor *t, int opts, const char *op)
{
    lt_push_tensor(L, t);
    lt_apply_requires_grad(L, opts, op);
    return 1;
}

/* ---------------------------------------------------------------- from sizes */

/* torch.zeros(2, 3), torch.zeros({2, 3}), torch.zeros(2, 3, {dtype=torch.int64}) */
static int make_filled(lua_State *L, const char *op, ct_scalar value, int uninit)
{
    int64_t sizes[CT_MAX_DIMS];
    int opts;
    int ndim = check_sizes_args(L, 1, sizes, &opts);
    ct_dtype dtype = lt_opt_dtype_field(L, opts, "dtype", CT_FLOAT32);
    lt_check_device_option(L, opts, op);
    ct_tensor *t = uninit ? ct_empty(ndim, sizes, dtype)
                 : value.i ? ct_ones(ndim, sizes, dtype) : ct_zeros(ndim, sizes, dtype);
    return finish(L, t, opts, op);
}

static int f_zeros(lua_State *L) { return make_filled(L, "zeros", ct_scalar_int(0), 0); }
static int f_ones(lua_State *L) { return make_filled(L, "ones", ct_scalar_int(1), 0); }
static int f_empty(lua_State *L) { return make_filled(L, "empty", ct_scalar_int(0), 1); }

/* The dtype PyTorch infers for a fill value: bool, int64 or float32. */
static ct_dtype value_dtype(ct_scalar v)
{
    return v.kind == CT_SCALAR_FLOAT ? CT_FLOAT32 : v.kind == CT_SCALAR_INT ? CT_INT64 : CT_BOOL;
}

/* torch.full({2, 3}, 7) */
static int f_full(lua_State *L)
{
    int64_t sizes[CT_MAX_DIMS];
    if (lua_type(L, 1) != LUA_TTABLE || lt_is_tensor(L, 1))
        luaL_typeerror(L, 1, "table of sizes");
    int ndim = lt_check_sizes(L, 1, sizes);
    ct_scalar value = lt_check_scalar(L, 2);
    int opts = lt_options_index(L, 3);
    ct_dtype dtype = lt_opt_dtype_field(L, opts, "dtype", value_dtype(value));
    lt_check_device_option(L, opts, "full");
    return finish(L, ct_full(ndim, sizes, value, dtype), opts, "full");
}

/* torch.eye(n), torch.eye(n, m) */
static int f_eye(lua_State *L)
{
    lua_Integer n = luaL_checkinteger(L, 1);
    lua_Integer m = lua_type(L, 2) == LUA_TNUMBER ? luaL_checkinteger(L, 2) : n;
    int opts = lt_options_index(L, 2);
    if (!opts && !lua_isnoneornil(L, 2) && lua_type(L, 2) != LUA_TNUMBER)
        luaL_typeerror(L, 2, "integer or options table");
    if (n < 0 || m < 0)
        return luaL_error(L, "eye: sizes must be non-negative, got n = %I, m = %I", n, m);
    ct_dtype dtype = lt_opt_dtype_field(L, opts, "dtype", CT_FLOAT32);
    lt_check_device_option(L, opts, "eye");
    return finish(L, ct_eye(n, m, dtype), opts, "eye");
}

/* torch.arange(end), torch.arange(start, end), torch.arange(start, end, step):
 * int64 when every bound is a Lua integer, float32 otherwise.  The values
 * are PyTorch's (arange(5) is 0..4), not 1-based positions. */
static int f_arange(lua_State *L)
{
    int nargs = 0;
    ct_scalar v[3];
    while (nargs < 3 && lua_type(L, nargs + 1) == LUA_TNUMBER) {
        v[nargs] = lt_check_scalar(L, nargs + 1);
        nargs++;
    }
    if (nargs == 0)
        luaL_typeerror(L, 1, "number");
    int opts = lt_options_index(L, nargs + 1);
    if (!opts && !lua_isnoneornil(L, nargs + 1))
        luaL_typeerror(L, nargs + 1, "number or options table");
    double start = 0, end, step = 1;
    int all_int = 1;
    for (int i = 0; i < nargs; i++)
        all_int &= v[i].kind == CT_SCALAR_INT;
    if (nargs == 1) {
        end = v[0].d;
    } else {
        start = v[0].d;
        end = v[1].d;
        if (nargs == 3)
            step = v[2].d;
    }
    ct_dtype dtype = lt_opt_dtype_field(L, opts, "dtype", all_int ? CT_INT64 : CT_FLOAT32);
    lt_check_device_option(L, opts, "arange");
    return finish(L, ct_arange(start, end, step, dtype), opts, "arange");
}

/* torch.linspace(start, end, steps) */
static int f_linspace(lua_State *L)
{
    double start = luaL_checknumber(L, 1), end = luaL_checknumber(L, 2);
    lua_Integer steps = luaL_checkinteger(L, 3);
    int opts = lt_options_index(L, 4);
    ct_dtype dtype = lt_opt_dtype_field(L, opts, "dtype", CT_FLOAT32);
    lt_check_device_option(L, opts, "linspace");
    return finish(L, ct_linspace(start, end, steps, dtype), opts, "linspace");
}

/* ---------------------------------------------------------------- *_like */

/* torch.zeros_like(x [, {dtype=}]): x's shape, x's dtype unless given */
static int make_like(lua_State *L, const char *op, int kind)
{
    ct_tensor *x = lt_check_tensor(L, 1);
    int value_arg = kind == 3;
    ct_scalar value = ct_scalar_int(kind == 1);
    if (value_arg)
        value = lt_check_scalar(L, 2);
    int opts = lt_options_index(L, 2 + value_arg);
    if (!opts && !lua_isnoneornil(L, 2 + value_arg))
        luaL_typeerror(L, 2 + value_arg, "options table");
    ct_dtype dtype = lt_opt_dtype_field(L, opts, "dtype", ct_dtype_of(x));
    lt_check_device_option(L, opts, op);
    ct_tensor *t = kind == 2 ? ct_empty(ct_ndim(x), ct_sizes(x), dtype)
                             : ct_full(ct_ndim(x), ct_sizes(x), value, dtype);
    return finish(L, t, opts, op);
}

static int f_zeros_like(lua_State *L) { return make_like(L, "zeros_like", 0); }
static int f_ones_like(lua_State *L) { return make_like(L, "ones_like", 1); }
static int f_empty_like(lua_State *L) { return make_like(L, "empty_like", 2); }
static int f_full_like(lua_State *L) { return make_like(L, "full_like", 3); }

/* ---------------------------------------------------------------- x:new_* */

/* x:new_zeros(2, 3), x:new_zeros({2, 3}, {dtype=}): x's dtype unless given */
static int make_new(lua_State *L, const char *op, int kind)
{
    ct_tensor *x = lt_check_tensor(L, 1);
    int64_t sizes[CT_MAX_DIMS];
    int opts, ndim;
    ct_scalar value = ct_scalar_int(kind == 1);
    if (kind == 3) { /* new_full(sizes_table, value) */
        if (lua_type(L, 2) != LUA_TTABLE || lt_is_tensor(L, 2))
            luaL_typeerror(L, 2, "table of sizes");
        ndim = lt_check_sizes(L, 2, sizes);
        value = lt_check_scalar(L, 3);
        opts = lt_options_index(L, 4);
    } else {
        ndim = check_sizes_args(L, 2, sizes, &opts);
    }
    ct_dtype dtype = lt_opt_dtype_field(L, opts, "dtype", ct_dtype_of(x));
    lt_check_device_option(L, opts, op);
    ct_tensor *t = kind == 2 ? ct_empty(ndim, sizes, dtype) : ct_full(ndim, sizes, value, dtype);
    return finish(L, t, opts, op);
}

static int m_new_zeros(lua_State *L) { return make_new(L, "new_zeros", 0); }
static int m_new_ones(lua_State *L) { return make_new(L, "new_ones", 1); }
static int m_new_empty(lua_State *L) { return make_new(L, "new_empty", 2); }
static int m_new_full(lua_State *L) { return make_new(L, "new_full", 3); }

/* ---------------------------------------------------------------- in place */

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
        {"eye", f_eye, LT_FUNCTION},
        {"arange", f_arange, LT_FUNCTION},
        {"linspace", f_linspace, LT_FUNCTION},
        {"zeros_like", f_zeros_like, LT_FUNCTION},
        {"ones_like", f_ones_like, LT_FUNCTION},
        {"empty_like", f_empty_like, LT_FUNCTION},
        {"full_like", f_full_like, LT_FUNCTION},
        {"new_zeros", m_new_zeros, LT_METHOD},
        {"new_ones", m_new_ones, LT_METHOD},
        {"new_empty", m_new_empty, LT_METHOD},
        {"new_full", m_new_full, LT_METHOD},
        {"fill_", m_fill_, LT_BOTH},
        {"zero_", m_zero_, LT_BOTH},
        {NULL, NULL, 0},
    };
    lt_register(L, t, regs);
    lt_open_table(L, t);
}
