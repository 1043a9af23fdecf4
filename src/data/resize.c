/*
 * resize.c -- bilinear resize of images and tensor images.
 *
 * The filter is PIL's for BILINEAR, which torch's antialiased interpolate
 * copies: output pixel i of an axis is centred at (i + 0.5) * scale in the
 * input (scale = in / out) and averages the input pixels under a triangle
 * of half-width max(scale, 1), the weights normalised to sum to 1.  When
 * enlarging that is plain bilinear interpolation (align_corners=false, edge
 * pixels clamped); when shrinking it is the antialiased filter.  Plain
 * bilinear when shrinking (tensor images without antialias) is the same
 * triangle kept at half-width 1.
 *
 * The two axes are filtered one after the other, columns first, as PIL and
 * torch do.  For uint8 images the arithmetic is PIL's own: weights in 22-bit
 * fixed point, rounded and clamped to uint8 after each pass, and RGBA
 * premultiplied by alpha around the resize -- so results match PIL exactly.
 * Tensor images are filtered in double precision.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "data/transforms.h"
#include "ops/raw.h"

#define FIXED_BITS 22 /* PIL's PRECISION_BITS for 8-bit images: 32 - 8 - 2 */

int tf_resize_size(const ct_transform *tf, int64_t height, int64_t width, int64_t out[2])
{
    if (tf->size[1] > 0) {
        out[0] = tf->size[0];
        out[1] = tf->size[1];
        return 0;
    }
    /* torchvision: the smaller edge becomes size, the longer int(size * long / short) */
    int64_t s = tf->size[0];
    int64_t shorter = width <= height ? width : height, longer = width <= height ? height : width;
    int64_t new_short = s, new_long = (int64_t)((double)s * (double)longer / (double)shorter);
    if (tf->max_size > 0 && new_long > tf->max_size) {
        new_short = (int64_t)((double)tf->max_size * (double)new_short / (double)new_long);
        new_long = tf->max_size;
    }
    if (new_short < 1)
        return ct_fail("Resize: an image of size [%lld, %lld] would become empty (size %lld, max_size %lld)",
                       (long long)height, (long long)width, (long long)s, (long long)tf->max_size);
    out[0] = width <= height ? new_long : new_short;
    out[1] = width <= height ? new_short : new_long;
    return 0;
}

/* The filter taps of one axis: output i reads count[i] inputs from first[i]
 * with weights weight[i * ksize ...] (fixed: the same in fixed point). */
typedef struct taps {
    int64_t ksize;
    int64_t *first, *count;
    double *weight;
    int32_t *fixed;
} taps;

static void taps_free(taps *t)
{
    free(t->first);
    free(t->count);
    free(t->weight);
    free(t->fixed);
}

static double triangle(double x)
{
    x = fabs(x);
    return x < 1 ? 1 - x : 0;
}

static int taps_build(taps *t, int64_t in, int64_t out, int antialias)
{
    double scale = (double)in / (double)out;
    double filter_scale = antialias && scale > 1 ? scale : 1.0;
    double support = filter_scale, inv = 1.0 / filter_scale;
    int64_t ksize = (int64_t)ceil(support) * 2 + 1;
    t->ksize = ksize;
    t->first = malloc(sizeof(int64_t) * (size_t)out);
    t->count = malloc(sizeof(int64_t) * (size_t)out);
    t->weight = malloc(sizeof(double) * (size_t)(out * ksize));
    t->fixed = malloc(sizeof(int32_t) * (size_t)(out * ksize));
    if (!t->first || !t->count || !t->weight || !t->fixed) {
        taps_free(t);
        return ct_fail("Resize: out of memory");
    }
    for (int64_t i = 0; i < out; i++) {
        double center = ((double)i + 0.5) * scale, total = 0;
        int64_t lo = (int64_t)(center - support + 0.5), hi = (int64_t)(center + support + 0.5);
        if (lo < 0)
            lo = 0;
        if (hi > in)
            hi = in;
        double *w = t->weight + i * ksize;
        for (int64_t j = 0; j < hi - lo; j++) {
            w[j] = triangle(((double)(j + lo) - center + 0.5) * inv);
            total += w[j];
        }
        for (int64_t j = 0; j < hi - lo; j++) {
            if (total != 0)
                w[j] /= total;
            /* PIL rounds half away from zero */
            double f = w[j] * (double)(1 << FIXED_BITS);
            t->fixed[i * ksize + j] = (int32_t)(f < 0 ? f - 0.5 : f + 0.5);
        }
        t->first[i] = lo;
        t->count[i] = hi - lo;
    }
    return 0;
}

