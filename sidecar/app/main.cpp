// syncbridged: entry point. Subcommands: keygen, decode, check.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>

#include "app/check.hpp"
#include "app/decode.hpp"
#include "crypto/sealed_box.hpp"

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

  CLI11_PARSE(app, argc, argv);
  if (check->parsed()) return syncbridge::app::RunCheck(chk);
  if (keygen->parsed()) return RunKeygen(key_out);
  if (decode->parsed()) return syncbridge::app::RunDecode(dec);
  return 2;
}
