/*
 * lt_print.c -- tostring of tensors, following PyTorch's repr rules
 * (torch/_tensor_str.py): one formatter per tensor decides between integer,
 * fixed and scientific notation from the values shown, every element is
 * padded to a common width, rows wrap at the line width, and tensors over the
 * threshold show only `edgeitems` at each edge of every dim.
 *
 * torch.set_printoptions{precision=, threshold=, edgeitems=, linewidth=,
 * sci_mode=, profile=} sets the process-wide options.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/tensor.h"
#include "lt.h"

/* ---------------------------------------------------------------- options */

typedef struct print_options {
    int precision;
    double threshold; /* may be inf: never summarise */
    int edgeitems;
    int linewidth;
    int sci_mode; /* -1: decide per tensor, 0: never, 1: always */
} print_options;

static const print_options default_options = {4, 1000, 3, 80, -1};
static print_options options = {4, 1000, 3, 80, -1};

/* ---------------------------------------------------------------- a growing string */

typedef struct sbuf {
    char *data;
    size_t len, cap;
    int failed; /* out of memory: the result is dropped */
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->data, cap);
        if (!p) {
            b->failed = 1;
            return;
        }
        b->data = p;
        b->cap = cap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = 0;
}

static void sb_str(sbuf *b, const char *s) { sb_add(b, s, strlen(s)); }

static void sb_spaces(sbuf *b, int n)
{
    for (int i = 0; i < n; i++)
        sb_add(b, " ", 1);
}

/* ---------------------------------------------------------------- walking shown elements */

/* The tensor being printed: data and geometry (strides in bytes). */
typedef struct view {
    const char *data;
    ct_dtype dtype;
    int ndim;
    const int64_t *sizes;
    int64_t strides[CT_MAX_DIMS];
    int summarize;
    int edge;
} view;

typedef void (*visit_fn)(void *ctx, ct_scalar v);

/* Positions shown along a dim of size n: all, or edge at each end. */
static int shown(const view *v, int64_t n, int64_t k, int64_t *pos)
{
    if (!v->summarize || n <= 2 * (int64_t)v->edge) {
        *pos = k;
        return k < n;
    }
    if (k >= 2 * (int64_t)v->edge)
        return 0;
    *pos = k < v->edge ? k : n - 2 * v->edge + k;
    return 1;
}

/* Calls fn on every element that will be printed (what PyTorch's
 * get_summarized_data keeps), so the formatter only sees those. */
static void visit(const view *v, int depth, const char *p, visit_fn fn, void *ctx)
{
    if (depth == v->ndim) {
        fn(ctx, ct_scalar_load(v->dtype, p));
        return;
    }
    int64_t pos;
    for (int64_t k = 0; shown(v, v->sizes[depth], k, &pos); k++)
        visit(v, depth + 1, p + pos * v->strides[depth], fn, ctx);
}

/* ---------------------------------------------------------------- the formatter */

typedef struct formatter {
    int floating;
    int int_mode;
    int sci_mode;
    int max_width;
    /* statistics of the nonzero finite values */
    int64_t count;
    double min_abs, max_abs;
} formatter;

/* The text of one value without padding; returns its length. */
static int raw_text(const formatter *f, ct_scalar v, int sci, char *out, size_t cap)
{
    if (v.kind == CT_SCALAR_BOOL)
        return snprintf(out, cap, "%s", v.i ? "True" : "False");
    if (v.kind == CT_SCALAR_INT)
        return snprintf(out, cap, "%lld", (long long)v.i);
    double d = v.d;
    /* Python writes nan and inf the same way in every notation (C may say -nan) */
    if (isnan(d))
        return snprintf(out, cap, "nan");
    if (isinf(d))
        return snprintf(out, cap, d > 0 ? "inf" : "-inf");
    if (sci)
        return snprintf(out, cap, "%.*e", options.precision, d);
    if (f->int_mode)
        return snprintf(out, cap, "%.0f.", d);
    return snprintf(out, cap, "%.*f", options.precision, d);
}

static void scan_stats(void *ctx, ct_scalar v)
{
    formatter *f = ctx;
    if (!f->floating) {
        char buf[64];
        int n = raw_text(f, v, 0, buf, sizeof buf);
        if (n > f->max_width)
            f->max_width = n;
        return;
    }
    double d = v.d;
    if (!isfinite(d) || d == 0)
        return;
    double a = fabs(d);
    if (f->count == 0 || a < f->min_abs)
        f->min_abs = a;
    if (f->count == 0 || a > f->max_abs)
        f->max_abs = a;
    f->count++;
    if (d != ceil(d))
        f->int_mode = 0;
}

