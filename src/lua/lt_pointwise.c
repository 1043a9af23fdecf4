/*
 * lt_pointwise.c -- binding for pointwise ops and the arithmetic metamethods:
 * binary arithmetic and comparisons, every unary op (torch.exp(x), x:exp(),
 * x:exp_()), clamp, where, activations, lerp, isnan/isinf/isfinite,
 * allclose and equal.
 */

#include "lt.h"

/* a op b where either side may be a number (or boolean). */
static int binary(lua_State *L, ct_binary_op op)
{
    ct_tensor *a = lt_to_tensor(L, 1), *b = lt_to_tensor(L, 2);
    if (a && b) {
        lt_push_tensor(L, ct_binary(op, a, b));
    } else if (a) {
        lt_push_tensor(L, ct_binary_scalar(op, a, lt_check_scalar(L, 2), 0));
    } else if (b) {
        lt_push_tensor(L, ct_binary_scalar(op, b, lt_check_scalar(L, 1), 1));
    } else {
        lt_check_tensor(L, 1);
    }
    return 1;
}

static int binary_inplace(lua_State *L, ct_binary_op op)
{
    ct_tensor *a = lt_check_tensor(L, 1), *b = lt_to_tensor(L, 2);
    if (b)
        lt_check_rc(L, ct_binary_(op, a, b));
    else
        lt_check_rc(L, ct_binary_scalar_(op, a, lt_check_scalar(L, 2)));
    lua_settop(L, 1);
    return 1;
}

/* add/sub take {alpha=} (or a number third argument, as in Torch7) */
static int add_sub(lua_State *L, ct_binary_op op, int inplace)
{
    int opts = lt_options_index(L, 3);
    int has_alpha = lua_type(L, 3) == LUA_TNUMBER || opts;
    if (!has_alpha || !lt_is_tensor(L, 2))
        return inplace ? binary_inplace(L, op) : binary(L, op);
    ct_scalar alpha = ct_scalar_int(1);
    if (lua_type(L, 3) == LUA_TNUMBER) {
        alpha = lt_check_scalar(L, 3);
    } else {
        lua_getfield(L, opts, "alpha"); /* keeps an integer alpha an integer */
        if (!lua_isnil(L, -1))
            alpha = lt_check_scalar(L, lua_gettop(L));
        lua_pop(L, 1);
    }
    if (op == CT_SUB)
        alpha = alpha.kind == CT_SCALAR_FLOAT ? ct_scalar_float(-alpha.d) : ct_scalar_int(-alpha.i);
    ct_tensor *a = lt_check_tensor(L, 1), *b = lt_check_tensor(L, 2);
    if (inplace) {
        lt_check_rc(L, ct_add_scaled_(a, b, alpha));
        lua_settop(L, 1);
    } else {
        lt_push_tensor(L, ct_add_scaled(a, b, alpha));
    }
    return 1;
}

static int f_add(lua_State *L) { return add_sub(L, CT_ADD, 0); }
static int f_sub(lua_State *L) { return add_sub(L, CT_SUB, 0); }
static int f_add_(lua_State *L) { return add_sub(L, CT_ADD, 1); }
static int f_sub_(lua_State *L) { return add_sub(L, CT_SUB, 1); }
static int f_mul(lua_State *L) { return binary(L, CT_MUL); }
static int f_div(lua_State *L) { return binary(L, CT_DIV); }
static int f_floor_divide(lua_State *L) { return binary(L, CT_FLOOR_DIVIDE); }
static int f_remainder(lua_State *L) { return binary(L, CT_REMAINDER); }
static int f_pow(lua_State *L) { return binary(L, CT_POW); }
static int f_maximum(lua_State *L) { return binary(L, CT_MAXIMUM); }
static int f_minimum(lua_State *L) { return binary(L, CT_MINIMUM); }
static int f_atan2(lua_State *L) { return binary(L, CT_ATAN2); }
static int f_eq(lua_State *L) { return binary(L, CT_EQ); }
static int f_ne(lua_State *L) { return binary(L, CT_NE); }
static int f_lt(lua_State *L) { return binary(L, CT_LT); }
static int f_le(lua_State *L) { return binary(L, CT_LE); }
static int f_gt(lua_State *L) { return binary(L, CT_GT); }
static int f_ge(lua_State *L) { return binary(L, CT_GE); }
static int f_logical_and(lua_State *L) { return binary(L, CT_LOGICAL_AND); }
static int f_logical_or(lua_State *L) { return binary(L, CT_LOGICAL_OR); }
static int f_logical_xor(lua_State *L) { return binary(L, CT_LOGICAL_XOR); }
static int f_mul_(lua_State *L) { return binary_inplace(L, CT_MUL); }
static int f_div_(lua_State *L) { return binary_inplace(L, CT_DIV); }
static int f_floor_divide_(lua_State *L) { return binary_inplace(L, CT_FLOOR_DIVIDE); }
static int f_remainder_(lua_State *L) { return binary_inplace(L, CT_REMAINDER); }
static int f_pow_(lua_State *L) { return binary_inplace(L, CT_POW); }

