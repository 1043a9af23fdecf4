/*
 * join.c -- cat, stack, split, split_sizes, chunk.
 *
 * cat copies each input into its slice of the output with ct_raw_copy_ (which
 * casts, and moves contiguous rows with memcpy); split and chunk return
 * narrow views.
 */
#include <stdlib.h>
#include <string.h>

#include "core/tensor.h"

/* PyTorch still accepts (and skips) 1-D empty tensors in cat, whatever the
 * other inputs' shapes: torch.cat({torch.zeros(0), x}) is x. */
static int cat_skips(const ct_tensor *t) { return t->ndim == 1 && t->sizes[0] == 0; }

ct_tensor *ct_raw_cat(int n, ct_tensor *const *tensors, int dim)
{
    const char *op = "cat";
    char a[128], b[128];
    if (n <= 0 || !tensors) {
        ct_fail("%s: expects a non-empty list of tensors", op);
        return NULL;
    }
    const ct_tensor *ref = NULL;
    int ref_pos = 0;
    ct_dtype dtype = CT_BOOL;
    for (int i = 0; i < n; i++) {
        const ct_tensor *t = tensors[i];
        if (!t) {
            ct_fail("%s: tensor %d is NULL", op, i + 1);
            return NULL;
        }
        if (t->ndim == 0) {
            ct_fail("%s: tensor %d is 0-D; 0-D tensors cannot be concatenated (unsqueeze them or use stack)",
                    op, i + 1);
            return NULL;
        }
        if (ct_check_same_device(op, tensors[0], t) < 0)
            return NULL;
        dtype = i == 0 ? t->dtype : ct_promote_types(dtype, t->dtype);
        if (!ref && !cat_skips(t)) {
            ref = t;
            ref_pos = i;
        }
    }
    if (!ref) { /* every input was a 1-D empty tensor */
        int64_t zero = 0;
        return ct_empty(1, &zero, dtype);
    }
    int d;
    if (ct_wrap_dim(op, dim, ref->ndim, &d) < 0)
        return NULL;
    int64_t shape[CT_MAX_DIMS];
    memcpy(shape, ref->sizes, sizeof(int64_t) * (size_t)ref->ndim);
    shape[d] = 0;
    for (int i = 0; i < n; i++) {
        const ct_tensor *t = tensors[i];
        if (cat_skips(t))
            continue;
        if (t->ndim != ref->ndim) {
            ct_fail("%s: tensors must have the same number of dims: tensor %d has shape %s and tensor %d "
                    "has shape %s", op, ref_pos + 1, ct_shape_str(ref, a, sizeof a), i + 1,
                    ct_shape_str(t, b, sizeof b));
            return NULL;
        }
        for (int k = 0; k < t->ndim; k++)
            if (k != d && t->sizes[k] != ref->sizes[k]) {
                ct_fail("%s: shapes %s (tensor %d) and %s (tensor %d) differ at dim %d; only dim %d, "
                        "the one joined, may differ", op, ct_shape_str(ref, a, sizeof a), ref_pos + 1,
                        ct_shape_str(t, b, sizeof b), i + 1, k + 1, d + 1);
                return NULL;
            }
        shape[d] += t->sizes[d];
    }
    ct_tensor *out = ct_empty(ref->ndim, shape, dtype);
    if (!out)
        return NULL;
    int64_t pos = 0;
    for (int i = 0; i < n; i++) {
        const ct_tensor *t = tensors[i];
        if (cat_skips(t) || t->sizes[d] == 0)
            continue;
        int64_t slice_shape[CT_MAX_DIMS];
        memcpy(slice_shape, shape, sizeof(int64_t) * (size_t)ref->ndim);
        slice_shape[d] = t->sizes[d];
        ct_tensor *slice = ct_tensor_alias(out, out->ndim, slice_shape, out->strides,
                                           out->offset + pos * out->strides[d]);
        int rc = slice ? ct_raw_copy_(slice, t) : -1;
        ct_release(slice);
        if (rc < 0) {
            ct_release(out);
            return NULL;
        }
        pos += t->sizes[d];
    }
    return out;
}

