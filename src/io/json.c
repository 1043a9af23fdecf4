/*
 * json.c -- strict JSON tokens for the safetensors header (RFC 8259 strings
 * and integers), every read bounds-checked.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "io/json.h"

int ct_json_fail(ct_json *j, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ct_fail("%s: %s is corrupt (bad JSON header: %s at byte %zu of the header)", j->op, j->path, msg,
                   j->pos);
}

void ct_json_ws(ct_json *j)
{
    while (j->pos < j->n) {
        unsigned char c = j->s[j->pos];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            break;
        j->pos++;
    }
}

int ct_json_expect(ct_json *j, char c)
{
    ct_json_ws(j);
    if (j->pos >= j->n)
        return ct_json_fail(j, "expected '%c' but the header ended", c);
    if (j->s[j->pos] != (unsigned char)c)
        return ct_json_fail(j, "expected '%c'", c);
    j->pos++;
    return 0;
}

int ct_json_accept(ct_json *j, char c)
{
    ct_json_ws(j);
    if (j->pos < j->n && j->s[j->pos] == (unsigned char)c) {
        j->pos++;
        return 1;
    }
    return 0;
}

/* Length of the UTF-8 sequence starting at p (n bytes available), 0 if invalid. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
    unsigned char c = p[0];
    if (c < 0x80)
        return 1;
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0; /* no overlong forms */
        if (c == 0xED)
            hi = 0x9F; /* no surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90;
        if (c == 0xF4)
            hi = 0x8F; /* nothing above U+10FFFF */
    } else {
        return 0;
    }
    if (n < len || p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (p[i] < 0x80 || p[i] > 0xBF)
            return 0;
    return len;
}

int ct_utf8_valid(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t k = utf8_seq(p + i, n - i);
        if (!k)
            return 0;
        i += k;
    }
    return 1;
}

static int put_utf8(ct_buf *b, uint32_t cp)
{
    unsigned char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (unsigned char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (unsigned char)(0xC0 | cp >> 6);
        u[1] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (unsigned char)(0xE0 | cp >> 12);
        u[1] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        u[2] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (unsigned char)(0xF0 | cp >> 18);
        u[1] = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
        u[2] = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
        u[3] = (unsigned char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    return ct_buf_put(b, u, n);
}

static int hex4(ct_json *j, uint32_t *out)
{
    if (j->n - j->pos < 4)
        return ct_json_fail(j, "a \\u escape needs 4 hex digits");
    uint32_t v = 0;
    for (int i = 0; i < 4; i++) {
        unsigned char c = j->s[j->pos++];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0)
            return ct_json_fail(j, "bad hex digit in a \\u escape");
        v = v << 4 | (uint32_t)d;
    }
    *out = v;
    return 0;
}

static int escape(ct_json *j, ct_buf *out)
{
    if (j->pos >= j->n)
        return ct_json_fail(j, "the header ends inside a string");
    unsigned char c = j->s[j->pos++];
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *k = c ? strchr(from, c) : NULL;
    if (k)
        return ct_buf_put(out, &to[k - from], 1);
    if (c != 'u')
        return ct_json_fail(j, "bad escape '\\%c'", c >= 0x20 && c < 0x7F ? c : '?');
    uint32_t cp;
    if (hex4(j, &cp) < 0)
        return -1;
    if (cp >= 0xDC00 && cp <= 0xDFFF)
        return ct_json_fail(j, "a lone low surrogate in a \\u escape");
    if (cp >= 0xD800 && cp <= 0xDBFF) {
        uint32_t lo;
        if (j->n - j->pos < 2 || j->s[j->pos] != '\\' || j->s[j->pos + 1] != 'u')
            return ct_json_fail(j, "a high surrogate without its low surrogate");
        j->pos += 2;
        if (hex4(j, &lo) < 0)
            return -1;
        if (lo < 0xDC00 || lo > 0xDFFF)
            return ct_json_fail(j, "a high surrogate without its low surrogate");
        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    }
    if (cp == 0)
        return ct_json_fail(j, "\\u0000 in a string is not supported");
    return put_utf8(out, cp);
}

int ct_json_string(ct_json *j, ct_buf *out)
{
    out->len = 0;
    if (ct_json_expect(j, '"') < 0)
        return -1;
    for (;;) {
        if (j->pos >= j->n)
            return ct_json_fail(j, "the header ends inside a string");
        unsigned char c = j->s[j->pos];
        if (c == '"') {
            j->pos++;
            break;
        }
        if (c < 0x20)
            return ct_json_fail(j, "a control character in a string");
        if (c == '\\') {
            j->pos++;
            if (escape(j, out) < 0)
                return -1;
            continue;
        }
        size_t k = utf8_seq(j->s + j->pos, j->n - j->pos);
        if (!k)
            return ct_json_fail(j, "invalid UTF-8 in a string");
        if (ct_buf_put(out, j->s + j->pos, k) < 0)
            return -1;
        j->pos += k;
    }
    return ct_buf_put(out, "", 1) < 0 ? -1 : 0; /* the NUL, not counted below */
}

int ct_json_uint(ct_json *j, int64_t *out)
{
    ct_json_ws(j);
    size_t start = j->pos;
    uint64_t v = 0;
    while (j->pos < j->n && j->s[j->pos] >= '0' && j->s[j->pos] <= '9') {
        unsigned d = j->s[j->pos] - '0';
        if (v > (UINT64_C(0x7FFFFFFFFFFFFFFF) - d) / 10)
            return ct_json_fail(j, "an integer too large");
        v = v * 10 + d;
        j->pos++;
    }
    if (j->pos == start)
        return ct_json_fail(j, "expected a non-negative integer");
    if (j->pos - start > 1 && j->s[start] == '0')
        return ct_json_fail(j, "an integer with a leading zero");
    if (j->pos < j->n && (j->s[j->pos] == '.' || j->s[j->pos] == 'e' || j->s[j->pos] == 'E'))
        return ct_json_fail(j, "expected an integer, not a fraction");
    *out = (int64_t)v;
    return 0;
}

int ct_json_put_string(ct_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    if (ct_buf_put(b, "\"", 1) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[6] = {'\\', 0};
        size_t k = 2;
        if (c == '"' || c == '\\') {
            esc[1] = (char)c;
        } else if (c < 0x20) {
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            k = 6;
        } else {
            esc[0] = (char)c;
            k = 1;
        }
        if (ct_buf_put(b, esc, k) < 0)
            return -1;
    }
    return ct_buf_put(b, "\"", 1);
}
