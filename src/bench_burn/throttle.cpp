#include <cback/bench_burn/throttle.hpp>

#include <cback/core/error.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

namespace cback::bench_burn {
namespace {

using Clock = std::chrono::steady_clock;

// A drive (or a disk) does not burst to make up for time it lost: once it
// is this far behind its pace, the pace starts again from now.
constexpr core::Pacer::Seconds k_max_lag{0.05};
// The consumer takes about this much data per step; small steps keep the
// pace smooth, large ones keep the thread from waking too often.
constexpr Seconds k_step{0.005};
constexpr std::int64_t k_min_chunk = 4096;
constexpr std::int64_t k_max_chunk = 256 * 1024;

[[noreturn]] void throw_errno(const std::string& what) {
  throw Error(ExitCode::action, fmt::format("{}: {}", what, std::strerror(errno)));
}

} // namespace

Seconds stall_remaining(const Stall& stall, Seconds elapsed) {
  const double period = Seconds(stall.period).count();
  const double pause = Seconds(stall.pause).count();
  if (period <= 0.0 || pause <= 0.0 || elapsed.count() < 0.0) {
    return Seconds(0);
  }
  const double phase = std::fmod(elapsed.count(), period);
  return phase >= period - pause ? Seconds(period - phase) : Seconds(0);
}

Seconds stall_wait(const Stall& stall, std::optional<Seconds> armed_at, Seconds elapsed) {
  if (!armed_at || elapsed < *armed_at) {
    return Seconds(0);
  }
  return stall_remaining(stall, elapsed - *armed_at);
}

bool fifo_filled(std::int64_t fill, std::int64_t size) {
  return size > 0 && fill >= size / 4 * 3;
}

SourceGate::SourceGate(SteadyTime origin, std::optional<Stall> stall,
                       std::optional<double> bytes_per_second)
    : m_first_origin(origin), m_stall(stall) {
  if (bytes_per_second) {
    m_pacer.emplace(*bytes_per_second, k_max_lag);
  }
}

void SourceGate::wait_to_read(std::int64_t bytes) {
  Seconds wait{0};
  if (m_pacer) {
    const std::lock_guard lock(m_mutex);
    wait = m_pacer->ahead();
    m_pacer->count(bytes);
  }
  if (m_stall) {
    // The stall windows follow the wall clock from when the FIFO filled,
    // not the rate's restarted origin.
    const std::int64_t armed = m_armed_ns.load();
    const std::optional<Seconds> armed_at =
        armed < 0 ? std::nullopt : std::optional<Seconds>(std::chrono::nanoseconds(armed));
    wait = std::max(wait, stall_wait(*m_stall, armed_at, Clock::now() - m_first_origin));
  }
  if (wait > Seconds(0)) {
    std::this_thread::sleep_for(wait);
    m_waited_ns += std::chrono::duration_cast<std::chrono::nanoseconds>(wait).count();
  }
}

void SourceGate::arm() {
  std::int64_t unarmed = -1;
  const auto now =
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - m_first_origin);
  m_armed_ns.compare_exchange_strong(unarmed, now.count());
}

Seconds SourceGate::waited() const {
  return std::chrono::nanoseconds(m_waited_ns.load());
}

ThrottledSink::ThrottledSink(SinkOptions options, SteadyTime origin)
    : m_options(std::move(options)), m_origin(origin) {
  if (m_options.bytes_per_second <= 0.0) {
    throw Error(ExitCode::action, "The nominal speed of the drive must be positive.");
  }
  int fds[2] = {-1, -1};
  if (::pipe2(fds, O_CLOEXEC) != 0) {
    throw_errno("Cannot make the drive's pipe");
  }
  m_read_end.reset(fds[0]);
  m_write_end.reset(fds[1]);
  const int size =
      ::fcntl(m_write_end.get(), F_SETPIPE_SZ, static_cast<int>(m_options.buffer_bytes));
  if (size < 0) {
    throw_errno(
        fmt::format("Cannot make the drive's buffer {} bytes (see /proc/sys/fs/pipe-max-size)",
                    m_options.buffer_bytes));
  }
  m_buffer_size = size;
  if (::fcntl(m_read_end.get(), F_SETFL, O_NONBLOCK) != 0) {
    throw_errno("Cannot make the drive's pipe non-blocking");
  }
  if (m_options.image) {
    m_image.emplace(*m_options.image);
  }
  m_thread = std::thread([this] { consume(); });
}

