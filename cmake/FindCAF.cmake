# FindCAF.cmake -- locate the C++ Actor Framework as Debian packages it.
#
# Debian's libcaf-dev ships headers and shared libraries but no CMake package
# configuration and no pkg-config file, so we find them ourselves. The imported
# targets carry the names that CAF >= 0.18 exports (CAF::core, CAF::io), so a
# later switch to an upstream CAFConfig.cmake changes no target names.
#
# Beware: libcaf_openmpi / caf-openmpi.pc belong to Co-Array Fortran, not to
# the actor framework; we only look for caf_core, caf_io and caf_openssl.

find_path(CAF_INCLUDE_DIR NAMES caf/all.hpp)
if(CAF_INCLUDE_DIR AND EXISTS "${CAF_INCLUDE_DIR}/caf/config.hpp")
  file(STRINGS "${CAF_INCLUDE_DIR}/caf/config.hpp" _caf_version_line
       REGEX "^#define CAF_VERSION [0-9]+")
  string(REGEX REPLACE ".* ([0-9]+)$" "\\1" _caf_v "${_caf_version_line}")
  math(EXPR _caf_major "${_caf_v} / 10000")
  math(EXPR _caf_minor "(${_caf_v} / 100) % 100")
  math(EXPR _caf_patch "${_caf_v} % 100")
  set(CAF_VERSION "${_caf_major}.${_caf_minor}.${_caf_patch}")
endif()

set(_caf_components core ${CAF_FIND_COMPONENTS})
list(REMOVE_DUPLICATES _caf_components)
find_package(Threads REQUIRED)
foreach(comp IN LISTS _caf_components)
  find_library(CAF_${comp}_LIBRARY NAMES caf_${comp})
  if(CAF_${comp}_LIBRARY)
    set(CAF_${comp}_FOUND TRUE)
    if(NOT TARGET CAF::${comp})
      add_library(CAF::${comp} SHARED IMPORTED)
      set_target_properties(CAF::${comp} PROPERTIES
        IMPORTED_LOCATION "${CAF_${comp}_LIBRARY}"
        INTERFACE_INCLUDE_DIRECTORIES "${CAF_INCLUDE_DIR}")
      if(comp STREQUAL "core")
        set_target_properties(CAF::core PROPERTIES
          INTERFACE_LINK_LIBRARIES Threads::Threads)
      else()
        set_target_properties(CAF::${comp} PROPERTIES
          INTERFACE_LINK_LIBRARIES CAF::core)
      endif()
    endif()
  endif()
endforeach()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(CAF
  REQUIRED_VARS CAF_INCLUDE_DIR
  VERSION_VAR CAF_VERSION
  HANDLE_COMPONENTS)
mark_as_advanced(CAF_INCLUDE_DIR)
