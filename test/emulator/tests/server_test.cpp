// The server itself: async latency under concurrency, connection faults,
// and the command line (listening line, seed, --help, SIGTERM).
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <thread>

#include "emulator_fixture.hpp"

extern char** environ;

namespace syncbridge::emulator::testing {
namespace {

TEST_F(EmulatorTest, SixtyFourConcurrentRequestsAt50msFinishTogether) {
  SetUpGraph();
  Control("PUT", "/_emulator/faults", {{"latency_ms", 50}});
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 64; ++i)
    clients.emplace_back([&] {
      if (Graph("GET", "/sites/" + site_id_).status == 200) ++ok;
    });
  for (auto& client : clients) client.join();
  auto elapsed_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(ok, 64);
  EXPECT_GE(elapsed_ms, 50);
  // Serialised they would take 3.2 s; allow for thread start-up on 2 cores.
  EXPECT_LT(elapsed_ms, 1000);
  EXPECT_GE(Control("GET", "/_emulator/stats", nullptr)["max_concurrent"].get<int>(), 16);
}

TEST_F(EmulatorTest, ResetFaultDropsTheConnection) {
  SetUpGraph();
  Control("PUT", "/_emulator/faults", {{"rates", {{"reset", 1.0}}}});
  auto response = Graph("GET", "/sites/" + site_id_);
  EXPECT_EQ(response.status, 0);
  EXPECT_FALSE(response.error.empty());
}

TEST_F(EmulatorTest, TimeoutFaultNeverAnswers) {
  SetUpGraph();
  Control("PUT", "/_emulator/faults", {{"rates", {{"timeout", 1.0}}}});
  RequestOptions options;
  options.headers["Authorization"] = "Bearer " + token_;
  options.timeout_ms = 300;
  auto response = Send("GET", Url("/v1.0/sites/" + site_id_), "", options);
  EXPECT_EQ(response.status, 0);
  Control("PUT", "/_emulator/faults", {{"rates", {{"timeout", 0.0}}}});
  EXPECT_EQ(Graph("GET", "/sites/" + site_id_).status, 200);
}

// Runs the real binary; reads its first stdout line.
class EmulatorProcess {
 public:
  explicit EmulatorProcess(std::vector<std::string> args) {
    int fds[2];
    if (pipe(fds) != 0) return;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addclose(&actions, fds[0]);
    args.insert(args.begin(), EMULATOR_BINARY);
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, EMULATOR_BINARY, &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    out_ = fdopen(fds[0], "r");
  }
  ~EmulatorProcess() {
    if (pid_ > 0 && !waited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (out_) fclose(out_);
  }
  std::string ReadLine() {
    char buffer[256] = {0};
    if (!out_ || !fgets(buffer, sizeof buffer, out_)) return "";
    std::string line(buffer);
    if (!line.empty() && line.back() == '\n') line.pop_back();
    return line;
  }
  // Sends `signal` and returns the exit status.
  int Stop(int signal) {
    kill(pid_, signal);
    int status = 0;
    waitpid(pid_, &status, 0);
    waited_ = true;
    return status;
  }
  int Wait() {
    int status = 0;
    waitpid(pid_, &status, 0);
    waited_ = true;
    return status;
  }

 private:
  pid_t pid_ = -1;
  FILE* out_ = nullptr;
  bool waited_ = false;
};

TEST(EmulatorBinary, PrintsListeningLineServesSeedAndExitsOnSigterm) {
  std::string log_path = ::testing::TempDir() + "emulator_binary_test.log";
  std::remove(log_path.c_str());
  EmulatorProcess process({"--listen", "127.0.0.1:0", "--seed", std::string(EMULATOR_SEED_DIR) + "/demo.json",
                           "--log", log_path});
  std::string line = process.ReadLine();
  ASSERT_EQ(line.rfind("listening on http://127.0.0.1:", 0), 0u) << line;
  std::string base = line.substr(std::string("listening on ").size());
  EXPECT_NE(base.substr(base.rfind(':') + 1), "0");

  RequestOptions form;
  form.headers["Content-Type"] = "application/x-www-form-urlencoded";
  // The README demo's connection (tenant_id, client_id, secret, site).
  auto token = Send("POST", base + "/contoso.onmicrosoft.com/oauth2/v2.0/token",
                    "client_id=11111111-2222-3333-4444-555555555555&client_secret=demo-client-secret&"
                    "grant_type=client_credentials&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default",
                    form);
  ASSERT_EQ(token.status, 200) << token.body;
  RequestOptions bearer;
  bearer.headers["Authorization"] = "Bearer " + token.Json()["access_token"].get<std::string>();
  EXPECT_EQ(Send("GET", base + "/v1.0/sites/contoso.sharepoint.com:/sites/demo", "", bearer).status, 200);

  RequestOptions basic;
  basic.headers["Authorization"] = "Basic " + std::string("ZGVtb0BleGFtcGxlLmNvbTpkZW1vLWFwaS10b2tlbg==");  // demo@example.com:demo-api-token
  auto spaces = Send("GET", base + "/wiki/api/v2/spaces?keys=DEMO", "", basic);
  ASSERT_EQ(spaces.status, 200) << spaces.body;
  EXPECT_EQ(spaces.Json()["results"].size(), 1u);

  int status = process.Stop(SIGTERM);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);

