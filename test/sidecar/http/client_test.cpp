#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>

#include "http/client.hpp"
#include "http/retry.hpp"
#include "in_process_emulator.hpp"

namespace syncbridge::http {
namespace {

using nlohmann::json;

class ClientTest : public ::testing::Test {
 protected:
  Response Call(const std::string& method, const std::string& path, const json& body = nullptr) {
    Request r{method, base_ + path, {{"Content-Type", "application/json"}}, body.is_null() ? "" : body.dump()};
    auto result = client_.Send(r);
    EXPECT_TRUE(result.Ok()) << (result.Ok() ? "" : result.Err().message);
    return result.Ok() ? result.Value() : Response{};
  }

  CurlGlobal curl_;
  testing::InProcessEmulator emulator_;
  std::string base_ = emulator_.BaseUrl();
  Client client_;
};

TEST_F(ClientTest, StatusesHeadersAndBodiesComeBackAsResponses) {
  Response ok = Call("POST", "/_emulator/apps", {{"tenant", "t"}, {"client_id", "c"}, {"client_secret", "s"}});
  EXPECT_LT(ok.status, 300);
  Request token{"POST", base_ + "/t/oauth2/v2.0/token", {{"Content-Type", "application/x-www-form-urlencoded"}},
                FormEncode({{"client_id", "c"}, {"client_secret", "wrong & wrong"}, {"grant_type", "client_credentials"},
                            {"scope", "https://graph.microsoft.com/.default"}})};
  auto denied = client_.Send(token);
  ASSERT_TRUE(denied.Ok());
  EXPECT_EQ(denied.Value().status, 401);
  EXPECT_EQ(json::parse(denied.Value().body)["error"], "invalid_client");
  ASSERT_NE(denied.Value().Header("content-type"), nullptr);
  EXPECT_NE(denied.Value().Header("content-type")->find("application/json"), std::string::npos);
}

TEST_F(ClientTest, InjectedThrottlingCarriesAUsableRetryAfter) {
  Call("PUT", "/_emulator/faults", {{"latency_ms", 0}, {"jitter_ms", 0}, {"rates", {{"429", 1.0}}}});
  Response r = Call("GET", "/v1.0/sites/root");
  EXPECT_EQ(r.status, 429);
  ASSERT_NE(r.Header("retry-after"), nullptr);
  auto wait = ParseRetryAfter(*r.Header("retry-after"), std::chrono::system_clock::now());
  ASSERT_TRUE(wait.has_value());
  EXPECT_GE(wait->count(), 0);
  EXPECT_TRUE(RetryPolicy::RetryableStatus(r.status));
}

TEST_F(ClientTest, DroppedConnectionsAndTimeoutsAreTransientErrors) {
  Call("PUT", "/_emulator/faults", {{"latency_ms", 0}, {"jitter_ms", 0}, {"rates", {{"reset", 1.0}}}});
  auto reset = client_.Send({"GET", base_ + "/v1.0/sites/root", {}, ""});
  ASSERT_FALSE(reset.Ok());
  EXPECT_EQ(reset.Err().kind, common::ErrorKind::kTransient);

  Call("PUT", "/_emulator/faults", {{"latency_ms", 2000}, {"jitter_ms", 0}, {"rates", json::object()}});
  Client impatient(ClientOptions{std::chrono::milliseconds(1000), std::chrono::milliseconds(200), "test", {}});
  auto slow = impatient.Send({"GET", base_ + "/v1.0/sites/root", {}, ""});
  ASSERT_FALSE(slow.Ok());
  EXPECT_EQ(slow.Err().kind, common::ErrorKind::kTransient);

  Call("PUT", "/_emulator/faults", {{"latency_ms", 0}, {"jitter_ms", 0}, {"rates", json::object()}});
  Response after = Call("GET", "/v1.0/sites/root");  // the same client recovers
  EXPECT_EQ(after.status, 401);                        // no token: Graph's own answer
}

TEST(UrlEncoding, ReservedCharactersAreEscaped) {
  EXPECT_EQ(UrlEncode("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
  EXPECT_EQ(FormEncode({{"x", "1"}, {"y z", "&"}}), "x=1&y%20z=%26");
}

}  // namespace
}  // namespace syncbridge::http
