/*
 * conv.c -- dispatch for linear and conv2d: argument checks, output
 * allocation, and the raw forward and backward computations (the autograd
 * layer, src/autograd/grad_conv.c, records them).
 *
 * Operands are read with their own strides wherever the kernels can (BLAS
 * leading dimensions, strided im2col); only layouts they cannot read are
 * copied to contiguous first.
 */
#include <limits.h>
#include <string.h>

#include "cpu/conv.h"
#include "cpu/linalg.h"

/* ---------------------------------------------------------------- shared checks */

static int check_tensor(const char *op, const char *what, const ct_tensor *t)
{
    if (t->storage->device.type != CT_CPU) {
        char dev[32];
        return ct_fail("%s: not implemented for tensors on %s (%s)", op,
                       ct_device_str(t->storage->device, dev, sizeof dev), what);
    }
    if (t->dtype != CT_FLOAT32 && t->dtype != CT_FLOAT64)
        return ct_fail("%s: expected a float32 or float64 %s, got %s", op, what, ct_dtype_name(t->dtype));
    return 0;
}

/* input, weight, bias (may be NULL): CPU, float, one dtype. */
static int check_operands(const char *op, const ct_tensor *input, const ct_tensor *weight, const ct_tensor *bias)
{
    if (check_tensor(op, "input", input) < 0 || check_tensor(op, "weight", weight) < 0 ||
        (bias && check_tensor(op, "bias", bias) < 0))
        return -1;
    if (input->dtype != weight->dtype || (bias && bias->dtype != input->dtype)) {
        if (bias)
            return ct_fail("%s: expected input, weight and bias to have the same dtype, got %s, %s and %s", op,
                           ct_dtype_name(input->dtype), ct_dtype_name(weight->dtype), ct_dtype_name(bias->dtype));
        return ct_fail("%s: expected input and weight to have the same dtype, got %s and %s", op,
                       ct_dtype_name(input->dtype), ct_dtype_name(weight->dtype));
    }
    return 0;
}

/* ---------------------------------------------------------------- linear */

/* t (>= 1 dim) as a [rows, cols] matrix: its leading dims folded into rows,
 * when their strides allow it and BLAS can read the result; 0 otherwise. */
static int as_matrix(const ct_tensor *t, int64_t *rows, int64_t *cols, ct_mat *m)
{
    int nd = t->ndim;
    *cols = t->sizes[nd - 1];
    m->data = ct_tensor_data(t);
    m->cs = t->strides[nd - 1];
    int64_t r = 1, rs = 0, expected = 0;
    int have = 0;
    for (int d = nd - 2; d >= 0; d--) {
        r *= t->sizes[d];
        if (t->sizes[d] == 1)
            continue;
        if (!have) {
            rs = t->strides[d];
            expected = rs * t->sizes[d];
            have = 1;
        } else if (t->strides[d] != expected) {
            return 0;
        } else {
            expected *= t->sizes[d];
        }
    }
    *rows = r;
    m->rs = have ? rs : *cols;
    int trans;
    int64_t ld;
    return r <= INT_MAX && *cols <= INT_MAX && ct_blas_layout(r, *cols, m->rs, m->cs, &trans, &ld);
}

/* The matrix of t, or of a contiguous copy of t (kept in *owned). */
static int matrix_of(ct_tensor *t, ct_tensor **owned, int64_t *rows, int64_t *cols, ct_mat *m)
{
    *owned = NULL;
    if (as_matrix(t, rows, cols, m))
        return 0;
    if (!(*owned = ct_raw_contiguous(t)))
        return -1;
    if (!as_matrix(*owned, rows, cols, m))
        return ct_fail("linear: a matrix of shape [%lld, %lld] is too large for BLAS", (long long)*rows,
                       (long long)*cols);
    return 0;
}

