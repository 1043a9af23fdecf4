/*
 * threads.c -- two independent Lua states, one per thread, computing with
 * tensors at the same time.
 *
 * A lua_State must only ever be used by one thread at a time, but separate
 * states may run in parallel: each thread below makes its own, opens torch in
 * it and runs the same script.  What the states share (the kernel thread
 * pool, the random generator, the cache of freed large blocks) is
 * thread-safe; grad mode is per thread, which thread 2 checks by switching it
 * off while thread 1 records graphs.  See docs/embedding.md.
 */
#define _POSIX_C_SOURCE 200809L /* pthread_barrier_t under -std=c11 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ctorch_lua.h>

enum { NTHREADS = 2, N = 100000, ROUNDS = 20 };

/* Runs with (k, n, rounds); returns the last round's results. */
static const char *script =
    "local k, n, rounds = ...\n"
    "local grad_off = k == 2 -- grad mode is per thread: thread 2 turns it off\n"
    "torch.set_grad_enabled(not grad_off)\n"
    "local sum, mm, grad, agrad, mean, graph_as_expected = 0, 0, 0, 0, 0, true\n"
    "for _ = 1, rounds do\n"
    "  local x = torch.arange(1, n + 1, {dtype = torch.float64}) * k\n"
    "  sum = x:sum():item()\n"
    "  local a = torch.full({256, 256}, k, {dtype = torch.float64})\n"
    "  mm = a:matmul(a):sum():item()\n"
    "  local w = torch.full({n}, k, {dtype = torch.float64, requires_grad = true})\n"
    "  local y = (w * w):sum()\n"
    "  graph_as_expected = graph_as_expected and y.requires_grad == not grad_off\n"
    "  torch.enable_grad(function()\n"
    "    local z = (w * w):sum()\n"
    "    z:backward()\n"
    "    grad = w.grad:sum():item()\n"
    "    -- torch.autograd lives in lua/torch/autograd.lua: found through ctorch_add_lua_path\n"
    "    agrad = torch.autograd.grad((w * 3):sum(), w)[1]:sum():item()\n"
    "  end)\n"
    "  mean = torch.rand(n, {dtype = torch.float64}):mean():item()\n"
    "end\n"
    "return sum, mm, grad, agrad, mean, graph_as_expected and torch.is_grad_enabled() == not grad_off\n";

struct job {
    int k;
    pthread_barrier_t *start;
    double sum, mm, grad, agrad, mean;
    int graph_ok;
    char error[512];
};

static int run(lua_State *L)
{
    struct job *job = lua_touserdata(L, 1);
    luaL_openlibs(L);
    luaL_requiref(L, "torch", luaopen_torch, 1);
    lua_pop(L, 1);
    if (ctorch_add_lua_path(L) < 0)
        return luaL_error(L, "%s", ct_last_error());
    if (luaL_loadstring(L, script) != LUA_OK)
        return lua_error(L);
    lua_pushinteger(L, job->k);
    lua_pushinteger(L, N);
    lua_pushinteger(L, ROUNDS);
    pthread_barrier_wait(job->start); /* both threads compute at the same time */
    lua_call(L, 3, 6);
    job->sum = lua_tonumber(L, -6);
    job->mm = lua_tonumber(L, -5);
    job->grad = lua_tonumber(L, -4);
    job->agrad = lua_tonumber(L, -3);
    job->mean = lua_tonumber(L, -2);
    job->graph_ok = lua_toboolean(L, -1);
    return 0;
}

static void *thread_main(void *arg)
{
    struct job *job = arg;
    lua_State *L = luaL_newstate(); /* this thread's own state */
    if (!L) {
        snprintf(job->error, sizeof job->error, "cannot create a Lua state");
        pthread_barrier_wait(job->start);
        return NULL;
    }
    lua_pushcfunction(L, run);
    lua_pushlightuserdata(L, job);
    if (lua_pcall(L, 1, 0, 0) != LUA_OK)
        snprintf(job->error, sizeof job->error, "%s", lua_tostring(L, -1));
    lua_close(L);
    return NULL;
}

int main(void)
{
    pthread_barrier_t start;
    if (pthread_barrier_init(&start, NULL, NTHREADS) != 0) {
        fprintf(stderr, "threads: pthread_barrier_init failed\n");
        return EXIT_FAILURE;
    }
    struct job jobs[NTHREADS];
    pthread_t threads[NTHREADS];
    int started = 0, ok = 1;
    for (int i = 0; i < NTHREADS; i++) {
        memset(&jobs[i], 0, sizeof jobs[i]);
        jobs[i].k = i + 1;
        jobs[i].start = &start;
    }
    for (; started < NTHREADS; started++)
        if (pthread_create(&threads[started], NULL, thread_main, &jobs[started]) != 0) {
            fprintf(stderr, "threads: pthread_create failed\n");
            return EXIT_FAILURE; /* the barrier would wait forever for the missing thread */
        }
    for (int i = 0; i < started; i++)
        if (pthread_join(threads[i], NULL) != 0) {
            fprintf(stderr, "threads: pthread_join failed\n");
            ok = 0;
        }
    pthread_barrier_destroy(&start);

    for (int i = 0; i < NTHREADS; i++) {
        const struct job *j = &jobs[i];
        if (j->error[0]) {
            fprintf(stderr, "thread %d: %s\n", j->k, j->error);
            ok = 0;
            continue;
        }
        double k = j->k;
        /* exact in float64: integers below 2^53 */
        double want_sum = k * (double)N * (N + 1) / 2, want_mm = 256.0 * 256 * 256 * k * k;
        double want_grad = 2 * k * N, want_agrad = 3.0 * N;
        int good = j->sum == want_sum && j->mm == want_mm && j->grad == want_grad &&
                   j->agrad == want_agrad && fabs(j->mean - 0.5) < 0.01 && j->graph_ok;
        printf("thread %d: sum %.0f (want %.0f)  matmul %.0f (want %.0f)  grad %.0f (want %.0f)  "
               "autograd.grad %.0f (want %.0f)  rand mean %.4f  grad mode %s  %s\n",
               j->k, j->sum, want_sum, j->mm, want_mm, j->grad, want_grad, j->agrad, want_agrad,
               j->mean, j->graph_ok ? "per thread" : "LEAKED", good ? "ok" : "WRONG");
        ok = ok && good;
    }
    return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
