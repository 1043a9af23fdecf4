/*
 * lt_indexing.c -- x[k], x[k] = v, and the indexing ops (index_select,
 * gather, scatter, index_add_ ..., masked_*, nonzero).
 *
 * Lua positions are 1-based (negative count from the end); the core's are
 * 0-based.  Index tensors a user passes hold 1-based positions: the binding
 * converts them with one core op (index - 1) and nonzero's result with
 * another (+ 1), never with Lua loops.
 *
 * Every core tensor the binding makes is pushed onto the Lua stack at once,
 * so a Lua error raised later cannot leak it; the one exception, a converted
 * index, is made after every check that can raise and released right after
 * the op that uses it.
 */
#include <string.h>

#include "core/tensor.h"
#include "lt.h"

void lt_open_joins(lua_State *L, const lt_tables *t); /* lt_join.c */

/* ---------------------------------------------------------------- helpers */

/* The index tensor of 1-based positions at idx as the core's 0-based one,
 * flattened to 1-D when flat.  The caller owns it and releases it before
 * anything that can raise a Lua error; every check that raises comes first. */
static ct_tensor *core_index(lua_State *L, int idx, const char *op, int flat)
{
    ct_tensor *t = lt_check_tensor(L, idx);
    ct_dtype dt = ct_dtype_of(t);
    if (dt != CT_INT64 && dt != CT_INT32)
        luaL_error(L, "%s: the index must be an int64 or int32 tensor of 1-based positions, got %s", op,
                   ct_dtype_name(dt));
    ct_tensor *z = ct_binary_scalar(CT_SUB, t, ct_scalar_int(1), 0);
    if (z && flat && ct_ndim(z) != 1) {
        int64_t all = -1;
        ct_tensor *f = ct_reshape(z, 1, &all);
        ct_release(z);
        z = f;
    }
    if (!z)
        lt_error(L);
    return z;
}

/* Pushes the result of an op that took a core index, releasing the index. */
static void push_indexed(lua_State *L, ct_tensor *out, ct_tensor *z)
{
    ct_release(z);
    lt_push_tensor(L, out);
}

/* Raises the error of an op that took a core index, releasing the index. */
static void check_indexed(lua_State *L, int rc, ct_tensor *z)
{
    ct_release(z);
    lt_check_rc(L, rc);
}

/* A number argument as a 0-D tensor of `like`'s dtype (pushed), or the tensor argument. */
static ct_tensor *check_source(lua_State *L, int idx, const ct_tensor *like)
{
    if (lt_is_scalar(L, idx)) {
        int64_t none[1] = {0};
        ct_tensor *s = ct_full(0, none, lt_check_scalar(L, idx), ct_dtype_of(like));
        lt_push_tensor(L, s);
        return s;
    }
    return lt_check_tensor(L, idx);
}

/* A Lua position (1-based, negative from the end) on a dim of `size`, 0-based. */
static int64_t check_position(lua_State *L, int idx, int dim, int64_t size)
{
    int isint;
    lua_Integer k = lua_tointegerx(L, idx, &isint);
    if (!isint)
        luaL_error(L, "index: index %s is not an integer", lua_tostring(L, idx));
    int64_t p = k > 0 ? k - 1 : size + k;
    if (k == 0 || p < 0 || p >= size)
        luaL_error(L, "index: index %I is out of range for dim %d of size %I%s", (LUAI_UACINT)k, dim + 1,
                   (LUAI_UACINT)size, k == 0 ? " (indices are 1-based; -1 is the last)" : "");
    return p;
}

static int is_mask(const ct_tensor *t)
{
    return ct_dtype_of(t) == CT_BOOL || ct_dtype_of(t) == CT_UINT8;
}

static int is_index(const ct_tensor *t)
{
    return ct_dtype_of(t) == CT_INT64 || ct_dtype_of(t) == CT_INT32;
}

