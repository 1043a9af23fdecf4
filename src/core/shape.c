/*
 * shape.c -- dim wrapping, broadcasting and shape formatting.
 */
#include <stdio.h>
#include <string.h>

#include "core/tensor.h"

int ct_wrap_dim(const char *op, int dim, int ndim, int *out)
{
    /* a 0-dim tensor accepts dim 0 and -1, as in PyTorch */
    int n = ndim > 0 ? ndim : 1;
    if (dim < -n || dim >= n)
        return ct_fail("%s: dimension %d out of range for a %d-D tensor (expected %d to %d, 1-based)",
                       op, dim >= 0 ? dim + 1 : dim, ndim, -n, n);
    *out = dim < 0 ? dim + n : dim;
    return 0;
}

char *ct_sizes_str(int ndim, const int64_t *sizes, char *buf, size_t buflen)
{
    size_t pos = 0;
    pos += (size_t)snprintf(buf + pos, buflen - pos, "[");
    for (int i = 0; i < ndim && pos < buflen; i++)
        pos += (size_t)snprintf(buf + pos, buflen - pos, i ? ", %lld" : "%lld", (long long)sizes[i]);
    if (pos < buflen)
        snprintf(buf + pos, buflen - pos, "]");
    return buf;
}

char *ct_shape_str(const ct_tensor *t, char *buf, size_t buflen)
{
    return ct_sizes_str(t->ndim, t->sizes, buf, buflen);
}

int ct_broadcast_shape(const char *op, int ndim_a, const int64_t *sizes_a, int ndim_b,
                       const int64_t *sizes_b, int *ndim_out, int64_t *sizes_out)
{
    int n = ndim_a > ndim_b ? ndim_a : ndim_b;
    int64_t result[CT_MAX_DIMS];
    for (int i = 0; i < n; i++) {
        int ia = ndim_a - n + i, ib = ndim_b - n + i;
        int64_t a = ia >= 0 ? sizes_a[ia] : 1, b = ib >= 0 ? sizes_b[ib] : 1;
        if (a != b && a != 1 && b != 1) {
            char sa[128], sb[128];
            return ct_fail("%s: shapes %s and %s cannot be broadcast (size %lld ~= %lld at dim %d)", op,
                           ct_sizes_str(ndim_a, sizes_a, sa, sizeof sa),
                           ct_sizes_str(ndim_b, sizes_b, sb, sizeof sb), (long long)a, (long long)b,
                           i + 1);
        }
        result[i] = a == 1 ? b : a;
    }
    *ndim_out = n;
    memcpy(sizes_out, result, sizeof(int64_t) * (size_t)n);
    return 0;
}

void ct_broadcast_strides(const ct_tensor *t, int ndim, const int64_t *sizes, int64_t *strides)
{
    int lead = ndim - t->ndim;
    for (int i = 0; i < ndim; i++) {
        int j = i - lead;
        strides[i] = (j < 0 || (t->sizes[j] == 1 && sizes[i] != 1)) ? 0 : t->strides[j];
    }
}

int ct_check_sizes(const char *op, int ndim, const int64_t *sizes)
{
    if (ndim < 0 || ndim > CT_MAX_DIMS)
        return ct_fail("%s: %d dimensions requested, at most %d are supported", op, ndim, CT_MAX_DIMS);
    int64_t total = 1;
    for (int i = 0; i < ndim; i++) {
        if (sizes[i] < 0)
            return ct_fail("%s: negative size %lld at dim %d", op, (long long)sizes[i], i + 1);
        if (sizes[i] > 0 && total > INT64_MAX / 16 / sizes[i])
            return ct_fail("%s: the requested shape has too many elements", op);
        total *= sizes[i];
    }
    return 0;
}

int ct_check_same_device(const char *op, const ct_tensor *a, const ct_tensor *b)
{
    ct_device da = a->storage->device, db = b->storage->device;
    if (da.type == db.type && da.index == db.index)
        return 0;
    char na[32], nb[32];
    ct_device_str(da, na, sizeof na);
    ct_device_str(db, nb, sizeof nb);
    return ct_fail("%s: expected all tensors on the same device, got %s and %s", op, na, nb);
}

char *ct_device_str(ct_device d, char *buf, size_t buflen)
{
    if (d.type == CT_CPU)
        snprintf(buf, buflen, "cpu");
    else
        snprintf(buf, buflen, "cuda:%d", d.index);
    return buf;
}
