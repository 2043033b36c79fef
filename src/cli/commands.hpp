#pragma once

#include <string>
#include <vector>

namespace scenario::cli {

/// `scenario audio …`; returns the process exit code. Throws UsageError for bad arguments.
int run_audio(const std::vector<std::string>& args);

}  // namespace scenario::cli