/* view = value: a number fills, a tensor is broadcast and copied. */
static void assign(lua_State *L, ct_tensor *view, int vidx)
{
    if (lt_is_scalar(L, vidx)) {
        lt_check_rc(L, ct_fill_(view, lt_check_scalar(L, vidx)));
        return;
    }
    ct_tensor *src = lt_to_tensor(L, vidx);
    if (!src)
        luaL_error(L, "index: the assigned value must be a number, a boolean or a tensor, got %s",
                   luaL_typename(L, vidx));
    if (ct_same_storage(view, src)) { /* x[{{2, 3}}] = x[{{1, 2}}]: copy first, the two overlap */
        src = ct_clone(src);
        lt_push_tensor(L, src);
    }
    lt_check_rc(L, ct_copy_(view, src));
}

/* The tensor at vidx broadcast to (ndim, shape) and then reshaped to
 * (rndim, rshape); pushed.  Errors name the indexed shape. */
static ct_tensor *push_value_as(lua_State *L, int vidx, int ndim, const int64_t *shape, int rndim,
                                const int64_t *rshape)
{
    ct_tensor *v = lt_check_tensor(L, vidx);
    int bnd;
    int64_t bshape[CT_MAX_DIMS];
    char a[128], b[128];
    if (ct_broadcast_shape("index", ndim, shape, ct_ndim(v), ct_sizes(v), &bnd, bshape) < 0 ||
        bnd != ndim || ct_shape_numel(bnd, bshape) != ct_shape_numel(ndim, shape))
        luaL_error(L, "index: the value's shape %s cannot be broadcast to the indexed shape %s",
                   ct_shape_str(v, a, sizeof a), ct_sizes_str(ndim, shape, b, sizeof b));
    ct_tensor *e = ct_expand(v, ndim, shape);
    lt_push_tensor(L, e);
    ct_tensor *r = ct_reshape(e, rndim, rshape);
    lt_push_tensor(L, r);
    return r;
}

/* ---------------------------------------------------------------- table keys */

/* A Torch7 index table, checked and resolved per dim (0-based positions). */
enum { KEY_KEEP, KEY_SELECT, KEY_RANGE, KEY_TENSOR };
typedef struct {
    int kind[CT_MAX_DIMS];
    int64_t start[CT_MAX_DIMS], len[CT_MAX_DIMS], step[CT_MAX_DIMS];
    int element;            /* every dim got a number: the key names one element */
    int64_t element_offset; /* its storage offset, in elements */
    int tensor_entry;       /* position in the table of an index-tensor entry, or 0 */
    int tensor_dim;         /* the view's dim that entry indexes */
} table_key;

static int64_t range_value(lua_State *L, int range, int i, int dim)
{
    lua_rawgeti(L, range, i);
    int isint;
    lua_Integer v = lua_tointegerx(L, -1, &isint);
    if (!isint)
        luaL_error(L, "index: the range for dim %d must hold integers {first, last[, step]}, got %s at %d",
                   dim + 1, luaL_typename(L, -1), i);
    lua_pop(L, 1);
    return v;
}

/* {first, last[, step]} (inclusive, 1-based, negative from the end) on a dim of size. */
static void parse_range(lua_State *L, int range, int dim, int64_t size, table_key *k)
{
    int m = (int)lua_rawlen(L, range);
    if (m == 0) { /* {} keeps the whole dim */
        k->kind[dim] = KEY_KEEP;
        return;
    }
    if (m > 3)
        luaL_error(L, "index: the range for dim %d has %d entries; expected {first, last[, step]}", dim + 1, m);
    int64_t a = range_value(L, range, 1, dim);
    int64_t b = m >= 2 ? range_value(L, range, 2, dim) : a;
    int64_t step = m == 3 ? range_value(L, range, 3, dim) : 1;
    if (step <= 0)
        luaL_error(L, "index: the step of the range for dim %d must be positive, got %I", dim + 1,
                   (LUAI_UACINT)step);
    int64_t s = a > 0 ? a - 1 : size + a, e = b > 0 ? b - 1 : size + b;
    int ok = a != 0 && b != 0 && (e >= s ? s >= 0 && e < size : e == s - 1 && s >= 0 && s <= size);
    if (!ok)
        luaL_error(L, "index: range {%I, %I} is out of range for dim %d of size %I%s", (LUAI_UACINT)a,
                   (LUAI_UACINT)b, dim + 1, (LUAI_UACINT)size,
                   a == 0 || b == 0 ? " (indices are 1-based; -1 is the last)" : "");
    k->kind[dim] = KEY_RANGE;
    k->start[dim] = s;
    k->len[dim] = e >= s ? (e - s) / step + 1 : 0;
    k->step[dim] = step;
}

