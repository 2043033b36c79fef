// A downstream project using the installed scenario::audio package.
#include <iostream>
#include <scenario/audio.hpp>

int main() {
  using namespace scenario::audio;
  const std::vector<std::int16_t> canonical(480, 1000);  // 20 ms at 24 kHz
  const auto narrow = resample(canonical, 24000, 8000);
  const auto bytes = encode_samples(Encoding::mulaw, narrow);
  std::cout << "consumer: " << bytes.size() << " mu-law bytes per 20 ms frame, " << canonical.size()
            << " samples at 24 kHz\n";
  return bytes.size() == 160 ? 0 : 1;
}
