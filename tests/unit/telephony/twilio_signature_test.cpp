// X-Twilio-Signature, form bodies and TwiML, checked against vectors computed outside this code
// (Twilio's documentation example; `openssl dgst -sha1 -hmac` for the others).
#include <gtest/gtest.h>

#include "scenario/twilio/media_streams.hpp"
#include "scenario/twilio/signature.hpp"
#include "scenario/twilio/twiml.hpp"

namespace scenario::twilio {
namespace {

const FormParams kDocsParams{{"CallSid", "CA1234567890ABCDE"},
                             {"Caller", "+14158675309"},
                             {"Digits", "1234"},
                             {"From", "+14158675309"},
                             {"To", "+18005551212"}};
const std::string kDocsUrl = "https://mycompany.com/myapp.php?foo=1&bar=2";
const std::string kDocsSignature = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";

TEST(TwilioSignature, MatchesTwilioDocumentationExample) {
  EXPECT_EQ(compute_signature("12345", kDocsUrl, kDocsParams), kDocsSignature);
  // Parameter order on the wire does not matter: names are sorted.
  FormParams shuffled(kDocsParams.rbegin(), kDocsParams.rend());
  EXPECT_TRUE(validate_signature("12345", kDocsSignature, kDocsUrl, shuffled));
}

TEST(TwilioSignature, RejectsWrongMissingAndTamperedRequests) {
  EXPECT_FALSE(validate_signature("54321", kDocsSignature, kDocsUrl, kDocsParams));
  EXPECT_FALSE(validate_signature("12345", "", kDocsUrl, kDocsParams));
  EXPECT_FALSE(validate_signature("", kDocsSignature, kDocsUrl, kDocsParams));
  auto tampered = kDocsParams;
  tampered[2].second = "9999";
  EXPECT_FALSE(validate_signature("12345", kDocsSignature, kDocsUrl, tampered));
  EXPECT_FALSE(validate_signature("12345", kDocsSignature, kDocsUrl + "&x=1", kDocsParams));
  EXPECT_FALSE(validate_signature("12345", kDocsSignature.substr(1), kDocsUrl, kDocsParams));
}

TEST(TwilioSignature, AcceptsTheUrlWithoutItsPortOrWithTheDefaultOneAsTwiliosLibrariesDo) {
  // Twilio's backends differ on including :443: both forms validate.
  const std::string with_port = "https://mycompany.com:443/myapp.php?foo=1&bar=2";
  const std::string signed_with_port = compute_signature("12345", with_port, kDocsParams);
  EXPECT_NE(signed_with_port, kDocsSignature);
  EXPECT_TRUE(validate_signature("12345", signed_with_port, kDocsUrl, kDocsParams));
  EXPECT_TRUE(validate_signature("12345", kDocsSignature, with_port, kDocsParams));
  // Any port may be left out of the signed URL (twilio-python remove_port, twilio-node
  // removePort): a webhook behind :8443 signed as plain https validates.
  const std::string other_port = "https://mycompany.com:8443/myapp.php?foo=1&bar=2";
  EXPECT_TRUE(validate_signature("12345", kDocsSignature, other_port, kDocsParams));
  EXPECT_FALSE(validate_signature("12345", signed_with_port, other_port, kDocsParams));
  // http and :80 likewise.
  const auto http_sig = compute_signature("12345", "http://example.com:80/voice");
  EXPECT_TRUE(validate_signature("12345", http_sig, "http://example.com/voice"));
  // The default port the libraries add is :443 for https only, :80 for every other scheme: no
  // more lenient than Twilio, wss://host/ signed as wss://host:443/ is refused.
  EXPECT_FALSE(validate_signature("12345", compute_signature("12345", "wss://x.test:443/media"),
                                  "wss://x.test/media"));
  EXPECT_TRUE(validate_signature("12345", compute_signature("12345", "wss://x.test:80/media"),
                                 "wss://x.test/media"));
  EXPECT_EQ(signature_urls("wss://x.test/media"),
            (std::vector<std::string>{"wss://x.test/media", "wss://x.test:80/media"}));
  // As urlunparse writes it: scheme lower-cased, an empty query dropped.
  EXPECT_EQ(signature_urls("HTTPS://x.test:8443/a?"),
            (std::vector<std::string>{"https://x.test/a", "https://x.test:8443/a"}));
}

TEST(TwilioSignature, RepeatedNamesContributeEachValueSorted) {
  // StatusCallbackEvent repeats: "StatusCallbackEventanswered" then "…completed".
  const FormParams params{{"StatusCallbackEvent", "completed"},
                          {"StatusCallbackEvent", "answered"}};
  // printf '%s' 'https://x.test/cbStatusCallbackEventansweredStatusCallbackEventcompleted' |
  //   openssl dgst -sha1 -hmac 12345 -binary | base64
  EXPECT_EQ(compute_signature("12345", "https://x.test/cb", params),
            "/zUIZ3+C34zxnjtWTCxBItsO/jo=");
  // A value repeated identically counts once, as in twilio-python (sorted(set(values))) and
  // twilio-node (new Set).
  FormParams twice = params;
  twice.emplace_back("StatusCallbackEvent", "answered");
  EXPECT_EQ(compute_signature("12345", "https://x.test/cb", twice), "/zUIZ3+C34zxnjtWTCxBItsO/jo=");
}

TEST(TwilioSignature, JsonBodiesAreCheckedThroughBodySha256) {
  const std::string body = R"({"CallSid":"CA1234567890ABCDE","Caller":"+12349013030"})";
  EXPECT_EQ(sha256_hex(body), "5ccde7145dfb8f56479710896586cb9d5911809d83afbe34627818790db0aec9");
  const std::string url =
      "https://example.com/myapp?bodySHA256="
      "5ccde7145dfb8f56479710896586cb9d5911809d83afbe34627818790db0aec9";
  // openssl dgst -sha1 -hmac 12345 over the URL alone.
  const std::string signature = "hPXmLwIy3Fgqv1i9KPmH/HhQ6zo=";
  EXPECT_TRUE(validate_json_signature("12345", signature, url, body));
  EXPECT_FALSE(validate_json_signature("12345", signature, url, body + " "))
      << "a body that does not hash to bodySHA256";
  EXPECT_FALSE(validate_json_signature("12345", signature, "https://example.com/myapp", body));
  EXPECT_FALSE(validate_json_signature("99999", signature, url, body));
  // bodySHA256 is a query parameter, not a substring: another name ending in it comes first.
  const std::string prefixed =
      "https://example.com/myapp?xbodySHA256=1&bodySHA256="
      "5ccde7145dfb8f56479710896586cb9d5911809d83afbe34627818790db0aec9";
  EXPECT_TRUE(
      validate_json_signature("12345", compute_signature("12345", prefixed), prefixed, body));
}

TEST(TwilioForm, ParsesAndEncodesWebhookBodies) {
  const auto params = parse_form("From=%2B15550001111&Body=hello+world&Empty=&Flag&Caf%C3%A9=1");
  ASSERT_EQ(params.size(), 5u);
  EXPECT_EQ(params[0], (std::pair<std::string, std::string>{"From", "+15550001111"}));
  EXPECT_EQ(params[1].second, "hello world");
  EXPECT_EQ(params[2].second, "");
  EXPECT_EQ(params[3].first, "Flag");
  EXPECT_EQ(params[4].first, "Caf\xC3\xA9");
  EXPECT_EQ(form_value(params, "Body"), "hello world");
  EXPECT_EQ(parse_form(form_encode(params)), params);
  EXPECT_EQ(form_encode({{"Twiml", "<Play digits=\"1#\"/>"}}),
            "Twiml=%3CPlay%20digits%3D%221%23%22%2F%3E");
  try {
    parse_form("a=1&b=%zz");
    FAIL() << "bad escape accepted";
  } catch (const ProtocolError& e) {
    EXPECT_NE(std::string(e.what()).find("byte 6"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse_form("a=%4"), ProtocolError);
}

TEST(TwilioTwiml, ConnectStreamCarriesEscapedParametersAndDigits) {
  const auto doc = connect_stream_twiml("wss://x.test/twilio/media?a=1&b=2",
                                        {{"scenario_nonce", "n\"<1>"}}, "ww12#");
  EXPECT_EQ(doc, R"(<?xml version="1.0" encoding="UTF-8"?><Response><Play digits="ww12#"/>)"
                 R"(<Connect><Stream url="wss://x.test/twilio/media?a=1&amp;b=2">)"
                 R"(<Parameter name="scenario_nonce" value="n&quot;&lt;1&gt;"/></Stream></Connect>)"
                 R"(</Response>)");
  EXPECT_THROW(connect_stream_twiml("wss://x", {}, "1A"), std::invalid_argument);
  EXPECT_EQ(
      reject_twiml(),
      R"(<?xml version="1.0" encoding="UTF-8"?><Response><Reject reason="rejected"/></Response>)");
}

}  // namespace
}  // namespace scenario::twilio