/* c (row-major, row stride ldc) = a @ b + beta * c */
static void product(ct_dtype dt, int64_t m, int64_t n, int64_t k, const ct_mat *a, const ct_mat *b, double beta,
                    char *c, int64_t ldc)
{
    if (m == 0 || n == 0)
        return;
    if (k == 0 || (double)m * (double)n * (double)k <= CT_GEMM_SMALL_MNK)
        ct_cpu_gemm_small(dt, m, n, k, 1, a, b, beta, c, ldc);
    else
        ct_cpu_gemm_blas(dt, m, n, k, 1, a, b, beta, c, ldc);
}

/* weight's transpose [in, out] as a BLAS operand (a copy when its strides do not allow it). */
static int weight_t_of(ct_tensor *w, ct_tensor **owned, ct_mat *m)
{
    int trans;
    int64_t ld;
    *owned = NULL;
    if (!ct_blas_layout(w->sizes[1], w->sizes[0], w->strides[1], w->strides[0], &trans, &ld)) {
        if (!(*owned = ct_raw_contiguous(w)))
            return -1;
        w = *owned;
    }
    m->data = ct_tensor_data(w);
    m->rs = w->strides[1];
    m->cs = w->strides[0];
    return 0;
}

static int linear_check(const ct_tensor *input, const ct_tensor *weight, const ct_tensor *bias)
{
    char a[128], b[128];
    if (check_operands("linear", input, weight, bias) < 0)
        return -1;
    if (weight->ndim != 2)
        return ct_fail("linear: expected a 2-D weight [out_features, in_features], got weight %s",
                       ct_shape_str(weight, a, sizeof a));
    if (input->ndim == 0)
        return ct_fail("linear: expected an input with at least 1 dim, got a 0-dim input");
    if (input->sizes[input->ndim - 1] != weight->sizes[1])
        return ct_fail("linear: input %s and weight %s do not match (%lld ~= %lld)", ct_shape_str(input, a, sizeof a),
                       ct_shape_str(weight, b, sizeof b), (long long)input->sizes[input->ndim - 1],
                       (long long)weight->sizes[1]);
    if (bias && (bias->ndim != 1 || bias->sizes[0] != weight->sizes[0]))
        return ct_fail("linear: expected bias of shape [%lld] (weight %s), got bias %s", (long long)weight->sizes[0],
                       ct_shape_str(weight, a, sizeof a), ct_shape_str(bias, b, sizeof b));
    if (weight->sizes[0] > INT_MAX || weight->sizes[1] > INT_MAX)
        return ct_fail("linear: weight %s is too large for BLAS", ct_shape_str(weight, a, sizeof a));
    return 0;
}

ct_tensor *ct_raw_linear(ct_tensor *input, ct_tensor *weight, ct_tensor *bias)
{
    if (linear_check(input, weight, bias) < 0)
        return NULL;
    int64_t nout = weight->sizes[0], nin = weight->sizes[1];
    int64_t shape[CT_MAX_DIMS];
    memcpy(shape, input->sizes, sizeof(int64_t) * (size_t)input->ndim);
    shape[input->ndim - 1] = nout;
    ct_tensor *out = ct_empty(input->ndim, shape, input->dtype);
    ct_tensor *xc = NULL, *wc = NULL;
    ct_mat xm, wt;
    int64_t rows, cols;
    if (!out || matrix_of(input, &xc, &rows, &cols, &xm) < 0 || weight_t_of(weight, &wc, &wt) < 0) {
        ct_release(out);
        ct_release(xc);
        return NULL;
    }
    /* the bias goes in first, so the gemm adds onto it (beta = 1) */
    if (bias)
        ct_cpu_fill_rows(out->dtype, ct_tensor_data(out), rows, nout, nout, ct_tensor_data(bias), bias->strides[0]);
    product(out->dtype, rows, nout, nin, &xm, &wt, bias ? 1 : 0, ct_tensor_data(out), nout);
    ct_release(xc);
    ct_release(wc);
    return out;
}

