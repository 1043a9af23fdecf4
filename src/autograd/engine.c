/*
 * engine.c -- runs backward over a recorded graph.
 *
 * 1. Discover every node reachable from the roots and count, for each, the
 *    edges that point at it (its dependencies).
 * 2. Run nodes whose dependencies are all done: sum the gradients that
 *    arrived for each output, run hooks, call the node's backward, and send
 *    each input's gradient along its edge (to another node's buffer, to a
 *    leaf's .grad, or to a result slot of autograd.grad).
 * Without retain_graph each node's saved tensors are freed once it has run.
 */
#include <stdlib.h>
#include <string.h>

#include "autograd/autograd.h"

typedef struct task {
    ct_node *node;
    int deps;
    ct_tensor **grads; /* [num_outputs], summed as they arrive */
} task;

typedef struct engine {
    task *tasks;
    size_t ntasks, capacity;
    size_t *table; /* open addressing: node -> index + 1 */
    size_t table_size;
    int create_graph;
    /* autograd.grad: where gradients are captured instead of accumulated */
    int capture_mode;
    int num_inputs;
    ct_tensor *const *inputs;
    ct_tensor **captured;
} engine;

static size_t hash_node(const ct_node *n) { return ((uintptr_t)n >> 4) * 0x9e3779b97f4a7c15ull; }

static task *find_task(engine *e, const ct_node *n)
{
    if (e->table_size == 0)
        return NULL;
    size_t mask = e->table_size - 1;
    for (size_t i = hash_node(n) & mask;; i = (i + 1) & mask) {
        if (e->table[i] == 0)
            return NULL;
        if (e->tasks[e->table[i] - 1].node == n)
            return &e->tasks[e->table[i] - 1];
    }
}

static int grow_table(engine *e)
{
    size_t size = e->table_size ? 2 * e->table_size : 64;
    size_t *table = calloc(size, sizeof *table);
    if (!table)
        return ct_fail("backward: out of memory");
    for (size_t k = 0; k < e->ntasks; k++) {
        size_t i = hash_node(e->tasks[k].node) & (size - 1);
        while (table[i])
            i = (i + 1) & (size - 1);
        table[i] = k + 1;
    }
    free(e->table);
    e->table = table;
    e->table_size = size;
    return 0;
}

/* Adds a task for n (which must not have one yet). */
static task *add_task(engine *e, ct_node *n)
{
    if (2 * (e->ntasks + 1) > e->table_size && grow_table(e) < 0)
        return NULL;
    if (e->ntasks == e->capacity) {
        size_t cap = e->capacity ? 2 * e->capacity : 32;
        task *grown = realloc(e->tasks, cap * sizeof *grown);
        if (!grown) {
            ct_fail("backward: out of memory");
            return NULL;
        }
        e->tasks = grown;
        e->capacity = cap;
    }
    ct_tensor **grads = calloc((size_t)n->num_outputs, sizeof *grads);
    if (!grads) {
        ct_fail("backward: out of memory");
        return NULL;
    }
    task *t = &e->tasks[e->ntasks];
    t->node = n;
    t->deps = 0;
    t->grads = grads;
    size_t i = hash_node(n) & (e->table_size - 1);
    while (e->table[i])
        i = (i + 1) & (e->table_size - 1);
    e->table[i] = ++e->ntasks;
    return t;
}

static void engine_free(engine *e)
{
    for (size_t k = 0; k < e->ntasks; k++) {
        for (int i = 0; i < e->tasks[k].node->num_outputs; i++)
            ct_release(e->tasks[k].grads[i]);
        free(e->tasks[k].grads);
    }
    free(e->tasks);
    free(e->table);
}

