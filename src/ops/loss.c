/*
 * loss.c -- dispatch for the losses: shape and dtype checks, target
 * validation, output allocation and reduction.
 *
 * Classification losses (nll_loss, cross_entropy) see the input as
 * [N, C, inner] and the target as [N, inner]; a 1-D input [C] is one sample
 * with a 0-dim target.  Elementwise losses broadcast input and target (the
 * binary cross-entropies require equal shapes, as PyTorch does).
 */
#include <string.h>

#include "cpu/loss.h"

static const char *class_op_name(int ce) { return ce ? "cross_entropy" : "nll_loss"; }

/* What a classification loss call holds: the kernel's view and the
 * contiguous tensors it points into. */
typedef struct class_call {
    ct_class_loss a;
    ct_tensor *input, *target, *weight; /* held references */
    double total_weight;                /* of the counted targets */
    int out_ndim;                       /* shape of the unreduced loss: target's */
    int64_t out_sizes[CT_MAX_DIMS];
} class_call;

static void class_call_release(class_call *c)
{
    ct_release(c->input);
    ct_release(c->target);
    ct_release(c->weight);
}

static int check_float_input(const char *op, const ct_tensor *t, const char *what)
{
    if (t->dtype != CT_FLOAT32 && t->dtype != CT_FLOAT64)
        return ct_fail("%s: expected a float32 or float64 %s, got %s", op, what, ct_dtype_name(t->dtype));
    if (t->storage->device.type != CT_CPU)
        return ct_fail("%s: only CPU tensors are supported", op);
    return 0;
}

static int class_call_shapes(const char *op, class_call *c, ct_tensor *input, ct_tensor *target)
{
    char a[128], b[128];
    if (target->dtype != CT_INT64 && target->dtype != CT_INT32)
        return ct_fail("%s: target must be an int64 tensor of class indices, got %s (class probabilities "
                       "are not supported)",
                       op, ct_dtype_name(target->dtype));
    if (input->ndim == 0)
        return ct_fail("%s: input must have at least 1 dim ([C], [N, C] or [N, C, d1, ...]), got a 0-dim tensor",
                       op);
    int ok;
    if (input->ndim == 1) {
        ok = target->ndim == 0;
        c->a.N = 1;
        c->a.inner = 1;
        c->a.C = input->sizes[0];
    } else {
        ok = target->ndim == input->ndim - 1 && target->sizes[0] == input->sizes[0];
        for (int k = 2; ok && k < input->ndim; k++)
            ok = target->sizes[k - 1] == input->sizes[k];
        c->a.N = input->sizes[0];
        c->a.C = input->sizes[1];
        c->a.inner = 1;
        for (int k = 2; k < input->ndim; k++)
            c->a.inner *= input->sizes[k];
    }
    if (!ok) {
        int64_t want[CT_MAX_DIMS];
        int nw = 0;
        for (int k = 0; k < input->ndim; k++)
            if (k != (input->ndim == 1 ? 0 : 1))
                want[nw++] = input->sizes[k];
        char w[128];
        return ct_fail("%s: target of shape %s does not match input of shape %s (expected target of shape %s)",
                       op, ct_shape_str(target, a, sizeof a), ct_shape_str(input, b, sizeof b),
                       ct_sizes_str(nw, want, w, sizeof w));
    }
    c->out_ndim = target->ndim;
    memcpy(c->out_sizes, target->sizes, sizeof(int64_t) * (size_t)target->ndim);
    return 0;
}

