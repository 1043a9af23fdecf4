/*
 * repl.c -- ctorch-lua's interactive loop: readline editing, history kept in
 * ~/.ctorch_history, expressions printing their values, incomplete
 * statements continued on the next line, Ctrl-C clearing the line at the
 * prompt and interrupting running code (cli_docall), errors reported with a
 * traceback while the session goes on.
 */
#define _GNU_SOURCE /* pselect */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

#include <readline/history.h>
#include <readline/readline.h>

#include <lauxlib.h>
#include <lua.h>

#include "cli.h"

#define HISTORY_MAX 1000 /* lines kept in memory and in the file */
#define TABLE_MAX_ITEMS 50 /* entries shown of a table before "..." */
#define NESTED_MAX_CHARS 72 /* a nested value longer than this is summarized */

/* ---------------------------------------------------------------- history */

static char history_path[4096];
static int history_added; /* lines of this session not yet in the file */

static void history_open(void)
{
    const char *home = getenv("HOME");
    using_history();
    stifle_history(HISTORY_MAX);
    if (!home || !home[0])
        return;
    snprintf(history_path, sizeof history_path, "%s/.ctorch_history", home);
    read_history(history_path);
    history_added = 0;
}

static void history_add(const char *line)
{
    if (!line[0])
        return;
    HIST_ENTRY *last = history_length > 0 ? history_get(history_base + history_length - 1) : NULL;
    if (last && strcmp(last->line, line) == 0)
        return; /* a repeated line is kept once */
    add_history(line);
    history_added++;
}

/* Appends this session's lines and trims the file to HISTORY_MAX lines.
 * Also run at exit, so os.exit() keeps the history too. */
static void history_save(void)
{
    if (!history_path[0] || history_added == 0)
        return;
    int n = history_added < history_length ? history_added : history_length;
    history_added = 0;
    int fd = open(history_path, O_WRONLY | O_CREAT | O_APPEND, 0600); /* append_history needs the file */
    if (fd < 0)
        return;
    close(fd);
    if (append_history(n, history_path) == 0)
        history_truncate_file(history_path, HISTORY_MAX);
}

/* ---------------------------------------------------------------- Ctrl-C at the prompt */

#define KEY_INTERRUPT 3 /* Ctrl-C: the key our getc reports for a SIGINT */

static int prompt_interrupted;

static void on_prompt_sigint(int sig)
{
    (void)sig;
    cli_sigint_pending = 1;
}

/* readline's input function: reads a byte, or reports a SIGINT as the
 * Ctrl-C key.  SIGINT is blocked except inside pselect, so one arriving
 * between the check and the wait cannot be missed. */
static int repl_getc(FILE *in)
{
    int fd = fileno(in);
    sigset_t block, orig;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    for (;;) {
        sigprocmask(SIG_BLOCK, &block, &orig);
        if (cli_sigint_pending) {
            cli_sigint_pending = 0;
            sigprocmask(SIG_SETMASK, &orig, NULL);
            return KEY_INTERRUPT;
        }
        fd_set fds;
        FD_ZERO(&fds);
        FD_SET(fd, &fds);
        int r = pselect(fd + 1, &fds, NULL, NULL, NULL, &orig);
        int err = errno;
        sigprocmask(SIG_SETMASK, &orig, NULL);
        if (r < 0) {
            if (err != EINTR)
                return EOF;
            rl_check_signals(); /* e.g. a window resize readline caught */
            continue;
        }
        unsigned char c;
        ssize_t n = read(fd, &c, 1);
        if (n == 1)
            return c;
        if (n < 0 && errno == EINTR)
            continue;
        return EOF;
    }
}

/* Bound to Ctrl-C: abandon the line (and any statement being continued). */
static int interrupt_line(int count, int key)
{
    (void)count;
    (void)key;
    prompt_interrupted = 1;
    rl_point = rl_end;
    rl_redisplay();
    fputs("^C", rl_outstream);
    rl_crlf();
    fflush(rl_outstream);
    rl_replace_line("", 0);
    rl_done = 1;
    return 0;
}

static void catch_prompt_sigint(void)
{
    struct sigaction act;
    memset(&act, 0, sizeof act);
    act.sa_handler = on_prompt_sigint; /* no SA_RESTART: pselect returns EINTR */
    sigemptyset(&act.sa_mask);
    sigaction(SIGINT, &act, NULL);
}

