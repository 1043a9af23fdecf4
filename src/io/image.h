/*
 * image.h -- PNG and JPEG codecs behind ct_image_read/ct_image_decode/
 * ct_image_write_png (not installed).
 *
 * A decoder turns the bytes of one file into a uint8 tensor [H, W, C] with
 * the file's own channels: 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA; image.c then
 * converts to what the caller asked for.  Errors read "<op>: <name> ...".
 */
#ifndef CT_IO_IMAGE_H
#define CT_IO_IMAGE_H

#include <stddef.h>

#include "ctorch.h"
#include "io/io.h"

/* The largest image decoded, in pixels: a header claiming more is taken for
 * a damaged one (PIL refuses images above about 179M pixels). */
#define CT_IMAGE_MAX_PIXELS ((int64_t)1 << 30)

/* png.c */
int ct_is_png(const unsigned char *bytes, size_t n);
ct_tensor *ct_png_decode(const unsigned char *bytes, size_t n, const char *op, const char *name);
/* Writes image (uint8 [H, W, C], C = 1..4, contiguous) as an 8-bit PNG to w. */
int ct_png_encode(ct_writer *w, const ct_tensor *image);

/* jpeg.c */
int ct_is_jpeg(const unsigned char *bytes, size_t n);
ct_tensor *ct_jpeg_decode(const unsigned char *bytes, size_t n, const char *op, const char *name);

#endif
