/*
 * lt_io.c -- torch.save / torch.load (ctorch's own format, src/io/ctf*.c) and
 * the C half of torch.safetensors (lua/torch/safetensors.lua wraps it).
 *
 * torch.save walks the Lua value and writes its tree (tags in src/io/ctf.h):
 * numbers keep integer vs float, strings are binary-safe, a table seen twice
 * is written once and referred to afterwards (so shared tables and cycles come
 * back as they were), tensors go to the file's tensor table.  Plain tables are
 * written with their keys sorted (the same value always gives the same
 * bytes); a table with a __pairs metamethod (torch.ordered) is written in
 * that order and comes back as a torch.ordered table.
 *
 * Both directions run their body under lua_pcall so that the C state (files,
 * buffers, tensor references) is released before an error propagates.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/ctf.h"
#include "lt.h"

/* ================================================================ key paths for messages */

static int is_identifier(const char *s, size_t n)
{
    if (n == 0 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
        return 0;
    for (size_t i = 1; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
              s[i] == '_'))
            return 0;
    return 1;
}

/* Appends the key at idx as ".name", "[1]" or '["a.b"]'. */
static void add_key(luaL_Buffer *b, lua_State *L, int idx)
{
    char tmp[64];
    switch (lua_type(L, idx)) {
    case LUA_TSTRING: {
        size_t n;
        const char *s = lua_tolstring(L, idx, &n);
        if (is_identifier(s, n)) {
            luaL_addchar(b, '.');
            luaL_addlstring(b, s, n);
        } else {
            luaL_addstring(b, "[\"");
            for (size_t i = 0; i < n && i < 200; i++) {
                unsigned char c = (unsigned char)s[i];
                if (c == '"' || c == '\\')
                    luaL_addchar(b, '\\');
                if (c < 0x20) {
                    snprintf(tmp, sizeof tmp, "\\%u", c);
                    luaL_addstring(b, tmp);
                } else {
                    luaL_addchar(b, (char)c);
                }
            }
            luaL_addstring(b, "\"]");
        }
        return;
    }
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx))
            snprintf(tmp, sizeof tmp, "[%lld]", (long long)lua_tointeger(L, idx));
        else
            snprintf(tmp, sizeof tmp, "[%.17g]", lua_tonumber(L, idx));
        luaL_addstring(b, tmp);
        return;
    case LUA_TBOOLEAN:
        luaL_addstring(b, lua_toboolean(L, idx) ? "[true]" : "[false]");
        return;
    default:
        luaL_addstring(b, "[?]");
    }
}

/* ================================================================ saving */

typedef struct save_ctx {
    ctf_saver saver;
    const char *op;
    int seen; /* stack index: table -> id */
    int keys; /* stack index: keys[d] = key of the level-d value */
} save_ctx;

/* Pushes "value.a[1]" for the value at depth. */
static const char *push_path(lua_State *L, save_ctx *c, int depth)
{
    luaL_checkstack(L, 4, NULL);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    luaL_addstring(&b, "value");
    for (int d = 1; d <= depth; d++) {
        lua_rawgeti(L, c->keys, d);
        add_key(&b, L, lua_gettop(L));
        lua_pop(L, 1);
    }
    luaL_pushresult(&b);
    return lua_tostring(L, -1);
}

static void put(lua_State *L, int rc)
{
    if (rc < 0)
        lt_error(L);
}

/* Keys as sortable records, pointing into the entries table (which anchors them). */
typedef struct key_rec {
    int cls; /* 0 boolean, 1 number, 2 string */
    int is_int;
    lua_Integer i;
    double d;
    const char *s;
    size_t len;
    lua_Integer pos; /* entry number (1-based) */
} key_rec;

static int cmp_keys(const void *x, const void *y)
{
    const key_rec *a = x, *b = y;
    if (a->cls != b->cls)
        return a->cls - b->cls;
    if (a->cls == 0)
        return (int)a->i - (int)b->i;
    if (a->cls == 1) {
        if (a->is_int && b->is_int)
            return a->i < b->i ? -1 : a->i > b->i;
        if (a->d != b->d)
            return a->d < b->d ? -1 : 1;
        return b->is_int - a->is_int; /* equal as doubles: integers first */
    }
    int r = memcmp(a->s, b->s, a->len < b->len ? a->len : b->len);
    if (r)
        return r;
    return a->len < b->len ? -1 : a->len > b->len;
}

