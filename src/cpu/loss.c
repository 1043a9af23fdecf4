/*
 * loss.c -- loss kernels.
 *
 * Classification: each sample's row of C logits is read with stride
 * `inner` (1 for [N, C]); cross-entropy takes log-sum-exp of the row (max
 * subtracted first, so logits of 1e4 are fine) and never forms the
 * log-softmax tensor.  Reduced losses are summed in double over a fixed split
 * of the samples into chunks, so results do not depend on the thread count.
 */
#include <math.h>

#include "cpu/loss.h"
#include "cpu/softmax.h"
#include "cpu/unary.h"

/* Work (in element visits) per chunk of a parallel sum. */
#define LOSS_GRAIN 16384
#define MAX_CHUNKS 64

/* ---------------------------------------------------------------- fixed-split parallel sums */

typedef double (*range_sum_fn)(void *ctx, int64_t begin, int64_t end);

typedef struct sum_job {
    range_sum_fn fn;
    void *ctx;
    int64_t n, nchunks;
    double partial[MAX_CHUNKS];
} sum_job;

static void sum_job_range(void *ctx, int64_t begin, int64_t end)
{
    sum_job *j = ctx;
    for (int64_t c = begin; c < end; c++)
        j->partial[c] = j->fn(j->ctx, j->n * c / j->nchunks, j->n * (c + 1) / j->nchunks);
}

/* sum of fn over [0, n) split in chunks that depend only on n and the cost. */
static double parallel_sum(int64_t n, int64_t cost_per_unit, range_sum_fn fn, void *ctx)
{
    int64_t work = n * (cost_per_unit > 0 ? cost_per_unit : 1);
    int64_t nchunks = work / LOSS_GRAIN;
    if (nchunks > MAX_CHUNKS)
        nchunks = MAX_CHUNKS;
    if (nchunks > n)
        nchunks = n;
    if (nchunks <= 1)
        return fn(ctx, 0, n);
    sum_job job = {.fn = fn, .ctx = ctx, .n = n, .nchunks = nchunks};
    ct_parallel_for(nchunks, 1, sum_job_range, &job);
    double s = 0;
    for (int64_t c = 0; c < nchunks; c++)
        s += job.partial[c];
    return s;
}

/* ---------------------------------------------------------------- classification */

static int64_t target_value(const ct_class_loss *a, int64_t k)
{
    return a->target_dtype == CT_INT64 ? ((const int64_t *)a->target)[k] : ((const int32_t *)a->target)[k];
}

static double weight_of(const ct_class_loss *a, int64_t c)
{
    if (!a->weight)
        return 1.0;
    return a->dtype == CT_FLOAT32 ? ((const float *)a->weight)[c] : ((const double *)a->weight)[c];
}

static double input_at(const ct_class_loss *a, int64_t idx)
{
    return a->dtype == CT_FLOAT32 ? ((const float *)a->input)[idx] : ((const double *)a->input)[idx];
}

int64_t ct_class_loss_class(const ct_class_loss *a, int64_t k)
{
    int64_t v = target_value(a, k);
    return v == a->ignore_index ? -1 : v - a->base;
}

int64_t ct_class_loss_check(const ct_class_loss *a, int64_t *value, double *total_weight)
{
    double total = 0;
    int64_t n = a->N * a->inner;
    for (int64_t k = 0; k < n; k++) {
        int64_t v = target_value(a, k);
        if (v == a->ignore_index)
            continue;
        int64_t c = v - a->base;
        if (c < 0 || c >= a->C) {
            *value = v;
            return k;
        }
        total += weight_of(a, c);
    }
    *total_weight = total;
    return -1;
}

/* Sum over the C classes of w_j * x_j for the row starting at x (stride inner). */
static double weighted_row_sum(const ct_class_loss *a, int64_t start)
{
    double s = 0;
    for (int64_t j = 0; j < a->C; j++)
        s += weight_of(a, j) * input_at(a, start + j * a->inner);
    return s;
}

static double row_lse(const ct_class_loss *a, int64_t start)
{
    if (a->dtype == CT_FLOAT32)
        return ct_row_logsumexp_f32((const float *)a->input + start, a->inner, a->C);
    return ct_row_logsumexp_f64((const double *)a->input + start, a->inner, a->C);
}

