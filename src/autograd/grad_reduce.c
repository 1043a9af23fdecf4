/*
 * grad_reduce.c -- autograd for reductions.
 */
#include <math.h>
#include <string.h>

#include "autograd/grad_util.h"

typedef enum reduce_kind { RK_REDUCE, RK_SUM_TO_SIZE, RK_VAR, RK_STD, RK_NORM, RK_SELECT_DIM, RK_CUMSUM } reduce_kind;

typedef struct reduce_node {
    ct_node base;
    reduce_kind kind;
    ct_reduce_op op;
    ct_saved input, output, indices;
    ct_shape_info in;
    int ndims;
    int dims[CT_MAX_DIMS]; /* wrapped, 0-based; ndims == 0: all */
    int keepdim;
    int64_t correction;
    double p;
} reduce_node;

static void reduce_release_saved(ct_node *self)
{
    reduce_node *n = (reduce_node *)self;
    ct_saved_reset(&n->input);
    ct_saved_reset(&n->output);
    ct_saved_reset(&n->indices);
}

static int is_reduced(const reduce_node *n, int d)
{
    if (n->ndims == 0)
        return 1;
    for (int i = 0; i < n->ndims; i++)
        if (n->dims[i] == d)
            return 1;
    return 0;
}

/* A reduced result (or its gradient) broadcast back to the input's shape. */
static ct_tensor *expand_back(const reduce_node *n, ct_tensor *g)
{
    ct_tensor *cur = ct_retain(g);
    if (!n->keepdim && n->in.ndim > 0) {
        int64_t shape[CT_MAX_DIMS];
        for (int d = 0; d < n->in.ndim; d++)
            shape[d] = is_reduced(n, d) ? 1 : n->in.sizes[d];
        ct_tensor *r = ct_reshape(cur, n->in.ndim, shape);
        ct_release(cur);
        cur = r;
    }
    if (!cur)
        return NULL;
    ct_tensor *e = ct_expand(cur, n->in.ndim, n->in.sizes);
    ct_release(cur);
    return e;
}

static int64_t reduced_count(const reduce_node *n)
{
    int64_t count = 1;
    for (int d = 0; d < n->in.ndim; d++)
        if (is_reduced(n, d))
            count *= n->in.sizes[d];
    return count;
}

static ct_tensor *times(ct_tensor *a, ct_tensor *b) { return a && b ? ct_binary(CT_MUL, a, b) : NULL; }
static ct_tensor *over(ct_tensor *a, ct_tensor *b) { return a && b ? ct_binary(CT_DIV, a, b) : NULL; }

/* value (consumed), with 0 where key == 0: where a formula would give 0/0 or
 * 0 * inf, PyTorch's subgradient is 0. */
static ct_tensor *zero_where_zero(ct_tensor *key, ct_tensor *value)
{
    ct_tensor *is0 = key && value ? ct_binary_scalar(CT_EQ, key, ct_scalar_int(0), 0) : NULL;
    ct_tensor *z = is0 ? ct_zeros(0, NULL, value->dtype) : NULL;
    ct_tensor *r = z ? ct_where(is0, z, value) : NULL;
    ct_release(is0);
    ct_release(z);
    ct_release(value);
    return r;
}

/* The gradient of prod: g times the product of the other elements of the
 * slice.  That is y / x where x != 0; at a zero it is the product of the
 * slice's non-zero elements when that zero is the slice's only one, else 0.
 * ge, ye: g and y broadcast to the input's shape. */
static ct_tensor *prod_grad(const reduce_node *n, ct_tensor *x, ct_tensor *ge, ct_tensor *ye)
{
    ct_tensor *t[10] = {0}, *r = NULL;
    ct_scalar has_zero;
    t[0] = ct_binary_scalar(CT_EQ, x, ct_scalar_int(0), 0);
    t[1] = t[0] ? ct_raw_reduce(CT_ANY, t[0], 0, NULL, 0) : NULL;
    if (!t[1] || ct_item(t[1], &has_zero) < 0)
        goto done;
    if (!has_zero.i) {
        r = over(t[2] = times(ge, ye), x);
        goto done;
    }
    ct_dtype dt = x->dtype;
    t[2] = ct_ones(0, NULL, dt);
    t[3] = t[2] ? ct_where(t[0], t[2], x) : NULL;                 /* zeros replaced by 1 */
    t[4] = t[3] ? ct_reduce(CT_PROD, t[3], n->ndims, n->dims, 1) : NULL; /* product of the non-zeros */
    t[5] = ct_to_dtype(t[0], dt);
    t[6] = t[5] ? ct_reduce(CT_SUM, t[5], n->ndims, n->dims, 1) : NULL;  /* zeros per slice */
    t[7] = t[6] ? ct_binary_scalar(CT_EQ, t[6], ct_scalar_int(1), 0) : NULL;
    t[8] = ct_zeros(0, NULL, dt);
    ct_tensor *at_zero = t[4] && t[7] && t[8] ? ct_where(t[7], t[4], t[8]) : NULL;
    ct_tensor *elsewhere = t[3] ? ct_binary(CT_DIV, ye, t[3]) : NULL;
    t[9] = at_zero && elsewhere ? ct_where(t[0], at_zero, elsewhere) : NULL;
    r = times(ge, t[9]);
    ct_release(at_zero);
    ct_release(elsewhere);
done:
    for (int i = 0; i < 10; i++)
        ct_release(t[i]);
    return r;
}

