# Small helpers so that every component is declared the same way.

# Warnings for our own code only; dependencies are system headers.
function(kpsynth_set_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-missing-field-initializers)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # GCC 12 reports false positives from inlined libstdc++ string code.
    target_compile_options(${target} PRIVATE -Wno-restrict -Wno-stringop-overflow)
  endif()
  if(KPSYNTH_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# kpsynth_library(<name> SOURCES <files...> DEPS <targets...>)
# Declares a static library rooted at the repository root, so that includes
# read as "net/http_client.hpp" everywhere.
function(kpsynth_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC "${PROJECT_SOURCE_DIR}")
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
  kpsynth_set_warnings(${name})
endfunction()

# kpsynth_test(<name> SOURCES <files...> DEPS <targets...>)
# One Catch2 executable per component; the Catch main is compiled once.
function(kpsynth_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE kpsynth_catch_main ${ARG_DEPS})
  target_compile_definitions(${name} PRIVATE
    KPSYNTH_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  kpsynth_set_warnings(${name})
  catch_discover_tests(${name}
    WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}"
    PROPERTIES TIMEOUT 300)
endfunction()
