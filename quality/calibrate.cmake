# kpsynth_calibrate: judge-panel calibration (GSDP Table 4), CAF-free. It
# links the simulator's responder so that judge votes can be computed offline
# from judge profiles. Included from quality/CMakeLists.txt.
file(GLOB _calibrate CONFIGURE_DEPENDS
     "${CMAKE_CURRENT_LIST_DIR}/calibrate*.cpp")
if(_calibrate AND TARGET kpsynth_core)
  kpsynth_library(kpsynth_calibrate SOURCES ${_calibrate}
    DEPS kpsynth_core kpsynth_report kpsynth_sim_responder)
endif()
