/*
 * grad_joins.c -- autograd for cat, stack, split, split_sizes and chunk.
 *
 * cat's gradient for each input is the slice of the output gradient it was
 * copied into (a narrow), stack's is a select along the new dim; both are
 * views of the gradient, recorded, so double backward works.  The split
 * family returns views: under autograd every piece is made with the public
 * narrow, so each piece records its own NarrowBackward.
 */
#include "autograd/grad_util.h"

typedef struct join_input {
    ct_shape_info info;
    int64_t start;  /* cat: where the input begins along dim in the output */
    int skipped;    /* cat: a 1-D empty input, which cat skips; its gradient is empty too */
} join_input;

typedef struct join_node {
    ct_node base;
    int dim;        /* as given: narrow/select wrap it against the output's ndim, as cat/stack did */
    int stacked;
    join_input in[]; /* one per input */
} join_node;

static int join_backward(ct_node *self, ct_tensor *const *grads, ct_tensor **gi)
{
    join_node *n = (join_node *)self;
    ct_tensor *g = grads[0];
    for (int i = 0; i < self->num_inputs; i++) {
        if (!ct_ag_needs_grad(self, i))
            continue;
        const join_input *in = &n->in[i];
        ct_tensor *piece;
        if (n->stacked)
            piece = ct_select(g, n->dim, i);
        else if (in->skipped)
            piece = ct_zeros(in->info.ndim, in->info.sizes, g->dtype);
        else
            piece = ct_narrow(g, n->dim, in->start, in->info.sizes[n->dim < 0 ? n->dim + g->ndim : n->dim]);
        /* inputs promoted to a wider dtype get their gradient cast back */
        if (!(gi[i] = ct_grad_reduce(piece, &in->info)))
            return ct_grad_fail(self->num_inputs, gi);
    }
    return 0;
}

/* Records out = cat/stack(tensors) when an input requires grad; consumes out. */
static ct_tensor *record_join(int stacked, int n, ct_tensor *const *tensors, int dim, ct_tensor *out)
{
    if (!out || !ct_dtype_is_float(out->dtype) || !ct_ag_any_requires_grad(n, tensors))
        return out;
    size_t size = sizeof(join_node) + (size_t)n * sizeof(join_input);
    join_node *node = (join_node *)ct_ag_node_new(size, stacked ? "StackBackward" : "CatBackward",
                                                  join_backward, n, tensors, 1);
    if (!node) {
        ct_release(out);
        return NULL;
    }
    node->dim = dim;
    node->stacked = stacked;
    int d = dim < 0 ? dim + out->ndim : dim;
    int64_t pos = 0;
    for (int i = 0; i < n; i++) {
        const ct_tensor *t = tensors[i];
        ct_shape_info_set(&node->in[i].info, t);
        /* cat skips 1-D empty inputs whatever the others' shapes */
        node->in[i].skipped = !stacked && t->ndim == 1 && t->sizes[0] == 0;
        node->in[i].start = pos;
        if (!stacked && !node->in[i].skipped)
            pos += t->sizes[d];
    }
    return ct_ag_finish(out, &node->base);
}

ct_tensor *ct_cat(int n, ct_tensor *const *tensors, int dim)
{
    return record_join(0, n, tensors, dim, ct_raw_cat(n, tensors, dim));
}

ct_tensor *ct_stack(int n, ct_tensor *const *tensors, int dim)
{
    return record_join(1, n, tensors, dim, ct_raw_stack(n, tensors, dim));
}

/* The raw pieces (count of them, the first max_out written) replaced by
 * recorded narrows of t with the same lengths.  Returns count or -1. */
static int record_pieces(ct_tensor *t, int dim, int count, ct_tensor **out, int max_out)
{
    if (count < 0 || !out || !ct_ag_any_requires_grad(1, &t))
        return count;
    int d = dim < 0 ? dim + t->ndim : dim;
    int m = count < max_out ? count : max_out;
    int64_t start = 0;
    for (int i = 0; i < m; i++) {
        int64_t len = out[i]->sizes[d];
        ct_tensor *piece = ct_narrow(t, d, start, len);
        if (!piece) {
            for (int k = 0; k < m; k++) {
                ct_release(out[k]);
                out[k] = NULL;
            }
            return -1;
        }
        ct_release(out[i]);
        out[i] = piece;
        start += len;
    }
    return count;
}

int ct_split(ct_tensor *t, int64_t split_size, int dim, ct_tensor **out, int max_out)
{
    return record_pieces(t, dim, ct_raw_split(t, split_size, dim, out, max_out), out, max_out);
}

int ct_split_sizes(ct_tensor *t, int n, const int64_t *sizes, int dim, ct_tensor **out)
{
    return record_pieces(t, dim, ct_raw_split_sizes(t, n, sizes, dim, out), out, n);
}

int ct_chunk(ct_tensor *t, int chunks, int dim, ct_tensor **out, int max_out)
{
    return record_pieces(t, dim, ct_raw_chunk(t, chunks, dim, out, max_out), out, max_out);
}
