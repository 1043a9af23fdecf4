/*
 * optim.c -- dispatch of the fused optimizer steps (ct_sgd_step_ ...).
 *
 * Checks that the gradient and every state tensor match the parameter
 * (shape, dtype, device), that the tensors written have no repeated memory
 * locations, and that the state a configuration needs is there; then runs
 * one elementwise loop over all of them.  Nothing is recorded for autograd:
 * these are the updates torch.optim makes under no_grad.
 */
#include <math.h>
#include <stdio.h>

#include "core/loop.h"
#include "cpu/optim.h"
#include "ops/pointwise.h"

/* t (named `what`) must be there and match param. */
static int check_like_param(const char *op, const char *what, const ct_tensor *param,
                            const ct_tensor *t)
{
    if (!t)
        return ct_fail("%s: %s is missing (NULL)", op, what);
    char sp[128], st[128];
    int same_shape = t->ndim == param->ndim;
    for (int i = 0; same_shape && i < t->ndim; i++)
        same_shape = t->sizes[i] == param->sizes[i];
    if (!same_shape)
        return ct_fail("%s: %s has shape %s but the parameter has shape %s", op, what,
                       ct_shape_str(t, st, sizeof st), ct_shape_str(param, sp, sizeof sp));
    if (t->dtype != param->dtype)
        return ct_fail("%s: %s is %s but the parameter is %s", op, what, ct_dtype_name(t->dtype),
                       ct_dtype_name(param->dtype));
    return ct_check_same_device(op, param, t);
}

/* The checks every step makes on param and grad. */
static int check_param_grad(const char *op, ct_tensor *param, ct_tensor *grad)
{
    if (!param)
        return ct_fail("%s: the parameter is missing (NULL)", op);
    if (param->dtype != CT_FLOAT32 && param->dtype != CT_FLOAT64)
        return ct_fail("%s: parameters must be float32 or float64, got %s", op,
                       ct_dtype_name(param->dtype));
    if (param->storage->device.type != CT_CPU) {
        char dev[32];
        return ct_fail("%s: no kernel for parameters on %s", op,
                       ct_device_str(param->storage->device, dev, sizeof dev));
    }
    if (check_like_param(op, "grad", param, grad) < 0)
        return -1;
    return ct_check_no_self_overlap(op, param);
}

/* A state tensor the step writes. */
static int check_state(const char *op, const char *what, ct_tensor *param, ct_tensor *t)
{
    if (check_like_param(op, what, param, t) < 0)
        return -1;
    return ct_check_no_self_overlap(op, t);
}

static void loop_begin(ct_loop *loop, const ct_tensor *param, const ct_tensor *grad)
{
    ct_loop_begin(loop, param->ndim, param->sizes);
    ct_loop_add(loop, param);
    ct_loop_add(loop, grad);
}

/* ---------------------------------------------------------------- SGD */

int ct_sgd_step_(ct_tensor *param, ct_tensor *grad, ct_tensor *momentum_buf, double lr,
                 double momentum, double dampening, double weight_decay, int nesterov,
                 int maximize, int first_step)
{
    const char *op = "sgd_step_";
    if (check_param_grad(op, param, grad) < 0)
        return -1;
    if (nesterov && (momentum <= 0 || dampening != 0))
        return ct_fail("%s: Nesterov momentum needs a momentum > 0 and zero dampening (got "
                       "momentum %g, dampening %g)", op, momentum, dampening);
    if (momentum != 0 && check_state(op, "momentum_buf", param, momentum_buf) < 0)
        return -1;
    ct_sgd_ctx ctx = {lr, momentum, dampening, weight_decay, nesterov != 0, maximize != 0,
                      first_step != 0};
    ct_loop loop;
    loop_begin(&loop, param, grad);
    if (momentum != 0)
        ct_loop_add(&loop, momentum_buf);
    ct_loop_finish(&loop);
    if (ct_cpu_sgd_step(param->dtype, &loop, &ctx) < 0)
        return ct_fail("%s: no kernel for %s", op, ct_dtype_name(param->dtype));
    ct_tensor_bump_version(param);
    if (momentum != 0)
        ct_tensor_bump_version(momentum_buf);
    return 0;
}

/* ---------------------------------------------------------------- Adam / AdamW */

