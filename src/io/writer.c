/*
 * writer.c -- buffered, atomic file output, and little-endian encoding into
 * memory buffers.
 *
 * A save writes a temporary file next to the target, fsyncs it and renames it
 * over the target: rename is atomic within a folder, so a crash (or kill -9)
 * at any moment leaves either the old file or the new one, never a mix.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/io.h"

/* ---------------------------------------------------------------- little-endian helpers */

uint32_t ct_le_u32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint64_t ct_le_u64(const unsigned char *p)
{
    return (uint64_t)ct_le_u32(p) | (uint64_t)ct_le_u32(p + 4) << 32;
}

void ct_put_le_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

void ct_put_le_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

int ct_host_is_little_endian(void)
{
    const uint16_t one = 1;
    unsigned char first;
    memcpy(&first, &one, 1);
    return first == 1;
}

void ct_swap_bytes(void *data, size_t n, size_t elsize)
{
    unsigned char *p = data;
    if (elsize < 2)
        return;
    for (size_t i = 0; i < n; i++, p += elsize)
        for (size_t a = 0, b = elsize - 1; a < b; a++, b--) {
            unsigned char t = p[a];
            p[a] = p[b];
            p[b] = t;
        }
}

/* ---------------------------------------------------------------- memory buffer */

void ct_buf_free(ct_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

int ct_buf_put(ct_buf *b, const void *p, size_t n)
{
    if (n > SIZE_MAX / 2 - b->len)
        return ct_fail("out of memory: a buffer of %zu bytes is too large", b->len);
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
            cap *= 2;
        unsigned char *data = realloc(b->data, cap);
        if (!data)
            return ct_fail("out of memory: cannot grow a buffer to %zu bytes", cap);
        b->data = data;
        b->cap = cap;
    }
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    return 0;
}

int ct_buf_u8(ct_buf *b, uint8_t v) { return ct_buf_put(b, &v, 1); }

int ct_buf_u32(ct_buf *b, uint32_t v)
{
    unsigned char tmp[4];
    ct_put_le_u32(tmp, v);
    return ct_buf_put(b, tmp, 4);
}

int ct_buf_u64(ct_buf *b, uint64_t v)
{
    unsigned char tmp[8];
    ct_put_le_u64(tmp, v);
    return ct_buf_put(b, tmp, 8);
}

int ct_buf_i64(ct_buf *b, int64_t v) { return ct_buf_u64(b, (uint64_t)v); }

int ct_buf_f64(ct_buf *b, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    return ct_buf_u64(b, bits);
}

/* ---------------------------------------------------------------- atomic writer */

#define CT_WRITER_BUF (1u << 20)

static atomic_uint tmp_counter;

