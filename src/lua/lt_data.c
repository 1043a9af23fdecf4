/*
 * lt_data.c -- binding of the C loader behind torch.utils.data.DataLoader.
 *
 *   local l = torch._loader_new(sources, num_workers)  -- sources: see below
 *   l:submit(indices, source_ids_or_nil, seed)          -- 1-based indices
 *   local x, y = l:next()                               -- oldest batch, in order
 *   l:pending(); l:close()                              -- also __close/__gc
 *
 * A source is the table a dataset's _source() returns (docs/data.md):
 *   { fields = { tensor_or_false, tensor, ... }, paths = { ... } or nil,
 *     channels = 3, transforms = { torch.Transform, ... } }
 */
#include <string.h>

#include "lt.h"

#define LOADER_MT "torch.Loader"

typedef struct lt_loader {
    ct_loader *loader;
} lt_loader;

static lt_loader *check_loader(lua_State *L, int idx)
{
    lt_loader *ud = luaL_checkudata(L, idx, LOADER_MT);
    if (!ud->loader)
        luaL_error(L, "DataLoader: the loader was closed");
    return ud;
}

/* Arrays ct_loader_new reads: Lua userdata kept in the table at `keep`, so a
 * Lua error half-way frees them with everything else. */
typedef struct source_buffers {
    ct_tensor *fields[CT_MAX_DIMS];
    const char **paths;
    ct_transform *transforms;
} source_buffers;

static void *keep_buffer(lua_State *L, int keep, size_t nbytes)
{
    void *p = lua_newuserdatauv(L, nbytes ? nbytes : 1, 0);
    lua_rawseti(L, keep, (lua_Integer)luaL_len(L, keep) + 1);
    return p;
}

/* Fills src from the source table at idx. */
static void read_source(lua_State *L, int idx, int number, ct_data_source *src, source_buffers *buf, int keep)
{
    luaL_checktype(L, idx, LUA_TTABLE);
    memset(src, 0, sizeof *src);

    if (lua_getfield(L, idx, "fields") != LUA_TTABLE)
        luaL_error(L, "DataLoader: source %d has no fields table", number);
    int n_fields = (int)luaL_len(L, -1);
    if (n_fields < 1 || n_fields > CT_MAX_DIMS)
        luaL_error(L, "DataLoader: source %d has %d fields (1 to %d allowed)", number, n_fields, CT_MAX_DIMS);
    for (int f = 0; f < n_fields; f++) {
        lua_rawgeti(L, -1, f + 1);
        buf->fields[f] = lt_to_tensor(L, -1);
        if (!buf->fields[f] && !(f == 0 && lua_isboolean(L, -1) && !lua_toboolean(L, -1)))
            luaL_error(L, "DataLoader: field %d of source %d is a %s, expected a tensor", f + 1, number,
                       luaL_typename(L, -1));
        lua_pop(L, 1);
    }
    lua_pop(L, 1);
    src->n_fields = n_fields;
    src->fields = buf->fields;

    if (lua_getfield(L, idx, "paths") == LUA_TTABLE) {
        int64_t n = (int64_t)luaL_len(L, -1);
        buf->paths = keep_buffer(L, keep, (size_t)n * sizeof *buf->paths);
        for (int64_t i = 0; i < n; i++) {
            lua_rawgeti(L, -1, i + 1);
            if (lua_type(L, -1) != LUA_TSTRING)
                luaL_error(L, "DataLoader: path %d of source %d is a %s", (int)i + 1, number, luaL_typename(L, -1));
            buf->paths[i] = lua_tostring(L, -1); /* still referenced by the table */
            lua_pop(L, 1);
        }
        src->paths = buf->paths;
        src->n_paths = n;
    } else if (!buf->fields[0]) {
        luaL_error(L, "DataLoader: source %d has neither a tensor nor paths for field 1", number);
    }
    lua_pop(L, 1);
    lua_getfield(L, idx, "channels");
    src->image_channels = (int)luaL_optinteger(L, -1, 3);
    lua_pop(L, 1);

    if (lua_getfield(L, idx, "transforms") == LUA_TTABLE) {
        int n = (int)luaL_len(L, -1);
        if (n > 0) {
            buf->transforms = keep_buffer(L, keep, (size_t)n * sizeof *buf->transforms);
            for (int k = 0; k < n; k++) {
                lua_rawgeti(L, -1, k + 1);
                buf->transforms[k] = *lt_check_transform(L, lua_gettop(L));
                lua_pop(L, 1);
            }
            src->transforms = buf->transforms;
            src->n_transforms = n;
        }
    }
    lua_pop(L, 1);
}

