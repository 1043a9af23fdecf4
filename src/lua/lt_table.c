/*
 * lt_table.c -- tensors from and to Lua tables: torch.tensor, x:new_tensor,
 * x:totable / x:tolist.
 *
 * torch.tensor reads the nested table twice: the first pass checks that it is
 * rectangular (naming the first ragged position) and finds the dtype, the
 * second writes the values into a tensor that is already on the Lua stack, so
 * an error in the first pass leaves nothing to free.
 */
#include <stdio.h>
#include <string.h>

#include "core/tensor.h"
#include "lt.h"

/* value kinds, in PyTorch's inference order: any float gives float32, else
 * any integer gives int64, else all booleans give bool */
enum { KIND_NONE = -1, KIND_BOOL = 0, KIND_INT = 1, KIND_FLOAT = 2 };

typedef struct nest {
    const char *op;
    int ndim;
    int64_t sizes[CT_MAX_DIMS];
    int64_t path[CT_MAX_DIMS]; /* 1-based position being visited */
    int kind;
} nest;

/* "[2][1]" for the first depth entries of the path. */
static const char *path_str(const nest *n, int depth, char *buf, size_t len)
{
    size_t pos = 0;
    buf[0] = 0;
    for (int i = 0; i < depth && pos < len; i++)
        pos += (size_t)snprintf(buf + pos, len - pos, "[%lld]", (long long)n->path[i]);
    if (depth == 0)
        snprintf(buf, len, "the top level");
    return buf;
}

static int is_plain_table(lua_State *L, int idx)
{
    return lua_type(L, idx) == LUA_TTABLE;
}

static int scalar_kind_of_dtype(ct_dtype d)
{
    return d == CT_BOOL ? KIND_BOOL : ct_dtype_is_float(d) ? KIND_FLOAT : KIND_INT;
}

/* The kind of a leaf value at the top of the stack, or raises. */
static int leaf_kind(lua_State *L, nest *n, int depth)
{
    char where[CT_MAX_DIMS * 24];
    switch (lua_type(L, -1)) {
    case LUA_TBOOLEAN: return KIND_BOOL;
    case LUA_TNUMBER: return lua_isinteger(L, -1) ? KIND_INT : KIND_FLOAT;
    case LUA_TTABLE:
        return luaL_error(L, "%s: ragged nested table: %s is a table, expected a number "
                             "(all rows must have the same nesting depth)",
                          n->op, path_str(n, depth, where, sizeof where));
    default: {
        ct_tensor *t = lt_to_tensor(L, -1);
        if (t && ct_numel(t) == 1)
            return scalar_kind_of_dtype(ct_dtype_of(t));
        if (t)
            return luaL_error(L, "%s: %s is a tensor of %I elements; only one-element tensors "
                                 "can be used as values", n->op, path_str(n, depth, where, sizeof where),
                              (lua_Integer)ct_numel(t));
        return luaL_error(L, "%s: %s is a %s, expected a number or a boolean", n->op,
                          path_str(n, depth, where, sizeof where), luaL_typename(L, -1));
    }
    }
}

/* Shape from the first element at each level of the value at the top. */
static void infer_shape(lua_State *L, nest *n)
{
    int pushed = 0;
    n->ndim = 0;
    while (is_plain_table(L, -1)) {
        if (n->ndim >= CT_MAX_DIMS)
            luaL_error(L, "%s: the nested table is deeper than %d levels", n->op, CT_MAX_DIMS);
        int64_t len = (int64_t)lua_rawlen(L, -1);
        n->sizes[n->ndim++] = len;
        if (len == 0)
            break;
        lua_rawgeti(L, -1, 1);
        pushed++;
    }
    lua_pop(L, pushed);
}

/* First pass: every table at depth d has sizes[d] elements; finds the kind. */
static void check_nest(lua_State *L, nest *n, int depth)
{
    char where[CT_MAX_DIMS * 24];
    if (depth == n->ndim) {
        int k = leaf_kind(L, n, depth);
        if (k > n->kind)
            n->kind = k;
        return;
    }
    if (!is_plain_table(L, -1))
        luaL_error(L, "%s: ragged nested table: %s is a %s, expected a table of %I elements", n->op,
                   path_str(n, depth, where, sizeof where), luaL_typename(L, -1), (lua_Integer)n->sizes[depth]);
    int64_t len = (int64_t)lua_rawlen(L, -1);
    if (len != n->sizes[depth])
        luaL_error(L, "%s: ragged nested table: %s has length %I, expected %I (like the first at its level)",
                   n->op, path_str(n, depth, where, sizeof where), (lua_Integer)len, (lua_Integer)n->sizes[depth]);
    for (int64_t i = 1; i <= len; i++) {
        n->path[depth] = i;
        lua_rawgeti(L, -1, (lua_Integer)i);
        check_nest(L, n, depth + 1);
        lua_pop(L, 1);
    }
}

