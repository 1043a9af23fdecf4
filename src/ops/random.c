/*
 * random.c -- dispatch for random sampling: in-place fills (uniform_,
 * normal_, bernoulli_, random_int_), the creating forms (rand, randn,
 * randint, bernoulli), randperm and multinomial.
 */
#include <math.h>
#include <stdlib.h>

#include "core/loop.h"
#include "core/random.h"
#include "cpu/random.h"

/* Elements per task: a Philox block costs a few tens of nanoseconds. */
#define RANDOM_GRAIN 16384

static int is_floating(ct_dtype d) { return ct_dtype_is_float(d); }

static int check_cpu(const char *op, const ct_tensor *t)
{
    if (t->storage->device.type == CT_CPU)
        return 0;
    char dev[32];
    return ct_fail("%s: not implemented for tensors on %s", op, ct_device_str(t->storage->device, dev, sizeof dev));
}

static int check_float(const char *op, const ct_tensor *t)
{
    if (!is_floating(t->dtype))
        return ct_fail("%s: expected a floating point tensor, but got %s", op, ct_dtype_name(t->dtype));
    return 0;
}

/* Runs the job over t: directly when t is contiguous, else through a
 * contiguous temporary (element i is always t's i-th element in row-major
 * order, so a view gets the values a fresh tensor would). */
static int run_fill(ct_tensor *t, ct_random_job *job)
{
    int64_t n = ct_numel(t);
    job->dtype = t->dtype;
    job->numel = n;
    int vpb = ct_random_per_block(job);
    ct_generator_reserve((uint64_t)((n + vpb - 1) / vpb), &job->seed, &job->offset);
    if (n == 0) {
        ct_tensor_bump_version(t);
        return 0;
    }
    if (ct_is_contiguous(t)) {
        job->data = ct_tensor_data(t);
        ct_parallel_for(n, RANDOM_GRAIN, ct_cpu_random_fill, job);
        ct_tensor_bump_version(t);
        return 0;
    }
    ct_tensor *tmp = ct_empty_like(t, t->dtype);
    if (!tmp)
        return -1;
    job->data = ct_tensor_data(tmp);
    ct_parallel_for(n, RANDOM_GRAIN, ct_cpu_random_fill, job);
    int rc = ct_raw_copy_(t, tmp); /* bumps t's version */
    ct_release(tmp);
    return rc;
}

int ct_raw_uniform_(ct_tensor *t, double low, double high)
{
    if (check_cpu("uniform_", t) < 0 || check_float("uniform_", t) < 0)
        return -1;
    if (!isfinite(low) || !isfinite(high) || low > high)
        return ct_fail("uniform_: expected finite bounds with low <= high, but got low = %g and high = %g", low, high);
    ct_random_job job = {.kind = CT_RAND_UNIFORM, .a = low, .b = high};
    return run_fill(t, &job);
}

int ct_raw_normal_(ct_tensor *t, double mean, double std)
{
    if (check_cpu("normal_", t) < 0 || check_float("normal_", t) < 0)
        return -1;
    if (!isfinite(mean) || !(std >= 0) || !isfinite(std))
        return ct_fail("normal_: expected a finite mean and std >= 0, but got mean = %g and std = %g", mean, std);
    ct_random_job job = {.kind = CT_RAND_NORMAL, .a = mean, .b = std};
    return run_fill(t, &job);
}

int ct_raw_bernoulli_(ct_tensor *t, double p)
{
    if (check_cpu("bernoulli_", t) < 0)
        return -1;
    if (!(p >= 0 && p <= 1))
        return ct_fail("bernoulli_: expected 0 <= p <= 1, but got p = %g", p);
    ct_random_job job = {.kind = CT_RAND_BERNOULLI, .a = p};
    return run_fill(t, &job);
}

/* The integers dtype holds exactly: [*lo, *hi]. */
static void exact_int_range(ct_dtype d, int64_t *lo, int64_t *hi)
{
    switch (d) {
    case CT_BOOL: *lo = 0; *hi = 1; break;
    case CT_UINT8: *lo = 0; *hi = 255; break;
    case CT_INT32: *lo = INT32_MIN; *hi = INT32_MAX; break;
    case CT_FLOAT32: *lo = -(INT64_C(1) << 24); *hi = INT64_C(1) << 24; break;
    case CT_FLOAT64: *lo = -(INT64_C(1) << 53); *hi = INT64_C(1) << 53; break;
    case CT_FLOAT16: *lo = -(INT64_C(1) << 11); *hi = INT64_C(1) << 11; break;
    case CT_BFLOAT16: *lo = -(INT64_C(1) << 8); *hi = INT64_C(1) << 8; break;
    default: *lo = INT64_MIN; *hi = INT64_MAX; break;
    }
}

