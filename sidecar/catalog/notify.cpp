#include "catalog/notify.hpp"

#include <poll.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "catalog/pg.hpp"

namespace syncbridge::catalog {

Notification ParseNotification(const std::string& payload) {
  Notification n;
  n.payload = payload;
  const auto body = nlohmann::json::parse(payload, nullptr, false);
  if (body.is_discarded() || !body.is_object()) return n;
  auto str = [&body](const char* key) {
    auto it = body.find(key);
    return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  const std::string event = str("event");
  if (event == "catalog_changed") n.event = Notification::Event::kCatalogChanged;
  else if (event == "run_requested") n.event = Notification::Event::kRunRequested;
  else if (event == "cursor_reset") n.event = Notification::Event::kCursorReset;
  n.table = str("table");
  n.op = str("op");
  n.sync = str("sync");
  n.kind = str("kind");
  if (auto it = body.find("run_id"); it != body.end() && it->is_number_integer()) n.run_id = it->get<std::int64_t>();
  return n;
}

common::Status Listen(PGconn* conn) {
  auto res = Exec(conn, std::string("LISTEN ") + kChannel);
  if (!res) return res.Err();
  return {};
}

common::Result<std::vector<Notification>> Drain(PGconn* conn) {
  if (!PQconsumeInput(conn) || PQstatus(conn) != CONNECTION_OK) {
    std::string why = PQerrorMessage(conn);
    while (!why.empty() && why.back() == '\n') why.pop_back();
    return common::TransientError("notification connection: " + why);
  }
  std::vector<Notification> out;
  while (PGnotify* note = PQnotifies(conn)) {
    if (std::strcmp(note->relname, kChannel) == 0) out.push_back(ParseNotification(note->extra));
    PQfreemem(note);
  }
  return out;
}

common::Result<std::vector<Notification>> Wait(PGconn* conn, std::chrono::milliseconds timeout) {
  // Something may already be buffered from an earlier read.
  auto ready = Drain(conn);
  if (!ready || !ready.Value().empty()) return ready;
  pollfd pfd{PQsocket(conn), POLLIN, 0};
  if (pfd.fd < 0) return common::TransientError("notification connection: no socket");
  const int rc = ::poll(&pfd, 1, static_cast<int>(timeout.count()));
  if (rc < 0 && errno != EINTR) return common::TransientError(std::string("poll: ") + std::strerror(errno));
  return Drain(conn);
}

}  // namespace syncbridge::catalog
