// syncbridged: entry point. Subcommands: keygen, decode, check, run.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>

#include "app/check.hpp"
#include "app/decode.hpp"
#include "app/run_config.hpp"
#include "crypto/sealed_box.hpp"
#include "daemon/daemon.hpp"

namespace {

int RunKeygen(const std::string& out) {
  auto keys = syncbridge::crypto::GenerateKeyPair();
  if (!keys) {
    std::fprintf(stderr, "syncbridged keygen: %s\n", keys.Err().message.c_str());
    return 1;
  }
  auto st = syncbridge::crypto::WriteKeyFile(out, keys.Value());
  if (!st) {
    std::fprintf(stderr, "syncbridged keygen: %s\n", st.Err().message.c_str());
    return 1;
  }
  std::printf("%s\n", keys.Value().PublicKeyLiteral().c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"syncbridged: syncs PostgreSQL tables with SharePoint lists and Confluence pages"};
  app.require_subcommand(1);

  std::string key_out;
  auto* keygen = app.add_subcommand("keygen", "write an X25519 key pair file and print the public key");
  keygen->add_option("--out", key_out, "key file to create (mode 0600, never overwritten)")
      ->required()
      ->envname("SYNCBRIDGE_KEY_FILE");

  syncbridge::app::DecodeOptions dec;
  auto* decode = app.add_subcommand("decode", "print every change of a slot as one JSON line (docs/decode-format.md)");
  decode->add_option("--conninfo", dec.conninfo, "libpq connection string")->required()->envname("SYNCBRIDGE_CONNINFO");
  decode->add_option("--slot", dec.slot, "logical replication slot (pgoutput)")->required()->envname("SYNCBRIDGE_SLOT");
  decode->add_option("--publication", dec.publication, "publication name")
      ->capture_default_str()
      ->envname("SYNCBRIDGE_PUBLICATION");
  decode->add_option("--start", dec.start, "start LSN (X/X)")->capture_default_str()->envname("SYNCBRIDGE_START");
  decode->add_flag("--confirm", dec.confirm, "confirm each transaction once its lines are written")
      ->envname("SYNCBRIDGE_CONFIRM");
  decode->add_option("--status-interval", dec.status_interval_s, "seconds between status updates")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600))
      ->envname("SYNCBRIDGE_STATUS_INTERVAL");
  decode->add_option("--stream-spill-bytes", dec.spill_bytes,
                     "bytes of pending lines kept in memory per transaction before the rest goes to a temporary file")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1024}, std::size_t{1} << 34))
      ->envname("SYNCBRIDGE_STREAM_SPILL_BYTES");
  decode->add_option("--spill-dir", dec.spill_dir, "directory for spill files (default $TMPDIR or /tmp)")
      ->envname("SYNCBRIDGE_SPILL_DIR");
  decode->add_option("--reconnect-initial-ms", dec.reconnect_initial_ms, "first reconnect delay (then doubled, with jitter)")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600000))
      ->envname("SYNCBRIDGE_RECONNECT_INITIAL_MS");
  decode->add_option("--reconnect-max-ms", dec.reconnect_max_ms, "longest reconnect delay")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600000))
      ->envname("SYNCBRIDGE_RECONNECT_MAX_MS");
  decode->add_option("--reconnect-attempts", dec.reconnect_attempts,
                     "consecutive failed reconnects before exiting 1 (0 = keep trying)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000000))
      ->envname("SYNCBRIDGE_RECONNECT_ATTEMPTS");

  syncbridge::daemon::DaemonOptions run;
  auto* run_cmd = app.add_subcommand("run", "the daemon: push every change of synced tables to their lists (docs/sidecar.md)");
  // --config FILE.toml is expanded into flags before parsing (app/run_config.hpp);
  // declared here so that --help lists it.
  std::string config_file;
  run_cmd->add_option("--config", config_file, "TOML file of flag values: `slot = \"syncbridge\"`, `max-in-flight = 8`, ... "
                                               "(flags and SYNCBRIDGE_* variables win)");
  run_cmd->add_option("--conninfo", run.conninfo, "libpq connection string")->required()->envname("SYNCBRIDGE_CONNINFO");
  run_cmd->add_option("--slot", run.slot, "logical replication slot (pgoutput), created by the DBA")
      ->required()
      ->envname("SYNCBRIDGE_SLOT");
  run_cmd->add_option("--publication", run.publication, "publication name")
      ->capture_default_str()
      ->envname("SYNCBRIDGE_PUBLICATION");
  run_cmd->add_option("--key-file", run.key_file, "the key pair written by keygen (opens the catalog's secrets)")
      ->required()
      ->envname("SYNCBRIDGE_KEY_FILE");
  run_cmd->add_option("--metrics-listen", run.metrics_listen, "serve /metrics and /healthz on ADDR:PORT (e.g. 127.0.0.1:9187)")
      ->envname("SYNCBRIDGE_METRICS_LISTEN");
  run_cmd->add_option("--status-interval", run.status_interval_s, "seconds between standby status updates")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600))
      ->envname("SYNCBRIDGE_STATUS_INTERVAL");
  run_cmd->add_option("--heartbeat-interval", run.heartbeat_interval_s,
                      "seconds between progress writes (syncbridge.sidecar, sync_progress, run counts) and metric updates")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600))
      ->envname("SYNCBRIDGE_HEARTBEAT_INTERVAL");
  run_cmd->add_option("--stats-interval", run.stats_interval_s, "seconds between stats log lines")
      ->capture_default_str()
      ->check(CLI::Range(1, 86400))
      ->envname("SYNCBRIDGE_STATS_INTERVAL");
  run_cmd->add_option("--workers", run.workers, "HTTP worker threads")
      ->capture_default_str()
      ->check(CLI::Range(1, 256))
      ->envname("SYNCBRIDGE_WORKERS");
  run_cmd->add_option("--max-in-flight", run.max_in_flight_per_target, "batch requests in flight per list")
      ->capture_default_str()
      ->check(CLI::Range(1, 64))
      ->envname("SYNCBRIDGE_MAX_IN_FLIGHT");
  run_cmd->add_option("--max-outstanding", run.max_outstanding,
                      "changes held in memory at most; the stream waits while this many are outstanding")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{100}, std::size_t{10000000}))
      ->envname("SYNCBRIDGE_MAX_OUTSTANDING");
  run_cmd->add_option("--backfill-chunk", run.backfill_chunk_rows, "rows per backfill chunk (and parked changes per read)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000))
      ->envname("SYNCBRIDGE_BACKFILL_CHUNK");
  run_cmd->add_option("--backfill-chunks-in-flight", run.feed_chunks_in_flight,
                      "backfill (or parked) chunks in the engine at once, per sync")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000))
      ->envname("SYNCBRIDGE_BACKFILL_CHUNKS_IN_FLIGHT");
  run_cmd->add_option("--stream-spill-bytes", run.spill_bytes,
                      "bytes of a transaction's changes kept in memory before the rest goes to a temporary file")
      ->capture_default_str()
      ->check(CLI::Range(std::size_t{1024}, std::size_t{1} << 34))
      ->envname("SYNCBRIDGE_STREAM_SPILL_BYTES");
  run_cmd->add_option("--spill-dir", run.spill_dir, "directory for spill files (default $TMPDIR or /tmp)")
      ->envname("SYNCBRIDGE_SPILL_DIR");
  run_cmd->add_option("--http-timeout-ms", run.http_timeout_ms, "longest wait for one HTTP answer")
      ->capture_default_str()
      ->check(CLI::Range(100, 3600000))
      ->envname("SYNCBRIDGE_HTTP_TIMEOUT_MS");
  run_cmd->add_option("--config-error-retry-ms", run.config_error_retry_ms,
                      "wait before trying a list again after a configuration error (missing list, refused credentials)")
      ->capture_default_str()
      ->check(CLI::Range(100, 3600000))
      ->envname("SYNCBRIDGE_CONFIG_ERROR_RETRY_MS");
  run_cmd->add_option("--reconnect-initial-ms", run.reconnect_initial_ms, "first reconnect delay (then doubled, with jitter)")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600000))
      ->envname("SYNCBRIDGE_RECONNECT_INITIAL_MS");
  run_cmd->add_option("--reconnect-max-ms", run.reconnect_max_ms, "longest reconnect delay")
      ->capture_default_str()
      ->check(CLI::Range(1, 3600000))
      ->envname("SYNCBRIDGE_RECONNECT_MAX_MS");
  run_cmd->add_option("--reconnect-attempts", run.reconnect_attempts,
                      "consecutive failed reconnects before exiting 1 (0 = keep trying)")
      ->capture_default_str()
      ->check(CLI::Range(0, 1000000))
      ->envname("SYNCBRIDGE_RECONNECT_ATTEMPTS");

  syncbridge::app::CheckOptions chk;
  auto* check = app.add_subcommand(
      "check", "check wal_level, slot, publication, replication privilege; with --key-file also secrets and endpoints");
  check->add_option("--conninfo", chk.conninfo, "libpq connection string")->required()->envname("SYNCBRIDGE_CONNINFO");
  check->add_option("--slot", chk.slot, "logical replication slot")->required()->envname("SYNCBRIDGE_SLOT");
  check->add_option("--publication", chk.publication, "publication name")
      ->capture_default_str()
      ->envname("SYNCBRIDGE_PUBLICATION");
  check->add_option("--key-file", chk.key_file,
                    "sidecar key file: also check that it opens every secret and that each connection's endpoint "
                    "accepts them")
      ->envname("SYNCBRIDGE_KEY_FILE");

  auto args = syncbridge::app::ExpandRunConfig(std::vector<std::string>(argv, argv + argc));
  if (!args) {
    std::fprintf(stderr, "syncbridged run: %s\n", args.Err().message.c_str());
    return 2;
  }
  std::vector<char*> expanded;
  for (auto& a : args.Value()) expanded.push_back(a.data());
  CLI11_PARSE(app, static_cast<int>(expanded.size()), expanded.data());
  if (check->parsed()) return syncbridge::app::RunCheck(chk);
  if (keygen->parsed()) return RunKeygen(key_out);
  if (decode->parsed()) return syncbridge::app::RunDecode(dec);
  if (run_cmd->parsed()) return syncbridge::daemon::Run(run);
  return 2;
}
