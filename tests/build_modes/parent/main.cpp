// Links the whole library (the adapters' generated protobuf code included) from a parent project.
#include <iostream>

#include "scenario/pipecat/frames.hpp"
#include "scenario/scenario.hpp"
#include "scenario/twilio/signature.hpp"

int main() {
  const auto bytes = scenario::pipecat::encode_audio(std::vector<std::int16_t>(320, 0), 16000);
  const auto frame = scenario::pipecat::decode_frame(bytes);
  const auto& audio = std::get<scenario::pipecat::AudioFrame>(frame);
  std::cout << "parent: pipecat audio frame at " << audio.sample_rate << " Hz, signature "
            << scenario::twilio::compute_signature("12345", "https://x.test/") << "\n";
  return 0;
}
