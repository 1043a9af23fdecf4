/*
 * lt_nn_loss.c -- torch.softmax / log_softmax, the losses, embedding, pad
 * and one_hot (the functions behind torch.nn.functional).
 *
 * Optional arguments come positionally in PyTorch's order or by name in a
 * trailing options table: torch.cross_entropy(x, t, w) or
 * torch.cross_entropy(x, t, {weight=w, reduction='sum'}).  The deprecated
 * size_average/reduce pair is honoured as in PyTorch.
 *
 * Class targets, embedding indices and one_hot classes are 1-based; the core
 * takes them as they are with an index base of 1 (no conversion op), so
 * ignore_index is compared with the user's numbers.
 */
#include <string.h>

#include "core/tensor.h"
#include "lt.h"

/* ---------------------------------------------------------------- option helpers */

/* Pushes the argument at pos (when it is before the options table and not
 * nil) or else option `name` (nil when absent); returns its Lua type. */
static int push_arg(lua_State *L, int pos, int opts, const char *name)
{
    if (pos > 0 && (opts == 0 || pos < opts) && !lua_isnoneornil(L, pos))
        lua_pushvalue(L, pos);
    else if (opts)
        lua_getfield(L, opts, name);
    else
        lua_pushnil(L);
    return lua_type(L, -1);
}

/* A tensor argument or option (NULL when absent).  The tensor stays
 * referenced by the argument list or the options table. */
static ct_tensor *opt_tensor(lua_State *L, int pos, int opts, const char *name, const char *op)
{
    ct_tensor *t = NULL;
    if (push_arg(L, pos, opts, name) != LUA_TNIL) {
        t = lt_to_tensor(L, -1);
        if (!t)
            luaL_error(L, "%s: %s must be a tensor, got %s", op, name, luaL_typename(L, -1));
    }
    lua_pop(L, 1);
    return t;
}

static double opt_number(lua_State *L, int pos, int opts, const char *name, const char *op, double def)
{
    double v = def;
    int type = push_arg(L, pos, opts, name);
    if (type == LUA_TNUMBER)
        v = lua_tonumber(L, -1);
    else if (type != LUA_TNIL)
        luaL_error(L, "%s: %s must be a number, got %s", op, name, luaL_typename(L, -1));
    lua_pop(L, 1);
    return v;
}

static int64_t opt_integer(lua_State *L, int pos, int opts, const char *name, const char *op, int64_t def)
{
    int64_t v = def;
    int type = push_arg(L, pos, opts, name);
    if (type != LUA_TNIL) {
        int isint;
        v = (int64_t)lua_tointegerx(L, -1, &isint);
        if (!isint)
            luaL_error(L, "%s: %s must be an integer, got %s", op, name,
                       type == LUA_TNUMBER ? lua_tostring(L, -1) : luaL_typename(L, -1));
    }
    lua_pop(L, 1);
    return v;
}

/* -1 absent, else the boolean */
static int opt_bool(lua_State *L, int pos, int opts, const char *name)
{
    int v = push_arg(L, pos, opts, name) == LUA_TNIL ? -1 : lua_toboolean(L, -1);
    lua_pop(L, 1);
    return v;
}

/* reduction ('mean' | 'sum' | 'none'), or the legacy size_average/reduce
 * pair when either is given (positions 0: not positional). */