int ct_adam_step_(ct_tensor *param, ct_tensor *grad, ct_tensor *exp_avg, ct_tensor *exp_avg_sq,
                  ct_tensor *max_exp_avg_sq, int64_t step, double lr, double beta1, double beta2,
                  double eps, double weight_decay, int decoupled_weight_decay, int amsgrad,
                  int maximize)
{
    const char *op = decoupled_weight_decay ? "adamw_step_" : "adam_step_";
    if (check_param_grad(op, param, grad) < 0 || check_state(op, "exp_avg", param, exp_avg) < 0 ||
        check_state(op, "exp_avg_sq", param, exp_avg_sq) < 0)
        return -1;
    if (amsgrad && check_state(op, "max_exp_avg_sq", param, max_exp_avg_sq) < 0)
        return -1;
    if (step < 1)
        return ct_fail("%s: step counts from 1, got %lld", op, (long long)step);
    /* beta1 == 1 would divide by a zero bias correction */
    if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1))
        return ct_fail("%s: betas must be in [0, 1), got (%g, %g)", op, beta1, beta2);
    ct_adam_ctx ctx;
    ctx.lr = lr;
    ctx.beta1 = beta1;
    ctx.beta2 = beta2;
    ctx.eps = eps;
    ctx.weight_decay = weight_decay;
    /* python floats in torch.optim: 1 - beta ** step, lr / bc1, math.sqrt(bc2) */
    ctx.step_size = lr / (1 - pow(beta1, (double)step));
    ctx.bias_correction2_sqrt = sqrt(1 - pow(beta2, (double)step));
    ctx.decoupled = decoupled_weight_decay != 0;
    ctx.amsgrad = amsgrad != 0;
    ctx.maximize = maximize != 0;
    ct_loop loop;
    loop_begin(&loop, param, grad);
    ct_loop_add(&loop, exp_avg);
    ct_loop_add(&loop, exp_avg_sq);
    if (amsgrad)
        ct_loop_add(&loop, max_exp_avg_sq);
    ct_loop_finish(&loop);
    if (ct_cpu_adam_step(param->dtype, &loop, &ctx) < 0)
        return ct_fail("%s: no kernel for %s", op, ct_dtype_name(param->dtype));
    ct_tensor_bump_version(param);
    ct_tensor_bump_version(exp_avg);
    ct_tensor_bump_version(exp_avg_sq);
    if (amsgrad)
        ct_tensor_bump_version(max_exp_avg_sq);
    return 0;
}

/* ---------------------------------------------------------------- RMSprop */

int ct_rmsprop_step_(ct_tensor *param, ct_tensor *grad, ct_tensor *square_avg,
                     ct_tensor *momentum_buf, ct_tensor *grad_avg, double lr, double alpha,
                     double eps, double weight_decay, double momentum, int centered, int maximize)
{
    const char *op = "rmsprop_step_";
    if (check_param_grad(op, param, grad) < 0 ||
        check_state(op, "square_avg", param, square_avg) < 0)
        return -1;
    if (momentum > 0 && check_state(op, "momentum_buf", param, momentum_buf) < 0)
        return -1;
    if (centered && check_state(op, "grad_avg", param, grad_avg) < 0)
        return -1;
    ct_rmsprop_ctx ctx = {lr, alpha, eps, weight_decay, momentum, centered != 0, maximize != 0};
    ct_loop loop;
    loop_begin(&loop, param, grad);
    ct_loop_add(&loop, square_avg);
    if (momentum > 0) /* the kernel's slot order: momentum_buf, then grad_avg */
        ct_loop_add(&loop, momentum_buf);
    if (centered)
        ct_loop_add(&loop, grad_avg);
    ct_loop_finish(&loop);
    if (ct_cpu_rmsprop_step(param->dtype, &loop, &ctx) < 0)
        return ct_fail("%s: no kernel for %s", op, ct_dtype_name(param->dtype));
    ct_tensor_bump_version(param);
    ct_tensor_bump_version(square_avg);
    if (momentum > 0)
        ct_tensor_bump_version(momentum_buf);
    if (centered)
        ct_tensor_bump_version(grad_avg);
    return 0;
}

/* ---------------------------------------------------------------- Adagrad */

int ct_adagrad_step_(ct_tensor *param, ct_tensor *grad, ct_tensor *state_sum, int64_t step,
                     double lr, double lr_decay, double weight_decay, double eps, int maximize)
{
    const char *op = "adagrad_step_";
    if (check_param_grad(op, param, grad) < 0 || check_state(op, "state_sum", param, state_sum) < 0)
        return -1;
    if (step < 1)
        return ct_fail("%s: step counts from 1, got %lld", op, (long long)step);
    ct_adagrad_ctx ctx = {lr / (1 + (double)(step - 1) * lr_decay), weight_decay, eps,
                          maximize != 0};
    ct_loop loop;
    loop_begin(&loop, param, grad);
    ct_loop_add(&loop, state_sum);
    ct_loop_finish(&loop);
    if (ct_cpu_adagrad_step(param->dtype, &loop, &ctx) < 0)
        return ct_fail("%s: no kernel for %s", op, ct_dtype_name(param->dtype));
    ct_tensor_bump_version(param);
    ct_tensor_bump_version(state_sum);
    return 0;
}
