/*
 * loader.c -- batches prepared by worker threads (the C side of DataLoader).
 *
 * The Lua side decides which items go in each batch and submits them in
 * order; each worker takes the oldest batch nobody has started, gathers or
 * decodes its items, runs the transforms on field 0 and stacks every field.
 * The consumer takes batches back in submission order, so the result does
 * not depend on the number of workers.  With no workers the consumer
 * prepares the batch itself when it asks for it.
 *
 * Workers touch only what the loader owns: their own copies of the sources
 * (retained, contiguous tensors; duplicated paths and transforms) and the
 * batch they are on.  No autograd: rows are wrapped with ct_from_blob, so a
 * dataset tensor that requires grad records nothing from a worker thread.
 */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctorch.h"

typedef struct loader_source {
    int n_fields;
    ct_tensor **fields; /* contiguous; fields[0] NULL when paths give field 0 */
    int64_t n_items;
    char **paths;
    int image_channels;
    int n_transforms;
    ct_transform *transforms;
} loader_source;

typedef enum { JOB_QUEUED, JOB_RUNNING, JOB_DONE } job_state;

typedef struct loader_job {
    struct loader_job *next;
    job_state state;
    int64_t n;
    int *source_ids;
    int64_t *indices;
    uint64_t seed;
    ct_tensor **out; /* n_fields stacked results once done */
    int failed;
    char *error;     /* the message of the item that failed (NULL if copying it failed) */
} loader_job;

struct ct_loader {
    int n_sources;
    loader_source *sources;
    int n_fields;
    int num_workers;
    pthread_t *threads;
    int n_threads; /* started */
    pthread_mutex_t lock;
    pthread_cond_t work_ready; /* a job was queued, or stop */
    pthread_cond_t job_done;
    loader_job *head, *tail; /* submission order */
    int64_t pending;
    int stop;
};

/* ---------------------------------------------------------------- sources */

static void source_clear(loader_source *s)
{
    for (int f = 0; f < s->n_fields && s->fields; f++)
        ct_release(s->fields[f]);
    free(s->fields);
    for (int64_t i = 0; i < s->n_items && s->paths; i++)
        free(s->paths[i]);
    free(s->paths);
    free(s->transforms);
    memset(s, 0, sizeof *s);
}

/* Copies what the workers need from src; checks that every field has the
 * same number of rows. */
