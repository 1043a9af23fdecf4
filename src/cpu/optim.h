/* optim.h -- CPU kernels of the fused optimizer steps (torch.optim).
 *
 * Each kernel is one pass over a prepared loop whose operands are, in order:
 * 0 = param, 1 = grad, then the state tensors the step uses (see each ctx),
 * all of one dtype (float32 or float64).  Hyperparameters are plain doubles;
 * the float32 loops round them to float as PyTorch does for its scalar
 * arguments, and follow torch.optim's order of operations. */
#ifndef CT_CPU_OPTIM_H
#define CT_CPU_OPTIM_H

#include "core/loop.h"

/* operands: param, grad, [momentum_buf when momentum != 0] */
typedef struct ct_sgd_ctx {
    double lr, momentum, dampening, weight_decay;
    int nesterov, maximize, first_step;
} ct_sgd_ctx;

/* operands: param, grad, exp_avg, exp_avg_sq, [max_exp_avg_sq when amsgrad] */
typedef struct ct_adam_ctx {
    double lr, beta1, beta2, eps, weight_decay;
    double step_size;        /* lr / (1 - beta1^step) */
    double bias_correction2_sqrt; /* sqrt(1 - beta2^step) */
    int decoupled, amsgrad, maximize;
} ct_adam_ctx;

/* operands: param, grad, square_avg, then momentum_buf when momentum > 0,
 * then grad_avg when centered */
typedef struct ct_rmsprop_ctx {
    double lr, alpha, eps, weight_decay, momentum;
    int centered, maximize;
} ct_rmsprop_ctx;

/* operands: param, grad, state_sum */
typedef struct ct_adagrad_ctx {
    double clr; /* lr / (1 + (step - 1) * lr_decay) */
    double weight_decay, eps;
    int maximize;
} ct_adagrad_ctx;

/* 0, or -1 for a dtype other than float32/float64 (the caller checked it). */
int ct_cpu_sgd_step(ct_dtype dtype, const ct_loop *loop, const ct_sgd_ctx *ctx);
int ct_cpu_adam_step(ct_dtype dtype, const ct_loop *loop, const ct_adam_ctx *ctx);
int ct_cpu_rmsprop_step(ct_dtype dtype, const ct_loop *loop, const ct_rmsprop_ctx *ctx);
int ct_cpu_adagrad_step(ct_dtype dtype, const ct_loop *loop, const ct_adagrad_ctx *ctx);

#endif