static int check_int_range(const char *op, ct_dtype d, int64_t low, int64_t high)
{
    if (low >= high)
        return ct_fail("%s: expected low < high, but got low = %lld and high = %lld", op, (long long)low,
                       (long long)high);
    int64_t lo, hi;
    exact_int_range(d, &lo, &hi);
    if (low < lo || high - 1 > hi)
        return ct_fail("%s: the range [%lld, %lld) does not fit dtype %s (which holds %lld to %lld exactly)", op,
                       (long long)low, (long long)high, ct_dtype_name(d), (long long)lo, (long long)hi);
    return 0;
}

int ct_raw_random_int_(ct_tensor *t, int64_t low, int64_t high)
{
    if (check_cpu("random_", t) < 0 || check_int_range("random_", t->dtype, low, high) < 0)
        return -1;
    ct_random_job job = {.kind = CT_RAND_INT, .ilow = low, .range = (uint64_t)high - (uint64_t)low};
    return run_fill(t, &job);
}

/* ---------------------------------------------------------------- creating forms */

static ct_tensor *new_float(const char *op, int ndim, const int64_t *sizes, ct_dtype dtype)
{
    if ((unsigned)dtype < CT_NUM_DTYPES && !is_floating(dtype)) {
        ct_fail("%s: expected a floating point dtype, but got %s", op, ct_dtype_name(dtype));
        return NULL;
    }
    return ct_empty(ndim, sizes, dtype);
}

ct_tensor *ct_rand(int ndim, const int64_t *sizes, ct_dtype dtype)
{
    ct_tensor *t = new_float("rand", ndim, sizes, dtype);
    if (t && ct_raw_uniform_(t, 0, 1) < 0) {
        ct_release(t);
        return NULL;
    }
    return t;
}

ct_tensor *ct_randn(int ndim, const int64_t *sizes, ct_dtype dtype)
{
    ct_tensor *t = new_float("randn", ndim, sizes, dtype);
    if (t && ct_raw_normal_(t, 0, 1) < 0) {
        ct_release(t);
        return NULL;
    }
    return t;
}

ct_tensor *ct_randint(int64_t low, int64_t high, int ndim, const int64_t *sizes, ct_dtype dtype)
{
    if ((unsigned)dtype < CT_NUM_DTYPES && check_int_range("randint", dtype, low, high) < 0)
        return NULL;
    ct_tensor *t = ct_empty(ndim, sizes, dtype);
    if (t && ct_raw_random_int_(t, low, high) < 0) {
        ct_release(t);
        return NULL;
    }
    return t;
}

ct_tensor *ct_bernoulli(ct_tensor *p)
{
    if (check_cpu("bernoulli", p) < 0)
        return NULL;
    if (!is_floating(p->dtype)) {
        ct_fail("bernoulli: expected a floating point tensor of probabilities, but got %s", ct_dtype_name(p->dtype));
        return NULL;
    }
    ct_tensor *pc = ct_raw_contiguous(p);
    if (!pc)
        return NULL;
    int64_t n = ct_numel(pc);
    const char *pd = ct_tensor_data(pc);
    size_t es = ct_dtype_size(pc->dtype);
    for (int64_t i = 0; i < n; i++) {
        double v = ct_scalar_load(pc->dtype, pd + (size_t)i * es).d;
        if (!(v >= 0 && v <= 1)) {
            ct_fail("bernoulli: expected all probabilities in [0, 1], but got %g at element %lld", v,
                    (long long)i + 1);
            ct_release(pc);
            return NULL;
        }
    }
    ct_tensor *out = ct_empty_like(pc, pc->dtype);
    if (!out) {
        ct_release(pc);
        return NULL;
    }
    ct_random_job job = {.kind = CT_RAND_BERNOULLI_TENSOR, .p = pd, .p_dtype = pc->dtype};
    int rc = run_fill(out, &job);
    ct_release(pc);
    if (rc < 0) {
        ct_release(out);
        return NULL;
    }
    return out;
}

/* ---------------------------------------------------------------- randperm */

