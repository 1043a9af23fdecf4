/*
 * reader.c -- bounds-checked file input.
 *
 * Nothing read from a file is trusted: every length is checked against what
 * the file (or the block of memory being parsed) really holds before it is
 * used, so a hostile length is an error before any allocation.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io/io.h"

int ct_reader_open(ct_reader *r, const char *op, const char *path)
{
    memset(r, 0, sizeof *r);
    r->op = op;
    r->fd = -1;
    if (!path || !*path)
        return ct_fail("%s: the path is empty", op);
    size_t n = strlen(path) + 1;
    r->path = malloc(n);
    if (!r->path)
        return ct_fail("%s: out of memory", op);
    memcpy(r->path, path, n);
    r->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (r->fd < 0) {
        int e = errno;
        ct_reader_close(r);
        return ct_fail("%s: cannot open %s (%s)", op, path, strerror(e));
    }
    struct stat st;
    if (fstat(r->fd, &st) != 0) {
        int e = errno;
        ct_reader_close(r);
        return ct_fail("%s: cannot read %s (%s)", op, path, strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        ct_reader_close(r);
        return ct_fail("%s: %s is not a regular file", op, path);
    }
    r->size = (uint64_t)st.st_size;
    return 0;
}

int ct_reader_read(ct_reader *r, uint64_t offset, void *dst, size_t n, const char *what)
{
    if (offset > r->size || n > r->size - offset)
        return ct_fail("%s: %s is truncated (expected %zu bytes of %s at offset %llu, file has %llu)",
                       r->op, r->path, n, what, (unsigned long long)offset,
                       (unsigned long long)r->size);
    unsigned char *p = dst;
    while (n > 0) {
        size_t chunk = n > ((size_t)1 << 30) ? ((size_t)1 << 30) : n;
        ssize_t k = pread(r->fd, p, chunk, (off_t)offset);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return ct_fail("%s: cannot read %s (%s)", r->op, r->path, strerror(errno));
        }
        if (k == 0) /* the file shrank while we read it */
            return ct_fail("%s: %s is truncated (it ended at offset %llu while reading %s)", r->op,
                           r->path, (unsigned long long)offset, what);
        p += k;
        n -= (size_t)k;
        offset += (uint64_t)k;
    }
    return 0;
}

void ct_reader_close(ct_reader *r)
{
    if (r->fd >= 0)
        close(r->fd);
    r->fd = -1;
    free(r->path);
    r->path = NULL;
}

/* ---------------------------------------------------------------- cursor */

int ct_cursor_fail(ct_cursor *c, const char *fmt, ...)
{
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ct_fail("%s: %s is corrupt (%s at offset %llu)", c->op, c->path, msg,
                   (unsigned long long)(c->base + c->pos));
}

size_t ct_cursor_left(const ct_cursor *c) { return c->len - c->pos; }

static int need(ct_cursor *c, uint64_t n, const char *what)
{
    if (n > ct_cursor_left(c))
        return ct_cursor_fail(c, "%s needs %llu bytes but the block has %zu left", what,
                              (unsigned long long)n, ct_cursor_left(c));
    return 0;
}

int ct_cursor_u8(ct_cursor *c, uint8_t *v, const char *what)
{
    if (need(c, 1, what) < 0)
        return -1;
    *v = c->data[c->pos++];
    return 0;
}

int ct_cursor_u32(ct_cursor *c, uint32_t *v, const char *what)
{
    if (need(c, 4, what) < 0)
        return -1;
    *v = ct_le_u32(c->data + c->pos);
    c->pos += 4;
    return 0;
}

int ct_cursor_u64(ct_cursor *c, uint64_t *v, const char *what)
{
    if (need(c, 8, what) < 0)
        return -1;
    *v = ct_le_u64(c->data + c->pos);
    c->pos += 8;
    return 0;
}

int ct_cursor_i64(ct_cursor *c, int64_t *v, const char *what)
{
    uint64_t u;
    if (ct_cursor_u64(c, &u, what) < 0)
        return -1;
    *v = (int64_t)u;
    return 0;
}

int ct_cursor_f64(ct_cursor *c, double *v, const char *what)
{
    uint64_t u;
    if (ct_cursor_u64(c, &u, what) < 0)
        return -1;
    memcpy(v, &u, sizeof *v);
    return 0;
}

int ct_cursor_bytes(ct_cursor *c, uint64_t n, const unsigned char **p, const char *what)
{
    if (need(c, n, what) < 0)
        return -1;
    *p = c->data + c->pos;
    c->pos += (size_t)n;
    return 0;
}