/* Checks everything and validates the targets. */
static int class_call_begin(class_call *c, int ce, ct_tensor *input, ct_tensor *target, ct_tensor *weight,
                            int64_t ignore_index, double label_smoothing, int64_t base)
{
    const char *op = class_op_name(ce);
    memset(c, 0, sizeof *c);
    if (check_float_input(op, input, "input") < 0 || class_call_shapes(op, c, input, target) < 0)
        return -1;
    if (ce && !(label_smoothing >= 0 && label_smoothing <= 1))
        return ct_fail("%s: label_smoothing must be between 0 and 1, got %g", op, label_smoothing);
    if (weight) {
        char a[128];
        if (weight->ndim != 1 || weight->sizes[0] != c->a.C)
            return ct_fail("%s: weight must be a 1-D tensor of C = %lld elements (one per class), got shape %s",
                           op, (long long)c->a.C, ct_shape_str(weight, a, sizeof a));
        if (!ct_dtype_is_float(weight->dtype))
            return ct_fail("%s: weight must be a floating point tensor, got %s", op, ct_dtype_name(weight->dtype));
    }
    c->input = ct_raw_contiguous(input);
    c->target = ct_raw_contiguous(target);
    if (weight) {
        ct_tensor *w = weight->dtype == input->dtype ? ct_retain(weight) : ct_raw_to_dtype(weight, input->dtype);
        c->weight = w ? ct_raw_contiguous(w) : NULL;
        ct_release(w);
    }
    if (!c->input || !c->target || (weight && !c->weight)) {
        class_call_release(c);
        return -1;
    }
    ct_class_loss *a = &c->a;
    a->cross_entropy = ce;
    a->dtype = input->dtype;
    a->input = ct_tensor_data(c->input);
    a->target = ct_tensor_data(c->target);
    a->target_dtype = target->dtype;
    a->weight = c->weight ? ct_tensor_data(c->weight) : NULL;
    a->ignore_index = ignore_index;
    a->base = base;
    a->label_smoothing = ce ? label_smoothing : 0;
    int64_t value;
    if (ct_class_loss_check(a, &value, &c->total_weight) >= 0) {
        if (a->C == 0)
            ct_fail("%s: target class %lld is out of range: the input has no classes (C = 0)", op,
                    (long long)value);
        else
            ct_fail("%s: target class %lld is out of range %lld..%lld%s", op, (long long)value, (long long)base,
                    (long long)(a->C - 1 + base),
                    base == 1 && value == 0 ? " (classes are 1-based)" : "");
        class_call_release(c);
        return -1;
    }
    return 0;
}

static int check_reduction(const char *op, ct_reduction r)
{
    if (r != CT_REDUCTION_NONE && r != CT_REDUCTION_MEAN && r != CT_REDUCTION_SUM)
        return ct_fail("%s: invalid reduction %d", op, (int)r);
    return 0;
}

static ct_tensor *scalar_tensor(double v, ct_dtype dtype)
{
    int64_t none[1] = {0};
    ct_tensor *out = ct_empty(0, none, dtype);
    if (out) {
        if (dtype == CT_FLOAT32)
            *(float *)ct_tensor_data(out) = (float)v;
        else
            *(double *)ct_tensor_data(out) = v;
    }
    return out;
}

ct_tensor *ct_raw_class_loss(int ce, ct_tensor *input, ct_tensor *target, ct_tensor *weight,
                             ct_reduction reduction, int64_t ignore_index, double label_smoothing, int64_t base)
{
    class_call c;
    if (check_reduction(class_op_name(ce), reduction) < 0 ||
        class_call_begin(&c, ce, input, target, weight, ignore_index, label_smoothing, base) < 0)
        return NULL;
    ct_tensor *out;
    if (reduction == CT_REDUCTION_NONE) {
        out = ct_empty(c.out_ndim, c.out_sizes, input->dtype);
        if (out)
            ct_cpu_class_loss(&c.a, ct_tensor_data(out));
    } else {
        double s = ct_cpu_class_loss(&c.a, NULL);
        /* mean over no counted target is 0 / 0 = nan, as in PyTorch */
        out = scalar_tensor(reduction == CT_REDUCTION_MEAN ? s / c.total_weight : s, input->dtype);
    }
    class_call_release(&c);
    return out;
}

/* The gradient of the loss as (values, stride) of input's dtype: one value
 * for a reduced loss, one per sample otherwise.  *held keeps the memory. */
static int grad_values(const char *op, ct_tensor *grad, ct_reduction reduction, const class_call *c,
                       ct_tensor **held)
{
    char a[128], b[128];
    if (reduction != CT_REDUCTION_NONE) {
        if (ct_numel(grad) != 1)
            return ct_fail("%s: expected a one-element gradient for the reduced loss, got shape %s", op,
                           ct_shape_str(grad, a, sizeof a));
    } else if (grad->ndim != c->out_ndim ||
               memcmp(grad->sizes, c->out_sizes, sizeof(int64_t) * (size_t)c->out_ndim) != 0) {
        return ct_fail("%s: the gradient has shape %s but the loss has shape %s", op, ct_shape_str(grad, a, sizeof a),
                       ct_sizes_str(c->out_ndim, c->out_sizes, b, sizeof b));
    }
    ct_tensor *g = grad->dtype == c->a.dtype ? ct_retain(grad) : ct_raw_to_dtype(grad, c->a.dtype);
    *held = g ? ct_raw_contiguous(g) : NULL;
    ct_release(g);
    return *held ? 0 : -1;
}

