/*
 * nn_misc.c -- dispatch for embedding, constant padding and one_hot.
 *
 * Index values are numbered from `base` (0 in the C API, 1 from Lua); the
 * messages show them in that numbering.
 */
#include <stdlib.h>
#include <string.h>

#include "cpu/nn_misc.h"

static int check_index_tensor(const char *op, const char *what, const ct_tensor *t)
{
    if (t->dtype != CT_INT64 && t->dtype != CT_INT32)
        return ct_fail("%s: %s must be an int64 tensor, got %s", op, what, ct_dtype_name(t->dtype));
    return 0;
}

/* ---------------------------------------------------------------- embedding */

static int check_embedding(const ct_tensor *weight, const ct_tensor *indices, int64_t padding_idx)
{
    char a[128];
    if (weight->ndim != 2)
        return ct_fail("embedding: weight must be 2-D [num_embeddings, embedding_dim], got shape %s",
                       ct_shape_str(weight, a, sizeof a));
    if (check_index_tensor("embedding", "indices", indices) < 0)
        return -1;
    if (indices->ndim + 1 > CT_MAX_DIMS)
        return ct_fail("embedding: indices have too many dims (%d)", indices->ndim);
    if (padding_idx < -1 || padding_idx >= weight->sizes[0])
        return ct_fail("embedding: padding_idx must be within num_embeddings = %lld", (long long)weight->sizes[0]);
    return 0;
}

static int report_bad_index(const char *op, const ct_tensor *idx, int64_t k, int64_t base, int64_t limit)
{
    int64_t v = ct_index_value(ct_tensor_data(idx), idx->dtype, k);
    if (limit == 0)
        return ct_fail("%s: index %lld is out of range: there are no rows (size 0)", op, (long long)v);
    return ct_fail("%s: index %lld is out of range %lld..%lld%s", op, (long long)v, (long long)base,
                   (long long)(limit - 1 + base), base == 1 && v == 0 ? " (indices are 1-based)" : "");
}

ct_tensor *ct_raw_embedding(ct_tensor *weight, ct_tensor *indices, int64_t padding_idx, int64_t base)
{
    if (check_embedding(weight, indices, padding_idx) < 0)
        return NULL;
    ct_tensor *w = ct_raw_contiguous(weight), *idx = ct_raw_contiguous(indices), *out = NULL;
    if (!w || !idx)
        goto done;
    int64_t n = ct_numel(idx), num = weight->sizes[0], dim = weight->sizes[1];
    int64_t bad = ct_cpu_find_bad_index(ct_tensor_data(idx), idx->dtype, n, base, num);
    if (bad >= 0) {
        report_bad_index("embedding", idx, bad, base, num);
        goto done;
    }
    int64_t sizes[CT_MAX_DIMS];
    memcpy(sizes, indices->sizes, sizeof(int64_t) * (size_t)indices->ndim);
    sizes[indices->ndim] = dim;
    out = ct_empty(indices->ndim + 1, sizes, weight->dtype);
    if (out)
        ct_cpu_embedding(ct_tensor_data(w), ct_tensor_data(idx), idx->dtype, n, base,
                         dim * (int64_t)ct_dtype_size(weight->dtype), ct_tensor_data(out));
done:
    ct_release(w);
    ct_release(idx);
    return out;
}