static int reduce_backward(ct_node *self, ct_tensor *const *grads, ct_tensor **gi)
{
    reduce_node *n = (reduce_node *)self;
    ct_tensor *g = grads[0], *x = NULL, *y = NULL, *idx = NULL, *r = NULL;
    ct_tensor *t[8] = {0};
    if (n->input.present && !(x = ct_saved_get(&n->input, self)))
        return -1;
    if (n->output.present && !(y = ct_saved_get(&n->output, self))) {
        ct_release(x);
        return -1;
    }
    if (n->indices.present && !(idx = ct_saved_get(&n->indices, self))) {
        ct_release(x);
        ct_release(y);
        return -1;
    }
    switch (n->kind) {
    case RK_SUM_TO_SIZE:
        r = ct_expand(g, n->in.ndim, n->in.sizes);
        break;
    case RK_REDUCE:
        switch (n->op) {
        case CT_SUM: r = expand_back(n, g); break;
        case CT_MEAN:
            t[0] = expand_back(n, g);
            r = t[0] ? ct_binary_scalar(CT_DIV, t[0], ct_scalar_int(reduced_count(n)), 0) : NULL;
            break;
        case CT_PROD:
            t[0] = expand_back(n, g);
            t[1] = expand_back(n, y);
            r = t[0] && t[1] ? prod_grad(n, x, t[0], t[1]) : NULL;
            break;
        case CT_AMAX:
        case CT_AMIN: { /* evenly among the elements equal to the extreme */
            t[0] = expand_back(n, y);
            t[1] = t[0] ? ct_binary(CT_EQ, x, t[0]) : NULL;
            t[2] = t[1] ? ct_to_dtype(t[1], g->dtype) : NULL;
            t[3] = t[2] ? ct_reduce(CT_SUM, t[2], n->ndims, n->dims, 1) : NULL;
            t[4] = expand_back(n, g);
            t[5] = over(t[2], t[3]);
            r = times(t[4], t[5]);
            break;
        }
        default:
            ct_fail("%s: not differentiable", self->name);
            break;
        }
        break;
    case RK_VAR:
    case RK_STD: { /* var: 2 (x - mean) / (N - c); std: (x - mean) / ((N - c) std), 0 where std == 0 */
        t[0] = ct_reduce(CT_MEAN, x, n->ndims, n->dims, 1);
        t[1] = t[0] ? ct_binary(CT_SUB, x, t[0]) : NULL;
        double denom = (double)(reduced_count(n) - n->correction);
        t[2] = expand_back(n, g);
        if (n->kind == RK_VAR) {
            t[3] = times(t[1], t[2]);
            r = t[3] ? ct_binary_scalar(CT_MUL, t[3], ct_scalar_float(2.0 / denom), 0) : NULL;
        } else {
            t[4] = expand_back(n, y);
            t[5] = t[4] ? ct_binary_scalar(CT_MUL, t[4], ct_scalar_float(denom), 0) : NULL;
            t[6] = zero_where_zero(t[4], over(t[2], t[5]));
            r = times(t[1], t[6]);
        }
        break;
    }
    case RK_NORM: { /* 0 where the norm is 0, as in PyTorch (a subgradient) */
        t[0] = expand_back(n, g);
        t[1] = expand_back(n, y);
        if (n->p == 2) { /* g x / norm */
            t[2] = zero_where_zero(t[1], over(t[0], t[1]));
            r = times(x, t[2]);
        } else if (n->p == 1) {
            r = times(t[0], t[2] = ct_unary(CT_SIGN, x));
        } else if (isinf(n->p)) { /* like amax of |x|, with the sign of x */
            t[2] = ct_unary(CT_ABS, x);
            t[3] = t[2] ? ct_binary(CT_EQ, t[2], t[1]) : NULL;
            t[4] = t[3] ? ct_to_dtype(t[3], g->dtype) : NULL;
            t[5] = t[4] ? ct_reduce(CT_SUM, t[4], n->ndims, n->dims, 1) : NULL;
            t[6] = over(t[4], t[5]);
            t[7] = ct_unary(CT_SIGN, x);
            ct_tensor *share = times(t[6], t[7]);
            r = times(t[0], share);
            ct_release(share);
        } else { /* g sign(x) |x|^(p-1) / norm^(p-1): written with sign(x) rather than x |x|^(p-2)
                  * so that zeros of x give 0 (not 0 * inf) for p > 1, and masked for p < 1 */
            t[2] = ct_unary(CT_ABS, x);
            t[3] = t[2] ? ct_binary_scalar(CT_POW, t[2], ct_scalar_float(n->p - 1), 0) : NULL;
            t[4] = ct_unary(CT_SIGN, x);
            t[5] = zero_where_zero(x, times(t[4], t[3]));
            t[6] = t[1] ? ct_binary_scalar(CT_POW, t[1], ct_scalar_float(n->p - 1), 0) : NULL;
            t[7] = zero_where_zero(t[1], over(t[0], t[6]));
            r = times(t[5], t[7]);
        }
        break;
    }
    case RK_SELECT_DIM: { /* max/min along a dim: the gradient goes to the chosen index */
        int dim = n->dims[0];
        ct_tensor *gk = n->keepdim ? ct_retain(g) : ct_unsqueeze(g, dim);
        ct_tensor *ik = n->keepdim ? ct_retain(idx) : ct_unsqueeze(idx, dim);
        t[0] = gk;
        t[1] = ik;
        t[2] = gk && ik ? ct_zeros(n->in.ndim, n->in.sizes, g->dtype) : NULL;
        r = t[2] ? ct_scatter(t[2], dim, ik, gk) : NULL;
        break;
    }
    case RK_CUMSUM: { /* reversed cumsum: total - cumsum + g */
        int dim = n->dims[0];
        t[0] = ct_reduce(CT_SUM, g, 1, &dim, 1);
        t[1] = ct_cumsum(g, dim);
        t[2] = t[0] && t[1] ? ct_binary(CT_SUB, t[0], t[1]) : NULL;
        r = t[2] ? ct_binary(CT_ADD, t[2], g) : NULL;
        break;
    }
    }
    for (int i = 0; i < 8; i++)
        ct_release(t[i]);
    ct_release(x);
    ct_release(y);
    ct_release(idx);
    gi[0] = ct_grad_reduce(r, &n->in);
    return gi[0] ? 0 : -1;
}

