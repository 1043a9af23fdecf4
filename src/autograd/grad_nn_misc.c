/*
 * grad_nn_misc.c -- autograd for embedding and constant padding.
 *
 * embedding: the weight's gradient adds each output row's gradient into the
 * row it came from (one C kernel; under create_graph, index_add_ on zeros).
 * pad: the gradient is the gradient padded back by the opposite pads
 * (cropping what was added and zero-filling what was cropped), which is
 * itself a recorded pad, so double backward comes for free.
 */
#include <stdlib.h>
#include <string.h>

#include "autograd/grad_util.h"

/* ---------------------------------------------------------------- embedding */

typedef struct embedding_node {
    ct_node base;
    ct_saved indices;
    int64_t num_weights, padding_idx, index_base;
} embedding_node;

static void embedding_release_saved(ct_node *self) { ct_saved_reset(&((embedding_node *)self)->indices); }

/* zeros.index_add_(0, indices, g rows), padding rows masked out, from recorded ops. */
static ct_tensor *embedding_composed(embedding_node *n, ct_tensor *idx, ct_tensor *g)
{
    int64_t dim = g->sizes[g->ndim - 1], all = -1, rows[2] = {-1, dim}, sizes[2] = {n->num_weights, dim};
    ct_tensor *flat = NULL, *z = NULL, *g2 = NULL, *keep = NULL, *mask = NULL, *mask2 = NULL, *gm = NULL, *out = NULL;
    ct_tensor *shifted = n->index_base ? ct_binary_scalar(CT_SUB, idx, ct_scalar_int(n->index_base), 0)
                                       : ct_retain(idx);
    if (!shifted || !(flat = ct_reshape(shifted, 1, &all)) || !(g2 = ct_reshape(g, 2, rows)))
        goto done;
    if (n->padding_idx >= 0) {
        int64_t mrows[2] = {-1, 1};
        if (!(keep = ct_binary_scalar(CT_NE, flat, ct_scalar_int(n->padding_idx), 0)) ||
            !(mask = ct_to_dtype(keep, g->dtype)) || !(mask2 = ct_reshape(mask, 2, mrows)) ||
            !(gm = ct_binary(CT_MUL, g2, mask2)))
            goto done;
    } else {
        gm = ct_retain(g2);
    }
    if (!(z = ct_zeros(2, sizes, g->dtype)) || ct_index_add_(z, 0, flat, gm) < 0)
        goto done;
    out = ct_retain(z);
done:
    ct_release(shifted);
    ct_release(flat);
    ct_release(g2);
    ct_release(keep);
    ct_release(mask);
    ct_release(mask2);
    ct_release(gm);
    ct_release(z);
    return out;
}

static int embedding_backward(ct_node *self, ct_tensor *const *grads, ct_tensor **gi)
{
    embedding_node *n = (embedding_node *)self;
    if (!ct_ag_needs_grad(self, 0))
        return 0;
    ct_tensor *idx = ct_saved_get(&n->indices, self);
    if (!idx)
        return -1;
    if (ct_ag_enabled())
        gi[0] = embedding_composed(n, idx, grads[0]);
    else
        gi[0] = ct_raw_embedding_backward(grads[0], idx, n->num_weights, n->padding_idx, n->index_base);
    ct_release(idx);
    return gi[0] ? 0 : -1;
}

ct_tensor *ct_embedding_based(ct_tensor *weight, ct_tensor *indices, int64_t padding_idx, int64_t base)
{
    ct_tensor *out = ct_raw_embedding(weight, indices, padding_idx, base);
    if (!out || !ct_ag_any_requires_grad(1, &weight))
        return out;
    embedding_node *n =
        (embedding_node *)ct_ag_node_new(sizeof *n, "EmbeddingBackward", embedding_backward, 1, &weight, 1);
    if (!n) {
        ct_release(out);
        return NULL;
    }
    n->base.release_saved = embedding_release_saved;
    n->num_weights = weight->sizes[0];
    n->padding_idx = padding_idx;
    n->index_base = base;
    ct_saved_set(&n->indices, indices, NULL, 0);
    return ct_ag_finish(out, &n->base);
}

ct_tensor *ct_embedding(ct_tensor *weight, ct_tensor *indices, int64_t padding_idx)
{
    return ct_embedding_based(weight, indices, padding_idx, 0);
}

/* ---------------------------------------------------------------- constant padding */

typedef struct pad_node {
    ct_node base;
    int n_pairs;
    int64_t neg_pads[2 * CT_MAX_DIMS];
} pad_node;

