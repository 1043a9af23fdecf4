/*
 * grad_binary.c -- autograd for binary pointwise ops.
 *
 * The public ct_binary* functions run the raw op and, when an input requires
 * grad, record a node.  A Lua number operand becomes a 0-dim tensor input
 * that needs no gradient, so one set of formulas covers both forms.
 */
#include "autograd/grad_util.h"

typedef struct binary_node {
    ct_node base;
    ct_binary_op op;
    ct_saved a, b;
    ct_shape_info a_info, b_info;
} binary_node;

static const char *backward_name(ct_binary_op op)
{
    switch (op) {
    case CT_ADD: return "AddBackward";
    case CT_SUB: return "SubBackward";
    case CT_MUL: return "MulBackward";
    case CT_DIV: return "DivBackward";
    case CT_FLOOR_DIVIDE: return "FloorDivideBackward";
    case CT_REMAINDER: return "RemainderBackward";
    case CT_POW: return "PowBackward";
    case CT_MAXIMUM: return "MaximumBackward";
    case CT_MINIMUM: return "MinimumBackward";
    case CT_ATAN2: return "Atan2Backward";
    default: return "BinaryBackward";
    }
}

static int op_is_differentiable(ct_binary_op op) { return op < CT_EQ; }

/* Which forward inputs the formula needs saved, given which gradients are
 * wanted.  Saving only those keeps x * 2 from holding on to x, and from
 * failing its backward when x is later changed in place. */
static int needs_a(ct_binary_op op, int want_a, int want_b)
{
    switch (op) {
    case CT_ADD: case CT_SUB: case CT_FLOOR_DIVIDE: return 0;
    case CT_MUL: case CT_DIV: case CT_REMAINDER: return want_b;
    default: return want_a || want_b;
    }
}
static int needs_b(ct_binary_op op, int want_a, int want_b)
{
    switch (op) {
    case CT_ADD: case CT_SUB: case CT_FLOOR_DIVIDE: return 0;
    case CT_MUL: return want_a;
    case CT_REMAINDER: return want_b;
    default: return want_a || want_b;
    }
}

static void binary_release_saved(ct_node *self)
{
    binary_node *n = (binary_node *)self;
    ct_saved_reset(&n->a);
    ct_saved_reset(&n->b);
}

/* g * where(cond, 1, 0) + g * 0.5 * (a == b): PyTorch splits ties evenly. */
static ct_tensor *select_grad(ct_tensor *g, ct_tensor *a, ct_tensor *b, ct_binary_op wins)
{
    ct_tensor *win = ct_binary(wins, a, b), *tie = ct_binary(CT_EQ, a, b);
    ct_tensor *winf = win ? ct_to_dtype(win, g->dtype) : NULL;
    ct_tensor *tief = tie ? ct_to_dtype(tie, g->dtype) : NULL;
    ct_tensor *half = tief ? ct_binary_scalar(CT_MUL, tief, ct_scalar_float(0.5), 0) : NULL;
    ct_tensor *weight = winf && half ? ct_binary(CT_ADD, winf, half) : NULL;
    ct_tensor *out = weight ? ct_binary(CT_MUL, g, weight) : NULL;
    ct_release(win);
    ct_release(tie);
    ct_release(winf);
    ct_release(tief);
    ct_release(half);
    ct_release(weight);
    return out;
}

