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
