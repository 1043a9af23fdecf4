/*
 * grad_unary.c -- autograd for unary pointwise ops, clamp, where and the
 * activation functions.
 */
#include <math.h>

#include "autograd/grad_util.h"
#include "core/loop.h"

typedef enum saves { SAVE_NONE, SAVE_INPUT, SAVE_OUTPUT } saves;

typedef struct unary_node {
    ct_node base;
    int kind; /* a ct_unary_op, or one of the activation kinds below */
    ct_saved saved;
    ct_shape_info in;
    double p1, p2; /* clamp bounds / slope / alpha / beta, threshold */
    int has_min, has_max;
} unary_node;

enum { ACT_CLAMP = CT_NUM_UNARY_OPS, ACT_LEAKY_RELU, ACT_ELU, ACT_SOFTPLUS };

static const char *unary_backward_name(int kind)
{
    static const char *names[CT_NUM_UNARY_OPS] = {
        [CT_NEG] = "NegBackward", [CT_ABS] = "AbsBackward", [CT_SIGN] = "SignBackward",
        [CT_EXP] = "ExpBackward", [CT_LOG] = "LogBackward", [CT_LOG2] = "Log2Backward",
        [CT_LOG10] = "Log10Backward", [CT_LOG1P] = "Log1PBackward", [CT_EXPM1] = "Expm1Backward",
        [CT_SQRT] = "SqrtBackward", [CT_RSQRT] = "RsqrtBackward", [CT_SIN] = "SinBackward",
        [CT_COS] = "CosBackward", [CT_TAN] = "TanBackward", [CT_ASIN] = "AsinBackward",
        [CT_ACOS] = "AcosBackward", [CT_ATAN] = "AtanBackward", [CT_SINH] = "SinhBackward",
        [CT_COSH] = "CoshBackward", [CT_TANH] = "TanhBackward", [CT_SIGMOID] = "SigmoidBackward",
        [CT_RELU] = "ReluBackward", [CT_FLOOR] = "FloorBackward", [CT_CEIL] = "CeilBackward",
        [CT_ROUND] = "RoundBackward", [CT_TRUNC] = "TruncBackward", [CT_FRAC] = "FracBackward",
        [CT_RECIPROCAL] = "ReciprocalBackward", [CT_SQUARE] = "PowBackward", [CT_ERF] = "ErfBackward",
        [CT_LOGICAL_NOT] = "LogicalNotBackward",
    };
    switch (kind) {
    case ACT_CLAMP: return "ClampBackward";
    case ACT_LEAKY_RELU: return "LeakyReluBackward";
    case ACT_ELU: return "EluBackward";
    case ACT_SOFTPLUS: return "SoftplusBackward";
    default: return names[kind];
    }
}

static saves what_to_save(int kind)
{
    switch (kind) {
    case CT_EXP: case CT_EXPM1: case CT_SQRT: case CT_RSQRT: case CT_TAN: case CT_TANH:
    case CT_SIGMOID: case CT_RELU: case CT_RECIPROCAL:
        return SAVE_OUTPUT;
    case CT_NEG: case CT_SIGN: case CT_FLOOR: case CT_CEIL: case CT_ROUND: case CT_TRUNC:
    case CT_FRAC:
        return SAVE_NONE;
    default:
        return SAVE_INPUT;
    }
}

static void unary_release_saved(ct_node *self) { ct_saved_reset(&((unary_node *)self)->saved); }