ct_tensor *ct_raw_embedding_backward(ct_tensor *grad, ct_tensor *indices, int64_t num_weights, int64_t padding_idx,
                                     int64_t base)
{
    char a[128], b[128];
    if (grad->dtype != CT_FLOAT32 && grad->dtype != CT_FLOAT64) {
        ct_fail("embedding_backward: expected a float32 or float64 gradient, got %s", ct_dtype_name(grad->dtype));
        return NULL;
    }
    if (grad->ndim != indices->ndim + 1 ||
        memcmp(grad->sizes, indices->sizes, sizeof(int64_t) * (size_t)indices->ndim) != 0) {
        ct_fail("embedding_backward: the gradient has shape %s, which does not match indices of shape %s",
                ct_shape_str(grad, a, sizeof a), ct_shape_str(indices, b, sizeof b));
        return NULL;
    }
    int64_t dim = grad->sizes[grad->ndim - 1], sizes[2] = {num_weights, dim};
    ct_tensor *g = ct_raw_contiguous(grad), *idx = ct_raw_contiguous(indices);
    ct_tensor *gw = g && idx ? ct_zeros(2, sizes, grad->dtype) : NULL;
    if (gw) {
        int64_t n = ct_numel(idx);
        int64_t bad = ct_cpu_find_bad_index(ct_tensor_data(idx), idx->dtype, n, base, num_weights);
        if (bad >= 0) {
            report_bad_index("embedding_backward", idx, bad, base, num_weights);
            ct_release(gw);
            gw = NULL;
        } else {
            ct_cpu_embedding_backward(grad->dtype, ct_tensor_data(g), ct_tensor_data(idx), idx->dtype, n, base, dim,
                                      padding_idx, ct_tensor_data(gw));
        }
    }
    ct_release(g);
    ct_release(idx);
    return gw;
}

/* ---------------------------------------------------------------- constant padding */

ct_tensor *ct_raw_pad_constant(ct_tensor *t, int n_pairs, const int64_t *pads, double value)
{
    char a[128];
    if (n_pairs < 0 || n_pairs > t->ndim) {
        ct_fail("pad: %d pads (%d pairs) given for a %d-D input of shape %s; at most 2 per dim", 2 * n_pairs,
                n_pairs, t->ndim, ct_shape_str(t, a, sizeof a));
        return NULL;
    }
    int64_t sizes[CT_MAX_DIMS];
    int any_positive = 0;
    memcpy(sizes, t->sizes, sizeof(int64_t) * (size_t)t->ndim);
    for (int p = 0; p < n_pairs; p++) {
        int d = t->ndim - 1 - p;
        int64_t before = pads[2 * p], after = pads[2 * p + 1];
        int64_t crop = (before < 0 ? -before : 0) + (after < 0 ? -after : 0);
        if (crop > t->sizes[d]) {
            ct_fail("pad: pads %lld and %lld of dim %d crop more than its %lld elements (input shape %s)",
                    (long long)before, (long long)after, d + 1, (long long)t->sizes[d],
                    ct_shape_str(t, a, sizeof a));
            return NULL;
        }
        sizes[d] += before + after;
        any_positive |= before > 0 || after > 0;
    }
    ct_tensor *out = ct_empty(t->ndim, sizes, t->dtype);
    if (!out)
        return NULL;
    if (any_positive && ct_raw_fill_(out, ct_scalar_float(value)) < 0) {
        ct_release(out);
        return NULL;
    }
    /* copy the part of t that survives into its place in out */
    ct_tensor *src = ct_retain(t), *dst = ct_retain(out);
    for (int p = 0; p < n_pairs && src && dst; p++) {
        int d = t->ndim - 1 - p;
        int64_t before = pads[2 * p], after = pads[2 * p + 1];
        int64_t s0 = before < 0 ? -before : 0, len = t->sizes[d] - s0 - (after < 0 ? -after : 0);
        ct_tensor *ns = ct_raw_narrow(src, d, s0, len);
        ct_tensor *nd = ct_raw_narrow(dst, d, before > 0 ? before : 0, len);
        ct_release(src);
        ct_release(dst);
        src = ns;
        dst = nd;
    }
    int rc = src && dst ? (ct_numel(src) ? ct_raw_copy_(dst, src) : 0) : -1;
    ct_release(src);
    ct_release(dst);
    if (rc < 0) {
        ct_release(out);
        return NULL;
    }
    return out;
}

/* ---------------------------------------------------------------- reflect, replicate, circular */

static const char *pad_mode_name(ct_pad_mode mode)
{
    switch (mode) {
    case CT_PAD_REFLECT: return "reflect";
    case CT_PAD_REPLICATE: return "replicate";
    case CT_PAD_CIRCULAR: return "circular";
    }
    return "?";
}

/* The geometry of padding the last n_pairs dims of an input of shape
 * (ndim, sizes) with its index maps (in *maps, to be freed by the caller);
 * out_sizes gets the padded shape. */
