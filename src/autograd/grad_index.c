/*
 * grad_index.c -- autograd for the indexing ops along a dim: index_select,
 * gather, scatter(_), scatter_add_, index_add_, index_copy_, index_fill_.
 *
 * Every backward is written with the public (recording) ops, so gradients
 * of gradients work: index_select's backward is an index_add_ into zeros,
 * whose own backward is an index_select again.  The in-place ops record
 * their node before the raw op runs (its edges then point at the target's
 * previous history) and hand the node to the target afterwards; none of the
 * formulas needs the target's old values, so no copy of it is kept.
 */
#include <string.h>

#include "autograd/grad_util.h"

typedef enum index_kind {
    IX_INDEX_SELECT, IX_GATHER, IX_SCATTER, IX_SCATTER_ADD, IX_INDEX_ADD, IX_INDEX_COPY, IX_INDEX_FILL
} index_kind;

typedef struct index_node {
    ct_node base;
    index_kind kind;
    int dim;                 /* as given: the backward ops wrap it against the same ndim */
    ct_saved index;
    ct_shape_info self_info; /* input 0 */
    ct_shape_info src_info;  /* input 1, for the ops that take a source */
} index_node;

static const char *index_node_name(index_kind kind)
{
    switch (kind) {
    case IX_INDEX_SELECT: return "IndexSelectBackward";
    case IX_GATHER: return "GatherBackward";
    case IX_SCATTER: return "ScatterBackward";
    case IX_SCATTER_ADD: return "ScatterAddBackward";
    case IX_INDEX_ADD: return "IndexAddBackward";
    case IX_INDEX_COPY: return "IndexCopyBackward";
    case IX_INDEX_FILL: return "IndexFillBackward";
    }
    return "IndexBackward";
}

static void index_release_saved(ct_node *self) { ct_saved_reset(&((index_node *)self)->index); }

/* Zeros of an input's shape in the gradient's dtype. */
static ct_tensor *zeros_of(const ct_shape_info *info, ct_dtype dtype)
{
    return ct_zeros(info->ndim, info->sizes, dtype);
}

/* g with zeros appended along each dim where it is shorter than the
 * source's shape: a scatter reads only the part of its source the index
 * covers, the rest gets no gradient.  Built with cat so it stays
 * differentiable.  Consumes g. */
static ct_tensor *pad_to_source(ct_tensor *g, const ct_shape_info *src)
{
    if (!g || g->ndim != src->ndim)
        return g; /* a 0-D source: ct_grad_reduce sums */
    for (int k = 0; k < g->ndim && g; k++) {
        if (g->sizes[k] >= src->sizes[k])
            continue;
        int64_t shape[CT_MAX_DIMS];
        memcpy(shape, g->sizes, sizeof(int64_t) * (size_t)g->ndim);
        shape[k] = src->sizes[k] - g->sizes[k];
        ct_tensor *z = ct_zeros(g->ndim, shape, g->dtype);
        ct_tensor *parts[2] = {g, z};
        ct_tensor *joined = z ? ct_cat(2, parts, k) : NULL;
        ct_release(z);
        ct_release(g);
        g = joined;
    }
    return g;
}

/* g with the positions the index names along dim set to zero (they were
 * overwritten, so the old values get no gradient). */
static ct_tensor *zero_filled_rows(ct_tensor *g, int dim, ct_tensor *index)
{
    ct_tensor *c = ct_clone(g);
    if (c && ct_index_fill_(c, dim, index, ct_scalar_int(0)) < 0) {
        ct_release(c);
        return NULL;
    }
    return c;
}

static ct_tensor *zero_scattered(ct_tensor *g, int dim, ct_tensor *index)
{
    int64_t none[1] = {0}; /* a 0-D tensor: the sizes are not read */
    ct_tensor *zero = ct_zeros(0, none, g->dtype);
    ct_tensor *out = zero ? ct_scatter(g, dim, index, zero) : NULL;
    ct_release(zero);
    return out;
}