/* The loss of sample k. */
static double sample_loss(const ct_class_loss *a, double wsum, int64_t k)
{
    int64_t c = ct_class_loss_class(a, k);
    if (c < 0)
        return 0.0;
    int64_t n = k / a->inner, i = k % a->inner;
    int64_t start = n * a->C * a->inner + i;
    double xc = input_at(a, start + c * a->inner), wc = weight_of(a, c);
    if (!a->cross_entropy)
        return -wc * xc;
    double lse = row_lse(a, start);
    double loss = wc * (lse - xc);
    double eps = a->label_smoothing;
    if (eps > 0) /* sum_j w_j (lse - x_j) */
        loss = (1 - eps) * loss + eps / (double)a->C * (wsum * lse - weighted_row_sum(a, start));
    return loss;
}

/* Fast path for float32 [N, C] rows: everything in float, and loops over
 * rows inline the row helpers so their constants stay in registers.  The
 * loss is (max - x_c) + log(sum), which stays exact for logits like 1e4. */
static double class_rows_f32(const ct_class_loss *a, double wsum, int64_t begin, int64_t end, float *out)
{
    const float *in = a->input, *w = a->weight;
    int64_t C = a->C;
    float eps = (float)a->label_smoothing, fw = (float)wsum;
    double s = 0;
    for (int64_t k = begin; k < end; k++) {
        int64_t c = ct_class_loss_class(a, k);
        float l = 0;
        if (c >= 0) {
            const float *x = in + k * C;
            float wc = w ? w[c] : 1.0f;
            if (!a->cross_entropy) {
                l = -wc * x[c];
            } else {
                float m = ct_row_max_f32(x, C), ls = ct_log_f32(ct_row_sum_exp_f32(x, NULL, C, m));
                l = wc * ((m - x[c]) + ls);
                if (eps > 0) { /* sum_j w_j (lse - x_j) */
                    float sm = 0;
                    for (int64_t j = 0; j < C; j++)
                        sm += (w ? w[j] : 1.0f) * (m - x[j]);
                    l = (1 - eps) * l + eps / (float)C * (sm + fw * ls);
                }
            }
        }
        if (out)
            out[k] = l;
        else
            s += l;
    }
    return s;
}

typedef struct class_ctx {
    const ct_class_loss *a;
    double wsum; /* sum of all C weights */
    void *out;
} class_ctx;

static double class_range(void *ctx, int64_t begin, int64_t end)
{
    const class_ctx *c = ctx;
    if (c->a->dtype == CT_FLOAT32 && c->a->inner == 1)
        return class_rows_f32(c->a, c->wsum, begin, end, c->out);
    double s = 0;
    for (int64_t k = begin; k < end; k++) {
        double l = sample_loss(c->a, c->wsum, k);
        if (!c->out)
            s += l;
        else if (c->a->dtype == CT_FLOAT32)
            ((float *)c->out)[k] = (float)l;
        else
            ((double *)c->out)[k] = l;
    }
    return s;
}

static double all_weights(const ct_class_loss *a)
{
    double s = 0;
    for (int64_t j = 0; j < a->C; j++)
        s += weight_of(a, j);
    return s;
}

double ct_cpu_class_loss(const ct_class_loss *a, void *out)
{
    class_ctx c = {.a = a, .wsum = a->label_smoothing > 0 ? all_weights(a) : 0, .out = out};
    return parallel_sum(a->N * a->inner, a->cross_entropy ? 2 * a->C : 1, class_range, &c);
}

typedef struct class_bwd_ctx {
    const ct_class_loss *a;
    const void *g;
    int64_t g_stride;
    double scale, wsum;
    void *gi;
} class_bwd_ctx;

/* One sample's gradient row: gs * (coef * p_j - eps/C * w_j) - gs * (1 - eps) * w_c at j = c
 * for cross-entropy (p = softmax of the row), -gs * w_c at j = c for nll. */
