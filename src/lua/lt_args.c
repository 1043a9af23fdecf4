/*
 * lt_args.c -- argument conversion shared by the binding.
 */
#include <string.h>

#include "lt.h"

int lt_check_dim(lua_State *L, int idx)
{
    lua_Integer d = luaL_checkinteger(L, idx);
    if (d == 0)
        luaL_argerror(L, idx, "dims are 1-based; 0 is not a dim (use 1 for the first, -1 for the last)");
    if (d > CT_MAX_DIMS || d < -CT_MAX_DIMS)
        luaL_argerror(L, idx, "dim out of range");
    return d > 0 ? (int)(d - 1) : (int)d;
}

int lt_opt_dim(lua_State *L, int idx, int def0)
{
    return lua_isnoneornil(L, idx) ? def0 : lt_check_dim(L, idx);
}

int lt_is_scalar(lua_State *L, int idx)
{
    int t = lua_type(L, idx);
    return t == LUA_TNUMBER || t == LUA_TBOOLEAN;
}

ct_scalar lt_check_scalar(lua_State *L, int idx)
{
    if (lua_type(L, idx) == LUA_TBOOLEAN)
        return ct_scalar_bool(lua_toboolean(L, idx));
    if (lua_isinteger(L, idx))
        return ct_scalar_int(lua_tointeger(L, idx));
    if (lua_type(L, idx) == LUA_TNUMBER)
        return ct_scalar_float(lua_tonumber(L, idx));
    ct_tensor *t = lt_to_tensor(L, idx);
    if (t) {
        ct_scalar s;
        if (ct_item(t, &s) < 0)
            lt_error(L);
        return s;
    }
    if (lt_is_tensor(L, idx)) /* a closed tensor: say so rather than "number expected" */
        lt_check_tensor(L, idx);
    luaL_typeerror(L, idx, "number");
    return ct_scalar_int(0);
}

void lt_push_scalar(lua_State *L, ct_scalar s)
{
    switch (s.kind) {
    case CT_SCALAR_BOOL: lua_pushboolean(L, (int)s.i); break;
    case CT_SCALAR_INT: lua_pushinteger(L, s.i); break;
    default: lua_pushnumber(L, s.d); break;
    }
}

/* dtypes are singleton userdata, so `x.dtype == torch.float32` compares identities */
void lt_push_dtype(lua_State *L, ct_dtype dtype)
{
    lua_getfield(L, LUA_REGISTRYINDEX, "torch.dtypes"); /* the singleton table */
    lua_rawgeti(L, -1, (lua_Integer)dtype + 1);
    lua_remove(L, -2);
}

ct_dtype lt_check_dtype(lua_State *L, int idx)
{
    ct_dtype *d = luaL_testudata(L, idx, LT_DTYPE_MT);
    if (d)
        return *d;
    if (lua_type(L, idx) == LUA_TSTRING) {
        ct_dtype out;
        if (ct_dtype_from_name(lua_tostring(L, idx), &out) == 0)
            return out;
        lt_error(L);
    }
    luaL_typeerror(L, idx, "dtype (e.g. torch.float32)");
    return CT_FLOAT32;
}

void lt_push_device(lua_State *L, ct_device device)
{
    ct_device *d = lua_newuserdatauv(L, sizeof *d, 0);
    *d = device;
    luaL_setmetatable(L, LT_DEVICE_MT);
}

int lt_options_index(lua_State *L, int idx)
{
    int top = lua_gettop(L);
    if (top >= idx && lua_type(L, top) == LUA_TTABLE && !lt_is_tensor(L, top)) {
        /* an options table has string keys; a sizes table is a sequence */
        lua_rawgeti(L, top, 1);
        int is_sequence = !lua_isnil(L, -1);
        lua_pop(L, 1);
        if (!is_sequence)
            return top;
    }
    return 0;
}

int lt_opt_bool_field(lua_State *L, int opts, const char *name, int def)
{
    if (!opts)
        return def;
    lua_getfield(L, opts, name);
    int v = lua_isnil(L, -1) ? def : lua_toboolean(L, -1);
    lua_pop(L, 1);
    return v;
}

double lt_opt_number_field(lua_State *L, int opts, const char *name, double def)
{
    if (!opts)
        return def;
    lua_getfield(L, opts, name);
    double v = def;
    if (!lua_isnil(L, -1)) {
        if (lua_type(L, -1) != LUA_TNUMBER)
            luaL_error(L, "option '%s' must be a number, got %s", name, luaL_typename(L, -1));
        v = lua_tonumber(L, -1);
    }
    lua_pop(L, 1);
    return v;
}

