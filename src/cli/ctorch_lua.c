/*
 * ctorch_lua.c -- the ctorch-lua interpreter: Lua 5.4's standalone `lua`
 * command with `torch` preloaded as a global (and `nn`, `optim` resolving to
 * torch.nn / torch.optim on first use), and a readline REPL (repl.c).
 *
 * usage: ctorch-lua [options] [script [args]]
 *   -e stat  run stat        -l mod  require mod (g=mod names the global)
 *   -i       REPL after the script         -v  version
 *   -E       ignore LUA_INIT / LUA_PATH    -W  turn warnings on
 *   --       stop handling options         -   run stdin
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "cli.h"
#include "ctorch.h"

int luaopen_torch(lua_State *L);

const char *cli_progname = "ctorch-lua";
static const char *exe_name = "ctorch-lua"; /* argv[0], for messages outside the REPL */
static lua_State *global_L;
volatile sig_atomic_t cli_sigint_pending;

/* ---------------------------------------------------------------- errors and interrupts */

static void stop_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    lua_sethook(L, NULL, 0, 0);
    luaL_error(L, "interrupted!");
}

static void set_stop_hook(lua_State *L)
{
    lua_sethook(L, stop_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
}

/* Ctrl-C while Lua runs: stop at the next instruction, from Lua's side. */
static void on_sigint(int sig)
{
    signal(sig, SIG_DFL); /* a second Ctrl-C kills, as in lua.c */
    set_stop_hook(global_L);
}

static int message_handler(lua_State *L)
{
    const char *msg = lua_tostring(L, 1);
    if (!msg) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING)
            return 1;
        msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    }
    luaL_traceback(L, L, msg, 1);
    return 1;
}

int cli_report(lua_State *L, int status)
{
    if (status != LUA_OK) {
        const char *msg = lua_tostring(L, -1);
        if (!msg)
            msg = "(error object is not a string)";
        fflush(stdout);
        if (cli_progname)
            fprintf(stderr, "%s: ", cli_progname);
        fprintf(stderr, "%s\n", msg);
        fflush(stderr);
        lua_pop(L, 1);
    }
    return status;
}

int cli_docall(lua_State *L, int nargs, int nres)
{
    int base = lua_gettop(L) - nargs;
    lua_pushcfunction(L, message_handler);
    lua_insert(L, base);
    global_L = L;
    struct sigaction act, old;
    memset(&act, 0, sizeof act);
    act.sa_handler = on_sigint;
    sigemptyset(&act.sa_mask);
    sigaction(SIGINT, &act, &old);
    if (cli_sigint_pending) { /* Ctrl-C typed just before the code started */
        cli_sigint_pending = 0;
        set_stop_hook(L);
    }
    int status = lua_pcall(L, nargs, nres, base);
    sigaction(SIGINT, &old, NULL);
    lua_sethook(L, NULL, 0, 0); /* an interrupt that came too late to fire */
    lua_remove(L, base);
    return status;
}

static int dochunk(lua_State *L, int status)
{
    if (status == LUA_OK)
        status = cli_docall(L, 0, 0);
    return cli_report(L, status);
}

static int dostring(lua_State *L, const char *s, const char *name)
{
    return dochunk(L, luaL_loadbuffer(L, s, strlen(s), name));
}

/* -l mod or -l g=mod */
static int dolibrary(lua_State *L, char *spec)
{
    char *eq = strchr(spec, '=');
    const char *global = spec, *mod = spec;
    if (eq) {
        *eq = 0;
        mod = eq + 1;
    }
    lua_getglobal(L, "require");
    lua_pushstring(L, mod);
    int status = cli_docall(L, 1, 1);
    if (status == LUA_OK)
        lua_setglobal(L, global);
    if (eq)
        *eq = '='; /* argv as it was */
    return cli_report(L, status);
}

/* arg[0] is the script, arg[1..] its arguments, arg[-1..] the interpreter
 * and its options; with no script, everything after argv[0] is positive. */
