/*
 * train_c.c -- training through the C API alone, no Lua: fits y = 3x + 2 to
 * noisy samples with a one-weight linear model, by gradient descent on the
 * mean squared error with gradients from autograd.
 *
 * Every call is checked: functions returning a tensor give NULL on error and
 * functions returning int give -1, with the message in ct_last_error().
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <ctorch.h>

enum { SAMPLES = 256, STEPS = 200 };
static const double LEARNING_RATE = 0.1;

/* An example may stop at the first error; a library would release and return. */
static void fail(const char *what)
{
    fprintf(stderr, "train_c: %s failed: %s\n", what, ct_last_error());
    exit(EXIT_FAILURE);
}

static ct_tensor *check(ct_tensor *t, const char *what)
{
    if (!t)
        fail(what);
    return t;
}

static void check_rc(int rc, const char *what)
{
    if (rc < 0)
        fail(what);
}

static double item(const ct_tensor *t, const char *what)
{
    ct_scalar s;
    check_rc(ct_item(t, &s), what);
    return s.d;
}

/* y = 3x + 2 + 0.1 * noise */
static ct_tensor *make_targets(ct_tensor *x)
{
    int64_t sizes[2] = {SAMPLES, 1};
    ct_tensor *noise = check(ct_randn(2, sizes, CT_FLOAT32), "randn");
    ct_tensor *small = check(ct_binary_scalar(CT_MUL, noise, ct_scalar_float(0.1), 0), "noise * 0.1");
    ct_tensor *x3 = check(ct_binary_scalar(CT_MUL, x, ct_scalar_float(3.0), 0), "3 * x");
    ct_tensor *line = check(ct_binary_scalar(CT_ADD, x3, ct_scalar_float(2.0), 0), "3x + 2");
    ct_tensor *y = check(ct_binary(CT_ADD, line, small), "3x + 2 + noise");
    ct_release(noise);
    ct_release(small);
    ct_release(x3);
    ct_release(line);
    return y;
}

/* One step: loss = mean((x @ w + b - y)^2), backward, w -= lr * dw, b -= lr * db. */
static double step(ct_tensor *x, ct_tensor *y, ct_tensor *w, ct_tensor *b)
{
    ct_tensor *xw = check(ct_matmul(x, w), "x @ w");            /* [N, 1] */
    ct_tensor *pred = check(ct_binary(CT_ADD, xw, b), "+ b");   /* b [1] broadcasts */
    ct_tensor *err = check(ct_binary(CT_SUB, pred, y), "- y");
    ct_tensor *sq = check(ct_binary(CT_MUL, err, err), "square");
    ct_tensor *loss = check(ct_reduce(CT_MEAN, sq, 0, NULL, 0), "mean");
    check_rc(ct_backward(loss, NULL, 0, 0), "backward");
    double value = item(loss, "loss.item");

    ct_tensor *dw = check(ct_grad(w), "w.grad");
    ct_tensor *db = check(ct_grad(b), "b.grad");
    /* the update itself must not be recorded: grad mode off, as in torch.no_grad */
    ct_set_grad_enabled(0);
    check_rc(ct_add_scaled_(w, dw, ct_scalar_float(-LEARNING_RATE)), "w -= lr * dw");
    check_rc(ct_add_scaled_(b, db, ct_scalar_float(-LEARNING_RATE)), "b -= lr * db");
    ct_set_grad_enabled(1);
    /* gradients accumulate: clear them for the next step (zero_grad) */
    check_rc(ct_set_grad(w, NULL), "w.grad = nil");
    check_rc(ct_set_grad(b, NULL), "b.grad = nil");

    ct_tensor *temps[] = {xw, pred, err, sq, loss, dw, db};
    for (size_t i = 0; i < sizeof temps / sizeof temps[0]; i++)
        ct_release(temps[i]);
    return value;
}

int main(void)
{
    ct_manual_seed(0);
    int64_t xsizes[2] = {SAMPLES, 1}, wsizes[2] = {1, 1}, bsizes[1] = {1};
    ct_tensor *x = check(ct_randn(2, xsizes, CT_FLOAT32), "randn");
    ct_tensor *y = make_targets(x);

    ct_tensor *w = check(ct_randn(2, wsizes, CT_FLOAT32), "randn"); /* [1, 1] */
    ct_tensor *b = check(ct_zeros(1, bsizes, CT_FLOAT32), "zeros"); /* [1] */
    check_rc(ct_set_requires_grad(w, 1), "w.requires_grad");
    check_rc(ct_set_requires_grad(b, 1), "b.requires_grad");

    for (int i = 1; i <= STEPS; i++) {
        double loss = step(x, y, w, b);
        if (i == 1 || i % 50 == 0)
            printf("step %3d  loss %.6f\n", i, loss);
    }

    double wv = item(w, "w.item"), bv = item(b, "b.item");
    printf("learned w = %.4f (true 3), b = %.4f (true 2)\n", wv, bv);
    ct_release(x);
    ct_release(y);
    ct_release(w);
    ct_release(b);
    if (fabs(wv - 3.0) > 0.1 || fabs(bv - 2.0) > 0.1) {
        fprintf(stderr, "train_c: the fit is off by more than 0.1\n");
        return EXIT_FAILURE;
    }
    return EXIT_SUCCESS;
}