int ct_raw_linear_backward(ct_tensor *grad, ct_tensor *input, ct_tensor *weight, int need_input, int need_weight,
                           int need_bias, ct_tensor **grad_input, ct_tensor **grad_weight, ct_tensor **grad_bias)
{
    *grad_input = *grad_weight = *grad_bias = NULL;
    int64_t nout = weight->sizes[0], nin = weight->sizes[1];
    ct_dtype dt = input->dtype;
    ct_tensor *gc = NULL, *xc = NULL, *wc = NULL, *gcast = NULL;
    ct_mat gm, xm;
    int64_t rows, cols, xrows, xcols;
    if (grad->dtype != dt) { /* a seed gradient may come in another dtype */
        if (!(gcast = ct_raw_to_dtype(grad, dt)))
            return -1;
        grad = gcast;
    }
    int rc = matrix_of(grad, &gc, &rows, &cols, &gm);
    if (rc == 0 && need_input) {
        /* grad_input [rows, in] = grad [rows, out] @ weight [out, in] */
        ct_mat wm = {ct_tensor_data(weight), weight->strides[0], weight->strides[1]};
        int trans;
        int64_t ld;
        if (!ct_blas_layout(nout, nin, wm.rs, wm.cs, &trans, &ld)) {
            if (!(wc = ct_raw_contiguous(weight)))
                rc = -1;
            else
                wm = (ct_mat){ct_tensor_data(wc), nin, 1};
        }
        if (rc == 0 && !(*grad_input = ct_empty(input->ndim, input->sizes, dt)))
            rc = -1;
        if (rc == 0)
            product(dt, rows, nin, nout, &gm, &wm, 0, ct_tensor_data(*grad_input), nin);
    }
    if (rc == 0 && need_weight) {
        /* grad_weight [out, in] = grad^T [out, rows] @ input [rows, in] */
        int64_t wshape[2] = {nout, nin};
        ct_mat gt = {gm.data, gm.cs, gm.rs};
        if (matrix_of(input, &xc, &xrows, &xcols, &xm) < 0 || !(*grad_weight = ct_empty(2, wshape, dt)))
            rc = -1;
        else
            product(dt, nout, nin, rows, &gt, &xm, 0, ct_tensor_data(*grad_weight), nin);
    }
    if (rc == 0 && need_bias) {
        if (!(*grad_bias = ct_empty(1, &nout, dt)))
            rc = -1;
        else
            ct_cpu_column_sums(dt, rows, nout, gm.data, gm.rs, gm.cs, ct_tensor_data(*grad_bias));
    }
    ct_release(gc);
    ct_release(xc);
    ct_release(wc);
    ct_release(gcast);
    if (rc < 0) {
        ct_release(*grad_input);
        ct_release(*grad_weight);
        ct_release(*grad_bias);
        *grad_input = *grad_weight = *grad_bias = NULL;
    }
    return rc;
}

/* ---------------------------------------------------------------- conv2d */

/* Checks the arguments and fills in the geometry and input strides
 * (an unbatched [c, h, w] input is one sample). */