static void create_arg_table(lua_State *L, char **argv, int argc, int script)
{
    if (script == argc)
        script = 0;
    lua_createtable(L, argc - script - 1 > 0 ? argc - script - 1 : 0, script + 1);
    for (int i = 0; i < argc; i++) {
        lua_pushstring(L, argv[i]);
        lua_rawseti(L, -2, i - script);
    }
    lua_setglobal(L, "arg");
}

static int run_script(lua_State *L, char **argv, int argc, int script)
{
    const char *fname = argv[script];
    if (strcmp(fname, "-") == 0 && strcmp(argv[script - 1], "--") != 0)
        fname = NULL; /* stdin */
    int status = luaL_loadfile(L, fname);
    if (status == LUA_OK) {
        int n = argc - script - 1;
        luaL_checkstack(L, n + 3, "too many arguments to script");
        for (int i = script + 1; i < argc; i++)
            lua_pushstring(L, argv[i]);
        status = cli_docall(L, n, 0);
    }
    return cli_report(L, status);
}

/* ---------------------------------------------------------------- nn and optim globals */

/* _G's __index: `nn` and `optim` are torch.nn and torch.optim, loaded on
 * first use and then stored in _G; every other missing global is nil. */
static int lazy_global(lua_State *L)
{
    const char *key = lua_tostring(L, 2);
    if (lua_type(L, 2) != LUA_TSTRING || (strcmp(key, "nn") != 0 && strcmp(key, "optim") != 0))
        return 0;
    lua_getglobal(L, "require");
    lua_pushfstring(L, "torch.%s", key);
    if (lua_pcall(L, 1, 1, 0) != LUA_OK) {
        const char *msg = lua_tostring(L, -1);
        lua_pushfstring(L, "module 'torch.%s' not found", key);
        if (!msg || !strstr(msg, lua_tostring(L, -1)))
            return lua_error(L); /* the module exists but failed: its own error */
        luaL_where(L, 1);
        lua_pushfstring(L, "torch.%s is not available yet (global '%s' loads the Lua module "
                           "'torch.%s', which is not installed)", key, key, key);
        lua_concat(L, 2);
        return lua_error(L);
    }
    lua_pushvalue(L, 2);
    lua_pushvalue(L, -2);
    lua_rawset(L, 1);
    return 1;
}

static void install_lazy_globals(lua_State *L)
{
    lua_pushglobaltable(L);
    lua_newtable(L);
    lua_pushcfunction(L, lazy_global);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
    lua_pop(L, 1);
}

/* ---------------------------------------------------------------- set-up */

/* ctorch's Lua files: $CTORCH_LUA_DIR, else an install beside this program,
 * else the source tree of a build tree, else the configured install folder
 * (ctorch_lua_dir() in src/lua/lt_embed.c decides). */
static void set_package_path(lua_State *L)
{
    if (ctorch_add_lua_path(L) < 0)
        fprintf(stderr, "%s: warning: %s\n", cli_progname, ct_last_error());
}

static int handle_luainit(lua_State *L)
{
    const char *name = "=LUA_INIT_5_4";
    const char *init = getenv("LUA_INIT_5_4");
    if (!init) {
        name = "=LUA_INIT";
        init = getenv("LUA_INIT");
    }
    if (!init)
        return LUA_OK;
    if (init[0] == '@')
        return dochunk(L, luaL_loadfile(L, init + 1));
    return dostring(L, init, name);
}

void cli_print_version(void)
{
    printf("ctorch-lua %s -- %s\n", CTORCH_VERSION, LUA_COPYRIGHT);
    fflush(stdout);
}

static void usage(const char *badopt)
{
    if (badopt[1] == 'e' || badopt[1] == 'l')
        fprintf(stderr, "%s: '%s' needs argument\n", exe_name, badopt);
    else
        fprintf(stderr, "%s: unrecognized option '%s'\n", exe_name, badopt);
    fprintf(stderr,
            "usage: %s [options] [script [args]]\n"
            "Available options are:\n"
            "  -e stat   execute string 'stat'\n"
            "  -i        enter interactive mode after executing 'script'\n"
            "  -l mod    require library 'mod' into global 'mod'\n"
            "  -l g=mod  require library 'mod' into global 'g'\n"
            "  -v        show version information\n"
            "  -E        ignore environment variables\n"
            "  -W        turn warnings on\n"
            "  --        stop handling options\n"
            "  -         stop handling options and execute stdin\n",
            exe_name);
    fflush(stderr);
}