/* Checks the whole table (raising on any problem) before any view is made. */
static void parse_table_key(lua_State *L, const ct_tensor *t, int key, table_key *k)
{
    int n = (int)lua_rawlen(L, key);
    if (n > t->ndim)
        luaL_error(L, "index: the index table has %d entries for a %d-D tensor", n, t->ndim);
    k->element_offset = t->offset;
    k->tensor_entry = 0;
    k->tensor_dim = 0;
    int numbers = 0, kept = 0;
    for (int i = 0; i < t->ndim; i++) {
        int64_t size = t->sizes[i];
        k->kind[i] = KEY_KEEP;
        int type = i < n ? lua_rawgeti(L, key, i + 1) : LUA_TNIL;
        ct_tensor *entry = type == LUA_TUSERDATA ? lt_to_tensor(L, -1) : NULL;
        if (entry && ct_ndim(entry) == 0 && is_index(entry)) { /* a 0-D index is a number */
            ct_scalar v;
            ct_item(entry, &v);
            lua_pop(L, 1);
            lua_pushinteger(L, v.i);
            type = LUA_TNUMBER;
            entry = NULL;
        }
        if (i >= n) {
            k->kind[i] = KEY_KEEP;
        } else if (type == LUA_TNUMBER) {
            k->kind[i] = KEY_SELECT;
            k->start[i] = check_position(L, -1, i, size);
            k->element_offset += k->start[i] * t->strides[i];
            numbers++;
        } else if (type == LUA_TTABLE) {
            parse_range(L, lua_gettop(L), i, size, k);
        } else if (entry && is_index(entry)) {
            if (k->tensor_entry)
                luaL_error(L, "index: at most one index tensor may appear in an index table");
            k->kind[i] = KEY_TENSOR;
            k->tensor_entry = i + 1;
            k->tensor_dim = kept;
        } else {
            luaL_error(L, "index: entry %d of the index table must be a number, a range like {2, 4} or an "
                          "int64 index tensor, got %s%s%s", i + 1, luaL_typename(L, -1),
                       entry ? " of " : "", entry ? ct_dtype_name(ct_dtype_of(entry)) : "");
        }
        kept += k->kind[i] != KEY_SELECT;
        if (i < n)
            lua_pop(L, 1);
    }
    k->element = t->ndim > 0 && numbers == t->ndim;
}

/* The view a table key names (pushed), made with the public view ops (so
 * autograd records them), last dim first so earlier dims keep their numbers. */
static ct_tensor *push_table_view(lua_State *L, ct_tensor *t, const table_key *k)
{
    ct_tensor *cur = ct_retain(t);
    int changed = 0;
    for (int i = t->ndim - 1; i >= 0 && cur; i--) {
        ct_tensor *next;
        if (k->kind[i] == KEY_SELECT) {
            next = ct_select(cur, i, k->start[i]);
        } else if (k->kind[i] == KEY_RANGE && k->step[i] == 1) {
            next = ct_narrow(cur, i, k->start[i], k->len[i]);
        } else if (k->kind[i] == KEY_RANGE) {
            int64_t sizes[CT_MAX_DIMS], strides[CT_MAX_DIMS];
            memcpy(sizes, cur->sizes, sizeof sizes);
            memcpy(strides, cur->strides, sizeof strides);
            sizes[i] = k->len[i];
            strides[i] = cur->strides[i] * k->step[i];
            int64_t offset = cur->offset + (k->len[i] > 0 ? k->start[i] * cur->strides[i] : 0);
            next = ct_as_strided(cur, cur->ndim, sizes, strides, offset);
        } else {
            continue;
        }
        ct_release(cur);
        cur = next;
        changed = 1;
    }
    if (cur && !changed) { /* x[{}]: a new view of the whole tensor */
        ct_tensor *next = ct_view(cur, cur->ndim, cur->sizes);
        ct_release(cur);
        cur = next;
    }
    lt_push_tensor(L, cur);
    return cur;
}

