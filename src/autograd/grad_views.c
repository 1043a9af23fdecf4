/*
 * grad_views.c -- autograd for views, copies and casts.
 */
#include <string.h>

#include "autograd/grad_util.h"

typedef enum view_kind {
    VIEW_RESHAPE, VIEW_TRANSPOSE, VIEW_PERMUTE, VIEW_EXPAND, VIEW_NARROW, VIEW_SELECT,
    VIEW_IDENTITY, VIEW_CAST, VIEW_EMBED_NARROW, VIEW_EMBED_SELECT
} view_kind;

typedef struct view_node {
    ct_node base;
    view_kind kind;
    ct_shape_info in;
    int dim0, dim1;
    int64_t start, length;
    int perm[CT_MAX_DIMS];
} view_node;

static ct_tensor *embed_narrow(ct_tensor *g, const ct_shape_info *in, int dim, int64_t start);
static ct_tensor *embed_select(ct_tensor *g, const ct_shape_info *in, int dim, int64_t index);

static int view_backward(ct_node *self, ct_tensor *const *grads, ct_tensor **gi)
{
    view_node *n = (view_node *)self;
    ct_tensor *g = grads[0];
    int inverse[CT_MAX_DIMS];
    switch (n->kind) {
    case VIEW_RESHAPE: gi[0] = ct_reshape(g, n->in.ndim, n->in.sizes); break;
    case VIEW_TRANSPOSE: gi[0] = ct_transpose(g, n->dim0, n->dim1); break;
    case VIEW_PERMUTE:
        for (int i = 0; i < n->in.ndim; i++)
            inverse[n->perm[i]] = i;
        gi[0] = ct_permute(g, inverse);
        break;
    case VIEW_EXPAND: gi[0] = ct_sum_to_size(g, n->in.ndim, n->in.sizes); break;
    case VIEW_NARROW: gi[0] = embed_narrow(g, &n->in, n->dim0, n->start); break;
    case VIEW_SELECT: gi[0] = embed_select(g, &n->in, n->dim0, n->start); break;
    case VIEW_IDENTITY: gi[0] = ct_retain(g); break;
    case VIEW_CAST: gi[0] = ct_to_dtype(g, n->in.dtype); break;
    case VIEW_EMBED_NARROW: gi[0] = ct_narrow(g, n->dim0, n->start, n->length); break;
    case VIEW_EMBED_SELECT: gi[0] = ct_select(g, n->dim0, n->start); break;
    }
    return gi[0] ? 0 : -1;
}

/* Records out as a view-like function of t; consumes out. */
static ct_tensor *record(const char *name, view_kind kind, ct_tensor *t, ct_tensor *out, int dim0,
                         int dim1, int64_t start, int64_t length, const int *perm)
{
    if (!out || !ct_ag_any_requires_grad(1, &t))
        return out;
    view_node *n = (view_node *)ct_ag_node_new(sizeof *n, name, view_backward, 1, &t, 1);
    if (!n) {
        ct_release(out);
        return NULL;
    }
    n->kind = kind;
    ct_shape_info_set(&n->in, t);
    n->dim0 = dim0;
    n->dim1 = dim1;
    n->start = start;
    n->length = length;
    if (perm)
        memcpy(n->perm, perm, sizeof(int) * (size_t)t->ndim);
    return ct_ag_finish(out, &n->base);
}

/* Gradient of narrow/select: g placed into zeros of the input's shape.  It
 * is itself recorded (its backward narrows/selects), for double backward. */
static ct_tensor *embed_narrow(ct_tensor *g, const ct_shape_info *in, int dim, int64_t start)
{
    ct_tensor *z = ct_zeros(in->ndim, in->sizes, g->dtype);
    ct_tensor *slot = z ? ct_raw_narrow(z, dim, start, g->sizes[dim]) : NULL;
    int rc = slot ? ct_raw_copy_(slot, g) : -1;
    ct_release(slot);
    if (rc < 0) {
        ct_release(z);
        return NULL;
    }
    return record("NarrowBackwardBackward", VIEW_EMBED_NARROW, g, z, dim, 0, start, g->sizes[dim], NULL);
}

static ct_tensor *embed_select(ct_tensor *g, const ct_shape_info *in, int dim, int64_t index)
{
    ct_tensor *z = ct_zeros(in->ndim, in->sizes, g->dtype);
    ct_tensor *slot = z ? ct_raw_select(z, dim, index) : NULL;
    int rc = slot ? ct_raw_copy_(slot, g) : -1;
    ct_release(slot);
    if (rc < 0) {
        ct_release(z);
        return NULL;
    }
    return record("SelectBackwardBackward", VIEW_EMBED_SELECT, g, z, dim, 0, index, 1, NULL);
}

static int wrap(int dim, int ndim) { return dim < 0 ? dim + (ndim > 0 ? ndim : 1) : dim; }

ct_tensor *ct_view(ct_tensor *t, int ndim, const int64_t *sizes)
{
    return record("ViewBackward", VIEW_RESHAPE, t, ct_raw_view(t, ndim, sizes), 0, 0, 0, 0, NULL);
}

ct_tensor *ct_reshape(ct_tensor *t, int ndim, const int64_t *sizes)
{
    return record("ReshapeBackward", VIEW_RESHAPE, t, ct_raw_reshape(t, ndim, sizes), 0, 0, 0, 0, NULL);
}

