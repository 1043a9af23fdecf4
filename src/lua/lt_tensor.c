/*
 * lt_tensor.c -- the tensor userdata: lifetime, metatable, properties,
 * metadata methods, casts and copies.
 */
#include <stdlib.h>
#include <string.h>

#include "core/tensor.h"
#include "lt.h"

/* ---------------------------------------------------------------- GC accounting */

/* Lua's collector only sees the small userdata, not the tensor memory behind
 * it.  Each new storage is reported as if Lua had allocated it (a GC step of
 * that size), so collection keeps pace with tensor churn and loops stay
 * bounded without collectgarbage().  Lua 5.4's generational mode does not
 * always finalize young userdata on such steps, so once the bytes allocated
 * since the last full collection exceed what was live after it (and at least
 * 64 MB), a full collection runs: amortised, it costs little per byte. */
static _Thread_local size_t unreported_bytes, bytes_since_full;
static _Thread_local int64_t live_after_full;
#define LT_GC_REPORT_BYTES (256 * 1024)
#define LT_GC_FULL_MIN_BYTES ((size_t)64 << 20)

void lt_account_bytes(lua_State *L, size_t nbytes)
{
    unreported_bytes += nbytes;
    bytes_since_full += nbytes;
    size_t full_threshold = live_after_full > (int64_t)LT_GC_FULL_MIN_BYTES ? (size_t)live_after_full
                                                                             : LT_GC_FULL_MIN_BYTES;
    if (bytes_since_full >= full_threshold) {
        bytes_since_full = 0;
        unreported_bytes = 0;
        lua_gc(L, LUA_GCCOLLECT);
        live_after_full = ct_memory_live_bytes();
    } else if (unreported_bytes >= LT_GC_REPORT_BYTES) {
        int kb = (int)(unreported_bytes / 1024 > 1 << 30 ? 1 << 30 : unreported_bytes / 1024);
        unreported_bytes = 0;
        lua_gc(L, LUA_GCSTEP, kb);
    }
}

/* ---------------------------------------------------------------- userdata */

int lt_error(lua_State *L) { return luaL_error(L, "%s", ct_last_error()); }

int lt_check_rc(lua_State *L, int rc)
{
    if (rc < 0)
        lt_error(L);
    return rc;
}

/* The tensor metatable is also kept in the registry under this address, so
 * creating a tensor finds it with a pointer lookup instead of a string key. */
static const char tensor_mt_key = 0;

/* A tensor userdata: a tag, then the reference.  Only this file makes
 * userdata of this size with this tag, so checking them identifies a tensor
 * without the two metatable lookups luaL_testudata needs (the hot path of
 * every op). */
#define LT_TENSOR_TAG 0x63746f7263685445ull /* "ctorchTE" */
typedef struct lt_tensor_ud {
    uint64_t tag;
    ct_tensor *tensor; /* NULL once closed or collected */
} lt_tensor_ud;

static lt_tensor_ud *tensor_slot(lua_State *L, int idx)
{
    lt_tensor_ud *ud = lua_touserdata(L, idx);
    if (!ud || lua_type(L, idx) != LUA_TUSERDATA || lua_rawlen(L, idx) != sizeof *ud ||
        ud->tag != LT_TENSOR_TAG)
        return NULL;
    return ud;
}

void lt_push_tensor(lua_State *L, ct_tensor *t)
{
    if (!t)
        lt_error(L);
    lt_tensor_ud *ud = lua_newuserdatauv(L, sizeof *ud, 0);
    ud->tag = LT_TENSOR_TAG;
    ud->tensor = t;
    lua_rawgetp(L, LUA_REGISTRYINDEX, &tensor_mt_key);
    lua_setmetatable(L, -2);
    /* the header always; a fresh storage (not a view of an existing one) too */
    size_t bytes = sizeof *t;
    if (t->storage->owns_data && atomic_load_explicit(&t->storage->refcount, memory_order_relaxed) == 1)
        bytes += sizeof *t->storage + t->storage->nbytes;
    lt_account_bytes(L, bytes);
}

ct_tensor *lt_to_tensor(lua_State *L, int idx)
{
    lt_tensor_ud *ud = tensor_slot(L, idx);
    return ud ? ud->tensor : NULL;
}

int lt_is_tensor(lua_State *L, int idx) { return tensor_slot(L, idx) != NULL; }