/* Small composition helpers: each consumes nothing and returns a new reference. */
static ct_tensor *mul(ct_tensor *a, ct_tensor *b) { return a && b ? ct_binary(CT_MUL, a, b) : NULL; }
static ct_tensor *divide(ct_tensor *a, ct_tensor *b) { return a && b ? ct_binary(CT_DIV, a, b) : NULL; }
static ct_tensor *scale(ct_tensor *a, double s) { return a ? ct_binary_scalar(CT_MUL, a, ct_scalar_float(s), 0) : NULL; }
static ct_tensor *shift(ct_tensor *a, double s) { return a ? ct_binary_scalar(CT_ADD, a, ct_scalar_float(s), 0) : NULL; }
static ct_tensor *rsub(double s, ct_tensor *a) { return a ? ct_binary_scalar(CT_SUB, a, ct_scalar_float(s), 1) : NULL; }
static ct_tensor *apply(ct_unary_op op, ct_tensor *a) { return a ? ct_unary(op, a) : NULL; }
/* (x op s) as 0/1 in dtype */
static ct_tensor *mask(ct_tensor *x, ct_binary_op op, double s, ct_dtype dtype)
{
    ct_tensor *b = ct_binary_scalar(op, x, ct_scalar_float(s), 0);
    ct_tensor *m = b ? ct_to_dtype(b, dtype) : NULL;
    ct_release(b);
    return m;
}

/* The tensors made along a formula are tracked and released together. */
typedef struct scratch {
    ct_tensor *t[8];
    int n;
} scratch;
static ct_tensor *keep(scratch *s, ct_tensor *t)
{
    s->t[s->n++] = t;
    return t;
}
static void drop(scratch *s)
{
    for (int i = 0; i < s->n; i++)
        ct_release(s->t[i]);
}

/* ReLU's gradient, g where y > 0 else 0, in one pass: the common case in
 * every training step.  Only for plain backward (nothing records) on
 * contiguous float tensors of one shape; anything else composes ops. */
typedef struct relu_grad_ctx {
    const void *g, *y;
    void *out;
    ct_dtype dtype;
} relu_grad_ctx;

static void relu_grad_range(void *ctx, int64_t begin, int64_t end)
{
    relu_grad_ctx *c = ctx;
    if (c->dtype == CT_FLOAT32) {
        const float *restrict g = c->g, *restrict y = c->y;
        float *restrict o = c->out;
        for (int64_t i = begin; i < end; i++) { /* both loads unconditional: it vectorizes */
            float gi = g[i];
            o[i] = y[i] > 0 ? gi : 0.0f;
        }
    } else {
        const double *restrict g = c->g, *restrict y = c->y;
        double *restrict o = c->out;
        for (int64_t i = begin; i < end; i++) {
            double gi = g[i];
            o[i] = y[i] > 0 ? gi : 0.0;
        }
    }
}

static ct_tensor *relu_grad_fast(ct_tensor *g, ct_tensor *y)
{
    ct_dtype dt = g->dtype;
    if (ct_is_grad_enabled() || (dt != CT_FLOAT32 && dt != CT_FLOAT64) || y->dtype != dt ||
        ct_device_of(g).type != CT_CPU || !ct_is_contiguous(g) || !ct_is_contiguous(y) ||
        ct_ndim(g) != ct_ndim(y))
        return NULL;
    for (int d = 0; d < ct_ndim(g); d++)
        if (ct_size(g, d) != ct_size(y, d))
            return NULL;
    ct_tensor *out = ct_empty(ct_ndim(g), ct_sizes(g), dt);
    if (!out)
        return NULL;
    relu_grad_ctx c = {ct_data_ptr(g), ct_data_ptr(y), ct_data_ptr(out), dt};
    ct_parallel_for(ct_numel(g), 32768, relu_grad_range, &c);
    return out;
}

