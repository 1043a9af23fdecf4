/*
 * lt_autograd.c -- binding for autograd: requires_grad, grad, grad_fn,
 * backward, hooks, grad mode, torch.autograd.grad, custom functions.
 */
#include <stdlib.h>
#include <string.h>

#include "autograd/autograd.h"
#include "lt.h"

/* The Lua thread (coroutine) that started the backward now running on this
 * OS thread: hooks and custom backwards run on it, not on the main thread,
 * which may be suspended in a resume. */
static _Thread_local lua_State *backward_caller;

static lua_State *callback_state(lua_State *registered)
{
    return backward_caller ? backward_caller : registered;
}

/* ---------------------------------------------------------------- properties */

static int get_requires_grad(lua_State *L)
{
    lua_pushboolean(L, ct_requires_grad(lt_check_tensor(L, 1)));
    return 1;
}

static int set_requires_grad(lua_State *L)
{
    ct_tensor *t = lt_check_tensor(L, 1);
    lt_check_rc(L, ct_set_requires_grad(t, lua_toboolean(L, 2)));
    return 0;
}

static int get_grad(lua_State *L)
{
    ct_tensor *g = ct_grad(lt_check_tensor(L, 1));
    if (!g)
        return 0;
    lt_push_tensor(L, g);
    return 1;
}

static int set_grad(lua_State *L)
{
    ct_tensor *t = lt_check_tensor(L, 1);
    lt_check_rc(L, ct_set_grad(t, lua_isnil(L, 2) ? NULL : lt_check_tensor(L, 2)));
    return 0;
}

static int get_is_leaf(lua_State *L)
{
    lua_pushboolean(L, ct_is_leaf(lt_check_tensor(L, 1)));
    return 1;
}

static int get_grad_fn(lua_State *L)
{
    const char *name = ct_grad_fn_name(lt_check_tensor(L, 1));
    if (!name)
        return 0;
    lua_pushstring(L, name);
    return 1;
}

static int get_data(lua_State *L)
{
    lt_push_tensor(L, ct_detach(lt_check_tensor(L, 1)));
    return 1;
}

/* x.data = y: x now shows y's memory (shared), keeping x's autograd identity */
static int set_data(lua_State *L)
{
    ct_tensor *t = lt_check_tensor(L, 1);
    lt_check_rc(L, ct_set_data(t, lt_check_tensor(L, 2)));
    return 0;
}

/* ---------------------------------------------------------------- methods */

static int m_requires_grad_(lua_State *L)
{
    ct_tensor *t = lt_check_tensor(L, 1);
    lt_check_rc(L, ct_set_requires_grad(t, lua_isnone(L, 2) ? 1 : lua_toboolean(L, 2)));
    lua_settop(L, 1);
    return 1;
}

static int m_detach(lua_State *L)
{
    lt_push_tensor(L, ct_detach(lt_check_tensor(L, 1)));
    return 1;
}

static int m_retain_grad(lua_State *L)
{
    lt_check_rc(L, ct_retain_grad(lt_check_tensor(L, 1)));
    return 0;
}

/* x:backward(), x:backward(grad), x:backward(grad, {retain_graph=, create_graph=}) */
static int m_backward(lua_State *L)
{
    ct_tensor *t = lt_check_tensor(L, 1);
    ct_tensor *grad = lt_to_tensor(L, 2);
    int opts = lt_options_index(L, 2);
    int create_graph = lt_opt_bool_field(L, opts, "create_graph", 0);
    int retain_graph = lt_opt_bool_field(L, opts, "retain_graph", create_graph);
    lua_State *previous = backward_caller;
    backward_caller = L;
    int rc = ct_backward(t, grad, retain_graph, create_graph);
    backward_caller = previous;
    lt_check_rc(L, rc);
    return 0;
}

/* ---------------------------------------------------------------- hooks */



typedef struct lua_hook {
    lua_State *L; /* the main thread of the state that registered it */
    int ref;
} lua_hook;