/* ---------------------------------------------------------------- tensor keys */

/* Mask shape must equal t's leading dims (PyTorch's boolean indexing: a mask
 * over rows selects rows).  Returns the mask viewed with trailing 1s (pushed). */
static ct_tensor *push_leading_mask(lua_State *L, ct_tensor *t, ct_tensor *mask)
{
    int mn = ct_ndim(mask), tn = ct_ndim(t);
    int fits = mn <= tn && memcmp(ct_sizes(mask), ct_sizes(t), sizeof(int64_t) * (size_t)mn) == 0;
    if (!fits) {
        char a[128], b[128];
        luaL_error(L, "index: the mask shape %s must match the leading dims of the tensor's shape %s",
                   ct_shape_str(mask, a, sizeof a), ct_shape_str(t, b, sizeof b));
    }
    int64_t shape[CT_MAX_DIMS];
    for (int i = 0; i < tn; i++)
        shape[i] = i < mn ? ct_sizes(mask)[i] : 1;
    ct_tensor *m = ct_reshape(mask, tn, shape);
    lt_push_tensor(L, m);
    return m;
}

/* How many positions a mask selects (pushes a scratch tensor). */
static int64_t mask_count(lua_State *L, ct_tensor *mask)
{
    ct_tensor *sel = ct_masked_select(mask, mask);
    lt_push_tensor(L, sel);
    return ct_numel(sel);
}

/* x[mask]: the selected rows, shape [count, rest...] */
static int get_masked(lua_State *L, ct_tensor *t, ct_tensor *mask)
{
    int mn = ct_ndim(mask), tn = ct_ndim(t);
    ct_tensor *m = push_leading_mask(L, t, mask);
    ct_tensor *flat = ct_masked_select(t, m);
    lt_push_tensor(L, flat);
    if (mn == tn)
        return 1;
    int64_t shape[CT_MAX_DIMS], row = 1;
    for (int i = mn; i < tn; i++)
        row *= shape[1 + i - mn] = ct_sizes(t)[i];
    shape[0] = row > 0 ? ct_numel(flat) / row : mask_count(L, mask);
    lt_push_tensor(L, ct_view(flat, 1 + tn - mn, shape));
    return 1;
}

static void set_masked(lua_State *L, ct_tensor *t, ct_tensor *mask, int vidx)
{
    int mn = ct_ndim(mask), tn = ct_ndim(t);
    ct_tensor *m = push_leading_mask(L, t, mask);
    if (lt_is_scalar(L, vidx)) {
        lt_check_rc(L, ct_masked_fill_(t, m, lt_check_scalar(L, vidx)));
        return;
    }
    ct_tensor *v = lt_check_tensor(L, vidx);
    if (mn < tn) { /* whole rows: the value broadcast to [count, rest...], in row-major order */
        int64_t shape[CT_MAX_DIMS];
        shape[0] = mask_count(L, mask);
        for (int i = mn; i < tn; i++)
            shape[1 + i - mn] = ct_sizes(t)[i];
        v = push_value_as(L, vidx, 1 + tn - mn, shape, 1 + tn - mn, shape);
    }
    lt_check_rc(L, ct_masked_scatter_(t, m, v));
}

