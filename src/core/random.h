/*
 * random.h -- the process-wide random generator (internal).
 *
 * Philox4x32-10 is counter based: the seed is the key, and value number i of
 * the stream is a pure function of (seed, i).  A call that needs n random
 * blocks reserves the counters [offset, offset + n) under the generator's
 * mutex and derives element i's numbers from counter offset + i, so a fill
 * can be split across any number of threads and still give the same result.
 */
#ifndef CT_CORE_RANDOM_H
#define CT_CORE_RANDOM_H

#include <stdint.h>

/* Startup seed when nobody calls ct_manual_seed (PyTorch's default). */
#define CT_DEFAULT_SEED UINT64_C(67280421310721)

/* Reserves n consecutive counters: *seed and the first one, *offset. */
void ct_generator_reserve(uint64_t n, uint64_t *seed, uint64_t *offset);

#endif