static int source_copy(loader_source *dst, const ct_data_source *src, int index)
{
    memset(dst, 0, sizeof *dst);
    if (src->n_fields < 1 || src->n_fields > CT_MAX_DIMS)
        return ct_fail("DataLoader: source %d has %d fields (1 to %d allowed)", index + 1, src->n_fields,
                       CT_MAX_DIMS);
    dst->n_fields = src->n_fields;
    dst->fields = calloc((size_t)src->n_fields, sizeof *dst->fields);
    if (!dst->fields)
        return ct_fail("DataLoader: out of memory");
    dst->n_items = -1;
    if (src->paths) {
        dst->n_items = src->n_paths;
        dst->paths = calloc((size_t)(src->n_paths ? src->n_paths : 1), sizeof *dst->paths);
        if (!dst->paths)
            return ct_fail("DataLoader: out of memory");
        for (int64_t i = 0; i < src->n_paths; i++)
            if (!(dst->paths[i] = strdup(src->paths[i])))
                return ct_fail("DataLoader: out of memory");
        dst->image_channels = src->image_channels;
    }
    for (int f = src->paths ? 1 : 0; f < src->n_fields; f++) {
        ct_tensor *t = src->fields[f];
        if (!t)
            return ct_fail("DataLoader: source %d has no tensor for field %d", index + 1, f + 1);
        if (ct_device_of(t).type != CT_CPU)
            return ct_fail("DataLoader: field %d of source %d is not on the CPU", f + 1, index + 1);
        if (ct_ndim(t) < 1)
            return ct_fail("DataLoader: field %d of source %d is a 0-dim tensor (need [N, ...])", f + 1,
                           index + 1);
        if (dst->n_items >= 0 && ct_size(t, 0) != dst->n_items)
            return ct_fail("DataLoader: field %d of source %d has %lld rows, but the source has %lld items",
                           f + 1, index + 1, (long long)ct_size(t, 0), (long long)dst->n_items);
        dst->n_items = ct_size(t, 0);
        if (!(dst->fields[f] = ct_contiguous(t)))
            return -1;
    }
    if (src->n_transforms > 0) {
        dst->transforms = malloc((size_t)src->n_transforms * sizeof *dst->transforms);
        if (!dst->transforms)
            return ct_fail("DataLoader: out of memory");
        memcpy(dst->transforms, src->transforms, (size_t)src->n_transforms * sizeof *dst->transforms);
        dst->n_transforms = src->n_transforms;
        for (int k = 0; k < src->n_transforms; k++)
            if (ct_transform_check(&dst->transforms[k], "DataLoader") < 0)
                return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- preparing a batch */

static void release_field_ref(void *data, void *ctx)
{
    (void)data;
    ct_release(ctx);
}

/* Row i of t as a tensor that records no autograd and keeps t alive. */
static ct_tensor *field_row(ct_tensor *t, int64_t i)
{
    size_t row_bytes = ct_dtype_size(ct_dtype_of(t));
    for (int d = 1; d < ct_ndim(t); d++)
        row_bytes *= (size_t)ct_size(t, d);
    char *p = (char *)ct_data_ptr(t) + (size_t)i * row_bytes;
    ct_tensor *row = ct_from_blob(p, ct_ndim(t) - 1, ct_sizes(t) + 1, NULL, ct_dtype_of(t), release_field_ref, t);
    if (row)
        ct_retain(t);
    return row;
}

/* Field 0 of an item after decoding and transforms. */
static ct_tensor *prepare_first_field(const loader_source *s, int64_t i, uint64_t seed)
{
    ct_tensor *x = s->paths ? ct_image_read(s->paths[i], s->image_channels) : field_row(s->fields[0], i);
    ct_sample_rng rng;
    ct_sample_rng_seed(&rng, seed);
    for (int k = 0; x && k < s->n_transforms; k++) {
        ct_tensor *y = ct_transform_apply(&s->transforms[k], x, &rng);
        ct_release(x);
        x = y;
    }
    return x;
}

/* Copies item k's value of one field into the stacked output, allocating the
 * output from the first item's shape. */
static int stack_into(ct_tensor **out, int64_t n, int64_t k, int field, ct_tensor *value, int64_t item)
{
    char have[128], want[128];
    if (!*out) {
        int64_t sizes[CT_MAX_DIMS + 1];
        int nd = ct_ndim(value);
        if (nd + 1 > CT_MAX_DIMS)
            return ct_fail("DataLoader: field %d has %d dims; a batch of it would exceed %d", field + 1, nd,
                           CT_MAX_DIMS);
        sizes[0] = n;
        memcpy(sizes + 1, ct_sizes(value), (size_t)nd * sizeof *sizes);
        if (!(*out = ct_empty(nd + 1, sizes, ct_dtype_of(value))))
            return -1;
    } else {
        ct_tensor *o = *out;
        int same = ct_ndim(o) == ct_ndim(value) + 1 && ct_dtype_of(o) == ct_dtype_of(value);
        for (int d = 0; same && d < ct_ndim(value); d++)
            same = ct_size(o, d + 1) == ct_size(value, d);
        if (!same) {
            ct_tensor *first = ct_select(o, 0, 0);
            if (first) {
                ct_shape_str(first, want, sizeof want);
                ct_release(first);
            } else {
                snprintf(want, sizeof want, "?");
            }
            return ct_fail("DataLoader: cannot stack field %d of the batch: item %lld (dataset index %lld) is "
                           "%s %s but the batch's first item is %s %s (make the items the same size, e.g. "
                           "with Resize/CenterCrop, or pass a collate_fn)",
                           field + 1, (long long)k + 1, (long long)item + 1, ct_dtype_name(ct_dtype_of(value)),
                           ct_shape_str(value, have, sizeof have), ct_dtype_name(ct_dtype_of(o)), want);
        }
    }
    ct_tensor *c = ct_contiguous(value);
    if (!c)
        return -1;
    size_t bytes = (size_t)ct_numel(c) * ct_dtype_size(ct_dtype_of(c));
    memcpy((char *)ct_data_ptr(*out) + (size_t)k * bytes, ct_data_ptr(c), bytes);
    ct_release(c);
    return 0;
}

static void copy_row(ct_tensor *out, int64_t k, ct_tensor *field, int64_t i)
{
    size_t bytes = (size_t)(ct_numel(field) / ct_size(field, 0)) * ct_dtype_size(ct_dtype_of(field));
    memcpy((char *)ct_data_ptr(out) + (size_t)k * bytes, (const char *)ct_data_ptr(field) + (size_t)i * bytes,
           bytes);
}

/* Fields 1.. of the batch are rows of whole tensors: their outputs are
 * shaped up front, unless sources disagree on a field's shape. */
static int prepare_batch(struct ct_loader *l, loader_job *job)
{
    int nf = l->n_fields;
    ct_tensor **out = calloc((size_t)nf, sizeof *out);
    if (!out)
        return ct_fail("DataLoader: out of memory");
    job->out = out;
    for (int64_t k = 0; k < job->n; k++) {
        const loader_source *s = &l->sources[job->source_ids ? job->source_ids[k] : 0];
        int64_t i = job->indices[k];
        ct_tensor *first = prepare_first_field(s, i, job->seed + (uint64_t)k);
        if (!first || stack_into(&out[0], job->n, k, 0, first, i) < 0) {
            ct_release(first);
            return -1;
        }
        ct_release(first);
        for (int f = 1; f < nf; f++) {
            ct_tensor *field = s->fields[f];
            int fits = out[f] && ct_ndim(out[f]) == ct_ndim(field) && ct_dtype_of(out[f]) == ct_dtype_of(field);
            for (int d = 1; fits && d < ct_ndim(field); d++)
                fits = ct_size(out[f], d) == ct_size(field, d);
            if (fits) {
                copy_row(out[f], k, field, i);
                continue;
            }
            ct_tensor *row = field_row(field, i);
            int rc = row ? stack_into(&out[f], job->n, k, f, row, i) : -1;
            ct_release(row);
            if (rc < 0)
                return -1;
        }
    }
    return 0;
}

static void run_job(struct ct_loader *l, loader_job *job)
{
    if (prepare_batch(l, job) < 0) {
        job->failed = 1;
        job->error = strdup(ct_last_error());
    }
}

static void job_free(loader_job *job, int n_fields)
{
    if (!job)
        return;
    for (int f = 0; job->out && f < n_fields; f++)
        ct_release(job->out[f]);
    free(job->out);
    free(job->source_ids);
    free(job->indices);
    free(job->error);
    free(job);
}

/* ---------------------------------------------------------------- workers */

static void *worker_main(void *arg)
{
    struct ct_loader *l = arg;
    pthread_mutex_lock(&l->lock);
    for (;;) {
        loader_job *job = l->head;
        while (job && job->state != JOB_QUEUED)
            job = job->next;
        if (l->stop)
            break;
        if (!job) {
            pthread_cond_wait(&l->work_ready, &l->lock);
            continue;
        }
        job->state = JOB_RUNNING;
        pthread_mutex_unlock(&l->lock);
        run_job(l, job);
        pthread_mutex_lock(&l->lock);
        job->state = JOB_DONE;
        pthread_cond_broadcast(&l->job_done);
    }
    pthread_mutex_unlock(&l->lock);
    return NULL;
}

/* ---------------------------------------------------------------- API */

ct_loader *ct_loader_new(int n_sources, const ct_data_source *sources, int num_workers)
{
    if (n_sources < 1 || !sources) {
        ct_fail("DataLoader: no data source");
        return NULL;
    }
    if (num_workers < 0 || num_workers > 256) {
        ct_fail("DataLoader: num_workers must be 0 to 256, got %d", num_workers);
        return NULL;
    }
    struct ct_loader *l = calloc(1, sizeof *l);
    if (!l) {
        ct_fail("DataLoader: out of memory");
        return NULL;
    }
    pthread_mutex_init(&l->lock, NULL);
    pthread_cond_init(&l->work_ready, NULL);
    pthread_cond_init(&l->job_done, NULL);
    l->n_fields = sources[0].n_fields;
    l->sources = calloc((size_t)n_sources, sizeof *l->sources);
    if (!l->sources) {
        ct_fail("DataLoader: out of memory");
        ct_loader_free(l);
        return NULL;
    }
    l->n_sources = n_sources;
    for (int i = 0; i < n_sources; i++) {
        if (sources[i].n_fields != l->n_fields) {
            ct_fail("DataLoader: source %d has %d fields per item but source 1 has %d", i + 1,
                    sources[i].n_fields, l->n_fields);
            ct_loader_free(l);
            return NULL;
        }
        if (source_copy(&l->sources[i], &sources[i], i) < 0) {
            ct_loader_free(l);
            return NULL;
        }
    }
    l->num_workers = num_workers;
    if (num_workers > 0) {
        l->threads = calloc((size_t)num_workers, sizeof *l->threads);
        if (!l->threads) {
            ct_fail("DataLoader: out of memory");
            ct_loader_free(l);
            return NULL;
        }
        for (int i = 0; i < num_workers; i++) {
            if (pthread_create(&l->threads[i], NULL, worker_main, l) != 0) {
                ct_fail("DataLoader: cannot start worker thread %d of %d", i + 1, num_workers);
                ct_loader_free(l);
                return NULL;
            }
            l->n_threads++;
        }
    }
    return l;
}

int ct_loader_submit(ct_loader *l, int64_t n, const int *source_ids, const int64_t *indices, uint64_t seed)
{
    if (n < 1)
        return ct_fail("DataLoader: a batch needs at least one item, got %lld", (long long)n);
    for (int64_t k = 0; k < n; k++) {
        int s = source_ids ? source_ids[k] : 0;
        if (s < 0 || s >= l->n_sources)
            return ct_fail("DataLoader: item %lld names source %d of %d", (long long)k + 1, s + 1, l->n_sources);
        if (indices[k] < 0 || indices[k] >= l->sources[s].n_items)
            return ct_fail("DataLoader: index %lld is out of range for a dataset of %lld items",
                           (long long)indices[k] + 1, (long long)l->sources[s].n_items);
    }
    loader_job *job = calloc(1, sizeof *job);
    if (!job)
        return ct_fail("DataLoader: out of memory");
    job->n = n;
    job->seed = seed;
    job->indices = malloc((size_t)n * sizeof *job->indices);
    if (source_ids)
        job->source_ids = malloc((size_t)n * sizeof *job->source_ids);
    if (!job->indices || (source_ids && !job->source_ids)) {
        job_free(job, 0);
        return ct_fail("DataLoader: out of memory");
    }
    memcpy(job->indices, indices, (size_t)n * sizeof *indices);
    if (source_ids)
        memcpy(job->source_ids, source_ids, (size_t)n * sizeof *source_ids);
    pthread_mutex_lock(&l->lock);
    if (l->tail)
        l->tail->next = job;
    else
        l->head = job;
    l->tail = job;
    l->pending++;
    pthread_cond_signal(&l->work_ready);
    pthread_mutex_unlock(&l->lock);
    return 0;
}

int64_t ct_loader_pending(const ct_loader *l) { return l->pending; }

int ct_loader_next(ct_loader *l, ct_tensor **out, int max_out)
{
    if (max_out < l->n_fields)
        return ct_fail("DataLoader: room for %d fields, batches have %d", max_out, l->n_fields);
    pthread_mutex_lock(&l->lock);
    loader_job *job = l->head;
    if (!job) {
        pthread_mutex_unlock(&l->lock);
        return ct_fail("DataLoader: no batch was submitted");
    }
    if (l->num_workers == 0) {
        job->state = JOB_RUNNING;
        pthread_mutex_unlock(&l->lock);
        run_job(l, job);
        pthread_mutex_lock(&l->lock);
        job->state = JOB_DONE;
    }
    while (job->state != JOB_DONE)
        pthread_cond_wait(&l->job_done, &l->lock);
    l->head = job->next;
    if (!l->head)
        l->tail = NULL;
    l->pending--;
    pthread_mutex_unlock(&l->lock);

    int rc = l->n_fields;
    if (job->failed) {
        rc = ct_fail("%s", job->error ? job->error : "DataLoader: out of memory");
    } else {
        for (int f = 0; f < l->n_fields; f++) {
            out[f] = job->out[f];
            job->out[f] = NULL;
        }
    }
    job_free(job, l->n_fields);
    return rc;
}

void ct_loader_free(ct_loader *l)
{
    if (!l)
        return;
    pthread_mutex_lock(&l->lock);
    l->stop = 1;
    pthread_cond_broadcast(&l->work_ready);
    pthread_mutex_unlock(&l->lock);
    for (int i = 0; i < l->n_threads; i++)
        pthread_join(l->threads[i], NULL);
    free(l->threads);
    while (l->head) {
        loader_job *next = l->head->next;
        job_free(l->head, l->n_fields);
        l->head = next;
    }
    for (int i = 0; i < l->n_sources; i++)
        source_clear(&l->sources[i]);
    free(l->sources);
    pthread_cond_destroy(&l->job_done);
    pthread_cond_destroy(&l->work_ready);
    pthread_mutex_destroy(&l->lock);
    free(l);
}
