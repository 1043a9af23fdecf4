/*
 * binary.c -- dispatch for binary pointwise ops: type promotion,
 * broadcasting, output allocation, in-place checks.
 */
#include <stdio.h>

#include "core/loop.h"
#include "cpu/binary.h"
#include "ops/pointwise.h"

static const char *binary_names[CT_NUM_BINARY_OPS] = {
    [CT_ADD] = "add", [CT_SUB] = "sub", [CT_MUL] = "mul", [CT_DIV] = "div",
    [CT_FLOOR_DIVIDE] = "floor_divide", [CT_REMAINDER] = "remainder", [CT_POW] = "pow",
    [CT_MAXIMUM] = "maximum", [CT_MINIMUM] = "minimum", [CT_ATAN2] = "atan2",
    [CT_EQ] = "eq", [CT_NE] = "ne", [CT_LT] = "lt", [CT_LE] = "le", [CT_GT] = "gt", [CT_GE] = "ge",
    [CT_LOGICAL_AND] = "logical_and", [CT_LOGICAL_OR] = "logical_or", [CT_LOGICAL_XOR] = "logical_xor",
};

const char *ct_binary_name(ct_binary_op op)
{
    return (unsigned)op < CT_NUM_BINARY_OPS ? binary_names[op] : "binary";
}

static int is_predicate(ct_binary_op op) { return op >= CT_EQ; }

/* The dtype the kernel computes in, from the promoted input dtype. */
static ct_dtype compute_dtype(ct_binary_op op, ct_dtype promoted)
{
    if ((op == CT_DIV || op == CT_ATAN2) && !ct_dtype_is_float(promoted))
        return CT_FLOAT32; /* true division of integers gives the default float */
    return promoted;
}

static ct_dtype output_dtype(ct_binary_op op, ct_dtype compute) { return is_predicate(op) ? CT_BOOL : compute; }

/* PyTorch's rule for writing a result into an existing tensor. */
static int can_cast(ct_dtype from, ct_dtype to)
{
    if (ct_dtype_is_float(from) && !ct_dtype_is_float(to))
        return 0;
    if (from != CT_BOOL && to == CT_BOOL)
        return 0;
    return 1;
}

/* out = a op b where b is either a tensor or (b == NULL) the scalar s. */
static int run_binary(ct_binary_op op, ct_dtype compute, ct_tensor *out, ct_tensor *a, ct_tensor *b,
                      ct_scalar s, int reversed)
{
    if (op == CT_SUB && compute == CT_BOOL) /* PyTorch refuses it too: the result would be ambiguous */
        return ct_fail("sub: subtraction of bool tensors is not supported; use logical_xor");
    ct_tensor *ca = a->dtype == compute ? ct_retain(a) : ct_raw_to_dtype(a, compute);
    ct_tensor *cb = NULL;
    if (!ca)
        return -1;
    if (b) {
        cb = b->dtype == compute ? ct_retain(b) : ct_raw_to_dtype(b, compute);
        if (!cb) {
            ct_release(ca);
            return -1;
        }
    }
    int64_t scalar_buf[2] = {0, 0};
    if (!b)
        ct_scalar_store(s, compute, scalar_buf);
    ct_loop loop;
    ct_loop_begin(&loop, out->ndim, out->sizes);
    ct_loop_add(&loop, out);
    if (reversed)
        ct_loop_add_raw(&loop, scalar_buf, NULL, ct_dtype_size(compute));
    ct_loop_add(&loop, ca);
    if (!reversed) {
        if (cb)
            ct_loop_add(&loop, cb);
        else
            ct_loop_add_raw(&loop, scalar_buf, NULL, ct_dtype_size(compute));
    }
    ct_loop_finish(&loop);
    int rc = ct_cpu_binary(op, compute, &loop);
    ct_release(ca);
    ct_release(cb);
    return rc;
}

ct_tensor *ct_raw_binary(ct_binary_op op, ct_tensor *a, ct_tensor *b)
{
    if ((unsigned)op >= CT_NUM_BINARY_OPS) {
        ct_fail("binary: invalid op %d", (int)op);
        return NULL;
    }
    const char *name = ct_binary_name(op);
    int ndim;
    int64_t shape[CT_MAX_DIMS];
    if (ct_check_same_device(name, a, b) < 0 ||
        ct_broadcast_shape(name, a->ndim, a->sizes, b->ndim, b->sizes, &ndim, shape) < 0)
        return NULL;
    ct_dtype compute = compute_dtype(op, ct_result_type(a, b));
    ct_tensor *out = ct_empty(ndim, shape, output_dtype(op, compute));
    if (!out)
        return NULL;
    if (run_binary(op, compute, out, a, b, ct_scalar_int(0), 0) < 0) {
        ct_release(out);
        return NULL;
    }
    return out;
}

