/*
 * sample_rng.c -- the random numbers of the data pipeline.
 *
 * Each item of a batch gets its own small generator seeded from (batch seed +
 * position), so random transforms give the same result whichever worker
 * thread runs them and however many there are.  splitmix64 is enough here:
 * a handful of draws per image, no need for the global Philox stream.
 */
#include "core/random.h"
#include "ctorch.h"

void ct_sample_rng_seed(ct_sample_rng *rng, uint64_t seed)
{
    rng->state = seed;
    (void)ct_sample_rng_next(rng); /* so nearby seeds start far apart */
}

uint64_t ct_sample_rng_next(ct_sample_rng *rng)
{
    uint64_t z = (rng->state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

double ct_sample_rng_uniform(ct_sample_rng *rng)
{
    return (double)(ct_sample_rng_next(rng) >> 11) * 0x1.0p-53;
}

uint64_t ct_random_seed64(void)
{
    /* one counter of the global stream, mixed with its key */
    uint64_t seed, offset;
    ct_generator_reserve(1, &seed, &offset);
    ct_sample_rng r;
    ct_sample_rng_seed(&r, seed ^ (offset * UINT64_C(0xD1B54A32D192ED03)));
    return ct_sample_rng_next(&r);
}

/* Uniform integer in [0, n): multiply-shift on the top 32 bits is biased by
 * under n / 2^32, far below anything a shuffle can show; use 64 bits anyway. */
static uint64_t below(ct_sample_rng *rng, uint64_t n)
{
    unsigned __int128 m = (unsigned __int128)ct_sample_rng_next(rng) * n;
    return (uint64_t)(m >> 64);
}

void ct_sample_rng_permutation(ct_sample_rng *rng, int64_t n, int64_t *out)
{
    for (int64_t i = 0; i < n; i++)
        out[i] = i;
    for (int64_t i = n - 1; i > 0; i--) {
        int64_t j = (int64_t)below(rng, (uint64_t)i + 1);
        int64_t t = out[i];
        out[i] = out[j];
        out[j] = t;
    }
}
