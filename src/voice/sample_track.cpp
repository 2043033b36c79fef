#include "scenario/voice/sample_track.hpp"

#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string>

namespace scenario {
namespace {

struct Mapping {
  void* address = nullptr;
  std::size_t bytes = 0;
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  Mapping(void* a, std::size_t b) : address(a), bytes(b) {}
  ~Mapping() {
    if (address != nullptr) ::munmap(address, bytes);
  }
};

}  // namespace

SampleTrack::SampleTrack(std::vector<std::int16_t> samples) {
  auto owned = std::make_shared<const std::vector<std::int16_t>>(std::move(samples));
  data_ = owned->data();
  size_ = owned->size();
  owner_ = std::move(owned);
}

SampleTrack SampleTrack::map_file(int fd, std::size_t count) {
  SampleTrack track;
  if (count == 0) return track;
  const std::size_t bytes = count * sizeof(std::int16_t);
  void* address = ::mmap(nullptr, bytes, PROT_READ, MAP_SHARED, fd, 0);
  if (address == MAP_FAILED) {
    throw std::runtime_error(std::string("cannot map the recording's spill file: ") +
                             std::strerror(errno));
  }
  auto mapping = std::make_shared<const Mapping>(address, bytes);
  track.data_ = static_cast<const std::int16_t*>(address);
  track.size_ = count;
  track.owner_ = std::move(mapping);
  track.file_backed_ = true;
  return track;
}

}  // namespace scenario