/* x[idx] with idx of any shape: rows idx, shape idx.shape ++ x.shape[2..] */
static int get_indexed(lua_State *L, ct_tensor *t, int kidx)
{
    ct_tensor *idx = lt_check_tensor(L, kidx);
    if (ct_ndim(t) == 0)
        return luaL_error(L, "index: cannot index a 0-D tensor (use x:item())");
    int64_t shape[CT_MAX_DIMS];
    int n = 0;
    if (ct_ndim(idx) + ct_ndim(t) - 1 > CT_MAX_DIMS)
        return luaL_error(L, "index: the result would have more than %d dims", CT_MAX_DIMS);
    for (int i = 0; i < ct_ndim(idx); i++)
        shape[n++] = ct_sizes(idx)[i];
    for (int i = 1; i < ct_ndim(t); i++)
        shape[n++] = ct_sizes(t)[i];
    ct_tensor *z = core_index(L, kidx, "index", 1);
    push_indexed(L, ct_index_select(t, 0, z), z);
    if (ct_ndim(idx) == 1)
        return 1;
    lt_push_tensor(L, ct_view(lt_to_tensor(L, -1), n, shape));
    return 1;
}

/* t.index_fill_/index_copy_ along dim with the (any-shape) index at kidx. */
static void set_indexed(lua_State *L, ct_tensor *t, int dim, int kidx, int vidx)
{
    ct_tensor *idx = lt_check_tensor(L, kidx);
    if (lt_is_scalar(L, vidx)) {
        ct_scalar v = lt_check_scalar(L, vidx);
        ct_tensor *z = core_index(L, kidx, "index", 1);
        check_indexed(L, ct_index_fill_(t, dim, z, v), z);
        return;
    }
    /* the value broadcast to t's shape with dim replaced by idx's shape, then
     * to t's shape with dim sized by the number of positions */
    if (ct_ndim(idx) + ct_ndim(t) - 1 > CT_MAX_DIMS)
        luaL_error(L, "index: the indexed shape would have more than %d dims", CT_MAX_DIMS);
    int64_t shape[CT_MAX_DIMS], rshape[CT_MAX_DIMS];
    int n = 0, rn = 0;
    for (int i = 0; i < ct_ndim(t); i++) {
        if (i == dim) {
            for (int j = 0; j < ct_ndim(idx); j++)
                shape[n++] = ct_sizes(idx)[j];
            rshape[rn++] = ct_numel(idx);
        } else {
            shape[n++] = ct_sizes(t)[i];
            rshape[rn++] = ct_sizes(t)[i];
        }
    }
    ct_tensor *v = push_value_as(L, vidx, n, shape, rn, rshape);
    ct_tensor *z = core_index(L, kidx, "index", 1);
    check_indexed(L, ct_index_copy_(t, dim, z, v), z);
}

/* ---------------------------------------------------------------- x[k] and x[k] = v */

int lt_index_get(lua_State *L)
{
    ct_tensor *t = lt_check_tensor(L, 1);
    ct_tensor *key = lua_type(L, 2) == LUA_TUSERDATA ? lt_to_tensor(L, 2) : NULL;
    if (key && ct_ndim(key) == 0 && is_index(key)) { /* x[torch.tensor(2)] is x[2] */
        ct_scalar s;
        ct_item(key, &s);
        lua_pushinteger(L, s.i);
        lua_replace(L, 2);
        key = NULL;
    }
    if (lua_type(L, 2) == LUA_TNUMBER) {
        if (ct_ndim(t) == 0)
            return luaL_error(L, "index: cannot index a 0-D tensor (use x:item())");
        int64_t k = check_position(L, 2, 0, ct_sizes(t)[0]);
        if (ct_ndim(t) == 1) {
            ct_scalar s;
            lt_check_rc(L, ct_get(t, &k, &s));
            lt_push_scalar(L, s);
        } else {
            lt_push_tensor(L, ct_select(t, 0, k));
        }
        return 1;
    }
    if (lua_type(L, 2) == LUA_TTABLE) {
        table_key k;
        parse_table_key(L, t, 2, &k);
        if (k.element) {
            size_t es = ct_dtype_size(t->dtype);
            lt_push_scalar(L, ct_scalar_load(t->dtype, (char *)t->storage->data + k.element_offset * (int64_t)es));
            return 1;
        }
        ct_tensor *v = push_table_view(L, t, &k);
        if (k.tensor_entry) {
            lua_rawgeti(L, 2, k.tensor_entry);
            ct_tensor *z = core_index(L, lua_gettop(L), "index", 0);
            push_indexed(L, ct_index_select(v, k.tensor_dim, z), z);
        }
        return 1;
    }
    if (key && is_mask(key))
        return get_masked(L, t, key);
    if (key && is_index(key))
        return get_indexed(L, t, 2);
    if (key)
        return luaL_error(L, "index: an index tensor must be int64 or int32 (positions) or bool or uint8 "
                             "(a mask), got %s", ct_dtype_name(ct_dtype_of(key)));
    return luaL_error(L, "index: a tensor is indexed by a number, a table like { {}, {2, 4} } or a tensor, "
                         "got %s", luaL_typename(L, 2));
}

