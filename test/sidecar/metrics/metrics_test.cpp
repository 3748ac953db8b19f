#include <gtest/gtest.h>

#include <atomic>

#include "http/client.hpp"
#include "metrics/endpoint.hpp"
#include "metrics/registry.hpp"

namespace syncbridge::metrics {
namespace {

TEST(Registry, RendersPrometheusText) {
  Registry r;
  r.Describe("syncbridge_changes_applied_total", "counter", "Changes applied remotely");
  r.Add("syncbridge_changes_applied_total", {{"sync", "books"}}, 3);
  r.Add("syncbridge_changes_applied_total", {{"sync", "books"}});
  r.Set("syncbridge_in_flight", {{"target", "say \"hi\"\\"}}, 2.5);
  EXPECT_EQ(r.Get("syncbridge_changes_applied_total", {{"sync", "books"}}), 4);
  EXPECT_EQ(r.Render(),
            "# HELP syncbridge_changes_applied_total Changes applied remotely\n"
            "# TYPE syncbridge_changes_applied_total counter\n"
            "syncbridge_changes_applied_total{sync=\"books\"} 4\n"
            "# TYPE syncbridge_in_flight gauge\n"
            "syncbridge_in_flight{target=\"say \\\"hi\\\"\\\\\"} 2.5\n");
}

TEST(Endpoint, ServesMetricsAndHealth) {
  http::CurlGlobal curl;
  Registry r;
  r.Set("up", {}, 1);
  std::atomic<bool> healthy{true};
  Endpoint endpoint([&r] { return r.Render(); }, [&healthy] { return healthy ? "" : std::string("slot lost"); });
  auto port = endpoint.Start("127.0.0.1:0");
  ASSERT_TRUE(port.Ok()) << port.Err().message;
  std::string base = "http://127.0.0.1:" + std::to_string(port.Value());
  http::Client client;
  auto metrics = client.Send({"GET", base + "/metrics", {}, ""});
  ASSERT_TRUE(metrics.Ok());
  EXPECT_EQ(metrics.Value().status, 200);
  EXPECT_NE(metrics.Value().body.find("up 1\n"), std::string::npos);
  EXPECT_EQ(client.Send({"GET", base + "/healthz", {}, ""}).Value().status, 200);
  healthy = false;
  auto sick = client.Send({"GET", base + "/healthz", {}, ""});
  EXPECT_EQ(sick.Value().status, 503);
  EXPECT_EQ(sick.Value().body, "slot lost\n");
  EXPECT_EQ(client.Send({"GET", base + "/nope", {}, ""}).Value().status, 404);
  EXPECT_FALSE(endpoint.Start("nonsense").Ok());
  endpoint.Stop();
}

}  // namespace
}  // namespace syncbridge::metrics