/* readline installs its own signal handlers (which restore the terminal on
 * Ctrl-Z or SIGTERM) as it starts; SIGINT is taken back before the prompt
 * shows. */
static int take_sigint(void)
{
    catch_prompt_sigint();
    return 0;
}

/* readline() with SIGINT turned into the Ctrl-C key; NULL at end of input,
 * "" with prompt_interrupted set when Ctrl-C abandoned the line. */
static char *read_line(const char *prompt)
{
    struct sigaction old;
    sigaction(SIGINT, NULL, &old);
    catch_prompt_sigint(); /* also what readline restores when it returns */
    cli_sigint_pending = 0;
    prompt_interrupted = 0;
    char *line = readline(prompt);
    sigaction(SIGINT, &old, NULL);
    if (line && !prompt_interrupted)
        history_add(line);
    return line;
}

/* ---------------------------------------------------------------- printing values */

/* A string as a Lua literal: "a\"b\n". */
static void add_quoted(luaL_Buffer *b, const char *s, size_t len)
{
    luaL_addchar(b, '"');
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[8];
        switch (c) {
        case '"': luaL_addstring(b, "\\\""); break;
        case '\\': luaL_addstring(b, "\\\\"); break;
        case '\n': luaL_addstring(b, "\\n"); break;
        case '\r': luaL_addstring(b, "\\r"); break;
        case '\t': luaL_addstring(b, "\\t"); break;
        default:
            if (c < 32 || c == 127) {
                snprintf(esc, sizeof esc, "\\%03d", c); /* 3 digits: a digit may follow */
                luaL_addstring(b, esc);
            } else {
                luaL_addchar(b, (char)c);
            }
        }
    }
    luaL_addchar(b, '"');
}

static int has_tostring(lua_State *L, int idx)
{
    if (luaL_getmetafield(L, idx, "__tostring") == LUA_TNIL)
        return 0;
    lua_pop(L, 1);
    return 1;
}

/* tensor(size=[2, 3], dtype=torch.float32), read through the properties. */
static void push_tensor_summary(lua_State *L, int idx)
{
    int top = lua_gettop(L);
    lua_getfield(L, idx, "shape");
    int shape = lua_gettop(L);
    lua_pushliteral(L, "tensor(size=[");
    lua_Integer n = luaL_len(L, shape);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, shape, i);
        lua_pushfstring(L, i > 1 ? ", %I" : "%I", (LUA_INTEGER)lua_tointeger(L, -1));
        lua_remove(L, -2);
        lua_concat(L, 2);
    }
    lua_getfield(L, idx, "dtype");
    luaL_tolstring(L, -1, NULL);
    lua_remove(L, -2);
    lua_pushfstring(L, "], dtype=%s)", lua_tostring(L, -1));
    lua_remove(L, -2);
    lua_concat(L, 2);
    lua_replace(L, shape);
    lua_settop(L, top + 1);
}

/* Pushes the text of a value inside a table: strings quoted, tables
 * abbreviated, multi-line texts (a 2-d tensor) joined onto one line, long
 * tensors summarized by size and dtype. */
static void push_nested(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    luaL_Buffer b;
    size_t len;
    if (lua_type(L, idx) == LUA_TSTRING) {
        const char *s = lua_tolstring(L, idx, &len);
        luaL_buffinit(L, &b);
        add_quoted(&b, s, len);
        luaL_pushresult(&b);
        return;
    }
    if (lua_type(L, idx) == LUA_TTABLE && !has_tostring(L, idx)) {
        lua_pushnil(L);
        int empty = !lua_next(L, idx);
        if (!empty)
            lua_pop(L, 2);
        lua_pushstring(L, empty ? "{}" : "{...}");
        return;
    }
    const char *s = luaL_tolstring(L, idx, &len);
    luaL_buffinit(L, &b);
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\n') { /* the line break and the indentation after it become one space */
            while (i + 1 < len && s[i + 1] == ' ')
                i++;
            luaL_addchar(&b, ' ');
        } else {
            luaL_addchar(&b, s[i]);
        }
    }
    luaL_pushresult(&b);
    lua_remove(L, -2);
    if (lua_rawlen(L, -1) > NESTED_MAX_CHARS && luaL_testudata(L, idx, "torch.Tensor")) {
        lua_pop(L, 1);
        push_tensor_summary(L, idx);
    }
}