static void scan_width(void *ctx, ct_scalar v)
{
    formatter *f = ctx;
    if (!isfinite(v.d) || v.d == 0)
        return;
    char buf[512];
    int n = raw_text(f, v, f->sci_mode, buf, sizeof buf);
    if (n > f->max_width)
        f->max_width = n;
}

static void formatter_init(formatter *f, const view *v)
{
    f->floating = ct_dtype_is_float(v->dtype);
    f->int_mode = 1;
    f->sci_mode = 0;
    f->max_width = 1;
    f->count = 0;
    f->min_abs = f->max_abs = 0;
    visit(v, 0, v->data, scan_stats, f);
    if (f->floating && f->count > 0) {
        /* the option, when set, decides before the widths are measured */
        if (options.sci_mode >= 0)
            f->sci_mode = options.sci_mode;
        else
            f->sci_mode = f->max_abs / f->min_abs > 1000.0 || f->max_abs > 1.0e8 || f->min_abs < 1.0e-4;
        visit(v, 0, v->data, scan_width, f);
    }
}

/* One value padded on the left to the common width. */
static void add_value(sbuf *b, const formatter *f, ct_scalar v)
{
    char buf[512];
    int n = raw_text(f, v, f->floating && f->sci_mode, buf, sizeof buf);
    if (n >= (int)sizeof buf)
        n = (int)sizeof buf - 1;
    sb_spaces(b, f->max_width - n);
    sb_add(b, buf, (size_t)n);
}

/* ---------------------------------------------------------------- layout */

static void vector_str(sbuf *b, const view *v, const formatter *f, const char *p, int indent)
{
    int element_length = f->max_width + 2;
    int per_line = (options.linewidth - indent) / element_length;
    if (per_line < 1)
        per_line = 1;
    int64_t n = v->sizes[v->ndim - 1], step = v->strides[v->ndim - 1];
    if (v->summarize && v->edge == 0) {
        sb_str(b, "[...]");
        return;
    }
    int summarized = v->summarize && n > 2 * (int64_t)v->edge;
    int64_t items = summarized ? 2 * (int64_t)v->edge + 1 : n;
    sb_str(b, "[");
    for (int64_t k = 0; k < items; k++) {
        if (k > 0) {
            if (k % per_line == 0) {
                sb_str(b, ",\n");
                sb_spaces(b, indent + 1);
            } else {
                sb_str(b, ", ");
            }
        }
        if (summarized && k == v->edge) {
            sb_str(b, " ...");
            continue;
        }
        int64_t pos = !summarized ? k : k < v->edge ? k : n - (items - k);
        add_value(b, f, ct_scalar_load(v->dtype, p + pos * step));
    }
    sb_str(b, "]");
}

static void tensor_str(sbuf *b, const view *v, const formatter *f, int depth, const char *p, int indent)
{
    int dim = v->ndim - depth;
    if (dim == 0) {
        add_value(b, f, ct_scalar_load(v->dtype, p));
        return;
    }
    if (dim == 1) {
        vector_str(b, v, f, p, indent);
        return;
    }
    int64_t n = v->sizes[depth];
    int summarized = v->summarize && n > 2 * (int64_t)v->edge;
    int64_t items = summarized ? 2 * (int64_t)v->edge + 1 : n;
    sb_str(b, "[");
    for (int64_t k = 0; k < items; k++) {
        if (k > 0) {
            sb_str(b, ",");
            for (int i = 0; i < dim - 1; i++)
                sb_str(b, "\n");
            sb_spaces(b, indent + 1);
        }
        if (summarized && k == v->edge) {
            sb_str(b, "...");
            continue;
        }
        int64_t pos = !summarized ? k : k < v->edge ? k : n - (items - k);
        tensor_str(b, v, f, depth + 1, p + pos * v->strides[depth], indent + 1);
    }
    sb_str(b, "]");
}

/* PyTorch's _add_suffixes: ", suffix" or, past the line width, on a new line. */
static void add_suffixes(sbuf *b, const char **suffixes, int n, int indent)
{
    const char *nl = NULL;
    for (size_t i = b->len; !b->failed && i > 0; i--)
        if (b->data[i - 1] == '\n') {
            nl = b->data + i - 1;
            break;
        }
    /* Python: len(s) - s.rfind("\n") + 1, with rfind = -1 when there is none */
    long last_line_len = (long)b->len - (nl ? (long)(nl - b->data) : -1) + 1;
    for (int i = 0; i < n; i++) {
        long len = (long)strlen(suffixes[i]);
        if (last_line_len + len + 2 > options.linewidth) {
            sb_str(b, ",\n");
            sb_spaces(b, indent);
            last_line_len = indent + len;
        } else {
            sb_str(b, ", ");
            last_line_len += len + 2;
        }
        sb_str(b, suffixes[i]);
    }
    sb_str(b, ")");
}

