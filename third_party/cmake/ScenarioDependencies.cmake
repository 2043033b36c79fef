# System dependencies, all from Debian 12 packages (scripts/install-deps.sh installs them).
# Imported targets are named here once; scenarioConfig.cmake recreates the same names for consumers.
find_package(PkgConfig REQUIRED)
include(${CMAKE_CURRENT_LIST_DIR}/ScenarioFindLibraryDeps.cmake)
find_package(GTest REQUIRED)
find_package(benchmark REQUIRED)
find_package(EXPAT REQUIRED)  # the fake Twilio reads TwiML with expat