/* Sort order of a table's non-sequence keys: numbers, then strings, then
 * the rest in the order next() gave them. */
struct key_entry {
    int rank, pos;
    double num;
    const char *str;
    size_t len;
};

static int key_compare(const void *pa, const void *pb)
{
    const struct key_entry *a = pa, *b = pb;
    if (a->rank != b->rank)
        return a->rank - b->rank;
    if (a->rank == 0 && a->num != b->num)
        return a->num < b->num ? -1 : 1;
    if (a->rank == 1) {
        size_t n = a->len < b->len ? a->len : b->len;
        int c = memcmp(a->str, b->str, n);
        if (c != 0 || a->len != b->len)
            return c != 0 ? c : (a->len < b->len ? -1 : 1);
    }
    return a->pos - b->pos;
}

/* Pushes {1, 2, x = 3, ["a b"] = {...}}: the sequence part first, then the
 * other keys sorted, at most TABLE_MAX_ITEMS entries, nested tables
 * abbreviated (so cycles need no care). */
static void push_table(lua_State *L, int idx)
{
    idx = lua_absindex(L, idx);
    luaL_checkstack(L, 12, "table too deep to print");
    lua_Integer seq = 0;
    while (lua_rawgeti(L, idx, seq + 1) != LUA_TNIL) {
        lua_pop(L, 1);
        seq++;
    }
    lua_pop(L, 1);

    /* the other keys, anchored in a table while their strings are sorted */
    lua_newtable(L);
    int keys = lua_gettop(L);
    int nkeys = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (lua_isinteger(L, -1) && lua_tointeger(L, -1) >= 1 && lua_tointeger(L, -1) <= seq)
            continue;
        lua_pushvalue(L, -1);
        lua_rawseti(L, keys, ++nkeys);
    }
    struct key_entry *entries = lua_newuserdatauv(L, (nkeys ? nkeys : 1) * sizeof *entries, 0);
    for (int i = 0; i < nkeys; i++) {
        struct key_entry *e = &entries[i];
        int t = lua_rawgeti(L, keys, i + 1);
        e->pos = i + 1;
        e->rank = t == LUA_TNUMBER ? 0 : t == LUA_TSTRING ? 1 : 2;
        e->num = t == LUA_TNUMBER ? lua_tonumber(L, -1) : 0;
        e->str = t == LUA_TSTRING ? lua_tolstring(L, -1, &e->len) : NULL; /* kept alive by `keys` */
        lua_pop(L, 1);
    }
    qsort(entries, (size_t)nkeys, sizeof *entries, key_compare);

    luaL_Buffer b;
    luaL_buffinit(L, &b);
    luaL_addchar(&b, '{');
    lua_Integer shown = 0, total = seq + nkeys;
    for (lua_Integer i = 1; i <= seq && shown < TABLE_MAX_ITEMS; i++, shown++) {
        if (shown)
            luaL_addstring(&b, ", ");
        lua_rawgeti(L, idx, i);
        push_nested(L, -1);
        lua_remove(L, -2);
        luaL_addvalue(&b);
    }
    for (int i = 0; i < nkeys && shown < TABLE_MAX_ITEMS; i++, shown++) {
        if (shown)
            luaL_addstring(&b, ", ");
        struct key_entry *e = &entries[i];
        lua_rawgeti(L, keys, e->pos);
        if (e->str && strlen(e->str) == e->len && cli_is_identifier(e->str)) {
            luaL_addvalue(&b);
        } else {
            luaL_addchar(&b, '[');
            push_nested(L, -1);
            lua_remove(L, -2);
            luaL_addvalue(&b);
            luaL_addchar(&b, ']');
        }
        luaL_addstring(&b, " = ");
        lua_rawgeti(L, keys, e->pos);
        lua_rawget(L, idx);
        push_nested(L, -1);
        lua_remove(L, -2);
        luaL_addvalue(&b);
    }
    if (shown < total) {
        lua_pushfstring(L, ", ... (%I more)", (LUA_INTEGER)(total - shown));
        luaL_addvalue(&b);
    }
    luaL_addchar(&b, '}');
    luaL_pushresult(&b);
    lua_replace(L, keys);
    lua_settop(L, keys);
}

