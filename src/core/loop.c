/*
 * loop.c -- the strided N-d elementwise loop (see loop.h).
 */
#include <string.h>

#include "core/loop.h"

void ct_loop_begin(ct_loop *loop, int ndim, const int64_t *sizes)
{
    loop->noperands = 0;
    loop->numel = ct_shape_numel(ndim, sizes);
    if (ndim == 0) { /* a 0-dim loop is a 1-element 1-D loop */
        loop->ndim = 1;
        loop->sizes[0] = 1;
    } else {
        loop->ndim = ndim;
        memcpy(loop->sizes, sizes, sizeof(int64_t) * (size_t)ndim);
    }
}

void ct_loop_add_raw(ct_loop *loop, void *data, const int64_t *elem_strides, size_t elsize)
{
    int k = loop->noperands++;
    loop->data[k] = data;
    for (int i = 0; i < loop->ndim; i++)
        loop->strides[k][i] = elem_strides ? elem_strides[i] * (int64_t)elsize : 0;
}

void ct_loop_add(ct_loop *loop, const ct_tensor *t)
{
    int64_t strides[CT_MAX_DIMS];
    if (t->ndim == 0 && loop->ndim == 1 && loop->sizes[0] == 1)
        strides[0] = 0;
    else
        ct_broadcast_strides(t, loop->ndim, loop->sizes, strides);
    ct_loop_add_raw(loop, ct_tensor_data(t), strides, ct_dtype_size(t->dtype));
}

void ct_loop_finish(ct_loop *loop)
{
    /* Drop size-1 dims, then merge dim i into dim i-1 where every operand
     * steps through them as one: stride[i-1] == stride[i] * size[i]. */
    int n = 0;
    for (int i = 0; i < loop->ndim; i++) {
        if (loop->sizes[i] == 1 && loop->ndim > 1)
            continue;
        loop->sizes[n] = loop->sizes[i];
        for (int k = 0; k < loop->noperands; k++)
            loop->strides[k][n] = loop->strides[k][i];
        n++;
    }
    if (n == 0) {
        n = 1;
        loop->sizes[0] = 1;
        for (int k = 0; k < loop->noperands; k++)
            loop->strides[k][0] = 0;
    }
    int out = 0;
    for (int i = 1; i < n; i++) {
        int mergeable = 1;
        for (int k = 0; k < loop->noperands; k++)
            if (loop->strides[k][out] != loop->strides[k][i] * loop->sizes[i])
                mergeable = 0;
        if (mergeable) {
            loop->sizes[out] *= loop->sizes[i];
            for (int k = 0; k < loop->noperands; k++)
                loop->strides[k][out] = loop->strides[k][i];
        } else {
            out++;
            loop->sizes[out] = loop->sizes[i];
            for (int k = 0; k < loop->noperands; k++)
                loop->strides[k][out] = loop->strides[k][i];
        }
    }
    loop->ndim = out + 1;
}

void ct_loop_out_in(ct_loop *loop, const ct_tensor *out, const ct_tensor *in)
{
    ct_loop_begin(loop, in->ndim, in->sizes);
    ct_loop_add(loop, out);
    ct_loop_add(loop, in);
    ct_loop_finish(loop);
}

void ct_loop_run_range(const ct_loop *loop, ct_loop_fn fn, void *ctx, int64_t begin, int64_t end)
{
    if (begin >= end || loop->numel == 0)
        return;
    int nd = loop->ndim, nops = loop->noperands;
    int64_t inner = loop->sizes[nd - 1];
    int64_t coord[CT_MAX_DIMS];
    char *ptr[CT_LOOP_MAX_OPERANDS];
    int64_t inner_strides[CT_LOOP_MAX_OPERANDS];
    for (int k = 0; k < nops; k++)
        inner_strides[k] = loop->strides[k][nd - 1];

    /* coordinates of `begin` */
    int64_t rem = begin;
    for (int i = nd - 1; i >= 0; i--) {
        coord[i] = rem % loop->sizes[i];
        rem /= loop->sizes[i];
    }
    int64_t idx = begin;
    while (idx < end) {
        for (int k = 0; k < nops; k++) {
            char *p = loop->data[k];
            for (int i = 0; i < nd; i++)
                p += coord[i] * loop->strides[k][i];
            ptr[k] = p;
        }
        int64_t n = inner - coord[nd - 1];
        if (n > end - idx)
            n = end - idx;
        fn(ctx, ptr, inner_strides, n);
        idx += n;
        coord[nd - 1] += n;
        for (int i = nd - 1; i > 0 && coord[i] >= loop->sizes[i]; i--) {
            coord[i] = 0;
            coord[i - 1]++;
        }
    }
}

typedef struct {
    const ct_loop *loop;
    ct_loop_fn fn;
    void *ctx;
} loop_job;

static void loop_job_range(void *arg, int64_t begin, int64_t end)
{
    loop_job *job = arg;
    ct_loop_run_range(job->loop, job->fn, job->ctx, begin, end);
}

void ct_loop_run(const ct_loop *loop, ct_loop_fn fn, void *ctx)
{
    if (loop->numel == 0)
        return;
    if (loop->numel < 2 * CT_PARALLEL_GRAIN) {
        ct_loop_run_range(loop, fn, ctx, 0, loop->numel);
        return;
    }
    loop_job job = {loop, fn, ctx};
    ct_parallel_for(loop->numel, CT_PARALLEL_GRAIN, loop_job_range, &job);
}