  // One JSON line per API request, without secrets.
  std::ifstream log(log_path);
  std::string line_text, all;
  int lines = 0;
  while (std::getline(log, line_text)) {
    ++lines;
    all += line_text;
    EXPECT_FALSE(nlohmann::json::parse(line_text, nullptr, false).is_discarded()) << line_text;
  }
  EXPECT_EQ(lines, 3);
  EXPECT_EQ(all.find("demo-client-secret"), std::string::npos);
  EXPECT_EQ(all.find("Bearer"), std::string::npos);
}

TEST(EmulatorBinary, CommandLineKnobsAreInForceFromTheStart) {
  EmulatorProcess process({"--listen", "127.0.0.1:0", "--latency-ms", "120", "--jitter-ms", "7", "--faults",
                           "429=0.25,503=0.125,reset=0.0625,timeout=0.03125", "--ru-per-minute", "1234"});
  std::string line = process.ReadLine();
  ASSERT_EQ(line.rfind("listening on http://127.0.0.1:", 0), 0u) << line;
  std::string base = line.substr(std::string("listening on ").size());
  auto settings = Send("GET", base + "/_emulator/settings").Json();
  EXPECT_EQ(settings["faults"]["latency_ms"], 120);
  EXPECT_EQ(settings["faults"]["jitter_ms"], 7);
  EXPECT_EQ(settings["faults"]["rates"]["429"], 0.25);
  EXPECT_EQ(settings["faults"]["rates"]["503"], 0.125);
  EXPECT_EQ(settings["faults"]["rates"]["reset"], 0.0625);
  EXPECT_EQ(settings["faults"]["rates"]["timeout"], 0.03125);
  EXPECT_EQ(settings["limits"]["ru_per_minute"], 1234);
  // With the fault rates cleared, the latency still applies to API calls
  // (any answer, even a 404).
  Send("PUT", base + "/_emulator/faults", R"({"rates":{}})");
  auto start = std::chrono::steady_clock::now();
  Send("GET", base + "/nowhere");
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count(), 120);
  int status = process.Stop(SIGTERM);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(EmulatorBinary, HelpAndBadArgumentsExit) {
  EmulatorProcess help({"--help"});
  std::string first = help.ReadLine();
  EXPECT_NE(first.find("syncbridge-emulator"), std::string::npos);
  int status = help.Wait();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);

  // Bad arguments, whether CLI11 or the emulator finds them, exit 2.
  for (const auto& args : std::vector<std::vector<std::string>>{{"--listen", "127.0.0.1:0", "--faults", "429=7"},
                                                                {"--listen", "127.0.0.1:0", "--latency-ms", "-5"},
                                                                {"--listen", "127.0.0.1"},
                                                                {"--seed", "/nonexistent.json"}}) {
    EmulatorProcess bad(args);
    status = bad.Wait();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) << args[args.size() - 1];
  }
}

}  // namespace
}  // namespace syncbridge::emulator::testing
