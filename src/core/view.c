/*
 * view.c -- ops that return a new header over the same storage.
 */
#include <string.h>

#include "core/tensor.h"

/* Resolves one -1 in sizes against numel; errors name the op. */
static int infer_size(const char *op, int64_t numel, int ndim, const int64_t *sizes, int64_t *out)
{
    int infer = -1;
    int64_t known = 1;
    for (int i = 0; i < ndim; i++) {
        if (sizes[i] == -1) {
            if (infer >= 0)
                return ct_fail("%s: only one dimension can be inferred (-1)", op);
            infer = i;
        } else if (sizes[i] < 0) {
            return ct_fail("%s: invalid size %lld at dim %d", op, (long long)sizes[i], i + 1);
        } else {
            known *= sizes[i];
        }
        out[i] = sizes[i];
    }
    char shape[256];
    if (infer >= 0) {
        if (known == 0 || numel % known != 0)
            return ct_fail("%s: shape %s is invalid for input of size %lld", op,
                           ct_sizes_str(ndim, sizes, shape, sizeof shape), (long long)numel);
        out[infer] = numel / known;
    } else if (known != numel) {
        return ct_fail("%s: shape %s is invalid for input of size %lld", op,
                       ct_sizes_str(ndim, sizes, shape, sizeof shape), (long long)numel);
    }
    return 0;
}

/* Strides giving t's elements the new shape without a copy, when there are
 * any: groups of old dims that are contiguous with each other may be split or
 * merged freely.  Returns 0 on success, -1 (without setting an error) if not. */
static int view_strides(const ct_tensor *t, int ndim, const int64_t *sizes, int64_t *strides)
{
    if (ct_numel(t) == 0 || t->ndim == 0) {
        ct_contiguous_strides(ndim, sizes, strides);
        return 0;
    }
    int view_d = ndim - 1;
    int64_t chunk_stride = t->strides[t->ndim - 1];
    int64_t tensor_numel = 1, view_numel = 1;
    for (int d = t->ndim - 1; d >= 0; d--) {
        tensor_numel *= t->sizes[d];
        int chunk_ends = d == 0 || (t->sizes[d - 1] != 1 &&
                                    t->strides[d - 1] != tensor_numel * chunk_stride);
        if (!chunk_ends)
            continue;
        while (view_d >= 0 && (view_numel < tensor_numel || sizes[view_d] == 1)) {
            strides[view_d] = view_numel * chunk_stride;
            view_numel *= sizes[view_d];
            view_d--;
        }
        if (view_numel != tensor_numel)
            return -1;
        if (d > 0) {
            chunk_stride = t->strides[d - 1];
            tensor_numel = 1;
            view_numel = 1;
        }
    }
    return view_d == -1 ? 0 : -1;
}

ct_tensor *ct_raw_view(ct_tensor *t, int ndim, const int64_t *sizes)
{
    int64_t shape[CT_MAX_DIMS], strides[CT_MAX_DIMS];
    if (ndim > CT_MAX_DIMS) {
        ct_fail("view: %d dimensions requested, at most %d are supported", ndim, CT_MAX_DIMS);
        return NULL;
    }
    if (infer_size("view", ct_numel(t), ndim, sizes, shape) < 0)
        return NULL;
    if (view_strides(t, ndim, shape, strides) < 0) {
        char a[128], b[128], c[128];
        ct_fail("view: a tensor of shape %s with strides %s cannot be viewed as %s without a copy; "
                "use reshape", ct_shape_str(t, a, sizeof a),
                ct_sizes_str(t->ndim, t->strides, b, sizeof b), ct_sizes_str(ndim, shape, c, sizeof c));
        return NULL;
    }
    return ct_tensor_alias(t, ndim, shape, strides, t->offset);
}

ct_tensor *ct_raw_reshape(ct_tensor *t, int ndim, const int64_t *sizes)
{
    int64_t shape[CT_MAX_DIMS], strides[CT_MAX_DIMS];
    if (ndim > CT_MAX_DIMS) {
        ct_fail("reshape: %d dimensions requested, at most %d are supported", ndim, CT_MAX_DIMS);
        return NULL;
    }
    if (infer_size("reshape", ct_numel(t), ndim, sizes, shape) < 0)
        return NULL;
    if (view_strides(t, ndim, shape, strides) == 0)
        return ct_tensor_alias(t, ndim, shape, strides, t->offset);
    ct_tensor *c = ct_raw_clone(t);
    if (!c)
        return NULL;
    ct_tensor *v = ct_tensor_alias(c, ndim, shape, NULL, 0);
    ct_release(c);
    return v;
}

