/*
 * norm.c -- dispatch for batch normalisation and dropout.
 *
 * Batch norm sees its input as [N, C, L]: the dims after the channel dim
 * merge into one when their strides allow it (always for contiguous inputs
 * and for expanded gradients), otherwise the tensor is copied once.
 */
#include <math.h>

#include "core/loop.h"
#include "core/random.h"
#include "cpu/norm.h"

static int is_cpu(const char *op, const ct_tensor *t)
{
    if (t->storage->device.type == CT_CPU)
        return 1;
    char dev[32];
    ct_fail("%s: not implemented for tensors on %s", op, ct_device_str(t->storage->device, dev, sizeof dev));
    return 0;
}

static int is_f32_f64(ct_dtype d) { return d == CT_FLOAT32 || d == CT_FLOAT64; }

/* Views t ([N, C, ...], ndim >= 2) as [N, C, L] with element strides s:
 * returns t (a new reference) when the trailing dims merge, else a
 * contiguous copy.  *l gets L. */
static ct_tensor *as_ncl(ct_tensor *t, int64_t *l, int64_t s[3])
{
    int64_t L = 1, stride = 1, next_extent = -1; /* next_extent: stride the next outer dim must have */
    int merges = 1;
    for (int d = t->ndim - 1; d >= 2; d--) {
        L *= t->sizes[d];
        if (t->sizes[d] == 1)
            continue;
        if (next_extent < 0)
            stride = t->strides[d];
        else if (t->strides[d] != next_extent)
            merges = 0;
        next_extent = t->strides[d] * t->sizes[d];
    }
    *l = L;
    ct_tensor *r = merges || L == 0 ? ct_retain(t) : ct_raw_contiguous(t);
    if (!r)
        return NULL;
    s[0] = r->strides[0];
    s[1] = r->strides[1];
    s[2] = merges ? stride : 1;
    return r;
}

/* A per-channel tensor (NULL is fine): C elements, 1-D, the input's dtype. */
static int check_channel_param(const char *name, const ct_tensor *p, const ct_tensor *input, int64_t *stride)
{
    char shape[128], pshape[128];
    *stride = 0;
    if (!p)
        return 0;
    if (!is_cpu("batch_norm", p))
        return -1;
    if (ct_numel(p) != input->sizes[1])
        return ct_fail("batch_norm: %s has %lld elements, expected %lld (input %s)", name, (long long)ct_numel(p),
                       (long long)input->sizes[1], ct_shape_str(input, shape, sizeof shape));
    if (p->ndim != 1)
        return ct_fail("batch_norm: %s must be 1-D, got %s", name, ct_shape_str(p, pshape, sizeof pshape));
    if (p->dtype != input->dtype)
        return ct_fail("batch_norm: %s is %s but the input is %s", name, ct_dtype_name(p->dtype),
                       ct_dtype_name(input->dtype));
    *stride = p->strides[0];
    return 0;
}

static int check_bn_input(const ct_tensor *input)
{
    char shape[128];
    if (!is_cpu("batch_norm", input))
        return -1;
    if (input->ndim < 2)
        return ct_fail("batch_norm: expected an input [N, C, ...] with 2 or more dims, got %s",
                       ct_shape_str(input, shape, sizeof shape));
    if (!is_f32_f64(input->dtype))
        return ct_fail("batch_norm: expected a float32 or float64 input, got %s", ct_dtype_name(input->dtype));
    return 0;
}