int ct_writer_open(ct_writer *w, const char *op, const char *path)
{
    memset(w, 0, sizeof *w);
    w->op = op;
    w->fd = -1;
    if (!path || !*path)
        return ct_fail("%s: the path is empty", op);
    w->path = strdup(path);
    size_t n = strlen(path) + 64;
    w->tmp_path = malloc(n);
    w->buf = malloc(CT_WRITER_BUF);
    if (!w->path || !w->tmp_path || !w->buf) {
        ct_writer_abort(w);
        return ct_fail("%s: out of memory", op);
    }
    w->cap = CT_WRITER_BUF;
    unsigned k = atomic_fetch_add(&tmp_counter, 1) + 1;
    snprintf(w->tmp_path, n, "%s.tmp-%ld-%u", path, (long)getpid(), k);
    w->fd = open(w->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (w->fd < 0) {
        int e = errno;
        free(w->tmp_path); /* nothing was created: nothing to remove */
        w->tmp_path = NULL;
        ct_writer_abort(w);
        return ct_fail("%s: cannot write %s (%s)", op, path, strerror(e));
    }
    return 0;
}

static int write_all(ct_writer *w, const unsigned char *p, size_t n)
{
    while (n > 0) {
        size_t chunk = n > ((size_t)1 << 30) ? ((size_t)1 << 30) : n;
        ssize_t k = write(w->fd, p, chunk);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return ct_fail("%s: cannot write %s (%s)", w->op, w->path, strerror(errno));
        }
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

static int flush_buf(ct_writer *w)
{
    if (w->len == 0)
        return 0;
    int rc = write_all(w, w->buf, w->len);
    w->len = 0;
    return rc;
}

int ct_writer_write(ct_writer *w, const void *p, size_t n)
{
    if (w->fd < 0)
        return ct_fail("%s: %s is not open for writing", w->op, w->path ? w->path : "the file");
    w->written += n;
    if (w->len + n <= w->cap) {
        if (n)
            memcpy(w->buf + w->len, p, n);
        w->len += n;
        return 0;
    }
    /* large blocks (tensor data) go straight to the file: one copy less */
    if (flush_buf(w) < 0)
        return -1;
    if (n >= w->cap)
        return write_all(w, p, n);
    memcpy(w->buf, p, n);
    w->len = n;
    return 0;
}

int ct_writer_zeros(ct_writer *w, size_t n)
{
    static const unsigned char zeros[256];
    while (n > 0) {
        size_t k = n < sizeof zeros ? n : sizeof zeros;
        if (ct_writer_write(w, zeros, k) < 0)
            return -1;
        n -= k;
    }
    return 0;
}

int ct_writer_write_le(ct_writer *w, const void *p, size_t n, size_t elsize)
{
    if (ct_host_is_little_endian() || elsize < 2)
        return ct_writer_write(w, p, n * elsize);
    /* big-endian host: swap a chunk at a time through the buffer */
    const unsigned char *src = p;
    size_t per = w->cap / elsize;
    while (n > 0) {
        if (flush_buf(w) < 0)
            return -1;
        size_t k = n < per ? n : per;
        memcpy(w->buf, src, k * elsize);
        ct_swap_bytes(w->buf, k, elsize);
        w->len = k * elsize;
        w->written += k * elsize;
        src += k * elsize;
        n -= k;
    }
    return 0;
}

/* Makes the rename itself durable; not every file system can sync a folder,
 * and the data is already safe, so failures are ignored. */
static void sync_parent_dir(const char *path)
{
    size_t n = strlen(path);
    char *dir = malloc(n + 2);
    if (!dir)
        return;
    memcpy(dir, path, n + 1);
    char *slash = strrchr(dir, '/');
    if (!slash)
        strcpy(dir, ".");
    else if (slash == dir)
        dir[1] = 0;
    else
        *slash = 0;
    int fd = open(dir, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    free(dir);
}

static void release(ct_writer *w)
{
    free(w->path);
    free(w->tmp_path);
    free(w->buf);
    w->path = w->tmp_path = NULL;
    w->buf = NULL;
    w->len = w->cap = 0;
}

int ct_writer_commit(ct_writer *w)
{
    if (w->fd < 0) {
        release(w);
        return ct_fail("%s: the file is not open for writing", w->op);
    }
    if (flush_buf(w) < 0)
        goto fail;
    while (fsync(w->fd) != 0) {
        if (errno != EINTR) {
            ct_fail("%s: cannot write %s (fsync: %s)", w->op, w->path, strerror(errno));
            goto fail;
        }
    }
    int fd = w->fd;
    w->fd = -1;
    if (close(fd) != 0) {
        ct_fail("%s: cannot write %s (close: %s)", w->op, w->path, strerror(errno));
        goto fail;
    }
    if (rename(w->tmp_path, w->path) != 0) {
        ct_fail("%s: cannot replace %s (%s)", w->op, w->path, strerror(errno));
        goto fail;
    }
    sync_parent_dir(w->path);
    release(w);
    return 0;
fail:
    ct_writer_abort(w);
    return -1;
}

void ct_writer_abort(ct_writer *w)
{
    if (w->fd >= 0) {
        close(w->fd);
        w->fd = -1;
    }
    if (w->tmp_path)
        unlink(w->tmp_path);
    release(w);
}