ct_tensor *ct_raw_flatten(ct_tensor *t, int start_dim, int end_dim)
{
    int s, e;
    if (ct_wrap_dim("flatten", start_dim, t->ndim, &s) < 0 ||
        ct_wrap_dim("flatten", end_dim, t->ndim, &e) < 0)
        return NULL;
    if (t->ndim == 0) {
        int64_t one = 1;
        return ct_raw_reshape(t, 1, &one);
    }
    if (s > e) {
        ct_fail("flatten: start_dim %d comes after end_dim %d", s + 1, e + 1);
        return NULL;
    }
    int64_t shape[CT_MAX_DIMS];
    int n = 0;
    for (int i = 0; i < s; i++)
        shape[n++] = t->sizes[i];
    int64_t merged = 1;
    for (int i = s; i <= e; i++)
        merged *= t->sizes[i];
    shape[n++] = merged;
    for (int i = e + 1; i < t->ndim; i++)
        shape[n++] = t->sizes[i];
    return ct_raw_reshape(t, n, shape);
}

ct_tensor *ct_raw_squeeze(ct_tensor *t)
{
    int64_t shape[CT_MAX_DIMS], strides[CT_MAX_DIMS];
    int n = 0;
    for (int i = 0; i < t->ndim; i++)
        if (t->sizes[i] != 1) {
            shape[n] = t->sizes[i];
            strides[n++] = t->strides[i];
        }
    return ct_tensor_alias(t, n, shape, strides, t->offset);
}

ct_tensor *ct_raw_squeeze_dim(ct_tensor *t, int dim)
{
    int d;
    if (ct_wrap_dim("squeeze", dim, t->ndim, &d) < 0)
        return NULL;
    if (t->ndim == 0 || t->sizes[d] != 1)
        return ct_tensor_alias(t, t->ndim, t->sizes, t->strides, t->offset);
    int64_t shape[CT_MAX_DIMS], strides[CT_MAX_DIMS];
    int n = 0;
    for (int i = 0; i < t->ndim; i++)
        if (i != d) {
            shape[n] = t->sizes[i];
            strides[n++] = t->strides[i];
        }
    return ct_tensor_alias(t, n, shape, strides, t->offset);
}

ct_tensor *ct_raw_unsqueeze(ct_tensor *t, int dim)
{
    int d;
    if (ct_wrap_dim("unsqueeze", dim, t->ndim + 1, &d) < 0)
        return NULL;
    if (t->ndim >= CT_MAX_DIMS) {
        ct_fail("unsqueeze: a tensor can have at most %d dimensions", CT_MAX_DIMS);
        return NULL;
    }
    int64_t shape[CT_MAX_DIMS], strides[CT_MAX_DIMS];
    int n = 0;
    for (int i = 0; i <= t->ndim; i++) {
        if (i == d) {
            shape[n] = 1;
            strides[n++] = i < t->ndim ? t->sizes[i] * t->strides[i] : 1;
        }
        if (i < t->ndim) {
            shape[n] = t->sizes[i];
            strides[n++] = t->strides[i];
        }
    }
    return ct_tensor_alias(t, n, shape, strides, t->offset);
}

ct_tensor *ct_raw_transpose(ct_tensor *t, int dim0, int dim1)
{
    int a, b;
    if (ct_wrap_dim("transpose", dim0, t->ndim, &a) < 0 ||
        ct_wrap_dim("transpose", dim1, t->ndim, &b) < 0)
        return NULL;
    int64_t shape[CT_MAX_DIMS], strides[CT_MAX_DIMS];
    memcpy(shape, t->sizes, sizeof shape);
    memcpy(strides, t->strides, sizeof strides);
    if (t->ndim > 0) {
        shape[a] = t->sizes[b];
        shape[b] = t->sizes[a];
        strides[a] = t->strides[b];
        strides[b] = t->strides[a];
    }
    return ct_tensor_alias(t, t->ndim, shape, strides, t->offset);
}

ct_tensor *ct_raw_t(ct_tensor *t)
{
    if (t->ndim > 2) {
        char shape[128];
        ct_fail("t: expects a tensor with at most 2 dimensions, got shape %s; use transpose",
                ct_shape_str(t, shape, sizeof shape));
        return NULL;
    }
    if (t->ndim < 2)
        return ct_tensor_alias(t, t->ndim, t->sizes, t->strides, t->offset);
    return ct_raw_transpose(t, 0, 1);
}

ct_tensor *ct_raw_permute(ct_tensor *t, const int *dims)
{
    int64_t shape[CT_MAX_DIMS], strides[CT_MAX_DIMS];
    int seen[CT_MAX_DIMS] = {0};
    for (int i = 0; i < t->ndim; i++) {
        int d;
        if (ct_wrap_dim("permute", dims[i], t->ndim, &d) < 0)
            return NULL;
        if (seen[d]++) {
            ct_fail("permute: dim %d is repeated", d + 1);
            return NULL;
        }
        shape[i] = t->sizes[d];
        strides[i] = t->strides[d];
    }
    return ct_tensor_alias(t, t->ndim, shape, strides, t->offset);
}

