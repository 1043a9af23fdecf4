/*
 * node.c -- graph nodes: creation from op wrappers, lifetime, saved tensors.
 */
#include <stdlib.h>
#include <string.h>

#include "autograd/autograd.h"

static atomic_uint_fast64_t next_sequence_nr;

int ct_ag_any_requires_grad(int n, ct_tensor *const *inputs)
{
    if (!ct_ag_enabled())
        return 0;
    for (int i = 0; i < n; i++)
        if (inputs[i] && ct_ag_requires_grad(inputs[i]))
            return 1;
    return 0;
}

ct_node *ct_ag_node_new(size_t size, const char *name, ct_backward_fn backward, int num_inputs,
                        ct_tensor *const *inputs, int num_outputs)
{
    ct_node *n = calloc(1, size);
    ct_edge *next = calloc((size_t)(num_inputs > 0 ? num_inputs : 1), sizeof *next);
    ct_output_info *outputs = calloc((size_t)(num_outputs > 0 ? num_outputs : 1), sizeof *outputs);
    if (!n || !next || !outputs) {
        free(n);
        free(next);
        free(outputs);
        ct_fail("%s: out of memory recording the autograd graph", name);
        return NULL;
    }
    atomic_init(&n->refcount, 1);
    n->name = name;
    n->sequence_nr = atomic_fetch_add(&next_sequence_nr, 1);
    n->num_inputs = num_inputs;
    n->num_outputs = num_outputs;
    n->next = next;
    n->outputs = outputs;
    n->backward = backward;
    for (int j = 0; j < num_inputs; j++) {
        ct_tensor *t = inputs ? inputs[j] : NULL;
        if (!t || !ct_ag_requires_grad(t))
            continue;
        if (t->autograd->grad_fn) {
            next[j].node = t->autograd->grad_fn;
            next[j].output_nr = t->autograd->output_nr;
            ct_node_retain(next[j].node);
        } else {
            next[j].leaf = ct_retain(t);
        }
    }
    return n;
}

int ct_ag_set_history(ct_tensor *out, ct_node *node, int output_nr)
{
    struct ct_autograd_meta *m = ct_ag_meta(out);
    if (!m)
        return -1;
    if (m->grad_fn)
        ct_node_release(m->grad_fn);
    ct_node_retain(node);
    m->grad_fn = node;
    m->output_nr = output_nr;
    m->requires_grad = 1;
    ct_output_info *info = &node->outputs[output_nr];
    info->ndim = out->ndim;
    memcpy(info->sizes, out->sizes, sizeof(int64_t) * (size_t)out->ndim);
    info->dtype = out->dtype;
    return 0;
}

ct_tensor *ct_ag_finish(ct_tensor *out, ct_node *node)
{
    if (!node) {
        ct_release(out);
        return NULL;
    }
    int rc = ct_ag_set_history(out, node, 0);
    ct_node_release(node);
    if (rc < 0) {
        ct_release(out);
        return NULL;
    }
    return out;
}

/* ---------------------------------------------------------------- lifetime */

void ct_node_retain(ct_node *n) { atomic_fetch_add_explicit(&n->refcount, 1, memory_order_relaxed); }

static void destroy_node(ct_node *n)
{
    if (n->release_saved && !n->saved_released)
        n->release_saved(n);
    if (n->destroy)
        n->destroy(n);
    for (int j = 0; j < n->num_inputs; j++) {
        if (n->next[j].node)
            ct_node_release(n->next[j].node);
        ct_release(n->next[j].leaf);
    }
    for (int i = 0; i < n->num_outputs; i++)
        ct_ag_free_hooks(n->outputs[i].hooks);
    free(n->next);
    free(n->outputs);
    free(n);
}

/* Releasing the head of a long chain (a loop of 100,000 recorded ops) would
 * recurse once per node: nodes whose count drops to zero are queued and
 * destroyed iteratively instead. */
static _Thread_local ct_node **dead_nodes;
static _Thread_local size_t dead_count, dead_capacity;
static _Thread_local int destroying;

void ct_node_release(ct_node *n)
{
    if (!n || atomic_fetch_sub_explicit(&n->refcount, 1, memory_order_acq_rel) != 1)
        return;
    if (dead_count == dead_capacity) {
        size_t cap = dead_capacity ? 2 * dead_capacity : 64;
        ct_node **grown = realloc(dead_nodes, cap * sizeof *grown);
        if (!grown) { /* no queue: fall back to recursion */
            destroy_node(n);
            return;
        }
        dead_nodes = grown;
        dead_capacity = cap;
    }
    dead_nodes[dead_count++] = n;
    if (destroying)
        return;
    destroying = 1;
    while (dead_count > 0)
        destroy_node(dead_nodes[--dead_count]);
    destroying = 0;
    free(dead_nodes);
    dead_nodes = NULL;
    dead_capacity = 0;
}

/* ---------------------------------------------------------------- saved tensors */

void ct_saved_set(ct_saved *s, ct_tensor *t, ct_node *owner_if_output, int output_nr)
{
    s->version = atomic_load_explicit(&t->storage->version, memory_order_relaxed);
    s->output_of = owner_if_output;
    s->output_nr = output_nr;
    /* An output keeps its node alive; saving the output itself in that node
     * would be a cycle, so an output is saved as a history-less alias. */
    s->tensor = owner_if_output ? ct_detach(t) : ct_retain(t);
    s->present = s->tensor != NULL;
}

ct_tensor *ct_saved_get(ct_saved *s, const ct_node *owner)
{
    if (owner->saved_released || !s->present) {
        ct_fail("%s: trying to backward through the graph a second time (its saved tensors were "
                "freed by the first backward); pass {retain_graph=true} to the first backward",
                owner->name);
        return NULL;
    }
    uint64_t now = atomic_load_explicit(&s->tensor->storage->version, memory_order_relaxed);
    if (now != s->version) {
        char shape[128];
        ct_fail("%s: a tensor of shape %s needed for the gradient was modified by an in-place "
                "operation after it was used (it is at version %llu; expected version %llu)",
                owner->name, ct_shape_str(s->tensor, shape, sizeof shape), (unsigned long long)now,
                (unsigned long long)s->version);
        return NULL;
    }
    if (s->output_of && ct_ag_enabled()) {
        /* double backward: the output must lead back into its own node */
        ct_tensor *t = ct_detach(s->tensor);
        if (!t || ct_ag_set_history(t, s->output_of, s->output_nr) < 0) {
            ct_release(t);
            return NULL;
        }
        return t;
    }
    return ct_retain(s->tensor);
}

void ct_saved_reset(ct_saved *s)
{
    ct_release(s->tensor);
    s->tensor = NULL;
    s->present = 0;
}