static int conv_geometry(const ct_tensor *input, const ct_tensor *weight, const ct_tensor *bias,
                         const int64_t stride[2], const int64_t padding[2], const int64_t dilation[2], int64_t groups,
                         ct_conv_geom *g, int64_t xs[4])
{
    char a[128], b[128];
    if (check_operands("conv2d", input, weight, bias) < 0)
        return -1;
    if (input->ndim != 3 && input->ndim != 4)
        return ct_fail("conv2d: expected a 3-D (unbatched) or 4-D (batched) input, got input %s",
                       ct_shape_str(input, a, sizeof a));
    if (weight->ndim != 4)
        return ct_fail("conv2d: expected a 4-D weight [out_channels, in_channels/groups, kH, kW], got weight %s",
                       ct_shape_str(weight, a, sizeof a));
    if (groups < 1)
        return ct_fail("conv2d: groups must be positive, got %lld", (long long)groups);
    for (int i = 0; i < 2; i++) {
        if (stride[i] < 1)
            return ct_fail("conv2d: stride must be positive, got [%lld, %lld]", (long long)stride[0],
                           (long long)stride[1]);
        if (dilation[i] < 1)
            return ct_fail("conv2d: dilation must be positive, got [%lld, %lld]", (long long)dilation[0],
                           (long long)dilation[1]);
        if (padding[i] < 0)
            return ct_fail("conv2d: padding must be non-negative, got [%lld, %lld]", (long long)padding[0],
                           (long long)padding[1]);
    }
    int batched = input->ndim == 4, o0 = batched ? 1 : 0;
    g->n = batched ? input->sizes[0] : 1;
    g->c = input->sizes[o0];
    g->h = input->sizes[o0 + 1];
    g->w = input->sizes[o0 + 2];
    g->o = weight->sizes[0];
    g->kh = weight->sizes[2];
    g->kw = weight->sizes[3];
    g->sh = stride[0];
    g->sw = stride[1];
    g->ph = padding[0];
    g->pw = padding[1];
    g->dh = dilation[0];
    g->dw = dilation[1];
    g->groups = groups;
    xs[0] = batched ? input->strides[0] : 0;
    for (int i = 0; i < 3; i++)
        xs[i + 1] = input->strides[o0 + i];
    if (g->c % groups != 0)
        return ct_fail("conv2d: input channels (%lld) must be divisible by groups (%lld), got input %s",
                       (long long)g->c, (long long)groups, ct_shape_str(input, a, sizeof a));
    if (g->o % groups != 0)
        return ct_fail("conv2d: out channels (%lld) of weight %s must be divisible by groups (%lld)", (long long)g->o,
                       ct_shape_str(weight, a, sizeof a), (long long)groups);
    if (weight->sizes[1] * groups != g->c) {
        if (groups == 1)
            return ct_fail("conv2d: expected input with %lld channels (weight %s), got input %s",
                           (long long)weight->sizes[1], ct_shape_str(weight, a, sizeof a),
                           ct_shape_str(input, b, sizeof b));
        return ct_fail("conv2d: expected input with %lld channels (weight %s, groups %lld), got input %s",
                       (long long)(weight->sizes[1] * groups), ct_shape_str(weight, a, sizeof a), (long long)groups,
                       ct_shape_str(input, b, sizeof b));
    }
    if (bias && (bias->ndim != 1 || bias->sizes[0] != g->o))
        return ct_fail("conv2d: expected bias of shape [%lld] (weight %s), got bias %s", (long long)g->o,
                       ct_shape_str(weight, a, sizeof a), ct_shape_str(bias, b, sizeof b));
    int64_t ekh = g->dh * (g->kh - 1) + 1, ekw = g->dw * (g->kw - 1) + 1;
    int64_t ph = g->h + 2 * g->ph, pw = g->w + 2 * g->pw;
    if (g->kh == 0 || g->kw == 0 || ekh > ph || ekw > pw)
        return ct_fail("conv2d: kernel size (dilated) [%lld, %lld] is larger than the padded input [%lld, %lld] "
                       "(input %s, weight %s, padding [%lld, %lld], dilation [%lld, %lld])",
                       (long long)ekh, (long long)ekw, (long long)ph, (long long)pw,
                       ct_shape_str(input, a, sizeof a), ct_shape_str(weight, b, sizeof b), (long long)g->ph,
                       (long long)g->pw, (long long)g->dh, (long long)g->dw);
    g->oh = (ph - ekh) / g->sh + 1;
    g->ow = (pw - ekw) / g->sw + 1;
    int64_t k = g->c * g->kh * g->kw, p = g->oh * g->ow;
    if (k > INT_MAX / 8 || p > INT_MAX / 8 || g->o > INT_MAX || (p > 0 && k > (INT64_MAX / 8) / p))
        return ct_fail("conv2d: input %s with weight %s is too large for BLAS", ct_shape_str(input, a, sizeof a),
                       ct_shape_str(weight, b, sizeof b));
    return 0;
}

static ct_tensor *conv_output(const ct_tensor *input, const ct_conv_geom *g, ct_dtype dt)
{
    int64_t shape[4] = {g->n, g->o, g->oh, g->ow};
    return input->ndim == 4 ? ct_empty(4, shape, dt) : ct_empty(3, shape + 1, dt);
}

