/*
 * tensor.c -- tensor headers, metadata and views.
 *
 * A tensor is a header over a refcounted storage (Torch7's model): views are
 * new headers with other sizes/strides/offset over the same storage.
 */
#include <stdlib.h>
#include <string.h>

#include "core/tensor.h"

void ct_autograd_meta_free(struct ct_autograd_meta *meta); /* autograd layer */

void ct_contiguous_strides(int ndim, const int64_t *sizes, int64_t *strides)
{
    int64_t stride = 1;
    for (int i = ndim - 1; i >= 0; i--) {
        strides[i] = stride;
        stride *= sizes[i] > 1 ? sizes[i] : 1;
    }
}

int64_t ct_shape_numel(int ndim, const int64_t *sizes)
{
    int64_t n = 1;
    for (int i = 0; i < ndim; i++)
        n *= sizes[i];
    return n;
}

ct_tensor *ct_tensor_new(ct_storage *s, int64_t offset, int ndim, const int64_t *sizes,
                         const int64_t *strides, ct_dtype dtype)
{
    ct_tensor *t = malloc(sizeof *t);
    if (!t) {
        ct_fail("out of memory allocating a tensor header");
        return NULL;
    }
    atomic_init(&t->refcount, 1);
    t->ndim = ndim;
    t->dtype = dtype;
    t->storage = s;
    ct_storage_retain(s);
    t->offset = offset;
    if (ndim > 0) { /* a 0-dim tensor may come with sizes == NULL */
        memcpy(t->sizes, sizes, sizeof(int64_t) * (size_t)ndim);
        if (strides)
            memcpy(t->strides, strides, sizeof(int64_t) * (size_t)ndim);
        else
            ct_contiguous_strides(ndim, sizes, t->strides);
    }
    t->is_view = false;
    t->autograd = NULL;
    return t;
}

ct_tensor *ct_tensor_alias(const ct_tensor *t, int ndim, const int64_t *sizes,
                           const int64_t *strides, int64_t offset)
{
    ct_tensor *v = ct_tensor_new(t->storage, offset, ndim, sizes, strides, t->dtype);
    if (v)
        v->is_view = true;
    return v;
}

ct_tensor *ct_empty(int ndim, const int64_t *sizes, ct_dtype dtype)
{
    if ((unsigned)dtype >= CT_NUM_DTYPES) {
        ct_fail("empty: invalid dtype %d", (int)dtype);
        return NULL;
    }
    if (ct_check_sizes("empty", ndim, sizes) < 0)
        return NULL;
    int64_t numel = ct_shape_numel(ndim, sizes);
    ct_storage *s = ct_storage_new((size_t)numel * ct_dtype_size(dtype), (ct_device){CT_CPU, -1});
    if (!s)
        return NULL;
    ct_tensor *t = ct_tensor_new(s, 0, ndim, sizes, NULL, dtype);
    ct_storage_release(s);
    return t;
}

ct_tensor *ct_empty_like(const ct_tensor *t, ct_dtype dtype)
{
    return ct_empty(t->ndim, t->sizes, dtype);
}

ct_tensor *ct_from_blob(void *data, int ndim, const int64_t *sizes, const int64_t *strides,
                        ct_dtype dtype, void (*release)(void *data, void *ctx), void *ctx)
{
    if ((unsigned)dtype >= CT_NUM_DTYPES) {
        ct_fail("from_blob: invalid dtype %d", (int)dtype);
        return NULL;
    }
    if (ct_check_sizes("from_blob", ndim, sizes) < 0)
        return NULL;
    if (!data && ct_shape_numel(ndim, sizes) > 0) {
        ct_fail("from_blob: data is NULL");
        return NULL;
    }
    /* the storage's extent: one past the furthest element the strides reach */
    int64_t extent = 0;
    if (ct_shape_numel(ndim, sizes) > 0) {
        int64_t contiguous[CT_MAX_DIMS];
        ct_contiguous_strides(ndim, sizes, contiguous);
        const int64_t *st = strides ? strides : contiguous;
        for (int i = 0; i < ndim; i++) {
            if (st[i] < 0) {
                ct_fail("from_blob: negative strides are not supported");
                return NULL;
            }
            extent += (sizes[i] - 1) * st[i];
        }
        extent += 1;
    }
    ct_storage *s = ct_storage_wrap(data, (size_t)extent * ct_dtype_size(dtype), release, ctx);
    if (!s)
        return NULL;
    ct_tensor *t = ct_tensor_new(s, 0, ndim, sizes, strides, dtype);
    if (!t)
        s->release = NULL; /* on failure the caller keeps its memory, as on every other error */
    ct_storage_release(s);
    return t;
}