int lt_index_set(lua_State *L)
{
    ct_tensor *t = lt_check_tensor(L, 1);
    lua_settop(L, 3);
    ct_tensor *key = lua_type(L, 2) == LUA_TUSERDATA ? lt_to_tensor(L, 2) : NULL;
    if (key && ct_ndim(key) == 0 && is_index(key)) {
        ct_scalar s;
        ct_item(key, &s);
        lua_pushinteger(L, s.i);
        lua_replace(L, 2);
        key = NULL;
    }
    if (lua_type(L, 2) == LUA_TNUMBER) {
        if (ct_ndim(t) == 0)
            return luaL_error(L, "index: cannot index a 0-D tensor (use x:fill_(v))");
        int64_t k = check_position(L, 2, 0, ct_sizes(t)[0]);
        if (ct_ndim(t) == 1 && lt_is_scalar(L, 3)) {
            lt_check_rc(L, ct_set(t, &k, lt_check_scalar(L, 3)));
            return 0;
        }
        ct_tensor *row = ct_select(t, 0, k);
        lt_push_tensor(L, row);
        assign(L, row, 3);
        return 0;
    }
    if (lua_type(L, 2) == LUA_TTABLE) {
        table_key k;
        parse_table_key(L, t, 2, &k);
        ct_tensor *v = push_table_view(L, t, &k);
        if (k.tensor_entry) {
            int view_idx = lua_gettop(L);
            lua_rawgeti(L, 2, k.tensor_entry);
            set_indexed(L, v, k.tensor_dim, lua_gettop(L), 3);
            lua_settop(L, view_idx);
        } else {
            assign(L, v, 3);
        }
        return 0;
    }
    if (key && is_mask(key)) {
        set_masked(L, t, key, 3);
        return 0;
    }
    if (key && is_index(key)) {
        if (ct_ndim(t) == 0)
            return luaL_error(L, "index: cannot index a 0-D tensor (use x:fill_(v))");
        set_indexed(L, t, 0, 2, 3);
        return 0;
    }
    if (key)
        return luaL_error(L, "index: an index tensor must be int64 or int32 (positions) or bool or uint8 "
                             "(a mask), got %s", ct_dtype_name(ct_dtype_of(key)));
    return luaL_error(L, "index: a tensor is indexed by a number, a table like { {}, {2, 4} } or a tensor, "
                         "got %s", luaL_typename(L, 2));
}

/* ---------------------------------------------------------------- index ops */

/* x:index_select(dim, index) */
static int m_index_select(lua_State *L)
{
    ct_tensor *t = lt_check_tensor(L, 1);
    int dim = lt_check_dim(L, 2);
    ct_tensor *z = core_index(L, 3, "index_select", 0);
    push_indexed(L, ct_index_select(t, dim, z), z);
    return 1;
}

/* x:gather(dim, index) */
static int m_gather(lua_State *L)
{
    ct_tensor *t = lt_check_tensor(L, 1);
    int dim = lt_check_dim(L, 2);
    ct_tensor *z = core_index(L, 3, "gather", 0);
    push_indexed(L, ct_gather(t, dim, z), z);
    return 1;
}

