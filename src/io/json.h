/*
 * json.h -- the small, strict JSON pieces the safetensors header needs (not
 * installed): a bounds-checked tokenizer for strings, unsigned integers and
 * punctuation, and a writer for escaped strings.  The header's structure
 * (fixed depth) is walked by safetensors.c, so no input can nest deeply.
 */
#ifndef CT_IO_JSON_H
#define CT_IO_JSON_H

#include "io/io.h"

typedef struct ct_json {
    const unsigned char *s;
    size_t n, pos;
    const char *op, *path;
} ct_json;

/* "<op>: <path> is corrupt (bad JSON header: <message> at byte N of the header)"; -1. */
int ct_json_fail(ct_json *j, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void ct_json_ws(ct_json *j);
/* Skips whitespace, then the next byte must be c. */
int ct_json_expect(ct_json *j, char c);
/* Skips whitespace; 1 and consumes c when the next byte is c, else 0. */
int ct_json_accept(ct_json *j, char c);
/* A string, decoded to UTF-8 in out (NUL-terminated; \u0000 is refused). */
int ct_json_string(ct_json *j, ct_buf *out);
/* A non-negative integer below 2^63 (no sign, fraction or exponent). */
int ct_json_uint(ct_json *j, int64_t *out);
/* 1 when the n bytes at p are valid UTF-8. */
int ct_utf8_valid(const unsigned char *p, size_t n);
/* Appends s (UTF-8) as a quoted JSON string. */
int ct_json_put_string(ct_buf *b, const char *s, size_t n);

#endif
