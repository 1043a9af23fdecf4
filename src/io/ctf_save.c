/*
 * ctf_save.c -- writing ctorch files: the tensor table, the storage plan and
 * the data (the value tree comes from the caller).
 *
 * Storage plan.  Tensors that share one storage in memory share one storage
 * record in the file (so views keep aliasing after a load): the record holds
 * the bytes the tensors use, from the lowest to the highest element any of
 * them reaches.  A storage used by one tensor alone is written the same way
 * when the tensor is contiguous or overlaps itself (expand: fewer bytes than
 * elements); one with gaps (a column slice, a transpose) is written as its
 * contiguous copy, so a small view of a big buffer costs only its own bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "io/ctf.h"

void ctf_saver_init(ctf_saver *s, const char *op)
{
    memset(s, 0, sizeof *s);
    s->op = op;
}

void ctf_saver_free(ctf_saver *s)
{
    for (size_t i = 0; i < s->ntensors; i++)
        ct_release(s->tensors[i]);
    free(s->tensors);
    free(s->slots);
    ct_buf_free(&s->tree);
    memset(s, 0, sizeof *s);
}

static size_t hash_ptr(const void *p, size_t nslots)
{
    uint64_t h = (uint64_t)(uintptr_t)p * 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 17) & (nslots - 1);
}

static int grow_slots(ctf_saver *s)
{
    size_t n = s->nslots ? s->nslots * 2 : 64;
    ctf_slot *slots = calloc(n, sizeof *slots);
    if (!slots)
        return ct_fail("%s: out of memory", s->op);
    for (size_t i = 0; i < s->nslots; i++)
        if (s->slots[i].key) {
            size_t h = hash_ptr(s->slots[i].key, n);
            while (slots[h].key)
                h = (h + 1) & (n - 1);
            slots[h] = s->slots[i];
        }
    free(s->slots);
    s->slots = slots;
    s->nslots = n;
    return 0;
}

int64_t ctf_saver_tensor(ctf_saver *s, ct_tensor *t)
{
    if (t->storage->device.type != CT_CPU) {
        char dev[32];
        return ct_fail("%s: cannot save a tensor on %s: this build cannot copy device memory to "
                       "the host (move it with :cpu() first)",
                       s->op, ct_device_str(t->storage->device, dev, sizeof dev));
    }
    if ((s->ntensors + 1) * 2 > s->nslots && grow_slots(s) < 0)
        return -1;
    size_t h = hash_ptr(t, s->nslots);
    while (s->slots[h].key) {
        if (s->slots[h].key == t)
            return (int64_t)s->slots[h].index;
        h = (h + 1) & (s->nslots - 1);
    }
    if (s->ntensors == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        ct_tensor **tensors = realloc(s->tensors, cap * sizeof *tensors);
        if (!tensors)
            return ct_fail("%s: out of memory", s->op);
        s->tensors = tensors;
        s->cap = cap;
    }
    s->slots[h].key = t;
    s->slots[h].index = s->ntensors;
    s->tensors[s->ntensors] = ct_retain(t);
    return (int64_t)s->ntensors++;
}

/* ---------------------------------------------------------------- the plan */

typedef struct plan_storage {
    const unsigned char *bytes; /* first byte to write */
    uint64_t nbytes;
    uint64_t offset;            /* in the data section */
    size_t elsize;              /* for byte order on big-endian hosts */
    ct_tensor *compact;         /* owned contiguous copy, or NULL */
    ct_device device;           /* where the tensors lived (recorded by name) */
} plan_storage;

typedef struct plan_tensor {
    uint64_t storage;
    int64_t offset; /* elements, within the storage record */
    const int64_t *strides;
    int64_t contiguous[CT_MAX_DIMS];
} plan_tensor;

typedef struct plan {
    plan_storage *storages;
    size_t nstorages;
    plan_tensor *tensors;
} plan;

static void plan_free(plan *p)
{
    if (p->storages)
        for (size_t i = 0; i < p->nstorages; i++)
            ct_release(p->storages[i].compact);
    free(p->storages);
    free(p->tensors);
}

/* lowest and highest element offsets t reaches (strides are non-negative in ctorch) */
static void reach(const ct_tensor *t, int64_t *lo, int64_t *hi)
{
    int64_t a = t->offset, b = t->offset;
    for (int d = 0; d < t->ndim; d++) {
        int64_t span = (t->sizes[d] - 1) * t->strides[d];
        if (span < 0)
            a += span;
        else
            b += span;
    }
    *lo = a;
    *hi = b;
}

typedef struct by_storage_key {
    uintptr_t storage;
    size_t index;
} by_storage_key;

