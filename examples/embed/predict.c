/*
 * predict.c -- a C program that runs a model written in Lua.
 *
 * The C side owns the data: a batch of inputs in a plain float array is
 * wrapped as a tensor without copying (ct_from_blob), handed to the model's
 * forward function in Lua (model.lua, weights from weights.lua), and the
 * predictions are read straight from the result's memory (ct_data_ptr).
 *
 * usage: predict [model_dir]   (the folder holding model.lua and weights.lua;
 *                               by default EXAMPLE_DIR, which the in-tree build
 *                               sets to this folder, else the current one)
 */
#include <stdio.h>
#include <stdlib.h>

#include <ctorch_lua.h>

#ifndef EXAMPLE_DIR
#define EXAMPLE_DIR "."
#endif

enum { BATCH = 4, FEATURES = 4, CLASSES = 3 };

/* Four flowers: sepal length, sepal width, petal length, petal width (cm). */
static float batch[BATCH][FEATURES] = {
    {5.1f, 3.5f, 1.4f, 0.2f},
    {6.3f, 2.8f, 5.1f, 1.5f},
    {5.8f, 2.7f, 4.1f, 1.0f},
    {4.9f, 3.0f, 1.4f, 0.2f},
};

/* Called when the last tensor using `batch` goes away (here: lua_close). */
static void batch_released(void *data, void *ctx)
{
    (void)data;
    *(int *)ctx = 1;
}

struct job {
    const char *dir;
    int released; /* set by batch_released */
};

/* Everything that talks to Lua runs here, under lua_pcall: a Lua error
 * (a bad model file, a failing op) comes back to main as an error value. */
static int run(lua_State *L)
{
    struct job *job = lua_touserdata(L, 1);
    luaL_openlibs(L);
    luaL_requiref(L, "torch", luaopen_torch, 1);
    lua_pop(L, 1);
    /* lets Lua code in this state require torch's Lua files (torch.autograd ...) */
    if (ctorch_add_lua_path(L) < 0)
        fprintf(stderr, "predict: warning: %s\n", ct_last_error());

    /* model = dofile(dir .. '/model.lua') called with dir */
    const char *path = lua_pushfstring(L, "%s/model.lua", job->dir);
    if (luaL_loadfile(L, path) != LUA_OK)
        return lua_error(L);
    lua_pushstring(L, job->dir);
    lua_call(L, 1, 1);
    if (!lua_istable(L, -1))
        return luaL_error(L, "%s must return the model table", path);
    int model = lua_gettop(L);

    /* the input: a view of `batch`, no copy; batch_released runs when Lua
     * has dropped the last reference to it */
    int64_t sizes[2] = {BATCH, FEATURES};
    ct_tensor *x = ct_from_blob(batch, 2, sizes, NULL, CT_FLOAT32, batch_released, &job->released);
    if (!x)
        return luaL_error(L, "wrapping the batch: %s", ct_last_error());

    /* probs = model.forward(x) */
    if (lua_getfield(L, model, "forward") != LUA_TFUNCTION)
        return luaL_error(L, "the model has no forward function");
    ctorch_push_tensor(L, x); /* Lua owns x now */
    if (ctorch_to_tensor(L, -1) != x || ct_data_ptr(x) != (void *)batch)
        return luaL_error(L, "the tensor pushed is not a view of the batch");
    lua_call(L, 1, 1);
    ct_tensor *probs = ctorch_to_tensor(L, -1);
    if (!probs)
        return luaL_error(L, "forward returned a %s, not a tensor", luaL_typename(L, -1));
    char shape[64];
    if (ct_ndim(probs) != 2 || ct_size(probs, 0) != BATCH || ct_size(probs, 1) != CLASSES)
        return luaL_error(L, "forward returned shape %s, expected [%d, %d]",
                          ct_shape_str(probs, shape, sizeof shape), BATCH, CLASSES);

    /* read the values in place: a float32, row-major copy if they are not
     * already (pushed, so that Lua releases it whatever happens next) */
    ct_tensor *f32 = ct_to_dtype(probs, CT_FLOAT32);
    ct_tensor *readable = f32 ? ct_contiguous(f32) : NULL;
    ct_release(f32);
    ctorch_push_tensor(L, readable); /* NULL raises the core's error */
    const float *p = ct_data_ptr(ctorch_check_tensor(L, -1));

    lua_getfield(L, model, "classes");
    for (int i = 0; i < BATCH; i++) {
        printf("input %d:", i + 1);
        for (int j = 0; j < FEATURES; j++)
            printf(" %.2f", batch[i][j]);
        printf("\nprediction %d:", i + 1);
        int best = 0;
        for (int j = 0; j < CLASSES; j++) {
            printf(" %.6f", p[i * CLASSES + j]);
            if (p[i * CLASSES + j] > p[i * CLASSES + best])
                best = j;
        }
        lua_geti(L, -1, best + 1);
        printf(" -> class %d (%s)\n", best + 1, lua_isstring(L, -1) ? lua_tostring(L, -1) : "?");
        lua_pop(L, 1);
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct job job = {argc > 1 ? argv[1] : EXAMPLE_DIR, 0};
    lua_State *L = luaL_newstate();
    if (!L) {
        fprintf(stderr, "predict: cannot create a Lua state\n");
        return EXIT_FAILURE;
    }
    lua_pushcfunction(L, run);
    lua_pushlightuserdata(L, &job);
    int status = lua_pcall(L, 1, 0, 0);
    if (status != LUA_OK)
        fprintf(stderr, "predict: %s\n", lua_tostring(L, -1));
    lua_close(L); /* collects every tensor, the one over `batch` included */
    if (status == LUA_OK && !job.released) {
        fprintf(stderr, "predict: the tensor over the batch was not released\n");
        return EXIT_FAILURE;
    }
    if (status == LUA_OK)
        printf("batch released after lua_close: yes\n");
    return status == LUA_OK ? EXIT_SUCCESS : EXIT_FAILURE;
}
