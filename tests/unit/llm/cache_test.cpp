#include <gtest/gtest.h>

#include <fstream>

#include "fakes/openai_fake.hpp"
#include "llm_test_support.hpp"
#include "scenario/llm/chat.hpp"
#include "support/tools.hpp"

namespace scenario::llm {
namespace {

using nlohmann::json;

ChatClient client_for(fakes::FakeOpenAI& fake, std::shared_ptr<CallCache> cache) {
  return ChatClient({.model = "openai/gpt-4.1-mini",
                     .endpoint = {.api_key = fake.api_key(), .base_url = fake.base_url()}},
                    nullptr, std::move(cache), std::make_shared<test::RecordingSleeper>());
}

TEST(CallCache, RecordThenReplayGivesIdenticalResultsWithoutCalling) {
  const auto dir = test::scratch_dir("cache_record_replay");
  fakes::FakeOpenAI fake;
  fake.push_text("recorded answer");
  const ChatRequest request{.messages = {user_message("what is the refund window?")},
                            .temperature = 0.7};
  const auto recorded = client_for(fake, std::make_shared<CallCache>(dir, CacheMode::record))
                            .complete(request, "suite-v1");
  EXPECT_FALSE(recorded.from_cache);
  EXPECT_EQ(fake.server().request_count(), 1u);

  const auto replayed = client_for(fake, std::make_shared<CallCache>(dir, CacheMode::replay))
                            .complete(request, "suite-v1");
  EXPECT_TRUE(replayed.from_cache);
  EXPECT_EQ(replayed.message.to_json(), recorded.message.to_json());
  EXPECT_EQ(fake.server().request_count(), 1u) << "replay must not call the service";

  // The entry is a readable JSON file with the request and the response, and no secret.
  std::size_t entries = 0;
  for (const auto& file : std::filesystem::directory_iterator(dir)) {
    ++entries;
    const auto bytes = test::read_bytes(file.path());
    const std::string text(bytes.begin(), bytes.end());
    const json entry = json::parse(text);
    EXPECT_EQ(entry["request"]["cache_key"], "suite-v1");
    EXPECT_EQ(entry["request"]["request"]["messages"][0]["content"], "what is the refund window?");
    EXPECT_EQ(entry["response"]["choices"][0]["message"]["content"], "recorded answer");
    EXPECT_EQ(text.find(fake.api_key()), std::string::npos);
  }
  EXPECT_EQ(entries, 1u);
}

TEST(CallCache, ReplayMissIsAClearErrorNamingTheRequest) {
  const auto dir = test::scratch_dir("cache_miss");
  fakes::FakeOpenAI fake;
  try {
    (void)client_for(fake, std::make_shared<CallCache>(dir, CacheMode::replay))
        .complete({.messages = {user_message("never recorded")}}, "k");
    FAIL();
  } catch (const CacheMissError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("SCENARIO_CACHE=replay"), std::string::npos) << what;
    EXPECT_NE(what.find("openai/gpt-4.1-mini"), std::string::npos) << what;
    EXPECT_NE(what.find("never recorded"), std::string::npos) << what;
  }
  EXPECT_EQ(fake.server().request_count(), 0u);
}

TEST(CallCache, AutoModeCallsOnceAndTheCacheKeySeparatesEntries) {
  const auto dir = test::scratch_dir("cache_auto");
  fakes::FakeOpenAI fake;
  fake.push_text("one");
  fake.push_text("two");
  auto cache = std::make_shared<CallCache>(dir, CacheMode::auto_mode);
  const ChatRequest request{.messages = {user_message("hello")}};
  EXPECT_EQ(client_for(fake, cache).complete(request, "a").message.text(), "one");
  EXPECT_EQ(client_for(fake, cache).complete(request, "a").message.text(), "one");
  EXPECT_EQ(client_for(fake, cache).complete(request, "b").message.text(), "two");
  EXPECT_EQ(fake.server().request_count(), 2u);
}

TEST(CallCache, ModesFromText) {
  EXPECT_EQ(parse_cache_mode("auto"), CacheMode::auto_mode);
  EXPECT_EQ(parse_cache_mode("replay"), CacheMode::replay);
  EXPECT_THROW(parse_cache_mode("sometimes"), std::invalid_argument);
  EXPECT_EQ(CallCache::hash_of({{"a", 1}}).size(), 64u);
  EXPECT_EQ(CallCache::hash_of({{"a", 1}, {"b", 2}}),
            CallCache::hash_of(json::parse(R"({"b":2,"a":1})")));
}

}  // namespace
}  // namespace scenario::llm