static int binary_backward(ct_node *self, ct_tensor *const *grads, ct_tensor **gi)
{
    binary_node *n = (binary_node *)self;
    ct_tensor *g = grads[0];
    ct_tensor *a = NULL, *b = NULL, *t1 = NULL, *t2 = NULL, *t3 = NULL;
    int want_a = ct_ag_needs_grad(self, 0), want_b = ct_ag_needs_grad(self, 1);
    if (needs_a(n->op, want_a, want_b) && !(a = ct_saved_get(&n->a, self)))
        return -1;
    if (needs_b(n->op, want_a, want_b) && !(b = ct_saved_get(&n->b, self))) {
        ct_release(a);
        return -1;
    }
    switch (n->op) {
    case CT_ADD:
        gi[0] = want_a ? ct_retain(g) : NULL;
        gi[1] = want_b ? ct_retain(g) : NULL;
        break;
    case CT_SUB:
        gi[0] = want_a ? ct_retain(g) : NULL;
        gi[1] = want_b ? ct_unary(CT_NEG, g) : NULL;
        break;
    case CT_MUL:
        gi[0] = want_a ? ct_binary(CT_MUL, g, b) : NULL;
        gi[1] = want_b ? ct_binary(CT_MUL, g, a) : NULL;
        break;
    case CT_DIV:
        gi[0] = want_a ? ct_binary(CT_DIV, g, b) : NULL;
        if (want_b) { /* -g * a / b^2 */
            t1 = ct_binary(CT_MUL, g, a);
            t2 = t1 ? ct_binary(CT_MUL, b, b) : NULL;
            t3 = t2 ? ct_binary(CT_DIV, t1, t2) : NULL;
            gi[1] = t3 ? ct_unary(CT_NEG, t3) : NULL;
        }
        break;
    case CT_POW:
        if (want_a) { /* g * b * a^(b - 1), taken as 0 where b == 0 (0 * 0^-1 would be nan) */
            t1 = ct_binary_scalar(CT_SUB, b, ct_scalar_int(1), 0);
            t2 = t1 ? ct_binary(CT_POW, a, t1) : NULL;
            t3 = t2 ? ct_binary(CT_MUL, b, t2) : NULL;
            ct_tensor *prod = t3 ? ct_binary(CT_MUL, g, t3) : NULL;
            ct_tensor *zero_exp = prod ? ct_binary_scalar(CT_EQ, b, ct_scalar_int(0), 0) : NULL;
            ct_tensor *zeros = zero_exp ? ct_zeros(0, NULL, prod->dtype) : NULL;
            gi[0] = zeros ? ct_where(zero_exp, zeros, prod) : NULL;
            ct_release(prod);
            ct_release(zero_exp);
            ct_release(zeros);
            ct_release(t1);
            ct_release(t2);
            ct_release(t3);
            t1 = t2 = t3 = NULL;
        }
        if (want_b) { /* g * a^b * log(a), taken as 0 where a == 0 and b >= 0 */
            t1 = ct_binary(CT_POW, a, b);
            t2 = t1 ? ct_unary(CT_LOG, a) : NULL;
            ct_tensor *prod = t2 ? ct_binary(CT_MUL, t1, t2) : NULL;
            ct_tensor *zero_base = prod ? ct_binary_scalar(CT_EQ, a, ct_scalar_int(0), 0) : NULL;
            ct_tensor *nonneg = zero_base ? ct_binary_scalar(CT_GE, b, ct_scalar_int(0), 0) : NULL;
            ct_tensor *mask = nonneg ? ct_binary(CT_LOGICAL_AND, zero_base, nonneg) : NULL;
            ct_tensor *zeros = mask ? ct_zeros(0, NULL, prod->dtype) : NULL;
            t3 = zeros ? ct_where(mask, zeros, prod) : NULL;
            gi[1] = t3 ? ct_binary(CT_MUL, g, t3) : NULL;
            ct_release(prod);
            ct_release(zero_base);
            ct_release(nonneg);
            ct_release(mask);
            ct_release(zeros);
        }
        break;
    case CT_MAXIMUM:
    case CT_MINIMUM: {
        ct_binary_op a_wins = n->op == CT_MAXIMUM ? CT_GT : CT_LT;
        ct_binary_op b_wins = n->op == CT_MAXIMUM ? CT_LT : CT_GT;
        gi[0] = want_a ? select_grad(g, a, b, a_wins) : NULL;
        gi[1] = want_b ? select_grad(g, a, b, b_wins) : NULL;
        break;
    }
    case CT_ATAN2: { /* d/da = b / (a^2 + b^2), d/db = -a / (a^2 + b^2) */
        ct_tensor *aa = ct_binary(CT_MUL, a, a), *bb = ct_binary(CT_MUL, b, b);
        ct_tensor *denom = aa && bb ? ct_binary(CT_ADD, aa, bb) : NULL;
        ct_tensor *gd = denom ? ct_binary(CT_DIV, g, denom) : NULL;
        gi[0] = want_a && gd ? ct_binary(CT_MUL, gd, b) : NULL;
        if (want_b && gd) {
            t1 = ct_binary(CT_MUL, gd, a);
            gi[1] = t1 ? ct_unary(CT_NEG, t1) : NULL;
        }
        ct_release(aa);
        ct_release(bb);
        ct_release(denom);
        ct_release(gd);
        break;
    }
    case CT_REMAINDER: /* a - floor(a / b) * b */
        gi[0] = want_a ? ct_retain(g) : NULL;
        if (want_b) {
            t1 = ct_binary(CT_FLOOR_DIVIDE, a, b);
            t2 = t1 ? ct_binary(CT_MUL, g, t1) : NULL;
            gi[1] = t2 ? ct_unary(CT_NEG, t2) : NULL;
        }
        break;
    case CT_FLOOR_DIVIDE: /* piecewise constant */
        gi[0] = want_a ? ct_zeros(n->a_info.ndim, n->a_info.sizes, n->a_info.dtype) : NULL;
        gi[1] = want_b ? ct_zeros(n->b_info.ndim, n->b_info.sizes, n->b_info.dtype) : NULL;
        break;
    default:
        break;
    }
    ct_release(t1);
    ct_release(t2);
    ct_release(t3);
    ct_release(a);
    ct_release(b);
    if ((want_a && !gi[0]) || (want_b && !gi[1]))
        return ct_grad_fail(2, gi);
    gi[0] = want_a ? ct_grad_reduce(gi[0], &n->a_info) : NULL;
    gi[1] = want_b ? ct_grad_reduce(gi[1], &n->b_info) : NULL;
    if ((want_a && !gi[0]) || (want_b && !gi[1]))
        return ct_grad_fail(2, gi);
    return 0;
}

