// Runs the emulator in-process on a free port for each test, with helpers
// that set up the world through the control plane and obtain tokens through
// the real identity endpoints.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "dispatcher.hpp"
#include "http_server.hpp"
#include "test_client.hpp"

namespace syncbridge::emulator::testing {

class EmulatorTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  std::string Url(const std::string& path) const { return base_url_ + path; }
  // Control-plane call; fails the test unless the status is 2xx.
  nlohmann::json Control(const std::string& method, const std::string& path, const nlohmann::json& body);

  // Registers tenant "contoso" with app "app-1"/"secret-1" and a site
  // contoso.sharepoint.com:/sites/demo; returns a Graph token.
  std::string SetUpGraph();
  std::string GraphToken(const std::string& tenant, const std::string& client_id, const std::string& secret);
  // Authenticated Graph call (path relative to /v1.0).
  ClientResponse Graph(const std::string& method, const std::string& path, const nlohmann::json& body = nullptr,
                       std::map<std::string, std::string> headers = {});
  // Creates list `name` with the given extra columns; returns its id.
  std::string CreateList(const std::string& name, const nlohmann::json& columns);
  std::string ItemsPath(const std::string& list) const { return "/sites/" + site_id_ + "/lists/" + list + "/items"; }

  // Registers user ann@example.com / token "api-token-1" and space DEMO;
  // sets basic_auth_ and space_id_.
  void SetUpConfluence();
  ClientResponse Wiki(const std::string& method, const std::string& path, const nlohmann::json& body = nullptr);
  std::string CreatePage(const std::string& title, const std::string& storage);

  std::unique_ptr<EmulatorState> state_;
  std::unique_ptr<Dispatcher> dispatcher_;
  std::unique_ptr<HttpServer> server_;
  std::string base_url_;
  std::string token_;
  std::string site_id_;
  std::string basic_auth_;
  std::string space_id_;
};

}  // namespace syncbridge::emulator::testing