/* Second pass: writes the checked values, row-major, from *dst on. */
static void fill_nest(lua_State *L, const nest *n, int depth, ct_dtype dtype, char **dst)
{
    if (depth == n->ndim) {
        ct_scalar s;
        if (lua_type(L, -1) == LUA_TBOOLEAN)
            s = ct_scalar_bool(lua_toboolean(L, -1));
        else if (lua_isinteger(L, -1))
            s = ct_scalar_int(lua_tointeger(L, -1));
        else if (lua_type(L, -1) == LUA_TNUMBER)
            s = ct_scalar_float(lua_tonumber(L, -1));
        else
            ct_item(lt_to_tensor(L, -1), &s); /* a one-element tensor, checked in pass 1 */
        ct_scalar_store(s, dtype, *dst);
        *dst += ct_dtype_size(dtype);
        return;
    }
    int64_t len = n->sizes[depth];
    for (int64_t i = 1; i <= len; i++) {
        lua_rawgeti(L, -1, (lua_Integer)i);
        fill_nest(L, n, depth + 1, dtype, dst);
        lua_pop(L, 1);
    }
}

static ct_dtype kind_dtype(int kind)
{
    return kind == KIND_BOOL ? CT_BOOL : kind == KIND_INT ? CT_INT64 : CT_FLOAT32;
}

/* Pushes a tensor made from the value at idx (number, boolean, nested table
 * or tensor); dtype < 0 infers it. */
static void push_from_value(lua_State *L, int idx, const char *op, int dtype)
{
    ct_tensor *src = lt_to_tensor(L, idx);
    if (src || lt_is_tensor(L, idx)) {
        src = lt_check_tensor(L, idx); /* raises for a closed tensor */
        /* a copy, never an alias (PyTorch's torch.tensor(t) copies too) */
        ct_tensor *out = ct_empty(ct_ndim(src), ct_sizes(src), dtype < 0 ? ct_dtype_of(src) : (ct_dtype)dtype);
        if (out && ct_copy_(out, src) < 0) {
            ct_release(out);
            out = NULL;
        }
        lt_push_tensor(L, out);
        return;
    }
    int type = lua_type(L, idx);
    if (type != LUA_TTABLE && type != LUA_TNUMBER && type != LUA_TBOOLEAN)
        luaL_typeerror(L, idx, "table, number, boolean or tensor");
    luaL_checkstack(L, CT_MAX_DIMS + 8, "nested table too deep");
    nest n;
    n.op = op;
    n.kind = KIND_NONE;
    lua_pushvalue(L, idx);
    infer_shape(L, &n);
    if (ct_check_sizes(op, n.ndim, n.sizes) < 0)
        lt_error(L);
    check_nest(L, &n, 0);
    ct_dtype dt = dtype >= 0 ? (ct_dtype)dtype : kind_dtype(n.kind);
    ct_tensor *t = ct_empty(n.ndim, n.sizes, dt);
    lt_push_tensor(L, t); /* owned by Lua from here on */
    char *dst = ct_tensor_data(t);
    lua_pushvalue(L, -2);
    fill_nest(L, &n, 0, dt, &dst);
    lua_pop(L, 1);
    lua_remove(L, -2); /* the copy of the data */
}

/* Reads {device=} from an options table: only the CPU exists for now.
 * Shared with lt_creation.c. */
void lt_check_device_option(lua_State *L, int opts, const char *op)
{
    if (!opts)
        return;
    lua_getfield(L, opts, "device");
    if (!lua_isnil(L, -1)) {
        ct_device *d = luaL_testudata(L, -1, LT_DEVICE_MT);
        const char *name = d ? NULL : lua_tostring(L, -1);
        if (d ? d->type != CT_CPU : !name || strcmp(name, "cpu") != 0) {
            const char *shown = d ? luaL_tolstring(L, -1, NULL) : name ? name : luaL_typename(L, -1);
            luaL_error(L, "%s: device '%s' is not available (only 'cpu' is supported in this build)", op,
                       shown);
        }
    }
    lua_pop(L, 1);
}

