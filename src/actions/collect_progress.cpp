#include "collect_item.hpp"

#include <fmt/format.h>

namespace cback::actions::detail {

namespace {

using core::display_bytes;

std::string bytes_text(std::uint64_t bytes) {
  return display_bytes(static_cast<double>(bytes));
}

// Seconds left at the rate so far, or -1 when there is no rate yet.
double seconds_left(std::uint64_t done, std::uint64_t total, double rate) {
  if (done >= total) {
    return 0.0;
  }
  return rate > 0 ? static_cast<double>(total - done) / rate : -1.0;
}

std::string progress_line(const std::string& name, const collect::ArchiveProgress& progress,
                          std::uint64_t total, double seconds) {
  const double rate = seconds > 0 ? static_cast<double>(progress.input_bytes) / seconds : 0.0;
  if (total == 0) {
    // Archives are written while the tree is walked: no total, no ETA.
    return fmt::format("{}: {}, {}/s, {} entries", name, bytes_text(progress.input_bytes),
                       bytes_text(static_cast<std::uint64_t>(rate)), progress.entries_done);
  }
  const double left = seconds_left(progress.input_bytes, total, rate);
  const auto eta = left < 0 ? std::string("?") : fmt::format("{:.0f}s", left);
  return fmt::format("{}: {} of {}, {}/s, {} of {} entries, ETA {}", name,
                     bytes_text(progress.input_bytes), bytes_text(total),
                     bytes_text(static_cast<std::uint64_t>(rate)), progress.entries_done,
                     progress.entries_total, eta);
}

} // namespace

collect::ProgressCallback archive_progress(core::ProgressPrinter& printer, std::string name,
                                           std::uint64_t total_bytes) {
  if (!printer.enabled()) {
    return {};
  }
  // The callback is called from the thread writing this archive only; its
  // clock needs no lock, the printing does.
  auto clock = std::make_shared<core::ProgressClock>();
  return [&printer, name = std::move(name), total_bytes,
          clock](const collect::ArchiveProgress& progress) {
    const bool done = progress.entries_total > 0 && progress.entries_done >= progress.entries_total;
    if (clock->due(done)) {
      printer.print(progress_line(name, progress, total_bytes, clock->elapsed_seconds()));
    }
  };
}

} // namespace cback::actions::detail
