/*
 * grad_linalg.c -- autograd for matrix products.  matmul is composed from
 * the recorded primitives (dot, mv, mm, bmm) when a gradient is needed.
 */
#include <string.h>

#include "autograd/grad_util.h"

typedef enum mm_kind { MK_MM, MK_MV, MK_BMM, MK_DOT, MK_OUTER, MK_ADDMM } mm_kind;

typedef struct mm_node {
    ct_node base;
    mm_kind kind;
    ct_saved a, b;
    ct_shape_info c_info;
    double beta, alpha;
} mm_node;

static void mm_release_saved(ct_node *self)
{
    mm_node *n = (mm_node *)self;
    ct_saved_reset(&n->a);
    ct_saved_reset(&n->b);
}

static ct_tensor *scaled(ct_tensor *t, double s)
{
    if (!t || s == 1)
        return t;
    ct_tensor *r = ct_binary_scalar(CT_MUL, t, ct_scalar_float(s), 0);
    ct_release(t);
    return r;
}

static int mm_backward(ct_node *self, ct_tensor *const *grads, ct_tensor **gi)
{
    mm_node *n = (mm_node *)self;
    ct_tensor *g = grads[0];
    /* addmm's inputs are (c, a, b): a and b sit at 1 and 2 */
    int ia = n->kind == MK_ADDMM ? 1 : 0, ib = ia + 1;
    int want_a = ct_ag_needs_grad(self, ia), want_b = ct_ag_needs_grad(self, ib);
    ct_tensor *a = want_b ? ct_saved_get(&n->a, self) : NULL;
    ct_tensor *b = want_a ? ct_saved_get(&n->b, self) : NULL;
    if ((want_b && !a) || (want_a && !b)) {
        ct_release(a);
        ct_release(b);
        return -1;
    }
    ct_tensor *bt = NULL, *at = NULL, *gt = NULL;
    switch (n->kind) {
    case MK_MM:
    case MK_ADDMM:
        if (want_a && (bt = ct_t(b)))
            gi[ia] = scaled(ct_mm(g, bt), n->kind == MK_ADDMM ? n->alpha : 1);
        if (want_b && (at = ct_t(a)))
            gi[ib] = scaled(ct_mm(at, g), n->kind == MK_ADDMM ? n->alpha : 1);
        if (n->kind == MK_ADDMM && ct_ag_needs_grad(self, 0))
            gi[0] = ct_grad_reduce(scaled(ct_retain(g), n->beta), &n->c_info);
        break;
    case MK_MV: /* y = A v: dA = g v^T, dv = A^T g */
        if (want_a)
            gi[0] = ct_outer(g, b);
        if (want_b && (at = ct_t(a)))
            gi[1] = ct_mv(at, g);
        break;
    case MK_BMM:
        if (want_a && (bt = ct_transpose(b, 1, 2)))
            gi[0] = ct_bmm(g, bt);
        if (want_b && (at = ct_transpose(a, 1, 2)))
            gi[1] = ct_bmm(at, g);
        break;
    case MK_DOT:
        if (want_a)
            gi[0] = ct_binary(CT_MUL, b, g);
        if (want_b)
            gi[1] = ct_binary(CT_MUL, a, g);
        break;
    case MK_OUTER: /* M = a b^T: da = M_g b, db = M_g^T a */
        if (want_a)
            gi[0] = ct_mv(g, b);
        if (want_b && (gt = ct_t(g)))
            gi[1] = ct_mv(gt, a);
        break;
    }
    ct_release(at);
    ct_release(bt);
    ct_release(gt);
    ct_release(a);
    ct_release(b);
    int n_in = self->num_inputs;
    for (int j = 0; j < n_in; j++)
        if (ct_ag_needs_grad(self, j) && !gi[j])
            return ct_grad_fail(n_in, gi);
    return 0;
}

static const char *mm_name(mm_kind k)
{
    static const char *names[] = {"MmBackward", "MvBackward", "BmmBackward", "DotBackward", "OuterBackward",
                                  "AddmmBackward"};
    return names[k];
}

static ct_tensor *record(mm_kind kind, ct_tensor *c, ct_tensor *a, ct_tensor *b, ct_tensor *out, double beta,
                         double alpha)
{
    ct_tensor *inputs[3] = {c, a, b};
    ct_tensor *const *ins = kind == MK_ADDMM ? inputs : inputs + 1;
    int nin = kind == MK_ADDMM ? 3 : 2;
    if (!out || !ct_dtype_is_float(out->dtype) || !ct_ag_any_requires_grad(nin, ins))
        return out;
    mm_node *n = (mm_node *)ct_ag_node_new(sizeof *n, mm_name(kind), mm_backward, nin, ins, 1);
    if (!n) {
        ct_release(out);
        return NULL;
    }
    n->kind = kind;
    n->base.release_saved = mm_release_saved;
    n->beta = beta;
    n->alpha = alpha;
    if (c)
        ct_shape_info_set(&n->c_info, c);
    ct_saved_set(&n->a, a, NULL, 0);
    ct_saved_set(&n->b, b, NULL, 0);
    return ct_ag_finish(out, &n->base);
}

