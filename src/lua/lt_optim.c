/*
 * lt_optim.c -- the internal functions lua/torch/optim builds on.
 *
 * The fused steps take positional arguments in the order of their C
 * prototypes (ctorch.h, "optimizer steps").  The grad argument may be nil:
 * the parameter's own .grad is then used without creating a Lua value for it,
 * and a parameter without a gradient is skipped.  Each step returns true when
 * it updated the parameter, false when it was skipped.
 *
 *   torch._sgd_step_(param, grad, momentum_buf, lr, momentum, dampening,
 *                    weight_decay, nesterov, maximize, first_step)
 *   torch._adam_step_(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step,
 *                     lr, beta1, beta2, eps, weight_decay, decoupled_weight_decay,
 *                     amsgrad, maximize)
 *   torch._rmsprop_step_(param, grad, square_avg, momentum_buf, grad_avg, lr,
 *                        alpha, eps, weight_decay, momentum, centered, maximize)
 *   torch._adagrad_step_(param, grad, state_sum, step, lr, lr_decay,
 *                        weight_decay, eps, maximize)
 *   torch._has_grad(t)                    -> whether t.grad is set
 *   torch._tensor_id(t)                   -> a light userdata naming the tensor
 *                                            (equal for every Lua value of it)
 *   torch._zero_grad_(params, set_to_none) -> clears or zeroes each .grad
 */
#include "lt.h"

/* Optional tensor argument: nil/none -> NULL. */
static ct_tensor *opt_tensor(lua_State *L, int idx)
{
    return lua_isnoneornil(L, idx) ? NULL : lt_check_tensor(L, idx);
}

/* The gradient to use: the argument at idx, or param's .grad (a new reference
 * in *owned, to be released) when it is nil.  NULL when there is none. */
static ct_tensor *step_grad(lua_State *L, ct_tensor *param, int idx, ct_tensor **owned)
{
    *owned = NULL;
    if (!lua_isnoneornil(L, idx))
        return lt_check_tensor(L, idx);
    *owned = ct_grad(param);
    return *owned;
}

/* Releases the fetched gradient, then raises on failure or pushes true. */
static int step_done(lua_State *L, ct_tensor *owned, int rc)
{
    ct_release(owned);
    lt_check_rc(L, rc);
    lua_pushboolean(L, 1);
    return 1;
}

static int f_sgd_step_(lua_State *L)
{
    ct_tensor *param = lt_check_tensor(L, 1);
    ct_tensor *buf = opt_tensor(L, 3);
    double lr = luaL_checknumber(L, 4), momentum = luaL_checknumber(L, 5);
    double dampening = luaL_checknumber(L, 6), weight_decay = luaL_checknumber(L, 7);
    int nesterov = lua_toboolean(L, 8), maximize = lua_toboolean(L, 9);
    int first_step = lua_toboolean(L, 10);
    ct_tensor *owned, *grad = step_grad(L, param, 2, &owned);
    if (!grad) {
        lua_pushboolean(L, 0);
        return 1;
    }
    int rc = ct_sgd_step_(param, grad, buf, lr, momentum, dampening, weight_decay, nesterov, maximize,
                          first_step);
    return step_done(L, owned, rc);
}

static int f_adam_step_(lua_State *L)
{
    ct_tensor *param = lt_check_tensor(L, 1);
    ct_tensor *exp_avg = lt_check_tensor(L, 3), *exp_avg_sq = lt_check_tensor(L, 4);
    ct_tensor *max_exp_avg_sq = opt_tensor(L, 5);
    lua_Integer step = luaL_checkinteger(L, 6);
    double lr = luaL_checknumber(L, 7), beta1 = luaL_checknumber(L, 8);
    double beta2 = luaL_checknumber(L, 9), eps = luaL_checknumber(L, 10);
    double weight_decay = luaL_checknumber(L, 11);
    int decoupled = lua_toboolean(L, 12), amsgrad = lua_toboolean(L, 13);
    int maximize = lua_toboolean(L, 14);
    ct_tensor *owned, *grad = step_grad(L, param, 2, &owned);
    if (!grad) {
        lua_pushboolean(L, 0);
        return 1;
    }
    int rc = ct_adam_step_(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, (int64_t)step, lr,
                           beta1, beta2, eps, weight_decay, decoupled, amsgrad, maximize);
    return step_done(L, owned, rc);
}

