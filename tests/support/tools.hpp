#pragma once
// Test helpers that run real media tools (sox, ffmpeg, espeak-ng) for fixtures and cross-checks.

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace scenario::test {

struct CommandResult {
  int exit_code;
  std::string output;  // stdout and stderr together
};

/// Runs a shell command, capturing its output.
CommandResult run_command(const std::string& command);
/// Runs a command and fails the calling test (via an exception) when it exits non-zero.
std::string run_checked(const std::string& command);

/// Quotes a string for /bin/sh.
std::string shell_quote(const std::string& text);

std::vector<std::uint8_t> read_bytes(const std::filesystem::path& path);
void write_bytes(const std::filesystem::path& path, const std::vector<std::uint8_t>& bytes);

/// A fresh, empty directory under the build tree for one test.
std::filesystem::path scratch_dir(const std::string& name);

}  // namespace scenario::test
