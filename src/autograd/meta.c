/*
 * meta.c -- per-tensor autograd state.  The foundation tracks nothing yet, so
 * no tensor carries a meta; the autograd layer fills this in.
 */
#include "core/tensor.h"

void ct_autograd_meta_free(struct ct_autograd_meta *meta) { (void)meta; }