static ct_tensor *call_lua_hook(void *ctx, ct_tensor *grad, int *failed)
{
    lua_hook *h = ctx;
    lua_State *L = callback_state(h->L);
    int top = lua_gettop(L);
    lua_rawgeti(L, LUA_REGISTRYINDEX, h->ref);
    lt_push_tensor(L, ct_retain(grad));
    if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
        ct_fail("hook: %s", lua_tostring(L, -1));
        lua_settop(L, top);
        *failed = 1;
        return NULL;
    }
    ct_tensor *replaced = NULL;
    if (!lua_isnil(L, -1)) {
        replaced = lt_to_tensor(L, -1);
        if (!replaced) {
            ct_fail("hook: a gradient hook must return nil or a tensor, got %s", luaL_typename(L, -1));
            lua_settop(L, top);
            *failed = 1;
            return NULL;
        }
        ct_retain(replaced);
    }
    lua_settop(L, top);
    return replaced;
}

static void free_lua_hook(void *ctx)
{
    lua_hook *h = ctx;
    luaL_unref(h->L, LUA_REGISTRYINDEX, h->ref);
    free(h);
}

static lua_State *main_thread(lua_State *L)
{
    lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_MAINTHREAD);
    lua_State *main = lua_tothread(L, -1);
    lua_pop(L, 1);
    return main;
}

static int handle_remove(lua_State *L)
{
    lua_getfield(L, 1, "tensor");
    lua_getfield(L, 1, "id");
    ct_tensor *t = lt_to_tensor(L, -2);
    if (t)
        ct_remove_hook(t, (int)lua_tointeger(L, -1));
    return 0;
}

/* x:register_hook(fn) -> handle with handle:remove() */
static int m_register_hook(lua_State *L)
{
    ct_tensor *t = lt_check_tensor(L, 1);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_hook *h = malloc(sizeof *h);
    if (!h)
        return luaL_error(L, "register_hook: out of memory");
    lua_pushvalue(L, 2);
    h->ref = luaL_ref(L, LUA_REGISTRYINDEX);
    h->L = main_thread(L);
    int id = ct_register_hook(t, call_lua_hook, h, free_lua_hook);
    if (id < 0)
        return lt_error(L);
    lua_createtable(L, 0, 3);
    lua_pushvalue(L, 1);
    lua_setfield(L, -2, "tensor");
    lua_pushinteger(L, id);
    lua_setfield(L, -2, "id");
    lua_pushcfunction(L, handle_remove);
    lua_setfield(L, -2, "remove");
    return 1;
}

/* ---------------------------------------------------------------- grad mode */

static int with_grad_mode(lua_State *L, int enabled);

static int f_is_grad_enabled(lua_State *L)
{
    lua_pushboolean(L, ct_is_grad_enabled());
    return 1;
}

/* torch.set_grad_enabled(b) sets the mode and returns a guard that restores the old one */
static int f_set_grad_enabled(lua_State *L)
{
    luaL_checkany(L, 1);
    int enabled = lua_toboolean(L, 1);
    lua_settop(L, 0);
    return with_grad_mode(L, enabled);
}

/* ---------------------------------------------------------------- torch.autograd.grad */

/* A tensor or a sequence of tensors at idx, as an array in a new userdata
 * left on the stack (so a Lua error cannot leak it). */
static ct_tensor **tensor_list(lua_State *L, int idx, int *n, const char *what)
{
    int single = lt_is_tensor(L, idx);
    if (!single && lua_type(L, idx) != LUA_TTABLE)
        luaL_error(L, "autograd.grad: %s must be a tensor or a table of tensors, got %s", what,
                   luaL_typename(L, idx));
    int count = single ? 1 : (int)lua_rawlen(L, idx);
    ct_tensor **list = lua_newuserdatauv(L, sizeof *list * (size_t)(count > 0 ? count : 1), 0);
    for (int i = 0; i < count; i++) {
        if (single) {
            list[i] = lt_check_tensor(L, idx);
            continue;
        }
        lua_rawgeti(L, idx, i + 1);
        list[i] = lt_to_tensor(L, -1);
        lua_pop(L, 1);
        if (!list[i])
            luaL_error(L, "autograd.grad: %s[%d] is not a tensor", what, i + 1);
    }
    *n = count;
    return list;
}

/* torch.autograd.grad(outputs, inputs, {grad_outputs=, retain_graph=, create_graph=, allow_unused=})
 * returns a table of gradients (nil for unused inputs with allow_unused). */
