/*
 * io.h -- file input and output shared by the serialization formats (not
 * installed): atomic buffered output, bounds-checked input, little-endian
 * encoding.
 *
 * Every function that can fail sets ct_fail("<op>: <path> ...") and returns
 * -1 (or NULL); `op` is the user-facing name ("torch.save") so the message
 * reaches the user unchanged.
 */
#ifndef CT_IO_IO_H
#define CT_IO_IO_H

#include <stddef.h>
#include <stdint.h>

#include "ctorch.h"

/* ---------------------------------------------------------------- growable memory buffer */
typedef struct ct_buf {
    unsigned char *data;
    size_t len, cap;
} ct_buf;

void ct_buf_free(ct_buf *b);
int ct_buf_put(ct_buf *b, const void *p, size_t n); /* -1 (out of memory) */
int ct_buf_u8(ct_buf *b, uint8_t v);
int ct_buf_u32(ct_buf *b, uint32_t v); /* little-endian */
int ct_buf_u64(ct_buf *b, uint64_t v);
int ct_buf_i64(ct_buf *b, int64_t v);
int ct_buf_f64(ct_buf *b, double v); /* IEEE-754 bits, little-endian */

/* ---------------------------------------------------------------- little-endian helpers */
uint32_t ct_le_u32(const unsigned char *p);
uint64_t ct_le_u64(const unsigned char *p);
void ct_put_le_u32(unsigned char *p, uint32_t v);
void ct_put_le_u64(unsigned char *p, uint64_t v);
int ct_host_is_little_endian(void);
/* Reverses the bytes of each of n elements of elsize bytes (big-endian hosts). */
void ct_swap_bytes(void *data, size_t n, size_t elsize);

/* ---------------------------------------------------------------- atomic output (writer.c)
 * Bytes go to `<path>.tmp-<pid>-<n>` in the target's folder; commit flushes,
 * fsyncs and renames it over path, so a reader (or a crash) sees either the
 * old file or the complete new one.  Any failure removes the temporary. */
typedef struct ct_writer {
    const char *op;
    char *path;
    char *tmp_path;
    int fd; /* -1 when closed */
    unsigned char *buf;
    size_t len, cap;
    uint64_t written; /* bytes handed to write(2) or buffered so far */
} ct_writer;

int ct_writer_open(ct_writer *w, const char *op, const char *path);
int ct_writer_write(ct_writer *w, const void *p, size_t n);
int ct_writer_zeros(ct_writer *w, size_t n);
/* Writes n elements of elsize bytes in little-endian order (swapping on big-endian hosts). */
int ct_writer_write_le(ct_writer *w, const void *p, size_t n, size_t elsize);
int ct_writer_commit(ct_writer *w); /* closes w either way */
void ct_writer_abort(ct_writer *w); /* removes the temporary; safe to call twice */

/* ---------------------------------------------------------------- input (reader.c) */
typedef struct ct_reader {
    const char *op;
    char *path;
    int fd;
    uint64_t size; /* file length */
} ct_reader;

int ct_reader_open(ct_reader *r, const char *op, const char *path);
/* Reads exactly n bytes at offset; what names them in a truncation error
 * ("tensor data"): "<op>: <path> is truncated (expected N bytes of <what> at
 * offset X, file has Y)". */
int ct_reader_read(ct_reader *r, uint64_t offset, void *dst, size_t n, const char *what);
void ct_reader_close(ct_reader *r);

/* Bounds-checked parsing of bytes held in memory (a metadata block read from
 * a file).  `base` is the file offset of data[0], for messages. */
typedef struct ct_cursor {
    const unsigned char *data;
    size_t len, pos;
    uint64_t base;
    const char *op, *path;
} ct_cursor;

/* "<op>: <path> is corrupt (<message> at offset N)"; returns -1. */
int ct_cursor_fail(ct_cursor *c, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
size_t ct_cursor_left(const ct_cursor *c);
int ct_cursor_u8(ct_cursor *c, uint8_t *v, const char *what);
int ct_cursor_u32(ct_cursor *c, uint32_t *v, const char *what);
int ct_cursor_u64(ct_cursor *c, uint64_t *v, const char *what);
int ct_cursor_i64(ct_cursor *c, int64_t *v, const char *what);
int ct_cursor_f64(ct_cursor *c, double *v, const char *what);
/* Points *p at the next n bytes (n checked against what is left). */
int ct_cursor_bytes(ct_cursor *c, uint64_t n, const unsigned char **p, const char *what);

/* ---------------------------------------------------------------- safetensors (safetensors.c)
 * ct_safetensors_save/load with the user-facing op name for messages. */
int ct_safetensors_save_op(const char *op, const char *path, int64_t n, const char *const *names,
                           ct_tensor *const *tensors, int64_t n_meta, const char *const *keys,
                           const char *const *values);
int ct_safetensors_load_op(const char *op, const char *path, ct_named_tensors *out);

#endif
