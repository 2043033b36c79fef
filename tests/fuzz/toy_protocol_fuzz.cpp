// The toy protocol's codec (examples/toy_adapter), a wire parser like any other: decode must throw
// toy::ProtocolError or give a message that encodes and decodes back to the same message.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "toy_protocol.hpp"

namespace {

template <class... F>
struct Visitor : F... {
  using F::operator()...;
};
template <class... F>
Visitor(F...) -> Visitor<F...>;

bool same(const toy::Message& a, const toy::Message& b) {
  if (a.index() != b.index()) return false;
  return std::visit(
      Visitor{[&](const toy::Audio& x) {
                const auto& y = std::get<toy::Audio>(b);
                return x.pcm == y.pcm && x.reply == y.reply;
              },
              [&](const toy::Commit&) { return true; },
              [&](const toy::Interrupt& x) {
                return x.heard_ms == std::get<toy::Interrupt>(b).heard_ms;
              },
              [&](const toy::Transcript& x) {
                const auto& y = std::get<toy::Transcript>(b);
                return x.text == y.text && x.reply == y.reply;
              },
              [&](const toy::Done& x) { return x.reply == std::get<toy::Done>(b).reply; },
              [&](const toy::Stopped& x) { return x.reply == std::get<toy::Stopped>(b).reply; },
              [&](const toy::Error& x) {
                const auto& y = std::get<toy::Error>(b);
                return x.message == y.message && x.fatal == y.fatal;
              }},
      a);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  toy::Message m;
  try {
    m = toy::decode(text);
  } catch (const toy::ProtocolError&) {
    return 0;
  }
  if (!same(toy::decode(toy::encode(m)), m)) __builtin_trap();
  return 0;
}
