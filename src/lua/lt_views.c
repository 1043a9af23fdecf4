/*
 * lt_views.c -- binding for views: view reshape flatten squeeze unsqueeze
 * transpose t permute expand narrow select, and their *_as forms.
 */
#include "lt.h"

static int m_view(lua_State *L)
{
    ct_tensor *t = lt_check_tensor(L, 1);
    int64_t sizes[CT_MAX_DIMS];
    int ndim = lt_check_sizes(L, 2, sizes);
    lt_push_tensor(L, ct_view(t, ndim, sizes));
    return 1;
}

static int m_reshape(lua_State *L)
{
    ct_tensor *t = lt_check_tensor(L, 1);
    int64_t sizes[CT_MAX_DIMS];
    int ndim = lt_check_sizes(L, 2, sizes);
    lt_push_tensor(L, ct_reshape(t, ndim, sizes));
    return 1;
}

static int m_view_as(lua_State *L)
{
    ct_tensor *t = lt_check_tensor(L, 1), *other = lt_check_tensor(L, 2);
    lt_push_tensor(L, ct_view(t, ct_ndim(other), ct_sizes(other)));
    return 1;
}

static int m_reshape_as(lua_State *L)
{
    ct_tensor *t = lt_check_tensor(L, 1), *other = lt_check_tensor(L, 2);
    lt_push_tensor(L, ct_reshape(t, ct_ndim(other), ct_sizes(other)));
    return 1;
}

static int m_flatten(lua_State *L)
{
    ct_tensor *t = lt_check_tensor(L, 1);
    lt_push_tensor(L, ct_flatten(t, lt_opt_dim(L, 2, 0), lt_opt_dim(L, 3, -1)));
    return 1;
}

static int m_squeeze(lua_State *L)
{
    ct_tensor *t = lt_check_tensor(L, 1);
    if (lua_isnoneornil(L, 2))
        lt_push_tensor(L, ct_squeeze(t));
    else
        lt_push_tensor(L, ct_squeeze_dim(t, lt_check_dim(L, 2)));
    return 1;
}

static int m_unsqueeze(lua_State *L)
{
    ct_tensor *t = lt_check_tensor(L, 1);
    lt_push_tensor(L, ct_unsqueeze(t, lt_check_dim(L, 2)));
    return 1;
}

static int m_transpose(lua_State *L)
{
    ct_tensor *t = lt_check_tensor(L, 1);
    lt_push_tensor(L, ct_transpose(t, lt_check_dim(L, 2), lt_check_dim(L, 3)));
    return 1;
}

static int m_t(lua_State *L)
{
    lt_push_tensor(L, ct_t(lt_check_tensor(L, 1)));
    return 1;
}

/* x:permute(2, 1, 3) or x:permute({2, 1, 3}) */
static int m_permute(lua_State *L)
{
    ct_tensor *t = lt_check_tensor(L, 1);
    int64_t dims64[CT_MAX_DIMS];
    int n = lt_check_sizes(L, 2, dims64);
    if (n != ct_ndim(t))
        return luaL_error(L, "permute: %d dims given for a %d-D tensor", n, ct_ndim(t));
    int dims[CT_MAX_DIMS];
    for (int i = 0; i < n; i++) {
        if (dims64[i] == 0)
            return luaL_error(L, "permute: dims are 1-based; 0 is not a dim");
        dims[i] = dims64[i] > 0 ? (int)dims64[i] - 1 : (int)dims64[i];
    }
    lt_push_tensor(L, ct_permute(t, dims));
    return 1;
}

static int m_expand(lua_State *L)
{
    ct_tensor *t = lt_check_tensor(L, 1);
    int64_t sizes[CT_MAX_DIMS];
    int ndim = lt_check_sizes(L, 2, sizes);
    lt_push_tensor(L, ct_expand(t, ndim, sizes));
    return 1;
}

static int m_expand_as(lua_State *L)
{
    ct_tensor *t = lt_check_tensor(L, 1), *other = lt_check_tensor(L, 2);
    lt_push_tensor(L, ct_expand(t, ct_ndim(other), ct_sizes(other)));
    return 1;
}

/* x:narrow(dim, start, length) with a 1-based start */
static int m_narrow(lua_State *L)
{
    ct_tensor *t = lt_check_tensor(L, 1);
    int dim = lt_check_dim(L, 2);
    lua_Integer start = luaL_checkinteger(L, 3);
    lua_Integer length = luaL_checkinteger(L, 4);
    if (start == 0)
        return luaL_argerror(L, 3, "indices are 1-based; 0 is not an index");
    lt_push_tensor(L, ct_narrow(t, dim, start > 0 ? start - 1 : start, length));
    return 1;
}

/* x:select(dim, index) with a 1-based index */
static int m_select(lua_State *L)
{
    ct_tensor *t = lt_check_tensor(L, 1);
    int dim = lt_check_dim(L, 2);
    lua_Integer index = luaL_checkinteger(L, 3);
    if (index == 0)
        return luaL_argerror(L, 3, "indices are 1-based; 0 is not an index");
    lt_push_tensor(L, ct_select(t, dim, index > 0 ? index - 1 : index));
    return 1;
}

void lt_open_views(lua_State *L, const lt_tables *t)
{
    static const lt_reg regs[] = {
        {"view", m_view, LT_METHOD},
        {"view_as", m_view_as, LT_METHOD},
        {"reshape", m_reshape, LT_BOTH},
        {"reshape_as", m_reshape_as, LT_METHOD},
        {"flatten", m_flatten, LT_BOTH},
        {"squeeze", m_squeeze, LT_BOTH},
        {"unsqueeze", m_unsqueeze, LT_BOTH},
        {"transpose", m_transpose, LT_BOTH},
        {"t", m_t, LT_BOTH},
        {"permute", m_permute, LT_BOTH},
        {"expand", m_expand, LT_METHOD},
        {"expand_as", m_expand_as, LT_METHOD},
        {"narrow", m_narrow, LT_BOTH},
        {"select", m_select, LT_BOTH},
        {NULL, NULL, 0},
    };
    lt_register(L, t, regs);
}
