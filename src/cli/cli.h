/*
 * cli.h -- what the parts of the ctorch-lua interpreter share:
 * ctorch_lua.c (options, scripts), repl.c (the interactive loop and value
 * printing) and complete.c (Tab completion).
 */
#ifndef CT_CLI_H
#define CT_CLI_H

#include <signal.h>

#include <lua.h>

/* The name errors are reported under; NULL inside the REPL (as in lua.c). */
extern const char *cli_progname;

/* Set by the REPL's SIGINT handler while no Lua code runs; cli_docall turns
 * a pending one into an interrupt of the code it starts. */
extern volatile sig_atomic_t cli_sigint_pending;

/* Calls the function below nargs arguments with a traceback message handler,
 * Ctrl-C stopping the Lua code ("interrupted!"). */
int cli_docall(lua_State *L, int nargs, int nres);
/* Prints the error message on top (if status is not LUA_OK) and pops it. */
int cli_report(lua_State *L, int status);
void cli_print_version(void);

/* repl.c: the read-eval-print loop, until end of input. */
void cli_repl(lua_State *L);
/* repl.c: a lua_CFunction writing its arguments the way the REPL shows
 * results: tables rendered as {1, 2, x = 3}, others through tostring,
 * separated by tabs. */
int cli_print_values(lua_State *L);

/* complete.c: installs Tab completion of globals, fields and methods. */
void cli_complete_init(lua_State *L);
/* complete.c: Lua's reserved words (NULL-terminated), and whether s is a
 * name that is not one of them. */
extern const char *const cli_lua_keywords[];
int cli_is_identifier(const char *s);

#endif
