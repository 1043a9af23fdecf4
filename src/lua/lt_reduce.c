/*
 * lt_reduce.c -- binding for reductions (sum mean prod amax amin all any var
 * std norm max min argmax argmin cumsum sum_to_size).
 *
 * Every reduction takes the same arguments after the tensor:
 *   x:sum()                  all dims
 *   x:sum(2)  x:sum(-1)      one dim (1-based, negative from the end)
 *   x:sum({1, 2})            several dims
 *   x:sum(2, true)           keepdim, positional
 *   x:sum(2, {keepdim=true}) or as an option; {dim=2} works too
 * Indices returned to Lua (max/min along a dim, argmax/argmin) are 1-based.
 */
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "lt.h"

typedef struct {
    bool has_dim;
    int ndims;
    int dims[CT_MAX_DIMS];
    int keepdim;
    int opts; /* stack index of the options table, or 0 */
} red_args;

/* Lua's 1-based dim to the core's 0-based one; range checks are the core's,
 * so its message names the op and the tensor's dimensionality. */
static int core_dim(lua_State *L, const char *op, int idx)
{
    int isnum;
    lua_Integer d = lua_tointegerx(L, idx, &isnum);
    if (!isnum)
        luaL_error(L, "%s: dims must be integers, got %s", op, luaL_typename(L, idx));
    if (d == 0)
        luaL_error(L, "%s: dims are 1-based; 0 is not a dim (use 1 for the first, -1 for the last)", op);
    if (d > 1000000 || d < -1000000)
        luaL_error(L, "%s: dimension %I out of range", op, d);
    return d > 0 ? (int)(d - 1) : (int)d;
}

/* A dim (number) or dims (sequence table) at idx. */
static void read_dims(lua_State *L, const char *op, int idx, red_args *r)
{
    r->has_dim = true;
    if (lua_type(L, idx) == LUA_TTABLE) {
        lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
        if (n > CT_MAX_DIMS)
            luaL_error(L, "%s: %d dims given, at most %d are supported", op, (int)n, CT_MAX_DIMS);
        for (lua_Integer i = 1; i <= n; i++) {
            lua_rawgeti(L, idx, i);
            r->dims[i - 1] = core_dim(L, op, -1);
            lua_pop(L, 1);
        }
        r->ndims = (int)n;
        if (n == 0)
            r->has_dim = false; /* {} reduces everything, like dim=[] in PyTorch */
    } else {
        r->dims[0] = core_dim(L, op, idx);
        r->ndims = 1;
    }
}

/* Parses [dim | {dims}] [keepdim] [{options}] starting at idx. */
static void check_reduce_args(lua_State *L, const char *op, int idx, red_args *r)
{
    memset(r, 0, sizeof *r);
    r->opts = lt_options_index(L, idx);
    int top = r->opts ? r->opts - 1 : lua_gettop(L);
    int i = idx;
    if (i <= top && lua_type(L, i) != LUA_TBOOLEAN) {
        if (!lua_isnil(L, i))
            read_dims(L, op, i, r);
        i++;
    }
    if (i <= top && lua_type(L, i) == LUA_TBOOLEAN) {
        r->keepdim = lua_toboolean(L, i);
        i++;
    }
    for (; i <= top; i++)
        if (!lua_isnil(L, i))
            luaL_error(L, "%s: unexpected argument #%d (%s)", op, i, luaL_typename(L, i));
    if (r->opts) {
        r->keepdim = lt_opt_bool_field(L, r->opts, "keepdim", r->keepdim);
        lua_getfield(L, r->opts, "dim");
        if (!lua_isnil(L, -1)) {
            if (r->has_dim)
                luaL_error(L, "%s: dim given both as an argument and as an option", op);
            read_dims(L, op, lua_gettop(L), r);
        }
        lua_pop(L, 1);
    }
}

/* One dim for ops that take exactly one. */
static int single_dim(lua_State *L, const char *op, const red_args *r)
{
    if (r->ndims != 1)
        luaL_error(L, "%s: expected one dim, got %d", op, r->ndims);
    return r->dims[0];
}

/* Pushes t converted to the options' dtype (a new reference), or t retained. */
static ct_tensor *cast_input(lua_State *L, ct_tensor *t, int opts, ct_dtype *requested, bool *has_dtype)
{
    *has_dtype = false;
    if (opts) {
        lua_getfield(L, opts, "dtype");
        *has_dtype = !lua_isnil(L, -1);
        lua_pop(L, 1);
    }
    if (!*has_dtype)
        return ct_retain(t);
    *requested = lt_opt_dtype_field(L, opts, "dtype", ct_dtype_of(t));
    ct_tensor *c = ct_to_dtype(t, *requested);
    if (!c)
        lt_error(L);
    return c;
}