/* ---------------------------------------------------------------- unary ops */

/* One closure per op: the op is upvalue 1. */
static int f_unary(lua_State *L)
{
    ct_unary_op op = (ct_unary_op)lua_tointeger(L, lua_upvalueindex(1));
    lt_push_tensor(L, ct_unary(op, lt_check_tensor(L, 1)));
    return 1;
}

static int f_unary_(lua_State *L)
{
    ct_unary_op op = (ct_unary_op)lua_tointeger(L, lua_upvalueindex(1));
    lt_check_rc(L, ct_unary_(op, lt_check_tensor(L, 1)));
    lua_settop(L, 1);
    return 1;
}

/* ---------------------------------------------------------------- clamp */

/* Bound at idx: nil (absent) or a number; *present says which. */
static ct_scalar opt_bound(lua_State *L, int idx, int *present)
{
    *present = !lua_isnoneornil(L, idx);
    return *present ? lt_check_scalar(L, idx) : ct_scalar_int(0);
}

/* clamp(x, min, max), either may be nil, or clamp(x, {min=, max=}).
 * which: 0 both, 1 min only (clamp_min), 2 max only (clamp_max). */
static int clamp(lua_State *L, int which, int inplace)
{
    ct_tensor *t = lt_check_tensor(L, 1);
    ct_scalar lo, hi;
    int has_lo = 0, has_hi = 0;
    int opts = which == 0 ? lt_options_index(L, 2) : 0;
    if (opts) {
        lua_getfield(L, opts, "min");
        lo = opt_bound(L, lua_gettop(L), &has_lo);
        lua_getfield(L, opts, "max");
        hi = opt_bound(L, lua_gettop(L), &has_hi);
        lua_pop(L, 2);
    } else if (which == 0) {
        lo = opt_bound(L, 2, &has_lo);
        hi = opt_bound(L, 3, &has_hi);
    } else {
        ct_scalar v = lt_check_scalar(L, 2);
        lo = hi = v;
        has_lo = which == 1;
        has_hi = which == 2;
    }
    const ct_scalar *min = has_lo ? &lo : NULL, *max = has_hi ? &hi : NULL;
    if (inplace) {
        lt_check_rc(L, ct_clamp_(t, min, max));
        lua_settop(L, 1);
    } else {
        lt_push_tensor(L, ct_clamp(t, min, max));
    }
    return 1;
}

static int f_clamp(lua_State *L) { return clamp(L, 0, 0); }
static int f_clamp_(lua_State *L) { return clamp(L, 0, 1); }
static int f_clamp_min(lua_State *L) { return clamp(L, 1, 0); }
static int f_clamp_min_(lua_State *L) { return clamp(L, 1, 1); }
static int f_clamp_max(lua_State *L) { return clamp(L, 2, 0); }
static int f_clamp_max_(lua_State *L) { return clamp(L, 2, 1); }

/* ---------------------------------------------------------------- where, lerp */

/* The tensor at idx, or a Lua number at idx as a new 0-dim tensor (which,
 * like a Python scalar, does not widen the other operand's dtype). */
static ct_tensor *tensor_or_number(lua_State *L, int idx, int *owned)
{
    ct_tensor *t = lt_to_tensor(L, idx);
    *owned = 0;
    if (t)
        return t;
    ct_scalar s = lt_check_scalar(L, idx);
    *owned = 1;
    ct_dtype dtype = s.kind == CT_SCALAR_FLOAT ? CT_FLOAT32 : s.kind == CT_SCALAR_INT ? CT_INT64 : CT_BOOL;
    int64_t no_sizes[1] = {0};
    return ct_full(0, no_sizes, s, dtype);
}

