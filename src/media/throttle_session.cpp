#include <cback/media/throttle_session.hpp>

#include <cback/core/error.hpp>
#include <cback/core/log.hpp>
#include <cback/media/drive.hpp>
#include <cback/media/iso_image.hpp>
#include <cback/media/library.hpp>
#include <cback/media/throttle_source.hpp>

#include "session_options.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <memory>

namespace cback::media {
namespace {

using Clock = std::chrono::steady_clock;

constexpr auto k_poll = std::chrono::milliseconds(10);
// isoburn_get_fifo_status: 1 = input and consumption active.
constexpr int k_fifo_active = 1;

std::string reasons(core::Logger& log) {
  std::string text;
  for (const auto& error : log_messages(log)) {
    text += text.empty() ? error : "; " + error;
  }
  return text.empty() ? "no reason given by the library" : text;
}

ThrottledSample sample_now(Drive& drive, const ThrottledSink& sink, Clock::time_point origin,
                           const burn::burn_progress& progress) {
  int size = 0;
  int free_bytes = 0;
  char* text = nullptr;
  const int fifo = burn::isoburn_get_fifo_status(drive.handle(), &size, &free_bytes, &text);
  ThrottledSample sample;
  sample.elapsed = Clock::now() - origin;
  sample.written = std::int64_t{progress.sector} * 2048;
  sample.fifo_size = size;
  sample.fifo_fill = std::max(0, size - free_bytes);
  sample.fifo_input_open = fifo == k_fifo_active;
  sample.buffer_fill = sink.buffer_fill();
  return sample;
}

// Samples the write every 10 ms until libburn is done.
void watch(Drive& drive, const ThrottledSink& sink, Clock::time_point origin,
           const ThrottledObserver& observer) {
  burn::burn_progress progress{};
  while (burn::burn_drive_get_status(drive.handle(), &progress) != burn::BURN_DRIVE_IDLE) {
    if (observer) {
      observer(sample_now(drive, sink, origin, progress));
    }
    std::this_thread::sleep_for(k_poll);
  }
}

// Builds the image and writes it into `sink`; returns the image size. The
// drive is released when this returns, which ends the sink's input.
std::int64_t write_image(const ThrottledWriteSpec& spec, ThrottledSink& sink,
                         const std::shared_ptr<SourceGate>& gate, Clock::time_point origin,
                         core::Logger& log, const ThrottledObserver& observer) {
  Drive drive = Drive::grab(sink.address());
  IsoImageRef image = load_image(drive, log);
  set_volume_id(image.get(), spec.volume_id);
  add_bench_tree(image.get(), spec.source, gate);
  ImgenOpts opts = image_options(spec.fifo_size, false);
  burn::burn_disc* raw = nullptr;
  if (burn::isoburn_prepare_disc(drive.handle(), &raw, opts.get()) <= 0) {
    throw Error(ExitCode::action, fmt::format("Cannot prepare the image: {}", reasons(log)));
  }
  Disc disc(raw);
  const std::int64_t bytes = std::int64_t{burn::burn_disc_get_sectors(raw)} * 2048;
  WriteOpts write_opts;
  try {
    write_opts = write_options(drive, raw, WriteType::automatic, false);
  } catch (...) {
    burn::isoburn_cancel_prepared_write(drive.handle(), nullptr, 0);
    throw;
  }
  burn::isoburn_disc_write(write_opts.get(), raw);
  watch(drive, sink, origin, observer);
  disc.reset();
  if (burn::isoburn_drive_wrote_well(drive.handle()) != 1) {
    throw Error(ExitCode::action, fmt::format("Writing the image failed: {}", reasons(log)));
  }
  log_messages(log);
  return bytes;
}

} // namespace

ThrottledWriteResult write_throttled(const ThrottledWriteSpec& spec, core::Logger& log,
                                     const ThrottledObserver& observer) {
  const auto origin = Clock::now();
  ThrottledSink sink(spec.drive, origin);
  auto gate = std::make_shared<SourceGate>(origin, spec.stall, spec.source_rate);
  ThrottledWriteResult result;
  result.fifo_size = effective_fifo_size(spec.fifo_size);
  result.buffer_size = sink.buffer_size();
  result.image_bytes = write_image(spec, sink, gate, origin, log, observer);
  result.drive = sink.finish();
  result.source_waited = gate->waited();
  result.duration = Clock::now() - origin;
  return result;
}

} // namespace cback::media