ct_dtype lt_opt_dtype_field(lua_State *L, int opts, const char *name, ct_dtype def)
{
    if (!opts)
        return def;
    lua_getfield(L, opts, name);
    ct_dtype v = lua_isnil(L, -1) ? def : lt_check_dtype(L, lua_gettop(L));
    lua_pop(L, 1);
    return v;
}

static int64_t check_size_value(lua_State *L, int idx)
{
    int isnum;
    lua_Integer v = lua_tointegerx(L, idx, &isnum);
    if (!isnum)
        luaL_error(L, "sizes must be integers, got %s", luaL_typename(L, idx));
    return (int64_t)v;
}

int lt_check_sizes(lua_State *L, int idx, int64_t *sizes)
{
    int top = lua_gettop(L);
    if (top >= idx && lua_type(L, idx) == LUA_TTABLE && !lt_is_tensor(L, idx)) {
        lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
        if (n > CT_MAX_DIMS)
            luaL_error(L, "%d dimensions requested, at most %d are supported", (int)n, CT_MAX_DIMS);
        for (lua_Integer i = 1; i <= n; i++) {
            lua_rawgeti(L, idx, i);
            sizes[i - 1] = check_size_value(L, -1);
            lua_pop(L, 1);
        }
        return (int)n;
    }
    int n = 0;
    for (int i = idx; i <= top && lua_type(L, i) == LUA_TNUMBER; i++) {
        if (n >= CT_MAX_DIMS)
            luaL_error(L, "too many dimensions: at most %d are supported", CT_MAX_DIMS);
        sizes[n++] = check_size_value(L, i);
    }
    return n;
}

void lt_push_sizes(lua_State *L, int ndim, const int64_t *sizes)
{
    lua_createtable(L, ndim, 0);
    for (int i = 0; i < ndim; i++) {
        lua_pushinteger(L, sizes[i]);
        lua_rawseti(L, -2, i + 1);
    }
}

void lt_register(lua_State *L, const lt_tables *tables, const lt_reg *regs)
{
    for (; regs->name; regs++) {
        if (regs->where & LT_FUNCTION) {
            lua_pushcfunction(L, regs->fn);
            lua_setfield(L, tables->module, regs->name);
        }
        if (regs->where & LT_METHOD) {
            lua_pushcfunction(L, regs->fn);
            lua_setfield(L, tables->methods, regs->name);
        }
    }
}

/* A value that is one integer n (meaning {n, n}) or a table {h, w}. */
static void check_pair(lua_State *L, int idx, const char *op, const char *name, int64_t out[2])
{
    int isnum;
    lua_Integer v = lua_tointegerx(L, idx, &isnum);
    if (isnum) {
        out[0] = out[1] = (int64_t)v;
        return;
    }
    if (lua_type(L, idx) == LUA_TTABLE && lua_rawlen(L, idx) == 2) {
        for (int k = 0; k < 2; k++) {
            lua_rawgeti(L, idx, k + 1);
            out[k] = (int64_t)lua_tointegerx(L, -1, &isnum);
            lua_pop(L, 1);
            if (!isnum)
                break;
        }
        if (isnum)
            return;
    }
    luaL_error(L, "%s: %s must be an integer or a table of two integers {h, w}, got %s", op, name,
               luaL_typename(L, idx));
}

void lt_check_pair(lua_State *L, int idx, const char *op, const char *name, int64_t out[2])
{
    check_pair(L, lua_absindex(L, idx), op, name, out);
}

void lt_opt_pair_field(lua_State *L, int opts, const char *op, const char *name, const int64_t def[2],
                       int64_t out[2])
{
    out[0] = def[0];
    out[1] = def[1];
    if (!opts)
        return;
    lua_getfield(L, opts, name);
    if (!lua_isnil(L, -1))
        check_pair(L, lua_gettop(L), op, name, out);
    lua_pop(L, 1);
}

ct_reduction lt_opt_reduction_field(lua_State *L, int opts, const char *op)
{
    if (!opts)
        return CT_REDUCTION_MEAN;
    lua_getfield(L, opts, "reduction");
    ct_reduction r = CT_REDUCTION_MEAN;
    if (!lua_isnil(L, -1)) {
        const char *s = lua_tostring(L, -1);
        if (s && strcmp(s, "mean") == 0)
            r = CT_REDUCTION_MEAN;
        else if (s && strcmp(s, "sum") == 0)
            r = CT_REDUCTION_SUM;
        else if (s && strcmp(s, "none") == 0)
            r = CT_REDUCTION_NONE;
        else
            luaL_error(L, "%s: reduction must be 'mean', 'sum' or 'none', got %s", op,
                       s ? s : luaL_typename(L, -1));
    }
    lua_pop(L, 1);
    return r;
}