/* ---------------------------------------------------------------- tostring */

/* grad_fn=<Name> / requires_grad=True, read through the tensor's properties
 * so this works with whatever the autograd layer provides.  Pushes the
 * suffix string, or nothing; returns 1 or 0. */
static int push_autograd_suffix(lua_State *L, int idx)
{
    lua_getfield(L, idx, "grad_fn");
    if (!lua_isnil(L, -1) && lua_toboolean(L, -1)) {
        int fn = lua_gettop(L);
        const char *name = NULL;
        if (lua_type(L, fn) == LUA_TTABLE || lua_type(L, fn) == LUA_TUSERDATA) {
            lua_getfield(L, fn, "name");
            if (lua_isfunction(L, -1)) {
                lua_pushvalue(L, fn);
                lua_call(L, 1, 1);
            }
            if (lua_type(L, -1) == LUA_TSTRING)
                name = lua_tostring(L, -1);
        }
        if (!name)
            name = luaL_tolstring(L, fn, NULL);
        lua_pushfstring(L, "grad_fn=<%s>", name);
        lua_replace(L, fn);
        lua_settop(L, fn);
        return 1;
    }
    lua_pop(L, 1);
    lua_getfield(L, idx, "requires_grad");
    int rg = lua_toboolean(L, -1);
    lua_pop(L, 1);
    if (rg) {
        lua_pushliteral(L, "requires_grad=True");
        return 1;
    }
    return 0;
}

int lt_tensor_tostring(lua_State *L)
{
    ct_tensor *t = lt_check_tensor(L, 1);
    lua_settop(L, 1);
    ct_dtype dtype = ct_dtype_of(t);
    ct_device dev = ct_device_of(t);

    /* suffixes, kept alive on the Lua stack while the text is built */
    const char *suffixes[4];
    int nsuffix = 0;
    char size_buf[CT_MAX_DIMS * 24 + 16], dtype_buf[64], device_buf[64];
    if (dev.type != CT_CPU) {
        char name[32];
        snprintf(device_buf, sizeof device_buf, "device='%s'", ct_device_str(dev, name, sizeof name));
        suffixes[nsuffix++] = device_buf;
        /* the values are read from a host copy */
        lua_getfield(L, 1, "cpu");
        lua_pushvalue(L, 1);
        lua_call(L, 1, 1);
        t = lt_check_tensor(L, 2);
    }
    int empty = ct_numel(t) == 0;
    /* the size is shown when the values do not show it: empty (not 1-D), or edgeitems = 0 */
    if ((empty && ct_ndim(t) != 1) || (!empty && options.edgeitems == 0)) {
        /* Python's tuple: (0, 3) */
        size_t pos = (size_t)snprintf(size_buf, sizeof size_buf, "size=(");
        for (int i = 0; i < ct_ndim(t); i++)
            pos += (size_t)snprintf(size_buf + pos, sizeof size_buf - pos, i ? ", %lld" : "%lld",
                                    (long long)ct_sizes(t)[i]);
        snprintf(size_buf + pos, sizeof size_buf - pos, ct_ndim(t) == 1 ? ",)" : ")");
        suffixes[nsuffix++] = size_buf;
    }
    /* an empty tensor shows every non-default dtype; others keep quiet for
     * the default of their kind (float32, int64, bool) */
    int default_dtype = empty ? dtype == CT_FLOAT32
                              : dtype == CT_FLOAT32 || dtype == CT_INT64 || dtype == CT_BOOL;
    if (!default_dtype) {
        snprintf(dtype_buf, sizeof dtype_buf, "dtype=torch.%s", ct_dtype_name(dtype));
        suffixes[nsuffix++] = dtype_buf;
    }
    if (push_autograd_suffix(L, 1))
        suffixes[nsuffix++] = lua_tostring(L, -1);

    sbuf b = {NULL, 0, 0, 0};
    const int indent = 7; /* strlen("tensor(") */
    sb_str(&b, "tensor(");
    if (empty) {
        sb_str(&b, "[]");
    } else {
        view v;
        v.data = ct_data_ptr(t);
        v.dtype = dtype;
        v.ndim = ct_ndim(t);
        v.sizes = ct_sizes(t);
        for (int i = 0; i < v.ndim; i++)
            v.strides[i] = ct_strides(t)[i] * (int64_t)ct_dtype_size(dtype);
        v.summarize = (double)ct_numel(t) > options.threshold;
        v.edge = options.edgeitems;
        formatter f;
        formatter_init(&f, &v);
        tensor_str(&b, &v, &f, 0, v.data, indent);
    }
    add_suffixes(&b, suffixes, nsuffix, indent);
    if (b.failed) {
        free(b.data);
        return luaL_error(L, "tostring: out of memory formatting a tensor");
    }
    lua_pushlstring(L, b.data, b.len);
    free(b.data);
    return 1;
}

