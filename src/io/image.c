/*
 * image.c -- reading, decoding and writing images: ct_image_read,
 * ct_image_decode, ct_image_write_png.
 *
 * The format is told by the first bytes, not the name (ImageNet has PNGs
 * named .JPEG).  The decoders give the file's own channels; the conversions
 * here follow PIL's Image.convert, so that an ImageFolder image equals
 * torchvision's PIL image: gray from colour is PIL's ITU-R 601-2 luma
 * L = R * 299/1000 + G * 587/1000 + B * 114/1000 in its 16-bit fixed-point
 * form, alpha is dropped (never composited) and added as 255.
 */
#include <stdlib.h>
#include <string.h>

#include "io/image.h"

/* ---------------------------------------------------------------- channel conversion */

/* PIL's L24(): the weights scaled by 65536, rounded. */
static unsigned char luma(const unsigned char *rgb)
{
    return (unsigned char)((rgb[0] * 19595u + rgb[1] * 38470u + rgb[2] * 7471u + 0x8000u) >> 16);
}

/* npix pixels of in_c channels (1 L, 2 LA, 3 RGB, 4 RGBA) -> out_c (1, 3, 4). */
static void convert_pixels(const unsigned char *src, int in_c, unsigned char *dst, int out_c,
                           size_t npix)
{
    for (size_t i = 0; i < npix; i++, src += in_c, dst += out_c) {
        int gray = in_c <= 2;
        unsigned char alpha = (in_c == 2 || in_c == 4) ? src[in_c - 1] : 255;
        if (out_c == 1) {
            dst[0] = gray ? src[0] : luma(src);
            continue;
        }
        for (int c = 0; c < 3; c++)
            dst[c] = gray ? src[0] : src[c];
        if (out_c == 4)
            dst[3] = alpha;
    }
}

/* The decoded image with `channels` channels (0: the file's, gray+alpha as RGBA). */
static ct_tensor *convert_channels(ct_tensor *decoded, int channels, const char *op, const char *name)
{
    const int64_t *sizes = ct_sizes(decoded);
    int in_c = (int)sizes[2];
    int out_c = channels ? channels : (in_c == 2 ? 4 : in_c);
    if (out_c == in_c)
        return decoded;
    int64_t out_sizes[3] = {sizes[0], sizes[1], out_c};
    ct_tensor *out = ct_empty(3, out_sizes, CT_UINT8);
    if (!out) {
        ct_release(decoded);
        ct_fail("%s: %s: out of memory converting a [%lld, %lld] image to %d channels", op, name,
                (long long)sizes[0], (long long)sizes[1], out_c);
        return NULL;
    }
    convert_pixels(ct_data_ptr(decoded), in_c, ct_data_ptr(out), out_c,
                   (size_t)sizes[0] * (size_t)sizes[1]);
    ct_release(decoded);
    return out;
}

/* ---------------------------------------------------------------- decoding */

static int check_channels(const char *op, int channels)
{
    if (channels == 0 || channels == 1 || channels == 3 || channels == 4)
        return 0;
    return ct_fail("%s: channels must be 0 (as stored), 1 (gray), 3 (RGB) or 4 (RGBA), got %d", op,
                   channels);
}

static ct_tensor *decode(const unsigned char *bytes, size_t n, const char *op, const char *name,
                         int channels)
{
    ct_tensor *decoded;
    if (ct_is_png(bytes, n)) {
        decoded = ct_png_decode(bytes, n, op, name);
    } else if (ct_is_jpeg(bytes, n)) {
        decoded = ct_jpeg_decode(bytes, n, op, name);
    } else if (n == 0) {
        ct_fail("%s: %s is empty (expected a PNG or JPEG image)", op, name);
        return NULL;
    } else {
        unsigned char head[4] = {0, 0, 0, 0};
        memcpy(head, bytes, n < 4 ? n : 4);
        ct_fail("%s: %s is not a PNG or JPEG image (it starts with %02x %02x %02x %02x)", op, name,
                head[0], head[1], head[2], head[3]);
        return NULL;
    }
    return decoded ? convert_channels(decoded, channels, op, name) : NULL;
}

ct_tensor *ct_image_decode(const void *bytes, size_t nbytes, const char *name, int channels)
{
    const char *op = "image_decode";
    if (!name)
        name = "<image bytes>";
    if (check_channels(op, channels) < 0)
        return NULL;
    if (!bytes && nbytes) {
        ct_fail("%s: %s: no bytes given", op, name);
        return NULL;
    }
    return decode(bytes ? bytes : (const void *)"", bytes ? nbytes : 0, op, name, channels);
}

ct_tensor *ct_image_read(const char *path, int channels)
{
    const char *op = "image_read";
    if (check_channels(op, channels) < 0)
        return NULL;
    ct_reader r;
    if (ct_reader_open(&r, op, path) < 0)
        return NULL;
    if (r.size > (uint64_t)SIZE_MAX / 2) {
        ct_fail("%s: %s is too large (%llu bytes)", op, path, (unsigned long long)r.size);
        ct_reader_close(&r);
        return NULL;
    }
    size_t n = (size_t)r.size;
    unsigned char *bytes = malloc(n ? n : 1);
    if (!bytes) {
        ct_fail("%s: out of memory reading %s (%zu bytes)", op, path, n);
        ct_reader_close(&r);
        return NULL;
    }
    ct_tensor *image = NULL;
    if (ct_reader_read(&r, 0, bytes, n, "image data") == 0)
        image = decode(bytes, n, op, path, channels);
    free(bytes);
    ct_reader_close(&r);
    return image;
}

/* ---------------------------------------------------------------- writing */

int ct_image_write_png(const char *path, ct_tensor *image)
{
    const char *op = "image_write_png";
    if (!image)
        return ct_fail("%s: no image given", op);
    char shape[128];
    ct_shape_str(image, shape, sizeof shape);
    int ndim = ct_ndim(image);
    const int64_t *sizes = ct_sizes(image);
    if (ct_device_of(image).type != CT_CPU)
        return ct_fail("%s: the image must be on the CPU", op);
    if (ct_dtype_of(image) != CT_UINT8)
        return ct_fail("%s: the image must be uint8 [H, W] or [H, W, C] (C = 1..4), got %s %s", op,
                       ct_dtype_name(ct_dtype_of(image)), shape);
    if ((ndim != 2 && ndim != 3) || (ndim == 3 && (sizes[2] < 1 || sizes[2] > 4)))
        return ct_fail("%s: the image must be [H, W] or [H, W, C] with C = 1..4, got %s", op, shape);
    if (sizes[0] < 1 || sizes[1] < 1 || sizes[0] > 0x7fffffff || sizes[1] > 0x7fffffff)
        return ct_fail("%s: a PNG needs 1 to 2^31 - 1 rows and columns, got %s", op, shape);
    ct_tensor *pixels = ct_contiguous(image);
    if (!pixels)
        return -1;
    if (ndim == 2) { /* [H, W] -> [H, W, 1]: a view of the contiguous copy */
        int64_t hwc[3] = {sizes[0], sizes[1], 1};
        ct_tensor *v = ct_view(pixels, 3, hwc);
        ct_release(pixels);
        if (!v)
            return -1;
        pixels = v;
    }
    ct_writer w;
    int rc = ct_writer_open(&w, op, path);
    if (rc == 0) {
        rc = ct_png_encode(&w, pixels);
        if (rc == 0)
            rc = ct_writer_commit(&w);
        else
            ct_writer_abort(&w);
    }
    ct_release(pixels);
    return rc;
}
