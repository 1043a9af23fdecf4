/*
 * lt_transforms.c -- binding of the C image transforms behind
 * torch.vision.transforms (lua/torch/vision/transforms.lua).
 *
 *   local ud = torch._transform_new('RandomCrop', {size = {32, 32}, padding = {4, 4, 4, 4}})
 *   local y = torch._transform_apply(ud, x [, seed])
 *
 * A torch.Transform userdata holds one ct_transform by value; the loader
 * binding (lt_data.c) copies it out with lt_check_transform.  Random kinds
 * without a seed draw one from the global generator, so torch.manual_seed
 * makes them reproducible.
 */
#include <string.h>

#include "data/transforms.h"
#include "lt.h"

static const char *const padding_modes[] = {"constant", "edge", "reflect", "symmetric", NULL};
static const char *const option_names[] = {"size", "padding", "padding_mode", "fill", "p", "mean", "std",
                                           "max_size", "antialias", "pad_if_needed", NULL};

const ct_transform *lt_check_transform(lua_State *L, int idx)
{
    return luaL_checkudata(L, idx, LT_TRANSFORM_MT);
}

/* An integer at the top of the stack (an integral float is fine). */
static int64_t integer_at_top(lua_State *L, const char *op, const char *name)
{
    int ok = 0;
    lua_Integer v = lua_tointegerx(L, -1, &ok);
    if (!ok)
        luaL_error(L, "%s: %s must be an integer, got %s", op, name, luaL_typename(L, -1));
    return (int64_t)v;
}

/* Option `name` as 1 or more integers (a number or a table of up to max), into out;
 * returns how many (0: absent). */
static int opt_integers(lua_State *L, int opts, const char *op, const char *name, int64_t *out, int max)
{
    int n = 0;
    lua_getfield(L, opts, name);
    if (lua_isnil(L, -1)) {
        n = 0;
    } else if (lua_istable(L, -1)) {
        n = (int)luaL_len(L, -1);
        if (n < 1 || n > max)
            luaL_error(L, "%s: %s must be an integer or a table of 1 to %d integers, got %d of them", op, name,
                       max, n);
        for (int i = 0; i < n; i++) {
            lua_geti(L, -1, i + 1);
            out[i] = integer_at_top(L, op, name);
            lua_pop(L, 1);
        }
    } else {
        out[0] = integer_at_top(L, op, name);
        n = 1;
    }
    lua_pop(L, 1);
    return n;
}

/* Option `name` as a number or a table of numbers (mean, std); returns how many. */
static int opt_numbers(lua_State *L, int opts, const char *op, const char *name, double *out)
{
    int n = 1;
    lua_getfield(L, opts, name);
    if (lua_istable(L, -1)) {
        n = (int)luaL_len(L, -1);
        if (n < 1 || n > CT_TRANSFORM_MAX_CHANNELS)
            luaL_error(L, "%s: %s must have 1 to %d values, got %d", op, name, CT_TRANSFORM_MAX_CHANNELS, n);
        for (int i = 0; i < n; i++) {
            lua_geti(L, -1, i + 1);
            if (!lua_isnumber(L, -1))
                luaL_error(L, "%s: %s[%d] must be a number, got %s", op, name, i + 1, luaL_typename(L, -1));
            out[i] = lua_tonumber(L, -1);
            lua_pop(L, 1);
        }
    } else if (lua_isnumber(L, -1)) {
        out[0] = lua_tonumber(L, -1);
    } else {
        luaL_error(L, "%s: %s must be a number or a table of numbers, got %s", op, name, luaL_typename(L, -1));
    }
    lua_pop(L, 1);
    return n;
}

static void check_option_names(lua_State *L, int opts, const char *op)
{
    lua_pushnil(L);
    while (lua_next(L, opts)) {
        int known = 0;
        if (lua_type(L, -2) == LUA_TSTRING)
            for (int k = 0; option_names[k] && !known; k++)
                known = strcmp(lua_tostring(L, -2), option_names[k]) == 0;
        if (!known)
            luaL_error(L, "%s: unknown option '%s'", op, luaL_tolstring(L, -2, NULL));
        lua_pop(L, 1);
    }
}

