/*
 * lt_random.c -- binding for random numbers (manual_seed, get/set_rng_state, rand randn randint
 * randperm bernoulli multinomial, the in-place fills) and torch.clock.
 *
 * randint's bounds are values, passed through as they are; randperm and
 * multinomial return positions, so they come back 1-based.
 */
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "core/tensor.h"
#include "lt.h"

static int f_manual_seed(lua_State *L)
{
    ct_manual_seed((uint64_t)luaL_checkinteger(L, 1));
    return 0;
}

static int f_initial_seed(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)ct_initial_seed());
    return 1;
}

/* torch.get_rng_state(): the generator's state as an int64 tensor {seed,
 * offset} (a tensor, so torch.save keeps it with a checkpoint). */
static int f_get_rng_state(lua_State *L)
{
    uint64_t seed, offset;
    lt_check_rc(L, ct_get_rng_state(&seed, &offset));
    int64_t size = 2;
    ct_tensor *t = ct_empty(1, &size, CT_INT64);
    if (t) {
        int64_t *p = (int64_t *)ct_tensor_data(t);
        p[0] = (int64_t)seed; /* the bits of a uint64, as manual_seed takes them */
        p[1] = (int64_t)offset;
    }
    lt_push_tensor(L, t);
    return 1;
}

/* torch.set_rng_state(state): restores what get_rng_state returned. */
static int f_set_rng_state(lua_State *L)
{
    ct_tensor *t = lt_to_tensor(L, 1);
    if (!t)
        return luaL_error(L, "set_rng_state: expected the tensor returned by torch.get_rng_state(), "
                             "got %s", luaL_typename(L, 1));
    char shape[128];
    if (t->dtype != CT_INT64 || t->ndim != 1 || t->sizes[0] != 2)
        return luaL_error(L, "set_rng_state: expected an int64 tensor of shape [2] {seed, offset} "
                             "(from torch.get_rng_state()), got a %s tensor of shape %s",
                          ct_dtype_name(t->dtype), ct_sizes_str(t->ndim, t->sizes, shape, sizeof shape));
    if (t->storage->device.type != CT_CPU)
        return luaL_error(L, "set_rng_state: the state must be a CPU tensor");
    const int64_t *p = (const int64_t *)ct_tensor_data(t);
    lt_check_rc(L, ct_set_rng_state((uint64_t)p[0], (uint64_t)p[t->strides[0]]));
    return 0;
}

/* torch.seed(): a fresh non-deterministic seed (63 bits, so it reads back
 * positive in Lua); returns it. */
static int f_seed(lua_State *L)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t x = (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
    x ^= (uint64_t)getpid() << 32;
    x ^= (uint64_t)(uintptr_t)&ts;
    /* splitmix64 finaliser spreads the bits */
    x ^= x >> 30;
    x *= UINT64_C(0xbf58476d1ce4e5b9);
    x ^= x >> 27;
    x *= UINT64_C(0x94d049bb133111eb);
    x ^= x >> 31;
    x &= UINT64_C(0x7fffffffffffffff);
    ct_manual_seed(x);
    lua_pushinteger(L, (lua_Integer)x);
    return 1;
}

/* torch.clock(): monotonic time in seconds, for benchmarks. */
static int f_clock(lua_State *L)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    lua_pushnumber(L, (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9);
    return 1;
}

/* ---------------------------------------------------------------- creating */

typedef ct_tensor *(*lt_sized_fn)(int ndim, const int64_t *sizes, ct_dtype dtype);

/* torch.rand(2, 3), torch.rand({2, 3}), torch.rand(2, 3, {dtype=torch.float64}) */
static int sized(lua_State *L, lt_sized_fn fn)
{
    int64_t sizes[CT_MAX_DIMS];
    int ndim = lt_check_sizes(L, 1, sizes);
    int opts = lt_options_index(L, 1);
    lt_push_tensor(L, fn(ndim, sizes, lt_opt_dtype_field(L, opts, "dtype", CT_FLOAT32)));
    return 1;
}

static int f_rand(lua_State *L) { return sized(L, ct_rand); }
static int f_randn(lua_State *L) { return sized(L, ct_randn); }

