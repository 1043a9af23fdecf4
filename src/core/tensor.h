/*
 * tensor.h -- the tensor and storage structs, and helpers shared by the core,
 * the kernels and the dispatch layer.  Not installed: embedders see only the
 * opaque types of ctorch.h.
 */
#ifndef CT_CORE_TENSOR_H
#define CT_CORE_TENSOR_H

#include <stdatomic.h>
#include <stdbool.h>

#include "ctorch.h"
#include "ops/raw.h" /* dispatch-level (non-recording) forms of differentiable ops */

/* Refcounted memory block.  Views of one storage share `version`, which
 * autograd bumps on every in-place write to detect stale saved tensors. */
typedef struct ct_storage {
    atomic_int refcount;
    void *data;
    size_t nbytes;
    ct_device device;
    bool owns_data; /* data came from ct_alloc */
    void (*release)(void *data, void *ctx); /* for wrapped memory; may be NULL */
    void *release_ctx;
    atomic_uint_fast64_t version;
} ct_storage;

struct ct_autograd_meta; /* defined by the autograd layer */

struct ct_tensor {
    atomic_int refcount;
    int ndim;
    ct_dtype dtype;
    ct_storage *storage;
    int64_t offset; /* in elements */
    int64_t sizes[CT_MAX_DIMS];
    int64_t strides[CT_MAX_DIMS]; /* in elements */
    bool is_view; /* shares another tensor's storage (made by a view op) */
    struct ct_autograd_meta *autograd; /* NULL unless autograd tracks it */
};

/* ---- storage.c */
ct_storage *ct_storage_new(size_t nbytes, ct_device device);
ct_storage *ct_storage_wrap(void *data, size_t nbytes, void (*release)(void *, void *), void *ctx);
void ct_storage_retain(ct_storage *s);
void ct_storage_release(ct_storage *s);

/* ---- tensor.c */
/* New tensor header over a storage (retains it); strides NULL = contiguous. */
ct_tensor *ct_tensor_new(ct_storage *s, int64_t offset, int ndim, const int64_t *sizes,
                         const int64_t *strides, ct_dtype dtype);
/* New header sharing t's storage, with new geometry. */
ct_tensor *ct_tensor_alias(const ct_tensor *t, int ndim, const int64_t *sizes,
                           const int64_t *strides, int64_t offset);
/* Contiguous output with t's shape (dtype given). */
ct_tensor *ct_empty_like(const ct_tensor *t, ct_dtype dtype);
static inline char *ct_tensor_data(const ct_tensor *t)
{
    return (char *)t->storage->data + t->offset * (int64_t)ct_dtype_size(t->dtype);
}
void ct_contiguous_strides(int ndim, const int64_t *sizes, int64_t *strides);
int64_t ct_shape_numel(int ndim, const int64_t *sizes);
/* Bumps the version counter shared by all views of t's storage. */
static inline void ct_tensor_bump_version(ct_tensor *t)
{
    atomic_fetch_add_explicit(&t->storage->version, 1, memory_order_relaxed);
}

/* ---- shape.c */
/* Wraps a possibly negative dim into [0, ndim); errors name the op. */
int ct_wrap_dim(const char *op, int dim, int ndim, int *out);
/* Broadcast shape of a and b; errors name the op and both shapes. */
int ct_broadcast_shape(const char *op, int ndim_a, const int64_t *sizes_a, int ndim_b,
                       const int64_t *sizes_b, int *ndim_out, int64_t *sizes_out);
/* Strides that make t look like it has the (broadcast) shape `sizes`. */
void ct_broadcast_strides(const ct_tensor *t, int ndim, const int64_t *sizes, int64_t *strides);
char *ct_sizes_str(int ndim, const int64_t *sizes, char *buf, size_t buflen);
/* Checks sizes are non-negative and the element count fits. */
int ct_check_sizes(const char *op, int ndim, const int64_t *sizes);
char *ct_device_str(ct_device d, char *buf, size_t buflen); /* "cpu", "cuda:0" */
int ct_check_same_device(const char *op, const ct_tensor *a, const ct_tensor *b);
/* Result dtype of a binary op, PyTorch style: 0-dim tensors only decide the category. */
ct_dtype ct_result_type(const ct_tensor *a, const ct_tensor *b);
ct_dtype ct_result_type_scalar(const ct_tensor *a, ct_scalar s);

/* ---- memory (storage.c): aligned host allocation */
void *ct_alloc(size_t nbytes);
void ct_free(void *p, size_t nbytes); /* nbytes as given to ct_alloc */

/* ---- scalars (dtype.c) */
/* Writes s converted to dtype into dst (ct_dtype_size(dtype) bytes). */
void ct_scalar_store(ct_scalar s, ct_dtype dtype, void *dst);
ct_scalar ct_scalar_load(ct_dtype dtype, const void *src);
/* Smallest dtype holding s: bool, int64 or the default float. */
ct_dtype ct_scalar_dtype(ct_scalar s);
/* float16/bfloat16 bit conversions */
float ct_half_to_float(uint16_t h);
uint16_t ct_float_to_half(float f);
float ct_bf16_to_float(uint16_t h);
uint16_t ct_float_to_bf16(float f);

#endif
