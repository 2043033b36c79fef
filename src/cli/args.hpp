#pragma once
// Minimal argument handling for the `scenario` tool: positionals and --name value options.

#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace scenario::cli {

/// A bad command line: printed as one line, exit code 2.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Args {
 public:
  /// Splits argv into positionals and options. `flags` take no value; every other --option takes
  /// exactly one. Unknown options are rejected.
  Args(const std::vector<std::string>& argv, const std::set<std::string>& options_with_value,
       const std::set<std::string>& flags = {});

  const std::vector<std::string>& positionals() const { return positionals_; }
  void expect_positionals(std::size_t count, const std::string& usage) const;
  bool has(const std::string& name) const { return values_.count(name) > 0; }
  std::optional<std::string> get(const std::string& name) const;
  int get_int(const std::string& name, int fallback, int min, int max) const;
  double get_double(const std::string& name, double fallback) const;

 private:
  std::vector<std::string> positionals_;
  std::map<std::string, std::string> values_;
};

}  // namespace scenario::cli
