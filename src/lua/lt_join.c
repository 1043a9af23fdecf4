/*
 * lt_join.c -- torch.cat, torch.stack, x:split, x:chunk, x:unbind.
 *
 * Split-like ops return a Lua sequence of views.  Scratch arrays live in
 * Lua userdata so an error raised half-way cannot leak them.
 */
#include "lt.h"

void lt_open_joins(lua_State *L, const lt_tables *t); /* called by lt_open_indexing */

/* The tensors of the sequence at idx, in a scratch array (pushed). */
static ct_tensor **check_tensor_list(lua_State *L, int idx, const char *op, int *n_out)
{
    if (lua_type(L, idx) != LUA_TTABLE || lt_is_tensor(L, idx))
        luaL_error(L, "%s: expects a table of tensors as argument %d, got %s", op, idx, luaL_typename(L, idx));
    lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
    if (n == 0)
        luaL_error(L, "%s: expects a non-empty table of tensors", op);
    if (n > 1 << 24)
        luaL_error(L, "%s: too many tensors (%d)", op, (int)n);
    ct_tensor **list = lua_newuserdatauv(L, sizeof *list * (size_t)n, 0);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, idx, i);
        ct_tensor *t = lt_to_tensor(L, -1);
        if (!t)
            luaL_error(L, "%s: element %d of the table is a %s, expected a tensor", op, (int)i,
                       luaL_typename(L, -1));
        list[i - 1] = t;
        lua_pop(L, 1);
    }
    *n_out = (int)n;
    return list;
}

/* dim as argument idx (1-based, default 1) or {dim=...} */
static int join_dim(lua_State *L, int idx)
{
    int opts = lt_options_index(L, idx);
    if (opts) {
        lua_getfield(L, opts, "dim");
        int d = lua_isnil(L, -1) ? 0 : lt_check_dim(L, lua_gettop(L));
        lua_pop(L, 1);
        return d;
    }
    return lt_opt_dim(L, idx, 0);
}

/* torch.cat({a, b}, dim) */
static int f_cat(lua_State *L)
{
    int n, dim = join_dim(L, 2);
    ct_tensor **list = check_tensor_list(L, 1, "cat", &n);
    lt_push_tensor(L, ct_cat(n, list, dim));
    return 1;
}

/* torch.stack({a, b}, dim) */
static int f_stack(lua_State *L)
{
    int n, dim = join_dim(L, 2);
    ct_tensor **list = check_tensor_list(L, 1, "stack", &n);
    lt_push_tensor(L, ct_stack(n, list, dim));
    return 1;
}

/* Pushes a sequence holding the n pieces (taking their references). */
static void push_pieces(lua_State *L, ct_tensor **pieces, int n)
{
    lua_createtable(L, n, 0);
    for (int i = 0; i < n; i++) {
        lt_push_tensor(L, pieces[i]);
        pieces[i] = NULL;
        lua_rawseti(L, -2, i + 1);
    }
}

/* x:split(size, dim) or x:split({s1, s2, ...}, dim) */
static int m_split(lua_State *L)
{
    ct_tensor *t = lt_check_tensor(L, 1);
    int dim = lt_opt_dim(L, 3, 0);
    if (lua_type(L, 2) == LUA_TTABLE) {
        lua_Integer n = (lua_Integer)lua_rawlen(L, 2);
        if (n == 0 || n > 1 << 24)
            return luaL_error(L, "split: expects a non-empty table of sizes");
        int64_t *sizes = lua_newuserdatauv(L, sizeof *sizes * (size_t)n, 0);
        for (lua_Integer i = 1; i <= n; i++) {
            lua_rawgeti(L, 2, i);
            int isint;
            sizes[i - 1] = lua_tointegerx(L, -1, &isint);
            if (!isint)
                return luaL_error(L, "split: size %d must be an integer, got %s", (int)i, luaL_typename(L, -1));
            lua_pop(L, 1);
        }
        ct_tensor **pieces = lua_newuserdatauv(L, sizeof *pieces * (size_t)n, 0);
        lt_check_rc(L, ct_split_sizes(t, (int)n, sizes, dim, pieces));
        push_pieces(L, pieces, (int)n);
        return 1;
    }
    lua_Integer size = luaL_checkinteger(L, 2);
    int count = lt_check_rc(L, ct_split(t, size, dim, NULL, 0));
    ct_tensor **pieces = lua_newuserdatauv(L, sizeof *pieces * (size_t)count, 0);
    lt_check_rc(L, ct_split(t, size, dim, pieces, count));
    push_pieces(L, pieces, count);
    return 1;
}

/* x:chunk(n, dim) */
static int m_chunk(lua_State *L)
{
    ct_tensor *t = lt_check_tensor(L, 1);
    lua_Integer chunks = luaL_checkinteger(L, 2);
    int dim = lt_opt_dim(L, 3, 0);
    if (chunks <= 0 || chunks > 1 << 24)
        return luaL_error(L, "chunk: the number of chunks must be positive, got %d", (int)chunks);
    int count = lt_check_rc(L, ct_chunk(t, (int)chunks, dim, NULL, 0));
    ct_tensor **pieces = lua_newuserdatauv(L, sizeof *pieces * (size_t)count, 0);
    lt_check_rc(L, ct_chunk(t, (int)chunks, dim, pieces, count));
    push_pieces(L, pieces, count);
    return 1;
}

/* x:unbind(dim): the slices along dim, as a sequence of views */
static int m_unbind(lua_State *L)
{
    ct_tensor *t = lt_check_tensor(L, 1);
    int dim = lt_opt_dim(L, 2, 0);
    if (ct_ndim(t) == 0)
        return luaL_error(L, "unbind: cannot unbind a 0-D tensor");
    int64_t n = ct_size(t, dim);
    if (n < 0)
        return lt_error(L);
    lua_createtable(L, (int)n, 0);
    for (int64_t i = 0; i < n; i++) {
        lt_push_tensor(L, ct_select(t, dim, i));
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

void lt_open_joins(lua_State *L, const lt_tables *t)
{
    static const lt_reg regs[] = {
        {"cat", f_cat, LT_FUNCTION},
        {"concat", f_cat, LT_FUNCTION},
        {"stack", f_stack, LT_FUNCTION},
        {"split", m_split, LT_BOTH},
        {"chunk", m_chunk, LT_BOTH},
        {"unbind", m_unbind, LT_BOTH},
        {NULL, NULL, 0},
    };
    lt_register(L, t, regs);
}