static void class_bwd_sample(const class_bwd_ctx *b, int64_t k)
{
    const ct_class_loss *a = b->a;
    int64_t C = a->C, inner = a->inner;
    int64_t n = k / inner, i = k % inner, start = n * C * inner + i;
    int64_t c = ct_class_loss_class(a, k);
    int f32 = a->dtype == CT_FLOAT32;
    float *gf = (float *)b->gi + start;
    double *gd = (double *)b->gi + start;
    if (c < 0 || !a->cross_entropy) {
        for (int64_t j = 0; j < C; j++) {
            if (f32)
                gf[j * inner] = 0;
            else
                gd[j * inner] = 0;
        }
        if (c < 0)
            return;
    }
    double g = f32 ? ((const float *)b->g)[k * b->g_stride] : ((const double *)b->g)[k * b->g_stride];
    double gs = g * b->scale, wc = weight_of(a, c);
    if (!a->cross_entropy) {
        if (f32)
            gf[c * inner] = (float)(-gs * wc);
        else
            gd[c * inner] = -gs * wc;
        return;
    }
    double eps = a->label_smoothing;
    double coef = gs * ((1 - eps) * wc + eps / (double)C * b->wsum);
    double sm = gs * eps / (double)C; /* times w_j */
    if (f32 && inner == 1) { /* the exps go into the row first, then scale */
        const float *x = (const float *)a->input + start, *w = a->weight;
        float m = ct_row_max_f32(x, C), fcoef = (float)coef / ct_row_sum_exp_f32(x, gf, C, m), fsm = (float)sm;
        if (!w) {
            for (int64_t j = 0; j < C; j++)
                gf[j] = fcoef * gf[j] - fsm;
        } else {
            for (int64_t j = 0; j < C; j++)
                gf[j] = fcoef * gf[j] - fsm * w[j];
        }
        gf[c] -= (float)(gs * (1 - eps) * wc);
    } else if (f32) { /* exp((x - max) - log(sum)): a float lse would round for logits like 1e4 */
        const float *x = (const float *)a->input + start;
        float m = x[0];
        for (int64_t j = 1; j < C; j++)
            m = x[j * inner] > m || x[j * inner] != x[j * inner] ? x[j * inner] : m;
        float ls = (float)(row_lse(a, start) - (double)m), fcoef = (float)coef, fsm = (float)sm;
        for (int64_t j = 0; j < C; j++)
            gf[j * inner] = fcoef * ct_exp_nonpos_f32((x[j * inner] - m) - ls) - fsm * (float)weight_of(a, j);
        gf[c * inner] -= (float)(gs * (1 - eps) * wc);
    } else {
        double lse = row_lse(a, start);
        const double *x = (const double *)a->input + start;
        for (int64_t j = 0; j < C; j++)
            gd[j * inner] = coef * exp(x[j * inner] - lse) - sm * weight_of(a, j);
        gd[c * inner] -= gs * (1 - eps) * wc;
    }
}

static void class_bwd_range(void *ctx, int64_t begin, int64_t end)
{
    for (int64_t k = begin; k < end; k++)
        class_bwd_sample(ctx, k);
}

void ct_cpu_class_loss_backward(const ct_class_loss *a, const void *g, int64_t g_stride, double scale,
                                void *gi)
{
    class_bwd_ctx b = {.a = a, .g = g, .g_stride = g_stride, .scale = scale, .gi = gi};
    if (a->cross_entropy)
        b.wsum = all_weights(a);
    int64_t n = a->N * a->inner, per = a->C > 0 ? 3 * a->C : 1;
    ct_parallel_for(n, per >= LOSS_GRAIN ? 1 : LOSS_GRAIN / per, class_bwd_range, &b);
}

void ct_cpu_class_loss_coefs(const ct_class_loss *a, double scale, void *coef_a, void *coef_b)
{
    int64_t C = a->C, inner = a->inner, n = a->N * inner;
    int f32 = a->dtype == CT_FLOAT32;
    double eps = a->cross_entropy ? a->label_smoothing : 0;
    double wsum = a->cross_entropy ? all_weights(a) : 0;
    for (int64_t k = 0; k < n; k++) {
        int64_t c = ct_class_loss_class(a, k);
        int64_t start = (k / inner) * C * inner + k % inner;
        double wc = c >= 0 ? weight_of(a, c) : 0;
        double ca = c >= 0 ? scale * ((1 - eps) * wc + eps / (double)C * wsum) : 0;
        if (coef_a) {
            if (f32)
                ((float *)coef_a)[k] = (float)ca;
            else
                ((double *)coef_a)[k] = ca;
        }
        for (int64_t j = 0; j < C; j++) {
            double v = 0;
            if (c >= 0)
                v = scale * ((j == c ? (1 - eps) * wc : 0) + eps / (double)C * weight_of(a, j));
            if (f32)
                ((float *)coef_b)[start + j * inner] = (float)v;
            else
                ((double *)coef_b)[start + j * inner] = v;
        }
    }
}

