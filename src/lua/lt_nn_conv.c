/*
 * lt_nn_conv.c -- torch.linear and torch.conv2d (F.linear / F.conv2d).
 *
 *   torch.linear(input, weight, bias_or_nil)
 *   torch.conv2d(input, weight, bias_or_nil, stride, padding, dilation, groups)
 *   torch.conv2d(input, weight, bias_or_nil, {stride=1, padding=0, dilation=1, groups=1})
 *
 * stride/padding/dilation: an integer or {h, w}; padding may also be 'valid'
 * or 'same'.  'same' pads total = dilation * (k - 1) per dim, PyTorch putting
 * the odd element of an odd total at the bottom/right; here that case runs
 * the convolution with total/2 + 1 on both sides and drops the output's
 * first row/column (a view), which leaves exactly PyTorch's windows.
 */
#include <string.h>

#include "lt.h"

/* torch.linear(input, weight[, bias]) or (input, weight, {bias=b}) */
static int f_linear(lua_State *L)
{
    ct_tensor *x = lt_check_tensor(L, 1), *w = lt_check_tensor(L, 2);
    int opts = lt_options_index(L, 3);
    ct_tensor *b = NULL;
    if (opts == 3) {
        lua_getfield(L, opts, "bias");
        if (!lua_isnil(L, -1))
            b = lt_check_tensor(L, -1);
        lua_pop(L, 1);
    } else if (!lua_isnoneornil(L, 3)) {
        b = lt_check_tensor(L, 3);
    }
    lt_push_tensor(L, ct_linear(x, w, b));
    return 1;
}

/* Positional argument idx when given (before the options table), else the option. */
static int positional(lua_State *L, int idx, int opts)
{
    return (opts == 0 || idx < opts) && !lua_isnoneornil(L, idx);
}

static void pair_arg(lua_State *L, int idx, int opts, const char *name, int64_t def, int64_t out[2])
{
    const int64_t d[2] = {def, def};
    if (positional(L, idx, opts))
        lt_check_pair(L, idx, "conv2d", name, out);
    else
        lt_opt_pair_field(L, opts, "conv2d", name, d, out);
}

enum { PAD_EXPLICIT, PAD_VALID, PAD_SAME };

/* padding: an integer, {h, w}, 'valid' or 'same' (positional at idx or an option). */
static int padding_arg(lua_State *L, int idx, int opts, int64_t out[2])
{
    int at = 0;
    if (positional(L, idx, opts)) {
        at = idx;
    } else if (opts) {
        lua_getfield(L, opts, "padding");
        if (lua_isnil(L, -1))
            lua_pop(L, 1);
        else
            at = lua_gettop(L);
    }
    out[0] = out[1] = 0;
    if (!at)
        return PAD_EXPLICIT;
    int mode = PAD_EXPLICIT;
    if (lua_type(L, at) == LUA_TSTRING) {
        const char *s = lua_tostring(L, at);
        if (strcmp(s, "valid") == 0)
            mode = PAD_VALID;
        else if (strcmp(s, "same") == 0)
            mode = PAD_SAME;
        else
            luaL_error(L, "conv2d: padding must be 'valid', 'same', an integer or {h, w}, got '%s'", s);
    } else {
        lt_check_pair(L, at, "conv2d", "padding", out);
    }
    if (at != idx)
        lua_pop(L, 1);
    return mode;
}

static int f_conv2d(lua_State *L)
{
    ct_tensor *x = lt_check_tensor(L, 1), *w = lt_check_tensor(L, 2);
    int opts = lt_options_index(L, 3);
    ct_tensor *b = NULL;
    if (opts == 3) {
        lua_getfield(L, opts, "bias");
        if (!lua_isnil(L, -1))
            b = lt_check_tensor(L, -1);
        lua_pop(L, 1);
    } else if (!lua_isnoneornil(L, 3)) {
        b = lt_check_tensor(L, 3);
    }
    int64_t stride[2], padding[2], dilation[2];
    pair_arg(L, 4, opts, "stride", 1, stride);
    int mode = padding_arg(L, 5, opts, padding);
    pair_arg(L, 6, opts, "dilation", 1, dilation);
    int64_t groups = 1;
    int isint = 1;
    if (positional(L, 7, opts)) {
        groups = (int64_t)lua_tointegerx(L, 7, &isint);
    } else if (opts) {
        lua_getfield(L, opts, "groups");
        if (!lua_isnil(L, -1))
            groups = (int64_t)lua_tointegerx(L, -1, &isint);
        lua_pop(L, 1);
    }
    if (!isint)
        return luaL_error(L, "conv2d: groups must be an integer");

    int crop[2] = {0, 0};
    if (mode == PAD_SAME && ct_ndim(w) == 4) {
        if (stride[0] != 1 || stride[1] != 1)
            return luaL_error(L, "conv2d: padding='same' is not supported for strided convolutions (stride [%d, %d])",
                              (int)stride[0], (int)stride[1]);
        for (int i = 0; i < 2; i++) {
            int64_t total = dilation[i] * (ct_size(w, 2 + i) - 1);
            if (total < 0)
                total = 0;
            padding[i] = total / 2 + total % 2;
            crop[i] = (int)(total % 2);
        }
    }
    ct_tensor *out = ct_conv2d(x, w, b, stride, padding, dilation, groups);
    for (int i = 0; i < 2 && out; i++) {
        if (!crop[i])
            continue;
        int dim = ct_ndim(out) - 2 + i;
        ct_tensor *v = ct_narrow(out, dim, 1, ct_size(out, dim) - 1);
        ct_release(out);
        out = v;
    }
    lt_push_tensor(L, out);
    return 1;
}

void lt_open_nn_conv(lua_State *L, const lt_tables *t)
{
    static const lt_reg regs[] = {
        {"linear", f_linear, LT_FUNCTION},
        {"conv2d", f_conv2d, LT_FUNCTION},
        {NULL, NULL, 0},
    };
    lt_register(L, t, regs);
}