/* The result in the requested dtype (takes over r). */
static ct_tensor *cast_result(ct_tensor *r, bool has_dtype, ct_dtype requested)
{
    if (!r || !has_dtype || ct_dtype_of(r) == requested)
        return r;
    ct_tensor *c = ct_to_dtype(r, requested);
    ct_release(r);
    return c;
}

static int reduce(lua_State *L, ct_reduce_op op, const char *name, bool takes_dtype)
{
    ct_tensor *t = lt_check_tensor(L, 1);
    red_args r;
    check_reduce_args(L, name, 2, &r);
    ct_dtype requested = CT_FLOAT32;
    bool has_dtype = false;
    ct_tensor *src = takes_dtype ? cast_input(L, t, r.opts, &requested, &has_dtype) : ct_retain(t);
    ct_tensor *out = ct_reduce(op, src, r.ndims, r.dims, r.keepdim);
    ct_release(src);
    lt_push_tensor(L, cast_result(out, has_dtype, requested));
    return 1;
}

static int f_sum(lua_State *L) { return reduce(L, CT_SUM, "sum", true); }
static int f_mean(lua_State *L) { return reduce(L, CT_MEAN, "mean", true); }
static int f_prod(lua_State *L) { return reduce(L, CT_PROD, "prod", true); }
static int f_amax(lua_State *L) { return reduce(L, CT_AMAX, "amax", false); }
static int f_amin(lua_State *L) { return reduce(L, CT_AMIN, "amin", false); }
static int f_all(lua_State *L) { return reduce(L, CT_ALL, "all", false); }
static int f_any(lua_State *L) { return reduce(L, CT_ANY, "any", false); }

/* 0-based int64 indices, in place, to Lua's 1-based positions. */
static void push_indices(lua_State *L, ct_tensor *idx)
{
    if (ct_binary_scalar_(CT_ADD, idx, ct_scalar_int(1)) < 0) {
        ct_release(idx);
        lt_error(L);
    }
    lt_push_tensor(L, idx);
}

/* x:max() -> 0-dim; x:max(dim [, keepdim]) -> values, indices; torch.max(a, b) elementwise */
static int minmax(lua_State *L, bool is_max)
{
    const char *name = is_max ? "max" : "min";
    ct_tensor *t = lt_check_tensor(L, 1);
    ct_tensor *other = lt_to_tensor(L, 2);
    if (other) {
        lt_push_tensor(L, ct_binary(is_max ? CT_MAXIMUM : CT_MINIMUM, t, other));
        return 1;
    }
    red_args r;
    check_reduce_args(L, name, 2, &r);
    if (!r.has_dim) {
        lt_push_tensor(L, ct_reduce(is_max ? CT_AMAX : CT_AMIN, t, 0, NULL, 0));
        return 1;
    }
    int dim = single_dim(L, name, &r);
    ct_tensor *values = NULL, *indices = NULL;
    int rc = is_max ? ct_max_dim(t, dim, r.keepdim, &values, &indices)
                    : ct_min_dim(t, dim, r.keepdim, &values, &indices);
    lt_check_rc(L, rc);
    lt_push_tensor(L, values);
    push_indices(L, indices);
    return 2;
}

static int f_max(lua_State *L) { return minmax(L, true); }
static int f_min(lua_State *L) { return minmax(L, false); }

/* x:argmax() -> flat 1-based position; x:argmax(dim [, keepdim]) */
static int argminmax(lua_State *L, bool is_max)
{
    const char *name = is_max ? "argmax" : "argmin";
    ct_tensor *t = lt_check_tensor(L, 1);
    red_args r;
    check_reduce_args(L, name, 2, &r);
    int dim = r.has_dim ? single_dim(L, name, &r) : 0;
    ct_tensor *idx = is_max ? ct_argmax(t, dim, !r.has_dim, r.keepdim) : ct_argmin(t, dim, !r.has_dim, r.keepdim);
    if (!idx)
        lt_error(L);
    push_indices(L, idx);
    return 1;
}

static int f_argmax(lua_State *L) { return argminmax(L, true); }
static int f_argmin(lua_State *L) { return argminmax(L, false); }

