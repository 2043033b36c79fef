#pragma once
// In-process agents for engine tests: deterministic, observable, with failure modes on purpose.

#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "scenario/scenario.hpp"

namespace scenario::test {

/// Agent under test: answers "echo: <last user text>", records what it was given.
class EchoAgent : public AgentAdapter {
 public:
  AgentReply call(const AgentInput& input) override {
    const std::lock_guard lock(mutex);
    inputs.push_back(input);
    return "echo: " + input.last_new_user_message_str();
  }
  std::string name() const override { return "echo"; }
  std::mutex mutex;
  std::vector<AgentInput> inputs;
};

/// User simulator with fixed lines, in order; repeats the last one when it runs out.
class LinesUser : public AgentAdapter {
 public:
  explicit LinesUser(std::vector<std::string> lines) : lines_(std::move(lines)) {}
  AgentRole role() const override { return AgentRole::user; }
  std::string name() const override { return "lines-user"; }
  AgentReply call(const AgentInput&) override {
    const auto i = std::min(next_++, lines_.size() - 1);
    return lines_[i];
  }

 private:
  std::vector<std::string> lines_;
  std::size_t next_ = 0;
};

/// Judge: lets the run continue until `finish_after` assistant messages exist, then succeeds.
/// Inline criteria pass unless they contain "FAIL". Records each judgment request.
class CountingJudge : public AgentAdapter {
 public:
  explicit CountingJudge(std::size_t finish_after = 1000) : finish_after_(finish_after) {}
  AgentRole role() const override { return AgentRole::judge; }
  std::string name() const override { return "counting-judge"; }
  AgentReply call(const AgentInput& input) override {
    ++calls;
    if (input.judgment_request) {
      requests.push_back(*input.judgment_request);
      ScenarioResult r;
      r.success = true;
      const auto criteria =
          input.judgment_request->criteria.value_or(std::vector<std::string>{"own criterion"});
      for (const auto& c : criteria) {
        if (c.find("FAIL") != std::string::npos) {
          r.success = false;
          r.failed_criteria.push_back(c);
        } else {
          r.passed_criteria.push_back(c);
        }
      }
      r.reasoning = r.success ? "all criteria met" : "a criterion failed";
      return r;
    }
    std::size_t assistant = 0;
    for (const auto& m : input.messages) assistant += m.role == Role::assistant ? 1 : 0;
    if (assistant >= finish_after_)
      return ScenarioResult{
          .success = true, .reasoning = "enough replies", .passed_criteria = {"replies"}};
    return std::monostate{};
  }
  int calls = 0;
  std::vector<JudgmentRequest> requests;

 private:
  std::size_t finish_after_;
};

/// Agent under test that throws.
class ThrowingAgent : public AgentAdapter {
 public:
  std::string name() const override { return "broken-bot"; }
  AgentReply call(const AgentInput&) override {
    throw std::runtime_error("database connection refused");
  }
};

/// Agent under test that calls a tool, then answers from the tool's result.
class ToolAgent : public AgentAdapter {
 public:
  std::string name() const override { return "tool-bot"; }
  AgentReply call(const AgentInput& input) override {
    const auto& last = input.messages.back();
    if (last.role == Role::tool) return "Your order " + last.text() + " is on its way.";
    Message call{.role = Role::assistant, .content = std::nullopt};
    call.tool_calls.push_back({"call_1", "lookup_order", R"({"order_id":"A-17"})"});
    return std::vector<Message>{call, tool_result("call_1", "A-17")};
  }
};

/// Agent under test that takes its time.
class SlowAgent : public AgentAdapter {
 public:
  explicit SlowAgent(std::chrono::milliseconds delay) : delay_(delay) {}
  std::string name() const override { return "slow-bot"; }
  AgentReply call(const AgentInput& input) override {
    seen_messages = input.messages.size();
    std::this_thread::sleep_for(delay_);
    return "sorry for the wait";
  }
  std::atomic<std::size_t> seen_messages{0};

 private:
  std::chrono::milliseconds delay_;
};

}  // namespace scenario::test
