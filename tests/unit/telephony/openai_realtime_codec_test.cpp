// The OpenAI Realtime codec against the wire shapes in shared/protocols/openai-realtime.md: the
// doc's own example frames decode into the events they are, both dialects' names are understood,
// every event survives a round trip, and what is malformed is refused naming the event and field.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "scenario/audio/base64.hpp"
#include "scenario/openai/realtime.hpp"

namespace scenario::openai::realtime {
namespace {

using nlohmann::json;

template <class T>
const T& as(const ServerEvent& e) {
  const auto* p = std::get_if<T>(&e);
  if (p == nullptr) throw std::runtime_error("wrong alternative");
  return *p;
}

std::string error_of(auto&& fn) {
  try {
    fn();
  } catch (const ProtocolError& e) {
    return e.what();
  }
  return "no error";
}

TEST(OpenAIRealtimeCodec, SessionUpdateHasEachDialectsShape) {
  Session s{.instructions = "Be brief.",
            .voice = "verse",
            .input_format = AudioFormat::g711_ulaw,
            .output_format = AudioFormat::pcm16,
            .transcription_model = "gpt-4o-mini-transcribe",
            .turn_detection = {.type = TurnDetectionType::none},
            .tools = {{.name = "get_weather", .description = "Weather by city"}}};
  const auto beta = session_to_json(s, Dialect::beta);
  EXPECT_EQ(beta["input_audio_format"], "g711_ulaw");
  EXPECT_EQ(beta["output_audio_format"], "pcm16");
  EXPECT_EQ(beta["voice"], "verse");
  EXPECT_TRUE(beta["turn_detection"].is_null()) << "manual turns: the client commits";
  EXPECT_EQ(beta["input_audio_transcription"]["model"], "gpt-4o-mini-transcribe");
  EXPECT_FALSE(beta.contains("type")) << "a GA field a beta server would refuse";
  EXPECT_EQ(beta["tools"][0]["type"], "function");

  s.model = "gpt-realtime";
  const auto ga = session_to_json(s, Dialect::ga);
  EXPECT_EQ(ga["type"], "realtime") << "GA servers refuse a session without it";
  EXPECT_FALSE(ga.contains("voice")) << "GA servers refuse 'session.voice'";
  EXPECT_EQ(ga["audio"]["input"]["format"], json({{"type", "audio/pcmu"}}));
  EXPECT_EQ(ga["audio"]["output"]["format"], json({{"type", "audio/pcm"}, {"rate", 24000}}));
  EXPECT_EQ(ga["audio"]["output"]["voice"], "verse");
  EXPECT_TRUE(ga["audio"]["input"]["turn_detection"].is_null());
  EXPECT_EQ(ga["output_modalities"], json({"audio"}));

  // What either shape says reads back the same.
  for (const auto& j : {beta, ga}) {
    const auto back = session_from_json(j);
    EXPECT_EQ(back.voice, "verse");
    EXPECT_EQ(back.input_format, AudioFormat::g711_ulaw);
    EXPECT_EQ(back.output_format, AudioFormat::pcm16);
    EXPECT_EQ(back.turn_detection.type, TurnDetectionType::none);
    EXPECT_EQ(back.transcription_model, "gpt-4o-mini-transcribe");
    ASSERT_EQ(back.tools.size(), 1u);
    EXPECT_EQ(back.tools[0].name, "get_weather");
  }
}

TEST(OpenAIRealtimeCodec, TheDocsSessionCreatedSaysServerVadThatInterrupts) {
  const auto m = decode_server(
      R"({"type":"session.created","event_id":"event_1","session":{"type":"realtime","id":"sess_1","object":"realtime.session","model":"gpt-realtime","output_modalities":["audio"],"audio":{"input":{"format":{"type":"audio/pcm","rate":24000},"turn_detection":{"type":"server_vad","threshold":0.5,"prefix_padding_ms":300,"silence_duration_ms":500,"create_response":true,"interrupt_response":true}},"output":{"format":{"type":"audio/pcm","rate":24000},"voice":"alloy"}}}})");
  EXPECT_EQ(m.event_id, "event_1");
  const auto s = session_from_json(as<server::SessionCreated>(m.event).session);
  EXPECT_EQ(s.turn_detection.type, TurnDetectionType::server_vad);
  EXPECT_TRUE(s.turn_detection.interrupt_response);
  EXPECT_EQ(s.turn_detection.silence_duration_ms, 500);
  EXPECT_EQ(s.model, "gpt-realtime");

  // Semantic VAD, in the beta shape.
  const auto beta = session_from_json(
      json::parse(R"({"turn_detection":{"type":"semantic_vad","eagerness":"high"},"voice":"ash"})"));
  EXPECT_EQ(beta.turn_detection.type, TurnDetectionType::semantic_vad);
  EXPECT_EQ(beta.turn_detection.eagerness, "high");
  EXPECT_EQ(beta.voice, "ash");
}

TEST(OpenAIRealtimeCodec, AudioFormatsAreExactlyTheDocumentedOnes) {
  for (auto f : {AudioFormat::pcm16, AudioFormat::g711_ulaw, AudioFormat::g711_alaw})
    for (auto d : {Dialect::ga, Dialect::beta}) EXPECT_EQ(format_from_json(format_to_json(f, d)), f);
  EXPECT_EQ(sample_rate(AudioFormat::pcm16), 24000);
  EXPECT_EQ(sample_rate(AudioFormat::g711_alaw), 8000);
  EXPECT_EQ(bytes_per_ms(AudioFormat::pcm16), 48);
  EXPECT_NE(error_of([] { format_from_json(json{{"type", "audio/pcm"}, {"rate", 16000}}); })
                .find("only rate 24000"),
            std::string::npos);
  EXPECT_NE(error_of([] { format_from_json("pcm24"); }).find("unknown format \"pcm24\""),
            std::string::npos);
}

TEST(OpenAIRealtimeCodec, OddLengthPcmDeltasKeepTheirHalfSampleForTheNext) {
  std::vector<std::int16_t> samples;
  for (int i = 0; i < 480; ++i) samples.push_back(static_cast<std::int16_t>(i * 131 - 30000));
  const auto bytes = encode_audio(samples, AudioFormat::pcm16);
  ASSERT_EQ(bytes.size(), 960u);
  AudioDecoder decoder(AudioFormat::pcm16);
  std::vector<std::int16_t> out;
  // Cut at odd places: 1, 7, 333, the rest.
  std::size_t at = 0;
  for (std::size_t n : {std::size_t{1}, std::size_t{7}, std::size_t{333}, bytes.size() - 341}) {
    decoder.decode(std::span(bytes).subspan(at, n), out);
    at += n;
  }
  EXPECT_EQ(out, samples);
  EXPECT_FALSE(decoder.has_carry());
  decoder.decode(std::span(bytes).first(3), out);
  EXPECT_TRUE(decoder.has_carry()) << "a stream that stops on half a sample says so";

  // G.711 is one byte a sample: μ-law and A-law decode to within their quantization.
  for (auto f : {AudioFormat::g711_ulaw, AudioFormat::g711_alaw}) {
    const std::vector<std::int16_t> tone{0, 1000, -1000, 8000, -8000, 30000};
    AudioDecoder d(f);
    std::vector<std::int16_t> back;
    d.decode(encode_audio(tone, f), back);
    ASSERT_EQ(back.size(), tone.size());
    for (std::size_t i = 0; i < tone.size(); ++i) EXPECT_NEAR(back[i], tone[i], 1100) << i;
  }
}

TEST(OpenAIRealtimeCodec, ClientEventsRoundTrip) {
  const std::vector<std::uint8_t> pcm{1, 2, 3, 4};
  const std::vector<ClientEvent> events{
      client::SessionUpdate{.session = {{"instructions", "x"}}},
      client::AppendAudio{.audio = pcm},
      client::CommitAudio{},
      client::ClearAudio{},
      client::CreateItem{.item = {.type = "message",
                                  .role = "user",
                                  .content = {{.type = "input_text", .text = "Hello"}}}},
      client::CreateItem{
          .item = {.type = "function_call_output", .call_id = "call_abc", .output = "{\"t\":21}"}},
      client::CreateItem{.item = {.type = "message",
                                  .role = "user",
                                  .content = {{.type = "input_audio", .audio = pcm}}}},
      client::TruncateItem{.item_id = "item_1", .content_index = 0, .audio_end_ms = 1500},
      client::RetrieveItem{.item_id = "item_1"},
      client::DeleteItem{.item_id = "item_2"},
      client::CreateResponse{},
      client::CreateResponse{.response = {{"instructions", "Greet the caller."}}},
      client::CancelResponse{},
  };
  for (const auto& e : events) {
    const auto text = encode(e, "evt_7");
    const auto back = decode_client(text);
    EXPECT_EQ(back.event_id, "evt_7");
    EXPECT_EQ(back.event.index(), e.index()) << text;
    EXPECT_EQ(encode(back.event, "evt_7"), text) << "re-encodes to the same frame";
  }
  // The doc's compact examples parse as written.
  EXPECT_EQ(std::get<client::TruncateItem>(
                decode_client(R"({"type":"conversation.item.truncate","item_id":"item_123","content_index":0,"audio_end_ms":1500})")
                    .event)
                .audio_end_ms,
            1500);
  const auto fco = std::get<client::CreateItem>(
      decode_client(R"({"type":"conversation.item.create","item":{"type":"function_call_output","call_id":"call_abc","output":"{\"temp\":21}"}})")
          .event);
  EXPECT_EQ(fco.item.call_id, "call_abc");
  EXPECT_EQ(fco.item.output, R"({"temp":21})");
  EXPECT_EQ(json::parse(encode(client::CommitAudio{})), json({{"type", "input_audio_buffer.commit"}}))
      << "no event_id unless the client chose one";
}

TEST(OpenAIRealtimeCodec, TheHotPathAppendIsTheSameFrameAsTheGeneralEncoder) {
  std::vector<std::int16_t> frame;
  for (int i = 0; i < 480; ++i) frame.push_back(static_cast<std::int16_t>((i * 977) % 65536 - 32768));
  for (auto f : {AudioFormat::pcm16, AudioFormat::g711_ulaw, AudioFormat::g711_alaw}) {
    AppendEncoder encoder(f);
    for (int k = 0; k < 2; ++k) {  // reused buffers give the same frame again
      EXPECT_EQ(encoder.frame(frame), encode(client::AppendAudio{.audio = encode_audio(frame, f)}));
    }
    const auto back = decode_client(encoder.frame(frame));
    EXPECT_EQ(std::get<client::AppendAudio>(back.event).audio, encode_audio(frame, f));
  }
}

TEST(OpenAIRealtimeCodec, AppendsStayUnderTheMessageLimit) {
  // base64 of kMaxAppendBytes plus the envelope fits in 15 MiB; one byte more is refused.
  const std::vector<std::uint8_t> max(kMaxAppendBytes, 0);
  EXPECT_LE(encode(client::AppendAudio{.audio = max}).size(), 15u * 1024 * 1024);
  const std::vector<std::uint8_t> over(kMaxAppendBytes + 1, 0);
  EXPECT_NE(error_of([&] { encode(client::AppendAudio{.audio = over}); }).find("15 MiB"),
            std::string::npos);
}

TEST(OpenAIRealtimeCodec, MalformedClientEventsNameTheEventAndField) {
  EXPECT_EQ(error_of([] { decode_client("{"); }), "client event: not JSON");
  EXPECT_EQ(error_of([] { decode_client("[1]"); }), "client event: not a JSON object");
  EXPECT_EQ(error_of([] { decode_client(R"({"event_id":"e"})"); }), "client event: missing \"type\"");
  EXPECT_EQ(error_of([] { decode_client(R"({"type":"input_audio_buffer.append","audio":"A"})"); })
                .rfind("input_audio_buffer.append: \"audio\" is not base64", 0),
            0u);
  EXPECT_EQ(error_of([] { decode_client(R"({"type":"conversation.item.truncate","item_id":"i","content_index":0})"); }),
            "conversation.item.truncate: missing \"audio_end_ms\"");
  EXPECT_EQ(error_of([] { decode_client(R"({"type":"conversation.item.truncate","item_id":"i","content_index":0,"audio_end_ms":-5})"); }),
            "conversation.item.truncate: \"audio_end_ms\" is negative");
  EXPECT_EQ(error_of([] { decode_client(R"({"type":"response.make"})"); }),
            "response.make: unknown client event type");
  EXPECT_EQ(error_of([] { decode_client(R"({"type":"conversation.item.create","item":{"type":"message","content":[]}})"); }),
            "conversation.item.create: a message item has no \"role\"");
}

TEST(OpenAIRealtimeCodec, TheDocsServerExamplesDecodeIntoTheirEvents) {
  const auto started = decode_server(
      R"({"type":"input_audio_buffer.speech_started","event_id":"event_2","audio_start_ms":1000,"item_id":"item_u1"})");
  EXPECT_EQ(as<server::SpeechStarted>(started.event).audio_start_ms, 1000);
  const auto committed = decode_server(
      R"({"type":"input_audio_buffer.committed","event_id":"event_4","previous_item_id":null,"item_id":"item_u1"})");
  EXPECT_FALSE(as<server::AudioCommitted>(committed.event).previous_item_id.has_value());
  const auto added = decode_server(
      R"({"type":"conversation.item.added","event_id":"event_5","previous_item_id":null,"item":{"id":"item_u1","type":"message","role":"user","status":"completed","content":[{"type":"input_audio","transcript":null}]}})");
  EXPECT_EQ(as<server::ItemAdded>(added.event).stage, server::ItemAdded::Stage::added);
  EXPECT_EQ(as<server::ItemAdded>(added.event).item.role, "user");
  const auto delta = decode_server(
      R"({"type":"response.output_audio.delta","event_id":"event_8","response_id":"resp_1","item_id":"item_a1","output_index":0,"content_index":0,"delta":"AAAA"})");
  EXPECT_EQ(as<server::AudioDelta>(delta.event).audio, std::vector<std::uint8_t>(3, 0));
  EXPECT_EQ(as<server::AudioDelta>(delta.event).ref.item_id, "item_a1");
  const auto done = decode_server(
      R"({"type":"response.done","event_id":"event_13","response":{"id":"resp_1","object":"realtime.response","status":"completed","status_details":null,"output":[{"id":"item_a1","type":"message","role":"assistant","status":"completed","content":[{"type":"output_audio","transcript":"Hello there."}]}],"usage":{"total_tokens":120,"input_tokens":80,"output_tokens":40}}})");
  const auto& r = as<server::ResponseDone>(done.event).response;
  EXPECT_EQ(r.status, ResponseStatus::completed);
  ASSERT_TRUE(r.usage.has_value());
  EXPECT_EQ(r.usage->total_tokens, 120);
  ASSERT_EQ(r.output.size(), 1u);
  EXPECT_EQ(r.output[0].content[0].transcript, "Hello there.");
  const auto limits = decode_server(
      R"({"type":"rate_limits.updated","event_id":"event_14","rate_limits":[{"name":"requests","limit":1000,"remaining":999,"reset_seconds":60},{"name":"tokens","limit":50000,"remaining":49880,"reset_seconds":0.2}]})");
  EXPECT_DOUBLE_EQ(as<server::RateLimitsUpdated>(limits.event).rate_limits[1].reset_seconds, 0.2);
  const auto args = decode_server(
      R"({"type":"response.function_call_arguments.done","event_id":"event_21","response_id":"resp_2","item_id":"item_f1","output_index":0,"call_id":"call_abc","name":"get_weather","arguments":"{\"city\":\"Paris\"}"})");
  EXPECT_EQ(as<server::FunctionArgumentsDone>(args.event).name, "get_weather");
  const auto err = decode_server(
      R"({"type":"error","event_id":"event_40","error":{"type":"invalid_request_error","code":"input_audio_buffer_commit_empty","message":"Error committing input audio buffer: buffer too small.","param":null,"event_id":null}})");
  EXPECT_EQ(as<server::Error>(err.event).code, "input_audio_buffer_commit_empty");
  const auto cancelled = decode_server(
      R"({"type":"response.done","event_id":"e","response":{"id":"resp_3","status":"cancelled","status_details":{"type":"cancelled","reason":"turn_detected"},"output":[]}})");
  EXPECT_EQ(as<server::ResponseDone>(cancelled.event).response.status_reason, "turn_detected");
  EXPECT_EQ(as<server::Other>(decode_server(R"({"type":"mcp_list_tools.completed","event_id":"e"})").event).type,
            "mcp_list_tools.completed");
}

TEST(OpenAIRealtimeCodec, BetaNamesAreTheSameEvents) {
  const auto beta = decode_server(
      R"({"type":"response.audio.delta","event_id":"e","response_id":"r","item_id":"i","output_index":0,"content_index":0,"delta":"AQI="})");
  EXPECT_EQ(as<server::AudioDelta>(beta.event).audio, (std::vector<std::uint8_t>{1, 2}));
  EXPECT_EQ(beta.type, "response.audio.delta");
  const auto transcript = decode_server(
      R"({"type":"response.audio_transcript.delta","event_id":"e","response_id":"r","item_id":"i","output_index":0,"content_index":0,"delta":"Hi"})");
  EXPECT_EQ(as<server::TranscriptDelta>(transcript.event).delta, "Hi");
}

TEST(OpenAIRealtimeCodec, EveryServerEventRoundTripsInBothDialects) {
  const OutputRef ref{.response_id = "resp_1", .item_id = "item_a1", .output_index = 0,
                      .content_index = 0};
  const Item assistant{.id = "item_a1", .type = "message", .role = "assistant",
                       .status = "completed",
                       .content = {{.type = "audio", .transcript = "Hello."}}};
  const Item call{.id = "item_f1", .type = "function_call", .status = "completed",
                  .call_id = "call_1", .name = "lookup", .arguments = "{}"};
  const std::vector<ServerEvent> events{
      server::SessionCreated{.session = {{"id", "sess_1"}}},
      server::SessionUpdated{.session = {{"id", "sess_1"}}},
      server::SpeechStarted{.audio_start_ms = 20, .item_id = "item_u1"},
      server::SpeechStopped{.audio_end_ms = 900, .item_id = "item_u1"},
      server::AudioCommitted{.item_id = "item_u1"},
      server::AudioCleared{},
      server::ItemAdded{.stage = server::ItemAdded::Stage::created, .item = assistant},
      server::ItemAdded{.stage = server::ItemAdded::Stage::done, .item = call,
                        .previous_item_id = "item_u1"},
      server::ItemTruncated{.item_id = "item_a1", .audio_end_ms = 640},
      server::ItemRetrieved{.item = assistant},
      server::ItemDeleted{.item_id = "item_a1"},
      server::InputTranscriptionDelta{.item_id = "item_u1", .delta = "Hi"},
      server::InputTranscriptionCompleted{.item_id = "item_u1", .transcript = "Hi there"},
      server::InputTranscriptionFailed{.item_id = "item_u1", .message = "no speech"},
      server::ResponseCreated{.response = {.id = "resp_1"}},
      server::OutputItemAdded{.response_id = "resp_1", .item = assistant},
      server::OutputItemDone{.response_id = "resp_1", .output_index = 1, .item = call},
      server::ContentPartAdded{.ref = ref, .part = {.type = "audio"}},
      server::ContentPartDone{.ref = ref, .part = {.type = "audio", .transcript = "Hello."}},
      server::AudioDelta{.ref = ref, .audio = {1, 2, 3}},
      server::AudioDone{.ref = ref},
      server::TranscriptDelta{.ref = ref, .delta = "Hel"},
      server::TranscriptDone{.ref = ref, .transcript = "Hello."},
      server::TextDelta{.ref = ref, .delta = "Hel"},
      server::TextDone{.ref = ref, .text = "Hello."},
      server::FunctionArgumentsDelta{.ref = ref, .call_id = "call_1", .delta = "{"},
      server::FunctionArgumentsDone{.ref = ref, .call_id = "call_1", .name = "lookup",
                                    .arguments = "{}"},
      server::ResponseDone{.response = {.id = "resp_1",
                                        .status = ResponseStatus::cancelled,
                                        .status_reason = "client_cancelled",
                                        .output = {assistant},
                                        .usage = Usage{.input_tokens = 5, .output_tokens = 7,
                                                       .total_tokens = 12}}},
      server::RateLimitsUpdated{.rate_limits = {{.name = "requests", .limit = 100,
                                                 .remaining = 99, .reset_seconds = 1}}},
      server::Error{.type = "invalid_request_error", .code = "x", .message = "bad",
                    .event_id = "evt_1"},
  };
  for (auto dialect : {Dialect::ga, Dialect::beta}) {
    for (const auto& e : events) {
      const auto text = encode(e, dialect, "event_9");
      const auto back = decode_server(text);
      EXPECT_EQ(back.event_id, "event_9");
      EXPECT_EQ(back.type, type_of(e, dialect));
      EXPECT_EQ(back.event.index(), e.index()) << text;
      EXPECT_EQ(encode(back.event, dialect, "event_9"), text) << "nothing lost: " << text;
    }
  }
  EXPECT_EQ(type_of(server::AudioDelta{}, Dialect::beta), "response.audio.delta");
  EXPECT_EQ(type_of(server::AudioDelta{}, Dialect::ga), "response.output_audio.delta");
  EXPECT_EQ(type_of(server::TranscriptDone{}, Dialect::ga), "response.output_audio_transcript.done");
  // Beta's function_call_arguments.done has no name (the SDK type); GA's has.
  EXPECT_FALSE(json::parse(encode(server::FunctionArgumentsDone{.name = "f"}, Dialect::beta, "e"))
                   .contains("name"));
}

TEST(OpenAIRealtimeCodec, MalformedServerEventsNameTheEventAndField) {
  EXPECT_EQ(error_of([] { decode_server("not json"); }), "server event: not JSON");
  EXPECT_EQ(error_of([] { decode_server(R"({"type":7})"); }), "server event: \"type\" is not a string");
  EXPECT_EQ(error_of([] { decode_server(R"({"type":"response.output_audio.delta","response_id":"r","item_id":"i","delta":"@@@@"})"); })
                .rfind("response.output_audio.delta: \"delta\" is not base64", 0),
            0u);
  EXPECT_EQ(error_of([] { decode_server(R"({"type":"response.output_audio.delta","item_id":"i","delta":""})"); }),
            "response.output_audio.delta: missing \"response_id\"");
  EXPECT_EQ(error_of([] { decode_server(R"({"type":"response.done","response":{"id":"r","status":"exploded"}})"); }),
            "response.done: unknown response status \"exploded\"");
  EXPECT_EQ(error_of([] { decode_server(R"({"type":"error","error":"boom"})"); }),
            "error: \"error\" is not an object");
}

TEST(OpenAIRealtimeCodec, PartialSessionUpdatesMergeKeyByKey) {
  json session = session_to_json({}, Dialect::ga);
  merge_session(session, json::parse(R"({"audio":{"input":{"format":{"type":"audio/pcmu"}}}})"));
  EXPECT_EQ(session["audio"]["input"]["format"], json({{"type", "audio/pcmu"}}));
  EXPECT_EQ(session["audio"]["output"]["voice"], "alloy") << "the output side is left alone";
  EXPECT_TRUE(session["audio"]["input"]["turn_detection"].is_object());
  merge_session(session, json::parse(R"({"audio":{"input":{"turn_detection":{"type":"semantic_vad"}}}})"));
  EXPECT_FALSE(session["audio"]["input"]["turn_detection"].contains("threshold"))
      << "a switch of VAD type replaces the old settings";
  merge_session(session, json::parse(R"({"audio":{"input":{"turn_detection":null}},"tracing":"auto"})"));
  EXPECT_TRUE(session["audio"]["input"]["turn_detection"].is_null()) << "null turns VAD off";
  EXPECT_EQ(session["tracing"], "auto");
  EXPECT_EQ(session_from_json(session).turn_detection.type, TurnDetectionType::none);
}

}  // namespace
}  // namespace scenario::openai::realtime
