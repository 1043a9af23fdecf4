/*
 * transforms.c -- torchvision's transforms on images and tensor images.
 *
 * An image is uint8 [H, W, C] or [H, W] (PIL's layout), a tensor image is
 * float32/float64 [..., H, W]; the dtype tells which.  Every geometric
 * transform (crops with any padding, flips, center crop) is one "remap":
 * output pixel (y, x) is input pixel (ymap[y], xmap[x]), or the fill value
 * where a map holds -1.  The maps are built per call from the transform's
 * parameters, so padding is never materialised: RandomCrop(32, padding=4)
 * reads the 32 x 32 window straight out of the unpadded image.
 *
 * These run in the loader's worker threads: plain loops, ct_fail for errors,
 * no autograd, no ct_parallel_for.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/transforms.h"
#include "ops/raw.h"

static const char *const kind_names[CT_NUM_TRANSFORMS] = {
    "ToTensor", "Normalize", "RandomCrop", "RandomHorizontalFlip", "Resize", "CenterCrop",
};

const char *tf_kind_name(ct_transform_kind kind)
{
    return (unsigned)kind < CT_NUM_TRANSFORMS ? kind_names[kind] : "transform";
}

int tf_kind_from_name(const char *name)
{
    for (int k = 0; k < CT_NUM_TRANSFORMS; k++)
        if (strcmp(name, kind_names[k]) == 0)
            return k;
    return -1;
}

const char *tf_describe(ct_tensor *x, char *buf, size_t n)
{
    char shape[128];
    snprintf(buf, n, "%s %s", ct_dtype_name(ct_dtype_of(x)), ct_shape_str(x, shape, sizeof shape));
    return buf;
}

int tf_shape_of(ct_tensor *x, const char *op, tf_shape *s)
{
    char desc[160];
    int nd = ct_ndim(x);
    const int64_t *sz = ct_sizes(x);
    ct_dtype dt = ct_dtype_of(x);
    if (dt == CT_UINT8 && (nd == 2 || nd == 3)) {
        s->is_image = 1;
        s->planes = 1;
        s->channels = nd == 3 ? sz[2] : 1;
    } else if ((dt == CT_FLOAT32 || dt == CT_FLOAT64) && nd >= 2) {
        s->is_image = 0;
        s->planes = 1;
        for (int d = 0; d < nd - 2; d++)
            s->planes *= sz[d];
        s->channels = 1;
    } else {
        return ct_fail("%s: expected an image (uint8 [H, W, C] or [H, W]) or a float tensor image "
                       "[..., C, H, W], got %s", op, tf_describe(x, desc, sizeof desc));
    }
    s->height = sz[s->is_image ? 0 : nd - 2];
    s->width = sz[s->is_image ? 1 : nd - 1];
    if (s->height < 1 || s->width < 1 || s->channels < 1)
        return ct_fail("%s: the image is empty (%s)", op, tf_describe(x, desc, sizeof desc));
    return 0;
}

/* ---------------------------------------------------------------- remap */

/* Where coordinate i of a padded axis reads in an axis of n pixels: i itself
 * inside, else per mode (-1: the fill value).  reflect and symmetric repeat
 * with periods 2(n-1) and 2n, which is what numpy.pad gives for any width. */
static int64_t axis_source(int64_t i, int64_t n, ct_padding_mode mode)
{
    if (i >= 0 && i < n)
        return i;
    switch (mode) {
    case CT_PADDING_EDGE:
        return i < 0 ? 0 : n - 1;
    case CT_PADDING_REFLECT: {
        if (n == 1)
            return 0;
        int64_t period = 2 * (n - 1), k = i % period;
        if (k < 0)
            k += period;
        return k < n ? k : period - k;
    }
    case CT_PADDING_SYMMETRIC: {
        int64_t period = 2 * n, k = i % period;
        if (k < 0)
            k += period;
        return k < n ? k : period - 1 - k;
    }
    default:
        return -1;
    }
}

/* One element of the fill value in x's dtype, as bytes. */
static void fill_element(ct_dtype dt, double fill, unsigned char out[8])
{
    if (dt == CT_UINT8) {
        double v = fill != fill ? 0 : fill < 0 ? 0 : fill > 255 ? 255 : floor(fill + 0.5);
        out[0] = (unsigned char)v;
    } else if (dt == CT_FLOAT32) {
        float f = (float)fill;
        memcpy(out, &f, sizeof f);
    } else {
        memcpy(out, &fill, sizeof fill);
    }
}

