/*
 * lt_pointwise.c -- binding for pointwise ops and the arithmetic metamethods.
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
    ct_scalar alpha = lua_type(L, 3) == LUA_TNUMBER ? lt_check_scalar(L, 3)
                                                     : ct_scalar_float(lt_opt_number_field(L, opts, "alpha", 1));
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
        {NULL, NULL, 0},
    };
    lt_register(L, t, regs);

    static const luaL_Reg metamethods[] = {
        {"__add", f_add}, {"__sub", f_sub}, {"__mul", f_mul}, {"__div", f_div},
        {"__mod", f_remainder}, {"__pow", f_pow}, {"__idiv", f_floor_divide},
        {NULL, NULL},
    };
    luaL_getmetatable(L, LT_TENSOR_MT);
    luaL_setfuncs(L, metamethods, 0);
    lua_pop(L, 1);
}