ct_tensor *ct_raw_class_loss_backward(int ce, ct_tensor *input, ct_tensor *target, ct_tensor *weight,
                                      ct_tensor *grad, ct_reduction reduction, int64_t ignore_index,
                                      double label_smoothing, int64_t base)
{
    const char *op = class_op_name(ce);
    class_call c;
    if (check_reduction(op, reduction) < 0 ||
        class_call_begin(&c, ce, input, target, weight, ignore_index, label_smoothing, base) < 0)
        return NULL;
    ct_tensor *g = NULL, *gi = NULL;
    if (grad_values(op, grad, reduction, &c, &g) == 0 && (gi = ct_empty(input->ndim, input->sizes, input->dtype))) {
        double scale = reduction == CT_REDUCTION_MEAN ? 1.0 / c.total_weight : 1.0;
        ct_cpu_class_loss_backward(&c.a, ct_tensor_data(g), reduction == CT_REDUCTION_NONE ? 1 : 0, scale,
                                   ct_tensor_data(gi));
    }
    ct_release(g);
    class_call_release(&c);
    return gi;
}

int ct_raw_class_loss_coefs(int ce, ct_tensor *input, ct_tensor *target, ct_tensor *weight,
                            ct_reduction reduction, int64_t ignore_index, double label_smoothing, int64_t base,
                            ct_tensor **coef_a, ct_tensor **coef_b)
{
    class_call c;
    *coef_b = NULL;
    if (coef_a)
        *coef_a = NULL;
    if (check_reduction(class_op_name(ce), reduction) < 0 ||
        class_call_begin(&c, ce, input, target, weight, ignore_index, label_smoothing, base) < 0)
        return -1;
    double scale = reduction == CT_REDUCTION_MEAN ? 1.0 / c.total_weight : 1.0;
    int64_t sizes[CT_MAX_DIMS];
    memcpy(sizes, input->sizes, sizeof(int64_t) * (size_t)input->ndim);
    sizes[input->ndim == 1 ? 0 : 1] = 1;
    ct_tensor *a = ce && coef_a ? ct_empty(input->ndim, sizes, input->dtype) : NULL;
    ct_tensor *b = ct_empty(input->ndim, input->sizes, input->dtype);
    int rc = -1;
    if (b && (a || !(ce && coef_a))) {
        ct_cpu_class_loss_coefs(&c.a, scale, a ? ct_tensor_data(a) : NULL, ct_tensor_data(b));
        rc = 0;
        *coef_b = b;
        if (coef_a)
            *coef_a = a;
    } else {
        ct_release(a);
        ct_release(b);
    }
    class_call_release(&c);
    return rc;
}

/* ---------------------------------------------------------------- elementwise losses */

static const char *ploss_name(ct_ploss_op op)
{
    switch (op) {
    case CT_LOSS_MSE: return "mse_loss";
    case CT_LOSS_L1: return "l1_loss";
    case CT_LOSS_SMOOTH_L1: return "smooth_l1_loss";
    case CT_LOSS_BCE: return "binary_cross_entropy";
    case CT_LOSS_BCE_LOGITS: return "binary_cross_entropy_with_logits";
    }
    return "loss";
}

/* Operands cast to one float dtype, with the loss's shape. */
typedef struct ploss_call {
    ct_ploss p;
    ct_tensor *x, *y, *w, *pw; /* held */
    int ndim;
    int64_t sizes[CT_MAX_DIMS];
} ploss_call;

static void ploss_call_release(ploss_call *c)
{
    ct_release(c->x);
    ct_release(c->y);
    ct_release(c->w);
    ct_release(c->pw);
}

typedef struct range_check {
    ct_dtype dtype;
    int bad;
} range_check;

static void unit_range_inner(void *ctx, char **data, const int64_t *s, int64_t n)
{
    range_check *r = ctx;
    for (int64_t i = 0; i < n && !r->bad; i++) {
        double v = r->dtype == CT_FLOAT32 ? *(const float *)(data[0] + i * s[0]) : *(const double *)(data[0] + i * s[0]);
        if (!(v >= 0 && v <= 1))
            r->bad = 1;
    }
}

