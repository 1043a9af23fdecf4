/*
 * openblas_gemm.c -- the reference for bench/matmul.lua: one n x n x n
 * float32 cblas_sgemm called directly, GFLOP/s of the median of 15 runs after
 * 3 warm-ups.  OpenBLAS uses its default thread count (one per core, or
 * OPENBLAS_NUM_THREADS), as ctorch does.  Usage: openblas_gemm [n]
 */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* wall clock, or this process's CPU time with BENCH_CLOCK=cpu (as bench/common.lua) */
static clockid_t clock_id = CLOCK_MONOTONIC;

static double now(void)
{
    struct timespec ts;
    clock_gettime(clock_id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 1024;
    const char *clk = getenv("BENCH_CLOCK");
    if (clk && strcmp(clk, "cpu") == 0)
        clock_id = CLOCK_PROCESS_CPUTIME_ID;
    if (n <= 0)
        return 1;
    float *a = malloc(sizeof(float) * (size_t)n * (size_t)n);
    float *b = malloc(sizeof(float) * (size_t)n * (size_t)n);
    float *c = malloc(sizeof(float) * (size_t)n * (size_t)n);
    if (!a || !b || !c)
        return 1;
    srand(1);
    for (size_t i = 0; i < (size_t)n * (size_t)n; i++) {
        a[i] = (float)rand() / (float)RAND_MAX - 0.5f;
        b[i] = (float)rand() / (float)RAND_MAX - 0.5f;
    }
    enum { WARMUP = 3, REPS = 15 };
    double ts[REPS];
    for (int r = 0; r < WARMUP + REPS; r++) {
        double t0 = now();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
        if (r >= WARMUP)
            ts[r - WARMUP] = now() - t0;
    }
    qsort(ts, REPS, sizeof ts[0], cmp_double);
    double t = ts[REPS / 2];
    printf("openblas threads: %d, median %.3f ms\n", openblas_get_num_threads(), t * 1e3);
    printf("RESULT %.6g\n", 2.0 * (double)n * n * n / t / 1e9);
    free(a);
    free(b);
    free(c);
    return 0;
}
