# What `cmake --install` puts under the prefix: the tools, libdlc (the shared
# library with include/dlc/dlc.h and version.h, its public headers), the
# Python module over it, the device files, the docs, a CMake package
# (imported dlc::dlc, dlc::dlc-opt, dlc::dlc-run, dlc::libdlc and
# dlc_add_model) and a pkg-config file. The package and the .pc file find the
# prefix from their own place, so an installed tree can be moved.
#
# No other headers: generated C includes only its own header and the C
# library, and the rest of include/dlc/ describes dlc_core, which stays
# inside libdlc.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(DLC_INSTALL_CMAKEDIR "${CMAKE_INSTALL_LIBDIR}/cmake/dlc")
set(DLC_INSTALL_PCDIR "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
set(DLC_INSTALL_DATADIR "${CMAKE_INSTALL_DATADIR}/dlc")
foreach(dlc_dir CMAKEDIR PCDIR DATADIR)
  if(IS_ABSOLUTE "${DLC_INSTALL_${dlc_dir}}")
    message(FATAL_ERROR "install: DLC_INSTALL_${dlc_dir} must be relative to the prefix, found ${DLC_INSTALL_${dlc_dir}}")
  endif()
endforeach()
# the way up from the package's and the .pc file's folders to the prefix
file(RELATIVE_PATH DLC_CMAKEDIR_TO_PREFIX "/${DLC_INSTALL_CMAKEDIR}" "/")
file(RELATIVE_PATH DLC_PCDIR_TO_PREFIX "/${DLC_INSTALL_PCDIR}" "/")
string(REGEX REPLACE "/$" "" DLC_CMAKEDIR_TO_PREFIX "${DLC_CMAKEDIR_TO_PREFIX}")
string(REGEX REPLACE "/$" "" DLC_PCDIR_TO_PREFIX "${DLC_PCDIR_TO_PREFIX}")

# installing drops the build's run path: keep the one to LLVM's libraries
set_target_properties(dlc dlc-opt dlc-run libdlc PROPERTIES INSTALL_RPATH "${LLVM_PREFIX}/lib")
install(TARGETS dlc dlc-opt dlc-run RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
install(TARGETS libdlc LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}" NAMELINK_COMPONENT Unspecified)
install(FILES "${CMAKE_SOURCE_DIR}/include/dlc/dlc.h" "${CMAKE_SOURCE_DIR}/include/dlc/version.h"
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/dlc")
# python/dlc.py finds libdlc from here: <prefix>/share/dlc/python -> <prefix>/LIBDIR
install(FILES "${CMAKE_SOURCE_DIR}/python/dlc.py" DESTINATION "${DLC_INSTALL_DATADIR}/python")

# targets/NAME/devices/*.json -> share/dlc/devices/NAME/*.json
file(GLOB dlc_device_dirs LIST_DIRECTORIES true "${CMAKE_SOURCE_DIR}/targets/*/devices")
foreach(dlc_dir ${dlc_device_dirs})
  get_filename_component(dlc_target_dir "${dlc_dir}" DIRECTORY)
  get_filename_component(dlc_target_name "${dlc_target_dir}" NAME)
  install(DIRECTORY "${dlc_dir}/" DESTINATION "${DLC_INSTALL_DATADIR}/devices/${dlc_target_name}" FILES_MATCHING PATTERN "*.json")
endforeach()

file(GLOB dlc_docs CONFIGURE_DEPENDS "${CMAKE_SOURCE_DIR}/docs/*.md")
install(FILES "${CMAKE_SOURCE_DIR}/README.md" ${dlc_docs} DESTINATION "${CMAKE_INSTALL_DOCDIR}")

# the package's version is project(VERSION); the tools print version.h's
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${CMAKE_SOURCE_DIR}/include/dlc/version.h")
file(STRINGS "${CMAKE_SOURCE_DIR}/include/dlc/version.h" dlc_version_line REGEX "define DLC_VERSION ")
if(NOT dlc_version_line MATCHES "\"${PROJECT_VERSION}\"")
  message(FATAL_ERROR "install: include/dlc/version.h (${dlc_version_line}) disagrees with project(VERSION ${PROJECT_VERSION})")
endif()
foreach(dlc_part MAJOR MINOR PATCH) # the numbers too: the major one is libdlc's SONAME
  file(STRINGS "${CMAKE_SOURCE_DIR}/include/dlc/version.h" dlc_version_line REGEX "define DLC_VERSION_${dlc_part} ")
  if(NOT dlc_version_line MATCHES " ${PROJECT_VERSION_${dlc_part}}$")
    message(FATAL_ERROR "install: include/dlc/version.h (${dlc_version_line}) disagrees with project(VERSION ${PROJECT_VERSION})")
  endif()
endforeach()
set(dlc_pkg "${CMAKE_BINARY_DIR}/package")
configure_file("${CMAKE_SOURCE_DIR}/cmake/dlcConfig.cmake.in" "${dlc_pkg}/dlcConfig.cmake" @ONLY)
write_basic_package_version_file("${dlc_pkg}/dlcConfigVersion.cmake" VERSION "${PROJECT_VERSION}"
                                 COMPATIBILITY SameMinorVersion)
configure_file("${CMAKE_SOURCE_DIR}/cmake/dlc.pc.in" "${dlc_pkg}/dlc.pc" @ONLY)
install(FILES "${dlc_pkg}/dlcConfig.cmake" "${dlc_pkg}/dlcConfigVersion.cmake" "${CMAKE_SOURCE_DIR}/cmake/dlcModel.cmake"
        DESTINATION "${DLC_INSTALL_CMAKEDIR}")
install(FILES "${dlc_pkg}/dlc.pc" DESTINATION "${DLC_INSTALL_PCDIR}")
