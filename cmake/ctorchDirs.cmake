# Install locations of ctorch's Lua parts, included by the top CMakeLists.txt
# after GNUInstallDirs.  Relative paths are below CMAKE_INSTALL_PREFIX; the
# rockspec sets both to the folders of the rock being built.
set(CTORCH_INSTALL_LUA_CMODDIR "${CMAKE_INSTALL_LIBDIR}/lua/5.4" CACHE STRING
  "Where torch.so, the Lua C module, is installed")
set(CTORCH_INSTALL_LUA_MODDIR "${CMAKE_INSTALL_DATADIR}/lua/5.4" CACHE STRING
  "Where torch's Lua files (torch/*.lua) are installed")

foreach(dir LUA_CMODDIR LUA_MODDIR)
  if(IS_ABSOLUTE "${CTORCH_INSTALL_${dir}}")
    set(CTORCH_INSTALL_FULL_${dir} "${CTORCH_INSTALL_${dir}}")
  else()
    set(CTORCH_INSTALL_FULL_${dir} "${CMAKE_INSTALL_PREFIX}/${CTORCH_INSTALL_${dir}}")
  endif()
endforeach()

# Where ctorch-lua and ctorch_lua_dir() expect the installed Lua files at run
# time: where they are installed, unless a package manager moves them after
# installing (LuaRocks deploys them from the rock's folder into its tree).
set(CTORCH_LUA_RUNTIME_DIR "" CACHE PATH
  "Where torch's Lua files are at run time, when not where they are installed")
set(CTORCH_LUA_RUNTIME_CDIR "" CACHE PATH
  "Where torch.so is at run time, when not where it is installed")
if(CTORCH_LUA_RUNTIME_DIR)
  get_filename_component(CTORCH_LUA_RUNTIME_FULL_DIR "${CTORCH_LUA_RUNTIME_DIR}" ABSOLUTE)
else()
  set(CTORCH_LUA_RUNTIME_FULL_DIR "${CTORCH_INSTALL_FULL_LUA_MODDIR}")
endif()
if(CTORCH_LUA_RUNTIME_CDIR)
  get_filename_component(CTORCH_LUA_RUNTIME_FULL_CDIR "${CTORCH_LUA_RUNTIME_CDIR}" ABSOLUTE)
endif()

# ctorch_lua_dir() (src/lua/lt_embed.c) looks for the Lua files relative to
# the installed library first, so an install moved to another prefix, or made
# with `cmake --install --prefix`, still finds its own files.
if(IS_ABSOLUTE "${CTORCH_INSTALL_LUA_MODDIR}")
  set(CTORCH_LUA_RELDIR "")
else()
  set(CTORCH_LUA_RELDIR "${CTORCH_INSTALL_LUA_MODDIR}")
endif()
set_source_files_properties(src/lua/lt_embed.c PROPERTIES COMPILE_DEFINITIONS
  "CTORCH_LUA_RELDIR=\"${CTORCH_LUA_RELDIR}\";CTORCH_INSTALL_LUA_DIR=\"${CTORCH_LUA_RUNTIME_FULL_DIR}\";CTORCH_SOURCE_LUA_DIR=\"${CMAKE_CURRENT_SOURCE_DIR}/lua\"")
