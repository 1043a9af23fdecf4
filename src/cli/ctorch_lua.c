/*
 * ctorch_lua.c -- the ctorch-lua interpreter: Lua 5.4's standalone `lua`
 * command with `torch` preloaded as a global, and a readline REPL that
 * prints the values of expressions.
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

#include <readline/history.h>
#include <readline/readline.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

int luaopen_torch(lua_State *L);

static const char *progname = "ctorch-lua";
static lua_State *global_L;

/* ---------------------------------------------------------------- errors and interrupts */

static void stop_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    lua_sethook(L, NULL, 0, 0);
    luaL_error(L, "interrupted!");
}

/* Ctrl-C while Lua runs: stop at the next instruction, from Lua's side. */
static void on_sigint(int sig)
{
    signal(sig, SIG_DFL); /* a second Ctrl-C kills, as in lua.c */
    lua_sethook(global_L, stop_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
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

static int report(lua_State *L, int status)
{
    if (status != LUA_OK) {
        fprintf(stderr, "%s: %s\n", progname, lua_tostring(L, -1));
        fflush(stderr);
        lua_pop(L, 1);
    }
    return status;
}

/* Calls the function below nargs arguments with a traceback and Ctrl-C handling. */
static int docall(lua_State *L, int nargs, int nres)
{
    int base = lua_gettop(L) - nargs;
    lua_pushcfunction(L, message_handler);
    lua_insert(L, base);
    global_L = L;
    signal(SIGINT, on_sigint);
    int status = lua_pcall(L, nargs, nres, base);
    signal(SIGINT, SIG_DFL);
    lua_remove(L, base);
    return status;
}

static int dochunk(lua_State *L, int status)
{
    if (status == LUA_OK)
        status = docall(L, 0, 0);
    return report(L, status);
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
    int status = docall(L, 1, 1);
    if (status == LUA_OK)
        lua_setglobal(L, global);
    return report(L, status);
}

static void create_arg_table(lua_State *L, char **argv, int argc, int script)
{
    lua_createtable(L, argc - script, script + 1);
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
        status = docall(L, n, LUA_MULTRET);
    }
    return report(L, status);
}

/* ---------------------------------------------------------------- REPL */

static const char *prompt(lua_State *L, int first)
{
    lua_getglobal(L, first ? "_PROMPT" : "_PROMPT2");
    const char *p = lua_tostring(L, -1);
    lua_pop(L, 1);
    return p ? p : first ? "> " : ">> ";
}

/* A chunk that failed only because it ended early wants more lines. */
static int incomplete(lua_State *L, int status)
{
    if (status == LUA_ERRSYNTAX) {
        size_t len;
        const char *msg = lua_tolstring(L, -1, &len);
        if (len >= 5 && strcmp(msg + len - 5, "<eof>") == 0) {
            lua_pop(L, 1);
            return 1;
        }
    }
    return 0;
}

static void print_results(lua_State *L)
{
    int n = lua_gettop(L);
    if (n == 0)
        return;
    luaL_checkstack(L, LUA_MINSTACK, "too many results to print");
    lua_getglobal(L, "print");
    lua_insert(L, 1);
    if (lua_pcall(L, n, 0, 0) != LUA_OK)
        fprintf(stderr, "%s: error calling print (%s)\n", progname, lua_tostring(L, -1));
}

static void repl(lua_State *L)
{
    const char *home = getenv("HOME");
    char history[4096] = "";
    if (home) {
        snprintf(history, sizeof history, "%s/.ctorch_history", home);
        read_history(history);
    }
    for (;;) {
        char *line = readline(prompt(L, 1));
        if (!line)
            break;
        luaL_Buffer b;
        lua_settop(L, 0);
        lua_pushstring(L, line);
        if (line[0])
            add_history(line);
        free(line);
        int status;
        for (;;) {
            /* first try it as an expression, to print its value */
            const char *code = lua_tostring(L, 1);
            lua_pushfstring(L, "return %s;", code);
            status = luaL_loadbuffer(L, lua_tostring(L, -1), lua_rawlen(L, -1), "=stdin");
            lua_remove(L, -2);
            if (status == LUA_OK)
                break;
            lua_pop(L, 1);
            status = luaL_loadbuffer(L, code, lua_rawlen(L, 1), "=stdin");
            if (!incomplete(L, status))
                break;
            char *more = readline(prompt(L, 0));
            if (!more)
                break;
            if (more[0])
                add_history(more);
            luaL_buffinit(L, &b);
            lua_pushvalue(L, 1);
            luaL_addvalue(&b);
            luaL_addchar(&b, '\n');
            luaL_addstring(&b, more);
            free(more);
            luaL_pushresult(&b);
            lua_replace(L, 1);
        }
        lua_remove(L, 1);
        if (status == LUA_OK)
            status = docall(L, 0, LUA_MULTRET);
        if (status == LUA_OK)
            print_results(L);
        else
            report(L, status);
        lua_settop(L, 0);
    }
    if (history[0])
        write_history(history);
    lua_writeline();
}

/* ---------------------------------------------------------------- set-up */

static void set_package_path(lua_State *L)
{
    /* ctorch's Lua files: $CTORCH_LUA_PATH, else the source tree when it is
     * there (a build tree), else the install location */
    const char *dirs[] = {getenv("CTORCH_LUA_DIR"), CTORCH_SOURCE_LUA_DIR, CTORCH_INSTALL_LUA_DIR};
    const char *dir = NULL;
    for (size_t i = 0; i < sizeof dirs / sizeof dirs[0] && !dir; i++)
        if (dirs[i] && access(dirs[i], R_OK) == 0)
            dir = dirs[i];
    if (!dir)
        return;
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "path");
    lua_pushfstring(L, "%s/?.lua;%s/?/init.lua;%s", dir, dir, lua_tostring(L, -1));
    lua_setfield(L, -3, "path");
    lua_pop(L, 2);
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

static void print_version(void)
{
    printf("%s 0.1.0 (%s)\n", progname, LUA_RELEASE);
    fflush(stdout);
}

static void usage(const char *badopt)
{
    fprintf(stderr, "%s: unrecognized option '%s'\n", progname, badopt);
    fprintf(stderr,
            "usage: %s [options] [script [args]]\n"
            "  -e stat   execute string 'stat'\n"
            "  -i        enter interactive mode after executing 'script'\n"
            "  -l mod    require library 'mod' into global 'mod' (g=mod for global 'g')\n"
            "  -v        show version information\n"
            "  -E        ignore environment variables\n"
            "  -W        turn warnings on\n"
            "  --        stop handling options\n"
            "  -         stop handling options and execute stdin\n",
            progname);
}

struct options {
    int interactive, version, ignore_env, warnings, script, has_e;
};

/* First pass: flags only; -e/-l run later, in order. Returns -1 on a bad option. */
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
        case 'W': o->warnings = 1; break;
        case 'e':
        case 'l':
            if (a[1] == 'e')
                o->has_e = 1;
            if (a[2] == 0 && ++i >= argc) {
                fprintf(stderr, "%s: '%s' needs argument\n", progname, a);
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

static int run_e_and_l(lua_State *L, char **argv, int n)
{
    for (int i = 1; i < n; i++) {
        char *a = argv[i];
        if (a[0] != '-' || (a[1] != 'e' && a[1] != 'l'))
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
    if (o.version)
        print_version();
    if (o.ignore_env) {
        lua_pushboolean(L, 1);
        lua_setfield(L, LUA_REGISTRYINDEX, "LUA_NOENV");
    }
    luaL_openlibs(L);
    luaL_requiref(L, "torch", luaopen_torch, 1);
    lua_pop(L, 1);
    set_package_path(L);
    create_arg_table(L, argv, argc, o.script ? o.script : argc);
    lua_gc(L, LUA_GCRESTART);
    /* incremental mode: tensor memory reported through GC steps is reclaimed promptly */
    lua_gc(L, LUA_GCINC, 0, 0, 0);
    if (o.warnings)
        lua_warning(L, "@on", 0);
    if (!o.ignore_env && handle_luainit(L) != LUA_OK)
        return 0;
    if (run_e_and_l(L, argv, o.script ? o.script : argc) != LUA_OK)
        return 0;
    if (o.script && run_script(L, argv, argc, o.script) != LUA_OK)
        return 0;
    if (o.interactive) {
        repl(L);
    } else if (!o.script && !o.has_e && !o.version) {
        if (isatty(0)) {
            print_version();
            repl(L);
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
        progname = argv[0];
    lua_State *L = luaL_newstate();
    if (!L) {
        fprintf(stderr, "%s: cannot create state: not enough memory\n", progname);
        return EXIT_FAILURE;
    }
    lua_gc(L, LUA_GCSTOP);
    lua_pushcfunction(L, pmain);
    lua_pushinteger(L, argc);
    lua_pushlightuserdata(L, argv);
    int status = lua_pcall(L, 2, 1, 0);
    int ok = lua_toboolean(L, -1);
    report(L, status);
    lua_close(L);
    return (ok && status == LUA_OK) ? EXIT_SUCCESS : EXIT_FAILURE;
}