static void save_value(lua_State *L, save_ctx *c, int idx, int depth);

static void check_key(lua_State *L, save_ctx *c, int kidx, int depth)
{
    int t = lua_type(L, kidx);
    if (t == LUA_TSTRING || t == LUA_TNUMBER || t == LUA_TBOOLEAN)
        return;
    const char *where = push_path(L, c, depth);
    luaL_error(L, "%s: cannot save a table key of type %s at %s (keys must be strings, numbers or booleans)",
               c->op, luaL_typename(L, kidx), where);
}

/* Pushes a list {k1, v1, k2, v2, ...} of t's entries, in __pairs order when
 * t has __pairs (*ordered = 1); returns the entry count. */
static lua_Integer collect_entries(lua_State *L, save_ctx *c, int t, int depth, int *ordered)
{
    lua_Integer n = 0;
    lua_newtable(L);
    int entries = lua_gettop(L);
    *ordered = luaL_getmetafield(L, t, "__pairs") != LUA_TNIL;
    if (*ordered) {
        lua_pushvalue(L, t);
        lua_call(L, 1, 3); /* f, s, control */
        int f = lua_gettop(L) - 2;
        for (;;) {
            lua_pushvalue(L, f);
            lua_pushvalue(L, f + 1);
            lua_pushvalue(L, f + 2);
            lua_call(L, 2, 2);
            if (lua_isnil(L, -2)) {
                lua_pop(L, 2);
                break;
            }
            check_key(L, c, lua_gettop(L) - 1, depth);
            lua_pushvalue(L, -2);
            lua_replace(L, f + 2); /* the next control value */
            if (lua_isnil(L, -1)) { /* a table holds no nil values: skip */
                lua_pop(L, 2);
                continue;
            }
            lua_rawseti(L, entries, n * 2 + 2);
            lua_rawseti(L, entries, n * 2 + 1);
            n++;
        }
        lua_settop(L, entries);
        return n;
    }
    lua_pushnil(L);
    while (lua_next(L, t)) {
        check_key(L, c, lua_gettop(L) - 1, depth);
        lua_pushvalue(L, -2);
        lua_rawseti(L, entries, n * 2 + 1);
        lua_rawseti(L, entries, n * 2 + 2);
        n++;
    }
    return n;
}

static void save_table(lua_State *L, save_ctx *c, int t, int depth)
{
    ct_buf *tree = &c->saver.tree;
    lua_pushvalue(L, t);
    if (lua_rawget(L, c->seen) == LUA_TNUMBER) {
        put(L, ct_buf_u8(tree, CTF_REF) | ct_buf_u64(tree, (uint64_t)lua_tointeger(L, -1)));
        lua_pop(L, 1);
        return;
    }
    lua_pop(L, 1);
    if (depth >= CTF_MAX_DEPTH) {
        const char *where = push_path(L, c, depth);
        luaL_error(L, "%s: %s is nested more than %d tables deep", c->op, where, CTF_MAX_DEPTH);
    }
    lua_pushvalue(L, t);
    lua_pushinteger(L, (lua_Integer)c->saver.ntables++);
    lua_rawset(L, c->seen);

    int ordered;
    lua_Integer n = collect_entries(L, c, t, depth, &ordered);
    int entries = lua_gettop(L);
    key_rec *order = lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof *order, 0);
    for (lua_Integer k = 0; k < n; k++) {
        lua_rawgeti(L, entries, 2 * k + 1);
        key_rec *r = &order[k];
        memset(r, 0, sizeof *r);
        r->pos = k + 1;
        switch (lua_type(L, -1)) {
        case LUA_TBOOLEAN:
            r->cls = 0;
            r->i = lua_toboolean(L, -1);
            break;
        case LUA_TNUMBER:
            r->cls = 1;
            r->is_int = lua_isinteger(L, -1);
            r->i = lua_tointeger(L, -1);
            r->d = lua_tonumber(L, -1);
            break;
        default:
            r->cls = 2;
            r->s = lua_tolstring(L, -1, &r->len); /* anchored by entries */
        }
        lua_pop(L, 1);
    }
    if (!ordered)
        qsort(order, (size_t)n, sizeof *order, cmp_keys);
    put(L, ct_buf_u8(&c->saver.tree, CTF_TABLE) | ct_buf_u8(&c->saver.tree, (uint8_t)ordered) |
               ct_buf_u64(&c->saver.tree, (uint64_t)n));
    for (lua_Integer k = 0; k < n; k++) {
        lua_rawgeti(L, entries, 2 * order[k].pos - 1);
        lua_pushvalue(L, -1);
        lua_rawseti(L, c->keys, depth + 1);
        save_value(L, c, lua_gettop(L), depth + 1); /* a key is a plain value */
        lua_pop(L, 1);
        lua_rawgeti(L, entries, 2 * order[k].pos);
        save_value(L, c, lua_gettop(L), depth + 1);
        lua_pop(L, 1);
    }
    lua_pushnil(L);
    lua_rawseti(L, c->keys, depth + 1);
    lua_settop(L, entries - 1);
}