/* {requires_grad=true}: marks the tensor at the top through its
 * requires_grad_ method, once autograd provides one.  Shared with lt_creation.c. */
void lt_apply_requires_grad(lua_State *L, int opts, const char *op)
{
    if (!opts || !lt_opt_bool_field(L, opts, "requires_grad", 0))
        return;
    lua_getfield(L, -1, "requires_grad_");
    if (!lua_isfunction(L, -1))
        luaL_error(L, "%s: requires_grad is not supported yet", op);
    lua_pushvalue(L, -2);
    lua_pushboolean(L, 1);
    lua_call(L, 2, 1);
    lua_remove(L, -2);
}

/* dtype option, or -1 when absent */
static int opt_dtype(lua_State *L, int opts)
{
    if (!opts)
        return -1;
    lua_getfield(L, opts, "dtype");
    int d = lua_isnil(L, -1) ? -1 : (int)lt_check_dtype(L, lua_gettop(L));
    lua_pop(L, 1);
    return d;
}

/* torch.tensor(data [, {dtype=, device=, requires_grad=}]) */
static int f_tensor(lua_State *L)
{
    luaL_checkany(L, 1);
    int opts = lua_gettop(L) >= 2 ? lt_options_index(L, 2) : 0;
    if (lua_gettop(L) >= 2 && !opts && !lua_isnil(L, 2))
        luaL_typeerror(L, 2, "options table");
    int dtype = opt_dtype(L, opts);
    lt_check_device_option(L, opts, "tensor");
    push_from_value(L, 1, "tensor", dtype);
    lt_apply_requires_grad(L, opts, "tensor");
    return 1;
}

/* x:new_tensor(data [, {dtype=}]): x's dtype unless given */
static int m_new_tensor(lua_State *L)
{
    ct_tensor *self = lt_check_tensor(L, 1);
    luaL_checkany(L, 2);
    int opts = lua_gettop(L) >= 3 ? lt_options_index(L, 3) : 0;
    ct_dtype dtype = lt_opt_dtype_field(L, opts, "dtype", ct_dtype_of(self));
    lt_check_device_option(L, opts, "new_tensor");
    push_from_value(L, 2, "new_tensor", (int)dtype);
    lt_apply_requires_grad(L, opts, "new_tensor");
    return 1;
}

/* ---------------------------------------------------------------- totable */

static void push_element(lua_State *L, ct_dtype dtype, const char *p)
{
    ct_scalar s = ct_scalar_load(dtype, p);
    lt_push_scalar(L, s);
}

static void push_nested(lua_State *L, const ct_tensor *t, int depth, const char *p, size_t es)
{
    if (depth == ct_ndim(t)) {
        push_element(L, ct_dtype_of(t), p);
        return;
    }
    int64_t n = ct_sizes(t)[depth];
    int64_t step = ct_strides(t)[depth] * (int64_t)es;
    lua_createtable(L, n > 0x7fffffff ? 0 : (int)n, 0);
    for (int64_t i = 0; i < n; i++) {
        push_nested(L, t, depth + 1, p + i * step, es);
        lua_rawseti(L, -2, (lua_Integer)(i + 1));
    }
}

/* x:totable(): nested tables of Lua numbers (integers for integer dtypes,
 * booleans for bool); a 0-dim tensor gives its number. */
static int m_totable(lua_State *L)
{
    ct_tensor *t = lt_check_tensor(L, 1);
    luaL_checkstack(L, CT_MAX_DIMS + 8, "tensor too deep");
    push_nested(L, t, 0, ct_data_ptr(t), ct_dtype_size(ct_dtype_of(t)));
    return 1;
}

void lt_open_table(lua_State *L, const lt_tables *t)
{
    static const lt_reg regs[] = {
        {"tensor", f_tensor, LT_FUNCTION},
        {"new_tensor", m_new_tensor, LT_METHOD},
        {"totable", m_totable, LT_METHOD},
        {"tolist", m_totable, LT_METHOD},
        {NULL, NULL, 0},
    };
    lt_register(L, t, regs);
}
