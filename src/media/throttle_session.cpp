#include <cback/media/throttle_session.hpp>

#include <cback/core/error.hpp>
#include <cback/core/log.hpp>
#include <cback/media/drive.hpp>
#include <cback/media/iso_image.hpp>
#include <cback/media/library.hpp>
#include <cback/media/throttle_source.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <memory>

namespace cback::media {
namespace {

using Clock = std::chrono::steady_clock;

constexpr auto k_poll = std::chrono::milliseconds(10);
constexpr std::int64_t k_min_fifo = 64 * 1024;
constexpr std::int64_t k_max_fifo = 1024 * 1024 * 1024;
// isoburn_get_fifo_status: 1 = input and consumption active.
constexpr int k_fifo_active = 1;

struct ImgenOptsDeleter {
  void operator()(burn::isoburn_imgen_opts* opts) const { burn::isoburn_igopt_destroy(&opts, 0); }
};
using ImgenOpts = std::unique_ptr<burn::isoburn_imgen_opts, ImgenOptsDeleter>;

struct DiscDeleter {
  void operator()(burn::burn_disc* disc) const { burn::burn_disc_free(disc); }
};
using Disc = std::unique_ptr<burn::burn_disc, DiscDeleter>;

struct WriteOptsDeleter {
  void operator()(burn::burn_write_opts* opts) const { burn::burn_write_opts_free(opts); }
};
using WriteOpts = std::unique_ptr<burn::burn_write_opts, WriteOptsDeleter>;

std::string reasons(core::Logger& log) {
  std::string text;
  for (const auto& error : log_messages(log)) {
    text += text.empty() ? error : "; " + error;
  }
  return text.empty() ? "no reason given by the library" : text;
}

// The store's image options (src/media/session.cpp): Rock Ridge, Joliet,
// session and file MD5s, so that the bench costs what a store costs.
ImgenOpts image_options(std::int64_t fifo_size) {
  burn::isoburn_imgen_opts* raw = nullptr;
  if (burn::isoburn_igopt_new(&raw, 0) <= 0) {
    throw Error(ExitCode::action, "Cannot allocate image options (libisoburn).");
  }
  ImgenOpts opts(raw);
  burn::isoburn_igopt_set_level(opts.get(), 3);
  burn::isoburn_igopt_set_extensions(opts.get(), isoburn_igopt_rockridge | isoburn_igopt_joliet |
                                                     isoburn_igopt_session_md5 |
                                                     isoburn_igopt_file_md5 | isoburn_igopt_aaip);
  burn::isoburn_igopt_set_relaxed(opts.get(), isoburn_igopt_joliet_longer_paths |
                                                  isoburn_igopt_joliet_long_names |
                                                  isoburn_igopt_allow_deep_paths);
  burn::isoburn_igopt_set_fifo_size(opts.get(), static_cast<int>(fifo_size));
  return opts;
}

WriteOpts write_options(Drive& drive, burn::burn_disc* disc) {
  WriteOpts opts(burn::burn_write_opts_new(drive.handle()));
  burn::burn_write_opts_set_perform_opc(opts.get(), 0);
  burn::burn_write_opts_set_multi(opts.get(), 0);
  burn::burn_write_opts_set_underrun_proof(opts.get(), 1);
  char why[BURN_REASONS_LEN] = {};
  if (burn::burn_write_opts_auto_write_type(opts.get(), disc, why, 0) == burn::BURN_WRITE_NONE) {
    throw Error(ExitCode::action,
                fmt::format("No write mode suits [{}]: {}", drive.address(), why));
  }
  return opts;
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
  ImgenOpts opts = image_options(std::clamp(spec.fifo_size, k_min_fifo, k_max_fifo));
  burn::burn_disc* raw = nullptr;
  if (burn::isoburn_prepare_disc(drive.handle(), &raw, opts.get()) <= 0) {
    throw Error(ExitCode::action, fmt::format("Cannot prepare the image: {}", reasons(log)));
  }
  Disc disc(raw);
  const std::int64_t bytes = std::int64_t{burn::burn_disc_get_sectors(raw)} * 2048;
  WriteOpts write_opts;
  try {
    write_opts = write_options(drive, raw);
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
  result.fifo_size = std::clamp(spec.fifo_size, k_min_fifo, k_max_fifo);
  result.buffer_size = sink.buffer_size();
  result.image_bytes = write_image(spec, sink, gate, origin, log, observer);
  result.drive = sink.finish();
  result.source_waited = gate->waited();
  result.duration = Clock::now() - origin;
  return result;
}

} // namespace cback::media