ct_tensor *ct_raw_conv2d(ct_tensor *input, ct_tensor *weight, ct_tensor *bias, const int64_t stride[2],
                         const int64_t padding[2], const int64_t dilation[2], int64_t groups)
{
    ct_conv_geom g;
    int64_t xs[4];
    if (conv_geometry(input, weight, bias, stride, padding, dilation, groups, &g, xs) < 0)
        return NULL;
    ct_tensor *out = conv_output(input, &g, input->dtype);
    ct_tensor *wc = out ? ct_raw_contiguous(weight) : NULL;
    if (!wc) {
        ct_release(out);
        return NULL;
    }
    int rc = ct_cpu_conv2d_forward(input->dtype, &g, ct_tensor_data(input), xs, ct_tensor_data(wc),
                                   bias ? ct_tensor_data(bias) : NULL, bias ? bias->strides[0] : 0,
                                   ct_tensor_data(out));
    ct_release(wc);
    if (rc < 0) {
        ct_release(out);
        return NULL;
    }
    return out;
}

int ct_raw_conv2d_backward(ct_tensor *grad, ct_tensor *input, ct_tensor *weight, const int64_t stride[2],
                           const int64_t padding[2], const int64_t dilation[2], int64_t groups, int need_input,
                           int need_weight, int need_bias, ct_tensor **grad_input, ct_tensor **grad_weight,
                           ct_tensor **grad_bias)
{
    *grad_input = *grad_weight = *grad_bias = NULL;
    ct_conv_geom g;
    int64_t xs[4], gs[4];
    if (conv_geometry(input, weight, NULL, stride, padding, dilation, groups, &g, xs) < 0)
        return -1;
    int64_t expect[4] = {g.n, g.o, g.oh, g.ow};
    const int64_t *es = input->ndim == 4 ? expect : expect + 1;
    if (grad->ndim != input->ndim || memcmp(grad->sizes, es, sizeof(int64_t) * (size_t)input->ndim) != 0) {
        char a[128], b[128];
        return ct_fail("conv2d backward: expected a gradient of shape %s, got %s",
                       ct_sizes_str(input->ndim, es, a, sizeof a), ct_shape_str(grad, b, sizeof b));
    }
    ct_tensor *gcast = NULL;
    if (grad->dtype != input->dtype) { /* a seed gradient may come in another dtype */
        if (!(gcast = ct_raw_to_dtype(grad, input->dtype)))
            return -1;
        grad = gcast;
    }
    gs[0] = input->ndim == 4 ? grad->strides[0] : 0;
    for (int i = 0; i < 3; i++)
        gs[i + 1] = grad->strides[grad->ndim - 3 + i];
    ct_dtype dt = input->dtype;
    ct_tensor *wc = need_input ? ct_raw_contiguous(weight) : ct_retain(weight);
    int rc = wc ? 0 : -1;
    if (rc == 0 && need_input && !(*grad_input = ct_empty(input->ndim, input->sizes, dt)))
        rc = -1;
    if (rc == 0 && need_weight && !(*grad_weight = ct_empty(4, weight->sizes, dt)))
        rc = -1;
    if (rc == 0 && need_bias && !(*grad_bias = ct_empty(1, &g.o, dt)))
        rc = -1;
    if (rc == 0)
        rc = ct_cpu_conv2d_backward(dt, &g, ct_tensor_data(grad), gs, ct_tensor_data(input), xs, ct_tensor_data(wc),
                                    *grad_input ? ct_tensor_data(*grad_input) : NULL,
                                    *grad_weight ? ct_tensor_data(*grad_weight) : NULL,
                                    *grad_bias ? ct_tensor_data(*grad_bias) : NULL);
    ct_release(wc);
    ct_release(gcast);
    if (rc < 0) {
        ct_release(*grad_input);
        ct_release(*grad_weight);
        ct_release(*grad_bias);
        *grad_input = *grad_weight = *grad_bias = NULL;
    }
    return rc;
}
