#pragma once

// Writes one session: an ISO 9660 image (Rock Ridge, Joliet, MD5 of the
// session and of every file) of a list of directories, each grafted at its
// own point, streamed by libisofs through a FIFO into the drive. No image
// is ever written to a temporary file and copied (a new image file is
// written once, beside the old one: replacement_image.hpp). On a medium
// that already holds sessions the previous tree is loaded and the new
// session adds to it (libisoburn's growing); on a blank medium it is the
// first session.
//
// The image size is known before a byte is written: an image larger than
// the space the caller allows is refused with the numbers and the medium is
// left untouched.

#include <cback/media/drive.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace cback::core {
class Logger;
class StopFlag;
} // namespace cback::core

namespace cback::io {
class Backend;
} // namespace cback::io

namespace cback::media {

/// The contents of `source` appear at /`graft_point` on the disc
/// ("2026/11/27", no leading slash). A graft point that already exists in
/// the previous session is replaced.
struct Graft {
  std::filesystem::path source;
  std::string graft_point;
};

enum class WriteType { automatic, tao };

/// Paces the reads of the staged files: called on libisofs's writer thread
/// with the bytes it is about to take from a file, before it takes them.
/// cback-bench's slow or stalling source; the store has none.
using ReadGate = std::function<void(std::int64_t bytes)>;

struct SessionSpec {
  std::vector<Graft> grafts;
  std::string volume_id;        ///< at most 32 characters
  std::int64_t fifo_size = 0;   ///< bytes; libisoburn allows 64 KiB .. 1 GiB
  std::optional<int> speed_kbs; ///< write speed in kB/s; nullopt = the drive's best
  std::int64_t available = 0;   ///< bytes the image may take; more is refused
  std::string space_note;       ///< added to a refusal for lack of space: why space is short
  WriteType write_type = WriteType::automatic; ///< tao for CD multisession
  ReadGate read_gate;                          ///< empty: read as fast as the disk gives
  /// Reads the staged files: the run's backend (Context::io; a tool makes
  /// one the same way). Required.
  io::Backend* io = nullptr;
};

/// The FIFO size libisoburn gets for a requested one: 64 KiB..1 GiB.
std::int64_t effective_fifo_size(std::int64_t requested);

/// One look at the write in progress (every poll, about 10 ms apart). The
/// observer runs on the calling thread and must not throw: the drive is
/// writing while it runs.
struct WriteSample {
  std::chrono::duration<double> elapsed{};
  std::int64_t image_bytes = 0; ///< the whole session
  std::int64_t written = 0;     ///< bytes the drive has taken
  std::int64_t fifo_fill = 0;   ///< bytes waiting in the FIFO
  std::int64_t fifo_size = 0;
  bool fifo_input_open = false; ///< libisofs is still feeding the FIFO
  std::int64_t buffer_fill = 0; ///< bytes in the drive's buffer (0 on stdio)
  std::int64_t buffer_capacity = 0;
};
using WriteObserver = std::function<void(const WriteSample&)>;

/// What the write did. The FIFO figures are sampled while the drive wrote
/// (libisoburn keeps its FIFO to itself); the drive buffer minimum comes
/// from libburn's own count.
struct WriteReport {
  std::int64_t image_bytes = 0;
  std::int64_t start_byte = 0;     ///< where the session starts on the medium
  std::uint64_t files = 0;         ///< regular files the new grafts hold
  std::uint64_t content_bytes = 0; ///< their content bytes, read to write the image
  std::int64_t fifo_size = 0;
  std::int64_t fifo_min_fill = 0;
  int fifo_empty_count = 0; ///< times the FIFO was seen empty while writing
  std::optional<std::int64_t> buffer_min_fill;
  std::int64_t buffer_capacity = 0;
  std::chrono::duration<double> duration{};
};

/// Builds the image of `spec` on the medium in `drive` and writes it as a
/// new session (a new disc if the medium is blank or grabbed as blank).
/// Throws cback::Error(action) naming the device: "Media does not contain
/// enough capacity ..." before writing when the image exceeds
/// spec.available, or the library's reasons (such as "No space left on
/// device") when the write fails; Error(interrupted) when `stop` is
/// requested (the write is cancelled).
WriteReport write_session(Drive& drive, const SessionSpec& spec, core::Logger& log,
                          const core::StopFlag* stop = nullptr, const WriteObserver& observer = {});

/// The size in bytes the image of `spec` would have on the medium in
/// `drive` (nothing is written).
std::int64_t image_size(Drive& drive, const SessionSpec& spec, core::Logger& log);

} // namespace cback::media