ct_tensor *ct_randperm(int64_t n, ct_dtype dtype)
{
    if (n < 0) {
        ct_fail("randperm: n must be non-negative, but got %lld", (long long)n);
        return NULL;
    }
    if ((unsigned)dtype >= CT_NUM_DTYPES || dtype == CT_BOOL) {
        ct_fail("randperm: dtype %s cannot hold a permutation", (unsigned)dtype < CT_NUM_DTYPES ? ct_dtype_name(dtype) : "?");
        return NULL;
    }
    int64_t lo, hi;
    exact_int_range(dtype, &lo, &hi);
    if (n > 0 && n - 1 > hi) {
        ct_fail("randperm: n = %lld is too large for dtype %s", (long long)n, ct_dtype_name(dtype));
        return NULL;
    }
    ct_tensor *out = ct_empty(1, &n, dtype);
    if (!out)
        return NULL;
    int64_t *perm = dtype == CT_INT64 ? (int64_t *)ct_tensor_data(out) : malloc(sizeof(int64_t) * (size_t)(n ? n : 1));
    if (!perm) {
        ct_release(out);
        ct_fail("randperm: out of memory for %lld elements", (long long)n);
        return NULL;
    }
    uint64_t seed, offset;
    ct_generator_reserve((uint64_t)n, &seed, &offset);
    for (int64_t i = 0; i < n; i++)
        perm[i] = i;
    /* Fisher-Yates: step i swaps perm[i] with a uniform pick from perm[0..i] */
    for (int64_t i = n - 1; i > 0; i--) {
        uint32_t r[4];
        ct_philox4x32_10(offset + (uint64_t)i, seed, r);
        uint64_t u = ((uint64_t)r[1] << 32) | r[0];
        int64_t j = (int64_t)(u % (uint64_t)(i + 1));
        int64_t tmp = perm[i];
        perm[i] = perm[j];
        perm[j] = tmp;
    }
    if (dtype != CT_INT64) {
        char *data = ct_tensor_data(out);
        size_t es = ct_dtype_size(dtype);
        for (int64_t i = 0; i < n; i++)
            ct_scalar_store(ct_scalar_int(perm[i]), dtype, data + (size_t)i * es);
        free(perm);
    }
    return out;
}

/* ---------------------------------------------------------------- multinomial */

typedef struct mn_key {
    double key;
    int64_t idx;
} mn_key;

typedef struct mn_job {
    const char *p; /* contiguous rows x ncat probabilities */
    ct_dtype p_dtype;
    int64_t ncat, nsamples;
    int replacement;
    int64_t *out;   /* rows x nsamples */
    double *cum;    /* rows x ncat workspace (with replacement) */
    mn_key *keys;   /* rows x ncat workspace (without) */
    uint64_t seed, offset;
} mn_job;