static ct_tensor *formula(unary_node *n, ct_tensor *g, ct_tensor *v)
{
    scratch s = {.n = 0};
    ct_tensor *r = NULL;
    ct_dtype dt = g->dtype;
    switch (n->kind) {
    case CT_NEG: r = apply(CT_NEG, g); break;
    case CT_ABS: r = mul(g, keep(&s, apply(CT_SIGN, v))); break;
    case CT_SIGN: case CT_FLOOR: case CT_CEIL: case CT_ROUND: case CT_TRUNC:
        r = ct_zeros(n->in.ndim, n->in.sizes, dt);
        break;
    case CT_FRAC: r = ct_retain(g); break;
    case CT_EXP: r = mul(g, v); break;
    case CT_EXPM1: r = mul(g, keep(&s, shift(v, 1))); break;
    case CT_LOG: r = divide(g, v); break;
    case CT_LOG2: r = divide(g, keep(&s, scale(v, M_LN2))); break;
    case CT_LOG10: r = divide(g, keep(&s, scale(v, M_LN10))); break;
    case CT_LOG1P: r = divide(g, keep(&s, shift(v, 1))); break;
    case CT_SQRT: r = divide(g, keep(&s, scale(v, 2))); break;
    case CT_RSQRT: /* -0.5 g y^3 */
        r = mul(keep(&s, scale(g, -0.5)), keep(&s, mul(v, keep(&s, mul(v, v)))));
        break;
    case CT_SIN: r = mul(g, keep(&s, apply(CT_COS, v))); break;
    case CT_COS: r = mul(g, keep(&s, apply(CT_NEG, keep(&s, apply(CT_SIN, v))))); break;
    case CT_TAN: r = mul(g, keep(&s, shift(keep(&s, mul(v, v)), 1))); break;
    case CT_ASIN: case CT_ACOS: { /* +-g / sqrt(1 - x^2) */
        ct_tensor *d = keep(&s, apply(CT_SQRT, keep(&s, rsub(1, keep(&s, mul(v, v))))));
        ct_tensor *q = keep(&s, divide(g, d));
        r = n->kind == CT_ASIN ? ct_retain(q) : apply(CT_NEG, q);
        break;
    }
    case CT_ATAN: r = divide(g, keep(&s, shift(keep(&s, mul(v, v)), 1))); break;
    case CT_SINH: r = mul(g, keep(&s, apply(CT_COSH, v))); break;
    case CT_COSH: r = mul(g, keep(&s, apply(CT_SINH, v))); break;
    case CT_TANH: r = mul(g, keep(&s, rsub(1, keep(&s, mul(v, v))))); break;
    case CT_SIGMOID: r = mul(g, keep(&s, mul(v, keep(&s, rsub(1, v))))); break;
    case CT_RELU:
        if (!(r = relu_grad_fast(g, v)))
            r = mul(g, keep(&s, mask(v, CT_GT, 0, dt)));
        break;
    case CT_RECIPROCAL: r = apply(CT_NEG, keep(&s, mul(g, keep(&s, mul(v, v))))); break;
    case CT_SQUARE: r = mul(g, keep(&s, scale(v, 2))); break;
    case CT_ERF: /* 2/sqrt(pi) exp(-x^2) */
        r = mul(g, keep(&s, scale(keep(&s, apply(CT_EXP, keep(&s, apply(CT_NEG, keep(&s, mul(v, v)))))),
                                 M_2_SQRTPI)));
        break;
    case ACT_CLAMP: { /* pass the gradient where min <= x <= max */
        ct_tensor *m = NULL;
        if (n->has_min && n->has_max)
            m = keep(&s, mul(keep(&s, mask(v, CT_GE, n->p1, dt)), keep(&s, mask(v, CT_LE, n->p2, dt))));
        else if (n->has_min)
            m = keep(&s, mask(v, CT_GE, n->p1, dt));
        else
            m = keep(&s, mask(v, CT_LE, n->p2, dt));
        r = mul(g, m);
        break;
    }
    case ACT_LEAKY_RELU: { /* 1 where x > 0, else slope: slope + (1 - slope) [x > 0] */
        ct_tensor *pos = keep(&s, mask(v, CT_GT, 0, dt));
        r = mul(g, keep(&s, shift(keep(&s, scale(pos, 1 - n->p1)), n->p1)));
        break;
    }
    case ACT_ELU: { /* x > 0: 1, else alpha exp(x).  The input is saved: from the
                     * output, y > 0 tells x > 0 only when alpha >= 0. */
        ct_tensor *pos = keep(&s, mask(v, CT_GT, 0, dt));
        ct_tensor *neg = keep(&s, rsub(1, pos));
        ct_tensor *slope = keep(&s, mul(neg, keep(&s, scale(keep(&s, apply(CT_EXP, v)), n->p1))));
        r = mul(g, keep(&s, ct_binary(CT_ADD, pos, slope)));
        break;
    }
    case ACT_SOFTPLUS: { /* x beta > threshold: 1, else sigmoid(beta x) */
        ct_tensor *bx = keep(&s, scale(v, n->p1));
        ct_tensor *linear = keep(&s, mask(bx, CT_GT, n->p2, dt));
        ct_tensor *sig = keep(&s, apply(CT_SIGMOID, bx));
        ct_tensor *smooth = keep(&s, mul(sig, keep(&s, rsub(1, linear))));
        r = mul(g, keep(&s, ct_binary(CT_ADD, linear, smooth)));
        break;
    }
    default:
        ct_fail("%s: not differentiable", unary_backward_name(n->kind));
        break;
    }
    drop(&s);
    return r;
}