/* ---------------------------------------------------------------- elementwise */

static inline double load(ct_dtype dt, const char *p)
{
    return dt == CT_FLOAT32 ? (double)*(const float *)p : *(const double *)p;
}

static inline void store(ct_dtype dt, char *p, double v)
{
    if (dt == CT_FLOAT32)
        *(float *)p = (float)v;
    else
        *(double *)p = v;
}

/* log(1 + exp(z)) without overflow */
static inline double softplus(double z) { return (z > 0 ? z : 0) + log1p(exp(-fabs(z))); }

static inline double sigmoid(double z)
{
    double e = exp(-fabs(z));
    return z >= 0 ? 1 / (1 + e) : e / (1 + e);
}

/* The unweighted loss of one element; pw is 1 without pos_weight. */
static inline double elem_loss(const ct_ploss *p, double x, double y, double pw)
{
    double d = x - y;
    switch (p->kind) {
    case CT_LOSS_MSE:
        return d * d;
    case CT_LOSS_L1:
        return fabs(d);
    case CT_LOSS_SMOOTH_L1: {
        double ad = fabs(d);
        return ad < p->beta ? 0.5 * d * d / p->beta : ad - 0.5 * p->beta;
    }
    case CT_LOSS_BCE: { /* logs clamped at -100, as PyTorch */
        double lx = log(x), l1x = log1p(-x);
        lx = lx < -100 ? -100 : lx;
        l1x = l1x < -100 ? -100 : l1x;
        return -(y * lx + (1 - y) * l1x);
    }
    case CT_LOSS_BCE_LOGITS: /* (1 - y) x + (1 + (pw - 1) y) softplus(-x) */
        return (1 - y) * x + (1 + (pw - 1) * y) * softplus(-x);
    }
    return 0;
}

/* d loss / d input (or / d target) of one element, unweighted. */
static inline double elem_grad(const ct_ploss *p, int wrt_target, double x, double y, double pw)
{
    double d = x - y, r = 0;
    switch (p->kind) {
    case CT_LOSS_MSE:
        r = 2 * d;
        break;
    case CT_LOSS_L1:
        r = (d > 0) - (d < 0);
        break;
    case CT_LOSS_SMOOTH_L1:
        if (d <= -p->beta)
            r = d < 0 ? -1 : 0;
        else if (d >= p->beta)
            r = d > 0 ? 1 : 0;
        else
            r = d / p->beta;
        break;
    case CT_LOSS_BCE:
        if (wrt_target)
            return log1p(-x) - log(x);
        r = x * (1 - x);
        return d / (r > 1e-12 ? r : 1e-12);
    case CT_LOSS_BCE_LOGITS:
        if (wrt_target) /* log_sigmoid(-x) - pw * log_sigmoid(x) */
            return -softplus(x) + pw * softplus(-x);
        return (pw * y + 1 - y) * sigmoid(x) - pw * y;
    }
    return wrt_target ? -r : r;
}

/* ---- typed loops for the regression losses (mse, l1, smooth_l1) on
 * unit-stride runs: no per-element dispatch, so the compiler vectorizes them.
 * Sums go through four double accumulators. */

static int is_regression(const ct_ploss *p)
{
    return p->kind == CT_LOSS_MSE || p->kind == CT_LOSS_L1 || p->kind == CT_LOSS_SMOOTH_L1;
}

static void reg_loss_f32(const ct_ploss *p, float *out, const float *x, const float *y, int64_t n)
{
    float b = (float)p->beta;
    switch (p->kind) {
    case CT_LOSS_MSE:
        for (int64_t i = 0; i < n; i++)
            out[i] = (x[i] - y[i]) * (x[i] - y[i]);
        break;
    case CT_LOSS_L1:
        for (int64_t i = 0; i < n; i++)
            out[i] = fabsf(x[i] - y[i]);
        break;
    default:
        for (int64_t i = 0; i < n; i++) {
            float d = x[i] - y[i], ad = fabsf(d);
            out[i] = ad < b ? 0.5f * d * d / b : ad - 0.5f * b;
        }
    }
}