ct_tensor *ct_raw_expand(ct_tensor *t, int ndim, const int64_t *sizes)
{
    char a[128], b[128];
    if (ndim < t->ndim || ndim > CT_MAX_DIMS) {
        ct_fail("expand: cannot expand shape %s to %s (fewer dimensions)",
                ct_shape_str(t, a, sizeof a), ct_sizes_str(ndim, sizes, b, sizeof b));
        return NULL;
    }
    int64_t shape[CT_MAX_DIMS], strides[CT_MAX_DIMS];
    int lead = ndim - t->ndim;
    for (int i = 0; i < ndim; i++) {
        int j = i - lead;
        int64_t want = sizes[i];
        if (j < 0) {
            if (want < 0) {
                ct_fail("expand: size -1 is not allowed for the new leading dim %d", i + 1);
                return NULL;
            }
            shape[i] = want;
            strides[i] = 0;
        } else if (want == -1 || want == t->sizes[j]) {
            shape[i] = t->sizes[j];
            strides[i] = t->strides[j];
        } else if (t->sizes[j] == 1 && want >= 0) {
            shape[i] = want;
            strides[i] = 0;
        } else {
            ct_fail("expand: cannot expand shape %s to %s (size %lld at dim %d is not 1)",
                    ct_shape_str(t, a, sizeof a), ct_sizes_str(ndim, sizes, b, sizeof b),
                    (long long)t->sizes[j], j + 1);
            return NULL;
        }
    }
    return ct_tensor_alias(t, ndim, shape, strides, t->offset);
}

ct_tensor *ct_raw_narrow(ct_tensor *t, int dim, int64_t start, int64_t length)
{
    int d;
    if (ct_wrap_dim("narrow", dim, t->ndim, &d) < 0)
        return NULL;
    if (t->ndim == 0) {
        ct_fail("narrow: cannot narrow a 0-D tensor");
        return NULL;
    }
    int64_t size = t->sizes[d];
    if (start < 0)
        start += size;
    if (start < 0 || length < 0 || start > size || start + length > size) {
        ct_fail("narrow: range start %lld, length %lld exceeds size %lld of dim %d",
                (long long)start + 1, (long long)length, (long long)size, d + 1);
        return NULL;
    }
    int64_t shape[CT_MAX_DIMS];
    memcpy(shape, t->sizes, sizeof shape);
    shape[d] = length;
    return ct_tensor_alias(t, t->ndim, shape, t->strides, t->offset + start * t->strides[d]);
}

ct_tensor *ct_raw_select(ct_tensor *t, int dim, int64_t index)
{
    int d;
    if (t->ndim == 0) {
        ct_fail("select: cannot index a 0-D tensor");
        return NULL;
    }
    if (ct_wrap_dim("select", dim, t->ndim, &d) < 0)
        return NULL;
    int64_t size = t->sizes[d];
    int64_t k = index < 0 ? index + size : index;
    if (k < 0 || k >= size) {
        ct_fail("select: index %lld is out of range for dim %d of size %lld",
                (long long)(index < 0 ? index : index + 1), d + 1, (long long)size);
        return NULL;
    }
    int64_t shape[CT_MAX_DIMS], strides[CT_MAX_DIMS];
    int n = 0;
    for (int i = 0; i < t->ndim; i++)
        if (i != d) {
            shape[n] = t->sizes[i];
            strides[n++] = t->strides[i];
        }
    return ct_tensor_alias(t, n, shape, strides, t->offset + k * t->strides[d]);
}

ct_tensor *ct_raw_as_strided(ct_tensor *t, int ndim, const int64_t *sizes, const int64_t *strides,
                         int64_t offset)
{
    if (ct_check_sizes("as_strided", ndim, sizes) < 0)
        return NULL;
    /* every reachable element must lie inside the storage */
    int64_t lo = offset, hi = offset;
    if (ct_shape_numel(ndim, sizes) > 0)
        for (int i = 0; i < ndim; i++) {
            int64_t reach = (sizes[i] - 1) * strides[i];
            if (reach < 0)
                lo += reach;
            else
                hi += reach;
        }
    int64_t capacity = (int64_t)(t->storage->nbytes / ct_dtype_size(t->dtype));
    if (lo < 0 || (ct_shape_numel(ndim, sizes) > 0 && hi >= capacity)) {
        ct_fail("as_strided: the view reaches elements %lld..%lld outside a storage of %lld",
                (long long)lo, (long long)hi, (long long)capacity);
        return NULL;
    }
    return ct_tensor_alias(t, ndim, sizes, strides, offset);
}