/* x:scatter(dim, index, src_or_number) and the in-place forms */
static int scatter_common(lua_State *L, const char *op, int inplace, int accumulate)
{
    ct_tensor *t = lt_check_tensor(L, 1);
    int dim = lt_check_dim(L, 2);
    lt_check_tensor(L, 3);
    if (lua_isnoneornil(L, 4))
        return luaL_error(L, "%s: expects a source tensor or a number as argument 4", op);
    lua_settop(L, 4);
    ct_tensor *src = check_source(L, 4, t);
    if (!inplace && !accumulate) {
        ct_tensor *z = core_index(L, 3, op, 0);
        push_indexed(L, ct_scatter(t, dim, z, src), z);
        return 1;
    }
    ct_tensor *target = t;
    if (!inplace) {
        target = ct_clone(t);
        lt_push_tensor(L, target);
    }
    ct_tensor *z = core_index(L, 3, op, 0);
    check_indexed(L, accumulate ? ct_scatter_add_(target, dim, z, src) : ct_scatter_(target, dim, z, src), z);
    if (inplace)
        lua_settop(L, 1);
    return 1; /* self, or the clone on top */
}

static int m_scatter(lua_State *L) { return scatter_common(L, "scatter", 0, 0); }
static int m_scatter_(lua_State *L) { return scatter_common(L, "scatter_", 1, 0); }
static int m_scatter_add(lua_State *L) { return scatter_common(L, "scatter_add", 0, 1); }
static int m_scatter_add_(lua_State *L) { return scatter_common(L, "scatter_add_", 1, 1); }

enum { PUT_ADD, PUT_COPY, PUT_FILL };

/* x:index_add_(dim, index, src[, {alpha=a}]), index_copy_, index_fill_(dim, index, value)
 * and their out-of-place forms. */
static int index_put_common(lua_State *L, const char *op, int kind, int inplace)
{
    ct_tensor *t = lt_check_tensor(L, 1);
    int dim = lt_check_dim(L, 2);
    lt_check_tensor(L, 3);
    int opts = kind == PUT_ADD ? lt_options_index(L, 5) : 0;
    ct_scalar value = ct_scalar_int(0);
    ct_tensor *src = NULL;
    if (kind == PUT_FILL)
        value = lt_check_scalar(L, 4);
    else
        src = lt_check_tensor(L, 4);
    lua_settop(L, 5);
    if (kind == PUT_ADD && opts) {
        lua_getfield(L, 5, "alpha");
        if (!lua_isnil(L, -1)) {
            src = ct_binary_scalar(CT_MUL, src, lt_check_scalar(L, -1), 0);
            lt_push_tensor(L, src);
        }
    }
    ct_tensor *target = t;
    if (!inplace) {
        target = ct_clone(t);
        lt_push_tensor(L, target);
    }
    ct_tensor *z = core_index(L, 3, op, 0);
    int rc = kind == PUT_ADD    ? ct_index_add_(target, dim, z, src)
             : kind == PUT_COPY ? ct_index_copy_(target, dim, z, src)
                                : ct_index_fill_(target, dim, z, value);
    check_indexed(L, rc, z);
    if (inplace)
        lua_settop(L, 1);
    return 1; /* self, or the clone on top */
}

static int m_index_add_(lua_State *L) { return index_put_common(L, "index_add_", PUT_ADD, 1); }
static int m_index_add(lua_State *L) { return index_put_common(L, "index_add", PUT_ADD, 0); }
static int m_index_copy_(lua_State *L) { return index_put_common(L, "index_copy_", PUT_COPY, 1); }
static int m_index_copy(lua_State *L) { return index_put_common(L, "index_copy", PUT_COPY, 0); }
static int m_index_fill_(lua_State *L) { return index_put_common(L, "index_fill_", PUT_FILL, 1); }
static int m_index_fill(lua_State *L) { return index_put_common(L, "index_fill", PUT_FILL, 0); }