static void save_value(lua_State *L, save_ctx *c, int idx, int depth)
{
    luaL_checkstack(L, 12, NULL);
    ct_buf *tree = &c->saver.tree;
    int type = lua_type(L, idx);
    switch (type) {
    case LUA_TNIL:
        put(L, ct_buf_u8(tree, CTF_NIL));
        return;
    case LUA_TBOOLEAN:
        put(L, ct_buf_u8(tree, lua_toboolean(L, idx) ? CTF_TRUE : CTF_FALSE));
        return;
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx))
            put(L, ct_buf_u8(tree, CTF_INT) | ct_buf_i64(tree, (int64_t)lua_tointeger(L, idx)));
        else
            put(L, ct_buf_u8(tree, CTF_FLOAT) | ct_buf_f64(tree, lua_tonumber(L, idx)));
        return;
    case LUA_TSTRING: {
        size_t n;
        const char *s = lua_tolstring(L, idx, &n);
        put(L, ct_buf_u8(tree, CTF_STRING) | ct_buf_u64(tree, n) | ct_buf_put(tree, s, n));
        return;
    }
    case LUA_TTABLE:
        save_table(L, c, idx, depth);
        return;
    case LUA_TUSERDATA: {
        ct_tensor *t = lt_to_tensor(L, idx);
        if (t) {
            int64_t k = ctf_saver_tensor(&c->saver, t);
            if (k < 0) {
                lua_pushstring(L, ct_last_error());
                const char *where = push_path(L, c, depth);
                luaL_error(L, "%s (at %s)", lua_tostring(L, -2), where);
            }
            put(L, ct_buf_u8(tree, CTF_TENSOR) | ct_buf_u64(tree, (uint64_t)k));
            return;
        }
        const char *what = luaL_testudata(L, idx, LT_TENSOR_MT) ? "a closed tensor" : "a userdata";
        const char *where = push_path(L, c, depth);
        luaL_error(L, "%s: cannot save %s at %s (only tensors, numbers, strings, booleans and tables)", c->op,
                   what, where);
        return;
    }
    default: {
        const char *where = push_path(L, c, depth);
        luaL_error(L, "%s: cannot save a %s at %s (only tensors, numbers, strings, booleans and tables)", c->op,
                   luaL_typename(L, idx), where);
    }
    }
}

/* save_body(ctx, path, value) */
static int save_body(lua_State *L)
{
    save_ctx *c = lua_touserdata(L, 1);
    lua_newtable(L);
    c->seen = lua_gettop(L);
    lua_newtable(L);
    c->keys = lua_gettop(L);
    save_value(L, c, 3, 0);
    put(L, ctf_saver_write(&c->saver, lua_tostring(L, 2)));
    return 0;
}

/* torch.save(path, value) */
static int f_save(lua_State *L)
{
    luaL_checkstring(L, 1);
    if (lua_gettop(L) < 2)
        return luaL_error(L, "torch.save: expected (path, value)");
    save_ctx c;
    memset(&c, 0, sizeof c);
    c.op = "torch.save";
    ctf_saver_init(&c.saver, c.op);
    lua_pushcfunction(L, save_body);
    lua_pushlightuserdata(L, &c);
    lua_pushvalue(L, 1);
    lua_pushvalue(L, 2);
    int rc = lua_pcall(L, 3, 0, 0);
    ctf_saver_free(&c.saver);
    if (rc != LUA_OK)
        return lua_error(L);
    return 0;
}

/* ================================================================ loading */

