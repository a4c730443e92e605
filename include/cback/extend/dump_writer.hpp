#pragma once

// Dumps written by extensions (docs/compatibility.md, "Extensions": mysql, postgresql,
// subversion, mbox, sysinfo): a command's standard output, compressed while
// it streams, lands in TARGET[.gz|.bz2|.zst].partial and is renamed to its
// final name only once the command succeeded and the file is on disk. On
// any failure (non-zero exit, disk full, stop) the .partial is removed and
// the error names the extension and the item.
//
// Typical use, from an extension:
//
//   extend::DumpRequest dump{
//       .extension = "mysql",
//       .item = "database [shop]",
//       .argv = {"mysqldump", "--databases", "shop"},
//       .target = collect_dir / "mysqldump-shop.txt",
//       .compress = config::CompressMode::bzip2,
//   };
//   const auto written = extend::write_dump(context, dump); // .../mysqldump-shop.txt.bz2

#include <cback/config/model.hpp>
#include <cback/core/atomic_file.hpp>
#include <cback/core/process.hpp>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cback {
struct Context;
}

namespace cback::extend {

/// The suffix a compress mode adds to a file name: "", ".gz", ".bz2", ".zst"
/// (the first three as the original).
std::string_view compress_suffix(config::CompressMode mode);

/// A file written through a compressor and committed by rename: the bytes
/// given to write() go, compressed with `mode` (gzip and bzip2 at level 9
/// as the original's Python modules, zstd at its default level), into
/// PATH.partial; commit() finishes the stream, fsyncs and renames it to
/// PATH. Destroyed before commit(), it removes the .partial. Mode 0666 less
/// the umask, like the original; ownership is the caller's business.
class CompressedFile {
public:
  /// `path` is the final name, suffix included. Throws Error(action).
  CompressedFile(std::filesystem::path path, config::CompressMode mode);
  ~CompressedFile();
  CompressedFile(const CompressedFile&) = delete;
  CompressedFile& operator=(const CompressedFile&) = delete;

  /// Appends (uncompressed) bytes. Throws Error(action) naming the
  /// .partial file and the reason (e.g. "No space left on device").
  void write(std::span<const std::byte> bytes);
  void write(std::string_view text);
  /// Ends the compressed stream and commits the file. Throws Error(action).
  void commit();

  [[nodiscard]] const std::filesystem::path& path() const noexcept { return m_file.path(); }
  [[nodiscard]] const std::filesystem::path& partial_path() const noexcept {
    return m_file.partial_path();
  }

private:
  class Encoder;
  core::AtomicFile m_file;
  std::unique_ptr<Encoder> m_encoder; ///< null for CompressMode::none
};

/// Whether a non-zero exit of the dump command fails the dump. sysinfo's
/// `ls -laR /` exits 1 on unreadable entries and its output is still kept.
enum class ExitStatus { must_be_zero, ignored };

struct DumpRequest {
  std::string_view extension; ///< "mysql": names the extension in errors and logs
  std::string item;           ///< "database [shop]", "all databases": names the item
  /// argv[0] goes through the configured <override>s (CommandRunner).
  std::vector<std::string> argv;
  /// The output file without its compression suffix, e.g.
  /// COLLECT_DIR/mysqldump.txt; the suffix of `compress` is appended.
  std::filesystem::path target;
  config::CompressMode compress = config::CompressMode::none;
  /// The command's stderr: into the output log (merge) or /dev/null.
  core::Stderr stderr_mode = core::Stderr::merge;
  ExitStatus exit_status = ExitStatus::must_be_zero;
  std::chrono::milliseconds timeout{0}; ///< 0 = none
};

/// Runs `request.argv` through context.runner (argv, never a shell), with
/// its stdout streamed through a CompressedFile. On success the file is
/// committed, chowned to options.backup_user:backup_group when running as
/// root (docs/compatibility.md, "Ownership"), and its path (suffix included) returned.
/// Throws Error(action) "Extension [E] failed on ITEM: ..." when the
/// command cannot run or exits non-zero (with ExitStatus::must_be_zero; the
/// message carries the last output lines) or the file cannot be written; a
/// stop request unwinds with Error(interrupted). In every failure the
/// .partial is gone and a file of the final name is left as it was.
std::filesystem::path write_dump(Context& context, const DumpRequest& request);

} // namespace cback::extend