static void reg_loss_f64(const ct_ploss *p, double *out, const double *x, const double *y, int64_t n)
{
    double b = p->beta;
    switch (p->kind) {
    case CT_LOSS_MSE:
        for (int64_t i = 0; i < n; i++)
            out[i] = (x[i] - y[i]) * (x[i] - y[i]);
        break;
    case CT_LOSS_L1:
        for (int64_t i = 0; i < n; i++)
            out[i] = fabs(x[i] - y[i]);
        break;
    default:
        for (int64_t i = 0; i < n; i++) {
            double d = x[i] - y[i], ad = fabs(d);
            out[i] = ad < b ? 0.5 * d * d / b : ad - 0.5 * b;
        }
    }
}

static double reg_sum_f32(const ct_ploss *p, const float *x, const float *y, int64_t n)
{
    double acc[4] = {0, 0, 0, 0};
    float buf[4];
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        reg_loss_f32(p, buf, x + i, y + i, 4);
        for (int k = 0; k < 4; k++)
            acc[k] += (double)buf[k];
    }
    double s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    if (i < n) {
        reg_loss_f32(p, buf, x + i, y + i, n - i);
        for (int64_t k = 0; k < n - i; k++)
            s += (double)buf[k];
    }
    return s;
}

static double reg_sum_f64(const ct_ploss *p, const double *x, const double *y, int64_t n)
{
    double acc[4] = {0, 0, 0, 0}, buf[4];
    int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        reg_loss_f64(p, buf, x + i, y + i, 4);
        for (int k = 0; k < 4; k++)
            acc[k] += buf[k];
    }
    double s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    if (i < n) {
        reg_loss_f64(p, buf, x + i, y + i, n - i);
        for (int64_t k = 0; k < n - i; k++)
            s += buf[k];
    }
    return s;
}

/* gi = sign * scale * g * d loss / d input, g read with stride gs (0 or 1). */
static void reg_grad_f32(const ct_ploss *p, float sc, float *gi, const float *x, const float *y, const float *g,
                         int64_t gs, int64_t n)
{
    float b = (float)p->beta;
    switch (p->kind) {
    case CT_LOSS_MSE:
        for (int64_t i = 0; i < n; i++)
            gi[i] = sc * g[i * gs] * 2.0f * (x[i] - y[i]);
        break;
    case CT_LOSS_L1:
        for (int64_t i = 0; i < n; i++) {
            float d = x[i] - y[i];
            gi[i] = sc * g[i * gs] * (float)((d > 0) - (d < 0));
        }
        break;
    default:
        for (int64_t i = 0; i < n; i++) {
            float d = x[i] - y[i];
            float r = d <= -b ? (d < 0 ? -1.0f : 0.0f) : (d >= b ? (d > 0 ? 1.0f : 0.0f) : d / b);
            gi[i] = sc * g[i * gs] * r;
        }
    }
}

static void reg_grad_f64(const ct_ploss *p, double sc, double *gi, const double *x, const double *y,
                         const double *g, int64_t gs, int64_t n)
{
    double b = p->beta;
    switch (p->kind) {
    case CT_LOSS_MSE:
        for (int64_t i = 0; i < n; i++)
            gi[i] = sc * g[i * gs] * 2.0 * (x[i] - y[i]);
        break;
    case CT_LOSS_L1:
        for (int64_t i = 0; i < n; i++) {
            double d = x[i] - y[i];
            gi[i] = sc * g[i * gs] * (double)((d > 0) - (d < 0));
        }
        break;
    default:
        for (int64_t i = 0; i < n; i++) {
            double d = x[i] - y[i];
            double r = d <= -b ? (d < 0 ? -1.0 : 0.0) : (d >= b ? (d > 0 ? 1.0 : 0.0) : d / b);
            gi[i] = sc * g[i * gs] * r;
        }
    }
}

static void ploss_inner(void *ctx, char **data, const int64_t *s, int64_t n)
{
    const ct_ploss *p = ctx;
    ct_dtype dt = p->dtype;
    int64_t es = (int64_t)ct_dtype_size(dt);
    if (is_regression(p) && s[0] == es && s[1] == es && s[2] == es) {
        if (dt == CT_FLOAT32)
            reg_loss_f32(p, (float *)data[0], (const float *)data[1], (const float *)data[2], n);
        else
            reg_loss_f64(p, (double *)data[0], (const double *)data[1], (const double *)data[2], n);
        return;
    }
    for (int64_t i = 0; i < n; i++) {
        double pw = p->has_pos_weight ? load(dt, data[3] + i * s[3]) : 1.0;
        double l = elem_loss(p, load(dt, data[1] + i * s[1]), load(dt, data[2] + i * s[2]), pw);
        store(dt, data[0] + i * s[0], l);
    }
}

