/*
 * optim.c -- fused optimizer steps: one pass updates a parameter and its
 * state from the gradient.
 *
 * Each step is written once per dtype as an inline loop over element
 * strides.  The loop functions call it with unit strides and constant flags
 * for the state it touches when every operand is contiguous, so that the
 * compiler vectorizes that case (the remaining options are selects, not
 * branches: a conditional store would keep the loop scalar).  The order of operations is
 * torch.optim's single-tensor implementation (each tensor op there rounds to
 * the tensor's dtype, and so does each line here), so float64 trajectories
 * agree with PyTorch to rounding and float32 ones closely.
 */
#include <math.h>

#include "cpu/optim.h"

/* torch.maximum: NaN in either operand propagates. */
static inline float max_f32(float a, float b) { return (a != a || a > b) ? a : b; }
static inline double max_f64(double a, double b) { return (a != a || a > b) ? a : b; }

/* True when operands 0..nops-1 all step by one element of elsize bytes. */
static int unit_strides(const int64_t *strides, int nops, int64_t elsize)
{
    for (int k = 0; k < nops; k++)
        if (strides[k] != elsize)
            return 0;
    return 1;
}

/* ---------------------------------------------------------------- SGD */

/* d = grad (negated to maximize) + weight_decay * param;
 * buf = d on the first step, else momentum * buf + (1 - dampening) * d;
 * d = nesterov ? d + momentum * buf : buf;  param -= lr * d */
static inline void sgd_f32(const ct_sgd_ctx *c, int momentum, float *p, const float *g, float *b,
                           int64_t sp, int64_t sg, int64_t sb, int64_t n)
{
    const float neg_lr = (float)-c->lr, wd = (float)c->weight_decay, mom = (float)c->momentum,
                keep = (float)(1 - c->dampening), sign = c->maximize ? -1.0f : 1.0f;
    const int use_wd = c->weight_decay != 0, nesterov = c->nesterov, first = c->first_step;
    for (int64_t i = 0; i < n; i++) {
        float pi = p[i * sp];
        float d = sign * g[i * sg];
        d = use_wd ? d + wd * pi : d;
        if (momentum) {
            float bi = b[i * sb];
            float buf = first ? d : bi * mom + keep * d;
            b[i * sb] = buf;
            d = nesterov ? d + mom * buf : buf;
        }
        p[i * sp] = pi + neg_lr * d;
    }
}

static inline void sgd_f64(const ct_sgd_ctx *c, int momentum, double *p, const double *g, double *b,
                           int64_t sp, int64_t sg, int64_t sb, int64_t n)
{
    const double neg_lr = -c->lr, wd = c->weight_decay, mom = c->momentum, keep = 1 - c->dampening,
                 sign = c->maximize ? -1.0 : 1.0;
    const int use_wd = c->weight_decay != 0, nesterov = c->nesterov, first = c->first_step;
    for (int64_t i = 0; i < n; i++) {
        double pi = p[i * sp];
        double d = sign * g[i * sg];
        d = use_wd ? d + wd * pi : d;
        if (momentum) {
            double bi = b[i * sb];
            double buf = first ? d : bi * mom + keep * d;
            b[i * sb] = buf;
            d = nesterov ? d + mom * buf : buf;
        }
        p[i * sp] = pi + neg_lr * d;
    }
}

static void sgd_loop_f32(void *ctx, char **data, const int64_t *s, int64_t n)
{
    const ct_sgd_ctx *c = ctx;
    float *p = (float *)data[0], *b = c->momentum != 0 ? (float *)data[2] : NULL;
    const float *g = (const float *)data[1];
    if (c->momentum == 0 && unit_strides(s, 2, 4))
        sgd_f32(c, 0, p, g, NULL, 1, 1, 0, n);
    else if (c->momentum != 0 && unit_strides(s, 3, 4))
        sgd_f32(c, 1, p, g, b, 1, 1, 1, n);
    else
        sgd_f32(c, b != NULL, p, g, b, s[0] / 4, s[1] / 4, b ? s[2] / 4 : 0, n);
}

