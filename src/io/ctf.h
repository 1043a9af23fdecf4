/*
 * ctf.h -- ctorch's own file format (torch.save / torch.load), written down in
 * docs/serialization.md.  Not installed.
 *
 *   header   32 bytes: magic "\x89CTORCH\n", u32 version, u32 flags (0),
 *            u64 meta_len, u64 data_len
 *   meta     meta_len bytes: storage table, tensor table, value tree
 *   padding  zeros up to the next multiple of 64
 *   data     data_len bytes: each storage's bytes at its 64-aligned offset
 *
 * All integers are little-endian and fixed-width.  The value tree is written
 * by the caller (the Lua binding, or ct_save_tensors) with the tags below;
 * this file owns the header, the tables and the data.
 */
#ifndef CT_IO_CTF_H
#define CT_IO_CTF_H

#include "core/tensor.h"
#include "io/io.h"

#define CTF_MAGIC "\x89" "CTORCH\n"
#define CTF_VERSION 1u
#define CTF_HEADER_BYTES 32u
#define CTF_ALIGN 64u
/* Nested tables deeper than this are refused on save and on load (the
 * loader recurses, so a hostile file must not be able to nest deeper). */
#define CTF_MAX_DEPTH 128

enum ctf_tag {
    CTF_NIL = 0,
    CTF_FALSE = 1,
    CTF_TRUE = 2,
    CTF_INT = 3,    /* i64 */
    CTF_FLOAT = 4,  /* f64 */
    CTF_STRING = 5, /* u64 length, bytes */
    CTF_TABLE = 6,  /* u8 ordered, u64 count, count x (key, value); defines the next table id */
    CTF_REF = 7,    /* u64 id of a table defined earlier (shared tables, cycles) */
    CTF_TENSOR = 8, /* u64 index into the tensor table */
    CTF_NUM_TAGS
};

/* tensor record flags */
#define CTF_REQUIRES_GRAD 1u

/* ---------------------------------------------------------------- saving (ctf_save.c) */
typedef struct ctf_slot {
    const void *key; /* NULL = free */
    size_t index;
} ctf_slot;

typedef struct ctf_saver {
    const char *op;
    ct_buf tree;          /* the value tree, written by the caller */
    ct_tensor **tensors;  /* distinct tensors in order of first use, retained */
    size_t ntensors, cap;
    ctf_slot *slots;      /* tensor pointer -> index */
    size_t nslots;
    uint64_t ntables;     /* tables defined so far (the next table id) */
} ctf_saver;

void ctf_saver_init(ctf_saver *s, const char *op);
/* Index of t in the tensor table (adding it on first use), or -1. */
int64_t ctf_saver_tensor(ctf_saver *s, ct_tensor *t);
/* Plans the storages and writes header, tables, tree and data atomically to path. */
int ctf_saver_write(ctf_saver *s, const char *path);
void ctf_saver_free(ctf_saver *s);

/* ---------------------------------------------------------------- loading (ctf_load.c) */
typedef struct ctf_file {
    const char *op;
    ct_reader reader;
    unsigned char *meta;
    ct_cursor tree;       /* positioned at the value tree once loaded */
    uint64_t ntensors;
    ct_tensor **tensors;  /* owned */
} ctf_file;

/* Reads and checks everything but the value tree: header, storages (placed on
 * the CPU; a storage recorded on another device is an error unless map_cpu),
 * tensors.  On failure f holds nothing (ctf_file_free is still safe). */
int ctf_load(ctf_file *f, const char *op, const char *path, int map_cpu);
/* After the tree was parsed: the tree must have used the whole metadata block. */
int ctf_check_tree_end(ctf_file *f);
void ctf_file_free(ctf_file *f);

#endif
