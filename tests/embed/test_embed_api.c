/*
 * test_embed_api.c -- the embedding helpers of ctorch.h (ctorch_push_tensor,
 * ctorch_to_tensor, ctorch_check_tensor, ctorch_lua_dir, ctorch_add_lua_path)
 * and the C-API behaviour an embedder relies on: ct_from_blob's release
 * callback, and errors reported by return value.
 */
#define _POSIX_C_SOURCE 200809L /* pthread_barrier_t, mkdtemp, setenv under -std=c11 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctorch_lua.h"

static int failures, checks;

#define CHECK(cond)                                                              \
    do {                                                                         \
        checks++;                                                                \
        if (!(cond)) {                                                           \
            failures++;                                                          \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                        \
    } while (0)

static lua_State *new_state(void)
{
    lua_State *L = luaL_newstate();
    if (L)
        luaL_openlibs(L);
    return L;
}

/* Runs f under lua_pcall; returns the error message (kept on the stack) or NULL. */
static const char *protected(lua_State *L, lua_CFunction f, void *arg, int nresults)
{
    lua_pushcfunction(L, f);
    lua_pushlightuserdata(L, arg);
    if (lua_pcall(L, 1, nresults, 0) != LUA_OK)
        return lua_tostring(L, -1);
    return NULL;
}

/* Runs Lua code with the value on top of the stack as its argument `...`;
 * leaves nresults values (nils after an error, which it prints). */
static int run_with_top(lua_State *L, const char *code, int nresults)
{
    int status = luaL_loadstring(L, code);
    if (status == LUA_OK) {
        lua_insert(L, -2);
        status = lua_pcall(L, 1, nresults, 0);
    } else {
        lua_remove(L, -2);
    }
    if (status == LUA_OK)
        return 0;
    fprintf(stderr, "lua error: %s\n", lua_tostring(L, -1));
    lua_pop(L, 1);
    for (int i = 0; i < nresults; i++)
        lua_pushnil(L);
    return -1;
}

/* ---------------------------------------------------------------- push / to / check */

static int push_arg(lua_State *L)
{
    ctorch_push_tensor(L, lua_touserdata(L, 1));
    return 1;
}

static int check_arg2(lua_State *L)
{
    ctorch_check_tensor(L, 2);
    return 0;
}

static int push_failed_mm(lua_State *L)
{
    int64_t s[2] = {2, 3};
    ct_tensor *a = ct_zeros(2, s, CT_FLOAT32);
    ct_tensor *c = ct_mm(a, a); /* [2, 3] @ [2, 3]: fails */
    ct_release(a);
    ctorch_push_tensor(L, c); /* NULL: raises the core's message */
    return 1;
}

static void test_push_opens_torch_and_round_trips(void)
{
    lua_State *L = new_state();
    int64_t s[2] = {2, 3};
    ct_tensor *t = ct_ones(2, s, CT_FLOAT64);
    /* torch was not required in L: the push opens it so the tensor has methods */
    CHECK(protected(L, push_arg, t, 1) == NULL);
    CHECK(ctorch_to_tensor(L, -1) == t);
    lua_pushvalue(L, -1);
    CHECK(run_with_top(L, "local x = ...; return x:sum():item(), x.shape[2], x.dtype == require('torch').float64", 3) == 0);
    CHECK(lua_tonumber(L, -3) == 6.0 && lua_tointeger(L, -2) == 3 && lua_toboolean(L, -1));
    lua_pop(L, 3);
    /* borrowed: still valid while the Lua value lives; retained it outlives it */
    ct_tensor *kept = ct_retain(ctorch_to_tensor(L, -1));
    lua_pop(L, 1);
    lua_gc(L, LUA_GCCOLLECT);
    CHECK(ct_numel(kept) == 6);
    ct_release(kept);

    /* a Lua value made in Lua is readable from C */
    CHECK(luaL_dostring(L, "return require('torch').arange(0, 4):view(2, 2)") == LUA_OK);
    ct_tensor *r = ctorch_to_tensor(L, -1);
    CHECK(r && ct_ndim(r) == 2 && ct_dtype_of(r) == CT_INT64 && ((int64_t *)ct_data_ptr(r))[3] == 3);
    lua_pop(L, 1);

    /* not tensors: NULL, or an argument error */
    lua_pushnumber(L, 1.5);
    CHECK(ctorch_to_tensor(L, -1) == NULL);
    lua_newtable(L);
    CHECK(ctorch_to_tensor(L, -1) == NULL);
    lua_newuserdatauv(L, 16, 0); /* same size as a tensor's userdata, not one */
    memset(lua_touserdata(L, -1), 0, 16);
    CHECK(ctorch_to_tensor(L, -1) == NULL);
    lua_settop(L, 0);
    lua_pushnil(L);
    lua_pushnumber(L, 2);
    const char *msg = protected(L, check_arg2, NULL, 0);
    CHECK(msg && strstr(msg, "tensor expected") != NULL);
    lua_settop(L, 0);

    /* a closed tensor reads as NULL */
    CHECK(luaL_dostring(L, "local x <close> = require('torch').zeros(3); return x") == LUA_OK);
    CHECK(ctorch_to_tensor(L, -1) == NULL);
    lua_settop(L, 0);

    /* NULL from a failed op raises the op's message */
    msg = protected(L, push_failed_mm, NULL, 1);
    CHECK(msg && strstr(msg, "mm: shapes [2, 3] and [2, 3]") != NULL);
    lua_close(L);
}

/* ---------------------------------------------------------------- from_blob lifetime */

static void count_release(void *data, void *ctx)
{
    (void)data;
    (*(int *)ctx)++;
}

static void test_from_blob_lifetime(void)
{
    float data[6] = {1, 2, 3, 4, 5, 6};
    int released = 0;
    int64_t s[2] = {2, 3};
    ct_tensor *t = ct_from_blob(data, 2, s, NULL, CT_FLOAT32, count_release, &released);
    CHECK(t && ct_data_ptr(t) == (void *)data);
    ct_tensor *row = ct_select(t, 0, 1); /* a view keeps the memory in use */
    ct_release(t);
    CHECK(released == 0 && ((float *)ct_data_ptr(row))[2] == 6.0f);

    /* through Lua: writes from Lua land in the caller's memory */
    lua_State *L = new_state();
    CHECK(protected(L, push_arg, row, 1) == NULL); /* Lua owns row now */
    CHECK(run_with_top(L, "local r = ...; r:mul_(10); return r:sum():item()", 1) == 0);
    CHECK(lua_tonumber(L, -1) == 150.0 && data[3] == 40.0f && data[0] == 1.0f);
    CHECK(released == 0);
    lua_close(L);
    CHECK(released == 1);

    /* errors: NULL data, bad dtype, negative size; no release on these */
    released = 0;
    CHECK(ct_from_blob(NULL, 2, s, NULL, CT_FLOAT32, count_release, &released) == NULL &&
          strstr(ct_last_error(), "from_blob") != NULL);
    CHECK(ct_from_blob(data, 2, s, NULL, (ct_dtype)99, count_release, &released) == NULL);
    int64_t neg[2] = {2, -1};
    CHECK(ct_from_blob(data, 2, neg, NULL, CT_FLOAT32, count_release, &released) == NULL &&
          strstr(ct_last_error(), "negative size") != NULL);
    CHECK(released == 0);
}

/* ---------------------------------------------------------------- errors by return value */

static void test_errors_are_returned(void)
{
    int64_t s[2] = {2, 3}, neg[2] = {2, -1}, many[17] = {0};
    CHECK(ct_zeros(2, s, (ct_dtype)42) == NULL && strstr(ct_last_error(), "invalid dtype") != NULL);
    CHECK(ct_empty(17, many, CT_FLOAT32) == NULL && strstr(ct_last_error(), "at most 16") != NULL);
    CHECK(ct_ones(2, neg, CT_FLOAT32) == NULL && strstr(ct_last_error(), "negative size") != NULL);
    ct_tensor *x = ct_zeros(2, s, CT_FLOAT32);
    CHECK(ct_unary((ct_unary_op)99, x) == NULL && strstr(ct_last_error(), "invalid op") != NULL);
    CHECK(ct_reduce((ct_reduce_op)99, x, 0, NULL, 0) == NULL);
    ct_scalar v;
    CHECK(ct_item(x, &v) == -1 && strstr(ct_last_error(), "[2, 3]") != NULL);
    CHECK(ct_backward(x, NULL, 0, 0) == -1 && strstr(ct_last_error(), "backward") != NULL);
    ct_tensor *ints = ct_zeros(1, s, CT_INT64);
    CHECK(ct_set_requires_grad(ints, 1) == -1);
    ct_release(ints);
    ct_release(x);
}

/* ---------------------------------------------------------------- Lua files */

static void test_lua_dir(void)
{
    const char *dir = ctorch_lua_dir();
    CHECK(dir != NULL);
    if (dir) {
        char probe[4096];
        snprintf(probe, sizeof probe, "%s/torch/autograd.lua", dir);
        CHECK(access(probe, R_OK) == 0);
    }

    lua_State *L = new_state();
    luaL_requiref(L, "torch", luaopen_torch, 1);
    lua_pop(L, 1);
    CHECK(ctorch_add_lua_path(L) == 0);
    CHECK(ctorch_add_lua_path(L) == 0); /* once only */
    CHECK(luaL_dostring(L, "return package.path, type(torch.autograd.grad), "
                           "require('torch.autograd') == torch.autograd") == LUA_OK);
    /* dir/?.lua;dir/?/init.lua at the front, once */
    const char *path = lua_tostring(L, -3);
    CHECK(path && dir && strncmp(path, dir, strlen(dir)) == 0);
    int copies = 0;
    for (const char *p = path; dir && p && (p = strstr(p, dir)) != NULL; p += strlen(dir))
        copies++;
    CHECK(copies == 2);
    CHECK(lua_isstring(L, -2) && strcmp(lua_tostring(L, -2), "function") == 0 && lua_toboolean(L, -1));
    lua_close(L);

    /* a state without the package library: an error value, not a crash */
    L = luaL_newstate();
    CHECK(ctorch_add_lua_path(L) == -1 && strstr(ct_last_error(), "package library") != NULL);
    CHECK(lua_gettop(L) == 0);
    lua_close(L);

    /* $CTORCH_LUA_DIR wins when it holds torch/, and is ignored when it does not */
    char tmp[] = "/tmp/ctorch-luadir-XXXXXX";
    if (mkdtemp(tmp)) {
        setenv("CTORCH_LUA_DIR", tmp, 1);
        const char *ignored = ctorch_lua_dir();
        CHECK(ignored && dir && strcmp(ignored, dir) == 0);
        char sub[64];
        snprintf(sub, sizeof sub, "%s/torch", tmp);
        CHECK(mkdir(sub, 0700) == 0);
        const char *chosen = ctorch_lua_dir();
        CHECK(chosen && strcmp(chosen, tmp) == 0);
        unsetenv("CTORCH_LUA_DIR");
        rmdir(sub);
        rmdir(tmp);
    }
}

int main(void)
{
    test_push_opens_torch_and_round_trips();
    test_from_blob_lifetime();
    test_errors_are_returned();
    test_lua_dir();
    printf("%d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
