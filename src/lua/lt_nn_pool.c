/*
 * lt_nn_pool.c -- torch.max_pool2d, avg_pool2d, adaptive_avg_pool2d,
 * batch_norm and dropout, with PyTorch's torch.nn.functional signatures:
 * every optional argument positionally in PyTorch's order, or by name in a
 * trailing options table.
 */
#include "lt.h"

/* Positional argument idx was given: not nil and before the options table. */
static int given(lua_State *L, int idx, int opts)
{
    return (!opts || idx < opts) && !lua_isnoneornil(L, idx);
}

static void pair_arg(lua_State *L, int idx, int opts, const char *op, const char *name, const int64_t def[2],
                     int64_t out[2])
{
    if (given(L, idx, opts))
        lt_check_pair(L, idx, op, name, out);
    else
        lt_opt_pair_field(L, opts, op, name, def, out);
}

static int bool_arg(lua_State *L, int idx, int opts, const char *name, int def)
{
    if (given(L, idx, opts))
        return lua_toboolean(L, idx);
    return lt_opt_bool_field(L, opts, name, def);
}

static double number_arg(lua_State *L, int idx, int opts, const char *op, const char *name, double def)
{
    if (!given(L, idx, opts))
        return lt_opt_number_field(L, opts, name, def);
    if (lua_type(L, idx) != LUA_TNUMBER)
        luaL_error(L, "%s: %s must be a number, got %s", op, name, luaL_typename(L, idx));
    return lua_tonumber(L, idx);
}

/* The value at idx as an optional tensor (nil or false: none). */
static ct_tensor *maybe_tensor(lua_State *L, int idx, const char *op, const char *name)
{
    if (lua_isnoneornil(L, idx) || (lua_isboolean(L, idx) && !lua_toboolean(L, idx)))
        return NULL;
    ct_tensor *t = lt_to_tensor(L, idx);
    if (!t)
        luaL_error(L, "%s: %s must be a tensor or nil, got %s", op, name, luaL_typename(L, idx));
    return t;
}

/* An optional tensor argument, positional or named; the options table keeps a
 * named one alive. */
static ct_tensor *tensor_arg(lua_State *L, int idx, int opts, const char *op, const char *name)
{
    if (given(L, idx, opts))
        return maybe_tensor(L, idx, op, name);
    if (!opts)
        return NULL;
    lua_getfield(L, opts, name);
    ct_tensor *t = maybe_tensor(L, -1, op, name);
    lua_pop(L, 1);
    return t;
}

/* kernel_size: positional argument 2 or the option kernel_size. */
static void kernel_arg(lua_State *L, int opts, const char *op, int64_t out[2])
{
    if (given(L, 2, opts)) {
        lt_check_pair(L, 2, op, "kernel_size", out);
        return;
    }
    int64_t none[2] = {-1, -1};
    lt_opt_pair_field(L, opts, op, "kernel_size", none, out);
    if (out[0] == -1 && out[1] == -1)
        luaL_error(L, "%s: kernel_size is required", op);
}

/* torch.max_pool2d(input, kernel_size, stride=kernel_size, padding=0,
 * dilation=1, ceil_mode=false, return_indices=false); with return_indices
 * also the 1-based position of each maximum within its H*W plane (int64). */
static int f_max_pool2d(lua_State *L)
{
    const char *op = "max_pool2d";
    ct_tensor *x = lt_check_tensor(L, 1);
    int opts = lt_options_index(L, 2);
    int64_t kernel[2], stride[2], padding[2], dilation[2], zero[2] = {0, 0}, one[2] = {1, 1};
    kernel_arg(L, opts, op, kernel);
    pair_arg(L, 3, opts, op, "stride", kernel, stride);
    pair_arg(L, 4, opts, op, "padding", zero, padding);
    pair_arg(L, 5, opts, op, "dilation", one, dilation);
    int ceil_mode = bool_arg(L, 6, opts, "ceil_mode", 0);
    int return_indices = bool_arg(L, 7, opts, "return_indices", 0);
    ct_tensor *idx = NULL;
    ct_tensor *out = ct_max_pool2d(x, kernel, stride, padding, dilation, ceil_mode, return_indices ? &idx : NULL);
    if (!out)
        return lt_error(L);
    if (!return_indices) {
        lt_push_tensor(L, out);
        return 1;
    }
    ct_tensor *idx1 = ct_binary_scalar(CT_ADD, idx, ct_scalar_int(1), 0);
    ct_release(idx);
    if (!idx1) {
        ct_release(out);
        return lt_error(L);
    }
    lt_push_tensor(L, out);
    lt_push_tensor(L, idx1);
    return 2;
}

/* torch.avg_pool2d(input, kernel_size, stride=kernel_size, padding=0,
 * ceil_mode=false, count_include_pad=true, divisor_override=nil) */