static void check_tensor_or_number(lua_State *L, int idx)
{
    if (!lt_is_tensor(L, idx) && !lt_is_scalar(L, idx))
        luaL_typeerror(L, idx, "tensor or number");
}

/* torch.where(cond, a, b): a and b may be numbers */
static int f_where(lua_State *L)
{
    ct_tensor *cond = lt_check_tensor(L, 1);
    check_tensor_or_number(L, 2);
    check_tensor_or_number(L, 3);
    int own_a, own_b;
    ct_tensor *a = tensor_or_number(L, 2, &own_a);
    ct_tensor *b = a ? tensor_or_number(L, 3, &own_b) : NULL;
    ct_tensor *out = b ? ct_where(cond, a, b) : NULL;
    if (own_a)
        ct_release(a);
    if (b && own_b)
        ct_release(b);
    lt_push_tensor(L, out);
    return 1;
}

/* torch.lerp(a, b, w): w a number or a tensor */
static int f_lerp(lua_State *L)
{
    ct_tensor *a = lt_check_tensor(L, 1), *b = lt_check_tensor(L, 2);
    ct_tensor *w = lt_to_tensor(L, 3);
    if (w)
        lt_push_tensor(L, ct_lerp(a, b, w));
    else
        lt_push_tensor(L, ct_lerp_scalar(a, b, luaL_checknumber(L, 3)));
    return 1;
}

/* ---------------------------------------------------------------- activations */

/* A parameter given positionally at idx, or as field `name` of the options table. */
static double param(lua_State *L, int idx, int opts, const char *name, double def)
{
    if (lua_type(L, idx) == LUA_TNUMBER)
        return lua_tonumber(L, idx);
    return lt_opt_number_field(L, opts, name, def);
}

/* leaky_relu(x, 0.01) or leaky_relu(x, {negative_slope=0.01}) */
static int f_leaky_relu(lua_State *L)
{
    ct_tensor *t = lt_check_tensor(L, 1);
    int opts = lt_options_index(L, 2);
    lt_push_tensor(L, ct_leaky_relu(t, param(L, 2, opts, "negative_slope", 0.01)));
    return 1;
}

/* elu(x, 1.0) or elu(x, {alpha=1.0}) */
static int f_elu(lua_State *L)
{
    ct_tensor *t = lt_check_tensor(L, 1);
    int opts = lt_options_index(L, 2);
    lt_push_tensor(L, ct_elu(t, param(L, 2, opts, "alpha", 1.0)));
    return 1;
}

/* softplus(x, beta, threshold) or softplus(x, {beta=1, threshold=20}) */
static int f_softplus(lua_State *L)
{
    ct_tensor *t = lt_check_tensor(L, 1);
    int opts = lt_options_index(L, 2);
    double beta = param(L, 2, opts, "beta", 1.0);
    double threshold = param(L, 3, opts, "threshold", 20.0);
    lt_push_tensor(L, ct_softplus(t, beta, threshold));
    return 1;
}

/* ---------------------------------------------------------------- classification, comparison */

static int f_isnan(lua_State *L)
{
    lt_push_tensor(L, ct_isnan(lt_check_tensor(L, 1)));
    return 1;
}

static int f_isinf(lua_State *L)
{
    lt_push_tensor(L, ct_isinf(lt_check_tensor(L, 1)));
    return 1;
}

static int f_isfinite(lua_State *L)
{
    lt_push_tensor(L, ct_isfinite(lt_check_tensor(L, 1)));
    return 1;
}

/* torch.allclose(a, b, {rtol=1e-5, atol=1e-8, equal_nan=false}) -> boolean;
 * rtol and atol may also come positionally. */
static int f_allclose(lua_State *L)
{
    ct_tensor *a = lt_check_tensor(L, 1), *b = lt_check_tensor(L, 2);
    int opts = lt_options_index(L, 3);
    double rtol = param(L, 3, opts, "rtol", 1e-5);
    double atol = param(L, 4, opts, "atol", 1e-8);
    int equal_nan = lt_opt_bool_field(L, opts, "equal_nan", 0);
    int result;
    lt_check_rc(L, ct_allclose(a, b, rtol, atol, equal_nan, &result));
    lua_pushboolean(L, result);
    return 1;
}

