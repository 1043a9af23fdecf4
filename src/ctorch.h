/*
 * ctorch.h -- the public C API of ctorch.
 *
 * Conventions
 *  - Dims and indices are 0-based here (the Lua binding converts from 1-based).
 *    Negative dims count from the end, as in PyTorch.
 *  - Functions returning a tensor return a new reference (release it with
 *    ct_release) or NULL on error; functions returning int return 0 on success
 *    and -1 on error.  The message of the last error on this thread is
 *    ct_last_error().  Nothing in the library exits or aborts.
 *  - Ops never modify their inputs unless their name ends in '_'.
 */
#ifndef CTORCH_H
#define CTORCH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define CT_MAX_DIMS 16

typedef struct ct_tensor ct_tensor;

/* ---------------------------------------------------------------- errors */
const char *ct_last_error(void);
/* Sets the error message (printf-style) and returns -1, for use as `return ct_fail(...)`. */
int ct_fail(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* ---------------------------------------------------------------- dtypes */
typedef enum ct_dtype {
    CT_FLOAT32 = 0,
    CT_FLOAT64,
    CT_INT64,
    CT_INT32,
    CT_UINT8,
    CT_BOOL,
    CT_FLOAT16,
    CT_BFLOAT16,
    CT_NUM_DTYPES
} ct_dtype;

const char *ct_dtype_name(ct_dtype dtype);      /* "float32" */
int ct_dtype_from_name(const char *name, ct_dtype *out); /* 0 or -1 */
size_t ct_dtype_size(ct_dtype dtype);
int ct_dtype_is_float(ct_dtype dtype);
/* PyTorch's promotion lattice: bool < uint8 < int32 < int64 < float16/bfloat16 < float32 < float64 */
ct_dtype ct_promote_types(ct_dtype a, ct_dtype b);

/* A number from the host language: bools and integers stay exact. */
typedef enum ct_scalar_kind { CT_SCALAR_BOOL, CT_SCALAR_INT, CT_SCALAR_FLOAT } ct_scalar_kind;
typedef struct ct_scalar {
    ct_scalar_kind kind;
    int64_t i; /* valid for BOOL and INT */
    double d;  /* always valid */
} ct_scalar;
ct_scalar ct_scalar_float(double d);
ct_scalar ct_scalar_int(int64_t i);
ct_scalar ct_scalar_bool(int b);

/* ---------------------------------------------------------------- devices */
typedef enum ct_device_type { CT_CPU = 0, CT_CUDA = 1 } ct_device_type;
typedef struct ct_device {
    ct_device_type type;
    int index; /* -1 for cpu */
} ct_device;

/* ---------------------------------------------------------------- threads */
void ct_set_num_threads(int n); /* also sets OpenBLAS's */
int ct_get_num_threads(void);

/* ---------------------------------------------------------------- lifetime */
ct_tensor *ct_retain(ct_tensor *t);
void ct_release(ct_tensor *t); /* NULL is fine */

/* Uninitialised contiguous tensor. */
ct_tensor *ct_empty(int ndim, const int64_t *sizes, ct_dtype dtype);
/* Wraps caller-owned memory without copying; release(data, ctx) runs when the
 * last tensor using it goes away (release may be NULL).  strides NULL = contiguous.
 * On failure (NULL) release is not called: the memory stays the caller's. */
ct_tensor *ct_from_blob(void *data, int ndim, const int64_t *sizes, const int64_t *strides,
                        ct_dtype dtype, void (*release)(void *data, void *ctx), void *ctx);

/* ---------------------------------------------------------------- metadata */
int ct_ndim(const ct_tensor *t);
int64_t ct_size(const ct_tensor *t, int dim);   /* dim may be negative; -1 on bad dim */
const int64_t *ct_sizes(const ct_tensor *t);
const int64_t *ct_strides(const ct_tensor *t);  /* in elements */
int64_t ct_numel(const ct_tensor *t);
ct_dtype ct_dtype_of(const ct_tensor *t);
ct_device ct_device_of(const ct_tensor *t);
int ct_is_contiguous(const ct_tensor *t);
void *ct_data_ptr(const ct_tensor *t);          /* address of the first element */
int ct_same_storage(const ct_tensor *a, const ct_tensor *b);
/* "[2, 3]" into buf; returns buf. */
char *ct_shape_str(const ct_tensor *t, char *buf, size_t buflen);

/* Bytes held by live CPU storages (all threads). */
int64_t ct_memory_live_bytes(void);
/* Returns the freed large blocks kept for reuse to the system. */
void ct_empty_cache(void);

/* ---------------------------------------------------------------- element access */
int ct_item(const ct_tensor *t, ct_scalar *out);                 /* one-element tensors */
int ct_get(const ct_tensor *t, const int64_t *index, ct_scalar *out);
int ct_set(ct_tensor *t, const int64_t *index, ct_scalar value);

/* ---------------------------------------------------------------- creation */
ct_tensor *ct_zeros(int ndim, const int64_t *sizes, ct_dtype dtype);
ct_tensor *ct_ones(int ndim, const int64_t *sizes, ct_dtype dtype);
ct_tensor *ct_full(int ndim, const int64_t *sizes, ct_scalar value, ct_dtype dtype);
ct_tensor *ct_eye(int64_t n, int64_t m, ct_dtype dtype);
ct_tensor *ct_arange(double start, double end, double step, ct_dtype dtype);
ct_tensor *ct_linspace(double start, double end, int64_t steps, ct_dtype dtype);
int ct_fill_(ct_tensor *t, ct_scalar value);
int ct_zero_(ct_tensor *t);

/* ---------------------------------------------------------------- copies and casts */
ct_tensor *ct_contiguous(ct_tensor *t);          /* t itself (retained) when already contiguous */
ct_tensor *ct_clone(const ct_tensor *t);         /* always a fresh contiguous copy */
ct_tensor *ct_to_dtype(ct_tensor *t, ct_dtype dtype); /* t itself when dtype matches */
int ct_copy_(ct_tensor *dst, const ct_tensor *src);   /* src broadcast to dst, cast */

/* ---------------------------------------------------------------- views (share storage) */
ct_tensor *ct_view(ct_tensor *t, int ndim, const int64_t *sizes);    /* one size may be -1 */
ct_tensor *ct_reshape(ct_tensor *t, int ndim, const int64_t *sizes); /* copies if it must */
ct_tensor *ct_flatten(ct_tensor *t, int start_dim, int end_dim);
ct_tensor *ct_squeeze(ct_tensor *t);
ct_tensor *ct_squeeze_dim(ct_tensor *t, int dim);
ct_tensor *ct_unsqueeze(ct_tensor *t, int dim);
ct_tensor *ct_transpose(ct_tensor *t, int dim0, int dim1);
ct_tensor *ct_t(ct_tensor *t);                   /* 2-D transpose; 0-D/1-D unchanged */
ct_tensor *ct_permute(ct_tensor *t, const int *dims);
ct_tensor *ct_expand(ct_tensor *t, int ndim, const int64_t *sizes); /* -1 keeps a size */
ct_tensor *ct_narrow(ct_tensor *t, int dim, int64_t start, int64_t length);
ct_tensor *ct_select(ct_tensor *t, int dim, int64_t index);
ct_tensor *ct_as_strided(ct_tensor *t, int ndim, const int64_t *sizes, const int64_t *strides,
                         int64_t offset);

/* ---------------------------------------------------------------- joins */
ct_tensor *ct_cat(int n, ct_tensor *const *tensors, int dim);
ct_tensor *ct_stack(int n, ct_tensor *const *tensors, int dim);
/* Split into pieces of split_size along dim (last may be smaller).  Writes up
 * to max_out views into out and returns how many pieces there are, or -1. */
int ct_split(ct_tensor *t, int64_t split_size, int dim, ct_tensor **out, int max_out);
int ct_split_sizes(ct_tensor *t, int n, const int64_t *sizes, int dim, ct_tensor **out);
int ct_chunk(ct_tensor *t, int chunks, int dim, ct_tensor **out, int max_out);

/* ---------------------------------------------------------------- pointwise */
typedef enum ct_unary_op {
    CT_NEG, CT_ABS, CT_SIGN, CT_EXP, CT_LOG, CT_LOG2, CT_LOG10, CT_LOG1P, CT_EXPM1,
    CT_SQRT, CT_RSQRT, CT_SIN, CT_COS, CT_TAN, CT_ASIN, CT_ACOS, CT_ATAN,
    CT_SINH, CT_COSH, CT_TANH, CT_SIGMOID, CT_RELU, CT_FLOOR, CT_CEIL, CT_ROUND,
    CT_TRUNC, CT_FRAC, CT_RECIPROCAL, CT_SQUARE, CT_ERF, CT_LOGICAL_NOT,
    CT_NUM_UNARY_OPS
} ct_unary_op;
const char *ct_unary_name(ct_unary_op op);
ct_tensor *ct_unary(ct_unary_op op, ct_tensor *t);
int ct_unary_(ct_unary_op op, ct_tensor *t);

typedef enum ct_binary_op {
    CT_ADD, CT_SUB, CT_MUL, CT_DIV, CT_FLOOR_DIVIDE, CT_REMAINDER, CT_POW,
    CT_MAXIMUM, CT_MINIMUM, CT_ATAN2,
    CT_EQ, CT_NE, CT_LT, CT_LE, CT_GT, CT_GE,       /* comparisons give bool */
    CT_LOGICAL_AND, CT_LOGICAL_OR, CT_LOGICAL_XOR,  /* give bool */
    CT_NUM_BINARY_OPS
} ct_binary_op;
const char *ct_binary_name(ct_binary_op op);
/* Broadcasting, with PyTorch's type promotion. */
ct_tensor *ct_binary(ct_binary_op op, ct_tensor *a, ct_tensor *b);
/* a op s, or s op a when reversed (for `2 - x`). */
ct_tensor *ct_binary_scalar(ct_binary_op op, ct_tensor *a, ct_scalar s, int reversed);
/* In place: a = a op b; b must broadcast to a's shape and the result must cast to a's dtype. */
int ct_binary_(ct_binary_op op, ct_tensor *a, ct_tensor *b);
int ct_binary_scalar_(ct_binary_op op, ct_tensor *a, ct_scalar s);
/* a + alpha * b */
ct_tensor *ct_add_scaled(ct_tensor *a, ct_tensor *b, ct_scalar alpha);
int ct_add_scaled_(ct_tensor *a, ct_tensor *b, ct_scalar alpha);

/* min/max may be NULL for "no bound". */
ct_tensor *ct_clamp(ct_tensor *t, const ct_scalar *min, const ct_scalar *max);
int ct_clamp_(ct_tensor *t, const ct_scalar *min, const ct_scalar *max);
ct_tensor *ct_where(ct_tensor *cond, ct_tensor *a, ct_tensor *b);
ct_tensor *ct_leaky_relu(ct_tensor *t, double slope);
ct_tensor *ct_elu(ct_tensor *t, double alpha);
ct_tensor *ct_softplus(ct_tensor *t, double beta, double threshold);
/* |a - b| <= atol + rtol * |b| everywhere (NaNs equal when equal_nan) */
int ct_allclose(ct_tensor *a, ct_tensor *b, double rtol, double atol, int equal_nan, int *result);
int ct_equal(ct_tensor *a, ct_tensor *b, int *result); /* same shape and values */
/* bool tensors; integer elements are never nan or inf */
ct_tensor *ct_isnan(ct_tensor *t);
ct_tensor *ct_isinf(ct_tensor *t);
ct_tensor *ct_isfinite(ct_tensor *t);
/* a + weight * (b - a) for float tensors, all three broadcast */
ct_tensor *ct_lerp(ct_tensor *a, ct_tensor *b, ct_tensor *weight);
ct_tensor *ct_lerp_scalar(ct_tensor *a, ct_tensor *b, double weight);

/* ---------------------------------------------------------------- reductions */
typedef enum ct_reduce_op {
    CT_SUM, CT_MEAN, CT_PROD, CT_AMAX, CT_AMIN, CT_ALL, CT_ANY, CT_NUM_REDUCE_OPS
} ct_reduce_op;
/* Reduce over the dims listed (ndims == 0 means all dims). */
ct_tensor *ct_reduce(ct_reduce_op op, ct_tensor *t, int ndims, const int *dims, int keepdim);
/* Sums a broadcast result back to sizes (the inverse of broadcasting). */
ct_tensor *ct_sum_to_size(ct_tensor *t, int ndim, const int64_t *sizes); /* undo broadcasting */
ct_tensor *ct_var(ct_tensor *t, int ndims, const int *dims, int64_t correction, int keepdim);
ct_tensor *ct_std(ct_tensor *t, int ndims, const int *dims, int64_t correction, int keepdim);
ct_tensor *ct_norm(ct_tensor *t, double p, int ndims, const int *dims, int keepdim);
/* max/min along one dim: values and int64 (0-based) indices. */
int ct_max_dim(ct_tensor *t, int dim, int keepdim, ct_tensor **values, ct_tensor **indices);
int ct_min_dim(ct_tensor *t, int dim, int keepdim, ct_tensor **values, ct_tensor **indices);
/* argmax/argmin: dim < 0 after wrapping is not allowed; use all_dims for the flat index. */
ct_tensor *ct_argmax(ct_tensor *t, int dim, int all_dims, int keepdim);
ct_tensor *ct_argmin(ct_tensor *t, int dim, int all_dims, int keepdim);
ct_tensor *ct_cumsum(ct_tensor *t, int dim);

/* ---------------------------------------------------------------- linear algebra */
ct_tensor *ct_mm(ct_tensor *a, ct_tensor *b);
ct_tensor *ct_mv(ct_tensor *a, ct_tensor *v);
ct_tensor *ct_bmm(ct_tensor *a, ct_tensor *b);
ct_tensor *ct_matmul(ct_tensor *a, ct_tensor *b);
ct_tensor *ct_dot(ct_tensor *a, ct_tensor *b);
ct_tensor *ct_outer(ct_tensor *a, ct_tensor *b);
/* beta * c + alpha * (a @ b), c broadcast to the result */
ct_tensor *ct_addmm(ct_tensor *c, ct_tensor *a, ct_tensor *b, double beta, double alpha);

/* ---------------------------------------------------------------- indexing (0-based indices) */
ct_tensor *ct_index_select(ct_tensor *t, int dim, ct_tensor *index);
ct_tensor *ct_gather(ct_tensor *t, int dim, ct_tensor *index);
ct_tensor *ct_scatter(ct_tensor *t, int dim, ct_tensor *index, ct_tensor *src);
int ct_scatter_(ct_tensor *t, int dim, ct_tensor *index, ct_tensor *src);
int ct_scatter_add_(ct_tensor *t, int dim, ct_tensor *index, ct_tensor *src);
int ct_index_add_(ct_tensor *t, int dim, ct_tensor *index, ct_tensor *src);
int ct_index_copy_(ct_tensor *t, int dim, ct_tensor *index, ct_tensor *src);
int ct_index_fill_(ct_tensor *t, int dim, ct_tensor *index, ct_scalar value);
ct_tensor *ct_masked_fill(ct_tensor *t, ct_tensor *mask, ct_scalar value);
int ct_masked_fill_(ct_tensor *t, ct_tensor *mask, ct_scalar value);
ct_tensor *ct_masked_select(ct_tensor *t, ct_tensor *mask);
/* t[mask] = src, src holding as many elements as mask has true values (or one). */
int ct_masked_scatter_(ct_tensor *t, ct_tensor *mask, ct_tensor *src);
ct_tensor *ct_nonzero(ct_tensor *t); /* [n, ndim] int64, 0-based */

/* ---------------------------------------------------------------- random */
void ct_manual_seed(uint64_t seed);
uint64_t ct_initial_seed(void);
/* The generator's whole state: its seed and its counter offset (for exact
 * resumption of a run).  Both return 0; get fails only on NULL pointers. */
int ct_get_rng_state(uint64_t *seed, uint64_t *offset);
int ct_set_rng_state(uint64_t seed, uint64_t offset);
int ct_uniform_(ct_tensor *t, double low, double high);
int ct_normal_(ct_tensor *t, double mean, double std);
int ct_bernoulli_(ct_tensor *t, double p);
int ct_random_int_(ct_tensor *t, int64_t low, int64_t high); /* [low, high) */
ct_tensor *ct_rand(int ndim, const int64_t *sizes, ct_dtype dtype);
ct_tensor *ct_randn(int ndim, const int64_t *sizes, ct_dtype dtype);
ct_tensor *ct_randint(int64_t low, int64_t high, int ndim, const int64_t *sizes, ct_dtype dtype);
ct_tensor *ct_randperm(int64_t n, ct_dtype dtype);
/* Bernoulli draw per element with probabilities from p (same shape, float). */
ct_tensor *ct_bernoulli(ct_tensor *p);
ct_tensor *ct_multinomial(ct_tensor *probs, int64_t num_samples, int replacement);

/* ---------------------------------------------------------------- autograd */
/* Grad mode is per thread; ops record graphs only while it is on. */
int ct_is_grad_enabled(void);
void ct_set_grad_enabled(int enabled);

int ct_requires_grad(const ct_tensor *t);
/* Only leaves may change it; only floating point tensors may require grad. */
int ct_set_requires_grad(ct_tensor *t, int requires_grad);
int ct_is_leaf(const ct_tensor *t);
/* The accumulated gradient (a new reference) or NULL when there is none. */
ct_tensor *ct_grad(const ct_tensor *t);
/* Replaces the gradient (NULL clears it); shape and dtype must match. */
int ct_set_grad(ct_tensor *t, ct_tensor *grad);
/* Name of the node that made t ("MulBackward0"), or NULL for leaves. */
const char *ct_grad_fn_name(const ct_tensor *t);
/* Same storage, no history, requires_grad false. */
ct_tensor *ct_detach(ct_tensor *t);
/* Makes t show src's memory (shared) while keeping t's autograd identity: x.data = y. */
int ct_set_data(ct_tensor *t, ct_tensor *src);
/* Keep .grad for a non-leaf after backward. */
int ct_retain_grad(ct_tensor *t);

/* Gradient hooks: fn returns a replacement gradient (new reference) or NULL
 * to keep it; on failure it sets *failed (and the error).  Returns a handle
 * for ct_remove_hook, or -1. */
typedef ct_tensor *(*ct_hook_fn)(void *ctx, ct_tensor *grad, int *failed);
int ct_register_hook(ct_tensor *t, ct_hook_fn fn, void *ctx, void (*free_ctx)(void *ctx));
int ct_remove_hook(ct_tensor *t, int handle);

/* Backpropagates from t (grad may be NULL for a one-element t), accumulating
 * into the .grad of leaves that require grad. */
int ct_backward(ct_tensor *t, ct_tensor *grad, int retain_graph, int create_graph);
/* Gradients of the outputs with respect to the inputs, without touching .grad.
 * grad_outputs may be NULL (all one-element outputs) or hold NULLs. With
 * allow_unused, an input that does not influence the outputs gets NULL;
 * otherwise that is an error. */
int ct_autograd_grad(int num_outputs, ct_tensor *const *outputs, ct_tensor *const *grad_outputs,
                     int num_inputs, ct_tensor *const *inputs, int retain_graph, int create_graph,
                     int allow_unused, ct_tensor **grads);

/* Custom autograd functions (used by the Lua binding for
 * torch.autograd.Function): a node with a caller-supplied backward. */
typedef int (*ct_custom_backward_fn)(void *ctx, int num_grads, ct_tensor *const *grads,
                                     int num_inputs, ct_tensor **grad_inputs);
/* Records outputs[] as results of a custom function of inputs[] (inputs that
 * are not tensors may be NULL).  ctx is freed with free_ctx when the node dies. */
int ct_custom_function_record(const char *name, int num_inputs, ct_tensor *const *inputs,
                              int num_outputs, ct_tensor *const *outputs,
                              ct_custom_backward_fn backward, void *ctx, void (*free_ctx)(void *ctx));

/* ================================================================ neural-network ops
 * The compute behind torch.nn: each is one C kernel with a C backward.
 * Images are NCHW; float32 and float64 (other dtypes are an error naming the op).
 * Pairs such as stride[2] are (height, width). */

/* x @ weight^T + bias for x [..., in], weight [out, in], bias [out] or NULL. */
ct_tensor *ct_linear(ct_tensor *input, ct_tensor *weight, ct_tensor *bias);
/* input [N, C_in, H, W], weight [C_out, C_in/groups, kH, kW], bias [C_out] or NULL. */
ct_tensor *ct_conv2d(ct_tensor *input, ct_tensor *weight, ct_tensor *bias, const int64_t stride[2],
                     const int64_t padding[2], const int64_t dilation[2], int64_t groups);

/* Pooling over the last two dims of a [C, H, W] or [N, C, H, W] input.
 * max_pool2d stores in *indices (when not NULL) the 0-based position of each
 * maximum within its H*W plane, as int64. */
ct_tensor *ct_max_pool2d(ct_tensor *input, const int64_t kernel[2], const int64_t stride[2],
                         const int64_t padding[2], const int64_t dilation[2], int ceil_mode,
                         ct_tensor **indices);
ct_tensor *ct_avg_pool2d(ct_tensor *input, const int64_t kernel[2], const int64_t stride[2],
                         const int64_t padding[2], int ceil_mode, int count_include_pad);
/* avg_pool2d dividing every window's sum by divisor_override (PyTorch's
 * option; 0: none, as ct_avg_pool2d). */
ct_tensor *ct_avg_pool2d_divisor(ct_tensor *input, const int64_t kernel[2], const int64_t stride[2],
                                 const int64_t padding[2], int ceil_mode, int count_include_pad,
                                 int64_t divisor_override);
ct_tensor *ct_adaptive_avg_pool2d(ct_tensor *input, const int64_t output_size[2]);

/* Batch normalisation over dim 1 of [N, C], [N, C, L] or [N, C, H, W].
 * running_mean/running_var (may be NULL) are updated in place when training
 * (running = (1 - momentum) * running + momentum * batch stat, unbiased
 * variance) and used instead of the batch statistics when not training.
 * weight/bias (affine) may be NULL. */
ct_tensor *ct_batch_norm(ct_tensor *input, ct_tensor *running_mean, ct_tensor *running_var,
                         ct_tensor *weight, ct_tensor *bias, int training, double momentum,
                         double eps);
/* Zeroes each element with probability p and scales the rest by 1/(1-p), when training. */
ct_tensor *ct_dropout(ct_tensor *input, double p, int training);

ct_tensor *ct_softmax(ct_tensor *t, int dim);
ct_tensor *ct_log_softmax(ct_tensor *t, int dim);

/* Rows of weight [num, dim] picked by indices (int64, 0-based, any shape):
 * the result is indices.shape + [dim].  Rows equal to padding_idx (-1: none)
 * get no gradient. */
ct_tensor *ct_embedding(ct_tensor *weight, ct_tensor *indices, int64_t padding_idx);
/* Pads the last n_pairs dims: pads = {last_before, last_after, prev_before, ...}
 * as in PyTorch; negative pads crop. */
ct_tensor *ct_pad_constant(ct_tensor *t, int n_pairs, const int64_t *pads, double value);
/* int64 [..., num_classes] with a 1 at each 0-based class of indices;
 * num_classes < 0: max + 1. */
ct_tensor *ct_one_hot(ct_tensor *indices, int64_t num_classes);

/* ---------------------------------------------------------------- losses */
typedef enum ct_reduction { CT_REDUCTION_NONE = 0, CT_REDUCTION_MEAN, CT_REDUCTION_SUM } ct_reduction;
/* Classification losses: input [N, C] (or [C], or [N, C, d1, ...]), target
 * int64 class indices, 0-based, of shape [N] ([], [N, d1, ...]); weight [C]
 * or NULL; targets equal to ignore_index are skipped.  'mean' divides by the
 * sum of the weights of the counted targets, as PyTorch does.  cross_entropy
 * is log_softmax + nll_loss fused; label_smoothing in [0, 1]. */
ct_tensor *ct_nll_loss(ct_tensor *input, ct_tensor *target, ct_tensor *weight,
                       ct_reduction reduction, int64_t ignore_index);
ct_tensor *ct_cross_entropy(ct_tensor *input, ct_tensor *target, ct_tensor *weight,
                            ct_reduction reduction, int64_t ignore_index, double label_smoothing);
/* Elementwise losses; input and target broadcast. */
ct_tensor *ct_mse_loss(ct_tensor *input, ct_tensor *target, ct_reduction reduction);
ct_tensor *ct_l1_loss(ct_tensor *input, ct_tensor *target, ct_reduction reduction);
ct_tensor *ct_smooth_l1_loss(ct_tensor *input, ct_tensor *target, ct_reduction reduction, double beta);
/* input holds probabilities in [0, 1]; log is clamped at -100 as in PyTorch. weight may be NULL. */
ct_tensor *ct_binary_cross_entropy(ct_tensor *input, ct_tensor *target, ct_tensor *weight,
                                   ct_reduction reduction);
/* Numerically stable sigmoid + BCE; pos_weight [C] (broadcast over the last dim) may be NULL. */
ct_tensor *ct_binary_cross_entropy_with_logits(ct_tensor *input, ct_tensor *target, ct_tensor *weight,
                                               ct_tensor *pos_weight, ct_reduction reduction);

/* ---------------------------------------------------------------- optimizer steps
 * One fused pass over a parameter and its state tensors (same shape, dtype and
 * device as param; contiguous or not).  They never record for autograd and
 * bump param's version.  Formulas are PyTorch's (torch.optim, foreach=False). */
/* momentum_buf may be NULL when momentum == 0; first_step: the buffer is
 * initialised to the gradient instead of being decayed. */
int ct_sgd_step_(ct_tensor *param, ct_tensor *grad, ct_tensor *momentum_buf, double lr,
                 double momentum, double dampening, double weight_decay, int nesterov,
                 int maximize, int first_step);
/* step counts from 1.  decoupled_weight_decay: AdamW.  max_exp_avg_sq only with amsgrad. */
int ct_adam_step_(ct_tensor *param, ct_tensor *grad, ct_tensor *exp_avg, ct_tensor *exp_avg_sq,
                  ct_tensor *max_exp_avg_sq, int64_t step, double lr, double beta1, double beta2,
                  double eps, double weight_decay, int decoupled_weight_decay, int amsgrad,
                  int maximize);
/* momentum_buf used when momentum > 0, grad_avg when centered (else NULL). */
int ct_rmsprop_step_(ct_tensor *param, ct_tensor *grad, ct_tensor *square_avg,
                     ct_tensor *momentum_buf, ct_tensor *grad_avg, double lr, double alpha,
                     double eps, double weight_decay, double momentum, int centered, int maximize);
int ct_adagrad_step_(ct_tensor *param, ct_tensor *grad, ct_tensor *state_sum, int64_t step,
                     double lr, double lr_decay, double weight_decay, double eps, int maximize);

/* ================================================================ serialization
 * Files of named tensors (docs/serialization.md).  ct_save_tensors and
 * ct_load_tensors use ctorch's own format: the file torch.save(path, t) writes
 * for an ordered table t of name -> tensor, which torch.load reads back (and
 * ct_load_tensors reads any file holding a flat table of name -> tensor).
 * ct_safetensors_* use the safetensors format, for exchange with PyTorch and
 * other tools.  Saves are atomic: the bytes go to a temporary file next to
 * path, which is renamed over path once complete.  Loads check everything
 * they read; a damaged file is an error naming it.  Loaded tensors live on
 * the CPU. */
typedef struct ct_named_tensors {
    int64_t count;
    char **names;         /* NUL-terminated */
    ct_tensor **tensors;  /* owned references */
    int64_t meta_count;   /* safetensors' __metadata__ (string -> string); 0 otherwise */
    char **meta_keys;
    char **meta_values;
} ct_named_tensors;
/* Releases everything in nt and zeroes it. */
void ct_named_tensors_free(ct_named_tensors *nt);
int ct_save_tensors(const char *path, int64_t n, const char *const *names, ct_tensor *const *tensors);
/* In file order; on failure *out is left empty. */
int ct_load_tensors(const char *path, ct_named_tensors *out);
/* Tensors of dtype float32/64, float16, bfloat16, int64, int32, uint8 or bool;
 * names unique, non-empty, valid UTF-8; meta_keys/meta_values may be NULL when
 * n_meta is 0.  Written in the reference implementation's order. */
int ct_safetensors_save(const char *path, int64_t n, const char *const *names,
                        ct_tensor *const *tensors, int64_t n_meta, const char *const *meta_keys,
                        const char *const *meta_values);
/* In file order (the order of the data). */
int ct_safetensors_load(const char *path, ct_named_tensors *out);

/* ================================================================ images and data loading
 * What torch.vision and torch.utils.data run in C (docs/data.md).
 *
 * An image is a uint8 tensor [H, W, C] (C = 1, 3 or 4) or [H, W], as decoded
 * (PIL/numpy layout); a tensor image is a floating tensor [..., C, H, W]
 * (torchvision's tensor layout).  Transforms accept both, told apart by dtype:
 * uint8 is an image, float32/float64 a tensor image. */

/* PNG or JPEG (told by content) -> uint8 [H, W, C].  channels: 0 keeps the
 * file's (1 gray, 3 RGB, 4 RGBA; gray+alpha becomes RGBA), 1 converts to gray,
 * 3 to RGB (alpha dropped), 4 to RGBA.  Errors name the path. */
ct_tensor *ct_image_read(const char *path, int channels);
/* The same from bytes in memory; name is used in error messages. */
ct_tensor *ct_image_decode(const void *bytes, size_t nbytes, const char *name, int channels);
/* Writes a uint8 image [H, W], [H, W, 1|3|4] as an 8-bit PNG (atomically:
 * temporary file, then rename). */
int ct_image_write_png(const char *path, ct_tensor *image);

/* CIFAR-10 binary batch (data_batch_1.bin ... test_batch.bin: records of one
 * label byte and 3072 bytes R, G, B planes of 32x32): images uint8
 * [N, 32, 32, 3] and labels int64 [N] (0-based).  A length that is not a
 * whole number of records, or a label above 9, is an error naming the path. */
int ct_cifar10_load(const char *path, ct_tensor **images, ct_tensor **labels);

/* Per-sample random numbers of the data pipeline: a stream fixed by a 64-bit
 * seed, so a batch comes out the same whichever thread prepares it. */
typedef struct ct_sample_rng {
    uint64_t state;
} ct_sample_rng;
void ct_sample_rng_seed(ct_sample_rng *rng, uint64_t seed);
uint64_t ct_sample_rng_next(ct_sample_rng *rng); /* 64 random bits */
double ct_sample_rng_uniform(ct_sample_rng *rng); /* [0, 1) */
/* out[0..n) = a uniformly random order of 0..n-1 (Fisher-Yates). */
void ct_sample_rng_permutation(ct_sample_rng *rng, int64_t n, int64_t *out);
/* A 64-bit seed drawn from the global generator (advances it). */
uint64_t ct_random_seed64(void);

typedef enum ct_transform_kind {
    CT_TRANSFORM_TO_TENSOR = 0, /* image uint8 [H, W, C] -> float32 [C, H, W] / 255 */
    CT_TRANSFORM_NORMALIZE,     /* tensor image: (x - mean[c]) / std[c] */
    CT_TRANSFORM_RANDOM_CROP,
    CT_TRANSFORM_RANDOM_HORIZONTAL_FLIP,
    CT_TRANSFORM_RESIZE,        /* bilinear, antialiased when shrinking (PIL's filter) */
    CT_TRANSFORM_CENTER_CROP,
    CT_NUM_TRANSFORMS
} ct_transform_kind;
typedef enum ct_padding_mode {
    CT_PADDING_CONSTANT = 0,
    CT_PADDING_EDGE,
    CT_PADDING_REFLECT,
    CT_PADDING_SYMMETRIC
} ct_padding_mode;
#define CT_TRANSFORM_MAX_CHANNELS 16
/* One transform; fields a kind does not use are ignored.  Sizes are (height, width). */
typedef struct ct_transform {
    ct_transform_kind kind;
    int64_t size[2];      /* crops and resize; resize with size[1] < 0: the smaller
                             edge becomes size[0], keeping the aspect ratio */
    int64_t max_size;     /* resize by smaller edge: cap on the longer edge (0: none) */
    int64_t padding[4];   /* random crop: left, top, right, bottom */
    int pad_if_needed;    /* random crop: pad a too-small image up to size */
    ct_padding_mode padding_mode;
    double fill;          /* constant padding value (in the image's units) */
    double p;             /* flip probability */
    int n_channels;       /* normalize: mean/std per channel; 1 broadcasts */
    double mean[CT_TRANSFORM_MAX_CHANNELS];
    double std[CT_TRANSFORM_MAX_CHANNELS];
    int antialias;        /* resize of tensor images: antialias when shrinking (images always) */
} ct_transform;
/* Checks the parameters (sizes > 0, std != 0, ...); "<op>: ..." on error. */
int ct_transform_check(const ct_transform *tf, const char *op);
/* Applies tf to x (image or tensor image): a new tensor (x itself, retained,
 * when nothing changes).  Random transforms draw from rng (may be NULL for
 * the others). */
ct_tensor *ct_transform_apply(const ct_transform *tf, ct_tensor *x, ct_sample_rng *rng);

/* Where a loader's items come from.  An item has n_fields tensors: field f
 * of item i is fields[f][i] (a row: fields[f] is [N, ...]).  When paths is
 * set, field 0 of item i is instead the image decoded from paths[i]
 * (ct_image_read(paths[i], image_channels)), and fields[0] is unused.  The
 * transforms run on field 0 of each item, in order.  The loader keeps its
 * own references and copies. */
typedef struct ct_data_source {
    int n_fields;
    ct_tensor *const *fields;
    int64_t n_paths;
    const char *const *paths;
    int image_channels;
    int n_transforms;
    const ct_transform *transforms;
} ct_data_source;

/* Prepares batches (gather or decode, transform, stack) on num_workers
 * threads of its own, in order of submission; num_workers 0 prepares each
 * batch in ct_loader_next, on the calling thread.  All sources have the
 * same n_fields. */
typedef struct ct_loader ct_loader;
ct_loader *ct_loader_new(int n_sources, const ct_data_source *sources, int num_workers);
/* Queues one batch of n items: item k is item indices[k] (0-based) of source
 * source_ids[k] (source_ids NULL: all of source 0).  Item k's random
 * transforms draw from ct_sample_rng_seed(seed + k). */
int ct_loader_submit(ct_loader *loader, int64_t n, const int *source_ids, const int64_t *indices,
                     uint64_t seed);
/* Batches submitted and not yet taken. */
int64_t ct_loader_pending(const ct_loader *loader);
/* Takes the oldest submitted batch, waiting for it: out[f] (new references)
 * is field f stacked to [n, ...].  max_out must be >= n_fields.  An item that
 * fails (a damaged file, shapes that do not stack) fails this call with its
 * message; the loader stays usable.  Returns the number of fields, or -1. */
int ct_loader_next(ct_loader *loader, ct_tensor **out, int max_out);
/* Stops the workers (after the batch each is on) and drops what is queued. */
void ct_loader_free(ct_loader *loader);

/* ================================================================ embedding in a Lua host
 * For C programs that run Lua code in a lua_State of their own (see
 * docs/embedding.md; <ctorch_lua.h> includes this header and Lua's).  These
 * take `struct lua_State *`, so this header still needs no <lua.h>.  Unlike
 * the rest of this header they follow Lua's conventions: a function marked
 * "raises" reports errors with lua_error, so call it from a lua_CFunction or
 * under lua_pcall. */
struct lua_State;
/* The `torch` module: luaL_requiref(L, "torch", luaopen_torch, 1).  Raises. */
int luaopen_torch(struct lua_State *L);
/* Pushes t as a Lua tensor, taking over the caller's reference to t (also when
 * it raises).  t == NULL raises ct_last_error(), so a lua_CFunction can write
 * ctorch_push_tensor(L, ct_mm(a, b)).  Opens `torch` in L first if needed.  Raises. */
void ctorch_push_tensor(struct lua_State *L, ct_tensor *t);
/* The tensor at idx, borrowed (ct_retain it to keep it beyond the value's
 * life), or NULL when the value is not a tensor or was closed.  Never raises. */
ct_tensor *ctorch_to_tensor(struct lua_State *L, int idx);
/* As ctorch_to_tensor, but a non-tensor raises a Lua argument error. */
ct_tensor *ctorch_check_tensor(struct lua_State *L, int idx);
/* The folder holding torch's Lua files (torch/autograd.lua ...): $CTORCH_LUA_DIR,
 * else the install prefix this library was loaded from, else the source tree
 * of a build tree, else the configured install location; NULL if none has them. */
const char *ctorch_lua_dir(void);
/* Puts ctorch_lua_dir() in front of package.path (once), so `require
 * 'torch.autograd'` works in L.  0, or -1 (ct_last_error) when the files are
 * not found or the package library is not open.  Raises only on Lua's memory errors. */
int ctorch_add_lua_path(struct lua_State *L);

#ifdef __cplusplus
}
#endif
#endif