static ct_reduction opt_reduction(lua_State *L, int pos_size_average, int pos_reduce, int pos_reduction, int opts,
                                  const char *op)
{
    int size_average = opt_bool(L, pos_size_average, opts, "size_average");
    int reduce = opt_bool(L, pos_reduce, opts, "reduce");
    if (size_average >= 0 || reduce >= 0) {
        if (reduce == 0)
            return CT_REDUCTION_NONE;
        return size_average == 0 ? CT_REDUCTION_SUM : CT_REDUCTION_MEAN;
    }
    ct_reduction r = CT_REDUCTION_MEAN;
    int type = push_arg(L, pos_reduction, opts, "reduction");
    if (type != LUA_TNIL) {
        const char *s = type == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
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

/* ---------------------------------------------------------------- softmax */

/* softmax(x, dim[, dtype]), softmax(x, dim, {dtype=...}) or softmax(x, {dim=, dtype=}) */
static int softmax_common(lua_State *L, int log)
{
    const char *op = log ? "log_softmax" : "softmax";
    ct_tensor *t = lt_check_tensor(L, 1);
    int opts = lt_options_index(L, 2);
    int dim;
    if (!lua_isnoneornil(L, 2) && opts != 2) {
        dim = lt_check_dim(L, 2);
    } else { /* softmax(x, {dim=2}) */
        int64_t d = opt_integer(L, 0, opts, "dim", op, 0);
        if (d == 0)
            return luaL_error(L, "%s: dim is required and 1-based (e.g. %s(x, -1) for the last dim)", op, op);
        if (d > CT_MAX_DIMS || d < -CT_MAX_DIMS)
            return luaL_error(L, "%s: dim %I is out of range", op, (lua_Integer)d);
        dim = d > 0 ? (int)(d - 1) : (int)d;
    }
    int has_dtype = 0;
    ct_dtype dtype = ct_dtype_of(t);
    if (!lua_isnoneornil(L, 3) && opts != 3) {
        dtype = lt_check_dtype(L, 3);
        has_dtype = 1;
    } else if (opts) {
        lua_getfield(L, opts, "dtype");
        if (!lua_isnil(L, -1)) {
            dtype = lt_check_dtype(L, lua_gettop(L));
            has_dtype = 1;
        }
        lua_pop(L, 1);
    }
    if (has_dtype && dtype != ct_dtype_of(t)) {
        lt_push_tensor(L, ct_to_dtype(t, dtype)); /* kept on the stack until the op is done */
        t = lt_check_tensor(L, -1);
    }
    lt_push_tensor(L, log ? ct_log_softmax(t, dim) : ct_softmax(t, dim));
    return 1;
}

static int f_softmax(lua_State *L) { return softmax_common(L, 0); }
static int f_log_softmax(lua_State *L) { return softmax_common(L, 1); }

/* ---------------------------------------------------------------- classification losses */

/* cross_entropy(input, target, weight, size_average, ignore_index, reduce, reduction, label_smoothing) */
static int f_cross_entropy(lua_State *L)
{
    const char *op = "cross_entropy";
    ct_tensor *input = lt_check_tensor(L, 1), *target = lt_check_tensor(L, 2);
    int opts = lt_options_index(L, 3);
    ct_tensor *weight = opt_tensor(L, 3, opts, "weight", op);
    int64_t ignore_index = opt_integer(L, 5, opts, "ignore_index", op, -100);
    ct_reduction reduction = opt_reduction(L, 4, 6, 7, opts, op);
    double label_smoothing = opt_number(L, 8, opts, "label_smoothing", op, 0.0);
    lt_push_tensor(L, ct_cross_entropy_based(input, target, weight, reduction, ignore_index, label_smoothing, 1));
    return 1;
}

/* nll_loss(input, target, weight, size_average, ignore_index, reduce, reduction) */
static int f_nll_loss(lua_State *L)
{
    const char *op = "nll_loss";
    ct_tensor *input = lt_check_tensor(L, 1), *target = lt_check_tensor(L, 2);
    int opts = lt_options_index(L, 3);
    ct_tensor *weight = opt_tensor(L, 3, opts, "weight", op);
    int64_t ignore_index = opt_integer(L, 5, opts, "ignore_index", op, -100);
    ct_reduction reduction = opt_reduction(L, 4, 6, 7, opts, op);
    lt_push_tensor(L, ct_nll_loss_based(input, target, weight, reduction, ignore_index, 1));
    return 1;
}

/* ---------------------------------------------------------------- elementwise losses */

/* mse_loss / l1_loss(input, target, size_average, reduce, reduction) */
static int f_mse_loss(lua_State *L)
{
    ct_tensor *input = lt_check_tensor(L, 1), *target = lt_check_tensor(L, 2);
    int opts = lt_options_index(L, 3);
    lt_push_tensor(L, ct_mse_loss(input, target, opt_reduction(L, 3, 4, 5, opts, "mse_loss")));
    return 1;
}

static int f_l1_loss(lua_State *L)
{
    ct_tensor *input = lt_check_tensor(L, 1), *target = lt_check_tensor(L, 2);
    int opts = lt_options_index(L, 3);
    lt_push_tensor(L, ct_l1_loss(input, target, opt_reduction(L, 3, 4, 5, opts, "l1_loss")));
    return 1;
}

/* smooth_l1_loss(input, target, size_average, reduce, reduction, beta) */
static int f_smooth_l1_loss(lua_State *L)
{
    const char *op = "smooth_l1_loss";
    ct_tensor *input = lt_check_tensor(L, 1), *target = lt_check_tensor(L, 2);
    int opts = lt_options_index(L, 3);
    ct_reduction reduction = opt_reduction(L, 3, 4, 5, opts, op);
    double beta = opt_number(L, 6, opts, "beta", op, 1.0);
    lt_push_tensor(L, ct_smooth_l1_loss(input, target, reduction, beta));
    return 1;
}

/* binary_cross_entropy(input, target, weight, size_average, reduce, reduction) */
static int f_binary_cross_entropy(lua_State *L)
{
    const char *op = "binary_cross_entropy";
    ct_tensor *input = lt_check_tensor(L, 1), *target = lt_check_tensor(L, 2);
    int opts = lt_options_index(L, 3);
    ct_tensor *weight = opt_tensor(L, 3, opts, "weight", op);
    ct_reduction reduction = opt_reduction(L, 4, 5, 6, opts, op);
    lt_push_tensor(L, ct_binary_cross_entropy(input, target, weight, reduction));
    return 1;
}

/* binary_cross_entropy_with_logits(input, target, weight, size_average, reduce, reduction, pos_weight) */
static int f_binary_cross_entropy_with_logits(lua_State *L)
{
    const char *op = "binary_cross_entropy_with_logits";
    ct_tensor *input = lt_check_tensor(L, 1), *target = lt_check_tensor(L, 2);
    int opts = lt_options_index(L, 3);
    ct_tensor *weight = opt_tensor(L, 3, opts, "weight", op);
    ct_reduction reduction = opt_reduction(L, 4, 5, 6, opts, op);
    ct_tensor *pos_weight = opt_tensor(L, 7, opts, "pos_weight", op);
    lt_push_tensor(L, ct_binary_cross_entropy_with_logits(input, target, weight, pos_weight, reduction));
    return 1;
}

/* ---------------------------------------------------------------- embedding, pad, one_hot */

/* embedding(input, weight, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse):
 * input holds 1-based row numbers; padding_idx is 1-based or negative from the end. */
static int f_embedding(lua_State *L)
{
    const char *op = "embedding";
    ct_tensor *input = lt_check_tensor(L, 1), *weight = lt_check_tensor(L, 2);
    int opts = lt_options_index(L, 3);
    int has_max_norm = push_arg(L, 4, opts, "max_norm") != LUA_TNIL;
    lua_pop(L, 1);
    if (has_max_norm)
        return luaL_error(L, "%s: max_norm is not supported", op);
    if (opt_bool(L, 6, opts, "scale_grad_by_freq") == 1)
        return luaL_error(L, "%s: scale_grad_by_freq is not supported", op);
    if (opt_bool(L, 7, opts, "sparse") == 1)
        return luaL_error(L, "%s: sparse gradients are not supported", op);
    int64_t padding_idx = -1;
    int64_t p = opt_integer(L, 3, opts, "padding_idx", op, 0);
    if (p != 0) {
        int64_t num = ct_ndim(weight) == 2 ? ct_size(weight, 0) : 0;
        if (p > num || p < -num)
            return luaL_error(L, "%s: padding_idx %I is out of range 1..%I (or -%I..-1 from the end)", op,
                              (lua_Integer)p, (lua_Integer)num, (lua_Integer)num);
        padding_idx = p > 0 ? p - 1 : num + p;
    } else if (push_arg(L, 3, opts, "padding_idx") != LUA_TNIL) {
        return luaL_error(L, "%s: padding_idx is 1-based; 0 is not a row (use 1 for the first, -1 for the last)", op);
    }
    lt_push_tensor(L, ct_embedding_based(weight, input, padding_idx, 1));
    return 1;
}

/* pad(input, pads, mode='constant', value=0): pads = {last_left, last_right, prev_left, ...};
 * mode 'reflect', 'replicate' or 'circular' pads the last 1 to 3 dims. */
static int f_pad(lua_State *L)
{
    const char *op = "pad";
    ct_tensor *t = lt_check_tensor(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    int opts = lt_options_index(L, 3);
    lua_Integer n = luaL_len(L, 2);
    if (n % 2 != 0)
        return luaL_error(L, "%s: the pads table must have an even length (before/after pairs, last dim first), "
                          "got %d values", op, (int)n);
    if (n / 2 > ct_ndim(t))
        return luaL_error(L, "%s: %d pads (%d pairs) given for a %d-D input; at most 2 per dim", op, (int)n,
                          (int)(n / 2), ct_ndim(t));
    int64_t pads[2 * CT_MAX_DIMS];
    for (lua_Integer i = 0; i < n; i++) {
        lua_rawgeti(L, 2, i + 1);
        int isint;
        pads[i] = (int64_t)lua_tointegerx(L, -1, &isint);
        if (!isint)
            return luaL_error(L, "%s: pad %d must be an integer, got %s", op, (int)(i + 1), luaL_typename(L, -1));
        lua_pop(L, 1);
    }
    int has_value = push_arg(L, 4, opts, "value") != LUA_TNIL;
    lua_pop(L, 1);
    double value = opt_number(L, 4, opts, "value", op, 0.0);
    const char *mode = "constant"; /* read last: it stays on the stack while used */
    if (push_arg(L, 3, opts, "mode") != LUA_TNIL) {
        if (lua_type(L, -1) != LUA_TSTRING)
            return luaL_error(L, "%s: mode must be a string, got %s", op, luaL_typename(L, -1));
        mode = lua_tostring(L, -1);
    }
    ct_pad_mode m = 0;
    if (strcmp(mode, "reflect") == 0)
        m = CT_PAD_REFLECT;
    else if (strcmp(mode, "replicate") == 0)
        m = CT_PAD_REPLICATE;
    else if (strcmp(mode, "circular") == 0)
        m = CT_PAD_CIRCULAR;
    else if (strcmp(mode, "constant") != 0)
        return luaL_error(L, "%s: unknown mode '%s' (expected 'constant', 'reflect', 'replicate' or 'circular')",
                          op, mode);
    if (m && has_value)
        return luaL_error(L, "%s: mode '%s' takes no value (it is for mode 'constant')", op, mode);
    lua_pop(L, 1);
    lt_push_tensor(L, m ? ct_pad_mapped(t, m, (int)(n / 2), pads) : ct_pad_constant(t, (int)(n / 2), pads, value));
    return 1;
}

/* one_hot(indices, num_classes=-1): 1-based classes; -1 infers the largest. */
static int f_one_hot(lua_State *L)
{
    ct_tensor *t = lt_check_tensor(L, 1);
    int opts = lt_options_index(L, 2);
    int64_t num_classes = opt_integer(L, 2, opts, "num_classes", "one_hot", -1);
    if (num_classes < -1)
        return luaL_error(L, "one_hot: num_classes must be positive or -1 (infer), got %I", (lua_Integer)num_classes);
    lt_push_tensor(L, ct_one_hot_based(t, num_classes, 1));
    return 1;
}

void lt_open_nn_loss(lua_State *L, const lt_tables *t)
{
    static const lt_reg regs[] = {
        {"softmax", f_softmax, LT_BOTH},
        {"log_softmax", f_log_softmax, LT_BOTH},
        {"cross_entropy", f_cross_entropy, LT_FUNCTION},
        {"nll_loss", f_nll_loss, LT_FUNCTION},
        {"mse_loss", f_mse_loss, LT_FUNCTION},
        {"l1_loss", f_l1_loss, LT_FUNCTION},
        {"smooth_l1_loss", f_smooth_l1_loss, LT_FUNCTION},
        {"binary_cross_entropy", f_binary_cross_entropy, LT_FUNCTION},
        {"binary_cross_entropy_with_logits", f_binary_cross_entropy_with_logits, LT_FUNCTION},
        {"embedding", f_embedding, LT_FUNCTION},
        {"pad", f_pad, LT_FUNCTION},
        {"one_hot", f_one_hot, LT_FUNCTION},
        {NULL, NULL, 0},
    };
    lt_register(L, t, regs);
}
