/*
 * ctf_load.c -- reading ctorch files: header, storage table, tensor table and
 * data.  Every count and length is checked against what the file holds before
 * it is used, and every tensor's geometry against its storage, so a damaged or
 * hostile file is an error naming the file, never a crash or a huge
 * allocation.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/ctf.h"

typedef struct storage_rec {
    uint64_t offset, nbytes;
    ct_device device;
} storage_rec;

typedef struct tensor_rec {
    uint64_t storage;
    ct_dtype dtype;
    int requires_grad;
    int ndim;
    int64_t offset;
    int64_t sizes[CT_MAX_DIMS], strides[CT_MAX_DIMS];
} tensor_rec;

void ctf_file_free(ctf_file *f)
{
    if (f->tensors)
        for (uint64_t i = 0; i < f->ntensors; i++)
            ct_release(f->tensors[i]);
    free(f->tensors);
    free(f->meta);
    ct_reader_close(&f->reader);
    f->tensors = NULL;
    f->meta = NULL;
    f->ntensors = 0;
}

static int parse_device(ct_cursor *c, const unsigned char *s, uint32_t n, ct_device *out)
{
    if (n == 3 && memcmp(s, "cpu", 3) == 0) {
        *out = (ct_device){CT_CPU, -1};
        return 0;
    }
    if (n >= 4 && memcmp(s, "cuda", 4) == 0) {
        int index = 0;
        if (n > 4) {
            if (s[4] != ':' || n == 5 || n > 9)
                return ct_cursor_fail(c, "unknown device name");
            for (uint32_t i = 5; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                    return ct_cursor_fail(c, "unknown device name");
                index = index * 10 + (s[i] - '0');
            }
        }
        *out = (ct_device){CT_CUDA, index};
        return 0;
    }
    return ct_cursor_fail(c, "unknown device name");
}

static int read_storages(ct_cursor *c, uint64_t data_len, uint64_t *count, storage_rec **out)
{
    uint64_t n;
    if (ct_cursor_u64(c, &n, "the storage count") < 0)
        return -1;
    /* each record takes at least 20 bytes */
    if (n > ct_cursor_left(c) / 20)
        return ct_cursor_fail(c, "%llu storages cannot fit in the %zu bytes left", (unsigned long long)n,
                              ct_cursor_left(c));
    storage_rec *recs = calloc(n ? n : 1, sizeof *recs);
    if (!recs)
        return ct_fail("out of memory");
    for (uint64_t i = 0; i < n; i++) {
        uint32_t devlen;
        const unsigned char *dev;
        if (ct_cursor_u64(c, &recs[i].offset, "a storage offset") < 0 ||
            ct_cursor_u64(c, &recs[i].nbytes, "a storage length") < 0 ||
            ct_cursor_u32(c, &devlen, "a device name length") < 0)
            goto fail;
        if (devlen > 16) {
            ct_cursor_fail(c, "a device name of %u bytes", devlen);
            goto fail;
        }
        if (ct_cursor_bytes(c, devlen, &dev, "a device name") < 0 ||
            parse_device(c, dev, devlen, &recs[i].device) < 0)
            goto fail;
        if (recs[i].offset % CTF_ALIGN != 0 || recs[i].offset > data_len ||
            recs[i].nbytes > data_len - recs[i].offset) {
            ct_cursor_fail(c, "storage %llu claims bytes %llu..%llu of a data section of %llu bytes",
                           (unsigned long long)i + 1, (unsigned long long)recs[i].offset,
                           (unsigned long long)(recs[i].offset + recs[i].nbytes),
                           (unsigned long long)data_len);
            goto fail;
        }
    }
    *count = n;
    *out = recs;
    return 0;
fail:
    free(recs);
    return -1;
}

/* Checks one tensor record against its storage: sizes, strides and offset
 * must stay inside the storage's bytes (with overflow-safe arithmetic). */
