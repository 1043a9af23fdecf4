/*
 * lt_image.c -- binding for images and CIFAR-10 (torch.vision's C parts
 * besides the IDX reader), and the folder listing ImageFolder walks with.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lt.h"

/* channels at idx: 0 (as stored, the default), 1, 3 or 4; the core checks
 * the value (its message names the function), this only that it fits an int. */
static int opt_channels(lua_State *L, int idx)
{
    lua_Integer c = luaL_optinteger(L, idx, 0);
    luaL_argcheck(L, c >= -1000 && c <= 1000, idx, "channels must be 0, 1, 3 or 4");
    return (int)c;
}

/* torch._image_read(path, channels): uint8 [H, W, C] from a PNG or JPEG file. */
static int f_image_read(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    lt_push_tensor(L, ct_image_read(path, opt_channels(L, 2)));
    return 1;
}

/* torch._image_decode(bytes, name, channels): the same from a string. */
static int f_image_decode(lua_State *L)
{
    size_t n;
    const char *bytes = luaL_checklstring(L, 1, &n);
    const char *name = luaL_optstring(L, 2, "<image bytes>");
    lt_push_tensor(L, ct_image_decode(bytes, n, name, opt_channels(L, 3)));
    return 1;
}

/* torch._image_write_png(path, image): writes uint8 [H, W] or [H, W, C]. */
static int f_image_write_png(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    lt_check_rc(L, ct_image_write_png(path, lt_check_tensor(L, 2)));
    return 0;
}

/* torch._read_cifar10(path): images uint8 [N, 32, 32, 3], labels int64 [N] (0-based). */
static int f_read_cifar10(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    ct_tensor *images, *labels;
    lt_check_rc(L, ct_cifar10_load(path, &images, &labels));
    lt_push_tensor(L, images);
    lt_push_tensor(L, labels);
    return 2;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* torch._list_dir(path): names (sorted bytewise, as Python sorts str) and
 * kinds ('directory' or 'file', links followed) of the entries of a folder;
 * anything else (a broken link, a socket) is left out. */
static int f_list_dir(lua_State *L)
{
    const char *path = luaL_checkstring(L, 1);
    DIR *dir = opendir(path);
    if (!dir)
        return luaL_error(L, "list_dir: cannot open the folder %s (%s)", path, strerror(errno));
    /* names go into a Lua table first (anchored there), the folder is closed
     * before anything else can raise */
    lua_newtable(L);
    int all = lua_gettop(L);
    lua_Integer n = 0;
    struct dirent *e;
    errno = 0;
    while ((e = readdir(dir)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        lua_pushstring(L, e->d_name);
        lua_rawseti(L, all, ++n);
    }
    int read_errno = errno;
    closedir(dir);
    if (read_errno)
        return luaL_error(L, "list_dir: cannot read the folder %s (%s)", path, strerror(read_errno));
    const char **names = lua_newuserdatauv(L, (size_t)(n ? n : 1) * sizeof *names, 0);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, all, i);
        names[i - 1] = lua_tostring(L, -1); /* still held by `all` */
        lua_pop(L, 1);
    }
    qsort(names, (size_t)n, sizeof *names, compare_names);
    lua_newtable(L);
    lua_newtable(L);
    int out_names = lua_gettop(L) - 1, out_kinds = lua_gettop(L);
    luaL_Buffer b;
    lua_Integer k = 0;
    for (lua_Integer i = 0; i < n; i++) {
        luaL_buffinit(L, &b);
        luaL_addstring(&b, path);
        luaL_addchar(&b, '/');
        luaL_addstring(&b, names[i]);
        luaL_pushresult(&b);
        struct stat st;
        int ok = stat(lua_tostring(L, -1), &st) == 0;
        lua_pop(L, 1);
        if (!ok || !(S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)))
            continue;
        k++;
        lua_pushstring(L, names[i]);
        lua_rawseti(L, out_names, k);
        lua_pushstring(L, S_ISDIR(st.st_mode) ? "directory" : "file");
        lua_rawseti(L, out_kinds, k);
    }
    return 2;
}

void lt_open_image(lua_State *L, const lt_tables *t)
{
    static const lt_reg regs[] = {
        {"_image_read", f_image_read, LT_FUNCTION},
        {"_image_decode", f_image_decode, LT_FUNCTION},
        {"_image_write_png", f_image_write_png, LT_FUNCTION},
        {"_read_cifar10", f_read_cifar10, LT_FUNCTION},
        {"_list_dir", f_list_dir, LT_FUNCTION},
        {NULL, NULL, 0},
    };
    lt_register(L, t, regs);
}
