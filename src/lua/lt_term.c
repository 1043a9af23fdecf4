/*
 * lt_term.c -- binding for the little terminal queries torch.utils.progress
 * needs: whether a stream is a terminal, and how wide the terminal is.
 *
 *   torch._isatty(x)            x: 0, 1, 2 or a Lua file handle (io.stderr)
 *   torch._terminal_columns(x)  columns of the terminal behind x, or nil;
 *                               without x the first of stderr, stdout, stdin
 *                               that is a terminal answers
 */
#define _DEFAULT_SOURCE /* fileno, ioctl's TIOCGWINSZ */
#include <stdio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <lualib.h>

#include "lt.h"

/* The file descriptor that argument idx names: a number 0..2 or an open Lua
 * file handle; a closed handle gives -1 (never a terminal). */
static int check_fd(lua_State *L, int idx, const char *fname)
{
    if (lua_type(L, idx) == LUA_TNUMBER) {
        lua_Integer fd = luaL_checkinteger(L, idx);
        if (fd < 0 || fd > 2)
            luaL_error(L, "%s: expected 0, 1, 2 or a file handle, got %d", fname, (int)fd);
        return (int)fd;
    }
    luaL_Stream *s = (luaL_Stream *)luaL_testudata(L, idx, LUA_FILEHANDLE);
    if (s == NULL)
        luaL_error(L, "%s: expected 0, 1, 2 or a file handle, got %s", fname, luaL_typename(L, idx));
    if (s->closef == NULL || s->f == NULL)
        return -1; /* closed */
    return fileno(s->f);
}

static int f_isatty(lua_State *L)
{
    int fd = check_fd(L, 1, "_isatty");
    lua_pushboolean(L, fd >= 0 && isatty(fd));
    return 1;
}

/* Columns of the terminal on fd, or 0 when fd is not a terminal or the
 * terminal does not say (some report 0 columns). */
static int columns_of(int fd)
{
    struct winsize ws;
    if (fd < 0 || ioctl(fd, TIOCGWINSZ, &ws) != 0)
        return 0;
    return ws.ws_col;
}

static int f_terminal_columns(lua_State *L)
{
    int cols = 0;
    if (lua_isnoneornil(L, 1)) {
        for (int fd = 2; fd >= 0 && cols == 0; fd--)
            cols = columns_of(fd);
    } else {
        cols = columns_of(check_fd(L, 1, "_terminal_columns"));
    }
    if (cols > 0)
        lua_pushinteger(L, cols);
    else
        lua_pushnil(L);
    return 1;
}

void lt_open_term(lua_State *L, const lt_tables *t)
{
    static const lt_reg regs[] = {
        {"_isatty", f_isatty, LT_FUNCTION},
        {"_terminal_columns", f_terminal_columns, LT_FUNCTION},
        {NULL, NULL, 0},
    };
    lt_register(L, t, regs);
}
