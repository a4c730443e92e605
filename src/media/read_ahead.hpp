#pragma once

// Read-ahead of the staged files for the image writer, for src/media only.
//
// libisofs writes the image on one thread: it reads each file 2 KiB at a
// time, computes the file's MD5 and the session's MD5 over it, and hands it
// to the FIFO. With a cold page cache that thread also waits for the disk
// between its MD5s, so the two costs add up. ReadAhead reads the files on a
// thread of its own, in the order libisofs will write them, through the
// run's I/O backend (an io::StreamReader per file, on one Engine with a
// few reads in flight) into pool buffers: the disk works while libisofs
// computes, and libisofs's reads become copies from memory.
//
// The pool bounds the memory (k_window bytes, allocated once). Files are
// handed out strictly in order: opening file k drops whatever is buffered
// of the files before it (libisofs never writes a file that another one
// with the same content already wrote). A file asked for out of order —
// which libisofs's order, fixed by sort weights, does not produce — is read
// directly from disk by its stream instead (ReadAhead::Claim::direct).

#include <cback/core/buffer_pool.hpp>
#include <cback/core/unique_fd.hpp>
#include <cback/io/backend.hpp>

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <sys/types.h>
#include <thread>
#include <vector>

namespace cback::media {

/// Opens the staged file `path` for reading, as it was when the image was
/// planned: the staging dir belongs to the backup user, who may have put
/// something else at that name since. The open never follows a symbolic
/// link, never blocks on a FIFO or a device, and succeeds only for the
/// regular file with device `dev` and inode `ino`. On failure the fd is
/// invalid and errno says why (ESTALE: another file is there now);
/// staged_file_error() puts that into words.
[[nodiscard]] core::UniqueFd open_staged_file(const std::string& path, dev_t dev,
                                              ino_t ino) noexcept;
/// What a failed open_staged_file() or read means, for the store's error.
[[nodiscard]] std::string staged_file_error(int error);

class ReadAhead {
public:
  /// Bytes read ahead at most (the pool's size).
  static constexpr std::size_t k_window = 16 * 1024 * 1024;
  /// The pool's buffer size. A buffer holds bytes of one file only, so
  /// small buffers let many small files wait in the window (256 here);
  /// with 256 KiB buffers (64 files) the store was measurably slower
  /// (docs/ARCHITECTURE.md, "The media layer").
  static constexpr std::size_t k_piece = 64 * 1024;
  /// Reads of one file in flight: 512 KiB of a large file at a time.
  static constexpr unsigned k_depth = 8;

  // The path as a plain string: a std::filesystem::path keeps a list of its
  // components, about 1 KB per staged file.
  struct File {
    std::string path;
    std::int64_t size = 0;
    dev_t dev = 0; ///< the file that was staged: see open_staged_file()
    ino_t ino = 0;
  };

  /// How a stream reads its file: from the read-ahead's buffers (`ring`),
  /// or (out of order) itself.
  enum class Claim { ring, direct };

  /// Reads through `backend` (the run's), which must outlive the
  /// ReadAhead; its Engine and the pool are made at the first claim.
  explicit ReadAhead(io::Backend& backend) : m_backend(&backend) {}
  ReadAhead(const ReadAhead&) = delete;
  ReadAhead& operator=(const ReadAhead&) = delete;
  /// Calls stop().
  ~ReadAhead();

  /// Stops and joins the reading thread and frees the pool; later reads
  /// end at once (libisofs then pads with zeros).
  void stop();

  /// Appends a file to the order; returns its index. Only before the first
  /// claim.
  std::size_t add(File file);

  /// Called when libisofs opens file `index` (its writer thread). Starts the
  /// reading thread on the first call. Returns Claim::direct when the file
  /// was already passed by, or after stop(), or when no Engine can be made
  /// (its reason is then among errors(), so the session fails).
  Claim claim(std::size_t index);

  /// Copies up to `count` next bytes of file `index` (claimed with
  /// Claim::ring) into `out`, waiting for the reading thread as needed.
  /// Returns the bytes copied: fewer than `count` only at the end of the
  /// file as read; -errno when the file could not be opened or read.
  std::int64_t read(std::size_t index, char* out, std::size_t count);

  /// Records that a file could not be read ("[path]: reason").
  void note_error(std::string error);
  std::vector<std::string> errors() const;

private:
  // Bytes of one file in a pool buffer, or the end of a file (no buffer;
  // `error` is 0 or an errno).
  struct Piece {
    std::size_t index = 0;
    core::Buffer buffer;
    std::size_t position = 0; // the first byte libisofs has not taken
    bool end = false;
    int error = 0;
  };

  // The reading thread: every file in order but those libisofs has gone
  // past. read_file returns false when stopped.
  void run(std::unique_ptr<io::Engine> engine);
  bool read_file(io::Engine& engine, std::size_t index);
  // Appends `piece` and wakes libisofs's thread if it waits.
  void push(Piece piece);
  void drop_before(std::size_t index);

  io::Backend* m_backend;
  std::vector<File> m_files;
  // Before m_pieces: the pool outlives the buffers they hold.
  std::optional<core::BufferPool> m_pool;

  mutable std::mutex m_mutex;
  std::vector<std::string> m_errors;
  std::condition_variable m_data_ready;
  std::deque<Piece> m_pieces;
  std::int64_t m_current = -1; // the file libisofs reads; those before are dropped
  bool m_writer_waiting = false;
  bool m_stop = false;
  std::thread m_thread;
};

} // namespace cback::media