static int check_tensor(ct_cursor *c, uint64_t i, const tensor_rec *t, const storage_rec *s)
{
    unsigned long long k = (unsigned long long)i + 1;
    int64_t e = (int64_t)ct_dtype_size(t->dtype);
    int64_t numel = 1;
    for (int d = 0; d < t->ndim; d++) {
        if (t->sizes[d] < 0)
            return ct_cursor_fail(c, "tensor %llu has a negative size", k);
        if (t->strides[d] < 0)
            return ct_cursor_fail(c, "tensor %llu has a negative stride", k);
        if (t->sizes[d] > 0 && numel > INT64_MAX / e / t->sizes[d])
            return ct_cursor_fail(c, "tensor %llu has too many elements", k);
        numel *= t->sizes[d];
    }
    if (t->offset < 0)
        return ct_cursor_fail(c, "tensor %llu has a negative offset", k);
    int64_t last = t->offset; /* the furthest element reached */
    if (numel > 0)
        for (int d = 0; d < t->ndim; d++) {
            int64_t span;
            if (__builtin_mul_overflow(t->sizes[d] - 1, t->strides[d], &span) ||
                __builtin_add_overflow(last, span, &last))
                return ct_cursor_fail(c, "tensor %llu has strides that overflow", k);
        }
    int64_t end; /* bytes needed */
    if (__builtin_add_overflow(last, numel > 0 ? 1 : 0, &end) || __builtin_mul_overflow(end, e, &end) ||
        (uint64_t)end > s->nbytes)
        return ct_cursor_fail(c, "tensor %llu reaches past the end of its storage of %llu bytes", k,
                              (unsigned long long)s->nbytes);
    if (t->requires_grad && !ct_dtype_is_float(t->dtype))
        return ct_cursor_fail(c, "tensor %llu of dtype %s requires grad", k, ct_dtype_name(t->dtype));
    return 0;
}

static int read_tensors(ct_cursor *c, uint64_t nstorages, const storage_rec *storages, uint64_t *count,
                        tensor_rec **out)
{
    uint64_t n;
    if (ct_cursor_u64(c, &n, "the tensor count") < 0)
        return -1;
    /* each record takes at least 20 bytes */
    if (n > ct_cursor_left(c) / 20)
        return ct_cursor_fail(c, "%llu tensors cannot fit in the %zu bytes left", (unsigned long long)n,
                              ct_cursor_left(c));
    tensor_rec *recs = calloc(n ? n : 1, sizeof *recs);
    if (!recs)
        return ct_fail("out of memory");
    for (uint64_t i = 0; i < n; i++) {
        tensor_rec *t = &recs[i];
        uint8_t dtype, flags, ndim, reserved;
        if (ct_cursor_u64(c, &t->storage, "a tensor's storage") < 0 ||
            ct_cursor_u8(c, &dtype, "a dtype") < 0 || ct_cursor_u8(c, &flags, "tensor flags") < 0 ||
            ct_cursor_u8(c, &ndim, "a dim count") < 0 || ct_cursor_u8(c, &reserved, "a reserved byte") < 0)
            goto fail;
        if (t->storage >= nstorages) {
            ct_cursor_fail(c, "tensor %llu names storage %llu of %llu", (unsigned long long)i + 1,
                           (unsigned long long)t->storage + 1, (unsigned long long)nstorages);
            goto fail;
        }
        if (dtype >= CT_NUM_DTYPES || (flags & ~CTF_REQUIRES_GRAD) || ndim > CT_MAX_DIMS || reserved) {
            ct_cursor_fail(c, "tensor %llu has a bad dtype (%u), flags (%u) or dim count (%u)",
                           (unsigned long long)i + 1, dtype, flags, ndim);
            goto fail;
        }
        t->dtype = (ct_dtype)dtype;
        t->requires_grad = flags & CTF_REQUIRES_GRAD;
        t->ndim = ndim;
        if (ct_cursor_i64(c, &t->offset, "a tensor offset") < 0)
            goto fail;
        for (int d = 0; d < ndim; d++)
            if (ct_cursor_i64(c, &t->sizes[d], "a size") < 0)
                goto fail;
        for (int d = 0; d < ndim; d++)
            if (ct_cursor_i64(c, &t->strides[d], "a stride") < 0)
                goto fail;
        if (check_tensor(c, i, t, &storages[t->storage]) < 0)
            goto fail;
    }
    *count = n;
    *out = recs;
    return 0;
fail:
    free(recs);
    return -1;
}