/* Records out = a op b (both tensors; a scalar side already wrapped). */
static ct_tensor *record_binary(ct_binary_op op, ct_tensor *a, ct_tensor *b, ct_tensor *out)
{
    ct_tensor *inputs[2] = {a, b};
    binary_node *n = (binary_node *)ct_ag_node_new(sizeof *n, backward_name(op), binary_backward, 2,
                                                   inputs, 1);
    if (!n) {
        ct_release(out);
        return NULL;
    }
    n->op = op;
    n->base.release_saved = binary_release_saved;
    ct_shape_info_set(&n->a_info, a);
    ct_shape_info_set(&n->b_info, b);
    int want_a = ct_ag_needs_grad(&n->base, 0), want_b = ct_ag_needs_grad(&n->base, 1);
    if (needs_a(op, want_a, want_b))
        ct_saved_set(&n->a, a, NULL, 0);
    if (needs_b(op, want_a, want_b))
        ct_saved_set(&n->b, b, NULL, 0);
    return ct_ag_finish(out, &n->base);
}

ct_tensor *ct_binary(ct_binary_op op, ct_tensor *a, ct_tensor *b)
{
    ct_tensor *out = ct_raw_binary(op, a, b);
    ct_tensor *inputs[2] = {a, b};
    if (!out || !op_is_differentiable(op) || !ct_ag_any_requires_grad(2, inputs))
        return out;
    return record_binary(op, a, b, out);
}

ct_tensor *ct_binary_scalar(ct_binary_op op, ct_tensor *a, ct_scalar s, int reversed)
{
    ct_tensor *out = ct_raw_binary_scalar(op, a, s, reversed);
    if (!out || !op_is_differentiable(op) || !ct_ag_any_requires_grad(1, &a))
        return out;
    /* the number as a 0-dim tensor of a's dtype; it requires no grad */
    ct_dtype sd = ct_dtype_is_float(a->dtype) ? a->dtype : ct_result_type_scalar(a, s);
    ct_tensor *st = ct_full(0, NULL, s, sd);
    if (!st) {
        ct_release(out);
        return NULL;
    }
    ct_tensor *result = reversed ? record_binary(op, st, a, out) : record_binary(op, a, st, out);
    ct_release(st);
    return result;
}

int ct_binary_(ct_binary_op op, ct_tensor *a, ct_tensor *b)
{
    ct_tensor *inputs[2] = {a, b};
    if (!op_is_differentiable(op) || !ct_ag_any_requires_grad(2, inputs))
        return ct_raw_binary_(op, a, b);
    const char *name = backward_name(op);
    if (ct_ag_check_inplace(name, a) < 0)
        return -1;
    /* out of place on a copy of a's current value, then written back */
    ct_tensor *before = ct_clone(a);
    if (!before)
        return -1;
    /* b in a's storage (x:mul_(x)) would be saved and then overwritten: use a copy of it too */
    ct_tensor *other = b == a ? ct_retain(before) : b->storage == a->storage ? ct_clone(b) : ct_retain(b);
    ct_tensor *result = other ? ct_binary(op, before, other) : NULL;
    ct_release(before);
    ct_release(other);
    return ct_ag_commit_inplace(ct_binary_name(op), a, result);
}

int ct_binary_scalar_(ct_binary_op op, ct_tensor *a, ct_scalar s)
{
    if (!op_is_differentiable(op) || !ct_ag_any_requires_grad(1, &a))
        return ct_raw_binary_scalar_(op, a, s);
    if (ct_ag_check_inplace(ct_binary_name(op), a) < 0)
        return -1;
    ct_tensor *before = ct_clone(a);
    if (!before)
        return -1;
    ct_tensor *result = ct_binary_scalar(op, before, s, 0);
    ct_release(before);
    return ct_ag_commit_inplace(ct_binary_name(op), a, result);
}

ct_tensor *ct_add_scaled(ct_tensor *a, ct_tensor *b, ct_scalar alpha)
{
    ct_tensor *inputs[2] = {a, b};
    if (!ct_ag_any_requires_grad(2, inputs))
        return ct_raw_add_scaled(a, b, alpha);
    ct_tensor *scaled = ct_binary_scalar(CT_MUL, b, alpha, 0);
    if (!scaled)
        return NULL;
    ct_tensor *out = ct_binary(CT_ADD, a, scaled);
    ct_release(scaled);
    return out;
}

int ct_add_scaled_(ct_tensor *a, ct_tensor *b, ct_scalar alpha)
{
    ct_tensor *inputs[2] = {a, b};
    if (!ct_ag_any_requires_grad(2, inputs))
        return ct_raw_add_scaled_(a, b, alpha);
    ct_tensor *scaled = ct_binary_scalar(CT_MUL, b, alpha, 0);
    if (!scaled)
        return -1;
    int rc = ct_binary_(CT_ADD, a, scaled);
    ct_release(scaled);
    return rc;
}