static int index_backward(ct_node *self, ct_tensor *const *grads, ct_tensor **gi)
{
    index_node *n = (index_node *)self;
    ct_tensor *g = grads[0];
    int want_self = ct_ag_needs_grad(self, 0);
    int want_src = self->num_inputs > 1 && ct_ag_needs_grad(self, 1);
    ct_tensor *index = ct_saved_get(&n->index, self);
    if (!index)
        return -1;
    ct_tensor *z = NULL;
    switch (n->kind) {
    case IX_INDEX_SELECT: /* each selected row adds back where it came from */
        z = zeros_of(&n->self_info, g->dtype);
        if (z && ct_index_add_(z, n->dim, index, g) == 0) {
            gi[0] = z;
            z = NULL;
        }
        break;
    case IX_GATHER:
        z = zeros_of(&n->self_info, g->dtype);
        if (z && ct_scatter_add_(z, n->dim, index, g) == 0) {
            gi[0] = z;
            z = NULL;
        }
        break;
    case IX_SCATTER:
        gi[0] = want_self ? zero_scattered(g, n->dim, index) : NULL;
        gi[1] = want_src ? pad_to_source(ct_gather(g, n->dim, index), &n->src_info) : NULL;
        break;
    case IX_SCATTER_ADD:
        gi[0] = want_self ? ct_retain(g) : NULL;
        gi[1] = want_src ? pad_to_source(ct_gather(g, n->dim, index), &n->src_info) : NULL;
        break;
    case IX_INDEX_ADD:
        gi[0] = want_self ? ct_retain(g) : NULL;
        gi[1] = want_src ? ct_index_select(g, n->dim, index) : NULL;
        break;
    case IX_INDEX_COPY:
        gi[0] = want_self ? zero_filled_rows(g, n->dim, index) : NULL;
        gi[1] = want_src ? ct_index_select(g, n->dim, index) : NULL;
        break;
    case IX_INDEX_FILL:
        gi[0] = want_self ? zero_filled_rows(g, n->dim, index) : NULL;
        break;
    }
    ct_release(z);
    ct_release(index);
    if ((want_self && !gi[0]) || (want_src && !gi[1]))
        return ct_grad_fail(self->num_inputs, gi);
    if (want_self && !(gi[0] = ct_grad_reduce(gi[0], &n->self_info)))
        return ct_grad_fail(self->num_inputs, gi);
    if (want_src && !(gi[1] = ct_grad_reduce(gi[1], &n->src_info)))
        return ct_grad_fail(self->num_inputs, gi);
    return 0;
}

/* A node for op(t, index[, src]); NULL (with the error set) on failure.
 * The index is saved for the backward: a copy of it when it shares memory
 * with an in-place target, whose values are about to change. */
static index_node *index_node_new(index_kind kind, ct_tensor *t, int dim, ct_tensor *index, ct_tensor *src)
{
    ct_tensor *inputs[2] = {t, src};
    int n_in = kind == IX_INDEX_SELECT || kind == IX_GATHER || kind == IX_INDEX_FILL ? 1 : 2;
    ct_tensor *saved = ct_same_storage(index, t) ? ct_raw_clone(index) : ct_retain(index);
    if (!saved)
        return NULL;
    index_node *n = (index_node *)ct_ag_node_new(sizeof *n, index_node_name(kind), index_backward, n_in,
                                                 inputs, 1);
    if (n) {
        n->kind = kind;
        n->dim = dim;
        n->base.release_saved = index_release_saved;
        ct_saved_set(&n->index, saved, NULL, 0);
        ct_shape_info_set(&n->self_info, t);
        if (src)
            ct_shape_info_set(&n->src_info, src);
    }
    ct_release(saved);
    return n;
}

/* Records out = op(t, ...) for an out-of-place op; consumes out. */
static ct_tensor *record_index(index_kind kind, ct_tensor *t, int dim, ct_tensor *index, ct_tensor *src,
                               ct_tensor *out)
{
    ct_tensor *inputs[2] = {t, src};
    if (!out || !ct_dtype_is_float(out->dtype) || !ct_ag_any_requires_grad(src ? 2 : 1, inputs))
        return out;
    index_node *n = index_node_new(kind, t, dim, index, src);
    if (!n) {
        ct_release(out);
        return NULL;
    }
    return ct_ag_finish(out, &n->base);
}

static int raw_inplace(index_kind kind, ct_tensor *t, int dim, ct_tensor *index, ct_tensor *src, ct_scalar value)
{
    switch (kind) {
    case IX_SCATTER: return ct_raw_scatter_(t, dim, index, src);
    case IX_SCATTER_ADD: return ct_raw_scatter_add_(t, dim, index, src);
    case IX_INDEX_ADD: return ct_raw_index_add_(t, dim, index, src);
    case IX_INDEX_COPY: return ct_raw_index_copy_(t, dim, index, src);
    case IX_INDEX_FILL: return ct_raw_index_fill_(t, dim, index, value);
    default: return ct_fail("index: not an in-place op");
    }
}

/* An in-place op under autograd: t's new value gets a node whose input 0
 * is t's previous history. */