static int f_avg_pool2d(lua_State *L)
{
    const char *op = "avg_pool2d";
    ct_tensor *x = lt_check_tensor(L, 1);
    int opts = lt_options_index(L, 2);
    int64_t kernel[2], stride[2], padding[2], zero[2] = {0, 0};
    kernel_arg(L, opts, op, kernel);
    pair_arg(L, 3, opts, op, "stride", kernel, stride);
    pair_arg(L, 4, opts, op, "padding", zero, padding);
    int ceil_mode = bool_arg(L, 5, opts, "ceil_mode", 0);
    int count_include_pad = bool_arg(L, 6, opts, "count_include_pad", 1);
    int64_t divisor = 0;
    int at = 7;
    if (!given(L, 7, opts) && opts) {
        lua_getfield(L, opts, "divisor_override");
        at = lua_gettop(L);
    }
    if (!lua_isnoneornil(L, at)) {
        int isint;
        divisor = (int64_t)lua_tointegerx(L, at, &isint);
        if (!isint)
            return luaL_error(L, "%s: divisor_override must be an integer, got %s", op, luaL_typename(L, at));
        if (divisor == 0)
            return luaL_error(L, "%s: divisor_override must not be zero", op);
    }
    lt_push_tensor(L, ct_avg_pool2d_divisor(x, kernel, stride, padding, ceil_mode, count_include_pad, divisor));
    return 1;
}

/* One entry of adaptive_avg_pool2d's output_size: an integer, or nil/false
 * for "the input's size". */
static int64_t output_entry(lua_State *L, int idx, int64_t keep)
{
    if (lua_isnil(L, idx) || (lua_isboolean(L, idx) && !lua_toboolean(L, idx)))
        return keep;
    int isint;
    int64_t v = (int64_t)lua_tointegerx(L, idx, &isint);
    if (!isint)
        luaL_error(L, "adaptive_avg_pool2d: output_size must be an integer or a table {h, w} of integers (false: "
                      "keep the input's size), got %s",
                   luaL_typename(L, idx));
    return v;
}

/* torch.adaptive_avg_pool2d(input, output_size) with output_size n, {h, w}
 * (an entry false keeps that input size) or {output_size = ...} */
static int f_adaptive_avg_pool2d(lua_State *L)
{
    ct_tensor *x = lt_check_tensor(L, 1);
    int nd = ct_ndim(x);
    int64_t keep[2] = {nd >= 2 ? ct_size(x, -2) : 1, nd >= 2 ? ct_size(x, -1) : 1}, size[2];
    int arg = 2;
    if (lua_type(L, 2) == LUA_TTABLE) {
        lua_getfield(L, 2, "output_size");
        if (!lua_isnil(L, -1))
            arg = lua_gettop(L);
        else
            lua_pop(L, 1);
    }
    if (lua_type(L, arg) == LUA_TTABLE) {
        for (int k = 0; k < 2; k++) {
            lua_rawgeti(L, arg, k + 1);
            size[k] = output_entry(L, -1, keep[k]);
            lua_pop(L, 1);
        }
    } else if (lua_isnoneornil(L, arg)) {
        return luaL_error(L, "adaptive_avg_pool2d: output_size is required");
    } else {
        size[0] = size[1] = output_entry(L, arg, 0);
    }
    lt_push_tensor(L, ct_adaptive_avg_pool2d(x, size));
    return 1;
}

/* torch.batch_norm(input, running_mean, running_var, weight=nil, bias=nil,
 * training=false, momentum=0.1, eps=1e-5); running_mean and running_var are
 * updated in place when training. */
static int f_batch_norm(lua_State *L)
{
    const char *op = "batch_norm";
    ct_tensor *x = lt_check_tensor(L, 1);
    int opts = lt_options_index(L, 2);
    ct_tensor *rm = tensor_arg(L, 2, opts, op, "running_mean");
    ct_tensor *rv = tensor_arg(L, 3, opts, op, "running_var");
    ct_tensor *w = tensor_arg(L, 4, opts, op, "weight");
    ct_tensor *b = tensor_arg(L, 5, opts, op, "bias");
    int training = bool_arg(L, 6, opts, "training", 0);
    double momentum = number_arg(L, 7, opts, op, "momentum", 0.1);
    double eps = number_arg(L, 8, opts, op, "eps", 1e-5);
    lt_push_tensor(L, ct_batch_norm(x, rm, rv, w, b, training, momentum, eps));
    return 1;
}

/* torch.dropout(input, p=0.5, training=true, inplace=false) */
static int f_dropout(lua_State *L)
{
    const char *op = "dropout";
    ct_tensor *x = lt_check_tensor(L, 1);
    int opts = lt_options_index(L, 2);
    double p = number_arg(L, 2, opts, op, "p", 0.5);
    int training = bool_arg(L, 3, opts, "training", 1);
    int inplace = bool_arg(L, 4, opts, "inplace", 0);
    ct_tensor *out = ct_dropout(x, p, training);
    if (!out)
        return lt_error(L);
    if (!inplace || out == x) {
        if (out == x) {
            ct_release(out);
            lua_settop(L, 1);
            return 1;
        }
        lt_push_tensor(L, out);
        return 1;
    }
    int rc = ct_copy_(x, out);
    ct_release(out);
    lt_check_rc(L, rc);
    lua_settop(L, 1);
    return 1;
}

void lt_open_nn_pool(lua_State *L, const lt_tables *t)
{
    static const lt_reg regs[] = {
        {"max_pool2d", f_max_pool2d, LT_FUNCTION},
        {"avg_pool2d", f_avg_pool2d, LT_FUNCTION},
        {"adaptive_avg_pool2d", f_adaptive_avg_pool2d, LT_FUNCTION},
        {"batch_norm", f_batch_norm, LT_FUNCTION},
        {"dropout", f_dropout, LT_FUNCTION},
        {NULL, NULL, 0},
    };
    lt_register(L, t, regs);
}