void ct_cpu_ploss(const ct_ploss *p, const ct_loop *loop) { ct_loop_run(loop, ploss_inner, (void *)p); }

typedef struct ploss_sum_ctx {
    const ct_ploss *p;
    const ct_loop *loop;
} ploss_sum_ctx;

typedef struct ploss_acc {
    const ct_ploss *p;
    double acc;
} ploss_acc;

static void ploss_sum_inner(void *ctx, char **data, const int64_t *s, int64_t n)
{
    ploss_acc *a = ctx;
    const ct_ploss *p = a->p;
    ct_dtype dt = p->dtype;
    int wk = p->has_weight ? 2 : -1, pk = p->has_pos_weight ? (p->has_weight ? 3 : 2) : -1;
    int64_t es = (int64_t)ct_dtype_size(dt);
    if (is_regression(p) && s[0] == es && s[1] == es) {
        if (dt == CT_FLOAT32)
            a->acc += reg_sum_f32(p, (const float *)data[0], (const float *)data[1], n);
        else
            a->acc += reg_sum_f64(p, (const double *)data[0], (const double *)data[1], n);
        return;
    }
    double acc = 0;
    for (int64_t i = 0; i < n; i++) {
        double pw = pk >= 0 ? load(dt, data[pk] + i * s[pk]) : 1.0;
        double l = elem_loss(p, load(dt, data[0] + i * s[0]), load(dt, data[1] + i * s[1]), pw);
        acc += wk >= 0 ? l * load(dt, data[wk] + i * s[wk]) : l;
    }
    a->acc += acc;
}

static double ploss_sum_range(void *ctx, int64_t begin, int64_t end)
{
    const ploss_sum_ctx *c = ctx;
    ploss_acc a = {c->p, 0};
    ct_loop_run_range(c->loop, ploss_sum_inner, &a, begin, end);
    return a.acc;
}

double ct_cpu_ploss_sum(const ct_ploss *p, const ct_loop *loop)
{
    ploss_sum_ctx c = {p, loop};
    return parallel_sum(loop->numel, 4, ploss_sum_range, &c);
}

typedef struct ploss_bwd_ctx {
    const ct_ploss *p;
    int wrt_target;
    double scale;
} ploss_bwd_ctx;

static void ploss_bwd_inner(void *ctx, char **data, const int64_t *s, int64_t n)
{
    const ploss_bwd_ctx *c = ctx;
    const ct_ploss *p = c->p;
    ct_dtype dt = p->dtype;
    int64_t es = (int64_t)ct_dtype_size(dt);
    if (is_regression(p) && s[0] == es && s[1] == es && s[2] == es && (s[3] == 0 || s[3] == es)) {
        double sc = c->wrt_target ? -c->scale : c->scale; /* d / d target = -d / d input */
        if (dt == CT_FLOAT32)
            reg_grad_f32(p, (float)sc, (float *)data[0], (const float *)data[1], (const float *)data[2],
                         (const float *)data[3], s[3] / es, n);
        else
            reg_grad_f64(p, sc, (double *)data[0], (const double *)data[1], (const double *)data[2],
                         (const double *)data[3], s[3] / es, n);
        return;
    }
    for (int64_t i = 0; i < n; i++) {
        double x = load(dt, data[1] + i * s[1]), y = load(dt, data[2] + i * s[2]);
        double third = load(dt, data[3] + i * s[3]);
        double g = p->has_pos_weight ? 1.0 : third, pw = p->has_pos_weight ? third : 1.0;
        store(dt, data[0] + i * s[0], c->scale * g * elem_grad(p, c->wrt_target, x, y, pw));
    }
}

void ct_cpu_ploss_backward(const ct_ploss *p, int wrt_target, double scale, const ct_loop *loop)
{
    ploss_bwd_ctx c = {p, wrt_target, scale};
    ct_loop_run(loop, ploss_bwd_inner, &c);
}