/* torch.equal(a, b) -> boolean: same shape and the same values */
static int f_equal(lua_State *L)
{
    ct_tensor *a = lt_check_tensor(L, 1), *b = lt_check_tensor(L, 2);
    int result;
    lt_check_rc(L, ct_equal(a, b, &result));
    lua_pushboolean(L, result);
    return 1;
}

void lt_open_pointwise(lua_State *L, const lt_tables *t)
{
    static const lt_reg regs[] = {
        {"add", f_add, LT_BOTH},
        {"sub", f_sub, LT_BOTH},
        {"mul", f_mul, LT_BOTH},
        {"div", f_div, LT_BOTH},
        {"floor_divide", f_floor_divide, LT_BOTH},
        {"remainder", f_remainder, LT_BOTH},
        {"pow", f_pow, LT_BOTH},
        {"maximum", f_maximum, LT_BOTH},
        {"minimum", f_minimum, LT_BOTH},
        {"atan2", f_atan2, LT_BOTH},
        {"eq", f_eq, LT_BOTH},
        {"ne", f_ne, LT_BOTH},
        {"lt", f_lt, LT_BOTH},
        {"le", f_le, LT_BOTH},
        {"gt", f_gt, LT_BOTH},
        {"ge", f_ge, LT_BOTH},
        {"logical_and", f_logical_and, LT_BOTH},
        {"logical_or", f_logical_or, LT_BOTH},
        {"logical_xor", f_logical_xor, LT_BOTH},
        {"add_", f_add_, LT_METHOD},
        {"sub_", f_sub_, LT_METHOD},
        {"mul_", f_mul_, LT_METHOD},
        {"div_", f_div_, LT_METHOD},
        {"floor_divide_", f_floor_divide_, LT_METHOD},
        {"remainder_", f_remainder_, LT_METHOD},
        {"pow_", f_pow_, LT_METHOD},
        {"clamp", f_clamp, LT_BOTH},
        {"clip", f_clamp, LT_BOTH},
        {"clamp_", f_clamp_, LT_METHOD},
        {"clamp_min", f_clamp_min, LT_BOTH},
        {"clamp_min_", f_clamp_min_, LT_METHOD},
        {"clamp_max", f_clamp_max, LT_BOTH},
        {"clamp_max_", f_clamp_max_, LT_METHOD},
        {"where", f_where, LT_BOTH},
        {"lerp", f_lerp, LT_BOTH},
        {"leaky_relu", f_leaky_relu, LT_BOTH},
        {"elu", f_elu, LT_BOTH},
        {"softplus", f_softplus, LT_BOTH},
        {"isnan", f_isnan, LT_BOTH},
        {"isinf", f_isinf, LT_BOTH},
        {"isfinite", f_isfinite, LT_BOTH},
        {"allclose", f_allclose, LT_BOTH},
        {"equal", f_equal, LT_BOTH},
        {NULL, NULL, 0},
    };
    lt_register(L, t, regs);

    /* torch.exp / x:exp and x:exp_ for every unary op */
    for (int op = 0; op < CT_NUM_UNARY_OPS; op++) {
        const char *name = ct_unary_name((ct_unary_op)op);
        lua_pushinteger(L, op);
        lua_pushcclosure(L, f_unary, 1);
        lua_pushvalue(L, -1);
        lua_setfield(L, t->module, name);
        lua_setfield(L, t->methods, name);
        lua_pushinteger(L, op);
        lua_pushcclosure(L, f_unary_, 1);
        lua_pushfstring(L, "%s_", name);
        lua_insert(L, -2);
        lua_setfield(L, t->methods, lua_tostring(L, -2));
        lua_pop(L, 1);
    }

    static const luaL_Reg metamethods[] = {
        {"__add", f_add}, {"__sub", f_sub}, {"__mul", f_mul}, {"__div", f_div},
        {"__mod", f_remainder}, {"__pow", f_pow}, {"__idiv", f_floor_divide},
        {NULL, NULL},
    };
    luaL_getmetatable(L, LT_TENSOR_MT);
    luaL_setfuncs(L, metamethods, 0);
    /* -x; Lua passes the operand twice, the closure reads argument 1 */
    lua_pushinteger(L, CT_NEG);
    lua_pushcclosure(L, f_unary, 1);
    lua_setfield(L, -2, "__unm");
    lua_pop(L, 1);
}