ct_tensor *ct_raw_stack(int n, ct_tensor *const *tensors, int dim)
{
    const char *op = "stack";
    char a[128], b[128];
    if (n <= 0 || !tensors) {
        ct_fail("%s: expects a non-empty list of tensors", op);
        return NULL;
    }
    for (int i = 0; i < n; i++) {
        if (!tensors[i]) {
            ct_fail("%s: tensor %d is NULL", op, i + 1);
            return NULL;
        }
        const ct_tensor *t = tensors[i], *first = tensors[0];
        if (t->ndim != first->ndim ||
            memcmp(t->sizes, first->sizes, sizeof(int64_t) * (size_t)t->ndim) != 0) {
            ct_fail("%s: expects tensors of equal shape, got %s (tensor 1) and %s (tensor %d)", op,
                    ct_shape_str(first, a, sizeof a), ct_shape_str(t, b, sizeof b), i + 1);
            return NULL;
        }
    }
    int d;
    if (ct_wrap_dim(op, dim, tensors[0]->ndim + 1, &d) < 0)
        return NULL;
    if (tensors[0]->ndim >= CT_MAX_DIMS) {
        ct_fail("%s: the result would have more than %d dims", op, CT_MAX_DIMS);
        return NULL;
    }
    ct_tensor **views = calloc((size_t)n, sizeof *views);
    if (!views) {
        ct_fail("%s: out of memory", op);
        return NULL;
    }
    ct_tensor *out = NULL;
    int ok = 1;
    for (int i = 0; i < n && ok; i++)
        ok = (views[i] = ct_raw_unsqueeze(tensors[i], d)) != NULL;
    if (ok)
        out = ct_raw_cat(n, views, d);
    for (int i = 0; i < n; i++)
        ct_release(views[i]);
    free(views);
    return out;
}

/* The dim to split, wrapped; splitting needs at least one dim. */
static int split_dim(const char *op, const ct_tensor *t, int dim, int *d)
{
    if (t->ndim == 0)
        return ct_fail("%s: cannot split a 0-D tensor", op);
    return ct_wrap_dim(op, dim, t->ndim, d);
}

/* Views of consecutive pieces with the given lengths; on error none are kept. */
static int narrow_pieces(ct_tensor *t, int d, int n, const int64_t *lengths, int64_t uniform,
                         ct_tensor **out, int max_out)
{
    int64_t start = 0;
    for (int i = 0; i < n && i < max_out; i++) {
        int64_t len = lengths ? lengths[i] : (t->sizes[d] - start < uniform ? t->sizes[d] - start : uniform);
        out[i] = ct_raw_narrow(t, d, start, len);
        if (!out[i]) {
            for (int k = 0; k < i; k++) {
                ct_release(out[k]);
                out[k] = NULL;
            }
            return -1;
        }
        start += len;
    }
    return n;
}

int ct_raw_split(ct_tensor *t, int64_t split_size, int dim, ct_tensor **out, int max_out)
{
    int d;
    if (split_dim("split", t, dim, &d) < 0)
        return -1;
    int64_t size = t->sizes[d];
    if (split_size < 0 || (split_size == 0 && size > 0))
        return ct_fail("split: the split size must be positive, got %lld (dim %d has size %lld)",
                       (long long)split_size, d + 1, (long long)size);
    int64_t count = size == 0 ? 1 : (size + split_size - 1) / split_size;
    if (count > INT32_MAX)
        return ct_fail("split: %lld pieces are too many", (long long)count);
    return narrow_pieces(t, d, (int)count, NULL, split_size, out, out ? max_out : 0);
}

int ct_raw_split_sizes(ct_tensor *t, int n, const int64_t *sizes, int dim, ct_tensor **out)
{
    int d;
    if (split_dim("split", t, dim, &d) < 0)
        return -1;
    if (n <= 0)
        return ct_fail("split: expects at least one split size");
    int64_t total = 0;
    for (int i = 0; i < n; i++) {
        if (sizes[i] < 0)
            return ct_fail("split: split size %d is negative (%lld)", i + 1, (long long)sizes[i]);
        total += sizes[i];
    }
    if (total != t->sizes[d]) {
        char a[256], b[128];
        /* at most 16 sizes in the message keep it readable */
        return ct_fail("split: split sizes %s%s sum to %lld, but dim %d of %s has size %lld",
                       ct_sizes_str(n < 16 ? n : 16, sizes, a, sizeof a), n > 16 ? "..." : "",
                       (long long)total, d + 1, ct_shape_str(t, b, sizeof b), (long long)t->sizes[d]);
    }
    return narrow_pieces(t, d, n, sizes, 0, out, out ? n : 0);
}

int ct_raw_chunk(ct_tensor *t, int chunks, int dim, ct_tensor **out, int max_out)
{
    int d;
    if (split_dim("chunk", t, dim, &d) < 0)
        return -1;
    if (chunks <= 0)
        return ct_fail("chunk: the number of chunks must be positive, got %d", chunks);
    int64_t size = t->sizes[d];
    if (size == 0) /* PyTorch keeps the count: `chunks` empty pieces */
        return narrow_pieces(t, d, chunks, NULL, 0, out, out ? max_out : 0);
    return ct_raw_split(t, (size + chunks - 1) / chunks, dim, out, max_out);
}
