/*
 * random.h -- the process-wide random generator (internal).
 *
 * Philox4x32-10 is counter based: the seed is the key, and block number c of
 * the stream (four 32-bit words) is a pure function of (seed, c).  A call
 * that needs n blocks reserves the counters [offset, offset + n) under the
 * generator's mutex, which advances the offset by n; each element's numbers
 * then come from a block fixed by its index (see cpu/random.h), so a fill can
 * be split across any number of threads and still give the same result.
 */
#ifndef CT_CORE_RANDOM_H
#define CT_CORE_RANDOM_H

#include <stdint.h>

/* Startup seed when nobody calls ct_manual_seed (PyTorch's default). */
#define CT_DEFAULT_SEED UINT64_C(67280421310721)

/* Reserves n consecutive counters: *seed and the first one, *offset. */
void ct_generator_reserve(uint64_t n, uint64_t *seed, uint64_t *offset);

#endif