static int pad_mode_geom(ct_pad_mode mode, int ndim, const int64_t *sizes, int n_pairs, const int64_t *pads,
                         ct_pad_geom *g, int64_t **maps, int64_t *out_sizes)
{
    char a[128];
    const char *name = pad_mode_name(mode);
    *maps = NULL;
    if (mode != CT_PAD_REFLECT && mode != CT_PAD_REPLICATE && mode != CT_PAD_CIRCULAR)
        return ct_fail("pad: invalid mode %d", (int)mode);
    if (n_pairs < 1 || n_pairs > 3 || n_pairs > ndim)
        return ct_fail("pad: mode '%s' pads the last 1, 2 or 3 dims; got %d pads for a %d-D input of shape %s", name,
                       2 * n_pairs, ndim, ct_sizes_str(ndim, sizes, a, sizeof a));
    g->k = n_pairs;
    g->outer = 1;
    for (int d = 0; d < ndim - n_pairs; d++)
        g->outer *= sizes[d];
    memcpy(out_sizes, sizes, sizeof(int64_t) * (size_t)ndim);
    int64_t total = 0;
    for (int d = 0; d < n_pairs; d++) {
        int dim = ndim - n_pairs + d, p = n_pairs - 1 - d;
        int64_t before = pads[2 * p], after = pads[2 * p + 1], in = sizes[dim];
        if (before < 0 || after < 0)
            return ct_fail("pad: mode '%s' does not take negative pads (got %lld and %lld for dim %d)", name,
                           (long long)before, (long long)after, dim + 1);
        if (mode == CT_PAD_REFLECT && (before >= in || after >= in) && (before > 0 || after > 0))
            return ct_fail("pad: reflect pads (%lld and %lld) must be less than the size %lld of dim %d (input shape %s)",
                           (long long)before, (long long)after, (long long)in, dim + 1,
                           ct_sizes_str(ndim, sizes, a, sizeof a));
        if (mode == CT_PAD_REPLICATE && in == 0 && (before > 0 || after > 0))
            return ct_fail("pad: cannot replicate dim %d of size 0 (input shape %s)", dim + 1,
                           ct_sizes_str(ndim, sizes, a, sizeof a));
        if (mode == CT_PAD_CIRCULAR && (before > in || after > in))
            return ct_fail("pad: circular pads (%lld and %lld) must be at most the size %lld of dim %d (input shape %s)",
                           (long long)before, (long long)after, (long long)in, dim + 1,
                           ct_sizes_str(ndim, sizes, a, sizeof a));
        g->in_sizes[d] = in;
        g->out_sizes[d] = out_sizes[dim] = in + before + after;
        total += out_sizes[dim];
    }
    int64_t *m = malloc(sizeof(int64_t) * (size_t)(total > 0 ? total : 1));
    if (!m)
        return ct_fail("pad: out of memory");
    int64_t *at = m;
    for (int d = 0; d < n_pairs; d++) {
        int64_t before = pads[2 * (n_pairs - 1 - d)], in = g->in_sizes[d];
        for (int64_t i = 0; i < g->out_sizes[d]; i++) {
            int64_t s = i - before;
            if (mode == CT_PAD_REFLECT) {
                s = s < 0 ? -s : s;
                s = s >= in ? 2 * (in - 1) - s : s;
            } else if (mode == CT_PAD_REPLICATE) {
                s = s < 0 ? 0 : (s >= in ? in - 1 : s);
            } else {
                s = ((s % in) + in) % in;
            }
            at[i] = s;
        }
        g->maps[d] = at;
        at += g->out_sizes[d];
    }
    *maps = m;
    return 0;
}

ct_tensor *ct_raw_pad_mapped(ct_tensor *t, ct_pad_mode mode, int n_pairs, const int64_t *pads)
{
    ct_pad_geom g;
    int64_t *maps, sizes[CT_MAX_DIMS];
    if (pad_mode_geom(mode, t->ndim, t->sizes, n_pairs, pads, &g, &maps, sizes) < 0)
        return NULL;
    ct_tensor *in = ct_raw_contiguous(t);
    ct_tensor *out = in ? ct_empty(t->ndim, sizes, t->dtype) : NULL;
    if (out)
        ct_cpu_pad_gather(&g, ct_dtype_size(t->dtype), ct_tensor_data(in), ct_tensor_data(out));
    ct_release(in);
    free(maps);
    return out;
}