typedef struct load_ctx {
    ctf_file file;
    int tables;  /* stack index: id + 1 -> table */
    int cache;   /* stack index: tensor index + 1 -> Lua tensor */
    int ordered_new; /* stack index of torch.ordered.new, 0 until needed */
    uint64_t ntables;
} load_ctx;

static void corrupt(lua_State *L, load_ctx *c, const char *what)
{
    ct_cursor_fail(&c->file.tree, "%s", what);
    lt_error(L);
}

static void need(lua_State *L, int rc)
{
    if (rc < 0)
        lt_error(L);
}

static void push_ordered_table(lua_State *L, load_ctx *c)
{
    if (!c->ordered_new) {
        lua_getglobal(L, "require");
        lua_pushliteral(L, "torch.ordered");
        lua_call(L, 1, 1);
        lua_getfield(L, -1, "new");
        lua_remove(L, -2);
        /* keep it below the values being built: stack slot reserved in load_body */
        lua_replace(L, c->ordered_new = c->cache + 1);
    }
    lua_pushvalue(L, c->ordered_new);
    lua_call(L, 0, 1);
}

static void load_value(lua_State *L, load_ctx *c, int depth, int is_key);

static void load_table(lua_State *L, load_ctx *c, int depth)
{
    ct_cursor *cur = &c->file.tree;
    uint8_t ordered;
    uint64_t n;
    need(L, ct_cursor_u8(cur, &ordered, "a table's order flag"));
    need(L, ct_cursor_u64(cur, &n, "an entry count"));
    if (ordered > 1)
        corrupt(L, c, "bad order flag");
    if (depth >= CTF_MAX_DEPTH)
        corrupt(L, c, "tables nested too deep");
    if (n > ct_cursor_left(cur) / 2) /* an entry takes at least two tags */
        corrupt(L, c, "a table with more entries than bytes left");
    if (ordered)
        push_ordered_table(L, c);
    else
        lua_createtable(L, 0, (int)(n < 4096 ? n : 4096));
    int t = lua_gettop(L);
    lua_pushvalue(L, t);
    lua_rawseti(L, c->tables, (lua_Integer)++c->ntables);
    for (uint64_t k = 0; k < n; k++) {
        load_value(L, c, depth + 1, 1);
        load_value(L, c, depth + 1, 0);
        if (lua_isnil(L, -1))
            corrupt(L, c, "a nil value in a table");
        lua_pushvalue(L, -2);
        if (lua_rawget(L, t) != LUA_TNIL)
            corrupt(L, c, "a key that appears twice in a table");
        lua_pop(L, 1);
        if (ordered)
            lua_settable(L, t); /* through the table's __newindex: records the order */
        else
            lua_rawset(L, t);
    }
}

static void load_value(lua_State *L, load_ctx *c, int depth, int is_key)
{
    luaL_checkstack(L, 12, NULL);
    ct_cursor *cur = &c->file.tree;
    uint8_t tag;
    need(L, ct_cursor_u8(cur, &tag, "a value tag"));
    if (is_key && (tag == CTF_NIL || tag == CTF_TABLE || tag == CTF_REF || tag == CTF_TENSOR))
        corrupt(L, c, "a table key that is not a string, number or boolean");
    switch (tag) {
    case CTF_NIL:
        lua_pushnil(L);
        return;
    case CTF_FALSE:
    case CTF_TRUE:
        lua_pushboolean(L, tag == CTF_TRUE);
        return;
    case CTF_INT: {
        int64_t v;
        need(L, ct_cursor_i64(cur, &v, "an integer"));
        lua_pushinteger(L, (lua_Integer)v);
        return;
    }
    case CTF_FLOAT: {
        double v;
        need(L, ct_cursor_f64(cur, &v, "a number"));
        if (is_key && isnan(v))
            corrupt(L, c, "a NaN table key");
        lua_pushnumber(L, v);
        return;
    }
    case CTF_STRING: {
        uint64_t n;
        const unsigned char *s;
        need(L, ct_cursor_u64(cur, &n, "a string length"));
        need(L, ct_cursor_bytes(cur, n, &s, "a string"));
        lua_pushlstring(L, (const char *)s, (size_t)n);
        return;
    }
    case CTF_TABLE:
        load_table(L, c, depth);
        return;
    case CTF_REF: {
        uint64_t id;
        need(L, ct_cursor_u64(cur, &id, "a table reference"));
        if (id >= c->ntables)
            corrupt(L, c, "a reference to a table not defined before it");
        lua_rawgeti(L, c->tables, (lua_Integer)id + 1);
        return;
    }
    case CTF_TENSOR: {
        uint64_t k;
        need(L, ct_cursor_u64(cur, &k, "a tensor index"));
        if (k >= c->file.ntensors)
            corrupt(L, c, "a tensor index past the tensor table");
        /* one Lua tensor per record: the same tensor twice stays one object */
        if (lua_rawgeti(L, c->cache, (lua_Integer)k + 1) == LUA_TNIL) {
            lua_pop(L, 1);
            lt_push_tensor(L, ct_retain(c->file.tensors[k]));
            lua_pushvalue(L, -1);
            lua_rawseti(L, c->cache, (lua_Integer)k + 1);
        }
        return;
    }
    default: {
        char msg[32];
        snprintf(msg, sizeof msg, "bad value tag %u", tag);
        corrupt(L, c, msg);
    }
    }
}

