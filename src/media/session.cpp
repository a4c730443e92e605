#include <cback/media/session.hpp>

#include <cback/core/error.hpp>
#include <cback/core/log.hpp>
#include <cback/core/progress.hpp>
#include <cback/core/stop.hpp>
#include <cback/media/iso_image.hpp>
#include <cback/media/libraries.hpp>
#include <cback/media/library.hpp>

#include "session_options.hpp"
#include "staged_tree.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <memory>
#include <thread>

namespace cback::media {

std::int64_t effective_fifo_size(std::int64_t requested) {
  constexpr std::int64_t k_min_fifo = 64 * 1024;
  constexpr std::int64_t k_max_fifo = 1024 * 1024 * 1024;
  return std::clamp(requested, k_min_fifo, k_max_fifo);
}

// Rock Ridge and Joliet for readers everywhere; MD5 tags of the session
// and an MD5 per file so that check_data can verify without mounting. The
// per-file MD5s are referenced through AAIP attributes, so AAIP is on.
ImgenOpts image_options(std::int64_t fifo_size, bool size_only) {
  burn::isoburn_imgen_opts* raw = nullptr;
  if (burn::isoburn_igopt_new(&raw, 0) <= 0) {
    throw Error(ExitCode::action, "Cannot allocate image options (libisoburn).");
  }
  ImgenOpts opts(raw);
  int extensions = isoburn_igopt_rockridge | isoburn_igopt_joliet | isoburn_igopt_session_md5 |
                   isoburn_igopt_file_md5 | isoburn_igopt_aaip;
  if (size_only) {
    extensions |= isoburn_igopt_will_cancel;
  }
  burn::isoburn_igopt_set_level(opts.get(), 3);
  burn::isoburn_igopt_set_extensions(opts.get(), extensions);
  burn::isoburn_igopt_set_relaxed(opts.get(), isoburn_igopt_joliet_longer_paths |
                                                  isoburn_igopt_joliet_long_names |
                                                  isoburn_igopt_allow_deep_paths);
  burn::isoburn_igopt_set_fifo_size(opts.get(), static_cast<int>(effective_fifo_size(fifo_size)));
  // Files go in the order of their sort weights: StagedTree sets them to
  // the order its read-ahead reads.
  burn::isoburn_igopt_set_sort_files(opts.get(), 1);
  return opts;
}

WriteOpts write_options(Drive& drive, burn::burn_disc* disc, WriteType type, bool multi) {
  WriteOpts opts(burn::burn_write_opts_new(drive.handle()));
  burn::burn_write_opts_set_perform_opc(opts.get(), 0);
  // Keep sequential optical media appendable for the next day's session;
  // overwriteable media and stdio files have no such state.
  burn::burn_write_opts_set_multi(opts.get(), multi ? 1 : 0);
  burn::burn_write_opts_set_underrun_proof(opts.get(), 1);
  if (type == WriteType::tao) {
    burn::burn_write_opts_set_write_type(opts.get(), burn::BURN_WRITE_TAO, burn::BURN_BLOCK_MODE1);
    return opts;
  }
  char why[BURN_REASONS_LEN] = {};
  if (burn::burn_write_opts_auto_write_type(opts.get(), disc, why, 0) == burn::BURN_WRITE_NONE) {
    throw Error(ExitCode::action,
                fmt::format("No write mode suits the medium in [{}]: {}", drive.name(), why));
  }
  return opts;
}

namespace {

constexpr auto k_poll = std::chrono::milliseconds(10);

std::string reasons(const std::vector<std::string>& errors) {
  if (errors.empty()) {
    return "no reason given by the drive";
  }
  std::string text;
  for (const auto& error : errors) {
    text += text.empty() ? "" : "; ";
    text += error;
  }
  return text;
}

struct Prepared {
  explicit Prepared(io::Backend& io) : tree(io) {}
  StagedTree tree;
  IsoImageRef image;
  ImgenOpts opts;
  Disc disc;
  std::int64_t bytes = 0;
  std::int64_t start_byte = 0;
};

// Loads the previous tree, adds the grafts and starts libisofs on the
// image stream (its thread fills the FIFO from now on).
Prepared prepare(Drive& drive, const SessionSpec& spec, bool size_only, core::Logger& log) {
  if (spec.io == nullptr) {
    throw Error(ExitCode::action, "The session has no I/O backend to read the staged files with.");
  }
  Prepared prepared(*spec.io);
  prepared.tree.pace_reads(spec.read_gate);
  prepared.image = load_image(drive, log);
  set_volume_id(prepared.image.get(), spec.volume_id);
  for (const auto& graft : spec.grafts) {
    add_graft(prepared.image.get(), graft, drive.name(), prepared.tree);
  }
  prepared.tree.fix_order();
  prepared.opts = image_options(spec.fifo_size, size_only);
  burn::burn_disc* disc = nullptr;
  if (burn::isoburn_prepare_disc(drive.handle(), &disc, prepared.opts.get()) <= 0) {
    throw Error(ExitCode::action, fmt::format("Cannot prepare the image for [{}]: {}", drive.name(),
                                              reasons(log_messages(log))));
  }
  prepared.disc.reset(disc);
  prepared.bytes = std::int64_t{burn::burn_disc_get_sectors(disc)} * 2048;
  int lba = -1;
  burn::isoburn_igopt_get_effective_lba(prepared.opts.get(), &lba);
  prepared.start_byte = std::int64_t{std::max(lba, 0)} * 2048;
  return prepared;
}

void cancel(Drive& drive, Prepared& prepared, core::Logger& log) {
  burn::isoburn_cancel_prepared_write(drive.handle(), nullptr, 0);
  prepared.disc.reset();
  for (const auto& message : take_messages()) {
    log.debug("libburn (cancelled write): {}", message.text);
  }
}

// Watches the drive until it is idle again, sampling the FIFO and the
// drive buffer. A stop request cancels the write.
void watch(Drive& drive, WriteReport& report, const core::StopFlag* stop,
           const WriteObserver& observer, bool& cancelled) {
  burn::burn_drive* handle = drive.handle();
  const auto started = std::chrono::steady_clock::now();
  report.fifo_min_fill = std::numeric_limits<std::int64_t>::max();
  bool was_empty = false;
  burn::burn_progress progress{};
  for (;;) {
    const auto status = burn::burn_drive_get_status(handle, &progress);
    if (status == burn::BURN_DRIVE_IDLE) {
      break;
    }
    if (stop != nullptr && stop->requested() && !cancelled) {
      burn::burn_drive_cancel(handle);
      cancelled = true;
    }
    int size = 0;
    int free_bytes = 0;
    char* text = nullptr;
    const int fifo = burn::isoburn_get_fifo_status(handle, &size, &free_bytes, &text);
    WriteSample sample;
    sample.elapsed = std::chrono::steady_clock::now() - started;
    sample.image_bytes = report.image_bytes;
    sample.written = std::int64_t{progress.sector} * 2048;
    sample.fifo_size = size;
    sample.fifo_fill = size - free_bytes;
    sample.fifo_input_open = fifo == 1;
    sample.buffer_capacity = progress.buffer_capacity;
    sample.buffer_fill = progress.buffer_capacity - progress.buffer_available;
    // Status 1: input and consumption active. Emptiness counts once the
    // drive has started taking data and before the input has ended.
    if (fifo == 1 && progress.sector > 0) {
      report.fifo_min_fill = std::min(report.fifo_min_fill, sample.fifo_fill);
      const bool empty = sample.fifo_fill == 0;
      report.fifo_empty_count += (empty && !was_empty) ? 1 : 0;
      was_empty = empty;
    }
    if (progress.buffer_capacity > 0 && progress.buffer_min_fill != 0xffffffffU) {
      report.buffer_min_fill = progress.buffer_min_fill;
      report.buffer_capacity = progress.buffer_capacity;
    }
    if (observer) {
      observer(sample);
    }
    std::this_thread::sleep_for(k_poll);
  }
  if (report.fifo_min_fill == std::numeric_limits<std::int64_t>::max()) {
    report.fifo_min_fill = 0;
  }
  report.duration = std::chrono::steady_clock::now() - started;
}

// A write started on the drive: the library's errors so far, and how many
// write threads had ended before it (write_threads_ended()).
struct Started {
  std::vector<std::string> errors;
  std::uint64_t threads_ended_before = 0;
};

// libburn refuses to start a write ("A drive operation is still going
// on") while the thread of an earlier write to a drive at the same address
// is still winding down — after a failed write it sleeps half a second
// before it ends, though the drive already reads as idle — and the refused
// write then looks like one that went well. A refused start wrote nothing,
// so it is tried again for a while.
Started start_write(Drive& drive, burn::burn_write_opts* opts, burn::burn_disc* disc,
                    core::Logger& log) {
  constexpr auto k_retry = std::chrono::milliseconds(100);
  constexpr int k_attempts = 50;
  for (int attempt = 1;; ++attempt) {
    Started started;
    started.threads_ended_before = write_threads_ended();
    burn::isoburn_disc_write(opts, disc);
    started.errors = log_messages(log);
    const bool refused =
        std::any_of(started.errors.begin(), started.errors.end(), [](const std::string& error) {
          return error.find("still going on") != std::string::npos;
        });
    if (!refused) {
      return started;
    }
    if (attempt == k_attempts) {
      throw Error(ExitCode::action, fmt::format("[{}] is still busy with an earlier operation: {}",
                                                drive.name(), reasons(started.errors)));
    }
    std::this_thread::sleep_for(k_retry);
  }
}

// The drive reads idle before libburn's write thread has finished with
// it: the thread then still resets the drive's buffer, and activating the
// session meanwhile (it writes through the same drive) crashed a store.
// So the write ends when the thread has said so. A start that failed at
// once spawned no thread: it reads as not written well, and finish_write
// reports it.
void wait_for_write_thread(Drive& drive, Started& started, core::Logger& log) {
  constexpr auto k_no_thread = std::chrono::seconds(2);
  constexpr auto k_limit = std::chrono::seconds(60);
  const auto begin = std::chrono::steady_clock::now();
  for (;;) {
    const auto errors = log_messages(log);
    started.errors.insert(started.errors.end(), errors.begin(), errors.end());
    if (write_threads_ended() != started.threads_ended_before) {
      return;
    }
    const auto waited = std::chrono::steady_clock::now() - begin;
    if (waited > k_no_thread && burn::isoburn_drive_wrote_well(drive.handle()) != 1) {
      return;
    }
    if (waited > k_limit) {
      throw Error(ExitCode::action,
                  fmt::format("The write to [{}] did not end within {} s after the drive went "
                              "idle; the session is not completed.",
                              drive.name(), k_limit.count()));
    }
    std::this_thread::sleep_for(k_poll);
  }
}

// A session with a file that could not be read (libisofs wrote zeros in
// its place) is not made the medium's newest: on overwriteable media and
// stdio: images it is never activated, so the medium reads as before.
void finish_write(Drive& drive, core::Logger& log, bool cancelled, std::vector<std::string> errors,
                  const std::vector<std::string>& read_errors) {
  burn::burn_drive* handle = drive.handle();
  const bool wrote_well = burn::isoburn_drive_wrote_well(handle) == 1;
  const auto late_errors = log_messages(log);
  errors.insert(errors.end(), late_errors.begin(), late_errors.end());
  if (cancelled) {
    throw Error(ExitCode::interrupted, "Backup interrupted while writing to the medium.");
  }
  if (!read_errors.empty()) {
    errors.insert(errors.begin(), read_errors.begin(), read_errors.end());
    throw Error(ExitCode::action,
                fmt::format("Staged files could not be read while writing the session to [{}]: {}",
                            drive.name(), reasons(errors)));
  }
  if (!wrote_well) {
    throw Error(ExitCode::action, fmt::format("Writing the session to [{}] failed: {}",
                                              drive.name(), reasons(errors)));
  }
  if (burn::isoburn_activate_session(handle) <= 0) {
    throw Error(ExitCode::action, fmt::format("Cannot complete the session on [{}]: {}",
                                              drive.name(), reasons(log_messages(log))));
  }
  burn::isoburn_sync_after_write(handle, nullptr, 0);
  log_messages(log);
}

} // namespace

std::int64_t image_size(Drive& drive, const SessionSpec& spec, core::Logger& log) {
  Prepared prepared = prepare(drive, spec, true, log);
  const std::int64_t bytes = prepared.bytes;
  cancel(drive, prepared, log);
  return bytes;
}

WriteReport write_session(Drive& drive, const SessionSpec& spec, core::Logger& log,
                          const core::StopFlag* stop, const WriteObserver& observer) {
  const MediumState state = drive.state();
  log.debug("Writing to [{}]: FIFO of {}, speed {}.", drive.name(),
            core::display_bytes(spec.fifo_size),
            spec.speed_kbs ? core::display_rate(*spec.speed_kbs * 1000.0) : "the drive's best");
  burn::burn_drive_set_speed(drive.handle(), 0, spec.speed_kbs.value_or(0));
  Prepared prepared = prepare(drive, spec, false, log);
  WriteReport report;
  report.image_bytes = prepared.bytes;
  report.start_byte = prepared.start_byte;
  report.files = prepared.tree.files();
  report.content_bytes = prepared.tree.bytes();
  report.fifo_size = spec.fifo_size;
  if (prepared.bytes > spec.available) {
    cancel(drive, prepared, log);
    throw Error(ExitCode::action,
                fmt::format("Media does not contain enough capacity to store image: the image "
                            "needs {}, [{}] has {} available ({} short).{}",
                            core::display_bytes(prepared.bytes), drive.name(),
                            core::display_bytes(spec.available),
                            core::display_bytes(prepared.bytes - spec.available),
                            spec.space_note.empty() ? "" : " " + spec.space_note));
  }
  WriteOpts opts;
  try {
    const bool multi = !state.overwriteable && !drive.is_stdio();
    opts = write_options(drive, prepared.disc.get(), spec.write_type, multi);
  } catch (...) {
    cancel(drive, prepared, log);
    throw;
  }
  Started started = start_write(drive, opts.get(), prepared.disc.get(), log);
  bool cancelled = false;
  watch(drive, report, stop, observer, cancelled);
  wait_for_write_thread(drive, started, log);
  prepared.disc.reset();
  finish_write(drive, log, cancelled, std::move(started.errors), prepared.tree.read_errors());
  return report;
}

} // namespace cback::media