static void sgd_loop_f64(void *ctx, char **data, const int64_t *s, int64_t n)
{
    const ct_sgd_ctx *c = ctx;
    double *p = (double *)data[0], *b = c->momentum != 0 ? (double *)data[2] : NULL;
    const double *g = (const double *)data[1];
    if (c->momentum == 0 && unit_strides(s, 2, 8))
        sgd_f64(c, 0, p, g, NULL, 1, 1, 0, n);
    else if (c->momentum != 0 && unit_strides(s, 3, 8))
        sgd_f64(c, 1, p, g, b, 1, 1, 1, n);
    else
        sgd_f64(c, b != NULL, p, g, b, s[0] / 8, s[1] / 8, b ? s[2] / 8 : 0, n);
}

int ct_cpu_sgd_step(ct_dtype dtype, const ct_loop *loop, const ct_sgd_ctx *ctx)
{
    if (dtype == CT_FLOAT32)
        ct_loop_run(loop, sgd_loop_f32, (void *)ctx);
    else if (dtype == CT_FLOAT64)
        ct_loop_run(loop, sgd_loop_f64, (void *)ctx);
    else
        return -1;
    return 0;
}

/* ---------------------------------------------------------------- Adam / AdamW */

/* g = grad (negated to maximize), + weight_decay * param for Adam; AdamW
 * instead scales param by 1 - lr * weight_decay.  m = beta1 m + (1 - beta1) g;
 * v = beta2 v + (1 - beta2) g g; vmax = max(vmax, v) with amsgrad;
 * param += -step_size * m / (sqrt(v or vmax) / sqrt(1 - beta2^t) + eps) */
static inline void adam_f32(const ct_adam_ctx *c, int amsgrad, float *p, const float *g, float *m,
                            float *v, float *vmax, int64_t sp, int64_t sg, int64_t sm, int64_t sv,
                            int64_t sx, int64_t n)
{
    const float beta1 = (float)c->beta1, keep1 = (float)(1 - c->beta1);
    const float beta2 = (float)c->beta2, keep2 = (float)(1 - c->beta2);
    const float wd = (float)c->weight_decay, eps = (float)c->eps, sign = c->maximize ? -1.0f : 1.0f;
    const float decay = (float)(1 - c->lr * c->weight_decay);
    const float bc2 = (float)c->bias_correction2_sqrt, neg_step = (float)-c->step_size;
    const int coupled_wd = !c->decoupled && c->weight_decay != 0, decoupled = c->decoupled;
    for (int64_t i = 0; i < n; i++) {
        float gi = sign * g[i * sg];
        float pi = p[i * sp];
        gi = coupled_wd ? gi + wd * pi : gi;
        pi = decoupled ? pi * decay : pi;
        float mi = m[i * sm] * beta1 + keep1 * gi;
        float vi = v[i * sv] * beta2 + keep2 * gi * gi;
        m[i * sm] = mi;
        v[i * sv] = vi;
        if (amsgrad) {
            vi = max_f32(vmax[i * sx], vi);
            vmax[i * sx] = vi;
        }
        float denom = sqrtf(vi) / bc2 + eps;
        p[i * sp] = pi + neg_step * mi / denom;
    }
}

static inline void adam_f64(const ct_adam_ctx *c, int amsgrad, double *p, const double *g, double *m,
                            double *v, double *vmax, int64_t sp, int64_t sg, int64_t sm, int64_t sv,
                            int64_t sx, int64_t n)
{
    const double beta1 = c->beta1, keep1 = 1 - c->beta1, beta2 = c->beta2, keep2 = 1 - c->beta2;
    const double wd = c->weight_decay, eps = c->eps, decay = 1 - c->lr * c->weight_decay;
    const double bc2 = c->bias_correction2_sqrt, neg_step = -c->step_size;
    const double sign = c->maximize ? -1.0 : 1.0;
    const int coupled_wd = !c->decoupled && c->weight_decay != 0, decoupled = c->decoupled;
    for (int64_t i = 0; i < n; i++) {
        double gi = sign * g[i * sg];
        double pi = p[i * sp];
        gi = coupled_wd ? gi + wd * pi : gi;
        pi = decoupled ? pi * decay : pi;
        double mi = m[i * sm] * beta1 + keep1 * gi;
        double vi = v[i * sv] * beta2 + keep2 * gi * gi;
        m[i * sm] = mi;
        v[i * sv] = vi;
        if (amsgrad) {
            vi = max_f64(vmax[i * sx], vi);
            vmax[i * sx] = vi;
        }
        double denom = sqrt(vi) / bc2 + eps;
        p[i * sp] = pi + neg_step * mi / denom;
    }
}

