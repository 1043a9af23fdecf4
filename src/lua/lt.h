/*
 * lt.h -- shared helpers of the Lua binding (not installed).
 *
 * The binding is thin: it checks arguments, converts 1-based dims and
 * indices to the core's 0-based ones, calls one core function, and turns a
 * NULL/-1 result into a Lua error carrying ct_last_error().
 *
 * A tensor is a full userdata holding one ct_tensor reference.
 */
#ifndef CT_LUA_LT_H
#define CT_LUA_LT_H

#include <lauxlib.h>
#include <lua.h>

#include "ctorch.h"

#define LT_TENSOR_MT "torch.Tensor"
#define LT_DTYPE_MT "torch.dtype"
#define LT_DEVICE_MT "torch.device"

/* Where a registered function goes. */
enum { LT_FUNCTION = 1, LT_METHOD = 2, LT_BOTH = 3 };
typedef struct lt_reg {
    const char *name;
    lua_CFunction fn;
    int where;
} lt_reg;

/* Registration context handed to each family's lt_open_* function. */
typedef struct lt_tables {
    int module;  /* the `torch` table */
    int methods; /* tensor methods */
    int getters; /* property name -> function(t) */
    int setters; /* property name -> function(t, v) */
} lt_tables;

void lt_register(lua_State *L, const lt_tables *tables, const lt_reg *regs);

/* ---- tensors (lt_tensor.c) */
/* Pushes t as a Lua tensor, taking over the reference; t == NULL raises the core's error. */
void lt_push_tensor(lua_State *L, ct_tensor *t);
ct_tensor *lt_check_tensor(lua_State *L, int idx);
ct_tensor *lt_to_tensor(lua_State *L, int idx); /* NULL when not a (live) tensor */
int lt_is_tensor(lua_State *L, int idx);
/* Raises ct_last_error() as a Lua error. */
int lt_error(lua_State *L);
/* Raises the core error if rc < 0; returns rc otherwise. */
int lt_check_rc(lua_State *L, int rc);

/* ---- arguments (lt_args.c) */
/* 1-based (or negative) Lua dim at idx -> 0-based core dim, unchecked range. */
int lt_check_dim(lua_State *L, int idx);
int lt_opt_dim(lua_State *L, int idx, int def0);
ct_scalar lt_check_scalar(lua_State *L, int idx);
int lt_is_scalar(lua_State *L, int idx); /* number or boolean */
ct_dtype lt_check_dtype(lua_State *L, int idx);
void lt_push_dtype(lua_State *L, ct_dtype dtype);
void lt_push_device(lua_State *L, ct_device device);
/* Sizes given as numbers from idx to top (stopping at a table of options), or
 * as one table (e.g. x.shape).  Returns ndim. */
int lt_check_sizes(lua_State *L, int idx, int64_t *sizes);
/* Index of a trailing options table at or after idx, or 0. */
int lt_options_index(lua_State *L, int idx);
/* Option `name` from the options table at opts (0 = none): */
int lt_opt_bool_field(lua_State *L, int opts, const char *name, int def);
double lt_opt_number_field(lua_State *L, int opts, const char *name, double def);
ct_dtype lt_opt_dtype_field(lua_State *L, int opts, const char *name, ct_dtype def);
/* A pair such as kernel_size or stride: an integer n ({n, n}) or a table {h, w};
 * raises "<op>: <name> must be ..." otherwise. */
void lt_check_pair(lua_State *L, int idx, const char *op, const char *name, int64_t out[2]);
void lt_opt_pair_field(lua_State *L, int opts, const char *op, const char *name, const int64_t def[2],
                       int64_t out[2]);
/* Option reduction = 'mean' (default) | 'sum' | 'none'. */
ct_reduction lt_opt_reduction_field(lua_State *L, int opts, const char *op);
/* Pushes a table {n1, n2, ...} of sizes. */
void lt_push_sizes(lua_State *L, int ndim, const int64_t *sizes);
void lt_push_scalar(lua_State *L, ct_scalar s);

/* ---- families: each registers its functions and methods */
void lt_open_tensor(lua_State *L, const lt_tables *t);
void lt_open_creation(lua_State *L, const lt_tables *t);
void lt_open_views(lua_State *L, const lt_tables *t);
void lt_open_pointwise(lua_State *L, const lt_tables *t);
void lt_open_reduce(lua_State *L, const lt_tables *t);
void lt_open_linalg(lua_State *L, const lt_tables *t);
void lt_open_indexing(lua_State *L, const lt_tables *t);
void lt_open_random(lua_State *L, const lt_tables *t);
void lt_open_print(lua_State *L, const lt_tables *t);
void lt_open_autograd(lua_State *L, const lt_tables *t);
void lt_open_nn_conv(lua_State *L, const lt_tables *t);
void lt_open_nn_pool(lua_State *L, const lt_tables *t);
void lt_open_nn_loss(lua_State *L, const lt_tables *t);
void lt_open_optim(lua_State *L, const lt_tables *t);
void lt_open_io(lua_State *L, const lt_tables *t);
void lt_open_vision(lua_State *L, const lt_tables *t);
/* A torch.Transform userdata (lt_transforms.c): one C transform of torch.vision.transforms. */
#define LT_TRANSFORM_MT "torch.Transform"
const ct_transform *lt_check_transform(lua_State *L, int idx);
void lt_open_image(lua_State *L, const lt_tables *t);
void lt_open_transforms(lua_State *L, const lt_tables *t);
void lt_open_data(lua_State *L, const lt_tables *t);
void lt_open_term(lua_State *L, const lt_tables *t);

/* ---- indexing with x[k] and x[k] = v (lt_indexing.c); key at 2, value at 3 */
int lt_index_get(lua_State *L);
int lt_index_set(lua_State *L);
/* tostring of a tensor (lt_print.c) */
int lt_tensor_tostring(lua_State *L);

/* Tells Lua's GC about bytes allocated outside its heap (lt_tensor.c). */
void lt_account_bytes(lua_State *L, size_t nbytes);

#endif
