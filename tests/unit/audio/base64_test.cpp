#include <gtest/gtest.h>

#include "scenario/audio/base64.hpp"
#include "scenario/audio/errors.hpp"
#include "support/tools.hpp"

namespace scenario::audio {
namespace {

std::vector<std::uint8_t> bytes_of(std::string_view s) {
  return {s.begin(), s.end()};
}

TEST(Base64, Rfc4648TestVectors) {
  const std::pair<const char*, const char*> vectors[] = {{"", ""},
                                                         {"f", "Zg=="},
                                                         {"fo", "Zm8="},
                                                         {"foo", "Zm9v"},
                                                         {"foob", "Zm9vYg=="},
                                                         {"fooba", "Zm9vYmE="},
                                                         {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64_encode(bytes_of(plain)), encoded);
    EXPECT_EQ(base64_decode(encoded), bytes_of(plain));
  }
}

TEST(Base64, AllByteValuesRoundTripAndMatchCoreutils) {
  std::vector<std::uint8_t> all(256);
  for (int i = 0; i < 256; ++i) all[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(i);
  const auto dir = test::scratch_dir("base64");
  test::write_bytes(dir / "all.bin", all);
  const auto theirs =
      test::run_checked("base64 -w0 " + test::shell_quote((dir / "all.bin").string()));
  EXPECT_EQ(base64_encode(all), theirs);
  EXPECT_EQ(base64_decode(theirs), all);
}

TEST(Base64, MalformedTextIsRejectedWithThePosition) {
  auto expect_error = [](std::string_view text, const std::string& needle) {
    try {
      (void)base64_decode(text);
      ADD_FAILURE() << "accepted '" << text << "'";
    } catch (const Base64Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_error("Zm9", "not a multiple of 4");
  expect_error("Zm9v!A==", "'!' at offset 4");
  expect_error("Zm 9", "' ' at offset 2");
  expect_error("Zm=v", "'=' at offset 2");
  expect_error("Zh==", "non-zero bits");
  expect_error(std::string_view("Zm9\0", 4), "byte 0x00 at offset 3");
}

// The URL-safe alphabet as Python's base64.urlsafe_b64encode writes it, padded and not.
TEST(Base64, EitherAlphabetPaddedOrNotDecodesTheSameBytes) {
  std::vector<std::uint8_t> all(256);
  for (int i = 0; i < 256; ++i) all[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(i);
  const auto standard = base64_encode(all);
  ASSERT_NE(standard.find_first_of("+/"), std::string::npos);
  const auto dir = test::scratch_dir("base64-urlsafe");
  test::write_bytes(dir / "all.bin", all);
  const auto url_safe = test::run_checked(
      "python3 -c 'import base64,sys; sys.stdout.write(base64.urlsafe_b64encode(open(sys.argv[1],"
      "\"rb\").read()).decode())' " +
      test::shell_quote((dir / "all.bin").string()));
  ASSERT_NE(url_safe, standard);
  EXPECT_EQ(base64_decode_any_alphabet(standard), all);
  EXPECT_EQ(base64_decode_any_alphabet(url_safe), all);
  for (std::size_t n = 0; n <= 5; ++n) {
    const std::span<const std::uint8_t> some(all.data() + 250, n);
    auto unpadded = base64_encode(some);
    while (!unpadded.empty() && unpadded.back() == '=') unpadded.pop_back();
    EXPECT_EQ(base64_decode_any_alphabet(unpadded),
              std::vector<std::uint8_t>(some.begin(), some.end()))
        << unpadded;
  }
  EXPECT_THROW((void)base64_decode_any_alphabet("Zm9v+_"), Base64Error);  // both alphabets
  EXPECT_THROW((void)base64_decode_any_alphabet("Zm9vY"), Base64Error);   // 4n+1
  EXPECT_THROW((void)base64_decode_any_alphabet("AA="), Base64Error);     // half the padding
  EXPECT_THROW((void)base64_decode_any_alphabet("Zm!v"), Base64Error);
  EXPECT_THROW((void)base64_decode(url_safe), Base64Error) << "the strict decoder stays strict";
}

TEST(Base64, DecodeAppendsWithoutLosingWhatWasThere) {
  std::vector<std::uint8_t> out = {9, 9};
  base64_decode("Zm9v", out);
  EXPECT_EQ(out, (std::vector<std::uint8_t>{9, 9, 'f', 'o', 'o'}));
  EXPECT_THROW(base64_decode("Zm9v!!!!", out), Base64Error);
  EXPECT_EQ(out.size(), 5u) << "a failed decode must not leave partial output";
}

}  // namespace
}  // namespace scenario::audio
