/*
 * random.c -- the global generator state: seed and counter offset, shared by
 * every thread (several Lua states may draw from it at once).
 */
#include <pthread.h>

#include "core/random.h"
#include "ctorch.h"

static pthread_mutex_t gen_lock = PTHREAD_MUTEX_INITIALIZER;
static uint64_t gen_seed = CT_DEFAULT_SEED;
static uint64_t gen_offset;

void ct_manual_seed(uint64_t seed)
{
    pthread_mutex_lock(&gen_lock);
    gen_seed = seed;
    gen_offset = 0;
    pthread_mutex_unlock(&gen_lock);
}

uint64_t ct_initial_seed(void)
{
    pthread_mutex_lock(&gen_lock);
    uint64_t s = gen_seed;
    pthread_mutex_unlock(&gen_lock);
    return s;
}

/* The whole state is (seed, offset): Philox needs nothing else. */
int ct_get_rng_state(uint64_t *seed, uint64_t *offset)
{
    if (!seed || !offset)
        return ct_fail("get_rng_state: seed and offset must not be NULL");
    pthread_mutex_lock(&gen_lock);
    *seed = gen_seed;
    *offset = gen_offset;
    pthread_mutex_unlock(&gen_lock);
    return 0;
}

int ct_set_rng_state(uint64_t seed, uint64_t offset)
{
    pthread_mutex_lock(&gen_lock);
    gen_seed = seed;
    gen_offset = offset;
    pthread_mutex_unlock(&gen_lock);
    return 0;
}

void ct_generator_reserve(uint64_t n, uint64_t *seed, uint64_t *offset)
{
    pthread_mutex_lock(&gen_lock);
    *seed = gen_seed;
    *offset = gen_offset;
    gen_offset += n;
    pthread_mutex_unlock(&gen_lock);
}
