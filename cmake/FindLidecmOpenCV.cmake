# Debian ships OpenCVConfig.cmake only in the all-modules libopencv-dev package,
# which drags in Qt, VTK and more. lidecm needs a few modules, so it finds their
# headers and libraries directly and wraps them as imported targets.
#   find_package(LidecmOpenCV REQUIRED COMPONENTS core imgcodecs imgproc [photo])
#   -> LidecmOpenCV::<component>
include(FindPackageHandleStandardArgs)
find_path(LidecmOpenCV_INCLUDE_DIR opencv2/core.hpp PATH_SUFFIXES opencv4)
set(_lidecm_cv_vars LidecmOpenCV_INCLUDE_DIR)
foreach(_comp IN LISTS LidecmOpenCV_FIND_COMPONENTS)
  find_library(LidecmOpenCV_${_comp}_LIBRARY NAMES opencv_${_comp})
  if(LidecmOpenCV_${_comp}_LIBRARY)
    set(LidecmOpenCV_${_comp}_FOUND TRUE)
    if(NOT TARGET LidecmOpenCV::${_comp})
      add_library(LidecmOpenCV::${_comp} UNKNOWN IMPORTED)
      set_target_properties(LidecmOpenCV::${_comp} PROPERTIES
        IMPORTED_LOCATION "${LidecmOpenCV_${_comp}_LIBRARY}"
        INTERFACE_INCLUDE_DIRECTORIES "${LidecmOpenCV_INCLUDE_DIR}")
    endif()
  else()
    set(LidecmOpenCV_${_comp}_FOUND FALSE)
  endif()
endforeach()
find_package_handle_standard_args(LidecmOpenCV
  REQUIRED_VARS ${_lidecm_cv_vars} HANDLE_COMPONENTS)