static int f_rmsprop_step_(lua_State *L)
{
    ct_tensor *param = lt_check_tensor(L, 1);
    ct_tensor *square_avg = lt_check_tensor(L, 3);
    ct_tensor *buf = opt_tensor(L, 4), *grad_avg = opt_tensor(L, 5);
    double lr = luaL_checknumber(L, 6), alpha = luaL_checknumber(L, 7);
    double eps = luaL_checknumber(L, 8), weight_decay = luaL_checknumber(L, 9);
    double momentum = luaL_checknumber(L, 10);
    int centered = lua_toboolean(L, 11), maximize = lua_toboolean(L, 12);
    ct_tensor *owned, *grad = step_grad(L, param, 2, &owned);
    if (!grad) {
        lua_pushboolean(L, 0);
        return 1;
    }
    int rc = ct_rmsprop_step_(param, grad, square_avg, buf, grad_avg, lr, alpha, eps, weight_decay,
                              momentum, centered, maximize);
    return step_done(L, owned, rc);
}

static int f_adagrad_step_(lua_State *L)
{
    ct_tensor *param = lt_check_tensor(L, 1);
    ct_tensor *state_sum = lt_check_tensor(L, 3);
    lua_Integer step = luaL_checkinteger(L, 4);
    double lr = luaL_checknumber(L, 5), lr_decay = luaL_checknumber(L, 6);
    double weight_decay = luaL_checknumber(L, 7), eps = luaL_checknumber(L, 8);
    int maximize = lua_toboolean(L, 9);
    ct_tensor *owned, *grad = step_grad(L, param, 2, &owned);
    if (!grad) {
        lua_pushboolean(L, 0);
        return 1;
    }
    int rc = ct_adagrad_step_(param, grad, state_sum, (int64_t)step, lr, lr_decay, weight_decay, eps,
                              maximize);
    return step_done(L, owned, rc);
}

static int f_has_grad(lua_State *L)
{
    ct_tensor *g = ct_grad(lt_check_tensor(L, 1));
    lua_pushboolean(L, g != NULL);
    ct_release(g);
    return 1;
}

/* The tensor header's address: stable for the tensor's life (x.data = y keeps
 * it), shared by every Lua value pushed for the same tensor. */
static int f_tensor_id(lua_State *L)
{
    lua_pushlightuserdata(L, lt_check_tensor(L, 1));
    return 1;
}

/* Zeroes one gradient in place, as PyTorch's zero_grad(set_to_none=False):
 * a gradient that has a history (create_graph) is detached first. */
static int zero_grad_in_place(ct_tensor *param)
{
    ct_tensor *g = ct_grad(param);
    if (!g)
        return 0;
    int rc;
    if (ct_requires_grad(g)) {
        ct_tensor *d = ct_detach(g);
        rc = d ? ct_zero_(d) : -1;
        if (rc == 0)
            rc = ct_set_grad(param, d);
        ct_release(d);
    } else {
        rc = ct_zero_(g);
    }
    ct_release(g);
    return rc;
}

static int f_zero_grad_(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    int set_to_none = lua_toboolean(L, 2);
    lua_Integer n = (lua_Integer)lua_rawlen(L, 1);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, 1, i);
        ct_tensor *p = lt_to_tensor(L, -1);
        if (!p)
            return luaL_error(L, "zero_grad: params[%d] is not a tensor", (int)i);
        lua_pop(L, 1);
        lt_check_rc(L, set_to_none ? ct_set_grad(p, NULL) : zero_grad_in_place(p));
    }
    return 0;
}

void lt_open_optim(lua_State *L, const lt_tables *t)
{
    static const lt_reg regs[] = {
        {"_sgd_step_", f_sgd_step_, LT_FUNCTION},
        {"_adam_step_", f_adam_step_, LT_FUNCTION},
        {"_rmsprop_step_", f_rmsprop_step_, LT_FUNCTION},
        {"_adagrad_step_", f_adagrad_step_, LT_FUNCTION},
        {"_has_grad", f_has_grad, LT_FUNCTION},
        {"_tensor_id", f_tensor_id, LT_FUNCTION},
        {"_zero_grad_", f_zero_grad_, LT_FUNCTION},
        {NULL, NULL, 0},
    };
    lt_register(L, t, regs);
}