ct_tensor *lt_check_tensor(lua_State *L, int idx)
{
    lt_tensor_ud *ud = tensor_slot(L, idx);
    if (!ud)
        luaL_typeerror(L, idx, "tensor");
    if (!ud->tensor)
        luaL_argerror(L, idx, "the tensor was closed");
    return ud->tensor;
}

static int tensor_gc(lua_State *L)
{
    lt_tensor_ud *ud = tensor_slot(L, 1);
    if (ud) {
        ct_release(ud->tensor);
        ud->tensor = NULL;
    }
    return 0;
}

/* ---------------------------------------------------------------- properties */

static int get_shape(lua_State *L)
{
    ct_tensor *t = lt_check_tensor(L, 1);
    lt_push_sizes(L, ct_ndim(t), ct_sizes(t));
    luaL_setmetatable(L, "torch.Size");
    return 1;
}

static int get_dtype(lua_State *L)
{
    lt_push_dtype(L, ct_dtype_of(lt_check_tensor(L, 1)));
    return 1;
}

static int get_device(lua_State *L)
{
    lt_push_device(L, ct_device_of(lt_check_tensor(L, 1)));
    return 1;
}

static int get_ndim(lua_State *L)
{
    lua_pushinteger(L, ct_ndim(lt_check_tensor(L, 1)));
    return 1;
}

static int get_T(lua_State *L)
{
    ct_tensor *t = lt_check_tensor(L, 1);
    int n = ct_ndim(t), dims[CT_MAX_DIMS];
    for (int i = 0; i < n; i++)
        dims[i] = n - 1 - i;
    lt_push_tensor(L, ct_permute(t, dims));
    return 1;
}

static int get_is_cuda(lua_State *L)
{
    lua_pushboolean(L, ct_device_of(lt_check_tensor(L, 1)).type == CT_CUDA);
    return 1;
}

/* __index: methods first, then properties, then x[k] indexing. */
static int tensor_index(lua_State *L)
{
    if (lua_type(L, 2) == LUA_TSTRING) {
        lua_pushvalue(L, 2);
        if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL)
            return 1;
        lua_pushvalue(L, 2);
        if (lua_rawget(L, lua_upvalueindex(2)) != LUA_TNIL) {
            lua_pushvalue(L, 1);
            lua_call(L, 1, 1);
            return 1;
        }
        lt_check_tensor(L, 1);
        return 0; /* unknown field: nil, like any Lua object */
    }
    return lt_index_get(L);
}

static int tensor_newindex(lua_State *L)
{
    if (lua_type(L, 2) == LUA_TSTRING) {
        lua_pushvalue(L, 2);
        if (lua_rawget(L, lua_upvalueindex(1)) == LUA_TNIL)
            return luaL_error(L, "tensor field '%s' cannot be assigned", lua_tostring(L, 2));
        lua_pushvalue(L, 1);
        lua_pushvalue(L, 3);
        lua_call(L, 2, 0);
        return 0;
    }
    return lt_index_set(L);
}

static int tensor_len(lua_State *L)
{
    ct_tensor *t = lt_check_tensor(L, 1);
    if (ct_ndim(t) == 0)
        return luaL_error(L, "len: a 0-D tensor has no length");
    lua_pushinteger(L, ct_sizes(t)[0]);
    return 1;
}

/* ---------------------------------------------------------------- metadata methods */

static int m_size(lua_State *L)
{
    ct_tensor *t = lt_check_tensor(L, 1);
    if (lua_isnoneornil(L, 2))
        return get_shape(L);
    int dim = lt_check_dim(L, 2);
    int64_t s = ct_size(t, dim);
    if (s < 0)
        lt_error(L);
    lua_pushinteger(L, s);
    return 1;
}

static int m_stride(lua_State *L)
{
    ct_tensor *t = lt_check_tensor(L, 1);
    if (lua_isnoneornil(L, 2)) {
        lt_push_sizes(L, ct_ndim(t), ct_strides(t));
        return 1;
    }
    int dim = lt_check_dim(L, 2);
    if (ct_size(t, dim) < 0)
        lt_error(L);
    lua_pushinteger(L, ct_strides(t)[dim < 0 ? dim + ct_ndim(t) : dim]);
    return 1;
}

