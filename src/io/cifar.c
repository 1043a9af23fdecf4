/*
 * cifar.c -- CIFAR-10's binary batches (data_batch_1.bin ... test_batch.bin).
 *
 * A batch is a run of 3073-byte records: the label (0..9), then the 32x32
 * red plane, green plane and blue plane, row-major.  The planes are
 * interleaved into [N, 32, 32, 3] here, the layout of an image (and of
 * torchvision's CIFAR10.data).  The file is read a block of records at a
 * time, so no second copy of a whole batch is held.
 */
#include <stdlib.h>

#include "io/io.h"

#define CIFAR_SIDE 32
#define CIFAR_PLANE (CIFAR_SIDE * CIFAR_SIDE)
#define CIFAR_RECORD (1 + 3 * CIFAR_PLANE)
#define CIFAR_CLASSES 10
#define CIFAR_BLOCK 256 /* records read at once */

int ct_cifar10_load(const char *path, ct_tensor **images, ct_tensor **labels)
{
    const char *op = "CIFAR10";
    *images = *labels = NULL;
    ct_reader r;
    if (ct_reader_open(&r, op, path) < 0)
        return -1;
    if (r.size == 0 || r.size % CIFAR_RECORD != 0) {
        ct_fail("%s: %s is not a CIFAR-10 batch (%llu bytes is not a whole number of %d-byte records%s)",
                op, path, (unsigned long long)r.size, CIFAR_RECORD,
                r.size > CIFAR_RECORD ? ": truncated?" : "");
        ct_reader_close(&r);
        return -1;
    }
    int64_t n = (int64_t)(r.size / CIFAR_RECORD);
    int64_t image_sizes[4] = {n, CIFAR_SIDE, CIFAR_SIDE, 3};
    ct_tensor *im = ct_empty(4, image_sizes, CT_UINT8);
    ct_tensor *lab = ct_empty(1, &n, CT_INT64);
    unsigned char *block = malloc((size_t)CIFAR_BLOCK * CIFAR_RECORD);
    if (!im || !lab || !block) {
        ct_fail("%s: out of memory reading %s (%lld images)", op, path, (long long)n);
        goto fail;
    }
    unsigned char *pixels = ct_data_ptr(im);
    int64_t *label_out = ct_data_ptr(lab);
    for (int64_t first = 0; first < n; first += CIFAR_BLOCK) {
        int64_t count = n - first < CIFAR_BLOCK ? n - first : CIFAR_BLOCK;
        if (ct_reader_read(&r, (uint64_t)first * CIFAR_RECORD, block, (size_t)count * CIFAR_RECORD,
                           "records") < 0)
            goto fail;
        for (int64_t k = 0; k < count; k++) {
            const unsigned char *rec = block + (size_t)k * CIFAR_RECORD;
            if (rec[0] >= CIFAR_CLASSES) {
                ct_fail("%s: %s is not a CIFAR-10 batch (record %lld, at byte %llu, has label %d; "
                        "labels are 0..9)",
                        op, path, (long long)(first + k + 1),
                        (unsigned long long)(first + k) * CIFAR_RECORD, rec[0]);
                goto fail;
            }
            label_out[first + k] = rec[0];
            const unsigned char *red = rec + 1, *green = red + CIFAR_PLANE, *blue = green + CIFAR_PLANE;
            unsigned char *out = pixels + (size_t)(first + k) * 3 * CIFAR_PLANE;
            for (int p = 0; p < CIFAR_PLANE; p++, out += 3) {
                out[0] = red[p];
                out[1] = green[p];
                out[2] = blue[p];
            }
        }
    }
    free(block);
    ct_reader_close(&r);
    *images = im;
    *labels = lab;
    return 0;
fail:
    free(block);
    ct_release(im);
    ct_release(lab);
    ct_reader_close(&r);
    return -1;
}
