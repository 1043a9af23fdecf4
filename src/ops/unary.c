/*
 * unary.c -- dispatch for unary pointwise ops: PyTorch's dtype rules,
 * output allocation, in-place checks.
 */
#include <stdio.h>

#include "core/loop.h"
#include "cpu/unary.h"
#include "ops/pointwise.h"

static const char *unary_names[CT_NUM_UNARY_OPS] = {
    [CT_NEG] = "neg", [CT_ABS] = "abs", [CT_SIGN] = "sign", [CT_EXP] = "exp", [CT_LOG] = "log",
    [CT_LOG2] = "log2", [CT_LOG10] = "log10", [CT_LOG1P] = "log1p", [CT_EXPM1] = "expm1",
    [CT_SQRT] = "sqrt", [CT_RSQRT] = "rsqrt", [CT_SIN] = "sin", [CT_COS] = "cos", [CT_TAN] = "tan",
    [CT_ASIN] = "asin", [CT_ACOS] = "acos", [CT_ATAN] = "atan", [CT_SINH] = "sinh",
    [CT_COSH] = "cosh", [CT_TANH] = "tanh", [CT_SIGMOID] = "sigmoid", [CT_RELU] = "relu",
    [CT_FLOOR] = "floor", [CT_CEIL] = "ceil", [CT_ROUND] = "round", [CT_TRUNC] = "trunc",
    [CT_FRAC] = "frac", [CT_RECIPROCAL] = "reciprocal", [CT_SQUARE] = "square", [CT_ERF] = "erf",
    [CT_LOGICAL_NOT] = "logical_not",
};

const char *ct_unary_name(ct_unary_op op)
{
    return (unsigned)op < CT_NUM_UNARY_OPS ? unary_names[op] : "unary";
}

/* Ops that keep an integer input's dtype; the rest of the math is float-only. */
static int keeps_integers(ct_unary_op op)
{
    switch (op) {
    case CT_NEG: case CT_ABS: case CT_SIGN: case CT_RELU: case CT_FLOOR: case CT_CEIL:
    case CT_ROUND: case CT_TRUNC: case CT_FRAC: case CT_SQUARE:
        return 1;
    default:
        return 0;
    }
}

/* The dtype of op(x) for an input of dtype `in`, as PyTorch computes it. */
static int result_dtype(const char *name, ct_unary_op op, ct_dtype in, ct_dtype *out)
{
    if ((unsigned)op >= CT_NUM_UNARY_OPS)
        return ct_fail("unary: invalid op %d", (int)op);
    if (op == CT_LOGICAL_NOT) {
        *out = CT_BOOL;
    } else if (ct_dtype_is_float(in)) {
        *out = in;
    } else if (!keeps_integers(op)) {
        *out = CT_FLOAT32; /* integer input to float math: the default float dtype */
    } else if (in == CT_BOOL && op == CT_NEG) {
        return ct_fail("%s: negation of a bool tensor is not supported; use logical_not", name);
    } else if (in == CT_BOOL && op == CT_SQUARE) {
        *out = CT_INT64; /* square is pow(x, 2), which promotes bool to int64 */
    } else {
        *out = in;
    }
    return 0;
}

ct_tensor *ct_raw_unary(ct_unary_op op, ct_tensor *t)
{
    if ((unsigned)op >= CT_NUM_UNARY_OPS) {
        ct_fail("unary: invalid op %d", (int)op);
        return NULL;
    }
    ct_dtype out_dtype = CT_FLOAT32;
    if (result_dtype(ct_unary_name(op), op, t->dtype, &out_dtype) < 0)
        return NULL;
    ct_tensor *out = ct_empty(t->ndim, t->sizes, out_dtype);
    if (!out)
        return NULL;
    ct_loop loop;
    ct_loop_out_in(&loop, out, t);
    ct_cpu_unary(op, t->dtype, out_dtype, &loop);
    return out;
}

int ct_raw_unary_(ct_unary_op op, ct_tensor *t)
{
    if ((unsigned)op >= CT_NUM_UNARY_OPS)
        return ct_fail("unary: invalid op %d", (int)op);
    char name[32];
    snprintf(name, sizeof name, "%s_", ct_unary_name(op));
    ct_dtype out_dtype = CT_FLOAT32;
    if (result_dtype(name, op, t->dtype, &out_dtype) < 0)
        return -1;
    /* logical_not_ writes 0/1 in the tensor's own dtype, as PyTorch does */
    if (op != CT_LOGICAL_NOT && out_dtype != t->dtype)
        return ct_fail("%s: result type %s cannot be stored in the in-place target of type %s", name,
                       ct_dtype_name(out_dtype), ct_dtype_name(t->dtype));
    if (ct_check_no_self_overlap(name, t) < 0)
        return -1;
    ct_loop loop;
    ct_loop_begin(&loop, t->ndim, t->sizes);
    ct_loop_add(&loop, t);
    ct_loop_add(&loop, t);
    ct_loop_finish(&loop);
    ct_cpu_unary(op, t->dtype, t->dtype, &loop);
    ct_tensor_bump_version(t);
    return 0;
}