ct_tensor *ct_flatten(ct_tensor *t, int start_dim, int end_dim)
{
    return record("FlattenBackward", VIEW_RESHAPE, t, ct_raw_flatten(t, start_dim, end_dim), 0, 0, 0, 0, NULL);
}

ct_tensor *ct_squeeze(ct_tensor *t)
{
    return record("SqueezeBackward", VIEW_RESHAPE, t, ct_raw_squeeze(t), 0, 0, 0, 0, NULL);
}

ct_tensor *ct_squeeze_dim(ct_tensor *t, int dim)
{
    return record("SqueezeBackward", VIEW_RESHAPE, t, ct_raw_squeeze_dim(t, dim), 0, 0, 0, 0, NULL);
}

ct_tensor *ct_unsqueeze(ct_tensor *t, int dim)
{
    return record("UnsqueezeBackward", VIEW_RESHAPE, t, ct_raw_unsqueeze(t, dim), 0, 0, 0, 0, NULL);
}

ct_tensor *ct_transpose(ct_tensor *t, int dim0, int dim1)
{
    ct_tensor *out = ct_raw_transpose(t, dim0, dim1);
    return record("TransposeBackward", VIEW_TRANSPOSE, t, out, wrap(dim0, t->ndim), wrap(dim1, t->ndim), 0, 0, NULL);
}

ct_tensor *ct_t(ct_tensor *t)
{
    ct_tensor *out = ct_raw_t(t);
    if (t->ndim < 2)
        return record("TBackward", VIEW_IDENTITY, t, out, 0, 0, 0, 0, NULL);
    return record("TBackward", VIEW_TRANSPOSE, t, out, 0, 1, 0, 0, NULL);
}

ct_tensor *ct_permute(ct_tensor *t, const int *dims)
{
    ct_tensor *out = ct_raw_permute(t, dims);
    int wrapped[CT_MAX_DIMS];
    for (int i = 0; out && i < t->ndim; i++)
        wrapped[i] = wrap(dims[i], t->ndim);
    return record("PermuteBackward", VIEW_PERMUTE, t, out, 0, 0, 0, 0, wrapped);
}

ct_tensor *ct_expand(ct_tensor *t, int ndim, const int64_t *sizes)
{
    return record("ExpandBackward", VIEW_EXPAND, t, ct_raw_expand(t, ndim, sizes), 0, 0, 0, 0, NULL);
}

ct_tensor *ct_narrow(ct_tensor *t, int dim, int64_t start, int64_t length)
{
    ct_tensor *out = ct_raw_narrow(t, dim, start, length);
    if (!out)
        return NULL;
    int d = wrap(dim, t->ndim);
    int64_t s = start < 0 ? start + t->sizes[d] : start;
    return record("NarrowBackward", VIEW_NARROW, t, out, d, 0, s, length, NULL);
}

ct_tensor *ct_select(ct_tensor *t, int dim, int64_t index)
{
    ct_tensor *out = ct_raw_select(t, dim, index);
    if (!out)
        return NULL;
    int d = wrap(dim, t->ndim);
    int64_t k = index < 0 ? index + t->sizes[d] : index;
    return record("SelectBackward", VIEW_SELECT, t, out, d, 0, k, 1, NULL);
}

ct_tensor *ct_as_strided(ct_tensor *t, int ndim, const int64_t *sizes, const int64_t *strides, int64_t offset)
{
    if (ct_ag_any_requires_grad(1, &t)) {
        ct_fail("as_strided: not differentiable; detach the tensor first");
        return NULL;
    }
    return ct_raw_as_strided(t, ndim, sizes, strides, offset);
}

ct_tensor *ct_contiguous(ct_tensor *t)
{
    if (ct_is_contiguous(t))
        return ct_retain(t);
    return record("CloneBackward", VIEW_IDENTITY, t, ct_raw_contiguous(t), 0, 0, 0, 0, NULL);
}

ct_tensor *ct_clone(const ct_tensor *t)
{
    ct_tensor *src = (ct_tensor *)t;
    return record("CloneBackward", VIEW_IDENTITY, src, ct_raw_clone(t), 0, 0, 0, 0, NULL);
}

ct_tensor *ct_to_dtype(ct_tensor *t, ct_dtype dtype)
{
    if (t->dtype == dtype)
        return ct_retain(t);
    ct_tensor *out = ct_raw_to_dtype(t, dtype);
    if (!out || !ct_dtype_is_float(dtype))
        return out; /* integer results carry no gradient */
    return record("ToCopyBackward", VIEW_CAST, t, out, 0, 0, 0, 0, NULL);
}

int ct_copy_(ct_tensor *dst, const ct_tensor *src)
{
    ct_tensor *inputs[2] = {dst, (ct_tensor *)src};
    if (!ct_ag_any_requires_grad(2, inputs))
        return ct_raw_copy_(dst, src);
    if (ct_ag_check_inplace("copy_", dst) < 0)
        return -1;
    /* dst's new value is src broadcast and cast: record exactly that */
    ct_tensor *expanded = ct_expand((ct_tensor *)src, dst->ndim, dst->sizes);
    if (!expanded)
        return -1;
    ct_tensor *result = ct_clone(expanded);
    ct_release(expanded);
    return ct_ag_commit_inplace("copy_", dst, result);
}