/* load_body(ctx) -> value */
static int load_body(lua_State *L)
{
    load_ctx *c = lua_touserdata(L, 1);
    lua_newtable(L);
    c->tables = lua_gettop(L);
    lua_newtable(L);
    c->cache = lua_gettop(L);
    lua_pushnil(L); /* slot for torch.ordered.new */
    load_value(L, c, 0, 0);
    need(L, ctf_check_tree_end(&c->file));
    return 1;
}

/* map_location: nil (tensors go where they were saved), 'cpu' or
 * torch.device('cpu'), given directly or as {map_location=...}; 1 = to the CPU */
static int check_map_location(lua_State *L, int idx)
{
    if (lua_istable(L, idx)) {
        lua_getfield(L, idx, "map_location");
        lua_replace(L, idx);
    }
    if (lua_isnoneornil(L, idx))
        return 0;
    ct_device *d = luaL_testudata(L, idx, LT_DEVICE_MT);
    const char *name = lua_type(L, idx) == LUA_TSTRING ? lua_tostring(L, idx) : NULL;
    if ((d && d->type == CT_CPU) || (name && strcmp(name, "cpu") == 0))
        return 1;
    if (d || (name && strncmp(name, "cuda", 4) == 0))
        return luaL_error(L, "torch.load: map_location '%s' is not available in this build",
                          name ? name : "cuda");
    return luaL_error(L, "torch.load: map_location must be 'cpu' or a torch.device, got %s",
                      name ? name : luaL_typename(L, idx));
}

/* torch.load(path, {map_location='cpu'}) */
static int f_load(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    int map_cpu = check_map_location(L, 2);
    load_ctx c;
    memset(&c, 0, sizeof c);
    if (ctf_load(&c.file, "torch.load", path, map_cpu) < 0)
        return lt_error(L);
    lua_pushcfunction(L, load_body);
    lua_pushlightuserdata(L, &c);
    int rc = lua_pcall(L, 1, 1, 0);
    ctf_file_free(&c.file);
    if (rc != LUA_OK)
        return lua_error(L);
    return 1;
}

/* ================================================================ safetensors */

/* Pushes {k1, v1, ...} of the table at idx (honouring __pairs); returns the count. */
static lua_Integer pairs_list(lua_State *L, int idx)
{
    lua_Integer n = 0;
    lua_newtable(L);
    int list = lua_gettop(L);
    if (luaL_getmetafield(L, idx, "__pairs") != LUA_TNIL) {
        lua_pushvalue(L, idx);
        lua_call(L, 1, 3);
    } else {
        lua_getglobal(L, "next");
        lua_pushvalue(L, idx);
        lua_pushnil(L);
    }
    int f = lua_gettop(L) - 2;
    for (;;) {
        lua_pushvalue(L, f);
        lua_pushvalue(L, f + 1);
        lua_pushvalue(L, f + 2);
        lua_call(L, 2, 2);
        if (lua_isnil(L, -2))
            break;
        lua_pushvalue(L, -2);
        lua_replace(L, f + 2);
        lua_rawseti(L, list, ++n * 2);
        lua_rawseti(L, list, n * 2 - 1);
    }
    lua_settop(L, list);
    return n;
}

