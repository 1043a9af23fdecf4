# Installation rules, included at the end of the top CMakeLists.txt:
#   <prefix>/lib/libctorch.so, libctorch.a         the C library
#   <prefix>/include/ctorch.h, ctorch_lua.h        its headers
#   <prefix>/lib/lua/5.4/torch.so                  the Lua module (require 'torch')
#   <prefix>/share/lua/5.4/torch/*.lua             torch's Lua files
#   <prefix>/bin/ctorch-lua                        the interpreter
#   <prefix>/lib/pkgconfig/ctorch.pc               pkg-config --cflags --libs ctorch
#   <prefix>/lib/cmake/ctorch/                     find_package(ctorch) -> ctorch::ctorch
include(CMakePackageConfigHelpers)

install(TARGETS ctorch ctorch_static EXPORT ctorchTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(TARGETS ctorch-lua RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(TARGETS torch_module LIBRARY DESTINATION ${CTORCH_INSTALL_LUA_CMODDIR})
install(FILES src/ctorch.h src/ctorch_lua.h DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY lua/torch DESTINATION ${CTORCH_INSTALL_LUA_MODDIR})

# ---- pkg-config.  The prefix is written relative to the .pc file
# (${pcfiledir}), so `cmake --install --prefix P` needs no reconfiguration.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(CTORCH_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH CTORCH_PC_UP "/root/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/root")
  string(REGEX REPLACE "/$" "" CTORCH_PC_UP "${CTORCH_PC_UP}")
  set(CTORCH_PC_PREFIX "\${pcfiledir}/${CTORCH_PC_UP}")
endif()
foreach(dir LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${dir}}")
    set(CTORCH_PC_${dir} "${CMAKE_INSTALL_${dir}}")
  else()
    set(CTORCH_PC_${dir} "\${prefix}/${CMAKE_INSTALL_${dir}}")
  endif()
endforeach()
# the Lua parts: where they are at run time (see cmake/ctorchDirs.cmake)
set(CTORCH_FINAL_LUA_MODDIR "${CTORCH_INSTALL_LUA_MODDIR}")
set(CTORCH_FINAL_LUA_CMODDIR "${CTORCH_INSTALL_LUA_CMODDIR}")
if(CTORCH_LUA_RUNTIME_DIR)
  set(CTORCH_FINAL_LUA_MODDIR "${CTORCH_LUA_RUNTIME_FULL_DIR}")
endif()
if(CTORCH_LUA_RUNTIME_CDIR)
  set(CTORCH_FINAL_LUA_CMODDIR "${CTORCH_LUA_RUNTIME_FULL_CDIR}")
endif()
foreach(dir LUA_CMODDIR LUA_MODDIR)
  if(IS_ABSOLUTE "${CTORCH_FINAL_${dir}}")
    set(CTORCH_PC_${dir} "${CTORCH_FINAL_${dir}}")
  else()
    set(CTORCH_PC_${dir} "\${prefix}/${CTORCH_FINAL_${dir}}")
  endif()
endforeach()
set(CTORCH_PC_DL_LIBS "")
foreach(lib ${CMAKE_DL_LIBS})
  string(APPEND CTORCH_PC_DL_LIBS " -l${lib}")
endforeach()
configure_file(${PROJECT_SOURCE_DIR}/ctorch.pc.in ${PROJECT_BINARY_DIR}/ctorch.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/ctorch.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# ---- CMake package: ctorch::ctorch (shared) and ctorch::ctorch_static
set(CTORCH_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/ctorch)
install(EXPORT ctorchTargets NAMESPACE ctorch:: DESTINATION ${CTORCH_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/ctorchConfig.cmake.in
  ${PROJECT_BINARY_DIR}/ctorchConfig.cmake
  INSTALL_DESTINATION ${CTORCH_CMAKE_DIR}
  PATH_VARS CTORCH_FINAL_LUA_CMODDIR CTORCH_FINAL_LUA_MODDIR)
# 0.x releases are compatible within a minor version
write_basic_package_version_file(${PROJECT_BINARY_DIR}/ctorchConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/ctorchConfig.cmake ${PROJECT_BINARY_DIR}/ctorchConfigVersion.cmake
  DESTINATION ${CTORCH_CMAKE_DIR})