struct options {
    int interactive, version, ignore_env, script, has_e;
};

/* First pass: flags only; -e/-l/-W act later, in order. Returns -1 on a bad option. */
static int parse_args(int argc, char **argv, struct options *o)
{
    memset(o, 0, sizeof *o);
    int i;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-')
            break;
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (strcmp(a, "-") == 0)
            break;
        switch (a[1]) {
        case 'i': o->interactive = 1; o->version = 1; break;
        case 'v': o->version = 1; break;
        case 'E': o->ignore_env = 1; break;
        case 'W': break;
        case 'e':
        case 'l':
            if (a[1] == 'e')
                o->has_e = 1;
            if (a[2] == 0 && (++i >= argc || argv[i][0] == '-')) {
                usage(a);
                return -1;
            }
            break;
        default: usage(a); return -1;
        }
        if (a[1] != 'e' && a[1] != 'l' && a[2] != 0) {
            usage(a);
            return -1;
        }
    }
    o->script = i < argc ? i : 0;
    return 0;
}

static int run_options(lua_State *L, char **argv, int n)
{
    for (int i = 1; i < n; i++) {
        char *a = argv[i];
        if (a[0] != '-')
            continue;
        if (a[1] == 'W') {
            lua_warning(L, "@on", 0);
            continue;
        }
        if (a[1] != 'e' && a[1] != 'l')
            continue;
        char *value = a[2] ? a + 2 : argv[++i];
        int status = a[1] == 'e' ? dostring(L, value, "=(command line)") : dolibrary(L, value);
        if (status != LUA_OK)
            return status;
    }
    return LUA_OK;
}

static int pmain(lua_State *L)
{
    int argc = (int)lua_tointeger(L, 1);
    char **argv = lua_touserdata(L, 2);
    struct options o;
    if (parse_args(argc, argv, &o) < 0)
        return 0;
    int optlim = o.script ? o.script : argc;
    if (o.version)
        cli_print_version();
    if (o.ignore_env) {
        lua_pushboolean(L, 1);
        lua_setfield(L, LUA_REGISTRYINDEX, "LUA_NOENV");
    }
    luaL_openlibs(L);
    luaL_requiref(L, "torch", luaopen_torch, 1);
    lua_pop(L, 1);
    install_lazy_globals(L);
    set_package_path(L);
    create_arg_table(L, argv, argc, optlim);
    lua_gc(L, LUA_GCRESTART);
    /* incremental mode: tensor memory reported through GC steps is reclaimed promptly */
    lua_gc(L, LUA_GCINC, 0, 0, 0);
    if (!o.ignore_env && handle_luainit(L) != LUA_OK)
        return 0;
    if (run_options(L, argv, optlim) != LUA_OK)
        return 0;
    if (o.script && run_script(L, argv, argc, o.script) != LUA_OK)
        return 0;
    if (o.interactive) {
        cli_repl(L);
    } else if (!o.script && !o.has_e && !o.version) {
        if (isatty(0)) {
            cli_print_version();
            cli_repl(L);
        } else {
            dochunk(L, luaL_loadfile(L, NULL));
        }
    }
    lua_pushboolean(L, 1);
    return 1;
}

int main(int argc, char **argv)
{
    if (argv[0] && argv[0][0])
        cli_progname = exe_name = argv[0];
    lua_State *L = luaL_newstate();
    if (!L) {
        fprintf(stderr, "%s: cannot create state: not enough memory\n", exe_name);
        return EXIT_FAILURE;
    }
    lua_gc(L, LUA_GCSTOP);
    lua_pushcfunction(L, pmain);
    lua_pushinteger(L, argc);
    lua_pushlightuserdata(L, argv);
    int status = lua_pcall(L, 2, 1, 0);
    int ok = lua_toboolean(L, -1);
    cli_progname = exe_name;
    cli_report(L, status);
    lua_close(L);
    return (ok && status == LUA_OK) ? EXIT_SUCCESS : EXIT_FAILURE;
}