static void adam_loop_f32(void *ctx, char **data, const int64_t *s, int64_t n)
{
    const ct_adam_ctx *c = ctx;
    float *p = (float *)data[0], *m = (float *)data[2], *v = (float *)data[3];
    const float *g = (const float *)data[1];
    float *vmax = c->amsgrad ? (float *)data[4] : NULL;
    if (!c->amsgrad && unit_strides(s, 4, 4))
        adam_f32(c, 0, p, g, m, v, NULL, 1, 1, 1, 1, 0, n);
    else if (c->amsgrad && unit_strides(s, 5, 4))
        adam_f32(c, 1, p, g, m, v, vmax, 1, 1, 1, 1, 1, n);
    else
        adam_f32(c, c->amsgrad, p, g, m, v, vmax, s[0] / 4, s[1] / 4, s[2] / 4, s[3] / 4,
                 c->amsgrad ? s[4] / 4 : 0, n);
}

static void adam_loop_f64(void *ctx, char **data, const int64_t *s, int64_t n)
{
    const ct_adam_ctx *c = ctx;
    double *p = (double *)data[0], *m = (double *)data[2], *v = (double *)data[3];
    const double *g = (const double *)data[1];
    double *vmax = c->amsgrad ? (double *)data[4] : NULL;
    if (!c->amsgrad && unit_strides(s, 4, 8))
        adam_f64(c, 0, p, g, m, v, NULL, 1, 1, 1, 1, 0, n);
    else if (c->amsgrad && unit_strides(s, 5, 8))
        adam_f64(c, 1, p, g, m, v, vmax, 1, 1, 1, 1, 1, n);
    else
        adam_f64(c, c->amsgrad, p, g, m, v, vmax, s[0] / 8, s[1] / 8, s[2] / 8, s[3] / 8,
                 c->amsgrad ? s[4] / 8 : 0, n);
}

int ct_cpu_adam_step(ct_dtype dtype, const ct_loop *loop, const ct_adam_ctx *ctx)
{
    if (dtype == CT_FLOAT32)
        ct_loop_run(loop, adam_loop_f32, (void *)ctx);
    else if (dtype == CT_FLOAT64)
        ct_loop_run(loop, adam_loop_f64, (void *)ctx);
    else
        return -1;
    return 0;
}

/* ---------------------------------------------------------------- RMSprop */

/* g = grad (negated to maximize) + weight_decay * param;
 * sq = alpha sq + (1 - alpha) g g;  centered: ga = alpha ga + (1 - alpha) g and
 * avg = sqrt(sq - ga ga), else avg = sqrt(sq);  avg += eps;
 * momentum: buf = momentum buf + g / avg, param -= lr buf; else param -= lr g / avg */
static inline void rmsprop_f32(const ct_rmsprop_ctx *c, int momentum, int centered, float *p,
                               const float *g, float *sq, float *buf, float *ga, int64_t sp,
                               int64_t sg, int64_t ss, int64_t sb, int64_t sa, int64_t n)
{
    const float alpha = (float)c->alpha, keep = (float)(1 - c->alpha), eps = (float)c->eps;
    const float wd = (float)c->weight_decay, mom = (float)c->momentum, neg_lr = (float)-c->lr;
    const float sign = c->maximize ? -1.0f : 1.0f;
    const int use_wd = c->weight_decay != 0;
    for (int64_t i = 0; i < n; i++) {
        float pi = p[i * sp];
        float gi = sign * g[i * sg];
        gi = use_wd ? gi + wd * pi : gi;
        float si = sq[i * ss] * alpha + keep * gi * gi;
        sq[i * ss] = si;
        float avg;
        if (centered) {
            float ai = ga[i * sa] * alpha + keep * gi;
            ga[i * sa] = ai;
            avg = sqrtf(si + -1.0f * ai * ai);
        } else {
            avg = sqrtf(si);
        }
        avg = avg + eps;
        if (momentum) {
            float bi = buf[i * sb] * mom + gi / avg;
            buf[i * sb] = bi;
            p[i * sp] = pi + neg_lr * bi;
        } else {
            p[i * sp] = pi + neg_lr * gi / avg;
        }
    }
}