/* Finds every node reachable from the roots and counts dependencies. */
static int discover(engine *e, int nroots, ct_node *const *roots)
{
    size_t stack_cap = 64, top = 0;
    ct_node **stack = malloc(stack_cap * sizeof *stack);
    if (!stack)
        return ct_fail("backward: out of memory");
    for (int r = 0; r < nroots; r++) {
        if (!roots[r] || find_task(e, roots[r]))
            continue;
        if (!add_task(e, roots[r])) {
            free(stack);
            return -1;
        }
        stack[top++] = roots[r];
        while (top > 0) {
            ct_node *n = stack[--top];
            for (int j = 0; j < n->num_inputs; j++) {
                ct_node *child = n->next[j].node;
                if (!child)
                    continue;
                task *t = find_task(e, child);
                if (!t) {
                    t = add_task(e, child);
                    if (!t) {
                        free(stack);
                        return -1;
                    }
                    if (top == stack_cap) {
                        ct_node **grown = realloc(stack, 2 * stack_cap * sizeof *grown);
                        if (!grown) {
                            free(stack);
                            return ct_fail("backward: out of memory");
                        }
                        stack = grown;
                        stack_cap *= 2;
                    }
                    stack[top++] = child;
                }
                t->deps++;
            }
        }
    }
    free(stack);
    return 0;
}

/* *slot += g (out of place when building a graph, so earlier values stay intact). */
static int accumulate(ct_tensor **slot, ct_tensor *g, int create_graph)
{
    if (!*slot) {
        *slot = ct_retain(g);
        return 0;
    }
    ct_tensor *sum = ct_binary(CT_ADD, *slot, g);
    if (!sum)
        return -1;
    ct_release(*slot);
    *slot = sum;
    (void)create_graph;
    return 0;
}

/* Runs hooks on grad (a new reference is returned in *grad). */
static int run_hooks(ct_hook *h, ct_tensor **grad)
{
    for (; h; h = h->next) {
        int failed = 0;
        ct_tensor *replaced = h->fn(h->ctx, *grad, &failed);
        if (failed)
            return -1;
        if (replaced) {
            ct_release(*grad);
            *grad = replaced;
        }
    }
    return 0;
}

/* A gradient stored in .grad carries no graph (unless create_graph) and owns its memory. */
static ct_tensor *grad_for_storage(ct_tensor *g, int create_graph)
{
    if (create_graph)
        return ct_retain(g);
    if (!g->autograd && atomic_load(&g->refcount) == 1 && atomic_load(&g->storage->refcount) == 1 &&
        ct_is_contiguous(g))
        return ct_retain(g);
    ct_tensor *c = ct_clone(g);
    return c;
}

static int accumulate_into_grad(struct ct_autograd_meta *m, ct_tensor *g, int create_graph)
{
    if (!m->grad) {
        m->grad = grad_for_storage(g, create_graph);
        return m->grad ? 0 : -1;
    }
    if (create_graph || m->grad->autograd)
        return accumulate(&m->grad, g, 1);
    return ct_binary_(CT_ADD, m->grad, g);
}

static int shapes_match(const ct_tensor *g, int ndim, const int64_t *sizes)
{
    return g->ndim == ndim && memcmp(g->sizes, sizes, sizeof(int64_t) * (size_t)ndim) == 0;
}

static int deliver_to_leaf(engine *e, ct_tensor *leaf, ct_tensor *g)
{
    if (!shapes_match(g, leaf->ndim, leaf->sizes)) {
        char a[128], b[128];
        return ct_fail("backward: a gradient of shape %s reached a leaf of shape %s",
                       ct_shape_str(g, a, sizeof a), ct_shape_str(leaf, b, sizeof b));
    }
    if (e->capture_mode) {
        for (int k = 0; k < e->num_inputs; k++)
            if (e->inputs[k] == leaf && accumulate(&e->captured[k], g, e->create_graph) < 0)
                return -1;
        return 0;
    }
    struct ct_autograd_meta *m = leaf->autograd;
    ct_tensor *grad = ct_retain(g);
    if (run_hooks(m->hooks, &grad) < 0) {
        ct_release(grad);
        return -1;
    }
    int rc = accumulate_into_grad(m, grad, e->create_graph);
    ct_release(grad);
    return rc;
}

static ct_tensor *zeros_for(const ct_output_info *info)
{
    return ct_zeros(info->ndim, info->sizes, info->dtype);
}

