/*
 * complete.c -- Tab completion for ctorch-lua's REPL.
 *
 * `na<Tab>` offers globals and keywords; `a.b.na<Tab>` the fields of a.b and
 * `a.b:na<Tab>` its methods, following metatables' __index tables (so a
 * string offers the string library).  A tensor offers the methods of
 * torch.Tensor and, after '.', the properties in torch._tensor_getters; the
 * torch table also offers its Lua submodules (torch.nn ...) before they are
 * loaded.  Names starting with '_' show only once '_' is typed.  Inside a
 * string literal, readline's file name completion applies.
 */
#define _GNU_SOURCE /* strdup */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <readline/readline.h>

#include <lauxlib.h>
#include <lua.h>

#include "cli.h"

#define PROPERTY (-1) /* type recorded for a tensor property */
#define KEYWORD (-2)

static lua_State *comp_L;

/* The current completion's candidates, handed out by next_match. */
struct candidate {
    char *name;
    int type; /* LUA_T* of the value, PROPERTY or KEYWORD */
};
static struct candidate *cands;
static int ncands, next_cand;

const char *const cli_lua_keywords[] = {
    "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if",
    "in", "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while", NULL};

/* ---------------------------------------------------------------- reading the line */

static int is_name_char(char c)
{
    return c == '_' || isalnum((unsigned char)c);
}

/* The quote character of a string literal open at pos, or 0; '-' when pos
 * is inside a comment. */
static char open_quote(const char *line, int pos)
{
    char quote = 0;
    for (int i = 0; i < pos; i++) {
        char c = line[i];
        if (quote) {
            if (c == '\\')
                i++;
            else if (c == quote)
                quote = 0;
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '-' && line[i + 1] == '-' && i + 1 < pos) {
            return '-';
        }
    }
    return quote;
}

/* Word breaks: Lua's operators and separators, including '.' and ':' so
 * readline completes only the last name; inside a string, only the quotes
 * (a whole file name). */
static char lua_breaks[] = " \t\n\"'`~!@#$%^&*()-=+[{]}\\|;,<>/?.:";
static char string_breaks[] = "\"'";

static char *word_breaks(void)
{
    char q = open_quote(rl_line_buffer, rl_point);
    return (q == '"' || q == '\'') ? string_breaks : lua_breaks;
}

/* ---------------------------------------------------------------- collecting names (in Lua) */

int cli_is_identifier(const char *s)
{
    if (!s[0] || isdigit((unsigned char)s[0]))
        return 0;
    for (const char *p = s; *p; p++)
        if (!is_name_char(*p))
            return 0;
    for (int i = 0; cli_lua_keywords[i]; i++)
        if (strcmp(s, cli_lua_keywords[i]) == 0)
            return 0;
    return 1;
}

/* found[name] = type for a name that starts with prefix and is shown. */
static void offer(lua_State *L, int found, const char *name, const char *prefix, int type)
{
    size_t n = strlen(prefix);
    if (strncmp(name, prefix, n) != 0 || (name[0] == '_' && prefix[0] != '_'))
        return;
    if (lua_getfield(L, found, name) == LUA_TNIL) {
        lua_pushinteger(L, type);
        lua_setfield(L, found, name);
    }
    lua_pop(L, 1);
}

/* The identifier keys of table t; only functions when methods_only. */
static void offer_keys(lua_State *L, int found, int t, const char *prefix, int methods_only, int as)
{
    t = lua_absindex(L, t);
    lua_pushnil(L);
    while (lua_next(L, t)) {
        int type = lua_type(L, -1);
        if (lua_type(L, -2) == LUA_TSTRING && (!methods_only || type == LUA_TFUNCTION)) {
            const char *name = lua_tostring(L, -2);
            if (cli_is_identifier(name))
                offer(L, found, name, prefix, as ? as : type);
        }
        lua_pop(L, 1);
    }
}

/* Pushes torch.Tensor / torch._tensor_getters of the loaded torch module. */
static int push_torch_table(lua_State *L, const char *field)
{
    int top = lua_gettop(L);
    lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    if (lua_getfield(L, -1, "torch") == LUA_TTABLE && lua_getfield(L, -1, field) == LUA_TTABLE) {
        lua_replace(L, top + 1);
        lua_settop(L, top + 1);
        return 1;
    }
    lua_settop(L, top);
    return 0;
}

