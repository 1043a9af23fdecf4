/*
 * named.c -- the C API for files of named tensors in ctorch's own format:
 * ct_save_tensors / ct_load_tensors (the value is one ordered table of
 * name -> tensor, as torch.save writes it), and ct_named_tensors_free.
 */
#include <stdlib.h>
#include <string.h>

#include "io/ctf.h"

static char *dup_bytes(const void *p, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, p, n);
        d[n] = 0;
    }
    return d;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The first name that appears twice, or NULL (sorting a copy: O(n log n)). */
static const char *find_duplicate(int64_t n, const char *const *names, int *failed)
{
    const char **sorted = malloc((size_t)(n ? n : 1) * sizeof *sorted);
    *failed = !sorted;
    if (!sorted)
        return NULL;
    if (n > 0)
        memcpy(sorted, names, (size_t)n * sizeof *sorted);
    if (n > 1)
        qsort(sorted, (size_t)n, sizeof *sorted, cmp_str);
    const char *dup = NULL;
    for (int64_t i = 1; i < n && !dup; i++)
        if (strcmp(sorted[i - 1], sorted[i]) == 0)
            dup = sorted[i];
    free(sorted);
    return dup;
}

void ct_named_tensors_free(ct_named_tensors *nt)
{
    if (!nt)
        return;
    for (int64_t i = 0; i < nt->count; i++) {
        if (nt->names)
            free(nt->names[i]);
        if (nt->tensors)
            ct_release(nt->tensors[i]);
    }
    for (int64_t i = 0; i < nt->meta_count; i++) {
        if (nt->meta_keys)
            free(nt->meta_keys[i]);
        if (nt->meta_values)
            free(nt->meta_values[i]);
    }
    free(nt->names);
    free(nt->tensors);
    free(nt->meta_keys);
    free(nt->meta_values);
    memset(nt, 0, sizeof *nt);
}

int ct_save_tensors(const char *path, int64_t n, const char *const *names, ct_tensor *const *tensors)
{
    static const char op[] = "ct_save_tensors";
    if (n < 0 || (n > 0 && (!names || !tensors)))
        return ct_fail("%s: bad arguments (n = %lld)", op, (long long)n);
    for (int64_t i = 0; i < n; i++)
        if (!names[i] || !tensors[i])
            return ct_fail("%s: name or tensor %lld is NULL", op, (long long)i + 1);
    int failed;
    const char *dup = find_duplicate(n, names, &failed);
    if (failed)
        return ct_fail("%s: out of memory", op);
    if (dup)
        return ct_fail("%s: the name '%.200s' appears twice", op, dup);
    ctf_saver s;
    ctf_saver_init(&s, op);
    int rc = ct_buf_u8(&s.tree, CTF_TABLE) | ct_buf_u8(&s.tree, 1) | ct_buf_u64(&s.tree, (uint64_t)n);
    s.ntables = 1;
    for (int64_t i = 0; i < n && rc == 0; i++) {
        size_t len = strlen(names[i]);
        int64_t k = ctf_saver_tensor(&s, tensors[i]);
        rc = k < 0 ? -1
                   : (ct_buf_u8(&s.tree, CTF_STRING) | ct_buf_u64(&s.tree, len) | ct_buf_put(&s.tree, names[i], len) |
                      ct_buf_u8(&s.tree, CTF_TENSOR) | ct_buf_u64(&s.tree, (uint64_t)k));
    }
    if (rc == 0)
        rc = ctf_saver_write(&s, path);
    ctf_saver_free(&s);
    return rc < 0 ? -1 : 0;
}

static int parse_named(ctf_file *f, ct_named_tensors *out)
{
    ct_cursor *c = &f->tree;
    uint8_t tag, ordered;
    uint64_t n;
    if (ct_cursor_u8(c, &tag, "a value tag") < 0)
        return -1;
    if (tag != CTF_TABLE)
        return ct_fail("%s: %s does not hold a table of named tensors", f->op, f->reader.path);
    if (ct_cursor_u8(c, &ordered, "a table's order flag") < 0 || ct_cursor_u64(c, &n, "an entry count") < 0)
        return -1;
    if (ordered > 1)
        return ct_cursor_fail(c, "bad order flag %u", ordered);
    /* an entry takes at least 18 bytes: a string tag and length, a tensor tag and index */
    if (n > ct_cursor_left(c) / 18)
        return ct_cursor_fail(c, "%llu entries cannot fit in the %zu bytes left", (unsigned long long)n,
                              ct_cursor_left(c));
    out->names = calloc(n ? n : 1, sizeof *out->names);
    out->tensors = calloc(n ? n : 1, sizeof *out->tensors);
    if (!out->names || !out->tensors)
        return ct_fail("%s: out of memory", f->op);
    out->count = (int64_t)n;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t len, index;
        const unsigned char *name;
        if (ct_cursor_u8(c, &tag, "a key tag") < 0)
            return -1;
        if (tag != CTF_STRING)
            return ct_fail("%s: %s holds a table with a key that is not a string, not a table of named "
                           "tensors", f->op, f->reader.path);
        if (ct_cursor_u64(c, &len, "a string length") < 0 || ct_cursor_bytes(c, len, &name, "a string") < 0)
            return -1;
        if (memchr(name, 0, (size_t)len))
            return ct_fail("%s: %s holds a name with a NUL byte", f->op, f->reader.path);
        if (ct_cursor_u8(c, &tag, "a value tag") < 0)
            return -1;
        if (tag != CTF_TENSOR)
            return ct_fail("%s: %s holds a table with a value that is not a tensor, not a table of named "
                           "tensors", f->op, f->reader.path);
        if (ct_cursor_u64(c, &index, "a tensor index") < 0)
            return -1;
        if (index >= f->ntensors)
            return ct_cursor_fail(c, "tensor %llu of %llu", (unsigned long long)index + 1,
                                  (unsigned long long)f->ntensors);
        out->names[i] = dup_bytes(name, (size_t)len);
        if (!out->names[i])
            return ct_fail("%s: out of memory", f->op);
        out->tensors[i] = ct_retain(f->tensors[index]);
    }
    int failed;
    const char *dup = find_duplicate(out->count, (const char *const *)out->names, &failed);
    if (failed)
        return ct_fail("%s: out of memory", f->op);
    if (dup)
        return ct_fail("%s: %s is corrupt (the key '%.200s' appears twice)", f->op, f->reader.path, dup);
    return ctf_check_tree_end(f);
}

int ct_load_tensors(const char *path, ct_named_tensors *out)
{
    memset(out, 0, sizeof *out);
    ctf_file f;
    if (ctf_load(&f, "ct_load_tensors", path, 1) < 0)
        return -1;
    int rc = parse_named(&f, out);
    ctf_file_free(&f);
    if (rc < 0)
        ct_named_tensors_free(out);
    return rc;
}
