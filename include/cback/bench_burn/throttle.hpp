#pragma once

// A burner's pace without a burner, for cback-bench burn. libburn does not
// slow its writes to stdio: pseudo-drives, so an image file outruns any
// source and the FIFO never matters. Here the drive is a pipe
// ("stdio:/dev/fd/N", a sequential write-only pseudo-drive to libburn)
// whose other end a consumer thread reads at the nominal speed of the
// medium. The pipe plays the drive's buffer; when it is empty while the
// drive is due to take data, that is an underrun, as on a real burner.
//
// The source side has its own pace: a SourceGate makes the image source
// stall for a while every period (a busy disk, a network filesystem
// hiccup) or produce no faster than a given rate.

#include <cback/core/atomic_file.hpp>
#include <cback/core/pacer.hpp>
#include <cback/core/unique_fd.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace cback::bench_burn {

using Seconds = std::chrono::duration<double>;
using SteadyTime = std::chrono::steady_clock::time_point;

/// The source stalls for `pause` at the end of every `period` ("200ms/1s":
/// it produces for 800 ms, then nothing for 200 ms). pause < period.
struct Stall {
  std::chrono::milliseconds pause{0};
  std::chrono::milliseconds period{0};
};

/// How long a source that started at elapsed 0 must still wait at
/// `elapsed` (zero outside a stall window).
Seconds stall_remaining(const Stall& stall, Seconds elapsed);

/// How long the source must wait at `elapsed` when its stalls start at
/// `armed_at` (the FIFO filled then): nothing before that, so that a stall
/// tests a full FIFO rather than one still filling.
Seconds stall_wait(const Stall& stall, std::optional<Seconds> armed_at, Seconds elapsed);

/// Whether a FIFO holding `fill` of `size` bytes counts as filled (three
/// quarters, as a burner's buffer before it starts).
bool fifo_filled(std::int64_t fill, std::int64_t size);

/// The pace of the image source. wait_to_read() is called by the source
/// before each read (from libisofs's writer thread).
class SourceGate {
public:
  SourceGate(SteadyTime origin, std::optional<Stall> stall, std::optional<double> bytes_per_second);
  /// Blocks while the source stalls, or until `bytes` more keep the source
  /// within its rate.
  void wait_to_read(std::int64_t bytes);
  /// The stalls start from now on (the FIFO has filled); later calls
  /// change nothing.
  void arm();
  /// Total time spent stalled or held back.
  [[nodiscard]] Seconds waited() const;

private:
  SteadyTime m_first_origin;
  /// Since m_first_origin, when the stall windows start (-1: not yet).
  std::atomic<std::int64_t> m_armed_ns{-1};
  std::optional<Stall> m_stall;
  std::optional<core::Pacer> m_pacer; ///< the rate, restarted when far behind
  std::mutex m_mutex;
  std::atomic<std::int64_t> m_waited_ns{0};
};

struct SinkOptions {
  double bytes_per_second = 0.0;           ///< the drive's nominal speed
  std::int64_t buffer_bytes = 1024 * 1024; ///< the drive's buffer (the pipe), page multiple
  /// Where the written image goes (NAME.partial, renamed by finish()); nullopt discards it.
  std::optional<std::filesystem::path> image;
};

/// One time the drive was due to take data and its buffer was empty.
struct Underrun {
  Seconds at{};     ///< since the origin
  Seconds length{}; ///< until data came again
};

struct SinkReport {
  std::int64_t bytes = 0;
  std::vector<Underrun> underruns;
  Seconds first_byte{}; ///< since the origin
  Seconds last_byte{};
};

/// The throttled pseudo-drive. The constructor makes the pipe and starts
/// the consumer; address() is what libburn grabs. After the drive has
/// been released, finish() ends the input and returns what was consumed.
class ThrottledSink {
public:
  /// Throws cback::Error(action) when the pipe or the image cannot be made.
  ThrottledSink(SinkOptions options, SteadyTime origin);
  ~ThrottledSink();
  ThrottledSink(const ThrottledSink&) = delete;
  ThrottledSink& operator=(const ThrottledSink&) = delete;

  /// "stdio:/dev/fd/N" of the pipe's write end.
  [[nodiscard]] std::string address() const;
  /// Bytes waiting in the drive's buffer (the pipe) now.
  [[nodiscard]] std::int64_t buffer_fill() const;
  /// The buffer size in effect (the kernel may round it).
  [[nodiscard]] std::int64_t buffer_size() const { return m_buffer_size; }
  /// Closes the write end, waits for the consumer, commits the image.
  /// Throws cback::Error(action) when the consumer failed.
  SinkReport finish();

private:
  void consume() noexcept;
  void consume_loop();
  bool wait_for_data(Seconds& starved);
  bool wait_for_buffer();

  SinkOptions m_options;
  SteadyTime m_origin;
  core::UniqueFd m_read_end;
  core::UniqueFd m_write_end;
  std::optional<core::AtomicFile> m_image;
  std::int64_t m_buffer_size = 0;
  SinkReport m_report;
  std::exception_ptr m_failure;
  std::thread m_thread;
};

} // namespace cback::bench_burn