static int m_dim(lua_State *L)
{
    lua_pushinteger(L, ct_ndim(lt_check_tensor(L, 1)));
    return 1;
}

static int m_numel(lua_State *L)
{
    lua_pushinteger(L, ct_numel(lt_check_tensor(L, 1)));
    return 1;
}

static int m_element_size(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)ct_dtype_size(ct_dtype_of(lt_check_tensor(L, 1))));
    return 1;
}

static int m_is_contiguous(lua_State *L)
{
    lua_pushboolean(L, ct_is_contiguous(lt_check_tensor(L, 1)));
    return 1;
}

static int m_is_floating_point(lua_State *L)
{
    lua_pushboolean(L, ct_dtype_is_float(ct_dtype_of(lt_check_tensor(L, 1))));
    return 1;
}

static int m_item(lua_State *L)
{
    ct_scalar s;
    lt_check_rc(L, ct_item(lt_check_tensor(L, 1), &s));
    lt_push_scalar(L, s);
    return 1;
}

static int m_is_set_to(lua_State *L)
{
    ct_tensor *a = lt_check_tensor(L, 1), *b = lt_check_tensor(L, 2);
    lua_pushboolean(L, ct_same_storage(a, b) && ct_data_ptr(a) == ct_data_ptr(b) &&
                           ct_ndim(a) == ct_ndim(b) &&
                           memcmp(ct_sizes(a), ct_sizes(b), sizeof(int64_t) * (size_t)ct_ndim(a)) == 0 &&
                           memcmp(ct_strides(a), ct_strides(b), sizeof(int64_t) * (size_t)ct_ndim(a)) == 0);
    return 1;
}

/* x:storage_offset() is 0-based in PyTorch and counts elements, so it stays 0-based. */
static int m_data_ptr(lua_State *L)
{
    lua_pushinteger(L, (lua_Integer)(intptr_t)ct_data_ptr(lt_check_tensor(L, 1)));
    return 1;
}

static int m_type(lua_State *L)
{
    ct_tensor *t = lt_check_tensor(L, 1);
    if (lua_isnoneornil(L, 2)) {
        static const char *names[CT_NUM_DTYPES] = {
            [CT_FLOAT32] = "torch.FloatTensor", [CT_FLOAT64] = "torch.DoubleTensor",
            [CT_INT64] = "torch.LongTensor",    [CT_INT32] = "torch.IntTensor",
            [CT_UINT8] = "torch.ByteTensor",    [CT_BOOL] = "torch.BoolTensor",
            [CT_FLOAT16] = "torch.HalfTensor",  [CT_BFLOAT16] = "torch.BFloat16Tensor",
        };
        lua_pushstring(L, names[ct_dtype_of(t)]);
        return 1;
    }
    lt_push_tensor(L, ct_to_dtype(t, lt_check_dtype(L, 2)));
    return 1;
}

/* ---------------------------------------------------------------- casts and copies */

/* x:to(dtype), x:to('cpu'), x:to('cpu', dtype), x:to(other_tensor) */
static int m_to(lua_State *L)
{
    ct_tensor *t = lt_check_tensor(L, 1);
    ct_dtype dtype = ct_dtype_of(t);
    int top = lua_gettop(L);
    for (int i = 2; i <= top; i++) {
        if (luaL_testudata(L, i, LT_DTYPE_MT)) {
            dtype = lt_check_dtype(L, i);
        } else if (lt_is_tensor(L, i)) {
            dtype = ct_dtype_of(lt_check_tensor(L, i));
        } else if (lua_type(L, i) == LUA_TSTRING || luaL_testudata(L, i, LT_DEVICE_MT)) {
            const char *name = luaL_testudata(L, i, LT_DEVICE_MT) ? NULL : lua_tostring(L, i);
            ct_device *d = name ? NULL : luaL_testudata(L, i, LT_DEVICE_MT);
            int is_cpu = name ? strcmp(name, "cpu") == 0 : d->type == CT_CPU;
            if (name && !is_cpu) {
                ct_dtype as_dtype;
                if (ct_dtype_from_name(name, &as_dtype) == 0) {
                    dtype = as_dtype;
                    continue;
                }
            }
            if (!is_cpu)
                return luaL_error(L, "to: device '%s' is not available (this build has no CUDA support "
                                     "or no GPU was found)", name ? name : "cuda");
        } else if (lua_type(L, i) == LUA_TTABLE) {
            dtype = lt_opt_dtype_field(L, i, "dtype", dtype);
        } else if (!lua_isnil(L, i)) {
            return luaL_typeerror(L, i, "dtype, device or tensor");
        }
    }
    if (dtype == ct_dtype_of(t)) { /* x itself, as in PyTorch */
        lua_settop(L, 1);
        return 1;
    }
    lt_push_tensor(L, ct_to_dtype(t, dtype));
    return 1;
}

