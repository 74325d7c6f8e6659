# kpsynth_report: dataset analytics of a run directory as a self-contained
# HTML page and a JSON summary, CAF-free. Included from
# quality/CMakeLists.txt.
file(GLOB _report CONFIGURE_DEPENDS "${CMAKE_CURRENT_LIST_DIR}/report*.cpp")
if(_report AND TARGET kpsynth_core)
  kpsynth_library(kpsynth_report SOURCES ${_report} DEPS kpsynth_core)
endif()