static int cmp_keys(const void *x, const void *y)
{
    const mn_key *a = x, *b = y;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static double prob_at(const mn_job *j, int64_t i)
{
    if (j->p_dtype == CT_FLOAT32)
        return ((const float *)j->p)[i];
    if (j->p_dtype == CT_FLOAT64)
        return ((const double *)j->p)[i];
    return ct_scalar_load(j->p_dtype, j->p + (size_t)i * ct_dtype_size(j->p_dtype)).d;
}

static void multinomial_rows(void *ctx, int64_t begin, int64_t end)
{
    const mn_job *j = ctx;
    uint32_t r[4];
    for (int64_t row = begin; row < end; row++) {
        int64_t base = row * j->ncat, *out = j->out + row * j->nsamples;
        if (j->replacement) {
            /* inverse CDF: the first category whose cumulative sum exceeds u * total */
            double *cum = j->cum + base, acc = 0;
            int64_t last_positive = 0;
            for (int64_t i = 0; i < j->ncat; i++) {
                double p = prob_at(j, base + i);
                acc += p;
                cum[i] = acc;
                if (p > 0)
                    last_positive = i;
            }
            for (int64_t s = 0; s < j->nsamples; s++) {
                ct_philox4x32_10(j->offset + (uint64_t)(row * j->nsamples + s), j->seed, r);
                double u = ct_u53(r[0], r[1]) * acc;
                int64_t lo = 0, hi = j->ncat; /* first index in [lo, hi) with cum > u */
                while (lo < hi) {
                    int64_t mid = lo + (hi - lo) / 2;
                    if (cum[mid] > u)
                        hi = mid;
                    else
                        lo = mid + 1;
                }
                out[s] = lo < j->ncat ? lo : last_positive; /* u rounded up to the total */
            }
        } else {
            /* exponential race: the nsamples smallest E_i / p_i, E_i ~ Exp(1), are
             * a draw without replacement, in draw order */
            mn_key *keys = j->keys + base;
            for (int64_t i = 0; i < j->ncat; i++) {
                ct_philox4x32_10(j->offset + (uint64_t)(base + i), j->seed, r);
                double p = prob_at(j, base + i);
                keys[i].key = p > 0 ? -log(ct_u53_open0(r[0], r[1])) / p : INFINITY;
                keys[i].idx = i;
            }
            qsort(keys, (size_t)j->ncat, sizeof *keys, cmp_keys);
            for (int64_t s = 0; s < j->nsamples; s++)
                out[s] = keys[s].idx;
        }
    }
}

/* Checks every row is a usable distribution. */
static int check_distribution(const mn_job *j, int64_t rows)
{
    for (int64_t row = 0; row < rows; row++) {
        double sum = 0;
        int64_t positive = 0;
        for (int64_t i = 0; i < j->ncat; i++) {
            double p = prob_at(j, row * j->ncat + i);
            if (!(p >= 0) || !isfinite(p))
                return ct_fail("multinomial: probabilities must be finite and non-negative, but got %g", p);
            sum += p;
            positive += p > 0;
        }
        if (!(sum > 0) || !isfinite(sum))
            return ct_fail("multinomial: the probabilities of row %lld must have a positive finite sum, but sum to %g",
                           (long long)row + 1, sum);
        if (!j->replacement && positive < j->nsamples)
            return ct_fail("multinomial: cannot draw %lld samples without replacement from row %lld, which has only "
                           "%lld categories with non-zero probability",
                           (long long)j->nsamples, (long long)row + 1, (long long)positive);
    }
    return 0;
}

ct_tensor *ct_multinomial(ct_tensor *probs, int64_t num_samples, int replacement)
{
    char shape[128];
    if (check_cpu("multinomial", probs) < 0)
        return NULL;
    if (probs->ndim != 1 && probs->ndim != 2) {
        ct_fail("multinomial: expected a 1-D or 2-D tensor of probabilities, but got shape %s",
                ct_shape_str(probs, shape, sizeof shape));
        return NULL;
    }
    if (!is_floating(probs->dtype)) {
        ct_fail("multinomial: expected a floating point tensor of probabilities, but got %s",
                ct_dtype_name(probs->dtype));
        return NULL;
    }
    int64_t rows = probs->ndim == 2 ? probs->sizes[0] : 1, ncat = probs->sizes[probs->ndim - 1];
    if (ncat == 0) {
        ct_fail("multinomial: expected at least one category, but got shape %s", ct_shape_str(probs, shape, sizeof shape));
        return NULL;
    }
    if (num_samples <= 0) {
        ct_fail("multinomial: the number of samples must be positive, but got %lld", (long long)num_samples);
        return NULL;
    }
    if (!replacement && num_samples > ncat) {
        ct_fail("multinomial: cannot draw %lld samples without replacement from %lld categories",
                (long long)num_samples, (long long)ncat);
        return NULL;
    }
    int64_t out_sizes[2] = {rows, num_samples};
    ct_tensor *out = probs->ndim == 2 ? ct_empty(2, out_sizes, CT_INT64) : ct_empty(1, &num_samples, CT_INT64);
    ct_tensor *pc = out ? ct_raw_contiguous(probs) : NULL;
    if (!pc) {
        ct_release(out);
        return NULL;
    }
    mn_job job = {.p = ct_tensor_data(pc), .p_dtype = pc->dtype, .ncat = ncat, .nsamples = num_samples,
                  .replacement = replacement, .out = (int64_t *)ct_tensor_data(out)};
    void *work = NULL;
    int rc = check_distribution(&job, rows);
    if (rc == 0 && rows > 0) {
        work = malloc((size_t)(rows * ncat) * (replacement ? sizeof(double) : sizeof(mn_key)));
        if (!work)
            rc = ct_fail("multinomial: out of memory for a %lld x %lld workspace", (long long)rows, (long long)ncat);
    }
    if (rc == 0) {
        job.cum = replacement ? work : NULL;
        job.keys = replacement ? NULL : work;
        ct_generator_reserve((uint64_t)(rows * (replacement ? num_samples : ncat)), &job.seed, &job.offset);
        int64_t per_row = replacement ? num_samples + ncat : ncat * 8;
        ct_parallel_for(rows, RANDOM_GRAIN / per_row + 1, multinomial_rows, &job);
    }
    free(work);
    ct_release(pc);
    if (rc < 0) {
        ct_release(out);
        return NULL;
    }
    return out;
}