/* Runs one node: its gradient buffer is complete. */
static int run_node(engine *e, task *t, int retain_graph, ct_node ***ready, size_t *nready, size_t *ready_cap)
{
    ct_node *n = t->node;
    int any = 0, rc = 0;
    for (int i = 0; i < n->num_outputs; i++) {
        if (!t->grads[i])
            continue;
        if (run_hooks(n->outputs[i].hooks, &t->grads[i]) < 0)
            return -1;
        struct ct_autograd_meta *keeper = n->outputs[i].retainer;
        if (keeper && !e->capture_mode && accumulate_into_grad(keeper, t->grads[i], e->create_graph) < 0)
            return -1;
        if (e->capture_mode)
            for (int k = 0; k < e->num_inputs; k++) {
                struct ct_autograd_meta *im = e->inputs[k]->autograd;
                if (im && im->grad_fn == n && im->output_nr == i &&
                    accumulate(&e->captured[k], t->grads[i], e->create_graph) < 0)
                    return -1;
            }
        any = 1;
    }

    ct_tensor **grad_inputs = calloc((size_t)(n->num_inputs > 0 ? n->num_inputs : 1), sizeof *grad_inputs);
    if (!grad_inputs)
        return ct_fail("backward: out of memory");
    if (any) {
        for (int i = 0; i < n->num_outputs && rc == 0; i++)
            if (!t->grads[i] && !(t->grads[i] = zeros_for(&n->outputs[i])))
                rc = -1;
        if (rc == 0)
            rc = n->backward(n, t->grads, grad_inputs);
    }
    if (!retain_graph && n->release_saved && !n->saved_released) {
        n->release_saved(n);
        n->saved_released = 1;
    }
    for (int i = 0; i < n->num_outputs; i++) {
        ct_release(t->grads[i]);
        t->grads[i] = NULL;
    }

    for (int j = 0; j < n->num_inputs; j++) {
        ct_edge *edge = &n->next[j];
        ct_tensor *g = grad_inputs[j];
        if (rc == 0 && g) {
            if (edge->leaf) {
                rc = deliver_to_leaf(e, edge->leaf, g);
            } else if (edge->node) {
                const ct_output_info *info = &edge->node->outputs[edge->output_nr];
                if (!shapes_match(g, info->ndim, info->sizes)) {
                    char a[128], b[128];
                    rc = ct_fail("%s: returned a gradient of shape %s for an input of shape %s", n->name,
                                 ct_shape_str(g, a, sizeof a), ct_sizes_str(info->ndim, info->sizes, b, sizeof b));
                } else {
                    rc = accumulate(&find_task(e, edge->node)->grads[edge->output_nr], g, e->create_graph);
                }
            }
        }
        ct_release(g);
        if (edge->node) {
            task *child = find_task(e, edge->node);
            if (--child->deps == 0) {
                if (*nready == *ready_cap) {
                    ct_node **grown = realloc(*ready, 2 * *ready_cap * sizeof *grown);
                    if (!grown) {
                        rc = ct_fail("backward: out of memory");
                        continue;
                    }
                    *ready = grown;
                    *ready_cap *= 2;
                }
                (*ready)[(*nready)++] = edge->node;
            }
        }
    }
    free(grad_inputs);
    return rc;
}

/* Seeds the roots and runs the graph. */
static int run_engine(engine *e, int nroots, ct_tensor *const *roots, ct_tensor *const *root_grads,
                      int retain_graph)
{
    ct_node **root_nodes = calloc((size_t)nroots, sizeof *root_nodes);
    if (!root_nodes)
        return ct_fail("backward: out of memory");
    for (int r = 0; r < nroots; r++)
        root_nodes[r] = roots[r]->autograd->grad_fn;
    int rc = discover(e, nroots, root_nodes);
    for (int r = 0; r < nroots && rc == 0; r++) {
        if (root_nodes[r])
            rc = accumulate(&find_task(e, root_nodes[r])->grads[roots[r]->autograd->output_nr],
                            root_grads[r], e->create_graph);
        else /* a leaf as root: its gradient is the seed itself */
            rc = deliver_to_leaf(e, roots[r], root_grads[r]);
    }
    size_t ready_cap = 64, nready = 0;
    ct_node **ready = malloc(ready_cap * sizeof *ready);
    if (!ready)
        rc = ct_fail("backward: out of memory");
    for (size_t k = 0; k < e->ntasks && rc == 0; k++)
        if (e->tasks[k].deps == 0)
            ready[nready++] = e->tasks[k].node; /* only roots have no dependencies */
    while (rc == 0 && nready > 0) {
        ct_node *n = ready[--nready];
        rc = run_node(e, find_task(e, n), retain_graph, &ready, &nready, &ready_cap);
    }
    free(ready);
    free(root_nodes);
    return rc;
}

