/*
 * test_io.c -- the C API for files of named tensors: ct_save_tensors /
 * ct_load_tensors (ctorch's format) and ct_safetensors_save / _load, through
 * the public header only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

static char dir[64];

static void path_of(char *buf, size_t n, const char *name) { snprintf(buf, n, "%s/%s", dir, name); }

static ct_tensor *range(int ndim, const int64_t *sizes, ct_dtype dtype)
{
    ct_tensor *t = ct_empty(ndim, sizes, dtype);
    int64_t n = ct_numel(t);
    for (int64_t i = 0; i < n; i++) {
        int64_t idx[CT_MAX_DIMS], r = i;
        for (int d = ndim - 1; d >= 0; d--) {
            idx[d] = r % sizes[d];
            r /= sizes[d];
        }
        ct_set(t, idx, ct_scalar_int(i % 100));
    }
    return t;
}

static int same(ct_tensor *a, ct_tensor *b)
{
    int eq = 0;
    return ct_equal(a, b, &eq) == 0 && eq && ct_dtype_of(a) == ct_dtype_of(b);
}

static void test_ctorch_format(void)
{
    char p[128];
    path_of(p, sizeof p, "named.ct");
    int64_t s23[2] = {2, 3}, s4[1] = {4};
    ct_tensor *w = range(2, s23, CT_FLOAT32);
    ct_tensor *b = range(1, s4, CT_INT64);
    ct_tensor *wt = ct_t(w); /* shares w's storage */
    const char *names[3] = {"layer.weight", "layer.bias", "weight_t"};
    ct_tensor *ts[3] = {w, b, wt};
    CHECK(ct_save_tensors(p, 3, names, ts) == 0);

    ct_named_tensors nt;
    CHECK(ct_load_tensors(p, &nt) == 0);
    CHECK(nt.count == 3 && nt.meta_count == 0);
    if (nt.count == 3) {
        for (int i = 0; i < 3; i++) {
            CHECK(strcmp(nt.names[i], names[i]) == 0);
            CHECK(same(nt.tensors[i], ts[i]));
        }
        CHECK(ct_same_storage(nt.tensors[0], nt.tensors[2]));
        CHECK(!ct_same_storage(nt.tensors[0], nt.tensors[1]));
    }
    ct_named_tensors_free(&nt);
    CHECK(nt.count == 0 && nt.names == NULL);

    /* errors: duplicate names, missing file, a file that is not named tensors */
    const char *dup[2] = {"a", "a"};
    CHECK(ct_save_tensors(p, 2, dup, ts) < 0 && strstr(ct_last_error(), "appears twice"));
    char missing[128];
    path_of(missing, sizeof missing, "missing.ct");
    CHECK(ct_load_tensors(missing, &nt) < 0 && strstr(ct_last_error(), "cannot open"));
    CHECK(nt.count == 0);
    FILE *f = fopen(p, "r+b");
    if (f) { /* cut the file short */
        fclose(f);
        CHECK(truncate(p, 100) == 0);
    }
    CHECK(ct_load_tensors(p, &nt) < 0 && strstr(ct_last_error(), "is truncated"));
    CHECK(ct_save_tensors(p, 0, NULL, NULL) == 0);
    CHECK(ct_load_tensors(p, &nt) == 0 && nt.count == 0);
    ct_named_tensors_free(&nt);
    ct_release(wt);
    ct_release(b);
    ct_release(w);
}

static void test_safetensors(void)
{
    char p[128];
    path_of(p, sizeof p, "x.safetensors");
    int64_t s23[2] = {2, 3}, s5[1] = {5};
    ct_tensor *w = range(2, s23, CT_FLOAT64);
    ct_tensor *wt = ct_t(w); /* written as its contiguous values */
    ct_tensor *m = range(1, s5, CT_BOOL);
    const char *names[3] = {"w", "wt", "mask"};
    ct_tensor *ts[3] = {w, wt, m};
    const char *keys[1] = {"format"}, *values[1] = {"pt"};
    CHECK(ct_safetensors_save(p, 3, names, ts, 1, keys, values) == 0);
    ct_named_tensors nt;
    CHECK(ct_safetensors_load(p, &nt) == 0);
    CHECK(nt.count == 3 && nt.meta_count == 1);
    if (nt.count == 3 && nt.meta_count == 1) {
        /* data order: F64 before BOOL, then by name */
        CHECK(strcmp(nt.names[0], "w") == 0 && strcmp(nt.names[1], "wt") == 0 && strcmp(nt.names[2], "mask") == 0);
        CHECK(same(nt.tensors[0], w) && same(nt.tensors[1], wt) && same(nt.tensors[2], m));
        CHECK(ct_is_contiguous(nt.tensors[1]));
        CHECK(strcmp(nt.meta_keys[0], "format") == 0 && strcmp(nt.meta_values[0], "pt") == 0);
    }
    ct_named_tensors_free(&nt);

    const char *bad[1] = {"__metadata__"};
    CHECK(ct_safetensors_save(p, 1, bad, ts, 0, NULL, NULL) < 0 && strstr(ct_last_error(), "__metadata__"));
    FILE *f = fopen(p, "wb");
    if (f) {
        const char hdr[] = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,400]}}";
        unsigned char len[8] = {(unsigned char)(sizeof hdr - 1)};
        fwrite(len, 1, 8, f);
        fwrite(hdr, 1, sizeof hdr - 1, f);
        fclose(f);
    }
    CHECK(ct_safetensors_load(p, &nt) < 0 && strstr(ct_last_error(), "ct_safetensors_load") &&
          strstr(ct_last_error(), "need 4 bytes"));
    CHECK(nt.count == 0);
    ct_release(m);
    ct_release(wt);
    ct_release(w);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/ctorch-test-io-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    int64_t live = ct_memory_live_bytes();
    test_ctorch_format();
    test_safetensors();
    CHECK(ct_memory_live_bytes() == live); /* every loaded tensor was released */
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    printf("%d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}
