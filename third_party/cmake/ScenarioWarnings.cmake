# Warning flags for scenario-cpp's own targets (never applied to system headers).
add_library(scenario_warnings INTERFACE)
target_compile_options(scenario_warnings INTERFACE -Wall -Wextra -Wpedantic)
if(SCENARIO_WERROR)
  target_compile_options(scenario_warnings INTERFACE -Werror)
endif()