int cli_print_values(lua_State *L)
{
    int n = lua_gettop(L);
    if (n == 0)
        return 0;
    luaL_checkstack(L, 2 * n + LUA_MINSTACK, "too many results to print");
    for (int i = 1; i <= n; i++) {
        if (i > 1)
            lua_pushliteral(L, "\t");
        if (lua_type(L, i) == LUA_TTABLE && !has_tostring(L, i))
            push_table(L, i);
        else
            luaL_tolstring(L, i, NULL);
    }
    lua_pushliteral(L, "\n");
    lua_concat(L, 2 * n);
    size_t len;
    const char *s = lua_tolstring(L, -1, &len);
    fwrite(s, 1, len, stdout);
    fflush(stdout);
    return 0;
}

/* ---------------------------------------------------------------- the loop */

static const char *get_prompt(lua_State *L, int first)
{
    lua_getglobal(L, first ? "_PROMPT" : "_PROMPT2");
    const char *p = lua_tostring(L, -1);
    lua_pop(L, 1); /* the string stays alive in _G while readline shows it */
    return p ? p : first ? "> " : ">> ";
}

/* A chunk that failed only because it ended early wants more lines. */
static int incomplete(lua_State *L, int status)
{
    if (status == LUA_ERRSYNTAX) {
        size_t len;
        const char *msg = lua_tolstring(L, -1, &len);
        if (len >= 5 && strcmp(msg + len - 5, "<eof>") == 0)
            return 1;
    }
    return 0;
}

/* Reads one statement or expression, over several lines if it is
 * incomplete, and leaves its compiled chunk on the stack.  Returns the load
 * status (error message on the stack), or -1 at end of input, or -2 when
 * Ctrl-C abandoned it. */
static int read_chunk(lua_State *L)
{
    char *line = read_line(get_prompt(L, 1));
    if (!line)
        return -1;
    lua_pushstring(L, line);
    free(line);
    if (prompt_interrupted) {
        lua_pop(L, 1);
        return -2;
    }
    int code = lua_gettop(L);
    for (;;) {
        /* first as an expression, to print its value */
        size_t len;
        const char *text = lua_tolstring(L, code, &len);
        const char *ret = lua_pushfstring(L, "return %s;", text);
        int status = luaL_loadbuffer(L, ret, strlen(ret), "=stdin");
        lua_remove(L, -2);
        if (status == LUA_OK) {
            lua_remove(L, code);
            return status;
        }
        lua_pop(L, 1);
        status = luaL_loadbuffer(L, text, len, "=stdin");
        if (!incomplete(L, status)) {
            lua_remove(L, code);
            return status;
        }
        char *more = read_line(get_prompt(L, 0));
        if (!more || prompt_interrupted) {
            free(more);
            if (more) {
                lua_settop(L, code - 1);
                return -2;
            }
            lua_remove(L, code);
            return status; /* end of input: report the unfinished chunk */
        }
        lua_pop(L, 1);
        lua_pushfstring(L, "%s\n%s", text, more);
        free(more);
        lua_replace(L, code);
    }
}

static void init_readline(lua_State *L)
{
    rl_readline_name = "ctorch-lua"; /* for $if ctorch-lua in ~/.inputrc */
    rl_getc_function = repl_getc;    /* SIGINT is ours: see repl_getc */
    rl_startup_hook = take_sigint;
    /* Tab lists the choices at once when it cannot extend the word (so
     * x:ad<Tab><Tab> shows add add_ addmm); ~/.inputrc may say otherwise */
    rl_variable_bind("show-all-if-unmodified", "on");
    rl_initialize();
    rl_bind_key(KEY_INTERRUPT, interrupt_line);
    cli_complete_init(L);
}

void cli_repl(lua_State *L)
{
    const char *saved_progname = cli_progname;
    cli_progname = NULL; /* errors show without the program name, as in lua.c */
    init_readline(L);
    history_open();
    static int registered;
    if (!registered && atexit(history_save) == 0)
        registered = 1;
    for (;;) {
        lua_settop(L, 0);
        int status = read_chunk(L);
        if (status == -1)
            break;
        if (status == -2)
            continue;
        if (status == LUA_OK)
            status = cli_docall(L, 0, LUA_MULTRET);
        if (status == LUA_OK && lua_gettop(L) > 0) {
            lua_pushcfunction(L, cli_print_values);
            lua_insert(L, 1);
            status = cli_docall(L, lua_gettop(L) - 1, 0);
        }
        cli_report(L, status);
    }
    lua_settop(L, 0);
    lua_writeline();
    history_save();
    clear_history();
    cli_progname = saved_progname;
}
