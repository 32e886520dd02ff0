# Install: the compiler side for C++ embedders (docs/Embedding.md).
#
#   cmake --install build --prefix PREFIX
#   # consumer: find_package(AttnMLIR CONFIG) ; target_link_libraries(app PRIVATE AttnMLIR::AttnMLIR)
#
# Installs the attn libraries (static archives, linked against Debian's
# shared libMLIR), the headers under include/attn (with the TableGen'd .inc
# files and the .td sources), the tools, and lib/cmake/AttnMLIR with
# AttnMLIRConfig.cmake (finds MLIR) and the exported targets
# AttnMLIR::<library> plus the umbrella AttnMLIR::AttnMLIR.
# test/Install/attn-mlir-find-package.test builds an out-of-tree consumer.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# Dependency order (a library before those it needs) is not required by
# CMake; the list is what an embedder may name.
set(ATTN_MLIR_EXPORTED_LIBS
  AttnUtils AttnDialect AttnToLinalg AttnTransforms AttnKernels AttnToGPU
  AttnPipelines AttnRegistration AttnCompile AttnRunner)
foreach(lib ${ATTN_MLIR_EXPORTED_LIBS})
  # In the build tree the include paths come from include_directories();
  # installed, every library carries the prefix's include directory.
  target_include_directories(${lib} INTERFACE
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
endforeach()

# The umbrella target: every library, for embedders that want all of it.
add_library(AttnMLIR INTERFACE)
target_link_libraries(AttnMLIR INTERFACE ${ATTN_MLIR_EXPORTED_LIBS})

install(TARGETS ${ATTN_MLIR_EXPORTED_LIBS} AttnMLIR attnrt_npy
        EXPORT AttnMLIRTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(EXPORT AttnMLIRTargets NAMESPACE AttnMLIR::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/AttnMLIR)

install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/attn
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.h" PATTERN "*.td")
install(DIRECTORY ${PROJECT_BINARY_DIR}/include/attn
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.inc" PATTERN "CMakeFiles" EXCLUDE)
install(FILES ${PROJECT_SOURCE_DIR}/include/attnrt/npy.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/attnrt)

# The tools find libattnrt beside them and libMLIR where LLVM is installed.
set_target_properties(attn-opt attn-compile attn-run PROPERTIES
  INSTALL_RPATH "\$ORIGIN/../${CMAKE_INSTALL_LIBDIR};${LLVM_LIBRARY_DIR}")
install(TARGETS attn-opt attn-compile attn-run
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

configure_package_config_file(
  ${CMAKE_CURRENT_LIST_DIR}/AttnMLIRConfig.cmake.in
  ${PROJECT_BINARY_DIR}/cmake/AttnMLIRConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/AttnMLIR
  PATH_VARS CMAKE_INSTALL_INCLUDEDIR)
install(FILES ${PROJECT_BINARY_DIR}/cmake/AttnMLIRConfig.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/AttnMLIR)

# The C API (lib/CAPI): libAttnMLIRCAPI.so and include/attn-c, exported as
# AttnMLIR::AttnMLIRCAPI (C embedders also need MLIR's include directory for
# mlir-c/, which the config adds to it).
if(TARGET AttnMLIRCAPI)
  install(TARGETS AttnMLIRCAPI EXPORT AttnMLIRTargets
          LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/attn-c
          DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.h")
endif()