/* The Lua submodules of torch found on package.path (torch/X.lua or
 * torch/X/init.lua), which torch's __index loads on first use. */
static void offer_submodules(lua_State *L, int found, const char *prefix, int type_as_global)
{
    int top = lua_gettop(L);
    if (lua_getglobal(L, "package") != LUA_TTABLE || lua_getfield(L, -1, "path") != LUA_TSTRING) {
        lua_settop(L, top);
        return;
    }
    const char *path = lua_tostring(L, -1);
    char dir[4096], file[4096 + 512];
    for (const char *p = path; *p;) {
        const char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        /* DIR/?.lua or DIR/?/init.lua: both name the directory DIR */
        const char *q = memchr(p, '?', len);
        if (q && (size_t)(q - p) < sizeof dir - 8) {
            int n = snprintf(dir, sizeof dir, "%.*storch", (int)(q - p), p);
            DIR *d = n > 0 ? opendir(dir) : NULL;
            struct dirent *e;
            while (d && (e = readdir(d)) != NULL) {
                char name[256];
                size_t nl = strlen(e->d_name);
                snprintf(file, sizeof file, "%s/%s/init.lua", dir, e->d_name);
                if (nl > 4 && strcmp(e->d_name + nl - 4, ".lua") == 0 && nl - 4 < sizeof name) {
                    memcpy(name, e->d_name, nl - 4);
                    name[nl - 4] = 0;
                } else if (e->d_name[0] != '.' && nl < sizeof name && access(file, R_OK) == 0) {
                    memcpy(name, e->d_name, nl + 1);
                } else {
                    continue;
                }
                if (!cli_is_identifier(name))
                    continue;
                if (type_as_global) { /* the nn and optim globals */
                    if (strcmp(name, "nn") == 0 || strcmp(name, "optim") == 0)
                        offer(L, found, name, prefix, LUA_TTABLE);
                } else {
                    offer(L, found, name, prefix, LUA_TTABLE);
                }
            }
            if (d)
                closedir(d);
        }
        p += len;
        if (*p == ';')
            p++;
    }
    lua_settop(L, top);
}

/* Fields (or methods) of the value at v: its own keys when a table, then
 * those of its metatables' __index tables. */
static void offer_fields(lua_State *L, int found, int v, const char *prefix, int methods_only)
{
    v = lua_absindex(L, v);
    if (luaL_testudata(L, v, "torch.Tensor")) {
        if (push_torch_table(L, "Tensor")) {
            offer_keys(L, found, -1, prefix, methods_only, 0);
            lua_pop(L, 1);
        }
        if (!methods_only && push_torch_table(L, "_tensor_getters")) {
            offer_keys(L, found, -1, prefix, 0, PROPERTY);
            lua_pop(L, 1);
        }
        return;
    }
    lua_pushvalue(L, v);
    for (int depth = 0; depth < 16; depth++) { /* the bound ends __index cycles */
        if (lua_istable(L, -1))
            offer_keys(L, found, -1, prefix, methods_only, 0);
        if (!lua_getmetatable(L, -1))
            break;
        lua_pushliteral(L, "__index");
        lua_rawget(L, -2);
        lua_replace(L, -3);
        lua_pop(L, 1);
        if (!lua_istable(L, -1))
            break;
    }
    lua_pop(L, 1);
}

/* collect(chain, sep, prefix) -> {name = type}; chain is "a.b" (evaluated
 * with ordinary indexing) when sep is '.' or ':'. */
static int collect(lua_State *L)
{
    const char *chain = luaL_checkstring(L, 1);
    const char *sep = luaL_checkstring(L, 2);
    const char *prefix = luaL_checkstring(L, 3);
    lua_newtable(L);
    int found = lua_gettop(L);
    if (!sep[0]) {
        lua_pushglobaltable(L);
        offer_fields(L, found, -1, prefix, 0);
        lua_pop(L, 1);
        offer_submodules(L, found, prefix, 1);
        for (int i = 0; cli_lua_keywords[i]; i++)
            offer(L, found, cli_lua_keywords[i], prefix, KEYWORD);
        return 1;
    }
    lua_pushglobaltable(L);
    for (const char *p = chain; *p;) {
        const char *dot = strchr(p, '.');
        size_t len = dot ? (size_t)(dot - p) : strlen(p);
        lua_pushlstring(L, p, len);
        lua_gettable(L, -2);
        lua_remove(L, -2);
        p += len + (dot != NULL);
    }
    offer_fields(L, found, -1, prefix, sep[0] == ':');
    /* the torch table: its not yet loaded submodules too */
    lua_getfield(L, LUA_REGISTRYINDEX, LUA_LOADED_TABLE);
    lua_getfield(L, -1, "torch");
    if (sep[0] == '.' && lua_rawequal(L, -1, -3))
        offer_submodules(L, found, prefix, 0);
    lua_settop(L, found);
    return 1;
}