/* torch.rand_like(x, {dtype=}): x's shape, x's dtype unless given */
static int like(lua_State *L, lt_sized_fn fn)
{
    ct_tensor *x = lt_check_tensor(L, 1);
    int opts = lt_options_index(L, 2);
    lt_push_tensor(L, fn(ct_ndim(x), ct_sizes(x), lt_opt_dtype_field(L, opts, "dtype", ct_dtype_of(x))));
    return 1;
}

static int f_rand_like(lua_State *L) { return like(L, ct_rand); }
static int f_randn_like(lua_State *L) { return like(L, ct_randn); }

/* torch.randint(low, high, sizes, {dtype=}) or torch.randint(high, sizes, ...):
 * values in [low, high), int64 by default. */
static int f_randint(lua_State *L)
{
    lua_Integer low = 0, high;
    int first_size;
    if (lua_type(L, 2) == LUA_TNUMBER) {
        low = luaL_checkinteger(L, 1);
        high = luaL_checkinteger(L, 2);
        first_size = 3;
    } else {
        high = luaL_checkinteger(L, 1);
        first_size = 2;
    }
    if (lua_type(L, first_size) != LUA_TTABLE && lua_type(L, first_size) != LUA_TNUMBER)
        return luaL_argerror(L, first_size, "expected the sizes (a table such as {2, 3})");
    int64_t sizes[CT_MAX_DIMS];
    int ndim = lt_check_sizes(L, first_size, sizes);
    int opts = lt_options_index(L, first_size + 1);
    ct_dtype dtype = lt_opt_dtype_field(L, opts, "dtype", CT_INT64);
    lt_push_tensor(L, ct_randint((int64_t)low, (int64_t)high, ndim, sizes, dtype));
    return 1;
}

/* torch.randint_like(x, high) / (x, low, high) */
static int f_randint_like(lua_State *L)
{
    ct_tensor *x = lt_check_tensor(L, 1);
    lua_Integer low = 0, high = luaL_checkinteger(L, 2);
    if (lua_type(L, 3) == LUA_TNUMBER) {
        low = high;
        high = luaL_checkinteger(L, 3);
    }
    int opts = lt_options_index(L, 3);
    ct_dtype dtype = lt_opt_dtype_field(L, opts, "dtype", ct_dtype_of(x));
    lt_push_tensor(L, ct_randint((int64_t)low, (int64_t)high, ct_ndim(x), ct_sizes(x), dtype));
    return 1;
}

/* 0-based positions from the core -> 1-based for Lua */
static void push_positions(lua_State *L, ct_tensor *t)
{
    if (t && ct_binary_scalar_(CT_ADD, t, ct_scalar_int(1)) < 0) {
        ct_release(t);
        t = NULL;
    }
    lt_push_tensor(L, t);
}

/* torch.randperm(n, {dtype=}): a random permutation of 1..n */
static int f_randperm(lua_State *L)
{
    lua_Integer n = luaL_checkinteger(L, 1);
    int opts = lt_options_index(L, 2);
    push_positions(L, ct_randperm((int64_t)n, lt_opt_dtype_field(L, opts, "dtype", CT_INT64)));
    return 1;
}

/* torch.multinomial(probs, n, replacement) or (probs, n, {replacement=true});
 * 1-based category numbers. */
static int f_multinomial(lua_State *L)
{
    ct_tensor *p = lt_check_tensor(L, 1);
    lua_Integer n = luaL_checkinteger(L, 2);
    int opts = lt_options_index(L, 3);
    int replacement = opts ? lt_opt_bool_field(L, opts, "replacement", 0) : lua_toboolean(L, 3);
    push_positions(L, ct_multinomial(p, (int64_t)n, replacement));
    return 1;
}

/* torch.bernoulli(p) / p:bernoulli(): 0/1 draws with p's probabilities */
static int f_bernoulli(lua_State *L)
{
    lt_push_tensor(L, ct_bernoulli(lt_check_tensor(L, 1)));
    return 1;
}

/* ---------------------------------------------------------------- in place */

