#include "spill/spill_buffer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace syncbridge::spill {
namespace {

constexpr std::size_t kHeaderBytes = 8;
constexpr std::size_t kReadChunkBytes = 64u << 10;

std::string SpillDir(const SpillOptions& o) {
  if (!o.dir.empty()) return o.dir;
  const char* tmp = std::getenv("TMPDIR");
  return tmp && *tmp ? tmp : "/tmp";
}

common::Error IoError(const std::string& what) {
  return common::TransientError("spill file: " + what + ": " + std::strerror(errno));
}

// An unlinked file: nothing is left behind even after kill -9.
common::Result<FileHandle> OpenTempFile(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0) return FileHandle(fd);
  // Filesystems without O_TMPFILE: create, then unlink at once.
  std::string path = dir + "/syncbridged-spill-XXXXXX";
  std::vector<char> name(path.begin(), path.end());
  name.push_back('\0');
  fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) return IoError("create in " + dir);
  ::unlink(name.data());
  return FileHandle(fd);
}

common::Status WriteAll(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    ssize_t w = ::write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return IoError("write");
    p += w;
    n -= static_cast<std::size_t>(w);
  }
  return {};
}

void PutU32(std::string& out, std::uint32_t v) { out.append(reinterpret_cast<const char*>(&v), 4); }
std::uint32_t GetU32(const char* p) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

}  // namespace

FileHandle& FileHandle::operator=(FileHandle&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

FileHandle::~FileHandle() {
  if (fd_ >= 0) ::close(fd_);
}

common::Status SpillBuffer::Append(std::uint32_t tag, std::string_view record) {
  if (record.size() > 0xffffffffu) return common::PermanentError("spill record larger than 4 GiB");
  PutU32(memory_, tag);
  PutU32(memory_, static_cast<std::uint32_t>(record.size()));
  memory_.append(record);
  ++count_;
  ++count_by_tag_[tag];
  if (memory_.size() > options_.memory_limit_bytes) return MoveMemoryToFile();
  return {};
}

common::Status SpillBuffer::MoveMemoryToFile() {
  if (!Spilled()) {
    auto f = OpenTempFile(SpillDir(options_));
    if (!f) return f.Err();
    file_ = std::move(f.Value());
  }
  if (auto st = WriteAll(file_.Fd(), memory_.data(), memory_.size()); !st) return st;
  file_bytes_ += memory_.size();
  memory_.clear();
  // Keep the capacity only up to the limit: one huge record must not pin its size.
  if (memory_.capacity() > options_.memory_limit_bytes + kHeaderBytes) memory_.shrink_to_fit();
  return {};
}

void SpillBuffer::Discard(std::uint32_t tag) {
  auto it = count_by_tag_.find(tag);
  if (it == count_by_tag_.end()) return;
  count_ -= it->second;
  count_by_tag_.erase(it);
  if (Spilled()) discarded_.insert(tag);
  // Records still in memory are dropped now; ones in the file are skipped on replay.
  std::string kept;
  kept.reserve(memory_.size());
  for (std::size_t pos = 0; pos < memory_.size();) {
    std::uint32_t t = GetU32(memory_.data() + pos);
    std::size_t len = GetU32(memory_.data() + pos + 4);
    if (t != tag) kept.append(memory_, pos, kHeaderBytes + len);
    pos += kHeaderBytes + len;
  }
  memory_.swap(kept);
}

common::Status SpillBuffer::ForEach(const std::function<common::Status(std::string_view)>& fn) {
  auto visit = [&](const char* p, std::size_t len, std::uint32_t tag) -> common::Status {
    if (discarded_.count(tag)) return {};
    return fn(std::string_view(p, len));
  };
  if (Spilled()) {
    std::string chunk;
    std::uint64_t offset = 0;
    std::size_t have = 0;  // bytes of chunk not yet consumed, starting at chunk[0]
    chunk.resize(kReadChunkBytes);
    while (offset < file_bytes_ || have > 0) {
      // Parse every complete record in the chunk.
      std::size_t pos = 0;
      while (have - pos >= kHeaderBytes) {
        std::uint32_t tag = GetU32(chunk.data() + pos);
        std::size_t len = GetU32(chunk.data() + pos + 4);
        if (have - pos - kHeaderBytes < len) break;
        if (auto st = visit(chunk.data() + pos + kHeaderBytes, len, tag); !st) return st;
        pos += kHeaderBytes + len;
      }
      std::memmove(chunk.data(), chunk.data() + pos, have - pos);
      have -= pos;
      if (offset >= file_bytes_) {
        if (have > 0) return common::PermanentError("spill file: truncated record");
        break;
      }
      // A record larger than the chunk grows it to exactly what that record needs.
      if (have >= kHeaderBytes) {
        std::size_t need = kHeaderBytes + GetU32(chunk.data() + 4);
        if (need > chunk.size()) chunk.resize(need);
      }
      std::size_t want = std::min<std::uint64_t>(chunk.size() - have, file_bytes_ - offset);
      ssize_t r = ::pread(file_.Fd(), chunk.data() + have, want, static_cast<off_t>(offset));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) return IoError("read");
      offset += static_cast<std::uint64_t>(r);
      have += static_cast<std::size_t>(r);
    }
  }
  for (std::size_t pos = 0; pos < memory_.size();) {
    std::uint32_t tag = GetU32(memory_.data() + pos);
    std::size_t len = GetU32(memory_.data() + pos + 4);
    if (auto st = visit(memory_.data() + pos + kHeaderBytes, len, tag); !st) return st;
    pos += kHeaderBytes + len;
  }
  return {};
}

common::RecordBufferFactory MakeSpillFactory(SpillOptions options) {
  return [options = std::move(options)]() -> std::unique_ptr<common::RecordBuffer> {
    return std::make_unique<SpillBuffer>(options);
  };
}

}  // namespace syncbridge::spill