static int by_storage(const void *x, const void *y)
{
    const by_storage_key *a = x, *b = y;
    if (a->storage != b->storage)
        return a->storage < b->storage ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

static plan_storage *new_storage(plan *p, const ct_tensor *t)
{
    plan_storage *ps = &p->storages[p->nstorages++];
    ps->device = t->storage->device;
    return ps;
}

/* Tensors order[a..b) share one storage. */
static int plan_group(ctf_saver *s, plan *p, const size_t *order, size_t a, size_t b)
{
    ct_tensor **ts = s->tensors;
    size_t nonempty = 0, last = 0;
    for (size_t k = a; k < b; k++) {
        ct_tensor *t = ts[order[k]];
        plan_tensor *pt = &p->tensors[order[k]];
        if (ct_numel(t) > 0) {
            nonempty++;
            last = order[k];
            continue;
        }
        /* an empty tensor needs no bytes: a storage record of its own */
        plan_storage *ps = new_storage(p, t);
        ps->elsize = ct_dtype_size(t->dtype);
        pt->storage = p->nstorages - 1;
        pt->offset = 0;
        ct_contiguous_strides(t->ndim, t->sizes, pt->contiguous);
        pt->strides = pt->contiguous;
    }
    if (nonempty == 0)
        return 0;
    if (nonempty == 1 && !ct_is_contiguous(ts[last])) {
        ct_tensor *t = ts[last];
        int64_t lo, hi;
        reach(t, &lo, &hi);
        if (hi - lo + 1 >= ct_numel(t)) { /* has gaps: write its contiguous copy */
            ct_tensor *c = ct_raw_contiguous(t);
            if (!c)
                return -1;
            plan_storage *ps = new_storage(p, t);
            ps->compact = c;
            ps->bytes = (const unsigned char *)ct_tensor_data(c);
            ps->elsize = ct_dtype_size(c->dtype);
            ps->nbytes = (uint64_t)ct_numel(c) * ps->elsize;
            plan_tensor *pt = &p->tensors[last];
            pt->storage = p->nstorages - 1;
            pt->offset = 0;
            ct_contiguous_strides(t->ndim, t->sizes, pt->contiguous);
            pt->strides = pt->contiguous;
            return 0;
        }
    }
    /* the bytes the group uses, starting at a multiple of every element size */
    int64_t lo_b = INT64_MAX, hi_b = 0;
    size_t max_el = 1, min_el = 8;
    for (size_t k = a; k < b; k++) {
        ct_tensor *t = ts[order[k]];
        if (ct_numel(t) == 0)
            continue;
        int64_t e = (int64_t)ct_dtype_size(t->dtype), lo, hi;
        reach(t, &lo, &hi);
        if (lo * e < lo_b)
            lo_b = lo * e;
        if ((hi + 1) * e > hi_b)
            hi_b = (hi + 1) * e;
        if ((size_t)e > max_el)
            max_el = (size_t)e;
        if ((size_t)e < min_el)
            min_el = (size_t)e;
    }
    lo_b -= lo_b % (int64_t)max_el;
    plan_storage *ps = new_storage(p, ts[last]);
    ct_storage *st = ts[last]->storage;
    ps->bytes = (const unsigned char *)st->data + lo_b;
    ps->nbytes = (uint64_t)(hi_b - lo_b);
    ps->elsize = min_el == max_el ? max_el : 1; /* mixed dtypes: bytes as they are */
    for (size_t k = a; k < b; k++) {
        ct_tensor *t = ts[order[k]];
        if (ct_numel(t) == 0)
            continue;
        int64_t e = (int64_t)ct_dtype_size(t->dtype);
        plan_tensor *pt = &p->tensors[order[k]];
        pt->storage = p->nstorages - 1;
        pt->offset = (t->offset * e - lo_b) / e;
        pt->strides = t->strides;
    }
    return 0;
}

static int make_plan(ctf_saver *s, plan *p)
{
    size_t n = s->ntensors;
    memset(p, 0, sizeof *p);
    /* at most one storage record per tensor */
    p->storages = calloc(n ? n : 1, sizeof *p->storages);
    p->tensors = calloc(n ? n : 1, sizeof *p->tensors);
    size_t *order = malloc((n ? n : 1) * sizeof *order);
    by_storage_key *keys = malloc((n ? n : 1) * sizeof *keys);
    if (!p->storages || !p->tensors || !order || !keys) {
        free(order);
        free(keys);
        return ct_fail("%s: out of memory", s->op);
    }
    for (size_t i = 0; i < n; i++) {
        keys[i].storage = (uintptr_t)s->tensors[i]->storage;
        keys[i].index = i;
    }
    qsort(keys, n, sizeof *keys, by_storage);
    for (size_t i = 0; i < n; i++)
        order[i] = keys[i].index;
    free(keys);
    int rc = 0;
    for (size_t a = 0; a < n && rc == 0;) {
        size_t b = a + 1;
        while (b < n && s->tensors[order[b]]->storage == s->tensors[order[a]]->storage)
            b++;
        rc = plan_group(s, p, order, a, b);
        a = b;
    }
    free(order);
    uint64_t offset = 0;
    for (size_t i = 0; i < p->nstorages; i++) {
        p->storages[i].offset = offset;
        offset += (p->storages[i].nbytes + CTF_ALIGN - 1) / CTF_ALIGN * CTF_ALIGN;
    }
    return rc;
}

/* ---------------------------------------------------------------- writing */

static int encode_tables(ctf_saver *s, const plan *p, ct_buf *meta)
{
    int rc = ct_buf_u64(meta, p->nstorages);
    for (size_t i = 0; i < p->nstorages && rc == 0; i++) {
        rc |= ct_buf_u64(meta, p->storages[i].offset);
        rc |= ct_buf_u64(meta, p->storages[i].nbytes);
        char dev[32];
        ct_device_str(p->storages[i].device, dev, sizeof dev);
        rc |= ct_buf_u32(meta, (uint32_t)strlen(dev));
        rc |= ct_buf_put(meta, dev, strlen(dev));
    }
    rc |= ct_buf_u64(meta, s->ntensors);
    for (size_t i = 0; i < s->ntensors && rc == 0; i++) {
        ct_tensor *t = s->tensors[i];
        const plan_tensor *pt = &p->tensors[i];
        uint8_t flags = ct_requires_grad(t) && ct_is_leaf(t) ? CTF_REQUIRES_GRAD : 0;
        rc |= ct_buf_u64(meta, pt->storage);
        rc |= ct_buf_u8(meta, (uint8_t)t->dtype);
        rc |= ct_buf_u8(meta, flags);
        rc |= ct_buf_u8(meta, (uint8_t)t->ndim);
        rc |= ct_buf_u8(meta, 0);
        rc |= ct_buf_i64(meta, pt->offset);
        for (int d = 0; d < t->ndim; d++)
            rc |= ct_buf_i64(meta, t->sizes[d]);
        for (int d = 0; d < t->ndim; d++)
            rc |= ct_buf_i64(meta, pt->strides[d]);
    }
    return rc ? -1 : 0;
}

static int write_file(ctf_saver *s, const plan *p, const ct_buf *meta, const char *path)
{
    uint64_t meta_len = meta->len + s->tree.len;
    uint64_t data_len = 0;
    if (p->nstorages > 0) {
        const plan_storage *lastp = &p->storages[p->nstorages - 1];
        data_len = lastp->offset + lastp->nbytes;
    }
    unsigned char header[CTF_HEADER_BYTES];
    memcpy(header, CTF_MAGIC, 8);
    ct_put_le_u32(header + 8, CTF_VERSION);
    ct_put_le_u32(header + 12, 0);
    ct_put_le_u64(header + 16, meta_len);
    ct_put_le_u64(header + 24, data_len);

    ct_writer w;
    if (ct_writer_open(&w, s->op, path) < 0)
        return -1;
    uint64_t end_meta = CTF_HEADER_BYTES + meta_len;
    uint64_t data_start = (end_meta + CTF_ALIGN - 1) / CTF_ALIGN * CTF_ALIGN;
    if (ct_writer_write(&w, header, sizeof header) < 0 || ct_writer_write(&w, meta->data, meta->len) < 0 ||
        ct_writer_write(&w, s->tree.data, s->tree.len) < 0 ||
        ct_writer_zeros(&w, (size_t)(data_start - end_meta)) < 0)
        goto fail;
    uint64_t at = 0; /* position in the data section */
    for (size_t i = 0; i < p->nstorages; i++) {
        const plan_storage *ps = &p->storages[i];
        if (ct_writer_zeros(&w, (size_t)(ps->offset - at)) < 0 ||
            ct_writer_write_le(&w, ps->bytes, (size_t)(ps->nbytes / ps->elsize), ps->elsize) < 0)
            goto fail;
        at = ps->offset + ps->nbytes;
    }
    return ct_writer_commit(&w);
fail:
    ct_writer_abort(&w);
    return -1;
}

int ctf_saver_write(ctf_saver *s, const char *path)
{
    plan p;
    ct_buf meta = {0};
    int rc = make_plan(s, &p);
    if (rc == 0)
        rc = encode_tables(s, &p, &meta);
    if (rc == 0)
        rc = write_file(s, &p, &meta, path);
    ct_buf_free(&meta);
    plan_free(&p);
    return rc;
}