ct_tensor *ct_mm(ct_tensor *a, ct_tensor *b) { return record(MK_MM, NULL, a, b, ct_raw_mm(a, b), 0, 1); }
ct_tensor *ct_mv(ct_tensor *a, ct_tensor *v) { return record(MK_MV, NULL, a, v, ct_raw_mv(a, v), 0, 1); }
ct_tensor *ct_bmm(ct_tensor *a, ct_tensor *b) { return record(MK_BMM, NULL, a, b, ct_raw_bmm(a, b), 0, 1); }
ct_tensor *ct_dot(ct_tensor *a, ct_tensor *b) { return record(MK_DOT, NULL, a, b, ct_raw_dot(a, b), 0, 1); }
ct_tensor *ct_outer(ct_tensor *a, ct_tensor *b) { return record(MK_OUTER, NULL, a, b, ct_raw_outer(a, b), 0, 1); }

ct_tensor *ct_addmm(ct_tensor *c, ct_tensor *a, ct_tensor *b, double beta, double alpha)
{
    return record(MK_ADDMM, c, a, b, ct_raw_addmm(c, a, b, beta, alpha), beta, alpha);
}

/* Batched matmul through recorded primitives: batch dims broadcast, 1-D
 * operands get a dim added and removed again. */
static ct_tensor *matmul_batched(ct_tensor *a, ct_tensor *b)
{
    ct_tensor *a2 = a->ndim == 1 ? ct_unsqueeze(a, 0) : ct_retain(a);
    ct_tensor *b2 = b->ndim == 1 ? ct_unsqueeze(b, 1) : ct_retain(b);
    ct_tensor *out = NULL, *ae = NULL, *be = NULL, *a3 = NULL, *b3 = NULL, *c3 = NULL, *c = NULL;
    if (!a2 || !b2)
        goto done;
    int64_t n = a2->sizes[a2->ndim - 2], k = a2->sizes[a2->ndim - 1];
    int64_t k2 = b2->sizes[b2->ndim - 2], m = b2->sizes[b2->ndim - 1];
    int bnd;
    int64_t batch[CT_MAX_DIMS];
    if (ct_broadcast_shape("matmul", a2->ndim - 2, a2->sizes, b2->ndim - 2, b2->sizes, &bnd, batch) < 0)
        goto done;
    int64_t nb = ct_shape_numel(bnd, batch);
    int64_t shape[CT_MAX_DIMS];
    memcpy(shape, batch, sizeof(int64_t) * (size_t)bnd);
    shape[bnd] = n;
    shape[bnd + 1] = k;
    int64_t s3a[3] = {nb, n, k}, s3b[3] = {nb, k2, m};
    if (!(ae = ct_expand(a2, bnd + 2, shape)) || !(a3 = ct_reshape(ae, 3, s3a)))
        goto done;
    shape[bnd] = k2;
    shape[bnd + 1] = m;
    if (!(be = ct_expand(b2, bnd + 2, shape)) || !(b3 = ct_reshape(be, 3, s3b)))
        goto done;
    if (!(c3 = ct_bmm(a3, b3)))
        goto done;
    shape[bnd] = n;
    shape[bnd + 1] = m;
    if (!(c = ct_reshape(c3, bnd + 2, shape)))
        goto done;
    if (a->ndim == 1 && b->ndim == 1)
        out = ct_squeeze(c);
    else if (a->ndim == 1)
        out = ct_squeeze_dim(c, -2);
    else if (b->ndim == 1)
        out = ct_squeeze_dim(c, -1);
    else
        out = ct_retain(c);
done:
    ct_release(a2);
    ct_release(b2);
    ct_release(ae);
    ct_release(be);
    ct_release(a3);
    ct_release(b3);
    ct_release(c3);
    ct_release(c);
    return out;
}

ct_tensor *ct_matmul(ct_tensor *a, ct_tensor *b)
{
    ct_tensor *inputs[2] = {a, b};
    if (!ct_ag_any_requires_grad(2, inputs))
        return ct_raw_matmul(a, b);
    /* the raw op validates shapes and dtypes and words the errors */
    if (a->ndim == 0 || b->ndim == 0 || a->dtype != b->dtype)
        return ct_raw_matmul(a, b);
    if (a->ndim == 1 && b->ndim == 1)
        return ct_dot(a, b);
    if (a->ndim == 2 && b->ndim == 2)
        return ct_mm(a, b);
    if (a->ndim == 2 && b->ndim == 1)
        return ct_mv(a, b);
    int64_t ka = a->sizes[a->ndim - 1], kb = b->ndim == 1 ? b->sizes[0] : b->sizes[b->ndim - 2];
    if (ka != kb)
        return ct_raw_matmul(a, b); /* for its error message */
    return matmul_batched(a, b);
}
