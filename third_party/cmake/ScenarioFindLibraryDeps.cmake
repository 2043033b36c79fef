# Finds what scenario's libraries link against. Used both by our build and by the installed
# package config, so a consumer of scenario::audio gets the same imported targets.
pkg_check_modules(SCENARIO_LIBAV REQUIRED IMPORTED_TARGET libavformat libavcodec libavutil libswresample)
pkg_check_modules(SCENARIO_WEBRTC_APM REQUIRED IMPORTED_TARGET webrtc-audio-processing)
pkg_check_modules(SCENARIO_OPUS REQUIRED IMPORTED_TARGET opus)
find_package(Threads REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(CURL REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(Boost 1.74 REQUIRED)
pkg_check_modules(SCENARIO_ESPEAK REQUIRED IMPORTED_TARGET espeak-ng)
find_package(Protobuf 3.15 REQUIRED)  # the Pipecat protobuf serializer (proto3 optional needs 3.15)