/* Both passes, either direction: `lines` independent lines; along a line,
 * input position j is at in + line * in_line + j * in_step and holds `comps`
 * consecutive components (a pixel's channels, or a whole row); output
 * position i the same with out_line, out_step.  acc holds comps values. */
typedef struct pass_geometry {
    int64_t lines, in_line, out_line, in_step, out_step, comps, n_out;
} pass_geometry;

static uint8_t clip8(int64_t v)
{
    if (v <= 0)
        return 0;
    v >>= FIXED_BITS;
    return v > 255 ? 255 : (uint8_t)v;
}

static void filter_u8(const uint8_t *in, uint8_t *out, const pass_geometry *g, const taps *t, int64_t *acc)
{
    for (int64_t line = 0; line < g->lines; line++) {
        for (int64_t i = 0; i < g->n_out; i++) {
            const int32_t *k = t->fixed + i * t->ksize;
            const uint8_t *base = in + line * g->in_line + t->first[i] * g->in_step;
            for (int64_t q = 0; q < g->comps; q++)
                acc[q] = (int64_t)1 << (FIXED_BITS - 1);
            for (int64_t j = 0; j < t->count[i]; j++) {
                const uint8_t *src = base + j * g->in_step;
                for (int64_t q = 0; q < g->comps; q++)
                    acc[q] += (int64_t)src[q] * k[j];
            }
            uint8_t *dst = out + line * g->out_line + i * g->out_step;
            for (int64_t q = 0; q < g->comps; q++)
                dst[q] = clip8(acc[q]);
        }
    }
}

static void filter_f64(const double *in, double *out, const pass_geometry *g, const taps *t, double *acc)
{
    for (int64_t line = 0; line < g->lines; line++) {
        for (int64_t i = 0; i < g->n_out; i++) {
            const double *k = t->weight + i * t->ksize;
            const double *base = in + line * g->in_line + t->first[i] * g->in_step;
            for (int64_t q = 0; q < g->comps; q++)
                acc[q] = 0;
            for (int64_t j = 0; j < t->count[i]; j++) {
                const double *src = base + j * g->in_step;
                for (int64_t q = 0; q < g->comps; q++)
                    acc[q] += src[q] * k[j];
            }
            double *dst = out + line * g->out_line + i * g->out_step;
            for (int64_t q = 0; q < g->comps; q++)
                dst[q] = acc[q];
        }
    }
}

/* PIL's RGBA <-> RGBa conversions (colour times alpha / 255, rounded; back:
 * integer division, clamped). */
static void premultiply(uint8_t *px, int64_t n)
{
    for (int64_t i = 0; i < n; i++, px += 4)
        for (int c = 0; c < 3; c++) {
            unsigned v = (unsigned)px[c] * px[3] + 128;
            px[c] = (uint8_t)(((v >> 8) + v) >> 8);
        }
}

static void unpremultiply(uint8_t *px, int64_t n)
{
    for (int64_t i = 0; i < n; i++, px += 4) {
        unsigned a = px[3];
        if (a == 0 || a == 255)
            continue;
        for (int c = 0; c < 3; c++) {
            unsigned v = 255u * px[c] / a;
            px[c] = (uint8_t)(v > 255 ? 255 : v);
        }
    }
}

/* uint8 [H, W, C] (contiguous data) -> [h, w, C] into out. */
static int resize_image(const uint8_t *data, const tf_shape *s, int64_t h, int64_t w, uint8_t *out)
{
    int64_t H = s->height, W = s->width, C = s->channels;
    uint8_t *pre = NULL, *mid = NULL;
    int64_t *acc = malloc(sizeof(int64_t) * (size_t)(w * C));
    taps tx = {0}, ty = {0};
    int rc = -1;
    if (!acc)
        goto oom;
    const uint8_t *src = data;
    if (C == 4) {
        if (!(pre = malloc((size_t)(H * W * 4))))
            goto oom;
        memcpy(pre, data, (size_t)(H * W * 4));
        premultiply(pre, H * W);
        src = pre;
    }
    if (w != W) {
        if (taps_build(&tx, W, w, 1) < 0)
            goto done;
        uint8_t *dst = h != H ? (mid = malloc((size_t)(H * w * C))) : out;
        if (!dst)
            goto oom;
        pass_geometry g = {H, W * C, w * C, C, C, C, w};
        filter_u8(src, dst, &g, &tx, acc);
        src = dst;
    }
    if (h != H) {
        if (taps_build(&ty, H, h, 1) < 0)
            goto done;
        pass_geometry g = {1, 0, 0, w * C, w * C, w * C, h};
        filter_u8(src, out, &g, &ty, acc);
    }
    if (C == 4)
        unpremultiply(out, h * w);
    rc = 0;
    goto done;
oom:
    ct_fail("Resize: out of memory");
done:
    taps_free(&tx);
    taps_free(&ty);
    free(acc);
    free(pre);
    free(mid);
    return rc;
}

