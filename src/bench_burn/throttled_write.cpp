#include <cback/bench_burn/throttled_write.hpp>

#include <cback/core/error.hpp>
#include <cback/core/log.hpp>
#include <cback/core/temp_dir.hpp>
#include <cback/media/drive.hpp>
#include <cback/media/session.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <system_error>

namespace cback::bench_burn {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// The directory the image is made of: --dir as given, or a generated tree
// written into `scratch`.
fs::path source_dir(const BenchSource& source, std::optional<core::TempDir>& scratch) {
  if (const auto* tree = std::get_if<SyntheticTree>(&source)) {
    write_synthetic_tree(
        *tree,
        scratch.emplace(core::TempDir::create(fs::temp_directory_path(), "cback-bench-")).path());
    return scratch->path();
  }
  const auto& dir = std::get<fs::path>(source);
  std::error_code error;
  if (!fs::is_directory(dir, error)) {
    throw Error(ExitCode::action, fmt::format("The source [{}] is not a directory.", dir.string()));
  }
  return dir;
}

media::SessionSpec session_of(const ThrottledWriteSpec& spec, const fs::path& dir, SourceGate& gate,
                              io::Backend& io) {
  media::SessionSpec session;
  session.io = &io;
  session.grafts.push_back({dir, ""});
  session.volume_id = spec.volume_id;
  session.fifo_size = spec.fifo_size;
  session.available = std::numeric_limits<std::int64_t>::max();
  if (spec.stall || spec.source_rate) {
    session.read_gate = [&gate](std::int64_t bytes) { gate.wait_to_read(bytes); };
  }
  return session;
}

ThrottledSample sample_of(const media::WriteSample& written, const ThrottledSink& sink,
                          Clock::time_point origin) {
  ThrottledSample sample;
  sample.elapsed = Clock::now() - origin;
  sample.written = written.written;
  sample.fifo_size = written.fifo_size;
  sample.fifo_fill = std::max<std::int64_t>(0, written.fifo_fill);
  sample.fifo_input_open = written.fifo_input_open;
  sample.buffer_fill = sink.buffer_fill();
  return sample;
}

} // namespace

ThrottledWriteResult write_throttled(const ThrottledWriteSpec& spec, io::Backend& io,
                                     core::Logger& log, const ThrottledObserver& observer) {
  std::optional<core::TempDir> scratch;
  const fs::path dir = source_dir(spec.source, scratch);
  const auto origin = Clock::now();
  ThrottledSink sink(spec.drive, origin);
  SourceGate gate(origin, spec.stall, spec.source_rate);
  ThrottledWriteResult result;
  result.fifo_size = media::effective_fifo_size(spec.fifo_size);
  result.buffer_size = sink.buffer_size();
  {
    // Releasing the drive at the end of this block ends the sink's input.
    media::Drive drive = media::Drive::grab(sink.address());
    const media::WriteReport report =
        media::write_session(drive, session_of(spec, dir, gate, io), log, nullptr,
                             [&](const media::WriteSample& written) {
                               if (fifo_filled(written.fifo_fill, written.fifo_size)) {
                                 gate.arm();
                               }
                               if (observer) {
                                 observer(sample_of(written, sink, origin));
                               }
                             });
    result.image_bytes = report.image_bytes;
  }
  result.drive = sink.finish();
  result.source_waited = gate.waited();
  result.duration = Clock::now() - origin;
  return result;
}

} // namespace cback::bench_burn
