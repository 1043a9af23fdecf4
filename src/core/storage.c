/*
 * storage.c -- refcounted memory blocks and host allocation.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/tensor.h"

static atomic_int_fast64_t live_bytes;

int64_t ct_memory_live_bytes(void) { return atomic_load(&live_bytes); }

/* Large blocks are cached after use.  A training loop frees and reallocates
 * the same sizes every step; handing those back to glibc makes it trim the
 * heap and the next step page-faults the memory in again (about 2.5 ms per
 * 4 MB here).  The cache is small and bounded; it holds freed memory only. */
#define CT_CACHE_MIN_BYTES ((size_t)64 << 10)
#define CT_CACHE_MAX_BYTES ((size_t)256 << 20)
#define CT_CACHE_SLOTS 32

static struct {
    void *block;
    size_t nbytes;
} block_cache[CT_CACHE_SLOTS];
static size_t cached_bytes;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

static size_t round_to_page(size_t n) { return (n + 4095) & ~(size_t)4095; }

void *ct_alloc(size_t nbytes)
{
    if (nbytes >= CT_CACHE_MIN_BYTES) {
        size_t want = round_to_page(nbytes);
        pthread_mutex_lock(&cache_lock);
        for (int i = 0; i < CT_CACHE_SLOTS; i++)
            if (block_cache[i].block && block_cache[i].nbytes == want) {
                void *p = block_cache[i].block;
                block_cache[i].block = NULL;
                cached_bytes -= want;
                pthread_mutex_unlock(&cache_lock);
                return p;
            }
        pthread_mutex_unlock(&cache_lock);
        nbytes = want;
    }
    /* 64-byte alignment suits AVX-512 loads and keeps threads off shared cache lines */
    void *p = NULL;
    if (posix_memalign(&p, 64, nbytes ? nbytes : 1) != 0)
        return NULL;
    return p;
}

void ct_free(void *p, size_t nbytes)
{
    if (p && nbytes >= CT_CACHE_MIN_BYTES) {
        size_t n = round_to_page(nbytes);
        pthread_mutex_lock(&cache_lock);
        int slot = -1;
        for (int i = 0; i < CT_CACHE_SLOTS && slot < 0; i++)
            if (!block_cache[i].block)
                slot = i;
        if (slot >= 0 && cached_bytes + n <= CT_CACHE_MAX_BYTES) {
            block_cache[slot].block = p;
            block_cache[slot].nbytes = n;
            cached_bytes += n;
            p = NULL;
        }
        pthread_mutex_unlock(&cache_lock);
    }
    free(p);
}

void ct_empty_cache(void)
{
    pthread_mutex_lock(&cache_lock);
    for (int i = 0; i < CT_CACHE_SLOTS; i++) {
        free(block_cache[i].block);
        block_cache[i].block = NULL;
    }
    cached_bytes = 0;
    pthread_mutex_unlock(&cache_lock);
}

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
            ct_free(s->data, s->nbytes);
        atomic_fetch_sub(&live_bytes, (int64_t)s->nbytes);
    } else if (s->release) {
        s->release(s->data, s->release_ctx);
    }
    free(s);
}