ct_tensor *ct_raw_pad_mapped_backward(ct_tensor *grad, ct_pad_mode mode, int n_pairs, const int64_t *pads)
{
    char a[128];
    if (grad->dtype != CT_FLOAT32 && grad->dtype != CT_FLOAT64) {
        ct_fail("pad_backward: expected a float32 or float64 gradient, got %s", ct_dtype_name(grad->dtype));
        return NULL;
    }
    if (n_pairs < 1 || n_pairs > 3 || n_pairs > grad->ndim) {
        ct_fail("pad_backward: %d pads for a gradient of shape %s", 2 * n_pairs, ct_shape_str(grad, a, sizeof a));
        return NULL;
    }
    int64_t in_sizes[CT_MAX_DIMS], out_sizes[CT_MAX_DIMS];
    memcpy(in_sizes, grad->sizes, sizeof(int64_t) * (size_t)grad->ndim);
    for (int p = 0; p < n_pairs; p++)
        in_sizes[grad->ndim - 1 - p] -= pads[2 * p] + pads[2 * p + 1];
    ct_pad_geom g;
    int64_t *maps;
    if (ct_check_sizes("pad_backward", grad->ndim, in_sizes) < 0 ||
        pad_mode_geom(mode, grad->ndim, in_sizes, n_pairs, pads, &g, &maps, out_sizes) < 0)
        return NULL;
    ct_tensor *gc = ct_raw_contiguous(grad);
    ct_tensor *gi = gc ? ct_zeros(grad->ndim, in_sizes, grad->dtype) : NULL;
    if (gi)
        ct_cpu_pad_scatter_add(&g, grad->dtype, ct_tensor_data(gc), ct_tensor_data(gi));
    ct_release(gc);
    free(maps);
    return gi;
}

/* ---------------------------------------------------------------- one_hot */

ct_tensor *ct_one_hot_based(ct_tensor *indices, int64_t num_classes, int64_t base)
{
    if (check_index_tensor("one_hot", "indices", indices) < 0)
        return NULL;
    if (indices->ndim + 1 > CT_MAX_DIMS) {
        ct_fail("one_hot: indices have too many dims (%d)", indices->ndim);
        return NULL;
    }
    ct_tensor *idx = ct_raw_contiguous(indices), *out = NULL;
    if (!idx)
        return NULL;
    int64_t n = ct_numel(idx);
    const void *data = ct_tensor_data(idx);
    if (num_classes < 0) {
        if (n == 0) {
            ct_fail("one_hot: cannot infer the number of classes from an empty tensor; pass num_classes");
            goto done;
        }
        int64_t mx = ct_index_value(data, idx->dtype, 0);
        for (int64_t k = 1; k < n; k++) {
            int64_t v = ct_index_value(data, idx->dtype, k);
            mx = v > mx ? v : mx;
        }
        num_classes = mx - base + 1 > 0 ? mx - base + 1 : 0;
    }
    int64_t bad = ct_cpu_find_bad_index(data, idx->dtype, n, base, num_classes);
    if (bad >= 0) {
        int64_t v = ct_index_value(data, idx->dtype, bad);
        if (num_classes == 0)
            ct_fail("one_hot: class %lld is out of range: num_classes is 0", (long long)v);
        else
            ct_fail("one_hot: class %lld is out of range %lld..%lld%s", (long long)v, (long long)base,
                    (long long)(num_classes - 1 + base), base == 1 && v == 0 ? " (classes are 1-based)" : "");
        goto done;
    }
    int64_t sizes[CT_MAX_DIMS];
    memcpy(sizes, indices->sizes, sizeof(int64_t) * (size_t)indices->ndim);
    sizes[indices->ndim] = num_classes;
    out = ct_zeros(indices->ndim + 1, sizes, CT_INT64);
    if (out)
        ct_cpu_one_hot(data, idx->dtype, n, base, num_classes, (int64_t *)ct_tensor_data(out));
done:
    ct_release(idx);
    return out;
}

ct_tensor *ct_one_hot(ct_tensor *indices, int64_t num_classes) { return ct_one_hot_based(indices, num_classes, 0); }
