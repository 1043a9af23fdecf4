/*
 * lt_linalg.c -- binding for linear algebra (mm mv bmm matmul dot outer addmm).
 */
#include "lt.h"

typedef ct_tensor *(*lt_product_fn)(ct_tensor *, ct_tensor *);

static int product(lua_State *L, lt_product_fn fn)
{
    ct_tensor *a = lt_check_tensor(L, 1), *b = lt_check_tensor(L, 2);
    lt_push_tensor(L, fn(a, b));
    return 1;
}

static int f_mm(lua_State *L) { return product(L, ct_mm); }
static int f_mv(lua_State *L) { return product(L, ct_mv); }
static int f_bmm(lua_State *L) { return product(L, ct_bmm); }
static int f_matmul(lua_State *L) { return product(L, ct_matmul); }
static int f_dot(lua_State *L) { return product(L, ct_dot); }
static int f_outer(lua_State *L) { return product(L, ct_outer); }

/* torch.addmm(c, a, b, {beta=1, alpha=1}) or c:addmm(a, b, {...}) */
static int f_addmm(lua_State *L)
{
    ct_tensor *c = lt_check_tensor(L, 1), *a = lt_check_tensor(L, 2), *b = lt_check_tensor(L, 3);
    int opts = lt_options_index(L, 4);
    double beta = lt_opt_number_field(L, opts, "beta", 1);
    double alpha = lt_opt_number_field(L, opts, "alpha", 1);
    lt_push_tensor(L, ct_addmm(c, a, b, beta, alpha));
    return 1;
}

void lt_open_linalg(lua_State *L, const lt_tables *t)
{
    static const lt_reg regs[] = {
        {"mm", f_mm, LT_BOTH},
        {"mv", f_mv, LT_BOTH},
        {"bmm", f_bmm, LT_BOTH},
        {"matmul", f_matmul, LT_BOTH},
        {"dot", f_dot, LT_BOTH},
        {"outer", f_outer, LT_BOTH},
        {"addmm", f_addmm, LT_BOTH},
        {NULL, NULL, 0},
    };
    lt_register(L, t, regs);
}