static int index_inplace(const char *op, index_kind kind, ct_tensor *t, int dim, ct_tensor *index,
                         ct_tensor *src, ct_scalar value)
{
    ct_tensor *inputs[2] = {t, src};
    if (!ct_dtype_is_float(t->dtype) || !ct_ag_any_requires_grad(src ? 2 : 1, inputs))
        return raw_inplace(kind, t, dim, index, src, value);
    if (ct_ag_check_inplace(op, t) < 0)
        return -1;
    index_node *n = index_node_new(kind, t, dim, index, src);
    if (!n)
        return -1;
    int rc = raw_inplace(kind, t, dim, index, src, value);
    if (rc == 0)
        rc = ct_ag_set_history(t, &n->base, 0);
    ct_node_release(&n->base);
    return rc;
}

ct_tensor *ct_index_select(ct_tensor *t, int dim, ct_tensor *index)
{
    return record_index(IX_INDEX_SELECT, t, dim, index, NULL, ct_raw_index_select(t, dim, index));
}

ct_tensor *ct_gather(ct_tensor *t, int dim, ct_tensor *index)
{
    return record_index(IX_GATHER, t, dim, index, NULL, ct_raw_gather(t, dim, index));
}

ct_tensor *ct_scatter(ct_tensor *t, int dim, ct_tensor *index, ct_tensor *src)
{
    return record_index(IX_SCATTER, t, dim, index, src, ct_raw_scatter(t, dim, index, src));
}

int ct_scatter_(ct_tensor *t, int dim, ct_tensor *index, ct_tensor *src)
{
    return index_inplace("scatter_", IX_SCATTER, t, dim, index, src, ct_scalar_int(0));
}

int ct_scatter_add_(ct_tensor *t, int dim, ct_tensor *index, ct_tensor *src)
{
    return index_inplace("scatter_add_", IX_SCATTER_ADD, t, dim, index, src, ct_scalar_int(0));
}

int ct_index_add_(ct_tensor *t, int dim, ct_tensor *index, ct_tensor *src)
{
    return index_inplace("index_add_", IX_INDEX_ADD, t, dim, index, src, ct_scalar_int(0));
}

int ct_index_copy_(ct_tensor *t, int dim, ct_tensor *index, ct_tensor *src)
{
    return index_inplace("index_copy_", IX_INDEX_COPY, t, dim, index, src, ct_scalar_int(0));
}

int ct_index_fill_(ct_tensor *t, int dim, ct_tensor *index, ct_scalar value)
{
    return index_inplace("index_fill_", IX_INDEX_FILL, t, dim, index, NULL, value);
}

/* ---------------------------------------------------------------- masks */

typedef enum mask_kind { MK_FILL, MK_SELECT, MK_SCATTER } mask_kind;

typedef struct mask_node {
    ct_node base;
    mask_kind kind;
    ct_saved mask;
    ct_shape_info self_info;
    ct_shape_info src_info;   /* masked_scatter_'s source */
    ct_shape_info bcast;      /* masked_select: self and mask broadcast together */
} mask_node;

static void mask_release_saved(ct_node *self) { ct_saved_reset(&((mask_node *)self)->mask); }

/* masked_scatter_'s source gradient: the selected gradient values in order,
 * then zeros for source values the mask did not reach; a one-element
 * source fills every selected position and gets their sum. */
static ct_tensor *scatter_source_grad(ct_tensor *g, ct_tensor *mask, const ct_shape_info *src)
{
    ct_tensor *sel = ct_masked_select(g, mask);
    if (!sel)
        return NULL;
    int64_t have = ct_shape_numel(src->ndim, src->sizes), count = sel->sizes[0];
    ct_tensor *flat;
    if (have >= count) {
        int64_t rest = have - count;
        flat = ct_retain(sel);
        if (rest > 0) {
            ct_tensor *z = ct_zeros(1, &rest, g->dtype);
            ct_tensor *parts[2] = {sel, z};
            ct_release(flat);
            flat = z ? ct_cat(2, parts, 0) : NULL;
            ct_release(z);
        }
    } else {
        int64_t one = 1;
        flat = ct_sum_to_size(sel, 1, &one);
    }
    ct_release(sel);
    ct_tensor *out = flat ? ct_reshape(flat, src->ndim, src->sizes) : NULL;
    ct_release(flat);
    return out;
}

