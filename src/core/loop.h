/*
 * loop.h -- the strided N-d loop every elementwise kernel runs on, and the
 * thread pool that splits it.
 *
 * An elementwise kernel is written as an inner-loop function over n elements
 * with byte strides (one per operand), as NumPy's ufunc loops are.  ct_loop
 * coalesces dims that are contiguous in every operand, so the inner function
 * mostly sees long unit-stride runs, and splits big loops across threads.
 */
#ifndef CT_CORE_LOOP_H
#define CT_CORE_LOOP_H

#include "core/tensor.h"

#define CT_LOOP_MAX_OPERANDS 6 /* the optimizer steps run 5 (param, grad, three state tensors) */
/* Elements below which a loop stays on the calling thread. */
#define CT_PARALLEL_GRAIN 32768

typedef struct ct_loop {
    int noperands;
    int ndim; /* dims ordered outermost first; ndim >= 1 */
    int64_t numel;
    int64_t sizes[CT_MAX_DIMS];
    int64_t strides[CT_LOOP_MAX_OPERANDS][CT_MAX_DIMS]; /* bytes */
    char *data[CT_LOOP_MAX_OPERANDS];
} ct_loop;

/* Inner loop: data[k] points at operand k's first element, strides[k] is its
 * byte stride, n the element count. */
typedef void (*ct_loop_fn)(void *ctx, char **data, const int64_t *strides, int64_t n);

/* Starts a loop over the shape (ndim, sizes); operands are added next. */
void ct_loop_begin(ct_loop *loop, int ndim, const int64_t *sizes);
/* Adds a tensor operand, broadcast to the loop's shape (the caller has checked it broadcasts). */
void ct_loop_add(ct_loop *loop, const ct_tensor *t);
/* Adds a raw operand: data with per-dim element strides (NULL: all 0, a scalar). */
void ct_loop_add_raw(ct_loop *loop, void *data, const int64_t *elem_strides, size_t elsize);
/* Coalesces dims; call after the last add. */
void ct_loop_finish(ct_loop *loop);
/* The common one-input shape: out and in over in's shape (out must match it). */
void ct_loop_out_in(ct_loop *loop, const ct_tensor *out, const ct_tensor *in);
/* Runs fn over every element, on several threads when the loop is large. */
void ct_loop_run(const ct_loop *loop, ct_loop_fn fn, void *ctx);
/* Runs fn over the linear element range [begin, end) of the loop. */
void ct_loop_run_range(const ct_loop *loop, ct_loop_fn fn, void *ctx, int64_t begin, int64_t end);

/* ---- parallel.c */
typedef void (*ct_range_fn)(void *ctx, int64_t begin, int64_t end);
/* Calls fn on disjoint ranges covering [0, n), in parallel when n >= grain and
 * more than one thread is configured.  Nested or concurrent calls run serially. */
void ct_parallel_for(int64_t n, int64_t grain, ct_range_fn fn, void *ctx);

#endif