static int f_autograd_grad(lua_State *L)
{
    int opts = lua_type(L, 3) == LUA_TTABLE ? 3 : 0;
    int create_graph = lt_opt_bool_field(L, opts, "create_graph", 0);
    int retain_graph = lt_opt_bool_field(L, opts, "retain_graph", create_graph);
    int allow_unused = lt_opt_bool_field(L, opts, "allow_unused", 0);
    int nout, nin, ngo = 0;
    ct_tensor **outputs = tensor_list(L, 1, &nout, "outputs");
    ct_tensor **inputs = tensor_list(L, 2, &nin, "inputs");
    ct_tensor **grad_outputs = NULL;
    if (opts) {
        lua_getfield(L, opts, "grad_outputs");
        if (!lua_isnil(L, -1)) {
            grad_outputs = tensor_list(L, lua_gettop(L), &ngo, "grad_outputs");
            if (ngo != nout)
                return luaL_error(L, "autograd.grad: %d grad_outputs given for %d outputs", ngo, nout);
        }
    }
    ct_tensor **grads = lua_newuserdatauv(L, sizeof *grads * (size_t)(nin > 0 ? nin : 1), 0);
    lua_State *previous = backward_caller;
    backward_caller = L;
    int rc = ct_autograd_grad(nout, outputs, grad_outputs, nin, inputs, retain_graph, create_graph,
                              allow_unused, grads);
    backward_caller = previous;
    if (rc < 0)
        return lt_error(L);
    lua_createtable(L, nin, 0);
    for (int k = 0; k < nin; k++)
        if (grads[k]) {
            lt_push_tensor(L, grads[k]);
            lua_rawseti(L, -2, k + 1);
        }
    return 1;
}

/* ---------------------------------------------------------------- grad mode guards */

#define LT_GRAD_GUARD_MT "torch.grad_mode_guard"

static int guard_close(lua_State *L)
{
    int *previous = luaL_checkudata(L, 1, LT_GRAD_GUARD_MT);
    if (*previous >= 0) {
        ct_set_grad_enabled(*previous);
        *previous = -1;
    }
    return 0;
}

/* torch.no_grad(fn, ...) runs fn with grad mode off and restores it (also on
 * error); torch.no_grad() returns a guard for `local _ <close> = ...`. */
static int with_grad_mode(lua_State *L, int enabled)
{
    int previous = ct_is_grad_enabled();
    if (lua_type(L, 1) == LUA_TFUNCTION) {
        ct_set_grad_enabled(enabled);
        int status = lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0);
        ct_set_grad_enabled(previous);
        if (status != LUA_OK)
            return lua_error(L);
        return lua_gettop(L);
    }
    int *guard = lua_newuserdatauv(L, sizeof *guard, 0);
    *guard = previous;
    luaL_setmetatable(L, LT_GRAD_GUARD_MT);
    ct_set_grad_enabled(enabled);
    return 1;
}

static int f_no_grad(lua_State *L) { return with_grad_mode(L, 0); }
static int f_enable_grad(lua_State *L) { return with_grad_mode(L, 1); }

/* ---------------------------------------------------------------- custom functions */

typedef struct lua_function_ctx {
    lua_State *L;
    int ref; /* function(grads...) -> grad_inputs... implemented in lua/torch/autograd.lua */
    int num_inputs;
} lua_function_ctx;

static int call_lua_backward(void *arg, int num_grads, ct_tensor *const *grads, int num_inputs,
                             ct_tensor **grad_inputs)
{
    lua_function_ctx *c = arg;
    lua_State *L = callback_state(c->L);
    int top = lua_gettop(L);
    if (!lua_checkstack(L, num_grads + 4))
        return ct_fail("custom function backward: Lua stack overflow");
    lua_rawgeti(L, LUA_REGISTRYINDEX, c->ref);
    for (int i = 0; i < num_grads; i++)
        lt_push_tensor(L, ct_retain(grads[i]));
    if (lua_pcall(L, num_grads, 1, 0) != LUA_OK) {
        ct_fail("%s", lua_tostring(L, -1));
        lua_settop(L, top);
        return -1;
    }
    /* the Lua side returns a table {g1, g2, ...} indexed by input position */
    int rc = 0;
    for (int j = 0; j < num_inputs && rc == 0; j++) {
        lua_rawgeti(L, -1, j + 1);
        if (!lua_isnil(L, -1)) {
            ct_tensor *g = lt_to_tensor(L, -1);
            if (!g)
                rc = ct_fail("custom function backward: gradient %d must be a tensor or nil, got %s", j + 1,
                             luaL_typename(L, -1));
            else
                grad_inputs[j] = ct_retain(g);
        }
        lua_pop(L, 1);
    }
    lua_settop(L, top);
    return rc;
}

