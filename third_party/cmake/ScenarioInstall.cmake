# Install rules and the CMake package config: find_package(scenario) then link scenario::audio,
# scenario::core, scenario::adapters or the umbrella scenario::scenario.
include(CMakePackageConfigHelpers)

set(SCENARIO_CMAKE_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/scenario")

install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/scenario" DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
install(TARGETS scenario_audio scenario_core scenario_adapters scenario_all
        EXPORT scenarioTargets
        ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}"
        LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}"
        RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}"
        INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
install(TARGETS scenario_cli RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}")
install(EXPORT scenarioTargets NAMESPACE scenario:: DESTINATION "${SCENARIO_CMAKE_DIR}")

configure_package_config_file("${PROJECT_SOURCE_DIR}/third_party/cmake/scenarioConfig.cmake.in"
                              "${PROJECT_BINARY_DIR}/scenarioConfig.cmake"
                              INSTALL_DESTINATION "${SCENARIO_CMAKE_DIR}")
write_basic_package_version_file("${PROJECT_BINARY_DIR}/scenarioConfigVersion.cmake"
                                 COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_BINARY_DIR}/scenarioConfig.cmake"
              "${PROJECT_BINARY_DIR}/scenarioConfigVersion.cmake"
              "${PROJECT_SOURCE_DIR}/third_party/cmake/ScenarioFindLibraryDeps.cmake"
        DESTINATION "${SCENARIO_CMAKE_DIR}")