/* The seed gradient for a root: the given one, or ones for a one-element root. */
static ct_tensor *seed_for(const char *op, ct_tensor *root, ct_tensor *grad)
{
    char a[128], b[128];
    if (grad) {
        if (!shapes_match(grad, root->ndim, root->sizes)) {
            ct_fail("%s: gradient has shape %s but the output has shape %s", op,
                    ct_shape_str(grad, a, sizeof a), ct_shape_str(root, b, sizeof b));
            return NULL;
        }
        return ct_retain(grad);
    }
    if (ct_numel(root) != 1) {
        ct_fail("%s: a gradient can only be created implicitly for one-element outputs; the output "
                "has shape %s (pass a gradient tensor of that shape)", op, ct_shape_str(root, a, sizeof a));
        return NULL;
    }
    return ct_ones(root->ndim, root->sizes, root->dtype);
}

int ct_backward(ct_tensor *t, ct_tensor *grad, int retain_graph, int create_graph)
{
    if (!ct_ag_requires_grad(t))
        return ct_fail("backward: the tensor does not require grad and has no grad_fn (did you "
                       "forget requires_grad_() on a parameter, or compute it under no_grad?)");
    ct_tensor *seed = seed_for("backward", t, grad);
    if (!seed)
        return -1;
    int was_enabled = ct_is_grad_enabled();
    ct_set_grad_enabled(create_graph);
    engine e = {0};
    e.create_graph = create_graph;
    int rc = run_engine(&e, 1, &t, &seed, retain_graph || create_graph);
    engine_free(&e);
    ct_set_grad_enabled(was_enabled);
    ct_release(seed);
    return rc;
}

int ct_autograd_grad(int num_outputs, ct_tensor *const *outputs, ct_tensor *const *grad_outputs,
                     int num_inputs, ct_tensor *const *inputs, int retain_graph, int create_graph,
                     int allow_unused, ct_tensor **grads)
{
    for (int k = 0; k < num_inputs; k++) {
        grads[k] = NULL;
        if (!ct_ag_requires_grad(inputs[k]))
            return ct_fail("autograd.grad: input %d does not require grad", k + 1);
    }
    for (int r = 0; r < num_outputs; r++)
        if (!ct_ag_requires_grad(outputs[r]))
            return ct_fail("autograd.grad: output %d does not require grad and has no grad_fn", r + 1);
    if (num_outputs < 1)
        return ct_fail("autograd.grad: no outputs given");
    ct_tensor **seeds = calloc((size_t)num_outputs, sizeof *seeds);
    if (!seeds)
        return ct_fail("autograd.grad: out of memory");
    int rc = 0;
    for (int r = 0; r < num_outputs && rc == 0; r++)
        if (!(seeds[r] = seed_for("autograd.grad", outputs[r], grad_outputs ? grad_outputs[r] : NULL)))
            rc = -1;
    int was_enabled = ct_is_grad_enabled();
    engine e = {0};
    if (rc == 0) {
        ct_set_grad_enabled(create_graph);
        e.create_graph = create_graph;
        e.capture_mode = 1;
        e.num_inputs = num_inputs;
        e.inputs = inputs;
        e.captured = grads;
        rc = run_engine(&e, num_outputs, outputs, seeds, retain_graph || create_graph);
        ct_set_grad_enabled(was_enabled);
    }
    engine_free(&e);
    for (int r = 0; r < num_outputs; r++)
        ct_release(seeds[r]);
    free(seeds);
    for (int k = 0; k < num_inputs && rc == 0; k++)
        if (!grads[k] && !allow_unused)
            rc = ct_fail("autograd.grad: input %d was not used to compute the outputs (pass "
                         "{allow_unused=true} to get nil for it)", k + 1);
    if (rc < 0)
        for (int k = 0; k < num_inputs; k++) {
            ct_release(grads[k]);
            grads[k] = NULL;
        }
    return rc;
}