static int cast_to(lua_State *L, ct_dtype dtype)
{
    if (ct_dtype_of(lt_check_tensor(L, 1)) == dtype) { /* x itself, as in PyTorch */
        lua_settop(L, 1);
        return 1;
    }
    lt_push_tensor(L, ct_to_dtype(lt_check_tensor(L, 1), dtype));
    return 1;
}
static int m_float(lua_State *L) { return cast_to(L, CT_FLOAT32); }
static int m_double(lua_State *L) { return cast_to(L, CT_FLOAT64); }
static int m_long(lua_State *L) { return cast_to(L, CT_INT64); }
static int m_int(lua_State *L) { return cast_to(L, CT_INT32); }
static int m_byte(lua_State *L) { return cast_to(L, CT_UINT8); }
static int m_bool(lua_State *L) { return cast_to(L, CT_BOOL); }
static int m_half(lua_State *L) { return cast_to(L, CT_FLOAT16); }
static int m_bfloat16(lua_State *L) { return cast_to(L, CT_BFLOAT16); }

static int m_cpu(lua_State *L)
{
    lua_settop(L, 1);
    lt_check_tensor(L, 1);
    return 1;
}

/* x:cuda([index]): x:to('cuda[:index]'), index 0-based as in PyTorch. */
static int m_cuda(lua_State *L)
{
    lt_check_tensor(L, 1);
    int index = lua_isnoneornil(L, 2) ? -1 : (int)luaL_checkinteger(L, 2);
    lua_settop(L, 1);
    if (index < 0)
        lua_pushliteral(L, "cuda");
    else
        lua_pushfstring(L, "cuda:%d", index);
    return m_to(L);
}

static int m_contiguous(lua_State *L)
{
    lt_push_tensor(L, ct_contiguous(lt_check_tensor(L, 1)));
    return 1;
}

static int m_clone(lua_State *L)
{
    lt_push_tensor(L, ct_clone(lt_check_tensor(L, 1)));
    return 1;
}

static int m_copy_(lua_State *L)
{
    ct_tensor *dst = lt_check_tensor(L, 1);
    lt_check_rc(L, ct_copy_(dst, lt_check_tensor(L, 2)));
    lua_settop(L, 1);
    return 1;
}

static int f_is_tensor(lua_State *L)
{
    lua_pushboolean(L, lt_is_tensor(L, 1));
    return 1;
}

static int f_set_num_threads(lua_State *L)
{
    lua_Integer n = luaL_checkinteger(L, 1);
    luaL_argcheck(L, n >= 1, 1, "the number of threads must be at least 1");
    ct_set_num_threads((int)n);
    return 0;
}

static int f_get_num_threads(lua_State *L)
{
    lua_pushinteger(L, ct_get_num_threads());
    return 1;
}

static int f_memory_live_bytes(lua_State *L)
{
    lua_pushinteger(L, ct_memory_live_bytes());
    return 1;
}

/* ---------------------------------------------------------------- dtype and device objects */

static int dtype_tostring(lua_State *L)
{
    ct_dtype *d = luaL_checkudata(L, 1, LT_DTYPE_MT);
    lua_pushfstring(L, "torch.%s", ct_dtype_name(*d));
    return 1;
}

static int dtype_index(lua_State *L)
{
    ct_dtype *d = luaL_checkudata(L, 1, LT_DTYPE_MT);
    const char *k = luaL_checkstring(L, 2);
    if (strcmp(k, "is_floating_point") == 0)
        lua_pushboolean(L, ct_dtype_is_float(*d));
    else if (strcmp(k, "itemsize") == 0)
        lua_pushinteger(L, (lua_Integer)ct_dtype_size(*d));
    else if (strcmp(k, "name") == 0)
        lua_pushstring(L, ct_dtype_name(*d));
    else
        lua_pushnil(L);
    return 1;
}

