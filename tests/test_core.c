/*
 * test_core.c -- C unit tests of storage, views, broadcasting and the
 * elementwise loop, through the public API only.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ctorch.h"

static int failures, checks;

#define CHECK(cond)                                                              \
    do {                                                                         \
        checks++;                                                                \
        if (!(cond)) {                                                           \
            failures++;                                                          \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                        \
    } while (0)

static float at2(ct_tensor *t, int64_t i, int64_t j)
{
    int64_t idx[2] = {i, j};
    ct_scalar s;
    ct_get(t, idx, &s);
    return (float)s.d;
}

static void test_views_share_storage(void)
{
    int64_t sizes[2] = {2, 3};
    ct_tensor *a = ct_zeros(2, sizes, CT_FLOAT32);
    float *p = ct_data_ptr(a);
    for (int i = 0; i < 6; i++)
        p[i] = (float)i;
    ct_tensor *t = ct_transpose(a, 0, 1);
    CHECK(ct_same_storage(a, t));
    CHECK(ct_size(t, 0) == 3 && ct_size(t, 1) == 2);
    CHECK(at2(t, 2, 1) == 5.0f && at2(t, 0, 1) == 3.0f);
    CHECK(!ct_is_contiguous(t));
    int64_t flat[1] = {-1};
    ct_tensor *v = ct_view(t, 1, flat);
    CHECK(v == NULL && strstr(ct_last_error(), "reshape") != NULL);
    ct_tensor *r = ct_reshape(t, 1, flat);
    CHECK(r != NULL && !ct_same_storage(r, a));
    float *rp = ct_data_ptr(r);
    CHECK(rp[1] == 3.0f && rp[2] == 1.0f);
    ct_tensor *row = ct_select(a, 0, 1);
    int64_t i1[1] = {2};
    ct_scalar s;
    ct_get(row, i1, &s);
    CHECK(s.d == 5.0);
    ct_release(row);
    ct_release(r);
    ct_release(t);
    ct_release(a);
}

static void test_broadcast_add(void)
{
    int64_t sa[2] = {3, 1}, sb[1] = {4};
    ct_tensor *a = ct_ones(2, sa, CT_FLOAT32);
    ct_tensor *b = ct_arange(0, 4, 1, CT_INT64);
    CHECK(b != NULL);
    if (!b) {
        ct_release(a);
        return;
    }
    ct_tensor *c = ct_binary(CT_ADD, a, b);
    CHECK(c && ct_ndim(c) == 2 && ct_size(c, 0) == 3 && ct_size(c, 1) == 4);
    CHECK(ct_dtype_of(c) == CT_FLOAT32);
    CHECK(at2(c, 2, 3) == 4.0f);
    int64_t sbad[1] = {5};
    ct_tensor *bad = ct_ones(1, sbad, CT_FLOAT32);
    CHECK(ct_binary(CT_ADD, c, bad) == NULL);
    CHECK(strstr(ct_last_error(), "add: shapes [3, 4] and [5] cannot be broadcast") != NULL);
    (void)sb;
    ct_release(bad);
    ct_release(c);
    ct_release(b);
    ct_release(a);
}

static void test_large_loop_parallel(void)
{
    /* big enough to go through the thread pool; a strided operand too */
    int64_t sizes[2] = {1000, 1000};
    ct_tensor *a = ct_full(2, sizes, ct_scalar_float(1.5), CT_FLOAT32);
    ct_tensor *at = ct_transpose(a, 0, 1);
    ct_tensor *c = ct_binary_scalar(CT_MUL, at, ct_scalar_int(2), 0);
    float *p = ct_data_ptr(c);
    int ok = 1;
    for (int64_t i = 0; i < 1000 * 1000; i++)
        ok &= p[i] == 3.0f;
    CHECK(ok);
    ct_release(c);
    ct_release(at);
    ct_release(a);
}

static void test_integer_division_by_zero(void)
{
    int64_t sizes[1] = {3};
    ct_tensor *a = ct_ones(1, sizes, CT_INT64);
    ct_tensor *z = ct_zeros(1, sizes, CT_INT64);
    CHECK(ct_binary(CT_FLOOR_DIVIDE, a, z) == NULL);
    CHECK(strstr(ct_last_error(), "division by zero") != NULL);
    ct_release(a);
    ct_release(z);
}

static int release_count;
static void count_release(void *data, void *ctx)
{
    (void)data;
    (void)ctx;
    release_count++;
}

static void test_from_blob(void)
{
    float buf[6] = {1, 2, 3, 4, 5, 6};
    int64_t sizes[2] = {2, 3};
    ct_tensor *t = ct_from_blob(buf, 2, sizes, NULL, CT_FLOAT32, count_release, NULL);
    ct_tensor *col = ct_select(t, 1, 2);
    ct_release(t);
    CHECK(release_count == 0);
    int64_t i[1] = {1};
    ct_scalar s;
    ct_get(col, i, &s);
    CHECK(s.d == 6.0);
    ct_release(col);
    CHECK(release_count == 1);
}

int main(void)
{
    test_views_share_storage();
    test_broadcast_add();
    test_large_loop_parallel();
    test_integer_division_by_zero();
    test_from_blob();
    printf("%d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