ct_tensor *ct_retain(ct_tensor *t)
{
    if (t)
        atomic_fetch_add_explicit(&t->refcount, 1, memory_order_relaxed);
    return t;
}

void ct_release(ct_tensor *t)
{
    if (!t || atomic_fetch_sub_explicit(&t->refcount, 1, memory_order_acq_rel) != 1)
        return;
    if (t->autograd)
        ct_autograd_meta_free(t->autograd);
    ct_storage_release(t->storage);
    free(t);
}

/* ---------------------------------------------------------------- metadata */

int ct_ndim(const ct_tensor *t) { return t->ndim; }
const int64_t *ct_sizes(const ct_tensor *t) { return t->sizes; }
const int64_t *ct_strides(const ct_tensor *t) { return t->strides; }
int64_t ct_numel(const ct_tensor *t) { return ct_shape_numel(t->ndim, t->sizes); }
ct_dtype ct_dtype_of(const ct_tensor *t) { return t->dtype; }
ct_device ct_device_of(const ct_tensor *t) { return t->storage->device; }
void *ct_data_ptr(const ct_tensor *t) { return ct_tensor_data(t); }
int ct_same_storage(const ct_tensor *a, const ct_tensor *b) { return a->storage == b->storage; }

int64_t ct_size(const ct_tensor *t, int dim)
{
    int d;
    if (t->ndim == 0)
        return ct_fail("size: a 0-D tensor has no dimensions (asked for dim %d)", dim >= 0 ? dim + 1 : dim);
    if (ct_wrap_dim("size", dim, t->ndim, &d) < 0)
        return -1;
    return t->sizes[d];
}

int ct_is_contiguous(const ct_tensor *t)
{
    int64_t expected = 1;
    for (int i = t->ndim - 1; i >= 0; i--) {
        if (t->sizes[i] == 0)
            return 1;
        if (t->sizes[i] != 1 && t->strides[i] != expected)
            return 0;
        expected *= t->sizes[i];
    }
    return 1;
}

/* ---------------------------------------------------------------- element access */

static int element_offset(const ct_tensor *t, const int64_t *index, int64_t *out)
{
    int64_t off = t->offset;
    for (int i = 0; i < t->ndim; i++) {
        int64_t k = index[i] < 0 ? index[i] + t->sizes[i] : index[i];
        if (k < 0 || k >= t->sizes[i]) {
            char shape[128];
            return ct_fail("index %lld is out of bounds for dim %d with size %lld (shape %s)",
                           (long long)(index[i] < 0 ? index[i] : index[i] + 1), i + 1,
                           (long long)t->sizes[i], ct_shape_str(t, shape, sizeof shape));
        }
        off += k * t->strides[i];
    }
    *out = off;
    return 0;
}

int ct_get(const ct_tensor *t, const int64_t *index, ct_scalar *out)
{
    int64_t off;
    if (element_offset(t, index, &off) < 0)
        return -1;
    *out = ct_scalar_load(t->dtype, (char *)t->storage->data + off * (int64_t)ct_dtype_size(t->dtype));
    return 0;
}

int ct_set(ct_tensor *t, const int64_t *index, ct_scalar value)
{
    int64_t off;
    if (element_offset(t, index, &off) < 0)
        return -1;
    ct_scalar_store(value, t->dtype, (char *)t->storage->data + off * (int64_t)ct_dtype_size(t->dtype));
    ct_tensor_bump_version(t);
    return 0;
}

int ct_item(const ct_tensor *t, ct_scalar *out)
{
    if (ct_numel(t) != 1) {
        char shape[128];
        return ct_fail("item: a tensor with %lld elements (shape %s) cannot be converted to a number",
                       (long long)ct_numel(t), ct_shape_str(t, shape, sizeof shape));
    }
    *out = ct_scalar_load(t->dtype, ct_tensor_data(t));
    return 0;
}
