/*
 * grad_fill.c -- ops that overwrite a tensor with values that do not depend
 * on it (fill_, zero_, random fills).  They carry no gradient; overwriting a
 * tensor that requires grad while recording would silently cut its history,
 * so it is refused (initialisers run under torch.no_grad()).
 */
#include "autograd/grad_util.h"

static int check_overwrite(const char *op, ct_tensor *t)
{
    if (!ct_ag_enabled() || !ct_ag_requires_grad(t))
        return 0;
    return ct_fail("%s: a tensor that requires grad cannot be overwritten in place while gradients are "
                   "recorded; do it under torch.no_grad()", op);
}

int ct_fill_(ct_tensor *t, ct_scalar value)
{
    return check_overwrite("fill_", t) < 0 ? -1 : ct_raw_fill_(t, value);
}

int ct_zero_(ct_tensor *t) { return check_overwrite("zero_", t) < 0 ? -1 : ct_raw_zero_(t); }

int ct_uniform_(ct_tensor *t, double low, double high)
{
    return check_overwrite("uniform_", t) < 0 ? -1 : ct_raw_uniform_(t, low, high);
}

int ct_normal_(ct_tensor *t, double mean, double std)
{
    return check_overwrite("normal_", t) < 0 ? -1 : ct_raw_normal_(t, mean, std);
}

int ct_bernoulli_(ct_tensor *t, double p)
{
    return check_overwrite("bernoulli_", t) < 0 ? -1 : ct_raw_bernoulli_(t, p);
}

int ct_random_int_(ct_tensor *t, int64_t low, int64_t high)
{
    return check_overwrite("random_", t) < 0 ? -1 : ct_raw_random_int_(t, low, high);
}
