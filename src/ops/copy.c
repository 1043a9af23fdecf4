/*
 * copy.c -- dispatch for copies and casts: contiguous, clone, to_dtype, copy_.
 */
#include "core/loop.h"
#include "cpu/copy.h"

int ct_raw_copy_(ct_tensor *dst, const ct_tensor *src)
{
    int ndim;
    int64_t shape[CT_MAX_DIMS];
    if (ct_check_same_device("copy_", dst, src) < 0)
        return -1;
    if (ct_broadcast_shape("copy_", dst->ndim, dst->sizes, src->ndim, src->sizes, &ndim, shape) < 0)
        return -1;
    if (ndim != dst->ndim || ct_shape_numel(ndim, shape) != ct_numel(dst)) {
        char a[128], b[128];
        return ct_fail("copy_: source shape %s cannot be broadcast to destination shape %s",
                       ct_shape_str(src, a, sizeof a), ct_shape_str(dst, b, sizeof b));
    }
    ct_loop loop;
    ct_loop_begin(&loop, dst->ndim, dst->sizes);
    ct_loop_add(&loop, dst);
    ct_loop_add(&loop, src);
    ct_loop_finish(&loop);
    ct_cpu_copy(&loop, dst->dtype, src->dtype);
    ct_tensor_bump_version(dst);
    return 0;
}

/* Copy of t into a fresh contiguous tensor of the given dtype. */
static ct_tensor *copy_as(const ct_tensor *t, ct_dtype dtype)
{
    ct_tensor *out = ct_empty_like(t, dtype);
    if (!out)
        return NULL;
    ct_loop loop;
    ct_loop_out_in(&loop, out, t);
    ct_cpu_copy(&loop, dtype, t->dtype);
    return out;
}

ct_tensor *ct_raw_clone(const ct_tensor *t) { return copy_as(t, t->dtype); }

ct_tensor *ct_raw_contiguous(ct_tensor *t)
{
    if (ct_is_contiguous(t))
        return ct_retain(t);
    return copy_as(t, t->dtype);
}

ct_tensor *ct_raw_to_dtype(ct_tensor *t, ct_dtype dtype)
{
    if ((unsigned)dtype >= CT_NUM_DTYPES) {
        ct_fail("to: invalid dtype %d", (int)dtype);
        return NULL;
    }
    if (t->dtype == dtype)
        return ct_retain(t);
    return copy_as(t, dtype);
}
