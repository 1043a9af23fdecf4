/*
 * meta.c -- per-tensor autograd state, grad mode, and the public accessors
 * (requires_grad, grad, is_leaf, detach, retain_grad, hooks).
 */
#include <stdlib.h>
#include <string.h>

#include "autograd/autograd.h"

/* ---------------------------------------------------------------- grad mode */

static _Thread_local int grad_disabled; /* 0: enabled, the default on every thread */

int ct_is_grad_enabled(void) { return !grad_disabled; }
void ct_set_grad_enabled(int enabled) { grad_disabled = !enabled; }
int ct_ag_enabled(void) { return !grad_disabled; }

/* ---------------------------------------------------------------- meta lifetime */

struct ct_autograd_meta *ct_ag_meta(ct_tensor *t)
{
    if (!t->autograd) {
        t->autograd = calloc(1, sizeof *t->autograd);
        if (!t->autograd)
            ct_fail("out of memory allocating autograd state");
    }
    return t->autograd;
}

void ct_ag_free_hooks(ct_hook *h)
{
    while (h) {
        ct_hook *next = h->next;
        if (h->free_ctx)
            h->free_ctx(h->ctx);
        free(h);
        h = next;
    }
}

void ct_autograd_meta_free(struct ct_autograd_meta *meta)
{
    ct_release(meta->grad);
    if (meta->grad_fn) {
        ct_output_info *info = &meta->grad_fn->outputs[meta->output_nr];
        if (info->retainer == meta)
            info->retainer = NULL;
        ct_node_release(meta->grad_fn);
    }
    ct_ag_free_hooks(meta->hooks);
    free(meta);
}

/* ---------------------------------------------------------------- accessors */

int ct_requires_grad(const ct_tensor *t) { return ct_ag_requires_grad(t); }

int ct_is_leaf(const ct_tensor *t) { return !t->autograd || !t->autograd->grad_fn; }

int ct_set_requires_grad(ct_tensor *t, int requires_grad)
{
    if (!ct_is_leaf(t)) {
        if (requires_grad)
            return 0;
        return ct_fail("requires_grad_: only leaf tensors can stop requiring grad; use detach() "
                       "to get a tensor without history");
    }
    if (requires_grad && !ct_dtype_is_float(t->dtype))
        return ct_fail("requires_grad_: only floating point tensors can require gradients, got %s",
                       ct_dtype_name(t->dtype));
    if (!requires_grad && !t->autograd)
        return 0;
    struct ct_autograd_meta *m = ct_ag_meta(t);
    if (!m)
        return -1;
    m->requires_grad = requires_grad != 0;
    return 0;
}

ct_tensor *ct_grad(const ct_tensor *t) { return t->autograd ? ct_retain(t->autograd->grad) : NULL; }

int ct_set_grad(ct_tensor *t, ct_tensor *grad)
{
    if (grad) {
        char a[128], b[128];
        if (grad->ndim != t->ndim || memcmp(grad->sizes, t->sizes, sizeof(int64_t) * (size_t)t->ndim) != 0)
            return ct_fail("grad: assigned gradient has shape %s but the tensor has shape %s",
                           ct_shape_str(grad, a, sizeof a), ct_shape_str(t, b, sizeof b));
        if (grad->dtype != t->dtype)
            return ct_fail("grad: assigned gradient has dtype %s but the tensor has dtype %s",
                           ct_dtype_name(grad->dtype), ct_dtype_name(t->dtype));
    }
    if (!grad && !t->autograd)
        return 0;
    struct ct_autograd_meta *m = ct_ag_meta(t);
    if (!m)
        return -1;
    ct_release(m->grad);
    m->grad = ct_retain(grad);
    return 0;
}

const char *ct_grad_fn_name(const ct_tensor *t)
{
    return t->autograd && t->autograd->grad_fn ? t->autograd->grad_fn->name : NULL;
}

ct_tensor *ct_detach(ct_tensor *t)
{
    /* not marked as a view: a detached tensor is an independent leaf */
    return ct_tensor_new(t->storage, t->offset, t->ndim, t->sizes, t->strides, t->dtype);
}

int ct_retain_grad(ct_tensor *t)
{
    if (!ct_ag_requires_grad(t))
        return ct_fail("retain_grad: the tensor does not require grad");
    struct ct_autograd_meta *m = t->autograd;
    if (!m->grad_fn)
        return 0; /* leaves keep their grad anyway */
    m->retains_grad = 1;
    m->grad_fn->outputs[m->output_nr].retainer = m;
    return 0;
}

int ct_register_hook(ct_tensor *t, ct_hook_fn fn, void *ctx, void (*free_ctx)(void *ctx))
{
    if (!ct_ag_requires_grad(t)) {
        if (free_ctx)
            free_ctx(ctx);
        return ct_fail("register_hook: cannot register a hook on a tensor that does not require grad");
    }
    ct_hook *h = malloc(sizeof *h);
    if (!h) {
        if (free_ctx)
            free_ctx(ctx);
        return ct_fail("register_hook: out of memory");
    }
    struct ct_autograd_meta *m = t->autograd;
    h->fn = fn;
    h->ctx = ctx;
    h->free_ctx = free_ctx;
    h->id = ++m->next_hook_id;
    h->next = NULL;
    ct_hook **list = m->grad_fn ? &m->grad_fn->outputs[m->output_nr].hooks : &m->hooks;
    while (*list) /* hooks run in registration order */
        list = &(*list)->next;
    *list = h;
    return h->id;
}

int ct_remove_hook(ct_tensor *t, int handle)
{
    struct ct_autograd_meta *m = t->autograd;
    if (!m)
        return 0;
    ct_hook **list = m->grad_fn ? &m->grad_fn->outputs[m->output_nr].hooks : &m->hooks;
    for (; *list; list = &(*list)->next)
        if ((*list)->id == handle) {
            ct_hook *h = *list;
            *list = h->next;
            h->next = NULL;
            ct_ag_free_hooks(h);
            return 0;
        }
    return 0;
}

int ct_set_data(ct_tensor *t, ct_tensor *src)
{
    if (src->dtype != t->dtype && t->autograd && t->autograd->requires_grad && !ct_dtype_is_float(src->dtype))
        return ct_fail("data: a tensor that requires grad cannot take %s data", ct_dtype_name(src->dtype));
    ct_storage_retain(src->storage);
    ct_storage_release(t->storage);
    t->storage = src->storage;
    t->offset = src->offset;
    t->ndim = src->ndim;
    t->dtype = src->dtype;
    memcpy(t->sizes, src->sizes, sizeof t->sizes);
    memcpy(t->strides, src->strides, sizeof t->strides);
    return 0;
}