static inline void rmsprop_f64(const ct_rmsprop_ctx *c, int momentum, int centered, double *p,
                               const double *g, double *sq, double *buf, double *ga, int64_t sp,
                               int64_t sg, int64_t ss, int64_t sb, int64_t sa, int64_t n)
{
    const double alpha = c->alpha, keep = 1 - c->alpha, eps = c->eps;
    const double wd = c->weight_decay, mom = c->momentum, neg_lr = -c->lr;
    const double sign = c->maximize ? -1.0 : 1.0;
    const int use_wd = c->weight_decay != 0;
    for (int64_t i = 0; i < n; i++) {
        double pi = p[i * sp];
        double gi = sign * g[i * sg];
        gi = use_wd ? gi + wd * pi : gi;
        double si = sq[i * ss] * alpha + keep * gi * gi;
        sq[i * ss] = si;
        double avg;
        if (centered) {
            double ai = ga[i * sa] * alpha + keep * gi;
            ga[i * sa] = ai;
            avg = sqrt(si + -1.0 * ai * ai);
        } else {
            avg = sqrt(si);
        }
        avg = avg + eps;
        if (momentum) {
            double bi = buf[i * sb] * mom + gi / avg;
            buf[i * sb] = bi;
            p[i * sp] = pi + neg_lr * bi;
        } else {
            p[i * sp] = pi + neg_lr * gi / avg;
        }
    }
}

/* Operand slots of the optional state: momentum_buf first, then grad_avg. */
static void rmsprop_slots(const ct_rmsprop_ctx *c, int *nops, int *buf_slot, int *avg_slot)
{
    int k = 3;
    *buf_slot = c->momentum > 0 ? k++ : -1;
    *avg_slot = c->centered ? k++ : -1;
    *nops = k;
}

static void rmsprop_loop_f32(void *ctx, char **data, const int64_t *s, int64_t n)
{
    const ct_rmsprop_ctx *c = ctx;
    int nops, kb, ka;
    rmsprop_slots(c, &nops, &kb, &ka);
    float *p = (float *)data[0], *sq = (float *)data[2];
    const float *g = (const float *)data[1];
    float *buf = kb >= 0 ? (float *)data[kb] : NULL, *ga = ka >= 0 ? (float *)data[ka] : NULL;
    if (unit_strides(s, nops, 4)) {
        if (buf && ga)
            rmsprop_f32(c, 1, 1, p, g, sq, buf, ga, 1, 1, 1, 1, 1, n);
        else if (buf)
            rmsprop_f32(c, 1, 0, p, g, sq, buf, NULL, 1, 1, 1, 1, 0, n);
        else if (ga)
            rmsprop_f32(c, 0, 1, p, g, sq, NULL, ga, 1, 1, 1, 0, 1, n);
        else
            rmsprop_f32(c, 0, 0, p, g, sq, NULL, NULL, 1, 1, 1, 0, 0, n);
    } else {
        rmsprop_f32(c, buf != NULL, ga != NULL, p, g, sq, buf, ga, s[0] / 4, s[1] / 4, s[2] / 4,
                    kb >= 0 ? s[kb] / 4 : 0, ka >= 0 ? s[ka] / 4 : 0, n);
    }
}

static void rmsprop_loop_f64(void *ctx, char **data, const int64_t *s, int64_t n)
{
    const ct_rmsprop_ctx *c = ctx;
    int nops, kb, ka;
    rmsprop_slots(c, &nops, &kb, &ka);
    double *p = (double *)data[0], *sq = (double *)data[2];
    const double *g = (const double *)data[1];
    double *buf = kb >= 0 ? (double *)data[kb] : NULL, *ga = ka >= 0 ? (double *)data[ka] : NULL;
    if (unit_strides(s, nops, 8)) {
        if (buf && ga)
            rmsprop_f64(c, 1, 1, p, g, sq, buf, ga, 1, 1, 1, 1, 1, n);
        else if (buf)
            rmsprop_f64(c, 1, 0, p, g, sq, buf, NULL, 1, 1, 1, 1, 0, n);
        else if (ga)
            rmsprop_f64(c, 0, 1, p, g, sq, NULL, ga, 1, 1, 1, 0, 1, n);
        else
            rmsprop_f64(c, 0, 0, p, g, sq, NULL, NULL, 1, 1, 1, 0, 0, n);
    } else {
        rmsprop_f64(c, buf != NULL, ga != NULL, p, g, sq, buf, ga, s[0] / 8, s[1] / 8, s[2] / 8,
                    kb >= 0 ? s[kb] / 8 : 0, ka >= 0 ? s[ka] / 8 : 0, n);
    }
}