/* A weight that broadcasts to the loss's shape without growing it, cast. */
static int ploss_extra(const char *op, const char *what, ct_tensor *t, const ploss_call *c, ct_tensor **out)
{
    char a[128], b[128];
    int nd;
    int64_t shape[CT_MAX_DIMS];
    if (!ct_dtype_is_float(t->dtype))
        return ct_fail("%s: %s must be a floating point tensor, got %s", op, what, ct_dtype_name(t->dtype));
    if (ct_broadcast_shape(op, t->ndim, t->sizes, c->ndim, c->sizes, &nd, shape) < 0 || nd != c->ndim ||
        memcmp(shape, c->sizes, sizeof(int64_t) * (size_t)nd) != 0)
        return ct_fail("%s: %s of shape %s does not broadcast to the loss's shape %s", op, what,
                       ct_shape_str(t, a, sizeof a), ct_sizes_str(c->ndim, c->sizes, b, sizeof b));
    *out = t->dtype == c->p.dtype ? ct_retain(t) : ct_raw_to_dtype(t, c->p.dtype);
    return *out ? 0 : -1;
}

static int ploss_call_begin(ploss_call *c, ct_ploss_op op, ct_tensor *input, ct_tensor *target, ct_tensor *weight,
                            ct_tensor *pos_weight, ct_reduction reduction, double beta)
{
    const char *name = ploss_name(op);
    char a[128], b[128];
    memset(c, 0, sizeof *c);
    if (check_reduction(name, reduction) < 0 || ct_check_same_device(name, input, target) < 0)
        return -1;
    ct_dtype dt = ct_promote_types(input->dtype, target->dtype);
    if (dt != CT_FLOAT32 && dt != CT_FLOAT64)
        return ct_fail("%s: expected float32 or float64 input and target, got %s and %s", name,
                       ct_dtype_name(input->dtype), ct_dtype_name(target->dtype));
    if (op == CT_LOSS_BCE || op == CT_LOSS_BCE_LOGITS) {
        if (input->ndim != target->ndim ||
            memcmp(input->sizes, target->sizes, sizeof(int64_t) * (size_t)input->ndim) != 0)
            return ct_fail("%s: target of shape %s must have the same shape as input of shape %s", name,
                           ct_shape_str(target, a, sizeof a), ct_shape_str(input, b, sizeof b));
        c->ndim = input->ndim;
        memcpy(c->sizes, input->sizes, sizeof(int64_t) * (size_t)input->ndim);
    } else if (ct_broadcast_shape(name, input->ndim, input->sizes, target->ndim, target->sizes, &c->ndim,
                                  c->sizes) < 0) {
        return -1;
    }
    if (op == CT_LOSS_SMOOTH_L1 && !(beta >= 0))
        return ct_fail("%s: beta must be non-negative, got %g", name, beta);
    c->p.kind = op;
    c->p.dtype = dt;
    c->p.beta = beta;
    c->x = input->dtype == dt ? ct_retain(input) : ct_raw_to_dtype(input, dt);
    c->y = target->dtype == dt ? ct_retain(target) : ct_raw_to_dtype(target, dt);
    if (!c->x || !c->y || (weight && ploss_extra(name, "weight", weight, c, &c->w) < 0) ||
        (pos_weight && ploss_extra(name, "pos_weight", pos_weight, c, &c->pw) < 0)) {
        ploss_call_release(c);
        return -1;
    }
    c->p.has_weight = c->w != NULL;
    c->p.has_pos_weight = c->pw != NULL;
    if (op == CT_LOSS_BCE) {
        range_check r = {dt, 0};
        ct_loop loop;
        ct_loop_begin(&loop, c->x->ndim, c->x->sizes);
        ct_loop_add(&loop, c->x);
        ct_loop_finish(&loop);
        ct_loop_run_range(&loop, unit_range_inner, &r, 0, loop.numel);
        if (r.bad) {
            ploss_call_release(c);
            return ct_fail("%s: all elements of input should be between 0 and 1 (they are probabilities; use "
                           "binary_cross_entropy_with_logits for logits)",
                           name);
        }
    }
    return 0;
}

