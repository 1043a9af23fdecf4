/*
 * idx.h -- the IDX format of MNIST and Fashion-MNIST (not installed).
 *
 * An IDX file is 00 00 <type> <ndim>, ndim big-endian u32 sizes, then the
 * values, big-endian and row-major.  Types: 0x08 unsigned byte (-> uint8),
 * 0x09 signed byte and 0x0B short (widened to int32), 0x0C int (int32),
 * 0x0D float (float32), 0x0E double (float64).
 */
#ifndef CT_IO_IDX_H
#define CT_IO_IDX_H

#include "ctorch.h"

/* Reads path, plain or gzip-compressed (recognised by its first bytes).
 * Checks the magic, the dims and the length of the data against the file; on
 * failure sets "<op>: <path> ..." and returns NULL. */
ct_tensor *ct_idx_load(const char *op, const char *path);

#endif