/* ---------------------------------------------------------------- readline glue */

static void free_candidates(void)
{
    for (int i = 0; i < ncands; i++)
        free(cands[i].name);
    free(cands);
    cands = NULL;
    ncands = next_cand = 0;
}

static int candidate_order(const void *a, const void *b)
{
    return strcmp(((const struct candidate *)a)->name, ((const struct candidate *)b)->name);
}

/* Runs collect and copies its table into cands. */
static void gather(const char *chain, const char *sep, const char *prefix)
{
    lua_State *L = comp_L;
    int top = lua_gettop(L);
    lua_pushcfunction(L, collect);
    lua_pushstring(L, chain);
    lua_pushstring(L, sep);
    lua_pushstring(L, prefix);
    if (cli_docall(L, 3, 1) == LUA_OK && lua_istable(L, -1)) {
        int n = 0;
        lua_pushnil(L);
        while (lua_next(L, -2)) {
            n++;
            lua_pop(L, 1);
        }
        cands = calloc(n ? (size_t)n : 1, sizeof *cands);
        lua_pushnil(L);
        while (cands && lua_next(L, -2)) {
            char *name = strdup(lua_tostring(L, -2));
            if (name) {
                cands[ncands].name = name;
                cands[ncands++].type = (int)lua_tointeger(L, -1);
            }
            lua_pop(L, 1);
        }
        if (cands)
            qsort(cands, (size_t)ncands, sizeof *cands, candidate_order);
    }
    lua_settop(L, top);
}

static char *next_match(const char *text, int state)
{
    (void)text;
    if (state == 0)
        next_cand = 0;
    return next_cand < ncands ? strdup(cands[next_cand++].name) : NULL;
}

static char **attempt_completion(const char *text, int start, int end)
{
    (void)end;
    const char *line = rl_line_buffer;
    char q = open_quote(line, start);
    rl_completion_append_character = '\0';
    if (q == '"' || q == '\'')
        return NULL; /* readline goes on to complete a file name */
    rl_attempted_completion_over = 1;
    if (q == '-')
        return NULL;

    /* a.b.c:te -> chain "a.b.c", sep ':' */
    char sep[2] = {0, 0};
    char chain[1024] = "";
    if (start > 0 && (line[start - 1] == '.' || line[start - 1] == ':')) {
        sep[0] = line[start - 1];
        int stop = start - 1, begin = stop;
        while (begin > 0 && (is_name_char(line[begin - 1]) || line[begin - 1] == '.'))
            begin--;
        /* an expression before it (a call, an index, a string) is not evaluated */
        if (begin == stop || (begin > 0 && strchr(":)]}\"'", line[begin - 1])))
            return NULL;
        if ((size_t)(stop - begin) >= sizeof chain)
            return NULL;
        memcpy(chain, line + begin, (size_t)(stop - begin));
        chain[stop - begin] = 0;
        for (char *seg = chain, *dot;; seg = dot + 1) {
            dot = strchr(seg, '.');
            if (dot)
                *dot = 0;
            int ok = cli_is_identifier(seg);
            if (dot)
                *dot = '.';
            if (!ok)
                return NULL;
            if (!dot)
                break;
        }
    } else if (isdigit((unsigned char)text[0])) {
        return NULL; /* a number */
    }

    free_candidates();
    gather(chain, sep, text);
    char **matches = NULL;
    if (ncands > 0) {
        if (ncands == 1) /* a unique completion: ready for what follows it */
            rl_completion_append_character = cands[0].type == LUA_TFUNCTION ? '(' :
                                              cands[0].type == KEYWORD      ? ' ' : '\0';
        matches = rl_completion_matches(text, next_match);
    }
    free_candidates();
    return matches;
}

void cli_complete_init(lua_State *L)
{
    comp_L = L;
    rl_attempted_completion_function = attempt_completion;
    rl_completion_word_break_hook = word_breaks;
    rl_completer_word_break_characters = lua_breaks;
    rl_completer_quote_characters = NULL;
}
