#pragma once
// Internal: writes whole lines to stdout, one at a time across threads (concurrent runs print
// their live transcripts without interleaving characters).

#include <string>

namespace scenario::detail {

void print_line(const std::string& text);

}  // namespace scenario::detail