int ct_cpu_rmsprop_step(ct_dtype dtype, const ct_loop *loop, const ct_rmsprop_ctx *ctx)
{
    if (dtype == CT_FLOAT32)
        ct_loop_run(loop, rmsprop_loop_f32, (void *)ctx);
    else if (dtype == CT_FLOAT64)
        ct_loop_run(loop, rmsprop_loop_f64, (void *)ctx);
    else
        return -1;
    return 0;
}

/* ---------------------------------------------------------------- Adagrad */

/* g = grad (negated to maximize) + weight_decay * param;  sum += g g;
 * param += -clr * g / (sqrt(sum) + eps) */
static inline void adagrad_f32(const ct_adagrad_ctx *c, float *p, const float *g, float *sum,
                               int64_t sp, int64_t sg, int64_t ss, int64_t n)
{
    const float neg_clr = (float)-c->clr, wd = (float)c->weight_decay, eps = (float)c->eps;
    const float sign = c->maximize ? -1.0f : 1.0f;
    const int use_wd = c->weight_decay != 0;
    for (int64_t i = 0; i < n; i++) {
        float gi = sign * g[i * sg];
        gi = use_wd ? gi + wd * p[i * sp] : gi;
        float si = sum[i * ss] + 1.0f * gi * gi;
        sum[i * ss] = si;
        float std = sqrtf(si) + eps;
        p[i * sp] = p[i * sp] + neg_clr * gi / std;
    }
}

static inline void adagrad_f64(const ct_adagrad_ctx *c, double *p, const double *g, double *sum,
                               int64_t sp, int64_t sg, int64_t ss, int64_t n)
{
    const double neg_clr = -c->clr, wd = c->weight_decay, eps = c->eps;
    const double sign = c->maximize ? -1.0 : 1.0;
    const int use_wd = c->weight_decay != 0;
    for (int64_t i = 0; i < n; i++) {
        double gi = sign * g[i * sg];
        gi = use_wd ? gi + wd * p[i * sp] : gi;
        double si = sum[i * ss] + 1.0 * gi * gi;
        sum[i * ss] = si;
        double std = sqrt(si) + eps;
        p[i * sp] = p[i * sp] + neg_clr * gi / std;
    }
}

static void adagrad_loop_f32(void *ctx, char **data, const int64_t *s, int64_t n)
{
    const ct_adagrad_ctx *c = ctx;
    if (unit_strides(s, 3, 4))
        adagrad_f32(c, (float *)data[0], (const float *)data[1], (float *)data[2], 1, 1, 1, n);
    else
        adagrad_f32(c, (float *)data[0], (const float *)data[1], (float *)data[2], s[0] / 4,
                    s[1] / 4, s[2] / 4, n);
}

static void adagrad_loop_f64(void *ctx, char **data, const int64_t *s, int64_t n)
{
    const ct_adagrad_ctx *c = ctx;
    if (unit_strides(s, 3, 8))
        adagrad_f64(c, (double *)data[0], (const double *)data[1], (double *)data[2], 1, 1, 1, n);
    else
        adagrad_f64(c, (double *)data[0], (const double *)data[1], (double *)data[2], s[0] / 8,
                    s[1] / 8, s[2] / 8, n);
}

int ct_cpu_adagrad_step(ct_dtype dtype, const ct_loop *loop, const ct_adagrad_ctx *ctx)
{
    if (dtype == CT_FLOAT32)
        ct_loop_run(loop, adagrad_loop_f32, (void *)ctx);
    else if (dtype == CT_FLOAT64)
        ct_loop_run(loop, adagrad_loop_f64, (void *)ctx);
    else
        return -1;
    return 0;
}