/* torch._safetensors_save(path, {name = tensor}, {key = 'value'} or nil) */
static int f_safetensors_save(lua_State *L)
{
    static const char op[] = "torch.safetensors.save";
    const char *path = luaL_checkstring(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    if (!lua_isnoneornil(L, 3))
        luaL_checktype(L, 3, LUA_TTABLE);
    lua_settop(L, 3);
    lua_Integer n = pairs_list(L, 2); /* at 4 */
    const char **names = lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof *names, 0);
    ct_tensor **tensors = lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof *tensors, 0);
    for (lua_Integer i = 0; i < n; i++) {
        lua_rawgeti(L, 4, 2 * i + 1);
        lua_rawgeti(L, 4, 2 * i + 2);
        size_t len;
        if (lua_type(L, -2) != LUA_TSTRING)
            return luaL_error(L, "%s: tensor names must be strings, got a %s key", op, luaL_typename(L, -2));
        names[i] = lua_tolstring(L, -2, &len); /* anchored by the list at 4 */
        if (strlen(names[i]) != len)
            return luaL_error(L, "%s: the tensor name '%s...' holds a NUL byte", op, names[i]);
        tensors[i] = lt_to_tensor(L, -1);
        if (!tensors[i])
            return luaL_error(L, "%s: tensors['%s'] is a %s, not a tensor", op, names[i], luaL_typename(L, -1));
        lua_pop(L, 2);
    }
    lua_Integer m = lua_isnil(L, 3) ? 0 : pairs_list(L, 3);
    int meta = lua_gettop(L);
    const char **keys = lua_newuserdatauv(L, (size_t)(m ? m : 1) * sizeof *keys, 0);
    const char **values = lua_newuserdatauv(L, (size_t)(m ? m : 1) * sizeof *values, 0);
    for (lua_Integer i = 0; i < m; i++) {
        lua_rawgeti(L, meta, 2 * i + 1);
        lua_rawgeti(L, meta, 2 * i + 2);
        if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
            return luaL_error(L, "%s: metadata must map strings to strings, got %s -> %s", op,
                              luaL_typename(L, -2), luaL_typename(L, -1));
        size_t klen, vlen;
        keys[i] = lua_tolstring(L, -2, &klen);
        values[i] = lua_tolstring(L, -1, &vlen);
        if (strlen(keys[i]) != klen || strlen(values[i]) != vlen)
            return luaL_error(L, "%s: metadata entry '%s' holds a NUL byte", op, keys[i]);
        lua_pop(L, 2);
    }
    lt_check_rc(L, ct_safetensors_save_op(op, path, (int64_t)n, names, tensors, (int64_t)m, keys, values));
    return 0;
}

static int named_gc(lua_State *L)
{
    ct_named_tensors_free(lua_touserdata(L, 1));
    return 0;
}

/* torch._safetensors_load(path) -> {names}, {tensors}, {metadata} */
static int f_safetensors_load(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    /* the result lives in a collectable box until it is handed to Lua */
    ct_named_tensors *nt = lua_newuserdatauv(L, sizeof *nt, 0);
    memset(nt, 0, sizeof *nt);
    if (luaL_newmetatable(L, "torch.named_tensors")) {
        lua_pushcfunction(L, named_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
    lt_check_rc(L, ct_safetensors_load_op("torch.safetensors.load", path, nt));
    lua_createtable(L, (int)nt->count, 0);
    lua_createtable(L, (int)nt->count, 0);
    for (int64_t i = 0; i < nt->count; i++) {
        lua_pushstring(L, nt->names[i]);
        lua_rawseti(L, -3, (lua_Integer)i + 1);
        ct_tensor *t = nt->tensors[i];
        nt->tensors[i] = NULL; /* handed over */
        lt_push_tensor(L, t);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_createtable(L, 0, (int)nt->meta_count);
    for (int64_t i = 0; i < nt->meta_count; i++) {
        lua_pushstring(L, nt->meta_values[i]);
        lua_setfield(L, -2, nt->meta_keys[i]);
    }
    ct_named_tensors_free(nt);
    return 3;
}

void lt_open_io(lua_State *L, const lt_tables *t)
{
    static const lt_reg regs[] = {
        {"save", f_save, LT_FUNCTION},
        {"load", f_load, LT_FUNCTION},
        {"_safetensors_save", f_safetensors_save, LT_FUNCTION},
        {"_safetensors_load", f_safetensors_load, LT_FUNCTION},
        {NULL, NULL, 0},
    };
    lt_register(L, t, regs);
}