/* x:var([dims] [, keepdim] [, {unbiased=false} or {correction=0}]) */
static int var_std(lua_State *L, bool is_std)
{
    const char *name = is_std ? "std" : "var";
    ct_tensor *t = lt_check_tensor(L, 1);
    red_args r;
    check_reduce_args(L, name, 2, &r);
    int64_t correction = 1;
    if (r.opts) {
        correction = lt_opt_bool_field(L, r.opts, "unbiased", 1) ? 1 : 0;
        lua_getfield(L, r.opts, "correction");
        if (!lua_isnil(L, -1)) {
            int isnum;
            lua_Integer c = lua_tointegerx(L, -1, &isnum);
            if (!isnum)
                luaL_error(L, "%s: option 'correction' must be an integer, got %s", name, luaL_typename(L, -1));
            correction = (int64_t)c;
        }
        lua_pop(L, 1);
    }
    ct_tensor *out = is_std ? ct_std(t, r.ndims, r.dims, correction, r.keepdim)
                            : ct_var(t, r.ndims, r.dims, correction, r.keepdim);
    lt_push_tensor(L, out);
    return 1;
}

static int f_var(lua_State *L) { return var_std(L, false); }
static int f_std(lua_State *L) { return var_std(L, true); }

/* x:norm([p] [, dims] [, keepdim] [, {p=, dim=, keepdim=}]); p a number, 'fro', 'inf' or '-inf' */
static int f_norm(lua_State *L)
{
    ct_tensor *t = lt_check_tensor(L, 1);
    double p = 2;
    int first = 2;
    if (lua_type(L, 2) == LUA_TNUMBER) {
        p = lua_tonumber(L, 2);
        first = 3;
    } else if (lua_type(L, 2) == LUA_TSTRING) {
        const char *s = lua_tostring(L, 2);
        if (strcmp(s, "fro") == 0)
            p = 2;
        else if (strcmp(s, "inf") == 0)
            p = INFINITY;
        else if (strcmp(s, "-inf") == 0)
            p = -INFINITY;
        else
            luaL_error(L, "norm: unsupported p '%s' (a number, 'fro', 'inf' or '-inf')", s);
        first = 3;
    } else if (lua_isnil(L, 2) && lua_gettop(L) >= 3) {
        first = 3;
    }
    red_args r;
    check_reduce_args(L, "norm", first, &r);
    p = lt_opt_number_field(L, r.opts, "p", p);
    lt_push_tensor(L, ct_norm(t, p, r.ndims, r.dims, r.keepdim));
    return 1;
}

/* x:cumsum(dim [, {dtype=}]) */
static int f_cumsum(lua_State *L)
{
    ct_tensor *t = lt_check_tensor(L, 1);
    red_args r;
    check_reduce_args(L, "cumsum", 2, &r);
    if (!r.has_dim)
        luaL_error(L, "cumsum: expected a dim (x:cumsum(dim))");
    int dim = single_dim(L, "cumsum", &r);
    ct_dtype requested = CT_FLOAT32;
    bool has_dtype = false;
    ct_tensor *src = cast_input(L, t, r.opts, &requested, &has_dtype);
    ct_tensor *out = ct_cumsum(src, dim);
    ct_release(src);
    lt_push_tensor(L, cast_result(out, has_dtype, requested));
    return 1;
}

/* x:sum_to_size(2, 1) or x:sum_to_size(y.shape) */
static int m_sum_to_size(lua_State *L)
{
    ct_tensor *t = lt_check_tensor(L, 1);
    int64_t sizes[CT_MAX_DIMS];
    int ndim = lt_check_sizes(L, 2, sizes);
    lt_push_tensor(L, ct_sum_to_size(t, ndim, sizes));
    return 1;
}

void lt_open_reduce(lua_State *L, const lt_tables *t)
{
    static const lt_reg regs[] = {
        {"sum", f_sum, LT_BOTH},
        {"mean", f_mean, LT_BOTH},
        {"prod", f_prod, LT_BOTH},
        {"amax", f_amax, LT_BOTH},
        {"amin", f_amin, LT_BOTH},
        {"all", f_all, LT_BOTH},
        {"any", f_any, LT_BOTH},
        {"var", f_var, LT_BOTH},
        {"std", f_std, LT_BOTH},
        {"norm", f_norm, LT_BOTH},
        {"max", f_max, LT_BOTH},
        {"min", f_min, LT_BOTH},
        {"argmax", f_argmax, LT_BOTH},
        {"argmin", f_argmin, LT_BOTH},
        {"cumsum", f_cumsum, LT_BOTH},
        {"sum_to_size", m_sum_to_size, LT_METHOD},
        {NULL, NULL, 0},
    };
    lt_register(L, t, regs);
}
