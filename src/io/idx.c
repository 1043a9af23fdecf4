/*
 * idx.c -- reading IDX files (MNIST's format), plain or gzip-compressed.
 *
 * Nothing in the file is trusted: the header's sizes are checked against the
 * file's length before the tensor is allocated (for a gzip file, against the
 * most that deflate can expand its length to), and a file that ends early or
 * goes on after the data is an error naming the file.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "core/tensor.h"
#include "io/idx.h"
#include "io/io.h"

/* deflate expands at most 1032:1; the margin covers gzip headers */
#define GZIP_MAX_RATIO 1032
#define GZIP_MARGIN 4096

typedef struct idx_file {
    const char *op, *path;
    gzFile gz; /* reads plain files as they are, too */
    int is_gzip;
    uint64_t file_size;
    uint64_t pos; /* uncompressed bytes read so far, for messages */
} idx_file;

/* zlib's message without the "<fd:N>: " that gzdopen'ed files get. */
static const char *idx_gzerror(idx_file *f, int *zerr)
{
    const char *msg = gzerror(f->gz, zerr);
    if (msg && strncmp(msg, "<fd:", 4) == 0) {
        const char *colon = strstr(msg, ": ");
        if (colon)
            msg = colon + 2;
    }
    return msg;
}

/* A short or failed read of want bytes at offset start, got of them read. */
static int idx_fail_read(idx_file *f, const char *what, size_t want, uint64_t start, size_t got)
{
    int zerr = Z_OK;
    const char *msg = idx_gzerror(f, &zerr);
    if (zerr != Z_OK && zerr != Z_BUF_ERROR) /* Z_BUF_ERROR: the input ended early */
        return ct_fail("%s: %s is corrupt (%s while reading %s at byte %llu)", f->op, f->path,
                       zerr == Z_ERRNO ? strerror(errno) : msg, what, (unsigned long long)start);
    return ct_fail("%s: %s is truncated (expected %zu bytes of %s at byte %llu, it ends after %zu)",
                   f->op, f->path, want, what, (unsigned long long)start, got);
}

/* Reads exactly n bytes (n may exceed gzread's unsigned count). */
static int idx_read(idx_file *f, void *dst, size_t n, const char *what)
{
    unsigned char *p = dst;
    uint64_t start = f->pos;
    size_t done = 0;
    while (done < n) {
        size_t chunk = n - done > ((size_t)1 << 30) ? ((size_t)1 << 30) : n - done;
        int k = gzread(f->gz, p + done, (unsigned)chunk);
        if (k > 0)
            done += (size_t)k;
        if (k < 0 || (size_t)k < chunk)
            return idx_fail_read(f, what, n, start, done);
    }
    f->pos += n;
    return 0;
}