static int mask_backward(ct_node *self, ct_tensor *const *grads, ct_tensor **gi)
{
    mask_node *n = (mask_node *)self;
    ct_tensor *g = grads[0];
    int want_self = ct_ag_needs_grad(self, 0);
    int want_src = self->num_inputs > 1 && ct_ag_needs_grad(self, 1);
    ct_tensor *mask = ct_saved_get(&n->mask, self);
    if (!mask)
        return -1;
    if (n->kind == MK_SELECT) {
        /* the selected values go back to their positions in zeros */
        ct_tensor *z = zeros_of(&n->bcast, g->dtype);
        if (z && ct_masked_scatter_(z, mask, g) == 0)
            gi[0] = z;
        else
            ct_release(z);
    } else {
        if (want_self)
            gi[0] = ct_masked_fill(g, mask, ct_scalar_int(0));
        if (want_src)
            gi[1] = scatter_source_grad(g, mask, &n->src_info);
    }
    ct_release(mask);
    if ((want_self && !gi[0]) || (want_src && !gi[1]))
        return ct_grad_fail(self->num_inputs, gi);
    if (want_self && !(gi[0] = ct_grad_reduce(gi[0], &n->self_info)))
        return ct_grad_fail(self->num_inputs, gi);
    if (want_src && !(gi[1] = ct_grad_reduce(gi[1], &n->src_info)))
        return ct_grad_fail(self->num_inputs, gi);
    return 0;
}

static const char *mask_node_name(mask_kind kind)
{
    return kind == MK_FILL ? "MaskedFillBackward" : kind == MK_SELECT ? "MaskedSelectBackward"
                                                                      : "MaskedScatterBackward";
}

/* The mask is saved (copied when it shares memory with an in-place target). */
static mask_node *mask_node_new(mask_kind kind, ct_tensor *t, ct_tensor *mask, ct_tensor *src)
{
    ct_tensor *inputs[2] = {t, src};
    ct_tensor *saved = ct_same_storage(mask, t) ? ct_raw_clone(mask) : ct_retain(mask);
    if (!saved)
        return NULL;
    mask_node *n = (mask_node *)ct_ag_node_new(sizeof *n, mask_node_name(kind), mask_backward, src ? 2 : 1,
                                               inputs, 1);
    if (n) {
        n->kind = kind;
        n->base.release_saved = mask_release_saved;
        ct_saved_set(&n->mask, saved, NULL, 0);
        ct_shape_info_set(&n->self_info, t);
        if (src)
            ct_shape_info_set(&n->src_info, src);
    }
    ct_release(saved);
    return n;
}

ct_tensor *ct_masked_fill(ct_tensor *t, ct_tensor *mask, ct_scalar value)
{
    ct_tensor *out = ct_raw_masked_fill(t, mask, value);
    if (!out || !ct_dtype_is_float(out->dtype) || !ct_ag_any_requires_grad(1, &t))
        return out;
    mask_node *n = mask_node_new(MK_FILL, t, mask, NULL);
    if (!n) {
        ct_release(out);
        return NULL;
    }
    return ct_ag_finish(out, &n->base);
}

ct_tensor *ct_masked_select(ct_tensor *t, ct_tensor *mask)
{
    ct_tensor *out = ct_raw_masked_select(t, mask);
    if (!out || !ct_dtype_is_float(out->dtype) || !ct_ag_any_requires_grad(1, &t))
        return out;
    mask_node *n = mask_node_new(MK_SELECT, t, mask, NULL);
    if (!n) {
        ct_release(out);
        return NULL;
    }
    /* the forward succeeded, so the two shapes broadcast */
    ct_broadcast_shape("masked_select", t->ndim, t->sizes, mask->ndim, mask->sizes, &n->bcast.ndim,
                       n->bcast.sizes);
    n->bcast.dtype = t->dtype;
    return ct_ag_finish(out, &n->base);
}

static int mask_inplace(const char *op, mask_kind kind, ct_tensor *t, ct_tensor *mask, ct_tensor *src,
                        ct_scalar value)
{
    ct_tensor *inputs[2] = {t, src};
    int recording = ct_dtype_is_float(t->dtype) && ct_ag_any_requires_grad(src ? 2 : 1, inputs);
    if (!recording)
        return src ? ct_raw_masked_scatter_(t, mask, src) : ct_raw_masked_fill_(t, mask, value);
    if (ct_ag_check_inplace(op, t) < 0)
        return -1;
    mask_node *n = mask_node_new(kind, t, mask, src);
    if (!n)
        return -1;
    int rc = src ? ct_raw_masked_scatter_(t, mask, src) : ct_raw_masked_fill_(t, mask, value);
    if (rc == 0)
        rc = ct_ag_set_history(t, &n->base, 0);
    ct_node_release(&n->base);
    return rc;
}

int ct_masked_fill_(ct_tensor *t, ct_tensor *mask, ct_scalar value)
{
    return mask_inplace("masked_fill_", MK_FILL, t, mask, NULL, value);
}

int ct_masked_scatter_(ct_tensor *t, ct_tensor *mask, ct_tensor *src)
{
    return mask_inplace("masked_scatter_", MK_SCATTER, t, mask, src, ct_scalar_int(0));
}