/* ---------------------------------------------------------------- print options */

static int int_option(lua_State *L, int idx, const char *name, int current, int min, int max)
{
    lua_getfield(L, idx, name);
    int v = current;
    if (!lua_isnil(L, -1)) {
        int isint;
        lua_Integer n = lua_tointegerx(L, -1, &isint);
        if (!isint || n < min || n > max)
            luaL_error(L, "set_printoptions: %s must be an integer from %d to %d, got %s", name, min, max,
                       luaL_tolstring(L, -1, NULL));
        v = (int)n;
    }
    lua_pop(L, 1);
    return v;
}

/* torch.set_printoptions({precision=, threshold=, edgeitems=, linewidth=,
 * sci_mode=, profile='default'|'short'|'full'}).  As in PyTorch, sci_mode is
 * reset to automatic unless given. */
static int f_set_printoptions(lua_State *L)
{
    luaL_checktype(L, 1, LUA_TTABLE);
    print_options o = options;
    lua_getfield(L, 1, "profile");
    if (!lua_isnil(L, -1)) {
        const char *p = luaL_checkstring(L, -1);
        o = default_options;
        if (strcmp(p, "short") == 0) {
            o.precision = 2;
            o.edgeitems = 2;
        } else if (strcmp(p, "full") == 0) {
            o.threshold = INFINITY;
        } else if (strcmp(p, "default") != 0) {
            return luaL_error(L, "set_printoptions: unknown profile '%s' (expected 'default', 'short' or 'full')", p);
        }
    }
    lua_pop(L, 1);
    o.precision = int_option(L, 1, "precision", o.precision, 0, 100);
    o.edgeitems = int_option(L, 1, "edgeitems", o.edgeitems, 0, 1 << 20);
    o.linewidth = int_option(L, 1, "linewidth", o.linewidth, 1, 1 << 20);
    lua_getfield(L, 1, "threshold");
    if (!lua_isnil(L, -1)) {
        if (lua_type(L, -1) != LUA_TNUMBER || lua_tonumber(L, -1) < 0)
            return luaL_error(L, "set_printoptions: threshold must be a non-negative number");
        o.threshold = lua_tonumber(L, -1);
    }
    lua_pop(L, 1);
    lua_getfield(L, 1, "sci_mode");
    if (lua_isnil(L, -1))
        o.sci_mode = -1;
    else if (lua_type(L, -1) == LUA_TBOOLEAN)
        o.sci_mode = lua_toboolean(L, -1);
    else
        return luaL_error(L, "set_printoptions: sci_mode must be a boolean or nil");
    lua_pop(L, 1);
    options = o;
    return 0;
}

/* torch.get_printoptions(): the current options as a table */
static int f_get_printoptions(lua_State *L)
{
    lua_createtable(L, 0, 5);
    lua_pushinteger(L, options.precision);
    lua_setfield(L, -2, "precision");
    if (isinf(options.threshold) || options.threshold != floor(options.threshold))
        lua_pushnumber(L, options.threshold);
    else
        lua_pushinteger(L, (lua_Integer)options.threshold);
    lua_setfield(L, -2, "threshold");
    lua_pushinteger(L, options.edgeitems);
    lua_setfield(L, -2, "edgeitems");
    lua_pushinteger(L, options.linewidth);
    lua_setfield(L, -2, "linewidth");
    if (options.sci_mode >= 0) {
        lua_pushboolean(L, options.sci_mode);
        lua_setfield(L, -2, "sci_mode");
    }
    return 1;
}

void lt_open_print(lua_State *L, const lt_tables *t)
{
    static const lt_reg regs[] = {
        {"set_printoptions", f_set_printoptions, LT_FUNCTION},
        {"get_printoptions", f_get_printoptions, LT_FUNCTION},
        {NULL, NULL, 0},
    };
    lt_register(L, t, regs);
}
