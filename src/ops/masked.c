/*
 * masked.c -- dispatch for mask ops: masked_fill(_), masked_select,
 * masked_scatter_, and nonzero.
 *
 * Masks are bool or uint8 tensors that broadcast to the data.  Selection
 * order is row-major over the broadcast shape, as in PyTorch.
 */
#include "core/loop.h"
#include "cpu/index.h"

static int check_mask(const char *op, const ct_tensor *t, const ct_tensor *mask)
{
    if (ct_check_same_device(op, t, mask) < 0)
        return -1;
    if (mask->dtype != CT_BOOL && mask->dtype != CT_UINT8)
        return ct_fail("%s: the mask must be a bool or uint8 tensor, got %s", op, ct_dtype_name(mask->dtype));
    return 0;
}

/* The mask broadcasts to t's own shape (in-place ops cannot grow t). */
static int check_mask_fits(const char *op, const ct_tensor *t, const ct_tensor *mask)
{
    int ndim;
    int64_t shape[CT_MAX_DIMS];
    if (ct_broadcast_shape(op, t->ndim, t->sizes, mask->ndim, mask->sizes, &ndim, shape) < 0)
        return -1;
    if (ndim != t->ndim || ct_shape_numel(ndim, shape) != ct_numel(t)) {
        char a[128], b[128];
        return ct_fail("%s: the mask shape %s cannot be broadcast to the target's shape %s", op,
                       ct_shape_str(mask, a, sizeof a), ct_shape_str(t, b, sizeof b));
    }
    return 0;
}

/* The mask, copied when it shares memory with the tensor being written. */
static ct_tensor *mask_for_write(ct_tensor *t, ct_tensor *mask)
{
    return ct_same_storage(t, mask) ? ct_raw_clone(mask) : ct_retain(mask);
}

static int masked_fill_impl(const char *op, ct_tensor *t, ct_tensor *mask, ct_scalar value)
{
    if (check_mask(op, t, mask) < 0 || check_mask_fits(op, t, mask) < 0)
        return -1;
    ct_tensor *m = mask_for_write(t, mask);
    if (!m)
        return -1;
    int64_t buf[2] = {0, 0};
    ct_scalar_store(value, t->dtype, buf);
    ct_loop loop;
    ct_loop_begin(&loop, t->ndim, t->sizes);
    ct_loop_add(&loop, t);
    ct_loop_add(&loop, m);
    ct_loop_finish(&loop);
    ct_cpu_masked_fill(&loop, t->dtype, buf);
    ct_release(m);
    ct_tensor_bump_version(t);
    return 0;
}

int ct_raw_masked_fill_(ct_tensor *t, ct_tensor *mask, ct_scalar value)
{
    return masked_fill_impl("masked_fill_", t, mask, value);
}

/* Out of place, t and mask broadcast to each other (PyTorch's rule). */
ct_tensor *ct_raw_masked_fill(ct_tensor *t, ct_tensor *mask, ct_scalar value)
{
    const char *op = "masked_fill";
    int ndim;
    int64_t shape[CT_MAX_DIMS];
    if (check_mask(op, t, mask) < 0 ||
        ct_broadcast_shape(op, t->ndim, t->sizes, mask->ndim, mask->sizes, &ndim, shape) < 0)
        return NULL;
    ct_tensor *out = ct_empty(ndim, shape, t->dtype);
    if (!out)
        return NULL;
    if (ct_raw_copy_(out, t) < 0 || masked_fill_impl(op, out, mask, value) < 0) {
        ct_release(out);
        return NULL;
    }
    return out;
}

/* How many elements mask selects once broadcast to (ndim, shape). */
static int64_t mask_count(const ct_tensor *mask, int ndim, const int64_t *shape)
{
    ct_loop loop;
    ct_loop_begin(&loop, ndim, shape);
    ct_loop_add(&loop, mask);
    ct_loop_finish(&loop);
    return ct_cpu_mask_count(&loop);
}

ct_tensor *ct_raw_masked_select(ct_tensor *t, ct_tensor *mask)
{
    const char *op = "masked_select";
    int ndim;
    int64_t shape[CT_MAX_DIMS];
    if (check_mask(op, t, mask) < 0 ||
        ct_broadcast_shape(op, t->ndim, t->sizes, mask->ndim, mask->sizes, &ndim, shape) < 0)
        return NULL;
    int64_t count = mask_count(mask, ndim, shape);
    ct_tensor *out = ct_empty(1, &count, t->dtype);
    if (!out)
        return NULL;
    ct_loop loop;
    ct_loop_begin(&loop, ndim, shape);
    ct_loop_add(&loop, t);
    ct_loop_add(&loop, mask);
    ct_loop_finish(&loop);
    ct_cpu_masked_select(&loop, t->dtype, ct_tensor_data(out), count);
    return out;
}

int ct_raw_masked_scatter_(ct_tensor *t, ct_tensor *mask, ct_tensor *src)
{
    const char *op = "masked_scatter_";
    if (check_mask(op, t, mask) < 0 || ct_check_same_device(op, t, src) < 0 ||
        check_mask_fits(op, t, mask) < 0)
        return -1;
    int64_t count = mask_count(mask, t->ndim, t->sizes), have = ct_numel(src);
    if (have < count && have != 1) {
        char a[128];
        return ct_fail("%s: the source %s has %lld elements but the mask selects %lld", op,
                       ct_shape_str(src, a, sizeof a), (long long)have, (long long)count);
    }
    /* the values in order, in t's dtype, in memory t does not share */
    ct_tensor *s;
    if (src->dtype != t->dtype)
        s = ct_raw_to_dtype(src, t->dtype); /* a fresh contiguous copy */
    else
        s = ct_same_storage(src, t) ? ct_raw_clone(src) : ct_raw_contiguous(src);
    ct_tensor *m = s ? mask_for_write(t, mask) : NULL;
    if (!m) {
        ct_release(s);
        return -1;
    }
    ct_loop loop;
    ct_loop_begin(&loop, t->ndim, t->sizes);
    ct_loop_add(&loop, t);
    ct_loop_add(&loop, m);
    ct_loop_finish(&loop);
    ct_cpu_masked_scatter(&loop, t->dtype, ct_tensor_data(s), have >= count);
    ct_release(s);
    ct_release(m);
    ct_tensor_bump_version(t);
    return 0;
}

ct_tensor *ct_nonzero(ct_tensor *t)
{
    ct_tensor *c = ct_raw_contiguous(t);
    if (!c)
        return NULL;
    int64_t count = ct_cpu_count_nonzero(ct_tensor_data(c), ct_numel(c), c->dtype);
    int64_t shape[2] = {count, t->ndim};
    ct_tensor *out = ct_empty(2, shape, CT_INT64);
    if (out)
        ct_cpu_nonzero(ct_tensor_data(c), c->ndim, c->sizes, c->dtype, (int64_t *)ct_tensor_data(out));
    ct_release(c);
    return out;
}