static int read_header(ctf_file *f, uint64_t *meta_len, uint64_t *data_start, uint64_t *data_len)
{
    ct_reader *r = &f->reader;
    unsigned char h[CTF_HEADER_BYTES];
    size_t have = r->size < sizeof h ? (size_t)r->size : sizeof h;
    if (ct_reader_read(r, 0, h, have, "header") < 0)
        return -1;
    size_t magic = have < 8 ? have : 8;
    if (memcmp(h, CTF_MAGIC, magic) != 0 || have == 0) {
        if (have >= 4 && memcmp(h, "PK\3\4", 4) == 0)
            return ct_fail("%s: %s is a zip archive (PyTorch's torch.save format?), not a ctorch file; "
                           "exchange tensors with PyTorch through torch.safetensors",
                           f->op, r->path);
        return ct_fail("%s: %s is not a ctorch file (bad magic)", f->op, r->path);
    }
    if (have < sizeof h)
        return ct_reader_read(r, 0, h, sizeof h, "header");
    uint32_t version = ct_le_u32(h + 8), flags = ct_le_u32(h + 12);
    if (version != CTF_VERSION)
        return ct_fail("%s: %s has format version %u; this build reads version %u", f->op, r->path,
                       version, CTF_VERSION);
    if (flags != 0)
        return ct_fail("%s: %s is corrupt (unknown header flags %u at offset 12)", f->op, r->path, flags);
    *meta_len = ct_le_u64(h + 16);
    *data_len = ct_le_u64(h + 24);
    if (*meta_len > r->size - CTF_HEADER_BYTES)
        return ct_fail("%s: %s is truncated (expected %llu bytes of metadata at offset %u, file has %llu)",
                       f->op, r->path, (unsigned long long)*meta_len, CTF_HEADER_BYTES,
                       (unsigned long long)r->size);
    *data_start = (CTF_HEADER_BYTES + *meta_len + CTF_ALIGN - 1) / CTF_ALIGN * CTF_ALIGN;
    if (*data_len > UINT64_MAX - *data_start || r->size < *data_start + *data_len)
        return ct_fail("%s: %s is truncated (expected %llu bytes of tensor data at offset %llu, file has "
                       "%llu)",
                       f->op, r->path, (unsigned long long)*data_len, (unsigned long long)*data_start,
                       (unsigned long long)r->size);
    if (r->size > *data_start + *data_len)
        return ct_fail("%s: %s is corrupt (%llu bytes of trailing data after offset %llu)", f->op, r->path,
                       (unsigned long long)(r->size - *data_start - *data_len),
                       (unsigned long long)(*data_start + *data_len));
    return 0;
}