/* torch._transform_new(kind_name, opts): a torch.Transform. */
static int f_transform_new(lua_State *L)
{
    const char *op = luaL_checkstring(L, 1);
    int kind = tf_kind_from_name(op);
    if (kind < 0)
        return luaL_error(L, "_transform_new: unknown transform '%s'", op);
    if (lua_isnoneornil(L, 2)) {
        lua_settop(L, 1);
        lua_newtable(L);
    }
    luaL_checktype(L, 2, LUA_TTABLE);
    check_option_names(L, 2, op);

    ct_transform tf;
    memset(&tf, 0, sizeof tf);
    tf.kind = (ct_transform_kind)kind;
    int64_t v[4] = {0}; /* read as size even when absent (ignored then) */
    int n = opt_integers(L, 2, op, "size", v, 2);
    if (n == 0 && (kind == CT_TRANSFORM_RANDOM_CROP || kind == CT_TRANSFORM_CENTER_CROP || kind == CT_TRANSFORM_RESIZE))
        return luaL_error(L, "%s: size is required", op);
    tf.size[0] = v[0];
    tf.size[1] = n == 2 ? v[1] : kind == CT_TRANSFORM_RESIZE ? -1 : v[0];
    n = opt_integers(L, 2, op, "padding", v, 4);
    if (n == 3)
        return luaL_error(L, "%s: padding must have 1, 2 or 4 values, got 3", op);
    for (int k = 0; k < 4 && n; k++)
        tf.padding[k] = n == 1 ? v[0] : n == 2 ? v[k % 2] : v[k];
    n = opt_integers(L, 2, op, "max_size", v, 1);
    tf.max_size = n ? v[0] : 0;
    if (n && v[0] < 1)
        return luaL_error(L, "%s: max_size must be positive, got %lld", op, (long long)v[0]);

    lua_getfield(L, 2, "padding_mode");
    if (!lua_isnil(L, -1)) {
        const char *mode = lua_tostring(L, -1);
        int k = 0;
        while (padding_modes[k] && !(mode && lua_type(L, -1) == LUA_TSTRING && strcmp(mode, padding_modes[k]) == 0))
            k++;
        if (!padding_modes[k])
            return luaL_error(L, "%s: padding_mode must be 'constant', 'edge', 'reflect' or 'symmetric', got %s",
                              op, luaL_tolstring(L, -1, NULL));
        tf.padding_mode = (ct_padding_mode)k;
    }
    lua_pop(L, 1);
    tf.fill = lt_opt_number_field(L, 2, "fill", 0);
    tf.p = lt_opt_number_field(L, 2, "p", 0.5);
    tf.antialias = lt_opt_bool_field(L, 2, "antialias", 0);
    tf.pad_if_needed = lt_opt_bool_field(L, 2, "pad_if_needed", 0);

    if (kind == CT_TRANSFORM_NORMALIZE) {
        double mean[CT_TRANSFORM_MAX_CHANNELS], std[CT_TRANSFORM_MAX_CHANNELS];
        int nm = opt_numbers(L, 2, op, "mean", mean), ns = opt_numbers(L, 2, op, "std", std);
        if (nm != ns && nm != 1 && ns != 1)
            return luaL_error(L, "%s: mean has %d values and std %d", op, nm, ns);
        tf.n_channels = nm > ns ? nm : ns;
        for (int c = 0; c < tf.n_channels; c++) {
            tf.mean[c] = mean[nm == 1 ? 0 : c];
            tf.std[c] = std[ns == 1 ? 0 : c];
        }
    }
    lt_check_rc(L, ct_transform_check(&tf, op));
    ct_transform *ud = lua_newuserdatauv(L, sizeof tf, 0);
    *ud = tf;
    luaL_setmetatable(L, LT_TRANSFORM_MT);
    return 1;
}

/* Pushes the result of a transform of the tensor at idx: the same Lua value
 * when the transform gave its input back. */
static void push_result(lua_State *L, int idx, ct_tensor *x, ct_tensor *y)
{
    if (y && y == x) {
        ct_release(y);
        lua_pushvalue(L, idx);
        return;
    }
    lt_push_tensor(L, y);
}

/* torch._transform_apply(ud, x [, seed]). */
static int f_transform_apply(lua_State *L)
{
    const ct_transform *tf = lt_check_transform(L, 1);
    ct_tensor *x = lt_check_tensor(L, 2);
    uint64_t seed = 0;
    if (!lua_isnoneornil(L, 3))
        seed = (uint64_t)luaL_checkinteger(L, 3);
    else if (tf->kind == CT_TRANSFORM_RANDOM_CROP || tf->kind == CT_TRANSFORM_RANDOM_HORIZONTAL_FLIP)
        seed = ct_random_seed64();
    ct_sample_rng rng;
    ct_sample_rng_seed(&rng, seed);
    push_result(L, 2, x, ct_transform_apply(tf, x, &rng));
    return 1;
}

/* torch._transform_kind(ud): its name, e.g. 'RandomCrop'. */
static int f_transform_kind(lua_State *L)
{
    lua_pushstring(L, tf_kind_name(lt_check_transform(L, 1)->kind));
    return 1;
}

/* torch._image_window(op, x, top, left, h, w [, padding_mode, fill]): the
 * window at 0-based (top, left), padded outside the image (functional crop, pad). */
static int f_image_window(lua_State *L)
{
    const char *op = luaL_checkstring(L, 1);
    ct_tensor *x = lt_check_tensor(L, 2);
    int64_t top = luaL_checkinteger(L, 3), left = luaL_checkinteger(L, 4);
    int64_t h = luaL_checkinteger(L, 5), w = luaL_checkinteger(L, 6);
    int mode = luaL_checkoption(L, 7, "constant", padding_modes);
    double fill = luaL_optnumber(L, 8, 0);
    lt_push_tensor(L, tf_window(x, op, top, left, h, w, (ct_padding_mode)mode, fill));
    return 1;
}

static int m_tostring(lua_State *L)
{
    lua_pushfstring(L, "torch.Transform(%s)", tf_kind_name(lt_check_transform(L, 1)->kind));
    return 1;
}

void lt_open_transforms(lua_State *L, const lt_tables *t)
{
    static const lt_reg regs[] = {
        {"_transform_new", f_transform_new, LT_FUNCTION},
        {"_transform_apply", f_transform_apply, LT_FUNCTION},
        {"_transform_kind", f_transform_kind, LT_FUNCTION},
        {"_image_window", f_image_window, LT_FUNCTION},
        {NULL, NULL, 0},
    };
    lt_register(L, t, regs);
    if (luaL_newmetatable(L, LT_TRANSFORM_MT)) {
        lua_pushcfunction(L, m_tostring);
        lua_setfield(L, -2, "__tostring");
        lua_pushliteral(L, "torch.Transform");
        lua_setfield(L, -2, "__name");
    }
    lua_pop(L, 1);
}
