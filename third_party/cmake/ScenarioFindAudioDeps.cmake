# Finds what scenario_audio links against. Used both by our build and by the installed
# package config, so a consumer of scenario::audio gets the same imported targets.
pkg_check_modules(SCENARIO_LIBAV REQUIRED IMPORTED_TARGET libavformat libavcodec libavutil libswresample)
pkg_check_modules(SCENARIO_WEBRTC_APM REQUIRED IMPORTED_TARGET webrtc-audio-processing)
pkg_check_modules(SCENARIO_OPUS REQUIRED IMPORTED_TARGET opus)
