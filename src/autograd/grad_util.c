/*
 * grad_util.c -- helpers shared by the backward formulas, and in-place
 * support for autograd.
 */
#include <string.h>

#include "autograd/grad_util.h"

void ct_shape_info_set(ct_shape_info *info, const ct_tensor *t)
{
    info->ndim = t->ndim;
    memcpy(info->sizes, t->sizes, sizeof(int64_t) * (size_t)t->ndim);
    info->dtype = t->dtype;
}

ct_tensor *ct_grad_reduce(ct_tensor *g, const ct_shape_info *info)
{
    if (!g)
        return NULL;
    if (g->ndim != info->ndim || memcmp(g->sizes, info->sizes, sizeof(int64_t) * (size_t)info->ndim) != 0) {
        ct_tensor *r = ct_sum_to_size(g, info->ndim, info->sizes);
        ct_release(g);
        if (!r)
            return NULL;
        g = r;
    }
    if (g->dtype != info->dtype) {
        ct_tensor *c = ct_to_dtype(g, info->dtype);
        ct_release(g);
        g = c;
    }
    return g;
}

int ct_grad_fail(int n, ct_tensor **list)
{
    for (int i = 0; i < n; i++) {
        ct_release(list[i]);
        list[i] = NULL;
    }
    return -1;
}

int ct_ag_check_inplace(const char *op, ct_tensor *t)
{
    if (!ct_ag_enabled())
        return 0;
    /* the base of a view would not see the new history: refuse rather than
     * silently compute a wrong gradient */
    if (t->is_view)
        return ct_fail("%s: in-place modification of a view while gradients are recorded is not "
                       "supported; use an out-of-place op, or torch.no_grad()", op);
    if (!ct_ag_requires_grad(t))
        return 0;
    if (!t->autograd->grad_fn)
        return ct_fail("%s: a leaf tensor that requires grad cannot be modified in place; do it "
                       "under torch.no_grad() or on x.data", op);
    return 0;
}

int ct_ag_commit_inplace(const char *op, ct_tensor *t, ct_tensor *result)
{
    if (!result)
        return -1;
    char a[128], b[128];
    if (result->ndim != t->ndim || memcmp(result->sizes, t->sizes, sizeof(int64_t) * (size_t)t->ndim) != 0) {
        ct_fail("%s: the result has shape %s, which does not match the in-place target's shape %s", op,
                ct_shape_str(result, a, sizeof a), ct_shape_str(t, b, sizeof b));
        ct_release(result);
        return -1;
    }
    if (ct_dtype_is_float(result->dtype) && !ct_dtype_is_float(t->dtype)) {
        ct_fail("%s: result type %s cannot be stored in the in-place target of type %s", op,
                ct_dtype_name(result->dtype), ct_dtype_name(t->dtype));
        ct_release(result);
        return -1;
    }
    if (result->dtype != t->dtype) {
        ct_tensor *cast = ct_to_dtype(result, t->dtype);
        ct_release(result);
        if (!cast)
            return -1;
        result = cast;
    }
    int rc = ct_raw_copy_(t, result);
    if (rc == 0 && result->autograd && result->autograd->grad_fn)
        rc = ct_ag_set_history(t, result->autograd->grad_fn, result->autograd->output_nr);
    ct_release(result);
    return rc;
}
