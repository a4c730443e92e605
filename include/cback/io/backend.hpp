#pragma once

// File I/O of the data pipelines goes through one interface with two
// implementations chosen at run time (docs/io.md):
//  - uring: io_uring (liburing), one ring per Engine;
//  - posix: a small thread pool doing pread/pwrite/fdatasync.
// The gain on many small files comes from having many reads in flight, which
// both give; io_uring does it without a thread per read.

#include <cback/io/error.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace cback::io {

/// Which backend to use. `automatic` tries io_uring and falls back to posix.
enum class Preference { automatic, uring, posix };
enum class BackendKind { uring, posix };

/// "auto", "uring" or "posix"; empty for anything else.
std::optional<Preference> parse_preference(std::string_view text);
std::string_view to_string(Preference preference);
std::string_view to_string(BackendKind kind);

/// One finished operation of an Engine.
struct Completion {
  std::uint64_t token = 0; ///< the token given when it was started
  std::int64_t result = 0; ///< bytes moved (0 for a sync); -errno on failure
};

/// Asynchronous read/write/write-back/sync with at most depth() operations
/// in flight, completions in any order. One Engine is used by one thread at a
/// time. Everything an operation points to (path, buffer) must stay valid
/// until its completion is returned by wait(); the destructor waits for every
/// operation still in flight. Reads and writes may be short; the callers
/// (BatchReader, StreamReader, FileWriter) deal with that.
class Engine {
public:
  virtual ~Engine() = default;
  Engine() = default;
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  [[nodiscard]] virtual unsigned depth() const noexcept = 0;
  [[nodiscard]] virtual unsigned in_flight() const noexcept = 0;

  /// Contract for the four starters: in_flight() < depth().
  virtual void start_read(int fd, std::span<std::byte> into, std::uint64_t offset,
                          std::uint64_t token) = 0;
  virtual void start_write(int fd, std::span<const std::byte> from, std::uint64_t offset,
                           std::uint64_t token) = 0;
  virtual void start_fdatasync(int fd, std::uint64_t token) = 0;
  /// Starts the disk's writing of the dirty pages of [offset, offset +
  /// length) without waiting for it (sync_file_range(SYNC_FILE_RANGE_WRITE)).
  virtual void start_writeback(int fd, std::uint64_t offset, std::uint64_t length,
                               std::uint64_t token) = 0;

  /// Submits what was started and waits for one completion.
  /// Contract: in_flight() > 0.
  virtual Completion wait() = 0;
  /// Submits what was started and returns a completion if one is ready now.
  virtual std::optional<Completion> poll() = 0;
};

/// A chosen backend; makes Engines. Thread-safe; must outlive its Engines'
/// users only as far as the posix thread pool goes (Engines keep it alive).
class Backend {
public:
  virtual ~Backend() = default;
  Backend() = default;
  Backend(const Backend&) = delete;
  Backend& operator=(const Backend&) = delete;

  [[nodiscard]] virtual BackendKind kind() const noexcept = 0;
  /// Why this backend was chosen when it was not the first choice (io_uring
  /// unavailable), worth an INFO line; empty otherwise.
  [[nodiscard]] const std::string& note() const noexcept { return m_note; }
  void set_note(std::string note) { m_note = std::move(note); }

  /// A new Engine with up to `depth` operations in flight (0 counts as 1).
  [[nodiscard]] virtual Result<std::unique_ptr<Engine>> make_engine(unsigned depth) = 0;

private:
  std::string m_note;
};

struct BackendOptions {
  Preference preference = Preference::automatic;
  /// Threads of the posix backend: its real concurrency (8-32 reads in flight
  /// is where cold small-file reads stop getting faster).
  unsigned posix_threads = 16;
  /// Value of CBACK_IO to honour: nullptr reads the environment; "" ignores it.
  const char* environment = nullptr;
};

/// Picks the backend. A set CBACK_IO (auto, uring or posix) replaces the
/// preference of the options, whatever it is: the environment is the
/// switch for one run, the preference (the configuration's `io_backend`)
/// the standing choice. `uring` when io_uring is unavailable, or a bad
/// CBACK_IO value, is an error (a sentence for the user); `automatic` never
/// fails: it falls back to posix and says why in note().
tl::expected<std::unique_ptr<Backend>, std::string> make_backend(const BackendOptions& options);
tl::expected<std::unique_ptr<Backend>, std::string> make_backend(Preference preference);

} // namespace cback::io
