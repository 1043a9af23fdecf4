/*
 * function.c -- nodes whose backward is supplied by the caller: the C side
 * of torch.autograd.Function.
 */
#include <stdlib.h>
#include <string.h>

#include "autograd/autograd.h"

typedef struct custom_node {
    ct_node base;
    char *name;
    ct_custom_backward_fn backward;
    void *ctx;
    void (*free_ctx)(void *ctx);
} custom_node;

static int custom_backward(ct_node *self, ct_tensor *const *grads, ct_tensor **grad_inputs)
{
    custom_node *n = (custom_node *)self;
    if (self->saved_released)
        return ct_fail("%s: trying to backward through the graph a second time; pass "
                       "{retain_graph=true} to the first backward", self->name);
    return n->backward(n->ctx, self->num_outputs, grads, self->num_inputs, grad_inputs);
}

static void custom_release_saved(ct_node *self)
{
    (void)self; /* ctx (and what it saved) lives until the node dies: retain_graph decides reuse */
}

static void custom_destroy(ct_node *self)
{
    custom_node *n = (custom_node *)self;
    if (n->free_ctx)
        n->free_ctx(n->ctx);
    free(n->name);
}

int ct_custom_function_record(const char *name, int num_inputs, ct_tensor *const *inputs,
                              int num_outputs, ct_tensor *const *outputs,
                              ct_custom_backward_fn backward, void *ctx, void (*free_ctx)(void *ctx))
{
    if (!ct_ag_any_requires_grad(num_inputs, inputs)) {
        if (free_ctx)
            free_ctx(ctx);
        return 0;
    }
    char *owned_name = malloc(strlen(name) + sizeof "Backward");
    if (!owned_name) {
        if (free_ctx)
            free_ctx(ctx);
        return ct_fail("%s: out of memory", name);
    }
    strcpy(owned_name, name);
    strcat(owned_name, "Backward");
    custom_node *n = (custom_node *)ct_ag_node_new(sizeof *n, owned_name, custom_backward, num_inputs,
                                                   inputs, num_outputs);
    if (!n) {
        free(owned_name);
        if (free_ctx)
            free_ctx(ctx);
        return -1;
    }
    n->name = owned_name;
    n->backward = backward;
    n->ctx = ctx;
    n->free_ctx = free_ctx;
    n->base.release_saved = custom_release_saved;
    n->base.destroy = custom_destroy;
    int rc = 0;
    for (int i = 0; i < num_outputs && rc == 0; i++) {
        if (ct_dtype_is_float(outputs[i]->dtype))
            rc = ct_ag_set_history(outputs[i], &n->base, i);
        else /* integer outputs are not differentiable; record their shape for zero-filling */
            n->base.outputs[i] = (ct_output_info){.ndim = outputs[i]->ndim, .dtype = outputs[i]->dtype},
            memcpy(n->base.outputs[i].sizes, outputs[i]->sizes, sizeof(int64_t) * (size_t)outputs[i]->ndim);
    }
    ct_node_release(&n->base);
    return rc;
}