static void fill_elements(unsigned char *dst, int64_t n, size_t esize, const unsigned char *fe)
{
    if (esize == 1) {
        memset(dst, fe[0], (size_t)n);
        return;
    }
    for (int64_t i = 0; i < n; i++)
        memcpy(dst + (size_t)i * esize, fe, esize);
}

/* A run of output columns [dst, dst+len) reading source columns from src on
 * (src < 0: fill); consecutive columns merge, so a crop row is a few memcpys. */
typedef struct col_run {
    int64_t dst, src, len;
} col_run;

/* out[..., y, x] = x[..., ymap[y], xmap[x]] (or fill where a map is -1). */
static ct_tensor *remap(ct_tensor *x, const tf_shape *s, const int64_t *ymap, int64_t h, const int64_t *xmap,
                        int64_t w, double fill)
{
    int nd = ct_ndim(x);
    int64_t sizes[CT_MAX_DIMS];
    memcpy(sizes, ct_sizes(x), sizeof(int64_t) * (size_t)nd);
    sizes[s->is_image ? 0 : nd - 2] = h;
    sizes[s->is_image ? 1 : nd - 1] = w;
    ct_dtype dt = ct_dtype_of(x);
    size_t esize = ct_dtype_size(dt), pixel = esize * (size_t)s->channels;

    col_run *runs = malloc(sizeof(col_run) * (size_t)w);
    if (!runs)
        return ct_fail("out of memory"), NULL;
    int64_t nruns = 0;
    for (int64_t i = 0; i < w; i++) {
        col_run *last = nruns ? &runs[nruns - 1] : NULL;
        if (last && ((last->src < 0 && xmap[i] < 0) || (last->src >= 0 && xmap[i] == last->src + last->len)))
            last->len++;
        else
            runs[nruns++] = (col_run){i, xmap[i] < 0 ? -1 : xmap[i], 1};
    }

    ct_tensor *src = ct_raw_contiguous(x);
    ct_tensor *out = src ? ct_empty(nd, sizes, dt) : NULL;
    if (!out) {
        ct_release(src);
        free(runs);
        return NULL;
    }
    unsigned char fe[8];
    fill_element(dt, fill, fe);
    const unsigned char *in = ct_data_ptr(src);
    unsigned char *o = ct_data_ptr(out);
    size_t in_row = pixel * (size_t)s->width, out_row = pixel * (size_t)w;
    for (int64_t p = 0; p < s->planes; p++) {
        const unsigned char *plane = in + (size_t)p * in_row * (size_t)s->height;
        for (int64_t y = 0; y < h; y++, o += out_row) {
            if (ymap[y] < 0) {
                fill_elements(o, w * s->channels, esize, fe);
                continue;
            }
            const unsigned char *row = plane + (size_t)ymap[y] * in_row;
            for (int64_t r = 0; r < nruns; r++) {
                unsigned char *d = o + (size_t)runs[r].dst * pixel;
                if (runs[r].src < 0)
                    fill_elements(d, runs[r].len * s->channels, esize, fe);
                else
                    memcpy(d, row + (size_t)runs[r].src * pixel, (size_t)runs[r].len * pixel);
            }
        }
    }
    ct_release(src);
    free(runs);
    return out;
}

/* Maps for a window of h x w at (top, left) of an axis padded once by mode:
 * maps[0..h) rows, maps[h..h+w) columns.  Caller frees. */
static int64_t *window_maps(const tf_shape *s, int64_t top, int64_t left, int64_t h, int64_t w,
                            ct_padding_mode mode)
{
    int64_t *maps = malloc(sizeof(int64_t) * (size_t)(h + w));
    if (!maps)
        return ct_fail("out of memory"), NULL;
    for (int64_t y = 0; y < h; y++)
        maps[y] = axis_source(top + y, s->height, mode);
    for (int64_t x = 0; x < w; x++)
        maps[h + x] = axis_source(left + x, s->width, mode);
    return maps;
}

ct_tensor *tf_window(ct_tensor *x, const char *op, int64_t top, int64_t left, int64_t h, int64_t w,
                     ct_padding_mode mode, double fill)
{
    tf_shape s;
    if (tf_shape_of(x, op, &s) < 0)
        return NULL;
    if (h < 1 || w < 1)
        return ct_fail("%s: the output size [%lld, %lld] must be positive", op, (long long)h, (long long)w), NULL;
    if ((unsigned)mode > CT_PADDING_SYMMETRIC)
        return ct_fail("%s: unknown padding mode %d", op, (int)mode), NULL;
    int64_t *maps = window_maps(&s, top, left, h, w, mode);
    if (!maps)
        return NULL;
    ct_tensor *out = remap(x, &s, maps, h, maps + h, w, fill);
    free(maps);
    return out;
}

