/* lua_dir.c -- prints ctorch_lua_dir(): where this ctorch finds torch's Lua files. */
#include <stdio.h>

#include <ctorch.h>

int main(void)
{
    const char *dir = ctorch_lua_dir();
    if (!dir) {
        fprintf(stderr, "lua_dir: torch's Lua files were not found\n");
        return 1;
    }
    printf("%s\n", dir);
    return 0;
}
