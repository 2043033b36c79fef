#include "args.hpp"

#include <cmath>

namespace scenario::cli {

Args::Args(const std::vector<std::string>& argv, const std::set<std::string>& options_with_value,
           const std::set<std::string>& flags) {
  for (std::size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a.size() > 2 && a.rfind("--", 0) == 0) {
      const std::string name = a.substr(2);
      if (flags.count(name)) {
        values_[name] = "";
      } else if (options_with_value.count(name)) {
        if (i + 1 >= argv.size()) throw UsageError("option --" + name + " needs a value");
        values_[name] = argv[++i];
      } else {
        throw UsageError("unknown option --" + name);
      }
    } else {
      positionals_.push_back(a);
    }
  }
}

void Args::expect_positionals(std::size_t count, const std::string& usage) const {
  if (positionals_.size() != count) {
    throw UsageError("expected " + std::to_string(count) + " argument(s), got " +
                     std::to_string(positionals_.size()) + "; usage: " + usage);
  }
}

std::optional<std::string> Args::get(const std::string& name) const {
  const auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

int Args::get_int(const std::string& name, int fallback, int min, int max) const {
  const auto v = get(name);
  if (!v) return fallback;
  std::size_t used = 0;
  long parsed = 0;
  try {
    parsed = std::stol(*v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != v->size() || v->empty())
    throw UsageError("--" + name + " expects a whole number, got '" + *v + "'");
  if (parsed < min || parsed > max) {
    throw UsageError("--" + name + " must be within " + std::to_string(min) + ".." +
                     std::to_string(max) + ", got " + *v);
  }
  return static_cast<int>(parsed);
}

double Args::get_double(const std::string& name, double fallback) const {
  const auto v = get(name);
  if (!v) return fallback;
  std::size_t used = 0;
  double parsed = 0;
  try {
    parsed = std::stod(*v, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used != v->size() || v->empty() || !std::isfinite(parsed)) {
    throw UsageError("--" + name + " expects a number, got '" + *v + "'");
  }
  return parsed;
}

}  // namespace scenario::cli