/* ---------------------------------------------------------------- the transforms */

/* uint8 [H, W, C] / [H, W] -> float32 [C, H, W] / 255; float passes through. */
static ct_tensor *to_tensor(ct_tensor *x)
{
    char desc[160];
    ct_dtype dt = ct_dtype_of(x);
    int nd = ct_ndim(x);
    if (dt == CT_FLOAT32 || dt == CT_FLOAT64)
        return ct_retain(x);
    if (dt != CT_UINT8 || (nd != 2 && nd != 3))
        return ct_fail("ToTensor: expected a uint8 image [H, W, C] or [H, W] or a float tensor, got %s",
                       tf_describe(x, desc, sizeof desc)), NULL;
    const int64_t *sz = ct_sizes(x);
    int64_t c = nd == 3 ? sz[2] : 1, hw = sz[0] * sz[1];
    int64_t sizes[3] = {c, sz[0], sz[1]};
    ct_tensor *src = ct_raw_contiguous(x);
    ct_tensor *out = src ? ct_empty(3, sizes, CT_FLOAT32) : NULL;
    if (!out) {
        ct_release(src);
        return NULL;
    }
    const uint8_t *in = ct_data_ptr(src);
    float *o = ct_data_ptr(out);
    for (int64_t ch = 0; ch < c; ch++)
        for (int64_t i = 0; i < hw; i++)
            o[ch * hw + i] = (float)in[i * c + ch] / 255.0f;
    ct_release(src);
    return out;
}

/* (x - mean[c]) / std[c] in x's precision, as torchvision's sub_ and div_ do. */
static ct_tensor *normalize(const ct_transform *tf, ct_tensor *x)
{
    char desc[160];
    ct_dtype dt = ct_dtype_of(x);
    int nd = ct_ndim(x);
    if ((dt != CT_FLOAT32 && dt != CT_FLOAT64) || nd < 3)
        return ct_fail("Normalize: expected a float tensor image [..., C, H, W], got %s%s",
                       tf_describe(x, desc, sizeof desc), dt == CT_UINT8 ? " (apply ToTensor first)" : ""),
               NULL;
    const int64_t *sz = ct_sizes(x);
    int64_t c = sz[nd - 3], hw = sz[nd - 2] * sz[nd - 1];
    if (tf->n_channels != 1 && tf->n_channels != c)
        return ct_fail("Normalize: %d means/stds for a tensor image of %lld channels (%s)", tf->n_channels,
                       (long long)c, tf_describe(x, desc, sizeof desc)), NULL;
    ct_tensor *src = ct_raw_contiguous(x);
    ct_tensor *out = src ? ct_empty(nd, sz, dt) : NULL;
    if (!out) {
        ct_release(src);
        return NULL;
    }
    int64_t planes = hw ? ct_numel(x) / hw : 0;
    for (int64_t p = 0; p < planes; p++) {
        int k = tf->n_channels == 1 ? 0 : (int)(p % c);
        if (dt == CT_FLOAT32) {
            const float *in = (const float *)ct_data_ptr(src) + p * hw;
            float *o = (float *)ct_data_ptr(out) + p * hw, m = (float)tf->mean[k], sd = (float)tf->std[k];
            for (int64_t i = 0; i < hw; i++)
                o[i] = (in[i] - m) / sd;
        } else {
            const double *in = (const double *)ct_data_ptr(src) + p * hw;
            double *o = (double *)ct_data_ptr(out) + p * hw, m = tf->mean[k], sd = tf->std[k];
            for (int64_t i = 0; i < hw; i++)
                o[i] = (in[i] - m) / sd;
        }
    }
    ct_release(src);
    return out;
}

/* A uniform integer in [0, n). */
static int64_t draw_below(ct_sample_rng *rng, int64_t n)
{
    int64_t k = (int64_t)(ct_sample_rng_uniform(rng) * (double)n);
    return k < n ? k : n - 1;
}

/* torchvision's RandomCrop: pad by `padding`, then (pad_if_needed) pad each
 * too-small axis by the shortfall on both sides, then crop at a uniform
 * position (top drawn first, then left).  The two paddings compose as two
 * index maps, which matters for reflect/symmetric. */