ct_tensor *ct_raw_binary_scalar(ct_binary_op op, ct_tensor *a, ct_scalar s, int reversed)
{
    if ((unsigned)op >= CT_NUM_BINARY_OPS) {
        ct_fail("binary: invalid op %d", (int)op);
        return NULL;
    }
    ct_dtype compute = compute_dtype(op, ct_result_type_scalar(a, s));
    ct_tensor *out = ct_empty(a->ndim, a->sizes, output_dtype(op, compute));
    if (!out)
        return NULL;
    if (run_binary(op, compute, out, a, NULL, s, reversed) < 0) {
        ct_release(out);
        return NULL;
    }
    return out;
}

/* a = a op (b or s), with a's shape and dtype kept. */
static int binary_inplace(ct_binary_op op, ct_tensor *a, ct_tensor *b, ct_scalar s)
{
    const char *name = ct_binary_name(op);
    char inplace_name[32];
    snprintf(inplace_name, sizeof inplace_name, "%s_", name);
    ct_dtype promoted = b ? ct_result_type(a, b) : ct_result_type_scalar(a, s);
    ct_dtype compute = compute_dtype(op, promoted);
    ct_dtype result = output_dtype(op, compute);
    if (b) {
        int ndim;
        int64_t shape[CT_MAX_DIMS];
        if (ct_check_same_device(inplace_name, a, b) < 0 ||
            ct_broadcast_shape(inplace_name, a->ndim, a->sizes, b->ndim, b->sizes, &ndim, shape) < 0)
            return -1;
        if (ndim != a->ndim || ct_shape_numel(ndim, shape) != ct_numel(a)) {
            char sa[128], sb[128];
            return ct_fail("%s_: shape %s cannot be broadcast to the in-place target's shape %s", name,
                           ct_shape_str(b, sb, sizeof sb), ct_shape_str(a, sa, sizeof sa));
        }
    }
    if (!can_cast(result, a->dtype))
        return ct_fail("%s_: result type %s cannot be stored in the in-place target of type %s", name,
                       ct_dtype_name(result), ct_dtype_name(a->dtype));
    if (ct_check_no_self_overlap(inplace_name, a) < 0)
        return -1;
    int rc;
    if (result == a->dtype) {
        rc = run_binary(op, compute, a, a, b, s, 0);
    } else {
        ct_tensor *tmp = ct_empty(a->ndim, a->sizes, result);
        if (!tmp)
            return -1;
        rc = run_binary(op, compute, tmp, a, b, s, 0);
        if (rc == 0)
            rc = ct_raw_copy_(a, tmp);
        ct_release(tmp);
    }
    if (rc == 0)
        ct_tensor_bump_version(a);
    return rc;
}

int ct_raw_binary_(ct_binary_op op, ct_tensor *a, ct_tensor *b)
{
    if ((unsigned)op >= CT_NUM_BINARY_OPS)
        return ct_fail("binary: invalid op %d", (int)op);
    return binary_inplace(op, a, b, ct_scalar_int(0));
}

int ct_raw_binary_scalar_(ct_binary_op op, ct_tensor *a, ct_scalar s)
{
    if ((unsigned)op >= CT_NUM_BINARY_OPS)
        return ct_fail("binary: invalid op %d", (int)op);
    return binary_inplace(op, a, NULL, s);
}

/* PyTorch: a fractional alpha would silently truncate for integer tensors. */
static int check_alpha(ct_tensor *a, ct_tensor *b, ct_scalar alpha)
{
    ct_dtype d = ct_result_type(a, b);
    if (alpha.kind == CT_SCALAR_FLOAT && !ct_dtype_is_float(d))
        return ct_fail("add: alpha must be an integer for %s tensors, got %g", ct_dtype_name(d), alpha.d);
    return 0;
}

ct_tensor *ct_raw_add_scaled(ct_tensor *a, ct_tensor *b, ct_scalar alpha)
{
    if (check_alpha(a, b, alpha) < 0)
        return NULL;
    ct_tensor *scaled = ct_raw_binary_scalar(CT_MUL, b, alpha, 0);
    if (!scaled)
        return NULL;
    ct_tensor *out = ct_raw_binary(CT_ADD, a, scaled);
    ct_release(scaled);
    return out;
}

int ct_raw_add_scaled_(ct_tensor *a, ct_tensor *b, ct_scalar alpha)
{
    if (check_alpha(a, b, alpha) < 0)
        return -1;
    ct_tensor *scaled = ct_raw_binary_scalar(CT_MUL, b, alpha, 0);
    if (!scaled)
        return -1;
    int rc = ct_raw_binary_(CT_ADD, a, scaled);
    ct_release(scaled);
    return rc;
}