static int device_tostring(lua_State *L)
{
    ct_device *d = luaL_checkudata(L, 1, LT_DEVICE_MT);
    if (d->type == CT_CPU)
        lua_pushliteral(L, "cpu");
    else if (d->index < 0)
        lua_pushliteral(L, "cuda");
    else
        lua_pushfstring(L, "cuda:%d", d->index);
    return 1;
}

static int device_eq(lua_State *L)
{
    ct_device *a = luaL_testudata(L, 1, LT_DEVICE_MT), *b = luaL_testudata(L, 2, LT_DEVICE_MT);
    lua_pushboolean(L, a && b && a->type == b->type && a->index == b->index);
    return 1;
}

static int device_index(lua_State *L)
{
    ct_device *d = luaL_checkudata(L, 1, LT_DEVICE_MT);
    const char *k = luaL_checkstring(L, 2);
    if (strcmp(k, "type") == 0)
        lua_pushstring(L, d->type == CT_CPU ? "cpu" : "cuda");
    else if (strcmp(k, "index") == 0 && d->index >= 0)
        lua_pushinteger(L, d->index);
    else
        lua_pushnil(L);
    return 1;
}

/* torch.device('cpu'), torch.device('cuda:0'), torch.device('cuda', 1) */
static int f_device(lua_State *L)
{
    const char *s = luaL_checkstring(L, 1);
    ct_device d = {CT_CPU, -1};
    if (strcmp(s, "cpu") == 0) {
        d.type = CT_CPU;
    } else if (strncmp(s, "cuda", 4) == 0 && (s[4] == 0 || s[4] == ':')) {
        d.type = CT_CUDA;
        d.index = s[4] == ':' ? (int)strtol(s + 5, NULL, 10) : (int)luaL_optinteger(L, 2, 0);
    } else {
        return luaL_error(L, "device: unknown device '%s' (expected 'cpu', 'cuda' or 'cuda:N')", s);
    }
    lt_push_device(L, d);
    return 1;
}

static int size_tostring(lua_State *L)
{
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    luaL_addstring(&b, "torch.Size([");
    lua_Integer n = (lua_Integer)lua_rawlen(L, 1);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, 1, i);
        lua_pushfstring(L, i > 1 ? ", %d" : "%d", (int)lua_tointeger(L, -1));
        luaL_addvalue(&b);
        lua_pop(L, 1);
    }
    luaL_addstring(&b, "])");
    luaL_pushresult(&b);
    return 1;
}

static int size_eq(lua_State *L)
{
    lua_Integer n = (lua_Integer)lua_rawlen(L, 1);
    int eq = lua_type(L, 2) == LUA_TTABLE && (lua_Integer)lua_rawlen(L, 2) == n;
    for (lua_Integer i = 1; eq && i <= n; i++) {
        lua_rawgeti(L, 1, i);
        lua_rawgeti(L, 2, i);
        eq = lua_rawequal(L, -1, -2);
        lua_pop(L, 2);
    }
    lua_pushboolean(L, eq);
    return 1;
}

static int size_numel(lua_State *L)
{
    lua_Integer n = (lua_Integer)lua_rawlen(L, 1), total = 1;
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, 1, i);
        total *= lua_tointeger(L, -1);
        lua_pop(L, 1);
    }
    lua_pushinteger(L, total);
    return 1;
}

