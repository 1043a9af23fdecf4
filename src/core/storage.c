/*
 * storage.c -- refcounted memory blocks and host allocation.
 */
#include <stdlib.h>
#include <string.h>

#include "core/tensor.h"

static atomic_int_fast64_t live_bytes;

int64_t ct_memory_live_bytes(void) { return atomic_load(&live_bytes); }

void *ct_alloc(size_t nbytes)
{
    /* 64-byte alignment suits AVX-512 loads and keeps threads off shared cache lines */
    void *p = NULL;
    if (posix_memalign(&p, 64, nbytes ? nbytes : 1) != 0)
        return NULL;
    return p;
}

void ct_free(void *p) { free(p); }

static ct_storage *storage_header(void)
{
    ct_storage *s = malloc(sizeof *s);
    if (!s) {
        ct_fail("out of memory allocating a storage header");
        return NULL;
    }
    atomic_init(&s->refcount, 1);
    atomic_init(&s->version, 0);
    s->device = (ct_device){CT_CPU, -1};
    s->owns_data = false;
    s->release = NULL;
    s->release_ctx = NULL;
    return s;
}

/* Small tensors dominate per-op overhead: their bytes live in the same block
 * as the header (one malloc, served from glibc's per-thread cache); large
 * ones get a separate 64-byte aligned block. */
#define CT_INLINE_STORAGE_BYTES 1024
#define CT_STORAGE_HEADER_BYTES ((sizeof(ct_storage) + 63) & ~(size_t)63)

ct_storage *ct_storage_new(size_t nbytes, ct_device device)
{
    if (device.type != CT_CPU) {
        ct_fail("device cuda:%d is not available in this build", device.index);
        return NULL;
    }
    if (nbytes <= CT_INLINE_STORAGE_BYTES) {
        ct_storage *s = malloc(CT_STORAGE_HEADER_BYTES + (nbytes ? nbytes : 1));
        if (!s) {
            ct_fail("out of memory: cannot allocate %zu bytes", nbytes);
            return NULL;
        }
        atomic_init(&s->refcount, 1);
        atomic_init(&s->version, 0);
        s->device = device;
        s->release = NULL;
        s->release_ctx = NULL;
        s->owns_data = true;
        s->data = (char *)s + CT_STORAGE_HEADER_BYTES;
        s->nbytes = nbytes;
        atomic_fetch_add(&live_bytes, (int64_t)nbytes);
        return s;
    }
    ct_storage *s = storage_header();
    if (!s)
        return NULL;
    s->data = ct_alloc(nbytes);
    if (!s->data) {
        free(s);
        ct_fail("out of memory: cannot allocate %zu bytes", nbytes);
        return NULL;
    }
    s->nbytes = nbytes;
    s->owns_data = true;
    atomic_fetch_add(&live_bytes, (int64_t)nbytes);
    return s;
}

ct_storage *ct_storage_wrap(void *data, size_t nbytes, void (*release)(void *, void *), void *ctx)
{
    ct_storage *s = storage_header();
    if (!s)
        return NULL;
    s->data = data;
    s->nbytes = nbytes;
    s->release = release;
    s->release_ctx = ctx;
    return s;
}

void ct_storage_retain(ct_storage *s) { atomic_fetch_add_explicit(&s->refcount, 1, memory_order_relaxed); }

void ct_storage_release(ct_storage *s)
{
    if (!s || atomic_fetch_sub_explicit(&s->refcount, 1, memory_order_acq_rel) != 1)
        return;
    if (s->owns_data) {
        if (s->data != (char *)s + CT_STORAGE_HEADER_BYTES)
            ct_free(s->data);
        atomic_fetch_sub(&live_bytes, (int64_t)s->nbytes);
    } else if (s->release) {
        s->release(s->data, s->release_ctx);
    }
    free(s);
}