static int idx_open(idx_file *f, const char *op, const char *path)
{
    memset(f, 0, sizeof *f);
    f->op = op;
    f->path = path;
    if (!path || !*path)
        return ct_fail("%s: the path is empty", op);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ct_fail("%s: cannot open %s (%s)", op, path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return ct_fail("%s: cannot read %s (%s)", op, path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return ct_fail("%s: %s is not a regular file", op, path);
    }
    f->file_size = (uint64_t)st.st_size;
    unsigned char head[2] = {0, 0};
    f->is_gzip = pread(fd, head, 2, 0) == 2 && head[0] == 0x1f && head[1] == 0x8b;
    f->gz = gzdopen(fd, "rb");
    if (!f->gz) {
        close(fd);
        return ct_fail("%s: cannot read %s (out of memory)", op, path);
    }
    gzbuffer(f->gz, 1 << 17);
    return 0;
}

static void idx_close(idx_file *f)
{
    if (f->gz)
        gzclose(f->gz); /* closes the descriptor too */
    f->gz = NULL;
}

/* IDX type code -> element size in the file and the dtype it loads as. */
static int idx_type(unsigned code, size_t *elsize, ct_dtype *dtype)
{
    switch (code) {
    case 0x08: *elsize = 1; *dtype = CT_UINT8; return 0;
    case 0x09: *elsize = 1; *dtype = CT_INT32; return 0;
    case 0x0B: *elsize = 2; *dtype = CT_INT32; return 0;
    case 0x0C: *elsize = 4; *dtype = CT_INT32; return 0;
    case 0x0D: *elsize = 4; *dtype = CT_FLOAT32; return 0;
    case 0x0E: *elsize = 8; *dtype = CT_FLOAT64; return 0;
    default: return -1;
    }
}

static uint32_t be_u32(const unsigned char *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

/* Big-endian file values (n of them, elsize bytes each, at src) into the
 * tensor's memory; src may be dst when the sizes agree. */
static void idx_decode(unsigned code, const unsigned char *src, void *dst, size_t n)
{
    if (code == 0x09) {
        int32_t *out = dst;
        for (size_t i = 0; i < n; i++)
            out[i] = (int8_t)src[i];
    } else if (code == 0x0B) {
        int32_t *out = dst;
        for (size_t i = 0; i < n; i++)
            out[i] = (int16_t)(uint16_t)(((unsigned)src[2 * i] << 8) | src[2 * i + 1]);
    } else if (code != 0x08 && ct_host_is_little_endian()) {
        ct_swap_bytes(dst, n, code == 0x0E ? 8 : 4);
    }
}

ct_tensor *ct_idx_load(const char *op, const char *path)
{
    idx_file f;
    if (idx_open(&f, op, path) < 0)
        return NULL;
    ct_tensor *t = NULL;
    unsigned char *tmp = NULL;
    unsigned char magic[4], dims_raw[4 * CT_MAX_DIMS];
    if (idx_read(&f, magic, 4, "the header") < 0)
        goto fail;
    size_t elsize;
    ct_dtype dtype;
    if (magic[0] != 0 || magic[1] != 0 || idx_type(magic[2], &elsize, &dtype) < 0) {
        ct_fail("%s: %s is not an IDX file (it starts with %02x %02x %02x %02x; expected 00 00, a type "
                "code 08 09 0b 0c 0d or 0e, and the number of dims)",
                op, path, magic[0], magic[1], magic[2], magic[3]);
        goto fail;
    }
    int ndim = magic[3];
    if (ndim < 1 || ndim > CT_MAX_DIMS) {
        ct_fail("%s: %s is corrupt (%d dims in the header; 1 to %d are supported)", op, path, ndim,
                CT_MAX_DIMS);
        goto fail;
    }
    if (idx_read(&f, dims_raw, 4 * (size_t)ndim, "the sizes") < 0)
        goto fail;
    int64_t sizes[CT_MAX_DIMS];
    uint64_t numel = 1;
    int overflow = 0;
    for (int d = 0; d < ndim; d++) {
        sizes[d] = be_u32(dims_raw + 4 * d);
        if (sizes[d] != 0 && numel > (UINT64_C(1) << 56) / (uint64_t)sizes[d])
            overflow = 1;
        else
            numel *= (uint64_t)sizes[d];
    }
    char shape[256];
    ct_sizes_str(ndim, sizes, shape, sizeof shape);
    if (overflow) {
        ct_fail("%s: %s is corrupt (its shape %s is too large)", op, path, shape);
        goto fail;
    }
    uint64_t header = 4 + 4 * (uint64_t)ndim;
    uint64_t nbytes = numel * elsize;
    if (!f.is_gzip && header + nbytes != f.file_size) {
        if (header + nbytes < f.file_size)
            ct_fail("%s: %s is corrupt (%llu bytes after the data of shape %s)", op, path,
                    (unsigned long long)(f.file_size - header - nbytes), shape);
        else
            ct_fail("%s: %s is truncated (shape %s needs %llu bytes of data after the %llu-byte header, "
                    "the file has %llu)",
                    op, path, shape, (unsigned long long)nbytes, (unsigned long long)header,
                    (unsigned long long)(f.file_size - header));
        goto fail;
    }
    if (f.is_gzip && nbytes > f.file_size * GZIP_MAX_RATIO + GZIP_MARGIN) {
        ct_fail("%s: %s is corrupt (shape %s needs more data than a gzip file of %llu bytes can hold)", op,
                path, shape, (unsigned long long)f.file_size);
        goto fail;
    }
    t = ct_empty(ndim, sizes, dtype);
    if (!t)
        goto fail;
    void *dst = ct_tensor_data(t);
    size_t n = (size_t)numel;
    if (elsize == ct_dtype_size(dtype)) {
        if (idx_read(&f, dst, (size_t)nbytes, "data") < 0)
            goto fail;
        idx_decode(magic[2], dst, dst, n);
    } else { /* widened types go through a buffer */
        tmp = malloc(nbytes ? (size_t)nbytes : 1);
        if (!tmp) {
            ct_fail("%s: out of memory reading %s", op, path);
            goto fail;
        }
        if (idx_read(&f, tmp, (size_t)nbytes, "data") < 0)
            goto fail;
        idx_decode(magic[2], tmp, dst, n);
    }
    if (f.is_gzip) { /* the stream must end here; reading on also checks its CRC */
        unsigned char extra;
        int k = gzread(f.gz, &extra, 1);
        if (k != 0) {
            if (k > 0)
                ct_fail("%s: %s is corrupt (data goes on after the %llu bytes of shape %s)", op, path,
                        (unsigned long long)nbytes, shape);
            else
                idx_fail_read(&f, "the end of the stream", 1, f.pos, 0);
            goto fail;
        }
        int zerr = Z_OK;
        const char *msg = idx_gzerror(&f, &zerr);
        if (zerr == Z_BUF_ERROR) {
            ct_fail("%s: %s is truncated (the gzip stream ends before its trailer)", op, path);
            goto fail;
        }
        if (zerr != Z_OK) {
            ct_fail("%s: %s is corrupt (%s at the end of the stream)", op, path, msg);
            goto fail;
        }
    }
    free(tmp);
    idx_close(&f);
    return t;
fail:
    free(tmp);
    ct_release(t);
    idx_close(&f);
    return NULL;
}
