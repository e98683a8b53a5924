# The CMake package (issue 8): `cmake --install` puts the engine library `anvil`, its headers (as
# <prefix>/include/anvil/engine/..., so `#include "engine/..."` works downstream) and anvilConfig.cmake
# under the prefix; a downstream project says find_package(anvil) and links anvil::anvil.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)
set(ANVIL_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/anvil)

# Every engine header ships: the public ones include internal ones (tensor.h -> ir/uop.h -> ...).
# ops.def and mutants.def are X-macro tables those headers include. Test helpers stay behind.
# (anvil_options' INSTALL_INTERFACE in CMakeLists.txt names include/anvil.)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/engine/ DESTINATION include/anvil/engine
        FILES_MATCHING PATTERN "*.h" PATTERN "*.def" PATTERN "*_test_util.h" EXCLUDE)
if(NOT ANVIL_WITH_LLVM)  # its headers name LLVM's types; the library has no llvm backend then
  install(CODE "file(REMOVE_RECURSE \"\${CMAKE_INSTALL_PREFIX}/include/anvil/engine/runtime/llvm\")")
endif()

# anvil_options carries the usage requirements: the include root, the defines headers read
# (ANVIL_GUARD_PAGES changes GuardedAllocator), and the sanitizer runtimes the objects need.
install(TARGETS anvil anvil_options EXPORT anvilTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
set_target_properties(anvil_options PROPERTIES EXPORT_NAME options)
install(EXPORT anvilTargets NAMESPACE anvil:: DESTINATION ${ANVIL_INSTALL_CMAKEDIR})
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/anvilConfig.cmake.in ${PROJECT_BINARY_DIR}/anvilConfig.cmake
                              INSTALL_DESTINATION ${ANVIL_INSTALL_CMAKEDIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/anvilConfigVersion.cmake VERSION ${PROJECT_VERSION}
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/anvilConfig.cmake ${PROJECT_BINARY_DIR}/anvilConfigVersion.cmake
        DESTINATION ${ANVIL_INSTALL_CMAKEDIR})

# The package test: install this build into a scratch prefix, build cmake/downstream_test against
# it with find_package(anvil), run it (two tensors added on interp, values checked).
if(ANVIL_WITH_TESTS)
  add_test(NAME test_cmake_package
           COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/downstream_test/run.sh ${PROJECT_BINARY_DIR}
                   ${CMAKE_CURRENT_LIST_DIR}/downstream_test ${CMAKE_CXX_COMPILER})
  set_tests_properties(test_cmake_package PROPERTIES LABELS unit TIMEOUT 300)
endif()