static int unary_backward(ct_node *self, ct_tensor *const *grads, ct_tensor **gi)
{
    unary_node *n = (unary_node *)self;
    ct_tensor *v = NULL;
    if (what_to_save(n->kind) != SAVE_NONE && !(v = ct_saved_get(&n->saved, self)))
        return -1;
    gi[0] = formula(n, grads[0], v);
    ct_release(v);
    if (!gi[0])
        return -1;
    gi[0] = ct_grad_reduce(gi[0], &n->in);
    return gi[0] ? 0 : -1;
}

static int differentiable(int kind) { return kind != CT_LOGICAL_NOT; }

/* Records out = kind(t); consumes out. */
static ct_tensor *record(int kind, ct_tensor *t, ct_tensor *out, double p1, double p2, int has_min, int has_max)
{
    if (!out || !differentiable(kind) || !ct_dtype_is_float(out->dtype) || !ct_ag_any_requires_grad(1, &t))
        return out;
    unary_node *n = (unary_node *)ct_ag_node_new(sizeof *n, unary_backward_name(kind), unary_backward, 1, &t, 1);
    if (!n) {
        ct_release(out);
        return NULL;
    }
    n->kind = kind;
    n->base.release_saved = unary_release_saved;
    ct_shape_info_set(&n->in, t);
    n->p1 = p1;
    n->p2 = p2;
    n->has_min = has_min;
    n->has_max = has_max;
    out = ct_ag_finish(out, &n->base);
    if (out && what_to_save(kind) == SAVE_INPUT)
        ct_saved_set(&n->saved, t, NULL, 0);
    else if (out && what_to_save(kind) == SAVE_OUTPUT)
        ct_saved_set(&n->saved, out, &n->base, 0);
    return out;
}

ct_tensor *ct_unary(ct_unary_op op, ct_tensor *t)
{
    return record(op, t, ct_raw_unary(op, t), 0, 0, 0, 0);
}

int ct_unary_(ct_unary_op op, ct_tensor *t)
{
    if (!differentiable(op) || !ct_ag_any_requires_grad(1, &t))
        return ct_raw_unary_(op, t);
    if (ct_ag_check_inplace(ct_unary_name(op), t) < 0)
        return -1;
    ct_tensor *before = ct_clone(t);
    if (!before)
        return -1;
    ct_tensor *result = ct_unary(op, before);
    ct_release(before);
    return ct_ag_commit_inplace(ct_unary_name(op), t, result);
}

ct_tensor *ct_clamp(ct_tensor *t, const ct_scalar *min, const ct_scalar *max)
{
    return record(ACT_CLAMP, t, ct_raw_clamp(t, min, max), min ? min->d : 0, max ? max->d : 0, min != NULL,
                  max != NULL);
}

int ct_clamp_(ct_tensor *t, const ct_scalar *min, const ct_scalar *max)
{
    if (!ct_ag_any_requires_grad(1, &t))
        return ct_raw_clamp_(t, min, max);
    if (ct_ag_check_inplace("clamp_", t) < 0)
        return -1;
    ct_tensor *before = ct_clone(t);
    if (!before)
        return -1;
    ct_tensor *result = ct_clamp(before, min, max);
    ct_release(before);
    return ct_ag_commit_inplace("clamp_", t, result);
}

