/*
 * pool.c -- dispatch for 2-D pooling: checks, output sizes (PyTorch's rules),
 * allocation, and the backward passes the autograd layer calls.
 *
 * Inputs may be strided: the kernels take each operand's element strides, so
 * no contiguous copy is made.  Outputs are contiguous.
 */
#include <stdio.h>

#include "cpu/pool.h"

static int is_cpu(const char *op, const ct_tensor *t)
{
    if (t->storage->device.type == CT_CPU)
        return 1;
    char dev[32];
    ct_fail("%s: not implemented for tensors on %s", op, ct_device_str(t->storage->device, dev, sizeof dev));
    return 0;
}

/* "3" for {3, 3}, "[3, 2]" otherwise. */
static const char *pair_str(const int64_t v[2], char *buf, size_t len)
{
    if (v[0] == v[1])
        snprintf(buf, len, "%lld", (long long)v[0]);
    else
        snprintf(buf, len, "[%lld, %lld]", (long long)v[0], (long long)v[1]);
    return buf;
}

/* A [C, H, W] or [N, C, H, W] float input with non-empty C, H and W (the
 * batch may be empty); fills the input part of the geometry and the strides. */
static int check_input(const char *op, const ct_tensor *t, ct_pool2d_geom *g, int64_t s[4])
{
    char shape[128];
    if (!is_cpu(op, t))
        return -1;
    if (t->ndim != 3 && t->ndim != 4)
        return ct_fail("%s: expected a 3-D or 4-D input, got %s", op, ct_shape_str(t, shape, sizeof shape));
    if (t->dtype != CT_FLOAT32 && t->dtype != CT_FLOAT64)
        return ct_fail("%s: expected a float32 or float64 input, got %s", op, ct_dtype_name(t->dtype));
    int d = t->ndim - 3;
    if (t->sizes[d] == 0 || t->sizes[d + 1] == 0 || t->sizes[d + 2] == 0)
        return ct_fail("%s: expected non-zero channel, height and width sizes (only the batch may be empty), got %s",
                       op, ct_shape_str(t, shape, sizeof shape));
    *g = (ct_pool2d_geom){0};
    g->ndim = t->ndim;
    g->n = d ? t->sizes[0] : 1;
    g->c = t->sizes[d];
    g->ih = t->sizes[d + 1];
    g->iw = t->sizes[d + 2];
    s[0] = d ? t->strides[0] : 0;
    s[1] = t->strides[d];
    s[2] = t->strides[d + 1];
    s[3] = t->strides[d + 2];
    return 0;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* PyTorch's pooling output size; with ceil_mode the last window must start
 * inside the input or its left padding. */
static int64_t pooled_size(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d, int ceil_mode)
{
    int64_t o = floor_div(in + 2 * p - d * (k - 1) - 1 + (ceil_mode ? s - 1 : 0), s) + 1;
    if (ceil_mode && o > 0 && (o - 1) * s >= in + p)
        o--;
    return o;
}

/* Checks the window parameters and fills the rest of the geometry. */
static int window_geom(const char *op, const ct_tensor *t, ct_pool2d_geom *g, const int64_t kernel[2],
                       const int64_t stride[2], const int64_t padding[2], const int64_t dilation[2], int ceil_mode)
{
    char a[64], b[64], shape[128];
    if (kernel[0] <= 0 || kernel[1] <= 0)
        return ct_fail("%s: kernel_size must be greater than zero, got %s", op, pair_str(kernel, a, sizeof a));
    if (stride[0] <= 0 || stride[1] <= 0)
        return ct_fail("%s: stride must be greater than zero, got %s", op, pair_str(stride, a, sizeof a));
    if (padding[0] < 0 || padding[1] < 0)
        return ct_fail("%s: padding must be non-negative, got %s", op, pair_str(padding, a, sizeof a));
    if (dilation[0] <= 0 || dilation[1] <= 0)
        return ct_fail("%s: dilation must be greater than zero, got %s", op, pair_str(dilation, a, sizeof a));
    if (padding[0] > kernel[0] / 2 || padding[1] > kernel[1] / 2)
        return ct_fail("%s: padding should be at most half of the kernel size, got padding %s and kernel_size %s", op,
                       pair_str(padding, a, sizeof a), pair_str(kernel, b, sizeof b));
    g->kh = kernel[0];
    g->kw = kernel[1];
    g->sh = stride[0];
    g->sw = stride[1];
    g->ph = padding[0];
    g->pw = padding[1];
    g->dh = dilation[0];
    g->dw = dilation[1];
    g->ceil_mode = ceil_mode != 0;
    g->oh = pooled_size(g->ih, g->kh, g->sh, g->ph, g->dh, ceil_mode);
    g->ow = pooled_size(g->iw, g->kw, g->sw, g->pw, g->dw, ceil_mode);
    if (g->oh < 1 || g->ow < 1)
        return ct_fail("%s: kernel %s on input %s gives an empty output", op, pair_str(kernel, a, sizeof a),
                       ct_shape_str(t, shape, sizeof shape));
    return 0;
}

/* A contiguous tensor shaped like the pooling's output (or input) with the
 * given dtype. */
static ct_tensor *plane_tensor(const ct_pool2d_geom *g, int64_t h, int64_t w, ct_dtype dtype)
{
    int64_t sizes[4] = {g->n, g->c, h, w};
    return g->ndim == 4 ? ct_empty(4, sizes, dtype) : ct_empty(3, sizes + 1, dtype);
}

static void strides_of(const ct_pool2d_geom *g, const ct_tensor *t, int64_t s[4])
{
    int d = g->ndim - 3;
    s[0] = d ? t->strides[0] : 0;
    s[1] = t->strides[d];
    s[2] = t->strides[d + 1];
    s[3] = t->strides[d + 2];
}

/* t must have the shape of the pooling's output (or input) planes. */
static int check_planes(const char *op, const ct_pool2d_geom *g, const ct_tensor *t, int64_t h, int64_t w,
                        ct_dtype dtype, const char *what)
{
    int64_t want[4] = {g->n, g->c, h, w};
    const int64_t *ws = g->ndim == 4 ? want : want + 1;
    int same = t->ndim == g->ndim && t->dtype == dtype;
    for (int d = 0; same && d < t->ndim; d++)
        same = t->sizes[d] == ws[d];
    if (same)
        return is_cpu(op, t) ? 0 : -1;
    char got[128], exp[128];
    return ct_fail("%s: expected %s of shape %s and dtype %s, got %s %s", op, what,
                   ct_sizes_str(g->ndim, ws, exp, sizeof exp), ct_dtype_name(dtype),
                   ct_shape_str(t, got, sizeof got), ct_dtype_name(t->dtype));
}

/* ---------------------------------------------------------------- max pool */

ct_tensor *ct_raw_max_pool2d_ex(ct_tensor *input, const int64_t kernel[2], const int64_t stride[2],
                                const int64_t padding[2], const int64_t dilation[2], int ceil_mode,
                                ct_tensor **indices, ct_tensor **argmax, struct ct_pool2d_geom *geom)
{
    const char *op = "max_pool2d";
    ct_pool2d_geom g;
    int64_t s[4];
    if (indices)
        *indices = NULL;
    if (argmax)
        *argmax = NULL;
    if (check_input(op, input, &g, s) < 0 || window_geom(op, input, &g, kernel, stride, padding, dilation, ceil_mode) < 0)
        return NULL;
    int use_taps = argmax && g.kh * g.kw <= CT_POOL_MAX_TAPS;
    ct_tensor *out = plane_tensor(&g, g.oh, g.ow, input->dtype);
    ct_tensor *idx = out && (indices || (argmax && !use_taps)) ? plane_tensor(&g, g.oh, g.ow, CT_INT64) : NULL;
    ct_tensor *taps = out && use_taps ? plane_tensor(&g, g.oh, g.ow, CT_UINT8) : NULL;
    if (!out || (!idx && (indices || (argmax && !use_taps))) || (use_taps && !taps)) {
        ct_release(out);
        ct_release(idx);
        ct_release(taps);
        return NULL;
    }
    ct_cpu_max_pool2d(&g, input->dtype, ct_tensor_data(input), s, ct_tensor_data(out),
                      idx ? (int64_t *)ct_tensor_data(idx) : NULL, taps ? (uint8_t *)ct_tensor_data(taps) : NULL);
    if (argmax)
        *argmax = use_taps ? taps : ct_retain(idx);
    if (indices)
        *indices = idx;
    else
        ct_release(idx);
    if (geom)
        *geom = g;
    return out;
}

ct_tensor *ct_raw_max_pool2d(ct_tensor *input, const int64_t kernel[2], const int64_t stride[2],
                             const int64_t padding[2], const int64_t dilation[2], int ceil_mode, ct_tensor **indices)
{
    return ct_raw_max_pool2d_ex(input, kernel, stride, padding, dilation, ceil_mode, indices, NULL, NULL);
}

static int check_argmax(const char *op, const ct_pool2d_geom *g, const ct_tensor *argmax)
{
    ct_dtype want = g->kh * g->kw <= CT_POOL_MAX_TAPS ? CT_UINT8 : CT_INT64;
    if (check_planes(op, g, argmax, g->oh, g->ow, want, "argmax") < 0)
        return -1;
    if (!ct_is_contiguous(argmax))
        return ct_fail("%s: expected a contiguous argmax", op);
    return 0;
}

ct_tensor *ct_raw_max_pool2d_backward(ct_tensor *grad_output, ct_tensor *argmax, const struct ct_pool2d_geom *g)
{
    const char *op = "max_pool2d_backward";
    if (check_planes(op, g, grad_output, g->oh, g->ow, grad_output->dtype, "grad_output") < 0 ||
        check_argmax(op, g, argmax) < 0)
        return NULL;
    if (grad_output->dtype != CT_FLOAT32 && grad_output->dtype != CT_FLOAT64) {
        ct_fail("%s: expected a float32 or float64 gradient, got %s", op, ct_dtype_name(grad_output->dtype));
        return NULL;
    }
    ct_tensor *gin = plane_tensor(g, g->ih, g->iw, grad_output->dtype);
    if (!gin)
        return NULL;
    int64_t s[4];
    strides_of(g, grad_output, s);
    int taps = argmax->dtype == CT_UINT8;
    ct_cpu_max_pool2d_backward(g, grad_output->dtype, ct_tensor_data(grad_output), s,
                               taps ? NULL : (const int64_t *)ct_tensor_data(argmax),
                               taps ? (const uint8_t *)ct_tensor_data(argmax) : NULL, ct_tensor_data(gin));
    return gin;
}

ct_tensor *ct_raw_max_pool2d_gather(ct_tensor *x, ct_tensor *argmax, const struct ct_pool2d_geom *g)
{
    const char *op = "max_pool2d_backward";
    if (check_planes(op, g, x, g->ih, g->iw, x->dtype, "a gradient") < 0 || check_argmax(op, g, argmax) < 0)
        return NULL;
    if (x->dtype != CT_FLOAT32 && x->dtype != CT_FLOAT64) {
        ct_fail("%s: expected a float32 or float64 gradient, got %s", op, ct_dtype_name(x->dtype));
        return NULL;
    }
    ct_tensor *out = plane_tensor(g, g->oh, g->ow, x->dtype);
    if (!out)
        return NULL;
    int64_t s[4];
    strides_of(g, x, s);
    int taps = argmax->dtype == CT_UINT8;
    ct_cpu_max_pool2d_gather(g, x->dtype, ct_tensor_data(x), s, taps ? NULL : (const int64_t *)ct_tensor_data(argmax),
                             taps ? (const uint8_t *)ct_tensor_data(argmax) : NULL, ct_tensor_data(out));
    return out;
}

/* ---------------------------------------------------------------- average pools */

ct_tensor *ct_raw_avg_pool2d(ct_tensor *input, const int64_t kernel[2], const int64_t stride[2],
                             const int64_t padding[2], int ceil_mode, int count_include_pad, int64_t divisor_override,
                             struct ct_pool2d_geom *geom)
{
    const char *op = "avg_pool2d";
    ct_pool2d_geom g;
    int64_t s[4], one[2] = {1, 1};
    if (check_input(op, input, &g, s) < 0 || window_geom(op, input, &g, kernel, stride, padding, one, ceil_mode) < 0)
        return NULL;
    g.count_include_pad = count_include_pad != 0;
    g.divisor = divisor_override;
    ct_tensor *out = plane_tensor(&g, g.oh, g.ow, input->dtype);
    if (!out)
        return NULL;
    ct_cpu_avg_pool2d(&g, input->dtype, ct_tensor_data(input), s, ct_tensor_data(out));
    if (geom)
        *geom = g;
    return out;
}

ct_tensor *ct_raw_adaptive_avg_pool2d(ct_tensor *input, const int64_t output_size[2], struct ct_pool2d_geom *geom)
{
    const char *op = "adaptive_avg_pool2d";
    ct_pool2d_geom g;
    int64_t s[4];
    char a[64];
    if (check_input(op, input, &g, s) < 0)
        return NULL;
    if (output_size[0] < 0 || output_size[1] < 0) {
        ct_fail("%s: output_size must be non-negative, got %s", op, pair_str(output_size, a, sizeof a));
        return NULL;
    }
    g.oh = output_size[0];
    g.ow = output_size[1];
    ct_tensor *out = plane_tensor(&g, g.oh, g.ow, input->dtype);
    if (!out)
        return NULL;
    ct_cpu_adaptive_avg_pool2d(&g, input->dtype, ct_tensor_data(input), s, ct_tensor_data(out));
    if (geom)
        *geom = g;
    return out;
}

/* The backward of avg_pool2d (adaptive: geometry with kh == 0). */
static ct_tensor *avg_backward(const char *op, ct_tensor *grad_output, const ct_pool2d_geom *g, int adaptive)
{
    if (check_planes(op, g, grad_output, g->oh, g->ow, grad_output->dtype, "grad_output") < 0)
        return NULL;
    if (grad_output->dtype != CT_FLOAT32 && grad_output->dtype != CT_FLOAT64) {
        ct_fail("%s: expected a float32 or float64 gradient, got %s", op, ct_dtype_name(grad_output->dtype));
        return NULL;
    }
    ct_tensor *gin = plane_tensor(g, g->ih, g->iw, grad_output->dtype);
    if (!gin)
        return NULL;
    int64_t s[4];
    strides_of(g, grad_output, s);
    if (adaptive)
        ct_cpu_adaptive_avg_pool2d_backward(g, grad_output->dtype, ct_tensor_data(grad_output), s, ct_tensor_data(gin));
    else
        ct_cpu_avg_pool2d_backward(g, grad_output->dtype, ct_tensor_data(grad_output), s, ct_tensor_data(gin));
    return gin;
}

ct_tensor *ct_raw_avg_pool2d_backward(ct_tensor *grad_output, const struct ct_pool2d_geom *g)
{
    return avg_backward("avg_pool2d_backward", grad_output, g, 0);
}

ct_tensor *ct_raw_adaptive_avg_pool2d_backward(ct_tensor *grad_output, const struct ct_pool2d_geom *g)
{
    return avg_backward("adaptive_avg_pool2d_backward", grad_output, g, 1);
}
