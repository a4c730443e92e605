#include "collect_item.hpp"

#include <cstdio>

#include <fmt/format.h>

namespace cback::actions::detail {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto k_interval = std::chrono::seconds(1);

// Archives are written while the tree is walked: there is no total to
// give a share of or a time left from.
std::string progress_line(const std::string& name, const collect::ArchiveProgress& progress,
                          Clock::duration elapsed) {
  const double seconds = std::chrono::duration<double>(elapsed).count();
  const double rate = seconds > 0 ? static_cast<double>(progress.input_bytes) / seconds : 0.0;
  return fmt::format("{}: {}, {}/s, {} entries", name, display_bytes(progress.input_bytes),
                     display_bytes(static_cast<std::uint64_t>(rate)), progress.entries_done);
}

} // namespace

collect::ProgressCallback ProgressPrinter::for_archive(std::string name) {
  if (!m_enabled) {
    return {};
  }
  // The callback is called from the thread writing this archive only; its
  // own clock state needs no lock, the printing does.
  struct Tracker {
    Clock::time_point start = Clock::now();
    Clock::time_point last{};
  };
  auto tracker = std::make_shared<Tracker>();
  return [this, name = std::move(name), tracker](const collect::ArchiveProgress& progress) {
    const auto now = Clock::now();
    const bool done = progress.entries_total > 0 && progress.entries_done >= progress.entries_total;
    if (!done && now - tracker->last < k_interval) {
      return;
    }
    tracker->last = now;
    print(progress_line(name, progress, now - tracker->start));
  };
}

void ProgressPrinter::print(const std::string& line) {
  const std::lock_guard lock(m_mutex);
  std::fputs(line.c_str(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

} // namespace cback::actions::detail