static const char *reduce_name(ct_reduce_op op)
{
    switch (op) {
    case CT_SUM: return "SumBackward";
    case CT_MEAN: return "MeanBackward";
    case CT_PROD: return "ProdBackward";
    case CT_AMAX: return "AmaxBackward";
    case CT_AMIN: return "AminBackward";
    default: return "ReduceBackward";
    }
}

/* Records out = kind(t) along dims; saves input/output as asked. Consumes out. */
static ct_tensor *record(const char *name, reduce_kind kind, ct_reduce_op op, ct_tensor *t, ct_tensor *out,
                         int ndims, const int *dims, int keepdim, int save_input, int save_output)
{
    if (!out || !ct_dtype_is_float(out->dtype) || !ct_ag_any_requires_grad(1, &t))
        return out;
    reduce_node *n = (reduce_node *)ct_ag_node_new(sizeof *n, name, reduce_backward, 1, &t, 1);
    if (!n) {
        ct_release(out);
        return NULL;
    }
    n->base.release_saved = reduce_release_saved;
    n->kind = kind;
    n->op = op;
    ct_shape_info_set(&n->in, t);
    n->keepdim = keepdim;
    n->ndims = ndims;
    for (int i = 0; i < ndims; i++)
        n->dims[i] = dims[i] < 0 ? dims[i] + (t->ndim > 0 ? t->ndim : 1) : dims[i];
    /* reducing every dim listed explicitly is the same as "all" */
    if (save_input)
        ct_saved_set(&n->input, t, NULL, 0);
    out = ct_ag_finish(out, &n->base);
    if (out && save_output)
        ct_saved_set(&n->output, out, &n->base, 0);
    return out;
}

