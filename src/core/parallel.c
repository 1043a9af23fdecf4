/*
 * parallel.c -- a small persistent thread pool.
 *
 * One pool serves the process.  Workers sleep on a condition variable (no
 * spinning, so they never steal cycles from OpenBLAS's own threads), and only
 * one parallel region runs at a time: a call that finds the pool busy, from
 * another thread or nested inside a region, simply runs serially.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/loop.h"

#ifdef CTORCH_HAVE_OPENBLAS
#include <cblas.h>
#endif

#define CT_MAX_THREADS 64

typedef struct {
    pthread_mutex_t region_lock; /* held by the thread running a region */
    pthread_mutex_t lock;
    pthread_cond_t work_ready;
    pthread_cond_t work_done;
    int nworkers_started;
    int nthreads;         /* configured threads, caller included */
    uint64_t generation;  /* bumped per region */
    int pending;          /* workers still running the current region */
    int active_workers;   /* workers that take chunks in the current region */
    ct_range_fn fn;
    void *ctx;
    int64_t n;
    int64_t nchunks;
    atomic_int_fast64_t next_chunk;
    pthread_t threads[CT_MAX_THREADS];
} ct_pool;

static ct_pool pool = {
    .region_lock = PTHREAD_MUTEX_INITIALIZER,
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .work_ready = PTHREAD_COND_INITIALIZER,
    .work_done = PTHREAD_COND_INITIALIZER,
};
static pthread_once_t pool_once = PTHREAD_ONCE_INIT;

static void run_chunks(void)
{
    for (;;) {
        int64_t c = atomic_fetch_add(&pool.next_chunk, 1);
        if (c >= pool.nchunks)
            return;
        int64_t begin = pool.n * c / pool.nchunks;
        int64_t end = pool.n * (c + 1) / pool.nchunks;
        pool.fn(pool.ctx, begin, end);
    }
}

static void *worker_main(void *arg)
{
    int id = (int)(intptr_t)arg;
    uint64_t seen = 0;
    pthread_mutex_lock(&pool.lock);
    for (;;) {
        while (pool.generation == seen)
            pthread_cond_wait(&pool.work_ready, &pool.lock);
        seen = pool.generation;
        int active = id < pool.active_workers;
        pthread_mutex_unlock(&pool.lock);
        if (active)
            run_chunks();
        pthread_mutex_lock(&pool.lock);
        if (--pool.pending == 0)
            pthread_cond_signal(&pool.work_done);
    }
    return NULL;
}

static void pool_init(void)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    const char *env = getenv("CTORCH_NUM_THREADS");
    if (env && atoi(env) > 0)
        cores = atoi(env);
    if (cores < 1)
        cores = 1;
    if (cores > CT_MAX_THREADS)
        cores = CT_MAX_THREADS;
    pool.nthreads = (int)cores;
}

/* Starts workers up to nthreads - 1; called with pool.lock held. */
static void pool_grow(void)
{
    while (pool.nworkers_started < pool.nthreads - 1) {
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        int rc = pthread_create(&pool.threads[pool.nworkers_started], &attr, worker_main,
                                (void *)(intptr_t)pool.nworkers_started);
        pthread_attr_destroy(&attr);
        if (rc != 0)
            break; /* fewer workers is still correct */
        pool.nworkers_started++;
    }
}

void ct_set_num_threads(int n)
{
    pthread_once(&pool_once, pool_init);
    if (n < 1)
        n = 1;
    if (n > CT_MAX_THREADS)
        n = CT_MAX_THREADS;
    pthread_mutex_lock(&pool.region_lock);
    pool.nthreads = n;
    pthread_mutex_unlock(&pool.region_lock);
#ifdef CTORCH_HAVE_OPENBLAS
    openblas_set_num_threads(n);
#endif
}

int ct_get_num_threads(void)
{
    pthread_once(&pool_once, pool_init);
    return pool.nthreads;
}

void ct_parallel_for(int64_t n, int64_t grain, ct_range_fn fn, void *ctx)
{
    if (n <= 0)
        return;
    pthread_once(&pool_once, pool_init);
    if (grain < 1)
        grain = 1;
    if (n < 2 * grain || pool.nthreads < 2 || pthread_mutex_trylock(&pool.region_lock) != 0) {
        fn(ctx, 0, n);
        return;
    }
    pthread_mutex_lock(&pool.lock);
    pool_grow();
    int nworkers = pool.nworkers_started;
    if (nworkers > pool.nthreads - 1)
        nworkers = pool.nthreads - 1;
    int64_t nchunks = n / grain;
    int64_t max_chunks = 4 * (int64_t)(nworkers + 1); /* a few per thread evens out the load */
    if (nchunks > max_chunks)
        nchunks = max_chunks;
    pool.fn = fn;
    pool.ctx = ctx;
    pool.n = n;
    pool.nchunks = nchunks;
    atomic_store(&pool.next_chunk, 0);
    pool.active_workers = nworkers;
    pool.pending = pool.nworkers_started; /* every worker wakes and checks in */
    pool.generation++;
    pthread_cond_broadcast(&pool.work_ready);
    pthread_mutex_unlock(&pool.lock);

    run_chunks();

    pthread_mutex_lock(&pool.lock);
    while (pool.pending > 0)
        pthread_cond_wait(&pool.work_done, &pool.lock);
    pthread_mutex_unlock(&pool.lock);
    pthread_mutex_unlock(&pool.region_lock);
}
