#pragma once
// What this process uses, read from /proc and getrusage, for the load and soak programs.

#include <dirent.h>
#include <sys/resource.h>

#include <fstream>
#include <string>

namespace scenario::bench {

/// Resident memory now, kB.
inline long rss_kb() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return 0;
}

/// User + system CPU time so far, s.
inline double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

/// Open file descriptors now.
inline int open_descriptors() {
  int n = 0;
  if (DIR* dir = opendir("/proc/self/fd")) {
    while (readdir(dir) != nullptr) ++n;
    closedir(dir);
  }
  return n - 3;  // ".", ".." and the descriptor reading the folder
}

/// Lifts the descriptor limit to the hard limit (two sockets per call add up).
inline void raise_descriptor_limit() {
  rlimit files{};
  getrlimit(RLIMIT_NOFILE, &files);
  files.rlim_cur = files.rlim_max;
  setrlimit(RLIMIT_NOFILE, &files);
}

}  // namespace scenario::bench