ct_tensor *ct_reduce(ct_reduce_op op, ct_tensor *t, int ndims, const int *dims, int keepdim)
{
    ct_tensor *out = ct_raw_reduce(op, t, ndims, dims, keepdim);
    if (op == CT_ALL || op == CT_ANY)
        return out;
    int save_in = op == CT_PROD || op == CT_AMAX || op == CT_AMIN;
    int save_out = save_in;
    return record(reduce_name(op), RK_REDUCE, op, t, out, ndims, dims, keepdim, save_in, save_out);
}

ct_tensor *ct_sum_to_size(ct_tensor *t, int ndim, const int64_t *sizes)
{
    ct_tensor *out = ct_raw_sum_to_size(t, ndim, sizes);
    if (out == t) /* already that shape: t itself, whose history must stay as it is */
        return out;
    return record("SumToSizeBackward", RK_SUM_TO_SIZE, CT_SUM, t, out, 0, NULL, 0, 0, 0);
}

ct_tensor *ct_var(ct_tensor *t, int ndims, const int *dims, int64_t correction, int keepdim)
{
    ct_tensor *out = ct_raw_var(t, ndims, dims, correction, keepdim);
    out = record("VarBackward", RK_VAR, CT_SUM, t, out, ndims, dims, keepdim, 1, 0);
    if (out && out->autograd && out->autograd->grad_fn)
        ((reduce_node *)out->autograd->grad_fn)->correction = correction;
    return out;
}

ct_tensor *ct_std(ct_tensor *t, int ndims, const int *dims, int64_t correction, int keepdim)
{
    ct_tensor *out = ct_raw_std(t, ndims, dims, correction, keepdim);
    out = record("StdBackward", RK_STD, CT_SUM, t, out, ndims, dims, keepdim, 1, 1);
    if (out && out->autograd && out->autograd->grad_fn)
        ((reduce_node *)out->autograd->grad_fn)->correction = correction;
    return out;
}

ct_tensor *ct_norm(ct_tensor *t, double p, int ndims, const int *dims, int keepdim)
{
    ct_tensor *out = ct_raw_norm(t, p, ndims, dims, keepdim);
    if (p == 0)
        return out; /* counts nonzeros: no gradient */
    out = record("NormBackward", RK_NORM, CT_SUM, t, out, ndims, dims, keepdim, 1, 1);
    if (out && out->autograd && out->autograd->grad_fn)
        ((reduce_node *)out->autograd->grad_fn)->p = p;
    return out;
}

static int select_dim(int is_max, ct_tensor *t, int dim, int keepdim, ct_tensor **values, ct_tensor **indices)
{
    int rc = is_max ? ct_raw_max_dim(t, dim, keepdim, values, indices)
                    : ct_raw_min_dim(t, dim, keepdim, values, indices);
    if (rc < 0 || !ct_dtype_is_float((*values)->dtype) || !ct_ag_any_requires_grad(1, &t))
        return rc;
    *values = record(is_max ? "MaxBackward" : "MinBackward", RK_SELECT_DIM, CT_SUM, t, *values, 1, &dim,
                     keepdim, 0, 0);
    if (!*values) {
        ct_release(*indices);
        *indices = NULL;
        return -1;
    }
    /* a private copy: the caller gets the indices to keep or change (the
     * Lua binding turns them 1-based in place), the backward needs these */
    ct_tensor *kept = ct_raw_clone(*indices);
    if (!kept) {
        ct_release(*values);
        ct_release(*indices);
        *values = *indices = NULL;
        return -1;
    }
    reduce_node *n = (reduce_node *)(*values)->autograd->grad_fn;
    ct_saved_set(&n->indices, kept, NULL, 0);
    ct_release(kept);
    return 0;
}

int ct_max_dim(ct_tensor *t, int dim, int keepdim, ct_tensor **values, ct_tensor **indices)
{
    return select_dim(1, t, dim, keepdim, values, indices);
}

int ct_min_dim(ct_tensor *t, int dim, int keepdim, ct_tensor **values, ct_tensor **indices)
{
    return select_dim(0, t, dim, keepdim, values, indices);
}

ct_tensor *ct_cumsum(ct_tensor *t, int dim)
{
    return record("CumsumBackward", RK_CUMSUM, CT_SUM, t, ct_raw_cumsum(t, dim), 1, &dim, 1, 0, 0);
}