static ct_tensor *random_crop(const ct_transform *tf, ct_tensor *x, ct_sample_rng *rng)
{
    tf_shape s;
    if (tf_shape_of(x, "RandomCrop", &s) < 0)
        return NULL;
    const int64_t *pad = tf->padding; /* left, top, right, bottom */
    int64_t n1[2] = {s.height + pad[1] + pad[3], s.width + pad[0] + pad[2]};
    int64_t lo1[2] = {pad[1], pad[0]}, extra[2], n2[2], start[2];
    for (int a = 0; a < 2; a++) {
        extra[a] = tf->pad_if_needed && n1[a] < tf->size[a] ? tf->size[a] - n1[a] : 0;
        n2[a] = n1[a] + 2 * extra[a];
    }
    if (n2[0] < tf->size[0] || n2[1] < tf->size[1]) {
        char padded[80] = "";
        if (n1[0] != s.height || n1[1] != s.width)
            snprintf(padded, sizeof padded, " (padded: [%lld, %lld])", (long long)n1[0], (long long)n1[1]);
        return ct_fail("RandomCrop: image of size [%lld, %lld]%s is smaller than the crop [%lld, %lld] "
                       "(use pad_if_needed=true)", (long long)s.height, (long long)s.width, padded,
                       (long long)tf->size[0], (long long)tf->size[1]), NULL;
    }
    if (!rng)
        return ct_fail("RandomCrop: no random number generator given"), NULL;
    for (int a = 0; a < 2; a++)
        start[a] = draw_below(rng, n2[a] - tf->size[a] + 1);

    int64_t h = tf->size[0], w = tf->size[1], n0[2] = {s.height, s.width};
    int64_t *maps = malloc(sizeof(int64_t) * (size_t)(h + w));
    if (!maps)
        return ct_fail("out of memory"), NULL;
    for (int a = 0; a < 2; a++) {
        int64_t *map = a == 0 ? maps : maps + h;
        for (int64_t k = 0; k < tf->size[a]; k++) {
            int64_t j = axis_source(start[a] + k - extra[a], n1[a], tf->padding_mode);
            map[k] = j < 0 ? -1 : axis_source(j - lo1[a], n0[a], tf->padding_mode);
        }
    }
    ct_tensor *out = remap(x, &s, maps, h, maps + h, w, tf->fill);
    free(maps);
    return out;
}

static ct_tensor *horizontal_flip(const ct_transform *tf, ct_tensor *x, ct_sample_rng *rng)
{
    tf_shape s;
    if (tf_shape_of(x, "RandomHorizontalFlip", &s) < 0)
        return NULL;
    if (!rng)
        return ct_fail("RandomHorizontalFlip: no random number generator given"), NULL;
    if (!(ct_sample_rng_uniform(rng) < tf->p))
        return ct_retain(x);
    int64_t *maps = malloc(sizeof(int64_t) * (size_t)(s.height + s.width));
    if (!maps)
        return ct_fail("out of memory"), NULL;
    for (int64_t y = 0; y < s.height; y++)
        maps[y] = y;
    for (int64_t k = 0; k < s.width; k++)
        maps[s.height + k] = s.width - 1 - k;
    ct_tensor *out = remap(x, &s, maps, s.height, maps + s.height, s.width, 0);
    free(maps);
    return out;
}

/* Python's round(d / 2) for d >= 0: halves go to the even neighbour. */
static int64_t half_round_even(int64_t d)
{
    int64_t q = d / 2;
    return (d % 2 == 0 || q % 2 == 0) ? q : q + 1;
}

/* torchvision's center_crop: an axis smaller than the crop is padded with
 * zeros, (d // 2) before and the rest after. */
static ct_tensor *center_crop(const ct_transform *tf, ct_tensor *x)
{
    tf_shape s;
    if (tf_shape_of(x, "CenterCrop", &s) < 0)
        return NULL;
    int64_t h = tf->size[0], w = tf->size[1];
    if (h == s.height && w == s.width)
        return ct_retain(x);
    int64_t top = h > s.height ? -((h - s.height) / 2) : half_round_even(s.height - h);
    int64_t left = w > s.width ? -((w - s.width) / 2) : half_round_even(s.width - w);
    return tf_window(x, "CenterCrop", top, left, h, w, CT_PADDING_CONSTANT, 0);
}