ThrottledSink::~ThrottledSink() {
  m_write_end.reset();
  if (m_thread.joinable()) {
    m_thread.join();
  }
}

std::string ThrottledSink::address() const {
  return fmt::format("stdio:/dev/fd/{}", m_write_end.get());
}

std::int64_t ThrottledSink::buffer_fill() const {
  int bytes = 0;
  return ::ioctl(m_read_end.get(), FIONREAD, &bytes) == 0 ? bytes : 0;
}

SinkReport ThrottledSink::finish() {
  m_write_end.reset();
  m_thread.join();
  if (m_failure) {
    std::rethrow_exception(m_failure);
  }
  if (m_image) {
    m_image->commit();
  }
  return m_report;
}

// On a failure the pipe is still drained to its end, so that libburn's
// writes never block on a reader that left; finish() reports the failure.
void ThrottledSink::consume() noexcept {
  try {
    consume_loop();
    return;
  } catch (...) {
    m_failure = std::current_exception();
  }
  std::vector<char> sink(k_max_chunk);
  for (;;) {
    const ssize_t got = ::read(m_read_end.get(), sink.data(), sink.size());
    if (got > 0 || (got < 0 && errno == EINTR)) {
      continue;
    }
    if (got == 0 || errno != EAGAIN) {
      return;
    }
    Seconds ignored{};
    try {
      if (!wait_for_data(ignored)) {
        return;
      }
    } catch (...) {
      return;
    }
  }
}

// Waits until the pipe has data (true) or its write end is closed with
// nothing left (false); `waited` is how long that took.
bool ThrottledSink::wait_for_data(Seconds& waited) {
  const auto started = Clock::now();
  pollfd fd{m_read_end.get(), POLLIN, 0};
  for (;;) {
    const int ready = ::poll(&fd, 1, -1);
    if (ready < 0 && errno == EINTR) {
      continue;
    }
    if (ready < 0) {
      throw_errno("Cannot wait for the drive's data");
    }
    waited = Clock::now() - started;
    return (fd.revents & POLLIN) != 0;
  }
}

// A burner starts writing once its buffer is mostly full, so the first
// trickle of data does not count as a string of underruns. False when the
// input ended with nothing in it.
bool ThrottledSink::wait_for_buffer() {
  constexpr int k_poll_ms = 1;
  const std::int64_t enough = m_buffer_size * 3 / 4;
  pollfd fd{m_read_end.get(), POLLIN, 0};
  while (buffer_fill() < enough) {
    if (::poll(&fd, 1, k_poll_ms) < 0 && errno != EINTR) {
      throw_errno("Cannot wait for the drive's data");
    }
    if ((fd.revents & POLLHUP) != 0) {
      return buffer_fill() > 0;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(k_poll_ms));
  }
  return true;
}

void ThrottledSink::consume_loop() {
  const auto chunk =
      std::clamp(static_cast<std::int64_t>(m_options.bytes_per_second * k_step.count()),
                 k_min_chunk, std::min(k_max_chunk, m_buffer_size));
  std::vector<char> data(static_cast<std::size_t>(chunk));
  Seconds waited{};
  if (!wait_for_buffer()) {
    return;
  }
  m_report.first_byte = Clock::now() - m_origin;
  core::Pacer pace(m_options.bytes_per_second, k_max_lag);
  for (;;) {
    pace.wait();
    const ssize_t got = ::read(m_read_end.get(), data.data(), data.size());
    if (got > 0) {
      if (m_image) {
        m_image->write(std::string_view(data.data(), static_cast<std::size_t>(got)));
      }
      pace.count(got);
      m_report.bytes += got;
      m_report.last_byte = Clock::now() - m_origin;
      continue;
    }
    if (got == 0) {
      return;
    }
    if (errno == EINTR) {
      continue;
    }
    if (errno != EAGAIN) {
      throw_errno("Cannot read the drive's data");
    }
    // The drive is due to take data and its buffer is empty. It is an
    // underrun if more data comes; if the input ends instead, the write
    // is simply over.
    const Seconds at = Clock::now() - m_origin;
    if (!wait_for_data(waited)) {
      return;
    }
    m_report.underruns.push_back({at, waited});
    pace.restart();
  }
}

} // namespace cback::bench_burn
