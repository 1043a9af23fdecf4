/* pointwise.h -- CPU kernels for clamp, where, activations, lerp, float
 * classification and tensor comparison. */
#ifndef CT_CPU_POINTWISE_H
#define CT_CPU_POINTWISE_H
#include "core/loop.h"

/* operands: 0 = out, 1 = in, both of `dtype`; a NULL bound is absent. */
void ct_cpu_clamp(ct_dtype dtype, const ct_scalar *min, const ct_scalar *max, const ct_loop *loop);

/* operands: 0 = out, 1 = cond (bool/uint8), 2 = a, 3 = b; out, a and b share elsize. */
void ct_cpu_where(size_t elsize, const ct_loop *loop);

typedef enum ct_activation { CT_ACT_LEAKY_RELU, CT_ACT_ELU, CT_ACT_SOFTPLUS } ct_activation;
/* operands: 0 = out (out_dtype, a float), 1 = in (in_dtype).
 * p0/p1: leaky_relu (slope), elu (alpha), softplus (beta, threshold). */
void ct_cpu_activation(ct_activation act, double p0, double p1, ct_dtype in_dtype, ct_dtype out_dtype,
                       const ct_loop *loop);

typedef enum ct_float_class { CT_CLASS_NAN, CT_CLASS_INF, CT_CLASS_FINITE } ct_float_class;
/* operands: 0 = out (bool), 1 = in (in_dtype). */
void ct_cpu_classify(ct_float_class which, ct_dtype in_dtype, const ct_loop *loop);

/* operands: 0 = out, 1 = a, 2 = b, 3 = weight, all of float `dtype`. */
void ct_cpu_lerp(ct_dtype dtype, const ct_loop *loop);

/* operands: 0 = ignored, 1 = a (a_dtype), 2 = b (b_dtype).  Returns 1 when
 * every pair is close (rtol/atol/equal_nan as in allclose), or with
 * exact = 1 when every pair is equal. */
int ct_cpu_all_close(ct_dtype a_dtype, ct_dtype b_dtype, double rtol, double atol, int equal_nan,
                     int exact, const ct_loop *loop);

#endif
