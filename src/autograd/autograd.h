/*
 * autograd.h -- the autograd layer's internals: graph nodes, saved tensors,
 * per-tensor autograd state.
 *
 * The graph is recorded as ops run (define-by-run).  Every differentiable op
 * that sees an input requiring grad (with grad mode on) creates a node whose
 * `next` edges point where the gradient of each input goes: the node that
 * produced that input, or the input itself when it is a leaf.  The output
 * tensor holds its node; nodes hold their successors; so a graph lives exactly
 * as long as the tensors that can still reach it.
 */
#ifndef CT_AUTOGRAD_H
#define CT_AUTOGRAD_H

#include "core/tensor.h"

typedef struct ct_node ct_node;

/* Where the gradient of one forward input goes. */
typedef struct ct_edge {
    ct_node *node;    /* the node that made the input (strong ref), or NULL */
    int output_nr;    /* which output of that node the input was */
    ct_tensor *leaf;  /* a leaf that requires grad (strong ref), or NULL */
} ct_edge;

/* A gradient hook: returns a replacement gradient (a new reference) or NULL
 * to keep the one given; sets an error and returns NULL with *failed = 1 on
 * failure. */
typedef struct ct_hook {
    ct_tensor *(*fn)(void *ctx, ct_tensor *grad, int *failed);
    void *ctx;
    void (*free_ctx)(void *ctx);
    int id;
    struct ct_hook *next;
} ct_hook;

/* What a node knows about each forward output, to make zero gradients for
 * outputs that received none. */
typedef struct ct_output_info {
    int ndim;
    int64_t sizes[CT_MAX_DIMS];
    ct_dtype dtype;
    ct_hook *hooks;                    /* register_hook on a non-leaf */
    struct ct_autograd_meta *retainer; /* the tensor meta that retains its grad (weak) */
} ct_output_info;

/* A node's backward: grads[i] is the gradient of forward output i (never
 * NULL: missing ones are zero-filled); writes a new reference (or NULL for
 * "no gradient") into grad_inputs[j] for each forward input j.  Returns 0 or
 * -1 with ct_fail. */
typedef int (*ct_backward_fn)(ct_node *self, ct_tensor *const *grads, ct_tensor **grad_inputs);

struct ct_node {
    atomic_int refcount;
    const char *name; /* "MulBackward0" style name shown as x.grad_fn */
    uint64_t sequence_nr;
    int num_inputs;
    int num_outputs;
    ct_edge *next;                /* [num_inputs] */
    ct_output_info *outputs;      /* [num_outputs] */
    ct_backward_fn backward;
    void (*release_saved)(ct_node *self); /* drops saved tensors; may be NULL */
    void (*destroy)(ct_node *self);       /* frees extra state; may be NULL */
    int saved_released;           /* saved tensors were freed by a backward */
    void *extra;                  /* per-node state for nodes built outside C (custom functions) */
};

/* Per-tensor autograd state. */
struct ct_autograd_meta {
    int requires_grad; /* leaves: set by the user; non-leaves: has grad_fn */
    ct_tensor *grad;
    ct_node *grad_fn;  /* strong ref; NULL for leaves */
    int output_nr;
    int retains_grad;
    ct_hook *hooks;    /* leaf hooks; non-leaf hooks live in grad_fn's output info */
    int next_hook_id;
};

/* A tensor saved for backward, with the version it had then, so that an
 * in-place change before backward is caught instead of giving a wrong gradient. */
typedef struct ct_saved {
    ct_tensor *tensor;   /* the input itself, or a graph-less alias of an output */
    uint64_t version;
    ct_node *output_of;  /* set when the saved tensor is an output of the saving node (weak) */
    int output_nr;
    int present;
} ct_saved;

/* ---- grad mode (thread-local) */
int ct_ag_enabled(void);

/* ---- meta.c */
struct ct_autograd_meta *ct_ag_meta(ct_tensor *t); /* creates it when missing; NULL on OOM */
static inline int ct_ag_requires_grad(const ct_tensor *t) { return t->autograd && t->autograd->requires_grad; }
void ct_ag_free_hooks(ct_hook *list); /* runs free_ctx and frees a hook list */
void ct_node_retain(ct_node *n);
void ct_node_release(ct_node *n);

/* ---- node.c: building graphs from op wrappers */
/* True when grad mode is on and any of the n inputs requires grad. */
int ct_ag_any_requires_grad(int n, ct_tensor *const *inputs);
/* Allocates a node of `size` bytes (a struct starting with ct_node) with
 * edges to the inputs (NULL inputs get empty edges). */
ct_node *ct_ag_node_new(size_t size, const char *name, ct_backward_fn backward, int num_inputs,
                        ct_tensor *const *inputs, int num_outputs);
/* Makes out the output_nr-th output of node (out must be fresh, without history). */
int ct_ag_set_history(ct_tensor *out, ct_node *node, int output_nr);
/* Does input j need a gradient (its edge leads somewhere)? */
static inline int ct_ag_needs_grad(const ct_node *n, int j) { return n->next[j].node || n->next[j].leaf; }
/* Saving and unpacking. */
void ct_saved_set(ct_saved *s, ct_tensor *t, ct_node *owner_if_output, int output_nr);
/* Returns a new reference to the saved tensor, or NULL with an error when
 * it was freed by an earlier backward or modified in place since. */
ct_tensor *ct_saved_get(ct_saved *s, const ct_node *owner);
void ct_saved_reset(ct_saved *s);

/* For in-place ops: checks t may be modified, then records the new history
 * of t (its previous history becomes input 0 of node).  */
int ct_ag_check_inplace(const char *op, ct_tensor *t);

/* Fills out[] with a fresh node's wrapper result for a one-output op: the
 * common tail of every wrapper.  Releases `out` and returns NULL on failure. */
ct_tensor *ct_ag_finish(ct_tensor *out, ct_node *node);

#endif