ct_tensor *ct_raw_batch_norm(ct_tensor *input, ct_tensor *running_mean, ct_tensor *running_var, ct_tensor *weight,
                             ct_tensor *bias, int training, double momentum, double eps, ct_tensor **save_mean,
                             ct_tensor **save_invstd)
{
    char shape[128];
    ct_bn_args a = {0};
    if (save_mean)
        *save_mean = NULL;
    if (save_invstd)
        *save_invstd = NULL;
    if (check_bn_input(input) < 0 || check_channel_param("running_mean", running_mean, input, &a.rms) < 0 ||
        check_channel_param("running_var", running_var, input, &a.rvs) < 0 ||
        check_channel_param("weight", weight, input, &a.ws) < 0 || check_channel_param("bias", bias, input, &a.bs) < 0)
        return NULL;
    if (!training && (!running_mean || !running_var)) {
        ct_fail("batch_norm: %s must be given when not training (training = false)",
                running_mean ? "running_var" : "running_mean");
        return NULL;
    }
    int64_t c = input->sizes[1], l;
    int64_t per_channel = ct_numel(input) / (c > 0 ? c : 1);
    if (training && per_channel == 1) {
        ct_fail("batch_norm: expected more than 1 value per channel when training, got input %s",
                ct_shape_str(input, shape, sizeof shape));
        return NULL;
    }
    int64_t csize[1] = {c};
    ct_tensor *x = as_ncl(input, &l, a.xs);
    ct_tensor *y = x ? ct_empty(input->ndim, input->sizes, input->dtype) : NULL;
    ct_tensor *sm = y ? ct_empty(1, csize, CT_FLOAT64) : NULL;
    ct_tensor *si = sm ? ct_empty(1, csize, CT_FLOAT64) : NULL;
    if (!si) {
        ct_release(x);
        ct_release(y);
        ct_release(sm);
        return NULL;
    }
    a.dtype = input->dtype;
    a.n = input->sizes[0];
    a.c = c;
    a.l = l;
    a.x = ct_tensor_data(x);
    a.weight = weight ? ct_tensor_data(weight) : NULL;
    a.bias = bias ? ct_tensor_data(bias) : NULL;
    a.running_mean = running_mean ? ct_tensor_data(running_mean) : NULL;
    a.running_var = running_var ? ct_tensor_data(running_var) : NULL;
    a.training = training != 0;
    a.momentum = momentum;
    a.eps = eps;
    a.save_mean = (double *)ct_tensor_data(sm);
    a.save_invstd = (double *)ct_tensor_data(si);
    a.y = ct_tensor_data(y);
    ct_cpu_batch_norm(&a);
    if (training && running_mean)
        ct_tensor_bump_version(running_mean);
    if (training && running_var)
        ct_tensor_bump_version(running_var);
    ct_release(x);
    if (save_mean)
        *save_mean = sm;
    else
        ct_release(sm);
    if (save_invstd)
        *save_invstd = si;
    else
        ct_release(si);
    return y;
}

int ct_raw_batch_norm_backward(ct_tensor *grad_output, ct_tensor *input, ct_tensor *weight, ct_tensor *save_mean,
                               ct_tensor *save_invstd, int training, ct_tensor **grad_input, ct_tensor **grad_weight,
                               ct_tensor **grad_bias)
{
    char gshape[128], shape[128];
    ct_bn_args a = {0};
    if (check_bn_input(input) < 0 || check_channel_param("weight", weight, input, &a.ws) < 0)
        return -1;
    int64_t c = input->sizes[1], l, gl;
    int same = grad_output->ndim == input->ndim && grad_output->dtype == input->dtype;
    for (int d = 0; same && d < input->ndim; d++)
        same = grad_output->sizes[d] == input->sizes[d];
    if (!same)
        return ct_fail("batch_norm_backward: expected a gradient like the input %s %s, got %s %s",
                       ct_shape_str(input, shape, sizeof shape), ct_dtype_name(input->dtype),
                       ct_shape_str(grad_output, gshape, sizeof gshape), ct_dtype_name(grad_output->dtype));
    if (ct_numel(save_mean) != c || ct_numel(save_invstd) != c || save_mean->dtype != CT_FLOAT64 ||
        save_invstd->dtype != CT_FLOAT64 || !ct_is_contiguous(save_mean) || !ct_is_contiguous(save_invstd))
        return ct_fail("batch_norm_backward: expected contiguous float64 statistics of %lld elements", (long long)c);
    int64_t csize[1] = {c};
    ct_tensor *x = as_ncl(input, &l, a.xs);
    ct_tensor *g = x ? as_ncl(grad_output, &gl, a.gs) : NULL;
    ct_tensor *gx = g && grad_input ? ct_empty(input->ndim, input->sizes, input->dtype) : NULL;
    ct_tensor *gw = g && grad_weight ? ct_empty(1, csize, input->dtype) : NULL;
    ct_tensor *gb = g && grad_bias ? ct_empty(1, csize, input->dtype) : NULL;
    if (!g || (grad_input && !gx) || (grad_weight && !gw) || (grad_bias && !gb)) {
        ct_release(x);
        ct_release(g);
        ct_release(gx);
        ct_release(gw);
        ct_release(gb);
        return -1;
    }
    a.dtype = input->dtype;
    a.n = input->sizes[0];
    a.c = c;
    a.l = l;
    a.x = ct_tensor_data(x);
    a.weight = weight ? ct_tensor_data(weight) : NULL;
    a.training = training != 0;
    a.save_mean = (double *)ct_tensor_data(save_mean);
    a.save_invstd = (double *)ct_tensor_data(save_invstd);
    a.gy = ct_tensor_data(g);
    a.gx = gx ? ct_tensor_data(gx) : NULL;
    a.gw = gw ? ct_tensor_data(gw) : NULL;
    a.gb = gb ? ct_tensor_data(gb) : NULL;
    ct_cpu_batch_norm_backward(&a);
    ct_release(x);
    ct_release(g);
    if (grad_input)
        *grad_input = gx;
    if (grad_weight)
        *grad_weight = gw;
    if (grad_bias)
        *grad_bias = gb;
    return 0;
}