static int pad_backward(ct_node *self, ct_tensor *const *grads, ct_tensor **gi)
{
    pad_node *n = (pad_node *)self;
    if (!ct_ag_needs_grad(self, 0))
        return 0;
    gi[0] = ct_pad_constant(grads[0], n->n_pairs, n->neg_pads, 0.0);
    return gi[0] ? 0 : -1;
}

ct_tensor *ct_pad_constant(ct_tensor *t, int n_pairs, const int64_t *pads, double value)
{
    ct_tensor *out = ct_raw_pad_constant(t, n_pairs, pads, value);
    if (!out || !ct_dtype_is_float(t->dtype) || !ct_ag_any_requires_grad(1, &t))
        return out;
    pad_node *n = (pad_node *)ct_ag_node_new(sizeof *n, "ConstantPadNdBackward", pad_backward, 1, &t, 1);
    if (!n) {
        ct_release(out);
        return NULL;
    }
    n->n_pairs = n_pairs;
    for (int k = 0; k < 2 * n_pairs; k++)
        n->neg_pads[k] = -pads[k];
    return ct_ag_finish(out, &n->base);
}

/* ---------------------------------------------------------------- reflect, replicate, circular
 * Both directions are linear maps, each the other's adjoint: the forward's
 * backward is the scatter-add, and the scatter-add's backward is the forward.
 * Recording both makes any order of derivative work. */

typedef struct pad_mode_node {
    ct_node base;
    ct_pad_mode mode;
    int n_pairs, adjoint; /* adjoint: this node recorded the scatter-add */
    int64_t pads[6];
} pad_mode_node;

static const char *pad_mode_node_name(ct_pad_mode mode, int n_pairs, int adjoint)
{
    static const char *names[3][3][2] = {
        {{"ReflectionPad1DBackward", "ReflectionPad1DBackwardBackward"},
         {"ReflectionPad2DBackward", "ReflectionPad2DBackwardBackward"},
         {"ReflectionPad3DBackward", "ReflectionPad3DBackwardBackward"}},
        {{"ReplicationPad1DBackward", "ReplicationPad1DBackwardBackward"},
         {"ReplicationPad2DBackward", "ReplicationPad2DBackwardBackward"},
         {"ReplicationPad3DBackward", "ReplicationPad3DBackwardBackward"}},
        {{"CircularPad1DBackward", "CircularPad1DBackwardBackward"},
         {"CircularPad2DBackward", "CircularPad2DBackwardBackward"},
         {"CircularPad3DBackward", "CircularPad3DBackwardBackward"}},
    };
    return names[mode - CT_PAD_REFLECT][n_pairs - 1][adjoint];
}

static ct_tensor *pad_mode_record(ct_tensor *t, ct_pad_mode mode, int n_pairs, const int64_t *pads, int adjoint);

static int pad_mode_backward(ct_node *self, ct_tensor *const *grads, ct_tensor **gi)
{
    pad_mode_node *n = (pad_mode_node *)self;
    if (!ct_ag_needs_grad(self, 0))
        return 0;
    gi[0] = pad_mode_record(grads[0], n->mode, n->n_pairs, n->pads, !n->adjoint);
    return gi[0] ? 0 : -1;
}

/* The forward (adjoint 0) or its adjoint, recorded when grad mode needs it. */
static ct_tensor *pad_mode_record(ct_tensor *t, ct_pad_mode mode, int n_pairs, const int64_t *pads, int adjoint)
{
    ct_tensor *out = adjoint ? ct_raw_pad_mapped_backward(t, mode, n_pairs, pads) : ct_raw_pad_mapped(t, mode, n_pairs, pads);
    if (!out || !ct_dtype_is_float(t->dtype) || !ct_ag_any_requires_grad(1, &t))
        return out;
    pad_mode_node *n = (pad_mode_node *)ct_ag_node_new(sizeof *n, pad_mode_node_name(mode, n_pairs, adjoint),
                                                       pad_mode_backward, 1, &t, 1);
    if (!n) {
        ct_release(out);
        return NULL;
    }
    n->mode = mode;
    n->n_pairs = n_pairs;
    n->adjoint = adjoint;
    memcpy(n->pads, pads, sizeof(int64_t) * (size_t)(2 * n_pairs));
    return ct_ag_finish(out, &n->base);
}

ct_tensor *ct_pad_mapped(ct_tensor *t, ct_pad_mode mode, int n_pairs, const int64_t *pads)
{
    return pad_mode_record(t, mode, n_pairs, pads, 0);
}