static int read_padding(ctf_file *f, uint64_t from, uint64_t to)
{
    unsigned char pad[CTF_ALIGN];
    size_t n = (size_t)(to - from);
    if (ct_reader_read(&f->reader, from, pad, n, "padding") < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (pad[i])
            return ct_fail("%s: %s is corrupt (nonzero padding at offset %llu)", f->op, f->reader.path,
                           (unsigned long long)(from + i));
    return 0;
}

static int load_data(ctf_file *f, uint64_t data_start, uint64_t nstorages, const storage_rec *srecs,
                     const tensor_rec *trecs, int map_cpu)
{
    ct_storage **storages = calloc(nstorages ? nstorages : 1, sizeof *storages);
    unsigned char *swapped = calloc(nstorages ? nstorages : 1, 1);
    f->tensors = calloc(f->ntensors ? f->ntensors : 1, sizeof *f->tensors);
    int rc = -1;
    if (!storages || !swapped || !f->tensors) {
        ct_fail("%s: out of memory", f->op);
        goto done;
    }
    for (uint64_t i = 0; i < nstorages; i++) {
        char dev[32];
        if (srecs[i].device.type != CT_CPU && !map_cpu) {
            ct_fail("%s: %s holds tensors saved on %s, which is not available in this build; load them "
                    "on the CPU with {map_location='cpu'}",
                    f->op, f->reader.path, ct_device_str(srecs[i].device, dev, sizeof dev));
            goto done;
        }
        storages[i] = ct_storage_new((size_t)srecs[i].nbytes, (ct_device){CT_CPU, -1});
        if (!storages[i] || ct_reader_read(&f->reader, data_start + srecs[i].offset, storages[i]->data,
                                           (size_t)srecs[i].nbytes, "tensor data") < 0)
            goto done;
    }
    for (uint64_t i = 0; i < f->ntensors; i++) {
        const tensor_rec *t = &trecs[i];
        ct_storage *s = storages[t->storage];
        if (!ct_host_is_little_endian() && !swapped[t->storage]) {
            /* big-endian host: the first tensor on a storage decides its element size */
            ct_swap_bytes(s->data, s->nbytes / ct_dtype_size(t->dtype), ct_dtype_size(t->dtype));
            swapped[t->storage] = 1;
        }
        f->tensors[i] = ct_tensor_new(s, t->offset, t->ndim, t->sizes, t->strides, t->dtype);
        if (!f->tensors[i] || (t->requires_grad && ct_set_requires_grad(f->tensors[i], 1) < 0))
            goto done;
    }
    rc = 0;
done:
    if (storages)
        for (uint64_t i = 0; i < nstorages; i++)
            ct_storage_release(storages[i]);
    free(storages);
    free(swapped);
    return rc;
}

int ctf_load(ctf_file *f, const char *op, const char *path, int map_cpu)
{
    memset(f, 0, sizeof *f);
    f->op = op;
    f->reader.fd = -1;
    storage_rec *srecs = NULL;
    tensor_rec *trecs = NULL;
    uint64_t meta_len = 0, data_start = 0, data_len = 0, nstorages = 0;
    if (ct_reader_open(&f->reader, op, path) < 0)
        return -1;
    if (read_header(f, &meta_len, &data_start, &data_len) < 0 ||
        read_padding(f, CTF_HEADER_BYTES + meta_len, data_start) < 0)
        goto fail;
    f->meta = malloc(meta_len ? (size_t)meta_len : 1);
    if (!f->meta) {
        ct_fail("%s: out of memory reading %llu bytes of metadata", op, (unsigned long long)meta_len);
        goto fail;
    }
    if (ct_reader_read(&f->reader, CTF_HEADER_BYTES, f->meta, (size_t)meta_len, "metadata") < 0)
        goto fail;
    ct_cursor c = {f->meta, (size_t)meta_len, 0, CTF_HEADER_BYTES, op, f->reader.path};
    if (read_storages(&c, data_len, &nstorages, &srecs) < 0 ||
        read_tensors(&c, nstorages, srecs, &f->ntensors, &trecs) < 0 ||
        load_data(f, data_start, nstorages, srecs, trecs, map_cpu) < 0)
        goto fail;
    f->tree = c;
    free(srecs);
    free(trecs);
    return 0;
fail:
    free(srecs);
    free(trecs);
    ctf_file_free(f);
    return -1;
}

int ctf_check_tree_end(ctf_file *f)
{
    if (ct_cursor_left(&f->tree) != 0)
        return ct_cursor_fail(&f->tree, "%zu bytes of metadata after the value", ct_cursor_left(&f->tree));
    return 0;
}