/* ---------------------------------------------------------------- mask ops */

static int m_masked_fill(lua_State *L)
{
    ct_tensor *t = lt_check_tensor(L, 1), *mask = lt_check_tensor(L, 2);
    lt_push_tensor(L, ct_masked_fill(t, mask, lt_check_scalar(L, 3)));
    return 1;
}

static int m_masked_fill_(lua_State *L)
{
    ct_tensor *t = lt_check_tensor(L, 1), *mask = lt_check_tensor(L, 2);
    lt_check_rc(L, ct_masked_fill_(t, mask, lt_check_scalar(L, 3)));
    lua_settop(L, 1);
    return 1;
}

static int m_masked_select(lua_State *L)
{
    ct_tensor *t = lt_check_tensor(L, 1), *mask = lt_check_tensor(L, 2);
    lt_push_tensor(L, ct_masked_select(t, mask));
    return 1;
}

static int m_masked_scatter_(lua_State *L)
{
    ct_tensor *t = lt_check_tensor(L, 1), *mask = lt_check_tensor(L, 2), *src = lt_check_tensor(L, 3);
    lt_check_rc(L, ct_masked_scatter_(t, mask, src));
    lua_settop(L, 1);
    return 1;
}

static int m_masked_scatter(lua_State *L)
{
    ct_tensor *t = lt_check_tensor(L, 1), *mask = lt_check_tensor(L, 2), *src = lt_check_tensor(L, 3);
    ct_tensor *out = ct_clone(t);
    lt_push_tensor(L, out);
    lt_check_rc(L, ct_masked_scatter_(out, mask, src));
    return 1;
}

/* x:nonzero() -> [n, ndim] int64 of 1-based positions; x:nonzero({as_tuple=true})
 * -> a table of ndim 1-D tensors, one per dim. */
static int m_nonzero(lua_State *L)
{
    ct_tensor *t = lt_check_tensor(L, 1);
    int as_tuple = lt_opt_bool_field(L, lt_options_index(L, 2), "as_tuple", 0);
    ct_tensor *nz = ct_nonzero(t);
    lt_push_tensor(L, nz);
    lt_check_rc(L, ct_binary_scalar_(CT_ADD, nz, ct_scalar_int(1)));
    if (!as_tuple)
        return 1;
    int n = ct_ndim(t);
    lua_createtable(L, n, 0);
    for (int i = 0; i < n; i++) {
        lt_push_tensor(L, ct_select(nz, 1, i));
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

void lt_open_indexing(lua_State *L, const lt_tables *t)
{
    static const lt_reg regs[] = {
        {"index_select", m_index_select, LT_BOTH},
        {"gather", m_gather, LT_BOTH},
        {"scatter", m_scatter, LT_BOTH},
        {"scatter_", m_scatter_, LT_METHOD},
        {"scatter_add", m_scatter_add, LT_BOTH},
        {"scatter_add_", m_scatter_add_, LT_METHOD},
        {"index_add", m_index_add, LT_BOTH},
        {"index_add_", m_index_add_, LT_METHOD},
        {"index_copy", m_index_copy, LT_BOTH},
        {"index_copy_", m_index_copy_, LT_METHOD},
        {"index_fill", m_index_fill, LT_BOTH},
        {"index_fill_", m_index_fill_, LT_METHOD},
        {"masked_fill", m_masked_fill, LT_BOTH},
        {"masked_fill_", m_masked_fill_, LT_METHOD},
        {"masked_select", m_masked_select, LT_BOTH},
        {"masked_scatter", m_masked_scatter, LT_BOTH},
        {"masked_scatter_", m_masked_scatter_, LT_METHOD},
        {"nonzero", m_nonzero, LT_BOTH},
        {"argwhere", m_nonzero, LT_BOTH},
        {NULL, NULL, 0},
    };
    lt_register(L, t, regs);
    lt_open_joins(L, t);
}
