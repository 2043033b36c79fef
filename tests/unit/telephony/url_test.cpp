#include <gtest/gtest.h>

#include "scenario/net/url.hpp"

namespace scenario::net {
namespace {

TEST(Url, SplitsSchemeHostPortAndTarget) {
  const auto u = parse_url("wss://Bot.Example.com/ws?token=1");
  EXPECT_EQ(u.scheme, "wss");
  EXPECT_EQ(u.host, "bot.example.com");
  EXPECT_EQ(u.port, "443");
  EXPECT_FALSE(u.explicit_port);
  EXPECT_EQ(u.target, "/ws?token=1");
  EXPECT_EQ(u.host_header(), "bot.example.com");
  const auto v = parse_url("ws://127.0.0.1:7860");
  EXPECT_EQ(v.port, "7860");
  EXPECT_EQ(v.target, "/");
  EXPECT_EQ(v.host_header(), "127.0.0.1:7860");
  const auto w = parse_url("http://[::1]:8080/x");
  EXPECT_EQ(w.host, "::1");
  EXPECT_EQ(w.host_header(), "[::1]:8080");
  EXPECT_EQ(parse_url("https://h:443/").host_header(), "h");
}

TEST(Url, RejectsWhatCannotBeConnectedToWithTheReason) {
  const auto error_of = [](const char* text) {
    try {
      parse_url(text);
    } catch (const UrlError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error_of("localhost:80").find("no scheme"), std::string::npos);
  EXPECT_NE(error_of("ftp://h/").find("unsupported scheme"), std::string::npos);
  EXPECT_NE(error_of("ws://user:pw@h/").find("credentials"), std::string::npos);
  EXPECT_NE(error_of("ws://h:99999/").find("port"), std::string::npos);
  EXPECT_NE(error_of("ws://h:/").find("port"), std::string::npos);
  EXPECT_NE(error_of("ws:///x").find("no host"), std::string::npos);
  EXPECT_NE(error_of("ws://h/a b").find("space"), std::string::npos);
  EXPECT_NE(error_of("ws://h/#frag").find("fragment"), std::string::npos);
  EXPECT_EQ(error_of("ws://user:s3cret@h/").find("s3cret"), std::string::npos);
  EXPECT_EQ(error_of("ws://h/a b?token=s3cret").find("s3cret"), std::string::npos);
}

}  // namespace
}  // namespace scenario::net