static void free_lua_function(void *arg)
{
    lua_function_ctx *c = arg;
    luaL_unref(c->L, LUA_REGISTRYINDEX, c->ref);
    free(c);
}

/* torch._record_function(name, inputs, outputs, backward): inputs is a table
 * with tensors (or other values) at 1..n, outputs a sequence of tensors. */
static int f_record_function(lua_State *L)
{
    const char *name = luaL_checkstring(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    luaL_checktype(L, 3, LUA_TTABLE);
    luaL_checktype(L, 4, LUA_TFUNCTION);
    int nin = (int)luaL_checkinteger(L, 5);
    int nout = (int)lua_rawlen(L, 3);
    ct_tensor **ins = calloc((size_t)(nin > 0 ? nin : 1), sizeof *ins);
    ct_tensor **outs = calloc((size_t)(nout > 0 ? nout : 1), sizeof *outs);
    lua_function_ctx *c = malloc(sizeof *c);
    if (!ins || !outs || !c) {
        free(ins);
        free(outs);
        free(c);
        return luaL_error(L, "%s: out of memory", name);
    }
    for (int j = 0; j < nin; j++) {
        lua_rawgeti(L, 2, j + 1);
        ins[j] = lt_to_tensor(L, -1);
        lua_pop(L, 1);
    }
    int bad = 0;
    for (int i = 0; i < nout; i++) {
        lua_rawgeti(L, 3, i + 1);
        outs[i] = lt_to_tensor(L, -1);
        lua_pop(L, 1);
        if (!outs[i])
            bad = i + 1;
    }
    if (bad) {
        free(ins);
        free(outs);
        free(c);
        return luaL_error(L, "%s.forward: output %d is not a tensor", name, bad);
    }
    lua_pushvalue(L, 4);
    c->ref = luaL_ref(L, LUA_REGISTRYINDEX);
    c->L = main_thread(L);
    c->num_inputs = nin;
    int rc = ct_custom_function_record(name, nin, ins, nout, outs, call_lua_backward, c, free_lua_function);
    free(ins);
    free(outs);
    lt_check_rc(L, rc);
    return 0;
}

void lt_open_autograd(lua_State *L, const lt_tables *t)
{
    luaL_newmetatable(L, LT_GRAD_GUARD_MT);
    lua_pushcfunction(L, guard_close);
    lua_setfield(L, -2, "__close");
    lua_pop(L, 1);

    static const struct { const char *name; lua_CFunction get, set; } props[] = {
        {"requires_grad", get_requires_grad, set_requires_grad},
        {"grad", get_grad, set_grad},
        {"is_leaf", get_is_leaf, NULL},
        {"grad_fn", get_grad_fn, NULL},
        {"data", get_data, set_data},
    };
    for (size_t i = 0; i < sizeof props / sizeof props[0]; i++) {
        lua_pushcfunction(L, props[i].get);
        lua_setfield(L, t->getters, props[i].name);
        if (props[i].set) {
            lua_pushcfunction(L, props[i].set);
            lua_setfield(L, t->setters, props[i].name);
        }
    }
    static const lt_reg regs[] = {
        {"requires_grad_", m_requires_grad_, LT_METHOD},
        {"detach", m_detach, LT_BOTH},
        {"retain_grad", m_retain_grad, LT_METHOD},
        {"backward", m_backward, LT_METHOD},
        {"register_hook", m_register_hook, LT_METHOD},
        {"is_grad_enabled", f_is_grad_enabled, LT_FUNCTION},
        {"set_grad_enabled", f_set_grad_enabled, LT_FUNCTION},
        {"_autograd_grad", f_autograd_grad, LT_FUNCTION},
        {"no_grad", f_no_grad, LT_FUNCTION},
        {"enable_grad", f_enable_grad, LT_FUNCTION},
        {"_record_function", f_record_function, LT_FUNCTION},
        {NULL, NULL, 0},
    };
    lt_register(L, t, regs);
}