ct_tensor *ct_raw_pointwise_loss(ct_ploss_op op, ct_tensor *input, ct_tensor *target, ct_tensor *weight,
                                 ct_tensor *pos_weight, ct_reduction reduction, double beta)
{
    ploss_call c;
    if (ploss_call_begin(&c, op, input, target, weight, pos_weight, reduction, beta) < 0)
        return NULL;
    ct_tensor *out = NULL;
    ct_loop loop;
    if (reduction == CT_REDUCTION_NONE) {
        out = ct_empty(c.ndim, c.sizes, c.p.dtype);
        if (out) {
            ct_loop_begin(&loop, c.ndim, c.sizes);
            ct_loop_add(&loop, out);
            ct_loop_add(&loop, c.x);
            ct_loop_add(&loop, c.y);
            if (c.pw)
                ct_loop_add(&loop, c.pw);
            ct_loop_finish(&loop);
            ct_cpu_ploss(&c.p, &loop);
            if (c.w && ct_raw_binary_(CT_MUL, out, c.w) < 0) {
                ct_release(out);
                out = NULL;
            }
        }
    } else {
        ct_loop_begin(&loop, c.ndim, c.sizes);
        ct_loop_add(&loop, c.x);
        ct_loop_add(&loop, c.y);
        if (c.w)
            ct_loop_add(&loop, c.w);
        if (c.pw)
            ct_loop_add(&loop, c.pw);
        ct_loop_finish(&loop);
        double s = ct_cpu_ploss_sum(&c.p, &loop);
        if (reduction == CT_REDUCTION_MEAN)
            s /= (double)ct_shape_numel(c.ndim, c.sizes); /* empty: nan, as PyTorch */
        out = scalar_tensor(s, c.p.dtype);
    }
    ploss_call_release(&c);
    return out;
}

ct_tensor *ct_raw_pointwise_loss_backward(ct_ploss_op op, ct_tensor *input, ct_tensor *target, ct_tensor *weight,
                                          ct_tensor *pos_weight, ct_tensor *grad, ct_reduction reduction,
                                          double beta, int wrt_target)
{
    const char *name = ploss_name(op);
    char a[128], b[128];
    ploss_call c;
    if (ploss_call_begin(&c, op, input, target, weight, pos_weight, reduction, beta) < 0)
        return NULL;
    int reduced = reduction != CT_REDUCTION_NONE;
    if (reduced ? ct_numel(grad) != 1
                : (grad->ndim != c.ndim || memcmp(grad->sizes, c.sizes, sizeof(int64_t) * (size_t)c.ndim) != 0)) {
        ct_fail("%s: the gradient has shape %s but the loss has shape %s", name, ct_shape_str(grad, a, sizeof a),
                reduced ? "[]" : ct_sizes_str(c.ndim, c.sizes, b, sizeof b));
        ploss_call_release(&c);
        return NULL;
    }
    ct_tensor *g = grad->dtype == c.p.dtype ? ct_retain(grad) : ct_raw_to_dtype(grad, c.p.dtype);
    ct_tensor *gi = g ? ct_empty(c.ndim, c.sizes, c.p.dtype) : NULL;
    if (gi) {
        double scale = reduction == CT_REDUCTION_MEAN ? 1.0 / (double)ct_shape_numel(c.ndim, c.sizes) : 1.0;
        double gval = 1.0;
        if (reduced)
            gval = ct_scalar_load(g->dtype, ct_tensor_data(g)).d;
        ct_loop loop;
        ct_loop_begin(&loop, c.ndim, c.sizes);
        ct_loop_add(&loop, gi);
        ct_loop_add(&loop, c.x);
        ct_loop_add(&loop, c.y);
        double buf = 1.0; /* g as a raw operand of dtype */
        float fbuf = 1.0f;
        if (c.pw) {
            ct_loop_add(&loop, c.pw);
            if (reduced)
                scale *= gval;
        } else if (reduced) {
            buf = gval;
            fbuf = (float)gval;
            ct_loop_add_raw(&loop, c.p.dtype == CT_FLOAT32 ? (void *)&fbuf : (void *)&buf, NULL,
                            ct_dtype_size(c.p.dtype));
        } else {
            ct_loop_add(&loop, g);
        }
        ct_loop_finish(&loop);
        ct_cpu_ploss_backward(&c.p, wrt_target, scale, &loop);
        int rc = 0;
        if (c.pw && !reduced)
            rc = ct_raw_binary_(CT_MUL, gi, g);
        if (rc == 0 && c.w)
            rc = ct_raw_binary_(CT_MUL, gi, c.w);
        if (rc < 0) {
            ct_release(gi);
            gi = NULL;
        }
    }
    ct_release(g);
    ploss_call_release(&c);
    return gi;
}