ct_tensor *ct_leaky_relu(ct_tensor *t, double slope)
{
    return record(ACT_LEAKY_RELU, t, ct_raw_leaky_relu(t, slope), slope, 0, 0, 0);
}

ct_tensor *ct_elu(ct_tensor *t, double alpha)
{
    return record(ACT_ELU, t, ct_raw_elu(t, alpha), alpha, 0, 0, 0);
}

ct_tensor *ct_softplus(ct_tensor *t, double beta, double threshold)
{
    return record(ACT_SOFTPLUS, t, ct_raw_softplus(t, beta, threshold), beta, threshold, 0, 0);
}

/* ---------------------------------------------------------------- where */

typedef struct where_node {
    ct_node base;
    ct_saved cond;
    ct_shape_info a, b;
} where_node;

static void where_release_saved(ct_node *self) { ct_saved_reset(&((where_node *)self)->cond); }

static int where_backward(ct_node *self, ct_tensor *const *grads, ct_tensor **gi)
{
    where_node *n = (where_node *)self;
    ct_tensor *cond = ct_saved_get(&n->cond, self);
    if (!cond)
        return -1;
    ct_tensor *zero = ct_zeros(0, NULL, grads[0]->dtype);
    if (zero && ct_ag_needs_grad(self, 1))
        gi[1] = ct_grad_reduce(ct_where(cond, grads[0], zero), &n->a);
    if (zero && ct_ag_needs_grad(self, 2))
        gi[2] = ct_grad_reduce(ct_where(cond, zero, grads[0]), &n->b);
    ct_release(zero);
    ct_release(cond);
    if ((ct_ag_needs_grad(self, 1) && !gi[1]) || (ct_ag_needs_grad(self, 2) && !gi[2]))
        return ct_grad_fail(3, gi);
    return 0;
}

ct_tensor *ct_where(ct_tensor *cond, ct_tensor *a, ct_tensor *b)
{
    ct_tensor *out = ct_raw_where(cond, a, b);
    ct_tensor *inputs[3] = {cond, a, b};
    if (!out || !ct_dtype_is_float(out->dtype) || !ct_ag_any_requires_grad(3, inputs))
        return out;
    inputs[0] = NULL; /* the condition gets no gradient */
    where_node *n = (where_node *)ct_ag_node_new(sizeof *n, "WhereBackward", where_backward, 3, inputs, 1);
    if (!n) {
        ct_release(out);
        return NULL;
    }
    n->base.release_saved = where_release_saved;
    ct_saved_set(&n->cond, cond, NULL, 0);
    ct_shape_info_set(&n->a, a);
    ct_shape_info_set(&n->b, b);
    return ct_ag_finish(out, &n->base);
}

/* ---------------------------------------------------------------- lerp */

/* a + w (b - a), recorded through its parts when a gradient is needed */
ct_tensor *ct_lerp(ct_tensor *a, ct_tensor *b, ct_tensor *weight)
{
    ct_tensor *inputs[3] = {a, b, weight};
    if (!ct_ag_any_requires_grad(3, inputs))
        return ct_raw_lerp(a, b, weight);
    ct_tensor *d = ct_binary(CT_SUB, b, a);
    ct_tensor *wd = d ? ct_binary(CT_MUL, weight, d) : NULL;
    ct_tensor *out = wd ? ct_binary(CT_ADD, a, wd) : NULL;
    ct_release(d);
    ct_release(wd);
    return out;
}

ct_tensor *ct_lerp_scalar(ct_tensor *a, ct_tensor *b, double weight)
{
    ct_tensor *inputs[2] = {a, b};
    if (!ct_ag_any_requires_grad(2, inputs))
        return ct_raw_lerp_scalar(a, b, weight);
    ct_tensor *d = ct_binary(CT_SUB, b, a);
    ct_tensor *wd = d ? ct_binary_scalar(CT_MUL, d, ct_scalar_float(weight), 0) : NULL;
    ct_tensor *out = wd ? ct_binary(CT_ADD, a, wd) : NULL;
    ct_release(d);
    ct_release(wd);
    return out;
}