/* torch._loader_new(sources, num_workers) */
static int f_loader_new(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    int num_workers = (int)luaL_checkinteger(L, 2);
    int n = (int)luaL_len(L, 1);
    if (n < 1)
        return luaL_error(L, "DataLoader: no data source");
    lt_loader *ud = lua_newuserdatauv(L, sizeof *ud, 0);
    ud->loader = NULL;
    luaL_setmetatable(L, LOADER_MT);
    int result = lua_gettop(L);
    lua_newtable(L);
    int keep = lua_gettop(L);
    ct_data_source *sources = keep_buffer(L, keep, (size_t)n * sizeof *sources);
    source_buffers *bufs = keep_buffer(L, keep, (size_t)n * sizeof *bufs);
    memset(bufs, 0, (size_t)n * sizeof *bufs);
    for (int i = 0; i < n; i++) {
        if (lua_rawgeti(L, 1, i + 1) != LUA_TTABLE)
            return luaL_error(L, "DataLoader: source %d is a %s, expected a table", i + 1, luaL_typename(L, -1));
        read_source(L, lua_gettop(L), i + 1, &sources[i], &bufs[i], keep);
        lua_pop(L, 1);
    }
    ud->loader = ct_loader_new(n, sources, num_workers);
    if (!ud->loader)
        return lt_error(L);
    lua_settop(L, result);
    return 1;
}

/* l:submit(indices, source_ids_or_nil, seed): indices 1-based; source ids 1-based. */
static int m_submit(lua_State *L)
{
    lt_loader *ud = check_loader(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    int have_sources = !lua_isnoneornil(L, 3);
    if (have_sources)
        luaL_checktype(L, 3, LUA_TTABLE);
    uint64_t seed = (uint64_t)luaL_checkinteger(L, 4);
    int64_t n = (int64_t)luaL_len(L, 2);
    if (n < 1)
        return luaL_error(L, "DataLoader: a batch needs at least one item");
    int64_t *indices = lua_newuserdatauv(L, (size_t)n * sizeof *indices, 0);
    int *source_ids = have_sources ? lua_newuserdatauv(L, (size_t)n * sizeof *source_ids, 0) : NULL;
    for (int64_t k = 0; k < n; k++) {
        lua_rawgeti(L, 2, k + 1);
        int ok;
        lua_Integer i = lua_tointegerx(L, -1, &ok);
        if (!ok)
            return luaL_error(L, "DataLoader: index %d of the batch is not an integer", (int)k + 1);
        indices[k] = (int64_t)i - 1;
        lua_pop(L, 1);
        if (have_sources) {
            lua_rawgeti(L, 3, k + 1);
            lua_Integer s = lua_tointegerx(L, -1, &ok);
            if (!ok)
                return luaL_error(L, "DataLoader: source of item %d is not an integer", (int)k + 1);
            source_ids[k] = (int)s - 1;
            lua_pop(L, 1);
        }
    }
    lt_check_rc(L, ct_loader_submit(ud->loader, n, source_ids, indices, seed));
    return 0;
}

static int m_next(lua_State *L)
{
    lt_loader *ud = check_loader(L, 1);
    ct_tensor *out[CT_MAX_DIMS];
    int n = ct_loader_next(ud->loader, out, CT_MAX_DIMS);
    if (n < 0)
        return lt_error(L);
    luaL_checkstack(L, n, "DataLoader: too many fields");
    for (int f = 0; f < n; f++)
        lt_push_tensor(L, out[f]);
    return n;
}

static int m_pending(lua_State *L)
{
    lt_loader *ud = check_loader(L, 1);
    lua_pushinteger(L, (lua_Integer)ct_loader_pending(ud->loader));
    return 1;
}

static int m_close(lua_State *L)
{
    lt_loader *ud = luaL_checkudata(L, 1, LOADER_MT);
    ct_loader_free(ud->loader);
    ud->loader = NULL;
    return 0;
}

/* torch._random_seed64(): a seed drawn from the global generator. */
static int f_random_seed64(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)ct_random_seed64());
    return 1;
}

/* torch._permutation(n, seed): a Lua array holding 1..n in a random order fixed by seed. */
static int f_permutation(lua_State *L)
{
    lua_Integer n = luaL_checkinteger(L, 1);
    uint64_t seed = (uint64_t)luaL_checkinteger(L, 2);
    if (n < 0 || n > ((lua_Integer)1 << 40))
        return luaL_error(L, "permutation: n must be 0 to 2^40, got %I", n);
    int64_t *order = lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof *order, 0);
    ct_sample_rng rng;
    ct_sample_rng_seed(&rng, seed);
    ct_sample_rng_permutation(&rng, n, order);
    lua_createtable(L, (int)n, 0);
    for (lua_Integer i = 0; i < n; i++) {
        lua_pushinteger(L, (lua_Integer)order[i] + 1);
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

void lt_open_data(lua_State *L, const lt_tables *t)
{
    static const luaL_Reg methods[] = {
        {"submit", m_submit}, {"next", m_next}, {"pending", m_pending}, {"close", m_close}, {NULL, NULL},
    };
    luaL_newmetatable(L, LOADER_MT);
    lua_pushcfunction(L, m_close);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, m_close);
    lua_setfield(L, -2, "__close");
    luaL_newlib(L, methods);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);

    static const lt_reg regs[] = {
        {"_loader_new", f_loader_new, LT_FUNCTION},
        {"_random_seed64", f_random_seed64, LT_FUNCTION},
        {"_permutation", f_permutation, LT_FUNCTION},
        {NULL, NULL, 0},
    };
    lt_register(L, t, regs);
}