/* Tensor image planes [P, H, W] (contiguous, float32 or float64) -> [P, h, w]. */
static int resize_planes(ct_tensor *src, const tf_shape *s, int64_t h, int64_t w, int antialias, ct_tensor *out)
{
    int64_t P = s->planes, H = s->height, W = s->width, n_in = P * H * W;
    int is32 = ct_dtype_of(src) == CT_FLOAT32;
    double *in64 = NULL, *mid = NULL, *res = NULL;
    double *acc = malloc(sizeof(double) * (size_t)w);
    taps tx = {0}, ty = {0};
    int rc = -1;
    if (!acc)
        goto oom;
    const double *cur = ct_data_ptr(src);
    if (is32) {
        if (!(in64 = malloc(sizeof(double) * (size_t)n_in)))
            goto oom;
        const float *f = ct_data_ptr(src);
        for (int64_t i = 0; i < n_in; i++)
            in64[i] = f[i];
        cur = in64;
    }
    /* the last pass writes straight into a float64 output */
    double *final = is32 ? NULL : ct_data_ptr(out);
    if (is32 && !(final = res = malloc(sizeof(double) * (size_t)(P * h * w))))
        goto oom;
    if (w != W) {
        if (taps_build(&tx, W, w, antialias) < 0)
            goto done;
        double *dst = h != H ? (mid = malloc(sizeof(double) * (size_t)(P * H * w))) : final;
        if (!dst)
            goto oom;
        pass_geometry g = {P * H, W, w, 1, 1, 1, w};
        filter_f64(cur, dst, &g, &tx, acc);
        cur = dst;
    }
    if (h != H) {
        if (taps_build(&ty, H, h, antialias) < 0)
            goto done;
        pass_geometry g = {P, H * w, h * w, w, w, w, h};
        filter_f64(cur, final, &g, &ty, acc);
    }
    if (is32) {
        float *o = ct_data_ptr(out);
        for (int64_t i = 0; i < P * h * w; i++)
            o[i] = (float)res[i];
    }
    rc = 0;
    goto done;
oom:
    ct_fail("Resize: out of memory");
done:
    taps_free(&tx);
    taps_free(&ty);
    free(acc);
    free(in64);
    free(mid);
    free(res);
    return rc;
}

ct_tensor *tf_resize(ct_tensor *x, const char *op, int64_t h, int64_t w, int antialias)
{
    tf_shape s;
    if (tf_shape_of(x, op, &s) < 0)
        return NULL;
    if (h < 1 || w < 1)
        return ct_fail("%s: the output size [%lld, %lld] must be positive", op, (long long)h, (long long)w), NULL;
    int nd = ct_ndim(x);
    int64_t sizes[CT_MAX_DIMS];
    memcpy(sizes, ct_sizes(x), sizeof(int64_t) * (size_t)nd);
    sizes[s.is_image ? 0 : nd - 2] = h;
    sizes[s.is_image ? 1 : nd - 1] = w;
    ct_tensor *src = ct_raw_contiguous(x);
    ct_tensor *out = src ? ct_empty(nd, sizes, ct_dtype_of(x)) : NULL;
    if (!out) {
        ct_release(src);
        return NULL;
    }
    int rc;
    if (s.planes == 0 || (h == s.height && w == s.width)) {
        memcpy(ct_data_ptr(out), ct_data_ptr(src), (size_t)ct_numel(src) * ct_dtype_size(ct_dtype_of(x)));
        rc = 0;
    } else if (s.is_image) {
        rc = resize_image(ct_data_ptr(src), &s, h, w, ct_data_ptr(out));
    } else {
        rc = resize_planes(src, &s, h, w, antialias, out);
    }
    ct_release(src);
    if (rc < 0) {
        ct_release(out);
        return NULL;
    }
    return out;
}
