#!/bin/sh
# install_test.sh BUILD_DIR SOURCE_DIR -- installs BUILD_DIR into a temporary
# prefix and uses the result the way a user would:
#   - the layout (libraries, headers, torch.so, lua/torch, ctorch-lua, ctorch.pc, CMake package);
#   - the embedding examples built with `pkg-config --cflags --libs ctorch`,
#     and again with find_package(ctorch) (tests/embed_consumer), then run and checked;
#   - ctorch-lua and plain lua5.4 + torch.so from the prefix;
#   - ctorch_lua_dir() finding the installed Lua files, also after the prefix is moved.
# Run by ctest (embed_install) with CTORCH_TEST_* set to the build's install dirs.
set -eu

if [ -n "${CTORCH_SANITIZED:-}" ] || [ "${CTORCH_TEST_SANITIZE:-OFF}" = ON ]; then
    echo "skipped: a sanitized build cannot be linked by unsanitized consumers; the release build runs this test"
    exit 77
fi
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
libdir=${CTORCH_TEST_LIBDIR:-lib}
incdir=${CTORCH_TEST_INCLUDEDIR:-include}
bindir=${CTORCH_TEST_BINDIR:-bin}
cmoddir=${CTORCH_TEST_LUA_CMODDIR:-$libdir/lua/5.4}
moddir=${CTORCH_TEST_LUA_MODDIR:-share/lua/5.4}
cc=${CTORCH_TEST_CC:-cc}
for d in "$libdir" "$incdir" "$bindir" "$cmoddir" "$moddir"; do
    case $d in /*) echo "skipped: install dir $d is absolute, not below a prefix"; exit 77 ;; esac
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ctorch-install-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
failures=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}
step() { echo "== $*"; }

# Runs a command quietly; on failure shows its output and stops the test.
quiet() {
    if ! "$@" >"$tmp/log" 2>&1; then
        cat "$tmp/log" >&2
        echo "FAIL: $*" >&2
        exit 1
    fi
}

step "cmake --install $build --prefix $prefix"
quiet cmake --install "$build" --prefix "$prefix"
for f in "$libdir/libctorch.so" "$libdir/libctorch.a" "$incdir/ctorch.h" "$incdir/ctorch_lua.h" \
         "$cmoddir/torch.so" "$moddir/torch/autograd.lua" "$bindir/ctorch-lua" \
         "$libdir/pkgconfig/ctorch.pc" "$libdir/cmake/ctorch/ctorchConfig.cmake" \
         "$libdir/cmake/ctorch/ctorchConfigVersion.cmake" "$libdir/cmake/ctorch/ctorchTargets.cmake"; do
    [ -e "$prefix/$f" ] || fail "missing $prefix/$f"
done
# the installed headers stand alone: ctorch.h without Lua, ctorch_lua.h with it
printf '#include <ctorch.h>\nint main(void) { return ct_dtype_size(CT_FLOAT64) == 8 ? 0 : 1; }\n' > "$tmp/h.c"
"$cc" -std=c11 -Wall -Werror -I"$prefix/$incdir" -fsyntax-only "$tmp/h.c" || fail "ctorch.h does not compile on its own"

# ---------------------------------------------------------------- pkg-config
step "examples built with pkg-config"
export PKG_CONFIG_PATH="$prefix/$libdir/pkgconfig"
[ "$(pkg-config --modversion ctorch)" = 0.1.0 ] || fail "pkg-config --modversion ctorch"
pc_cflags=$(pkg-config --cflags ctorch)
pc_libs=$(pkg-config --libs ctorch)
case "$pc_libs" in *-lctorch*) ;; *) fail "pkg-config --libs ctorch lacks -lctorch: $pc_libs" ;; esac
case "$pc_libs" in *-llua5.4*) ;; *) fail "pkg-config --libs ctorch lacks Lua (Requires: lua5.4): $pc_libs" ;; esac
[ "$(cd "$(pkg-config --variable=lua_moddir ctorch)" && pwd -P)" = "$(cd "$prefix/$moddir" && pwd -P)" ] ||
    fail "pkg-config --variable=lua_moddir ctorch does not point into the prefix"
mkdir -p "$tmp/pc"
for ex in predict train_c threads; do
    # shellcheck disable=SC2086 # the flags are lists
    quiet "$cc" -std=c11 -O2 -Wall -o "$tmp/pc/$ex" "$src/examples/embed/$ex.c" $pc_cflags $pc_libs \
        -Wl,-rpath,"$prefix/$libdir" -pthread -lm
done
# the checker runs under the installed interpreter
quiet "$prefix/$bindir/ctorch-lua" "$src/tests/embed/check_examples.lua" "$tmp/pc" "$src/examples/embed"
cat "$tmp/log"

# ---------------------------------------------------------------- CMake
step "examples built with find_package(ctorch)"
quiet cmake -S "$src/tests/embed_consumer" -B "$tmp/cm" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=Release -DCTORCH_EXAMPLES_DIR="$src/examples/embed"
quiet cmake --build "$tmp/cm" -j2
quiet "$prefix/$bindir/ctorch-lua" "$src/tests/embed/check_examples.lua" "$tmp/cm" "$src/examples/embed"
cat "$tmp/log"
# predict linked with ctorch::ctorch_static: no libctorch.so needed at run time
"$tmp/cm/predict_static" "$src/examples/embed" > "$tmp/static.out" 2>&1 || fail "predict_static: $(cat "$tmp/static.out")"
"$tmp/cm/predict" "$src/examples/embed" > "$tmp/shared.out" 2>&1
cmp -s "$tmp/static.out" "$tmp/shared.out" || fail "predict_static and predict disagree"
if ldd "$tmp/cm/predict_static" | grep -q libctorch; then fail "predict_static links libctorch.so"; fi

# ---------------------------------------------------------------- Lua from the prefix
step "ctorch-lua and lua5.4 from the prefix"
out=$("$prefix/$bindir/ctorch-lua" -e 'print(type(torch.autograd.grad), torch.__version__)' 2>&1) || true
[ "$out" = "function	0.1.0" ] || fail "installed ctorch-lua: $out"
if command -v lua5.4 >/dev/null 2>&1; then
    out=$(LUA_CPATH="$prefix/$cmoddir/?.so" LUA_PATH="$prefix/$moddir/?.lua;$prefix/$moddir/?/init.lua" \
        lua5.4 -e "local torch = require 'torch'
                   local found = package.searchpath('torch.autograd', package.path)
                   print(torch.zeros(2, 3):add(1):sum():item(), type(torch.autograd.grad), found:sub(1, #'$prefix') == '$prefix')" 2>&1) || true
    [ "$out" = "6.0	function	true" ] || fail "lua5.4 with torch.so from the prefix: $out"
else
    echo "note: lua5.4 is not installed; the plain-interpreter check is skipped"
fi

# ---------------------------------------------------------------- relocation
step "ctorch_lua_dir() in the prefix, and after moving it"
"$tmp/cm/lua_dir" > "$tmp/dir.out" 2>&1 || fail "lua_dir: $(cat "$tmp/dir.out")"
[ "$(cat "$tmp/dir.out")" = "$(cd "$prefix/$moddir" && pwd -P)" ] ||
    fail "ctorch_lua_dir() is $(cat "$tmp/dir.out"), expected $prefix/$moddir"
# a program in <prefix>/bin with libctorch.a linked in (like ctorch-lua) finds them too
cp "$tmp/cm/lua_dir_static" "$prefix/$bindir/"
[ "$("$prefix/$bindir/lua_dir_static" 2>&1)" = "$(cd "$prefix/$moddir" && pwd -P)" ] ||
    fail "ctorch_lua_dir() from $prefix/$bindir/lua_dir_static: $("$prefix/$bindir/lua_dir_static" 2>&1)"
mv "$prefix" "$tmp/moved"
LD_LIBRARY_PATH="$tmp/moved/$libdir" "$tmp/cm/lua_dir" > "$tmp/dir.out" 2>&1 || fail "lua_dir after the move: $(cat "$tmp/dir.out")"
[ "$(cat "$tmp/dir.out")" = "$(cd "$tmp/moved/$moddir" && pwd -P)" ] ||
    fail "after moving the prefix, ctorch_lua_dir() is $(cat "$tmp/dir.out")"
[ "$("$tmp/moved/$bindir/lua_dir_static" 2>&1)" = "$(cd "$tmp/moved/$moddir" && pwd -P)" ] ||
    fail "after moving the prefix, ctorch_lua_dir() in bin/ is $("$tmp/moved/$bindir/lua_dir_static" 2>&1)"
PKG_CONFIG_PATH="$tmp/moved/$libdir/pkgconfig" pkg-config --cflags ctorch | grep -q "$tmp/moved" ||
    fail "ctorch.pc does not follow a moved prefix"

if [ "$failures" -gt 0 ]; then
    echo "$failures failure(s)" >&2
    exit 1
fi
echo "ok: install, pkg-config, find_package, Lua and relocation checks"