static void open_value_types(lua_State *L, const lt_tables *t)
{
    /* dtype singletons: torch.float32 ... and aliases torch.float, torch.long ... */
    luaL_newmetatable(L, LT_DTYPE_MT);
    lua_pushcfunction(L, dtype_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pushcfunction(L, dtype_index);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
    lua_createtable(L, CT_NUM_DTYPES, 0);
    for (int i = 0; i < CT_NUM_DTYPES; i++) {
        ct_dtype *d = lua_newuserdatauv(L, sizeof *d, 0);
        *d = (ct_dtype)i;
        luaL_setmetatable(L, LT_DTYPE_MT);
        lua_pushvalue(L, -1);
        lua_setfield(L, t->module, ct_dtype_name((ct_dtype)i));
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, LUA_REGISTRYINDEX, "torch.dtypes");
    static const struct { const char *alias; ct_dtype dtype; } aliases[] = {
        {"float", CT_FLOAT32}, {"double", CT_FLOAT64}, {"long", CT_INT64},
        {"int", CT_INT32},     {"uint8", CT_UINT8},    {"half", CT_FLOAT16},
    };
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++) {
        lt_push_dtype(L, aliases[i].dtype);
        lua_setfield(L, t->module, aliases[i].alias);
    }

    luaL_newmetatable(L, LT_DEVICE_MT);
    lua_pushcfunction(L, device_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pushcfunction(L, device_eq);
    lua_setfield(L, -2, "__eq");
    lua_pushcfunction(L, device_index);
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);

    /* x.shape: a plain sequence with a torch.Size look */
    luaL_newmetatable(L, "torch.Size");
    lua_pushcfunction(L, size_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pushcfunction(L, size_eq);
    lua_setfield(L, -2, "__eq");
    lua_newtable(L);
    lua_pushcfunction(L, size_numel);
    lua_setfield(L, -2, "numel");
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
}

void lt_open_tensor(lua_State *L, const lt_tables *t)
{
    open_value_types(L, t);

    /* the tensor metatable; __index/__newindex close over the lookup tables */
    luaL_newmetatable(L, LT_TENSOR_MT);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &tensor_mt_key);
    lua_pushvalue(L, t->methods);
    lua_pushvalue(L, t->getters);
    lua_pushcclosure(L, tensor_index, 2);
    lua_setfield(L, -2, "__index");
    lua_pushvalue(L, t->setters);
    lua_pushcclosure(L, tensor_newindex, 1);
    lua_setfield(L, -2, "__newindex");
    lua_pushcfunction(L, tensor_gc);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, tensor_gc);
    lua_setfield(L, -2, "__close");
    lua_pushcfunction(L, tensor_len);
    lua_setfield(L, -2, "__len");
    lua_pushcfunction(L, lt_tensor_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pushliteral(L, "torch.Tensor");
    lua_setfield(L, -2, "__name");
    lua_pop(L, 1);

    static const struct { const char *name; lua_CFunction fn; } getters[] = {
        {"shape", get_shape}, {"dtype", get_dtype}, {"device", get_device},
        {"ndim", get_ndim},   {"T", get_T},         {"is_cuda", get_is_cuda},
    };
    for (size_t i = 0; i < sizeof getters / sizeof getters[0]; i++) {
        lua_pushcfunction(L, getters[i].fn);
        lua_setfield(L, t->getters, getters[i].name);
    }

    static const lt_reg regs[] = {
        {"size", m_size, LT_METHOD},
        {"stride", m_stride, LT_METHOD},
        {"dim", m_dim, LT_METHOD},
        {"numel", m_numel, LT_BOTH},
        {"nelement", m_numel, LT_METHOD},
        {"element_size", m_element_size, LT_METHOD},
        {"is_contiguous", m_is_contiguous, LT_METHOD},
        {"is_floating_point", m_is_floating_point, LT_BOTH},
        {"is_set_to", m_is_set_to, LT_METHOD},
        {"data_ptr", m_data_ptr, LT_METHOD},
        {"item", m_item, LT_METHOD},
        {"type", m_type, LT_METHOD},
        {"to", m_to, LT_METHOD},
        {"float", m_float, LT_METHOD},
        {"double", m_double, LT_METHOD},
        {"long", m_long, LT_METHOD},
        {"int", m_int, LT_METHOD},
        {"byte", m_byte, LT_METHOD},
        {"bool", m_bool, LT_METHOD},
        {"half", m_half, LT_METHOD},
        {"bfloat16", m_bfloat16, LT_METHOD},
        {"cpu", m_cpu, LT_METHOD},
        {"cuda", m_cuda, LT_METHOD},
        {"contiguous", m_contiguous, LT_METHOD},
        {"clone", m_clone, LT_BOTH},
        {"copy_", m_copy_, LT_METHOD},
        {"is_tensor", f_is_tensor, LT_FUNCTION},
        {"device", f_device, LT_FUNCTION},
        {"set_num_threads", f_set_num_threads, LT_FUNCTION},
        {"get_num_threads", f_get_num_threads, LT_FUNCTION},
        {"memory_live_bytes", f_memory_live_bytes, LT_FUNCTION},
        {NULL, NULL, 0},
    };
    lt_register(L, t, regs);
}
