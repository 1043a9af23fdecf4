/* random.h -- Philox4x32-10 and the CPU kernels that fill tensors with random values. */
#ifndef CT_CPU_RANDOM_H
#define CT_CPU_RANDOM_H
#include "core/tensor.h"

/*
 * Philox4x32-10 (Salmon, Moraes, Dror, Shaw: "Parallel random numbers: as
 * easy as 1, 2, 3", SC 2011): ten rounds of two 32x32->64 multiplies, with
 * the key bumped by the Weyl constants between rounds.  Counter
 * {lo(ctr), hi(ctr), 0, 0}, key {lo(seed), hi(seed)}; four 32-bit outputs.
 */
static inline void ct_philox4x32_10(uint64_t ctr, uint64_t seed, uint32_t out[4])
{
    uint32_t c0 = (uint32_t)ctr, c1 = (uint32_t)(ctr >> 32), c2 = 0, c3 = 0;
    uint32_t k0 = (uint32_t)seed, k1 = (uint32_t)(seed >> 32);
    for (int round = 0; round < 10; round++) {
        uint64_t p0 = (uint64_t)0xD2511F53u * c0;
        uint64_t p1 = (uint64_t)0xCD9E8D57u * c2;
        uint32_t n0 = (uint32_t)(p1 >> 32) ^ c1 ^ k0;
        uint32_t n2 = (uint32_t)(p0 >> 32) ^ c3 ^ k1;
        c0 = n0;
        c1 = (uint32_t)p1;
        c2 = n2;
        c3 = (uint32_t)p0;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    out[0] = c0;
    out[1] = c1;
    out[2] = c2;
    out[3] = c3;
}

typedef enum ct_random_kind {
    CT_RAND_UNIFORM,   /* a = low, b = high: [low, high) */
    CT_RAND_NORMAL,    /* a = mean, b = std */
    CT_RAND_BERNOULLI, /* a = p */
    CT_RAND_BERNOULLI_TENSOR, /* probabilities from p (p_dtype, contiguous, float) */
    CT_RAND_INT,       /* ilow + [0, range) */
} ct_random_kind;

/* One fill of contiguous elements of dtype at data.  Element i takes lane
 * i % vpb of Philox block offset + i / vpb, where vpb (values per block,
 * ct_random_per_block) is 4 when a value needs 32 random bits (float32,
 * bernoulli, integer ranges up to 2^32) and 2 when it needs 64 (float64, wide
 * ranges); Box-Muller turns each pair of uniforms into a pair of normals. */
typedef struct ct_random_job {
    ct_random_kind kind;
    ct_dtype dtype;
    char *data;
    int64_t numel;
    uint64_t seed, offset;
    double a, b;
    int64_t ilow;
    uint64_t range;
    const char *p;
    ct_dtype p_dtype;
} ct_random_job;

/* Values per Philox block for the job (its kind, dtype and range). */
int ct_random_per_block(const ct_random_job *job);
/* Fills elements [begin, end) of the job (a ct_range_fn: ctx is the job). */
void ct_cpu_random_fill(void *job, int64_t begin, int64_t end);

/* Uniform double in [0, 1) with 53 random bits, and in (0, 1]. */
static inline double ct_u53(uint32_t lo, uint32_t hi)
{
    return (double)((((uint64_t)hi << 32) | lo) >> 11) * 0x1.0p-53;
}
static inline double ct_u53_open0(uint32_t lo, uint32_t hi)
{
    return (double)(((((uint64_t)hi << 32) | lo) >> 11) + 1) * 0x1.0p-53;
}

#endif
