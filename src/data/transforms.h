/*
 * transforms.h -- internals of the image transforms (transforms.c, resize.c),
 * shared with their Lua binding (lt_transforms.c) for the functional forms.
 *
 * Everything here is plain loops on one thread: the loader runs transforms
 * in its worker threads, so nothing may record autograd or fan out work.
 */
#ifndef CT_DATA_TRANSFORMS_H
#define CT_DATA_TRANSFORMS_H

#include "ctorch.h"

/* How a transform sees its input: an image (uint8 [H, W, C] or [H, W], the
 * channels of a pixel side by side) or a tensor image (float32/float64
 * [..., H, W]: planes of H x W). */
typedef struct tf_shape {
    int is_image;
    int64_t planes;   /* tensor image: product of the leading dims; image: 1 */
    int64_t height, width;
    int64_t channels; /* image: C (1 for [H, W]); tensor image: 1 */
} tf_shape;

/* Fills s, or fails "<op>: expected an image ..." for other dtypes/ranks
 * and for empty images. */
int tf_shape_of(ct_tensor *x, const char *op, tf_shape *s);
/* "uint8 [32, 32, 3]" into buf, for messages. */
const char *tf_describe(ct_tensor *x, char *buf, size_t n);

/* Transform kinds by name ("RandomCrop"), as torchvision calls them. */
const char *tf_kind_name(ct_transform_kind kind);
int tf_kind_from_name(const char *name); /* -1 if unknown */

/* The window of x with top-left corner (top, left) (0-based, either may be
 * negative) and size h x w; pixels outside x come from the padding mode
 * (constant: fill).  Functional crop and pad. */
ct_tensor *tf_window(ct_tensor *x, const char *op, int64_t top, int64_t left, int64_t h, int64_t w,
                     ct_padding_mode mode, double fill);

/* resize.c: the output size (height, width) of a Resize for an input of
 * height x width, torchvision's rule for the smaller-edge form. */
int tf_resize_size(const ct_transform *tf, int64_t height, int64_t width, int64_t out[2]);
/* Bilinear resize to h x w.  Images always take PIL's filter (antialiased
 * when shrinking, fixed-point, RGBA premultiplied); tensor images take it
 * when antialias is set, plain bilinear (align_corners=false) otherwise. */
ct_tensor *tf_resize(ct_tensor *x, const char *op, int64_t h, int64_t w, int antialias);

#endif
