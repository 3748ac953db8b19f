// RecordBuffer that keeps at most memory_limit_bytes in memory and moves the
// rest to an unlinked temporary file, so a transaction of any size costs a
// bounded amount of memory until it is replayed at commit.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "common/record_buffer.hpp"

namespace syncbridge::spill {

struct SpillOptions {
  std::size_t memory_limit_bytes = 4u << 20;
  std::string dir;  // empty: $TMPDIR, else /tmp
};

// Owns a file descriptor; closing it frees the (already unlinked) spill file.
class FileHandle {
 public:
  FileHandle() = default;
  explicit FileHandle(int fd) : fd_(fd) {}
  FileHandle(FileHandle&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  FileHandle& operator=(FileHandle&& o) noexcept;
  FileHandle(const FileHandle&) = delete;
  FileHandle& operator=(const FileHandle&) = delete;
  ~FileHandle();
  int Fd() const { return fd_; }

 private:
  int fd_ = -1;
};

class SpillBuffer final : public common::RecordBuffer {
 public:
  explicit SpillBuffer(SpillOptions options) : options_(std::move(options)) {}

  common::Status Append(std::uint32_t tag, std::string_view record) override;
  void Discard(std::uint32_t tag) override;
  common::Status ForEach(const std::function<common::Status(std::string_view record)>& fn) override;
  std::uint64_t Count() const override { return count_; }

  bool Spilled() const { return file_.Fd() >= 0; }
  std::uint64_t SpilledBytes() const { return file_bytes_; }
  std::size_t MemoryBytes() const { return memory_.size(); }

 private:
  common::Status MoveMemoryToFile();

  SpillOptions options_;
  // Records are framed as u32 tag, u32 length, bytes (host byte order: the
  // file never leaves this process).
  std::string memory_;
  FileHandle file_;
  std::uint64_t file_bytes_ = 0;
  std::uint64_t count_ = 0;
  std::map<std::uint32_t, std::uint64_t> count_by_tag_;
  // Tags discarded after some of their records reached the file: skipped on replay.
  std::set<std::uint32_t> discarded_;
};

// Factory for the decoder side: every transaction gets its own SpillBuffer.
common::RecordBufferFactory MakeSpillFactory(SpillOptions options);

}  // namespace syncbridge::spill