/* ---------------------------------------------------------------- dropout */

/* Philox blocks (of four elements) per parallel task. */
#define DROPOUT_GRAIN_BLOCKS 4096

static double dropout_scale(double p, ct_dtype dtype)
{
    if (p >= 1)
        return 0;
    /* float32 as PyTorch computes it: 1 / (1 - p) in single precision */
    return dtype == CT_FLOAT64 ? 1.0 / (1.0 - p) : (double)(1.0f / (float)(1.0 - p));
}

ct_tensor *ct_raw_dropout(ct_tensor *input, double p, int training, ct_tensor **mask)
{
    if (mask)
        *mask = NULL;
    if (!(p >= 0 && p <= 1)) {
        ct_fail("dropout: p must be between 0 and 1, got %g", p);
        return NULL;
    }
    if (!training)
        return ct_retain(input);
    if (!is_cpu("dropout", input))
        return NULL;
    if (!is_f32_f64(input->dtype)) {
        ct_fail("dropout: expected a float32 or float64 input, got %s", ct_dtype_name(input->dtype));
        return NULL;
    }
    ct_tensor *x = ct_raw_contiguous(input);
    ct_tensor *y = x ? ct_empty_like(x, x->dtype) : NULL;
    ct_tensor *m = y ? ct_empty_like(x, CT_UINT8) : NULL;
    if (!m) {
        ct_release(x);
        ct_release(y);
        return NULL;
    }
    ct_dropout_job job = {.dtype = x->dtype, .x = ct_tensor_data(x), .y = ct_tensor_data(y),
                          .mask = (uint8_t *)ct_tensor_data(m), .n = ct_numel(x),
                          .scale = dropout_scale(p, x->dtype)};
    job.threshold = p >= 1 ? UINT64_C(0x100000000) : (uint64_t)ceil(p * 4294967296.0);
    int64_t blocks = (job.n + 3) / 4;
    ct_generator_reserve((uint64_t)blocks, &job.seed, &job.offset);
    ct_parallel_for(blocks, DROPOUT_GRAIN_BLOCKS, ct_cpu_dropout_blocks, &job);
    ct_release(x);
    if (mask)
        *mask = m;
    else
        ct_release(m);
    return y;
}

ct_tensor *ct_raw_dropout_backward(ct_tensor *grad_output, ct_tensor *mask, double p)
{
    char gshape[128], mshape[128];
    if (!is_cpu("dropout_backward", grad_output))
        return NULL;
    int same = grad_output->ndim == mask->ndim && mask->dtype == CT_UINT8 && is_f32_f64(grad_output->dtype);
    for (int d = 0; same && d < mask->ndim; d++)
        same = grad_output->sizes[d] == mask->sizes[d];
    if (!same) {
        ct_fail("dropout_backward: expected a float gradient %s like the uint8 mask, got %s %s and %s %s",
                ct_shape_str(mask, mshape, sizeof mshape), ct_shape_str(grad_output, gshape, sizeof gshape),
                ct_dtype_name(grad_output->dtype), mshape, ct_dtype_name(mask->dtype));
        return NULL;
    }
    ct_tensor *out = ct_empty(mask->ndim, mask->sizes, grad_output->dtype);
    if (!out)
        return NULL;
    double scale = dropout_scale(p, grad_output->dtype);
    ct_loop loop;
    ct_loop_begin(&loop, mask->ndim, mask->sizes);
    ct_loop_add(&loop, out);
    ct_loop_add(&loop, grad_output);
    ct_loop_add(&loop, mask);
    ct_loop_finish(&loop);
    ct_loop_run(&loop, grad_output->dtype == CT_FLOAT64 ? ct_cpu_dropout_backward_f64 : ct_cpu_dropout_backward_f32,
                &scale);
    return out;
}