static ct_tensor *resize(const ct_transform *tf, ct_tensor *x)
{
    tf_shape s;
    int64_t size[2];
    if (tf_shape_of(x, "Resize", &s) < 0 || tf_resize_size(tf, s.height, s.width, size) < 0)
        return NULL;
    if (size[0] == s.height && size[1] == s.width)
        return ct_retain(x);
    return tf_resize(x, "Resize", size[0], size[1], tf->antialias);
}

static int check_crop_size(const ct_transform *tf, const char *op)
{
    if (tf->size[0] < 1 || tf->size[1] < 1)
        return ct_fail("%s: size must be positive, got [%lld, %lld]", op, (long long)tf->size[0],
                       (long long)tf->size[1]);
    return 0;
}

int ct_transform_check(const ct_transform *tf, const char *op)
{
    if (!tf)
        return ct_fail("%s: no transform given", op);
    if ((unsigned)tf->kind >= CT_NUM_TRANSFORMS)
        return ct_fail("%s: unknown transform kind %d", op, (int)tf->kind);
    switch (tf->kind) {
    case CT_TRANSFORM_NORMALIZE:
        if (tf->n_channels < 1 || tf->n_channels > CT_TRANSFORM_MAX_CHANNELS)
            return ct_fail("%s: between 1 and %d means/stds expected, got %d", op, CT_TRANSFORM_MAX_CHANNELS,
                           tf->n_channels);
        for (int c = 0; c < tf->n_channels; c++)
            if (tf->std[c] == 0 || !isfinite(tf->std[c]) || !isfinite(tf->mean[c]))
                return ct_fail("%s: std must be finite and nonzero and mean finite (channel %d: mean %g, "
                               "std %g)", op, c + 1, tf->mean[c], tf->std[c]);
        return 0;
    case CT_TRANSFORM_RANDOM_CROP:
        for (int k = 0; k < 4; k++)
            if (tf->padding[k] < 0)
                return ct_fail("%s: padding must be >= 0, got [%lld, %lld, %lld, %lld]", op,
                               (long long)tf->padding[0], (long long)tf->padding[1], (long long)tf->padding[2],
                               (long long)tf->padding[3]);
        if ((unsigned)tf->padding_mode > CT_PADDING_SYMMETRIC)
            return ct_fail("%s: unknown padding mode %d", op, (int)tf->padding_mode);
        if (!isfinite(tf->fill))
            return ct_fail("%s: fill must be finite, got %g", op, tf->fill);
        return check_crop_size(tf, op);
    case CT_TRANSFORM_CENTER_CROP:
        return check_crop_size(tf, op);
    case CT_TRANSFORM_RANDOM_HORIZONTAL_FLIP:
        if (!(tf->p >= 0 && tf->p <= 1))
            return ct_fail("%s: p must be in [0, 1], got %g", op, tf->p);
        return 0;
    case CT_TRANSFORM_RESIZE:
        if (tf->size[0] < 1 || tf->size[1] == 0)
            return ct_fail("%s: size must be positive, got [%lld, %lld]", op, (long long)tf->size[0],
                           (long long)tf->size[1]);
        if (tf->max_size < 0 || (tf->max_size && tf->size[1] > 0))
            return ct_fail("%s: max_size is only for a size that gives the smaller edge (an integer), and "
                           "must be positive", op);
        if (tf->max_size && tf->max_size <= tf->size[0])
            return ct_fail("%s: max_size = %lld must be strictly greater than the requested size for the "
                           "smaller edge size = %lld", op, (long long)tf->max_size, (long long)tf->size[0]);
        return 0;
    default:
        return 0;
    }
}

ct_tensor *ct_transform_apply(const ct_transform *tf, ct_tensor *x, ct_sample_rng *rng)
{
    const char *name = tf ? tf_kind_name(tf->kind) : "transform";
    if (ct_transform_check(tf, name) < 0)
        return NULL;
    if (!x)
        return ct_fail("%s: no input given", name), NULL;
    switch (tf->kind) {
    case CT_TRANSFORM_TO_TENSOR:
        return to_tensor(x);
    case CT_TRANSFORM_NORMALIZE:
        return normalize(tf, x);
    case CT_TRANSFORM_RANDOM_CROP:
        return random_crop(tf, x, rng);
    case CT_TRANSFORM_RANDOM_HORIZONTAL_FLIP:
        return horizontal_flip(tf, x, rng);
    case CT_TRANSFORM_RESIZE:
        return resize(tf, x);
    case CT_TRANSFORM_CENTER_CROP:
        return center_crop(tf, x);
    default:
        return ct_fail("%s: unknown transform kind %d", name, (int)tf->kind), NULL;
    }
}