static int m_uniform_(lua_State *L)
{
    ct_tensor *t = lt_check_tensor(L, 1);
    lt_check_rc(L, ct_uniform_(t, luaL_optnumber(L, 2, 0), luaL_optnumber(L, 3, 1)));
    lua_settop(L, 1);
    return 1;
}

static int m_normal_(lua_State *L)
{
    ct_tensor *t = lt_check_tensor(L, 1);
    lt_check_rc(L, ct_normal_(t, luaL_optnumber(L, 2, 0), luaL_optnumber(L, 3, 1)));
    lua_settop(L, 1);
    return 1;
}

/* x:bernoulli_(p) with p a number (default 0.5) or a tensor of probabilities */
static int m_bernoulli_(lua_State *L)
{
    ct_tensor *t = lt_check_tensor(L, 1);
    ct_tensor *p = lt_to_tensor(L, 2);
    if (p) {
        ct_tensor *draw = ct_bernoulli(p);
        if (!draw)
            return lt_error(L);
        int rc = ct_raw_copy_(t, draw); /* a fill, like the scalar form: not recorded */
        ct_release(draw);
        lt_check_rc(L, rc);
    } else {
        lt_check_rc(L, ct_bernoulli_(t, luaL_optnumber(L, 2, 0.5)));
    }
    lua_settop(L, 1);
    return 1;
}

/* The default range of x:random_(): every integer the dtype holds exactly
 * from 0 up (PyTorch's rule). */
static void default_random_range(ct_dtype d, lua_Integer *low, lua_Integer *high)
{
    *low = 0;
    switch (d) {
    case CT_BOOL: *high = 2; break;
    case CT_UINT8: *high = 256; break;
    case CT_INT32: *high = INT32_MAX; break;
    case CT_FLOAT32: *high = ((lua_Integer)1 << 24) + 1; break;
    case CT_FLOAT64: *high = ((lua_Integer)1 << 53) + 1; break;
    case CT_FLOAT16: *high = ((lua_Integer)1 << 11) + 1; break;
    case CT_BFLOAT16: *high = ((lua_Integer)1 << 8) + 1; break;
    default: *high = INT64_MAX; break;
    }
}

/* x:random_(), x:random_(high), x:random_(low, high): integers in [low, high) */
static int m_random_(lua_State *L)
{
    ct_tensor *t = lt_check_tensor(L, 1);
    lua_Integer low, high;
    if (lua_isnoneornil(L, 2)) {
        default_random_range(ct_dtype_of(t), &low, &high);
    } else if (lua_isnoneornil(L, 3)) {
        low = 0;
        high = luaL_checkinteger(L, 2);
    } else {
        low = luaL_checkinteger(L, 2);
        high = luaL_checkinteger(L, 3);
    }
    lt_check_rc(L, ct_random_int_(t, (int64_t)low, (int64_t)high));
    lua_settop(L, 1);
    return 1;
}

void lt_open_random(lua_State *L, const lt_tables *t)
{
    static const lt_reg regs[] = {
        {"manual_seed", f_manual_seed, LT_FUNCTION},
        {"initial_seed", f_initial_seed, LT_FUNCTION},
        {"seed", f_seed, LT_FUNCTION},
        {"get_rng_state", f_get_rng_state, LT_FUNCTION},
        {"set_rng_state", f_set_rng_state, LT_FUNCTION},
        {"clock", f_clock, LT_FUNCTION},
        {"rand", f_rand, LT_FUNCTION},
        {"randn", f_randn, LT_FUNCTION},
        {"rand_like", f_rand_like, LT_FUNCTION},
        {"randn_like", f_randn_like, LT_FUNCTION},
        {"randint", f_randint, LT_FUNCTION},
        {"randint_like", f_randint_like, LT_FUNCTION},
        {"randperm", f_randperm, LT_FUNCTION},
        {"multinomial", f_multinomial, LT_BOTH},
        {"bernoulli", f_bernoulli, LT_BOTH},
        {"uniform_", m_uniform_, LT_METHOD},
        {"normal_", m_normal_, LT_METHOD},
        {"bernoulli_", m_bernoulli_, LT_METHOD},
        {"random_", m_random_, LT_METHOD},
        {NULL, NULL, 0},
    };
    lt_register(L, t, regs);
}
