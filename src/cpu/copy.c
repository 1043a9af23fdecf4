/*
 * copy.c -- elementwise copy with dtype conversion.
 *
 * Same-dtype copies move bytes; float32<->float64 have their own loop; the
 * rest convert through double (float sources) or int64 (exact for integers).
 */
#include <math.h>
#include <string.h>

#include "cpu/copy.h"

typedef struct {
    ct_dtype dst, src;
} copy_ctx;

static void copy_same(void *arg, char **d, const int64_t *s, int64_t n)
{
    const copy_ctx *c = arg;
    size_t es = ct_dtype_size(c->dst);
    if (s[0] == (int64_t)es && s[1] == (int64_t)es) {
        memcpy(d[0], d[1], (size_t)n * es);
        return;
    }
    char *o = d[0];
    const char *a = d[1];
    switch (es) {
    case 1: for (int64_t i = 0; i < n; i++) o[i * s[0]] = a[i * s[1]]; break;
    case 2: for (int64_t i = 0; i < n; i++) memcpy(o + i * s[0], a + i * s[1], 2); break;
    case 4: for (int64_t i = 0; i < n; i++) memcpy(o + i * s[0], a + i * s[1], 4); break;
    default: for (int64_t i = 0; i < n; i++) memcpy(o + i * s[0], a + i * s[1], 8); break;
    }
}

static void copy_f64_to_f32(void *arg, char **d, const int64_t *s, int64_t n)
{
    (void)arg;
    for (int64_t i = 0; i < n; i++)
        *(float *)(d[0] + i * s[0]) = (float)*(const double *)(d[1] + i * s[1]);
}

static void copy_f32_to_f64(void *arg, char **d, const int64_t *s, int64_t n)
{
    (void)arg;
    for (int64_t i = 0; i < n; i++)
        *(double *)(d[0] + i * s[0]) = *(const float *)(d[1] + i * s[1]);
}

static void copy_convert(void *arg, char **d, const int64_t *s, int64_t n)
{
    const copy_ctx *c = arg;
    for (int64_t i = 0; i < n; i++) {
        ct_scalar v = ct_scalar_load(c->src, d[1] + i * s[1]);
        ct_scalar_store(v, c->dst, d[0] + i * s[0]);
    }
}

void ct_cpu_copy(const ct_loop *loop, ct_dtype dst, ct_dtype src)
{
    copy_ctx c = {dst, src};
    ct_loop_fn fn = copy_convert;
    if (dst == src)
        fn = copy_same;
    else if (dst == CT_FLOAT32 && src == CT_FLOAT64)
        fn = copy_f64_to_f32;
    else if (dst == CT_FLOAT64 && src == CT_FLOAT32)
        fn = copy_f32_to_f64;
    ct_loop_run(loop, fn, &c);
}
