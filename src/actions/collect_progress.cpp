#include "collect_item.hpp"

#include <fmt/format.h>

#include <memory>

namespace cback::actions::detail {

// Archives are written while the tree is walked: there is no total to
// give a share of or a time left from. The line stays when the archive is
// done, as the record of it on the terminal.
collect::ProgressCallback archive_progress(core::ProgressBoard& board, std::string name) {
  if (board.display() == core::ProgressDisplay::off) {
    return {};
  }
  // Called from the thread writing this archive only; the board locks.
  auto job = std::make_shared<core::ProgressJob>(board.start(std::move(name)));
  return [job](const collect::ArchiveProgress& progress) {
    job->update(progress.input_bytes, fmt::format("{} entries", progress.entries_done));
    if (progress.entries_total > 0 && progress.entries_done >= progress.entries_total) {
      job->finish(core::FinalLine::keep);
    }
  };
}

} // namespace cback::actions::detail
