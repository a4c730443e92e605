#include "collect_item.hpp"

#include <fmt/format.h>

namespace cback::actions::detail {

namespace {

std::string bytes_text(std::uint64_t bytes) {
  return core::display_bytes(static_cast<double>(bytes));
}

// Archives are written while the tree is walked: there is no total to
// give a share of or a time left from.
std::string progress_line(const std::string& name, const collect::ArchiveProgress& progress,
                          double seconds) {
  const double rate = seconds > 0 ? static_cast<double>(progress.input_bytes) / seconds : 0.0;
  return fmt::format("{}: {}, {}/s, {} entries", name, bytes_text(progress.input_bytes),
                     bytes_text(static_cast<std::uint64_t>(rate)), progress.entries_done);
}

} // namespace

collect::ProgressCallback archive_progress(core::ProgressPrinter& printer, std::string name) {
  if (!printer.enabled()) {
    return {};
  }
  // The callback is called from the thread writing this archive only; its
  // clock needs no lock, the printing does.
  auto clock = std::make_shared<core::ProgressClock>();
  return [&printer, name = std::move(name), clock](const collect::ArchiveProgress& progress) {
    const bool done = progress.entries_total > 0 && progress.entries_done >= progress.entries_total;
    if (clock->due(done)) {
      printer.print(progress_line(name, progress, clock->elapsed_seconds()));
    }
  };
}

} // namespace cback::actions::detail
