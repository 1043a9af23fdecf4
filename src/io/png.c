/*
 * png.c -- PNG decoding and encoding with libpng.
 *
 * libpng reports an error by calling our error function, which must not
 * return: it keeps the message and longjmps back into the call that started
 * the work, which frees what it had made.  Every bit depth and colour type is
 * reduced to 8-bit gray, gray+alpha, RGB or RGBA: palettes are looked up,
 * 1/2/4-bit gray is scaled to 0..255, a tRNS chunk becomes an alpha channel,
 * and 16-bit samples keep their high byte (as PIL does for 16-bit RGB).
 * Gamma and colour profiles are ignored, as PIL and torchvision ignore them.
 */
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/image.h"

typedef struct png_job {
    jmp_buf jmp;
    char msg[256];              /* libpng's message */
    const unsigned char *bytes; /* decoding: the whole file */
    size_t n, pos;
    int truncated;              /* decoding ran past the end of bytes */
    ct_writer *w;               /* encoding: where the bytes go */
    int write_failed;           /* encoding: ct_writer has set the error */
} png_job;

static const unsigned char PNG_MAGIC[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

int ct_is_png(const unsigned char *bytes, size_t n)
{
    return n >= sizeof PNG_MAGIC && memcmp(bytes, PNG_MAGIC, sizeof PNG_MAGIC) == 0;
}

static void on_error(png_structp png, png_const_charp msg)
{
    png_job *job = png_get_error_ptr(png);
    snprintf(job->msg, sizeof job->msg, "%s", msg);
    longjmp(job->jmp, 1);
}

/* Warnings (a bad ancillary chunk, an unknown profile) are not worth a word. */
static void on_warning(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

static void read_bytes(png_structp png, png_bytep dst, size_t n)
{
    png_job *job = png_get_io_ptr(png);
    if (n > job->n - job->pos) {
        job->truncated = 1;
        png_error(png, "the data ends early");
    }
    memcpy(dst, job->bytes + job->pos, n);
    job->pos += n;
}

ct_tensor *ct_png_decode(const unsigned char *bytes, size_t n, const char *op, const char *name)
{
    png_job job;
    memset(&job, 0, sizeof job);
    job.bytes = bytes;
    job.n = n;
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &job, on_error, on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_read_struct(png ? &png : NULL, NULL, NULL);
        ct_fail("%s: %s: out of memory", op, name);
        return NULL;
    }
    /* changed after setjmp, read after a longjmp: volatile */
    ct_tensor *volatile image = NULL;
    png_bytep *volatile rows = NULL;
    if (setjmp(job.jmp)) {
        if (job.truncated)
            ct_fail("%s: %s is truncated (a PNG that ends after %zu bytes)", op, name, n);
        else
            ct_fail("%s: %s is a damaged PNG (%s)", op, name, job.msg);
        goto fail;
    }
    png_set_read_fn(png, &job, read_bytes);
    png_read_info(png, info);
    png_uint_32 width, height;
    int depth, color, interlace;
    png_get_IHDR(png, info, &width, &height, &depth, &color, &interlace, NULL, NULL);
    if ((int64_t)width * (int64_t)height > CT_IMAGE_MAX_PIXELS) {
        ct_fail("%s: %s: a PNG of %lu x %lu pixels is larger than the %lld pixels allowed", op, name,
                (unsigned long)width, (unsigned long)height, (long long)CT_IMAGE_MAX_PIXELS);
        goto fail;
    }
    if (depth == 16)
        png_set_strip_16(png);
    png_set_expand(png); /* palette -> RGB, gray 1/2/4 -> 8 bits, tRNS -> alpha */
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    int channels = png_get_channels(png, info);
    size_t rowbytes = png_get_rowbytes(png, info);
    if (channels < 1 || channels > 4 || rowbytes != (size_t)width * (size_t)channels) {
        ct_fail("%s: %s: unsupported PNG layout (%d channels, %zu bytes a row)", op, name, channels,
                rowbytes);
        goto fail;
    }
    int64_t sizes[3] = {(int64_t)height, (int64_t)width, channels};
    image = ct_empty(3, sizes, CT_UINT8);
    rows = malloc((size_t)height * sizeof *rows);
    if (!image || !rows) {
        ct_fail("%s: %s: out of memory for a %lu x %lu image", op, name, (unsigned long)width,
                (unsigned long)height);
        goto fail;
    }
    unsigned char *data = ct_data_ptr(image);
    for (png_uint_32 y = 0; y < height; y++)
        rows[y] = data + (size_t)y * rowbytes;
    png_read_image(png, rows);
    png_read_end(png, NULL); /* checks the chunks after the pixels, up to IEND */
    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    return image;
fail:
    free(rows);
    ct_release(image);
    png_destroy_read_struct(&png, &info, NULL);
    return NULL;
}

/* ---------------------------------------------------------------- encoding */

static void write_bytes(png_structp png, png_bytep p, size_t n)
{
    png_job *job = png_get_io_ptr(png);
    if (ct_writer_write(job->w, p, n) < 0) {
        job->write_failed = 1;
        png_error(png, "write failed");
    }
}

static void flush_nothing(png_structp png) { (void)png; } /* ct_writer_commit flushes */

int ct_png_encode(ct_writer *w, const ct_tensor *image)
{
    static const int COLOR_TYPES[5] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA,
                                       PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA};
    const int64_t *sizes = ct_sizes(image);
    int64_t height = sizes[0], width = sizes[1];
    int channels = (int)sizes[2];
    png_job job;
    memset(&job, 0, sizeof job);
    job.w = w;
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &job, on_error, on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!info) {
        png_destroy_write_struct(png ? &png : NULL, NULL);
        return ct_fail("%s: %s: out of memory", w->op, w->path);
    }
    if (setjmp(job.jmp)) {
        if (!job.write_failed)
            ct_fail("%s: cannot write %s as a PNG (%s)", w->op, w->path, job.msg);
        png_destroy_write_struct(&png, &info);
        return -1;
    }
    png_set_write_fn(png, &job, write_bytes, flush_nothing);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8, COLOR_TYPES[channels],
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    const unsigned char *data = ct_data_ptr(image);
    size_t rowbytes = (size_t)width * (size_t)channels;
    for (int64_t y = 0; y < height; y++)
        png_write_row(png, data + (size_t)y * rowbytes);
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    return 0;
}
