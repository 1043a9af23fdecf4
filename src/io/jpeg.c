/*
 * jpeg.c -- JPEG decoding with libjpeg(-turbo).
 *
 * libjpeg's default error handler prints and exits; ours formats the message
 * and longjmps back into ct_jpeg_decode, which destroys the decompressor and
 * frees the half-made image.  Data that ends early is only a warning to
 * libjpeg (it pads the image with gray); here it is an error, as in PIL.
 * Other warnings (stray bytes between markers) pass, as in PIL.
 *
 * Gray files decode to 1 channel, YCbCr/RGB to 3, CMYK/YCCK to 4 CMYK
 * samples that are turned into RGB the way PIL does: Adobe's inverted
 * convention (PIL assumes it for every CMYK JPEG), then R = (255 - K)(255 - C)/255.
 */
#include <setjmp.h>
#include <stdio.h> /* jpeglib.h needs FILE and size_t first */
#include <stdlib.h>
#include <string.h>

#include <jerror.h>
#include <jpeglib.h>

#include "io/image.h"

typedef struct jpeg_job {
    struct jpeg_error_mgr pub; /* first: libjpeg hands back a pointer to it */
    jmp_buf jmp;
    int truncated;
    char msg[JMSG_LENGTH_MAX];
} jpeg_job;

int ct_is_jpeg(const unsigned char *bytes, size_t n)
{
    return n >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF;
}

static void on_error_exit(j_common_ptr cinfo)
{
    jpeg_job *job = (jpeg_job *)cinfo->err;
    cinfo->err->format_message(cinfo, job->msg);
    longjmp(job->jmp, 1);
}

static void on_message(j_common_ptr cinfo, int level)
{
    if (level < 0 && cinfo->err->msg_code == JWRN_JPEG_EOF) {
        jpeg_job *job = (jpeg_job *)cinfo->err;
        job->truncated = 1;
        cinfo->err->format_message(cinfo, job->msg);
        longjmp(job->jmp, 1);
    }
}

static void print_nothing(j_common_ptr cinfo) { (void)cinfo; }

/* PIL's MULDIV255: a * b / 255, rounded, without a division. */
static unsigned muldiv255(unsigned a, unsigned b)
{
    unsigned t = a * b + 128;
    return ((t >> 8) + t) >> 8;
}

/* One row of inverted CMYK samples -> RGB (PIL's cmyk2rgb on "CMYK;I"). */
static void cmyk_row_to_rgb(const unsigned char *cmyk, unsigned char *rgb, size_t width)
{
    for (size_t x = 0; x < width; x++, cmyk += 4, rgb += 3) {
        unsigned nk = cmyk[3]; /* 255 - K, K being 255 - the stored sample */
        for (int c = 0; c < 3; c++)
            rgb[c] = (unsigned char)(nk - muldiv255(255u - cmyk[c], nk));
    }
}

ct_tensor *ct_jpeg_decode(const unsigned char *bytes, size_t n, const char *op, const char *name)
{
    struct jpeg_decompress_struct cinfo;
    jpeg_job job;
    memset(&cinfo, 0, sizeof cinfo);
    memset(&job, 0, sizeof job);
    cinfo.err = jpeg_std_error(&job.pub);
    job.pub.error_exit = on_error_exit;
    job.pub.emit_message = on_message;
    job.pub.output_message = print_nothing;
    /* changed after setjmp, read after a longjmp: volatile */
    ct_tensor *volatile image = NULL;
    unsigned char *volatile cmyk = NULL;
    if (setjmp(job.jmp)) {
        if (job.truncated)
            ct_fail("%s: %s is truncated (a JPEG that ends after %zu bytes)", op, name, n);
        else
            ct_fail("%s: %s is a damaged JPEG (%s)", op, name, job.msg);
        goto fail;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, bytes, (unsigned long)n);
    jpeg_read_header(&cinfo, TRUE);
    if ((int64_t)cinfo.image_width * (int64_t)cinfo.image_height > CT_IMAGE_MAX_PIXELS) {
        ct_fail("%s: %s: a JPEG of %lu x %lu pixels is larger than the %lld pixels allowed", op, name,
                (unsigned long)cinfo.image_width, (unsigned long)cinfo.image_height,
                (long long)CT_IMAGE_MAX_PIXELS);
        goto fail;
    }
    switch (cinfo.jpeg_color_space) {
    case JCS_GRAYSCALE: cinfo.out_color_space = JCS_GRAYSCALE; break;
    case JCS_CMYK:
    case JCS_YCCK: cinfo.out_color_space = JCS_CMYK; break;
    default: cinfo.out_color_space = JCS_RGB; break;
    }
    jpeg_start_decompress(&cinfo);
    int in_channels = cinfo.output_components;
    int channels = in_channels == 4 ? 3 : in_channels;
    if (channels != 1 && channels != 3) {
        ct_fail("%s: %s: unsupported JPEG with %d components", op, name, in_channels);
        goto fail;
    }
    size_t width = cinfo.output_width;
    int64_t sizes[3] = {(int64_t)cinfo.output_height, (int64_t)width, channels};
    image = ct_empty(3, sizes, CT_UINT8);
    if (in_channels == 4)
        cmyk = malloc(width * 4);
    if (!image || (in_channels == 4 && !cmyk)) {
        ct_fail("%s: %s: out of memory for a %zu x %lu image", op, name, width,
                (unsigned long)cinfo.output_height);
        goto fail;
    }
    unsigned char *data = ct_data_ptr(image);
    size_t rowbytes = width * (size_t)channels;
    while (cinfo.output_scanline < cinfo.output_height) {
        unsigned char *out = data + (size_t)cinfo.output_scanline * rowbytes;
        JSAMPROW row = cmyk ? cmyk : out;
        if (jpeg_read_scanlines(&cinfo, &row, 1) != 1) { /* only a suspending source returns 0 */
            job.truncated = 1;
            longjmp(job.jmp, 1);
        }
        if (cmyk)
            cmyk_row_to_rgb(cmyk, out, width);
    }
    jpeg_finish_decompress(&cinfo); /* reads on to the end marker */
    jpeg_destroy_decompress(&cinfo);
    free(cmyk);
    return image;
fail:
    jpeg_destroy_decompress(&cinfo);
    free(cmyk);
    ct_release(image);
    return NULL;
}
